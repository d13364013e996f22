import { z } from "zod";
import { SIGNAL_CATEGORIES, type SignalCategory } from "../domain/escalation.js";
import { ESCALATION_REASONS } from "../domain/escalation.js";

/**
 * The policy's escalation-signal settings: extra phrases per category (added to every language's
 * data/languages/<code>/signals.json) and what each category does. Part of policySchema.
 */

/** A key of a category record that is not a signal category: name it and the known ones. */
export const unknownSignalCategory = (issue: unknown) => {
  const keys = (issue as { keys?: string[] }).keys;
  return keys ? `unknown signal category ${keys.map((key) => `"${key}"`).join(", ")}: use ${SIGNAL_CATEGORIES.join(", ")}` : undefined;
};

export const signalActionSchema = z.strictObject({
  reason: z.enum(ESCALATION_REASONS).describe("The escalation reason this signal raises"),
  intent: z.string().optional().describe("Route as if the assistant found this intent (team via routing.intentTeams)"),
  unlessIntents: z
    .array(z.string())
    .default([])
    .describe(
      "When the assistant is confident in one of these intents, the signal stays quiet (a question about the fee, not a cancellation)",
    ),
  compatibleIntents: z
    .array(z.string())
    .default([])
    .describe("Confident assistant intents that mean the same thing: they keep their own routing (cancellation → delete_account)"),
  describe: z.string().min(1).describe('How the card says it: "Customer {describe}: "{phrase}"."'),
  negatable: z
    .boolean()
    .optional()
    .describe(
      'A negator next to the signal word cancels it ("dont cancel, just asking"; words in data/languages/<code>/negation.json). Unset: true for cancellation, complaint, fraud, legal and insult; false where the meaning holds the negation ("not received")',
    ),
});

/**
 * What each signal category does by default; the config may change any of it. An insult is anger
 * (negative_sentiment: high priority, and the customer may still decline with BOT), not a matter
 * only a person may handle: complaints, fraud accusations and legal threats are (always_human).
 */
export const DEFAULT_SIGNAL_ACTIONS = {
  // "I don't want the bot, I want a person" is still a request: never negatable.
  human_request: { reason: "explicit_request", unlessIntents: [], describe: "asked for a person", negatable: false },
  cancellation: {
    reason: "priority_intent",
    intent: "cancel_order",
    unlessIntents: ["check_cancellation_fee", "newsletter_subscription"],
    compatibleIntents: ["delete_account"],
    describe: "wants to cancel",
    negatable: true,
  },
  money_not_credited: {
    reason: "priority_intent",
    intent: "payment_issue",
    unlessIntents: [],
    compatibleIntents: ["get_refund"],
    describe: "lost money that was not credited",
    // "not received" is the signal itself.
    negatable: false,
  },
  charged_twice: {
    reason: "priority_intent",
    intent: "payment_issue",
    unlessIntents: [],
    compatibleIntents: ["get_refund"],
    describe: "was charged more than once",
    negatable: false,
  },
  complaint: { reason: "always_human", intent: "complaint", unlessIntents: ["review"], describe: "is making a complaint", negatable: true },
  fraud: { reason: "always_human", unlessIntents: [], describe: "accuses the business of fraud", negatable: true },
  legal: { reason: "always_human", unlessIntents: [], describe: "threatens legal action", negatable: true },
  insult: { reason: "negative_sentiment", unlessIntents: [], describe: "is insulting the service", negatable: true },
} as const satisfies Record<(typeof SIGNAL_CATEGORIES)[number], z.input<typeof signalActionSchema>>;

/** Whether a negator cancels this category: the config's choice, else the category's default. */
export function isNegatable(category: SignalCategory, action: { negatable?: boolean } | undefined): boolean {
  return action === undefined ? false : (action.negatable ?? DEFAULT_SIGNAL_ACTIONS[category].negatable);
}

export const signalPhrasesSchema = z
  .partialRecord(z.enum(SIGNAL_CATEGORIES), z.array(z.string().min(2)), { error: unknownSignalCategory })
  .default({})
  .describe("Signal category → extra phrases, added to every language's data/languages/<code>/signals.json");

export const signalActionsSchema = z
  .partialRecord(z.enum(SIGNAL_CATEGORIES), signalActionSchema, { error: unknownSignalCategory })
  .prefault(DEFAULT_SIGNAL_ACTIONS)
  .describe("Signal category → the escalation it triggers; a category left out is not acted on");
