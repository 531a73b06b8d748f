import { assertTaskIndex } from "../tasks/target.js";
import { EhrR1Error } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import { inSet, subjectSet, type SubjectSet } from "../store/subject-set.js";
import { CONCEPT_TASKS, historyOn } from "./concepts.js";

export interface CooccurrenceOptions {
  tasks?: readonly string[];
  /** The training patients; all indexed patients when absent. */
  trainSubjects?: SubjectSet;
  /** History concepts seen in fewer samples are skipped (reference `--min_support`, default 5). */
  minSupport?: number;
  /** Pairs need lift strictly above this (reference `--threshold`, default 5). */
  threshold?: number;
  /** Pairs kept per target concept, by lift (reference `--topk`, default 20). */
  topK?: number;
}

export interface CooccurrenceSummary {
  tasks: { task: string; samples: number; pairs: number }[];
}

/**
 * `graph.cooccurrence(task, target, history, n_target, n_history, n_pair, n_samples, lift)` (docs/reference.md#cooccurrence),
 * in SQL. One training sample of a task counts once: its targets are its labels; its history the
 * concepts of its context events plus the admission record and the previous discharge note.
 * lift(t,h) = n_pair · N / (n_t · n_h); kept when n_h >= min support, h ≠ t, lift > threshold, top-k per t.
 */
export async function buildCooccurrence(store: Store, options: CooccurrenceOptions = {}): Promise<CooccurrenceSummary> {
  if (!(await store.tableExists("graph.event_concepts")))
    throw new EhrR1Error(`${store.path} has no event concepts: run \`ehr-r1 graph build\``);
  await assertTaskIndex(store);
  const minSupport = options.minSupport ?? 5;
  const threshold = options.threshold ?? 5;
  const topK = options.topK ?? 20;
  const names = (options.tasks?.length ? options.tasks : CONCEPT_TASKS.map((t) => t.name)).filter((n) =>
    CONCEPT_TASKS.some((t) => t.name === n),
  );
  const train = options.trainSubjects ?? (await subjectSet(store, { kind: "indexed" }));
  await store.exec(`CREATE SCHEMA IF NOT EXISTS graph;
    CREATE OR REPLACE TABLE graph.cooccurrence (task VARCHAR, target VARCHAR, history VARCHAR, n_target BIGINT, n_history BIGINT, n_pair BIGINT, n_samples BIGINT, lift DOUBLE)`);
  const tasks: CooccurrenceSummary["tasks"] = [];
  for (const task of names) {
    await store.exec(`
      CREATE OR REPLACE TEMP TABLE co_samples AS
      SELECT row_number() OVER (ORDER BY subject_id, anchor) AS sid, subject_id, context_begin AS b, context_end AS e, admissions_id, last_discharge_id, target
      FROM tasks.task_index WHERE task = ${literal(task)} AND ${inSet(train)}`);
    await store.exec(`
      CREATE OR REPLACE TEMP TABLE co_targets AS
      SELECT DISTINCT sid, unnest(target) AS t FROM co_samples;
      CREATE OR REPLACE TEMP TABLE co_history AS
      SELECT DISTINCT s.sid, c.concept AS h FROM co_samples s JOIN graph.event_concepts c ON c.subject_id = s.subject_id
      WHERE ${historyOn("s", "c")}`);
    const inserted = await store.exec(`
      INSERT INTO graph.cooccurrence
      WITH n AS (SELECT count(*) AS n FROM co_samples),
      -- A concept's document frequency: the samples having it as a target or in their history, once each.
      df AS (SELECT c, count(*) AS k FROM (SELECT sid, t AS c FROM co_targets UNION SELECT sid, h FROM co_history) GROUP BY c),
      pairs AS (SELECT t, h, count(*) AS k FROM co_targets JOIN co_history USING (sid) WHERE t <> h GROUP BY t, h),
      scored AS (
        SELECT ${literal(task)} AS task, p.t AS target, p.h AS history, dt.k AS n_target, dh.k AS n_history, p.k AS n_pair, n.n AS n_samples,
          p.k * n.n / (dt.k * dh.k) AS lift
        FROM pairs p JOIN df dt ON dt.c = p.t JOIN df dh ON dh.c = p.h, n
        WHERE dh.k >= ${minSupport}
      )
      SELECT * FROM scored WHERE lift > ${threshold}
      QUALIFY row_number() OVER (PARTITION BY target ORDER BY lift DESC, n_pair DESC, history) <= ${topK}
      ORDER BY target, lift DESC, history`);
    tasks.push({
      task,
      samples: Number(await store.value<bigint>("SELECT count(*) FROM co_samples")),
      pairs: inserted,
    });
  }
  await store.exec(
    "DROP TABLE IF EXISTS temp.co_samples; DROP TABLE IF EXISTS temp.co_targets; DROP TABLE IF EXISTS temp.co_history",
  );
  return { tasks };
}
