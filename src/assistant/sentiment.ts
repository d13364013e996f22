import { MAX_CLASSIFY_CHARS } from "./text-normalizer.js";

/**
 * A small lexicon scorer, tuned for support messages rather than reviews: a swear word in an
 * otherwise ordinary request ("where's the damn invoice") is mildly negative, while anger words
 * piled up ("this is fucking ridiculous, worst service ever") go strongly negative.
 */
const LEXICON: Record<string, number> = {
  // positive
  thanks: 2,
  thank: 2,
  great: 3,
  good: 2,
  excellent: 4,
  amazing: 4,
  awesome: 4,
  perfect: 3,
  love: 3,
  lovely: 3,
  happy: 3,
  glad: 2,
  helpful: 2,
  appreciate: 2,
  wonderful: 4,
  fantastic: 4,
  brilliant: 4,
  nice: 2,
  pleased: 3,
  satisfied: 2,
  super: 3,
  cool: 1,
  fine: 1,
  best: 3,
  quick: 1,
  fast: 1,
  easy: 1,
  kind: 2,
  resolved: 2,
  works: 1,
  excited: 3,
  // negative
  bad: -2,
  poor: -2,
  terrible: -4,
  awful: -4,
  horrible: -4,
  worst: -4,
  hate: -4,
  angry: -3,
  furious: -4,
  annoyed: -2,
  annoying: -2,
  frustrated: -3,
  frustrating: -3,
  disappointed: -3,
  disappointing: -3,
  unhappy: -3,
  upset: -2,
  useless: -3,
  ridiculous: -3,
  unacceptable: -4,
  disgusting: -4,
  disgusted: -4,
  disgrace: -4,
  pathetic: -4,
  incompetent: -4,
  scam: -4,
  fraud: -4,
  liar: -4,
  liars: -4,
  lied: -3,
  stolen: -3,
  broken: -2,
  damaged: -2,
  faulty: -2,
  wrong: -1,
  late: -1,
  delayed: -1,
  never: -1,
  missing: -1,
  problem: -1,
  issue: -1,
  error: -1,
  fail: -2,
  failed: -2,
  failing: -2,
  complaint: -2,
  complain: -2,
  sick: -2,
  tired: -1,
  fed: -1,
  rubbish: -3,
  garbage: -3,
  joke: -2,
  nightmare: -4,
  outrageous: -4,
  shocking: -3,
  sucks: -3,
  stupid: -3,
  idiot: -4,
  idiots: -4,
  waste: -2,
  waiting: -1,
  ignored: -3,
  rude: -3,
  dissatisfied: -3,
  lousy: -3,
  mess: -2,
  worse: -3,
  sad: -2,
  afraid: -2,
  worried: -2,
  // profanity: strong words strongly negative, mild ones mildly
  fuck: -4,
  fucking: -3,
  fucked: -4,
  fuckin: -3,
  shit: -3,
  shitty: -4,
  bullshit: -4,
  crap: -3,
  crappy: -3,
  wtf: -3,
  damn: -1.5,
  goddamn: -2,
  bloody: -1.5,
  hell: -1.5,
  bastard: -4,
  bastards: -4,
  asshole: -4,
  assholes: -4,
  dick: -3,
  piss: -3,
  pissed: -3,
  screw: -2,
  screwed: -3,
};
const INTENSIFIERS: Record<string, number> = {
  very: 1.5,
  really: 1.5,
  so: 1.4,
  extremely: 2,
  totally: 1.5,
  absolutely: 1.7,
  completely: 1.5,
  too: 1.3,
  utterly: 2,
  terribly: 1.8,
};
const NEGATORS = new Set([
  "not",
  "no",
  "never",
  "dont",
  "don't",
  "didnt",
  "didn't",
  "isnt",
  "isn't",
  "wasnt",
  "wasn't",
  "cant",
  "can't",
  "cannot",
  "wont",
  "won't",
  "nothing",
  "hardly",
]);
/** Sum at which the score reaches 0.5: one "terrible" is clearly negative, a pile of them near -1. */
const HALF_SCALE = 4;

/** Sentiment of a message, -1 (very negative) .. 1 (very positive); neutral questions score 0. Never throws. */
export function scoreSentiment(rawText: string): number {
  const text = rawText.slice(0, MAX_CLASSIFY_CHARS);
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  let sum = 0;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!.replace(/^'+|'+$/g, "");
    const base = LEXICON[word];
    if (base === undefined) continue;
    let value = base;
    const previous = words[i - 1];
    const beforePrevious = words[i - 2];
    if (previous && INTENSIFIERS[previous]) value *= INTENSIFIERS[previous];
    // "not good" turns mildly negative; "not bad" mildly positive (negation weakens as well as flips).
    if ((previous && NEGATORS.has(previous)) || (beforePrevious && NEGATORS.has(beforePrevious) && previous && INTENSIFIERS[previous])) {
      value = -value * 0.5;
    }
    sum += value;
  }
  // Shouting and repeated exclamation marks amplify whatever the words say.
  const letters = text.replace(/[^A-Za-z]/g, "");
  const shouting = letters.length >= 8 && letters === letters.toUpperCase();
  if (sum !== 0 && (shouting || /!{2,}/.test(text))) sum *= 1.5;
  if (sum === 0) return 0;
  const score = sum / (Math.abs(sum) + HALF_SCALE);
  return Math.round(score * 1000) / 1000;
}
