import { EhrR1Error } from "../errors.js";
import { ident, literal, type Store } from "../store/database.js";
import { MODULES, tableSpec } from "../sources/mimic-iv/schema.js";
import { TOOL_VERSION } from "../version.js";
import { computeFloatColumns, computePandasDoubles, type SubjectRange } from "./items.js";
import { placeUntimedTwice, type TimedAnchor, type UntimedRow } from "./reference-placement.js";
import { tableOrder, TIMELINE_SOURCES, type TimelineSource } from "./sources.js";

export interface TimelineBuildOptions {
  /** Tables that win ties first (see `tableOrder`); the rest keep the default order. */
  tableOrder?: readonly string[];
  /** Source rows per shard of patients (default: from the store's memory limit). */
  shardRows?: number;
  /**
   * Where rows without a time go. `fixed` (default): once each, right after their admission's last
   * timed row; hcpcsevents by `chartdate`, microbiology by `chartdate` when `charttime` is missing.
   * `reference`: as `rank.py` does (reference-placement.ts), duplicates included, to reproduce the
   * reference's timelines and samples exactly.
   */
  untimed?: UntimedRule;
  onProgress?: (shardsDone: number, shards: number) => void;
}

export const UNTIMED_RULES = ["fixed", "reference"] as const;
export type UntimedRule = (typeof UNTIMED_RULES)[number];

export interface TimelineBuildSummary {
  patients: number;
  events: number;
  rows: number;
  tables: string[];
  /** Event tables the store does not have (the public demo has no ED, notes or chart events). */
  absentTables: string[];
  tableOrder: string[];
  untimed: UntimedRule;
  seconds: number;
}

/** Placement codes stored in timeline.rows; also the tie order among untimed rows of one admission. */
const PLACEMENT = { first: 0, timed: 1, diagnoses: 2, drg: 3, untimed: 4 } as const;

/** Event tables whose header time is always `[None]` (the reference never times them). */
export const UNTIMED_EVENT_TABLES = ["patients", "diagnoses_icd", "drgcodes"] as const;

/**
 * Builds every patient's ordered event list into `timeline.rows` (one row per source row, with its
 * position and event number) and `timeline.events` (one row per event), swapped in by one transaction.
 *
 * Order (docs/reference.md#timeline-order): demographics first; timed rows by time, ties by table
 * rank then source row order; rows without a time right after the last timed row of their
 * admission (diagnoses, then DRG codes, then other untimed rows), or at the end when they have no
 * admission. Consecutive rows of one table form one event.
 */
export async function buildTimeline(store: Store, options: TimelineBuildOptions = {}): Promise<TimelineBuildSummary> {
  const started = performance.now();
  const order = tableOrder(options.tableOrder);
  const untimedRule = options.untimed ?? "fixed";
  const present: TimelineSource[] = [];
  const absent: string[] = [];
  for (const source of TIMELINE_SOURCES) {
    if (await store.tableExists(`${source.module}.${source.table}`)) present.push(source);
    else absent.push(`${source.module}.${source.table}`);
  }
  const missingRequired = ["hosp.patients", "hosp.admissions"].filter((t) => absent.includes(t));
  if (missingRequired.length) {
    throw new EhrR1Error(
      `${store.path}: cannot build timelines without ${missingRequired.join(" and ")} (load them with \`ehr-r1 ingest\`)`,
    );
  }
  const needsStays = present.filter((s) => s.edStayJoin);
  if (needsStays.length && absent.includes("ed.edstays")) {
    throw new EhrR1Error(
      `${store.path}: ${needsStays.map((s) => `ed.${s.table}`).join(" and ")} need ed.edstays, which is not loaded`,
    );
  }

  let sourceRows = 0;
  for (const s of present)
    sourceRows += Number(await store.value<bigint>(`SELECT count(*) FROM ${s.module}.${ident(s.table)}`));
  const shards = await subjectShards(store, sourceRows, "hosp.patients", options.shardRows);
  const untimed = UNTIMED_EVENT_TABLES.map(literal).join(", ");
  // Shards are written in autocommit to `*_next` tables (one transaction holding every shard in its
  // local storage took 16% more memory on 3,000 patients); one short transaction swaps them in, and
  // a failed build drops them, leaving the previous timelines as they were.
  await store.exec("CREATE SCHEMA IF NOT EXISTS timeline");
  try {
    await store.exec(`
    CREATE OR REPLACE TABLE timeline.rows_next (subject_id INTEGER, seq INTEGER, pos INTEGER, file_name VARCHAR, src_row BIGINT,
      time TIMESTAMP, hadm_id INTEGER, placement TINYINT, item JSON);
    CREATE OR REPLACE TABLE timeline.events_next (subject_id INTEGER, seq INTEGER, file_name VARCHAR, starttime TIMESTAMP,
      endtime TIMESTAMP, hadm_id INTEGER, n_rows INTEGER, first_pos INTEGER);`);
    // Patients in subject_id ranges, so DuckDB's window sort stays within its memory limit on any cohort size.
    for (const [index, shard] of shards.entries()) {
      options.onProgress?.(index, shards.length);
      const range = `t.subject_id >= ${shard.from} AND t.subject_id < ${shard.to}`;
      const selects = present.map((source) => sourceRowsSql(source, order.indexOf(source.table), range, untimedRule));
      if (untimedRule === "reference") await insertReferenceRows(store, selects);
      else await insertFixedRows(store, selects);
      // An event's start is its first row's time, as combination.py takes it (the least, except where
      // the reference's placement of untimed rows groups copies out of time order); untimed rows carry NULL.
      await store.exec(`
      INSERT INTO timeline.events_next
      SELECT subject_id, seq, any_value(file_name) AS file_name,
        CASE WHEN any_value(file_name) IN (${untimed}) THEN NULL ELSE arg_min(time, pos) FILTER (WHERE time IS NOT NULL) END AS starttime,
        CASE WHEN any_value(file_name) IN (${untimed}) THEN NULL ELSE max(time) END AS endtime,
        arg_min_null(hadm_id, pos) AS hadm_id,
        count(*)::INTEGER AS n_rows,
        min(pos) AS first_pos
      FROM timeline.rows_next t WHERE ${range}
      GROUP BY subject_id, seq
      ORDER BY subject_id, seq`);
    }
    options.onProgress?.(shards.length, shards.length);
  } catch (error) {
    await store
      .exec("DROP TABLE IF EXISTS timeline.rows_next; DROP TABLE IF EXISTS timeline.events_next")
      .catch(() => undefined);
    throw error;
  }
  const sourcesLoadedAt = (await store.tableExists("meta.loads"))
    ? "(SELECT max(loaded_at) FROM meta.loads)"
    : "NULL::TIMESTAMP";
  await store.transaction(async () => {
    await computeFloatColumns(store, present);
    await computePandasDoubles(store, present);
    await store.exec(`
      DROP TABLE IF EXISTS timeline.rows; ALTER TABLE timeline.rows_next RENAME TO rows;
      DROP TABLE IF EXISTS timeline.events; ALTER TABLE timeline.events_next RENAME TO events;`);
    await store.exec(`
      CREATE OR REPLACE TABLE timeline.build_info AS
      SELECT 'store' AS origin, NULL::VARCHAR AS imported_from, now()::TIMESTAMP AS built_at, ${literal(TOOL_VERSION)} AS tool_version,
        [${order.map(literal).join(", ")}]::VARCHAR[] AS table_order, ${literal(untimedRule)} AS untimed,
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
    untimed: untimedRule,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Numbers each patient's rows by `order` (over `relation`) into `timeline.rows`; a change of table
 * starts an event. Positions and event starts come from one window; each event's number is the
 * rank of its start among the patient's starts (a window over the starts only, about a fifth of the
 * rows), handed to every row by an ASOF join on position. A running sum over a second sort of all
 * rows gave the same numbers at 1.2–1.7× the time (10,000 patients, docs/benchmarks.md).
 */
function insertPositionedSql(relation: string, order: string): string {
  return `
    CREATE OR REPLACE TEMP TABLE timeline_positioned AS
    SELECT subject_id, file_name, src_row, time, hadm_id, placement,
      (row_number() OVER w - 1)::INTEGER AS pos,
      file_name IS DISTINCT FROM lag(file_name) OVER w AS starts_event
    FROM ${relation}
    WINDOW w AS (PARTITION BY subject_id ORDER BY ${order});
    CREATE OR REPLACE TEMP TABLE timeline_starts AS
    SELECT subject_id, pos, (row_number() OVER (PARTITION BY subject_id ORDER BY pos) - 1)::INTEGER AS seq
    FROM timeline_positioned WHERE starts_event;
    INSERT INTO timeline.rows_next
    SELECT p.subject_id, s.seq, p.pos, p.file_name, p.src_row, p.time, p.hadm_id, p.placement, NULL::JSON AS item
    FROM timeline_positioned p ASOF JOIN timeline_starts s ON p.subject_id = s.subject_id AND p.pos >= s.pos
    ORDER BY p.subject_id, p.pos;
    DROP TABLE timeline_positioned; DROP TABLE timeline_starts;`;
}

/** `--untimed fixed`: untimed rows once each, right after their admission's last timed row (in SQL). */
async function insertFixedRows(store: Store, selects: readonly string[]): Promise<void> {
  const keyed = `(
    WITH src AS (${selects.join("\nUNION ALL\n")}),
    anchors AS (
      SELECT subject_id, hadm_id, max(struct_pack(t := time, ${TIE_COLUMNS.map((c) => `${c} := ${c}`).join(", ")}, r := table_rank, s := src_row)) AS a
      FROM src WHERE placement = ${PLACEMENT.timed} AND time IS NOT NULL AND hadm_id IS NOT NULL
      GROUP BY subject_id, hadm_id
    )
    SELECT src.*,
      CASE WHEN placement = ${PLACEMENT.first} THEN '-infinity'::TIMESTAMP
           WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN time
           ELSE coalesce(anchors.a.t, 'infinity'::TIMESTAMP) END AS k_time,
      ${TIE_COLUMNS.map(
        (c, i) =>
          `CASE WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN ${c} WHEN anchors.a IS NULL THEN ${i === 0 ? MODULES.length : "NULL"} ELSE anchors.a.${c} END AS k_${c},`,
      ).join("\n      ")}
      CASE WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN table_rank ELSE coalesce(anchors.a.r, -1) END AS k_rank,
      CASE WHEN placement = ${PLACEMENT.timed} AND time IS NOT NULL THEN src_row ELSE coalesce(anchors.a.s, -1) END AS k_row
    FROM src LEFT JOIN anchors USING (subject_id, hadm_id))`;
  const tie = TIE_COLUMNS.map((c) => `k_${c}`).join(", ");
  await store.exec(insertPositionedSql(keyed, `k_time, ${tie}, k_rank, k_row, placement, table_rank, src_row`));
}

/**
 * `--untimed reference`: timed rows sorted in SQL; the untimed rows placed in JavaScript as
 * rank.py's two passes leave them (reference-placement.ts), each copy keyed by the timed row it
 * follows, then numbered with the rest.
 */
async function insertReferenceRows(store: Store, selects: readonly string[]): Promise<void> {
  // A row's first tie column is its module's index (tieSql).
  const hosp = MODULES.indexOf("hosp");
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE timeline_src AS ${selects.join("\nUNION ALL\n")};
    CREATE OR REPLACE TEMP TABLE timeline_timed AS
      SELECT *, row_number() OVER (PARTITION BY subject_id ORDER BY time, ${TIE_COLUMNS.join(", ")}, table_rank, src_row) AS tpos
      FROM temp.timeline_src WHERE placement = ${PLACEMENT.timed};
    CREATE OR REPLACE TEMP TABLE timeline_placed (subject_id INTEGER, file_name VARCHAR, src_row BIGINT, anchor BIGINT, sub INTEGER);`);
  type Anchors = { hosp: TimedAnchor[]; all: TimedAnchor[] };
  const anchors = new Map<number, Anchors>();
  // Each patient's first and last timed rows (hadm NULL here: copies "at the end" follow the last) and
  // each admission's last, overall and in the hospital module.
  for (const r of await store.rows<{ s: number; h: number | null; a: bigint; hh: bigint | null }>(`
    SELECT subject_id AS s, hadm_id AS h, max(tpos) AS a, max(tpos) FILTER (WHERE tie_0 = ${hosp}) AS hh
    FROM temp.timeline_timed WHERE hadm_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT subject_id, NULL, min(tpos), min(tpos) FILTER (WHERE tie_0 = ${hosp}) FROM temp.timeline_timed GROUP BY ALL
    UNION ALL
    SELECT subject_id, NULL, max(tpos), max(tpos) FILTER (WHERE tie_0 = ${hosp}) FROM temp.timeline_timed GROUP BY ALL`)) {
    const of = anchors.get(r.s) ?? anchors.set(r.s, { hosp: [], all: [] }).get(r.s)!;
    of.all.push({ rank: Number(r.a), hadm: r.h });
    if (r.hh !== null) of.hosp.push({ rank: Number(r.hh), hadm: r.h });
  }
  const untimed = await store.rows<{ s: number; f: string; r: bigint; h: number | null; m: bigint }>(`
    SELECT subject_id AS s, file_name AS f, src_row AS r, hadm_id AS h, tie_0 AS m FROM temp.timeline_src
    WHERE placement > ${PLACEMENT.timed} ORDER BY subject_id, tie_0, table_rank, src_row`);
  const appender = await store.connection.createAppender("timeline_placed", "main", "temp");
  try {
    for (let i = 0; i < untimed.length;) {
      const subject = untimed[i]!.s;
      const hospRows: UntimedRow[] = [];
      const otherRows: UntimedRow[] = [];
      for (; i < untimed.length && untimed[i]!.s === subject; i++) {
        const u = untimed[i]!;
        (Number(u.m) === hosp ? hospRows : otherRows).push({ id: Number(u.r), file: u.f, hadm: u.h });
      }
      const of = anchors.get(subject) ?? { hosp: [], all: [] };
      for (const copy of placeUntimedTwice(of.hosp, of.all, hospRows, otherRows)) {
        appender.appendInteger(subject);
        appender.appendVarchar(copy.row.file);
        appender.appendBigInt(BigInt(copy.row.id));
        appender.appendBigInt(BigInt(copy.anchor));
        appender.appendInteger(copy.sub);
        appender.endRow();
      }
    }
  } finally {
    appender.closeSync();
  }
  await store.exec(
    insertPositionedSql(
      `(SELECT *, -1 AS anchor, row_number() OVER (PARTITION BY subject_id ORDER BY table_rank, src_row) AS sub
          FROM temp.timeline_src WHERE placement = ${PLACEMENT.first}
        UNION ALL BY NAME SELECT * EXCLUDE (tpos), tpos AS anchor, 0 AS sub FROM temp.timeline_timed
        UNION ALL BY NAME SELECT s.*, p.anchor, p.sub FROM temp.timeline_placed p JOIN temp.timeline_src s USING (subject_id, file_name, src_row))`,
      "anchor, sub",
    ),
  );
  await store.exec("DROP TABLE temp.timeline_src; DROP TABLE temp.timeline_timed; DROP TABLE temp.timeline_placed;");
}

/** Half-open subject_id range of one shard of patients. */
/** A shard of patients: subject ids `[from, to)`. */
export type SubjectShard = SubjectRange;

/**
 * Half-open subject_id ranges splitting `totalRows` rows into shards of about `shardRows` rows each
 * (default: what a window sort fits in comfortably, from the store's memory limit). Cut points are
 * quantiles of `subject_id` over `quantileTable`; the first and last ranges are open-ended so no row
 * is ever left out.
 */
export async function subjectShards(
  store: Store,
  totalRows: number,
  quantileTable: string,
  shardRows?: number,
): Promise<SubjectShard[]> {
  return shardsFrom(
    store,
    totalRows,
    shardRows,
    (quantiles) => `SELECT quantile_disc(subject_id, [${quantiles}]) FROM ${quantileTable}`,
  );
}

/**
 * The same ranges from rows counted per subject (`weights`: a relation of subject_id, n): the cut
 * points are where the running count crosses each shard's share, found over one row per subject
 * instead of a quantile sort over every row.
 */
export async function weightedSubjectShards(
  store: Store,
  totalRows: number,
  weights: string,
  shardRows?: number,
): Promise<SubjectShard[]> {
  return shardsFrom(
    store,
    totalRows,
    shardRows,
    (quantiles) => `
    WITH w AS (${weights}), running AS (SELECT subject_id, sum(n) OVER (ORDER BY subject_id) AS cum FROM w)
    SELECT list((SELECT min(subject_id)::INTEGER FROM running WHERE cum >= q * ${totalRows}) ORDER BY q)
    FROM unnest([${quantiles}]) AS t(q)`,
  );
}

async function shardsFrom(
  store: Store,
  totalRows: number,
  shardRows: number | undefined,
  cutsSql: (quantiles: string) => string,
): Promise<SubjectShard[]> {
  const perShard = shardRows ?? Math.max(200_000, Math.floor((await memoryLimitBytes(store)) / 1000));
  const shards = Math.max(1, Math.ceil(totalRows / perShard));
  const min = -(2 ** 31);
  const max = 2 ** 31;
  if (shards === 1) return [{ from: min, to: max }];
  const quantiles = Array.from({ length: shards - 1 }, (_, i) => ((i + 1) / shards).toFixed(6)).join(", ");
  const cuts = [...new Set((await store.value<(number | null)[]>(cutsSql(quantiles))).filter((c) => c !== null))].sort(
    (a, b) => a - b,
  );
  const bounds = [min, ...cuts, max];
  return bounds.slice(0, -1).map((from, i) => ({ from, to: bounds[i + 1]! }));
}

/** DuckDB reports its limit as text (`953.6 MiB`). */
export async function memoryLimitBytes(store: Store): Promise<number> {
  return parseMemoryLimit(await store.value<string>("SELECT current_setting('memory_limit')"));
}

/** Bytes of a DuckDB memory setting's text (`953.6 MiB`, `1GB`); 1 GiB when unreadable. */
export function parseMemoryLimit(text: string): number {
  const m = /^([\d.]+)\s*([KMGT]?i?B)$/i.exec(text.trim());
  if (!m) return 2 ** 30;
  const unit = m[2]!.toUpperCase();
  const power = "BKMGT".indexOf(unit[0]!);
  const base = unit.includes("I") ? 1024 : 1000;
  return Number(m[1]) * base ** Math.max(0, power);
}

/**
 * A row's same-time tie key before its table rank: its module (the reference concatenates hosp,
 * note, ed and icu rows in that order before its stable sort by time), then what that module's
 * pre-sort put first (`TimelineSource.tie`), which the stable sort keeps among rows of one time.
 */
function tieSql(source: TimelineSource): string {
  const parts = [String(MODULES.indexOf(source.module)), ...(source.tie ?? [])];
  // Flat columns, not a BIGINT[]: the window sort compares them as plain values (3 % faster on
  // 10,000 realistic patients). A list orders like its elements, NULL elements last, except that a
  // shorter prefix comes first; NULL pads would sort last instead, so every table of one module
  // must have the same tie length (checked at TIE_COLUMNS) for the pads never to decide an order.
  return TIE_COLUMNS.map((c, i) => `${parts[i] ?? "NULL"}::BIGINT AS ${c}`).join(", ");
}

/** The flat tie key's columns: the module, then the longest `TimelineSource.tie`. */
const TIE_COLUMNS = (() => {
  const lengths = new Map<string, number>();
  for (const s of TIMELINE_SOURCES) {
    const n = s.tie?.length ?? 0;
    if ((lengths.get(s.module) ?? n) !== n)
      throw new EhrR1Error(`timeline sources of module ${s.module} have tie keys of different lengths (tieSql)`);
    lengths.set(s.module, n);
  }
  return Array.from({ length: 1 + Math.max(...lengths.values()) }, (_, i) => `tie_${i}`);
})();

function sourceRowsSql(source: TimelineSource, rank: number, range: string, untimed: UntimedRule): string {
  // The time the rows are ordered by and the time their event shows; they differ only where the
  // reference's rank.py and combination.py read different columns (`TimelineSource.reference`).
  const ref = untimed === "reference" ? source.reference : undefined;
  const shown = ref?.time ?? source.time;
  const sortTime = ref?.unsorted ? "NULL" : shown;
  const spec = tableSpec(source.module, source.table)!;
  const hasHadm = spec.columns.some(([c]) => c === "hadm_id");
  const placement =
    source.placement === "first"
      ? PLACEMENT.first
      : source.placement === "timed"
        ? PLACEMENT.timed
        : source.table === "drgcodes"
          ? PLACEMENT.drg
          : PLACEMENT.diagnoses;
  // Rows of a timed table whose time is NULL are placed like untimed rows (code 4).
  const placementSql =
    source.placement === "timed"
      ? `CASE WHEN (${sortTime}) IS NULL THEN ${PLACEMENT.untimed} ELSE ${placement} END`
      : String(placement);
  const stays = source.edStayJoin
    ? " LEFT JOIN (SELECT stay_id, min(intime) AS intime, max(outtime) AS outtime FROM ed.edstays GROUP BY stay_id) s ON s.stay_id = t.stay_id"
    : "";
  return `SELECT t.subject_id, ${hasHadm ? "t.hadm_id" : "NULL::INTEGER"} AS hadm_id, CAST(${shown} AS TIMESTAMP) AS time,
    ${rank} AS table_rank, ${tieSql(source)}, ${placementSql} AS placement, t.rowid AS src_row, ${literal(source.table)} AS file_name
    FROM ${source.module}.${ident(source.table)} t${stays} WHERE t.subject_id IS NOT NULL AND ${range}`;
}
