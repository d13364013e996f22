/**
 * The local sandbox: the real product (startWarmline: engine, Bolt app, adapters, SQLite) wired to
 * stand-ins for Slack's and WhatsApp's servers — the same fakes the tests use. It drives the Slack
 * side over either transport: signed HTTP requests to Bolt's receiver, or Socket Mode envelopes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { SLACK_ACTION_IDS, SLACK_ANALYTICS_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SLACK_FEEDBACK_INTENT_ACTION, SLACK_FEEDBACK_INTENT_BLOCK } from "../../channels/slack/feedback-listeners.js";
import {
  SLACK_TEMPLATE_OPEN_ACTION,
  SLACK_TEMPLATE_PARAMETERS_ACTION,
  SLACK_TEMPLATE_PARAMETERS_BLOCK,
  SLACK_TEMPLATE_PICK_ACTION,
  SLACK_TEMPLATE_PICK_BLOCK,
} from "../../channels/slack/template-listeners.js";
import { type FakeSlackApi, type FakeSlackChannel, type FakeSlackUser, startFakeSlackApi } from "../sandbox/fake-slack-api.js";
import { FakeWhatsAppClient, type FakeWhatsAppSent } from "../sandbox/fake-whatsapp-client.js";
import { FAKE_GRAPH_ACCESS_TOKEN, FAKE_GRAPH_PHONE_NUMBER_ID, type FakeGraphApi, startFakeGraphApi } from "../sandbox/fake-graph-api.js";
import {
  buttonAction,
  postCommand,
  postEvent,
  postInteraction,
  slashCommand,
  threadReplyEvent,
  transferSelectAction,
  viewSubmission,
} from "../sandbox/slack-signing.js";
import { type SocketModeServer, startSocketModeServer } from "../sandbox/socket-mode-server.js";
import { loadConfigFile } from "../config/load-config.js";
import type { WarmlineConfig } from "../config/schema.js";
import { createSilentLogger } from "../logging.js";
import { startWarmline, type WarmlineHandle } from "../main.js";
import { SHIPPED_CONFIG_FILE } from "../paths.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";

export const SANDBOX_SIGNING_SECRET = "sandbox-signing-secret-not-a-real-one";
/** The channels warmline.config.json names (billing is private, to exercise that), plus one no team uses. */
export const SANDBOX_CHANNELS: FakeSlackChannel[] = [
  { id: "C0SUPPORT", name: "support-escalations" },
  { id: "C0RETENT1", name: "retention" },
  { id: "C0BILLING", name: "billing-escalations", is_private: true },
  { id: "C0PRIORTY", name: "vip-escalations" },
  { id: "C0OPS0001", name: "warmline-ops" },
  { id: "C0GENERAL", name: "general" },
];
export const SANDBOX_AGENT = "U0SAMLEE1";
export const SANDBOX_LEAD = "U0OLIVIA1";
export const SANDBOX_USERS: FakeSlackUser[] = [
  { id: SANDBOX_AGENT, name: "sam", real_name: "Sam Lee", display_name: "Sam" },
  { id: "U0ALEX001", name: "alex", real_name: "Alex Morgan", display_name: "Alex" },
  { id: SANDBOX_LEAD, name: "olivia", real_name: "Olivia Ops", display_name: "Olivia" },
];
export const SANDBOX_CUSTOMER = { chatId: "447700900123@c.us", name: "Maria Lopez" };

export type SandboxTransport = "http" | "socket";
/** Which WhatsApp channel the sandbox runs: whatsapp-web.js on the fake client, or the Cloud API on the fake Graph API. */
export type SandboxChannel = "web" | "cloud";
export const SANDBOX_CLOUD_APP_SECRET = "sandbox-meta-app-secret-not-a-real-one";
export const SANDBOX_CLOUD_VERIFY_TOKEN = "sandbox-verify-token";

export interface SandboxOptions {
  transport?: SandboxTransport;
  channel?: SandboxChannel;
  clock?: Clock;
  logger?: Logger;
  configure?: (config: WarmlineConfig) => void;
}

export interface Sandbox {
  handle: WarmlineHandle;
  api: FakeSlackApi;
  /** The fake WhatsApp Web client (channel "web"; idle under "cloud"). */
  whatsapp: FakeWhatsAppClient;
  /** The fake Graph API (channel "cloud"). */
  graph?: FakeGraphApi;
  /** The texts the customer received on WhatsApp, oldest first, whichever the channel. */
  customerReceived(): string[];
  /** Calls `listener` with each message the customer receives (`how`: "template", "buttons: BOT, CALLBACK"… on the Cloud API). */
  onCustomerReceives(listener: (text: string, how?: string) => void): void;
  config: WarmlineConfig;
  /** The customer writes on WhatsApp; resolves once Warmline has fully handled it. */
  customerSays(text: string): Promise<void>;
  /** The current escalation's conversation id and card thread (else the last resolved one's), if any. */
  currentCard(): Promise<{ conversationId: string; channel: string; ts: string } | undefined>;
  click(user: string, actionId: string): Promise<void>;
  transfer(user: string, toTeam: string, note: string): Promise<void>;
  /** On the resolved card: "the bot should have handled this", as `intent`. */
  botShouldHaveHandled(user: string, intent: string): Promise<void>;
  /** In the thread, "Send a template" under the latest window-closed note, then the dialog submitted with `name` and `parameters`. */
  sendTemplate(user: string, name: string, parameters: string[]): Promise<void>;
  /** An agent writes in the card's thread (sharing `files` with it); returns the message ts. */
  agentSays(user: string, text: string, files?: { content: Buffer; name: string; mimetype: string }[]): Promise<string>;
  /** Runs /warmline as `user`; returns the answer only they see. */
  command(user: string, text: string): Promise<string | undefined>;
  close(): Promise<void>;
}

interface SlackDriver {
  event(payload: Record<string, unknown>): Promise<void>;
  interaction(payload: Record<string, unknown>): Promise<void>;
  /** Returns the text of the command's immediate answer, if any. */
  command(fields: Record<string, string>): Promise<string | undefined>;
  close(): Promise<void>;
}

async function httpDriver(port: number): Promise<SlackDriver> {
  const url = `http://127.0.0.1:${port}/slack/events`;
  const check = (response: { status: number; text: string }) => {
    if (response.status !== 200) throw new Error(`Bolt answered ${response.status}: ${response.text}`);
  };
  return {
    event: async (payload) => check(await postEvent(url, SANDBOX_SIGNING_SECRET, payload)),
    interaction: async (payload) => check(await postInteraction(url, SANDBOX_SIGNING_SECRET, payload)),
    command: async (fields) => {
      const response = await postCommand(url, SANDBOX_SIGNING_SECRET, fields);
      check(response);
      return typeof response.json?.text === "string" ? response.json.text : response.text || undefined;
    },
    close: async () => undefined,
  };
}

function socketDriver(server: SocketModeServer): SlackDriver {
  return {
    event: async (payload) => void (await server.push("events_api", payload)),
    interaction: async (payload) => void (await server.push("interactive", payload)),
    command: async (fields) => {
      const ack = await server.push("slash_commands", fields);
      const payload = ack.payload as { text?: unknown } | undefined;
      return typeof payload?.text === "string" ? payload.text : undefined;
    },
    close: () => server.close(),
  };
}

let tsCounter = 0;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const transport = options.transport ?? "http";
  const socket = transport === "socket" ? await startSocketModeServer() : undefined;
  const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS, socketModeUrl: socket?.url });
  const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
  config.slack.mode = transport;
  config.slack.admins = [SANDBOX_LEAD];
  options.configure?.(config);

  const dataDir = mkdtempSync(join(tmpdir(), "warmline-sandbox-"));
  // However the process ends (`npm run demo | head`, Ctrl-C, a crash), the sandbox leaves no folder behind.
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once("exit", removeDataDir);
  const clock = options.clock ?? { now: () => Date.now() };
  const whatsapp = new FakeWhatsAppClient({ now: clock.now });
  const graph = options.channel === "cloud" ? await startFakeGraphApi({ now: clock.now }) : undefined;
  if (graph) {
    config.whatsapp.kind = "cloud";
    // Socket Mode serves the webhook on the small HTTP server; port 0 picks a free one.
    if (transport === "socket") config.http.port = 0;
  }
  const handle = await startWarmline({
    config,
    dataDir,
    clock,
    logger: options.logger ?? createSilentLogger(),
    whatsapp: { client: whatsapp },
    env: {
      SLACK_BOT_TOKEN: "xoxb-sandbox-token",
      SLACK_SIGNING_SECRET: SANDBOX_SIGNING_SECRET,
      SLACK_APP_TOKEN: "xapp-1-sandbox-token",
      SLACK_API_URL: api.url,
      PORT: "0",
      ...(graph
        ? {
            WHATSAPP_ACCESS_TOKEN: FAKE_GRAPH_ACCESS_TOKEN,
            WHATSAPP_PHONE_NUMBER_ID: FAKE_GRAPH_PHONE_NUMBER_ID,
            WHATSAPP_APP_SECRET: SANDBOX_CLOUD_APP_SECRET,
            WHATSAPP_VERIFY_TOKEN: SANDBOX_CLOUD_VERIFY_TOKEN,
            WHATSAPP_API_URL: graph.url,
          }
        : {}),
    },
    slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
  });
  if (socket) await socket.connected();
  graph?.setWebhook(`http://127.0.0.1:${handle.port ?? handle.metricsPort}/whatsapp/webhook`, SANDBOX_CLOUD_APP_SECRET);
  const driver = socket ? socketDriver(socket) : await httpDriver(handle.port!);

  const address = `whatsapp:${SANDBOX_CUSTOMER.chatId}`;
  const currentCard: Sandbox["currentCard"] = async () => {
    // The open conversation's card; once it is resolved, the last one's (its feedback buttons).
    const conversation =
      (await handle.store.findActiveByCustomer(address)) ??
      (await handle.store.listSince(0)).filter((c) => c.customer.address === address).at(-1);
    const thread = conversation?.escalations.at(-1)?.thread;
    if (!conversation || !thread) return undefined;
    const ref = decodeSlackThreadRef(thread);
    return { conversationId: conversation.id, channel: ref.channel, ts: ref.threadTs };
  };
  /** An interaction that may open a dialog, then the dialog submitted with `values` (when it opened). */
  const interactThenSubmitDialog = async (user: string, payload: Record<string, unknown>, values: Record<string, unknown>) => {
    const opens = api.callsTo("views.open").length;
    await driver.interaction(payload);
    await handle.idle();
    const view = api.callsTo("views.open")[opens]?.args.view as { callback_id: string; private_metadata: string } | undefined;
    if (!view) return;
    await driver.interaction(viewSubmission({ user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values }));
    await handle.idle();
  };
  const requireCard = async () => {
    const card = await currentCard();
    if (!card) throw new Error("There is no escalation card yet: the customer has not been handed over.");
    return card;
  };

  return {
    handle,
    api,
    whatsapp,
    ...(graph ? { graph } : {}),
    customerReceived: () => (graph ? graph.sent.map((m) => m.text) : whatsapp.sent.map((m) => m.text)),
    onCustomerReceives(listener) {
      if (!graph) return void whatsapp.on("outbound", (sent: FakeWhatsAppSent) => listener(sent.text));
      graph.onSent((sent) => {
        const buttons = (sent.payload.interactive as { action?: { buttons?: { reply: { title: string } }[] } } | undefined)?.action
          ?.buttons;
        listener(sent.text, `Cloud API ${buttons ? `buttons: ${buttons.map((b) => b.reply.title).join(", ")}` : sent.type}`);
      });
    },
    config,
    currentCard,
    async customerSays(text) {
      if (graph) await graph.customerSays({ phone: SANDBOX_CUSTOMER.chatId.replace(/@c\.us$/, ""), name: SANDBOX_CUSTOMER.name }, text);
      else whatsapp.customerSays(text, { from: SANDBOX_CUSTOMER.chatId, name: SANDBOX_CUSTOMER.name });
      await handle.idle();
    },
    async click(user, actionId) {
      const card = await requireCard();
      await driver.interaction(
        buttonAction(actionId, { user, channel: card.channel, messageTs: card.ts, conversationId: card.conversationId }),
      );
      await handle.idle();
    },
    async transfer(user, toTeam, note) {
      const card = await requireCard();
      // A refused transfer opens no dialog: the refusal is the ephemeral message already shown.
      await interactThenSubmitDialog(
        user,
        transferSelectAction({ user, channel: card.channel, messageTs: card.ts, conversationId: card.conversationId, toTeam }),
        { note: { note: { type: "plain_text_input", value: note } } },
      );
    },
    async botShouldHaveHandled(user, intent) {
      const card = await requireCard();
      // It asks which intent the bot should have answered; without a dialog the answer is already recorded.
      await interactThenSubmitDialog(
        user,
        buttonAction(SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled, {
          user,
          channel: card.channel,
          messageTs: card.ts,
          conversationId: card.conversationId,
        }),
        {
          [SLACK_FEEDBACK_INTENT_BLOCK]: { [SLACK_FEEDBACK_INTENT_ACTION]: { type: "static_select", selected_option: { value: intent } } },
        },
      );
    },
    async sendTemplate(user, name, parameters) {
      const card = await requireCard();
      const note = api.messages
        .filter((m) => m.thread_ts === card.ts && JSON.stringify(m.blocks ?? []).includes(SLACK_TEMPLATE_OPEN_ACTION))
        .at(-1);
      if (!note) throw new Error("There is no window-closed note with a template button in the thread.");
      const click = buttonAction(SLACK_TEMPLATE_OPEN_ACTION, {
        user,
        channel: card.channel,
        messageTs: note.ts,
        conversationId: card.conversationId,
      });
      click.message = { ...(click.message as object), thread_ts: card.ts };
      await interactThenSubmitDialog(user, click, {
        [SLACK_TEMPLATE_PICK_BLOCK]: { [SLACK_TEMPLATE_PICK_ACTION]: { type: "static_select", selected_option: { value: name } } },
        [SLACK_TEMPLATE_PARAMETERS_BLOCK]: {
          [SLACK_TEMPLATE_PARAMETERS_ACTION]: { type: "plain_text_input", value: parameters.join("\n") },
        },
      });
    },
    async agentSays(user, text, files) {
      const card = await requireCard();
      const ts = `${Math.floor(clock.now() / 1000)}.${String(++tsCounter).padStart(6, "0")}`;
      const shared = files?.map((f) => api.addFile(f.content, { name: f.name, mimetype: f.mimetype }));
      await driver.event(
        threadReplyEvent({ channel: card.channel, user, text, ts, threadTs: card.ts, ...(shared ? { files: shared } : {}) }),
      );
      await handle.idle();
      return ts;
    },
    async command(user, text) {
      const answer = await driver.command(slashCommand({ user, text, channel: SANDBOX_CHANNELS[0]!.id }));
      await handle.idle();
      return answer;
    },
    async close() {
      await handle.stop();
      await driver.close();
      await api.close();
      await graph?.close();
      process.off("exit", removeDataDir);
      removeDataDir();
    },
  };
}

export { SLACK_ACTION_IDS };
