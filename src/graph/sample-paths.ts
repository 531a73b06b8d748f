import { literal, type Store } from "../store/database.js";
import { CONCEPT_TASKS, historyOn } from "./concepts.js";
import type { KnowledgeSource, PathLimits } from "./knowledge.js";

export interface SamplePathOptions extends PathLimits {
  tasks: readonly string[];
  /** Pairs per target concept of a sample, by lift (reference top-k, default 20). */
  topK?: number;
  /** Only these samples (`tasks.sampled` when it exists, as EHR-Ins would be built); default every indexed sample. */
  source?: "index" | "sampled";
  /**
   * Samples without lift pairs: link up to this many of their targets to a history concept of the
   * same dictionary category (`graph.concept_parents`, from the data source). 0 switches it off. Default 3.
   */
  categoryFallback?: number;
}

export interface SamplePathSummary {
  samples: number;
  withPaths: number;
  pairs: number;
  paths: number;
  searches: number;
  searchSeconds: number;
}

/**
 * `graph.sample_paths(task, subject_id, anchor, sample_id, pairs, paths)`: per decision sample, the
 * history–target pairs of its own record that pass the co-occurrence filters (top-k by lift per
 * target, docs/reference.md#cooccurrence), and the knowledge paths linking them.
 */
/** Patients per chunk: each chunk's joins stay within DuckDB's memory limit. */
const PATIENTS_PER_CHUNK = 500;

export async function buildSamplePaths(
  store: Store,
  knowledge: KnowledgeSource,
  options: SamplePathOptions,
): Promise<SamplePathSummary> {
  const table = options.source === "sampled" ? "tasks.sampled" : "tasks.task_index";
  const taskList = options.tasks.map(literal).join(", ") || "''";
  const subjects = (
    await store.rows<{ s: number }>(
      `SELECT DISTINCT subject_id AS s FROM ${table} WHERE task IN (${taskList}) ORDER BY 1`,
    )
  ).map((r) => r.s);
  await store.exec("CREATE SCHEMA IF NOT EXISTS graph");
  await store.exec(
    "CREATE OR REPLACE TABLE graph.sample_paths (task VARCHAR, subject_id INTEGER, anchor INTEGER, sample_id VARCHAR, pairs JSON, paths JSON)",
  );
  const total: SamplePathSummary = { samples: 0, withPaths: 0, pairs: 0, paths: 0, searches: 0, searchSeconds: 0 };
  for (let i = 0; i < subjects.length; i += PATIENTS_PER_CHUNK) {
    const chunk = subjects.slice(i, i + PATIENTS_PER_CHUNK);
    const part = await chunkPaths(store, knowledge, options, [chunk[0]!, chunk[chunk.length - 1]!]);
    for (const k of Object.keys(total) as (keyof SamplePathSummary)[]) total[k] += part[k];
  }
  return total;
}

async function chunkPaths(
  store: Store,
  knowledge: KnowledgeSource,
  options: SamplePathOptions,
  range: [number, number],
): Promise<SamplePathSummary> {
  const topK = options.topK ?? 20;
  const table = options.source === "sampled" ? "tasks.sampled" : "tasks.task_index";
  const begin = options.source === "sampled" ? "period_begin" : "context_begin";
  const end = options.source === "sampled" ? "period_end" : "context_end";
  // The chunk's list-labelled samples and their target concepts; `only` narrows them further.
  const samplesAndTargets = (only = "") => `
    samples AS (
      SELECT task, subject_id, anchor, ${begin} AS b, ${end} AS e, admissions_id, last_discharge_id, target FROM ${table} i
      WHERE task IN (${listTasks(options.tasks)}) AND subject_id BETWEEN ${range[0]} AND ${range[1]} ${only}
    ),
    targets AS (SELECT DISTINCT task, subject_id, anchor, unnest(target) AS t FROM samples)`;
  const rows = await store.rows<{ task: string; s: number; anchor: number; t: string; h: string }>(`
    WITH ${samplesAndTargets()},
    history AS (
      SELECT DISTINCT s.task, s.subject_id, s.anchor, c.concept AS h FROM samples s JOIN graph.event_concepts c ON c.subject_id = s.subject_id
      WHERE ${historyOn("s", "c")}
    )
    SELECT x.task, x.subject_id AS s, x.anchor, x.t, h.h FROM targets x JOIN history h USING (task, subject_id, anchor)
    JOIN graph.cooccurrence c ON c.task = x.task AND c.target = x.t AND c.history = h.h
    QUALIFY row_number() OVER (PARTITION BY x.task, x.subject_id, x.anchor, x.t ORDER BY c.lift DESC, h.h) <= ${topK}
    ORDER BY x.task, x.subject_id, x.anchor, x.t, c.lift DESC, h.h`);
  const bySample = new Map<
    string,
    { task: string; s: number; anchor: number; pairs: [string, string][]; paths: string[][]; fallback?: boolean }
  >();
  let searches = 0;
  const started = performance.now();
  for (const r of rows) {
    const id = `${r.task}|${r.s}|${r.anchor}`;
    let entry = bySample.get(id);
    if (!entry) bySample.set(id, (entry = { task: r.task, s: r.s, anchor: r.anchor, pairs: [], paths: [] }));
    entry.pairs.push([r.t, r.h]);
    searches++;
    entry.paths.push(...(await knowledge.paths(r.h, r.t, options)));
  }
  const searchSeconds = (performance.now() - started) / 1000;
  const fallback = options.categoryFallback ?? 3;
  if (fallback > 0 && (await store.tableExists("graph.concept_parents"))) {
    // [history, relation, category, "includes", target] for samples the lift filter left without pairs.
    const withPairs = [...bySample.values()]
      .filter((e) => e.pairs.length)
      .map((e) => `(${literal(e.task)}, ${e.s}, ${e.anchor})`);
    await store.exec("CREATE OR REPLACE TEMP TABLE paired_samples (task VARCHAR, subject_id INTEGER, anchor INTEGER)");
    for (let i = 0; i < withPairs.length; i += 5000)
      await store.exec(`INSERT INTO paired_samples VALUES ${withPairs.slice(i, i + 5000).join(", ")}`);
    // Joined on (sample, category), never target × every member of a category: the work stays linear.
    const linked = await store.rows<{
      task: string;
      s: number;
      anchor: number;
      t: string;
      h: string;
      rh: string;
      p: string;
    }>(`
      WITH ${samplesAndTargets("AND NOT EXISTS (SELECT 1 FROM paired_samples p WHERE p.task = i.task AND p.subject_id = i.subject_id AND p.anchor = i.anchor)")},
      history_categories AS (
        SELECT s.task, s.subject_id, s.anchor, p.parent, min(c.concept) AS h, arg_min(p.relation, c.concept) AS rh
        FROM samples s JOIN graph.event_concepts c ON c.subject_id = s.subject_id
          AND (${historyOn("s", "c")})
        JOIN graph.concept_parents p ON p.concept = c.concept
        GROUP BY ALL
      ),
      linked AS (
        SELECT x.task, x.subject_id AS s, x.anchor, x.t, hc.h, hc.rh, hc.parent AS p
        FROM targets x JOIN graph.concept_parents pt ON pt.concept = x.t
        JOIN history_categories hc ON hc.task = x.task AND hc.subject_id = x.subject_id AND hc.anchor = x.anchor AND hc.parent = pt.parent
        WHERE hc.h <> x.t
        QUALIFY row_number() OVER (PARTITION BY x.task, x.subject_id, x.anchor, x.t ORDER BY hc.parent) = 1
      )
      SELECT * FROM linked
      QUALIFY row_number() OVER (PARTITION BY task, s, anchor ORDER BY t) <= ${fallback}
      ORDER BY task, s, anchor, t`);
    await store.exec("DROP TABLE temp.paired_samples");
    for (const r of linked) {
      const id = `${r.task}|${r.s}|${r.anchor}`;
      let entry = bySample.get(id);
      if (entry && entry.pairs.length && !entry.fallback) continue;
      if (!entry)
        bySample.set(id, (entry = { task: r.task, s: r.s, anchor: r.anchor, pairs: [], paths: [], fallback: true }));
      if (entry.paths.length >= fallback) continue;
      entry.pairs.push([r.t, r.h]);
      entry.paths.push([r.h, r.rh, r.p, "includes", r.t]);
    }
  }
  const entries = [...bySample.entries()];
  for (let i = 0; i < entries.length; i += 2000) {
    const values = entries
      .slice(i, i + 2000)
      .map(
        ([id, e]) =>
          `(${literal(e.task)}, ${e.s}, ${e.anchor}, ${literal(id)}, ${literal(JSON.stringify(e.pairs))}, ${literal(JSON.stringify(e.paths))})`,
      );
    await store.exec(`INSERT INTO graph.sample_paths VALUES ${values.join(", ")}`);
  }
  const samples = Number(
    await store.value<bigint>(
      `SELECT count(*) FROM ${table} WHERE task IN (${listTasks(options.tasks)}) AND subject_id BETWEEN ${range[0]} AND ${range[1]}`,
    ),
  );
  return {
    samples,
    withPaths: entries.filter(([, e]) => e.paths.length > 0).length,
    pairs: rows.length,
    paths: entries.reduce((a, [, e]) => a + e.paths.length, 0),
    searches,
    searchSeconds,
  };
}

/** SQL list of the tasks among `names` with concept targets (item lists). */
function listTasks(names: readonly string[]): string {
  return (
    names
      .filter((n) => CONCEPT_TASKS.some((t) => t.name === n))
      .map(literal)
      .join(", ") || "''"
  );
}

/** What `graph show` prints for one sample: its targets, how many concepts its history holds, its pairs by lift, its paths. */
export interface SampleExplanation {
  /** The sample's targets as JSON text, or null when the index lacks the sample. */
  targets: string | null;
  historyConcepts: number;
  /** The sample's (target, history) pairs with their co-occurrence lift, highest first. */
  pairs: { target: string; history: string; lift: number; samples: number }[];
  paths: string[][];
}

/** One sample's explanation by its id (`task|subject_id|anchor`), or null when it has no pairs. */
export async function explainSample(store: Store, id: string): Promise<SampleExplanation | null> {
  const [row] = await store.rows<{ pairs: string; paths: string }>(
    "SELECT pairs::VARCHAR AS pairs, paths::VARCHAR AS paths FROM graph.sample_paths WHERE sample_id = ?",
    [id],
  );
  if (!row) return null;
  const [task, subject, anchor] = id.split("|");
  const key = [task!, Number(subject), Number(anchor)];
  const [concepts] = await store.rows<{ targets: string | null; history: bigint }>(
    `SELECT (SELECT CAST(to_json(target) AS VARCHAR) FROM tasks.task_index WHERE task = ? AND subject_id = ? AND anchor = ? LIMIT 1) AS targets,
       (SELECT count(DISTINCT c.concept) FROM tasks.task_index i JOIN graph.event_concepts c ON c.subject_id = i.subject_id
          AND (${historyOn("i", "c", "context_begin", "context_end")})
        WHERE i.task = ? AND i.subject_id = ? AND i.anchor = ?) AS history`,
    [...key, ...key],
  );
  const wanted = new Set((JSON.parse(row.pairs) as [string, string][]).map(([t, h]) => `${t}\u0000${h}`));
  const lifts = await store.rows<{ t: string; h: string; lift: number; n: bigint }>(
    "SELECT target AS t, history AS h, round(lift, 2) AS lift, n_pair AS n FROM graph.cooccurrence WHERE task = ? ORDER BY lift DESC",
    [task!],
  );
  return {
    targets: concepts?.targets ?? null,
    historyConcepts: Number(concepts?.history ?? 0),
    pairs: lifts
      .filter((l) => wanted.has(`${l.t}\u0000${l.h}`))
      .map((l) => ({ target: l.t, history: l.h, lift: l.lift, samples: Number(l.n) })),
    paths: JSON.parse(row.paths) as string[][],
  };
}
