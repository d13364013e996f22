import type { ContextPackage } from "../../src/domain/context-package.js";

export const T0 = Date.UTC(2024, 4, 6, 10, 0, 0);

/** A realistic cancellation escalation, as the engine would build it. */
export function cancellationContext(overrides: Partial<ContextPackage> = {}): ContextPackage {
  return {
    conversationId: "conv-1",
    customer: { name: "Maria Lopez", maskedPhone: "+44 •••• ••• 123", tier: "standard", pastConversations: 2 },
    escalation: {
      id: "esc-1",
      reason: "priority_intent",
      explanation: "The customer wants to cancel order 1042, which needs the retention team.",
      team: "retention",
      priority: "high",
      level: 1,
      mandatory: true,
      createdAt: T0,
    },
    intent: "cancel_order",
    headline: "Maria Lopez wants to cancel order 1042",
    summary: "The customer wants to cancel order 1042. The assistant found the order (shipped on 3 May) and could not cancel it.",
    keyMessages: [
      { text: "I want to cancel my order 1042", at: T0 - 60_000 },
      { text: "It hasn't arrived and I don't need it any more", at: T0 - 30_000 },
    ],
    intents: ["cancel_order"],
    sentiment: { score: -0.4, label: "negative" },
    botActions: [
      { action: "order_lookup", ok: true, result: "Order 1042 shipped on 3 May" },
      { action: "cancel_order", ok: false, result: "Shipped orders cannot be cancelled by the assistant" },
      { action: "refund_policy_check", ok: false, result: "Order system timed out", failed: true },
    ],
    suggestedNextStep: "Offer a return label or intercept the parcel.",
    suggestedOpening: "Hi Maria, I see order 1042 has shipped and you'd like to cancel it. Let me sort that out.",
    waitingSince: T0,
    claimDeadline: T0 + 5 * 60_000,
    transcript: [
      { author: "Maria Lopez", text: "I want to cancel my order 1042", at: T0 - 60_000 },
      { author: "Assistant", text: "Order 1042 shipped on 3 May.", at: T0 - 45_000 },
      { author: "Maria Lopez", text: "It hasn't arrived and I don't need it any more", at: T0 - 30_000 },
    ],
    ...overrides,
  };
}

export const TEAMS = [
  { key: "support", displayName: "Support" },
  { key: "retention", displayName: "Customer Care" },
  { key: "billing", displayName: "Billing" },
  { key: "priority", displayName: "Priority Care" },
];
