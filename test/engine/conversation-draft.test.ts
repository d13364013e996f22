import { describe, expect, it } from "vitest";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import { draftOf, replaceEntry, sealEntries } from "../../src/engine/conversation-draft.js";

const entry = (id: string, text: string): TranscriptEntry => ({
  id,
  author: "customer",
  text,
  at: 1,
  attachments: [{ kind: "image", description: "a photo" }],
  language: { code: "en", name: "English", script: "Latn" },
});

function stored(): Conversation {
  return {
    id: "conv_1",
    version: 3,
    channel: "whatsapp",
    customer: { address: "whatsapp:1@c.us", tier: "standard", pastConversations: 0 },
    state: "queued",
    transcript: [entry("m1", "hello"), entry("m2", "where is my order?")],
    escalations: [
      {
        id: "esc_1",
        reason: "explicit_request",
        explanation: "asked",
        team: "support",
        priority: "normal",
        level: 1,
        mandatory: false,
        createdAt: 1,
      },
    ],
    botMisses: 0,
    toolFailures: 0,
    declinedReasons: [],
    createdAt: 1,
    updatedAt: 1,
  };
}

describe("conversation drafts (copy-on-write)", () => {
  it("shares the transcript's entries with the stored version, in an array of its own", () => {
    const current = stored();
    const draft = draftOf(current);
    expect(draft.transcript).not.toBe(current.transcript);
    expect(draft.transcript[0]).toBe(current.transcript[0]);
    expect(draft.transcript[1]).toBe(current.transcript[1]);
    draft.transcript.push(entry("m3", "thanks"));
    expect(current.transcript).toHaveLength(2);
  });

  it("freezes shared entries, nested parts included, so an edit in place throws instead of changing the stored version", () => {
    const current = stored();
    const draft = draftOf(current);
    const shared = draft.transcript[0]!;
    expect(() => {
      shared.text = "changed";
    }).toThrow(TypeError);
    expect(() => shared.attachments!.push({ kind: "audio" })).toThrow(TypeError);
    expect(() => {
      shared.language!.code = "es";
    }).toThrow(TypeError);
    expect(current.transcript[0]!.text).toBe("hello");
  });

  it("replaces an edited entry in its slot: the draft has the edit, the stored version keeps the original", () => {
    const current = stored();
    const draft = draftOf(current);
    const replaced = replaceEntry(draft, "m2", { editedText: "where is order 42?" });
    expect(replaced).toMatchObject({ id: "m2", text: "where is my order?", editedText: "where is order 42?" });
    expect(draft.transcript[1]).toBe(replaced);
    expect(draft.transcript[0]).toBe(current.transcript[0]);
    expect(current.transcript[1]!.editedText).toBeUndefined();
    expect(replaceEntry(draft, "nope", { deleted: true })).toBeUndefined();
  });

  it("copies the rest whole, so a change may edit escalations and the customer in place", () => {
    const current = stored();
    const draft = draftOf(current);
    draft.escalations[0]!.claimedAt = 5;
    draft.customer.name = "Maria";
    expect(current.escalations[0]!.claimedAt).toBeUndefined();
    expect(current.customer.name).toBeUndefined();
  });

  it("seals entries a change added, and leaves frozen ones as they are", () => {
    const draft = draftOf(stored());
    const added = entry("m3", "thanks");
    draft.transcript.push(added);
    sealEntries(draft.transcript);
    expect(Object.isFrozen(added)).toBe(true);
    expect(Object.isFrozen(added.attachments![0])).toBe(true);
  });
});
