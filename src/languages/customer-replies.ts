import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { normalizeKeyword } from "../../routing/customer-keywords.js";
import { type KeywordsConfig, messagesSchema, type WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { ControlKeywordKind, CustomerLanguages, CustomerReplies, MessageKey, SurveyAnswer } from "../ports/customer-languages.js";
import { identifyLanguage } from "./identify-language.js";
import { LANGUAGES_DIR, type LanguageInfo, loadLanguageCatalog } from "./language-catalog.js";

export type { ControlKeywordKind, CustomerReplies, MessageKey, ReplyLanguage, SurveyAnswer } from "../ports/customer-languages.js";

/**
 * What Warmline itself says to a customer in their language, read from data/languages/<code>/replies.json
 * (see docs in LANGUAGE_DATA: every `messages` key, the same {placeholders} as the English defaults),
 * with the config's `languages.<code>` overrides on top and the config's English `messages` as the
 * fallback. Also the control keywords (merged with config `keywords`) and survey answers per language.
 */

const MESSAGE_KEYS = Object.keys(messagesSchema.shape) as MessageKey[];
const ENGLISH: Readonly<Record<MessageKey, string>> = messagesSchema.parse({});
/** English survey answers, always understood (the survey question itself says YES or NO). */
const ENGLISH_SURVEY: Readonly<Record<SurveyAnswer, readonly string[]>> = {
  yes: ["y", "yes", "yeah", "yep", "yup"],
  no: ["n", "no", "nope", "nah"],
};

const words = z.array(z.string().trim().min(1)).min(1);
const messageTexts = (required: boolean) =>
  z.strictObject(Object.fromEntries(MESSAGE_KEYS.map((key) => [key, required ? z.string().min(1) : z.string().min(1).optional()])));

const repliesFileSchema = z.strictObject({
  messages: messageTexts(true),
  messagesLatn: messageTexts(false).optional(),
  keywords: z.strictObject({ human: words, bot: words, cancel: words, callback: words, wait: words }),
  survey: z.strictObject({ yes: words, no: words }),
});

interface LanguageReplies {
  messages: Partial<Record<MessageKey, string>>;
  messagesLatn: Partial<Record<MessageKey, string>>;
  keywords?: KeywordsConfig[string];
  survey: Record<SurveyAnswer, string[]>;
}

/** Placeholders any message may use (messagesSchema): the control words and the business name. */
const ANY_MESSAGE_PLACEHOLDERS = new Set(["{business}", "{human}", "{bot}", "{cancel}", "{callback}", "{wait}"]);
const placeholdersOf = (text: string) => [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
const listed = (names: readonly string[]) => names.join(", ") || "none";

/**
 * A message must name its English default's own {placeholders} ({team}, {position}…), or the customer
 * misses them, and no others, or they see "{opens}" unfilled; the control words and {business} are
 * free in any message, as in the config's `messages`.
 */
function checkPlaceholders(where: string, messages: Partial<Record<MessageKey, string | undefined>>): string[] {
  return MESSAGE_KEYS.flatMap((key) => {
    const text = messages[key];
    if (text === undefined) return [];
    const own = (names: string[]) => names.filter((name) => !ANY_MESSAGE_PLACEHOLDERS.has(name));
    const english = own(placeholdersOf(ENGLISH[key]));
    const used = own(placeholdersOf(text));
    if (listed(english) === listed(used)) return [];
    return [
      `${where}.${key} uses placeholders ${listed(used)}; the English message uses ${listed(english)}: use exactly those (the control words and {business} are free)`,
    ];
  });
}

function readRepliesFile(file: string): z.infer<typeof repliesFileSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new WarmlineError("config_invalid", `Cannot read ${file} (${(cause as Error).message}): fix the JSON or remove the file.`, cause);
  }
  const parsed = repliesFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new WarmlineError(
      "config_invalid",
      `${file} is invalid (every key of config \`messages\` is required; see docs in LANGUAGE_DATA):\n${z.prettifyError(parsed.error)}`,
    );
  const problems = [
    ...checkPlaceholders("messages", parsed.data.messages),
    ...checkPlaceholders("messagesLatn", parsed.data.messagesLatn ?? {}),
  ];
  if (problems.length > 0) throw new WarmlineError("config_invalid", `${file}:\n${problems.map((problem) => `✖ ${problem}`).join("\n")}`);
  return parsed.data;
}

export interface CustomerRepliesOptions {
  config: Pick<WarmlineConfig, "messages" | "keywords" | "languages">;
  /** Defaults to the shipped data/languages. */
  dir?: string;
  catalog?: readonly LanguageInfo[];
}

/** Reads every data/languages/<code>/replies.json and the config's overrides; throws config_invalid naming the file and the fix. */
export function loadCustomerReplies(options: CustomerRepliesOptions): CustomerReplies {
  const dir = options.dir ?? LANGUAGES_DIR;
  const catalog = options.catalog ?? loadLanguageCatalog(dir);
  const { config } = options;
  const known = new Set(catalog.map((language) => language.code));

  const configProblems = Object.entries(config.languages).flatMap(([code, override]) => [
    ...(known.has(code) ? [] : [`languages.${code}: no such language in ${dir}: use one of ${[...known].join(", ")}`]),
    ...checkPlaceholders(`languages.${code}.messages`, override.messages ?? {}),
    ...checkPlaceholders(`languages.${code}.messagesLatn`, override.messagesLatn ?? {}),
  ]);
  if (configProblems.length > 0)
    throw new WarmlineError(
      "config_invalid",
      `The config's "languages" section is invalid:\n${configProblems.map((p) => `✖ ${p}`).join("\n")}`,
    );

  const byCode = new Map<string, LanguageReplies>();
  for (const { code } of catalog) {
    const file = join(dir, code, "replies.json");
    const shipped = existsSync(file) ? readRepliesFile(file) : undefined;
    const override = config.languages[code];
    if (!shipped && !override) continue;
    const keywords = shipped?.keywords || override?.keywords ? { ...shipped?.keywords, ...override?.keywords } : undefined;
    byCode.set(code, {
      messages: { ...shipped?.messages, ...override?.messages },
      messagesLatn: { ...shipped?.messagesLatn, ...override?.messagesLatn },
      ...(keywords && isComplete(keywords) ? { keywords } : {}),
      survey: { yes: override?.survey?.yes ?? shipped?.survey.yes ?? [], no: override?.survey?.no ?? shipped?.survey.no ?? [] },
    });
  }

  // The config is fixed for the engine's life: each language's survey words are normalized once, not per message.
  const surveyWords = new Map(
    [...byCode].map(([code, replies]) => [code, { yes: normalizedSet(replies.survey.yes), no: normalizedSet(replies.survey.no) }]),
  );
  /** Keyword tables by conversation language, built on first use (a few languages, read on every message). */
  const keywordTables = new Map<string | undefined, KeywordsConfig>();

  return {
    languages: [...byCode.keys()],
    template(key, language) {
      const replies = language && language.code !== undefined ? byCode.get(language.code) : undefined;
      if (!replies) return config.messages[key];
      return (language?.script === "Latn" ? replies.messagesLatn[key] : undefined) ?? replies.messages[key] ?? config.messages[key];
    },
    keywordsFor(code) {
      let table = keywordTables.get(code);
      if (table === undefined) {
        table = deepFrozen(keywordsFor(config.keywords, byCode, code));
        keywordTables.set(code, table);
      }
      return table;
    },
    keyword(kind, code) {
      const own = code === undefined ? undefined : (config.keywords[code]?.[kind][0] ?? byCode.get(code)?.keywords?.[kind][0]);
      return own ?? Object.values(config.keywords)[0]?.[kind][0] ?? kind.toUpperCase();
    },
    surveyAnswer(text, code) {
      const typed = normalizeKeyword(text);
      if (typed === "") return undefined;
      const answersIn = (words: { yes: Set<string>; no: Set<string> } | undefined, answer: SurveyAnswer) =>
        words?.[answer].has(typed) ?? false;
      const own = code === undefined ? undefined : surveyWords.get(code);
      for (const answer of ["yes", "no"] as const) if (answersIn(own, answer)) return answer;
      for (const answer of ["yes", "no"] as const) if (ENGLISH_SURVEY[answer].includes(typed)) return answer;
      if (code !== undefined && own) return undefined;
      // Language unknown: any language's answer, unless two languages read it oppositely.
      const readings = new Set<SurveyAnswer>();
      for (const words of surveyWords.values())
        for (const answer of ["yes", "no"] as const) if (answersIn(words, answer)) readings.add(answer);
      return readings.size === 1 ? [...readings][0] : undefined;
    },
  };
}

const normalizedSet = (words: readonly string[]) => new Set(words.map(normalizeKeyword));

/** A shared table no caller may change under the others. */
function deepFrozen<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (typeof inner === "object" && inner !== null) deepFrozen(inner);
  return Object.freeze(value);
}

const KINDS: readonly ControlKeywordKind[] = ["human", "bot", "cancel", "callback", "wait"];

function isComplete(keywords: Partial<KeywordsConfig[string]>): keywords is KeywordsConfig[string] {
  return KINDS.every((kind) => (keywords[kind]?.length ?? 0) > 0);
}

/**
 * The keyword table routing/customer-keywords.ts matches against, in priority order: the
 * conversation's language, the config's languages, then (language unknown) every other language.
 * A word already taken by an earlier language is dropped from later ones, so "the first language
 * that has it" decides its meaning, never the order of kinds.
 */
function keywordsFor(configured: KeywordsConfig, byCode: ReadonlyMap<string, LanguageReplies>, code: string | undefined): KeywordsConfig {
  const fromFiles = (language: string) => byCode.get(language)?.keywords;
  const merged = (language: string): KeywordsConfig[string] | undefined => {
    const own = configured[language];
    const file = fromFiles(language);
    if (!own || !file) return own ?? file;
    return Object.fromEntries(KINDS.map((kind) => [kind, [...new Set([...own[kind], ...file[kind]])]])) as KeywordsConfig[string];
  };
  const order = [
    ...(code !== undefined ? [code] : []),
    ...Object.keys(configured),
    ...(code === undefined ? [...byCode.keys()] : []),
  ].filter((language, i, all) => all.indexOf(language) === i);

  const taken = new Set<string>();
  const table: KeywordsConfig = {};
  for (const language of order) {
    const words = merged(language);
    if (!words) continue;
    table[language] = Object.fromEntries(
      KINDS.map((kind) => [kind, words[kind].filter((word) => !taken.has(normalizeKeyword(word)))]),
    ) as KeywordsConfig[string];
    for (const kind of KINDS) for (const word of words[kind]) taken.add(normalizeKeyword(word));
  }
  return table;
}

/** What the engine needs of languages, from the shipped data/languages and the config: see CustomerLanguages. */
export function loadCustomerLanguages(config: CustomerRepliesOptions["config"]): CustomerLanguages {
  return { replies: loadCustomerReplies({ config }), identify: identifyLanguage };
}
