import { randomUUID } from "node:crypto";
import { createClient } from "@keyv/redis";
import { afterEach, describe, expect, it } from "vitest";
import { defaultSerialize } from "@keyv/serialize";
import { indexEntryOf } from "../../src/store/conversation-index.js";
import { createRedisStore } from "../../src/store/redis-store.js";
import { buildConversation, buildTranscriptEntry, queuedIn } from "../contract/conversation-factory.js";
import { deleteRedisNamespace } from "../helpers/redis-namespace.js";

/**
 * The Redis store runs its scripts by SHA (EVALSHA). A Redis that lost its script cache (a restart,
 * SCRIPT FLUSH) answers NOSCRIPT: every write must still happen, exactly once.
 */

const url = process.env.REDIS_URL;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A fresh namespace: stores and raw connections opened on it are closed, and it is deleted, after the test. */
function inNamespace() {
  const namespace = `warmline-test-${randomUUID()}`;
  const closes: (() => unknown)[] = [];
  cleanups.push(async () => {
    for (const close of closes) await close();
    await deleteRedisNamespace(url!, namespace);
  });
  return {
    namespace,
    async store() {
      const store = await createRedisStore({ url: url!, namespace });
      closes.push(() => store.close());
      return store;
    },
    async client() {
      const client = createClient({ url: url! });
      closes.push(() => client.destroy());
      await client.connect();
      return client;
    },
  };
}

describe.skipIf(url === undefined)("Redis store scripts", () => {
  it("still write, once each, after Redis forgets its scripts", async () => {
    const space = inNamespace();
    const store = await space.store();
    const admin = await space.client();
    const created = buildConversation();
    await store.create(created);
    expect(await store.markSeen("before", 60_000)).toBe(true);

    await admin.scriptFlush();
    const next = await store.commit({ ...created, updatedAt: created.updatedAt + 1 }, created.version, [
      { lane: created.id, effect: { kind: "send_customer", address: created.customer.address, text: "hello" } },
    ]);
    expect(next?.version).toBe(created.version + 1);
    expect(await store.markSeen("before", 60_000)).toBe(false);
    const address = created.customer.address;
    const message = { messageId: "wamid-1", address, channel: "whatsapp" as const, text: "hi", receivedAt: created.updatedAt };
    expect(await store.receiveInbox({ id: "in-1", lane: address, message: { kind: "customer_message", message } }, 60_000)).toBe(true);

    await admin.scriptFlush();
    expect(await store.acquireLease(created.id, "me", 60_000)).toBe(true);
    expect((await store.outboxHeads(created.id)).map((item) => item.effect)).toEqual([
      { kind: "send_customer", address: created.customer.address, text: "hello" },
    ]);
    expect((await store.inboxHeads(address)).map((entry) => entry.id)).toEqual(["in-1"]);
    expect(await store.get(created.id)).toEqual(next);
  });

  it("reads in one step what another instance wrote, by id and by thread, and a conversation stored whole before transcripts were apart", async () => {
    const space = inNamespace();
    const { namespace } = space;
    const [mine, other] = [await space.store(), await space.store()];
    const admin = await space.client();
    const created = buildConversation();
    await mine.create(created);
    const queued = (await mine.compareAndSet(queuedIn(created, "slack:C1:1.1"), created.version))!;
    expect(await mine.findByThread("slack:C1:1.1")).toEqual(queued);
    const later = (await other.compareAndSet({ ...queued, transcript: [...queued.transcript, buildTranscriptEntry()] }, queued.version))!;
    expect(await mine.findByThread("slack:C1:1.1")).toEqual(later);
    expect(await mine.get(created.id)).toEqual(later);
    expect(await mine.findByThread("slack:C1:2.2")).toBeUndefined();

    // An earlier layout: the whole conversation in its document, an index entry without a version.
    const legacy = buildConversation({
      transcript: [buildTranscriptEntry({ text: ":colon-led, escaped by keyv" }), buildTranscriptEntry()],
    });
    await admin.set(`${namespace}::conv:${legacy.id}`, defaultSerialize({ value: legacy }));
    await admin.set(`${namespace}::ix:${legacy.id}`, JSON.stringify(indexEntryOf(legacy)));
    // An id whose document is gone is skipped.
    await admin.sAdd(`${namespace}::active:${legacy.customer.address}`, [legacy.id, "conv_gone"]);
    expect(await mine.findActiveByCustomer(legacy.customer.address)).toEqual(legacy);
    expect(await mine.get(legacy.id)).toEqual(legacy);
    const next = (await mine.compareAndSet({ ...legacy, transcript: [...legacy.transcript, buildTranscriptEntry()] }, legacy.version))!;
    expect(await other.get(legacy.id)).toEqual(next);
    expect(await mine.get(legacy.id)).toEqual(next);
  });

  it("leaves a conversation's index sets alone when a write changes none of them, and moves those a write changes", async () => {
    const space = inNamespace();
    const { namespace } = space;
    const store = await space.store();
    const admin = await space.client();
    const listener = await space.client();
    // Keyspace notifications show which keys each write touched; the server's setting is put back afterwards.
    const before = (await admin.configGet("notify-keyspace-events"))["notify-keyspace-events"] ?? "";
    await admin.configSet("notify-keyspace-events", "KA");
    // Runs first, while the connections are still open.
    cleanups.unshift(async () => {
      await admin.configSet("notify-keyspace-events", before);
      await listener.pUnsubscribe();
    });
    const prefix = `${namespace}::`;
    const touched: string[] = [];
    let marked: (() => void) | undefined;
    await listener.pSubscribe(`__keyspace@*__:${prefix}*`, (event, channel) => {
      const key = channel.slice(channel.indexOf(prefix) + prefix.length);
      if (key === "marker") marked?.();
      else touched.push(`${event} ${key.replace(/:.*$/, "")}`);
    });
    /** What the writes so far touched, by event and key kind: a marker written last arrives after every event before it. */
    const touchedSoFar = async () => {
      const arrived = new Promise<void>((resolve) => (marked = resolve));
      await admin.set(`${prefix}marker`, "1");
      await arrived;
      return new Set(touched.splice(0));
    };

    const created = buildConversation();
    await store.create(created);
    const queued = (await store.compareAndSet(queuedIn(created, "slack:C1:1.1"), created.version))!;
    await touchedSoFar();

    // A message in the transcript: only the document, its index entry, the transcript and 'updated' change.
    const later = (await store.compareAndSet(
      { ...queued, transcript: [...queued.transcript, buildTranscriptEntry()], updatedAt: queued.updatedAt + 1 },
      queued.version,
    ))!;
    const quiet = await touchedSoFar();
    expect([...quiet].filter((event) => /^(sadd|srem|zrem|del) /.test(event))).toEqual([]);
    expect(quiet).toContain("zadd updated");

    // Resolved: it leaves the open set and its team's queue, and its thread is still found.
    const resolved = (await store.compareAndSet({ ...later, state: "resolved", updatedAt: later.updatedAt + 1 }, later.version))!;
    const moved = await touchedSoFar();
    expect(moved).toContain("srem open");
    expect(moved).toContain("zrem queued");
    expect(await admin.sIsMember(`${prefix}open`, created.id)).toBeFalsy();
    expect(await admin.sIsMember(`${prefix}active:${created.customer.address}`, created.id)).toBeFalsy();
    expect(await admin.sIsMember(`${prefix}customer:${created.customer.address}`, created.id)).toBeTruthy();
    expect(await store.findByThread("slack:C1:1.1")).toEqual(resolved);
    expect(await store.findActiveByCustomer(created.customer.address)).toBeUndefined();
  });

  it("finds a lane's head a page of ids at a time: never the whole lane, and past more parked items than a page", async () => {
    const space = inNamespace();
    const { namespace } = space;
    const store = await space.store();
    const monitor = await space.client();
    const lane = "conv-long-lane";
    const items = await store.enqueue(
      Array.from({ length: 60 }, (_, n) => ({ lane, effect: { kind: "notify_ops" as const, text: `item ${n}` } })),
    );
    // The first 20 parked: more than one page of ids before the first open item.
    for (const item of items.slice(0, 20)) expect(await store.saveOutboxItem({ ...item, status: "failed", attempts: 5 })).toBe(true);

    const ranges: string[][] = [];
    await monitor.monitor((line: string) => {
      const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
      const key = args[1] ?? "";
      if (args[0]?.toUpperCase() === "ZRANGE" && key.includes(namespace) && key.endsWith(`outbox:lane:${lane}`)) ranges.push(args.slice(2));
    });
    const [head] = await store.outboxHeads(lane);
    expect(head?.effect).toEqual({ kind: "notify_ops", text: "item 20" });
    await expect.poll(() => ranges.length).toBeGreaterThanOrEqual(2);
    // Pages of 16 from the start, never 0 to -1 (every id of the lane).
    expect(ranges.slice(0, 2)).toEqual([
      ["0", "15"],
      ["16", "31"],
    ]);
  });
});
