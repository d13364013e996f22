/**
 * How the masking gate's requests reach Slack's Web API: straight onto one keep-alive undici
 * dispatcher instead of through Node's global `fetch`. WebClient needs little from a response
 * (status, a few headers, the body as text), and building WHATWG Request/Headers/Response objects
 * and body streams for each call cost more CPU than the call itself does here (see the README's
 * benchmark). Multipart bodies (file uploads) still go through `fetch`, which writes their boundary.
 */
import { STATUS_CODES } from "node:http";
import type { FetchFunction } from "@slack/web-api";
import type { Dispatcher } from "undici";

type SlackFetchInit = NonNullable<Parameters<FetchFunction>[1]>;
type SlackFetchResponse = Awaited<ReturnType<FetchFunction>>;
type ResponseHeaders = Record<string, string | string[] | undefined>;

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

/** The response as WebClient reads it (its FetchResponse type), over the body already read. */
function slackResponse(url: string, status: number, raw: ResponseHeaders, body: Buffer): SlackFetchResponse {
  const text = () => body.toString("utf8");
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
