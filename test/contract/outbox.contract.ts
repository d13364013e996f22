import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/domain/audit.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import { type ItemCompletion, OUTBOX_OPS_LANE, type NewOutboxItem, type StartAttempt, type WarmlineStore } from "../../src/ports/outbox.js";
import { BASE_TIME, buildConversation } from "./conversation-factory.js";

export interface OutboxStoreFixture {
  store: WarmlineStore;
  /**
   * Opens the same data again after `store.close()`, or beside it as another process would (the lease
   * tests race several connections); absent for the in-memory store.
   */
  reopen?: () => Promise<WarmlineStore>;
  cleanup: () => Promise<void>;
}

const note = (lane: string, text: string): NewOutboxItem => ({ lane, effect: { kind: "notify_ops", text } });
const texts = (items: { effect: { kind: string } }[]) => items.map((i) => (i.effect as unknown as { text: string }).text);
const event = (conversationId: string, action: AuditEvent["action"]): AuditEvent => ({
  at: BASE_TIME,
  conversationId,
  actor: "slack:U123",
  action,
  detail: { team: "support", level: 2, mandatory: true },
});

/** The lease named when a test completes items outside a worker: nobody holds it, so letting it go changes nothing. */
const WORKER = { name: "lane-nobody-holds", holder: "worker" };

/** Lease length in the lease tests; the suite moves its clock across it. */
const LEASE_TTL_MS = 30_000;
/** Instances racing for one lane. */
const CONCURRENT_ACQUIRERS = 20;

/** One outbox suite for every store backend: ordering, atomic commit, parking, forgetting, durability, lane leases. */
export function runOutboxContract(name: string, factory: (context: { clock: Clock }) => Promise<OutboxStoreFixture>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    let time = BASE_TIME;
    const clock: Clock = { now: () => time };
    let fixture: OutboxStoreFixture;
    let store: WarmlineStore;
    const open = new Set<WarmlineStore>();

    beforeEach(async () => {
      time = BASE_TIME;
      fixture = await factory({ clock });
      store = fixture.store;
      open.add(store);
    });
    afterEach(async () => {
      for (const s of open) await s.close();
      open.clear();
      await fixture.cleanup();
    });

    it("keeps each lane in order and gives one head per lane", async () => {
      await store.enqueue([note("a", "a1"), note("b", "b1"), note("a", "a2")]);
      await store.enqueue([note("b", "b2"), note("a", "a3")]);
      const all = await store.listOutbox();
      expect(texts(all.filter((i) => i.lane === "a"))).toEqual(["a1", "a2", "a3"]);
      expect(all.map((i) => i.seq)).toEqual([...all.map((i) => i.seq)].sort((x, y) => x - y));
      expect(texts(await store.outboxHeads())).toEqual(["a1", "b1"]);
      expect(texts(await store.outboxHeads("b"))).toEqual(["b1"]);
      const [a1] = await store.outboxHeads("a");
      await store.completeOutboxItem(a1!, WORKER);
      expect(texts(await store.outboxHeads("a"))).toEqual(["a2"]);
    });

    it("parks a failed item: the lane moves on, the item stays for replay", async () => {
      const [first] = await store.enqueue([note("a", "a1"), note("a", "a2")]);
      expect(await store.saveOutboxItem({ ...first!, status: "failed", attempts: 5, lastError: "boom" })).toBe(true);
      expect(texts(await store.outboxHeads("a"))).toEqual(["a2"]);
      const failed = (await store.listOutbox()).find((i) => i.id === first!.id)!;
      expect(failed).toMatchObject({ status: "failed", attempts: 5, lastError: "boom" });
      // Replaying puts it back at its own place in the lane.
      await store.saveOutboxItem({ ...failed, status: "pending", attempts: 0 });
      expect(texts(await store.outboxHeads("a"))).toEqual(["a1"]);
    });

    it("says when an item it is asked to save is gone", async () => {
      const [item] = await store.enqueue([note("a", "a1")]);
      await store.completeOutboxItem(item!, WORKER);
      expect(await store.saveOutboxItem({ ...item!, attempts: 1 })).toBe(false);
      expect(await store.listOutbox()).toEqual([]);
    });

    it("commits the conversation and its items together, and neither when the version lost", async () => {
      const conversation = buildConversation();
      await store.create(conversation);
      const next = { ...conversation, state: "queued" as const };
      expect(await store.commit(next, 1, [note(conversation.id, "card")])).toBeDefined();
      expect(await store.commit(next, 1, [note(conversation.id, "stale")])).toBeUndefined();
      expect(texts(await store.listOutbox())).toEqual(["card"]);
      expect((await store.get(conversation.id))?.version).toBe(2);
    });

    it("commits audit events with the conversation and its items, and none of them when the version lost", async () => {
      const conversation = buildConversation();
      await store.create(conversation);
      const queued = { ...conversation, state: "queued" as const };
      const recorded = [event(conversation.id, "escalated"), event(conversation.id, "claimed")];
      expect(await store.commit(queued, 1, [note(conversation.id, "card")], recorded)).toEqual({ ...queued, version: 2 });
      expect(await store.listAudit(conversation.id)).toEqual(recorded);

      // Another writer read version 1 too: its state, its items and its audit events are all lost together.
      const lost = { ...conversation, state: "resolved" as const };
      expect(await store.commit(lost, 1, [note(conversation.id, "stale")], [event(conversation.id, "resolved")])).toBeUndefined();
      expect(await store.get(conversation.id)).toEqual({ ...queued, version: 2 });
      expect(texts(await store.listOutbox())).toEqual(["card"]);
      expect(await store.listAudit(conversation.id)).toEqual(recorded);

      // Nor does a commit to a conversation that is gone leave anything behind.
      const ghost = buildConversation();
      expect(await store.commit(ghost, 1, [note(ghost.id, "ghost")], [event(ghost.id, "claimed")])).toBeUndefined();
      expect(await store.listAudit(ghost.id)).toEqual([]);
      expect(texts(await store.listOutbox())).toEqual(["card"]);
    });

    it("refuses an audit event of another conversation and writes nothing", async () => {
      const conversation = buildConversation();
      await store.create(conversation);
      const error = await store
        .commit({ ...conversation, state: "queued" }, 1, [note(conversation.id, "card")], [event("conv-other", "claimed")])
        .catch((e: unknown) => e);
      expect(isWarmlineError(error, "input_invalid")).toBe(true);
      expect(await store.get(conversation.id)).toEqual(conversation);
      expect(await store.listOutbox()).toEqual([]);
      expect(await store.listAudit("conv-other")).toEqual([]);
    });

    it("forgetting a customer removes their lane but not the ops lane", async () => {
      const conversation = buildConversation();
      await store.create(conversation);
      await store.commit(conversation, 1, [note(conversation.id, "to them")]);
      await store.enqueue([note(OUTBOX_OPS_LANE, "ops")]);
      await store.forgetCustomer(conversation.customer.address);
      expect(texts(await store.listOutbox())).toEqual(["ops"]);
    });

    it("survives a restart with states and order intact", async ({ skip }) => {
      if (!fixture.reopen) return skip();
      const [first] = await store.enqueue([note("a", "a1"), note("a", "a2 ✓ عربى")]);
      await store.saveOutboxItem({ ...first!, status: "in_flight", attempts: 1, lastAttemptAt: BASE_TIME });
      await store.close();
      open.delete(store);
      store = await fixture.reopen();
      open.add(store);
      const heads = await store.outboxHeads();
      expect(heads).toHaveLength(1);
      expect(heads[0]).toMatchObject({ id: first!.id, status: "in_flight", attempts: 1, lastAttemptAt: BASE_TIME });
      expect(texts(await store.listOutbox())).toEqual(["a1", "a2 ✓ عربى"]);
      const [later] = await store.enqueue([note("a", "a3")]);
      expect(later!.lane).toBe("a");
      expect(texts(await store.listOutbox())).toEqual(["a1", "a2 ✓ عربى", "a3"]);
    });

    /** More connections to the same data where the backend has them, so a race crosses connections. */
    async function connections(count: number): Promise<WarmlineStore[]> {
      const stores = [store];
      while (fixture.reopen && stores.length < count) {
        const another = await fixture.reopen();
        open.add(another);
        stores.push(another);
      }
      return stores;
    }

    describe("lane leases", () => {
      it(`gives a lane to exactly one of ${CONCURRENT_ACQUIRERS} concurrent acquirers`, async () => {
        const stores = await connections(4);
        const attempts = Array.from({ length: CONCURRENT_ACQUIRERS }, (_, i) =>
          stores[i % stores.length]!.acquireLease("lane-a", `instance-${i}`, LEASE_TTL_MS),
        );
        const won = (await Promise.all(attempts)).flatMap((taken, i) => (taken ? [`instance-${i}`] : []));
        expect(won).toHaveLength(1);
        // The winner holds it: every other instance still finds it taken, the winner can renew it.
        for (let i = 0; i < CONCURRENT_ACQUIRERS; i++) {
          if (`instance-${i}` !== won[0]) expect(await store.acquireLease("lane-a", `instance-${i}`, LEASE_TTL_MS)).toBe(false);
        }
        expect(await store.renewLease("lane-a", won[0]!, LEASE_TTL_MS)).toBe(true);
        // Lanes are independent.
        expect(await store.acquireLease("lane-b", "instance-x", LEASE_TTL_MS)).toBe(true);
      });

      it("lets only the holder renew, and a renewal pushes the expiry out", async () => {
        expect(await store.acquireLease("lane-a", "holder", LEASE_TTL_MS)).toBe(true);
        time += LEASE_TTL_MS - 1000;
        expect(await store.renewLease("lane-a", "other", LEASE_TTL_MS)).toBe(false);
        expect(await store.renewLease("lane-a", "holder", LEASE_TTL_MS)).toBe(true);
        time += LEASE_TTL_MS - 1000; // past the first expiry, before the renewed one
        expect(await store.acquireLease("lane-a", "other", LEASE_TTL_MS)).toBe(false);
        time += 1000;
        expect(await store.renewLease("lane-a", "holder", LEASE_TTL_MS)).toBe(false); // expired: renewing is too late
        expect(await store.renewLease("lane-free", "holder", LEASE_TTL_MS)).toBe(false);
      });

      it("lets only the holder release", async () => {
        expect(await store.acquireLease("lane-a", "holder", LEASE_TTL_MS)).toBe(true);
        expect(await store.releaseLease("lane-a", "other")).toBe(false);
        expect(await store.acquireLease("lane-a", "other", LEASE_TTL_MS)).toBe(false);
        expect(await store.releaseLease("lane-a", "holder")).toBe(true);
        expect(await store.releaseLease("lane-a", "holder")).toBe(false);
        expect(await store.acquireLease("lane-a", "other", LEASE_TTL_MS)).toBe(true);
      });

      it("hands an expired lease to another instance, and the old holder can no longer touch it", async () => {
        expect(await store.acquireLease("lane-a", "first", LEASE_TTL_MS)).toBe(true);
        time += LEASE_TTL_MS - 1;
        expect(await store.acquireLease("lane-a", "second", LEASE_TTL_MS)).toBe(false);
        time += 1;
        expect(await store.acquireLease("lane-a", "second", LEASE_TTL_MS)).toBe(true);
        expect(await store.renewLease("lane-a", "first", LEASE_TTL_MS)).toBe(false);
        expect(await store.releaseLease("lane-a", "first")).toBe(false);
        expect(await store.acquireLease("lane-a", "third", LEASE_TTL_MS)).toBe(false);
      });

      it("lets a crashed holder's lease lapse; the same instance, restarted, takes its lane back at once", async () => {
        expect(await store.acquireLease("lane-a", "crashed", LEASE_TTL_MS)).toBe(true);
        let survivor = store;
        if (fixture.reopen) {
          // The holder's process dies without releasing: its connection is simply gone.
          await store.close();
          open.delete(store);
          survivor = await fixture.reopen();
          open.add(survivor);
        }
        time += LEASE_TTL_MS / 2;
        expect(await survivor.acquireLease("lane-a", "other", LEASE_TTL_MS)).toBe(false);
        expect(await survivor.acquireLease("lane-a", "crashed", LEASE_TTL_MS)).toBe(true);
        time += LEASE_TTL_MS;
        expect(await survivor.acquireLease("lane-a", "other", LEASE_TTL_MS)).toBe(true);
      });

      it("names the lanes another holder has an unexpired lease on, and only those", async () => {
        expect(await store.acquireLease("lane-a", "other", LEASE_TTL_MS)).toBe(true);
        expect(await store.acquireLease("lane-b", "me", LEASE_TTL_MS)).toBe(true);
        expect(await store.acquireLease("lane-c", "other", LEASE_TTL_MS)).toBe(true);
        expect(await store.releaseLease("lane-c", "other")).toBe(true);
        const lanes = ["lane-a", "lane-b", "lane-c", "lane-free"];
        expect([...(await store.leasedByOthers(lanes, "me"))]).toEqual(["lane-a"]);
        expect([...(await store.leasedByOthers(lanes, "other"))]).toEqual(["lane-b"]);
        expect([...(await store.leasedByOthers([], "me"))]).toEqual([]);
        time += LEASE_TTL_MS;
        expect([...(await store.leasedByOthers(lanes, "me"))]).toEqual([]);
      });

      it("refuses a lease without a positive TTL", async () => {
        await expect(store.acquireLease("lane-a", "holder", 0)).rejects.toThrow(/positive ttlMs/);
        await expect(store.takeOutboxLane("lane-a", { name: "lane-a", holder: "holder" }, 0)).rejects.toThrow(/positive ttlMs/);
      });
    });

    describe("taking and completing a lane, each in one step with its lease", () => {
      const mine = { name: "a", holder: "me" };

      it("takes a lane with its head, untouched; an empty lane is let go in the same step", async () => {
        await store.enqueue([note("a", "a1"), note("a", "a2")]);
        // As stored (enqueue's copies have no seq yet).
        const [a1] = await store.listOutbox();
        const taken = await store.takeOutboxLane("a", mine, LEASE_TTL_MS);
        expect(taken).toEqual({ taken: true, head: a1 });
        // The head is not marked in flight: the worker decides that once it knows it can deliver it.
        expect((await store.outboxHeads("a"))[0]).toEqual(a1);
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(false);
        expect(await store.takeOutboxLane("a", { name: "a", holder: "other" }, LEASE_TTL_MS)).toEqual({ taken: false });
        // Taking it again is the holder's right (as acquireLease), and pushes the expiry out.
        time += LEASE_TTL_MS - 1;
        expect((await store.takeOutboxLane("a", mine, LEASE_TTL_MS)).taken).toBe(true);
        time += LEASE_TTL_MS - 1;
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(false);

        expect(await store.takeOutboxLane("empty", { name: "empty", holder: "me" }, LEASE_TTL_MS)).toEqual({
          taken: true,
          head: undefined,
        });
        expect(await store.acquireLease("empty", "other", LEASE_TTL_MS)).toBe(true);
      });

      it("skips parked items: a lane with only those is empty, and let go", async () => {
        const [a1] = await store.enqueue([note("a", "a1")]);
        await store.saveOutboxItem({ ...a1!, status: "failed" });
        expect(await store.takeOutboxLane("a", mine, LEASE_TTL_MS)).toEqual({ taken: true, head: undefined });
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(true);
      });

      it("completes an item and gives the next head, keeping the lane; the last one lets go of it", async () => {
        await store.enqueue([note("a", "a1"), note("a", "a2"), note("a", "a3"), note("b", "b1")]);
        const [a1, a2, a3] = await store.listOutbox();
        expect((await store.takeOutboxLane("a", mine, LEASE_TTL_MS)).taken).toBe(true);
        await store.saveOutboxItem({ ...a1!, status: "in_flight", lastAttemptAt: BASE_TIME });
        expect(await store.completeOutboxItem(a1!, mine)).toEqual(a2);
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(false);
        // A parked item is skipped on the way.
        await store.saveOutboxItem({ ...a3!, status: "failed" });
        expect(await store.completeOutboxItem(a2!, mine)).toBeUndefined();
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(true);
        expect(texts(await store.listOutbox())).toEqual(["a3", "b1"]);
      });

      it("lets go only of the holder's own lease: one that lapsed to another instance stays theirs", async () => {
        const [a1] = await store.enqueue([note("a", "a1")]);
        expect((await store.takeOutboxLane("a", mine, LEASE_TTL_MS)).taken).toBe(true);
        time += LEASE_TTL_MS;
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(true);
        expect(await store.completeOutboxItem(a1!, mine)).toBeUndefined();
        expect(await store.acquireLease("a", "third", LEASE_TTL_MS)).toBe(false);
        expect(await store.releaseLease("a", "other")).toBe(true);
      });

      it(`gives a lane's head to exactly one of ${CONCURRENT_ACQUIRERS} concurrent takers`, async () => {
        const stores = await connections(4);
        await store.enqueue([note("a", "a1")]);
        const [a1] = await store.listOutbox();
        const takes = await Promise.all(
          Array.from({ length: CONCURRENT_ACQUIRERS }, (_, i) =>
            stores[i % stores.length]!.takeOutboxLane("a", { name: "a", holder: `instance-${i}` }, LEASE_TTL_MS),
          ),
        );
        const won = takes.flatMap((take, i) => (take.taken ? [{ holder: `instance-${i}`, head: take.head }] : []));
        expect(won).toEqual([{ holder: expect.any(String), head: a1 }]);
        expect(await store.renewLease("a", won[0]!.holder, LEASE_TTL_MS)).toBe(true);
      });
    });

    describe("marking the head in flight with the read that finds it (StartAttempt)", () => {
      const mine = { name: "a", holder: "me" };
      /** Starts an attempt at items whose text is in `texts`, as of `at`; others are left as they are. */
      const startingOnly =
        (at: number, ...starting: string[]): StartAttempt =>
        (head) =>
          starting.includes(texts([head])[0]!) ? { ...head, status: "in_flight", lastAttemptAt: at, firstAttemptAt: at } : undefined;

      it("a take saves the head's in-flight copy in its step, and returns the head as it read it", async () => {
        await store.enqueue([note("a", "a1"), note("a", "a2")]);
        const [a1, a2] = await store.listOutbox();
        const taken = await store.takeOutboxLane("a", mine, LEASE_TTL_MS, startingOnly(BASE_TIME + 5, "a1"));
        expect(taken).toEqual({ taken: true, head: a1 });
        const inFlight = { ...a1!, status: "in_flight", lastAttemptAt: BASE_TIME + 5, firstAttemptAt: BASE_TIME + 5 };
        expect(await store.listOutbox()).toEqual([inFlight, a2]);
        // Still the lane's head, and the lane still ours.
        expect((await store.outboxHeads("a"))[0]).toEqual(inFlight);
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(false);
      });

      it("a head the start leaves alone is not written, nor is one of a lane another holder has", async () => {
        const [b1] = await store.enqueue([note("b", "b1")]);
        await store.enqueue([note("a", "a1")]);
        const [, a1] = await store.listOutbox();
        expect(await store.takeOutboxLane("a", mine, LEASE_TTL_MS, startingOnly(BASE_TIME, "none"))).toEqual({ taken: true, head: a1 });
        expect(await store.acquireLease("b", "other", LEASE_TTL_MS)).toBe(true);
        expect(await store.takeOutboxLane("b", { name: "b", holder: "me" }, LEASE_TTL_MS, startingOnly(BASE_TIME, "b1"))).toEqual({
          taken: false,
        });
        expect((await store.listOutbox()).map((item) => item.status)).toEqual(["pending", "pending"]);
        expect(b1!.status).toBe("pending");
      });

      it("completing an item saves the next head's in-flight copy in the same step", async () => {
        await store.enqueue([note("a", "a1"), note("a", "a2")]);
        const [a1, a2] = await store.listOutbox();
        expect((await store.takeOutboxLane("a", mine, LEASE_TTL_MS)).taken).toBe(true);
        expect(await store.completeOutboxItem(a1!, mine, startingOnly(BASE_TIME + 7, "a2"))).toEqual(a2);
        expect(await store.listOutbox()).toEqual([
          { ...a2!, status: "in_flight", lastAttemptAt: BASE_TIME + 7, firstAttemptAt: BASE_TIME + 7 },
        ]);
        // The last one lets go as before, with nothing to mark.
        expect(await store.completeOutboxItem(a2!, mine, startingOnly(BASE_TIME + 8, "a2"))).toBeUndefined();
        expect(await store.acquireLease("a", "other", LEASE_TTL_MS)).toBe(true);
      });

      it("a commit that takes its lane saves the head's in-flight copy in its write; a lost one marks nothing", async () => {
        const conversation = buildConversation();
        await store.create(conversation);
        const lane = conversation.id;
        const take = { lane, lease: { name: lane, holder: "me" }, ttlMs: LEASE_TTL_MS, start: startingOnly(BASE_TIME + 9, "card") };
        const queued = { ...conversation, state: "queued" as const };
        const committed = await store.commitTakingLane(queued, 1, [note(lane, "card"), note(lane, "post")], [], take);
        const [card, post] = await store.listOutbox();
        const { lastAttemptAt, firstAttemptAt, ...asRead } = card!;
        expect(committed?.take).toEqual({ taken: true, head: { ...asRead, status: "pending" } });
        expect({ status: card!.status, lastAttemptAt, firstAttemptAt }).toEqual({
          status: "in_flight",
          lastAttemptAt: BASE_TIME + 9,
          firstAttemptAt: BASE_TIME + 9,
        });
        expect(post).toMatchObject({ status: "pending" });
        expect(await store.commitTakingLane({ ...conversation, state: "resolved" }, 1, [note(lane, "stale")], [], take)).toBeUndefined();
        expect(texts(await store.listOutbox())).toEqual(["card", "post"]);
      });
    });

    describe("completing an item with the commit that records its delivery (ItemCompletion)", () => {
      const startingOnly =
        (at: number, ...starting: string[]): StartAttempt =>
        (head) =>
          starting.includes(texts([head])[0]!) ? { ...head, status: "in_flight", lastAttemptAt: at, firstAttemptAt: at } : undefined;

      it("the commit removes the item and reads its lane's next head, started; a lost one completes nothing", async () => {
        const conversation = buildConversation();
        await store.create(conversation);
        const lane = conversation.id;
        const lease = { name: lane, holder: "me" };
        await store.enqueue([note(lane, "sent"), note(lane, "next")]);
        const [sent, next] = await store.listOutbox();
        expect((await store.takeOutboxLane(lane, lease, LEASE_TTL_MS)).taken).toBe(true);
        const lost: ItemCompletion = { item: sent!, lease };
        expect(await store.commit({ ...conversation, state: "resolved" }, 7, [], [], lost)).toBeUndefined();
        expect(lost.done).toBeUndefined();
        expect(texts(await store.listOutbox())).toEqual(["sent", "next"]);

        const completing: ItemCompletion = { item: sent!, lease, start: startingOnly(BASE_TIME + 3, "next") };
        const recorded = { ...conversation, state: "queued" as const };
        expect(await store.commit(recorded, 1, [], [event(conversation.id, "escalated")], completing)).toEqual({ ...recorded, version: 2 });
        expect(completing.done).toEqual({ next });
        expect(await store.listOutbox()).toEqual([
          { ...next!, status: "in_flight", lastAttemptAt: BASE_TIME + 3, firstAttemptAt: BASE_TIME + 3 },
        ]);
        expect(await store.acquireLease(lane, "other", LEASE_TTL_MS)).toBe(false);
      });

      it("a commit that takes another lane completes too; the last item lets go of its lane", async () => {
        const conversation = buildConversation();
        await store.create(conversation);
        const lane = conversation.id;
        const lease = { name: lane, holder: "me" };
        const [sent] = await store.enqueue([note(lane, "sent")]);
        expect((await store.takeOutboxLane(lane, lease, LEASE_TTL_MS)).taken).toBe(true);
        const completing: ItemCompletion = { item: sent!, lease };
        const marks = { lane: "marks", lease: { name: "marks", holder: "me" }, ttlMs: LEASE_TTL_MS };
        const committed = await store.commitTakingLane(conversation, 1, [note("marks", "mark")], [], marks, completing);
        const [mark] = await store.listOutbox();
        expect(committed?.take).toEqual({ taken: true, head: mark });
        expect(completing.done).toEqual({ next: undefined });
        expect(texts(await store.listOutbox())).toEqual(["mark"]);
        expect(await store.acquireLease(lane, "other", LEASE_TTL_MS)).toBe(true);
      });
    });

    describe("committing a change and taking its lane in one step", () => {
      /** A stored conversation, and the lane its items join: the conversation's own, as the engine's. */
      async function stored() {
        const conversation = buildConversation();
        await store.create(conversation);
        const lane = conversation.id;
        return { conversation, lane, mine: { lane, lease: { name: lane, holder: "me" }, ttlMs: LEASE_TTL_MS } };
      }

      it("commits the conversation, its items and audit events, and takes the lane with its oldest item as head", async () => {
        const { conversation, lane, mine } = await stored();
        // Items queued earlier are still waiting: the head is the oldest of them, not the commit's own.
        await store.enqueue([note(lane, "earlier")]);
        const queued = { ...conversation, state: "queued" as const };
        const recorded = [event(conversation.id, "escalated")];
        const committed = await store.commitTakingLane(queued, 1, [note(lane, "card"), note(lane, "post")], recorded, mine);
        const [earlier] = await store.listOutbox();
        expect(committed).toEqual({ conversation: { ...queued, version: 2 }, take: { taken: true, head: earlier } });
        expect(texts([earlier!])).toEqual(["earlier"]);
        expect(await store.get(conversation.id)).toEqual({ ...queued, version: 2 });
        expect(texts(await store.listOutbox())).toEqual(["earlier", "card", "post"]);
        expect(await store.listAudit(conversation.id)).toEqual(recorded);
        // The head is read, not marked: it is still pending, and the lane is ours.
        expect((await store.outboxHeads(lane))[0]).toEqual(earlier);
        expect(await store.acquireLease(lane, "other", LEASE_TTL_MS)).toBe(false);
        // Taking it again is the holder's right, as with takeOutboxLane.
        const again = await store.commitTakingLane({ ...queued, version: 2 }, 2, [note(lane, "more")], [], mine);
        expect(again?.take).toEqual({ taken: true, head: earlier });
      });

      it("a lane another holder has: the commit still happens, the take says not taken, and that lease stays theirs", async () => {
        const { conversation, lane, mine } = await stored();
        expect(await store.acquireLease(lane, "other", LEASE_TTL_MS)).toBe(true);
        const queued = { ...conversation, state: "queued" as const };
        const committed = await store.commitTakingLane(queued, 1, [note(lane, "card")], [event(conversation.id, "escalated")], mine);
        expect(committed).toEqual({ conversation: { ...queued, version: 2 }, take: { taken: false } });
        expect(await store.get(conversation.id)).toEqual({ ...queued, version: 2 });
        expect(texts(await store.listOutbox())).toEqual(["card"]);
        expect(await store.listAudit(conversation.id)).toHaveLength(1);
        expect(await store.acquireLease(lane, "third", LEASE_TTL_MS)).toBe(false);
        expect(await store.releaseLease(lane, "other")).toBe(true);
      });

      it("an expired lease of another holder is taken", async () => {
        const { conversation, lane, mine } = await stored();
        expect(await store.acquireLease(lane, "crashed", LEASE_TTL_MS)).toBe(true);
        time += LEASE_TTL_MS;
        const committed = await store.commitTakingLane({ ...conversation, state: "queued" }, 1, [note(lane, "card")], [], mine);
        const [card] = await store.listOutbox();
        expect(committed?.take).toEqual({ taken: true, head: card });
        expect(await store.acquireLease(lane, "crashed", LEASE_TTL_MS)).toBe(false);
        expect(await store.renewLease(lane, "me", LEASE_TTL_MS)).toBe(true);
      });

      it("a lost compare-and-set writes nothing and takes nothing", async () => {
        const { conversation, lane, mine } = await stored();
        const queued = { ...conversation, state: "queued" as const };
        expect(await store.commit(queued, 1, [note(lane, "card")])).toBeDefined();
        // Another writer read version 1 too.
        const lost = { ...conversation, state: "resolved" as const };
        expect(await store.commitTakingLane(lost, 1, [note(lane, "stale")], [event(conversation.id, "resolved")], mine)).toBeUndefined();
        expect(await store.get(conversation.id)).toEqual({ ...queued, version: 2 });
        expect(texts(await store.listOutbox())).toEqual(["card"]);
        expect(await store.listAudit(conversation.id)).toEqual([]);
        expect(await store.leasedByOthers([lane], "other")).toEqual(new Set());
        // Nor does a commit to a conversation that is gone.
        const ghost = buildConversation();
        const ghostLane = { lane: ghost.id, lease: { name: ghost.id, holder: "me" }, ttlMs: LEASE_TTL_MS };
        expect(await store.commitTakingLane(ghost, 1, [note(ghost.id, "ghost")], [], ghostLane)).toBeUndefined();
        expect(await store.leasedByOthers([ghost.id], "other")).toEqual(new Set());
        expect(texts(await store.listOutbox())).toEqual(["card"]);
      });

      it("a commit that leaves the lane it takes empty lets go in the same step", async () => {
        const { conversation, mine } = await stored();
        // No items for the lane (they went elsewhere): taken and let go at once, as takeOutboxLane of an empty lane.
        const committed = await store.commitTakingLane({ ...conversation, state: "queued" }, 1, [note("elsewhere", "x")], [], mine);
        expect(committed?.take).toEqual({ taken: true, head: undefined });
        expect(await store.acquireLease(mine.lane, "other", LEASE_TTL_MS)).toBe(true);
        expect(texts(await store.listOutbox())).toEqual(["x"]);
      });

      it("refuses a take without a positive TTL, and writes nothing", async () => {
        const { conversation, lane, mine } = await stored();
        await expect(
          store.commitTakingLane({ ...conversation, state: "queued" }, 1, [note(lane, "card")], [], { ...mine, ttlMs: 0 }),
        ).rejects.toThrow(/positive ttlMs/);
        expect(await store.get(conversation.id)).toEqual(conversation);
        expect(await store.listOutbox()).toEqual([]);
      });
    });
  });
}
