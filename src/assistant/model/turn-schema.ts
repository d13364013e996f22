import { z } from "zod";
import { ESCALATION_REASONS } from "../../domain/escalation.js";

/** What the model may answer with, at most: a WhatsApp reply, and summary lines a card shows whole. */
export const MODEL_REPLY_LIMIT = 1500;
export const MODEL_SUMMARY_LINE_LIMIT = 600;
/** The intent for "none of the taxonomy's": the offline assistant's own name for it. */
export const NO_INTENT = "none";

const DECISIONS = ["escalate", "offer", "continue"] as const;

/**
 * The one answer a model gives per customer message, as a zod schema: `intent` must be one of the
 * taxonomy's (the corpus's intents, and "none") and `reason` one of the policy's reasons, so an
 * answer naming anything else fails validation and the offline assistant answers instead. Every
 * field is required and absent values are null, as OpenAI's strict JSON-schema mode requires.
 */
export function modelTurnSchema(intents: readonly string[]) {
  const taxonomy = [...new Set([...intents, NO_INTENT])] as [string, ...string[]];
  const line = z.string().max(MODEL_SUMMARY_LINE_LIMIT);
  return z
    .strictObject({
      reply: z.string().max(MODEL_REPLY_LIMIT).describe("The answer to the customer, in their language"),
      intent: z.enum(taxonomy).describe('The customer\'s goal: one of the listed intents, "none" when none fits'),
      confidence: z.number().min(0).max(1).describe("How sure the intent is, 0 to 1"),
      decision: z.enum(DECISIONS).describe("escalate: a person now; offer: offer a person; continue: the assistant can help"),
      reason: z.enum(ESCALATION_REASONS).nullable().describe("With escalate or offer: why, one of the listed reasons; else null"),
      language: z
        .string()
        .regex(/^[a-z]{2,3}$/)
        .describe("The customer's language, ISO 639-1"),
      summary: z
        .strictObject({
          wants: line.describe("What the customer wants"),
          tried: line.describe("What the assistant tried, and what came of it"),
          nextStep: line.describe("What the agent should do first"),
        })
        .describe("For the agent who may take over, in the agents' language"),
      entities: z.strictObject({
        orderNumber: z.string().max(40).nullable(),
        amount: z.number().nonnegative().nullable().describe("Money the customer mentions, in major units"),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/)
          .nullable()
          .describe("ISO 4217"),
      }),
    })
    .refine((turn) => turn.decision === "continue" || turn.reason !== null, {
      message: "escalate and offer need a reason",
      path: ["reason"],
    });
}

export type ModelTurn = z.infer<ReturnType<typeof modelTurnSchema>>;
