import { join } from "node:path";
import { EhrR1Error } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import { replaceableFolder, writeFolder } from "../store/output-folder.js";

/**
 * The reference's per-task index files (`task_index/all/<task>.csv`, §9.1): subject_id, hadm_id
 * (`None` when absent, as Python's str() wrote it), task, event, context_begin, context_end, target
 * (JSON with `", "` separators), admissions_id, last_discharge_id, target_weight.
 */
export async function exportTaskIndexCsv(
  store: Store,
  folder: string,
  options: { force?: boolean } = {},
): Promise<{ folder: string; files: number; rows: number }> {
  if (!(await store.tableExists("tasks.task_index")))
    throw new EhrR1Error(`${store.path} has no task index: run \`ehr-r1 tasks index --db ${store.path}\` first`);
  const out = replaceableFolder(folder, options.force);
  const tasks = (await store.rows<{ task: string }>("SELECT DISTINCT task FROM tasks.task_index ORDER BY 1")).map(
    (r) => r.task,
  );
  let rows = 0;
  await writeFolder(out, async (staging) => {
    for (const task of tasks) {
      const target = `CASE WHEN json_type(target) = 'ARRAY'
        THEN '[' || array_to_string(list_transform(CAST(target::JSON AS VARCHAR[]), x -> CAST(to_json(x) AS VARCHAR)), ', ') || ']'
        ELSE target END`;
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
