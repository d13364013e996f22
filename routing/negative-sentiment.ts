import { normalizeText, tokenise } from "./text-normalize.js";

/**
 * Is the customer upset enough that a person should step in? Tuned on Bitext's first messages,
 * where "help me change the damn address" is an ordinary request: profanity alone, or the
 * assistant's negative score alone (which profanity drags down), is not enough. It takes an
 * emotion marker backed by something else, a "this is the third time" complaint, or negativity
 * that carries on across turns.
 */

const PROFANITY = new Set([
  "damn",
  "damned",
  "dammit",
  "goddamn",
  "goddamned",
  "goddam",
  "bloody",
  "fuck",
  "fucking",
  "fucked",
  "fuckin",
  "fck",
  "fcking",
  "shit",
  "shitty",
  "bullshit",
  "crap",
  "crappy",
  "wtf",
  "ffs",
  "hell",
  "ass",
  "arse",
  "asshole",
  "bastard",
  "bastards",
  "bitch",
  "bollocks",
  "bugger",
  "piss",
  "mierda",
  "joder",
  "carajo",
  "puta",
  "cono",
  "merde",
  "putain",
  "bordel",
  "scheisse",
  "scheiss",
  "verdammt",
  "merda",
  "porra",
  "caralho",
  "cazzo",
  "vaffanculo",
  "kut",
  "godverdomme",
  "klote",
]);

/** Words of strong emotion, in the seven languages. */
const ANGER_WORDS = new Set([
  "furious",
  "angry",
  "livid",
  "outraged",
  "pissed",
  "fuming",
  "disgusted",
  "disgusting",
  "appalled",
  "appalling",
  "unacceptable",
  "ridiculous",
  "outrageous",
  "pathetic",
  "useless",
  "incompetent",
  "worst",
  "terrible",
  "horrible",
  "awful",
  "scam",
  "scammed",
  "ripoff",
  "shameful",
  "disgrace",
  "disgraceful",
  "frustrated",
  "frustrating",
  "infuriating",
  "hate",
  "annoyed",
  "harto",
  "harta",
  "furioso",
  "furiosa",
  "inaceptable",
  "verguenza",
  "estafa",
  "indignado",
  "inadmissible",
  "scandaleux",
  "scandale",
  "furieux",
  "furieuse",
  "inacceptable",
  "honteux",
  "honte",
  "arnaque",
  "wutend",
  "sauer",
  "unverschamt",
  "inakzeptabel",
  "frechheit",
  "betrug",
  "absurdo",
  "ridiculo",
  "revoltado",
  "inaceitavel",
  "arrabbiato",
  "arrabbiata",
  "inaccettabile",
  "vergogna",
  "assurdo",
  "schifo",
  "woedend",
  "belachelijk",
  "schandalig",
  "onacceptabel",
]);
const ANGER_PHRASES = [
  "fed up",
  "sick of",
  "sick and tired",
  "had enough",
  "waste of time",
  "rip off",
  "a joke",
  "never again",
  "lost patience",
  "so frustrated",
  "en colere",
  "j en ai marre",
  "en ai marre",
  "die nase voll",
  "estoy harto",
  "cansado de",
  "ne ho abbastanza",
];

/** "This is the third time", "still not here", "I already told you": the customer is going round in circles. */
const REPETITION_PATTERNS: readonly RegExp[] = [
  /\b(second|third|fourth|fifth|2nd|3rd|4th|5th|umpteenth|nth|hundredth|millionth) time\b(?! (i|we) (order|buy|bought|purchas|shop|use))/,
  /\bhow many (more )?times\b/,
  /\b(asked|told|called|contacted|written|wrote|emailed|messaged|explained|tried|said|chased)\b.{0,40}\b(\d+|several|multiple|many|three|four|five|ten|countless) times\b/,
  /\bstill (not|no|nothing|havent|hasnt|haven t|hasn t|dont|doesnt|didnt|cant|isnt|wont|waiting|broken|missing|no sign)\b/,
  /\b(yet again|once again|again and again|over and over|not again)\b/,
  /\bkeep (asking|telling|getting|saying|sending|waiting)\b/,
  /\balready (told|asked|explained|said|sent|contacted|called|gave|given|provided|written|wrote|answered)\b/,
  /\bagain\s*!/,
  /\b(otra vez|sigue sin|todavia no|encore une fois|toujours pas|schon wieder|immer noch nicht|ainda nao|de novo|ancora non|di nuovo|nog steeds niet|alweer)\b/,
  /\b(tercera vez|troisieme fois|dritte mal|terceira vez|terza volta|derde keer)\b/,
];

const SHOUT_MIN_LETTERS = 12;
const SHOUT_UPPER_SHARE = 0.7;
const SHOUT_MIN_WORDS = 3;
/** Only recent turns count towards sustained negativity; an old outburst has passed. */
const SUSTAINED_WINDOW = 3;
/** Two anger words in one message need no backing ("unacceptable, I'm furious"). */
const ANGER_WORDS_ON_THEIR_OWN = 2;

export interface NegativityMarkers {
  profanity: string[];
  anger: string[];
  repetition?: string;
  shouting: boolean;
}

export function findNegativityMarkers(text: string): NegativityMarkers {
  const tokens = tokenise(text);
  const spaced = ` ${tokens.join(" ")} `;
  const flat = normalizeText(text)
    .replace(/'/g, "")
    .replace(/[^\p{L}\p{N}!?]+/gu, " ");
  const letters = text.replace(/[^\p{L}]/gu, "");
  const upper = letters.replace(/[^\p{Lu}]/gu, "").length;
  const shouting =
    (letters.length >= SHOUT_MIN_LETTERS && upper / letters.length >= SHOUT_UPPER_SHARE && tokens.length >= SHOUT_MIN_WORDS) ||
    /!{3,}|\?!|!\?/.test(text);
  const repetition = REPETITION_PATTERNS.map((pattern) => pattern.exec(flat)?.[0]).find((match) => match !== undefined);
  return {
    profanity: tokens.filter((token) => PROFANITY.has(token)),
    anger: [...tokens.filter((token) => ANGER_WORDS.has(token)), ...ANGER_PHRASES.filter((phrase) => spaced.includes(` ${phrase} `))],
    ...(repetition !== undefined ? { repetition: repetition.trim() } : {}),
    shouting,
  };
}

function isMarked(markers: NegativityMarkers): boolean {
  return markers.profanity.length > 0 || markers.anger.length > 0 || markers.shouting || markers.repetition !== undefined;
}

export interface NegativeSentimentInput {
  text: string;
  /** The assistant's score, -1..1. */
  sentiment: number;
  /** Earlier customer messages, oldest first. */
  previousCustomerTexts: readonly string[];
  /** policy.negativeSentimentThreshold */
  threshold: number;
}

/** Returns the sentence for the card when the customer is upset enough to hand over. */
export function detectNegativeSentiment(input: NegativeSentimentInput): string | undefined {
  const markers = findNegativityMarkers(input.text);
  const scoredNegative = input.sentiment <= input.threshold;
  if (markers.repetition !== undefined) {
    return `Customer is frustrated at repeating themselves ("${markers.repetition}").`;
  }
  const emotion = markers.anger.length > 0 || markers.shouting;
  const backed =
    markers.profanity.length > 0 ||
    scoredNegative ||
    (markers.anger.length > 0 && markers.shouting) ||
    markers.anger.length >= ANGER_WORDS_ON_THEIR_OWN;
  if (emotion && backed) {
    const words = [...markers.anger, ...markers.profanity].slice(0, 3).map((word) => `"${word}"`);
    const shouted = markers.shouting ? "shouting" : "";
    return `Customer is angry (${[...words, shouted].filter(Boolean).join(", ")}).`;
  }
  const currentNegative = scoredNegative || markers.profanity.length > 0 || emotion;
  const earlierNegative = input.previousCustomerTexts
    .slice(-SUSTAINED_WINDOW)
    .filter((text) => isMarked(findNegativityMarkers(text))).length;
  if (currentNegative && earlierNegative > 0) {
    const turns = earlierNegative + 1;
    return `Customer has sounded upset in ${turns} of their last ${Math.min(input.previousCustomerTexts.length, SUSTAINED_WINDOW) + 1} messages${scoredNegative ? ` (sentiment ${input.sentiment.toFixed(2)})` : ""}.`;
  }
  return undefined;
}
