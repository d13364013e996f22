import type { AdminActions, AgentActions } from "../ports/agent-workspace.js";
import type { CustomerMessageChange, DeliveryUpdate, InboundCustomerMessage } from "../ports/customer-channel.js";
import { createAgentActions } from "./agent-actions.js";
import { createCustomerFlow } from "./customer-flow.js";
import { createDelivery } from "./delivery.js";
import { createEngineCore, type EngineDeps } from "./engine-core.js";
import { forgetCustomer } from "./erasure.js";
import { createFallback } from "./fallback.js";
import { teamStatus } from "./team-status.js";
import { createTimers } from "./timers.js";

export type { EngineDeps, EngineObserver } from "./engine-core.js";
export { SURVEY_EXPIRES_AFTER_MS } from "./surveys.js";
export { ENGINE_TICK_INTERVAL_MS } from "./timers.js";

export interface Engine extends AgentActions, AdminActions {
  handleInboundMessage(message: InboundCustomerMessage): Promise<void>;
  handleMessageChange(change: CustomerMessageChange): Promise<void>;
  handleDelivery(update: DeliveryUpdate): Promise<void>;
  /** Starts delivering the outbox, including what an earlier process left in flight. */
  start(): Promise<void>;
  /** Claim timers, transcript retention, due retries, the fallback when Slack is down. Call it periodically (src/main.ts does). */
  tick(): Promise<void>;
  /** Puts failed outbound messages back in their lanes; returns how many. All of them, or one by id. */
  replayFailed(id?: string): Promise<number>;
  /** Resolves once all work accepted so far has finished and the outbox has nothing due (graceful shutdown, tests). */
  drain(): Promise<void>;
  /** Drains, then stops delivering. */
  stop(): Promise<void>;
}

/**
 * The conversation engine: one shared core (load, mutate-and-record, effects out) and a module per
 * use case: the customer's flow, agent actions, timers, delivery, erasure, team status.
 */
export function createEngine(deps: EngineDeps): Engine {
  const core = createEngineCore(deps, {
    // The dispatcher calls these only once started or kicked by a commit, after `delivery` exists.
    deliver: (item, attempt) => delivery.deliver(item, attempt),
    onFailed: (item, reason) => delivery.reportFailure(item, reason),
  });
  const delivery = createDelivery(core);
  const timers = createTimers(core);
  const fallback = createFallback(core, deps.ticketing ?? []);

  return {
    ...createCustomerFlow(core),
    ...createAgentActions(core),
    status: () => teamStatus(core),
    forgetCustomer: (phoneOrAddress, by) => forgetCustomer(core, phoneOrAddress, by),
    start: () => core.dispatcher.start(),
    async tick() {
      await timers.tick();
      await fallback.tick();
    },
    replayFailed: delivery.replayFailed,
    drain: delivery.drain,
    async stop() {
      await delivery.drain();
      await core.dispatcher.stop();
    },
  };
}
