/**
 * A fake Slack Web API on loopback: Bolt's WebClient talks to it through `clientOptions.slackApiUrl`.
 * It answers the methods Warmline uses from a small in-memory workspace (channels, users,
 * messages, reactions, files), records every call, and can be told to fail the next call.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createFakeSlackMessageIndex } from "./fake-slack-message-index.js";

export interface FakeSlackChannel {
  id: string;
  name: string;
  is_member?: boolean;
  is_private?: boolean;
  /** conversations.members answers these user ids, and the bot's while it is a member. */
  members?: string[];
}

export interface FakeSlackUser {
  id: string;
  name: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
}

export interface FakeSlackCall {
  method: string;
  token?: string;
  args: Record<string, unknown>;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  user?: string;
  bot_id?: string;
  /** chat.postMessage's metadata (Warmline marks outbox deliveries with it). */
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface FakeSlackUpload {
  fileId: string;
  filename: string;
  bytes: Buffer;
  channel?: string;
  threadTs?: string;
}

export type FakeSlackFailure = { status: 429; retryAfter?: number } | { status: 500 } | { error: string };

export interface FakeSlackFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export interface FakeSlackApiOptions {
  channels?: FakeSlackChannel[];
  users?: FakeSlackUser[];
  botUserId?: string;
  botId?: string;
  /** conversations.list page size, small by default so pagination is exercised. */
  pageSize?: number;
  /** What apps.connections.open returns (see socket-mode-server.ts). */
  socketModeUrl?: string;
  /** Sent as the x-oauth-scopes header of every Web API answer, as Slack does; unset sends none. */
  grantedScopes?: string[];
  /** When set, any other token gets invalid_auth (a bad or revoked SLACK_BOT_TOKEN). */
  validTokens?: string[];
  /** Called with each call as it arrives, before it is answered (the bench times deliveries by it). */
  onCall?: (call: FakeSlackCall) => void;
}

/**
 * A slow Slack: every Web API call takes `ms` to answer. A write either takes effect before the slow
 * answer (`applyFirst` true: a caller that dies waiting has posted without knowing it) or after it,
 * and then only if the caller is still there to hear it (false: one that dies waiting has posted nothing).
 */
export interface FakeSlackLatency {
  ms: number;
  applyFirst(method: string, args: Record<string, unknown>): boolean;
}

export interface FakeSlackApi {
  /** Pass as slackApiUrl; ends with /api/. */
  url: string;
  origin: string;
  botUserId: string;
  botId: string;
  calls: FakeSlackCall[];
  channels: FakeSlackChannel[];
  users: FakeSlackUser[];
  messages: FakeSlackMessage[];
  uploads: FakeSlackUpload[];
  /** The ids of the files the app downloaded (url_private), in order. */
  fileDownloads: string[];
  /** channel:ts → reaction names. */
  reactions: Map<string, Set<string>>;
  /** users.getPresence answers: user id → "active" | "away"; unlisted users are active. */
  presence: Map<string, "active" | "away">;
  socketModeUrl?: string;
  /** The x-oauth-scopes header; change it to plant a missing scope. */
  grantedScopes?: string[];
  /** TCP connections the app has opened to this fake so far: each is a TLS handshake against the real Slack. */
  connectionsOpened: number;
  /** Views published to users' Home tabs, by user id (latest wins). */
  homeViews: Map<string, { type: string; blocks: unknown[] }>;
  /** Set to make every call slow (see FakeSlackLatency); unset answers at once. */
  latency?: FakeSlackLatency;
  /** While set, every Web API call fails this way (Slack down); unset it to bring Slack back. */
  outage?: FakeSlackFailure;
  /**
   * The next `times` (default 1) calls of `method` fail this way; with `when`, only calls whose
   * args match it count (e.g. only thread replies: `(a) => a.thread_ts !== undefined`).
   */
  failNext(
    method: string,
    failure: FakeSlackFailure,
    options?: { times?: number; when?: (args: Record<string, unknown>) => boolean },
  ): void;
  callsTo(method: string): FakeSlackCall[];
  /**
   * A file as Slack shows it in a file_share event; its url_private serves `content` to the bot token, once
   * `hold` (if given) has settled: a download that takes its time. `size` replaces the content's length.
   */
  addFile(content: Buffer, meta: { name: string; mimetype: string; size?: number; hold?: Promise<unknown> }): FakeSlackFile;
  reactionsOn(channel: string, ts: string): string[];
  threadReplies(channel: string, threadTs: string): FakeSlackMessage[];
  close(): Promise<void>;
}

/** Slack sends nested arguments (blocks, view, files) as JSON strings in form bodies. */
/** Slack's largest page of conversations.history / replies. */
const SLACK_MAX_MESSAGES_PAGE = 1000;
const JSON_ARGS = new Set(["blocks", "attachments", "view", "files", "metadata"]);

function parseForm(body: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    if (JSON_ARGS.has(key)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // keep the raw string
      }
    }
    args[key] = value;
  }
  return args;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeSlackApi(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const botUserId = options.botUserId ?? "UBOT0WARM";
  const botId = options.botId ?? "BBOT0WARM";
  const pageSize = options.pageSize ?? 2;
  const failures = new Map<string, { failure: FakeSlackFailure; when?: (args: Record<string, unknown>) => boolean }[]>();
  const files = new Map<string, { content: Buffer; meta: FakeSlackFile; hold?: Promise<unknown> }>();
  let seq = 0;
  let fileSeq = 0;
  const nextTs = () => `1700000${String(100 + Math.floor(seq / 1000)).padStart(3, "0")}.${String(++seq).padStart(6, "0")}`;

  const api: FakeSlackApi = {
    url: "",
    origin: "",
    botUserId,
    botId,
    calls: [],
    channels: options.channels ?? [],
    users: options.users ?? [],
    messages: [],
    uploads: [],
    fileDownloads: [],
    reactions: new Map(),
    presence: new Map(),
    socketModeUrl: options.socketModeUrl,
    ...(options.grantedScopes ? { grantedScopes: options.grantedScopes } : {}),
    connectionsOpened: 0,
    homeViews: new Map(),
    failNext(method, failure, options = {}) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < (options.times ?? 1); i++) queue.push({ failure, ...(options.when ? { when: options.when } : {}) });
      failures.set(method, queue);
    },
    callsTo(method) {
      return api.calls.filter((c) => c.method === method);
    },
    addFile(content, meta) {
      const id = `F${String(++fileSeq).padStart(8, "0")}`;
      const file: FakeSlackFile = {
        id,
        name: meta.name,
        title: meta.name,
        mimetype: meta.mimetype,
        filetype: meta.name.split(".").pop() ?? "bin",
        size: meta.size ?? content.length,
        url_private: `${api.origin}/files-pri/${id}/${encodeURIComponent(meta.name)}`,
        url_private_download: `${api.origin}/files-pri/${id}/download/${encodeURIComponent(meta.name)}`,
      };
      files.set(id, { content, meta: file, ...(meta.hold ? { hold: meta.hold } : {}) });
      return file;
    },
    reactionsOn(channel, ts) {
      return [...(api.reactions.get(`${channel}:${ts}`) ?? [])];
    },
    threadReplies(channel, threadTs) {
      return api.messages.filter((m) => m.channel === channel && m.thread_ts === threadTs && m.ts !== threadTs);
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const channel = (id: unknown) => api.channels.find((c) => c.id === id);
  const messageIndex = createFakeSlackMessageIndex(() => api.messages);
  const userJson = (u: FakeSlackUser) => ({
    id: u.id,
    name: u.name,
    real_name: u.real_name ?? u.name,
    is_bot: u.is_bot ?? false,
    profile: { display_name: u.display_name ?? "", real_name: u.real_name ?? u.name },
  });
  const channelJson = (c: FakeSlackChannel) => ({
    id: c.id,
    name: c.name,
    is_channel: !c.is_private,
    is_group: false,
    is_private: c.is_private ?? false,
    is_archived: false,
    is_member: c.is_member ?? true,
  });
  /** Realistic refusals from the workspace's state, before any scripted failure. */
  const postable = (id: unknown): { error: string } | undefined => {
    const c = channel(id);
    if (!c) return { error: "channel_not_found" };
    if (c.is_member === false) return { error: "not_in_channel" };
    return undefined;
  };

  /** Slack returns metadata only to callers that ask for it with include_all_metadata. */
  const withMetadata = (m: FakeSlackMessage, args: Record<string, unknown>): FakeSlackMessage => {
    if (args.include_all_metadata === true || args.include_all_metadata === "true") return m;
    const { metadata: _metadata, ...rest } = m;
    return rest;
  };

  /** One page of `items` as Slack pages them: `limit` (default 100, at most `max`) from the cursor on. */
  const paged = <T>(items: readonly T[], args: Record<string, unknown>, key: string, max: number): Record<string, unknown> => {
    const start = Number(args.cursor ? Buffer.from(String(args.cursor), "base64").toString() : 0);
    const end = start + Math.min(Number(args.limit ?? 100), max);
    const next = end < items.length ? Buffer.from(String(end)).toString("base64") : "";
    return { [key]: items.slice(start, end), has_more: next !== "", response_metadata: { next_cursor: next } };
  };

  type Handler = (args: Record<string, unknown>, token: string | undefined) => Record<string, unknown>;
  const handlers: Record<string, Handler> = {
    "auth.test": () => ({
      url: "https://fake.slack.com/",
      team: "Acme",
      user: "warmline",
      team_id: "T0ACME",
      user_id: botUserId,
      bot_id: botId,
    }),
    "users.getPresence": (args) => ({ presence: api.presence.get(String(args.user)) ?? "active" }),
    "users.info": (args) => {
      const user = api.users.find((u) => u.id === args.user);
      return user ? { user: userJson(user) } : { ok: false, error: "user_not_found" };
    },
    "conversations.list": (args) => {
      const types = String(args.types ?? "public_channel");
      const visible = api.channels.filter((c) =>
        c.is_private ? types.includes("private_channel") && c.is_member !== false : types.includes("public_channel"),
      );
      return paged(visible.map(channelJson), args, "channels", pageSize);
    },
    "conversations.info": (args) => {
      const c = channel(args.channel);
      return c && !(c.is_private && c.is_member === false) ? { channel: channelJson(c) } : { ok: false, error: "channel_not_found" };
    },
    "conversations.members": (args) => {
      const c = channel(args.channel);
      if (!c || (c.is_private && c.is_member === false)) return { ok: false, error: "channel_not_found" };
      const members = [...(c.members ?? []), ...(c.is_member !== false ? [botUserId] : [])];
      return paged(members, args, "members", pageSize);
    },
    "conversations.join": (args) => {
      const c = channel(args.channel);
      if (!c) return { ok: false, error: "channel_not_found" };
      c.is_member = true;
      return { channel: channelJson(c) };
    },
    // Pages as Slack does: history newest first, replies oldest first, `limit` per page (default 100,
    // at most 1,000). `oldest` is not applied: the fake's ts are counters, not the test clock's time.
    "conversations.history": (args) =>
      paged(
        api.messages
          .filter((m) => m.channel === args.channel && (m.thread_ts === undefined || m.thread_ts === m.ts))
          .map((m) => withMetadata(m, args))
          .reverse(),
        args,
        "messages",
        SLACK_MAX_MESSAGES_PAGE,
      ),
    "conversations.replies": (args) =>
      paged(
        api.messages
          .filter((m) => m.channel === args.channel && (m.ts === args.ts || m.thread_ts === args.ts))
          .map((m) => withMetadata(m, args)),
        args,
        "messages",
        SLACK_MAX_MESSAGES_PAGE,
      ),
    "chat.postMessage": (args) => {
      const refused = postable(args.channel);
      if (refused) return { ok: false, ...refused };
      const ts = nextTs();
      const message: FakeSlackMessage = {
        channel: String(args.channel),
        ts,
        ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
        text: args.text as string | undefined,
        blocks: args.blocks as unknown[] | undefined,
        user: botUserId,
        bot_id: botId,
        ...(args.metadata && typeof args.metadata === "object" ? { metadata: args.metadata as FakeSlackMessage["metadata"] } : {}),
      };
      if (message.thread_ts) {
        const parent = messageIndex.find(message.channel, message.thread_ts);
        if (!parent) return { ok: false, error: "thread_not_found" };
        if (parent.thread_ts === undefined) parent.thread_ts = parent.ts;
      }
      api.messages.push(message);
      messageIndex.added(message);
      return { channel: args.channel, ts, message: { ...message, type: "message" } };
    },
    "chat.update": (args) => {
      const refused = postable(args.channel);
      if (refused) return { ok: false, ...refused };
      const message = messageIndex.find(args.channel, args.ts);
      if (!message) return { ok: false, error: "message_not_found" };
      message.text = args.text as string | undefined;
      message.blocks = args.blocks as unknown[] | undefined;
      // As Slack answers: the updated message repeated whole.
      return { channel: args.channel, ts: args.ts, text: args.text, message: { ...message, type: "message" } };
    },
    "chat.delete": (args) => {
      const index = api.messages.findIndex((m) => m.channel === args.channel && m.ts === args.ts);
      if (index === -1) return { ok: false, error: "message_not_found" };
      // A bot token deletes only the app's own messages.
      if (api.messages[index]!.bot_id !== botId) return { ok: false, error: "cant_delete_message" };
      api.messages.splice(index, 1);
      messageIndex.removed(args.channel, args.ts);
      return { channel: args.channel, ts: args.ts };
    },
    "chat.postEphemeral": (args) => {
      const refused = postable(args.channel);
      if (refused) return { ok: false, ...refused };
      return { message_ts: nextTs() };
    },
    "chat.getPermalink": (args) => ({
      channel: args.channel,
      permalink: `https://fake.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace(".", "")}`,
    }),
    "reactions.add": (args) => {
      const key = `${String(args.channel)}:${String(args.timestamp)}`;
      const set = api.reactions.get(key) ?? new Set<string>();
      if (set.has(String(args.name))) return { ok: false, error: "already_reacted" };
      set.add(String(args.name));
      api.reactions.set(key, set);
      return {};
    },
    "reactions.remove": (args) => {
      const set = api.reactions.get(`${String(args.channel)}:${String(args.timestamp)}`);
      if (!set?.delete(String(args.name))) return { ok: false, error: "no_reaction" };
      return {};
    },
    "files.getUploadURLExternal": (args) => {
      const fileId = `F${String(++fileSeq).padStart(8, "0")}`;
      api.uploads.push({ fileId, filename: String(args.filename), bytes: Buffer.alloc(0) });
      return { upload_url: `${api.origin}/upload/${fileId}`, file_id: fileId };
    },
    "files.completeUploadExternal": (args) => {
      const refused = postable(args.channel_id);
      if (args.channel_id !== undefined && refused) return { ok: false, ...refused };
      const listed = (args.files as { id: string; title?: string }[]) ?? [];
      for (const f of listed) {
        const upload = api.uploads.find((u) => u.fileId === f.id);
        if (upload) {
          upload.channel = args.channel_id as string | undefined;
          upload.threadTs = args.thread_ts as string | undefined;
        }
      }
      return { files: listed.map((f) => ({ id: f.id, title: f.title ?? "", name: api.uploads.find((u) => u.fileId === f.id)?.filename })) };
    },
    "views.open": (args) => ({ view: { id: `V${String(++seq).padStart(8, "0")}`, ...(args.view as object) } }),
    "views.publish": (args) => {
      const view = args.view as { type: string; blocks: unknown[] };
      api.homeViews.set(String(args.user_id), view);
      return { view: { id: `V${String(++seq).padStart(8, "0")}`, ...view } };
    },
    "apps.connections.open": () => (api.socketModeUrl ? { url: api.socketModeUrl } : { ok: false, error: "invalid_auth" }),
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const scopes = api.grantedScopes ? { "x-oauth-scopes": api.grantedScopes.join(",") } : {};
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...scopes, ...headers });
    res.end(JSON.stringify(body));
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", api.origin);
    const raw = await readBody(req);
    const auth = req.headers.authorization?.replace(/^Bearer\s+/i, "");

    if (url.pathname.startsWith("/upload/")) {
      const upload = api.uploads.find((u) => u.fileId === url.pathname.slice("/upload/".length));
      if (!upload) return send(res, 404, { ok: false });
      const form = await new Response(raw, { headers: { "content-type": req.headers["content-type"] ?? "" } })
        .formData()
        .catch(() => undefined);
      const part = form?.get("body") ?? form?.get("file");
      upload.bytes = part instanceof Blob ? Buffer.from(await part.arrayBuffer()) : raw;
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(`OK - ${upload.bytes.length}`);
    }
    if (url.pathname.startsWith("/files-pri/")) {
      const file = files.get(url.pathname.split("/")[2] ?? "");
      if (!file || !auth) return send(res, 404, { ok: false, error: "file_not_found" });
      api.fileDownloads.push(file.meta.id);
      await file.hold;
      res.writeHead(200, { "content-type": file.meta.mimetype });
      return res.end(file.content);
    }
    if (!url.pathname.startsWith("/api/")) return send(res, 404, { ok: false, error: "unknown_path" });

    const method = url.pathname.slice("/api/".length);
    const type = req.headers["content-type"] ?? "";
    let args: Record<string, unknown> = {};
    const text = raw.toString("utf8");
    if (type.includes("application/json")) args = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    else if (type.includes("multipart/form-data")) {
      const form = await new Response(raw, { headers: { "content-type": type } }).formData();
      for (const [key, value] of form) args[key] = typeof value === "string" ? value : "[binary]";
    } else args = parseForm(text);
    const token = auth ?? (typeof args.token === "string" ? args.token : undefined);
    delete args.token;
    const call: FakeSlackCall = { method, token, args };
    api.calls.push(call);
    options.onCall?.(call);

    const queue = failures.get(method) ?? [];
    const index = queue.findIndex((f) => f.when === undefined || f.when(args));
    const failure = api.outage ?? (index === -1 ? undefined : queue.splice(index, 1)[0]!.failure);
    if (failure) {
      if ("error" in failure) return send(res, 200, { ok: false, error: failure.error });
      if (failure.status === 429)
        return send(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(failure.retryAfter ?? 1) });
      return send(res, failure.status, { ok: false, error: "internal_error" });
    }
    if (!token) return send(res, 200, { ok: false, error: "not_authed" });
    if (options.validTokens && !options.validTokens.includes(token)) return send(res, 200, { ok: false, error: "invalid_auth" });
    const handler = handlers[method];
    if (!handler) return send(res, 200, { ok: false, error: "unknown_method" });
    const latency = api.latency;
    if (!latency) return send(res, 200, { ok: true, ...handler(args, token) });
    const applyFirst = latency.applyFirst(method, args);
    const result = applyFirst ? handler(args, token) : undefined;
    await new Promise((resolve) => setTimeout(resolve, latency.ms));
    // The caller hung up (it died): a write still waiting to apply never happens.
    if (res.destroyed || req.socket.destroyed) return;
    return send(res, 200, { ok: true, ...(result ?? handler(args, token)) });
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: String(error) }));
  });
  // Idle keep-alive sockets stay open until the client closes them, as Slack's do for far longer than
  // Node's 5 s default: a busy test reusing a socket the server had just closed failed with "fetch failed".
  server.keepAliveTimeout = 0;
  server.on("connection", () => api.connectionsOpened++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  api.origin = `http://127.0.0.1:${port}`;
  api.url = `${api.origin}/api/`;
  return api;
}
