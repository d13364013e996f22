/**
 * A fake OpenAI-compatible server on loopback, in place of Ollama, llama-server, vLLM or a hosted
 * API: GET /v1/models and POST /v1/chat/completions (with response_format json_schema or
 * json_object), in the shapes of OpenAI's API reference. It records every request, and answers
 * from a script: a JSON answer, raw text (invalid JSON), an HTTP error, or an answer held back
 * until released (a slow model). What it answers when nothing is scripted is the `model`
 * function's business (see scripted-model.ts); it knows nothing of Warmline's prompt.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeChatMessage {
  role: string;
  content: string;
}

/** One chat-completions request as the server received it. */
export interface FakeChatRequest {
  model: string;
  messages: FakeChatMessage[];
  /** response_format as sent: { type: "json_schema", json_schema: { name, schema, strict } } or { type: "json_object" }. */
  responseFormat?: { type: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  /** The Authorization header, when one was sent. */
  authorization?: string;
}

export interface FakeUsage {
  promptTokens: number;
  completionTokens: number;
}

export type FakeModelAnswer =
  /** A well-formed completion whose content is JSON.stringify(value). */
  | { json: unknown; usage?: FakeUsage }
  /** A completion whose content is this text as is (not JSON, or JSON of the wrong shape). */
  | { text: string; usage?: FakeUsage }
  /** An HTTP error with OpenAI's error body. */
  | { status: number; message?: string }
  /** Gives `answer` once `until` resolves: a slow model (the caller's timeout fires first). */
  | { until: Promise<void>; answer: FakeModelAnswer };

/** What the fake "model" answers a request nothing was scripted for. */
export type FakeModel = (request: FakeChatRequest) => FakeModelAnswer | Promise<FakeModelAnswer>;

export interface FakeOpenAiServerOptions {
  /** Model ids /v1/models lists; a request for another model gets 404 model_not_found, as OpenAI answers. */
  models?: string[];
  /** When set, requests without "Authorization: Bearer <apiKey>" get 401. */
  apiKey?: string;
  /** Answers unscripted requests; default: a 500 saying nothing was scripted. */
  model?: FakeModel;
}

export interface FakeOpenAiServer {
  /** The base URL clients are given, ending in /v1 (LLM_BASE_URL). */
  baseUrl: string;
  /** Every chat-completions request, oldest first. */
  requests: FakeChatRequest[];
  /** Answers for the next requests, in order, before `model` answers again. */
  script(...answers: FakeModelAnswer[]): void;
  close(): Promise<void>;
}

export const FAKE_MODEL_ID = "sandbox-model";

/** Tokens as the fake counts them (about four characters each): plumbing figures, not a tokenizer's. */
export const approximateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const errorBody = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

export async function startFakeOpenAiServer(options: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  const models = options.models ?? [FAKE_MODEL_ID];
  const requests: FakeChatRequest[] = [];
  const scripted: FakeModelAnswer[] = [];
  let completions = 0;

  async function complete(res: ServerResponse, request: FakeChatRequest, answer: FakeModelAnswer): Promise<void> {
    if ("until" in answer) {
      await answer.until;
      return complete(res, request, answer.answer);
    }
    if ("status" in answer) {
      sendJson(res, answer.status, errorBody(answer.message ?? `The sandbox model failed with ${answer.status}`, "server_error"));
      return;
    }
    const content = "json" in answer ? JSON.stringify(answer.json) : answer.text;
    const usage = answer.usage ?? {
      promptTokens: approximateTokens(request.messages.map((m) => m.content).join("\n")),
      completionTokens: approximateTokens(content),
    };
    completions++;
    sendJson(res, 200, {
      id: `chatcmpl-sandbox-${completions}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
      },
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const authorization = req.headers.authorization;
    if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
      sendJson(res, 401, errorBody("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "sandbox" })) });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      sendJson(res, 404, errorBody(`Unknown path ${req.method} ${path}`, "invalid_request_error"));
      return;
    }
    let body: { model?: unknown; messages?: unknown; response_format?: FakeChatRequest["responseFormat"] };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      sendJson(res, 400, errorBody("The body is not JSON.", "invalid_request_error"));
      return;
    }
    const request: FakeChatRequest = {
      model: String(body.model),
      messages: Array.isArray(body.messages) ? (body.messages as FakeChatMessage[]) : [],
      ...(body.response_format ? { responseFormat: body.response_format } : {}),
      ...(authorization ? { authorization } : {}),
    };
    requests.push(request);
    if (!models.includes(request.model)) {
      sendJson(res, 404, errorBody(`The model '${request.model}' does not exist`, "invalid_request_error", "model_not_found"));
      return;
    }
    const answer =
      scripted.shift() ??
      (options.model ? await options.model(request) : { status: 500, message: "Nothing was scripted for this request" });
    await complete(res, request, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(error instanceof Error ? error.message : String(error), "server_error"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...answers) => scripted.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        // A held-back answer's connection would keep close() waiting.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
