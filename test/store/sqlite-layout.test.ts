import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewInboxEntry } from "../../src/ports/inbox.js";
import type { NewOutboxItem, WarmlineStore } from "../../src/ports/outbox.js";
import { openSqliteConnection, type SqliteConnection } from "../../src/store/sqlite-driver.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { BASE_TIME, buildConversation, buildTranscriptEntry, uniqueId } from "../contract/conversation-factory.js";

/**
 * The SQLite file's layout, which decides how many pages a message writes to the WAL: inbox rows sit
 * only in their state's index, and no table is AUTOINCREMENT. A file made before, with full indexes,
 * AUTOINCREMENT tables and a WITHOUT ROWID transcript, opens and carries on with its rows.
 */

const REMEMBER_MS = 60_000;
/** Nobody holds it: completing outside a worker lets go of nothing. */
const WORKER = { name: "inbox:nobody-holds-this", holder: "worker" };

function customerMessage(lane: string, text: string): NewInboxEntry {
  const messageId = uniqueId("wamid");
  return {
    id: `whatsapp:${messageId}`,
    lane,
    message: { kind: "customer_message", message: { messageId, address: lane, channel: "whatsapp", text, receivedAt: BASE_TIME } },
    watermark: { channel: "whatsapp", sentAt: BASE_TIME },
  };
}

function agentReply(thread: string, text: string): NewInboxEntry {
  const messageRef = uniqueId("slack:C1");
  return {
    id: messageRef,
    lane: thread,
    message: { kind: "agent_reply", reply: { thread, agent: { id: "slack:U1", name: "Sam" }, text, messageRef } },
  };
}

const texts = (entries: { message: NewInboxEntry["message"] }[]) =>
  entries.map((e) => (e.message.kind === "customer_message" ? e.message.message.text : e.message.kind));

/** The inbox, outbox, audit and transcript tables as releases before this layout made them. */
const EARLIER_LAYOUT = [
  `CREATE TABLE warmline_inbox(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, state INTEGER NOT NULL,
     document TEXT NOT NULL, channel TEXT, sent_at INTEGER, forget_at INTEGER NOT NULL)`,
  "CREATE INDEX warmline_inbox_lane ON warmline_inbox(state, lane, seq)",
  "CREATE INDEX warmline_inbox_watermark ON warmline_inbox(channel, sent_at)",
  "CREATE INDEX warmline_inbox_forget ON warmline_inbox(state, forget_at)",
  `CREATE TABLE warmline_outbox(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, open INTEGER NOT NULL, document TEXT NOT NULL)`,
  `CREATE TABLE warmline_audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, event TEXT NOT NULL)`,
  `CREATE TABLE warmline_transcript(
     conversation_id TEXT NOT NULL, position INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY(conversation_id, position)) WITHOUT ROWID`,
];

describe("SQLite file layout", () => {
  let directory: string;
  let file: string;
  let store: WarmlineStore | undefined;
  let raw: SqliteConnection | undefined;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-layout-"));
    file = join(directory, "warmline.db");
  });

  afterEach(async () => {
    await store?.close();
    raw?.close();
    store = undefined;
    raw = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  const inboxIndexes = () =>
    raw!
      .all<{ name: string }>(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'warmline_inbox' AND sql IS NOT NULL ORDER BY name",
      )
      .map((row) => row.name);
  /** Rows in a partial index, read through it alone (its WHERE is the index's own). */
  const rowsIn = (index: string, where: string) =>
    Number(raw!.get<{ rows: number }>(`SELECT COUNT(*) AS rows FROM warmline_inbox INDEXED BY ${index} WHERE ${where}`)?.rows);

  it("keeps each inbox row in its state's index only, and no table is AUTOINCREMENT", async () => {
    store = await createSqliteStore({ file, checkpointWorker: false });
    const first = customerMessage("whatsapp:447700900001", "first");
    await store.receiveInbox(first, REMEMBER_MS);
    await store.receiveInbox(customerMessage("whatsapp:447700900001", "second"), REMEMBER_MS);
    await store.receiveInbox(agentReply("slack:C1:1.1", "on it"), REMEMBER_MS);
    await store.completeInboxEntry(first, WORKER);

    raw = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
    expect(inboxIndexes()).toEqual(["warmline_inbox_channel", "warmline_inbox_open", "warmline_inbox_parked", "warmline_inbox_processed"]);
    expect(rowsIn("warmline_inbox_open", "state = 0")).toBe(2);
    expect(rowsIn("warmline_inbox_processed", "state = 2")).toBe(1);
    expect(rowsIn("warmline_inbox_parked", "state = 1")).toBe(0);
    // The agent's reply has no channel: it is in no watermark index.
    expect(rowsIn("warmline_inbox_channel", "channel IS NOT NULL")).toBe(2);
    // Only an AUTOINCREMENT table makes SQLite keep sqlite_sequence.
    expect(raw.get("SELECT name FROM sqlite_schema WHERE name = 'sqlite_sequence'")).toBeUndefined();
    expect(await store.countInbox()).toEqual({ pending: 2, parked: 0 });
    expect(texts(await store.listInbox())).toEqual(["second", "agent_reply"]);
  });

  it("opens a file made before (full inbox indexes, AUTOINCREMENT, a WITHOUT ROWID transcript) and carries on with its rows", async () => {
    raw = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
    for (const statement of EARLIER_LAYOUT) raw.exec(statement);
    const lane = "whatsapp:447700900002";
    const earlier = customerMessage(lane, "stored by the earlier release");
    // A pending row as the earlier release stored it (state 0 = open; its document as the inbox writes one).
    raw.run(
      "INSERT INTO warmline_inbox(id, lane, state, document, channel, sent_at, forget_at) VALUES(?, ?, 0, ?, 'whatsapp', ?, ?)",
      earlier.id,
      lane,
      JSON.stringify({ message: earlier.message, receivedAt: BASE_TIME, status: "pending", attempts: 0, notBefore: 0 }),
      BASE_TIME,
      // Remembered until then by the store's clock (the system's here).
      Date.now() + REMEMBER_MS,
    );
    raw.close();
    raw = undefined;

    store = await createSqliteStore({ file, checkpointWorker: false });
    await store.receiveInbox(customerMessage(lane, "stored now"), REMEMBER_MS);
    expect(texts(await store.inboxHeads(lane))).toEqual(["stored by the earlier release"]);
    const [head] = await store.inboxHeads(lane);
    await store.completeInboxEntry(head!, WORKER);
    expect(texts(await store.inboxHeads(lane))).toEqual(["stored now"]);
    expect(await store.countInbox()).toEqual({ pending: 1, parked: 0 });
    expect(await store.receiveInbox(earlier, REMEMBER_MS)).toBe(false);

    const conversation = buildConversation({ transcript: [buildTranscriptEntry({ text: "hello" })] });
    await store.create(conversation);
    const note: NewOutboxItem = { lane: conversation.id, effect: { kind: "notify_ops", text: "kept in order" } };
    const next = { ...conversation, transcript: [...conversation.transcript, buildTranscriptEntry({ text: "again" })] };
    expect(
      await store.commit(next, conversation.version, [note, { ...note, effect: { kind: "notify_ops", text: "second" } }]),
    ).toBeDefined();
    await store.close();

    store = await createSqliteStore({ file, checkpointWorker: false });
    expect((await store.get(conversation.id))?.transcript.map((entry) => entry.text)).toEqual(["hello", "again"]);
    expect((await store.listOutbox()).map((item) => (item.effect as { text: string }).text)).toEqual(["kept in order", "second"]);
    raw = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
    expect(inboxIndexes()).toEqual(["warmline_inbox_channel", "warmline_inbox_open", "warmline_inbox_parked", "warmline_inbox_processed"]);
  });
});
