import { editDistance, isFuzzyMatch, normalizeText, tokenise } from "./text-normalize.js";

/**
 * Does the customer ask for a person? Detected on the first ask, in any phrasing, with typos and
 * in the common European languages. A person word alone is not enough ("the delivery person
 * was rude"): it needs a contact verb before it ("talk to someone"), a want word ("I need an
 * agent"), or to be nearly the whole message ("real persn", "humano por favor").
 */

/**
 * Words that can only mean a human helper. English ones are fuzzy-matched for typos; the others
 * match exactly (after accent folding), because one edit turns "jemand" into "demand".
 */
const STRONG_HUMAN_WORDS_FUZZY = [
  "human",
  "humans",
  "agent",
  "agents",
  "representative",
  "representatives",
  "operator",
  "supervisor",
  "manager",
];
const STRONG_HUMAN_WORDS_EXACT = [
  "rep",
  "staff",
  "humano",
  "humana",
  "humain",
  "humaine",
  "mensch",
  "menschen",
  "umano",
  "agente",
  "representante",
  "operador",
  "operatore",
  "operatrice",
  "operateur",
  "asesor",
  "asesora",
  "conseiller",
  "conseillere",
  "mitarbeiter",
  "mitarbeiterin",
  "berater",
  "beraterin",
  "atendente",
  "medewerker",
];

/** Words that name a helper only next to a contact verb ("talk to someone", not "send it to someone"). */
const WEAK_HUMAN_WORDS_FUZZY = ["person", "someone", "somebody", "anyone", "anybody", "assistant"];
const WEAK_HUMAN_WORDS_EXACT = [
  "people",
  "persona",
  "personne",
  "persoon",
  "pessoa",
  "alguien",
  "alguem",
  "qualcuno",
  "jemand",
  "jemanden",
  "jemandem",
  "iemand",
  "quelquun",
  "asistente",
  "assistente",
  "support",
  "team",
];
/** Weak words that only a contact verb makes a request: "need support" is usually "need help". */
const CONTACT_ONLY_WORDS = new Set(["support", "team"]);
/** "a person I can talk to": a weak word followed by a modal and a contact verb. */
const MODALS = new Set(["can", "could", "may", "might", "puedo", "pueda", "peux", "puisse", "kann", "konnte", "posso", "possa", "kan"]);

/** Multi-word names of the support team, as [first word, second words]; fuzzy, so "customer sevrice" counts. */
const SERVICE_PHRASES: readonly (readonly [string, readonly string[]])[] = [
  ["customer", ["service", "services", "support", "care", "assistance", "desk"]],
  ["support", ["team", "desk", "staff"]],
  ["service", ["team", "desk", "client", "clientele", "clients"]],
  ["help", ["desk", "line"]],
  ["call", ["center", "centre"]],
  ["servicio", ["cliente", "clientes"]],
  ["atencion", ["cliente"]],
  ["servizio", ["clienti"]],
  ["assistenza", ["clienti"]],
];
/** The same names written as one word. */
const SERVICE_WORDS = [
  "customerservice",
  "customersupport",
  "helpdesk",
  "kundendienst",
  "kundenservice",
  "atendimento",
  "klantenservice",
  "kundensupport",
];
/** Filler allowed between the two words of a service phrase ("atencion al cliente", "service a la clientele"). */
const SERVICE_LINKS = new Set(["al", "a", "la", "du", "de", "do", "ao"]);
/** Words that make "customer service" a contact request on their own ("what hours is customer service available"). */
const SERVICE_CONTACT_CUES = new Set([
  "hours",
  "hour",
  "time",
  "available",
  "open",
  "number",
  "phone",
  "email",
  "mail",
  "e",
  "reach",
  "touch",
  "horario",
  "horaire",
  "telefono",
  "numero",
]);

/** Dutch "mens" is also English "men's": only "een mens" / "echte mens" count. */
const DUTCH_MENS_LEADS = new Set(["een", "echt", "echte"]);

/** Contact verbs; 4-letter ones allow one typo too ("taok to an agent") because a human word must follow. */
const CONTACT_VERB = new RegExp(
  "^(talk|speak|spoke|chat|contact|reach|call|connect|transfer|escalat|phone|email|mail|" +
    "hablar|habla|comunic|contactar|pasame|llamar|parler|parle|contacter|joindre|passe|appeler|" +
    "sprechen|reden|kontaktier|verbind|anrufen|falar|fala|conversar|contatar|ligar|parlar|contattar|chiamar|" +
    "spreken|praten|bellen)",
);
const FUZZY_CONTACT_VERBS = ["talk", "speak", "contact", "connect"];

/** Want/need words in the seven languages; a strong human word after one of these is a request. */
const WANT_WORDS = new Set([
  "want",
  "wanna",
  "need",
  "needs",
  "give",
  "get",
  "like",
  "request",
  "prefer",
  "demand",
  "please",
  "pls",
  "plz",
  "quiero",
  "quisiera",
  "necesito",
  "dame",
  "veux",
  "voudrais",
  "besoin",
  "mochte",
  "moechte",
  "will",
  "brauche",
  "quero",
  "queria",
  "preciso",
  "voglio",
  "vorrei",
  "bisogno",
  "wil",
  "wens",
  "graag",
]);

/** Tokens that don't count as content when deciding whether a message is "just" a person word. */
const FILLER_WORDS = new Set([
  "a",
  "an",
  "the",
  "one",
  "some",
  "please",
  "pls",
  "plz",
  "now",
  "asap",
  "hi",
  "hello",
  "hey",
  "just",
  "me",
  "un",
  "una",
  "uno",
  "une",
  "ein",
  "eine",
  "einen",
  "een",
  "um",
  "uma",
  "por",
  "favor",
  "svp",
  "stp",
  "bitte",
  "per",
  "alstublieft",
  "aub",
  "graag",
  "to",
  "with",
  "talk",
  "speak",
  "i",
  "want",
  "need",
  "quiero",
  "ok",
]);

/** Adjectives that turn a weak person word into a request ("real persn", "live person", "echte Person"). */
const REAL_WORDS = new Set(["real", "live", "actual", "proper", "echte", "echten", "echter", "vraie", "verdadera", "vera", "de", "verdad"]);

const BOT_WORDS = new Set(["bot", "bots", "robot", "robots", "chatbot", "machine", "maquina", "roboter", "automated"]);
const REJECT_WORDS = new Set(["not", "no", "stop", "hate", "enough", "tired", "sick", "dont", "nao", "pas", "kein", "keinen", "geen"]);
const NEGATED_WANTS = new Set(["dont", "not", "no", "never"]);

/** How far back a contact verb may stand from the person word ("talk with a real live person"). */
const CONTACT_WINDOW = 6;
/** "someone I can talk to", "un humano con quien hablar": a verb shortly after a strong word. */
const CONTACT_AFTER_WINDOW = 4;
const WANT_WINDOW = 4;
const WEAK_WANT_WINDOW = 2;
const SHORT_MESSAGE_CONTENT_WORDS = 2;

export interface HumanRequestWords {
  /** Extra phrases (config policy.humanRequestPhrases); a substring match is a request. */
  phrases?: readonly string[];
  /** Extra words for a person (config policy.humanWords), treated as strong human words. */
  words?: readonly string[];
}

export interface HumanRequestMatch {
  /** The words that made it a request, for the card ("talk to a real persn"). */
  phrase: string;
}

type HumanWordKind = "strong" | "weak";

function humanWordKind(token: string, extraWords: readonly string[]): HumanWordKind | undefined {
  if (extraWords.includes(token) || STRONG_HUMAN_WORDS_EXACT.includes(token)) return "strong";
  if (STRONG_HUMAN_WORDS_FUZZY.some((word) => isFuzzyMatch(token, word))) return "strong";
  if (WEAK_HUMAN_WORDS_EXACT.includes(token) || WEAK_HUMAN_WORDS_FUZZY.some((word) => isFuzzyMatch(token, word))) return "weak";
  return undefined;
}

function isContactVerb(token: string): boolean {
  return CONTACT_VERB.test(token) || (token.length >= 4 && FUZZY_CONTACT_VERBS.some((verb) => editDistance(token, verb, 1) <= 1));
}

/** Splits glued prepositions ("tosomebody", "withan") when the rest is a person word. */
function splitGlued(tokens: string[], extraWords: readonly string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const glued = /^(to|with|an|a)(\p{L}{5,})$/u.exec(token);
    if (glued && humanWordKind(token, extraWords) === undefined && humanWordKind(glued[2]!, extraWords) !== undefined) {
      out.push(glued[1]!, glued[2]!);
    } else {
      out.push(token);
    }
  }
  return out;
}

/** Joins each service phrase into one marker token ("customer_sevrice") so it behaves like a strong human word. */
function markServicePhrases(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (SERVICE_WORDS.some((word) => isFuzzyMatch(token, word))) {
      out.push(`${token}_`);
      continue;
    }
    const phrase = SERVICE_PHRASES.find(([first]) => isFuzzyMatch(token, first));
    const link = SERVICE_LINKS.has(tokens[i + 1] ?? "") ? 1 : 0;
    const second = tokens[i + 1 + link];
    if (phrase && second !== undefined && phrase[1].some((word) => isFuzzyMatch(second, word))) {
      out.push(tokens.slice(i, i + 2 + link).join("_"));
      i += 1 + link;
      continue;
    }
    out.push(token);
  }
  return out;
}

function isNegatedWant(tokens: string[], from: number, to: number): boolean {
  for (let i = Math.max(0, from); i < to - 1; i++) {
    if (NEGATED_WANTS.has(tokens[i]!) && (tokens[i + 1] === "want" || tokens[i + 1] === "need")) return true;
  }
  return false;
}

function rejectsTheBot(tokens: string[]): number | undefined {
  for (let i = 0; i < tokens.length; i++) {
    if (!BOT_WORDS.has(tokens[i]!)) continue;
    for (let j = Math.max(0, i - 3); j < i; j++) if (REJECT_WORDS.has(tokens[j]!)) return j;
  }
  return undefined;
}

export function detectHumanRequest(text: string, extra: HumanRequestWords = {}): HumanRequestMatch | undefined {
  const normalized = normalizeText(text);
  for (const phrase of extra.phrases ?? []) {
    if (phrase.trim() !== "" && normalized.includes(normalizeText(phrase).trim())) return { phrase: phrase.trim() };
  }
  const extraWords = (extra.words ?? []).map((word) => normalizeText(word));
  const tokens = splitGlued(markServicePhrases(tokenise(text)), extraWords);
  const quote = (from: number, to: number) => ({
    phrase: tokens
      .slice(Math.max(0, from), to + 1)
      .join(" ")
      .replace(/_/g, " "),
  });

  const rejection = rejectsTheBot(tokens);
  if (rejection !== undefined) return quote(rejection, Math.min(tokens.length - 1, rejection + 3));

  const serviceCue = tokens.find((token) => SERVICE_CONTACT_CUES.has(token));
  const contentWords = tokens.filter((token) => !FILLER_WORDS.has(token) && !REAL_WORDS.has(token));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let kind: HumanWordKind | undefined = token.includes("_") ? "strong" : humanWordKind(token, extraWords);
    if (token === "mens" && i > 0 && DUTCH_MENS_LEADS.has(tokens[i - 1]!)) kind = "strong";
    if (kind === undefined) continue;
    if (kind === "weak" && i > 0 && REAL_WORDS.has(tokens[i - 1]!)) kind = "strong";
    if (isNegatedWant(tokens, i - WANT_WINDOW - 1, i)) continue;

    for (let j = i - 1; j >= Math.max(0, i - CONTACT_WINDOW); j--) {
      if (isContactVerb(tokens[j]!)) return quote(j, i);
    }
    for (let j = i + 1; j <= Math.min(tokens.length - 1, i + CONTACT_AFTER_WINDOW); j++) {
      const modalBetween = tokens.slice(i + 1, j).some((between) => MODALS.has(between));
      if (isContactVerb(tokens[j]!) && (kind === "strong" || modalBetween)) return quote(i, j);
    }
    if (CONTACT_ONLY_WORDS.has(token)) continue;
    const wantWindow = kind === "strong" ? WANT_WINDOW : WEAK_WANT_WINDOW;
    for (let j = i - 1; j >= Math.max(0, i - wantWindow); j--) {
      if (WANT_WORDS.has(tokens[j]!)) return quote(j, i);
    }
    if (token.includes("_") && serviceCue !== undefined) return { phrase: `${token.replace(/_/g, " ").trim()} ${serviceCue}` };
    if (kind === "strong" && contentWords.length <= SHORT_MESSAGE_CONTENT_WORDS) return quote(0, tokens.length - 1);
  }
  return undefined;
}
