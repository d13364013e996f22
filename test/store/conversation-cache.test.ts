import { describe, expect, it } from "vitest";
import { ConversationCache, headOf, transcriptChange } from "../../src/store/conversation-cache.js";
import { buildConversation, buildTranscriptEntry } from "../contract/conversation-factory.js";

describe("ConversationCache", () => {
  const stored = (overrides: Parameters<typeof buildConversation>[0] = {}) => {
    const conversation = buildConversation(overrides);
    return { conversation, parts: transcriptChange(conversation, JSON.stringify(headOf(conversation)), undefined).parts };
  };

  it("keeps only the most recently used conversations, up to its size", () => {
    const cache = new ConversationCache(2);
    const [a, b, c] = [stored(), stored(), stored()];
    cache.remember(a.conversation, a.parts);
    cache.remember(b.conversation, b.parts);
    expect(cache.latest(a.conversation.id)).toBe(a.parts);
    cache.remember(c.conversation, c.parts);
    expect(cache.latest(b.conversation.id)).toBeUndefined();
    expect(cache.latest(a.conversation.id)).toBe(a.parts);
    expect(cache.latest(c.conversation.id)).toBe(c.parts);
  });

  it("drops a conversation once it is resolved", () => {
    const cache = new ConversationCache();
    const open = stored();
    cache.remember(open.conversation, open.parts);
    const resolved = { ...open.conversation, state: "resolved" as const };
    cache.remember(resolved, transcriptChange(resolved, JSON.stringify(headOf(resolved)), open.parts).parts);
    expect(cache.latest(open.conversation.id)).toBeUndefined();
  });

  it("serves a write's base only at the version it was built from", () => {
    const cache = new ConversationCache();
    const one = stored();
    cache.remember(one.conversation, one.parts);
    expect(cache.at(one.conversation.id, 1)).toBe(one.parts);
    expect(cache.at(one.conversation.id, 2)).toBeUndefined();
  });
});

describe("transcriptChange", () => {
  it("writes every entry without a base, and only the new or changed ones with it", () => {
    const conversation = buildConversation();
    const first = transcriptChange(conversation, JSON.stringify(headOf(conversation)), undefined);
    expect(first.write).toMatchObject({ replace: true, length: 2 });
    expect(first.write.changed.map((c) => c.position)).toEqual([0, 1]);

    const [kept, edited] = first.parts.entries;
    const next = {
      ...conversation,
      version: 2,
      transcript: [kept!, { ...edited!, deleted: true }, buildTranscriptEntry({ text: "new" })],
    };
    const second = transcriptChange(next, JSON.stringify(headOf(next)), first.parts);
    expect(second.write.replace).toBe(false);
    expect(second.write.changed.map((c) => c.position)).toEqual([1, 2]);
    expect(second.parts.entries[0]).toBe(kept);
    expect(Object.isFrozen(second.parts.entries[2])).toBe(true);
    expect(Object.isFrozen(next.transcript[2])).toBe(false);
  });
});
