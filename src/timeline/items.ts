import { ident, literal, type Store } from "../store/database.js";
import { tableSpec } from "../sources/mimic-iv/schema.js";
import { EhrR1Error } from "../errors.js";
import { pandasDouble } from "./pandas-float.js";
import { pyFloatRepr } from "../python/format.js";
import { timelineSource, type TimelineSource } from "./sources.js";

const INTEGER_TYPES = new Set(["TINYINT", "SMALLINT", "INTEGER", "BIGINT"]);

/** pandas decides each column's dtype per chunk of this many rows of a CSV, as the reference read them. */
export const PANDAS_CHUNK_ROWS = 1_000_000;

/**
 * Numeric columns whose printed type differs from the store's in some chunks of the source file.
 * The reference read every CSV with pandas in chunks of 1,000,000 rows, and pandas types a column
 * per chunk: integers with any missing value become float64 (`22841357.0`, missing `nan`), and a
 * column of decimals whose every value in the chunk is a whole number (and none missing) stays
 * int64 (`175`, not `175.0`; MIMIC's CSVs, exported by PostgreSQL, write whole floats without a
 * decimal point). Source rows keep their file order as row ids, so row id / chunk size is the chunk.
 * Recorded here: (table, column, chunk) where an integer column prints as float or a float column
 * as integer.
 */
export async function computeFloatColumns(
  store: Store,
  sources: readonly TimelineSource[],
  chunkRows = PANDAS_CHUNK_ROWS,
): Promise<void> {
  const rows: string[] = [];
  for (const source of sources) {
    const spec = tableSpec(source.module, source.table)!;
    const numbers = spec.columns.filter(([, type]) => INTEGER_TYPES.has(type) || type === "DOUBLE");
    if (!numbers.length) continue;
    const flipped = numbers.map(([c, type]) => {
      const col = ident(c);
      const condition = INTEGER_TYPES.has(type)
        ? `count(*) > count(${col})`
        : `count(*) = count(${col}) AND bool_and(isfinite(${col}) AND ${col} = trunc(${col}))`;
      return `CASE WHEN ${condition} THEN ${literal(c)} END`;
    });
    const chunks = await store.rows<{ chunk: bigint; columns: (string | null)[] }>(
      `SELECT rowid // ${chunkRows} AS chunk, [${flipped.join(", ")}] AS columns
       FROM ${source.module}.${ident(source.table)} GROUP BY 1 ORDER BY 1`,
    );
    for (const { chunk, columns } of chunks)
      for (const c of columns) if (c !== null) rows.push(`(${literal(source.table)}, ${literal(c)}, ${chunk})`);
  }
  await store.exec(
    "CREATE OR REPLACE TABLE timeline.float_columns (file_name VARCHAR, column_name VARCHAR, chunk BIGINT)",
  );
  if (rows.length) await store.exec(`INSERT INTO timeline.float_columns VALUES ${rows.join(", ")}`);
}

/** Per `table.column`, the chunks whose printed type differs from the store's (see computeFloatColumns). */
export async function floatColumns(store: Store): Promise<Map<string, number[]>> {
  if (!(await store.tableExists("timeline.float_columns"))) return new Map();
  const columns = new Set(
    (
      await store.rows<{ c: string }>(
        "SELECT column_name AS c FROM duckdb_columns() WHERE schema_name = 'timeline' AND table_name = 'float_columns'",
      )
    ).map((r) => r.c),
  );
  // Stores from before the per-chunk rule flipped whole integer columns: chunk -1 stands for all.
  const rows = await store.rows<{ f: string; c: string; k: bigint | number }>(
    `SELECT file_name AS f, column_name AS c, ${columns.has("chunk") ? "chunk" : "-1"} AS k FROM timeline.float_columns ORDER BY 1, 2, 3`,
  );
  const flipped = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.f}.${r.c}`;
    (flipped.get(key) ?? flipped.set(key, []).get(key)!).push(Number(r.k));
  }
  return flipped;
}

/**
 * The text pandas printed for every double that its own parser read differently from the correctly
 * rounded value the store holds (pandas-float.ts), per source row: a map column → text. Computed once
 * here so that rendering pays one hash join per table, not the parser emulation per value. (DuckDB's
 * printf is not C's for `%.17g`, so the text is made in JavaScript, whose number formatting is exact.)
 */
export async function computePandasDoubles(store: Store, sources: readonly TimelineSource[]): Promise<void> {
  await store.exec(
    "CREATE OR REPLACE TEMP TABLE pandas_double_cells (file_name VARCHAR, src_row BIGINT, column_name VARCHAR, text VARCHAR)",
  );
  const appender = await store.connection.createAppender("pandas_double_cells", "main", "temp");
  try {
    for (const source of sources) {
      const doubles = tableSpec(source.module, source.table)!
        .columns.filter(([, type]) => type === "DOUBLE")
        .map(([c]) => c);
      if (!doubles.length) continue;
      // Values of at most two decimals and 15 digits read back exactly (one exact integer scaled once
      // by 10 or 100), so only the others can differ: DuckDB skips those, JavaScript decides the rest.
      const maybe = (c: string) =>
        `(${ident(c)} IS NOT NULL AND isfinite(${ident(c)}) AND NOT (abs(${ident(c)}) < 1e13 AND round(${ident(c)} * 100) / 100 = ${ident(c)}))`;
      const sql = `SELECT rowid AS r, ${doubles.map((c, k) => `CASE WHEN ${maybe(c)} THEN ${ident(c)} END AS c${k}`).join(", ")}
        FROM ${source.module}.${ident(source.table)} WHERE ${doubles.map(maybe).join(" OR ")}`;
      for await (const chunk of store.stream<Record<string, number | bigint | null>>(sql))
        for (const row of chunk)
          doubles.forEach((c, k) => {
            const x = row[`c${k}`] as number | null;
            if (x === null) return;
            const y = pandasDouble(x);
            if (Object.is(y, x)) return;
            appender.appendVarchar(source.table);
            appender.appendBigInt(BigInt(row.r!));
            appender.appendVarchar(c);
            appender.appendVarchar(pyFloatRepr(y));
            appender.endRow();
          });
    }
  } finally {
    appender.closeSync();
  }
  await store.exec(`CREATE OR REPLACE TABLE timeline.pandas_doubles AS
    SELECT file_name, src_row, map(list(column_name), list(text)) AS fix FROM temp.pandas_double_cells GROUP BY ALL;
    DROP TABLE temp.pandas_double_cells`);
}

async function pandasDoubleTables(store: Store, tables: Set<string>): Promise<Set<string>> {
  if (!tables.has("timeline.pandas_doubles")) return new Set();
  return new Set(
    (await store.rows<{ f: string }>("SELECT DISTINCT file_name AS f FROM timeline.pandas_doubles")).map((r) => r.f),
  );
}

/**
 * pandas' default `na_values` (pandas 2): `read_csv` reads a field that is exactly one of these as
 * NaN, so the reference printed `nan` for a text cell holding `None` or `NA` (the demo's
 * procedureevents has 771 `valueuom` cells that say `None`).
 */
export const PANDAS_NA_TEXTS = [
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
] as const;
const NA_TEXTS_SQL = PANDAS_NA_TEXTS.map(literal).join(", ");

/**
 * SQL for one column's value as the reference's `str(value)`: Python float repr, `nan` for missing.
 * `flipped`: the chunks (of `chunk`, the row's chunk expression) in which a numeric column prints
 * as the other numeric type; -1 for every chunk.
 */
export function pythonStringSql(expr: string, type: string, flipped: readonly number[] = [], chunk = "0"): string {
  const inFlipped = flipped.includes(-1) ? "true" : flipped.length ? `${chunk} IN (${flipped.join(", ")})` : "false";
  // DuckDB's DOUBLE → VARCHAR is Python's shortest round-trip repr (`1e+16`, `136.0`, `1e-05`).
  const asFloat = `CAST(CAST(${expr} AS DOUBLE) AS VARCHAR)`;
  const asInteger = `CAST(CAST(${expr} AS HUGEINT) AS VARCHAR)`;
  if (INTEGER_TYPES.has(type))
    return inFlipped === "false"
      ? `coalesce(CAST(${expr} AS VARCHAR), 'nan')`
      : `CASE WHEN ${expr} IS NULL THEN 'nan' WHEN ${inFlipped} THEN ${asFloat} ELSE CAST(${expr} AS VARCHAR) END`;
  if (type === "DOUBLE")
    return inFlipped === "false"
      ? `coalesce(CAST(${expr} AS VARCHAR), 'nan')`
      : `CASE WHEN ${expr} IS NULL THEN 'nan' WHEN ${inFlipped} THEN ${asInteger} ELSE ${asFloat} END`;
  if (type === "TIMESTAMP") return `coalesce(strftime(${expr}, '%Y-%m-%d %H:%M:%S'), 'nan')`;
  if (type === "DATE") return `coalesce(strftime(${expr}, '%Y-%m-%d'), 'nan')`;
  if (type === "VARCHAR")
    return `CASE WHEN ${expr} IS NULL OR ${expr} IN (${NA_TEXTS_SQL}) THEN 'nan' ELSE ${expr} END`;
  return `coalesce(CAST(${expr} AS VARCHAR), 'nan')`;
}

export interface DerivedKey {
  key: string;
  /** SQL giving the value: a string, a list of strings, or NULL for a mapping miss (None). */
  value: string;
}

export interface ItemQueryParts {
  /** The row as the reference stored it: [key, SQL of its Python string], every column, then `file_name`. */
  raw: (readonly [string, string])[];
  derived: DerivedKey[];
  joins: string[];
}

/** Patients `[from, to)` a query reads: per-note tables joined whole are cut to them (else each query re-reads all). */
export interface SubjectRange {
  from: number;
  to: number;
}

/**
 * The parts of a query over `<table> t` joined to `timeline.rows r` that yield each row's item:
 * its raw Python-stringified columns and, for rendering, the dictionary-derived keys (docs/reference.md#code-mappings).
 */
export function itemQueryParts(
  context: ItemContext,
  fileName: string,
  withDerived: boolean,
  subjects?: SubjectRange,
): ItemQueryParts {
  const floats = context.floats;
  const source = timelineSource(fileName)!;
  const spec = tableSpec(source.module, source.table)!;
  const joins: string[] = [];
  // Doubles pandas' parser read differently (see computePandasDoubles) come from their table.
  const fixed = context.pandasDoubles.has(fileName);
  if (fixed)
    joins.push(
      `LEFT JOIN timeline.pandas_doubles pdx ON pdx.file_name = ${literal(fileName)} AND pdx.src_row = t.rowid`,
    );
  const raw: [string, string][] = spec.columns.map(([c, type]) => {
    const text = pythonStringSql(
      `t.${ident(c)}`,
      type,
      floats.get(`${fileName}.${c}`),
      `(t.rowid // ${PANDAS_CHUNK_ROWS})`,
    );
    return [c, fixed && type === "DOUBLE" ? `coalesce(pdx.fix[${literal(c)}], ${text})` : text];
  });
  raw.push(["file_name", literal(fileName)]);
  if (source.addedKey) raw.push([source.addedKey, `strftime(r.time, '%Y-%m-%d %H:%M:%S')`]);
  const derived: DerivedKey[] = [];
  if (withDerived) addDerived(context, fileName, derived, joins, subjects);
  return { raw, derived, joins };
}

/** MIMIC stores NDCs as text; the reference cut them at '.', then left-padded to 11 digits. */
export const ndcKeySql = (column: string) => `lpad(split_part(${column}, '.', 1), 11, '0')`;

function addDerived(
  context: ItemContext,
  fileName: string,
  derived: DerivedKey[],
  joins: string[],
  subjects?: SubjectRange,
): void {
  const has = (table: string) => context.tables.has(table);
  const icuItems = [
    "chartevents",
    "ingredientevents",
    "datetimeevents",
    "procedureevents",
    "inputevents",
    "outputevents",
  ];
  if (fileName === "labevents" || icuItems.includes(fileName)) {
    const dict = fileName === "labevents" ? "hosp.d_labitems" : "icu.d_items";
    if (has(dict)) {
      joins.push(`LEFT JOIN ${dict} d ON d.itemid = t.itemid`);
      derived.push({ key: "item_name", value: "d.label" });
    } else derived.push({ key: "item_name", value: "NULL" });
  }
  const icd = (key: string, dict: string, alias: string) => {
    if (has(dict)) {
      joins.push(
        `LEFT JOIN (SELECT icd_version, icd_code, any_value(long_title ORDER BY long_title) AS long_title FROM ${dict} GROUP BY ALL) ${alias} ON ${alias}.icd_version = t.icd_version AND ${alias}.icd_code = t.icd_code`,
      );
      derived.push({ key, value: `${alias}.long_title` });
    } else derived.push({ key, value: "NULL" });
  };
  if (fileName === "diagnoses_icd") {
    icd("diagnoses", "hosp.d_icd_diagnoses", "dx");
    icd("CCS Type", "mapping.ccs_diagnoses", "ccs");
  }
  if (fileName === "procedures_icd") {
    icd("procedures", "hosp.d_icd_procedures", "px");
    icd("CCS Type", "mapping.ccs_procedures", "ccs");
  }
  if (fileName === "diagnosis") icd("CCS Type", "mapping.ccs_diagnoses", "ccs");
  if (fileName === "prescriptions" || fileName === "medrecon") {
    if (has("mapping.ndc_atc")) {
      joins.push(
        `LEFT JOIN (SELECT ndc, any_value(atc_name ORDER BY atc_name) AS atc_name FROM mapping.ndc_atc GROUP BY ndc) atc ON atc.ndc = ${ndcKeySql("t.ndc")}`,
      );
      derived.push({ key: "ATC Type", value: "atc.atc_name" });
    } else derived.push({ key: "ATC Type", value: "NULL" });
  }
  if (fileName === "radiology") {
    if (has("note.radiology_detail")) {
      // Distinct exam names in first-occurrence order (field_ordinal).
      joins.push(`LEFT JOIN (
        SELECT note_id, list(field_value ORDER BY first_ordinal, field_value) AS names FROM (
          SELECT note_id, field_value, min(field_ordinal) AS first_ordinal FROM note.radiology_detail
          WHERE field_name = 'exam_name'${subjects ? ` AND subject_id >= ${subjects.from} AND subject_id < ${subjects.to}` : ""}
          GROUP BY note_id, field_value
        ) GROUP BY note_id
      ) exam ON exam.note_id = t.note_id`);
      derived.push({ key: "exam_name", value: "exam.names" });
    } else derived.push({ key: "exam_name", value: "NULL" });
  }
}

/** JSON object text of key/value SQL pairs, in order. */
function jsonObjectSql(pairs: readonly (readonly [string, string])[]): string {
  return `CAST(json_object(${pairs.map(([k, v]) => `${literal(k)}, ${v}`).join(", ")}) AS VARCHAR)`;
}

/** The full item JSON expression: raw keys, then derived keys. */
export function itemJsonSql(parts: ItemQueryParts): string {
  return jsonObjectSql([...parts.raw, ...parts.derived.map((d) => [d.key, d.value] as const)]);
}

/** What item queries need to know about a store, read once per batch of queries. */
export interface ItemContext {
  /** `schema.table` names present. */
  tables: Set<string>;
  /** Built from the store's MIMIC-IV tables, or imported from a patients_ehr folder. */
  origin: "store" | "imported";
  /** Per `table.column`, the chunks whose printed numeric type differs from the store's. */
  floats: Map<string, number[]>;
  /** Tables with doubles that pandas' parser read differently (rows in `timeline.pandas_doubles`). */
  pandasDoubles: Set<string>;
}

export async function itemContext(store: Store): Promise<ItemContext> {
  const tables = new Set(
    (
      await store.rows<{ t: string }>(
        "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE database_name = current_database()",
      )
    ).map((r) => r.t),
  );
  const origin =
    tables.has("timeline.build_info") &&
    (await store.value<string>("SELECT origin FROM timeline.build_info")) === "imported"
      ? "imported"
      : "store";
  return { tables, origin, floats: await floatColumns(store), pandasDoubles: await pandasDoubleTables(store, tables) };
}

/**
 * SELECT giving `r.subject_id, r.seq, r.pos, item` (the item's JSON text) for one table's rows of
 * the timelines matching `where` (over `timeline.rows r`). Built timelines read the source table by
 * row id (`rowids`, when given, bounds the scan); imported ones hold the item text, from which the
 * dictionary keys are read back.
 */
export function itemRowsSql(
  context: ItemContext,
  fileName: string,
  where: string,
  withDerived: boolean,
  rowids?: { min: bigint; max: bigint },
  subjects?: SubjectRange,
): string {
  const source = sourceOf(fileName);
  const filter = `r.file_name = ${literal(fileName)} AND ${where}`;
  if (context.origin === "store") {
    const parts = itemQueryParts(context, fileName, withDerived, subjects);
    return `SELECT r.subject_id, r.seq, r.pos, ${itemJsonSql(parts)} AS item ${storeRowsFrom(source, parts.joins, filter, rowids)}`;
  }
  const derived: DerivedKey[] = [];
  const joins: string[] = [];
  if (withDerived) addDerived(context, fileName, derived, joins, subjects);
  // Appended as text: json_merge_patch would drop keys whose value is null (a mapping miss must stay None).
  const extra = jsonObjectSql(derived.map((d) => [d.key, d.value] as const));
  const merged = derived.length
    ? `CASE WHEN CAST(r.item AS VARCHAR) = '{}' THEN ${extra} ELSE CAST(r.item AS VARCHAR)[:-2] || ',' || (${extra})[2:] END`
    : "CAST(r.item AS VARCHAR)";
  return `SELECT r.subject_id, r.seq, r.pos, ${onRows(merged)} AS item ${importedRowsFrom(joins, filter)}`;
}

/**
 * SELECT giving `subject_id, seq, pos, v` for one table's rows of the timelines matching `where`
 * (over `timeline.rows r`), where `v` is `value(keySql)`: `keySql(key)` is the SQL of one key of the
 * row as the reference held it (a Python string, `nan` when missing; derived keys such as
 * `item_name` or `CCS Type` from the dictionaries, NULL on a miss). Cheaper than whole items.
 */
export function itemValuesSql(
  context: ItemContext,
  fileName: string,
  where: string,
  value: (keySql: (key: string) => string) => string,
  rowids?: { min: bigint; max: bigint },
  subjects?: SubjectRange,
): string {
  const source = sourceOf(fileName);
  const derived: DerivedKey[] = [];
  const joins: string[] = [];
  addDerived(context, fileName, derived, joins, subjects);
  const filter = `r.file_name = ${literal(fileName)} AND ${where}`;
  if (context.origin === "store") {
    const parts = itemQueryParts(context, fileName, false);
    const keySql = (key: string) =>
      derived.find((d) => d.key === key)?.value ?? parts.raw.find(([k]) => k === key)?.[1] ?? "NULL";
    return `SELECT r.subject_id, r.seq, r.pos, ${value(keySql)} AS v ${storeRowsFrom(source, [...parts.joins, ...joins], filter, rowids)}`;
  }
  const keySql = (key: string) => {
    const d = derived.find((x) => x.key === key);
    return d ? onRows(d.value) : `json_extract_string(r.item, ${literal(`$."${key}"`)})`;
  };
  return `SELECT r.subject_id, r.seq, r.pos, ${value(keySql)} AS v ${importedRowsFrom(joins, filter)}`;
}

function sourceOf(fileName: string): TimelineSource {
  const source = timelineSource(fileName);
  if (!source) throw new EhrR1Error(`timeline.events names an unknown table ${fileName}; rebuild the timelines`);
  return source;
}

/** Built timelines: each row joined to its source row by row id (`rowids` bounds the scan). */
function storeRowsFrom(
  source: TimelineSource,
  joins: readonly string[],
  filter: string,
  rowids?: { min: bigint; max: bigint },
): string {
  const bound = rowids ? ` AND t.rowid BETWEEN ${rowids.min} AND ${rowids.max}` : "";
  return `FROM timeline.rows r JOIN ${source.module}.${ident(source.table)} t ON t.rowid = r.src_row ${joins.join(" ")} WHERE ${filter}${bound}`;
}

/** The dictionary joins are written against the source table `t`; on imported timelines its keys are columns of `r`. */
const onRows = (sql: string) => sql.replace(/\bt\./g, "r.");

/** Imported timelines: the item JSON, with the keys the dictionary joins use read back out of it. */
function importedRowsFrom(joins: readonly string[], filter: string): string {
  const key = (k: string) => `json_extract_string(r.item, '$.${k}')`;
  const integer = (k: string) => `TRY_CAST(TRY_CAST(${key(k)} AS DOUBLE) AS BIGINT)`;
  return `FROM (SELECT *, ${integer("itemid")} AS itemid, ${integer("icd_version")} AS icd_version, ${key("icd_code")} AS icd_code,
      ${key("ndc")} AS ndc, ${key("note_id")} AS note_id FROM timeline.rows r WHERE ${filter}) r ${onRows(joins.join(" "))}`;
}
