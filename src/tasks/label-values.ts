import { EhrR1Error } from "../errors.js";
import { itemValuesSql, type ItemContext, type SubjectRange } from "../timeline/items.js";
import type { TaskDefinition } from "./registry.js";

/** A label value as the reference cleaned it: Python's strip(), and no empty, `nan` or `None`. */
export const cleanSql = (v: string) => `regexp_replace(CAST(${v} AS VARCHAR), '^\\s+|\\s+$', '', 'g')`;
export const keepSql = (v: string) => `${v} IS NOT NULL AND ${v} NOT IN ('', 'nan', 'None', 'NaN')`;

/**
 * SELECT `subject_id, seq, pos, v`: the cleaned label strings of a decision task's events (docs/reference.md#labels):
 * its label key over the event's rows (the declaration's `preferKey` first where set; each element
 * of a `listValued` key), empty, `nan` and `None` values removed. Not de-duplicated.
 */
export function labelValuesSql(
  context: ItemContext,
  task: TaskDefinition,
  where: string,
  rowids?: { min: bigint; max: bigint },
  subjects?: SubjectRange,
): string {
  const label = task.label;
  if (label.kind !== "items" && label.kind !== "text")
    throw new EhrR1Error(`task ${task.name}: a ${label.kind} label is not read from its event's values`);
  const prefer = label.kind === "items" ? label.preferKey : undefined;
  const values = itemValuesSql(
    context,
    task.event,
    where,
    (k) => (prefer ? `CASE WHEN ${k(prefer)} <> 'nan' THEN ${k(prefer)} ELSE ${k(label.key)} END` : k(label.key)),
    rowids,
    subjects,
  );
  const unnested =
    label.kind === "items" && label.listValued
      ? `SELECT subject_id, seq, pos, unnest(CAST(v AS VARCHAR[])) AS v FROM (${values}) WHERE v IS NOT NULL`
      : values;
  return `SELECT subject_id, seq, pos, v FROM (SELECT subject_id, seq, pos, ${cleanSql("v")} AS v FROM (${unnested})) WHERE ${keepSql("v")}`;
}
