import type { EventEmitter } from "node:events";
import type { Logger } from "../ports/logger.js";

/** What went wrong outside any handler, as counted in /metrics (warmline_process_faults_total{kind}). */
export type ProcessFault = "unhandled_rejection" | "uncaught_exception";

/** An uncaught exception gives the service this long to stop before the process exits anyway. */
export const FAULT_EXIT_TIMEOUT_MS = 15_000;

/** The part of `process` the guards use (an EventEmitter), so tests can hand in their own. */
export type GuardedProcess = Pick<EventEmitter, "on" | "off">;

/** The running service, once it has started: where faults are counted, and how it stops. */
export interface GuardedService {
  metrics: { countProcessFault(kind: ProcessFault): void };
  stop(): Promise<void>;
}

export interface ProcessGuards {
  /** From now on faults are counted in the service's metrics, and an uncaught exception stops it before exiting. */
  serve(service: GuardedService): void;
  uninstall(): void;
}

/**
 * The running service's last line of defence, installed by `warmline start` (never by library code:
 * an application embedding startWarmline keeps its own policy). The rule:
 *
 * - An unhandled rejection is a promise nobody awaited. Its work has already ended, and no stack was
 *   cut short: every change Warmline makes is one atomic store write (with its outbox items), so the
 *   most it leaves is a change not made, never half of one. State is safe: log it, count it, keep serving.
 * - An uncaught exception unwound a synchronous stack part way through whatever it was doing, perhaps
 *   an update to in-memory state (a queue, a lease, the WhatsApp client's session). Node documents the
 *   process as unsafe to resume after one. Log it, count it, stop (bounded) and exit 1, so a supervisor
 *   (systemd, Docker, Kubernetes) restarts it; the restart resumes from the store (in-doubt sends are
 *   checked before any resend). A second one while stopping exits at once.
 */
export function installProcessGuards(target: GuardedProcess, deps: { logger: Logger; exit: (code: number) => void }): ProcessGuards {
  const log = deps.logger.child({ component: "process" });
  let service: GuardedService | undefined;
  /** Faults before the service started, counted once it has. */
  const early: ProcessFault[] = [];
  let exiting = false;

  const count = (kind: ProcessFault) => (service ? service.metrics.countProcessFault(kind) : early.push(kind));

  const onRejection = (reason: unknown) => {
    count("unhandled_rejection");
    log.error({ err: describe(reason) }, "A promise failed with nobody waiting for it; the service keeps running (state is safe)");
  };
  const onException = (error: Error) => {
    count("uncaught_exception");
    log.error({ err: describe(error) }, "An uncaught exception: stopping, so that a supervisor restarts Warmline with a clean state");
    if (exiting) return deps.exit(1);
    exiting = true;
    const timer = setTimeout(() => deps.exit(1), FAULT_EXIT_TIMEOUT_MS);
    timer.unref?.();
    void Promise.resolve(service?.stop())
      .catch((stopError: unknown) => log.error({ err: describe(stopError) }, "Could not stop cleanly; exiting anyway"))
      .finally(() => {
        clearTimeout(timer);
        deps.exit(1);
      });
  };
  target.on("unhandledRejection", onRejection);
  target.on("uncaughtException", onException);
  return {
    serve(started) {
      service = started;
      for (const kind of early.splice(0)) started.metrics.countProcessFault(kind);
    },
    uninstall() {
      target.off("unhandledRejection", onRejection);
      target.off("uncaughtException", onException);
    },
  };
}

function describe(reason: unknown): { message: string; stack?: string } {
  return reason instanceof Error ? { message: reason.message, stack: reason.stack } : { message: String(reason) };
}
