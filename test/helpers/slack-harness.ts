import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
/**
 * Warmline's Slack side, composed from the real pieces: the fake Slack Web API, a real Bolt App
 * with its HTTP receiver (signed requests), SlackWorkspaceAdapter, the engine, the memory store,
 * the offline assistant, and WhatsAppChannelAdapter over FakeWhatsAppClient.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { App } from "@slack/bolt";
import { SLACK_CARD_ACTIONS_BLOCK_PREFIX, decodeCardActionValue } from "../../channels/slack/context-card.js";
import { registerSlackListeners } from "../../channels/slack/register-listeners.js";
import { resolveTeamChannels } from "../../channels/slack/resolve-channels.js";
import { createSlackTeamAccess } from "../../channels/slack/team-access.js";
import { slackAppOptions } from "../../channels/slack/slack-app-options.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { SlackWorkspaceAdapter } from "../../channels/slack/slack-workspace.js";
import { WhatsAppChannelAdapter } from "../../channels/whatsapp/whatsapp-channel.js";
import { createFileCommerce, createOfflineAssistant, DEFAULT_ORDERS_FILE } from "../../src/assistant/index.js";
import type { WarmlineEnv } from "../../src/config/load-config.js";
import { loadConfigFile, parseConfig } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import type { Assistant } from "../../src/ports/assistant.js";
import type { Clock } from "../../src/ports/clock.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import type { Ticketing } from "../../src/ports/ticketing.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { SANDBOX_CHANNELS } from "../../src/demo/sandbox.js";
import { createCaptureLogger, type LogEntry } from "../slack/capture-logger.js";
import { type FakeSlackApi, type FakeSlackChannel, type FakeSlackUser, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import {
  type CustomerSendsOptions,
  FAKE_WHATSAPP_CUSTOMER_CHAT_ID,
  FakeWhatsAppClient,
  type FakeWhatsAppInboundKind,
} from "../../src/sandbox/fake-whatsapp-client.js";
import {
  type SlackResponse,
  buttonAction,
  postCommand,
  postEvent,
  postInteraction,
  slashCommand,
  threadReplyEvent,
  transferSelectAction,
  viewSubmission,
} from "../../src/sandbox/slack-signing.js";

export const HARNESS_SIGNING_SECRET = "test-signing-secret-0123456789abcdef";
export const HARNESS_BOT_TOKEN = "xoxb-harness-bot-token";

/** The same workspace the demo sandbox uses: one list of the shipped config's channels. */
export const HARNESS_CHANNELS: FakeSlackChannel[] = SANDBOX_CHANNELS;

export const HARNESS_USERS: FakeSlackUser[] = [
  { id: "U0AGENT01", name: "alex", real_name: "Alex Morgan", display_name: "Alex" },
  { id: "U0AGENT02", name: "sam", real_name: "Sam Lee", display_name: "Sam" },
  { id: "U0ADMIN01", name: "ops", real_name: "Olivia Ops", display_name: "Olivia" },
  ...Array.from({ length: 30 }, (_, i) => ({ id: `U0CROWD${String(i).padStart(2, "0")}`, name: `crowd${i}`, real_name: `Crowd ${i}` })),
];

/** Tuesday 7 May 2024, 10:00 in London: every team is open. */
export const HARNESS_START = Date.UTC(2024, 4, 7, 9, 0, 0);

let assistantPromise: Promise<Assistant> | undefined;
/** Training the offline model takes a moment; one per test file is enough. */
function sharedAssistant(): Promise<Assistant> {
  assistantPromise ??= createOfflineAssistant({ commerce: createFileCommerce(DEFAULT_ORDERS_FILE) });
  return assistantPromise;
}

export interface SlackHarnessOptions {
  /** Edits the parsed warmline.config.json (slack.mode is forced to http). */
  configure?: (config: WarmlineConfig) => void;
  channels?: FakeSlackChannel[];
  /** The fallback's routes while Slack is down (config.fallback must be set too). */
  ticketing?: Ticketing[];
  /** Wraps the memory store the engine gets, e.g. to count what the engine reads. */
  wrapStore?: (store: WarmlineStore) => WarmlineStore;
}

/** The note modal as the fake Slack API recorded it in views.open. */
export interface SlackTransferModal {
  callback_id: string;
  private_metadata: string;
}

export interface SlackHarness {
  api: FakeSlackApi;
  app: App;
  engine: Engine;
  store: ConversationStore;
  workspace: SlackWorkspaceAdapter;
  whatsapp: FakeWhatsAppClient;
  config: WarmlineConfig;
  clock: Clock & { advance(ms: number): void };
  logs: LogEntry[];
  /** http://127.0.0.1:<port>/slack/events */
  url: string;
  /** The customer writes on WhatsApp; resolves once the engine has handled it. */
  customerSays(text: string): Promise<void>;
  /** The customer sends a fixture message (a photo, a voice note) in the same chat; resolves once the engine has handled it. */
  customerSends(kind: FakeWhatsAppInboundKind, options?: CustomerSendsOptions): Promise<void>;
  /** Escalates a cancellation and returns the conversation id and its thread. */
  escalateCancellation(): Promise<{ conversationId: string; thread: string; channel: string; cardTs: string }>;
  /** Clicks a button on the card in `thread` as it is now in Slack, or as it was when `card` was read (a stale card). */
  click(actionId: string, user: string, conversationId: string, thread: string, card?: { escalationId?: string }): Promise<SlackResponse>;
  /**
   * Transfers from the card: chooses the team, then submits the note in the modal that opened. When
   * the choice is refused (no modal opened) it returns the choice's response, having submitted nothing.
   */
  transfer(
    user: string,
    conversationId: string,
    thread: string,
    toTeam: string,
    note: string,
    card?: { escalationId?: string },
  ): Promise<SlackResponse>;
  /** Chooses a team in the card's Transfer select; `modal` is the note modal it opened, if any. */
  chooseTransferTeam(
    user: string,
    conversationId: string,
    thread: string,
    toTeam: string,
    card?: { escalationId?: string },
  ): Promise<{ response: SlackResponse; modal?: SlackTransferModal }>;
  /** Submits a note modal opened by chooseTransferTeam. */
  submitTransferNote(user: string, modal: SlackTransferModal, note: string): Promise<SlackResponse>;
  /** The escalation id the card in `thread` carries now (undefined once it has no buttons). */
  cardEscalationId(thread: string): string | undefined;
  /** An agent replies in the thread; returns the reply's ts. */
  agentReplies(
    user: string,
    thread: string,
    text: string,
    extra?: { files?: ReturnType<FakeSlackApi["addFile"]>[]; botId?: string; subtype?: string },
  ): Promise<{ ts: string; response: SlackResponse }>;
  command(user: string, text: string): Promise<SlackResponse>;
  close(): Promise<void>;
}

let tsSeq = 0;
const agentTs = () => `1715000000.${String(++tsSeq).padStart(6, "0")}`;

export async function startSlackHarness(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const config = parseConfig(structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE)), "harness config");
  config.slack.mode = "http";
  config.store.kind = "memory";
  options.configure?.(config);

  const api = await startFakeSlackApi({ channels: structuredClone(options.channels ?? HARNESS_CHANNELS), users: HARNESS_USERS });
  const logger = createCaptureLogger();
  let now = HARNESS_START;
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const env: WarmlineEnv = {
    slackBotToken: HARNESS_BOT_TOKEN,
    slackSigningSecret: HARNESS_SIGNING_SECRET,
    slackApiUrl: api.url,
    port: 0,
    logLevel: "info",
  };

  // The fake API is up before new App(): Bolt calls auth.test in the constructor.
  const app = new App({
    ...slackAppOptions({ config, env, logger, processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } }),
  });
  const auth = await app.client.auth.test();
  const channels = await resolveTeamChannels(app.client, config);
  const workspace = new SlackWorkspaceAdapter({
    client: app.client,
    channels: channels.teams,
    ...(channels.ops ? { opsChannel: channels.ops } : {}),
    teams: Object.entries(config.teams).map(([key, team]) => ({ key, displayName: team.displayName })),
    logger,
  });

  const memory = await createMemoryStore({ clock });
  const store = options.wrapStore?.(memory) ?? memory;
  const whatsapp = new FakeWhatsAppClient({ now: clock.now });
  const customers = new WhatsAppChannelAdapter({ client: whatsapp, clock, printQr: () => undefined });
  const engine = createEngine({
    config,
    store,
    assistant: await sharedAssistant(),
    customers,
    workspace,
    clock,
    logger,
    ...(options.ticketing ? { ticketing: options.ticketing } : {}),
  });
  registerSlackListeners(app, {
    actions: engine,
    admin: engine,
    workspace,
    config,
    logger,
    botUserId: auth.user_id ?? "",
    idempotency: store,
    access: createSlackTeamAccess(app.client, config, channels.teams, logger, clock),
  });
  // The WhatsApp adapter hands messages over asynchronously: count what reached the engine, so a
  // test can await exactly its own message instead of sleeping.
  let handled = 0;
  let expected = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const handledOne = () => {
    handled += 1;
    for (const w of waiters.filter((w) => w.count <= handled)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const untilHandled = (count: number) =>
    handled >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  await customers.start({
    onMessage: (m) => engine.handleInboundMessage(m).finally(handledOne),
    onMessageChange: (c) => engine.handleMessageChange(c),
    onDelivery: (u) => engine.handleDelivery(u),
  });

  const server = (await app.start(0)) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;

  const settle = async () => {
    await engine.drain();
  };
  const cardEscalationId = (thread: string): string | undefined => {
    const ref = decodeSlackThreadRef(thread);
    const card = api.messages.find((m) => m.channel === ref.channel && m.ts === ref.threadTs);
    const blockId = (card?.blocks as { block_id?: string }[] | undefined)
      ?.map((b) => b.block_id ?? "")
      .find((id) => id.startsWith(SLACK_CARD_ACTIONS_BLOCK_PREFIX));
    return blockId === undefined ? undefined : decodeCardActionValue(blockId.slice(SLACK_CARD_ACTIONS_BLOCK_PREFIX.length)).escalationId;
  };

  const harness: SlackHarness = {
    api,
    app,
    engine,
    store,
    workspace,
    whatsapp,
    config,
    clock,
    logs: logger.entries,
    url,
    async customerSays(text) {
      expected += 1;
      whatsapp.customerSays(text, { name: "Maria Lopez" });
      await untilHandled(expected);
      await settle();
    },
    async customerSends(kind, options) {
      expected += 1;
      whatsapp.customerSends(kind, { from: FAKE_WHATSAPP_CUSTOMER_CHAT_ID, name: "Maria Lopez", ...options });
      await untilHandled(expected);
      await settle();
    },
    async escalateCancellation() {
      await harness.customerSays("I want to cancel my order 100311 please");
      const conversation = (await store.listOpen()).find((c) => c.escalations.at(-1)?.thread);
      if (!conversation) throw new Error("The cancellation did not escalate: see harness.logs");
      const thread = conversation.escalations.at(-1)!.thread!;
      const ref = decodeSlackThreadRef(thread);
      return { conversationId: conversation.id, thread, channel: ref.channel, cardTs: ref.threadTs };
    },
    cardEscalationId,
    async click(actionId, user, conversationId, thread, card) {
      const ref = decodeSlackThreadRef(thread);
      const escalationId = card ? card.escalationId : cardEscalationId(thread);
      const response = await postInteraction(
        url,
        HARNESS_SIGNING_SECRET,
        buttonAction(actionId, {
          user,
          channel: ref.channel,
          messageTs: ref.threadTs,
          conversationId,
          ...(escalationId ? { escalationId } : {}),
        }),
      );
      await settle();
      return response;
    },
    async transfer(user, conversationId, thread, toTeam, note, card) {
      const { response, modal } = await harness.chooseTransferTeam(user, conversationId, thread, toTeam, card);
      return modal ? harness.submitTransferNote(user, modal, note) : response;
    },
    async chooseTransferTeam(user, conversationId, thread, toTeam, card) {
      const ref = decodeSlackThreadRef(thread);
      const escalationId = card ? card.escalationId : cardEscalationId(thread);
      const opens = api.callsTo("views.open").length;
      const response = await postInteraction(
        url,
        HARNESS_SIGNING_SECRET,
        transferSelectAction({
          user,
          channel: ref.channel,
          messageTs: ref.threadTs,
          conversationId,
          toTeam,
          ...(escalationId ? { escalationId } : {}),
        }),
      );
      await settle();
      const opened = api.callsTo("views.open")[opens];
      return { response, ...(opened ? { modal: opened.args.view as SlackTransferModal } : {}) };
    },
    async submitTransferNote(user, modal, note) {
      const response = await postInteraction(
        url,
        HARNESS_SIGNING_SECRET,
        viewSubmission({
          user,
          callbackId: modal.callback_id,
          privateMetadata: modal.private_metadata,
          values: { note: { note: { type: "plain_text_input", value: note } } },
        }),
      );
      await settle();
      return response;
    },
    async agentReplies(user, thread, text, extra = {}) {
      const ref = decodeSlackThreadRef(thread);
      const ts = agentTs();
      const response = await postEvent(
        url,
        HARNESS_SIGNING_SECRET,
        threadReplyEvent({ channel: ref.channel, user, text, ts, threadTs: ref.threadTs, ...extra }),
      );
      await settle();
      return { ts, response };
    },
    async command(user, text) {
      const response = await postCommand(url, HARNESS_SIGNING_SECRET, slashCommand({ user, text }));
      await settle();
      return response;
    },
    async close() {
      await app.stop();
      await customers.stop();
      await engine.drain();
      await store.close();
      await api.close();
    },
  };
  return harness;
}
