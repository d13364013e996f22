import type { Conversation } from "../domain/conversation.js";
import type { Assistant, AssistantTurn, AttemptedAction, ExtractedEntities } from "../ports/assistant.js";
import type { Commerce, Order, RefundPolicyCheck } from "../ports/commerce.js";
import { answerText, CLARIFY_KEY, fillPlaceholders, loadAnswers, type AnswerVariant, type Answers } from "./answers.js";
import { loadCorpus } from "./corpus.js";
import { extractEntities } from "./entities.js";
import { NONE_INTENT, trainIntentModel, type IntentModel } from "./intent-model.js";
import { DEFAULT_ANSWERS_FILE, DEFAULT_CORPUS_FILE } from "./paths.js";
import { scoreSentiment } from "./sentiment.js";

/** Matches the default policy.confidenceThreshold: below it the reply is a clarifying question. */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.55;
/** A Commerce call slower than this counts as failed, so the customer is never left hanging. */
export const TOOL_TIMEOUT_MS = 2000;
/** "none" is never a confident answer, however sure the model is that the text is off-topic. */
const NONE_CONFIDENCE_CAP = 0.3;

/** Intents whose answer depends on the order: with an order number, the assistant looks it up. */
export const ORDER_INTENTS: ReadonlySet<string> = new Set(["track_order", "cancel_order", "change_order", "get_refund", "track_refund", "check_refund_policy"]);
/** Order intents that also ask Commerce whether a refund is allowed. */
export const REFUND_INTENTS: ReadonlySet<string> = new Set(["get_refund", "track_refund", "check_refund_policy"]);

export interface OfflineAssistantOptions {
  /** CSV with text,intent columns; defaults to the shipped data/corpus.csv. */
  corpusFile?: string;
  /** JSON intent → answer; its intents override the shipped data/answers.json. */
  answersFile?: string;
  commerce: Commerce;
  confidenceThreshold?: number;
  /** Per Commerce call; defaults to TOOL_TIMEOUT_MS. */
  toolTimeoutMs?: number;
}

export type Classification = Awaited<ReturnType<Assistant["classify"]>>;

class ToolTimeoutError extends Error {}

function withTimeout<T>(work: () => Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ToolTimeoutError(`timed out after ${ms} ms`)), ms);
    // work() may throw synchronously; Promise.resolve().then turns that into a rejection.
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
  });
}

const failureText = (error: unknown) => (error instanceof ToolTimeoutError ? "timed out" : `failed (${error instanceof Error ? error.message : String(error)})`);
const money = (amount: number, currency: string) => `${amount.toFixed(2)} ${currency}`;

function statusLine(order: Order): string {
  const eta = order.eta ? `, expected around ${order.eta}` : "";
  switch (order.status) {
    case "processing":
      return `being prepared${eta}`;
    case "shipped":
      return `on its way${eta}`;
    default:
      return order.status;
  }
}

/** The most recent order number (and amount) the customer gave before this message. */
function earlierEntities(conversation: Conversation, message: string): ExtractedEntities {
  const found: ExtractedEntities = {};
  const customer = conversation.transcript.filter((entry) => entry.author === "customer" && !entry.deleted);
  // The engine may already have appended the current message; it is not "earlier".
  if (customer.at(-1)?.text === message) customer.pop();
  for (let i = customer.length - 1; i >= 0 && (found.orderNumber === undefined || found.amount === undefined); i -= 1) {
    const entry = customer[i]!;
    const entities = extractEntities(entry.editedText ?? entry.text);
    if (found.orderNumber === undefined && entities.orderNumber !== undefined) found.orderNumber = entities.orderNumber;
    if (found.amount === undefined && entities.amount !== undefined) {
      found.amount = entities.amount;
      found.currency = entities.currency;
    }
  }
  return found;
}

class OfflineAssistant implements Assistant {
  constructor(
    private readonly model: IntentModel,
    private readonly answers: Answers,
    private readonly commerce: Commerce,
    private readonly threshold: number,
    private readonly toolTimeoutMs: number,
  ) {}

  async classify(text: string): Promise<Classification> {
    const safe = typeof text === "string" ? text : "";
    try {
      const [top] = await this.model.classify(safe);
      const intent = top?.intent ?? NONE_INTENT;
      const score = Math.min(1, Math.max(0, top?.score ?? 0));
      return {
        intent,
        confidence: intent === NONE_INTENT ? Math.min(score, NONE_CONFIDENCE_CAP) : score,
        sentiment: scoreSentiment(safe),
        entities: extractEntities(safe),
      };
    } catch {
      // Classification is advisory: a failure must never take a conversation down.
      return { intent: NONE_INTENT, confidence: 0, sentiment: 0, entities: {} };
    }
  }

  async respond(conversation: Conversation, message: string): Promise<AssistantTurn> {
    const analysis = await this.classify(message);
    const turn: AssistantTurn = { ...analysis, reply: "", actions: [] };
    const clarify = answerText(this.answers, CLARIFY_KEY, "default")!;
    if (analysis.intent === NONE_INTENT || analysis.confidence < this.threshold) {
      turn.reply = clarify;
      return turn;
    }
    if (!ORDER_INTENTS.has(analysis.intent)) {
      turn.reply = answerText(this.answers, analysis.intent, "default") ?? clarify;
      return turn;
    }
    const earlier = earlierEntities(conversation, message);
    const orderId = analysis.entities.orderNumber ?? earlier.orderNumber;
    const amount = analysis.entities.amount ?? earlier.amount;
    const { variant, values } = orderId === undefined ? { variant: "default" as const, values: {} } : await this.checkOrder(analysis.intent, orderId, amount, turn.actions);
    turn.reply = fillPlaceholders(answerText(this.answers, analysis.intent, variant) ?? clarify, values);
    return turn;
  }

  /** Looks the order up (and the refund policy, for refund intents), recording each call as an action. */
  private async checkOrder(
    intent: string,
    orderId: string,
    amount: number | undefined,
    actions: AttemptedAction[],
  ): Promise<{ variant: AnswerVariant; values: Record<string, string | undefined> }> {
    let order: Order | undefined;
    try {
      order = await withTimeout(() => this.commerce.lookupOrder(orderId), this.toolTimeoutMs);
    } catch (error) {
      actions.push({ action: "order_lookup", ok: false, failed: true, result: `Order lookup for ${orderId} ${failureText(error)}` });
      return { variant: "failed", values: { orderId } };
    }
    if (!order) {
      actions.push({ action: "order_lookup", ok: false, result: `Order ${orderId} not found` });
      return { variant: "notFound", values: { orderId } };
    }
    actions.push({
      action: "order_lookup",
      ok: true,
      result: `Order ${order.id}: ${order.status}${order.eta ? `, ETA ${order.eta}` : ""}, ${money(order.total, order.currency)}`,
    });
    const values: Record<string, string | undefined> = {
      orderId: order.id,
      status: order.status,
      statusLine: statusLine(order),
      eta: order.eta,
      total: order.total.toFixed(2),
      currency: order.currency,
      items: order.items.join(", "),
      placedAt: order.placedAt,
      amount: money(amount ?? order.total, order.currency),
    };
    if (!REFUND_INTENTS.has(intent)) return { variant: "found", values };

    let check: RefundPolicyCheck;
    try {
      check = await withTimeout(() => this.commerce.checkRefundPolicy(order.id, amount), this.toolTimeoutMs);
    } catch (error) {
      actions.push({ action: "refund_policy_check", ok: false, failed: true, result: `Refund policy check for ${order.id} ${failureText(error)}` });
      return { variant: "failed", values };
    }
    const exception = check.needsException ? " (needs an exception approved by a person)" : "";
    actions.push({
      action: "refund_policy_check",
      ok: check.eligible,
      result: `${check.eligible ? "Refund allowed" : "Refund not allowed"} for order ${order.id}: ${check.rule}${exception}`,
    });
    return { variant: check.eligible ? "eligible" : "notEligible", values: { ...values, rule: check.rule } };
  }
}

/** Loads the corpus and answers, trains the intent model (about a second), and returns the Assistant. */
export async function createOfflineAssistant(options: OfflineAssistantOptions): Promise<Assistant> {
  const [corpus, answers] = await Promise.all([loadCorpus(options.corpusFile ?? DEFAULT_CORPUS_FILE), loadAnswers(DEFAULT_ANSWERS_FILE, options.answersFile)]);
  const model = await trainIntentModel(corpus);
  return new OfflineAssistant(model, answers, options.commerce, options.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD, options.toolTimeoutMs ?? TOOL_TIMEOUT_MS);
}
