import type { Store } from "./database.js";

/**
 * A set of patients, held in a temporary table of the store's connection: modules pass sets, not
 * SQL text. `inSet(set)` is the membership condition a query uses.
 */
export interface SubjectSet {
  readonly table: string;
}

/** Where a set's patients come from. */
export type SubjectSource =
  /** Every patient with a row in the task index. */
  | { kind: "indexed" }
  /** One side of a patient split table (`tasks.split`, or a build's `temp.split`). */
  | { kind: "split"; table: string; side: "train" | "test" }
  /** These patients. */
  | { kind: "ids"; ids: readonly number[] };

let sets = 0;

/** The patients of `source`, less `exclude`, as a new temporary table. */
export async function subjectSet(
  store: Store,
  source: SubjectSource,
  exclude: readonly number[] = [],
): Promise<SubjectSet> {
  const name = `subject_set_${++sets}`;
  const from =
    source.kind === "indexed"
      ? "SELECT DISTINCT subject_id FROM tasks.task_index"
      : source.kind === "split"
        ? `SELECT subject_id FROM ${source.table} WHERE split = '${source.side}'`
        : source.ids.length
          ? `SELECT DISTINCT * FROM (VALUES ${source.ids.map((id) => `(${Math.trunc(id)})`).join(", ")}) v(subject_id)`
          : "SELECT NULL::INTEGER AS subject_id WHERE false";
  const without = exclude.length ? `WHERE subject_id NOT IN (${exclude.map((id) => Math.trunc(id)).join(", ")})` : "";
  await store.exec(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT subject_id FROM (${from}) ${without}`);
  return { table: `temp.${name}` };
}

/** SQL condition: `column` is one of the set's patients. */
export const inSet = (set: SubjectSet, column = "subject_id") => `${column} IN (SELECT subject_id FROM ${set.table})`;
