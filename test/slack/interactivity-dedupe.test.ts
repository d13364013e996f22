import type { App } from "@slack/bolt";
import { describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { registerInteractionDedupe } from "../../channels/slack/interactivity-dedupe.js";
import { createSilentLogger } from "../../src/logging.js";
import { buttonAction } from "../../src/sandbox/slack-signing.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

type Middleware = (args: { body: unknown; next: () => Promise<void>; ack: () => Promise<void> }) => Promise<void>;

/** The dedupe middleware as Bolt would run it, over a real (in-memory) store. */
async function dedupe() {
  let middleware: Middleware | undefined;
  const app = { use: (m: Middleware) => (middleware = m) } as unknown as App;
  registerInteractionDedupe(app, await createMemoryStore(), createSilentLogger());
  const click = buttonAction(SLACK_ACTION_IDS.claim, {
    user: "U0AGENT01",
    channel: "C0RETENT1",
    messageTs: "1700000100.000021",
    conversationId: "conv_1",
  });
  /** Sends the click; `handler` stands for Bolt's listeners. Resolves with whether they ran and whether the click was acknowledged. */
  const send = async (handler: () => Promise<void> = async () => {}) => {
    const seen = { ran: false, acked: false };
    const next = () => {
      seen.ran = true;
      return handler();
    };
    return { seen, done: middleware!({ body: click, next, ack: async () => void (seen.acked = true) }) };
  };
  return send;
}

describe("Slack interaction dedupe: a replay of a handled click is dropped, a click that never finished is not", () => {
  it("a click whose process died mid-handler acts when it is sent again", async () => {
    const send = await dedupe();
    // The first copy's handler never finishes: the process was killed while it ran.
    const dying = await send(() => new Promise<void>(() => {}));
    await vi.waitFor(() => expect(dying.seen.ran).toBe(true));
    const again = await send();
    await again.done;
    expect(again.seen.ran).toBe(true);
  });

  it("a click whose handler failed acts when it is sent again", async () => {
    const send = await dedupe();
    const failing = await send(async () => {
      throw new Error("store unavailable");
    });
    await expect(failing.done).rejects.toThrow("store unavailable");
    const again = await send();
    await again.done;
    expect(again.seen.ran).toBe(true);
  });

  it("a click sent again after its handler ran is acknowledged and dropped", async () => {
    const send = await dedupe();
    await (await send()).done;
    const replay = await send();
    await replay.done;
    expect(replay.seen).toEqual({ ran: false, acked: true });
  });
});
