import type { DatasetRecord } from "../tasks/build-dataset.js";
import type { Store } from "../store/database.js";

/**
 * SQL list of the patients baselines may learn from: the generated split's training side when the
 * store has one, otherwise every indexed patient who is not in the benchmark file.
 */
export async function trainingSubjects(store: Store, benchmark: readonly DatasetRecord[]): Promise<string> {
  const inBenchmark = [...new Set(benchmark.map((r) => Number(r.task_info.subject_id)).filter(Number.isInteger))];
  const exclude = inBenchmark.length ? `AND subject_id NOT IN (${inBenchmark.join(", ")})` : "";
  if (await store.tableExists("tasks.split"))
    return `SELECT subject_id FROM tasks.split WHERE split = 'train' ${exclude}`;
  return `SELECT DISTINCT subject_id FROM tasks.task_index WHERE true ${exclude}`;
}
