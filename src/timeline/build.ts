import { EhrR1Error } from "../errors.js";
import { ident, literal, type Store } from "../store/database.js";
import { tableSpec } from "../sources/mimic-iv/schema.js";
import { TOOL_VERSION } from "../version.js";
import { computeFloatColumns } from "./items.js";
import { tableOrder, TIMELINE_SOURCES, type TimelineSource } from "./sources.js";

export interface TimelineBuildOptions {
  /** Tables that win ties first (see `tableOrder`); the rest keep the default order. */
  tableOrder?: readonly string[];
}

export interface TimelineBuildSummary {
  patients: number;
  events: number;
  rows: number;
  tables: string[];
  /** Event tables the store does not have (the public demo has no ED, notes or chart events). */
  absentTables: string[];
  tableOrder: string[];
  seconds: number;
}

/** Placement codes stored in timeline.rows; also the tie order among untimed rows of one admission. */
const PLACEMENT = { first: 0, timed: 1, diagnoses: 2, drg: 3, untimed: 4 } as const;

/** Event tables whose header time is always `[None]` (the reference never times them). */
export const UNTIMED_EVENT_TABLES = ["patients", "diagnoses_icd", "drgcodes"] as const;

/**
 * Builds every patient's ordered event list into `timeline.rows` (one row per source row, with its
 * position and event number) and `timeline.events` (one row per event), in one transaction.
 *
 * Order (reference-data-and-tasks.md §3): demographics first; timed rows by time, ties by table
 * rank then source row order; rows without a time right after the last timed row of their
 * admission (diagnoses, then DRG codes, then other untimed rows), or at the end when they have no
 * admission. Consecutive rows of one table form one event.
 */
export async function buildTimeline(store: Store, options: TimelineBuildOptions = {}): Promise<TimelineBuildSummary> {
  const started = performance.now();
  const order = tableOrder(options.tableOrder);
  const present: TimelineSource[] = [];
  const absent: string[] = [];
  for (const source of TIMELINE_SOURCES) {
    if (await store.tableExists(`${source.module}.${source.table}`)) present.push(source);
    else absent.push(`${source.module}.${source.table}`);
  }
  const missingRequired = ["hosp.patients", "hosp.admissions"].filter((t) => absent.includes(t));
  if (missingRequired.length) {
    throw new EhrR1Error(`${store.path}: cannot build timelines without ${missingRequired.join(" and ")} (load them with \`ehr-r1 ingest\`)`);
  }
  const needsStays = present.filter((s) => s.edStayJoin);
  if (needsStays.length && absent.includes("ed.edstays")) {
    throw new EhrR1Error(`${store.path}: ${needsStays.map((s) => `ed.${s.table}`).join(" and ")} need ed.edstays, which is not loaded`);
  }

  const selects = present.map((source) => sourceRowsSql(source, order.indexOf(source.table)));
  const sortKey = "subject_id, k_time, k_rank, k_row, placement, table_rank, src_row";
  await store.transaction(async () => {
    await store.exec("CREATE SCHEMA IF NOT EXISTS timeline");
    await computeFloatColumns(store, present);
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.rows AS
      WITH src AS (${selects.join("\nUNION ALL\n")}),
      anchors AS (
        SELECT subject_id, hadm_id, max(struct_pack(t := time, r := table_rank, s := src_row)) AS a
        FROM src WHERE placement = ${PLACEMENT.timed} AND time IS NOT NULL AND hadm_id IS NOT NULL
        GROUP BY subject_id, hadm_id
      ),
      keyed AS (
        SELECT src.*,
          CASE WHEN placement = ${PLACEMENT.first} THEN '-infinity'::TIMESTAMP
               WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN time
               ELSE coalesce(anchors.a.t, 'infinity'::TIMESTAMP) END AS k_time,
          CASE WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN table_rank ELSE coalesce(anchors.a.r, -1) END AS k_rank,
          CASE WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN src_row ELSE coalesce(anchors.a.s, -1) END AS k_row
        FROM src LEFT JOIN anchors USING (subject_id, hadm_id)
      ),
      positioned AS (
        SELECT subject_id, file_name, src_row, time, hadm_id, placement,
          (row_number() OVER w - 1)::INTEGER AS pos,
          (file_name IS DISTINCT FROM lag(file_name) OVER w)::INTEGER AS starts_event
        FROM keyed
        WINDOW w AS (PARTITION BY subject_id ORDER BY ${sortKey})
      )
      SELECT subject_id,
        (sum(starts_event) OVER (PARTITION BY subject_id ORDER BY pos ROWS UNBOUNDED PRECEDING) - 1)::INTEGER AS seq,
        pos, file_name, src_row, time, hadm_id, placement::TINYINT AS placement, NULL::JSON AS item
      FROM positioned
      ORDER BY subject_id, pos
    `);
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.events AS
      SELECT subject_id, seq, any_value(file_name) AS file_name,
        CASE WHEN any_value(file_name) IN (${UNTIMED_EVENT_TABLES.map(literal).join(", ")}) THEN NULL
             ELSE arg_min(time, pos) FILTER (WHERE time IS NOT NULL) END AS starttime,
        CASE WHEN any_value(file_name) IN (${UNTIMED_EVENT_TABLES.map(literal).join(", ")}) THEN NULL
             ELSE max(time) END AS endtime,
        (list(hadm_id ORDER BY pos))[1] AS hadm_id,
        count(*)::INTEGER AS n_rows,
        min(pos) AS first_pos
      FROM timeline.rows
      GROUP BY subject_id, seq
      ORDER BY subject_id, seq
    `);
    const sourcesLoadedAt = (await store.tableExists("meta.loads"))
      ? "(SELECT max(loaded_at) FROM meta.loads)" : "NULL::TIMESTAMP";
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.build_info AS
      SELECT 'store' AS origin, NULL::VARCHAR AS imported_from, now()::TIMESTAMP AS built_at, ${literal(TOOL_VERSION)} AS tool_version,
        [${order.map(literal).join(", ")}]::VARCHAR[] AS table_order,
        [${present.map((s) => literal(s.table)).join(", ")}]::VARCHAR[] AS tables,
        ${sourcesLoadedAt} AS sources_loaded_at
    `);
  });
  const [counts] = await store.rows<{ patients: bigint; events: bigint; rows: bigint }>(
    "SELECT (SELECT count(DISTINCT subject_id) FROM timeline.events) AS patients, (SELECT count(*) FROM timeline.events) AS events, (SELECT count(*) FROM timeline.rows) AS rows",
  );
  return {
    patients: Number(counts!.patients),
    events: Number(counts!.events),
    rows: Number(counts!.rows),
    tables: present.map((s) => `${s.module}.${s.table}`),
    absentTables: absent,
    tableOrder: order,
    seconds: (performance.now() - started) / 1000,
  };
}

function sourceRowsSql(source: TimelineSource, rank: number): string {
  const spec = tableSpec(source.module, source.table)!;
  const hasHadm = spec.columns.some(([c]) => c === "hadm_id");
  const placement = source.placement === "first" ? PLACEMENT.first
    : source.placement === "timed" ? PLACEMENT.timed
    : source.table === "drgcodes" ? PLACEMENT.drg : PLACEMENT.diagnoses;
  // Rows of a timed table whose time is NULL are placed like untimed rows (code 4).
  const placementSql = source.placement === "timed" ? `CASE WHEN (${source.time}) IS NULL THEN ${PLACEMENT.untimed} ELSE ${placement} END` : String(placement);
  const stays = source.edStayJoin
    ? " LEFT JOIN (SELECT stay_id, min(intime) AS intime, max(outtime) AS outtime FROM ed.edstays GROUP BY stay_id) s ON s.stay_id = t.stay_id"
    : "";
  return `SELECT t.subject_id, ${hasHadm ? "t.hadm_id" : "NULL::INTEGER"} AS hadm_id, CAST(${source.time} AS TIMESTAMP) AS time,
    ${rank} AS table_rank, ${placementSql} AS placement, t.rowid AS src_row, ${literal(source.table)} AS file_name
    FROM ${source.module}.${ident(source.table)} t${stays} WHERE t.subject_id IS NOT NULL`;
}
