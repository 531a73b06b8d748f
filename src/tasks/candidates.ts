import { Random } from "../common/random.js";
import { literal, type Store } from "../store/database.js";
import { inSet, type SubjectSet } from "../store/subject-set.js";
import { uniformSql } from "./sample.js";

/** Per task: the label vocabulary by frequency, and each label's most frequent companions. */
export interface CandidatePool {
  frequent: Map<string, string[]>;
  companions: Map<string, Map<string, string[]>>;
}

const MAX_CANDIDATES = 100;
/** Index rows per task the co-occurrence counts are drawn from (seeded): enough for stable rankings. */
const POOL_ROWS = 5_000;

/**
 * Co-occurrence of labels within samples of the pool patients (the training side of the split),
 * per decision task, for the candidate lists shown to baseline models (docs/reference.md#candidates, rebuilt from data:
 * the reference's `similar_item` files are not public).
 */
export async function candidatePool(
  store: Store,
  tasks: readonly string[],
  poolSubjects: SubjectSet,
  seed: number,
): Promise<CandidatePool> {
  const frequent = new Map<string, string[]>();
  const companions = new Map<string, Map<string, string[]>>();
  if (!tasks.length) return { frequent, companions };
  await store.exec(`
    CREATE OR REPLACE TEMP TABLE candidate_pool AS
    SELECT task, rid, unnest(target) AS label FROM (
      SELECT task, target, row_number() OVER () AS rid FROM (
        SELECT i.task, i.target, ${uniformSql(literal(`pool:${seed}`), "i.task", "i.subject_id", "i.anchor")} AS u
        FROM tasks.task_index i WHERE i.task IN (${tasks.map(literal).join(", ")}) AND ${inSet(poolSubjects, "i.subject_id")}
        QUALIFY row_number() OVER (PARTITION BY i.task ORDER BY u) <= ${POOL_ROWS}
      )
    )`);
  const freq = await store.rows<{ task: string; labels: string[] }>(`
    SELECT task, list(label ORDER BY n DESC, label)[1:${MAX_CANDIDATES}] AS labels FROM (SELECT task, label, count(*) AS n FROM candidate_pool GROUP BY ALL) GROUP BY task`);
  for (const f of freq) frequent.set(f.task, f.labels);
  const pairs = await store.rows<{ task: string; g: string; cs: string[] }>(`
    SELECT task, g, list(c ORDER BY n DESC, c) AS cs FROM (
      SELECT * FROM (
        SELECT a.task, a.label AS g, b.label AS c, count(*) AS n FROM candidate_pool a JOIN candidate_pool b USING (task, rid)
        WHERE a.label <> b.label GROUP BY a.task, a.label, b.label
      ) QUALIFY row_number() OVER (PARTITION BY task, g ORDER BY n DESC, c) <= ${MAX_CANDIDATES}
    ) GROUP BY ALL`);
  for (const p of pairs) {
    let byGold = companions.get(p.task);
    if (!byGold) companions.set(p.task, (byGold = new Map()));
    byGold.set(p.g, p.cs);
  }
  await store.exec("DROP TABLE temp.candidate_pool");
  return { frequent, companions };
}

/**
 * Up to 100 candidates: the gold labels, then their companions (round robin over the golds, most
 * frequent first), then the task's most frequent labels; shuffled by a generator seeded per sample.
 */
export function candidatesFor(
  pool: CandidatePool,
  task: string,
  gold: readonly string[],
  seed: number,
  sampleKey: string,
): string[] {
  const chosen = new Set(gold);
  const lists = gold.map((g) => pool.companions.get(task)?.get(g) ?? []);
  for (let depth = 0; chosen.size < MAX_CANDIDATES && lists.some((l) => depth < l.length); depth++) {
    for (const list of lists) {
      const c = list[depth];
      if (c !== undefined && chosen.size < MAX_CANDIDATES) chosen.add(c);
    }
  }
  for (const c of pool.frequent.get(task) ?? []) {
    if (chosen.size >= MAX_CANDIDATES) break;
    chosen.add(c);
  }
  return new Random(seed, hashText(sampleKey)).shuffled([...chosen]);
}

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
