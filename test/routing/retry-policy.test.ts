import { describe, expect, it } from "vitest";
import { backoffMs, decideRetry, jitterFraction } from "../../routing/retry-policy.js";

const policy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 300_000, giveUpAfterMs: 3_600_000 };
const retryAt = (input: Partial<Parameters<typeof decideRetry>[0]>): number => {
  const decision = decideRetry({ kind: "transient", attempts: 1, createdAt: 0, now: 0, policy, ...input });
  if (!decision.retry) throw new Error(`expected a retry, got: ${decision.why}`);
  return decision.at;
};

describe("retry policy", () => {
  it("backs off exponentially up to the cap, and gives up after maxAttempts or giveUpAfterMs", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(40, policy)).toBe(300_000);
    expect(decideRetry({ kind: "transient", attempts: 6, createdAt: 0, now: 0, policy })).toMatchObject({
      retry: false,
      why: "6 attempts failed",
    });
    expect(decideRetry({ kind: "rate_limited", attempts: 0, createdAt: 0, now: 3_600_000, policy })).toMatchObject({ retry: false });
    expect(decideRetry({ kind: "permanent", attempts: 1, createdAt: 0, now: 0, policy })).toMatchObject({ retry: false });
  });

  it("without a jitter key the delay is the plain backoff, and Retry-After exactly", () => {
    expect(retryAt({ attempts: 3, now: 10 })).toBe(4010);
    expect(retryAt({ kind: "rate_limited", attempts: 0, retryAfterMs: 30_000 })).toBe(30_000);
  });

  it("spreads the retries of 200 messages that failed together, within half to all of the backoff", () => {
    const ats = Array.from({ length: 200 }, (_, i) => retryAt({ attempts: 4, jitterKey: `ob_${i}#4` }));
    for (const at of ats) {
      expect(at).toBeGreaterThanOrEqual(4000);
      expect(at).toBeLessThanOrEqual(8000);
    }
    // Spread over the window, not bunched: more than 150 distinct instants, every quarter used.
    expect(new Set(ats).size).toBeGreaterThan(150);
    for (const q of [0, 1, 2, 3]) expect(ats.some((at) => at >= 4000 + q * 1000 && at < 5000 + q * 1000)).toBe(true);
  });

  it("never retries before Retry-After, and spreads the comeback over one base delay after it", () => {
    const ats = Array.from({ length: 50 }, (_, i) =>
      retryAt({ kind: "rate_limited", attempts: 0, retryAfterMs: 30_000, jitterKey: `ob_${i}#0` }),
    );
    expect(Math.min(...ats)).toBeGreaterThanOrEqual(30_000);
    expect(Math.max(...ats)).toBeLessThan(31_000);
    expect(new Set(ats).size).toBeGreaterThan(40);
  });

  it("the same key gets the same decision: replayable, with no hidden randomness", () => {
    expect(retryAt({ attempts: 2, jitterKey: "ob_7#2" })).toBe(retryAt({ attempts: 2, jitterKey: "ob_7#2" }));
    expect(jitterFraction("ob_7#2")).toBeGreaterThanOrEqual(0);
    expect(jitterFraction("ob_7#2")).toBeLessThan(1);
  });
});
