import type { IncomingMessage, ServerResponse } from "node:http";
import { HTTPModuleFunctions, HTTPReceiver, type HTTPReceiverOptions } from "@slack/bolt";
import type { Logger } from "../../src/ports/logger.js";

type BufferedRequest = Awaited<ReturnType<typeof HTTPModuleFunctions.bufferIncomingMessage>>;

/**
 * Bolt's own HTTPReceiver, with each request to its endpoints screened before Bolt reads it.
 *
 * Bolt parses the body and reads `body.ssl_check` outside any try, in a promise nobody awaits: a
 * validly signed JSON `null` (or `payload=null`) rejects it and, with Node's default handler, ends
 * the process. So the body is buffered first (with Bolt's own function and size limit, and Bolt reuses
 * the buffer), and a signed body that is not a Slack payload is answered 400 with a log line here.
 * Everything else, unsigned requests included (Bolt answers those 401), goes to Bolt unchanged, and
 * Bolt checks its signature.
 */
export function createScreenedHttpReceiver(options: HTTPReceiverOptions & { signingSecret: string }, logger: Logger): HTTPReceiver {
  const receiver = new HTTPReceiver(options);
  const endpoints = new Set(typeof options.endpoints === "string" ? [options.endpoints] : (options.endpoints ?? ["/slack/events"]));
  const bodyLimit = options.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit;
  const log = logger.child({ component: "slack-receiver" });
  const boltListener = receiver.requestListener;

  async function screen(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let request: BufferedRequest;
    try {
      request = await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit);
    } catch (error) {
      const tooLarge = HTTPModuleFunctions.isRawBodyError(error) && (error as { statusCode?: number }).statusCode === 413;
      log.warn(
        { path, bodyLimit },
        tooLarge ? "Refused a Slack request over the body size limit" : "Could not read a Slack request's body",
      );
      // The rest of the body is never read: close the connection rather than leave it for the next request.
      return answer(res, tooLarge ? 413 : 400, { connection: "close" });
    }
    // Only a body Bolt cannot take is checked for a signature here: a good one's is checked once, by Bolt.
    // Checking costs three HMACs and a random key (tsscmp's constant-time compare), about 50 µs a request.
    const problem = payloadProblem(request);
    if (problem !== undefined && (await isSigned(request))) {
      log.warn(
        { path, contentType: req.headers["content-type"], bytes: request.rawBody.length, problem },
        "Refused a signed Slack request: its body is not a Slack payload",
      );
      return answer(res, 400);
    }
    boltListener(request, res);
  }

  /** Bolt's own check (signature, timestamp); an unsigned request goes on to Bolt, which logs it and answers 401. */
  async function isSigned(request: BufferedRequest): Promise<boolean> {
    try {
      await HTTPModuleFunctions.parseAndVerifyHTTPRequest({ enabled: true, signingSecret: options.signingSecret, bodyLimit }, request);
      return true;
    } catch {
      return false;
    }
  }

  receiver.requestListener = (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method?.toUpperCase() !== "POST" || !endpoints.has(path)) return boltListener(req, res);
    screen(req, res, path).catch((error: unknown) => {
      log.error({ path, err: error instanceof Error ? error.message : String(error) }, "Could not screen a Slack request");
      answer(res, 500);
    });
  };
  return receiver;
}

/** Why Bolt cannot take this body (it would fail on it, or a listener would), or undefined when it can. */
export function payloadProblem(request: BufferedRequest): string | undefined {
  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(request);
  } catch (error) {
    return `malformed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!isObject(body)) return `a JSON ${body === null ? "null" : Array.isArray(body) ? "array" : typeof body}, not an object`;
  // Every Events API envelope and interactivity payload names its type; a slash command is form fields with `command`.
  if (typeof body.type !== "string" && typeof body.command !== "string" && body.ssl_check === undefined) {
    return "it has neither a type nor a command";
  }
  for (const [field, kind] of Object.entries(SLACK_ENVELOPE_FIELDS)) {
    if (!(field in body) || fits(body[field], kind)) continue;
    return `its ${field} is not ${kind === "objects" ? "a list of objects" : kind === "object or null" ? "an object or null" : "an object"}`;
  }
  return undefined;
}

/**
 * The envelope fields Bolt and the listeners read into, and the kind Slack always sends (Events API
 * envelopes, interactivity payloads; slash commands are flat strings). Only checked when present.
 */
const SLACK_ENVELOPE_FIELDS: Record<string, "object" | "object or null" | "objects"> = {
  event: "object",
  view: "object",
  user: "object",
  channel: "object",
  container: "object",
  message: "object",
  team: "object or null",
  enterprise: "object or null",
  actions: "objects",
  authorizations: "objects",
  response_urls: "objects",
};

function fits(value: unknown, kind: (typeof SLACK_ENVELOPE_FIELDS)[string]): boolean {
  if (kind === "objects") return Array.isArray(value) && value.every(isObject);
  return isObject(value) || (kind === "object or null" && value === null);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, headers);
  res.end();
}
