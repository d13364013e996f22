import type { AgentRef, Attachment } from "../domain/conversation.js";
import type { AgentReplyResult } from "../ports/agent-workspace.js";
import type { CustomerMessageChange, InboundCustomerMessage } from "../ports/customer-channel.js";
import type { AgentReply, InboxCompletion, InboxEntry, NewInboxEntry } from "../ports/inbox.js";
import { OUTBOX_OPS_LANE } from "../ports/outbox.js";
import type { AgentActionsFromInbox } from "./agent-actions.js";
import type { CustomerFlow } from "./customer-flow.js";
import type { EngineCore } from "./engine-core.js";
import { createInboxProcessor, type InboxProcessor, replayHandleOf } from "./inbox-processor.js";

/** What arrives from the outside, stored before anything else happens to it (see InboxProcessor). */
export interface Inbox {
  /** Stores a customer's message; resolves once it is durably stored (a copy already stored is a no-op). */
  receiveMessage(message: InboundCustomerMessage): Promise<void>;
  receiveMessageChange(change: CustomerMessageChange): Promise<void>;
  /** When the newest message stored from this channel was sent: a channel's catch-up after downtime starts there. */
  inboundWatermark(channel: string): Promise<number | undefined>;
  /** Stores and processes a customer's message; resolves once its conversation's effects are delivered (tests, simulate). */
  handleInboundMessage(message: InboundCustomerMessage): Promise<void>;
  handleMessageChange(change: CustomerMessageChange): Promise<void>;
  /**
   * Stores an agent's thread reply and starts its lane; resolves once it is durably stored, before it
   * is processed. What it comes to reaches the agent through the outbox (a notice on their message).
   */
  receiveAgentReply(thread: string, agent: AgentRef, text: string, messageRef: string, attachments?: Attachment[]): Promise<void>;
  /** Stores an agent's reply, then processes it; "pending" when it has to wait (its thread is not bound yet). */
  agentReply(
    thread: string,
    agent: AgentRef,
    text: string,
    messageRef: string,
    attachments?: Attachment[],
    options?: { send?: boolean },
  ): Promise<AgentReplyResult>;
  readonly processor: InboxProcessor;
}

export function createInbox(core: EngineCore, flow: CustomerFlow, actions: AgentActionsFromInbox, instanceId: string): Inbox {
  const { config, store, log } = core;
  /** What processing an entry came to (a conversation id, a reply's result), for the call here waiting on it, by entry id. */
  const outcomes = new Map<string, string | AgentReplyResult | undefined>();

  /** A message or a reply is recorded in one commit, which may complete the entry too (`completion`); a change is completed apart. */
  async function process(entry: InboxEntry, completion: InboxCompletion): Promise<void> {
    const { message } = entry;
    const outcome =
      message.kind === "customer_message"
        ? await flow.processInbound(message.message, completion)
        : message.kind === "customer_change"
          ? await flow.processChange(message.change)
          : await actions.processAgentReply(message.reply, completion);
    if (outcomes.has(entry.id)) outcomes.set(entry.id, outcome);
  }

  /** Stores the entry, waits for its lane, and returns what processing it here came to (undefined: not processed here, or not yet). */
  async function receiveAndWait(entry: NewInboxEntry): Promise<string | AgentReplyResult | undefined> {
    outcomes.set(entry.id, undefined);
    try {
      await processor.receive(entry);
      await processor.settled(entry.lane);
      return outcomes.get(entry.id);
    } finally {
      outcomes.delete(entry.id);
    }
  }

  /** Parked after its retries: the operators hear of it, and an agent whose reply found no conversation hears it on the reply. */
  async function onParked(entry: InboxEntry, reason: string): Promise<void> {
    const { message } = entry;
    const handle = replayHandleOf(entry.id);
    await core.dispatcher.enqueueAndDeliver([
      ...(message.kind === "agent_reply"
        ? [
            {
              lane: OUTBOX_OPS_LANE,
              effect: {
                kind: "reply_notice" as const,
                notice: {
                  thread: message.reply.thread,
                  messageRef: message.reply.messageRef,
                  agentId: message.reply.agent.id,
                  reason: "unknown_thread" as const,
                },
              },
            },
          ]
        : []),
      {
        lane: OUTBOX_OPS_LANE,
        quiet: true,
        effect: {
          kind: "notify_ops",
          text: `Could not process ${message.kind === "agent_reply" ? "an agent's reply" : "a customer's message"} (${handle}): ${reason}. It is kept: replay it with /warmline replay ${handle}.`,
        },
      },
    ]);
  }

  const processor = createInboxProcessor({
    inbox: store,
    instanceId,
    process,
    onParked,
    policy: {
      maxAttempts: config.outbox.maxAttempts,
      baseDelayMs: config.outbox.baseDelayMs,
      maxDelayMs: config.outbox.maxDelayMs,
      giveUpAfterMs: config.outbox.giveUpAfterMinutes * 60_000,
    },
    clock: core.clock,
    logger: log,
  });

  const customerEntry = (message: InboundCustomerMessage): NewInboxEntry => ({
    id: `${message.channel}:${message.messageId}`,
    lane: message.address,
    message: { kind: "customer_message", message },
    ...(message.sentAt !== undefined ? { watermark: { channel: message.channel, sentAt: message.sentAt } } : {}),
  });
  const changeEntry = (change: CustomerMessageChange): NewInboxEntry => ({
    id: `change:${change.kind}:${change.address}:${change.messageId}:${change.at}`,
    lane: change.address,
    message: { kind: "customer_change", change },
  });

  const agentReplyEntry = (reply: AgentReply): NewInboxEntry => ({
    // "Send to customer" on a reply already received as a note is a second, separate request.
    id: reply.send ? `${reply.messageRef}:send` : reply.messageRef,
    lane: reply.thread,
    message: { kind: "agent_reply", reply },
  });

  /** Stores and processes a customer's message or change, then waits for the delivery of what its conversation sends. */
  async function handle(entry: NewInboxEntry): Promise<void> {
    const conversationId = await receiveAndWait(entry);
    if (typeof conversationId === "string") await core.dispatcher.settled(conversationId);
  }

  return {
    processor,
    async receiveMessage(message) {
      await processor.receive(customerEntry(message));
    },
    async receiveMessageChange(change) {
      await processor.receive(changeEntry(change));
    },
    inboundWatermark: (channel) => store.inboxWatermark(channel),
    handleInboundMessage: (message) => handle(customerEntry(message)),
    handleMessageChange: (change) => handle(changeEntry(change)),
    async receiveAgentReply(thread, agent, text, messageRef, attachments) {
      await processor.receive(agentReplyEntry({ thread, agent, text, messageRef, ...(attachments ? { attachments } : {}) }));
    },
    async agentReply(thread, agent, text, messageRef, attachments, options) {
      const send = options?.send === true;
      const result = await receiveAndWait(
        agentReplyEntry({ thread, agent, text, messageRef, ...(attachments ? { attachments } : {}), ...(send ? { send } : {}) }),
      );
      if (typeof result === "object") return result;
      log.debug({ thread }, "An agent's reply waits in the inbox");
      return { relayed: false, reason: "pending" };
    },
  };
}
