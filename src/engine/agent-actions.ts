import { currentEscalation, type AgentRef, type Conversation, type TranscriptEntry } from "../domain/conversation.js";
import { WarmlineError } from "../domain/errors.js";
import type { Escalation } from "../domain/escalation.js";
import { readAgentReply } from "../domain/internal-note.js";
import type { ActionRefusal, ActionResult, AgentActions, AgentReplyResult, ClaimResult } from "../ports/agent-workspace.js";
import type { AgentReply, InboxCompletion } from "../ports/inbox.js";
import { replaceEntry } from "../domain/conversation-draft.js";
import { keepMedia, withWorkspaceFiles } from "./attachment-media.js";
import { templateText } from "./delivery.js";
import type { Change, EngineCore, Outbound } from "./engine-core.js";
import { transferInLane } from "./handoff.js";

/**
 * What agents do from the workspace: claim, release, reply, transfer, return to the bot, resolve.
 * Each runs in the conversation's lane and is checked against who may act inside its own write.
 */
/** The agent actions, with replies taken from the inbox (the engine's receiveAgentReply and agentReply store them there first). */
export type AgentActionsFromInbox = Omit<AgentActions, "agentReply" | "receiveAgentReply"> & {
  /** With `completion`, the commit that records the reply completes its inbox entry too. */
  processAgentReply(reply: AgentReply, completion?: InboxCompletion): Promise<AgentReplyResult>;
};

export function createAgentActions(core: EngineCore): AgentActionsFromInbox {
  const { config, store, clock, log, inLane, mutate, message, tell, teamOf } = core;
  const survey = config.whatsapp.templates.find((t) => t.name === config.whatsapp.surveyTemplate);
  const surveyTemplate = survey && { name: survey.name, language: survey.language, parameters: [] };

  /** Config lists the workspace's raw user ids; agent ids are "<workspace>:<user id>". */
  function isAmong(agent: AgentRef, userIds: readonly string[]): boolean {
    return userIds.some((member) => agent.id === member || agent.id.endsWith(`:${member}`));
  }

  function onRota(teamKey: string, agent: AgentRef): boolean {
    const rota = teamOf(teamKey).rota;
    return rota.length === 0 || isAmong(agent, rota);
  }

  /** A card of an earlier escalation (before a transfer, or one that ended) acts on nothing. */
  function staleCard(c: Conversation, escalationId: string | undefined): ActionRefusal | undefined {
    const current = currentEscalation(c);
    if (escalationId === undefined || current?.id === escalationId) return undefined;
    return current && (c.state === "queued" || c.state === "assigned")
      ? { ok: false, reason: "stale_card", team: current.team }
      : { ok: false, reason: "not_open" };
  }

  /**
   * Who may resolve, return, transfer or release: on a claimed conversation its claimant, on a queued
   * one the team's rota (anyone when the rota is empty); an admin always.
   */
  function refusal(c: Conversation, agent: AgentRef, escalationId: string | undefined): ActionRefusal | undefined {
    const stale = staleCard(c, escalationId);
    if (stale) return stale;
    const escalation = currentEscalation(c);
    if (!escalation || (c.state !== "queued" && c.state !== "assigned")) return { ok: false, reason: "not_open" };
    if (isAmong(agent, config.slack.admins)) return undefined;
    if (c.state === "assigned" && c.assignee)
      return c.assignee.id === agent.id ? undefined : { ok: false, reason: "not_claimant", claimant: c.assignee };
    return onRota(escalation.team, agent) ? undefined : { ok: false, reason: "not_on_rota", team: escalation.team };
  }

  /**
   * An agent's action, in the lane: checked (refusal) and applied in the same compare-and-set, so a
   * change by another instance in between is checked again. `apply` may still decline (undefined).
   */
  async function agentAction(
    conversationId: string,
    agent: AgentRef,
    escalationId: string | undefined,
    apply: (c: Conversation, out: Outbound, e: Escalation) => Conversation | undefined,
  ): Promise<ActionResult> {
    let refused: ActionRefusal | undefined;
    const written = await mutate(conversationId, (c, out) => {
      refused = refusal(c, agent, escalationId);
      return refused ? undefined : apply(c, out, currentEscalation(c)!);
    });
    return refused ?? (written ? { ok: true } : { ok: false, reason: "not_open" });
  }

  async function claim(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ClaimResult> {
    return inLane(conversationId, async (conversation) => {
      const escalation = currentEscalation(conversation);
      const stale = staleCard(conversation, escalationId);
      if (stale) return stale;
      if (conversation.state === "assigned" && conversation.assignee)
        return { ok: false, reason: "already_claimed", claimant: conversation.assignee };
      if (conversation.state !== "queued" || !escalation) return { ok: false, reason: "not_open" };
      if (!onRota(escalation.team, agent) && !isAmong(agent, config.slack.admins))
        return { ok: false, reason: "not_on_rota", team: escalation.team };

      // One write decides: of N concurrent claims exactly one finds the conversation still queued.
      const written = await mutate(conversationId, (c, out) => {
        const e = currentEscalation(c);
        if (c.state !== "queued" || e?.id !== escalation.id) return undefined;
        core.transition(c, "claim");
        c.assignee = agent;
        Object.assign(e, { claimedBy: agent, claimedAt: clock.now() });
        core.refreshCard(c, out, e, { kind: "claimed", by: agent });
        tell(c, out, message(c, "agentJoined", { agent: agent.name, team: teamOf(escalation.team).displayName }));
        out.audit(agent.id, "claimed", { team: e.team });
        return c;
      });
      if (!written) {
        const winner = await store.get(conversationId);
        return winner?.assignee ? { ok: false, reason: "already_claimed", claimant: winner.assignee } : { ok: false, reason: "not_open" };
      }
      log.info({ conversationId, team: escalation.team }, "Escalation claimed");
      return { ok: true };
    });
  }

  async function release(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult> {
    return inLane(conversationId, () =>
      agentAction(conversationId, agent, escalationId, (c, out, e) => {
        if (c.state !== "assigned") return undefined;
        // An admin may release for the claimant: the customer hears who stepped away.
        const leaving = c.assignee ?? agent;
        core.transition(c, "release");
        c.assignee = undefined;
        Object.assign(e, { claimedBy: undefined, claimedAt: undefined });
        core.refreshCard(c, out, e, { kind: "waiting" });
        tell(c, out, message(c, "agentLeft", { agent: leaving.name, team: teamOf(e.team).displayName }));
        out.audit(agent.id, "released");
        return c;
      }),
    );
  }

  /**
   * An agent's message from the inbox. A thread not bound to a conversation yet (its card being posted,
   * or in doubt after a crash) makes it wait: the inbox retries it until the card is recorded, and
   * tells the agent if that never happens. Anything not relayed is told to the agent on their message.
   */
  async function processAgentReply(
    { thread, agent, text, messageRef, attachments, send }: AgentReply,
    completion?: InboxCompletion,
  ): Promise<AgentReplyResult> {
    const reading = readAgentReply(text, { notesByDefault: config.slack.notesByDefault, send });
    const found = await store.findByThread(thread);
    if (!found) {
      throw new WarmlineError(
        "thread_not_bound",
        `No conversation is bound to thread ${thread} yet: the reply waits until its card is recorded.`,
        undefined,
        { retry: "unavailable" },
      );
    }
    return inLane(found, async (conversation) => {
      const escalation = currentEscalation(conversation);
      const isCurrentThread = escalation?.thread === thread && (conversation.state === "queued" || conversation.state === "assigned");
      const isClaimant = conversation.state === "assigned" && conversation.assignee?.id === agent.id;
      const asNote = !isCurrentThread || !isClaimant || reading.internal;
      // "Send to customer" on a reply first kept as a note sends the files the note kept too.
      const note = send === true && !asNote ? agentEntryOf(conversation, messageRef) : undefined;
      const shared = note?.internal ? note.attachments : attachments;
      // Files are fetched from the workspace only to be sent: a note keeps them where the agents shared them.
      const files = asNote ? shared : await withWorkspaceFiles(core.workspace, shared, { thread, messageRef, agentId: agent.id });
      const kept = await keepMedia(store, conversation.id, files);
      // Files alone, none of which could be fetched (the agent was told why for each): nothing is left to send.
      const empty = !asNote && reading.text.trim() === "" && !kept?.length;
      const internal = asNote || empty;
      const result: AgentReplyResult = !internal
        ? { relayed: true }
        : empty
          ? { relayed: false, reason: "no_content" }
          : !isCurrentThread
            ? { relayed: false, reason: "not_open" }
            : { relayed: false, reason: isClaimant ? "internal_note" : "not_claimant" };
      const entry = core.newEntry("agent", text, {
        agentId: agent.id,
        agentName: agent.name,
        internal,
        workspaceRef: messageRef,
        attachments: kept,
      });

      // The agent's Slack message is the idempotency key: a redelivered event (Slack retry, restart) finds it and sends nothing.
      let duplicate = false;
      const record: Change = (c, out) => {
        const earlier = agentEntryOf(c, messageRef);
        // "Send to customer" on a reply first kept as a note relays that same entry, once.
        const sendingNote = earlier?.internal === true && send === true && !internal;
        if (earlier && !sendingNote) {
          duplicate = true;
          return undefined;
        }
        const relayed = earlier ? replaceEntry(c, earlier.id, { internal: false, ...(kept ? { attachments: kept } : {}) })! : entry;
        if (!earlier) c.transcript.push(entry);
        if (!internal) {
          currentEscalation(c)!.firstAgentReplyAt ??= clock.now();
          out.add({
            kind: "send_customer",
            address: c.customer.address,
            text: reading.text,
            attachments: kept,
            relay: { entryId: relayed.id, workspaceRef: messageRef, escalationId: escalation!.id },
          });
        } else if (!result.relayed) {
          out.add({ kind: "reply_notice", notice: { thread, messageRef, agentId: agent.id, reason: result.reason } });
        }
        out.audit(agent.id, internal ? "internal_note" : "relayed");
        return c;
      };
      // From the copy the lane just read: a change in between only costs the compare-and-set a retry. Its commit may
      // complete the inbox entry: nothing after it (a debug line) can throw, so nothing can need a retry of the entry.
      const written = await core.mutateFrom(conversation, record, completion);
      if (duplicate || !written) log.debug({ conversationId: conversation.id }, "Duplicate agent reply ignored");
      return result;
    });
  }

  /**
   * Why `agent` may not transfer `c` to `toTeam` (undefined: they may). The one decision behind
   * mayTransfer and transfer, which checks it again inside its write. Throws for a team not in config.
   */
  function transferRefusal(c: Conversation, agent: AgentRef, toTeam: string, escalationId: string | undefined): ActionRefusal | undefined {
    const refused = refusal(c, agent, escalationId);
    if (refused) return refused;
    if (currentEscalation(c)?.team === toTeam) return { ok: false, reason: "same_team", team: toTeam };
    teamOf(toTeam);
    return undefined;
  }

  /** Reads only, outside the lane: the workspace asks before a note dialog, and Slack's trigger expires in 3 seconds. */
  async function mayTransfer(conversationId: string, agent: AgentRef, toTeam: string, escalationId?: string): Promise<ActionResult> {
    return transferRefusal(await core.load(conversationId), agent, toTeam, escalationId) ?? { ok: true };
  }

  async function transfer(
    conversationId: string,
    agent: AgentRef,
    toTeam: string,
    note: string,
    escalationId?: string,
  ): Promise<ActionResult> {
    return inLane(conversationId, async (conversation) => {
      const refused = (c: Conversation): ActionRefusal | undefined => transferRefusal(c, agent, toTeam, escalationId);
      const before = refused(conversation);
      if (before) return before;
      // Checked again inside the write: another instance may have changed who holds it meanwhile.
      const moved = await transferInLane(core, conversation, agent.id, toTeam, note, (c) => refused(c) === undefined);
      return moved ? { ok: true } : (refused((await store.get(conversationId)) ?? conversation) ?? { ok: false, reason: "not_open" });
    });
  }

  async function returnToBot(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult> {
    return inLane(conversationId, () =>
      agentAction(conversationId, agent, escalationId, (c, out, e) => {
        core.transition(c, "return_to_bot");
        Object.assign(e, { outcome: "returned_to_bot", endedAt: clock.now(), returnedBy: agent });
        c.assignee = undefined;
        c.botMisses = 0;
        c.toolFailures = 0;
        core.refreshCard(c, out, e, { kind: "returned_to_bot", by: agent });
        tell(c, out, message(c, "returnedToBot"));
        out.audit(agent.id, "returned_to_bot");
        return c;
      }),
    );
  }

  async function resolve(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult> {
    return inLane(conversationId, () => {
      const now = clock.now();
      return agentAction(conversationId, agent, escalationId, (c, out, e) => {
        core.transition(c, "resolve");
        Object.assign(e, { outcome: "resolved", endedAt: now });
        c.survey = { status: "pending", sentAt: now };
        core.refreshCard(c, out, e, { kind: "resolved", by: agent });
        tell(c, out, message(c, "survey"), "system", surveyTemplate ? { windowTemplate: surveyTemplate } : {});
        out.audit(agent.id, "resolved");
        return c;
      });
    });
  }

  /**
   * The claimant sends an approved template: how a customer is reached once the reply window has
   * closed. It goes in the transcript as its filled-in text, and the thread notes it.
   */
  async function sendTemplate(thread: string, agent: AgentRef, name: string, parameters: string[]): Promise<AgentReplyResult> {
    const configured = config.whatsapp.templates.find((t) => t.name === name);
    if (!configured) {
      throw new WarmlineError(
        "input_invalid",
        `There is no template "${name}" in whatsapp.templates: add it to the config as approved in WhatsApp Manager.`,
      );
    }
    const found = await store.findByThread(thread);
    if (!found) return { relayed: false, reason: "unknown_thread" };
    return inLane(found, async (conversation) => {
      const escalation = currentEscalation(conversation);
      if (escalation?.thread !== thread || (conversation.state !== "queued" && conversation.state !== "assigned"))
        return { relayed: false, reason: "not_open" };
      if (conversation.state !== "assigned" || conversation.assignee?.id !== agent.id) return { relayed: false, reason: "not_claimant" };
      const template = { name, language: configured.language, parameters };
      const text = templateText(config, template) ?? configured.body;
      const entry = core.newEntry("agent", text, { agentId: agent.id, agentName: agent.name });
      await mutate(conversation.id, (c, out) => {
        c.transcript.push(entry);
        out.add({ kind: "send_customer", address: c.customer.address, text, template });
        core.postToThread(c, out, { kind: "system_note", text: `${agent.name} sent the template "${name}": ${text}` });
        out.audit(agent.id, "template_sent");
        return c;
      });
      return { relayed: true };
    });
  }

  return { claim, release, processAgentReply, mayTransfer, transfer, returnToBot, resolve, sendTemplate };
}

/** The agent's entry recorded for their workspace message `messageRef`, if any. */
function agentEntryOf(c: Conversation, messageRef: string): TranscriptEntry | undefined {
  return c.transcript.find((e) => e.workspaceRef === messageRef && e.author === "agent");
}
