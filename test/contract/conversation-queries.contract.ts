import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Conversation } from "../../src/domain/conversation.js";
import type { Clock } from "../../src/ports/clock.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import type { ConversationStoreFixture } from "./conversation-store.contract.js";
import { BASE_TIME, buildConversation, queuedIn, transferredTo } from "./conversation-factory.js";

const MINUTE = 60_000;

/**
 * The queries the tick, the queue and the dashboards make instead of loading every open conversation
 * (listDue, countQueued, teamCounts, recentClaimWaits, countOutbox): one suite for every backend.
 */
export function runConversationQueryContract(
  name: string,
  factory: (context: { clock: Clock }) => Promise<ConversationStoreFixture>,
): void {
  describe(`ConversationStore queries contract: ${name}`, () => {
    const clock: Clock = { now: () => BASE_TIME };
    let fixture: ConversationStoreFixture;
    let store: WarmlineStore;

    beforeEach(async () => {
      fixture = await factory({ clock });
      store = fixture.store;
    });
    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    async function created(overrides: Partial<Conversation> = {}): Promise<Conversation> {
      const conversation = buildConversation(overrides);
      await store.create(conversation);
      return conversation;
    }

    async function update(current: Conversation, change: (c: Conversation) => Conversation): Promise<Conversation> {
      const stored = await store.compareAndSet(change(structuredClone(current)), current.version);
      expect(stored, `compareAndSet of ${current.id} at version ${current.version}`).toBeDefined();
      return stored!;
    }

    async function queued(thread: string, at: number, overrides: Partial<Conversation> = {}): Promise<Conversation> {
      return update(await created(overrides), (c) => queuedIn(c, thread, at));
    }

    const claimed = (c: Conversation, at: number): Conversation => ({
      ...c,
      state: "assigned",
      assignee: { id: "slack:U1", name: "Grace" },
      escalations: c.escalations.map((e, i, all) => (i === all.length - 1 ? { ...e, claimedAt: at } : e)),
    });

    describe("listDue", () => {
      it("lists open conversations whose timers are due by now, and nothing else", async () => {
        const due = await queued("slack:C1:1.1", BASE_TIME, { timersDueAt: BASE_TIME + 5 * MINUTE });
        const later = await queued("slack:C1:2.2", BASE_TIME, { timersDueAt: BASE_TIME + 10 * MINUTE });
        await queued("slack:C1:3.3", BASE_TIME);
        await created({ state: "bot", timersDueAt: BASE_TIME });
        await created({ state: "resolved", timersDueAt: BASE_TIME });

        expect(await store.listDue(BASE_TIME + 4 * MINUTE)).toEqual([]);
        expect(await store.listDue(BASE_TIME + 5 * MINUTE)).toEqual([due]);
        expect((await store.listDue(BASE_TIME + 10 * MINUTE)).map((c) => c.id).sort()).toEqual([due.id, later.id].sort());
      });

      it("follows each write: a new due time moves it, and closing or forgetting the conversation drops it", async () => {
        const first = await queued("slack:C1:1.1", BASE_TIME, { timersDueAt: BASE_TIME });
        const moved = await update(first, (c) => ({ ...c, timersDueAt: BASE_TIME + 30 * MINUTE }));
        expect(await store.listDue(BASE_TIME + MINUTE)).toEqual([]);
        expect(await store.listDue(BASE_TIME + 30 * MINUTE)).toEqual([moved]);
        const cleared = await update(moved, (c) => {
          delete c.timersDueAt;
          return c;
        });
        expect(await store.listDue(BASE_TIME + 60 * MINUTE)).toEqual([]);
        const again = await update(cleared, (c) => ({ ...c, timersDueAt: BASE_TIME }));
        await update(again, (c) => ({ ...c, state: "resolved" }));
        expect(await store.listDue(BASE_TIME + 60 * MINUTE)).toEqual([]);

        const second = await queued("slack:C1:2.2", BASE_TIME, { timersDueAt: BASE_TIME });
        expect(await store.listDue(BASE_TIME)).toEqual([second]);
        await store.forgetCustomer(second.customer.address);
        expect(await store.listDue(BASE_TIME)).toEqual([]);
      });
    });

    describe("queue counts", () => {
      it("counts each team's queue and assignments, and the place in line, as conversations move", async () => {
        const first = await queued("slack:C1:1.1", BASE_TIME + MINUTE);
        const second = await queued("slack:C1:2.2", BASE_TIME + 2 * MINUTE);
        const third = await queued("slack:C1:3.3", BASE_TIME + 3 * MINUTE);
        await created();
        await created({ state: "resolved" });

        expect(await store.teamCounts()).toEqual({ support: { queued: 3, assigned: 0, oldestQueuedAt: BASE_TIME + MINUTE } });
        expect(await store.countQueued("support", BASE_TIME + 2 * MINUTE)).toBe(2);
        expect(await store.countQueued("support", BASE_TIME)).toBe(0);
        expect(await store.countQueued("billing", BASE_TIME + 3 * MINUTE)).toBe(0);

        await update(first, (c) => claimed(c, BASE_TIME + 4 * MINUTE));
        const moved = await update(second, (c) => transferredTo(c, "billing", "slack:C2:4.4", BASE_TIME + 5 * MINUTE));
        expect(await store.teamCounts()).toEqual({
          support: { queued: 1, assigned: 1, oldestQueuedAt: BASE_TIME + 3 * MINUTE },
          billing: { queued: 1, assigned: 0, oldestQueuedAt: BASE_TIME + 5 * MINUTE },
        });
        expect(await store.countQueued("support", BASE_TIME + 3 * MINUTE)).toBe(1);
        expect(await store.countQueued("billing", BASE_TIME + 5 * MINUTE)).toBe(1);

        await update(moved, (c) => ({ ...c, state: "resolved" }));
        await update(third, (c) => ({ ...c, state: "bot" }));
        expect(await store.teamCounts()).toEqual({ support: { queued: 0, assigned: 1 } });
      });

      it("forgets the counts of a forgotten customer", async () => {
        const waiting = await queued("slack:C1:1.1", BASE_TIME);
        await store.forgetCustomer(waiting.customer.address);
        expect(await store.teamCounts()).toEqual({});
        expect(await store.countQueued("support", BASE_TIME)).toBe(0);
      });
    });

    describe("recentClaimWaits", () => {
      it("gives each conversation's latest claim in the team since a time, newest first, at most `limit`", async () => {
        const waits = [2, 7, 4].map((minutes) => minutes * MINUTE);
        for (const [i, wait] of waits.entries()) {
          const conversation = await queued(`slack:C1:${i}.1`, BASE_TIME + i * MINUTE);
          await update(conversation, (c) => claimed(c, BASE_TIME + i * MINUTE + wait));
        }
        // Claimed at minutes 2, 8 and 6.
        expect(await store.recentClaimWaits("support", BASE_TIME, 10)).toEqual([7 * MINUTE, 4 * MINUTE, 2 * MINUTE]);
        expect(await store.recentClaimWaits("support", BASE_TIME, 2)).toEqual([7 * MINUTE, 4 * MINUTE]);
        expect(await store.recentClaimWaits("support", BASE_TIME + 7 * MINUTE, 10)).toEqual([7 * MINUTE]);
        expect(await store.recentClaimWaits("billing", BASE_TIME, 10)).toEqual([]);
      });

      it("drops a claim that was released, and counts a later claim in another team instead", async () => {
        const first = await queued("slack:C1:1.1", BASE_TIME);
        const taken = await update(first, (c) => claimed(c, BASE_TIME + 3 * MINUTE));
        const released = await update(taken, (c) => ({
          ...c,
          state: "queued",
          escalations: c.escalations.map(({ claimedAt: _claimed, ...e }) => e),
        }));
        expect(await store.recentClaimWaits("support", BASE_TIME, 10)).toEqual([]);
        const moved = await update(released, (c) => transferredTo(c, "billing", "slack:C2:2.2", BASE_TIME + 4 * MINUTE));
        await update(moved, (c) => claimed(c, BASE_TIME + 5 * MINUTE));
        expect(await store.recentClaimWaits("billing", BASE_TIME, 10)).toEqual([MINUTE]);
        expect(await store.recentClaimWaits("support", BASE_TIME, 10)).toEqual([]);
      });
    });

    describe("countOutbox", () => {
      it("counts every stored outbox item, parked ones included, without listing them", async () => {
        expect(await store.countOutbox()).toBe(0);
        const conversation = await created();
        const [first] = await store.enqueue([
          { lane: conversation.id, effect: { kind: "notify_ops", text: "one" } },
          { lane: "ops", effect: { kind: "notify_ops", text: "two" } },
        ]);
        await store.commit(conversation, conversation.version, [{ lane: conversation.id, effect: { kind: "notify_ops", text: "three" } }]);
        expect(await store.countOutbox()).toBe(3);
        await store.saveOutboxItem({ ...first!, status: "failed" });
        expect(await store.countOutbox()).toBe((await store.listOutbox()).length);
        await store.completeOutboxItem(first!, { name: first!.lane, holder: "worker" });
        expect(await store.countOutbox()).toBe(2);
      });
    });
  });
}
