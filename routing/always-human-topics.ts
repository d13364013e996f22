import { normalizeText } from "./text-normalize.js";

/** Endings a topic phrase may carry ("complain" → "complaint", "complained"; "lawyer" → "lawyers"). */
const INFLECTION = "(?:s|es|ed|d|ing|t|ts)?";

export interface TopicMatch {
  topic: string;
  phrase: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

type CompiledTopics = { topic: string; phrase: string; pattern: RegExp }[];
/** Patterns are built once per topics object (the config), not once per message. */
const compiled = new WeakMap<object, CompiledTopics>();

function compile(topics: Readonly<Record<string, readonly string[]>>): CompiledTopics {
  let patterns = compiled.get(topics);
  if (!patterns) {
    patterns = Object.entries(topics).flatMap(([topic, phrases]) =>
      phrases.flatMap((phrase) => {
        const words = normalizeText(phrase)
          .replace(/'/g, "")
          .split(/[^\p{L}\p{N}]+/u)
          .filter(Boolean);
        return words.length === 0
          ? []
          : [{ topic, phrase, pattern: new RegExp(` ${words.map(escapeRegExp).join(" ")}${INFLECTION} `, "u") }];
      }),
    );
    compiled.set(topics, patterns);
  }
  return patterns;
}

/** First always-human topic (config policy.alwaysHumanTopics) whose phrase appears as whole words. */
export function matchAlwaysHumanTopic(text: string, topics: Readonly<Record<string, readonly string[]>>): TopicMatch | undefined {
  const flat = ` ${normalizeText(text)
    .replace(/'/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  const hit = compile(topics).find(({ pattern }) => pattern.test(flat));
  return hit ? { topic: hit.topic, phrase: hit.phrase } : undefined;
}
