import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import { replaceableFolder, writeFolder } from "../store/output-folder.js";
import { TOOL_VERSION } from "../version.js";
import { itemContext, itemRowsSql } from "./items.js";
import { assertTimeline } from "./read.js";
import { TIMELINE_SOURCES } from "./sources.js";

/**
 * The reference's per-patient layout (`patients_ehr/<subject_id>.parquet`, one row per event with
 * `file_name, starttime, endtime, hadm_id, items`; `items` the JSON text of the event's rows with
 * every value a Python string), so users can move between the Python reference and ehr-r1.
 */

export interface ExportOptions {
  subjects?: readonly number[];
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportSummary {
  folder: string;
  patients: number;
  events: number;
  seconds: number;
}

export async function exportPatientsEhr(
  store: Store,
  folder: string,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const started = performance.now();
  await assertTimeline(store);
  const out = replaceableFolder(folder, options.force);
  const where = options.subjects?.length
    ? `r.subject_id IN (${options.subjects.map((s) => Math.trunc(s)).join(", ")})`
    : "true";
  const tables = (
    await store.rows<{ f: string }>("SELECT DISTINCT file_name AS f FROM timeline.events ORDER BY 1")
  ).map((r) => r.f);
  const context = await itemContext(store);
  const itemSelects = tables.map((t) => itemRowsSql(context, t, where, false));
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE export_events AS
    WITH items AS (${itemSelects.join(" UNION ALL ")}),
    grouped AS (SELECT subject_id, seq, '[' || string_agg(item, ', ' ORDER BY pos) || ']' AS items FROM items GROUP BY subject_id, seq)
    SELECT e.subject_id, e.seq, e.file_name, strftime(e.starttime, '%Y-%m-%d %H:%M:%S') AS starttime,
      strftime(e.endtime, '%Y-%m-%d %H:%M:%S') AS endtime, CAST(e.hadm_id AS VARCHAR) AS hadm_id, g.items
    FROM timeline.events e JOIN grouped g USING (subject_id, seq)
    ORDER BY e.subject_id, e.seq`);
  const subjects = (
    await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM export_events ORDER BY 1")
  ).map((r) => r.s);
  try {
    const events = await writeFolder(out, async (staging) => {
      for (const [i, subject] of subjects.entries()) {
        const file = join(staging, `${subject}.parquet`);
        await store.exec(
          `COPY (SELECT file_name, starttime, endtime, hadm_id, items FROM export_events WHERE subject_id = ${subject} ORDER BY seq) TO ${literal(file)} (FORMAT parquet)`,
        );
        options.onProgress?.(i + 1, subjects.length);
      }
      return Number(await store.value<bigint>("SELECT count(*) FROM export_events"));
    });
    return { folder: out, patients: subjects.length, events, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.exec("DROP TABLE IF EXISTS temp.export_events");
  }
}

export interface ImportSummary {
  folder: string;
  patients: number;
  events: number;
  rows: number;
  seconds: number;
}

/**
 * Reads a patients_ehr folder into `timeline.events` and `timeline.rows` (items kept as JSON), in one
 * transaction. Every file is checked first: its name must be `<subject_id>.parquet`, its columns
 * the five above, `items` a JSON list of objects, `file_name` a table the renderer knows.
 */
export async function importPatientsEhr(store: Store, folder: string): Promise<ImportSummary> {
  const started = performance.now();
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a folder`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".parquet"))
    .sort();
  if (!files.length) throw new UsageError(`${dir} has no .parquet files (expected patients_ehr/<subject_id>.parquet)`);
  const badName = files.find((f) => !/^\d+\.parquet$/.test(f));
  if (badName) throw new InputError(join(dir, badName), undefined, "file name is not <subject_id>.parquet");
  const glob = literal(join(dir, "*.parquet"));
  const source = `read_parquet(${glob}, filename = true, file_row_number = true, union_by_name = true)`;

  const required = ["file_name", "starttime", "endtime", "hadm_id", "items"];
  const lacking = await store.rows<{ file: string; names: string[] }>(
    `SELECT file_name AS file, list(name) AS names FROM parquet_schema(${glob}) GROUP BY file_name
     HAVING NOT list_has_all(list(name), [${required.map(literal).join(", ")}]) ORDER BY file_name LIMIT 1`,
  );
  if (lacking.length) {
    const { file, names } = lacking[0]!;
    const missing = required.filter((c) => !names.includes(c));
    throw new InputError(
      file,
      undefined,
      `column(s) ${missing.join(", ")} missing (patients_ehr files have ${required.join(", ")})`,
    );
  }
  const known = TIMELINE_SOURCES.map((s) => literal(s.table)).join(", ");
  const problems = await store.rows<{ filename: string; row: bigint; problem: string }>(`
    SELECT filename, file_row_number AS row, CASE
        WHEN items IS NULL OR NOT json_valid(items) THEN 'items is not valid JSON'
        WHEN json_type(items) <> 'ARRAY' THEN 'items is not a JSON list'
        WHEN file_name IS NULL OR file_name NOT IN (${known}) THEN 'unknown file_name ' || coalesce(file_name, 'NULL')
        WHEN starttime IS NOT NULL AND TRY_CAST(starttime AS TIMESTAMP) IS NULL THEN 'starttime ' || starttime || ' is not a time'
        WHEN endtime IS NOT NULL AND TRY_CAST(endtime AS TIMESTAMP) IS NULL THEN 'endtime ' || endtime || ' is not a time'
        WHEN hadm_id IS NOT NULL AND hadm_id NOT IN ('nan', 'None') AND TRY_CAST(TRY_CAST(hadm_id AS DOUBLE) AS BIGINT) IS NULL THEN 'hadm_id ' || hadm_id || ' is not a number'
      END AS problem
    FROM (SELECT filename, file_row_number, CAST(items AS VARCHAR) AS items, CAST(file_name AS VARCHAR) AS file_name,
            CAST(starttime AS VARCHAR) AS starttime, CAST(endtime AS VARCHAR) AS endtime, CAST(hadm_id AS VARCHAR) AS hadm_id FROM ${source})
    WHERE problem IS NOT NULL ORDER BY filename, row LIMIT 1`);
  if (problems.length) {
    const p = problems[0]!;
    throw new InputError(p.filename, Number(p.row) + 1, `event ${p.row}: ${p.problem}`);
  }

  await store.transaction(async () => {
    await store.exec("CREATE SCHEMA IF NOT EXISTS timeline");
    await store.exec(`
      CREATE OR REPLACE TEMP TABLE imported AS
      SELECT CAST(regexp_extract(filename, '(\\d+)\\.parquet$', 1) AS INTEGER) AS subject_id, CAST(file_row_number AS INTEGER) AS seq,
        CAST(file_name AS VARCHAR) AS file_name, CAST(starttime AS TIMESTAMP) AS starttime, CAST(endtime AS TIMESTAMP) AS endtime,
        TRY_CAST(TRY_CAST(CAST(hadm_id AS VARCHAR) AS DOUBLE) AS INTEGER) AS hadm_id, json_extract(CAST(items AS VARCHAR), '$[*]') AS items
      FROM ${source}`);
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.rows AS
      WITH unnested AS (
        SELECT subject_id, seq, file_name, starttime, hadm_id, unnest(items) AS item, unnest(generate_series(1, len(items))) AS k FROM imported
      )
      SELECT subject_id, seq, (row_number() OVER (PARTITION BY subject_id ORDER BY seq, k) - 1)::INTEGER AS pos, file_name,
        NULL::BIGINT AS src_row, starttime AS time, hadm_id, NULL::TINYINT AS placement, item
      FROM unnested ORDER BY subject_id, pos`);
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.events AS
      SELECT i.subject_id, i.seq, i.file_name, i.starttime, i.endtime, i.hadm_id, len(i.items)::INTEGER AS n_rows, r.first_pos
      FROM imported i LEFT JOIN (SELECT subject_id, seq, min(pos) AS first_pos FROM timeline.rows GROUP BY ALL) r USING (subject_id, seq)
      ORDER BY subject_id, seq`);
    await store.exec(
      "CREATE OR REPLACE TABLE timeline.float_columns (file_name VARCHAR, column_name VARCHAR, chunk BIGINT)",
    );
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.build_info AS
      SELECT 'imported' AS origin, ${literal(dir)} AS imported_from, now()::TIMESTAMP AS built_at, ${literal(TOOL_VERSION)} AS tool_version,
        []::VARCHAR[] AS table_order, (SELECT list(DISTINCT file_name ORDER BY file_name) FROM timeline.events) AS tables,
        NULL::TIMESTAMP AS sources_loaded_at`);
    await store.exec("DROP TABLE temp.imported");
  });
  const [counts] = await store.rows<{ p: bigint; e: bigint; r: bigint }>(
    "SELECT (SELECT count(DISTINCT subject_id) FROM timeline.events) AS p, (SELECT count(*) FROM timeline.events) AS e, (SELECT count(*) FROM timeline.rows) AS r",
  );
  return {
    folder: dir,
    patients: Number(counts!.p),
    events: Number(counts!.e),
    rows: Number(counts!.r),
    seconds: (performance.now() - started) / 1000,
  };
}
