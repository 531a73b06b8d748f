import { itemValuesSql, type ItemContext, type SubjectRange } from "../timeline/items.js";
import type { TaskDefinition } from "./registry.js";

/** A label value as the reference cleaned it: Python's strip(), and no empty, `nan` or `None`. */
export const cleanSql = (v: string) => `regexp_replace(CAST(${v} AS VARCHAR), '^\\s+|\\s+$', '', 'g')`;
export const keepSql = (v: string) => `${v} IS NOT NULL AND ${v} NOT IN ('', 'nan', 'None', 'NaN')`;

/**
 * SELECT `subject_id, seq, pos, v`: the cleaned label strings of a decision task's events (§8.1):
 * its target key over the event's rows (transfers: careunit, else eventtype; radiology: each exam
 * name), empty, `nan` and `None` values removed. Not de-duplicated.
 */
export function labelValuesSql(
  context: ItemContext,
  task: TaskDefinition,
  where: string,
  rowids?: { min: bigint; max: bigint },
  subjects?: SubjectRange,
): string {
  const key = task.targetKey!;
  const values = itemValuesSql(
    context,
    task.event,
    where,
    (k) =>
      task.name === "transfers"
        ? `CASE WHEN ${k("careunit")} <> 'nan' THEN ${k("careunit")} ELSE ${k("eventtype")} END`
        : k(key),
    rowids,
    subjects,
  );
  const unnested =
    task.name === "radiology"
      ? `SELECT subject_id, seq, pos, unnest(CAST(v AS VARCHAR[])) AS v FROM (${values}) WHERE v IS NOT NULL`
      : values;
  return `SELECT subject_id, seq, pos, v FROM (SELECT subject_id, seq, pos, ${cleanSql("v")} AS v FROM (${unnested})) WHERE ${keepSql("v")}`;
}
