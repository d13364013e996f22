/**
 * The customers' side of the crash test, in the parent so it outlives every kill: WhatsApp Web's
 * servers (a bridge that hands each message out once) or Meta's Graph API (signed webhooks posted
 * again until Warmline answers 200, a `sent` status for every message). Both are slow, and a send
 * lands either before the slow answer or only if the sender is still there.
 */
import { FAKE_GRAPH_ACCESS_TOKEN, FAKE_GRAPH_PHONE_NUMBER_ID, startFakeGraphApi } from "../../src/sandbox/fake-graph-api.js";
import { startWhatsAppBridge } from "../helpers/whatsapp-bridge.js";

export type CrashChannel = "web" | "cloud";

export interface CrashCustomers {
  /** What the child needs to reach this side. */
  childEnv: Record<string, string>;
  /** A (re)started child listens on `port`: Meta's webhooks go there from now on. */
  childListening(port: string): void;
  /** Customer `i` writes; resolves once the platform handed the message over (Cloud API: Warmline answered 200). */
  customerSays(i: number, text: string, name?: string): Promise<void>;
  /** What customer `i` received, oldest first. */
  received(i: number): string[];
  close(): Promise<void>;
}

export interface CrashLatency {
  ms: number;
  applyFirst(): boolean;
}

const APP_SECRET = "crash-test-app-secret";
/** Meta posts a webhook again when it got no 200; this fake, soon, so the test stays short. */
const REDELIVER_AFTER_MS = 50;

export const crashPhoneOf = (i: number) => `4477009${String(10000 + i)}`;

export async function startCrashCustomers(channel: CrashChannel, latency: CrashLatency): Promise<CrashCustomers> {
  if (channel === "web") {
    const bridge = await startWhatsAppBridge();
    bridge.latency = latency;
    const chatOf = (i: number) => `${crashPhoneOf(i)}@c.us`;
    return {
      childEnv: { WARMLINE_BRIDGE_URL: bridge.url },
      childListening: () => {},
      customerSays: async (i, text, name) => void bridge.customerSays(chatOf(i), text, name),
      received: (i) => bridge.sent.filter((m) => m.chatId === chatOf(i)).map((m) => m.body),
      close: () => bridge.close(),
    };
  }
  const graph = await startFakeGraphApi({ sentStatuses: true, redeliverAfterMs: REDELIVER_AFTER_MS });
  graph.latency = latency;
  return {
    childEnv: {
      CRASH_CHANNEL: "cloud",
      WHATSAPP_API_URL: graph.url,
      WHATSAPP_ACCESS_TOKEN: FAKE_GRAPH_ACCESS_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: FAKE_GRAPH_PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: "crash-test-verify-token",
    },
    childListening: (port) => graph.setWebhook(`http://127.0.0.1:${port}/whatsapp/webhook`, APP_SECRET),
    customerSays: async (i, text, name) => void (await graph.customerSays({ phone: crashPhoneOf(i), ...(name ? { name } : {}) }, text)),
    received: (i) => graph.sent.filter((m) => m.to === crashPhoneOf(i)).map((m) => m.text),
    close: () => graph.close(),
  };
}
