import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/domain/audit.js";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import {
  BASE_TIME,
  buildConversation,
  buildCustomerAddress,
  buildEscalation,
  buildTranscriptEntry,
  queuedIn,
  transferredTo,
} from "./conversation-factory.js";

export interface ConversationStoreFixture {
  /** Every backend keeps its outbox beside the conversations: audit events are written by its commit. */
  store: WarmlineStore;
  /** Opens the same data again after `store.close()` (same file, same namespace). */
  reopen?: () => Promise<WarmlineStore>;
  /** Deletes the data; runs after every store the test opened is closed. */
  cleanup: () => Promise<void>;
}

/** A clock the suite moves by hand; backends that take `clock` should use it. */
export interface ContractContext {
  clock: Clock;
}

/**
 * One suite for every ConversationStore backend (keyv's @keyv/test-suite pattern).
 * The factory receives a clock the suite controls, for markSeen's TTL.
 */
export function runConversationStoreContract(name: string, factory: (context: ContractContext) => Promise<ConversationStoreFixture>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let time = BASE_TIME;
    const clock: Clock = { now: () => time };
    let fixture: ConversationStoreFixture;
    let store: WarmlineStore;
    const unclosed = new Set<WarmlineStore>();

    beforeEach(async () => {
      time = BASE_TIME;
      fixture = await factory({ clock });
      store = fixture.store;
      unclosed.add(store);
    });

    afterEach(async () => {
      for (const open of unclosed) await open.close();
      unclosed.clear();
      await fixture.cleanup();
    });

    async function created(overrides: Partial<Conversation> = {}): Promise<Conversation> {
      const conversation = buildConversation(overrides);
      await store.create(conversation);
      return conversation;
    }

    /** Writes `next` over `current` (with the audit events it records) and fails the test if the write lost. */
    async function update(current: Conversation, next: Conversation, audit: AuditEvent[] = []): Promise<Conversation> {
      const stored =
        audit.length > 0 ? await store.commit(next, current.version, [], audit) : await store.compareAndSet(next, current.version);
      expect(stored, `compareAndSet of ${current.id} at version ${current.version}`).toBeDefined();
      return stored!;
    }

    /** Commits `events` with a write of the conversation's latest version, retrying a lost compare-and-set as the engine does. */
    async function recorded(conversationId: string, ...events: AuditEvent[]): Promise<void> {
      for (let attempt = 0; attempt < MAX_RECORD_ATTEMPTS; attempt++) {
        const current = await store.get(conversationId);
        expect(current, `conversation ${conversationId}`).toBeDefined();
        if (await store.commit(current!, current!.version, [], events)) return;
      }
      throw new Error(`Could not commit audit events of ${conversationId} in ${MAX_RECORD_ATTEMPTS} attempts.`);
    }

    function auditEvent(conversationId: string, action: AuditEvent["action"], at: number): AuditEvent {
      return { at, conversationId, actor: "slack:U123", action, detail: { team: "support", level: 1, mandatory: true } };
    }

    describe("create and get", () => {
      it("returns a deep-equal copy of what was created", async () => {
        const conversation = await created({
          transcript: [
            buildTranscriptEntry({
              text: ":starts with a colon, which keyv escapes",
              attachments: [{ kind: "image", mimeType: "image/jpeg", dataBase64: "/9j/4AAQSkZJRg==", description: "Photo of the parcel" }],
            }),
            buildTranscriptEntry({ author: "agent", text: "On it.", agentId: "slack:U123", agentName: "Grace", internal: false }),
          ],
          survey: { status: "pending", sentAt: BASE_TIME },
          declinedReasons: ["low_confidence"],
        });
        expect(await store.get(conversation.id)).toEqual(conversation);
      });

      it("returns undefined for an unknown id", async () => {
        expect(await store.get("conv-missing")).toBeUndefined();
      });

      it("rejects a second create of the same id with store_conflict and keeps the first", async () => {
        const conversation = await created();
        const error = await store.create({ ...conversation, channel: "webchat" }).catch((e: unknown) => e);
        expect(isWarmlineError(error, "store_conflict")).toBe(true);
        expect(await store.get(conversation.id)).toEqual(conversation);
      });

      it("keeps a 100 kB unicode transcript intact, through create and compareAndSet", async () => {
        const text = 'Ünïcödé 🚚📦 مرحبا שלום 你好 e\u0301 \u{1F468}\u200D\u{1F469}\u200D\u{1F467} "quotes" \\ back\nslash '.repeat(1100);
        expect(Buffer.byteLength(text, "utf8")).toBeGreaterThan(100_000);
        const conversation = await created({ transcript: [buildTranscriptEntry({ text })] });
        expect(await store.get(conversation.id)).toEqual(conversation);
        const next = { ...conversation, transcript: [...conversation.transcript, buildTranscriptEntry({ text: text.slice(0, 5000) })] };
        const stored = await update(conversation, next);
        expect(await store.get(conversation.id)).toEqual(stored);
      });
    });

    describe("compareAndSet", () => {
      it("writes when the version matches, and increments it", async () => {
        const conversation = await created();
        const stored = await update(conversation, { ...conversation, state: "queued", updatedAt: BASE_TIME + 5 });
        expect(stored.version).toBe(2);
        expect(stored.state).toBe("queued");
        expect(await store.get(conversation.id)).toEqual(stored);
        const again = await update(stored, { ...stored, botMisses: 1 });
        expect(again.version).toBe(3);
      });

      it("returns undefined for a stale version and writes nothing", async () => {
        const conversation = await created();
        const stored = await update(conversation, { ...conversation, botMisses: 1 });
        expect(await store.compareAndSet({ ...conversation, botMisses: 9 }, conversation.version)).toBeUndefined();
        expect(await store.get(conversation.id)).toEqual(stored);
      });

      it("does not create a conversation that does not exist", async () => {
        const ghost = buildConversation();
        expect(await store.compareAndSet(ghost, 1)).toBeUndefined();
        expect(await store.get(ghost.id)).toBeUndefined();
        expect(await store.countByCustomer(ghost.customer.address)).toBe(0);
      });

      it("lets exactly one of 20 concurrent writers with the same version win", async () => {
        const conversation = await created();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.compareAndSet({ ...conversation, botMisses: i + 1 }, conversation.version)),
        );
        const winners = results.filter((r): r is Conversation => r !== undefined);
        expect(winners).toHaveLength(1);
        expect(await store.get(conversation.id)).toEqual(winners[0]);
        expect(winners[0]!.version).toBe(2);
      });
    });

    describe("transcript", () => {
      it("stores entries added, changed in place, and removed, whatever the caller passes in", async () => {
        const conversation = await created();
        const [first, second] = conversation.transcript as [TranscriptEntry, TranscriptEntry];
        const added = await update(conversation, {
          ...conversation,
          transcript: [...conversation.transcript, buildTranscriptEntry({ author: "agent", text: "On it." })],
        });
        expect(await store.get(conversation.id)).toEqual(added);
        const loaded = (await store.get(conversation.id))!;
        // A copy equal to the stored entry, and a changed copy of another: only the latter changes anything.
        const delivered = { ...loaded.transcript[2]!, delivery: "read" as const };
        const changed = await update(loaded, { ...loaded, transcript: [{ ...first }, second, delivered] });
        expect(await store.get(conversation.id)).toEqual(changed);
        const shortened = await update(changed, { ...changed, transcript: [delivered] });
        expect(await store.get(conversation.id)).toEqual(shortened);
        const emptied = await update(shortened, { ...shortened, transcript: [] });
        expect(await store.get(conversation.id)).toEqual(emptied);
        const refilled = await update(emptied, { ...emptied, transcript: [first, second] });
        expect(await store.get(conversation.id)).toEqual(refilled);
      });

      it("hands out copies: changing what a read returned changes nothing stored", async () => {
        const conversation = await created();
        const read = (await store.get(conversation.id))!;
        read.state = "resolved";
        read.customer.name = "Mallory";
        read.transcript.push(buildTranscriptEntry({ text: "never stored" }));
        read.escalations.push(buildEscalation());
        // Entries are shared between copies, so they are frozen: an entry is replaced, never changed in place.
        expect(() => {
          (read.transcript[0] as TranscriptEntry).text = "rewritten";
        }).toThrow(TypeError);
        expect(await store.get(conversation.id)).toEqual(conversation);
      });

      it("sees a write another instance made after this one read the conversation", async (context) => {
        if (fixture.reopen === undefined) {
          context.skip(`${name} is one process's memory`);
          return;
        }
        const conversation = await created();
        expect(await store.get(conversation.id)).toEqual(conversation);
        const other = await fixture.reopen();
        unclosed.add(other);
        const elsewhere = (await other.compareAndSet(
          { ...conversation, transcript: [...conversation.transcript, buildTranscriptEntry({ text: "from the other instance" })] },
          conversation.version,
        ))!;
        expect(elsewhere).toBeDefined();
        expect(await store.get(conversation.id)).toEqual(elsewhere);
        // And this instance's next write builds on it.
        const here = await update(elsewhere, {
          ...elsewhere,
          transcript: [...elsewhere.transcript, buildTranscriptEntry({ text: "here" })],
        });
        expect(await other.get(conversation.id)).toEqual(here);
        expect(await store.compareAndSet({ ...conversation, botMisses: 3 }, conversation.version)).toBeUndefined();
      });

      it("keeps a long transcript intact when entries are appended one write at a time", async () => {
        let current = await created({ transcript: [] });
        for (let i = 0; i < 30; i++) {
          const entry = buildTranscriptEntry({ text: `:message ${i}`, at: BASE_TIME + i });
          current = await update(current, { ...current, transcript: [...current.transcript, entry], updatedAt: BASE_TIME + i });
        }
        expect(await store.get(current.id)).toEqual(current);
        expect((await store.listOpen()).concat(await store.listSince(0)).find((c) => c.id === current.id)).toEqual(current);
      });
    });

    describe("indexes", () => {
      it("finds the customer's active conversation as its state changes", async () => {
        const conversation = await created();
        const address = conversation.customer.address;
        expect((await store.findActiveByCustomer(address))?.id).toBe(conversation.id);
        const queued = await update(conversation, queuedIn(conversation, "slack:C1:1.1"));
        expect(await store.findActiveByCustomer(address)).toEqual(queued);

        const surveying = await update(queued, { ...queued, state: "resolved", survey: { status: "pending", sentAt: BASE_TIME + 9 } });
        expect((await store.findActiveByCustomer(address))?.id).toBe(conversation.id);
        const answered = await update(surveying, { ...surveying, survey: { status: "answered", sentAt: BASE_TIME + 9, score: 5 } });
        expect(await store.findActiveByCustomer(address)).toBeUndefined();

        const resolvedWithoutSurvey = await created({ customer: { ...conversation.customer }, state: "resolved" });
        expect(await store.findActiveByCustomer(address)).toBeUndefined();
        const reopened = await update(resolvedWithoutSurvey, { ...resolvedWithoutSurvey, state: "bot" });
        expect(await store.findActiveByCustomer(address)).toEqual(reopened);
        expect(answered.state).toBe("resolved");
        expect(await store.findActiveByCustomer(buildCustomerAddress())).toBeUndefined();
      });

      it("finds a conversation by every thread it was escalated into, including before a transfer", async () => {
        const conversation = await created();
        expect(await store.findByThread("slack:C1:1.1")).toBeUndefined();
        const queued = await update(conversation, queuedIn(conversation, "slack:C1:1.1"));
        expect(await store.findByThread("slack:C1:1.1")).toEqual(queued);
        const transferred = await update(queued, transferredTo(queued, "billing", "slack:C2:2.2"));
        expect(await store.findByThread("slack:C2:2.2")).toEqual(transferred);
        expect(await store.findByThread("slack:C1:1.1")).toEqual(transferred);
        expect(await store.findByThread("slack:C9:9.9")).toBeUndefined();
      });

      it("lists queued and assigned conversations as open, and drops them when they close", async () => {
        const bot = await created();
        const queued = await update(...pair(await created(), (c) => queuedIn(c, "slack:C1:1.1")));
        const assignedFrom = await update(...pair(await created(), (c) => queuedIn(c, "slack:C1:2.2")));
        const assigned = await update(assignedFrom, { ...assignedFrom, state: "assigned", assignee: { id: "slack:U1", name: "Grace" } });
        await created({ state: "resolved" });

        expect((await store.listOpen()).map((c) => c.id).sort()).toEqual([queued.id, assigned.id].sort());
        expect(await store.listOpen()).toContainEqual(assigned);
        await update(queued, { ...queued, state: "resolved" });
        expect((await store.listOpen()).map((c) => c.id)).toEqual([assigned.id]);
        await update(assigned, { ...assigned, state: "bot" });
        expect(await store.listOpen()).toEqual([]);
        expect(bot.state).toBe("bot");
      });

      it("lists conversations updated at or after a time, oldest first", async () => {
        const old = await created({ createdAt: BASE_TIME, updatedAt: BASE_TIME });
        const edge = await created({ createdAt: BASE_TIME, updatedAt: BASE_TIME + 100 });
        const recent = await created({ createdAt: BASE_TIME, updatedAt: BASE_TIME + 200 });
        expect((await store.listSince(BASE_TIME + 100)).map((c) => c.id)).toEqual([edge.id, recent.id]);
        const touched = await update(old, { ...old, updatedAt: BASE_TIME + 300 });
        expect(await store.listSince(BASE_TIME + 250)).toEqual([touched]);
        expect(await store.listSince(BASE_TIME + 1000)).toEqual([]);
      });

      it("counts every conversation a customer had", async () => {
        const first = await created({ state: "resolved" });
        const address = first.customer.address;
        await created({ customer: { ...first.customer } });
        await created();
        expect(await store.countByCustomer(address)).toBe(2);
        expect(await store.countByCustomer(buildCustomerAddress())).toBe(0);
      });
    });

    describe("markSeen", () => {
      it("is true the first time and false afterwards", async () => {
        expect(await store.markSeen("wamid.1", 60_000)).toBe(true);
        expect(await store.markSeen("wamid.1", 60_000)).toBe(false);
        expect(await store.markSeen("wamid.2", 60_000)).toBe(true);
      });

      it("is true for exactly one of 20 concurrent callers", async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.markSeen("wamid.race", 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("forgets a key once its TTL has passed on the store's clock", async () => {
        expect(await store.markSeen("wamid.ttl", 60_000)).toBe(true);
        time += 59_999;
        expect(await store.markSeen("wamid.ttl", 60_000)).toBe(false);
        time += 1;
        expect(await store.markSeen("wamid.ttl", 60_000)).toBe(true);
        expect(await store.markSeen("wamid.ttl", 60_000)).toBe(false);
      });
    });

    describe("audit", () => {
      it("lists events per conversation in the order they were committed", async () => {
        const conversation = await created();
        const other = await created();
        const events = (["escalated", "claimed", "relayed", "transferred", "resolved"] as const).map((action, i) =>
          auditEvent(conversation.id, action, BASE_TIME + i),
        );
        await recorded(conversation.id, ...events.slice(0, 2));
        for (const event of events.slice(2)) await recorded(conversation.id, event);
        await recorded(other.id, auditEvent(other.id, "escalated", BASE_TIME));
        expect(await store.listAudit(conversation.id)).toEqual(events);
        expect(await store.listAudit("conv-none")).toEqual([]);
      });

      it("keeps every event of concurrent writers, each committing once it wins its compare-and-set", async () => {
        const conversation = await created();
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => recorded(conversation.id, auditEvent(conversation.id, "relayed", BASE_TIME + i))),
        );
        const listed = await store.listAudit(conversation.id);
        expect(listed.map((e) => e.at).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => BASE_TIME + i));
      });
    });

    describe("listByCustomer", () => {
      it("lists every conversation of the customer in any state, oldest first, and nobody else's", async () => {
        const first = await created({ state: "resolved", updatedAt: BASE_TIME });
        const second = await created({ customer: { ...first.customer }, updatedAt: BASE_TIME + 1 });
        await created();
        expect((await store.listByCustomer(first.customer.address)).map((c) => c.id)).toEqual([first.id, second.id]);
        expect(await store.listByCustomer("whatsapp:nobody@c.us")).toEqual([]);
      });
    });

    describe("media", () => {
      const photo = Buffer.from("a photo of the parcel, as bytes").toString("base64");

      it("keeps an attachment's bytes beside its conversation, the last kept under an id winning", async () => {
        const conversation = await created();
        await store.saveMedia(conversation.id, [
          { id: "m1", dataBase64: photo },
          { id: "m2", dataBase64: "c2Vjb25k" },
        ]);
        expect(await store.loadMedia(conversation.id, "m1")).toBe(photo);
        expect(await store.loadMedia(conversation.id, "m2")).toBe("c2Vjb25k");
        await store.saveMedia(conversation.id, [{ id: "m1", dataBase64: "YWdhaW4=" }]);
        expect(await store.loadMedia(conversation.id, "m1")).toBe("YWdhaW4=");
        const other = await created();
        expect(await store.loadMedia(other.id, "m1")).toBeUndefined();
      });

      it("keeps nothing for a conversation that is not stored", async () => {
        await store.saveMedia("conv_never_created", [{ id: "m1", dataBase64: photo }]);
        expect(await store.loadMedia("conv_never_created", "m1")).toBeUndefined();
      });

      it("deletes a conversation's media with it, when forgotten and when purged", async () => {
        const forgotten = await created();
        const purged = await created({ state: "resolved", updatedAt: BASE_TIME });
        const kept = await created({ updatedAt: BASE_TIME + 5_000 });
        for (const c of [forgotten, purged, kept]) await store.saveMedia(c.id, [{ id: "m1", dataBase64: photo }]);
        expect(await store.forgetCustomer(forgotten.customer.address)).toBe(1);
        expect(await store.purgeOlderThan(BASE_TIME + 1)).toBe(1);
        expect(await store.loadMedia(forgotten.id, "m1")).toBeUndefined();
        expect(await store.loadMedia(purged.id, "m1")).toBeUndefined();
        expect(await store.loadMedia(kept.id, "m1")).toBe(photo);
        // Created again under the same id, a conversation does not find the old bytes.
        await store.create({ ...forgotten, version: 1 });
        expect(await store.loadMedia(forgotten.id, "m1")).toBeUndefined();
      });
    });

    describe("forgetCustomer", () => {
      it("removes every conversation, index entry and audit event of the customer, and nothing else", async () => {
        const first = await created({ state: "resolved" });
        const address = first.customer.address;
        await recorded(first.id, auditEvent(first.id, "resolved", BASE_TIME));
        const secondCreated = await created({ customer: { ...first.customer } });
        const second = await update(secondCreated, queuedIn(secondCreated, "slack:C1:3.3"), [
          auditEvent(secondCreated.id, "escalated", BASE_TIME),
        ]);
        const bystanderCreated = await created();
        const bystander = await update(bystanderCreated, queuedIn(bystanderCreated, "slack:C1:4.4"), [
          auditEvent(bystanderCreated.id, "escalated", BASE_TIME),
        ]);

        expect(await store.forgetCustomer(address)).toBe(2);

        expect(await store.get(first.id)).toBeUndefined();
        expect(await store.get(second.id)).toBeUndefined();
        expect(await store.findActiveByCustomer(address)).toBeUndefined();
        expect(await store.findByThread("slack:C1:3.3")).toBeUndefined();
        expect(await store.listAudit(first.id)).toEqual([]);
        expect(await store.listAudit(second.id)).toEqual([]);
        expect(await store.countByCustomer(address)).toBe(0);
        expect((await store.listOpen()).map((c) => c.id)).toEqual([bystander.id]);
        expect(await store.listSince(0)).toEqual([bystander]);
        expect(await store.findByThread("slack:C1:4.4")).toEqual(bystander);
        expect(await store.listAudit(bystander.id)).toHaveLength(1);
        expect(await store.forgetCustomer(address)).toBe(0);
        expect(await store.compareAndSet(second, second.version)).toBeUndefined();
      });
    });

    describe("purgeOlderThan", () => {
      it("deletes closed conversations last updated before the cutoff, with their indexes and audit", async () => {
        const cutoff = BASE_TIME + 10_000;
        const oldResolved = await created({ state: "resolved", updatedAt: BASE_TIME });
        const oldThreaded = await update(...pair(await created(), (c) => queuedIn(c, "slack:C1:5.5", BASE_TIME + 1)));
        const oldBot = await update(oldThreaded, { ...oldThreaded, state: "bot", updatedAt: BASE_TIME + 2 });
        const oldOpen = await update(...pair(await created(), (c) => queuedIn(c, "slack:C1:6.6", BASE_TIME + 3)));
        const atCutoff = await created({ state: "resolved", updatedAt: cutoff });
        await recorded(oldResolved.id, auditEvent(oldResolved.id, "resolved", BASE_TIME));

        expect(await store.purgeOlderThan(cutoff)).toBe(2);

        expect(await store.get(oldResolved.id)).toBeUndefined();
        expect(await store.get(oldBot.id)).toBeUndefined();
        expect(await store.listAudit(oldResolved.id)).toEqual([]);
        expect(await store.findByThread("slack:C1:5.5")).toBeUndefined();
        expect(await store.findActiveByCustomer(oldBot.customer.address)).toBeUndefined();
        expect(await store.countByCustomer(oldResolved.customer.address)).toBe(0);
        expect(await store.get(oldOpen.id)).toEqual(oldOpen);
        expect(await store.get(atCutoff.id)).toEqual(atCutoff);
        expect((await store.listSince(0)).map((c) => c.id).sort()).toEqual([oldOpen.id, atCutoff.id].sort());
        expect(await store.purgeOlderThan(cutoff)).toBe(0);
      });
    });

    describe("durability", () => {
      it("keeps conversations, indexes, audit and seen keys across close and reopen", async (context) => {
        if (fixture.reopen === undefined) {
          context.skip(`${name} keeps nothing after close`);
          return;
        }
        const conversation = await created();
        const event = auditEvent(conversation.id, "escalated", BASE_TIME);
        const queued = await update(conversation, queuedIn(conversation, "slack:C1:7.7"), [event]);
        expect(await store.markSeen("wamid.durable", 60_000)).toBe(true);
        await store.close();
        unclosed.delete(store);

        store = await fixture.reopen();
        unclosed.add(store);
        expect(await store.get(conversation.id)).toEqual(queued);
        expect(await store.findActiveByCustomer(conversation.customer.address)).toEqual(queued);
        expect(await store.findByThread("slack:C1:7.7")).toEqual(queued);
        expect(await store.listOpen()).toEqual([queued]);
        expect(await store.listAudit(conversation.id)).toEqual([event]);
        expect(await store.markSeen("wamid.durable", 60_000)).toBe(false);
        expect(await store.compareAndSet({ ...queued, state: "assigned" }, queued.version)).toMatchObject({ version: 3 });
      });
    });
  });
}

/** Concurrent writers in the audit tests retry at most this often (each round, one of them wins). */
const MAX_RECORD_ATTEMPTS = 50;

/** Spreads into update(): the conversation and the next state built from it. */
function pair(current: Conversation, next: (c: Conversation) => Conversation): [Conversation, Conversation] {
  return [current, next(current)];
}
