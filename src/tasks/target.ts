import { EhrR1Error } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import type { DatasetRecord } from "../dataset/record.js";
import { findTask, TASKS, type TaskDefinition } from "./registry.js";

/**
 * Targets are stored as typed lists (`tasks.task_index.target VARCHAR[]`) whatever the label's
 * kind; the task's declaration says whether the list is the label (`items`) or holds its one value.
 */
export function labelOf(task: TaskDefinition, target: readonly string[]): string | string[] {
  return task.label.kind === "items" ? [...target] : target[0]!;
}

const ITEM_TASKS = TASKS.filter((t) => t.label.kind === "items").map((t) => literal(t.name));

/**
 * SQL: a stored target as the JSON text the reference wrote (`["a","b"]` for item lists, `"yes"`
 * otherwise), for the reference's CSVs and the datasets' `task_info.target`.
 */
export function targetJsonSql(target = "target", task = "task"): string {
  return `CAST(CASE WHEN ${task} IN (${ITEM_TASKS.join(", ")}) THEN to_json(${target}) ELSE to_json(${target}[1]) END AS VARCHAR)`;
}

/**
 * Fails with what to run when the store has no task index, or one from before typed targets
 * (JSON text): `purpose` says what needs it.
 */
export async function assertTaskIndex(store: Store, purpose = ""): Promise<void> {
  const run = `run \`ehr-r1 tasks index --db ${store.path}\``;
  if (!(await store.tableExists("tasks.task_index")))
    throw new EhrR1Error(`${store.path} has no task index${purpose ? `: ${purpose}` : ""} (${run} first)`);
  const type = await store.value<string>(
    "SELECT data_type FROM information_schema.columns WHERE table_schema = 'tasks' AND table_name = 'task_index' AND column_name = 'target'",
  );
  if (type !== "VARCHAR[]")
    throw new EhrR1Error(
      `${store.path}'s task index was built by an earlier version (targets as ${type}, not VARCHAR[]): ${run} again`,
    );
}

/**
 * The gold answer of a record, the one rule for evaluation, export and rewards: its label, or its
 * output split back into items for item-list tasks (one value otherwise).
 */
export function goldOf(record: DatasetRecord): string | string[] {
  const label = record.task_info.label;
  if (label !== undefined) return label;
  // A task this registry knows by its label kind; another (a released benchmark's) by its type.
  const known = findTask(record.task_info.task);
  const items = known ? known.label.kind === "items" : record.task_info.task_type !== "risk_prediction";
  return items ? record.output.split("\n") : record.output;
}
