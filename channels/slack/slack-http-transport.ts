/**
 * How the masking gate's requests reach Slack's Web API: undici's `request()` on one keep-alive
 * dispatcher instead of Node's global `fetch`. WebClient needs little from a response (status, a
 * few headers, the body as text), and building WHATWG Request/Headers/Response objects and body
 * streams for each call cost more CPU than the call itself does here (see the README's benchmark).
 * Multipart bodies (file uploads) still go through `fetch`, which writes their boundary.
 */
import { STATUS_CODES } from "node:http";
import type { FetchFunction } from "@slack/web-api";
import { type Dispatcher, request } from "undici";

type SlackFetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * A `fetch` for WebClient over `dispatcher` (an undici Agent or Pool, built in src/main.ts). It keeps
 * what WebClient relies on: the abort signal (its `timeout`), `redirect: "error"`, and the status and
 * Retry-After header it reads to retry a 429 or a 5xx.
 */
export function createSlackHttpTransport(
  dispatcher: Dispatcher,
  fallback: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  return async (input, init) => {
    if (init?.body !== undefined && typeof init.body !== "string") return fallback(input, init);
    const url = String(input);
    const answer = await request(url, {
      dispatcher,
      method: (init?.method ?? "GET") as Dispatcher.HttpMethod,
      headers: init?.headers,
      body: init?.body,
      signal: init?.signal,
    });
    const status = answer.statusCode;
    // WebClient asks for redirect "error"; nothing here follows one (fetch's "manual" otherwise).
    if (status >= 300 && status < 400 && init?.redirect === "error") {
      await answer.body.dump();
      // As fetch does with redirect "error": a network error, which WebClient retries.
      throw new TypeError(`Slack answered ${url} with a redirect (${status}) and redirects are refused: check SLACK_API_URL`);
    }
    // Read now, whatever WebClient does next: undici asks that every body be consumed, and WebClient never reads a 429's.
    const bytes = await answer.body.bytes();
    return slackResponse(url, status, answer.headers, bytes);
  };
}

/** The response as WebClient reads it (its FetchResponse type), over the body already read. */
function slackResponse(
  url: string,
  status: number,
  raw: Record<string, string | string[] | undefined>,
  bytes: Uint8Array,
): SlackFetchResponse {
  const text = () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
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
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}

/** Repeated headers joined as fetch's Headers.get joins them. */
function joined(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return typeof value === "string" ? value : value.join(", ");
}
