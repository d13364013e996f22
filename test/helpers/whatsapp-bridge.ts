/**
 * WhatsApp's servers for a Warmline running in another process: a loopback HTTP server (in the
 * test) that records every message the child sends and hands each customer message out once, as
 * WhatsApp does (after that it is only in the chat's history, which catch-up reads), and a client
 * (in the child) that implements the adapter's port over it. Used by the crash test, where the
 * child is SIGKILLed and everything it sent must be counted outside it.
 */
import { EventEmitter } from "node:events";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type WAWebJS from "whatsapp-web.js";
import type {
  WhatsAppChatHistory,
  WhatsAppChatPort,
  WhatsAppClientPort,
  WhatsAppInboundMessage,
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
  /** Seconds, as WhatsApp timestamps are. */
  timestamp: number;
  /** Handed to a client's poll: WhatsApp hands each message out once, then keeps it only in the chat. */
  handedOut: boolean;
}

/** A slow WhatsApp: each send takes `ms`; it is recorded before the slow answer, or after it and only if the sender is still there. */
export interface BridgeLatency {
  ms: number;
  applyFirst(): boolean;
}

export interface WhatsAppBridgeServer {
  url: string;
  sent: BridgeSent[];
  inbound: BridgeInbound[];
  /** Set to make sends slow; unset answers at once. */
  latency?: BridgeLatency;
  /** Queues a customer's message; the first poll after it gets it, once (no redelivery after a restart). */
  customerSays(chatId: string, body: string, name?: string): string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
}

const seconds = () => Math.floor(Date.now() / 1000);

export async function startWhatsAppBridge(): Promise<WhatsAppBridgeServer> {
  let seq = 0;
  const bridge: WhatsAppBridgeServer = {
    url: "",
    sent: [],
    inbound: [],
    customerSays(chatId, body, name = "Customer") {
      const id = `false_${chatId}_IN${String(++seq).padStart(10, "0")}`;
      bridge.inbound.push({ id, chatId, body, name, timestamp: seconds(), handedOut: false });
      return id;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const reply = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const record = (chatId: string, body: string, hasMedia: boolean): BridgeSent => {
    const sent: BridgeSent = { id: `true_${chatId}_OUT${String(++seq).padStart(10, "0")}`, chatId, body, hasMedia, timestamp: seconds() };
    bridge.sent.push(sent);
    return sent;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://bridge");
      const chatId = url.searchParams.get("chat") ?? "";
      if (req.method === "POST" && url.pathname === "/send") {
        const { chatId: to, body, hasMedia } = (await readJson(req)) as { chatId: string; body: string; hasMedia: boolean };
        const latency = bridge.latency;
        if (!latency) return reply(res, { id: record(to, body, hasMedia).id });
        const early = latency.applyFirst() ? record(to, body, hasMedia) : undefined;
        await new Promise((resolve) => setTimeout(resolve, latency.ms));
        // The sender died waiting: a send still waiting to happen never does.
        if (res.destroyed || req.socket.destroyed) return;
        return reply(res, { id: (early ?? record(to, body, hasMedia)).id });
      }
      if (url.pathname === "/messages")
        return reply(
          res,
          bridge.sent.filter((m) => m.chatId === chatId),
        );
      if (url.pathname === "/inbound") {
        const fresh = bridge.inbound.filter((m) => !m.handedOut);
        for (const m of fresh) m.handedOut = true;
        return reply(res, fresh);
      }
      if (url.pathname === "/chats") {
        const chats = new Map<string, number>();
        for (const m of [...bridge.inbound, ...bridge.sent]) chats.set(m.chatId, Math.max(chats.get(m.chatId) ?? 0, m.timestamp));
        return reply(
          res,
          [...chats].map(([id, timestamp]) => ({ id, timestamp })),
        );
      }
      if (url.pathname === "/history")
        return reply(
          res,
          bridge.inbound.filter((m) => m.chatId === chatId),
        );
      res.writeHead(404).end();
    })().catch(() => res.writeHead(500).end());
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  bridge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return bridge;
}

/** A customer's message as whatsapp-web.js hands it to listeners. */
function inboundMessage(m: BridgeInbound): WhatsAppInboundMessage {
  const id = { fromMe: false, remote: m.chatId, id: m.id.split("_").at(-1)!, _serialized: m.id };
  return {
    _data: { id, body: m.body, type: "chat", t: m.timestamp, from: m.chatId, to: FAKE_WHATSAPP_BUSINESS_CHAT_ID, notifyName: m.name },
    id,
    from: m.chatId,
    to: FAKE_WHATSAPP_BUSINESS_CHAT_ID,
    body: m.body,
    type: "chat",
    timestamp: m.timestamp,
    fromMe: false,
    isStatus: false,
    broadcast: false,
    hasMedia: false,
    vCards: [],
    getContact: async () => ({ pushname: m.name, name: undefined, number: m.chatId.split("@")[0] ?? "" }),
    downloadMedia: async () => undefined,
  };
}

/** The child's side: whatsapp-web.js's Client port, talking to the bridge server. */
export class WhatsAppBridgeClient extends EventEmitter implements WhatsAppClientPort {
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
        const sent = await this.get<BridgeSent[]>(`/messages?chat=${encodeURIComponent(chatId)}`);
        return sent.map((m) => ({ id: { _serialized: m.id }, body: m.body, fromMe: true, hasMedia: m.hasMedia, timestamp: m.timestamp }));
      },
    };
  }

  /** The chats and their customers' messages, as WhatsApp keeps them (catch-up reads them after a restart). */
  async getChats(): Promise<WhatsAppChatHistory[]> {
    const chats = await this.get<{ id: string; timestamp: number }[]>("/chats");
    return chats.map((chat) => ({
      id: { _serialized: chat.id },
      timestamp: chat.timestamp,
      isGroup: false,
      fetchMessages: async () => (await this.get<BridgeInbound[]>(`/history?chat=${encodeURIComponent(chat.id)}`)).map(inboundMessage),
    }));
  }

  async requestPairingCode(): Promise<string> {
    return "BRIDGE00";
  }

  async getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]> {
    return userIds.map((lid) => ({ lid, pn: "" }));
  }

  private async get<T>(path: string): Promise<T> {
    return (await (await fetch(`${this.url}${path}`)).json()) as T;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const m of await this.get<BridgeInbound[]>("/inbound")) this.emit("message", inboundMessage(m));
    } catch {
      // The bridge is the test's: if it is gone the test is over.
    } finally {
      this.polling = false;
    }
  }
}
