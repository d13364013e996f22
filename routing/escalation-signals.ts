import { SIGNAL_CATEGORIES, type SignalCategory } from "../src/domain/escalation.js";
import { COMBO_WINDOW_PER_GROUP, isUnspacedScript, type SignalLexicon } from "./signal-lexicon.js";
import { normalizeText } from "./text-normalize.js";

/** One category found in a message. */
export interface SignalMatch {
  category: SignalCategory;
  /** The customer's own words that matched (normalised), for the card. */
  phrase: string;
  /** The lexicon entry that matched, and whose it is (a language code or "config"). */
  entry: string;
  source: string;
}

interface Hit {
  owner: { category: SignalCategory; source: string; entry: string; unless: boolean };
  from: number;
  to: number;
}

/** Shortest word after an elision that counts on its own ("l'ordine" → "ordine", but "don't" → not "t"). */
const ELIDED_MIN_LENGTH = 3;

interface SignalTokens {
  /** Words as every detector sees them: apostrophes inside words dropped ("don't" → "dont"). */
  tokens: string[];
  /** The word after an elided article, when there is one ("l'ordine" → "ordine", "d'annulation" → "annulation"). */
  elided: (string | undefined)[];
}

function signalTokens(text: string): SignalTokens {
  const words = normalizeText(text)
    .split(/[^\p{L}\p{M}\p{N}']+/u)
    .map((word) => word.replace(/^'+|'+$/g, ""))
    .filter((word) => word.replace(/'/g, "").length > 0);
  return {
    tokens: words.map((word) => word.replace(/'/g, "")),
    elided: words.map((word) => {
      const after = word.slice(word.lastIndexOf("'") + 1);
      return word.includes("'") && after.length >= ELIDED_MIN_LENGTH ? after : undefined;
    }),
  };
}

/** Terms found at each token position: whole-token terms plus substrings inside unspaced-script runs. */
function termsByPosition({ tokens, elided }: SignalTokens, lexicon: SignalLexicon): Set<number>[] {
  const positions = tokens.map((token, i) => {
    const terms = new Set(lexicon.termsOf(token));
    const after = elided[i];
    if (after !== undefined) for (const term of lexicon.termsOf(after)) terms.add(term);
    return terms;
  });
  if (lexicon.substringsByFirstChar.size === 0) return positions;
  // Consecutive unspaced-script tokens form one run, so "상담원 연결" matches like "상담원연결".
  for (let start = 0; start < tokens.length; start++) {
    if (!isUnspacedScript(tokens[start]!)) continue;
    let end = start;
    while (end + 1 < tokens.length && isUnspacedScript(tokens[end + 1]!)) end++;
    const run = tokens.slice(start, end + 1).join("");
    const owners: number[] = [];
    for (let t = start; t <= end; t++) for (let c = 0; c < tokens[t]!.length; c++) owners.push(t);
    for (let i = 0; i < run.length; i++) {
      for (const { text, id } of lexicon.substringsByFirstChar.get(run[i]!) ?? []) {
        if (run.startsWith(text, i)) positions[owners[i]!]!.add(id);
      }
    }
    start = end;
  }
  return positions;
}

function phraseHits(positions: readonly Set<number>[], lexicon: SignalLexicon): Hit[] {
  const hits: Hit[] = [];
  positions.forEach((terms, start) => {
    for (const term of terms) {
      for (const phrase of lexicon.phrasesByFirstTerm.get(term) ?? []) {
        const end = start + phrase.terms.length - 1;
        if (end >= positions.length) continue;
        if (phrase.terms.every((t, k) => positions[start + k]!.has(t))) hits.push({ owner: phrase.owner, from: start, to: end });
      }
    }
  });
  return hits;
}

function comboHits(tokens: readonly string[], positions: readonly Set<number>[], lexicon: SignalLexicon): Hit[] {
  // combo → positions where each of its groups occurs
  const seen = new Map<number, number[][]>();
  positions.forEach((terms, position) => {
    for (const term of terms) {
      for (const { combo, group } of lexicon.combosByTerm.get(term) ?? []) {
        let groups = seen.get(combo);
        if (!groups) {
          groups = Array.from({ length: lexicon.combos[combo]!.groups }, () => []);
          seen.set(combo, groups);
        }
        groups[group]!.push(position);
      }
    }
  });
  const hits: Hit[] = [];
  for (const [combo, groups] of seen) {
    if (groups.some((found) => found.length === 0)) continue;
    // A window holding one position of every group, starting at each candidate position.
    const window = COMBO_WINDOW_PER_GROUP * groups.length;
    for (const start of [...new Set(groups.flat())].sort((a, b) => a - b)) {
      const picks = groups.map((found) => found.find((p) => p >= start && p <= start + window));
      if (picks.every((p) => p !== undefined)) {
        const picked = picks as number[];
        // Two groups on one token only count when it is an unspaced-script run (one token holds a sentence).
        if (new Set(picked).size < picked.length && !picked.every((p) => isUnspacedScript(tokens[p]!))) continue;
        hits.push({ owner: lexicon.combos[combo]!.owner, from: Math.min(...picked), to: Math.max(...picked) });
        break;
      }
    }
  }
  return hits;
}

/** Shorter words ("no", "me") are glue in combos, not signals on their own. */
const SIGNAL_WORD_MIN_LENGTH = 4;

/** Is every word of the message one the lexicon knows (a signal or contact word)? "Cancel" is; "Hair" is not. */
export function isSignalVocabulary(text: string, lexicon: SignalLexicon): boolean {
  const words = signalTokens(text);
  return (
    words.tokens.length > 0 &&
    words.tokens.every((token) => token.length >= SIGNAL_WORD_MIN_LENGTH) &&
    termsByPosition(words, lexicon).every((terms) => terms.size > 0)
  );
}

/** Does the message name a person, the support team or a way to reach it (any source's contactWords)? */
export function mentionsContact(text: string, lexicon: SignalLexicon): boolean {
  if (lexicon.contactTerms.size === 0) return true;
  return termsByPosition(signalTokens(text), lexicon).some((terms) => [...terms].some((term) => lexicon.contactTerms.has(term)));
}

/** Every category the message signals, at most one match each, in SIGNAL_CATEGORIES order. */
export function detectSignals(text: string, lexicon: SignalLexicon): SignalMatch[] {
  const words = signalTokens(text);
  const { tokens } = words;
  if (tokens.length === 0) return [];
  const positions = termsByPosition(words, lexicon);
  const hits = [...phraseHits(positions, lexicon), ...comboHits(tokens, positions, lexicon)];
  const silenced = new Set(hits.filter((hit) => hit.owner.unless).map((hit) => hit.owner.category));
  const matches: SignalMatch[] = [];
  for (const category of SIGNAL_CATEGORIES) {
    if (silenced.has(category)) continue;
    // The longest match explains best ("talk to a real person" over "person").
    const best = hits
      .filter((hit) => hit.owner.category === category && !hit.owner.unless)
      .sort((a, b) => b.to - b.from - (a.to - a.from))[0];
    if (best)
      matches.push({
        category,
        phrase: tokens.slice(best.from, best.to + 1).join(" "),
        entry: best.owner.entry,
        source: best.owner.source,
      });
  }
  return matches;
}
