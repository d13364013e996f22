/**
 * Stored history without the traffic that made it: copies of a real conversation (one the bench
 * escalated and claimed through Slack) written straight through the store, and transcripts padded
 * the same way. Going through Slack would take minutes for 10,000 conversations.
 */
import { decodeSlackThreadRef, encodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { encodeWhatsAppAddress, phoneFromWhatsAppChatId } from "../../channels/whatsapp/whatsapp-address.js";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";

/** Writes in flight at once while seeding: enough to keep a store busy, few enough to stay in order of memory. */
const SEED_CONCURRENCY = 32;

/** Seeded customers' chats: a number range the bench's live customers never use. */
export const seedChatId = (n: number): string => `49150${String(n).padStart(7, "0")}@c.us`;

export async function activeConversation(store: ConversationStore, chatId: string): Promise<Conversation> {
  const conversation = await store.findActiveByCustomer(encodeWhatsAppAddress(chatId));
  if (!conversation) throw new Error(`No active conversation for ${chatId}: the bench escalates a chat before it seeds or pads it`);
  return conversation;
}

/** Conversation `n` as a copy of `template`: its own id, customer, escalation ids and card threads. */
function copyOf(template: Conversation, n: number, state: "open" | "resolved", now: number): Conversation {
  const chatId = seedChatId(n);
  const copy = structuredClone(template);
  copy.id = `${template.id}_seed${n}`;
  copy.version = 1;
  copy.customer = { ...copy.customer, address: encodeWhatsAppAddress(chatId), phone: phoneFromWhatsAppChatId(chatId) };
  copy.escalations = copy.escalations.map((escalation, index) => {
    const thread = escalation.thread
      ? encodeSlackThreadRef({
          channel: decodeSlackThreadRef(escalation.thread).channel,
          threadTs: `1600000000.${String(n * 10 + index).padStart(7, "0")}`,
        })
      : undefined;
    return { ...escalation, id: `${escalation.id}_seed${n}`, ...(thread ? { thread } : {}) };
  });
  if (state === "resolved") {
    copy.state = "resolved";
    const last = copy.escalations.at(-1);
    if (last) Object.assign(last, { outcome: "resolved", endedAt: now });
    copy.survey = { status: "answered", sentAt: now, score: 5, handoverHelped: true, answeredAt: now };
  }
  copy.createdAt = now;
  copy.updatedAt = now;
  return copy;
}

/** Stores `count` copies of the chat's conversation, open (claimed) or resolved with its survey answered. */
export async function seedConversations(
  store: ConversationStore,
  templateChatId: string,
  count: number,
  state: "open" | "resolved",
): Promise<void> {
  const template = await activeConversation(store, templateChatId);
  const now = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) await store.create(copyOf(template, next++, state, now));
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
}

/** Earlier turns, alternating customer and agent, until the transcript holds `length` entries. */
function padding(conversation: Conversation, length: number, now: number): TranscriptEntry[] {
  const agent = conversation.assignee;
  return Array.from({ length: Math.max(0, length - conversation.transcript.length) }, (_, i) => {
    const n = conversation.transcript.length + i;
    const base = { id: `pad_${n}`, text: `Earlier message ${n} about the order and its delivery`, at: now - 1000 + i / 1000 };
    return i % 2 === 0 || !agent
      ? { ...base, author: "customer" as const }
      : { ...base, author: "agent" as const, agentId: agent.id, agentName: agent.name };
  });
}

/** Pads each chat's conversation to `length` transcript entries by compare-and-set (retried if the engine wrote first). */
export async function padTranscripts(store: ConversationStore, chatIds: string[], length: number): Promise<void> {
  const now = Date.now();
  for (const chatId of chatIds) {
    for (;;) {
      const conversation = await activeConversation(store, chatId);
      const extra = padding(conversation, length, now);
      if (extra.length === 0) break;
      const next = { ...conversation, transcript: [...conversation.transcript, ...extra], updatedAt: now };
      if (await store.compareAndSet(next, conversation.version)) break;
    }
  }
}
