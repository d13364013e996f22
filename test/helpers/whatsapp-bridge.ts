/**
 * WhatsApp's servers for a Warmline running in another process: a loopback HTTP server (in the
 * test) that records every message the child sends and queues the customers' messages, and a
 * client (in the child) that implements the adapter's port over it. Used by the crash test,
 * where the child is SIGKILLed and everything it sent must be counted outside it.
 */
import { EventEmitter } from "node:events";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type WAWebJS from "whatsapp-web.js";
import type {
  WhatsAppChatPort,
  WhatsAppClientPort,
  WhatsAppSendOptions,
  WhatsAppSentMessage,
  WhatsAppState,
} from "../../channels/whatsapp/client-port.js";
import { FAKE_WHATSAPP_BUSINESS_CHAT_ID } from "../../src/sandbox/fake-whatsapp-client.js";

/** How often the child asks for new customer messages. */
const BRIDGE_POLL_MS = 25;

export interface BridgeSent {
  id: string;
  chatId: string;
  body: string;
  hasMedia: boolean;
  /** Seconds, as WhatsApp timestamps are. */
  timestamp: number;
}

export interface BridgeInbound {
  id: string;
  chatId: string;
  body: string;
  name: string;
}

export interface WhatsAppBridgeServer {
  url: string;
  sent: BridgeSent[];
  inbound: BridgeInbound[];
  /** Queues a customer's message; the child receives it (again after every restart: WhatsApp redelivers). */
  customerSays(chatId: string, body: string, name?: string): string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
}

export async function startWhatsAppBridge(): Promise<WhatsAppBridgeServer> {
  let seq = 0;
  const bridge: WhatsAppBridgeServer = {
    url: "",
    sent: [],
    inbound: [],
    customerSays(chatId, body, name = "Customer") {
      const id = `false_${chatId}_IN${String(++seq).padStart(10, "0")}`;
      bridge.inbound.push({ id, chatId, body, name });
      return id;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const reply = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://bridge");
      if (req.method === "POST" && url.pathname === "/send") {
        const { chatId, body, hasMedia } = (await readJson(req)) as { chatId: string; body: string; hasMedia: boolean };
        const sent: BridgeSent = {
          id: `true_${chatId}_OUT${String(++seq).padStart(10, "0")}`,
          chatId,
          body,
          hasMedia,
          timestamp: Math.floor(Date.now() / 1000),
        };
        bridge.sent.push(sent);
        return reply(res, { id: sent.id });
      }
      if (url.pathname === "/messages") {
        const chatId = url.searchParams.get("chat") ?? "";
        return reply(
          res,
          bridge.sent.filter((m) => m.chatId === chatId),
        );
      }
      if (url.pathname === "/inbound") {
        const after = Number(url.searchParams.get("after") ?? 0);
        return reply(res, bridge.inbound.slice(after));
      }
      res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  bridge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return bridge;
}

/** The child's side: whatsapp-web.js's Client port, talking to the bridge server. */
export class WhatsAppBridgeClient extends EventEmitter implements WhatsAppClientPort {
  private cursor = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling = false;

  constructor(private readonly url: string) {
    super();
  }

  async initialize(): Promise<void> {
    this.timer = setInterval(() => void this.poll(), BRIDGE_POLL_MS);
    this.emit("authenticated");
    this.emit("ready");
  }

  async destroy(): Promise<void> {
    clearInterval(this.timer);
  }

  async getState(): Promise<WhatsAppState | null> {
    return "CONNECTED";
  }

  async sendMessage(chatId: string, content: string | WAWebJS.MessageMedia, _options?: WhatsAppSendOptions): Promise<WhatsAppSentMessage> {
    const body = typeof content === "string" ? content : (_options?.caption ?? "");
    const response = await fetch(`${this.url}/send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chatId, body, hasMedia: typeof content !== "string" }),
    });
    const { id } = (await response.json()) as { id: string };
    return { id: { _serialized: id } };
  }

  async getChatById(chatId: string): Promise<WhatsAppChatPort> {
    return {
      fetchMessages: async () => {
        const response = await fetch(`${this.url}/messages?chat=${encodeURIComponent(chatId)}`);
        const sent = (await response.json()) as BridgeSent[];
        return sent.map((m) => ({ id: { _serialized: m.id }, body: m.body, fromMe: true, hasMedia: m.hasMedia, timestamp: m.timestamp }));
      },
    };
  }

  async requestPairingCode(): Promise<string> {
    return "BRIDGE00";
  }

  async getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]> {
    return userIds.map((lid) => ({ lid, pn: "" }));
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const response = await fetch(`${this.url}/inbound?after=${this.cursor}`);
      const messages = (await response.json()) as BridgeInbound[];
      for (const m of messages) {
        this.cursor += 1;
        const id = { fromMe: false, remote: m.chatId, id: m.id.split("_").at(-1)!, _serialized: m.id };
        const timestamp = Math.floor(Date.now() / 1000);
        this.emit("message", {
          _data: { id, body: m.body, type: "chat", t: timestamp, from: m.chatId, to: FAKE_WHATSAPP_BUSINESS_CHAT_ID, notifyName: m.name },
          id,
          from: m.chatId,
          to: FAKE_WHATSAPP_BUSINESS_CHAT_ID,
          body: m.body,
          type: "chat",
          timestamp,
          fromMe: false,
          isStatus: false,
          broadcast: false,
          hasMedia: false,
          vCards: [],
          getContact: async () => ({ pushname: m.name, name: undefined, number: m.chatId.split("@")[0] ?? "" }),
          downloadMedia: async () => undefined,
        });
      }
    } catch {
      // The bridge is the test's: if it is gone the test is over.
    } finally {
      this.polling = false;
    }
  }
}
