import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { csvRecords } from "../assistant/corpus.js";
import { WarmlineError } from "../domain/errors.js";
import { PACKAGE_ROOT } from "../paths.js";
import type { LabelledMessage } from "./evaluate-triage.js";

/** The project's own evaluation set: eval/wild/<language>.csv, never used for training (see eval/README.md). */
export const WILD_DIR = join(PACKAGE_ROOT, "eval", "wild");
/** The measuring-only data sets beside the repository (optional). */
export const SHARED_DATA_DIR = join(PACKAGE_ROOT, "..", "shared", "data");

/** The wild set's categories: whether each must escalate on the first message, and the team it must reach (null = any). */
export const WILD_CATEGORIES = {
  human_request: { escalate: true, team: null },
  cancellation: { escalate: true, team: "retention" },
  complaint: { escalate: true, team: null },
  fraud: { escalate: true, team: null },
  legal: { escalate: true, team: null },
  money_not_credited: { escalate: true, team: "billing" },
  charged_twice: { escalate: true, team: "billing" },
  order_status: { escalate: false, team: null },
  product_question: { escalate: false, team: null },
  payment_question: { escalate: false, team: null },
  delivery_question: { escalate: false, team: null },
  account_question: { escalate: false, team: null },
  greeting: { escalate: false, team: null },
  thanks: { escalate: false, team: null },
  near_miss: { escalate: false, team: null },
} as const satisfies Record<string, { escalate: boolean; team: string | null }>;

export type WildCategory = keyof typeof WILD_CATEGORIES;

/** One row of eval/wild/<language>.csv, as written (the test checks it against WILD_CATEGORIES). */
export interface WildRow {
  language: string;
  file: string;
  line: number;
  text: string;
  category: string;
  escalate: boolean;
  team: string | null;
  note: string;
}

const WILD_COLUMNS = ["text", "category", "escalate", "team", "note"] as const;

function csvTable(file: string, columns: readonly string[], howToFix: string): { values: Record<string, string>; line: number }[] {
  const fail = (source: string, line: number | undefined, problem: string) =>
    new WarmlineError("input_invalid", `${source}${line === undefined ? "" : ` line ${line}`}: ${problem}. ${howToFix}`);
  const records = csvRecords(readFileSync(file, "utf8").replace(/^\uFEFF/, ""), file, fail);
  const header = records.next();
  const names = header.done ? [] : header.value.fields.map((name) => name.trim().toLowerCase());
  const missing = columns.filter((column) => !names.includes(column));
  if (missing.length > 0) throw fail(file, 1, `the header lacks ${missing.join(", ")}`);
  return [...records].map(({ fields, line }) => {
    if (fields.length !== names.length)
      throw fail(file, line, `found ${fields.length} fields but the header has ${names.length}; quote any text that holds a comma`);
    return { values: Object.fromEntries(names.map((name, i) => [name, fields[i]!.trim()])), line };
  });
}

/** Reads every eval/wild/<language>.csv; a row whose `escalate` is not yes/no is an error naming its line. */
export function readWildSet(dir: string = WILD_DIR): WildRow[] {
  if (!existsSync(dir))
    throw new WarmlineError("input_invalid", `Cannot find the wild evaluation set ${dir}: restore eval/wild from the repository.`);
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".csv"))
    .sort();
  return files.flatMap((name) => {
    const file = join(dir, name);
    return csvTable(file, WILD_COLUMNS, `Columns are ${WILD_COLUMNS.join(",")}; see eval/README.md`).map(({ values, line }) => {
      if (values.escalate !== "yes" && values.escalate !== "no")
        throw new WarmlineError("input_invalid", `${file} line ${line}: escalate is "${values.escalate}"; write yes or no.`);
      return {
        language: basename(name, ".csv"),
        file,
        line,
        text: values.text!,
        category: values.category!,
        escalate: values.escalate === "yes",
        team: values.team || null,
        note: values.note ?? "",
      };
    });
  });
}

/**
 * The wild rows as labelled messages, sliced by language, category and variety (each word of the note).
 * Languages are interleaved (each file's first row, then each one's second…) so that the first failing
 * texts a category keeps as examples come from several languages, not all from the first file.
 */
export function wildMessages(rows: readonly WildRow[]): LabelledMessage[] {
  const position = new Map<string, number>();
  const rank = rows.map((row) => {
    const n = position.get(row.language) ?? 0;
    position.set(row.language, n + 1);
    return n;
  });
  const interleaved = rows
    .map((row, i) => ({ row, rank: rank[i]! }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ row }) => row);
  return interleaved.map((row) => ({
    text: row.text,
    expected: { escalate: row.escalate, team: row.team },
    slices: {
      language: [row.language],
      category: [row.category],
      variety: row.note.split(/[\s,;]+/).filter(Boolean),
      ...(row.team === null ? {} : { team: [row.team] }),
    },
  }));
}

/** hint3/mapping.json: HINT3 labels → the first-message decision (team null = any). */
interface Hint3Mapping {
  must_escalate: Record<string, string | null>;
  must_not_escalate: string[];
  report_only: string[];
}

/** A HINT3 label's status in the mapping; labels it does not list are report-only too, counted apart. */
function hint3Expectation(mapping: Hint3Mapping, label: string): { escalate: boolean | null; team: string | null; status: string } {
  if (Object.hasOwn(mapping.must_escalate, label)) return { escalate: true, team: mapping.must_escalate[label] ?? null, status: "must" };
  if (mapping.must_not_escalate.includes(label)) return { escalate: false, team: null, status: "must-not" };
  return { escalate: null, team: null, status: mapping.report_only.includes(label) ? "report-only" : "unmapped" };
}

/** Reads hint3/<bot>_train.csv with mapping.json, sliced by bot, label, mapping status and expected team. */
export function readHint3Set(dir: string): LabelledMessage[] {
  const mappingFile = join(dir, "mapping.json");
  let mapping: Hint3Mapping;
  try {
    mapping = JSON.parse(readFileSync(mappingFile, "utf8")) as Hint3Mapping;
  } catch (cause) {
    throw new WarmlineError(
      "input_invalid",
      `Cannot read ${mappingFile} (${(cause as Error).message}): restore ../shared/data/hint3.`,
      cause,
    );
  }
  if (typeof mapping.must_escalate !== "object" || !Array.isArray(mapping.must_not_escalate) || !Array.isArray(mapping.report_only))
    throw new WarmlineError(
      "input_invalid",
      `${mappingFile} lacks must_escalate (label → team or null), must_not_escalate or report_only (label lists): restore it.`,
    );
  const files = readdirSync(dir)
    .filter((name) => name.endsWith("_train.csv"))
    .sort();
  if (files.length === 0) throw new WarmlineError("input_invalid", `${dir} holds no <bot>_train.csv file: restore ../shared/data/hint3.`);
  return files.flatMap((name) => {
    const bot = basename(name, "_train.csv");
    return csvTable(join(dir, name), ["sentence", "label"], "HINT3 files have the columns sentence,label").map(({ values }) => {
      const { status, ...expected } = hint3Expectation(mapping, values.label!);
      return {
        text: values.sentence!,
        expected,
        slices: { bot: [bot], label: [values.label!], status: [status], ...(expected.team === null ? {} : { team: [expected.team] }) },
      };
    });
  });
}
