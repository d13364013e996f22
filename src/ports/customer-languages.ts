import type { KeywordsConfig, WarmlineConfig } from "../config/schema.js";
import type { CustomerLanguage } from "../domain/conversation.js";

/**
 * Port: what the engine needs to talk to a customer in their language: what Warmline says in each
 * (src/languages/customer-replies.ts reads data/languages/<code>/replies.json and the config) and
 * which language a message is written in (src/languages/identify-language.ts).
 */

export type MessageKey = keyof WarmlineConfig["messages"];
export type ControlKeywordKind = keyof KeywordsConfig[string];
export type SurveyAnswer = "yes" | "no";

/** A conversation's language as identified: the code, and the script the customer writes it in. */
export interface ReplyLanguage {
  code: string;
  script?: string;
}

export interface CustomerReplies {
  /** Codes with a replies.json or a config override. */
  readonly languages: readonly string[];
  /** The template for `key` in the customer's language (romanized variant when they write in Latin script), else English. */
  template(key: MessageKey, language?: ReplyLanguage): string;
  /**
   * Control keywords to match for a conversation in `code` (undefined: not known yet). Its own
   * language's words come first and win over another language's use of the same word; the
   * config's languages always count; other languages' words only while the language is unknown.
   */
  keywordsFor(code?: string): KeywordsConfig;
  /** The word to show for `kind` in a message to a customer writing `code`: its own first word, else the config's first language's. */
  keyword(kind: ControlKeywordKind, code?: string): string;
  /** YES or NO to the survey, in English or the customer's language (any language's, when unknown). */
  surveyAnswer(text: string, code?: string): SurveyAnswer | undefined;
}

export interface CustomerLanguages {
  replies: CustomerReplies;
  /** The message's language when it can tell; `previous` (the conversation's) settles a close call. */
  identify(text: string, hints?: { previous?: string }): (CustomerLanguage & { confidence: number }) | undefined;
}
