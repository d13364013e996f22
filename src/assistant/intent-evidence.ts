/**
 * Does the message hold a word the corpus ties to the intent the model chose? The neural model
 * always picks some intent, and for words it never saw it can be sure of an odd one ("Hair Fall"
 * as cancel_order, a product question as payment_issue). A word is evidence for an intent when a
 * good share of the training examples that contain it are of that intent: "cancel" for
 * cancel_order, "payment" for payment_issue, never "I", "my" or "want".
 */

/** Share of a word's examples that must be of one intent for the word to speak for it. */
export const EVIDENCE_MIN_SHARE = 0.2;
/** Examples of the intent that must contain the word: one odd example is not evidence. */
export const EVIDENCE_MIN_EXAMPLES = 3;

/** Letters a word is cut to, so "cancelling", "cancellation" and "cancel" count as one word. */
export const EVIDENCE_STEM_LENGTH = 5;
const stem = (word: string) => word.slice(0, EVIDENCE_STEM_LENGTH);

export interface IntentEvidence {
  /** True when one of `words` (normalised as the model sees them) is evidence for `intent`. */
  supports(intent: string, words: readonly string[]): boolean;
}

/** Builds the evidence table once from the normalised training examples. */
export function buildIntentEvidence(examples: readonly { words: readonly string[]; intent: string }[]): IntentEvidence {
  const perWord = new Map<string, Map<string, number>>();
  for (const { words, intent } of examples) {
    for (const word of new Set(words.map(stem))) {
      const counts = perWord.get(word) ?? new Map<string, number>();
      counts.set(intent, (counts.get(intent) ?? 0) + 1);
      perWord.set(word, counts);
    }
  }
  const evidence = new Map<string, Set<string>>();
  for (const [word, counts] of perWord) {
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    for (const [intent, count] of counts) {
      if (count < EVIDENCE_MIN_EXAMPLES || count / total < EVIDENCE_MIN_SHARE) continue;
      const words = evidence.get(intent) ?? new Set<string>();
      words.add(word);
      evidence.set(intent, words);
    }
  }
  return {
    supports(intent, words) {
      const known = evidence.get(intent);
      // An intent with no distinctive word at all (tiny or generic) is not second-guessed.
      return known === undefined || words.some((word) => known.has(stem(word)));
    },
  };
}
