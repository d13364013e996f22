/**
 * How the masking gate's requests reach Slack's Web API: straight onto one keep-alive undici
 * dispatcher instead of through Node's global `fetch`. WebClient needs little from a response
 * (status, a few headers, the body as text), and building WHATWG Request/Headers/Response objects
 * and body streams for each call cost more CPU than the call itself does here (see the README's
 * benchmark). Multipart bodies (file uploads) still go through `fetch`, which writes their boundary.
 */
import { STATUS_CODES } from "node:http";
import querystring from "node:querystring";
import type { FetchFunction } from "@slack/web-api";
import type { Dispatcher } from "undici";

type SlackFetchInit = NonNullable<Parameters<FetchFunction>[1]>;
type SlackFetchResponse = Awaited<ReturnType<FetchFunction>>;
type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * The most keep-alive connections the dispatcher opens to Slack (src/main.ts builds it with this).
 * Unbounded, a burst of 200 handoffs opened about 150 (each a TLS handshake against slack.com) for
 * posts Slack would rate-limit anyway: it takes about one message a second per channel. Past this
 * many, a call waits for a free connection, as it would in WebClient's own queue (100 at a time).
 */
export const SLACK_MAX_CONNECTIONS = 32;

/** Web API URLs parsed once: WebClient sends to a few dozen method URLs, over and over. */
const PARSED_URLS_LIMIT = 256;

/**
 * A `fetch` for WebClient over `dispatcher` (an undici Agent, built in src/main.ts). It keeps what
 * WebClient relies on: the abort signal (its `timeout`), `redirect: "error"`, and the status and
 * Retry-After header it reads to retry a 429 or a 5xx.
 */
export function createSlackHttpTransport(
  dispatcher: Dispatcher,
  fallback: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  const parsed = new Map<string, { origin: string; path: string }>();
  const target = (url: string) => {
    let known = parsed.get(url);
    if (known === undefined) {
      const { origin, pathname, search } = new URL(url);
      known = { origin, path: `${pathname}${search}` };
      if (parsed.size >= PARSED_URLS_LIMIT) parsed.clear();
      parsed.set(url, known);
    }
    return known;
  };
  return async (input, init = {}) => {
    if (init.body !== undefined && typeof init.body !== "string") return fallback(input, init);
    const url = String(input);
    const { status, headers, body } = await send(
      dispatcher,
      { ...target(url), method: init.method ?? "GET", headers: init.headers, body: init.body },
      init.signal,
    );
    // WebClient asks for redirect "error"; nothing here follows one (fetch's "manual" otherwise).
    if (status >= 300 && status < 400 && init.redirect === "error") {
      // As fetch does with redirect "error": a network error, which WebClient retries.
      throw new TypeError(`Slack answered ${url} with a redirect (${status}) and redirects are refused: check SLACK_API_URL`);
    }
    return slackResponse(url, status, headers, body);
  };
}

/** Where the installed escape keeps Node's own: in Symbol.for's registry, so a second copy of this module (a test's) finds it too. */
const NODE_FORM_ESCAPE = Symbol.for("warmline.nodeFormEscape");
type FormEscape = ((value: string) => string) & { [NODE_FORM_ESCAPE]?: (value: string) => string };

/** Node's own `querystring.escape`, whether or not useNativeFormEscape replaced it. */
export function nodeFormEscape(): (value: string) => string {
  const current = querystring.escape as FormEscape;
  return current[NODE_FORM_ESCAPE] ?? current;
}

/**
 * Makes `querystring.escape`, which `querystring.stringify` encodes every WebClient form body with,
 * encodeURIComponent (Node documents the property as there to be replaced). Node's own builds its
 * result one escaped character at a time: a card's 6 KB of blocks JSON became a string of a few thousand
 * pieces, some 60 KB of garbage per card in a burst of handoffs, joined again when the gate first read
 * the body. encodeURIComponent writes the same bytes in one pass: it leaves the same characters as they
 * are (letters, digits and - _ . ! ~ * ' ( )) and writes every other one as the same upper-case %XX of
 * its UTF-8. Only a lone surrogate, which it refuses, goes to Node's own, so every string is encoded
 * exactly as before. Called once by the composition root; calling it again changes nothing.
 */
export function useNativeFormEscape(): void {
  if ((querystring.escape as FormEscape)[NODE_FORM_ESCAPE]) return;
  const nodeEscape = querystring.escape;
  const formEscape: FormEscape = (value) => {
    try {
      return encodeURIComponent(value);
    } catch (error) {
      if (error instanceof URIError) return nodeEscape(value);
      throw error;
    }
  };
  formEscape[NODE_FORM_ESCAPE] = nodeEscape;
  querystring.escape = formEscape;
}

/** One request, its whole answer collected (Slack's answers are small JSON). */
function send(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: SlackFetchInit["signal"],
): Promise<{ status: number; headers: ResponseHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: ResponseHeaders = {};
    const chunks: Buffer[] = [];
    let started: Dispatcher.DispatchController | undefined;
    // Before the request is on a socket, an abort rejects at once; after, it aborts the request (which then rejects).
    const onAbort = () => (started ? started.abort(signal!.reason) : reject(signal!.reason));
    const settle = () => signal?.removeEventListener("abort", onAbort);
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    dispatcher.dispatch(options, {
      onRequestStart(controller) {
        started = controller;
        if (signal?.aborted) controller.abort(signal.reason);
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        settle();
        resolve({ status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      },
      onResponseError(_controller, error) {
        settle();
        reject(error);
      },
    });
  });
}

/** Posting methods whose answer repeats the whole message posted, blocks included. */
const ECHOING_METHOD = /\/chat\.(?:postMessage|update)$/;

/**
 * A post's answer without its `message`: Warmline reads only `ts` and `channel` from it, while
 * WebClient copies and serialises every answer for its debug log, whatever the log level. A card's
 * echo is its whole Block Kit tree: in a burst of handoffs that copy was a twentieth of the CPU.
 */
function withoutEcho(url: string, body: Buffer): string {
  const text = body.toString("utf8");
  if (!ECHOING_METHOD.test(url)) return text;
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof answer !== "object" || answer === null || !("message" in answer)) return text;
  const { message: _echo, ...rest } = answer;
  return JSON.stringify(rest);
}

/** The response as WebClient reads it (its FetchResponse type), over the body already read. */
function slackResponse(url: string, status: number, raw: ResponseHeaders, body: Buffer): SlackFetchResponse {
  const text = () => withoutEcho(url, body);
  const headers: SlackFetchResponse["headers"] = {
    get: (name) => joined(raw[name.toLowerCase()]),
    entries: () => Object.entries(raw).flatMap(([name, value]) => (value === undefined ? [] : [[name, joined(value)!]])),
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: STATUS_CODES[status] ?? "",
    url,
    headers,
    text: async () => text(),
    json: async () => JSON.parse(text()),
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
  };
}

/** Repeated headers joined as fetch's Headers.get joins them. */
function joined(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === "string" ? value : value.join(", ");
}
