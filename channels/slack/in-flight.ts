import type { Middleware, AnyMiddlewareArgs } from "@slack/bolt";

/**
 * Counts Slack requests whose listeners are still running. Bolt acks before the work is done,
 * so graceful shutdown and the sandbox wait on this rather than guessing with timers.
 */
export interface SlackInFlightTracker {
  middleware: Middleware<AnyMiddlewareArgs>;
  /** Resolves when no listener is running. */
  idle(): Promise<void>;
}

export function createInFlightTracker(): SlackInFlightTracker {
  let running = 0;
  const waiters: (() => void)[] = [];
  return {
    middleware: async ({ next }) => {
      running++;
      try {
        await next();
      } finally {
        running--;
        if (running === 0) for (const wake of waiters.splice(0)) wake();
      }
    },
    idle: () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
