import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";

/** A WhatsApp conversation with the bot, created at `now`, holding `transcript`. */
export function botConversation(now: number, transcript: TranscriptEntry[] = []): Conversation {
  return {
    id: "conv-1",
    version: 1,
    channel: "whatsapp",
    customer: { address: "whatsapp:15550001111@c.us", tier: "standard", pastConversations: 0 },
    state: "bot",
    transcript,
    escalations: [],
    botMisses: 0,
    toolFailures: 0,
    declinedReasons: [],
    createdAt: now,
    updatedAt: now,
  };
}
