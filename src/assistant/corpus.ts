import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { WarmlineError } from "../domain/errors.js";

/** One training example: a customer phrasing and the intent it expresses. */
export interface CorpusExample {
  text: string;
  intent: string;
  /** A labelled data set's language-variation tags (Bitext's "tags" column), when the file has them. */
  tags?: string;
}

const HOW_TO_FIX =
  'The corpus is CSV with a header naming at least the columns text and intent, e.g.\n  text,intent\n  "where is my order, please?",track_order';

function corpusError(source: string, line: number | undefined, problem: string, cause?: unknown): WarmlineError {
  const where = line === undefined ? source : `${source} line ${line}`;
  return new WarmlineError("corpus_invalid", `${where}: ${problem}. ${HOW_TO_FIX}`, cause);
}

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

type CsvProblem = (source: string, line: number | undefined, problem: string) => WarmlineError;

/** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes (""). `fail` words the error for the file's kind. */
export function* csvRecords(text: string, source: string, fail: CsvProblem = corpusError): Generator<CsvRecord> {
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let inQuotes = false;
    let quotedField = false;
    for (; i < text.length; i += 1) {
      const ch = text[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 1;
          } else inQuotes = false;
        } else {
          if (ch === "\n") line += 1;
          field += ch;
        }
        continue;
      }
      if (ch === '"') {
        if (field.trim() !== "")
          throw fail(
            source,
            line,
            'a quote appears in the middle of an unquoted field; wrap the whole field in quotes and double the inner quote ("")',
          );
        field = "";
        inQuotes = true;
        quotedField = true;
      } else if (ch === ",") {
        fields.push(quotedField ? field : field.trim());
        field = "";
        quotedField = false;
      } else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i += 1;
        i += 1;
        line += 1;
        break;
      } else if (quotedField) {
        if (ch.trim() !== "") throw fail(source, line, "text follows a closing quote; a quoted field must end right before the next comma");
      } else field += ch;
    }
    if (inQuotes) throw fail(source, startLine, 'a quoted field is never closed; add the closing quote (")');
    fields.push(quotedField ? field : field.trim());
    if (fields.length === 1 && fields[0] === "" && !quotedField) continue; // blank line
    yield { fields, line: startLine };
  }
}

/** Parses corpus CSV text. `source` names the file in error messages. */
export function parseCorpus(text: string, source: string): CorpusExample[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ""), source);
  const header = records.next();
  if (header.done) throw corpusError(source, undefined, "the file is empty");
  const columns = header.value.fields.map((name) => name.trim().toLowerCase());
  const textColumn = columns.indexOf("text");
  const intentColumn = columns.indexOf("intent");
  const tagsColumn = columns.indexOf("tags");
  if (textColumn < 0 || intentColumn < 0) {
    throw corpusError(
      source,
      header.value.line,
      `the header must name the columns text and intent, but it is "${header.value.fields.join(",")}"`,
    );
  }
  const examples: CorpusExample[] = [];
  for (const { fields, line } of records) {
    if (fields.length !== columns.length) {
      throw corpusError(
        source,
        line,
        `found ${fields.length} fields but the header has ${columns.length}; quote any text that contains a comma`,
      );
    }
    const exampleText = fields[textColumn]!.trim();
    const intent = fields[intentColumn]!.trim();
    if (exampleText === "") throw corpusError(source, line, "the text is empty; write the customer's phrasing or delete the line");
    if (intent === "") throw corpusError(source, line, "the intent is empty; name the intent this phrasing expresses, e.g. track_order");
    examples.push({ text: exampleText, intent, ...(tagsColumn >= 0 ? { tags: fields[tagsColumn]!.trim() } : {}) });
  }
  if (examples.length === 0) throw corpusError(source, undefined, "there are no examples under the header");
  // Routing and answers match intents exactly: "Cancel_Order" beside "cancel_order" would be a second, unrouted intent.
  const spellings = new Map<string, string>();
  for (const { intent } of examples) {
    const seen = spellings.get(intent.toLowerCase());
    if (seen === undefined) spellings.set(intent.toLowerCase(), intent);
    else if (seen !== intent)
      throw corpusError(
        source,
        undefined,
        `the intents "${seen}" and "${intent}" differ only in case; spell every example's intent the same way`,
      );
  }
  if (new Set(examples.map((example) => example.intent)).size < 2) {
    throw corpusError(source, undefined, "every example has the same intent; the assistant needs at least two intents to tell apart");
  }
  return examples;
}

/** Reads and parses a corpus CSV (header with text and intent; other columns are ignored). */
export async function loadCorpus(file: string): Promise<CorpusExample[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    // Relative paths are read from the current directory, not the config file's: say where that is.
    const where = isAbsolute(file) ? "" : ` (read as ${resolve(file)})`;
    throw corpusError(
      file,
      undefined,
      `cannot read the file${where}: ${(cause as Error).message}; check the path given to --corpus or in assistant.corpus`,
      cause,
    );
  }
  return parseCorpus(text, file);
}
