import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, JSONParseError, NoObjectGeneratedError, Output, TypeValidationError } from "ai";
import { z } from "zod";
import type { LlmEndpoint } from "../../config/load-config.js";
import type { FallbackCause } from "../../ports/assistant.js";
import type { ModelPrompt } from "./prompt.js";
import { type ModelTurn, modelTurnSchema } from "./turn-schema.js";

/**
 * One structured call to an OpenAI-compatible chat-completions endpoint, through the Vercel AI SDK:
 * generateText with Output.object sends the answer's JSON schema (response_format json_schema) and
 * validates the answer with the same zod schema, whatever the server did with it.
 */

export interface ModelClientOptions {
  endpoint: LlmEndpoint;
  /** The corpus's intents: the taxonomy the answer's intent must come from. */
  intents: readonly string[];
  timeoutMs: number;
  /** false: JSON mode only (response_format json_object), for servers without JSON-schema output. */
  jsonSchema: boolean;
  /** Warnings the SDK reports about a call (a setting the server ignores); default: none logged. */
  onWarning?: (warning: string) => void;
}

export interface ModelUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export type ModelCallResult =
  | { ok: true; turn: ModelTurn; usage: ModelUsage }
  | { ok: false; cause: FallbackCause; detail: string; usage: ModelUsage };

export interface ModelClient {
  /** The zod schema's JSON schema, for prompts to servers without JSON-schema output. */
  readonly jsonSchema: unknown;
  call(prompt: ModelPrompt): Promise<ModelCallResult>;
}

/** Why a call failed, as /metrics labels it: the SDK's errors matched by class, never by message. */
export function fallbackCauseOf(error: unknown): FallbackCause {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timeout";
  if (APICallError.isInstance(error)) return error.statusCode === undefined ? "unreachable" : "http_error";
  if (NoObjectGeneratedError.isInstance(error)) {
    const cause = error.cause;
    if (TypeValidationError.isInstance(cause)) {
      const issues = cause.cause instanceof z.ZodError ? cause.cause.issues : [];
      return issues.some((issue) => issue.path[0] === "intent") ? "unknown_intent" : "schema_violation";
    }
    if (JSONParseError.isInstance(cause)) return "invalid_json";
    return "invalid_json";
  }
  return "unreachable";
}

function usageOf(usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined): ModelUsage {
  return {
    ...(usage?.inputTokens !== undefined ? { inputTokens: usage.inputTokens } : {}),
    ...(usage?.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
  };
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * fetch, sent once more when it failed before any answer and was not aborted: a kept-alive
 * connection the server closed just as it was reused ("read ECONNRESET"). An answer, even a 500,
 * is never sent again (maxRetries 0): the customer is waiting, and the offline assistant answers.
 */
export const fetchOnceMore: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (error) {
    if (init?.signal?.aborted) throw error;
    return fetch(input, init);
  }
};

export function createModelClient(options: ModelClientOptions): ModelClient {
  const schema = modelTurnSchema(options.intents);
  const provider = createOpenAICompatible({
    name: "llm",
    baseURL: options.endpoint.baseUrl,
    ...(options.endpoint.apiKey ? { apiKey: options.endpoint.apiKey } : {}),
    supportsStructuredOutputs: options.jsonSchema,
    fetch: fetchOnceMore,
  });
  const model = provider.chatModel(options.endpoint.model);
  // The SDK's own warning logger prints to the console; Warmline reports them through onWarning instead.
  globalThis.AI_SDK_LOG_WARNINGS = false;
  return {
    jsonSchema: z.toJSONSchema(schema),
    async call(prompt) {
      try {
        const result = await generateText({
          model,
          system: prompt.system,
          prompt: prompt.user,
          output: Output.object({ schema, name: "warmline_turn" }),
          temperature: 0,
          // The customer is waiting: a failed call falls back to the offline assistant at once.
          maxRetries: 0,
          abortSignal: AbortSignal.timeout(options.timeoutMs),
        });
        for (const warning of result.warnings ?? []) options.onWarning?.(JSON.stringify(warning));
        return { ok: true, turn: result.output, usage: usageOf(result.usage) };
      } catch (error) {
        const usage = NoObjectGeneratedError.isInstance(error) ? usageOf(error.usage) : {};
        return { ok: false, cause: fallbackCauseOf(error), detail: describe(error), usage };
      }
    },
  };
}
