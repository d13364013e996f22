import { SIGNAL_CATEGORIES, type SignalCategory } from "../src/domain/escalation.js";
import { DeletionIndex, deletionKeys } from "./deletion-index.js";
import { tokenise, typoAllowance } from "./text-normalize.js";

/**
 * Escalation signals as data: per language, the phrases and word combinations that mean a customer
 * asks for a person, cancels, complains, insults, accuses of fraud, threatens legal action, or lost
 * money. This module compiles every language's lexicon once into indexes; escalation-signals.ts then
 * matches a message against all of them in one pass over its tokens. It never names a language.
 */

/** How one category is recognised in one language: the "signals.<category>" object of a signals.json. */
export interface SignalRules {
  /** Whole words in order (typos tolerated by length; "word*" is a prefix); a substring in scripts without spaces. */
  phrases?: readonly string[];
  /** One word from each group within COMBO_WINDOW tokens, in any order. */
  combos?: readonly (readonly (readonly string[])[])[];
  /** Any of these phrases silences the category ("how much does it cost to cancel"). */
  unless?: readonly string[];
}

/** One language's file, or the config's extensions. */
export interface SignalLexiconSource {
  /** Where it came from, for the card and errors: a language code or "config". */
  source: string;
  signals: Partial<Record<SignalCategory, SignalRules>>;
  /** Frequent words never fuzzy-matched onto a signal word. */
  commonWords?: readonly string[];
  /**
   * Words that name a person, the support team or a way to reach it ("agent", "customer", "call*"):
   * the assistant's human-request intent only counts when the message holds one ("I want to know
   * about offers" is not a request for a person, however sure the assistant is).
   */
  contactWords?: readonly string[];
  /** How this language negates a signal word ("dont cancel", "cancel mat karo"): negation.json. */
  negation?: NegationRules;
}

/** Words that turn a signal into its denial, per language (data/languages/<code>/negation.json). */
export interface NegationRules {
  /** Negators standing before the signal word: "dont", "no quiero", "不要". */
  before?: readonly string[];
  /** Negators following it (verb-final languages): "mat karo", "しないで", "하지 마". */
  after?: readonly string[];
  /** A plain question after a denial ("just asking"): with any negator in the message, negatable signals stay quiet. */
  reassurance?: readonly string[];
  /** Negated modals that mean the customer is blocked, not unwilling ("no puedo"): never a negator. */
  inability?: readonly string[];
}

/**
 * Every language's negation words, compiled: spaced phrases as token lists, by their first token (a
 * message's tokens look up the few phrases that can start there, not the hundreds of every language),
 * and unspaced ones as substrings.
 */
export interface NegationWords {
  readonly spaced: ReadonlyMap<string, readonly (readonly string[])[]>;
  readonly unspaced: readonly string[];
}

export interface CompiledNegation {
  /** Categories a negator silences (policy.signalActions.<category>.negatable). */
  readonly negatable: ReadonlySet<SignalCategory>;
  readonly before: NegationWords;
  readonly after: NegationWords;
  readonly reassurance: NegationWords;
  readonly inability: NegationWords;
}

export interface CompileOptions {
  /** Categories whose mentions a negator cancels; none by default. */
  negatable?: readonly SignalCategory[];
}

/**
 * Tokens apart within which a combo's words must all appear, per group: two words within 4 ("cancel
 * my last two orders"), three within 6 ("debited from my account but not credited").
 */
export const COMBO_WINDOW_PER_GROUP = 2;
/** Shortest word a glued phrase may hold and still be read with typos ("customercare", not "quate"). */
const GLUED_FUZZY_MIN_WORD = 4;
/** Shortest token a typo may be read into: shorter ones are too often other words. */
const FUZZY_MIN_TOKEN = 4;
/** Resolved tokens kept per lexicon; customers reuse the same few thousand words. */
const TOKEN_CACHE_LIMIT = 50_000;

/**
 * Scripts written without spaces between words (and Hangul, whose particles glue onto nouns):
 * their phrases match as substrings of the text.
 */
const UNSPACED_SCRIPT =
  /[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export function isUnspacedScript(text: string): boolean {
  return UNSPACED_SCRIPT.test(text);
}

/** What a phrase, combo or unless entry belongs to. */
interface Owner {
  category: SignalCategory;
  source: string;
  /** The entry as written in the file, for the card. */
  entry: string;
  unless: boolean;
}

/**
 * Every phrase, packed into a few typed arrays: phrase p's terms are terms[termsFrom[p] .. termsFrom[p + 1]) and its
 * owner owners[p]; the phrases that start with term t are byFirstTerm[firstTermFrom[t] .. firstTermFrom[t + 1]), in the
 * order they were written. As an object, an array and a list entry each, the lexicons' phrases were 113,000 of the
 * 690,000 objects a relaying Warmline holds and 3.4 MB of its heap (README, "Memory").
 */
export interface PhraseIndex {
  readonly terms: Int32Array;
  readonly termsFrom: Int32Array;
  readonly owners: readonly Owner[];
  readonly byFirstTerm: Int32Array;
  readonly firstTermFrom: Int32Array;
}

interface WrittenPhrase {
  terms: readonly number[];
  owner: Owner;
}

export interface CompiledCombo {
  groups: number;
  owner: Owner;
}

interface SubstringTerm {
  text: string;
  id: number;
}

/** A compiled lexicon: build it once (compileSignalLexicon) and pass it to detectSignals. */
export interface SignalLexicon {
  readonly sources: readonly string[];
  /** Phrases, by their first term. */
  readonly phrases: PhraseIndex;
  /** (combo, group) pairs each term belongs to. */
  readonly combosByTerm: ReadonlyMap<number, readonly { combo: number; group: number }[]>;
  readonly combos: readonly CompiledCombo[];
  /** Resolves a token to the terms it matches (exact, prefix, typo); cached. */
  termsOf(token: string): readonly number[];
  /** Substring terms (unspaced scripts) by their first character. */
  readonly substringsByFirstChar: ReadonlyMap<string, readonly SubstringTerm[]>;
  /** Terms of every source's contactWords; empty when no source lists any. */
  readonly contactTerms: ReadonlySet<number>;
  readonly negation: CompiledNegation;
}

/** Token length from which a word two edits away (a 10-letter one) may be meant. */
const TWO_EDIT_MIN_TOKEN = 8;

/** Optimal-string-alignment distance bounded by `max`, on two small strings. */
function boundedDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, previous2[j - 2]! + 1);
      current.push(best);
      rowMin = Math.min(rowMin, best);
    }
    if (rowMin > max) return max + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[b.length]!;
}

class LexiconBuilder {
  private readonly termIds = new Map<string, number>();
  readonly exact = new Map<string, number>();
  readonly prefixes = new Map<string, number>();
  readonly prefixLengths = new Set<number>();
  /** Exact terms' words by term id (other ids have none). */
  readonly words: string[] = [];
  /** One-edit candidates by deletion key, as term ids (built by finish()). */
  fuzzy: DeletionIndex | undefined;
  /** Words long enough for two typos, by first letter: few enough to compare one by one. */
  readonly longWords = new Map<string, { word: string; id: number }[]>();
  readonly substrings = new Map<string, SubstringTerm[]>();
  /** In the order they were written; finish() packs them. */
  private readonly written: WrittenPhrase[] = [];
  readonly combosByTerm = new Map<number, { combo: number; group: number }[]>();
  readonly combos: CompiledCombo[] = [];
  readonly common = new Set<string>();
  readonly contactTerms = new Set<number>();
  private readonly fuzzyWords: { word: string; id: number }[] = [];
  /** Glued phrases whose parts are short syllables: exact only (see addPhrase), unless also written as a word. */
  private readonly gluedOnly = new Set<number>();
  private readonly writtenWords = new Set<number>();

  private term(kind: "exact" | "prefix" | "substring", text: string): number {
    const key = `${kind}:${text}`;
    let id = this.termIds.get(key);
    if (id !== undefined) return id;
    // finish() let go of the terms already known: a new one could reuse an id.
    if (this.fuzzy) throw new Error(`The signal lexicon is already compiled: "${text}" cannot be added; compile the sources again`);
    id = this.termIds.size;
    this.termIds.set(key, id);
    if (kind === "exact") {
      this.exact.set(text, id);
      this.words[id] = text;
      this.fuzzyWords.push({ word: text, id });
    } else if (kind === "prefix") {
      this.prefixes.set(text, id);
      this.prefixLengths.add(text.length);
    } else {
      const first = text[0]!;
      const list = this.substrings.get(first) ?? [];
      list.push({ text, id });
      this.substrings.set(first, list);
    }
    return id;
  }

  /** The terms of one phrase or combo word; empty when it holds no letters or digits. */
  terms(written: string): number[] {
    if (isUnspacedScript(written)) {
      const squeezed = tokenise(written).join("");
      return squeezed === "" ? [] : [this.term("substring", squeezed)];
    }
    const ids: number[] = [];
    for (const piece of written.trim().split(/\s+/)) {
      const isPrefix = piece.endsWith("*");
      const words = tokenise(piece);
      words.forEach((word, i) => {
        const id = this.term(isPrefix && i === words.length - 1 ? "prefix" : "exact", word);
        this.writtenWords.add(id);
        ids.push(id);
      });
    }
    return ids;
  }

  addPhrase(written: string, owner: Owner): void {
    const terms = this.terms(written);
    if (terms.length === 0) return;
    this.written.push({ terms, owner });
    // "customer care" also matches "customercare", "call back" also "callback".
    const words = tokenise(written);
    if (words.length > 1 && !written.includes("*") && !isUnspacedScript(written)) {
      const glued = this.term("exact", words.join(""));
      // Glued short syllables ("lũ chó" → "lucho", "quá tệ" → "quate") are one typo away from
      // everyday words of other languages ("mucho", "quote"): read them exactly.
      if (words.some((word) => word.length < GLUED_FUZZY_MIN_WORD)) this.gluedOnly.add(glued);
      this.written.push({ terms: [glued], owner });
    }
  }

  addCombo(groups: readonly (readonly string[])[], owner: Omit<Owner, "entry">): void {
    const combo = this.combos.length;
    this.combos.push({ groups: groups.length, owner: { ...owner, entry: groups.map((group) => group[0] ?? "").join(" + ") } });
    groups.forEach((words, group) => {
      for (const word of words) {
        // A combo word is one word: its first term stands for it.
        const [id] = this.terms(word);
        if (id === undefined) continue;
        const list = this.combosByTerm.get(id) ?? [];
        if (!list.some((entry) => entry.combo === combo && entry.group === group)) list.push({ combo, group });
        this.combosByTerm.set(id, list);
      }
    });
  }

  /**
   * Builds the typo index once every term and common word is known, then lets go of what only
   * building needed (the terms by kind and text, the words awaiting the index): 2 MB the lexicon
   * would otherwise keep for the process's life. Returns the phrases, packed.
   */
  finish(): PhraseIndex {
    const filed: number[] = [];
    for (const { word, id } of this.fuzzyWords) {
      if (this.gluedOnly.has(id) && !this.writtenWords.has(id)) continue;
      const allowance = typoAllowance(word);
      if (allowance === 0 || /\p{N}/u.test(word)) continue;
      filed.push(id);
      if (allowance < 2) continue;
      const long = this.longWords.get(word[0]!) ?? [];
      long.push({ word, id });
      this.longWords.set(word[0]!, long);
    }
    this.fuzzy = DeletionIndex.build(this.words, filed);
    const phrases = packPhrases(this.written, this.termIds.size);
    this.written.length = 0;
    this.termIds.clear();
    this.fuzzyWords.length = 0;
    this.gluedOnly.clear();
    this.writtenWords.clear();
    return phrases;
  }
}

/** `written` as a PhraseIndex over term ids below `termCount`: a stable counting sort by first term. */
function packPhrases(written: readonly WrittenPhrase[], termCount: number): PhraseIndex {
  const termsFrom = new Int32Array(written.length + 1);
  written.forEach((phrase, p) => (termsFrom[p + 1] = termsFrom[p]! + phrase.terms.length));
  const terms = new Int32Array(termsFrom[written.length]!);
  written.forEach((phrase, p) => terms.set(phrase.terms, termsFrom[p]!));
  const firstTermFrom = new Int32Array(termCount + 1);
  for (const phrase of written) firstTermFrom[phrase.terms[0]! + 1]! += 1;
  for (let t = 0; t < termCount; t++) firstTermFrom[t + 1]! += firstTermFrom[t]!;
  const next = firstTermFrom.slice(0, termCount);
  const byFirstTerm = new Int32Array(written.length);
  written.forEach((phrase, p) => (byFirstTerm[next[phrase.terms[0]!]!++] = p));
  return { terms, termsFrom, owners: written.map((phrase) => phrase.owner), byFirstTerm, firstTermFrom };
}

function resolveToken(builder: LexiconBuilder, token: string): number[] {
  const found = new Set<number>();
  const exact = builder.exact.get(token);
  if (exact !== undefined) found.add(exact);
  for (const length of builder.prefixLengths) {
    if (length > token.length) continue;
    const prefix = builder.prefixes.get(token.slice(0, length));
    if (prefix !== undefined) found.add(prefix);
  }
  // A known word, a common word or a short one is never read as a typo of another word.
  const fuzzyAllowed = exact === undefined && token.length >= FUZZY_MIN_TOKEN && !builder.common.has(token) && !/\p{N}/u.test(token);
  if (fuzzyAllowed) {
    const candidates = [...deletionKeys(token)].flatMap((key) =>
      (builder.fuzzy?.idsFor(key) ?? []).map((id) => ({ word: builder.words[id]!, id })),
    );
    if (token.length >= TWO_EDIT_MIN_TOKEN) candidates.push(...(builder.longWords.get(token[0]!) ?? []));
    for (const { word, id } of candidates) {
      if (found.has(id)) continue;
      const allowance = Math.min(typoAllowance(word), Math.max(1, typoAllowance(token)));
      if (boundedDistance(token, word, allowance) <= allowance) found.add(id);
    }
  }
  return [...found];
}

function negationWords(sources: readonly SignalLexiconSource[], kind: keyof NegationRules): NegationWords {
  const spaced = new Map<string, string[]>();
  const unspaced = new Set<string>();
  for (const source of sources) {
    for (const written of source.negation?.[kind] ?? []) {
      const words = tokenise(written);
      if (words.length === 0) continue;
      if (isUnspacedScript(written)) unspaced.add(words.join(""));
      else spaced.set(words.join(" "), words);
    }
  }
  const byFirstWord = new Map<string, string[][]>();
  for (const words of spaced.values()) {
    const phrases = byFirstWord.get(words[0]!);
    if (phrases) phrases.push(words);
    else byFirstWord.set(words[0]!, [words]);
  }
  return { spaced: byFirstWord, unspaced: [...unspaced] };
}

function compileNegation(sources: readonly SignalLexiconSource[], options: CompileOptions): CompiledNegation {
  return {
    negatable: new Set(options.negatable ?? []),
    before: negationWords(sources, "before"),
    after: negationWords(sources, "after"),
    reassurance: negationWords(sources, "reassurance"),
    inability: negationWords(sources, "inability"),
  };
}

/** Copies each list to its exact size: a list grown by push keeps room for 17, and there are thousands of them. */
function compactLists<K, V>(index: Map<K, V[]>): void {
  for (const [key, list] of index) index.set(key, list.slice());
}

/** Compiles every source into one lexicon; call once at start-up (or per config), never per message. */
export function compileSignalLexicon(sources: readonly SignalLexiconSource[], options: CompileOptions = {}): SignalLexicon {
  const builder = new LexiconBuilder();
  for (const source of sources) for (const word of source.commonWords ?? []) for (const token of tokenise(word)) builder.common.add(token);
  for (const source of sources) {
    for (const category of SIGNAL_CATEGORIES) {
      const rules = source.signals[category];
      if (!rules) continue;
      const owner = { category, source: source.source, unless: false };
      for (const phrase of rules.phrases ?? []) builder.addPhrase(phrase, { ...owner, entry: phrase });
      for (const combo of rules.combos ?? []) builder.addCombo(combo, owner);
      for (const phrase of rules.unless ?? []) builder.addPhrase(phrase, { ...owner, entry: phrase, unless: true });
    }
    for (const word of source.contactWords ?? []) for (const id of builder.terms(word).slice(0, 1)) builder.contactTerms.add(id);
  }
  const phrases = builder.finish();
  compactLists(builder.combosByTerm);
  compactLists(builder.substrings);
  const cache = new Map<string, readonly number[]>();
  return {
    sources: sources.map((source) => source.source),
    phrases,
    combosByTerm: builder.combosByTerm,
    combos: builder.combos,
    substringsByFirstChar: builder.substrings,
    contactTerms: builder.contactTerms,
    negation: compileNegation(sources, options),
    termsOf(token) {
      let terms = cache.get(token);
      if (terms === undefined) {
        if (cache.size >= TOKEN_CACHE_LIMIT) cache.clear();
        terms = resolveToken(builder, token);
        cache.set(token, terms);
      }
      return terms;
    },
  };
}
