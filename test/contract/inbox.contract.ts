import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import type { InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import type { InboxCompletion, NewInboxEntry } from "../../src/ports/inbox.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { BASE_TIME, buildConversation, buildCustomerAddress, uniqueId } from "./conversation-factory.js";
import type { OutboxStoreFixture } from "./outbox.contract.js";

/** How long the suite asks the store to remember a processed id. */
const REMEMBER_MS = 60_000;
/** Copies of one message racing to be stored. */
const CONCURRENT_COPIES = 20;
/** The lease named when a test completes entries outside a worker: nobody holds it, so letting it go changes nothing. */
const WORKER = { name: "inbox:nobody-holds-this", holder: "worker" };
/** Lease length in the lane tests; the suite moves its clock across it. */
const LEASE_TTL_MS = 30_000;
/** Instances racing for one lane. */
const CONCURRENT_TAKERS = 20;

function customerMessage(address: string, text: string, overrides: Partial<InboundCustomerMessage> = {}): NewInboxEntry {
  const messageId = uniqueId("wamid");
  return {
    id: `whatsapp:${messageId}`,
    lane: address,
    message: {
      kind: "customer_message",
      message: { messageId, address, channel: "whatsapp", text, receivedAt: BASE_TIME, ...overrides },
    },
  };
}

const texts = (entries: { message: NewInboxEntry["message"] }[]) =>
  entries.map((e) => (e.message.kind === "customer_message" ? e.message.message.text : e.message.kind));

/**
 * One inbox suite for every store backend: receive-once, lane order, parking, forgetting processed ids, the watermark, durability,
 * and an entry completed in the write of the conversation commit its processing led to (InboxCompletion).
 */
export function runInboxContract(name: string, factory: (context: { clock: Clock }) => Promise<OutboxStoreFixture>): void {
  describe(`InboxStore contract: ${name}`, () => {
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

    it("stores a message once: a second copy changes nothing, before or after it is processed", async () => {
      const a = buildCustomerAddress();
      const first = customerMessage(a, "hello");
      expect(await store.receiveInbox(first, REMEMBER_MS)).toBe(true);
      expect(await store.receiveInbox({ ...first, message: customerMessage(a, "a different body").message }, REMEMBER_MS)).toBe(false);
      const [head] = await store.inboxHeads(a);
      expect(head).toMatchObject({ id: first.id, lane: a, status: "pending", attempts: 0, notBefore: 0, receivedAt: BASE_TIME });
      expect(head!.message).toEqual(first.message);
      await store.completeInboxEntry(first, WORKER);
      expect(await store.receiveInbox(first, REMEMBER_MS)).toBe(false);
      expect(await store.inboxHeads(a)).toEqual([]);
      expect(await store.listInbox()).toEqual([]);
    });

    it(`lets exactly one of ${CONCURRENT_COPIES} concurrent copies in`, async () => {
      const entry = customerMessage(buildCustomerAddress(), "once");
      const results = await Promise.all(Array.from({ length: CONCURRENT_COPIES }, () => store.receiveInbox(entry, REMEMBER_MS)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.listInbox()).toHaveLength(1);
    });

    it("keeps each lane in order and gives one head per lane", async () => {
      const [a, b] = [buildCustomerAddress(), buildCustomerAddress()];
      for (const [lane, text] of [
        [a, "a1"],
        [b, "b1"],
        [a, "a2"],
        [a, "a3"],
      ] as const)
        await store.receiveInbox(customerMessage(lane, text), REMEMBER_MS);
      expect(texts(await store.inboxHeads())).toEqual(["a1", "b1"]);
      const all = await store.listInbox();
      expect(texts(all)).toEqual(["a1", "b1", "a2", "a3"]);
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => x - y));
      await store.completeInboxEntry(all[0]!, WORKER);
      expect(texts(await store.inboxHeads(a))).toEqual(["a2"]);
      expect(texts(await store.inboxHeads(b))).toEqual(["b1"]);
    });

    it("saves attempts and backoff, and parks a failed entry: the lane moves on, the entry stays for replay", async () => {
      const a = buildCustomerAddress();
      await store.receiveInbox(customerMessage(a, "a1"), REMEMBER_MS);
      await store.receiveInbox(customerMessage(a, "a2"), REMEMBER_MS);
      const [head] = await store.inboxHeads(a);
      expect(await store.saveInboxEntry({ ...head!, attempts: 2, notBefore: BASE_TIME + 5000, lastError: "store busy" })).toBe(true);
      expect((await store.inboxHeads(a))[0]).toMatchObject({
        id: head!.id,
        attempts: 2,
        notBefore: BASE_TIME + 5000,
        lastError: "store busy",
      });
      expect(await store.saveInboxEntry({ ...head!, status: "failed", attempts: 6 })).toBe(true);
      expect(texts(await store.inboxHeads(a))).toEqual(["a2"]);
      const parked = (await store.listInbox()).find((e) => e.id === head!.id);
      expect(parked).toMatchObject({ status: "failed", attempts: 6 });
      // Replayed, it is back at its own place in the lane.
      await store.saveInboxEntry({ ...parked!, status: "pending", attempts: 0 });
      expect(texts(await store.inboxHeads(a))).toEqual(["a1"]);
      await store.completeInboxEntry(head!, WORKER);
      expect(await store.saveInboxEntry(parked!)).toBe(false);
    });

    it("counts the backlog: pending and parked entries, not processed ones", async () => {
      expect(await store.countInbox()).toEqual({ pending: 0, parked: 0 });
      const [a, b] = [buildCustomerAddress(), buildCustomerAddress()];
      for (const [lane, text] of [
        [a, "a1"],
        [a, "a2"],
        [b, "b1"],
      ] as const)
        await store.receiveInbox(customerMessage(lane, text), REMEMBER_MS);
      expect(await store.countInbox()).toEqual({ pending: 3, parked: 0 });
      const [headA] = await store.inboxHeads(a);
      await store.saveInboxEntry({ ...headA!, status: "failed", attempts: 6 });
      const [headB] = await store.inboxHeads(b);
      await store.completeInboxEntry(headB!, WORKER);
      expect(await store.countInbox()).toEqual({ pending: 1, parked: 1 });
      // A retry's backoff keeps it pending.
      const [next] = await store.inboxHeads(a);
      await store.saveInboxEntry({ ...next!, attempts: 1, notBefore: BASE_TIME + 5000 });
      expect(await store.countInbox()).toEqual({ pending: 1, parked: 1 });
    });

    it("forgets a processed id once its time has passed on the store's clock, never an unprocessed one", async () => {
      const a = buildCustomerAddress();
      const processed = customerMessage(a, "processed");
      const waiting = customerMessage(a, "waiting");
      await store.receiveInbox(processed, REMEMBER_MS);
      await store.receiveInbox(waiting, REMEMBER_MS);
      await store.completeInboxEntry(processed, WORKER);
      time += REMEMBER_MS - 1;
      expect(await store.receiveInbox(processed, REMEMBER_MS)).toBe(false);
      time += 2;
      expect(await store.receiveInbox(waiting, REMEMBER_MS)).toBe(false);
      expect(await store.receiveInbox(processed, REMEMBER_MS)).toBe(true);
      expect(texts(await store.listInbox())).toEqual(["waiting", "processed"]);
    });

    it("forgets a customer's waiting and parked entries for erasure, and refuses a redelivery of them", async () => {
      const forgotten = buildCustomerAddress();
      const kept = buildCustomerAddress();
      const parked = customerMessage(forgotten, "my card 4111 1111 1111 1111");
      const waiting = customerMessage(forgotten, "still there?");
      await store.receiveInbox(parked, REMEMBER_MS);
      await store.receiveInbox(waiting, REMEMBER_MS);
      await store.receiveInbox(customerMessage(kept, "someone else"), REMEMBER_MS);
      const [head] = await store.inboxHeads(forgotten);
      await store.saveInboxEntry({ ...head!, status: "failed", attempts: 6 });
      expect(await store.forgetInboxLanes([forgotten, "slack:C0NOTHING:1.000001"])).toBe(2);
      expect(texts(await store.listInbox())).toEqual(["someone else"]);
      expect(await store.inboxHeads(forgotten)).toEqual([]);
      expect(await store.receiveInbox(waiting, REMEMBER_MS)).toBe(false);
      expect(await store.forgetInboxLanes([])).toBe(0);
    });

    it("keeps the newest send time per channel as the watermark", async () => {
      expect(await store.inboxWatermark("whatsapp")).toBeUndefined();
      const a = buildCustomerAddress();
      const at = (sentAt: number, channel = "whatsapp") => ({ ...customerMessage(a, `at ${sentAt}`), watermark: { channel, sentAt } });
      await store.receiveInbox(at(BASE_TIME + 2000), REMEMBER_MS);
      // A catch-up stores an older message later: the watermark does not move back.
      await store.receiveInbox(at(BASE_TIME + 1000), REMEMBER_MS);
      await store.receiveInbox(at(BASE_TIME + 9000, "cloud"), REMEMBER_MS);
      for (const entry of await store.listInbox()) await store.completeInboxEntry(entry, WORKER);
      expect(await store.inboxWatermark("whatsapp")).toBe(BASE_TIME + 2000);
      expect(await store.inboxWatermark("cloud")).toBe(BASE_TIME + 9000);
    });

    it("keeps every kind of message intact: unicode, attachments, edits, agent replies", async () => {
      const a = buildCustomerAddress();
      const text = '¿Dónde está mi pedido? 你好 🙏 "quoted" \\ / '.repeat(200);
      const withMedia = customerMessage(a, text, {
        attachments: [{ kind: "image", mimeType: "image/jpeg", dataBase64: Buffer.alloc(30_000, 7).toString("base64") }],
        customerName: "Zoë",
        phone: "+447700900123",
      });
      const edit: NewInboxEntry = {
        id: "whatsapp:edit:1",
        lane: a,
        message: { kind: "customer_change", change: { messageId: "m1", address: a, kind: "edited", newText: "new", at: BASE_TIME } },
      };
      const reply: NewInboxEntry = {
        id: "slack:C0RETENT1:1700000200.000200",
        lane: "slack:C0RETENT1:1700000100.000001",
        message: {
          kind: "agent_reply",
          reply: {
            thread: "slack:C0RETENT1:1700000100.000001",
            agent: { id: "slack:U0AGENT01", name: "Alex" },
            text: "On it",
            messageRef: "slack:C0RETENT1:1700000200.000200",
          },
        },
      };
      for (const entry of [withMedia, edit, reply]) await store.receiveInbox(entry, REMEMBER_MS);
      expect((await store.listInbox()).map((e) => e.message)).toEqual([withMedia.message, edit.message, reply.message]);
    });

    describe("taking and completing a lane, each in one step with its lease", () => {
      /** The lease is named apart from the lane (the worker's is "inbox:<lane>"), and shared with the outbox's leases. */
      const leaseOf = (lane: string, holder = "me") => ({ name: `inbox:${lane}`, holder });

      it("takes a lane with its head; an empty lane, or one with only parked entries, is let go in the same step", async () => {
        const [a, b] = [buildCustomerAddress(), buildCustomerAddress()];
        await store.receiveInbox(customerMessage(a, "a1"), REMEMBER_MS);
        await store.receiveInbox(customerMessage(a, "a2"), REMEMBER_MS);
        const [head] = await store.inboxHeads(a);
        expect(await store.takeInboxLane(a, leaseOf(a), LEASE_TTL_MS)).toEqual({ taken: true, head });
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(false);
        expect(await store.takeInboxLane(a, leaseOf(a, "other"), LEASE_TTL_MS)).toEqual({ taken: false });
        // Taking it again is the holder's right (as acquireLease), and pushes the expiry out.
        time += LEASE_TTL_MS - 1;
        expect((await store.takeInboxLane(a, leaseOf(a), LEASE_TTL_MS)).taken).toBe(true);
        time += LEASE_TTL_MS - 1;
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(false);

        expect(await store.takeInboxLane(b, leaseOf(b), LEASE_TTL_MS)).toEqual({ taken: true, head: undefined });
        expect(await store.acquireLease(`inbox:${b}`, "other", LEASE_TTL_MS)).toBe(true);
        await store.releaseLease(`inbox:${b}`, "other");
        await store.receiveInbox(customerMessage(b, "b1"), REMEMBER_MS);
        const [parked] = await store.inboxHeads(b);
        await store.saveInboxEntry({ ...parked!, status: "failed", attempts: 6 });
        expect(await store.takeInboxLane(b, leaseOf(b), LEASE_TTL_MS)).toEqual({ taken: true, head: undefined });
        expect(await store.acquireLease(`inbox:${b}`, "other", LEASE_TTL_MS)).toBe(true);
      });

      it("completes an entry and gives the next head, keeping the lane; the last one lets go of it", async () => {
        const a = buildCustomerAddress();
        for (const text of ["a1", "a2", "a3"]) await store.receiveInbox(customerMessage(a, text), REMEMBER_MS);
        const taken = await store.takeInboxLane(a, leaseOf(a), LEASE_TTL_MS);
        const [, a2, a3] = await store.listInbox();
        expect(await store.completeInboxEntry(taken.taken ? taken.head! : a2!, leaseOf(a))).toEqual(a2);
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(false);
        // A parked entry is skipped on the way.
        await store.saveInboxEntry({ ...a3!, status: "failed", attempts: 6 });
        expect(await store.completeInboxEntry(a2!, leaseOf(a))).toBeUndefined();
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(true);
        expect(texts(await store.listInbox())).toEqual(["a3"]);
        // Completed ids are remembered as before.
        expect(await store.receiveInbox({ id: a2!.id, lane: a, message: a2!.message }, REMEMBER_MS)).toBe(false);
      });

      it("lets go only of the holder's own lease: one that lapsed to another instance stays theirs", async () => {
        const a = buildCustomerAddress();
        await store.receiveInbox(customerMessage(a, "a1"), REMEMBER_MS);
        const taken = await store.takeInboxLane(a, leaseOf(a), LEASE_TTL_MS);
        time += LEASE_TTL_MS;
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(true);
        expect(await store.completeInboxEntry(taken.taken ? taken.head! : { id: "", lane: a }, leaseOf(a))).toBeUndefined();
        expect(await store.acquireLease(`inbox:${a}`, "third", LEASE_TTL_MS)).toBe(false);
      });

      it(`gives a lane's head to exactly one of ${CONCURRENT_TAKERS} concurrent takers`, async () => {
        const stores = [store];
        while (fixture.reopen && stores.length < 4) {
          const another = await fixture.reopen();
          open.add(another);
          stores.push(another);
        }
        const a = buildCustomerAddress();
        await store.receiveInbox(customerMessage(a, "a1"), REMEMBER_MS);
        const [head] = await store.inboxHeads(a);
        const takes = await Promise.all(
          Array.from({ length: CONCURRENT_TAKERS }, (_, i) =>
            stores[i % stores.length]!.takeInboxLane(a, leaseOf(a, `i-${i}`), LEASE_TTL_MS),
          ),
        );
        expect(takes.filter((take) => take.taken)).toEqual([{ taken: true, head }]);
      });

      it("refuses a take without a positive TTL", async () => {
        await expect(store.takeInboxLane("lane", leaseOf("lane"), 0)).rejects.toThrow(/positive ttlMs/);
        await expect(store.receiveInboxTakingLane(customerMessage("lane", "x"), REMEMBER_MS, leaseOf("lane"), 0)).rejects.toThrow(
          /positive ttlMs/,
        );
      });

      it("receives and takes the lane in one step: the lane's head (the oldest waiting), its lease taken", async () => {
        const a = buildCustomerAddress();
        const a1 = customerMessage(a, "a1");
        await store.receiveInbox(a1, REMEMBER_MS);
        const receipt = await store.receiveInboxTakingLane(
          { ...customerMessage(a, "a2"), watermark: { channel: "whatsapp", sentAt: 42 } },
          REMEMBER_MS,
          leaseOf(a),
          LEASE_TTL_MS,
        );
        const [head] = await store.inboxHeads(a);
        expect(head).toMatchObject({ id: a1.id });
        expect(receipt).toEqual({ received: true, take: { taken: true, head } });
        expect(texts(await store.listInbox())).toEqual(["a1", "a2"]);
        expect(await store.inboxWatermark("whatsapp")).toBe(42);
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(false);
        // The holder's own lease is taken again, as by takeInboxLane.
        const a3 = await store.receiveInboxTakingLane(customerMessage(a, "a3"), REMEMBER_MS, leaseOf(a), LEASE_TTL_MS);
        expect(a3).toEqual({ received: true, take: { taken: true, head } });
      });

      it("receiving into a lane another holder has stores the entry and takes nothing; a copy into an empty lane lets go at once", async () => {
        const a = buildCustomerAddress();
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(true);
        const a1 = customerMessage(a, "a1");
        expect(await store.receiveInboxTakingLane(a1, REMEMBER_MS, leaseOf(a), LEASE_TTL_MS)).toEqual({
          received: true,
          take: { taken: false },
        });
        expect(texts(await store.listInbox())).toEqual(["a1"]);
        expect(await store.acquireLease(`inbox:${a}`, "other", LEASE_TTL_MS)).toBe(true);
        await store.completeInboxEntry(a1, leaseOf(a, "other"));
        // A redelivery of a processed message: nothing stored, and the lane is not kept.
        expect(await store.receiveInboxTakingLane(a1, REMEMBER_MS, leaseOf(a), LEASE_TTL_MS)).toEqual({
          received: false,
          take: { taken: true, head: undefined },
        });
        expect(await store.acquireLease(`inbox:${a}`, "third", LEASE_TTL_MS)).toBe(true);
      });
    });

    describe("completing an entry with the commit that records its processing (InboxCompletion)", () => {
      const leaseOf = (lane: string, holder = "me") => ({ name: `inbox:${lane}`, holder });

      /** A stored conversation, and a lane of these entries taken by "me", as its worker has it while processing the head. */
      async function processing(...lines: string[]) {
        const conversation = buildConversation();
        await store.create(conversation);
        const lane = buildCustomerAddress();
        for (const text of lines) await store.receiveInbox(customerMessage(lane, text), REMEMBER_MS);
        const taken = await store.takeInboxLane(lane, leaseOf(lane), LEASE_TTL_MS);
        return { conversation, lane, head: taken.taken ? taken.head! : undefined!, entries: await store.listInbox() };
      }

      it("a commit that loses its compare-and-set completes nothing", async () => {
        const { conversation, lane, head } = await processing("a1", "a2");
        const lost: InboxCompletion = { entry: head, lease: leaseOf(lane) };
        expect(await store.commit({ ...conversation, state: "resolved" }, 7, [], [], lost)).toBeUndefined();
        expect(lost.done).toBeUndefined();
        expect(texts(await store.listInbox())).toEqual(["a1", "a2"]);
        expect(await store.acquireLease(`inbox:${lane}`, "other", LEASE_TTL_MS)).toBe(false);
      });

      it("a winning commit completes the entry and gives the lane's next head, keeping the lane", async () => {
        const { conversation, lane, head, entries } = await processing("a1", "a2");
        const completing: InboxCompletion = { entry: head, lease: leaseOf(lane) };
        const recorded = { ...conversation, state: "queued" as const };
        expect(await store.commit(recorded, 1, [], [], completing)).toEqual({ ...recorded, version: 2 });
        expect(completing.done).toEqual({ next: entries[1] });
        expect(texts(await store.listInbox())).toEqual(["a2"]);
        expect(await store.acquireLease(`inbox:${lane}`, "other", LEASE_TTL_MS)).toBe(false);
        // Completed as completeInboxEntry completes: its id is remembered.
        expect(await store.receiveInbox({ id: head.id, lane, message: head.message }, REMEMBER_MS)).toBe(false);
      });

      it("a commit that takes its outbox lane completes too; the last entry lets go of the inbox lane", async () => {
        const { conversation, lane, head } = await processing("a1");
        const completing: InboxCompletion = { entry: head, lease: leaseOf(lane) };
        const outboxLane = { lane: conversation.id, lease: { name: conversation.id, holder: "me" }, ttlMs: LEASE_TTL_MS };
        const item = { lane: conversation.id, effect: { kind: "notify_ops" as const, text: "relayed" } };
        const committed = await store.commitTakingLane(conversation, 1, [item], [], outboxLane, completing);
        expect(committed?.take).toMatchObject({ taken: true, head: { effect: item.effect } });
        expect(completing.done).toEqual({ next: undefined });
        expect(await store.listInbox()).toEqual([]);
        expect(await store.acquireLease(`inbox:${lane}`, "other", LEASE_TTL_MS)).toBe(true);
        expect(await store.acquireLease(conversation.id, "other", LEASE_TTL_MS)).toBe(false);
      });
    });

    it("keeps unprocessed entries, processed ids and the watermark across close and reopen", async (context) => {
      if (!fixture.reopen) {
        context.skip(`${name} keeps nothing after close`);
        return;
      }
      const a = buildCustomerAddress();
      const processed = { ...customerMessage(a, "processed"), watermark: { channel: "whatsapp", sentAt: BASE_TIME + 500 } };
      const waiting = customerMessage(a, "waiting");
      await store.receiveInbox(processed, REMEMBER_MS);
      await store.receiveInbox(waiting, REMEMBER_MS);
      await store.completeInboxEntry(processed, WORKER);
      await store.close();
      open.delete(store);

      store = await fixture.reopen();
      open.add(store);
      expect(texts(await store.inboxHeads())).toEqual(["waiting"]);
      expect(await store.receiveInbox(processed, REMEMBER_MS)).toBe(false);
      expect(await store.receiveInbox(waiting, REMEMBER_MS)).toBe(false);
      expect(await store.inboxWatermark("whatsapp")).toBe(BASE_TIME + 500);
    });
  });
}
