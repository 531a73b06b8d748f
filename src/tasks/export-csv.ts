import { assertTaskIndex } from "./target.js";
import { join } from "node:path";
import { literal, type Store } from "../store/database.js";
import { replaceableFolder, writeFolder } from "../store/output-folder.js";
import { task as taskDefinition } from "./registry.js";

/**
 * The reference's per-task index files (`task_index/all/<task>.csv`, docs/reference.md#task-index): subject_id, hadm_id
 * (`None` when absent, as Python's str() wrote it), task, event, context_begin, context_end, target
 * (JSON with `", "` separators), admissions_id, last_discharge_id, target_weight.
 */
export async function exportTaskIndexCsv(
  store: Store,
  folder: string,
  options: { force?: boolean } = {},
): Promise<{ folder: string; files: number; rows: number }> {
  await assertTaskIndex(store);
  const out = replaceableFolder(folder, options.force);
  const tasks = (await store.rows<{ task: string }>("SELECT DISTINCT task FROM tasks.task_index ORDER BY 1")).map(
    (r) => r.task,
  );
  let rows = 0;
  await writeFolder(out, async (staging) => {
    for (const task of tasks) {
      // Python's str() of a list separates items with ", "; single values are JSON strings.
      const target =
        taskDefinition(task).label.kind === "items"
          ? `'[' || array_to_string(list_transform(target, x -> CAST(to_json(x) AS VARCHAR)), ', ') || ']'`
          : "CAST(to_json(target[1]) AS VARCHAR)";
      await store.exec(`COPY (
        SELECT CAST(subject_id AS VARCHAR) AS subject_id, coalesce(CAST(hadm_id AS VARCHAR), 'None') AS hadm_id, task, event,
          context_begin, context_end, ${target} AS target, admissions_id, last_discharge_id, target_weight
        FROM tasks.task_index WHERE task = ${literal(task)} ORDER BY subject_id, anchor
      ) TO ${literal(join(staging, `${task}.csv`))} (HEADER, DELIMITER ',')`);
      rows += Number(await store.value<bigint>(`SELECT count(*) FROM tasks.task_index WHERE task = ${literal(task)}`));
    }
  });
  return { folder: out, files: tasks.length, rows };
}
