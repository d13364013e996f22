import { readFile } from "node:fs/promises";
import { z } from "zod";
import { WarmlineError } from "../domain/errors.js";

/** Which version of an intent's answer fits what the tools found. */
export type AnswerVariant = "default" | "found" | "notFound" | "eligible" | "notEligible" | "failed";

/** Reserved keys beside the intents. */
export const CLARIFY_KEY = "none";
export const TOOL_FAILED_KEY = "tool_failed";

const answerSchema = z.union([
  z.string().min(1),
  z
    .object({
      default: z.string().min(1),
      found: z.string().min(1).optional(),
      notFound: z.string().min(1).optional(),
      eligible: z.string().min(1).optional(),
      notEligible: z.string().min(1).optional(),
      failed: z.string().min(1).optional(),
    })
    .strict(),
]);
const answersFileSchema = z.record(z.string(), z.unknown());
export type Answers = Map<string, z.infer<typeof answerSchema>>;

/** One answers file as it is, without the shipped answers. */
export async function readAnswersFile(file: string): Promise<Answers> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new WarmlineError(
      "corpus_invalid",
      `Cannot load assistant answers from ${file} (${(cause as Error).message}): it must be a JSON object of intent → answer, like data/answers.json.`,
      cause,
    );
  }
  const top = answersFileSchema.safeParse(raw);
  if (!top.success)
    throw new WarmlineError("corpus_invalid", `${file} must be a JSON object of intent → answer, like data/answers.json.`, top.error);
  const answers: Answers = new Map();
  for (const [intent, value] of Object.entries(top.data)) {
    if (intent.startsWith("$")) continue;
    const parsed = answerSchema.safeParse(value);
    if (!parsed.success) {
      throw new WarmlineError(
        "corpus_invalid",
        `${file}: the answer for "${intent}" must be a non-empty string or an object with "default" and optional found, notFound, eligible, notEligible, failed.`,
        parsed.error,
      );
    }
    answers.set(intent, parsed.data);
  }
  return answers;
}

/** The shipped answers, with any intents from `overridesFile` replacing them. */
export async function loadAnswers(defaultsFile: string, overridesFile?: string): Promise<Answers> {
  return mergeAnswers(
    await readAnswersFile(defaultsFile),
    overridesFile && overridesFile !== defaultsFile ? await readAnswersFile(overridesFile) : undefined,
  );
}

/** The shipped answers with any from `overrides` replacing them; throws if neither has the clarifying question. */
export function mergeAnswers(defaults: Answers, overrides?: Answers): Answers {
  const answers: Answers = new Map(defaults);
  for (const [intent, answer] of overrides ?? []) answers.set(intent, answer);
  if (!answers.has(CLARIFY_KEY)) {
    throw new WarmlineError(
      "corpus_invalid",
      `The assistant answers have no "${CLARIFY_KEY}" entry: add the clarifying question asked when the assistant is unsure.`,
    );
  }
  return answers;
}

const FALLBACK_TOOL_FAILED = "Sorry, I couldn't check that just now. Type HUMAN and a colleague will look it up for you.";

/** Picks the answer text for an intent and variant, falling back to the intent's default. */
export function answerText(answers: Answers, intent: string, variant: AnswerVariant): string | undefined {
  const answer = answers.get(intent);
  if (variant === "failed") {
    const own = typeof answer === "object" ? answer.failed : undefined;
    const shared = answers.get(TOOL_FAILED_KEY);
    return own ?? (typeof shared === "string" ? shared : FALLBACK_TOOL_FAILED);
  }
  if (answer === undefined) return undefined;
  if (typeof answer === "string") return answer;
  return answer[variant] ?? answer.default;
}

/** Fills {placeholders}; an unknown or missing one is removed rather than shown to the customer. */
export function fillPlaceholders(template: string, values: Record<string, string | undefined>): string {
  return template
    .replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? "")
    .replace(/\s+([.,!?])/g, "$1")
    .replace(/\s{2,}/g, " ")
    .trim();
}
