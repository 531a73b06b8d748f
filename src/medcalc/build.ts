import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { firstLine, ident, literal, Store } from "../store/database.js";
import { replaceableFolder, writeFolder } from "../store/output-folder.js";
import { uniformSql } from "../tasks/sample.js";
import { RowFile } from "../export/row-file.js";
import {
  RL_FORMAT_NAMES,
  rlFormat,
  type RlFormatName,
  type RlMessage,
  type RlRow,
  type RlSchema,
} from "../export/rl-formats.js";
import { medcalcMessages, medcalcPromptParts, type MedcalcPromptOptions } from "./prompt.js";

/** MedCalc-Bench v1.0's columns, in file order; the first two are integers, the rest text. */
export const MEDCALC_COLUMNS = [
  "Row Number",
  "Calculator ID",
  "Calculator Name",
  "Category",
  "Output Type",
  "Note ID",
  "Note Type",
  "Patient Note",
  "Question",
  "Relevant Entities",
  "Ground Truth Answer",
  "Lower Limit",
  "Upper Limit",
  "Ground Truth Explanation",
] as const;

export type MedcalcExportFormat = RlFormatName;
export const MEDCALC_EXPORT_FORMATS: readonly MedcalcExportFormat[] = RL_FORMAT_NAMES;

export interface MedcalcBuildOptions extends MedcalcPromptOptions {
  /** MedCalc-Bench test CSV: `test` (and the tail of `val`). */
  test?: string;
  /** MedCalc-Bench train CSV: a category-balanced `val` head and a shuffled, length-filtered `train`. */
  train?: string;
  out: string;
  format?: MedcalcExportFormat;
  /** Validation rows in all, split evenly over the categories (EHRMIND: 100 → 14 × 7 = 98). */
  valSize?: number;
  /** Train prompts longer than this many whitespace-separated words are dropped (EHRMIND: 1,024). */
  maxWords?: number;
  seed?: number;
  force?: boolean;
  /**
   * Prompt-token budget (EHRMIND's max_prompt_length; verl left-truncates longer prompts, dropping
   * the instructions): train rows over it are dropped, val and test rows over it are counted.
   */
  maxTokens?: number;
  /** Tokens of a prompt (its messages), e.g. the model's tokenizer and chat template. Needed with maxTokens. */
  countPrompt?: (messages: { role: string; content: string }[]) => number;
}

/**
 * Loads a MedCalc-Bench CSV into `table` with its file order in `ord`. Columns are checked by name
 * before any row is read, so a wrong file says which columns are missing.
 */
export async function loadMedcalcCsv(store: Store, file: string, table: string): Promise<number> {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputError(path, undefined, "no such file");
  let header: string[];
  try {
    header = (
      await store.rows<{ column_name: string }>(
        `DESCRIBE SELECT * FROM read_csv(${literal(path)}, header = true, all_varchar = true)`,
      )
    ).map((r) => r.column_name);
  } catch (error) {
    throw new InputError(path, undefined, `not a readable CSV (${firstLine(error)})`);
  }
  const missing = MEDCALC_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length)
    throw new InputError(
      path,
      1,
      `not a MedCalc-Bench CSV: missing column(s) ${missing.map((c) => JSON.stringify(c)).join(", ")}`,
    );
  const columns = MEDCALC_COLUMNS.map((c, i) =>
    i < 2 ? `TRY_CAST(${ident(c)} AS BIGINT) AS ${ident(c)}` : ident(c),
  ).join(", ");
  try {
    await store.exec(`CREATE OR REPLACE TABLE ${table} AS
      SELECT row_number() OVER () - 1 AS ord, ${columns}
      FROM read_csv(${literal(path)}, header = true, all_varchar = true, quote = '"', escape = '"', strict_mode = true)`);
  } catch (error) {
    throw new InputError(
      path,
      undefined,
      error instanceof Error ? error.message.split("\n").slice(0, 2).join(" ") : String(error),
    );
  }
  const bad = await store.rows<{
    ord: number;
    what: string;
  }>(`SELECT ord::INTEGER AS ord, CASE WHEN "Row Number" IS NULL THEN 'Row Number' WHEN "Calculator ID" IS NULL THEN 'Calculator ID' ELSE 'Category' END AS what
    FROM ${table} WHERE "Row Number" IS NULL OR "Calculator ID" IS NULL OR coalesce("Category", '') = '' ORDER BY ord LIMIT 1`);
  // +2: the header is line 1 and ord counts from 0 (notes with newlines make this a record number).
  if (bad[0])
    throw new InputError(
      path,
      bad[0].ord + 2,
      `record ${bad[0].ord + 1}: "${bad[0].what}" is missing or not an integer`,
    );
  return Number(await store.value(`SELECT count(*) FROM ${table}`));
}

/** EHRMIND's merged category names (the train CSV spells two of them differently). */
const MERGED_CATEGORY = `CASE "Category" WHEN 'lab test' THEN 'lab' WHEN 'dosage conversion' THEN 'dosage' ELSE "Category" END`;

/** The user message of a row, as SQL over its "Patient Note" and "Question" columns. */
function userTextSql(options: MedcalcPromptOptions): string {
  const p = medcalcPromptParts(options);
  return `${literal(p.before)} || "Patient Note" || ${literal(p.between)} || "Question" || ${literal(p.after)}`;
}

/** MedCalc-Bench's verl columns: its CSV columns first, the calculator's answer bounds as the ground truth. */
export const MEDCALC_RL_SCHEMA: RlSchema = {
  groundTruth: "STRUCT(calid BIGINT, lower_limit VARCHAR, target VARCHAR, upper_limit VARCHAR)",
  extraInfo: 'STRUCT("index" BIGINT, split VARCHAR)',
  columnsBefore: Object.fromEntries(MEDCALC_COLUMNS.map((c, i) => [c, i < 2 ? "BIGINT" : "VARCHAR"])),
};

interface MedcalcRow {
  columns: Record<string, unknown>;
  data_source: string;
  prompt: RlMessage[];
  ground_truth: Record<string, unknown>;
  idx: number;
  split: string;
}

/** The RL rows of a relation with ord, split, data_source, idx and the CSV columns, as SQL (in file order). */
function rlRowsSql(options: MedcalcPromptOptions, relation: string): string {
  const p = medcalcPromptParts(options);
  const user = userTextSql(options);
  const messages = p.system
    ? `[{'content': ${literal(p.system)}, 'role': 'system'}, {'content': ${user}, 'role': 'user'}]`
    : `[{'content': ${user}, 'role': 'user'}]`;
  // Integers as INTEGER: they reach JavaScript as numbers (BIGINT would be bigint, which JSON cannot hold).
  const columns = MEDCALC_COLUMNS.map((c, i) => `${literal(c)}: ${ident(c)}${i < 2 ? "::INTEGER" : ""}`).join(", ");
  return `WITH rows AS (${relation})
    SELECT {${columns}} AS columns, data_source, ${messages} AS prompt,
      {'calid': "Calculator ID"::INTEGER, 'lower_limit': "Lower Limit", 'target': "Ground Truth Answer", 'upper_limit': "Upper Limit"} AS ground_truth,
      idx::INTEGER AS idx, split
    FROM rows ORDER BY ord`;
}

/** One MedCalc-Bench row as the shared RL row. */
function medcalcRlRow(r: MedcalcRow, template: MedcalcPromptOptions["template"]): RlRow {
  return {
    task: r.data_source,
    prompt: r.prompt,
    // A pre-templated Llama-3 string goes to the text engines as text (no chat template applied by the engine).
    pretemplated: template !== "messages",
    ability: "medcalc",
    groundTruth: r.ground_truth,
    extraInfo: { index: r.idx, split: r.split },
    columnsBefore: r.columns,
  };
}

/**
 * EHRMIND's MedCalc RL files (src/dataset/medcalc/rl/data_process.py): `test` from the test CSV;
 * from the train CSV, `val` = the first valSize/7 rows of each category in file order followed by the
 * test rows, and `train` = the rest, shuffled (seeded) and filtered to prompts of ≤ maxWords words.
 */
export async function buildMedcalc(
  options: MedcalcBuildOptions,
): Promise<{ file: string; split: string; rows: number; overBudget?: number }[]> {
  if (!options.test && !options.train) throw new UsageError("give --test and/or --train (MedCalc-Bench CSV files)");
  if (options.maxTokens !== undefined && !options.countPrompt)
    throw new UsageError("--max-tokens needs a tokenizer to count prompt tokens");
  const format = options.format ?? "verl";
  const rl = rlFormat(format);
  if (!rl) throw new UsageError(`unknown format ${format} (expected ${MEDCALC_EXPORT_FORMATS.join(", ")})`);
  const out = replaceableFolder(options.out, options.force);
  const store = await Store.open(":memory:");
  try {
    const splits: [string, string][] = [];
    /** Positions (ord) of a table's rows whose prompt exceeds the token budget. */
    const overBudget = async (table: string, where = "true"): Promise<number[]> => {
      if (options.maxTokens === undefined) return [];
      const rows = await store.rows<{ ord: number; note: string; question: string }>(
        `SELECT ord::INTEGER AS ord, "Patient Note" AS note, "Question" AS question FROM ${table} WHERE ${where}`,
      );
      return rows
        .filter(
          (r) => options.countPrompt!(medcalcMessages(r.note ?? "", r.question ?? "", options)) > options.maxTokens!,
        )
        .map((r) => r.ord);
    };
    const counted = new Map<string, number>();
    if (options.test) {
      await loadMedcalcCsv(store, options.test, "test_csv");
      await store.exec(
        `CREATE TABLE test_rows AS SELECT ord, 'test' AS split, 'medcalc_' || "Category" || '_test' AS data_source, ord AS idx, * EXCLUDE (ord) FROM test_csv`,
      );
      splits.push(["test", "SELECT * FROM test_rows"]);
      if (options.maxTokens !== undefined) counted.set("test", (await overBudget("test_rows")).length);
    }
    if (options.train) {
      await loadMedcalcCsv(store, options.train, "train_csv");
      const categories = Number(await store.value(`SELECT count(DISTINCT ${MERGED_CATEGORY}) FROM train_csv`));
      const smallest = Number(
        await store.value(`SELECT min(n) FROM (SELECT count(*) AS n FROM train_csv GROUP BY ${MERGED_CATEGORY})`),
      );
      const perClass = Math.min(smallest, Math.floor((options.valSize ?? 100) / categories));
      await store.exec(
        `CREATE TABLE ranked AS SELECT *, row_number() OVER (PARTITION BY ${MERGED_CATEGORY} ORDER BY ord) AS category_rank FROM train_csv`,
      );
      await store.exec(`CREATE TABLE val_rows AS SELECT ord, 'val' AS split, 'medcalc_val' AS data_source, row_number() OVER (ORDER BY ord) - 1 AS idx, * EXCLUDE (ord, category_rank)
        FROM ranked WHERE category_rank <= ${perClass}`);
      const tooLong = await overBudget("ranked", `category_rank > ${perClass}`);
      // Whole numbers only, so inlining them is safe.
      await store.exec(`CREATE TABLE too_long AS SELECT unnest([${tooLong.join(", ")}]::INTEGER[]) AS ord`);
      if (options.maxTokens !== undefined) counted.set("train", tooLong.length);
      const words = `len(regexp_split_to_array(trim(${userTextSql(options)}), '\\s+'))`;
      await store.exec(`CREATE TABLE train_rows AS
        WITH kept AS (SELECT *, ${uniformSql(literal(String(options.seed ?? 42)), "ord::VARCHAR")} AS u FROM ranked WHERE category_rank > ${perClass} AND ${words} <= ${options.maxWords ?? 1024} AND ord NOT IN (SELECT ord FROM too_long))
        SELECT row_number() OVER (ORDER BY u, ord) - 1 AS ord, 'train' AS split, 'medcalc_train' AS data_source, row_number() OVER (ORDER BY u, ord) - 1 AS idx, * EXCLUDE (ord, category_rank, u) FROM kept`);
      splits.push(["train", "SELECT * FROM train_rows"]);
      // val rows first, then the test rows (when given), as EHRMIND's val file.
      splits.push([
        "val",
        options.test
          ? "SELECT * FROM val_rows UNION ALL SELECT ord + 1e9::BIGINT, * EXCLUDE (ord) FROM test_rows"
          : "SELECT * FROM val_rows",
      ]);
      if (options.maxTokens !== undefined)
        counted.set("val", (await overBudget("val_rows")).length + (counted.get("test") ?? 0));
    }
    return await writeFolder(out, async (staging) => {
      const written: { file: string; split: string; rows: number; overBudget?: number }[] = [];
      for (const [split, rows] of splits) {
        const file = new RowFile(join(staging, `${split}${rl.extension}`), rl.columns?.(MEDCALC_RL_SCHEMA));
        for await (const chunk of store.stream<MedcalcRow>(rlRowsSql(options, rows)))
          for (const r of chunk) await file.write(rl.row(medcalcRlRow(r, options.template)));
        await file.close();
        const over = counted.get(split);
        written.push({
          file: join(out, `${split}${rl.extension}`),
          split,
          rows: file.rows,
          ...(over === undefined ? {} : { overBudget: over }),
        });
      }
      return written;
    });
  } finally {
    store.close();
  }
}
