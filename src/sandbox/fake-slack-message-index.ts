import type { FakeSlackMessage } from "./fake-slack-api.js";

export interface FakeSlackMessageIndex {
  /** The message posted in `channel` at `ts`, if it is still in the list. */
  find(channel: unknown, ts: unknown): FakeSlackMessage | undefined;
  /** A message the fake just appended to the list. */
  added(message: FakeSlackMessage): void;
  /** A message the fake just removed from the list. */
  removed(channel: unknown, ts: unknown): void;
}

/**
 * The fake Slack Web API's messages by channel and ts: the bench posts thousands of thread replies,
 * each looking up its parent. Built from the list whenever the list is replaced (a test or the bench
 * trims it); a message pushed onto it from outside is still found, by a scan.
 */
export function createFakeSlackMessageIndex(list: () => FakeSlackMessage[]): FakeSlackMessageIndex {
  const byTs = new Map<string, FakeSlackMessage>();
  let indexed: FakeSlackMessage[] | undefined;
  const key = (channel: unknown, ts: unknown) => `${String(channel)}:${String(ts)}`;
  return {
    find(channel, ts) {
      const messages = list();
      if (indexed !== messages) {
        byTs.clear();
        for (const m of messages) byTs.set(key(m.channel, m.ts), m);
        indexed = messages;
      }
      return byTs.get(key(channel, ts)) ?? messages.find((m) => m.channel === channel && m.ts === ts);
    },
    added(message) {
      if (indexed === list()) byTs.set(key(message.channel, message.ts), message);
    },
    removed(channel, ts) {
      byTs.delete(key(channel, ts));
    },
  };
}
