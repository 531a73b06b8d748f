import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import type { SampleConfig } from "./presets.js";
import { restrictTree } from "../store/owner-only.js";
import { TASKS, task as taskDefinition } from "./registry.js";
import { assertTaskIndex, targetJsonSql } from "./target.js";

/**
 * A deterministic uniform number in (0, 1) from text, in SQL: the first 52 bits of its MD5. MD5 is
 * the same in every DuckDB version and every language, so a seed reproduces a sample anywhere.
 */
export function uniformSql(...parts: string[]): string {
  return `((('0x' || substr(md5(concat_ws(':', ${parts.join(", ")})), 1, 13))::BIGINT + 0.5) / 4503599627370496.0)`;
}

export type SplitSpec =
  | { kind: "file"; path: string }
  /** Each patient goes to test with this probability, decided by (seed, subject_id) alone. */
  | { kind: "ratio"; testRatio: number }
  | { kind: "all" };

export interface SampleOptions {
  config: SampleConfig;
  split: SplitSpec;
  /** Which side of a generated split to sample (a split file already names its patients). */
  splitName?: "train" | "test";
  /** Count for every configured task (the reference's `--force_task_num` >= 1). */
  perTask?: number;
  /** Scale every configured count (`--force_task_num` < 1). */
  fraction?: number;
  /** Risk tasks: equal samples per label (`--balance_force`). */
  balance?: boolean;
  /** Inverse-label-frequency weighted sampling for every task (`--balance_sample`); by default only where the reference uses it. */
  weightAll?: boolean;
  /** Context length filter, strict: min < events < max (defaults 10 and 100; null switches a bound off). */
  minEvents?: number | null;
  maxEvents?: number | null;
  /** Tasks that declare a label cap (chartevents: 10): keep labels with fewer items than this instead; null: no cap. */
  maxChartLabels?: number | null;
  seed: number;
  /**
   * Keep the sample (and a generated split) in this connection's temporary tables `temp.sampled`
   * and `temp.split` instead of `tasks.sampled` and `tasks.split`: the store can then be opened
   * read-only, by several processes at once (a sharded build).
   */
  temporary?: boolean;
}

/** Where `sampleTaskIndex` put its sample and split for these options. */
export const sampledTable = (options: { temporary?: boolean }) =>
  options.temporary ? "temp.sampled" : "tasks.sampled";
export const splitTable = (options: { temporary?: boolean }) => (options.temporary ? "temp.split" : "tasks.split");

export interface SampledTask {
  task: string;
  eligible: number;
  requested: number;
  sampled: number;
  mode: "all" | "uniform" | "weighted" | "balanced";
  labels?: Record<string, number>;
}

export interface SampleSummary {
  tasks: SampledTask[];
  samples: number;
  patients: number;
  /** Tasks in the config with no eligible sample. */
  empty: string[];
}

/**
 * Draws a sample of the task index into `tasks.sampled` (docs/reference.md#sampling): split, context-length and label
 * filters, then per task all rows, a uniform or label-weighted draw without replacement
 * (Efraimidis–Spirakis keys), or equal draws per label. Same inputs and seed, same rows.
 */
export async function sampleTaskIndex(store: Store, options: SampleOptions): Promise<SampleSummary> {
  await assertTaskIndex(store);
  for (const name of Object.keys(options.config)) taskDefinition(name);
  if (options.perTask !== undefined && (!Number.isInteger(options.perTask) || options.perTask < 1))
    throw new UsageError("--per-task must be a whole number >= 1");
  if (options.fraction !== undefined && !(options.fraction > 0 && options.fraction < 1))
    throw new UsageError("--fraction must be between 0 and 1");
  const seed = literal(String(options.seed));
  await prepareSplit(store, options);

  const counts = Object.entries(options.config).map(([task, n]) => {
    const wanted = options.perTask ?? (options.fraction !== undefined && n > 0 ? Math.floor(n * options.fraction) : n);
    const def = taskDefinition(task);
    return {
      task,
      wanted,
      risk: def.type === "risk_prediction",
      weighted: options.weightAll || def.sampling.weighted,
    };
  });
  const configRows = counts
    .map((c) => `(${literal(c.task)}, ${c.wanted}, ${c.risk && options.balance ? "true" : "false"}, ${c.weighted})`)
    .join(", ");
  const min = options.minEvents === undefined ? 10 : options.minEvents;
  const max = options.maxEvents === undefined ? 100 : options.maxEvents;
  // Per-task rules from the declarations (docs/reference.md#sampling: the admission record in the context; label caps).
  const admissionInContext = TASKS.filter((t) => t.sampling.admissionInContext).map((t) => literal(t.name));
  const capped = TASKS.filter((t) => t.sampling.maxLabels !== undefined).map((t) => ({
    task: literal(t.name),
    cap: options.maxChartLabels === undefined ? t.sampling.maxLabels : options.maxChartLabels,
  }));
  const filters = [
    min === null ? null : `(i.context_end - i.context_begin) > ${min}`,
    max === null ? null : `(i.context_end - i.context_begin) < ${max}`,
    admissionInContext.length
      ? `NOT (i.task IN (${admissionInContext.join(", ")}) AND i.admissions_id IS NOT NULL AND i.admissions_id <= i.context_begin)`
      : null,
    ...capped.map((c) => (c.cap === null ? null : `NOT (i.task = ${c.task} AND len(i.target) >= ${c.cap})`)),
  ]
    .filter(Boolean)
    .join(" AND ");
  const order = TASKS.map((t, k) => `(${literal(t.name)}, ${k})`).join(", ");

  const sampled = sampledTable(options);
  if (!options.temporary) await store.exec("CREATE SCHEMA IF NOT EXISTS tasks");
  await store.exec(`
    CREATE OR REPLACE ${options.temporary ? "TEMP TABLE sampled" : "TABLE tasks.sampled"} AS
    WITH cfg(task, wanted, balanced, weighted) AS (VALUES ${configRows}),
    eligible AS (
      SELECT i.*, ${uniformSql(seed, "i.task", "i.subject_id", "i.anchor", "coalesce(i.context_begin, -1)")} AS u
      FROM tasks.task_index i JOIN cfg USING (task) JOIN split_subjects s USING (subject_id)
      WHERE ${filters}
    ),
    sized AS (SELECT task, count(*) AS eligible, count(DISTINCT target) AS classes FROM eligible GROUP BY task),
    keyed AS (
      SELECT e.*, cfg.wanted, sized.eligible, sized.classes,
        CASE WHEN cfg.wanted <= 0 OR cfg.wanted >= sized.eligible THEN 'all'
             WHEN cfg.balanced THEN 'balanced'
             WHEN cfg.weighted THEN 'weighted'
             ELSE 'uniform' END AS mode
      FROM eligible e JOIN cfg USING (task) JOIN sized USING (task)
    ),
    ranked AS (
      SELECT *,
        -- Efraimidis–Spirakis: the n largest u^(1/w), i.e. ln(u)/w, are a weighted draw without replacement.
        row_number() OVER (PARTITION BY task ORDER BY CASE WHEN mode = 'weighted' THEN ln(u) / target_weight ELSE u END DESC, subject_id, anchor) AS r,
        row_number() OVER (PARTITION BY task, target ORDER BY u DESC, subject_id, anchor) AS rc
      FROM keyed
    )
    SELECT subject_id, hadm_id, task, event, context_begin AS period_begin, context_end AS period_end, admissions_id, last_discharge_id,
      target, anchor, target_weight, mode, o.k AS task_order
    FROM ranked JOIN (VALUES ${order}) o(name, k) ON o.name = task
    WHERE mode = 'all' OR (mode IN ('uniform', 'weighted') AND r <= wanted) OR (mode = 'balanced' AND rc <= wanted // classes)
    ORDER BY o.k, subject_id, anchor, period_begin`);

  const stats = await store.rows<{
    task: string;
    eligible: bigint;
    sampled: bigint;
    mode: string | null;
    labels: { key: string[]; value: bigint }[] | null;
  }>(`
    WITH cfg(task) AS (VALUES ${counts.map((c) => `(${literal(c.task)})`).join(", ")}),
    e AS (SELECT i.task, count(*) AS n FROM tasks.task_index i JOIN split_subjects s USING (subject_id) WHERE ${filters} GROUP BY i.task)
    SELECT cfg.task, coalesce(e.n, 0) AS eligible, count(x.task) AS sampled, any_value(x.mode) AS mode,
      CASE WHEN count(x.task) > 0 THEN map_entries(histogram(x.target)) END AS labels
    FROM cfg LEFT JOIN e USING (task) LEFT JOIN ${sampled} x ON x.task = cfg.task GROUP BY cfg.task, e.n`);
  const byTask = new Map(stats.map((s) => [s.task, s]));
  const tasks: SampledTask[] = counts.map((c) => {
    const s = byTask.get(c.task)!;
    const labels =
      c.risk && s.labels ? Object.fromEntries(s.labels.map((l) => [l.key[0]!, Number(l.value)])) : undefined;
    return {
      task: c.task,
      eligible: Number(s.eligible),
      requested: c.wanted,
      sampled: Number(s.sampled),
      mode: (s.mode ?? "all") as SampledTask["mode"],
      ...(labels ? { labels } : {}),
    };
  });
  const patients = Number(await store.value<bigint>(`SELECT count(DISTINCT subject_id) FROM ${sampled}`));
  return {
    tasks,
    samples: tasks.reduce((a, t) => a + t.sampled, 0),
    patients,
    empty: tasks.filter((t) => t.sampled === 0).map((t) => t.task),
  };
}

/** `temp.split_subjects`: the patients on the requested side of the split; a generated split is kept in `tasks.split`. */
async function prepareSplit(store: Store, options: SampleOptions): Promise<void> {
  const split = options.split;
  if (split.kind === "file") {
    const path = resolve(split.path);
    if (!existsSync(path)) throw new UsageError(`split file ${path} not found`);
    const columns = (
      await store.rows<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv(${literal(path)}, header = true)`)
    ).map((c) => c.column_name);
    if (!columns.includes("subject_id"))
      throw new InputError(path, 1, `no subject_id column (columns: ${columns.join(", ")})`);
    const bad = await store.rows<{ v: string }>(
      `SELECT subject_id::VARCHAR AS v FROM read_csv(${literal(path)}, header = true, all_varchar = true) WHERE TRY_CAST(subject_id AS INTEGER) IS NULL LIMIT 1`,
    );
    if (bad.length)
      throw new InputError(path, undefined, `subject_id ${JSON.stringify(bad[0]!.v)} is not a whole number`);
    await store.exec(
      `CREATE OR REPLACE TEMP TABLE split_subjects AS SELECT DISTINCT CAST(subject_id AS INTEGER) AS subject_id FROM read_csv(${literal(path)}, header = true, all_varchar = true)`,
    );
    return;
  }
  if (split.kind === "all") {
    await store.exec("CREATE OR REPLACE TEMP TABLE split_subjects AS SELECT DISTINCT subject_id FROM tasks.task_index");
    return;
  }
  if (!(split.testRatio > 0 && split.testRatio < 1)) throw new UsageError("--test-ratio must be between 0 and 1");
  if (!options.temporary) await store.exec("CREATE SCHEMA IF NOT EXISTS tasks");
  await store.exec(`CREATE OR REPLACE ${options.temporary ? "TEMP TABLE split" : "TABLE tasks.split"} AS
    SELECT subject_id, CASE WHEN ${uniformSql(literal(`split:${options.seed}`), "subject_id")} < ${split.testRatio} THEN 'test' ELSE 'train' END AS split
    FROM (SELECT DISTINCT subject_id FROM timeline.events) ORDER BY subject_id`);
  await store.exec(
    `CREATE OR REPLACE TEMP TABLE split_subjects AS SELECT subject_id FROM ${splitTable(options)} WHERE split = ${literal(options.splitName ?? "test")}`,
  );
}

/**
 * `tasks.sampled` as the reference's index CSV (`data_index_gen`'s output; targets as its JSON
 * text), owner-only, in the sample's order (a bare scan's order varied from run to run).
 */
export async function writeSampleCsv(store: Store, path: string): Promise<void> {
  await store.exec(`COPY (SELECT CAST(subject_id AS VARCHAR) AS subject_id, coalesce(CAST(hadm_id AS VARCHAR), 'None') AS hadm_id, task, event,
    period_begin, period_end, admissions_id, last_discharge_id, ${targetJsonSql()} AS target FROM tasks.sampled
    ORDER BY task_order, subject_id, anchor, period_begin) TO ${literal(path)} (HEADER, DELIMITER ',')`);
  restrictTree(path);
}
