import type { App } from "@slack/bolt";
import { describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { registerInteractionDedupe, SLACK_INTERACTION_RUNNING_TTL_MS } from "../../channels/slack/interactivity-dedupe.js";
import { createSilentLogger } from "../../src/logging.js";
import { buttonAction } from "../../src/sandbox/slack-signing.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

type Middleware = (args: { body: unknown; next: () => Promise<void>; ack: () => Promise<void> }) => Promise<void>;

/** The dedupe middleware as Bolt runs it, over a real (in-memory) store on a clock the test moves. */
async function dedupe() {
  let middleware: Middleware | undefined;
  let now = 1_796_000_000_000;
  const app = { use: (m: Middleware) => (middleware = m) } as unknown as App;
  registerInteractionDedupe(app, await createMemoryStore({ clock: { now: () => now } }), createSilentLogger());
  const click = buttonAction(SLACK_ACTION_IDS.claim, {
    user: "U0AGENT01",
    channel: "C0RETENT1",
    messageTs: "1700000100.000021",
    conversationId: "conv_1",
  });
  /** Sends the click; `handler` stands for Bolt's listeners. `seen` says whether they ran and whether the click was acknowledged. */
  const send = (handler: () => Promise<void> = async () => {}) => {
    const seen = { ran: false, acked: false };
    const next = () => {
      seen.ran = true;
      return handler();
    };
    return { seen, done: middleware!({ body: click, next, ack: async () => void (seen.acked = true) }) };
  };
  return { send, advance: (ms: number) => (now += ms) };
}

describe("Slack interaction dedupe: a replay of a handled click is dropped, a click that never finished is not", () => {
  it("a click whose process died mid-handler acts when sent again, once the dead copy's hold has passed", async () => {
    const { send, advance } = await dedupe();
    // The first copy's handler never finishes: the process was killed while it ran.
    const dying = send(() => new Promise<void>(() => {}));
    await vi.waitFor(() => expect(dying.seen.ran).toBe(true));
    const tooSoon = send();
    await expect(tooSoon.done).rejects.toThrow("was being handled");
    expect(tooSoon.seen.ran).toBe(false);
    advance(SLACK_INTERACTION_RUNNING_TTL_MS);
    const again = send();
    await again.done;
    expect(again.seen.ran).toBe(true);
  });

  it("of two copies racing, one runs and the other is refused, unacknowledged", async () => {
    const { send } = await dedupe();
    let finish = () => {};
    const first = send(() => new Promise<void>((resolve) => (finish = resolve)));
    await vi.waitFor(() => expect(first.seen.ran).toBe(true));
    const racing = send();
    await expect(racing.done).rejects.toThrow("send it again once that one is done");
    expect(racing.seen).toEqual({ ran: false, acked: false });
    finish();
    await first.done;
  });

  it("a click sent again after its handler ran is acknowledged and dropped, even after the hold", async () => {
    const { send, advance } = await dedupe();
    await send().done;
    advance(SLACK_INTERACTION_RUNNING_TTL_MS);
    const replay = send();
    await replay.done;
    expect(replay.seen).toEqual({ ran: false, acked: true });
  });
});
