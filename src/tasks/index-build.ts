import { EhrR1Error } from "../errors.js";
import { EVENT_FORMATS } from "../render/event-formats.js";
import { literal, type Store } from "../store/database.js";
import { itemContext, itemRowsSql, type ItemContext, type SubjectRange } from "../timeline/items.js";
import { labelValuesSql } from "./label-values.js";
import { assertTimeline } from "../timeline/read.js";
import { weightedSubjectShards, type SubjectShard } from "../timeline/build.js";
import { TOOL_VERSION } from "../version.js";
import { selectTasks, type RiskWindow, type TaskDefinition } from "./registry.js";
import { riskConditionSql } from "./risk-rules.js";

export interface IndexOptions {
  tasks?: readonly string[];
  /** Timeline rows per shard of patients (default: from the store's memory limit). */
  shardRows?: number;
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
 * Every sample of every selected task (docs/reference.md#tasks, docs/reference.md#task-index) into `tasks.task_index`, with SQL over the
 * timelines: one row per sample with its context window `[context_begin, context_end)`, target
 * (a list of strings: see `target.ts`), `admissions_id`, `last_discharge_id` and label-frequency
 * weight. Rebuilt in one transaction.
 */
export async function buildTaskIndex(store: Store, options: IndexOptions = {}): Promise<IndexSummary> {
  const started = performance.now();
  await assertTimeline(store);
  const selected = selectTasks(options.tasks);
  const context = await itemContext(store);
  const total = selected.length;
  let done = 0;
  const progress = (name: string) => options.onProgress?.(name, ++done, total);

  // Rows per patient from the events table (one row per event, its row count): no pass over every row.
  const shards = await weightedSubjectShards(
    store,
    Number(await store.value<bigint>("SELECT count(*) FROM timeline.rows")),
    "SELECT subject_id, sum(n_rows) AS n FROM timeline.events GROUP BY subject_id",
    options.shardRows,
  );
  // The work runs in autocommit (one transaction holding every shard's tables in its local storage
  // cost 10% more CPU and 10% more memory on 3,000 patients); one short transaction swaps the new
  // index in at the end, and a failed run drops what it built, leaving the previous index.
  await store.exec("CREATE SCHEMA IF NOT EXISTS tasks");
  // One staging table per task: the weights at the end read each task's rows without scanning the others'.
  const staging = new Map(selected.map((t, k) => [t.name, `index_rows_${k}`]));
  const scratch = [
    "tasks.task_index_next",
    ...["ev", "lookback", "anchors", ...staging.values(), ...Object.values(RISK_TABLES)].map((t) => `temp.${t}`),
  ];
  const dropScratch = () => store.exec(scratch.map((t) => `DROP TABLE IF EXISTS ${t};`).join(" "));
  try {
    // Staging holds every row of every task until the weights: without the task and event columns,
    // which the final copy adds (constant per task, or the target itself for next_event), it is a
    // sixth smaller, spills less past the memory limit, and the weights pass took a third less time
    // on 10,000 realistic patients.
    for (const table of staging.values())
      await store.exec(`CREATE OR REPLACE TEMP TABLE ${table} (
        subject_id INTEGER, hadm_id INTEGER, anchor INTEGER, context_begin INTEGER, context_end INTEGER,
        target VARCHAR[], admissions_id INTEGER, last_discharge_id INTEGER)`);
    // Patients in subject_id shards keep every step within DuckDB's memory limit on any cohort size.
    for (const [i, shard] of shards.entries()) {
      const scope = await shardScope(store, shard);
      await prepareEvents(store, selected, scope);
      const present = new Set(
        (await store.rows<{ f: string }>("SELECT DISTINCT file_name AS f FROM ev")).map((r) => r.f),
      );
      const riskTables = new Set<string>();
      for (const task of selected) {
        // The demo has no ED or notes: a task whose anchor event is absent has no rows in this shard.
        const absent = task.label.kind !== "event-type" && !present.has(task.event);
        if (!absent) {
          const rows =
            task.label.kind === "event-type"
              ? nextEventRows()
              : task.label.kind === "yes-no"
                ? await riskRows(store, context, task, scope, riskTables)
                : decisionRows(context, task, scope);
          await finishRows(store, task, rows, staging.get(task.name)!);
        }
        if (i === shards.length - 1) progress(task.name);
      }
    }
    // Weights task by task (in name order, as one sorted statement would give): a single statement
    // over every row of every task ran out of memory at 1 GB on 10,000 patients of realistic density.
    // Grouping or joining on list values is slow, so neither keys on the target list: a one-value
    // label's weight is 1 / its count, found by its value; an item list's is computed per row from
    // its labels' counts (labels within a target are distinct, so a label's count is its rows').
    await store.exec(`CREATE OR REPLACE TABLE tasks.task_index_next (
      subject_id INTEGER, hadm_id INTEGER, task VARCHAR, event VARCHAR, anchor INTEGER, context_begin INTEGER, context_end INTEGER,
      target VARCHAR[], admissions_id INTEGER, last_discharge_id INTEGER, target_weight DOUBLE)`);
    for (const t of [...selected].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rows = staging.get(t.name)!;
      // next_event's event is its anchor's type, which is also its target.
      const columns = (r: string) =>
        `${r}.subject_id, ${r}.hadm_id, ${literal(t.name)} AS task, ${t.event === "any" ? `${r}.target[1]` : literal(t.event)} AS event,
         ${r}.anchor, ${r}.context_begin, ${r}.context_end, ${r}.target, ${r}.admissions_id, ${r}.last_discharge_id`;
      // Free text (discharge notes): each label its own, about 10 KB; an ENUM of them would not pay.
      if (t.label.kind === "text")
        await store.exec(`INSERT INTO tasks.task_index_next
          WITH counts AS (SELECT target[1] AS label, count(*) AS n FROM ${rows} GROUP BY label)
          SELECT ${columns("r")}, 1.0 / CAST(c.n AS DOUBLE) AS target_weight FROM ${rows} r LEFT JOIN counts c ON c.label = r.target[1]
          ORDER BY r.subject_id, r.anchor`);
      else await insertWeighted(store, rows, columns("r"), t.label.kind === "items");
    }
  } catch (error) {
    await dropScratch().catch(() => undefined);
    throw error;
  }
  // Readers see the old index until this commits; a run that fails before it leaves the old one.
  await store.transaction(async () => {
    await store.exec("DROP TABLE IF EXISTS tasks.task_index");
    await store.exec("ALTER TABLE tasks.task_index_next RENAME TO task_index");
    await store.exec(`CREATE OR REPLACE TABLE tasks.index_info AS SELECT now()::TIMESTAMP AS built_at, ${literal(TOOL_VERSION)} AS tool_version,
      [${selected.map((t) => literal(t.name)).join(", ")}]::VARCHAR[] AS tasks`);
  });
  await dropScratch();

  // Label counts of risk tasks only: a histogram of every task's targets held millions of distinct
  // item lists in one aggregate state (out of memory at 1 GB on 30,000 realistic patients).
  const risk = selected.filter((t) => t.type === "risk_prediction").map((t) => literal(t.name));
  const counts = await store.rows<{ task: string; target: string | null; n: bigint }>(`
    SELECT task, NULL AS target, count(*) AS n FROM tasks.task_index GROUP BY task
    ${risk.length ? `UNION ALL SELECT task, target[1], count(*) FROM tasks.task_index WHERE task IN (${risk.join(", ")}) GROUP BY ALL` : ""}
    ORDER BY task, target NULLS FIRST`);
  const tasks = selected.map((t) => {
    const mine = counts.filter((c) => c.task === t.name);
    const labels = Object.fromEntries(mine.filter((c) => c.target !== null).map((c) => [c.target!, Number(c.n)]));
    return {
      task: t.name,
      samples: Number(mine.find((c) => c.target === null)?.n ?? 0n),
      ...(t.type === "risk_prediction" ? { labels } : {}),
    };
  });
  return {
    tasks,
    samples: tasks.reduce((s, t) => s + t.samples, 0),
    empty: tasks.filter((t) => t.samples === 0).map((t) => t.task),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A task's rows with their weights: 1 / its label's count, or for an item list 1 / the mean count
 * of its labels. Each label's count is looked up by its code in an ENUM of the task's labels, an
 * index into the list of counts: no join, so the rows keep their staging order, (subject, anchor),
 * and need no sort. Numbering, unnesting, grouping and joining every row back took 4–6 s for
 * chartevents' 904,589 rows at 10,000 realistic patients, the largest single statement of the index.
 */
async function insertWeighted(store: Store, rows: string, columns: string, items: boolean): Promise<void> {
  const labels = items ? `SELECT unnest(target) AS label FROM ${rows}` : `SELECT target[1] AS label FROM ${rows}`;
  await store.exec(
    `CREATE OR REPLACE TEMP TABLE label_counts AS SELECT label, count(*) AS n FROM (${labels}) WHERE label IS NOT NULL GROUP BY label`,
  );
  try {
    if ((await store.value<bigint>("SELECT count(*) FROM label_counts")) === 0n) {
      // No labels, no ENUM (it needs a value): every row's weight is NULL, as a mean over nothing.
      await store.exec(`INSERT INTO tasks.task_index_next SELECT ${columns}, NULL AS target_weight FROM ${rows} r`);
      return;
    }
    await store.exec(
      "DROP TYPE IF EXISTS index_label; CREATE TEMP TYPE index_label AS ENUM (SELECT label FROM label_counts ORDER BY label)",
    );
    // The counts as a constant list: the statement is then a projection of one scan, which keeps its order.
    const counts = await store.rows<{ n: bigint }>("SELECT n FROM label_counts ORDER BY label");
    const list = `[${counts.map((c) => c.n).join(", ")}]::BIGINT[]`;
    const count = (label: string) => `(${list})[enum_code(${label}::index_label) + 1]`;
    await store.exec(`INSERT INTO tasks.task_index_next
      SELECT ${columns}, 1.0 / ${items ? `list_avg(list_transform(r.target, x -> ${count("x")}))` : `CAST(${count("r.target[1]")} AS DOUBLE)`} AS target_weight
      FROM ${rows} r`);
  } finally {
    await store.exec("DROP TYPE IF EXISTS index_label; DROP TABLE IF EXISTS label_counts");
  }
}

/** A shard's patients, and per table the row-id span of their rows (so source scans skip the rest). */
interface Scope {
  where: string;
  subjects: SubjectRange;
  rowids: Map<string, { min: bigint; max: bigint }>;
}

async function shardScope(store: Store, shard: SubjectShard): Promise<Scope> {
  const where = `r.subject_id >= ${shard.from} AND r.subject_id < ${shard.to}`;
  const spans = await store.rows<{ f: string; lo: bigint | null; hi: bigint | null }>(
    `SELECT file_name AS f, min(src_row) AS lo, max(src_row) AS hi FROM timeline.rows r WHERE ${where} GROUP BY 1`,
  );
  return {
    where,
    subjects: shard,
    rowids: new Map(spans.filter((s) => s.lo !== null).map((s) => [s.f, { min: s.lo!, max: s.hi! }])),
  };
}

/** Events with the index-time view of them: null-matching admission key, and diagnoses timed like the event before them. */
async function prepareEvents(store: Store, selected: readonly TaskDefinition[], scope: Scope): Promise<void> {
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE ev AS
    SELECT subject_id, seq, file_name, starttime, hadm_id, coalesce(hadm_id, -1) AS hkey,
      -- The reference gives a diagnoses event the previous event's time while indexing (docs/reference.md#diagnoses-time).
      CASE WHEN file_name = 'diagnoses_icd' THEN lag(starttime) OVER (PARTITION BY subject_id ORDER BY seq) ELSE starttime END AS t_time,
      -- The latest admissions event and discharge note up to each event (docs/reference.md#index-extras).
      last_value(CASE WHEN file_name = 'admissions' THEN seq END IGNORE NULLS) OVER w AS adm_s,
      last_value(CASE WHEN file_name = 'admissions' THEN hadm_id END IGNORE NULLS) OVER w AS adm_h,
      last_value(CASE WHEN file_name = 'discharge' THEN seq END IGNORE NULLS) OVER w AS dis_s,
      last_value(CASE WHEN file_name = 'discharge' THEN coalesce(hadm_id, -1) END IGNORE NULLS) OVER w AS dis_h
    FROM timeline.events r WHERE ${scope.where}
    WINDOW w AS (PARTITION BY subject_id ORDER BY seq ROWS UNBOUNDED PRECEDING)`);
  const anchors = new Set<string>();
  for (const t of selected) {
    if (t.window === "next-items" || t.window === "discharge-note") anchors.add(t.event);
    if (t.window === "next-event") for (const e of NEXT_EVENT_TYPES) anchors.add(e);
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
  // Anchor events with a context, clustered by type: each task's join reads only its own type's rows.
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE anchors AS
    SELECT e.subject_id, e.seq, e.hadm_id, e.t_time, lb.b, ${ANCHOR_COLUMNS}
    FROM ev e JOIN lookback lb USING (subject_id, seq) WHERE lb.b IS NOT NULL
    ORDER BY e.file_name, e.subject_id, e.seq`);
}

/**
 * The anchor event's columns every task row carries into {@link finishRows}: its type and the
 * latest admissions event and discharge note up to it.
 */
const ANCHOR_KEYS = ["file_name", "adm_s", "adm_h", "dis_s", "dis_h"] as const;
const ANCHOR_COLUMNS = ANCHOR_KEYS.map((k) => `e.${k}`).join(", ");

/** A task's rows: subject_id, hadm_id, anchor, context_begin, context_end, target (VARCHAR[]), then {@link ANCHOR_COLUMNS}. */
type TaskRowsSql = string;

function decisionRows(context: ItemContext, task: TaskDefinition, scope: Scope): TaskRowsSql {
  const values = labelValuesSql(context, task, scope.where, scope.rowids.get(task.event), scope.subjects);
  // A text label is one value: an event with several non-empty ones yields no sample. Item labels:
  // distinct values by first position, then value (a sorted list of structs is several times
  // faster than an ordered aggregate).
  const labels =
    task.label.kind === "text"
      ? `SELECT subject_id, seq, [any_value(v)] AS target FROM (${values}) GROUP BY ALL HAVING count(*) = 1`
      : `SELECT subject_id, seq, list_transform(list_sort(list({'p': p, 'v': v})), x -> x.v) AS target
         FROM (SELECT subject_id, seq, v, min(pos) AS p FROM (${values}) GROUP BY ALL) GROUP BY ALL`;
  return `
    SELECT l.subject_id, e.hadm_id, l.seq AS anchor, e.b AS context_begin, l.seq AS context_end, l.target, ${ANCHOR_COLUMNS}
    FROM (${labels}) l JOIN anchors e USING (subject_id, seq)
    WHERE e.file_name = ${literal(task.event)}`;
}

/** Event types next_event predicts: every rendered type but the demographics. */
const NEXT_EVENT_TYPES = Object.keys(EVENT_FORMATS).filter((e) => e !== "patients");

function nextEventRows(): TaskRowsSql {
  return `
    SELECT e.subject_id, e.hadm_id, e.seq AS anchor, e.b AS context_begin, e.seq AS context_end, [e.file_name] AS target, ${ANCHOR_COLUMNS}
    FROM anchors e
    WHERE e.file_name IN (${NEXT_EVENT_TYPES.map(literal).join(", ")}) AND e.t_time IS NOT NULL`;
}

/** Facts of anchor rows (their first row), read from the items as the reference read them. */
function anchorFacts(context: ItemContext, fileName: string, columns: readonly string[], scope: Scope): string {
  const items = itemRowsSql(context, fileName, scope.where, false, scope.rowids.get(fileName), scope.subjects);
  const fields = columns.map((c) => `TRY_CAST(json_extract_string(item, '$.${c}') AS TIMESTAMP) AS ${c}`).join(", ");
  return `SELECT subject_id, seq, ${fields} FROM (SELECT subject_id, seq, arg_min(item, pos) AS item FROM (${items}) GROUP BY ALL)`;
}

/** Risk tasks share their anchor's work: each anchor type's facts are computed once per shard. */
const RISK_TABLES: Record<RiskWindow, string> = {
  "admission-24h": "risk_admission",
  "icu-24h": "risk_icu",
  "ed-stay": "risk_ed",
  "discharge-note": "risk_discharge",
};

async function riskRows(
  store: Store,
  context: ItemContext,
  task: TaskDefinition,
  scope: Scope,
  built: Set<string>,
): Promise<TaskRowsSql> {
  const window = task.window as RiskWindow;
  const table = RISK_TABLES[window];
  if (!table || task.label.kind !== "yes-no")
    throw new EhrR1Error(`task ${task.name}: window ${task.window} is not a risk anchor`);
  if (!built.has(table)) {
    await store.exec(`CREATE OR REPLACE TEMP TABLE ${table} AS
      SELECT q.*, ${ANCHOR_COLUMNS} FROM (${riskFactsSql(context, window, scope)}) q JOIN ev e ON e.subject_id = q.subject_id AND e.seq = q.anchor`);
    built.add(table);
  }
  const where = task.label.onlyWhen ? `WHERE "${task.label.onlyWhen}"` : "";
  return `SELECT subject_id, hadm_id, anchor, context_begin, context_end,
      CASE WHEN ${riskConditionSql(task.label.rule, window)} THEN ['yes'] ELSE ['no'] END AS target, ${ANCHOR_KEYS.join(", ")}
    FROM ${table} ${where}`;
}

/**
 * Each row of the CTE `a` (subject_id, seq, lim[, hkey]) with `end_seq`, the greatest index of a
 * timed event (of its admission key when `byAdmission`) whose (start, index) key is below `lim`,
 * and that event's start as `end_time`. The reference scans indexes: where its copies of untimed
 * rows sit out of time order (`timeline build --untimed reference`), "the last event before a
 * time" is the greatest index, not the latest start. Anchors sort before equal keys (strictly below).
 */
function lastBelowSql(timed: string, byAdmission: boolean): string {
  const key = byAdmission ? "subject_id, hkey" : "subject_id";
  return `
    SELECT a.*, l.end_seq, c.starttime AS end_time FROM a
    LEFT JOIN (
      SELECT subject_id, seq, end_seq FROM (
        SELECT subject_id, seq, is_anchor,
          max(CASE WHEN is_anchor = 0 THEN seq END) OVER (PARTITION BY ${key} ORDER BY k, is_anchor DESC ROWS UNBOUNDED PRECEDING) AS end_seq
        FROM (SELECT ${key}, seq, k, 0 AS is_anchor FROM ${timed} UNION ALL SELECT ${key}, seq, lim, 1 FROM a))
      WHERE is_anchor = 1) l USING (subject_id, seq)
    LEFT JOIN ev c ON c.subject_id = a.subject_id AND c.seq = l.end_seq`;
}

/** What every anchor type's fact query reads: the shard, its patients' dates of death, its timed events. */
interface FactInputs {
  context: ItemContext;
  scope: Scope;
  /** subject_id, dod: each patient's date of death (NULL: none recorded). */
  dod: string;
  /** subject_id, hkey, seq, starttime, k: the timed events with their (start, index) keys. */
  timed: string;
}

/**
 * Per risk anchor type: each anchor with its context window and the facts its tasks' rules read
 * (`RISK_FACTS`): subject_id, hadm_id, anchor, context_begin, context_end, then the facts.
 */
const RISK_FACTS_SQL: Record<RiskWindow, (x: FactInputs) => string> = {
  // Context: from the admission to the last event of the admission starting < 24 h after admittime.
  "admission-24h": ({ context, scope, dod, timed }) => `
    WITH a AS (SELECT e.subject_id, e.seq, e.hkey, e.hadm_id, e.starttime, (${seconds("e.starttime")} + ${DAY}) * ${KEY_SHIFT} AS lim FROM ev e WHERE e.file_name = 'admissions' AND e.starttime IS NOT NULL),
    ends AS (${lastBelowSql(timed, true)})
    SELECT ends.subject_id, ends.hadm_id, ends.seq AS anchor, ends.seq AS context_begin, ends.end_seq + 1 AS context_end,
      f.admittime, f.dischtime, d.dod, coalesce(ends.end_time < f.dischtime, false) AS still_admitted
    FROM ends JOIN (${anchorFacts(context, "admissions", ["admittime", "dischtime"], scope)}) f USING (subject_id, seq)
    LEFT JOIN ${dod} d USING (subject_id)
    WHERE ends.end_seq > ends.seq`,
  "icu-24h": ({ context, scope, dod, timed }) => `
    WITH f AS (${anchorFacts(context, "icustays", ["intime", "outtime"], scope)}),
    a AS (SELECT e.subject_id, e.seq, e.hkey, e.hadm_id, (${seconds("f.intime")} + ${DAY}) * ${KEY_SHIFT} AS lim FROM ev e JOIN f USING (subject_id, seq) WHERE e.file_name = 'icustays' AND f.intime IS NOT NULL),
    ends AS (${lastBelowSql(timed, true)}),
    later AS (SELECT subject_id, hadm_id, max(seq) AS last_stay FROM ev WHERE file_name = 'icustays' AND hadm_id IS NOT NULL GROUP BY ALL)
    SELECT ends.subject_id, ends.hadm_id, ends.seq AS anchor, ends.seq AS context_begin, ends.end_seq + 1 AS context_end,
      f.intime, f.outtime, ends.end_time AS window_end, d.dod, later.last_stay > ends.seq AS icu_readmitted
    FROM ends JOIN f USING (subject_id, seq) LEFT JOIN ${dod} d USING (subject_id)
    LEFT JOIN later ON later.subject_id = ends.subject_id AND later.hadm_id = ends.hadm_id
    WHERE ends.end_seq > ends.seq`,
  // "First later X" and "last later event of the admission" as ASOF joins on (start, index) keys after the anchor.
  "ed-stay": ({ context, scope, dod, timed }) => `
    WITH f AS (${anchorFacts(context, "edstays", ["outtime"], scope)}),
    a AS (SELECT e.subject_id, e.seq, e.hadm_id, coalesce(e.hadm_id, -2) AS hk, ${seconds("f.outtime")} * ${KEY_SHIFT} AS lim FROM ev e JOIN f USING (subject_id, seq) WHERE e.file_name = 'edstays' AND f.outtime IS NOT NULL),
    ends AS (${lastBelowSql(timed, false)}),
    typed AS (SELECT subject_id, file_name, hkey, seq, starttime FROM ev WHERE file_name IN ('admissions', 'icustays', 'edstays')),
    adm AS (SELECT ends.subject_id, ends.seq, count(x.seq) > 0 AS admitted FROM ends LEFT JOIN typed x ON x.subject_id = ends.subject_id AND x.file_name = 'admissions' AND x.hkey = ends.hk AND x.seq > ends.seq GROUP BY ALL),
    icu AS (SELECT ends.subject_id, ends.seq, arg_min(x.starttime, x.seq) AS t FROM ends JOIN typed x ON x.subject_id = ends.subject_id AND x.file_name = 'icustays' AND x.hkey = ends.hk AND x.seq > ends.seq GROUP BY ALL),
    nexted AS (SELECT ends.subject_id, ends.seq, arg_min(x.starttime, x.seq) AS t FROM ends JOIN typed x ON x.subject_id = ends.subject_id AND x.file_name = 'edstays' AND x.seq > ends.seq GROUP BY ALL),
    lastevent AS (SELECT subject_id, hkey, arg_max(starttime, seq) AS t, max(seq) AS s FROM ev WHERE starttime IS NOT NULL GROUP BY ALL),
    lasth AS (SELECT ends.subject_id, ends.seq, CASE WHEN l.s > ends.seq THEN l.t END AS t FROM ends JOIN lastevent l ON l.subject_id = ends.subject_id AND l.hkey = ends.hk)
    SELECT ends.subject_id, ends.hadm_id, ends.seq AS anchor, ends.seq AS context_begin, ends.end_seq + 1 AS context_end,
      f.outtime, adm.admitted, icu.t AS icu_time, nexted.t AS next_ed_time, lasth.t AS last_time, d.dod
    FROM ends JOIN f USING (subject_id, seq) LEFT JOIN ${dod} d USING (subject_id)
    LEFT JOIN adm USING (subject_id, seq) LEFT JOIN icu USING (subject_id, seq) LEFT JOIN nexted USING (subject_id, seq) LEFT JOIN lasth USING (subject_id, seq)
    WHERE ends.end_seq > ends.seq`,
  // The next admission after the note; context = its 24 h look-back and the note itself.
  "discharge-note": () => `
    WITH nxt AS (
      SELECT e.subject_id, e.seq, arg_min(n.starttime, n.seq) AS t FROM ev e JOIN ev n ON n.subject_id = e.subject_id AND n.file_name = 'admissions' AND n.seq > e.seq
      WHERE e.file_name = 'discharge' GROUP BY ALL
    )
    SELECT e.subject_id, e.hadm_id, e.seq AS anchor, lb.b AS context_begin, e.seq + 1 AS context_end,
      e.starttime AS note_time, nxt.t AS next_admission_time
    FROM ev e JOIN lookback lb USING (subject_id, seq) LEFT JOIN nxt USING (subject_id, seq)
    WHERE e.file_name = 'discharge' AND lb.b IS NOT NULL`,
};

function riskFactsSql(context: ItemContext, window: RiskWindow, scope: Scope): string {
  const dod = `(SELECT subject_id, TRY_CAST(json_extract_string(item, '$.dod') AS TIMESTAMP) AS dod FROM (${itemRowsSql(context, "patients", scope.where, false, scope.rowids.get("patients"))}) QUALIFY row_number() OVER (PARTITION BY subject_id ORDER BY pos) = 1)`;
  const timed = `(SELECT subject_id, hkey, seq, starttime, ${keyOf("starttime", "seq")} AS k FROM ev WHERE starttime IS NOT NULL)`;
  return RISK_FACTS_SQL[window]({ context, scope, dod, timed });
}

/**
 * Adds the rows of one task to the index: `admissions_id` (the latest admissions event up to the
 * anchor, when it is this row's admission) and `last_discharge_id` (the latest discharge note up to
 * the anchor, when it belongs to another admission). Label-frequency weights (docs/reference.md#task-index) come at the end,
 * over all shards.
 */
async function finishRows(store: Store, task: TaskDefinition, rows: TaskRowsSql, table: string): Promise<void> {
  // next_event fix: when the target is the admission itself, rendering it as the admission record would show the answer.
  const admissionsId =
    task.label.kind === "event-type"
      ? "CASE WHEN r.adm_h = r.hadm_id AND r.adm_s <> r.anchor THEN r.adm_s END"
      : "CASE WHEN r.adm_h = r.hadm_id THEN r.adm_s END";
  await store.exec(`
    INSERT INTO ${table}
    SELECT r.subject_id, r.hadm_id, r.anchor, r.context_begin, r.context_end,
      r.target, ${admissionsId} AS admissions_id,
      CASE WHEN r.dis_s IS NOT NULL AND r.dis_h IS DISTINCT FROM coalesce(r.hadm_id, -1) THEN r.dis_s END AS last_discharge_id
    FROM (${rows}) r
    -- Shards come in subject order, so each staging table is in (subject, anchor) order: the weights keep it.
    ORDER BY r.subject_id, r.anchor`);
}
