import { randomUUID } from "node:crypto";
import type { AdminActions, AgentActions } from "../ports/agent-workspace.js";
import type { CustomerChannelEvents, CustomerMessageChange, DeliveryUpdate, InboundCustomerMessage } from "../ports/customer-channel.js";
import { createAgentActions } from "./agent-actions.js";
import { createCustomerFlow } from "./customer-flow.js";
import { createDelivery } from "./delivery.js";
import { createEngineCore, type EngineDeps } from "./engine-core.js";
import { forgetCustomer } from "./erasure.js";
import { createFallback } from "./fallback.js";
import { createInbox } from "./inbox.js";
import { teamStatus } from "./team-status.js";
import { createTimers } from "./timers.js";

export type { EngineDeps, EngineObserver } from "./engine-core.js";
export { SURVEY_EXPIRES_AFTER_MS } from "./surveys.js";
export { ENGINE_TICK_INTERVAL_MS } from "./timers.js";

export interface Engine extends AgentActions, AdminActions {
  /**
   * What a customer channel reports: each message and edit is stored in the inbox (resolving once
   * stored) and processed from there, in order per customer; delivery updates are applied at once.
   */
  readonly customerEvents: Required<Pick<CustomerChannelEvents, "onMessage" | "onMessageChange" | "onDelivery" | "lastInboundAt">>;
  /** Stores and processes a message, resolving once what it causes is delivered (simulate, tests). */
  handleInboundMessage(message: InboundCustomerMessage): Promise<void>;
  handleMessageChange(change: CustomerMessageChange): Promise<void>;
  handleDelivery(update: DeliveryUpdate): Promise<void>;
  /** Processes the inbox and delivers the outbox, including what an earlier process left unfinished. */
  start(): Promise<void>;
  /** Claim timers, transcript retention, due retries of the inbox and the outbox, the fallback when Slack is down. Call it periodically (src/main.ts does). */
  tick(): Promise<void>;
  /** Puts failed outbound messages and parked received ones back in their lanes; returns how many. All of them, or one by id. */
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
export function createEngine(options: EngineDeps): Engine {
  // One id for this instance's outbox and inbox leases.
  const instanceId = options.instanceId ?? `instance_${randomUUID()}`;
  const deps = { ...options, instanceId };
  const core = createEngineCore(deps, {
    // The dispatcher calls these only once started or kicked by a commit, after `delivery` exists.
    deliver: (item, attempt, completion) => delivery.deliver(item, attempt, completion),
    onFailed: (item, reason) => delivery.reportFailure(item, reason),
  });
  const delivery = createDelivery(core);
  const timers = createTimers(core);
  const fallback = createFallback(core, deps.ticketing ?? []);
  const flow = createCustomerFlow(core);
  const agentActions = createAgentActions(core);
  const { processAgentReply: _fromInbox, ...actions } = agentActions;
  const inbox = createInbox(core, flow, agentActions, instanceId);

  return {
    ...actions,
    customerEvents: {
      onMessage: inbox.receiveMessage,
      onMessageChange: inbox.receiveMessageChange,
      onDelivery: flow.handleDelivery,
      lastInboundAt: inbox.inboundWatermark,
    },
    handleInboundMessage: inbox.handleInboundMessage,
    handleMessageChange: inbox.handleMessageChange,
    handleDelivery: flow.handleDelivery,
    receiveAgentReply: inbox.receiveAgentReply,
    agentReply: inbox.agentReply,
    status: () => teamStatus(core),
    forgetCustomer: (phoneOrAddress, by) => forgetCustomer(core, phoneOrAddress, by, inbox.processor.holdLanes),
    async start() {
      await inbox.processor.start();
      await core.dispatcher.start();
      // Due times follow the config: a changed claim deadline, or data stored before due times were, is
      // rescheduled once here, after recovery is under way (it reads every open conversation).
      const rescheduled = await timers.reschedule();
      if (rescheduled > 0) core.log.info({ rescheduled }, "Claim timers rescheduled from the current config");
    },
    async tick() {
      // Entries whose retry is due, and lanes another instance left.
      await inbox.processor.kick();
      await timers.tick();
      await fallback.tick();
    },
    async replayFailed(id) {
      return (await inbox.processor.replayFailed(id)) + (await delivery.replayFailed(id));
    },
    async drain() {
      // Processing the inbox commits outbox items, so the inbox goes first.
      await inbox.processor.idle();
      await delivery.drain();
    },
    async stop() {
      await inbox.processor.stop();
      await delivery.drain();
      await core.dispatcher.stop();
    },
  };
}
