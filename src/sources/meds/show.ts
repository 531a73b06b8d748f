import { UsageError } from "../../errors.js";
import { pyFloatRepr } from "../../python/format.js";
import type { Store } from "../../store/database.js";

export interface MedsEvent {
  time: string | null;
  code: string;
  description: string | null;
  numeric_value: number | null;
  text_value: string | null;
}

/** One subject's MEDS events up to `until` (inclusive), the most recent `last` of them, in time order. */
export async function medsEvents(
  store: Store,
  subjectId: number,
  options: { until?: string; last?: number } = {},
): Promise<MedsEvent[]> {
  if (!(await store.tableExists("meds.events")))
    throw new UsageError(`${store.path} has no MEDS events: run ehr-r1 meds import first`);
  const hasCodes = await store.tableExists("meds.codes");
  // MIMIC-derived MEDS codes lab tests as LAB//<itemid>//<unit>: a store that also holds MIMIC-IV names them.
  const hasLabItems = await store.tableExists("hosp.d_labitems");
  const description = `coalesce(${hasCodes ? "c.description" : "NULL"}, ${hasLabItems ? "d.label" : "NULL"})::VARCHAR AS description`;
  const until = options.until ? "AND e.time <= ?::TIMESTAMP" : "";
  const rows = await store.rows<MedsEvent & { n: bigint }>(
    `SELECT strftime(e.time, '%Y-%m-%d %H:%M:%S') AS time, e.code, ${description}, e.numeric_value, e.text_value,
       row_number() OVER (ORDER BY e.time DESC NULLS LAST, e.code DESC) AS n
     FROM meds.events e ${hasCodes ? "LEFT JOIN meds.codes c USING (code)" : ""}
     ${hasLabItems ? "LEFT JOIN hosp.d_labitems d ON e.code LIKE 'LAB//%' AND d.itemid = TRY_CAST(split_part(e.code, '//', 2) AS INTEGER)" : ""}
     WHERE e.subject_id = ?::BIGINT ${until}
     ORDER BY e.time NULLS FIRST, e.code`,
    options.until ? [subjectId, options.until] : [subjectId],
  );
  return options.last === undefined ? rows : rows.filter((r) => Number(r.n) <= options.last!);
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * A subject's MEDS events as markdown in the layout of the EHR-R1 input: one section per timestamp,
 * a table of code, description and value; numbers printed as Python does (`136.0`).
 */
export function renderMedsEvents(subjectId: number, events: readonly MedsEvent[]): string {
  const parts = [`## Patient ${subjectId} (MEDS events: ${events.length})`];
  // The description column only where some code has one (a codes table, or MIMIC-IV's lab names).
  const described = events.some((e) => e.description);
  let current: string | null | undefined;
  for (const e of events) {
    if (e.time !== current) {
      current = e.time;
      parts.push(
        "",
        `## Events [${e.time ?? "no time"}]`,
        described ? "| Code | Description | Value |" : "| Code | Value |",
        described ? "| ------ | ------ | ------ |" : "| ------ | ------ |",
      );
    }
    const value = e.numeric_value !== null ? pyFloatRepr(e.numeric_value) : (e.text_value ?? "");
    parts.push(
      described
        ? `| ${cell(e.code)} | ${cell(e.description ?? "")} | ${cell(value)} |`
        : `| ${cell(e.code)} | ${cell(value)} |`,
    );
  }
  return `${parts.join("\n")}\n`;
}
