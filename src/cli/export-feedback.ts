import { statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { DEFAULT_CORPUS_FILE } from "../assistant/paths.js";
import type { WarmlineConfig } from "../config/schema.js";
import type { Conversation } from "../domain/conversation.js";
import { WarmlineError } from "../domain/errors.js";
import { maskPii } from "../domain/pii.js";
import { mainIntent } from "../engine/context-package.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import { csvField } from "./csv.js";

export interface FeedbackExample {
  text: string;
  intent: string;
}

/**
 * New training examples from agents' "the bot should have handled this": the customer's first
 * message, labelled with the agent's pick (else the intent the bot detected). PII is masked as it
 * is for Slack, so the corpus never holds card numbers, emails or phones. "Right call" and "escalated
 * too late" are counted in the figures but are no training signal: they say nothing about what the
 * bot should have answered.
 */
export function feedbackExamples(
  conversations: readonly Conversation[],
  { privacy, policy }: Pick<WarmlineConfig, "privacy" | "policy">,
): FeedbackExample[] {
  const examples: FeedbackExample[] = [];
  for (const conversation of conversations) {
    const marks = (conversation.feedback ?? []).filter((f) => f.kind === "bot_should_have_handled");
    if (marks.length === 0) continue;
    const first = conversation.transcript.find((e) => e.author === "customer" && !e.deleted);
    const intent = marks.at(-1)!.intent ?? mainIntent(conversation, 0, policy);
    const text = first
      ? maskPii(first.editedText ?? first.text, privacy)
          .replace(/\s+/g, " ")
          .trim()
      : "";
    if (text !== "" && intent) examples.push({ text, intent });
  }
  return examples;
}

/** Corpus CSV (text,intent), the shape assistant.corpus reads. */
export function formatExamplesCsv(examples: readonly FeedbackExample[]): string {
  return `text,intent\n${examples.map((e) => `${csvField(e.text)},${csvField(e.intent)}`).join("\n")}${examples.length > 0 ? "\n" : ""}`;
}

/**
 * Refuses an --out that can't be written, or that is the corpus the assistant trains on (the export
 * would replace it: the rows are meant to be reviewed, then appended). Checked before the store opens.
 */
export function checkExportTarget(out: string, config: Pick<WarmlineConfig, "assistant">): void {
  const target = resolve(out);
  const corpus = resolve(config.assistant.corpus ?? DEFAULT_CORPUS_FILE);
  if (target === corpus) {
    throw new WarmlineError(
      "input_invalid",
      `--out ${out} is the corpus the assistant trains on, and the export would replace it: write to a new file (e.g. --out feedback.csv), review it, then append it (tail -n +2 feedback.csv >> ${out}).`,
    );
  }
  const stat = statSync(target, { throwIfNoEntry: false });
  if (stat?.isDirectory())
    throw new WarmlineError(
      "input_invalid",
      `--out ${out} is a directory: give a file name, e.g. --out ${out.replace(/\/+$/, "")}/feedback.csv.`,
    );
  const parent = statSync(dirname(target), { throwIfNoEntry: false });
  if (!parent?.isDirectory())
    throw new WarmlineError(
      "input_invalid",
      `Cannot write ${out}: the directory ${dirname(target)} does not exist; create it or choose another --out.`,
    );
}

export async function runExportFeedback(options: {
  config: WarmlineConfig;
  store: Pick<ConversationStore, "listSince">;
  out: string;
  log: NodeJS.WritableStream;
}): Promise<number> {
  const examples = feedbackExamples(await options.store.listSince(0), options.config);
  checkExportTarget(options.out, options.config);
  try {
    await writeFile(options.out, formatExamplesCsv(examples));
  } catch (cause) {
    throw new WarmlineError(
      "input_invalid",
      `Cannot write ${options.out} (${(cause as Error).message}): choose a writable --out file.`,
      cause,
    );
  }
  options.log.write(
    `Wrote ${examples.length} training example${examples.length === 1 ? "" : "s"} to ${options.out}. Review them, then append to your corpus (see docs/analytics.md, "Feedback into the corpus").\n`,
  );
  return 0;
}
