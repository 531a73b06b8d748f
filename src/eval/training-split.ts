import type { DatasetRecord } from "../tasks/build-dataset.js";
import type { Store } from "../store/database.js";
import { subjectSet, type SubjectSet } from "../store/subject-set.js";

/**
 * The patients baselines may learn from: the generated split's training side when the store has
 * one, otherwise every indexed patient, less the benchmark file's patients.
 */
export async function trainingSubjects(store: Store, benchmark: readonly DatasetRecord[]): Promise<SubjectSet> {
  const inBenchmark = [...new Set(benchmark.map((r) => Number(r.task_info.subject_id)).filter(Number.isInteger))];
  return subjectSet(
    store,
    (await store.tableExists("tasks.split"))
      ? { kind: "split", table: "tasks.split", side: "train" }
      : { kind: "indexed" },
    inBenchmark,
  );
}
