import { UsageError } from "../errors.js";
import { MODULES, type Module } from "../sources/mimic-iv/schema.js";

/**
 * How each source table enters a timeline (reference-data-and-tasks.md §3): which column times its
 * rows, and where rows without a time go.
 *
 * - `first`: the patient's demographics, before everything else.
 * - `timed`: sorted by `time`; a row whose time is NULL is placed like an untimed row (below).
 * - `after-admission`: no time of its own; placed right after the last timed row of its admission
 *   (diagnoses before DRG codes, as the reference's insertion order produces).
 */
export interface TimelineSource {
  module: Module;
  table: string;
  placement: "first" | "timed" | "after-admission";
  /** SQL over the table aliased `t` (and `s`, the joined ED stay) giving the row's TIMESTAMP. */
  time: string;
  /** Joins the row to its ED stay (`s`): triage and ED diagnoses take their time from the stay. */
  edStayJoin?: boolean;
  /** A key the reference adds to each row's dict (ED pre-sort): triage and ED diagnoses get `charttime`. */
  addedKey?: string;
}

const ts = (column: string) => `t.${column}`;
const midnight = (column: string) => `CAST(t.${column} AS TIMESTAMP)`;

export const TIMELINE_SOURCES: readonly TimelineSource[] = [
  { module: "hosp", table: "patients", placement: "first", time: "NULL" },
  { module: "hosp", table: "admissions", placement: "timed", time: ts("admittime") },
  { module: "hosp", table: "diagnoses_icd", placement: "after-admission", time: "NULL" },
  { module: "hosp", table: "drgcodes", placement: "after-admission", time: "NULL" },
  { module: "hosp", table: "emar", placement: "timed", time: ts("charttime") },
  // rank.py leaves hcpcsevents untimed (then duplicates it); combination.py times it by chartdate. We use chartdate.
  { module: "hosp", table: "hcpcsevents", placement: "timed", time: midnight("chartdate") },
  { module: "hosp", table: "labevents", placement: "timed", time: ts("charttime") },
  // Fix: the reference misplaces (and duplicates) rows with a NULL charttime; their chartdate is the time.
  { module: "hosp", table: "microbiologyevents", placement: "timed", time: "coalesce(t.charttime, t.chartdate)" },
  { module: "hosp", table: "omr", placement: "timed", time: midnight("chartdate") },
  { module: "hosp", table: "pharmacy", placement: "timed", time: ts("entertime") },
  { module: "hosp", table: "poe", placement: "timed", time: ts("ordertime") },
  { module: "hosp", table: "prescriptions", placement: "timed", time: ts("starttime") },
  { module: "hosp", table: "procedures_icd", placement: "timed", time: midnight("chartdate") },
  { module: "hosp", table: "services", placement: "timed", time: ts("transfertime") },
  { module: "hosp", table: "transfers", placement: "timed", time: ts("intime") },
  { module: "note", table: "discharge", placement: "timed", time: ts("charttime") },
  { module: "note", table: "radiology", placement: "timed", time: ts("charttime") },
  { module: "ed", table: "diagnosis", placement: "timed", time: "s.outtime", edStayJoin: true, addedKey: "charttime" },
  { module: "ed", table: "edstays", placement: "timed", time: ts("intime") },
  { module: "ed", table: "medrecon", placement: "timed", time: ts("charttime") },
  { module: "ed", table: "pyxis", placement: "timed", time: ts("charttime") },
  {
    module: "ed",
    table: "triage",
    placement: "timed",
    time: "s.intime + INTERVAL 1 SECOND",
    edStayJoin: true,
    addedKey: "charttime",
  },
  { module: "ed", table: "vitalsign", placement: "timed", time: ts("charttime") },
  { module: "icu", table: "chartevents", placement: "timed", time: ts("charttime") },
  { module: "icu", table: "datetimeevents", placement: "timed", time: ts("charttime") },
  { module: "icu", table: "icustays", placement: "timed", time: ts("intime") },
  { module: "icu", table: "ingredientevents", placement: "timed", time: ts("starttime") },
  { module: "icu", table: "inputevents", placement: "timed", time: ts("starttime") },
  { module: "icu", table: "outputevents", placement: "timed", time: ts("charttime") },
  { module: "icu", table: "procedureevents", placement: "timed", time: ts("starttime") },
];

/**
 * The default tie order among tables at the same time: module (hosp < note < ed < icu, the
 * reference's concatenation order), then table name. `preferred` tables come first, in the order given.
 */
export function tableOrder(preferred: readonly string[] = []): string[] {
  const known = new Set(TIMELINE_SOURCES.map((s) => s.table));
  const unknown = preferred.filter((t) => !known.has(t));
  if (unknown.length)
    throw new UsageError(`--table-order names unknown tables: ${unknown.join(", ")} (known: ${[...known].join(", ")})`);
  const byDefault = [...TIMELINE_SOURCES]
    .sort(
      (a, b) =>
        MODULES.indexOf(a.module) - MODULES.indexOf(b.module) || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0),
    )
    .map((s) => s.table);
  return [...new Set([...preferred, ...byDefault])];
}

export function timelineSource(table: string): TimelineSource | undefined {
  return TIMELINE_SOURCES.find((s) => s.table === table);
}
