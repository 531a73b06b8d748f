import { ident, literal, type Store } from "../store/database.js";
import { tableSpec } from "../sources/mimic-iv/schema.js";
import { EhrR1Error } from "../errors.js";
import { timelineSource, type TimelineSource } from "./sources.js";

const INTEGER_TYPES = new Set(["TINYINT", "SMALLINT", "INTEGER", "BIGINT"]);

/**
 * Integer columns that print as Python floats. The reference read every CSV with pandas, which turns
 * an integer column holding any missing value into float64 (`22841357.0`, missing `nan`). We decide
 * per table from the whole table (the reference decided per 1M-row chunk, which is not reproducible).
 */
export async function computeFloatColumns(store: Store, sources: readonly TimelineSource[]): Promise<void> {
  const rows: string[] = [];
  for (const source of sources) {
    const spec = tableSpec(source.module, source.table)!;
    const ints = spec.columns.filter(([, type]) => INTEGER_TYPES.has(type)).map(([c]) => c);
    if (!ints.length) continue;
    const nulls = await store.rows<Record<string, bigint>>(
      `SELECT ${ints.map((c) => `count(*) - count(${ident(c)}) AS ${ident(c)}`).join(", ")} FROM ${source.module}.${ident(source.table)}`,
    );
    for (const c of ints) if ((nulls[0]?.[c] ?? 0n) > 0n) rows.push(`(${literal(source.table)}, ${literal(c)})`);
  }
  await store.exec("CREATE OR REPLACE TABLE timeline.float_columns (file_name VARCHAR, column_name VARCHAR)");
  if (rows.length) await store.exec(`INSERT INTO timeline.float_columns VALUES ${rows.join(", ")}`);
}

export async function floatColumns(store: Store): Promise<Set<string>> {
  if (!(await store.tableExists("timeline.float_columns"))) return new Set();
  const rows = await store.rows<{ f: string; c: string }>("SELECT file_name AS f, column_name AS c FROM timeline.float_columns");
  return new Set(rows.map((r) => `${r.f}.${r.c}`));
}

/** SQL for one column's value as the reference's `str(value)`: Python float repr, `nan` for missing. */
export function pythonStringSql(expr: string, type: string, asFloat: boolean): string {
  if (INTEGER_TYPES.has(type)) {
    // DuckDB's DOUBLE → VARCHAR is Python's shortest round-trip repr (`1e+16`, `136.0`, `1e-05`).
    return asFloat
      ? `CASE WHEN ${expr} IS NULL THEN 'nan' ELSE CAST(CAST(${expr} AS DOUBLE) AS VARCHAR) END`
      : `coalesce(CAST(${expr} AS VARCHAR), 'nan')`;
  }
  if (type === "DOUBLE") return `coalesce(CAST(${expr} AS VARCHAR), 'nan')`;
  if (type === "TIMESTAMP") return `coalesce(strftime(${expr}, '%Y-%m-%d %H:%M:%S'), 'nan')`;
  if (type === "DATE") return `coalesce(strftime(${expr}, '%Y-%m-%d'), 'nan')`;
  return `coalesce(CAST(${expr} AS VARCHAR), 'nan')`;
}

export interface DerivedKey {
  key: string;
  /** SQL giving the JSON text of the value (a string, a list, or `null` for a mapping miss). */
  json: string;
}

export interface ItemQueryParts {
  /** JSON text of the row as the reference stored it (every column a Python string, then `file_name`). */
  raw: string[];
  derived: DerivedKey[];
  joins: string[];
}

/**
 * The parts of a query over `<table> t` joined to `timeline.rows r` that yield each row's item:
 * its raw Python-stringified columns and, for rendering, the dictionary-derived keys (§5).
 */
export async function itemQueryParts(store: Store, fileName: string, floats: Set<string>, withDerived: boolean): Promise<ItemQueryParts> {
  const source = timelineSource(fileName)!;
  const spec = tableSpec(source.module, source.table)!;
  const raw: [string, string][] = spec.columns.map(([c, type]) => [c, `to_json(${pythonStringSql(`t.${ident(c)}`, type, floats.has(`${fileName}.${c}`))})`]);
  raw.push(["file_name", `to_json(${literal(fileName)})`]);
  if (source.addedKey) raw.push([source.addedKey, `to_json(strftime(r.time, '%Y-%m-%d %H:%M:%S'))`]);
  const derived: DerivedKey[] = [];
  const joins: string[] = [];
  if (withDerived) await addDerived(store, fileName, derived, joins);
  return { raw: raw.map(([k, v]) => `${literal(JSON.stringify(k) + ": ")} || ${v}`), derived, joins };
}

const str = (expr: string) => `coalesce(to_json(${expr}), 'null')`;
/** MIMIC stores NDCs as text; the reference cut them at '.', then left-padded to 11 digits. */
const ndcKey = "lpad(split_part(t.ndc, '.', 1), 11, '0')";

async function addDerived(store: Store, fileName: string, derived: DerivedKey[], joins: string[]): Promise<void> {
  const has = (table: string) => store.tableExists(table);
  const icuItems = ["chartevents", "ingredientevents", "datetimeevents", "procedureevents", "inputevents", "outputevents"];
  if (fileName === "labevents" || icuItems.includes(fileName)) {
    const dict = fileName === "labevents" ? "hosp.d_labitems" : "icu.d_items";
    if (await has(dict)) {
      joins.push(`LEFT JOIN ${dict} d ON d.itemid = t.itemid`);
      derived.push({ key: "item_name", json: str("d.label") });
    } else derived.push({ key: "item_name", json: "'null'" });
  }
  const icd = async (key: string, dict: string, alias: string) => {
    if (await has(dict)) {
      joins.push(`LEFT JOIN (SELECT icd_version, icd_code, any_value(long_title ORDER BY long_title) AS long_title FROM ${dict} GROUP BY ALL) ${alias} ON ${alias}.icd_version = t.icd_version AND ${alias}.icd_code = t.icd_code`);
      derived.push({ key, json: str(`${alias}.long_title`) });
    } else derived.push({ key, json: "'null'" });
  };
  if (fileName === "diagnoses_icd") {
    await icd("diagnoses", "hosp.d_icd_diagnoses", "dx");
    await icd("CCS Type", "mapping.ccs_diagnoses", "ccs");
  }
  if (fileName === "procedures_icd") {
    await icd("procedures", "hosp.d_icd_procedures", "px");
    await icd("CCS Type", "mapping.ccs_procedures", "ccs");
  }
  if (fileName === "diagnosis") await icd("CCS Type", "mapping.ccs_diagnoses", "ccs");
  if (fileName === "prescriptions" || fileName === "medrecon") {
    if (await has("mapping.ndc_atc")) {
      joins.push(`LEFT JOIN (SELECT ndc, any_value(atc_name ORDER BY atc_name) AS atc_name FROM mapping.ndc_atc GROUP BY ndc) atc ON atc.ndc = ${ndcKey}`);
      derived.push({ key: "ATC Type", json: str("atc.atc_name") });
    } else derived.push({ key: "ATC Type", json: "'null'" });
  }
  if (fileName === "radiology") {
    if (await has("note.radiology_detail")) {
      // Distinct exam names in first-occurrence order (field_ordinal).
      joins.push(`LEFT JOIN (
        SELECT note_id, list(field_value ORDER BY first_ordinal, field_value) AS names FROM (
          SELECT note_id, field_value, min(field_ordinal) AS first_ordinal FROM note.radiology_detail
          WHERE field_name = 'exam_name' GROUP BY note_id, field_value
        ) GROUP BY note_id
      ) exam ON exam.note_id = t.note_id`);
      derived.push({ key: "exam_name", json: "coalesce(to_json(exam.names), 'null')" });
    } else derived.push({ key: "exam_name", json: "'null'" });
  }
}

/** The full item JSON expression: raw keys, then derived keys. */
export function itemJsonSql(parts: ItemQueryParts): string {
  const all = [...parts.raw, ...parts.derived.map((d) => `${literal(JSON.stringify(d.key) + ": ")} || ${d.json}`)];
  return `('{' || ${all.join(` || ', ' || `)} || '}')`;
}

/** Where a store's timelines came from: built from its MIMIC-IV tables, or imported from a patients_ehr folder. */
export async function timelineOrigin(store: Store): Promise<"store" | "imported"> {
  if (!(await store.tableExists("timeline.build_info"))) return "store";
  return (await store.value<string>("SELECT origin FROM timeline.build_info")) === "imported" ? "imported" : "store";
}

/**
 * SELECT giving `r.subject_id, r.seq, r.pos, item` (the item's JSON text) for one table's rows of
 * the timelines matching `where` (over `timeline.rows r`). Built timelines read the source table by
 * row id; imported ones hold the item text, from which the dictionary keys are read back.
 */
export async function itemRowsSql(store: Store, fileName: string, where: string, withDerived: boolean): Promise<string> {
  const source = timelineSource(fileName);
  if (!source) throw new EhrR1Error(`timeline.events names an unknown table ${fileName}; rebuild the timelines`);
  const table = `${source.module}.${ident(source.table)}`;
  const filter = `r.file_name = ${literal(fileName)} AND ${where}`;
  if ((await timelineOrigin(store)) === "store") {
    const parts = await itemQueryParts(store, fileName, await floatColumns(store), withDerived);
    return `SELECT r.subject_id, r.seq, r.pos, ${itemJsonSql(parts)} AS item
      FROM timeline.rows r JOIN ${table} t ON t.rowid = r.src_row ${parts.joins.join(" ")} WHERE ${filter}`;
  }
  const derived: DerivedKey[] = [];
  const joins: string[] = [];
  if (withDerived) await addDerived(store, fileName, derived, joins);
  const key = (k: string) => `json_extract_string(r.item, '$.${k}')`;
  const integer = (k: string) => `TRY_CAST(TRY_CAST(${key(k)} AS DOUBLE) AS BIGINT)`;
  // Appended as text: json_merge_patch would drop keys whose value is null (a mapping miss must stay None).
  const extra = derived.map((d) => `${literal(JSON.stringify(d.key) + ":")} || ${d.json}`).join(" || ',' || ");
  const merged = derived.length
    ? `CASE WHEN CAST(r.item AS VARCHAR) = '{}' THEN '{' || ${extra} || '}' ELSE CAST(r.item AS VARCHAR)[:-2] || ',' || ${extra} || '}' END`
    : "CAST(r.item AS VARCHAR)";
  // The dictionary joins are written against the source table `t`; here its keys are columns of `r`.
  const onRows = (sql: string) => sql.replace(/\bt\./g, "r.");
  return `SELECT r.subject_id, r.seq, r.pos, ${onRows(merged)} AS item
    FROM (SELECT *, ${integer("itemid")} AS itemid, ${integer("icd_version")} AS icd_version, ${key("icd_code")} AS icd_code,
            ${key("ndc")} AS ndc, ${key("note_id")} AS note_id FROM timeline.rows r WHERE ${filter}) r ${onRows(joins.join(" "))}`;
}
