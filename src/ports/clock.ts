/** Injected wherever time matters, so tests use fake time and never sleep. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
