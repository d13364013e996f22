import type { Conversation } from "../../domain/conversation.js";
import type {
  Assistant,
  AssistantCallReport,
  AssistantTurn,
  ExtractedEntities,
  FallbackCause,
  ModelJudgement,
} from "../../ports/assistant.js";
import { extractEntities } from "../entities.js";
import type { Classification, OfflineAssistant } from "../offline-assistant.js";
import { scoreSentiment } from "../sentiment.js";
import type { ModelCallResult, ModelClient } from "./model-client.js";
import type { PromptBuilder } from "./prompt.js";
import type { ModelTurn } from "./turn-schema.js";

/**
 * The Assistant with a model (assistant.kind "openai-compatible"): one call per customer message
 * reads the intent and judges the turn; the offline assistant answers whenever the call fails
 * (timeout, HTTP error, invalid JSON, an answer outside the schema or the taxonomy), and each call
 * is reported for /metrics. Facts never come from the model: an order intent is answered by the
 * offline assistant's Commerce lookup, sentiment and the amounts the rules weigh are read from the
 * text as offline, and routing/ decides with the model's judgement as one more signal.
 */

export interface ModelAssistantOptions {
  offline: OfflineAssistant;
  client: ModelClient;
  prompt: PromptBuilder;
  /** Intents whose answer depends on the order (assistant.orderIntents): their reply comes from Commerce, not the model. */
  orderIntents: readonly string[];
  /** Each call, for /metrics: outcome, fallback cause, latency and tokens. */
  onCall?: (report: AssistantCallReport) => void;
  /** Each fallback, for the log: why (never the customer's text). */
  onFallback?: (cause: FallbackCause, detail: string) => void;
  /** Milliseconds, for latency; default performance.now. */
  now?: () => number;
}

/** The model's reading of the message, as the offline assistant's Classification: what the text itself shows wins. */
function readingOf(turn: ModelTurn, message: string): Classification {
  const found = extractEntities(message);
  const said: ExtractedEntities = {
    ...(turn.entities.orderNumber !== null ? { orderNumber: turn.entities.orderNumber } : {}),
    ...(turn.entities.amount !== null ? { amount: turn.entities.amount } : {}),
    ...(turn.entities.currency !== null ? { currency: turn.entities.currency } : {}),
  };
  return {
    intent: turn.intent,
    confidence: turn.confidence,
    sentiment: scoreSentiment(message),
    // The amount the money threshold weighs is read from the text; the model only fills what it missed.
    entities: { ...said, ...found },
  };
}

class OpenAiCompatibleAssistant implements Assistant {
  private readonly orderIntents: ReadonlySet<string>;
  private readonly now: () => number;

  constructor(
    private readonly options: ModelAssistantOptions,
    private readonly summaryLanguage: string,
  ) {
    this.orderIntents = new Set(options.orderIntents);
    this.now = options.now ?? (() => performance.now());
  }

  /** One model call, reported; undefined when it failed (the caller falls back). */
  private async judge(message: string, conversation?: Conversation): Promise<ModelTurn | undefined> {
    const started = this.now();
    let result: ModelCallResult;
    try {
      result = await this.options.client.call(this.options.prompt(message, conversation));
    } catch (error) {
      // The client reports failures as results; anything thrown is a bug of ours, and still falls back.
      result = { ok: false, cause: "unreachable", detail: error instanceof Error ? error.message : String(error), usage: {} };
    }
    this.options.onCall?.({
      outcome: result.ok ? "answered" : "fallback",
      ...(result.ok ? {} : { fallback: result.cause }),
      latencyMs: this.now() - started,
      ...result.usage,
    });
    if (result.ok) return result.turn;
    this.options.onFallback?.(result.cause, result.detail);
    return undefined;
  }

  private judgement(turn: ModelTurn): ModelJudgement {
    const { decision, reason, language, summary } = turn;
    return { decision, reason, language, summary: { ...summary, language: this.summaryLanguage } };
  }

  async classify(text: string): Promise<Classification> {
    const turn = await this.judge(text);
    if (!turn) return this.options.offline.classify(text);
    return { ...readingOf(turn, text), judgement: this.judgement(turn) };
  }

  async respond(conversation: Conversation, message: string): Promise<AssistantTurn> {
    const turn = await this.judge(message, conversation);
    if (!turn) return this.options.offline.respond(conversation, message);
    const grounded = await this.options.offline.respondAs(conversation, message, readingOf(turn, message));
    // An order's status, a refund's eligibility: what Commerce said, in the offline answers' words.
    const fromCommerce = grounded.actions.length > 0 || this.orderIntents.has(grounded.intent);
    return {
      ...grounded,
      reply: fromCommerce || turn.reply.trim() === "" ? grounded.reply : turn.reply,
      judgement: this.judgement(turn),
    };
  }
}

export function createModelAssistant(options: ModelAssistantOptions & { summaryLanguage: string }): Assistant {
  return new OpenAiCompatibleAssistant(options, options.summaryLanguage);
}
