// node --import tsx scripts/measure-language-intents.ts
// Intent accuracy in the languages with data/languages/<code>/intents.csv, by 5-fold cross-validation
// (each example is predicted by a model that never saw it), for the ways the assistant could learn them:
// one NLP.js model per language (prefix stems of 5 or 6 letters, or whole words), one model for all
// those languages together (the one chosen: src/assistant/language-intents.ts), and today's English
// model alone. Also the training time per language. (40 or 500 training epochs gave the same figures.)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCorpus, type CorpusExample } from "../src/assistant/corpus.js";
import {
  NONE_INTENT,
  trainIntentModel,
  type IntentModel,
  type IntentModelOptions,
  type IntentScore,
} from "../src/assistant/intent-model.js";
import { classifyInLanguage, OTHER_LANGUAGES_MIN_CONFIDENCE } from "../src/assistant/language-intents.js";
import { loadConfigFile } from "../src/config/load-config.js";
import { SHIPPED_CONFIG_FILE } from "../src/paths.js";
import { DEFAULT_CONFIDENCE_THRESHOLD } from "../src/assistant/offline-assistant.js";
import { DEFAULT_CORPUS_FILE } from "../src/assistant/paths.js";
import { identifyLanguage } from "../src/languages/identify-language.js";
import { LANGUAGES_DIR, loadLanguageCatalog } from "../src/languages/language-catalog.js";

const FOLDS = 5;
/** As the assistant: below this confidence the answer is "none". */
const THRESHOLD = DEFAULT_CONFIDENCE_THRESHOLD;

const languages: { code: string; examples: CorpusExample[] }[] = [];
for (const { code } of loadLanguageCatalog()) {
  const file = join(LANGUAGES_DIR, code, "intents.csv");
  if (existsSync(file)) languages.push({ code, examples: await loadCorpus(file) });
}

/** Stratified folds: each intent's examples dealt round-robin, so every fold has every intent. */
function foldOf(examples: readonly CorpusExample[]): number[] {
  const seen = new Map<string, number>();
  return examples.map((example) => {
    const index = seen.get(example.intent) ?? 0;
    seen.set(example.intent, index + 1);
    return index % FOLDS;
  });
}

async function predict(classify: (text: string) => Promise<IntentScore[]>, text: string): Promise<string> {
  const [top] = await classify(text);
  return top && top.score >= THRESHOLD ? top.intent : NONE_INTENT;
}

async function score(model: IntentModel, tests: readonly CorpusExample[]): Promise<number> {
  let right = 0;
  for (const example of tests) if ((await predict((text) => model.classify(text), example.text)) === example.intent) right += 1;
  return right;
}

type Method = { name: string; run(fold: number): Promise<Map<string, number>> };
const folds = new Map(languages.map(({ code, examples }) => [code, foldOf(examples)]));
const testsOf = (code: string, fold: number) =>
  languages.find((l) => l.code === code)!.examples.filter((_, i) => folds.get(code)![i] === fold);
const trainOf = (code: string, fold: number) =>
  languages.find((l) => l.code === code)!.examples.filter((_, i) => folds.get(code)![i] !== fold);

const perLanguage = (name: string, options: IntentModelOptions): Method => ({
  name,
  async run(fold) {
    const right = new Map<string, number>();
    for (const { code } of languages) {
      const model = await trainIntentModel(trainOf(code, fold), { ...options, language: code });
      right.set(code, await score(model, testsOf(code, fold)));
    }
    return right;
  },
});

const english = await trainIntentModel(await loadCorpus(DEFAULT_CORPUS_FILE));
const withData = new Set(languages.map((l) => l.code));
const catalog = loadLanguageCatalog();
/** The assistant's own routing (classifyInLanguage): the message's identified language picks the model. */
const asTheAssistantRoutes =
  (multi: IntentModel): Route =>
  (text) => {
    const others = {
      languages: new Set([...withData, ...catalog.flatMap((l) => (withData.has(l.code) && l.detectedAs ? [l.detectedAs] : []))]),
      examples: [],
      unknownIntents: [],
      model: async () => multi,
    };
    return classifyInLanguage(text, { english, others, identify: identifyLanguage, threshold: THRESHOLD });
  };

const methods: Method[] = [
  perLanguage("per language, 6-letter stems", { prefixStemLength: 6 }),
  perLanguage("per language, 5-letter stems", { prefixStemLength: 5 }),
  perLanguage("per language, whole words", { prefixStemLength: 0 }),
  multilingual("one model for all these languages, 6-letter stems", { prefixStemLength: 6 }),
  multilingual("one model for all these languages, 5-letter stems (chosen)", { prefixStemLength: 5 }),
  multilingual(
    "the assistant: the chosen model for messages identified as these languages, else English",
    { prefixStemLength: 5 },
    asTheAssistantRoutes,
  ),
];

type Route = (text: string) => Promise<IntentScore[]>;
function multilingual(name: string, options: IntentModelOptions, route?: (multi: IntentModel) => Route): Method {
  return {
    name,
    async run(fold) {
      const multi = await trainIntentModel(
        languages.flatMap(({ code }) => trainOf(code, fold)),
        { ...options, language: "mul" },
      );
      const classify = route?.(multi) ?? ((text: string) => multi.classify(text));
      const right = new Map<string, number>();
      for (const { code } of languages) {
        let count = 0;
        for (const example of testsOf(code, fold)) if ((await predict(classify, example.text)) === example.intent) count += 1;
        right.set(code, count);
      }
      return right;
    },
  };
}

const table = new Map<string, Map<string, number>>();
for (const method of methods) {
  const total = new Map<string, number>();
  for (let fold = 0; fold < FOLDS; fold += 1)
    for (const [code, right] of await method.run(fold)) total.set(code, (total.get(code) ?? 0) + right);
  table.set(method.name, total);
}
const englishRight = new Map<string, number>();
for (const { code, examples } of languages) englishRight.set(code, await score(english, examples));
table.set("today's English model alone", englishRight);

const trainMs = new Map<string, number>();
for (const { code, examples } of languages) {
  const started = performance.now();
  await trainIntentModel(examples, { language: code });
  trainMs.set(code, performance.now() - started);
}

const codes = languages.map((l) => l.code);
const sizes = new Map(languages.map((l) => [l.code, l.examples.length]));
console.log(`Intent accuracy, ${FOLDS}-fold cross-validation, confidence threshold ${THRESHOLD} (below it: none)\n`);
console.log(`| method | ${codes.join(" | ")} | all |`);
console.log(`|---|${codes.map(() => "---").join("|")}|---|`);
const all = [...sizes.values()].reduce((a, b) => a + b, 0);
for (const [name, right] of table) {
  const sum = [...right.values()].reduce((a, b) => a + b, 0);
  console.log(
    `| ${name} | ${codes.map((code) => (right.get(code)! / sizes.get(code)!).toFixed(2)).join(" | ")} | ${(sum / all).toFixed(2)} |`,
  );
}
console.log(`| examples | ${codes.map((code) => sizes.get(code)).join(" | ")} | ${all} |`);
console.log(`| training ms (all examples) | ${codes.map((code) => trainMs.get(code)!.toFixed(0)).join(" | ")} | |`);

// Plain in-domain questions (scripts/language-intents-plain.tsv) read as an intent the shipped policy escalates.
const config = loadConfigFile(SHIPPED_CONFIG_FILE);
const escalating = new Set([...config.policy.priorityIntents, ...config.policy.alwaysHumanIntents]);
const plain = readFileSync(join(import.meta.dirname, "language-intents-plain.tsv"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.startsWith("#"))
  .map((line) => line.split("\t")[1]!);
const everything = await trainIntentModel(
  languages.flatMap((l) => l.examples),
  { language: "mul" },
);
const readAsEscalating = async (classify: (text: string) => Promise<IntentScore[]>) => {
  let count = 0;
  for (const text of plain) {
    const [top] = await classify(text);
    if (top && top.score >= THRESHOLD && escalating.has(top.intent)) count += 1;
  }
  return `${count} of ${plain.length}`;
};
console.log(`\nPlain questions read as an escalating intent (${[...escalating].join(", ")}):`);
console.log(
  `- the multilingual model at the assistant's threshold ${THRESHOLD}: ${await readAsEscalating((text) => everything.classify(text))}`,
);
console.log(
  `- as the assistant routes, its answers confident from ${OTHER_LANGUAGES_MIN_CONFIDENCE}: ${await readAsEscalating(asTheAssistantRoutes(everything))}`,
);
