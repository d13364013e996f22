/**
 * The one masking gate: every request Warmline sends to Slack's Web API passes through it, whatever
 * route built it (messages, blocks, file names, alt text, modals, edits, ephemeral notes, Home tabs).
 * It is the `fetch` of every WebClient Bolt makes (App's clientOptions), so a new route cannot skip
 * it: there is no other way out to Slack. It reads each request's form fields, masks personal data
 * in the human-readable ones (and in those inside JSON fields such as `blocks` and `view`), and
 * leaves ids, timestamps, action values and metadata as they are.
 */
import type { FetchFunction } from "@slack/web-api";
import { type MaskOptions, maskPii } from "../../src/domain/pii.js";

type SlackFetch = FetchFunction;

/** Fields people read: Block Kit text, legacy attachments, files (filename, title, alt text). */
const READABLE_KEYS = new Set([
  "text",
  "alt_text",
  "filename",
  "title",
  "initial_comment",
  "fallback",
  "pretext",
  "footer",
  "author_name",
  "placeholder",
  "label",
  "hint",
  "description",
  "name",
]);
/** Machine fields that never show: masking could break them (a conversation id in a button value). */
const MACHINE_KEYS = new Set([
  "type",
  "style",
  "private_metadata",
  "metadata",
  "value",
  "action_id",
  "block_id",
  "callback_id",
  "external_id",
  "url",
  "image_url",
  "channel",
  "channel_id",
  "ts",
  "thread_ts",
  "user",
  "token",
  "trigger_id",
  "view_id",
  "hash",
  "id",
  "file",
  "files_upload_id",
]);
/** Form fields Slack takes as JSON. */
const JSON_KEYS = new Set(["blocks", "attachments", "view", "files"]);

/**
 * Slack's own markup, only ever written by Warmline (customer text is escaped, so it has no `<`):
 * mentions, channel links, dates, and the call-back `tel:` link that carries the number to call.
 */
const SLACK_TOKEN = /<(?:[@#!][^<>]*|tel:[^<>]*)>/g;

export interface SlackMaskingGate {
  /** A fetch that masks, then sends with `inner`: the App's clientOptions.fetch. */
  wrap(inner: SlackFetch): SlackFetch;
  /** The customer's country for a thread, so national numbers there are read as theirs. */
  rememberRegion(channel: string, threadTs: string, region: string | undefined): void;
}

/** Masked strings the gate remembers: a post carries its text twice (text and blocks), and a card update resends the card. */
const MASKED_CACHE_SIZE = 256;

export function createSlackMaskingGate(options: MaskOptions): SlackMaskingGate {
  const regions = new Map<string, string>();
  const masked = new Map<string, string>();
  /** maskMrkdwn (or maskPii for plain text), remembered: the same string under the same region masks the same way. */
  const maskCached = (text: string, mask: MaskOptions, plain: boolean): string => {
    const key = `${mask.region ?? ""}\u0000${plain ? "p" : "m"}\u0000${text}`;
    let result = masked.get(key);
    if (result === undefined) {
      result = plain ? maskPii(text, mask) : maskMrkdwn(text, mask);
      if (masked.size >= MASKED_CACHE_SIZE) masked.delete(masked.keys().next().value!);
      masked.set(key, result);
    }
    return result;
  };
  const gate: SlackMaskingGate = {
    rememberRegion(channel, threadTs, region) {
      if (region) regions.set(`${channel}:${threadTs}`, region);
    },
    wrap: (inner) => (input, init) => {
      const body = init?.body;
      if (typeof body === "string" && isForm(init)) return inner(input, { ...init, body: maskForm(new URLSearchParams(body)).toString() });
      if (body instanceof FormData) return inner(input, { ...init, body: maskForm(body) });
      return inner(input, init);
    },
  };

  function maskForm<T extends URLSearchParams | FormData>(form: T): T {
    const channel = String(form.get("channel") ?? form.get("channel_id") ?? "");
    const thread = String(form.get("thread_ts") ?? form.get("ts") ?? "");
    const region = regions.get(`${channel}:${thread}`);
    const mask = region ? { ...options, region } : options;
    for (const [key, value] of [...form.entries()]) {
      if (typeof value !== "string") continue;
      if (READABLE_KEYS.has(key)) form.set(key, maskCached(value, mask, false));
      else if (JSON_KEYS.has(key))
        form.set(key, JSON.stringify(maskJson(parseJson(value), (text, plain) => maskCached(text, mask, plain), false)));
    }
    return form;
  }
  return gate;
}

function isForm(init: Parameters<SlackFetch>[1]): boolean {
  const type = Object.entries(init?.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "";
  return type.startsWith("application/x-www-form-urlencoded");
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Masks the text between Slack's own tokens, leaving the tokens (mentions, dates, tel: links) whole. */
export function maskMrkdwn(text: string, mask: MaskOptions): string {
  let out = "";
  let copied = 0;
  for (const token of text.matchAll(SLACK_TOKEN)) {
    out += maskPii(text.slice(copied, token.index), mask) + token[0];
    copied = token.index + token[0].length;
  }
  return out + maskPii(text.slice(copied), mask);
}

/** Masks one readable string: `plain` for plain_text, which has no Slack tokens to keep. */
type MaskString = (text: string, plain: boolean) => string;

/** Walks Block Kit, views and file lists: readable strings are masked. */
function maskJson(value: unknown, mask: MaskString, readable: boolean, plain = false): unknown {
  if (typeof value === "string") return readable ? mask(value, plain) : value;
  if (Array.isArray(value)) return value.map((item) => maskJson(item, mask, readable, plain));
  if (typeof value !== "object" || value === null) return value;
  const isPlain = (value as { type?: unknown }).type === "plain_text";
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (MACHINE_KEYS.has(key)) return [key, inner];
      const keyReadable = READABLE_KEYS.has(key) || (readable && typeof inner !== "string");
      return [key, maskJson(inner, mask, keyReadable, isPlain || (plain && typeof inner !== "string"))];
    }),
  );
}
