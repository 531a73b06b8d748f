import { EhrR1Error } from "../errors.js";
import { EVENT_FORMATS } from "../render/event-formats.js";
import { literal, type Store } from "../store/database.js";
import { itemContext, itemRowsSql, itemValuesSql, type ItemContext } from "../timeline/items.js";
import { assertTimeline } from "../timeline/read.js";
import { TOOL_VERSION } from "../version.js";
import { selectTasks, type TaskDefinition } from "./registry.js";

export interface IndexOptions {
  tasks?: readonly string[];
  onProgress?: (task: string, done: number, total: number) => void;
}

export interface TaskCount {
  task: string;
  samples: number;
  /** Risk tasks: samples per label. */
  labels?: Record<string, number>;
}

export interface IndexSummary {
  tasks: TaskCount[];
  samples: number;
  /** Selected tasks that produced no sample (reported, never silently skipped). */
  empty: string[];
  seconds: number;
}

/** One day in the key's time unit (seconds: MIMIC-IV times have no fractions). */
const DAY = 86_400;
/**
 * Sort keys of timed events for ASOF joins: start time in seconds, then the index, in one BIGINT
 * (2^24 indexes per patient; seconds up to year 2500 fit).
 */
const KEY_SHIFT = "16777216";
const seconds = (time: string) => `epoch(${time})::BIGINT`;
const keyOf = (time: string, seq: string) => `(${seconds(time)} * ${KEY_SHIFT} + ${seq})`;

/**
 * Every sample of every selected task (§8, §9.1) into `tasks.task_index`, with SQL over the
 * timelines: one row per sample with its context window `[context_begin, context_end)`, target
 * (JSON), `admissions_id`, `last_discharge_id` and label-frequency weight. Rebuilt in one transaction.
 */
export async function buildTaskIndex(store: Store, options: IndexOptions = {}): Promise<IndexSummary> {
  const started = performance.now();
  await assertTimeline(store);
  const selected = selectTasks(options.tasks);
  const context = await itemContext(store);
  const total = selected.length;
  let done = 0;
  const progress = (name: string) => options.onProgress?.(name, ++done, total);

  await store.transaction(async () => {
    await store.exec("CREATE SCHEMA IF NOT EXISTS tasks");
    await store.exec(`CREATE OR REPLACE TABLE tasks.task_index (
      subject_id INTEGER, hadm_id INTEGER, task VARCHAR, event VARCHAR, anchor INTEGER, context_begin INTEGER, context_end INTEGER,
      target VARCHAR, admissions_id INTEGER, last_discharge_id INTEGER, target_weight DOUBLE)`);
    await prepareEvents(store, selected);
    for (const task of selected) {
      await store.exec("DROP TABLE IF EXISTS temp.task_rows");
      if (task.window === "next-items") await decisionRows(store, context, task);
      else if (task.window === "next-event") await nextEventRows(store);
      else await riskRows(store, context, task);
      await finishRows(store, task);
      progress(task.name);
    }
    await store.exec(`CREATE OR REPLACE TABLE tasks.index_info AS SELECT now()::TIMESTAMP AS built_at, ${literal(TOOL_VERSION)} AS tool_version,
      [${selected.map((t) => literal(t.name)).join(", ")}]::VARCHAR[] AS tasks`);
    await store.exec("DROP TABLE IF EXISTS temp.ev; DROP TABLE IF EXISTS temp.lookback; DROP TABLE IF EXISTS temp.task_rows");
  });

  const counts = await store.rows<{ task: string; n: bigint; labels: { key: string; value: bigint }[] | null }>(`
    SELECT task, count(*) AS n, CASE WHEN any_value(t.type) = 'risk_prediction' THEN map_entries(histogram(target)) END AS labels
    FROM tasks.task_index JOIN (VALUES ${selected.map((t) => `(${literal(t.name)}, ${literal(t.type)})`).join(", ")}) t(name, type) ON t.name = task
    GROUP BY task`);
  const byTask = new Map(counts.map((c) => [c.task, c]));
  const tasks = selected.map((t) => {
    const c = byTask.get(t.name);
    const labels = c?.labels ? Object.fromEntries(c.labels.map((e) => [JSON.parse(e.key) as string, Number(e.value)])) : undefined;
    return { task: t.name, samples: Number(c?.n ?? 0n), ...(t.type === "risk_prediction" ? { labels: labels ?? {} } : {}) };
  });
  return {
    tasks,
    samples: tasks.reduce((s, t) => s + t.samples, 0),
    empty: tasks.filter((t) => t.samples === 0).map((t) => t.task),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Events with the index-time view of them: null-matching admission key, and diagnoses timed like the event before them. */
async function prepareEvents(store: Store, selected: readonly TaskDefinition[]): Promise<void> {
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE ev AS
    SELECT subject_id, seq, file_name, starttime, hadm_id, coalesce(hadm_id, -1) AS hkey,
      -- The reference gives a diagnoses event the previous event's time while indexing (§8.2).
      CASE WHEN file_name = 'diagnoses_icd' THEN lag(starttime) OVER (PARTITION BY subject_id ORDER BY seq) ELSE starttime END AS t_time
    FROM timeline.events`);
  const anchors = new Set<string>();
  for (const t of selected) {
    if (t.window === "next-items" || t.window === "discharge-note") anchors.add(t.event);
    if (t.window === "next-event") for (const e of Object.keys(EVENT_FORMATS)) if (e !== "patients") anchors.add(e);
  }
  // b: the first event of the target's admission (NULL matches NULL) starting less than 24 h before
  // the target's time. Timed events' start times never decrease along a timeline, so the first such
  // event is the one with the least (start, index) above the limit: an ASOF join.
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE lookback AS
    WITH points AS (
      SELECT subject_id, hkey, seq, ${keyOf("starttime", "seq")} AS k, 1 AS is_candidate FROM ev WHERE seq >= 1 AND starttime IS NOT NULL
      UNION ALL
      SELECT subject_id, hkey, seq, (${seconds("t_time")} - ${DAY} + 1) * ${KEY_SHIFT} AS k, 0 AS is_candidate FROM ev
      WHERE t_time IS NOT NULL AND file_name IN (${[...anchors].map(literal).join(", ") || "''"})
    ),
    scanned AS (
      SELECT subject_id, seq, is_candidate,
        min(CASE WHEN is_candidate = 1 THEN seq END) OVER (PARTITION BY subject_id, hkey ORDER BY k, is_candidate ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS first_after
      FROM points
    )
    SELECT subject_id, seq, CASE WHEN first_after < seq THEN first_after END AS b FROM scanned WHERE is_candidate = 0`);
}

/** A label value as the reference cleaned it: Python's strip(), and no empty, `nan` or `None`. */
const cleanSql = (v: string) => `regexp_replace(CAST(${v} AS VARCHAR), '^\\s+|\\s+$', '', 'g')`;
const keepSql = (v: string) => `${v} IS NOT NULL AND ${v} NOT IN ('', 'nan', 'None', 'NaN')`;

async function decisionRows(store: Store, context: ItemContext, task: TaskDefinition): Promise<void> {
  if (!(await hasEvents(store, task.event))) return void (await emptyRows(store));
  const key = task.targetKey!;
  const values = itemValuesSql(context, task.event, "true", (k) =>
    task.name === "transfers" ? `CASE WHEN ${k("careunit")} <> 'nan' THEN ${k("careunit")} ELSE ${k("eventtype")} END` : k(key));
  let labels: string;
  if (task.name === "discharge") {
    // One report is the answer; an event with several non-empty reports yields no sample.
    labels = `SELECT subject_id, seq, to_json(any_value(v)) AS target FROM (SELECT subject_id, seq, ${cleanSql("v")} AS v FROM (${values}))
      WHERE ${keepSql("v")} GROUP BY ALL HAVING count(*) = 1`;
  } else {
    const unnested = task.name === "radiology"
      ? `SELECT subject_id, seq, pos, unnest(CAST(v AS VARCHAR[])) AS v FROM (${values}) WHERE v IS NOT NULL`
      : values;
    labels = `SELECT subject_id, seq, to_json(list(v ORDER BY p, v)) AS target FROM (
        SELECT subject_id, seq, v, min(pos) AS p FROM (SELECT subject_id, seq, pos, ${cleanSql("v")} AS v FROM (${unnested}))
        WHERE ${keepSql("v")} GROUP BY ALL
      ) GROUP BY ALL`;
  }
  await store.exec(`
    CREATE TEMP TABLE task_rows AS
    SELECT l.subject_id, e.hadm_id, l.seq AS anchor, lb.b AS context_begin, l.seq AS context_end, CAST(l.target AS VARCHAR) AS target
    FROM (${labels}) l JOIN ev e USING (subject_id, seq) JOIN lookback lb USING (subject_id, seq)
    WHERE lb.b IS NOT NULL`);
}

async function nextEventRows(store: Store): Promise<void> {
  const types = Object.keys(EVENT_FORMATS).filter((e) => e !== "patients").map(literal).join(", ");
  await store.exec(`
    CREATE TEMP TABLE task_rows AS
    SELECT e.subject_id, e.hadm_id, e.seq AS anchor, lb.b AS context_begin, e.seq AS context_end, CAST(to_json(e.file_name) AS VARCHAR) AS target
    FROM ev e JOIN lookback lb USING (subject_id, seq)
    WHERE e.file_name IN (${types}) AND e.t_time IS NOT NULL AND lb.b IS NOT NULL`);
}

async function emptyRows(store: Store): Promise<void> {
  await store.exec(`CREATE TEMP TABLE task_rows (subject_id INTEGER, hadm_id INTEGER, anchor INTEGER, context_begin INTEGER, context_end INTEGER, target VARCHAR)`);
}

/** Whether any timeline has events of this type (the demo has no ED or notes: those tasks are empty). */
async function hasEvents(store: Store, fileName: string): Promise<boolean> {
  return (await store.value<bigint>(`SELECT count(*) FROM (SELECT 1 FROM ev WHERE file_name = ${literal(fileName)} LIMIT 1)`)) > 0n;
}

/** Facts of anchor rows (their first row), read from the items as the reference read them. */
function anchorFacts(context: ItemContext, fileName: string, columns: readonly string[]): string {
  const items = itemRowsSql(context, fileName, "true", false);
  const fields = columns.map((c) => `TRY_CAST(json_extract_string(item, '$.${c}') AS TIMESTAMP) AS ${c}`).join(", ");
  return `SELECT subject_id, seq, ${fields} FROM (SELECT subject_id, seq, arg_min(item, pos) AS item FROM (${items}) GROUP BY ALL)`;
}

const yesNo = (condition: string) => `CASE WHEN ${condition} THEN '"yes"' ELSE '"no"' END`;
const hours = (from: string, to: string) => `(epoch_ms(${to}) - epoch_ms(${from})) / 3600000.0`;

async function riskRows(store: Store, context: ItemContext, task: TaskDefinition): Promise<void> {
  if (!(await hasEvents(store, task.event))) return void (await emptyRows(store));
  const dod = `(SELECT subject_id, TRY_CAST(json_extract_string(item, '$.dod') AS TIMESTAMP) AS dod FROM (${itemRowsSql(context, "patients", "true", false)}) QUALIFY row_number() OVER (PARTITION BY subject_id ORDER BY pos) = 1)`;
  const timed = `(SELECT subject_id, hkey, seq, starttime, ${keyOf("starttime", "seq")} AS k FROM ev WHERE starttime IS NOT NULL)`;
  let sql: string;
  if (task.window === "admission-24h") {
    // Context: from the admission to the last event of the admission starting < 24 h after admittime.
    const label = task.name === "Inpatient_Mortality"
      ? `CASE WHEN d.dod IS NULL THEN '"no"' ELSE ${yesNo("NOT (f.dischtime < d.dod)")} END`
      : yesNo(`${hours("f.admittime", "f.dischtime")} > ${task.name === "LengthOfStay_3day" ? 72 : 168}`);
    const onlyIfLater = task.name.startsWith("LengthOfStay") ? "AND c.starttime < f.dischtime" : "";
    sql = `
      WITH a AS (SELECT e.subject_id, e.seq, e.hkey, e.hadm_id, e.starttime, (${seconds("e.starttime")} + ${DAY}) * ${KEY_SHIFT} AS lim FROM ev e WHERE e.file_name = 'admissions' AND e.starttime IS NOT NULL),
      ends AS (SELECT a.*, c.seq AS end_seq, c.starttime AS end_time FROM a ASOF LEFT JOIN ${timed} c ON a.subject_id = c.subject_id AND a.hkey = c.hkey AND a.lim > c.k)
      SELECT ends.subject_id, ends.hadm_id, ends.seq AS anchor, ends.seq AS context_begin, ends.end_seq + 1 AS context_end, ${label} AS target
      FROM ends JOIN (${anchorFacts(context, "admissions", ["admittime", "dischtime"])}) f USING (subject_id, seq)
      LEFT JOIN ${dod} d USING (subject_id)
      LEFT JOIN ev c ON c.subject_id = ends.subject_id AND c.seq = ends.end_seq
      WHERE ends.end_seq > ends.seq ${onlyIfLater}`;
  } else if (task.window === "icu-24h") {
    let label: string;
    if (task.name.startsWith("ICU_Mortality_")) {
      const days = Number(/_(\d+)day$/.exec(task.name)![1]);
      label = `CASE WHEN d.dod IS NULL THEN '"no"' ELSE ${yesNo(`${hours("ends.end_time", "d.dod")} < ${days * 24}`)} END`;
    } else if (task.name.startsWith("ICU_Stay_")) {
      label = yesNo(`${hours("f.intime", "f.outtime")} >= ${task.name === "ICU_Stay_7day" ? 168 : 336}`);
    } else {
      label = yesNo("EXISTS (SELECT 1 FROM ev n WHERE n.subject_id = ends.subject_id AND n.file_name = 'icustays' AND n.seq > ends.seq AND n.hadm_id = ends.hadm_id)");
    }
    sql = `
      WITH f AS (${anchorFacts(context, "icustays", ["intime", "outtime"])}),
      a AS (SELECT e.subject_id, e.seq, e.hkey, e.hadm_id, (${seconds("f.intime")} + ${DAY}) * ${KEY_SHIFT} AS lim FROM ev e JOIN f USING (subject_id, seq) WHERE e.file_name = 'icustays' AND f.intime IS NOT NULL),
      ends AS (SELECT a.*, c.seq AS end_seq, c.starttime AS end_time FROM a ASOF LEFT JOIN ${timed} c ON a.subject_id = c.subject_id AND a.hkey = c.hkey AND a.lim > c.k)
      SELECT ends.subject_id, ends.hadm_id, ends.seq AS anchor, ends.seq AS context_begin, ends.end_seq + 1 AS context_end, ${label} AS target
      FROM ends JOIN f USING (subject_id, seq) LEFT JOIN ${dod} d USING (subject_id)
      WHERE ends.end_seq > ends.seq`;
  } else if (task.window === "ed-stay") {
    const mortality = `(d.dod IS NOT NULL AND lasth.t IS NOT NULL AND NOT (lasth.t < d.dod))`;
    const icu12 = `(icu.t IS NOT NULL AND ${hours("f.outtime", "icu.t")} < 12)`;
    const labels: Record<string, string> = {
      ED_Hospitalization: yesNo("adm.seq IS NOT NULL"),
      ED_Inpatient_Mortality: yesNo(mortality),
      ED_ICU_Tranfer_12hour: yesNo(icu12),
      ED_Reattendance_3day: yesNo(`nexted.t IS NOT NULL AND ${hours("f.outtime", "nexted.t")} < 72`),
      ED_Critical_Outcomes: yesNo(`${icu12} OR ${mortality}`),
    };
    sql = `
      WITH f AS (${anchorFacts(context, "edstays", ["outtime"])}),
      a AS (SELECT e.subject_id, e.seq, e.hadm_id, f.outtime, ${seconds("f.outtime")} * ${KEY_SHIFT} AS lim FROM ev e JOIN f USING (subject_id, seq) WHERE e.file_name = 'edstays' AND f.outtime IS NOT NULL),
      ends AS (SELECT a.*, c.seq AS end_seq FROM a ASOF LEFT JOIN ${timed} c ON a.subject_id = c.subject_id AND a.lim > c.k)
      SELECT ends.subject_id, ends.hadm_id, ends.seq AS anchor, ends.seq AS context_begin, ends.end_seq + 1 AS context_end, ${labels[task.name]} AS target
      FROM ends JOIN f USING (subject_id, seq) LEFT JOIN ${dod} d USING (subject_id)
      LEFT JOIN LATERAL (SELECT min(n.seq) AS seq FROM ev n WHERE n.subject_id = ends.subject_id AND n.seq > ends.seq AND n.file_name = 'admissions' AND n.hadm_id = ends.hadm_id) adm ON true
      LEFT JOIN LATERAL (SELECT arg_min(n.starttime, n.seq) AS t FROM ev n WHERE n.subject_id = ends.subject_id AND n.seq > ends.seq AND n.file_name = 'icustays' AND n.hadm_id = ends.hadm_id) icu ON true
      LEFT JOIN LATERAL (SELECT arg_min(n.starttime, n.seq) AS t FROM ev n WHERE n.subject_id = ends.subject_id AND n.seq > ends.seq AND n.file_name = 'edstays') nexted ON true
      LEFT JOIN LATERAL (SELECT arg_max(n.starttime, n.seq) AS t FROM ev n WHERE n.subject_id = ends.subject_id AND n.seq > ends.seq AND n.hadm_id = ends.hadm_id AND n.starttime IS NOT NULL) lasth ON true
      WHERE ends.end_seq > ends.seq`;
  } else if (task.window === "discharge-note") {
    const horizon = task.name === "Readmission_30day" ? 720 : 1440;
    sql = `
      SELECT e.subject_id, e.hadm_id, e.seq AS anchor, lb.b AS context_begin, e.seq + 1 AS context_end,
        ${yesNo(`nxt.t IS NOT NULL AND ${hours("e.starttime", "nxt.t")} < ${horizon}`)} AS target
      FROM ev e JOIN lookback lb USING (subject_id, seq)
      LEFT JOIN LATERAL (SELECT arg_min(n.starttime, n.seq) AS t FROM ev n WHERE n.subject_id = e.subject_id AND n.seq > e.seq AND n.file_name = 'admissions') nxt ON true
      WHERE e.file_name = 'discharge' AND lb.b IS NOT NULL`;
  } else {
    throw new EhrR1Error(`task ${task.name}: unknown window rule ${task.window}`);
  }
  await store.exec(`CREATE TEMP TABLE task_rows AS ${sql}`);
}

/**
 * Adds the rows of one task to the index: `admissions_id` (the latest admissions event up to the
 * anchor, when it is this row's admission), `last_discharge_id` (the latest discharge note up to the
 * anchor, when it belongs to another admission) and the label-frequency weight (§9.1).
 */
async function finishRows(store: Store, task: TaskDefinition): Promise<void> {
  const latest = (fileName: string) => `(SELECT subject_id, seq AS s, hadm_id AS h FROM ev WHERE file_name = ${literal(fileName)})`;
  // next_event fix: when the target is the admission itself, rendering it as the admission record would show the answer.
  const admissionsId = task.name === "next_event"
    ? "CASE WHEN adm.h = r.hadm_id AND adm.s <> r.anchor THEN adm.s END"
    : "CASE WHEN adm.h = r.hadm_id THEN adm.s END";
  await store.exec(`
    INSERT INTO tasks.task_index
    WITH base AS (
      SELECT r.*, ${admissionsId} AS admissions_id,
        CASE WHEN dis.s IS NOT NULL AND dis.h IS DISTINCT FROM r.hadm_id THEN dis.s END AS last_discharge_id
      FROM task_rows r
      ASOF LEFT JOIN ${latest("admissions")} adm ON r.subject_id = adm.subject_id AND r.anchor >= adm.s
      ASOF LEFT JOIN ${latest("discharge")} dis ON r.subject_id = dis.subject_id AND r.anchor >= dis.s
    ),
    labels AS (SELECT subject_id, anchor, context_begin, unnest(CASE WHEN json_type(target) = 'ARRAY' THEN CAST(target::JSON AS VARCHAR[]) ELSE [json_extract_string(target, '$')] END) AS label FROM base),
    freq AS (SELECT label, count(*) AS n FROM labels GROUP BY label),
    weights AS (SELECT subject_id, anchor, context_begin, 1.0 / avg(freq.n) AS w FROM labels JOIN freq USING (label) GROUP BY ALL)
    SELECT b.subject_id, b.hadm_id, ${literal(task.name)}, ${task.event === "any" ? "e.file_name" : literal(task.event)}, b.anchor, b.context_begin, b.context_end,
      b.target, b.admissions_id, b.last_discharge_id, w.w
    FROM base b JOIN ev e ON e.subject_id = b.subject_id AND e.seq = b.anchor
    LEFT JOIN weights w ON w.subject_id = b.subject_id AND w.anchor = b.anchor AND w.context_begin IS NOT DISTINCT FROM b.context_begin
    ORDER BY b.subject_id, b.anchor`);
}
