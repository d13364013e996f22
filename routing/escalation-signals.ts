import { SIGNAL_CATEGORIES, type SignalCategory } from "../src/domain/escalation.js";
import { COMBO_WINDOW_PER_GROUP, isUnspacedScript, type NegationWords, type SignalLexicon } from "./signal-lexicon.js";
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
  /** The matched terms and their token positions, first to last in the text. */
  anchors: readonly { position: number; term: number }[];
}

/** Shortest word after an elision that counts on its own ("l'ordine" → "ordine", but "don't" → not "t"). */
const ELIDED_MIN_LENGTH = 3;

interface SignalTokens {
  /** Words as every detector sees them: apostrophes inside words dropped ("don't" → "dont"). */
  tokens: string[];
  /** The word after an elided article, when there is one ("l'ordine" → "ordine", "d'annulation" → "annulation"). */
  elided: (string | undefined)[];
  /** Whether a clause mark (. , ! ? ;) stands between the previous word and this one: negation stops there. */
  clauseStart: boolean[];
}

/** Marks that end a clause: "No. Cancel my order" cancels. */
const CLAUSE_MARK = /[.,!?;:¿¡،؟।|。、！？，；：]/u;

function signalTokens(text: string): SignalTokens {
  const normalized = normalizeText(text);
  const words: string[] = [];
  const clauseStart: boolean[] = [];
  let previousEnd = 0;
  for (const found of normalized.matchAll(/[\p{L}\p{M}\p{N}']+/gu)) {
    const word = found[0].replace(/^'+|'+$/g, "");
    if (word.replace(/'/g, "").length === 0) continue;
    clauseStart.push(CLAUSE_MARK.test(normalized.slice(previousEnd, found.index)));
    previousEnd = found.index + found[0].length;
    words.push(word);
  }
  return {
    tokens: words.map((word) => word.replace(/'/g, "")),
    elided: words.map((word) => {
      const after = word.slice(word.lastIndexOf("'") + 1);
      return word.includes("'") && after.length >= ELIDED_MIN_LENGTH ? after : undefined;
    }),
    clauseStart,
  };
}

/** Characters that may stand between a negator and the signal word in scripts without spaces ("不想要取消", "キャンセルしないで"). */
const UNSPACED_NEGATION_GAP = 2;

/** Offsets in `run` where each of `words` starts. */
function substringStarts(run: string, words: readonly string[]): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  for (const word of words)
    for (let i = run.indexOf(word); i >= 0; i = run.indexOf(word, i + 1)) found.push({ start: i, end: i + word.length });
  return found;
}

interface TermPositions {
  /** Terms found at each token position: whole-token terms plus substrings inside unspaced-script runs. */
  positions: Set<number>[];
  /** Per position, the substring terms whose every occurrence in the run stands next to a negator. */
  negatedTerms: Set<number>[];
}

function termsByPosition({ tokens, elided }: SignalTokens, lexicon: SignalLexicon): TermPositions {
  const positions = tokens.map((token, i) => {
    const terms = new Set(lexicon.termsOf(token));
    const after = elided[i];
    if (after !== undefined) for (const term of lexicon.termsOf(after)) terms.add(term);
    return terms;
  });
  const negatedTerms = tokens.map(() => new Set<number>());
  if (lexicon.substringsByFirstChar.size === 0) return { positions, negatedTerms };
  const { before, after } = lexicon.negation;
  // Consecutive unspaced-script tokens form one run, so "상담원 연결" matches like "상담원연결".
  for (let start = 0; start < tokens.length; start++) {
    if (!isUnspacedScript(tokens[start]!)) continue;
    let end = start;
    while (end + 1 < tokens.length && isUnspacedScript(tokens[end + 1]!)) end++;
    const run = tokens.slice(start, end + 1).join("");
    const owners: number[] = [];
    for (let t = start; t <= end; t++) for (let c = 0; c < tokens[t]!.length; c++) owners.push(t);
    const negatorEnds = substringStarts(run, before.unspaced).map((found) => found.end);
    const negatorStarts = substringStarts(run, after.unspaced).map((found) => found.start);
    const affirmed = new Set<number>();
    for (let i = 0; i < run.length; i++) {
      for (const { text, id } of lexicon.substringsByFirstChar.get(run[i]!) ?? []) {
        if (!run.startsWith(text, i)) continue;
        const owner = owners[i]!;
        positions[owner]!.add(id);
        const negated =
          negatorEnds.some((e) => e <= i && i - e <= UNSPACED_NEGATION_GAP) ||
          negatorStarts.some((s) => s >= i + text.length && s - (i + text.length) <= UNSPACED_NEGATION_GAP);
        if (negated && !affirmed.has(id)) negatedTerms[owner]!.add(id);
        else {
          affirmed.add(id);
          for (let t = start; t <= end; t++) negatedTerms[t]!.delete(id);
        }
      }
    }
    start = end;
  }
  return { positions, negatedTerms };
}

interface Reading {
  words: SignalTokens;
  terms: TermPositions;
}

/**
 * The last message's words and terms. One policy decision reads the same text up to three times
 * (readSignals, isSignalVocabulary, mentionsContact); both steps are pure and their results are
 * only read, so the latest is kept for the next call with the same text and lexicon.
 */
let lastReading: { text: string; lexicon: SignalLexicon; reading: Reading } | undefined;

function readingOf(text: string, lexicon: SignalLexicon): Reading {
  if (lastReading?.text === text && lastReading.lexicon === lexicon) return lastReading.reading;
  const words = signalTokens(text);
  const reading = { words, terms: termsByPosition(words, lexicon) };
  lastReading = { text, lexicon, reading };
  return reading;
}

/** Where a spaced negator phrase occurs: its first and last token. */
function negatorSpans(tokens: readonly string[], words: NegationWords): { from: number; to: number }[] {
  const spans: { from: number; to: number }[] = [];
  tokens.forEach((token, i) => {
    for (const phrase of words.spaced.get(token) ?? []) {
      if (phrase.every((word, k) => tokens[i + k] === word)) spans.push({ from: i, to: i + phrase.length - 1 });
    }
  });
  return spans;
}

/** Tokens a negator may stand from the signal word: "dont cancel", "no quiero cancelar", "cancel mat karo". */
const NEGATION_REACH = 2;

/** Which hits a negator cancels ("dont cancel", "cancel mat karo", "不要取消"), and whether the message is a denial plus a plain question. */
function negationOf(words: SignalTokens, negatedTerms: readonly Set<number>[], lexicon: SignalLexicon): (hit: Hit) => boolean {
  const { negation } = lexicon;
  if (negation.negatable.size === 0) return () => false;
  const { tokens, clauseStart } = words;
  // "no puedo cancelar", "still not cancelled": the customer is blocked, not unwilling.
  const blocked = negatorSpans(tokens, negation.inability);
  const unblocked = (span: { from: number; to: number }) => !blocked.some((b) => b.from <= span.to && span.from <= b.to);
  const before = negatorSpans(tokens, negation.before).filter(unblocked);
  const after = negatorSpans(tokens, negation.after).filter(unblocked);
  const sameClause = (from: number, to: number) => !clauseStart.slice(from + 1, to + 1).some(Boolean);
  const joined = tokens.join("");
  const anyNegator =
    before.length > 0 ||
    after.length > 0 ||
    negatedTerms.some((terms) => terms.size > 0) ||
    negation.before.unspaced.some((word) => joined.includes(word)) ||
    negation.after.unspaced.some((word) => joined.includes(word));
  const reassured =
    anyNegator &&
    (negatorSpans(tokens, negation.reassurance).length > 0 || negation.reassurance.unspaced.some((word) => joined.includes(word)));
  return (hit) => {
    if (!negation.negatable.has(hit.owner.category)) return false;
    if (reassured) return true;
    if (hit.anchors.some(({ position, term }) => negatedTerms[position]!.has(term))) return true;
    const negatedBefore = before.some(
      (span) => span.to < hit.from && hit.from - span.to <= NEGATION_REACH && sameClause(span.to, hit.from),
    );
    const negatedAfter = after.some((span) => span.from > hit.to && span.from - hit.to <= NEGATION_REACH && sameClause(hit.to, span.from));
    return negatedBefore || negatedAfter;
  };
}

function phraseHits(positions: readonly Set<number>[], lexicon: SignalLexicon): Hit[] {
  const { terms: phraseTerms, termsFrom, owners, byFirstTerm, firstTermFrom } = lexicon.phrases;
  const hits: Hit[] = [];
  positions.forEach((terms, start) => {
    for (const term of terms) {
      for (let k = firstTermFrom[term]!; k < firstTermFrom[term + 1]!; k++) {
        const phrase = byFirstTerm[k]!;
        const from = termsFrom[phrase]!;
        const length = termsFrom[phrase + 1]! - from;
        const end = start + length - 1;
        if (end >= positions.length) continue;
        let matched = true;
        for (let j = 0; j < length && matched; j++) matched = positions[start + j]!.has(phraseTerms[from + j]!);
        if (matched) {
          const anchors = Array.from({ length }, (_, j) => ({ position: start + j, term: phraseTerms[from + j]! }));
          hits.push({ owner: owners[phrase]!, from: start, to: end, anchors });
        }
      }
    }
  });
  return hits;
}

function comboHits(tokens: readonly string[], positions: readonly Set<number>[], lexicon: SignalLexicon): Hit[] {
  // combo → where each of its groups occurs, and the term found there
  const seen = new Map<number, { position: number; term: number }[][]>();
  positions.forEach((terms, position) => {
    for (const term of terms) {
      for (const { combo, group } of lexicon.combosByTerm.get(term) ?? []) {
        let groups = seen.get(combo);
        if (!groups) {
          groups = Array.from({ length: lexicon.combos[combo]!.groups }, () => []);
          seen.set(combo, groups);
        }
        groups[group]!.push({ position, term });
      }
    }
  });
  const hits: Hit[] = [];
  for (const [combo, groups] of seen) {
    if (groups.some((found) => found.length === 0)) continue;
    // A window holding one position of every group, starting at each candidate position.
    const window = COMBO_WINDOW_PER_GROUP * groups.length;
    for (const start of [...new Set(groups.flat().map((found) => found.position))].sort((a, b) => a - b)) {
      const picks = groups.map((found) => found.find(({ position }) => position >= start && position <= start + window));
      if (picks.every((p) => p !== undefined)) {
        const anchors = picks as { position: number; term: number }[];
        const picked = anchors.map((anchor) => anchor.position);
        // Two groups on one token only count when it is an unspaced-script run (one token holds a sentence).
        if (new Set(picked).size < picked.length && !picked.every((p) => isUnspacedScript(tokens[p]!))) continue;
        hits.push({ owner: lexicon.combos[combo]!.owner, from: Math.min(...picked), to: Math.max(...picked), anchors });
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
  const { words, terms } = readingOf(text, lexicon);
  return (
    words.tokens.length > 0 &&
    words.tokens.every((token) => token.length >= SIGNAL_WORD_MIN_LENGTH) &&
    terms.positions.every((found) => found.size > 0)
  );
}

/** Does the message name a person, the support team or a way to reach it (any source's contactWords)? */
export function mentionsContact(text: string, lexicon: SignalLexicon): boolean {
  if (lexicon.contactTerms.size === 0) return true;
  return readingOf(text, lexicon).terms.positions.some((terms) => [...terms].some((term) => lexicon.contactTerms.has(term)));
}

/** Signal hits of a message: those that stand, and the negatable ones a negator denies. */
function signalHits(text: string, lexicon: SignalLexicon): { tokens: string[]; hits: Hit[]; denied: Hit[] } {
  const { words, terms } = readingOf(text, lexicon);
  const { tokens } = words;
  if (tokens.length === 0) return { tokens, hits: [], denied: [] };
  const { positions, negatedTerms } = terms;
  // Where the negators are is read once, and only for a message with a hit to check: most have none.
  let negated: ((hit: Hit) => boolean) | undefined;
  const hits: Hit[] = [];
  const denied: Hit[] = [];
  for (const hit of [...phraseHits(positions, lexicon), ...comboHits(tokens, positions, lexicon)]) {
    // A denied mention ("dont cancel, just asking") is no signal; its unless entries still silence.
    if (hit.owner.unless) hits.push(hit);
    else {
      negated ??= negationOf(words, negatedTerms, lexicon);
      (negated(hit) ? denied : hits).push(hit);
    }
  }
  return { tokens, hits, denied };
}

/** What a message signals, and what it mentions only to deny, from one pass over its words. */
export interface SignalReading {
  /** Every category the message signals, at most one match each, in SIGNAL_CATEGORIES order. */
  matches: SignalMatch[];
  /** Categories the message mentions only to deny them ("don't cancel, just asking"), none of them also signalled. */
  denied: SignalCategory[];
}

export function readSignals(text: string, lexicon: SignalLexicon): SignalReading {
  const { tokens, hits, denied } = signalHits(text, lexicon);
  const silenced = new Set(hits.filter((hit) => hit.owner.unless).map((hit) => hit.owner.category));
  const standing = new Set(hits.map((hit) => hit.owner.category));
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
  const deniedCategories = SIGNAL_CATEGORIES.filter(
    (category) => !standing.has(category) && denied.some((hit) => hit.owner.category === category),
  );
  return { matches, denied: deniedCategories };
}

export const detectSignals = (text: string, lexicon: SignalLexicon): SignalMatch[] => readSignals(text, lexicon).matches;
export const detectDeniedSignals = (text: string, lexicon: SignalLexicon): SignalCategory[] => readSignals(text, lexicon).denied;
