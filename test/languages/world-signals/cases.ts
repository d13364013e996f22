import type { SignalCategory } from "../../../src/domain/escalation.js";

/**
 * One language's test messages, written for these tests in WhatsApp style (typos, code-mixing,
 * emoji) and never copied from a lexicon: every category must be found in its positives, and the
 * must-not messages (order status, product and payment questions, greetings, thanks, near-misses
 * that contain a signal-looking word) must signal nothing.
 */
export interface LanguageSignalCases {
  positives: Record<SignalCategory, readonly string[]>;
  mustNot: readonly string[];
}
