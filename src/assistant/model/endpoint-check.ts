import type { LlmEndpoint } from "../../config/load-config.js";
import { WarmlineError } from "../../domain/errors.js";

/**
 * Does the model server answer, and does it serve the model? GET <LLM_BASE_URL>/models, which
 * Ollama, llama-server, vLLM and OpenAI all answer with { data: [{ id }] }. The AI SDK has no call
 * for it, so this is Node's fetch. `npm start` stops on a problem; `warmline doctor` reports it.
 */

/** How long the check waits for the server. */
export const ENDPOINT_CHECK_TIMEOUT_MS = 5000;

export type ModelEndpointCheck = { ok: true; detail: string } | { ok: false; problem: string; fix: string };

const OFFLINE_HINT = 'or set assistant.kind to "offline" in warmline.config.json';

async function listModels(endpoint: LlmEndpoint, timeoutMs: number): Promise<ModelEndpointCheck | string[]> {
  const url = `${endpoint.baseUrl}/models`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const why = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : describe(error);
    return {
      ok: false,
      problem: `the model server at ${endpoint.baseUrl} did not answer (${why})`,
      fix: `Start it (Ollama: \`ollama serve\`; llama.cpp: \`llama-server\`) or correct LLM_BASE_URL, ${OFFLINE_HINT}.`,
    };
  }
  if (response.status === 401 || response.status === 403)
    return {
      ok: false,
      problem: `${url} refused the API key (HTTP ${response.status})`,
      fix: `Set LLM_API_KEY to a valid key for ${endpoint.baseUrl} (local servers need none: leave it unset).`,
    };
  const body = (await response.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
  if (!response.ok || !Array.isArray(body?.data))
    return {
      ok: false,
      problem: `${url} answered HTTP ${response.status} without a model list`,
      fix: "Set LLM_BASE_URL to the server's OpenAI-compatible base, ending in /v1 (Ollama: http://127.0.0.1:11434/v1).",
    };
  return body.data.map((model) => String(model.id));
}

export async function checkModelEndpoint(endpoint: LlmEndpoint, timeoutMs = ENDPOINT_CHECK_TIMEOUT_MS): Promise<ModelEndpointCheck> {
  const listed = await listModels(endpoint, timeoutMs);
  if (!Array.isArray(listed)) return listed;
  if (listed.includes(endpoint.model)) return { ok: true, detail: `${endpoint.baseUrl} serves ${endpoint.model}` };
  const shown = listed.slice(0, 10).join(", ") || "none";
  return {
    ok: false,
    problem: `${endpoint.baseUrl} does not serve the model "${endpoint.model}" (it lists: ${shown})`,
    fix: `Set LLM_MODEL to one of those, or fetch the model (Ollama: \`ollama pull ${endpoint.model}\`).`,
  };
}

/** As checkModelEndpoint, throwing assistant_unavailable with what failed and the fix. */
export async function assertModelEndpoint(endpoint: LlmEndpoint, timeoutMs?: number): Promise<void> {
  const check = await checkModelEndpoint(endpoint, timeoutMs);
  if (!check.ok) throw new WarmlineError("assistant_unavailable", `Warmline can't use the model: ${check.problem}. ${check.fix}`);
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
