import { assistantConfigSchema, policySchema } from "../config/schema.js";
import type { Conversation } from "../domain/conversation.js";
import type { Assistant, AssistantTurn, AttemptedAction, ExtractedEntities } from "../ports/assistant.js";
import type { Commerce, Order, RefundPolicyCheck } from "../ports/commerce.js";
import { answerText, CLARIFY_KEY, fillPlaceholders, loadAnswers, type AnswerVariant, type Answers } from "./answers.js";
import { loadCorpus, type CorpusExample } from "./corpus.js";
import { extractEntities, extractOrderReply } from "./entities.js";
import { buildIntentEvidence, type IntentEvidence } from "./intent-evidence.js";
import { NONE_INTENT, trainIntentModel, type IntentModel } from "./intent-model.js";
import { classifyInLanguage, type Identify, type LanguageIntents } from "./language-intents.js";
import { DEFAULT_ANSWERS_FILE, DEFAULT_CORPUS_FILE } from "./paths.js";
import { scoreSentiment } from "./sentiment.js";

/** Matches the default policy.confidenceThreshold: below it the reply is a clarifying question. */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.55;
/** A Commerce call slower than this counts as failed, so the customer is never left hanging. */
export const TOOL_TIMEOUT_MS = 2000;
/** "none" is never a confident answer, however sure the model is that the text is off-topic. */
const NONE_CONFIDENCE_CAP = 0.3;
/** An intent without evidence in the text stays just under the confidence threshold: the assistant asks instead. */
const UNSUPPORTED_CONFIDENCE_SHARE = 0.9;

/** The config's defaults (assistant.orderIntents, policy.refundIntents + refundTrackingIntents), for an assistant built without a config. */
const ASSISTANT_DEFAULTS = assistantConfigSchema.parse({});
const POLICY_DEFAULTS = policySchema.parse({});
/** Other intents whose answer asks for an order number, and the order intent that answers it. */
const ORDER_NUMBER_ASKED_BY: Readonly<Record<string, string>> = { delivery_period: "track_order" };
/** An order intent's answers that ask for the number: none given yet, or the one given was not found. */
const ASKING_VARIANTS: readonly AnswerVariant[] = ["default", "notFound"];
/** Confidence of an answer to the assistant's own question for an order number: the intent is the one it asked about. */
const FOLLOW_UP_CONFIDENCE = 0.95;

export interface OfflineAssistantOptions {
  /** CSV with text,intent columns; defaults to the shipped data/corpus.csv. */
  corpusFile?: string;
  /** JSON intent → answer; its intents override the shipped data/answers.json. */
  answersFile?: string;
  /** Already loaded (see prepareAssistant): used instead of reading corpusFile and answersFile. */
  loaded?: { corpus: readonly CorpusExample[]; answers: Answers };
  commerce: Commerce;
  confidenceThreshold?: number;
  /** Per Commerce call; defaults to TOOL_TIMEOUT_MS. */
  toolTimeoutMs?: number;
  /** Intents whose answer depends on the order (config assistant.orderIntents). */
  orderIntents?: readonly string[];
  /** Order intents that also ask Commerce whether a refund is allowed (config policy.refundIntents and refundTrackingIntents). */
  refundIntents?: readonly string[];
  /** Intents in other languages (see loadLanguageIntents), and how a message's language is identified. */
  languages?: { intents: LanguageIntents; identify: Identify };
}

export type Classification = Awaited<ReturnType<Assistant["classify"]>>;

/** The offline assistant, which can also answer a reading of the message made elsewhere (a model's), with its own answers and tools. */
export interface OfflineAssistant extends Assistant {
  /** As respond, for `reading` instead of its own classification: an order intent is looked up in Commerce as usual. */
  respondAs(conversation: Conversation, message: string, reading: Classification): Promise<AssistantTurn>;
}

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

const failureText = (error: unknown) =>
  error instanceof ToolTimeoutError ? "timed out" : `failed (${error instanceof Error ? error.message : String(error)})`;
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

/** An answer that asks the customer for an order number, recognised in the transcript as the bot sent it. */
interface OrderQuestion {
  /** The intent whose answer it is. */
  asker: string;
  /** The order intent a number given in reply answers. */
  intent: string;
  /** Matches a bot message ending with the answer, placeholders filled (the first reply is prefixed by the greeting). */
  sent: RegExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function orderQuestions(answers: Answers, orderIntents: ReadonlySet<string>): OrderQuestion[] {
  const askers: [string, string][] = [
    ...[...orderIntents].map((intent): [string, string] => [intent, intent]),
    ...Object.entries(ORDER_NUMBER_ASKED_BY),
  ];
  const questions: (OrderQuestion & { length: number })[] = [];
  for (const [asker, intent] of askers) {
    for (const template of new Set(ASKING_VARIANTS.map((variant) => answerText(answers, asker, variant)))) {
      if (template === undefined) continue;
      // Filled placeholders can be anything; fillPlaceholders trims the text and collapses its spaces.
      const literals = template.split(/\{\w+\}/).map((part) => escapeRegExp(part.trim()).replace(/\s+/g, "\\s+"));
      questions.push({ asker, intent, sent: new RegExp(`(?:^|\\s)${literals.join("[\\s\\S]*?")}$`), length: template.length });
    }
  }
  // The longest first: a short question that ends a longer one must not claim it.
  return questions.sort((a, b) => b.length - a.length);
}

class NlpOfflineAssistant implements OfflineAssistant {
  private readonly questions: OrderQuestion[];

  constructor(
    private readonly model: IntentModel,
    private readonly answers: Answers,
    private readonly commerce: Commerce,
    private readonly threshold: number,
    private readonly toolTimeoutMs: number,
    private readonly orderIntents: ReadonlySet<string>,
    private readonly refundIntents: ReadonlySet<string>,
    private readonly evidence: IntentEvidence,
    private readonly languages: OfflineAssistantOptions["languages"],
  ) {
    this.questions = orderQuestions(answers, orderIntents);
  }

  classify(text: string): Promise<Classification> {
    return this.classifyIn(text, undefined);
  }

  /** Classifies with the model for the message's language; `conversationLanguage` settles a message too short to identify. */
  private async classifyIn(text: string, conversationLanguage: string | undefined): Promise<Classification> {
    const safe = typeof text === "string" ? text : "";
    try {
      const models = {
        english: this.model,
        others: this.languages?.intents,
        identify: this.languages?.identify ?? (() => undefined),
        threshold: this.threshold,
      };
      const [top] = await classifyInLanguage(safe, models, conversationLanguage);
      const intent = top?.intent ?? NONE_INTENT;
      const score = Math.min(1, Math.max(0, top?.score ?? 0));
      // Sure of an intent without one word the corpus ties to it: a guess, not an answer.
      const supported = this.evidence.supports(intent, this.model.normalizer.normalize(safe).split(" "));
      const cap = intent === NONE_INTENT ? NONE_CONFIDENCE_CAP : supported ? 1 : this.threshold * UNSUPPORTED_CONFIDENCE_SHARE;
      return {
        intent,
        confidence: Math.min(score, cap),
        sentiment: scoreSentiment(safe),
        entities: extractEntities(safe),
      };
    } catch {
      // Classification is advisory: a failure must never take a conversation down.
      return { intent: NONE_INTENT, confidence: 0, sentiment: 0, entities: {} };
    }
  }

  async respond(conversation: Conversation, message: string): Promise<AssistantTurn> {
    return this.respondAs(conversation, message, await this.classifyIn(message, conversation.language?.code));
  }

  async respondAs(conversation: Conversation, message: string, analysis: Classification): Promise<AssistantTurn> {
    const turn: AssistantTurn = { ...analysis, reply: "", actions: [] };
    const clarify = answerText(this.answers, CLARIFY_KEY, "default")!;
    const confident = analysis.intent !== NONE_INTENT && analysis.confidence >= this.threshold;

    // The customer answers the assistant's own question for an order number ("100298", "it's 100298"):
    // answer the intent it asked about, whatever the model makes of a bare number.
    const pending = this.pendingOrderIntent(conversation, message);
    const given =
      pending === undefined ? undefined : (extractOrderReply(message) ?? (confident ? undefined : analysis.entities.orderNumber));
    if (pending !== undefined && given !== undefined) {
      const earlier = earlierEntities(conversation, message);
      const priced = analysis.entities.amount !== undefined ? analysis.entities : earlier;
      turn.intent = pending;
      turn.confidence = Math.max(FOLLOW_UP_CONFIDENCE, this.threshold);
      // The request spans two messages: the amount asked for earlier is part of it (the refund limit applies).
      turn.entities = {
        ...analysis.entities,
        orderNumber: given,
        ...(priced.amount !== undefined ? { amount: priced.amount, currency: priced.currency } : {}),
      };
      turn.reply = await this.orderAnswer(pending, given, priced.amount, turn.actions, clarify);
      return turn;
    }

    if (!confident) {
      turn.reply = clarify;
      return turn;
    }
    if (!this.orderIntents.has(analysis.intent)) {
      turn.reply = answerText(this.answers, analysis.intent, "default") ?? clarify;
      return turn;
    }
    const earlier = earlierEntities(conversation, message);
    const orderId = analysis.entities.orderNumber ?? earlier.orderNumber;
    const amount = analysis.entities.amount ?? earlier.amount;
    turn.reply = await this.orderAnswer(analysis.intent, orderId, amount, turn.actions, clarify);
    return turn;
  }

  /** An order intent's reply: the question for the number without one, else what looking the order up found. */
  private async orderAnswer(
    intent: string,
    orderId: string | undefined,
    amount: number | undefined,
    actions: AttemptedAction[],
    clarify: string,
  ): Promise<string> {
    const { variant, values } =
      orderId === undefined ? { variant: "default" as const, values: {} } : await this.checkOrder(intent, orderId, amount, actions);
    return fillPlaceholders(answerText(this.answers, intent, variant) ?? clarify, values);
  }

  /**
   * The order intent whose order number the assistant asked for in its reply just before `message`,
   * read from the transcript; undefined when anything else came in between.
   */
  private pendingOrderIntent(conversation: Conversation, message: string): string | undefined {
    // What the customer saw: not agents' internal notes, nor the log of what the assistant tried.
    const seen = conversation.transcript.filter((entry) => !entry.internal && !(entry.author === "system" && entry.actions !== undefined));
    let i = seen.length - 1;
    // The engine may already have appended the current message.
    if (seen[i]?.author === "customer" && seen[i]!.text === message) i -= 1;
    const asked = seen[i];
    if (asked?.author !== "bot") return undefined;
    const matches = this.questions.filter((question) => question.sent.test(asked.text));
    if (matches.length === 0) return undefined;
    // Two answers alike (an answers file may make them so): the one for what the customer last asked.
    let before: string | undefined;
    for (let j = i - 1; j >= 0 && before === undefined; j -= 1) if (seen[j]!.author === "customer") before = seen[j]!.intent ?? "";
    return (matches.find((question) => question.asker === before) ?? matches[0]!).intent;
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
    if (!this.refundIntents.has(intent)) return { variant: "found", values };

    let check: RefundPolicyCheck;
    try {
      check = await withTimeout(() => this.commerce.checkRefundPolicy(order.id, amount), this.toolTimeoutMs);
    } catch (error) {
      actions.push({
        action: "refund_policy_check",
        ok: false,
        failed: true,
        result: `Refund policy check for ${order.id} ${failureText(error)}`,
      });
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
export async function createOfflineAssistant(options: OfflineAssistantOptions): Promise<OfflineAssistant> {
  const [corpus, answers] = options.loaded
    ? [options.loaded.corpus, options.loaded.answers]
    : await Promise.all([loadCorpus(options.corpusFile ?? DEFAULT_CORPUS_FILE), loadAnswers(DEFAULT_ANSWERS_FILE, options.answersFile)]);
  const model = await trainIntentModel(corpus);
  const evidence = buildIntentEvidence(
    corpus.map((example) => ({ words: model.normalizer.normalize(example.text).split(" "), intent: example.intent })),
  );
  return new NlpOfflineAssistant(
    model,
    answers,
    options.commerce,
    options.confidenceThreshold ?? DEFAULT_CONFIDENCE_THRESHOLD,
    options.toolTimeoutMs ?? TOOL_TIMEOUT_MS,
    new Set(options.orderIntents ?? ASSISTANT_DEFAULTS.orderIntents),
    new Set(options.refundIntents ?? [...POLICY_DEFAULTS.refundIntents, ...POLICY_DEFAULTS.refundTrackingIntents]),
    evidence,
    options.languages,
  );
}
