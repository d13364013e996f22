/**
 * When to try an outbound message again. Pure: the failure, the attempt count and the time come
 * in; the decision comes out. The outbox dispatcher applies it and persists the result.
 */

/** How a delivery failed, as the adapter classified it. */
export type DeliveryFailureKind =
  /** The platform said "slow down" and when to come back (Slack 429 + Retry-After). */
  | "rate_limited"
  /** Might work next time: 5xx, network error, timeout. */
  | "transient"
  /** The channel is not connected (WhatsApp not ready): nothing was attempted. */
  | "unavailable"
  /** A retry cannot fix it (channel archived, token revoked, message rejected). */
  | "permanent";

export interface RetryPolicy {
  /** Transient failures before the message is parked as failed. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Rate limits and an unavailable channel don't use up attempts; they give up after this long. */
  giveUpAfterMs: number;
}

export interface RetryInput {
  kind: DeliveryFailureKind;
  /** Attempts made so far, including the one that just failed (when it counted). */
  attempts: number;
  retryAfterMs?: number;
  /** When the message was first queued. */
  createdAt: number;
  now: number;
  policy: RetryPolicy;
  /**
   * Spreads the retries of messages that failed together (a Slack 500 storm fails every lane at
   * once): the same key always gets the same spread, so the decision stays a pure function.
   */
  jitterKey?: string;
}

export type RetryDecision = { retry: true; at: number } | { retry: false; why: string };

/** Exponential backoff from baseDelayMs, doubling per attempt, capped at maxDelayMs. */
export function backoffMs(attempts: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
}

/** A stable fraction in [0, 1) from a key (FNV-1a), standing in for Math.random() so tests can replay it. */
export function jitterFraction(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 2 ** 32;
}

export function decideRetry(input: RetryInput): RetryDecision {
  const { kind, policy, now } = input;
  if (kind === "permanent") return { retry: false, why: "a retry cannot fix it" };
  if (kind === "transient" && input.attempts >= policy.maxAttempts) return { retry: false, why: `${input.attempts} attempts failed` };
  if (now - input.createdAt >= policy.giveUpAfterMs) {
    return { retry: false, why: `still failing after ${Math.round((now - input.createdAt) / 60_000)} minutes` };
  }
  const spread = input.jitterKey === undefined ? 0 : jitterFraction(input.jitterKey);
  if (kind === "rate_limited" && input.retryAfterMs !== undefined) {
    // Retry-After is the platform's own answer: never earlier, and spread over one base delay after it
    // so the lanes it held back don't all come back in the same millisecond and hit the limit again.
    return { retry: true, at: now + Math.max(input.retryAfterMs, 0) + Math.floor(spread * policy.baseDelayMs) };
  }
  // "Equal jitter": between half and all of the backoff, so waits still grow but stop lining up.
  const backoff = backoffMs(input.attempts, policy);
  return { retry: true, at: now + backoff - Math.floor((spread * backoff) / 2) };
}
