import { WarmlineError } from "../../src/domain/errors.js";

/**
 * Slack's ids, encoded as the opaque prefixed strings the core passes around.
 * Only this folder decodes them.
 */
export interface SlackThreadRef {
  channel: string;
  /** The parent message's ts: Slack identifies a thread by it. */
  threadTs: string;
}

/** A single Slack message; same shape as a thread ref (a thread is its parent message). */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const TS = /^\d{1,12}\.\d{1,8}$/;

function badId(kind: string, id: string, example: string): WarmlineError {
  return new WarmlineError(
    "bad_id",
    `"${id}" is not a Slack ${kind}: expected something like "${example}". It was probably made by another workspace adapter.`,
  );
}

function decodeChannelAndTs(id: string, kind: string): { channel: string; ts: string } {
  const parts = id.split(":");
  const [prefix, channel, ts] = parts;
  if (parts.length !== 3 || prefix !== "slack" || !CHANNEL_ID.test(channel ?? "") || !TS.test(ts ?? "")) {
    throw badId(kind, id, "slack:C0123ABCD:1700000000.000100");
  }
  return { channel: channel!, ts: ts! };
}

export function encodeSlackThreadRef(ref: SlackThreadRef): string {
  return `slack:${ref.channel}:${ref.threadTs}`;
}

export function decodeSlackThreadRef(id: string): SlackThreadRef {
  const { channel, ts } = decodeChannelAndTs(id, "thread ref");
  return { channel, threadTs: ts };
}

export function encodeSlackMessageRef(ref: SlackMessageRef): string {
  return `slack:${ref.channel}:${ref.ts}`;
}

export function decodeSlackMessageRef(id: string): SlackMessageRef {
  return decodeChannelAndTs(id, "message ref");
}

export function encodeSlackAgentId(userId: string): string {
  return `slack:${userId}`;
}

export function decodeSlackAgentId(id: string): string {
  const match = /^slack:([^:]+)$/.exec(id);
  if (!match || !USER_ID.test(match[1]!)) throw badId("agent id", id, "slack:U0123ABCD");
  return match[1]!;
}

/** The agent's user id when the ref is a Slack one, for `<@U…>` mentions; undefined otherwise. */
export function slackUserIdOf(agentId: string): string | undefined {
  try {
    return decodeSlackAgentId(agentId);
  } catch {
    return undefined;
  }
}
