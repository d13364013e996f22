import { tokenise } from "./text-normalize.js";

/**
 * How close two customer messages are in meaning, 0..1, for spotting a customer who keeps asking
 * for the same thing in different words. Normalize, tokenise, drop stop words, stem lightly, fold
 * a few domain synonyms into one concept ("parcel" → order, "arrive" → track), then combine a
 * weighted token overlap (meaning) with character-trigram overlap (typos: "oder" ≈ "order").
 */

const STOP_WORDS = new Set(
  (
    "a an the and or but if of to in on at by for with from about into over after before up down out off again " +
    "i me my mine im ive id you your yours u ur ya we us our it its this that these those there here is are was were be been being " +
    "am do does did done doing have has had having get got getting can could would should will shall may might must " +
    "what which who whom why how whats hows wanna gonna gotta let lets please pls plz just so very too also now yet still " +
    "back help assist assistance need want like know tell show see look check trying try able some any one thing something " +
    "hi hello hey thanks thank ok okay yes no not dont cant wont doesnt didnt isnt hasnt havent arent wasnt " +
    "el la los las un una de del que en y o mi me por para con le les des du et est je mon ma mes pour der die das und ich mein " +
    "ein eine o os as um uma do da meu minha il lo gli di e per het een ik mijn van"
  ).split(" "),
);

/** Concept → words: different words for the same need. Applied after stemming. */
const SYNONYM_GROUPS: Record<string, readonly string[]> = {
  order: [
    "order",
    "purchase",
    "package",
    "parcel",
    "item",
    "shipment",
    "product",
    "article",
    "stuff",
    "pedido",
    "commande",
    "bestellung",
    "encomenda",
    "ordine",
    "bestelling",
  ],
  track: [
    "where",
    "when",
    "track",
    "status",
    "arrive",
    "come",
    "coming",
    "eta",
    "locate",
    "location",
    "deliver",
    "delivery",
    "ship",
    "late",
    "wait",
    "waiting",
    "receive",
    "received",
    "lost",
    "missing",
    "donde",
    "ou",
    "wo",
    "onde",
    "dove",
    "waar",
  ],
  refund: [
    "refund",
    "reimburse",
    "reimbursement",
    "rebate",
    "restitution",
    "repay",
    "money",
    "reembolso",
    "remboursement",
    "erstattung",
    "rimborso",
    "terugbetaling",
  ],
  cancel: ["cancel", "cancellation", "annul", "cancelar", "annuler", "stornieren", "annullare", "annuleren"],
  change: ["change", "modify", "edit", "update", "correct", "swap", "switch", "amend", "replace"],
  account: ["account", "profile", "user", "cuenta", "compte", "konto", "conta"],
  recover: ["reset", "forgot", "forget", "recover", "restore", "retrieve", "unlock"],
  password: ["password", "pin", "key", "pass", "login", "log", "signin", "credential"],
  invoice: ["invoice", "bill", "receipt", "factura", "facture", "rechnung", "fattura", "factuur"],
  payment: ["pay", "payment", "paid", "charge", "card", "pago", "paiement", "zahlung", "pagamento", "betaling"],
  problem: ["problem", "issue", "error", "trouble", "wrong", "broken", "fail", "failure", "work"],
};

/** Concepts so common in a shop's conversations that sharing them alone says little. */
const GENERIC_CONCEPTS = new Set(["order", "account"]);
const GENERIC_WEIGHT = 0.5;
const TOKEN_SHARE = 0.65;
const TRIGRAM_SHARE = 1 - TOKEN_SHARE;

const CONCEPT_OF = new Map<string, string>();
for (const [concept, words] of Object.entries(SYNONYM_GROUPS)) {
  for (const word of words) {
    CONCEPT_OF.set(word, concept);
    CONCEPT_OF.set(stem(word), concept);
  }
}

/** Strips the commonest English inflections; enough to make "cancelling" meet "cancel". */
export function stem(word: string): string {
  const base = stripSuffix(word);
  // "arrive", "arrived" and "arriving" all become "arriv".
  return base.length > 4 && base.endsWith("e") ? base.slice(0, -1) : base;
}

function stripSuffix(word: string): string {
  if (word.length > 5 && word.endsWith("ing")) return undouble(word.slice(0, -3));
  if (word.length > 4 && word.endsWith("ied")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && word.endsWith("ed")) return undouble(word.slice(0, -2));
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(ches|shes|sses|xes)$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

function undouble(word: string): string {
  return /([bdglmnprt])\1$/.test(word) ? word.slice(0, -1) : word;
}

/** Content words of a message, stemmed (not yet folded into concepts). Numbers stay: order 123 and order 456 are different needs. */
export function contentStems(text: string): string[] {
  return tokenise(text)
    .filter((token) => !STOP_WORDS.has(token))
    .map(stem)
    .filter((token) => !STOP_WORDS.has(token));
}

function concept(stemmed: string): string {
  return CONCEPT_OF.get(stemmed) ?? stemmed;
}

function weight(conceptName: string): number {
  return GENERIC_CONCEPTS.has(conceptName) ? GENERIC_WEIGHT : 1;
}

function weightedDice(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  let total = 0;
  for (const item of a) {
    total += weight(item);
    if (b.has(item)) shared += weight(item);
  }
  for (const item of b) total += weight(item);
  return total === 0 ? 0 : (2 * shared) / total;
}

function trigrams(words: string[]): Set<string> {
  const grams = new Set<string>();
  for (const word of words) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3));
  }
  return grams;
}

function dice(a: Set<string>, b: Set<string>): number {
  if (a.size + b.size === 0) return 0;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return (2 * shared) / (a.size + b.size);
}

export function textSimilarity(a: string, b: string): number {
  const stemsA = contentStems(a);
  const stemsB = contentStems(b);
  if (stemsA.length === 0 || stemsB.length === 0) return 0;
  const tokenScore = weightedDice(new Set(stemsA.map(concept)), new Set(stemsB.map(concept)));
  const trigramScore = dice(trigrams(stemsA), trigrams(stemsB));
  return TOKEN_SHARE * tokenScore + TRIGRAM_SHARE * trigramScore;
}

/**
 * How many times the customer has stated the current need: the current message plus every
 * earlier one linked to it through a chain of similar messages (A≈B, B≈C counts C too).
 */
export function countRepeats(current: string, earlier: readonly string[], threshold: number): number {
  const inCluster = [current];
  const remaining = [...earlier];
  let grew = true;
  while (grew) {
    grew = false;
    for (let i = remaining.length - 1; i >= 0; i--) {
      if (inCluster.some((member) => textSimilarity(member, remaining[i]!) >= threshold)) {
        inCluster.push(remaining[i]!);
        remaining.splice(i, 1);
        grew = true;
      }
    }
  }
  return inCluster.length;
}
