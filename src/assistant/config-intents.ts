import { policySchema, type WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import { CLARIFY_KEY, TOOL_FAILED_KEY } from "./answers.js";
import { NONE_INTENT } from "./intent-model.js";
import { closestName } from "../config/closest-name.js";

/**
 * The config names intents (priority, always-human, team routing), and routing matches them
 * exactly: one the assistant is not trained on never fires. This compares them with the corpus,
 * and the corpus with the answers, so a weekly config edit or a new corpus can't silently stop routing.
 */

export interface IntentProblem {
  /** error: the config names an intent the corpus lacks. warning: it works, but not as meant. */
  severity: "error" | "warning";
  /** The config path, e.g. policy.priorityIntents[0]; absent for a problem of the corpus or answers. */
  path?: string;
  /** One line: what is wrong and how to fix it (beginning with the path when there is one). */
  message: string;
}

/** What the assistant is trained on and can answer: see checkConfigIntents. */
export interface AssistantIntents {
  /** The corpus file, as the user knows it (data/corpus.csv, or assistant.corpus / --corpus). */
  corpus: string;
  /** The intents of the corpus. */
  intents: readonly string[];
  /** Intents with an answer: the shipped answers and assistant.answers. */
  answered: readonly string[];
  /** assistant.answers, when set: its file, and the intents it answers. */
  userAnswers?: { file: string; intents: readonly string[] };
}

/** Policy lists of intents that escalate: one the corpus lacks is an error (that escalation silently never happens). */
const POLICY_INTENT_LISTS = ["priorityIntents", "alwaysHumanIntents"] as const;
/**
 * Lists that refine an answer, a card or a signal: one the corpus lacks is a warning, so a corpus of
 * one's own starts without editing them (the escalation signals still catch a request for a person).
 */
const POLICY_REFINING_LISTS = ["humanRequestIntents", "refundIntents", "refundTrackingIntents", "smallTalkIntents"] as const;

export interface NamedIntent {
  path: string;
  intent: string;
  field: string;
  /** warning: only a card's wording or a signal's exception depends on it. */
  severity?: IntentProblem["severity"];
}

/** Config fields whose values (or keys) are intents, with where each one is. */
export function intentsNamedByConfig(
  config: Pick<WarmlineConfig, "policy" | "routing"> & Partial<Pick<WarmlineConfig, "assistant">>,
): NamedIntent[] {
  const named: NamedIntent[] = [];
  const list = (field: string, intents: readonly string[], severity?: IntentProblem["severity"]) =>
    intents.forEach((intent, i) => named.push({ path: `${field}[${i}]`, intent, field, ...(severity ? { severity } : {}) }));
  for (const key of POLICY_INTENT_LISTS) list(`policy.${key}`, config.policy[key]);
  for (const key of POLICY_REFINING_LISTS) list(`policy.${key}`, config.policy[key], "warning");
  if (config.assistant) list("assistant.orderIntents", config.assistant.orderIntents, "warning");
  for (const [category, action] of Object.entries(config.policy.signalActions)) {
    list(`policy.signalActions.${category}.unlessIntents`, action.unlessIntents, "warning");
    list(`policy.signalActions.${category}.compatibleIntents`, action.compatibleIntents, "warning");
  }
  for (const intent of Object.keys(config.routing.intentTeams))
    named.push({ path: "routing.intentTeams", intent, field: "routing.intentTeams" });
  config.routing.rules.forEach((rule, i) => {
    if (rule.when.intent !== undefined)
      named.push({ path: `routing.rules[${i}].when.intent`, intent: rule.when.intent, field: "routing.rules" });
  });
  return named;
}

/** The known intent `name` most likely means: see closestName. */
export const closestIntent = closestName;

const POLICY_DEFAULTS = policySchema.parse({});
/** The shipped default of a policy intent list ("policy.refundIntents"), when `field` is one. */
const defaultList = (field: string): readonly string[] | undefined => {
  const key = field.replace(/^policy\./, "");
  const lists: readonly string[] = [...POLICY_INTENT_LISTS, ...POLICY_REFINING_LISTS];
  return field.startsWith("policy.") && lists.includes(key)
    ? (POLICY_DEFAULTS[key as keyof typeof POLICY_DEFAULTS] as string[])
    : undefined;
};
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item, i) => item === b[i]);

const quoted = (items: readonly string[]) => items.map((item) => `"${item}"`).join(", ");

/**
 * Every intent problem, pure: each config path naming an intent the corpus lacks (an error, with
 * the closest intent it has), then warnings: corpus intents without an answer (customers get the
 * clarifying reply), and assistant.answers entries for intents the corpus lacks (never used).
 */
export function checkConfigIntents(
  config: Pick<WarmlineConfig, "policy" | "routing"> & Partial<Pick<WarmlineConfig, "assistant">>,
  assistant: AssistantIntents,
): IntentProblem[] {
  // The model answers "none" for off-topic text whatever the corpus, so routing it is legitimate.
  const known = new Set([...assistant.intents, NONE_INTENT]);
  const corpusIntents = [...new Set(assistant.intents)].sort();
  const notAnIntent = (intent: string) => `"${intent}" is not an intent of the corpus ${assistant.corpus}`;
  const fix = (intent: string) => {
    const suggestion = closestIntent(intent, corpusIntents);
    return suggestion === undefined ? "fix the spelling, remove it, or add examples of it to the corpus" : `did you mean "${suggestion}"?`;
  };
  const problems: IntentProblem[] = [];

  for (const { path, intent, field, severity } of intentsNamedByConfig(config)) {
    if (known.has(intent)) continue;
    const what = field === "routing.intentTeams" ? `the key ${notAnIntent(intent)}` : notAnIntent(intent);
    const defaults = defaultList(field);
    const current = field.startsWith("policy.")
      ? (config.policy[field.slice("policy.".length) as keyof typeof config.policy] as unknown)
      : undefined;
    const defaultHint =
      defaults && Array.isArray(current) && sameList(current, defaults)
        ? ` (${field} is the default ${quoted(defaults)}: set it to intents of this corpus, or to [] for none)`
        : "";
    problems.push({ severity: severity ?? "error", path, message: `${path}: ${what}; ${fix(intent)}${defaultHint}` });
  }

  const answered = new Set(assistant.answered);
  const unanswered = corpusIntents.filter((intent) => intent !== NONE_INTENT && !answered.has(intent));
  if (unanswered.length > 0) {
    const one = unanswered.length === 1;
    const where = assistant.userAnswers
      ? `add ${one ? "it" : "them"} to ${assistant.userAnswers.file}`
      : "write a JSON file of intent → answer like data/answers.json and name it in assistant.answers";
    problems.push({
      severity: "warning",
      message: `the corpus ${assistant.corpus} has ${unanswered.length} intent${one ? "" : "s"} with no answer (${quoted(unanswered)}): customers asking ${one ? "it" : "them"} get the clarifying reply ("none" in the answers) instead; ${where}, e.g. {"${unanswered[0]}": "…"}`,
    });
  }

  if (assistant.userAnswers) {
    for (const intent of assistant.userAnswers.intents) {
      if (known.has(intent) || intent === CLARIFY_KEY || intent === TOOL_FAILED_KEY) continue;
      problems.push({
        severity: "warning",
        path: "assistant.answers",
        message: `assistant.answers (${assistant.userAnswers.file}): ${notAnIntent(intent)}, so its answer is never given; ${fix(intent)}`,
      });
    }
  }
  return problems;
}

/** Unknown intents in the config as one config_invalid error listing each with its fix, like the config's other problems; undefined when there are none. */
export function intentErrors(problems: readonly IntentProblem[], configSource: string): WarmlineError | undefined {
  const errors = problems.filter((problem) => problem.severity === "error");
  if (errors.length === 0) return undefined;
  const one = errors.length === 1;
  return new WarmlineError(
    "config_invalid",
    `${configSource} has ${errors.length} problem${one ? "" : "s"}: ${one ? "an intent" : "intents"} the assistant is not trained on, so routing never matches ${one ? "it" : "them"}:\n${errors
      .map((problem) => `  - ${problem.message}`)
      .join(
        "\n",
      )}\nFix ${one ? "it" : "them"} in ${configSource}, or train on a corpus that has ${one ? "it" : "them"} (assistant.corpus).`,
  );
}

/** Problems as lines for a terminal, each beginning "error: " or "warning: "; `as` reports them all at one severity. */
export function formatIntentProblems(problems: readonly IntentProblem[], as?: IntentProblem["severity"]): string {
  return problems.map((problem) => `${as ?? problem.severity}: ${problem.message}\n`).join("");
}
