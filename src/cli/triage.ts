import { createInterface } from "node:readline";
import { decideEscalation, firstMessageSignals } from "../../routing/escalation-policy.js";
import type { SignalLexicon } from "../../routing/signal-lexicon.js";
import type { WarmlineConfig } from "../config/schema.js";
import { loadSignalLexicon } from "../languages/signal-lexicons.js";
import type { Assistant } from "../ports/assistant.js";

/** One line of `warmline triage` output: a fixed contract. */
export interface TriageResult {
  id: string | null;
  intent: string;
  confidence: number;
  escalate: boolean;
  reason: string | null;
  team: string;
  error?: string;
}

/**
 * Decides one first message of a new conversation: standard-tier customer, business hours,
 * agents available. `team` is where it would go if escalated.
 */
export async function triageOne(
  assistant: Assistant,
  config: WarmlineConfig,
  id: string | null,
  text: string,
  lexicon: SignalLexicon = loadSignalLexicon(config.policy),
): Promise<TriageResult> {
  const nlu = await assistant.classify(text);
  const decision = decideEscalation(firstMessageSignals(text, nlu), { ...config, lexicon });
  return {
    id,
    intent: nlu.intent,
    confidence: Math.round(nlu.confidence * 1000) / 1000,
    escalate: decision.escalate,
    reason: decision.escalate ? decision.reason : null,
    team: decision.team,
  };
}

/** Parses one JSON Lines input; a bad line becomes an error result, never a crash or a lost line. */
export function parseTriageLine(
  line: string,
  lineNumber: number,
): { id: string | null; text: string } | { id: string | null; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { id: null, error: `line ${lineNumber} is not JSON: send one object per line like {"id":"1","text":"where is my order?"}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { id: null, error: `line ${lineNumber} is not a JSON object: send {"id":"…","text":"…"}` };
  const record = value as Record<string, unknown>;
  const id = typeof record.id === "string" || typeof record.id === "number" ? String(record.id) : null;
  // An id that can't be echoed back would leave the answer impossible to match to its input.
  if (id === null && record.id !== undefined && record.id !== null) {
    return {
      id: null,
      error: `line ${lineNumber} has an "id" that is neither a string nor a number: send the id as a string, e.g. "id":"42"`,
    };
  }
  if (typeof record.text !== "string")
    return { id, error: `line ${lineNumber} has no "text" string: add the customer's message as "text"` };
  return { id, text: record.text };
}

export async function runTriage(options: {
  assistant: Assistant;
  config: WarmlineConfig;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}): Promise<number> {
  // Loaded before the first line, so a broken signals.json stops triage at once with its file and fix.
  const lexicon = loadSignalLexicon(options.config.policy);
  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  let lineNumber = 0;
  let count = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === "") continue;
    const parsed = parseTriageLine(line, lineNumber);
    const result: TriageResult =
      "error" in parsed
        ? {
            id: parsed.id,
            intent: "none",
            confidence: 0,
            escalate: false,
            reason: null,
            team: options.config.routing.defaultTeam,
            error: parsed.error,
          }
        : await triageOne(options.assistant, options.config, parsed.id, parsed.text, lexicon);
    options.output.write(`${JSON.stringify(result)}\n`);
    count++;
  }
  return count;
}
