import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CORPUS_FILE, loadCorpus, parseCorpus } from "../../src/assistant/index.js";
import { isWarmlineError, type WarmlineError } from "../../src/domain/errors.js";

const BITEXT_DEV = resolve(import.meta.dirname, "../../../shared/data/bitext/dev.csv");
const dir = mkdtempSync(join(tmpdir(), "warmline-corpus-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCsv(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function corpusError(content: string): Promise<WarmlineError> {
  const file = writeCsv(`bad-${Math.random().toString(36).slice(2)}.csv`, content);
  const error = await loadCorpus(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isWarmlineError(error, "corpus_invalid")) throw new Error(`expected corpus_invalid, got ${String(error)}`);
  expect(error.message).toContain(file);
  return error;
}

describe("loadCorpus", () => {
  it("loads the shipped corpus with every Bitext intent plus greeting, thanks and none", async () => {
    const examples = await loadCorpus(DEFAULT_CORPUS_FILE);
    const intents = new Set(examples.map((e) => e.intent));
    expect(intents.size).toBe(30);
    for (const intent of ["cancel_order", "complaint", "contact_human_agent", "payment_issue", "greeting", "thanks", "none"])
      expect(intents).toContain(intent);
  });

  it("picks text and intent by header name, ignores extra columns, and unquotes fields", async () => {
    const file = writeCsv(
      "extra.csv",
      'id,intent,text,notes\n1,track_order,"where is my order, please?",x\n2,greeting,"she said ""hi"" to me",\n\n3,thanks,"multi\nline",y\n',
    );
    expect(await loadCorpus(file)).toEqual([
      { text: "where is my order, please?", intent: "track_order" },
      { text: 'she said "hi" to me', intent: "greeting" },
      { text: "multi\nline", intent: "thanks" },
    ]);
  });

  it("accepts a byte-order mark and CRLF line endings", () => {
    expect(parseCorpus("\uFEFFtext,intent\r\nhello,greeting\r\nthank you,thanks\r\n", "mem.csv")).toHaveLength(2);
  });

  it("rejects a header without text and intent, naming line 1 and the fix", async () => {
    const error = await corpusError("sentence,label\nhello,greeting\n");
    expect(error.message).toContain("line 1");
    expect(error.message).toMatch(/text and intent/);
  });

  it("rejects a row whose field count differs from the header, with its line number", async () => {
    const error = await corpusError("text,intent\nhello,greeting\nwhere is my order, please,track_order\n");
    expect(error.message).toContain("line 3");
    expect(error.message).toMatch(/3 fields but the header has 2.*quote/);
  });

  it("rejects empty text and empty intent", async () => {
    expect((await corpusError("text,intent\nhello,greeting\n  ,thanks\n")).message).toMatch(/line 3.*text is empty/);
    expect((await corpusError("text,intent\nhello,greeting\nthanks,\n")).message).toMatch(/line 3.*intent is empty/);
  });

  it("rejects an unclosed quote, an empty file and a missing file", async () => {
    expect((await corpusError('text,intent\nhello,greeting\n"never closed,thanks\n')).message).toMatch(/line 3.*never closed/);
    expect((await corpusError("")).message).toMatch(/empty/);
    await expect(loadCorpus(join(dir, "missing.csv"))).rejects.toMatchObject({
      code: "corpus_invalid",
      message: expect.stringContaining("cannot read"),
    });
  });

  it("says where a missing relative path was looked for, and that --corpus may have named it", async () => {
    const error = await loadCorpus("no-such-corpus.csv").then(
      () => undefined,
      (e: unknown) => e as WarmlineError,
    );
    expect(error?.message).toContain(`read as ${resolve("no-such-corpus.csv")}`);
    expect(error?.message).toMatch(/--corpus or in assistant\.corpus/);
  });

  it("rejects intents that differ only in case, which routing would treat as two intents", async () => {
    expect((await corpusError("text,intent\nhello,greeting\ncancel it,cancel_order\nstop my order,Cancel_Order\n")).message).toMatch(
      /"cancel_order" and "Cancel_Order" differ only in case/,
    );
  });
});

describe("the shipped corpus", () => {
  const normalize = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

  if (!existsSync(BITEXT_DEV))
    console.log(`Skipping the overlap check: ${BITEXT_DEV} is absent (the shared data folder is not beside the repository).`);

  it.skipIf(!existsSync(BITEXT_DEV))("shares no sentence with the Bitext evaluation file", async () => {
    const dev = new Set((await loadCorpus(BITEXT_DEV)).map((e) => normalize(e.text)));
    const overlap = (await loadCorpus(DEFAULT_CORPUS_FILE)).filter((e) => dev.has(normalize(e.text)));
    expect(overlap).toEqual([]);
  });

  it("has no duplicate lines", () => {
    const lines = readFileSync(DEFAULT_CORPUS_FILE, "utf8").trim().split("\n");
    expect(new Set(lines).size).toBe(lines.length);
  });
});
