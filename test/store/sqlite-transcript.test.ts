import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSerialize } from "@keyv/serialize";
import type { Keyv } from "keyv";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Conversation } from "../../src/domain/conversation.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { openSqliteConnection, type SqliteConnection } from "../../src/store/sqlite-driver.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { buildConversation, buildTranscriptEntry, queuedIn, transferredTo } from "../contract/conversation-factory.js";

/** Appends one entry, as the engine does for a relayed message. */
async function appended(store: WarmlineStore, current: Conversation, text: string): Promise<Conversation> {
  const stored = await store.compareAndSet(
    { ...current, transcript: [...current.transcript, buildTranscriptEntry({ text })] },
    current.version,
  );
  expect(stored).toBeDefined();
  return stored!;
}

describe("SQLite transcript rows", () => {
  let directory: string;
  let file: string;
  let store: WarmlineStore | undefined;
  let db: SqliteConnection | undefined;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-transcript-"));
    file = join(directory, "warmline.db");
  });

  afterEach(async () => {
    await store?.close();
    db?.close();
    store = undefined;
    db = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  it("writes only the new entry of a message, and keeps the document free of the transcript", async () => {
    store = await createSqliteStore({ file });
    db = await openSqliteConnection(file, { busyTimeoutMs: 5000 });
    // Counts every row written to the transcript table, by a real trigger in the same file.
    db.exec(`CREATE TABLE transcript_writes(n INTEGER);
      CREATE TRIGGER count_inserts AFTER INSERT ON warmline_transcript BEGIN INSERT INTO transcript_writes VALUES(1); END;
      CREATE TRIGGER count_updates AFTER UPDATE ON warmline_transcript BEGIN INSERT INTO transcript_writes VALUES(1); END;`);
    const writes = () => db!.get<{ n: number }>("SELECT COUNT(*) AS n FROM transcript_writes")!.n;

    const long = buildConversation({ transcript: Array.from({ length: 200 }, (_, i) => buildTranscriptEntry({ text: `earlier ${i}` })) });
    await store.create(long);
    expect(writes()).toBe(200);
    let current = (await store.get(long.id))!;
    for (let i = 0; i < 5; i++) current = await appended(store, (await store.get(long.id))!, `message ${i}`);
    expect(writes()).toBe(205);
    // Structured copies (as a caller that clones the whole conversation passes) are compared by content.
    current = await appended(store, structuredClone(current), "after a clone");
    expect(writes()).toBe(206);

    const document = db.get<{ value: string }>("SELECT value FROM keyv WHERE key = ?", `warmline:conv:${long.id}`)!.value;
    expect(document).not.toContain("earlier");
    expect(JSON.parse(document).value.transcript).toBeUndefined();
    expect(await store.get(long.id)).toEqual(current);
  });

  it("reads again when another process writes between a conversation's document and its transcript", async () => {
    store = await createSqliteStore({ file });
    const conversation = buildConversation();
    await store.create(conversation);
    db = await openSqliteConnection(file, { busyTimeoutMs: 5000 });
    const late = buildTranscriptEntry({ text: "written by another process meanwhile" });
    // The other process's write, made right after this store's keyv has read the document (a fresh store: no cache).
    const reader = await createSqliteStore({ file });
    const { keyv } = (reader as unknown as { backend: { keyv: Keyv } }).backend;
    let interfered = false;
    keyv.hooks.addHandler("postGet", () => {
      if (interfered) return;
      interfered = true;
      db!.exec("BEGIN IMMEDIATE");
      db!.run(`UPDATE keyv SET value = json_set(value, '$.value.version', 2) WHERE key = ?`, `warmline:conv:${conversation.id}`);
      db!.run("UPDATE warmline_conversation SET version = 2 WHERE id = ?", conversation.id);
      db!.run("INSERT INTO warmline_transcript(conversation_id, position, entry) VALUES(?, 2, ?)", conversation.id, JSON.stringify(late));
      db!.exec("COMMIT");
    });
    try {
      expect(await reader.get(conversation.id)).toEqual({ ...conversation, version: 2, transcript: [...conversation.transcript, late] });
      expect(interfered).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it("reads a file written before transcripts were rows, and moves a transcript out on its next write", async () => {
    db = await openSqliteConnection(file, { busyTimeoutMs: 5000 });
    // The layout of the earlier release: the whole conversation in keyv's row, no version column.
    db.exec(`CREATE TABLE keyv(key VARCHAR(255) PRIMARY KEY, value TEXT);
      CREATE TABLE warmline_conversation(
        id TEXT PRIMARY KEY, customer TEXT NOT NULL, active INTEGER NOT NULL, open INTEGER NOT NULL, updated_at INTEGER NOT NULL);`);
    const legacy = buildConversation({
      transcript: [buildTranscriptEntry({ text: ":colon-led, escaped by keyv" }), buildTranscriptEntry()],
    });
    db.run("INSERT INTO keyv(key, value) VALUES(?, ?)", `warmline:conv:${legacy.id}`, defaultSerialize({ value: legacy }));
    db.run(
      "INSERT INTO warmline_conversation(id, customer, active, open, updated_at) VALUES(?, ?, 1, 0, ?)",
      legacy.id,
      legacy.customer.address,
      legacy.updatedAt,
    );

    store = await createSqliteStore({ file });
    expect(await store.get(legacy.id)).toEqual(legacy);
    expect(await store.findActiveByCustomer(legacy.customer.address)).toEqual(legacy);
    const next = await appended(store, legacy, "the first message after the upgrade");
    expect(await store.get(legacy.id)).toEqual(next);
    expect(db.get<{ n: number }>("SELECT COUNT(*) AS n FROM warmline_transcript WHERE conversation_id = ?", legacy.id)!.n).toBe(3);

    await store.close();
    store = await createSqliteStore({ file });
    expect(await store.get(legacy.id)).toEqual(next);
  });
});

describe("SQLite index rows written from the last write's entry", () => {
  let directory: string;
  const stores: WarmlineStore[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-index-"));
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const open = async (file: string) => {
    const store = await createSqliteStore({ file });
    stores.push(store);
    return store;
  };

  /** What another process reading the same file finds through the index. */
  const seenBy = async (reader: WarmlineStore, c: Conversation, threads: string[]) => ({
    open: (await reader.listOpen()).map((x) => x.id),
    counts: await reader.teamCounts(),
    active: (await reader.findActiveByCustomer(c.customer.address))?.id,
    byThread: await Promise.all(threads.map(async (t) => (await reader.findByThread(t))?.id)),
    due: (await reader.listDue(Number.MAX_SAFE_INTEGER)).map((x) => x.id),
  });

  it("keeps every index row right through a conversation's life, written here and by another process", async () => {
    const file = join(directory, "warmline.db");
    const [writer, other, reader] = [await open(file), await open(file), await open(file)];
    const threads = ["C1:1.1", "C2:2.2"];
    let c = buildConversation();
    await writer.create(c);
    const step = async (store: WarmlineStore, next: Conversation) => {
      const stored = await store.compareAndSet(next, next.version);
      expect(stored).toBeDefined();
      return stored!;
    };
    // Escalated, with timers: open, in a team, found by its thread.
    c = await step(writer, { ...queuedIn(c, threads[0]!), timersDueAt: c.updatedAt + 5_000 });
    expect(await seenBy(reader, c, threads)).toEqual({
      open: [c.id],
      counts: { support: { queued: 1, assigned: 0, oldestQueuedAt: c.escalations.at(-1)!.createdAt } },
      active: c.id,
      byThread: [c.id, undefined],
      due: [c.id],
    });
    // A message only: nothing indexed changes.
    c = await step(writer, { ...c, transcript: [...c.transcript, buildTranscriptEntry()], updatedAt: c.updatedAt + 1 });
    // Another process transfers it (new team and thread, timers cleared); this one writes next from what it reads.
    const theirs = await step(other, { ...transferredTo((await other.get(c.id))!, "billing", threads[1]!), timersDueAt: undefined });
    c = await step(writer, { ...(await writer.get(c.id))!, transcript: [...theirs.transcript, buildTranscriptEntry()] });
    expect(await seenBy(reader, c, threads)).toEqual({
      open: [c.id],
      counts: { billing: { queued: 1, assigned: 0, oldestQueuedAt: c.escalations.at(-1)!.createdAt } },
      active: c.id,
      byThread: [c.id, c.id],
      due: [],
    });
    // Claimed, then resolved, each from this process's own last write.
    c = await step(writer, { ...c, state: "assigned", assignee: { id: "slack:U1", name: "Sam" }, timersDueAt: c.updatedAt + 9_000 });
    expect((await seenBy(reader, c, threads)).counts).toEqual({ billing: { queued: 0, assigned: 1 } });
    expect((await seenBy(reader, c, threads)).due).toEqual([c.id]);
    c = await step(writer, { ...c, state: "resolved", timersDueAt: undefined });
    expect(await seenBy(reader, c, threads)).toEqual({ open: [], counts: {}, active: undefined, byThread: [c.id, c.id], due: [] });
  });
});
