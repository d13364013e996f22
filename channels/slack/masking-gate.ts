/**
 * The one masking gate: every request Warmline sends to Slack's Web API passes through it, whatever
 * route built it (messages, blocks, file names, alt text, modals, edits, ephemeral notes, Home tabs).
 * It is the `fetch` of every WebClient Bolt makes (App's clientOptions), so a new route cannot skip
 * it: there is no other way out to Slack. It reads each request's form fields, masks personal data
 * in the human-readable ones (and in those inside JSON fields such as `blocks` and `view`), and
 * leaves ids, timestamps, action values and metadata as they are.
 */
import querystring from "node:querystring";
import type { FetchFunction } from "@slack/web-api";
import { type MaskOptions, maskPii, mayHoldPersonalData } from "../../src/domain/pii.js";

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
  /**
   * Block Kit masked now, as JSON, for a request to `channel` (and `ts`, a thread or a message to
   * update): the card's blocks, sent as this string. The gate knows the string as its own output
   * and does not parse and walk it again in the request; any other string in a request is masked.
   */
  maskBlocks(channel: string, ts: string | undefined, blocks: readonly unknown[]): string;
}

/** Masked strings the gate remembers: a post carries its text twice (text and blocks), and a card update resends the card. */
const MASKED_CACHE_SIZE = 256;
/** Blocks masked ahead (maskBlocks) the gate remembers: more than a burst of cards in flight at once. */
const PREMASKED_SIZE = 512;

export function createSlackMaskingGate(options: MaskOptions): SlackMaskingGate {
  const regions = new Map<string, string>();
  /**
   * Per region and kind (mrkdwn or plain), keyed by the text itself: V8 keeps a string's hash, so a
   * lookup costs no new key string. Each drops its oldest entry when full.
   */
  const masked = new Map<string, Map<string, string>>();
  /** maskMrkdwn (or maskPii for plain text), remembered: the same string under the same region masks the same way. */
  const maskCached = (text: string, mask: MaskOptions, plain: boolean): string => {
    // Nothing to mask in text with no digit and no "@" (maskPii returns such text as it is): most labels and names.
    if (!mayHoldPersonalData(text)) return text;
    const kind = `${mask.region ?? ""}\u0000${plain ? "p" : "m"}`;
    let cache = masked.get(kind);
    if (cache === undefined) masked.set(kind, (cache = new Map()));
    let result = cache.get(text);
    if (result === undefined) {
      result = plain ? maskPii(text, mask) : maskMrkdwn(text, mask);
      if (cache.size >= MASKED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(text, result);
    }
    return result;
  };
  /** JSON the gate produced in maskBlocks → the region it masked under; kept for WebClient's retries of the same body. */
  const premasked = new Map<string, string>();
  const gate: SlackMaskingGate = {
    rememberRegion(channel, threadTs, region) {
      if (region) regions.set(`${channel}:${threadTs}`, region);
    },
    maskBlocks(channel, ts, blocks) {
      const mask = maskFor(channel, ts ?? "");
      const json = JSON.stringify(maskJson(blocks, (text, plain) => maskCached(text, mask, plain), false));
      if (premasked.size >= PREMASKED_SIZE) premasked.delete(premasked.keys().next().value!);
      premasked.set(json, mask.region ?? "");
      return json;
    },
    wrap: (inner) => (input, init) => {
      const body = init?.body;
      if (typeof body === "string" && isForm(init)) {
        const masked = maskEncodedForm(body);
        // Nothing masked: the body goes as Slack's client wrote it.
        return inner(input, masked === body ? init : { ...init, body: masked });
      }
      if (body instanceof FormData) maskFormData(body);
      return inner(input, init);
    },
  };

  /** How to mask a request's fields: in the customer's country when the request names their thread. */
  function maskFor(channel: string, thread: string): MaskOptions {
    const region = regions.get(`${channel}:${thread}`);
    return region ? { ...options, region } : options;
  }

  /** A field's value masked, or the value itself when nothing in it changed (machine fields never change). */
  function maskField(key: string, value: string, mask: MaskOptions): string {
    if (READABLE_KEYS.has(key)) return maskCached(value, mask, false);
    if (JSON_KEYS.has(key)) return maskJsonField(value, (text, plain) => maskCached(text, mask, plain));
    return value;
  }

  /**
   * An application/x-www-form-urlencoded body with its readable fields masked. Only those are
   * decoded, and only a field that changed is encoded again (as WebClient encodes, with
   * querystring.escape): ids, timestamps and metadata go byte for byte as the client wrote them.
   */
  function maskEncodedForm(body: string): string {
    const pairs = body.split("&");
    const fields = pairs.map((pair) => {
      const equals = pair.indexOf("=");
      return equals < 0
        ? { key: decodeFormPart(pair), raw: "" }
        : { key: decodeFormPart(pair.slice(0, equals)), raw: pair.slice(equals + 1) };
    });
    const first = (...names: string[]) => {
      for (const name of names) {
        const field = fields.find((f) => f.key === name);
        if (field) return decodeFormPart(field.raw);
      }
      return "";
    };
    const mask = maskFor(first("channel", "channel_id"), first("thread_ts", "ts"));
    let changed = false;
    for (const [i, { key, raw }] of fields.entries()) {
      if (!READABLE_KEYS.has(key) && !JSON_KEYS.has(key)) continue;
      const value = decodeFormPart(raw);
      // Masked already by maskBlocks, under the options this request gets: the same bytes as masking it here.
      if (JSON_KEYS.has(key) && premasked.get(value) === (mask.region ?? "")) continue;
      const masked = maskField(key, value, mask);
      if (masked === value) continue;
      pairs[i] = `${querystring.escape(key)}=${querystring.escape(masked)}`;
      changed = true;
    }
    return changed ? pairs.join("&") : body;
  }

  /** Masks a multipart form's readable fields in place (file uploads). */
  function maskFormData(form: FormData): void {
    const mask = maskFor(
      String(form.get("channel") ?? form.get("channel_id") ?? ""),
      String(form.get("thread_ts") ?? form.get("ts") ?? ""),
    );
    for (const [key, value] of [...form.entries()]) {
      if (typeof value !== "string") continue;
      const masked = maskField(key, value, mask);
      if (masked !== value) form.set(key, masked);
    }
  }
  return gate;
}

/** A name or value of a URL-encoded form as URLSearchParams reads it: "+" is a space, then percent-decoding. */
function decodeFormPart(part: string): string {
  if (!part.includes("+") && !part.includes("%")) return part;
  return querystring.unescape(part.replace(/\+/g, " "));
}

function isForm(init: Parameters<SlackFetch>[1]): boolean {
  const type = Object.entries(init?.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "";
  return type.startsWith("application/x-www-form-urlencoded");
}

/** A JSON field masked and written again; text that is not JSON is sent as a JSON string. */
function maskJsonField(value: string, mask: MaskString): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return JSON.stringify(value);
  }
  const masked = maskJson(parsed, mask, false);
  // Unchanged, it goes as it came (equal JSON); changed, written again.
  return masked === parsed ? value : JSON.stringify(masked);
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

/** Walks Block Kit, views and file lists: readable strings are masked. Returns `value` itself when nothing in it changed. */
function maskJson(value: unknown, mask: MaskString, readable: boolean, plain = false): unknown {
  if (typeof value === "string") return readable ? mask(value, plain) : value;
  if (Array.isArray(value)) {
    let changed: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const masked = maskJson(item, mask, readable, plain);
      if (changed === undefined && masked !== item) changed = value.slice(0, i);
      changed?.push(masked);
    }
    return changed ?? value;
  }
  if (typeof value !== "object" || value === null) return value;
  const isPlain = (value as { type?: unknown }).type === "plain_text";
  const keys = Object.keys(value);
  let changed: unknown[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const inner: unknown = (value as Record<string, unknown>)[key];
    let masked = inner;
    if (!MACHINE_KEYS.has(key)) {
      const keyReadable = READABLE_KEYS.has(key) || (readable && typeof inner !== "string");
      masked = maskJson(inner, mask, keyReadable, isPlain || (plain && typeof inner !== "string"));
    }
    if (changed === undefined && masked !== inner) changed = keys.slice(0, i).map((k) => (value as Record<string, unknown>)[k]);
    changed?.push(masked);
  }
  // Built as before (fromEntries keeps a "__proto__" key an own property, as JSON.parse made it).
  return changed === undefined ? value : Object.fromEntries(keys.map((key, i) => [key, changed[i]]));
}
