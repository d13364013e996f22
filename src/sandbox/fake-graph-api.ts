/**
 * A local stand-in for Meta's Graph API (WhatsApp Cloud API), for the tests and the demo: a
 * node:http server on port 0. It answers the calls the Cloud API channel makes (send, media info,
 * media download, media upload, the phone number probe), records them, fails on request with
 * Meta's error shapes, and plays the customer's side by posting signed webhooks to Warmline.
 * For the crash test it can also be slow (a send lands before the slow answer, or only if the caller
 * is still there), post a `sent` status for every message, and post again what got no 200, like Meta.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_GRAPH_PHONE_NUMBER_ID = "106540352242922";
export const FAKE_GRAPH_ACCESS_TOKEN = "EAAG-sandbox-token-not-a-real-one";
const WINDOW_MS = 24 * 60 * 60 * 1000;

/** Meta's error codes the fake can answer with (see channels/whatsapp-cloud/cloud-errors.ts). */
export type FakeGraphErrorCode = 130429 | 131056 | 131026 | 131047 | 401 | 500;

export interface FakeGraphSent {
  id: string;
  /** The phone number or business-scoped user id it went to. */
  to: string;
  type: string;
  /** What the customer sees: the text, caption, buttons' body, or "template <name>: <parameters>". */
  text: string;
  payload: Record<string, unknown>;
  /** The access token it was sent with (instances may each have their own: any token starting with FAKE_GRAPH_ACCESS_TOKEN works). */
  token: string;
  /** Media sent by id: what was uploaded under that id. */
  media?: FakeGraphMedia;
  /** The send's `biz_opaque_callback_data`, echoed in its status webhooks as Meta does. */
  callbackData?: string;
}

/** A slow Graph API: each POST /messages takes `ms`; it takes effect before the slow answer, or after it and only if the caller is still there. */
export interface FakeGraphLatency {
  ms: number;
  applyFirst(): boolean;
}

export interface FakeGraphMedia {
  id: string;
  mimeType: string;
  data: Buffer;
  filename?: string;
}

export interface FakeCustomer {
  /** Digits of the customer's phone number (wa_id); omit for a username user known only by `userId`. */
  phone?: string;
  userId?: string;
  name?: string;
}

export interface FakeGraphApi {
  url: string;
  /** Messages Warmline sent, oldest first. */
  sent: FakeGraphSent[];
  /** Message ids Warmline marked as read. */
  readReceipts: string[];
  /** Every request: method and path. */
  requests: { method: string; path: string }[];
  /** Set to make sends (and read receipts) slow; unset answers at once. */
  latency?: FakeGraphLatency;
  /** Calls `listener` with each message Warmline sends (the demo prints them). */
  onSent(listener: (sent: FakeGraphSent) => void): void;
  /**
   * Where webhook posts go (Warmline's /whatsapp/webhook) and the app secret they are signed with.
   * Several URLs: posts take turns among them, as behind a load balancer.
   */
  setWebhook(url: string | string[], appSecret: string): void;
  /** The next `times` sends fail with Meta's error `code`. */
  failNext(code: FakeGraphErrorCode, times?: number): void;
  /** Until `restoreToken`, every call answers 401 (the token expired). */
  expireToken(): void;
  restoreToken(): void;
  /** The customer writes; resolves with the message id once Warmline answered the webhook post. */
  customerSays(customer: FakeCustomer, text: string): Promise<{ messageId: string; status: number }>;
  /** The customer sends media (stored here, announced by id as Meta does). */
  customerSendsMedia(
    customer: FakeCustomer,
    media: {
      kind: "image" | "audio" | "video" | "document" | "sticker";
      data: Buffer;
      mimeType: string;
      caption?: string;
      filename?: string;
    },
  ): Promise<{ messageId: string; status: number }>;
  /** The customer taps a reply button. */
  customerTaps(customer: FakeCustomer, title: string): Promise<{ messageId: string; status: number }>;
  /** Posts the same webhook body again, as Meta does when it did not get a 200. */
  redeliver(messageId: string): Promise<number>;
  /** A status webhook for a message Warmline sent. */
  reportStatus(
    messageId: string,
    status: "sent" | "delivered" | "read" | "failed",
    error?: { code: number; title: string },
  ): Promise<number>;
  /** Resolves once every webhook post so far (and its redeliveries) got its answer. */
  settled(): Promise<void>;
  /** Posts a body with a signature of your choosing (or none); for the signature tests. */
  postWebhook(body: string, signature?: string): Promise<number>;
  /** `sha256=<hex>`: the signature Meta would send for this body. */
  sign(body: string): string;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

function metaError(code: FakeGraphErrorCode): { status: number; body: unknown } {
  const errors: Record<FakeGraphErrorCode, [number, number, string]> = {
    130429: [400, 130429, "Rate limit hit"],
    131056: [400, 131056, "(Business Account, Consumer Account) pair rate limit hit"],
    131026: [400, 131026, "Message undeliverable"],
    131047: [400, 131047, "Re-engagement message"],
    401: [401, 190, "Error validating access token: Session has expired"],
    500: [500, 131000, "Something went wrong"],
  };
  const [status, metaCode, message] = errors[code];
  return {
    status,
    body: { error: { message, type: "OAuthException", code: metaCode, error_data: { details: message }, fbtrace_id: "AbCdEf" } },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function textOf(payload: Record<string, unknown>): string {
  const type = payload.type as string;
  const body = (payload[type] ?? {}) as Record<string, unknown>;
  if (type === "text") return String((body as { body?: unknown }).body ?? "");
  if (type === "interactive") return String(((body as { body?: { text?: unknown } }).body?.text as string) ?? "");
  if (type === "template") {
    const components = (body.components ?? []) as { parameters?: { text?: string }[] }[];
    const parameters = components.flatMap((c) => (c.parameters ?? []).map((p) => p.text ?? ""));
    return `template ${String(body.name)}: ${parameters.join(" | ")}`;
  }
  return String(body.caption ?? "");
}

export async function startFakeGraphApi(
  options: {
    now?: () => number;
    /** Refuse free text to a customer who has not written in 24 hours (131047), as Meta does. Default true. */
    enforceWindow?: boolean;
    /** Post a `sent` status webhook for every message sent, as Meta does. Default false (tests report statuses themselves). */
    sentStatuses?: boolean;
    /** Post again, after this long, any webhook that got no 200 (refused, or nobody listening), until one does, as Meta does. Default: post once. */
    redeliverAfterMs?: number;
  } = {},
): Promise<FakeGraphApi> {
  const enforceWindow = options.enforceWindow ?? true;
  const now = options.now ?? (() => Date.now());
  let webhook: { urls: string[]; secret: string } | undefined;
  let posts = 0;
  let tokenExpired = false;
  let closed = false;
  let seq = 0;
  const posting = new Set<Promise<number>>();
  const failures: FakeGraphErrorCode[] = [];
  const sentListeners: ((sent: FakeGraphSent) => void)[] = [];
  const media = new Map<string, FakeGraphMedia>();
  const bodies = new Map<string, string>();
  /** When each customer last wrote: free text after 24 hours gets 131047, as from Meta. */
  const lastInbound = new Map<string, number>();
  const nextId = (prefix: string) => `${prefix}${String(++seq).padStart(12, "0")}${randomBytes(4).toString("hex").toUpperCase()}`;

  /** Meta's media ids are digits. */
  const nextMediaId = () => `9${String(++seq).padStart(14, "0")}`;
  const sign = (body: string) =>
    `sha256=${createHmac("sha256", webhook?.secret ?? "")
      .update(body)
      .digest("hex")}`;
  const postWebhook = async (body: string, signature?: string): Promise<number> => {
    if (!webhook) throw new Error("The fake Graph API has no webhook URL: call setWebhook first.");
    const url = webhook.urls[posts++ % webhook.urls.length]!;
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature !== undefined ? { "x-hub-signature-256": signature } : {}) },
      body,
    });
    await response.text();
    return response.status;
  };
  /** Posts a signed body; with redelivery on, posts it again until Warmline answers 200 (to whichever URL is current then). */
  const deliver = (body: string): Promise<number> => {
    const { redeliverAfterMs } = options;
    const post = async () => {
      if (redeliverAfterMs === undefined) return postWebhook(body, sign(body));
      for (;;) {
        const status = await postWebhook(body, sign(body)).catch(() => 0);
        if (status === 200 || closed) return status;
        await new Promise((resolve) => setTimeout(resolve, redeliverAfterMs));
      }
    };
    const posted = post();
    posting.add(posted);
    void posted.catch(() => undefined).finally(() => posting.delete(posted));
    return posted;
  };
  const statusBody = (sent: FakeGraphSent | undefined, messageId: string, status: string, error?: { code: number; title: string }) =>
    envelope({
      statuses: [
        {
          id: messageId,
          status,
          timestamp: String(Math.floor(now() / 1000)),
          recipient_id: sent?.to ?? "0",
          ...(sent?.callbackData !== undefined ? { biz_opaque_callback_data: sent.callbackData } : {}),
          ...(error ? { errors: [{ code: error.code, title: error.title, message: error.title }] } : {}),
        },
      ],
    });
  const envelope = (value: Record<string, unknown>) =>
    JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550783881", phone_number_id: FAKE_GRAPH_PHONE_NUMBER_ID },
                ...value,
              },
            },
          ],
        },
      ],
    });
  const inbound = async (customer: FakeCustomer, message: Record<string, unknown>) => {
    const messageId = nextId("wamid.IN");
    const body = envelope({
      contacts: [
        {
          profile: { name: customer.name ?? "Customer" },
          ...(customer.phone ? { wa_id: customer.phone } : {}),
          ...(customer.userId ? { user_id: customer.userId } : {}),
        },
      ],
      messages: [
        {
          ...(customer.phone ? { from: customer.phone } : {}),
          ...(customer.userId ? { from_user_id: customer.userId } : {}),
          id: messageId,
          timestamp: String(Math.floor(now() / 1000)),
          ...message,
        },
      ],
    });
    bodies.set(messageId, body);
    lastInbound.set(customer.phone ?? customer.userId ?? "", now());
    return { messageId, status: await deliver(body) };
  };

  const api: FakeGraphApi = {
    url: "",
    sent: [],
    readReceipts: [],
    requests: [],
    onSent: (listener) => void sentListeners.push(listener),
    setWebhook(url, appSecret) {
      webhook = { urls: typeof url === "string" ? [url] : url, secret: appSecret };
    },
    failNext(code, times = 1) {
      for (let i = 0; i < times; i++) failures.push(code);
    },
    expireToken: () => void (tokenExpired = true),
    restoreToken: () => void (tokenExpired = false),
    customerSays: (customer, text) => inbound(customer, { type: "text", text: { body: text } }),
    customerSendsMedia(customer, sentMedia) {
      const id = nextMediaId();
      media.set(id, { id, mimeType: sentMedia.mimeType, data: sentMedia.data, filename: sentMedia.filename });
      const ref = {
        id,
        mime_type: sentMedia.mimeType,
        sha256: "fake",
        ...(sentMedia.caption ? { caption: sentMedia.caption } : {}),
        ...(sentMedia.filename ? { filename: sentMedia.filename } : {}),
      };
      return inbound(customer, { type: sentMedia.kind, [sentMedia.kind]: ref });
    },
    customerTaps: (customer, title) =>
      inbound(customer, { type: "interactive", interactive: { type: "button_reply", button_reply: { id: `warmline:${title}`, title } } }),
    async redeliver(messageId) {
      const body = bodies.get(messageId);
      if (!body) throw new Error(`The fake Graph API never posted ${messageId}.`);
      return postWebhook(body, sign(body));
    },
    reportStatus: (messageId, status, error) =>
      deliver(
        statusBody(
          api.sent.find((m) => m.id === messageId),
          messageId,
          status,
          error,
        ),
      ),
    async settled() {
      while (posting.size > 0) await Promise.allSettled([...posting]);
    },
    postWebhook,
    sign,
    close() {
      closed = true;
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** POST /messages: a read receipt, or a send (refused on request or outside the window, as Meta does). */
  const sendMessage = (payload: Record<string, unknown>, token: string): { status: number; body: unknown } => {
    if (payload.status === "read") {
      api.readReceipts.push(String(payload.message_id));
      return { status: 200, body: { success: true } };
    }
    const to = String(payload.to ?? payload.recipient ?? "");
    const wroteAt = lastInbound.get(to);
    const failure =
      failures.shift() ??
      (enforceWindow && payload.type !== "template" && (wroteAt === undefined || now() - wroteAt >= WINDOW_MS) ? 131047 : undefined);
    if (failure !== undefined) return metaError(failure);
    const id = nextId("wamid.OUT");
    const type = String(payload.type);
    const mediaId = (payload[type] as { id?: string } | undefined)?.id;
    const callbackData = payload.biz_opaque_callback_data;
    const sent: FakeGraphSent = {
      id,
      to,
      type,
      text: textOf(payload),
      payload,
      token,
      ...(mediaId && media.has(mediaId) ? { media: media.get(mediaId)! } : {}),
      ...(typeof callbackData === "string" ? { callbackData } : {}),
    };
    api.sent.push(sent);
    for (const listener of sentListeners) listener(sent);
    if (options.sentStatuses) void deliver(statusBody(sent, id, "sent")).catch(() => undefined);
    return { status: 200, body: { messaging_product: "whatsapp", contacts: [{ input: to, wa_id: to }], messages: [{ id }] } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://graph");
    const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
    api.requests.push({ method: req.method ?? "GET", path });
    const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    if (tokenExpired || !token.startsWith(FAKE_GRAPH_ACCESS_TOKEN)) {
      const { status, body } = metaError(401);
      return json(res, status, body);
    }
    const raw = await readBody(req);
    if (req.method === "GET" && path === `/${FAKE_GRAPH_PHONE_NUMBER_ID}`)
      return json(res, 200, { id: FAKE_GRAPH_PHONE_NUMBER_ID, display_phone_number: "+1 555-078-3881", verified_name: "Acme" });
    if (req.method === "POST" && path === `/${FAKE_GRAPH_PHONE_NUMBER_ID}/messages`) {
      const payload = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      const latency = api.latency;
      if (!latency) {
        const { status, body } = sendMessage(payload, token);
        return json(res, status, body);
      }
      const early = latency.applyFirst() ? sendMessage(payload, token) : undefined;
      await new Promise((resolve) => setTimeout(resolve, latency.ms));
      // The caller died waiting: a send still waiting to happen never does.
      if (res.destroyed || req.socket.destroyed) return;
      const { status, body } = early ?? sendMessage(payload, token);
      return json(res, status, body);
    }
    if (req.method === "POST" && path === `/${FAKE_GRAPH_PHONE_NUMBER_ID}/media`) {
      const form = await new Request("http://graph/upload", {
        method: "POST",
        headers: { "content-type": String(req.headers["content-type"]) },
        body: raw,
      }).formData();
      const file = form.get("file");
      if (!(file instanceof Blob)) return json(res, 400, { error: { message: "file is required", code: 100 } });
      const id = nextMediaId();
      media.set(id, { id, mimeType: file.type, data: Buffer.from(await file.arrayBuffer()), filename: (file as File).name });
      return json(res, 200, { id });
    }
    const download = /^\/media-download\/(\w+)$/.exec(path)?.[1];
    if (req.method === "GET" && download !== undefined) {
      const found = media.get(download);
      if (!found) return json(res, 404, { error: { message: "media not found", code: 100 } });
      res.writeHead(200, { "content-type": found.mimeType });
      return res.end(found.data);
    }
    const mediaId = /^\/(\d+)$/.exec(path)?.[1];
    if (req.method === "GET" && mediaId !== undefined && media.has(mediaId)) {
      const found = media.get(mediaId)!;
      return json(res, 200, {
        messaging_product: "whatsapp",
        url: `${api.url}/media-download/${mediaId}`,
        mime_type: found.mimeType,
        sha256: "fake",
        file_size: found.data.length,
        id: mediaId,
      });
    }
    json(res, 404, { error: { message: `Unknown path ${path}`, code: 100 } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: { message: String(error), code: 1 } }));
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v23.0`;
  return api;
}
