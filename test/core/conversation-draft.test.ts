import { describe, expect, it } from "vitest";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import { draftOf, replaceEntry, sealEntries } from "../../src/domain/conversation-draft.js";

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

  it("freezes the entries a change added or replaced, nested parts included, so a later edit in place throws", () => {
    const current = stored();
    const draft = draftOf(current);
    draft.transcript.push(entry("m3", "thanks"));
    replaceEntry(draft, "m1", { deleted: true });
    sealEntries(draft, current);
    // A store that keeps what was committed hands these same objects to the next change.
    const next = draftOf(draft);
    const [replaced, kept, added] = next.transcript;
    expect(() => {
      added!.text = "changed";
    }).toThrow(TypeError);
    expect(() => added!.attachments!.push({ kind: "audio" })).toThrow(TypeError);
    expect(() => {
      replaced!.language!.code = "es";
    }).toThrow(TypeError);
    expect(added!.text).toBe("thanks");
    // Entries the change left alone are not walked: sealing costs one identity check for them.
    expect(kept).toBe(current.transcript[1]);
    expect(Object.isFrozen(kept)).toBe(false);
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
});
