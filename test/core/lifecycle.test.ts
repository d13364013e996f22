import { describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import { canTransition, nextState } from "../../src/domain/lifecycle.js";

describe("conversation lifecycle", () => {
  it("moves bot -> queued -> assigned -> resolved", () => {
    expect(nextState("bot", "escalate")).toBe("queued");
    expect(nextState("queued", "claim")).toBe("assigned");
    expect(nextState("assigned", "resolve")).toBe("resolved");
  });

  it("supports release, transfer, back-to-bot and abandonment", () => {
    expect(nextState("assigned", "release")).toBe("queued");
    expect(nextState("assigned", "transfer")).toBe("queued");
    expect(nextState("queued", "return_to_bot")).toBe("bot");
    expect(nextState("queued", "abandon")).toBe("bot");
    expect(nextState("resolved", "reopen")).toBe("bot");
  });

  it("refuses impossible moves with a coded error", () => {
    expect(canTransition("bot", "claim")).toBe(false);
    // A conversation back with the bot has nobody to resolve it (a stale card's Resolve must not).
    expect(canTransition("bot", "resolve")).toBe(false);
    try {
      nextState("resolved", "claim");
      expect.unreachable();
    } catch (error) {
      expect(isWarmlineError(error, "invalid_transition")).toBe(true);
      expect((error as Error).message).toMatch(/Cannot claim a conversation that is resolved/);
    }
  });
});
