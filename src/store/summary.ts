import type { Store } from "./database.js";

export interface TableCount {
  table: string;
  rows: number;
}

export interface CohortCounts {
  patients: number;
  admissions: number;
  icuStays: number;
  edStays: number;
}

export interface StoreSummary {
  tables: TableCount[];
  cohort: CohortCounts;
}

/** Every user table in the store (all schemas but DuckDB's own and temp; not an ingest's `__ehr_r1_` staging tables), with exact row counts. */
export async function tableCounts(store: Store): Promise<TableCount[]> {
  const names = await store.rows<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_catalog = current_database() AND table_schema NOT IN ('information_schema', 'pg_catalog') AND table_type = 'BASE TABLE'
       AND NOT starts_with(table_name, '__ehr_r1_')
     ORDER BY CASE table_schema WHEN 'hosp' THEN 0 WHEN 'note' THEN 1 WHEN 'ed' THEN 2 WHEN 'icu' THEN 3 WHEN 'mapping' THEN 4 ELSE 5 END, table_schema, table_name`,
  );
  if (names.length === 0) return [];
  const counts = await store.rows<{ i: number; n: bigint }>(
    names.map((t, i) => `SELECT ${i} AS i, count(*) AS n FROM "${t.schema}"."${t.name}"`).join(" UNION ALL "),
  );
  const byIndex = new Map(counts.map((c) => [Number(c.i), Number(c.n)]));
  return names.map((t, i) => ({ table: `${t.schema}.${t.name}`, rows: byIndex.get(i) ?? 0 }));
}

export async function cohortCounts(store: Store): Promise<CohortCounts> {
  const count = async (table: string, expression: string) =>
    (await store.tableExists(table))
      ? Number(await store.value<bigint>(`SELECT count(DISTINCT ${expression}) FROM ${table}`))
      : 0;
  return {
    patients: await count("hosp.patients", "subject_id"),
    admissions: await count("hosp.admissions", "hadm_id"),
    icuStays: await count("icu.icustays", "stay_id"),
    edStays: await count("ed.edstays", "stay_id"),
  };
}

export async function summarizeStore(store: Store): Promise<StoreSummary> {
  return { tables: await tableCounts(store), cohort: await cohortCounts(store) };
}

/** Where each table came from (`meta.loads`: source file, size, hash, rows, load time), by table name; empty before any ingest. */
export async function loadProvenance(store: Store): Promise<Record<string, unknown>[]> {
  if (!(await store.tableExists("meta.loads"))) return [];
  return (
    await store.rowsJson(
      "SELECT table_name, source_path, size_bytes, mtime, sha256, rows, rejected_rows, round(load_seconds, 3) AS load_seconds, loaded_at, tool_version FROM meta.loads ORDER BY table_name",
    )
  ).rows;
}
