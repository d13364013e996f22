/**
 * The parent's Slack: the project's fake Slack Web API (which every instance posts to) and the
 * agents' side of Slack (signed events and clicks to an instance's Bolt receiver). Posts carrying
 * a bench token are reported as deliveries the moment the fake receives them.
 */
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SANDBOX_AGENT, SANDBOX_CHANNELS, SANDBOX_USERS } from "../../src/demo/sandbox.js";
import { type FakeSlackApi, type FakeSlackCall, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { buttonAction, postEvent, postInteraction, type SlackResponse, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { BENCH_TOKEN_PATTERN, type BenchThread } from "./protocol.js";

export const BENCH_SIGNING_SECRET = "bench-signing-secret-0123456789abcdef";
export const BENCH_BOT_TOKEN = "xoxb-bench";

/** A post into a card's thread (a relayed customer message), or a new top-level post (a card). */
export type SlackDeliveryKind = "thread" | "card";

export interface BenchSlack {
  api: FakeSlackApi;
  /** An agent writes in the thread: a signed `message` event to the instance's receiver. */
  agentSays(eventsUrl: string, thread: BenchThread, text: string): Promise<SlackResponse>;
  /** The agent clicks Claim on the thread's card. */
  claim(eventsUrl: string, thread: BenchThread): Promise<SlackResponse>;
  /** Drops the recorded calls and thread replies (cards stay: threads are looked up by them), so long runs don't slow the fake. */
  forgetHistory(): void;
  close(): Promise<void>;
}

/** The token's sequence number in a post's text, else in its blocks (a card names the customer there). */
function tokenOf(args: Record<string, unknown>): number | undefined {
  const inText = typeof args.text === "string" ? BENCH_TOKEN_PATTERN.exec(args.text) : null;
  const found = inText ?? (args.blocks === undefined ? null : BENCH_TOKEN_PATTERN.exec(JSON.stringify(args.blocks)));
  return found ? Number(found[1]) : undefined;
}

export async function startBenchSlack(onDelivery: (kind: SlackDeliveryKind, seq: number) => void): Promise<BenchSlack> {
  const onCall = (call: FakeSlackCall) => {
    if (call.method !== "chat.postMessage") return;
    const seq = tokenOf(call.args);
    if (seq !== undefined) onDelivery(call.args.thread_ts === undefined ? "card" : "thread", seq);
  };
  const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS, onCall });
  // Agent messages need ts values Slack would give: unique and increasing.
  let tsSeq = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsSeq % 1_000_000).padStart(6, "0")}`;
  return {
    api,
    agentSays: (eventsUrl, thread, text) =>
      postEvent(
        eventsUrl,
        BENCH_SIGNING_SECRET,
        threadReplyEvent({ channel: thread.channel, user: SANDBOX_AGENT, text, ts: nextTs(), threadTs: thread.threadTs }),
      ),
    claim: (eventsUrl, thread) =>
      postInteraction(
        eventsUrl,
        BENCH_SIGNING_SECRET,
        buttonAction(SLACK_ACTION_IDS.claim, {
          user: SANDBOX_AGENT,
          channel: thread.channel,
          messageTs: thread.threadTs,
          conversationId: thread.conversationId ?? "",
          ...(thread.escalationId ? { escalationId: thread.escalationId } : {}),
        }),
      ),
    forgetHistory() {
      api.calls.length = 0;
      api.messages = api.messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
    },
    close: () => api.close(),
  };
}
