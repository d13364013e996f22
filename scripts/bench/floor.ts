/**
 * The floor: the least a Bolt 5 app can do to relay both ways, against the same fakes as Warmline.
 * A customer's first message opens a thread (the "card"); later ones are posted into it; a human's
 * message in that thread goes to the customer's chat. No store, no policy, no assistant: whatever
 * Warmline costs beyond this is what its features cost.
 */
import type { AddressInfo } from "node:net";
import { App, LogLevel } from "@slack/bolt";
import type { FakeWhatsAppClient, FakeWhatsAppMessage } from "../../src/sandbox/fake-whatsapp-client.js";
import type { InstanceSpec, SystemUnderTest } from "./protocol.js";

/** Where the floor opens its threads: the shipped config's default team channel in the sandbox workspace. */
export const FLOOR_CHANNEL = "C0SUPPORT";
const FLOOR_BOT_USER_ID = "UBOT0WARM";
const FLOOR_BOT_ID = "BBOT0WARM";

/** The floor has no claims: a thread is ready for replies once opened. */
export async function startFloor(spec: InstanceSpec, whatsapp: FakeWhatsAppClient): Promise<SystemUnderTest> {
  const app = new App({
    token: spec.botToken,
    signingSecret: spec.signingSecret,
    processBeforeResponse: true,
    botId: FLOOR_BOT_ID,
    botUserId: FLOOR_BOT_USER_ID,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: spec.slackApiUrl, retryConfig: { retries: 0 } },
  });
  // Per chat, the thread being opened or opened: later messages wait for it rather than open another.
  const threads = new Map<string, Promise<string>>();
  const opened = new Map<string, string>();
  const chatOfThread = new Map<string, string>();
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const openThread = async (message: FakeWhatsAppMessage): Promise<string> => {
    const name = String(message._data?.notifyName ?? message.from);
    const posted = await app.client.chat.postMessage({ channel: FLOOR_CHANNEL, text: `${name} asks for a person: ${message.body}` });
    const ts = String(posted.ts);
    opened.set(message.from, ts);
    chatOfThread.set(ts, message.from);
    return ts;
  };

  whatsapp.on("message", (message: FakeWhatsAppMessage) => {
    const existing = threads.get(message.from);
    if (!existing) {
      const thread = openThread(message);
      threads.set(message.from, thread);
      track(thread);
      return;
    }
    track(existing.then((ts) => app.client.chat.postMessage({ channel: FLOOR_CHANNEL, thread_ts: ts, text: message.body })));
  });

  app.event("message", async ({ event }) => {
    if (event.subtype !== undefined || !("thread_ts" in event) || event.thread_ts === undefined) return;
    const chatId = chatOfThread.get(event.thread_ts);
    if (chatId && typeof event.text === "string") await whatsapp.sendMessage(chatId, event.text);
  });

  const server = (await app.start({ port: 0, host: "127.0.0.1" })) as { address(): AddressInfo | string | null };
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("The floor's Bolt receiver did not report its port");
  return {
    port: address.port,
    async threadOf(chatId) {
      const ts = opened.get(chatId);
      return ts === undefined ? undefined : { chatId, channel: FLOOR_CHANNEL, threadTs: ts };
    },
    isClaimed: async () => true,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async stop() {
      await app.stop();
    },
  };
}
