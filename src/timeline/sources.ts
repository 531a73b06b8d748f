import { UsageError } from "../errors.js";
import { MODULES, type Module } from "../sources/mimic-iv/schema.js";

/**
 * How each source table enters a timeline (docs/reference.md#timeline-order): which column times its
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
  /**
   * SQL values (over `t`) that order this table's rows among same-time rows of its module before
   * the table rank: rank.py sorts each module's rows on its own first (ICU by admission, stay and
   * ICU stay first; ED by stay and a fixed table rank; notes by `note_seq`), and its final sort by
   * time is stable, so that pre-sort decides ties within a module.
   */
  tie?: readonly string[];
  /**
   * Where `rank.py` times this table differently (`--untimed reference`): `time`, the column it
   * reads instead; `unsorted`, rows it cannot time at all (they are placed as untimed rows, while
   * their event still shows `time`, as combination.py reads it).
   */
  reference?: { time?: string; unsorted?: boolean };
}

const ts = (column: string) => `t.${column}`;
// sort_icu's key (hadm_id, stay_id, -is_icustays, time): an ICU stay's own row before its events.
const icuTie = (isStay: boolean) => ["t.hadm_id", "t.stay_id", isStay ? "0" : "1"];
// sort_ed's key (stay_id, time, rank), with edstays and triage at -inf and diagnoses at +inf: at
// one time within a stay that is the rank order edstays, triage, medrecon, pyxis, vitalsign, diagnosis.
const edTie = (rank: number) => ["t.stay_id", String(rank)];
const noteTie = ["t.note_seq"];
const midnight = (column: string) => `CAST(t.${column} AS TIMESTAMP)`;

export const TIMELINE_SOURCES: readonly TimelineSource[] = [
  { module: "hosp", table: "patients", placement: "first", time: "NULL" },
  { module: "hosp", table: "admissions", placement: "timed", time: ts("admittime") },
  { module: "hosp", table: "diagnoses_icd", placement: "after-admission", time: "NULL" },
  { module: "hosp", table: "drgcodes", placement: "after-admission", time: "NULL" },
  { module: "hosp", table: "emar", placement: "timed", time: ts("charttime") },
  // rank.py leaves hcpcsevents untimed (then duplicates it); combination.py times it by chartdate. We use chartdate.
  {
    module: "hosp",
    table: "hcpcsevents",
    placement: "timed",
    time: midnight("chartdate"),
    reference: { unsorted: true },
  },
  { module: "hosp", table: "labevents", placement: "timed", time: ts("charttime") },
  // Fix: the reference misplaces (and duplicates) rows with a NULL charttime; their chartdate is the time.
  {
    module: "hosp",
    table: "microbiologyevents",
    placement: "timed",
    time: "coalesce(t.charttime, t.chartdate)",
    reference: { time: ts("charttime") },
  },
  { module: "hosp", table: "omr", placement: "timed", time: midnight("chartdate") },
  { module: "hosp", table: "pharmacy", placement: "timed", time: ts("entertime") },
  { module: "hosp", table: "poe", placement: "timed", time: ts("ordertime") },
  { module: "hosp", table: "prescriptions", placement: "timed", time: ts("starttime") },
  { module: "hosp", table: "procedures_icd", placement: "timed", time: midnight("chartdate") },
  { module: "hosp", table: "services", placement: "timed", time: ts("transfertime") },
  { module: "hosp", table: "transfers", placement: "timed", time: ts("intime") },
  { module: "note", table: "discharge", placement: "timed", time: ts("charttime"), tie: noteTie },
  { module: "note", table: "radiology", placement: "timed", time: ts("charttime"), tie: noteTie },
  {
    module: "ed",
    table: "diagnosis",
    placement: "timed",
    time: "s.outtime",
    edStayJoin: true,
    addedKey: "charttime",
    tie: edTie(5),
  },
  { module: "ed", table: "edstays", placement: "timed", time: ts("intime"), tie: edTie(0) },
  { module: "ed", table: "medrecon", placement: "timed", time: ts("charttime"), tie: edTie(2) },
  { module: "ed", table: "pyxis", placement: "timed", time: ts("charttime"), tie: edTie(3) },
  {
    module: "ed",
    table: "triage",
    placement: "timed",
    time: "s.intime + INTERVAL 1 SECOND",
    edStayJoin: true,
    addedKey: "charttime",
    tie: edTie(1),
  },
  { module: "ed", table: "vitalsign", placement: "timed", time: ts("charttime"), tie: edTie(4) },
  { module: "icu", table: "chartevents", placement: "timed", time: ts("charttime"), tie: icuTie(false) },
  { module: "icu", table: "datetimeevents", placement: "timed", time: ts("charttime"), tie: icuTie(false) },
  { module: "icu", table: "icustays", placement: "timed", time: ts("intime"), tie: icuTie(true) },
  { module: "icu", table: "ingredientevents", placement: "timed", time: ts("starttime"), tie: icuTie(false) },
  { module: "icu", table: "inputevents", placement: "timed", time: ts("starttime"), tie: icuTie(false) },
  { module: "icu", table: "outputevents", placement: "timed", time: ts("charttime"), tie: icuTie(false) },
  { module: "icu", table: "procedureevents", placement: "timed", time: ts("starttime"), tie: icuTie(false) },
];

/**
 * The tie order among tables at the same time: module (hosp < note < ed < icu, the reference's
 * concatenation order, which always wins), then within a module the `preferred` tables in the order
 * given (the reference's folder-listing order), then the rest by name.
 */
export function tableOrder(preferred: readonly string[] = []): string[] {
  const known = new Set(TIMELINE_SOURCES.map((s) => s.table));
  const unknown = preferred.filter((t) => !known.has(t));
  if (unknown.length)
    throw new UsageError(`--table-order names unknown tables: ${unknown.join(", ")} (known: ${[...known].join(", ")})`);
  const byName = TIMELINE_SOURCES.map((s) => s.table).sort();
  // A stable sort by module keeps, within each module, the preferred tables first, then the rest by name.
  const module = new Map(TIMELINE_SOURCES.map((s) => [s.table, MODULES.indexOf(s.module)]));
  return [...new Set([...preferred, ...byName])].sort((a, b) => module.get(a)! - module.get(b)!);
}

export function timelineSource(table: string): TimelineSource | undefined {
  return TIMELINE_SOURCES.find((s) => s.table === table);
}
