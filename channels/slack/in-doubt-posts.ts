import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../src/ports/logger.js";

/** Message metadata event type that carries an outbox item's id, so a retry can find an earlier copy. */
export const SLACK_OUTBOX_EVENT_TYPE = "warmline_outbox";
/** A resumed delivery reads pages of this size (Slack recommends at most 200), up to this many. */
const SLACK_RESUME_PAGE_SIZE = 200;
const SLACK_RESUME_MAX_PAGES = 25;
/** It looks this far before the first attempt, as our clock and Slack's may differ a little. */
const SLACK_RESUME_CLOCK_SKEW_MS = 60_000;

/** The metadata that marks a message as an outbox delivery; none for direct posts. */
export function outboxMetadata(key: string | undefined): { metadata?: { event_type: string; event_payload: { id: string } } } {
  return key === undefined ? {} : { metadata: { event_type: SLACK_OUTBOX_EVENT_TYPE, event_payload: { id: key } } };
}

/**
 * Keys of Warmline's outbox messages already in a thread (or at the top of a channel, when
 * `threadTs` is undefined) since a time, with their ts: how an in-doubt delivery skips what an
 * earlier attempt already posted. Pages through everything since then: a long thread's latest
 * posts are on its last page.
 */
export async function findPostedOutboxKeys(
  client: WebClient,
  logger: Logger,
  channel: string,
  threadTs: string | undefined,
  since: number,
): Promise<Map<string, string>> {
  const oldest = String(Math.max(0, since - SLACK_RESUME_CLOCK_SKEW_MS) / 1000);
  const keys = new Map<string, string>();
  let cursor: string | undefined;
  for (let page = 0; page < SLACK_RESUME_MAX_PAGES; page++) {
    const query = { channel, oldest, include_all_metadata: true, limit: SLACK_RESUME_PAGE_SIZE, ...(cursor ? { cursor } : {}) };
    const result =
      threadTs === undefined ? await client.conversations.history(query) : await client.conversations.replies({ ...query, ts: threadTs });
    for (const message of result.messages ?? []) {
      const metadata = message.metadata as { event_type?: string; event_payload?: { id?: unknown } } | undefined;
      const id = metadata?.event_payload?.id;
      if (metadata?.event_type === SLACK_OUTBOX_EVENT_TYPE && typeof id === "string" && message.ts) keys.set(id, message.ts);
    }
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) return keys;
  }
  logger.warn(
    { channel, threadTs, pages: SLACK_RESUME_MAX_PAGES },
    "Stopped looking for an interrupted post's earlier copy after the page limit; it may be posted twice",
  );
  return keys;
}
