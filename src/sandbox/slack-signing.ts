/**
 * Signs requests the way Slack does (v0 HMAC-SHA256 of `v0:${timestamp}:${body}`) and posts them
 * to the real Bolt HTTP receiver. Payload builders start from the documented shapes under
 * src/sandbox/fixtures/slack/ and override only what a test or the sandbox cares about.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { SANDBOX_FIXTURES_DIR } from "../paths.js";
import type { FakeSlackFile } from "./fake-slack-api.js";

/** Fixture payloads are free-form JSON that tests reshape freely. */
// biome-ignore lint/suspicious/noExplicitAny: payloads are documented Slack JSON, reshaped field by field by their callers.
type Json = Record<string, any>;

/** Each fixture's text, read once: the bench builds an event from one for every agent message. */
const fixtureTexts = new Map<string, string>();

/** A fresh copy of a fixture payload, the caller's to reshape. */
export function slackFixture(name: string): Json {
  let text = fixtureTexts.get(name);
  if (text === undefined) {
    text = readFileSync(join(SANDBOX_FIXTURES_DIR, "slack", name), "utf8");
    fixtureTexts.set(name, text);
  }
  return JSON.parse(text) as Json;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedRequestOptions {
  /** Seconds since the epoch; default now (Bolt checks it against its own clock). */
  timestamp?: number;
  /** Overrides the computed signature (to test rejection). */
  signature?: string;
}

export interface SlackResponse {
  status: number;
  text: string;
  json?: Json;
}

export async function sendSignedRequest(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  options: SignedRequestOptions = {},
): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  // undici's request, not fetch: fetch wraps every body in web streams, and the bench's load generator
  // (which shares the cores with what it measures) sends an event for every agent message.
  const response = await request(url, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": options.signature ?? slackSignature(secret, timestamp, body),
    },
    body,
  });
  const text = await response.body.text();
  let json: Json | undefined;
  try {
    json = text ? (JSON.parse(text) as Json) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, text, json };
}

/** Events API: a JSON body. */
export function postEvent(url: string, secret: string, payload: Json, options?: SignedRequestOptions): Promise<SlackResponse> {
  return sendSignedRequest(url, secret, JSON.stringify(payload), "application/json", options);
}

/** Interactivity: exactly application/x-www-form-urlencoded with `payload=<json>`. */
export function postInteraction(url: string, secret: string, payload: Json, options?: SignedRequestOptions): Promise<SlackResponse> {
  return sendSignedRequest(
    url,
    secret,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    "application/x-www-form-urlencoded",
    options,
  );
}

/** Slash commands: form fields. */
export function postCommand(
  url: string,
  secret: string,
  fields: Record<string, string>,
  options?: SignedRequestOptions,
): Promise<SlackResponse> {
  return sendSignedRequest(url, secret, new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded", options);
}

// ---- Payload builders ------------------------------------------------------------------------

let eventSeq = 0;
const nextEventId = () => `Ev${String(++eventSeq).padStart(10, "0")}`;

export interface ThreadReplyInput {
  channel: string;
  user: string;
  text: string;
  ts: string;
  threadTs: string;
  /** Set to post as a bot (the app itself, or another integration). */
  botId?: string;
  subtype?: string;
  files?: FakeSlackFile[];
}

export function threadReplyEvent(input: ThreadReplyInput): Json {
  const body = slackFixture(input.files ? "event-message-file-share.json" : "event-message-thread-reply.json");
  const event = body.event as Json;
  Object.assign(event, {
    channel: input.channel,
    user: input.user,
    text: input.text,
    ts: input.ts,
    event_ts: input.ts,
    thread_ts: input.threadTs,
  });
  delete event.blocks;
  if (input.files) event.files = input.files.map((f) => ({ ...event.files[0], ...f, user: input.user }));
  if (input.botId) event.bot_id = input.botId;
  if (input.subtype) event.subtype = input.subtype;
  // Slack gives every message its own client_msg_id (Warmline de-duplicates by it).
  if (event.client_msg_id !== undefined)
    event.client_msg_id = `${String(event.client_msg_id).slice(0, 24)}${String(eventSeq + 1).padStart(12, "0")}`;
  body.event_id = nextEventId();
  return body;
}

export function messageChangedEvent(input: {
  channel: string;
  user: string;
  ts: string;
  threadTs: string;
  before: string;
  after: string;
}): Json {
  const body = slackFixture("event-message-changed.json");
  const event = body.event as Json;
  event.channel = input.channel;
  Object.assign(event.message, { user: input.user, ts: input.ts, thread_ts: input.threadTs, text: input.after });
  Object.assign(event.previous_message, { user: input.user, ts: input.ts, thread_ts: input.threadTs, text: input.before });
  body.event_id = nextEventId();
  return body;
}

export interface ActionInput {
  user: string;
  channel: string;
  /** The card's ts. */
  messageTs: string;
  conversationId: string;
  /** The escalation the card was posted for; absent: a card from before cards carried it. */
  escalationId?: string;
}

/** What a card's buttons and actions block carry (channels/slack/context-card.ts encodes the same). */
const cardValue = (input: ActionInput) => (input.escalationId ? `${input.conversationId}:${input.escalationId}` : input.conversationId);

export function buttonAction(actionId: string, input: ActionInput): Json {
  const body = slackFixture("block-actions-button.json");
  body.user = { ...body.user, id: input.user };
  body.channel = { ...body.channel, id: input.channel };
  body.container = { ...body.container, channel_id: input.channel, message_ts: input.messageTs };
  body.message = { ...body.message, ts: input.messageTs };
  body.actions = [{ ...body.actions[0], action_id: actionId, value: cardValue(input), block_id: `warmline_actions:${cardValue(input)}` }];
  return body;
}

export function transferSelectAction(input: ActionInput & { toTeam: string; toTeamName?: string }): Json {
  const body = slackFixture("block-actions-static-select.json");
  body.user = { ...body.user, id: input.user };
  body.channel = { ...body.channel, id: input.channel };
  body.container = { ...body.container, channel_id: input.channel, message_ts: input.messageTs };
  body.message = { ...body.message, ts: input.messageTs };
  const action = body.actions[0] as Json;
  action.block_id = `warmline_actions:${cardValue(input)}`;
  action.selected_option = { text: { type: "plain_text", text: input.toTeamName ?? input.toTeam, emoji: true }, value: input.toTeam };
  return body;
}

export function viewSubmission(input: { user: string; callbackId: string; privateMetadata: string; values: Json }): Json {
  const body = slackFixture("view-submission.json");
  body.user = { ...body.user, id: input.user };
  Object.assign(body.view, { callback_id: input.callbackId, private_metadata: input.privateMetadata, state: { values: input.values } });
  return body;
}

export function slashCommand(input: { user: string; text: string; channel?: string }): Record<string, string> {
  const fields = slackFixture("slash-command.json") as Record<string, string>;
  return { ...fields, user_id: input.user, text: input.text, ...(input.channel ? { channel_id: input.channel } : {}) };
}
