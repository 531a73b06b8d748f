import { EhrR1Error, UsageError } from "../errors.js";
import type { Store } from "../store/database.js";
import { itemContext, itemRowsSql } from "./items.js";

/** A value as the reference holds it: a Python `str()` of the raw value, a list (radiology exam names), or None. */
export type ItemValue = string | string[] | null;
export type EventItem = Record<string, ItemValue>;

/** One event of the reference's "patients_ehr" model (docs/reference.md#events). */
export interface EhrEvent {
  file_name: string;
  /** `YYYY-MM-DD HH:MM:SS`, or null (demographics, diagnoses, DRG codes, rows without a time). */
  starttime: string | null;
  endtime: string | null;
  /** Integer string of the first row's admission, or null. */
  hadm_id: string | null;
  items: EventItem[];
}

export interface ReadOptions {
  /** Add the dictionary-derived keys the renderer shows (item_name, diagnoses, CCS Type, ATC Type, exam_name). Default true. */
  derived?: boolean;
  /**
   * Read the items of these events only (`[from, to)` event indexes per patient); every event is
   * still listed, so indexes stay `seq`, but touching an unread event's items throws. A build reads
   * what its samples show, not each patient's whole record.
   */
  windows?: readonly EventWindow[];
}

/** Events `[from, to)` of one patient. */
export interface EventWindow {
  subjectId: number;
  from: number;
  to: number;
}

/** Merged windows per patient (sorted, overlapping and touching windows joined). */
export function mergeWindows(windows: readonly EventWindow[]): EventWindow[] {
  const sorted = [...windows].sort((a, b) => a.subjectId - b.subjectId || a.from - b.from);
  const merged: EventWindow[] = [];
  for (const w of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.subjectId === w.subjectId && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else merged.push({ ...w });
  }
  return merged;
}

/** An event whose items were not read: any use of them is a bug that would render an empty event. */
function unread(event: Omit<EhrEvent, "items">, subjectId: number, seq: number): EhrEvent {
  return Object.defineProperty({ ...event } as EhrEvent, "items", {
    enumerable: true,
    get() {
      throw new EhrR1Error(`event ${seq} of patient ${subjectId} was not read (outside the windows asked for)`);
    },
  });
}

export async function assertTimeline(store: Store): Promise<void> {
  if (!(await store.tableExists("timeline.events")) || !(await store.tableExists("timeline.rows"))) {
    throw new EhrR1Error(`${store.path} has no timelines yet: run \`ehr-r1 timeline build --db ${store.path}\` first`);
  }
  // Built timelines point at source rows by row id: a table reloaded since the build makes them wrong.
  if ((await store.tableExists("timeline.build_info")) && (await store.tableExists("meta.loads"))) {
    const [stale] = await store.rows<{ t: string; at: string }>(`
      SELECT l.table_name AS t, strftime(l.loaded_at, '%Y-%m-%d %H:%M:%S') AS at FROM meta.loads l, timeline.build_info b
      WHERE b.origin = 'store' AND l.loaded_at > coalesce(b.sources_loaded_at, TIMESTAMP '1970-01-01')
        AND split_part(l.table_name, '.', 2) IN (SELECT unnest(b.tables))
      ORDER BY l.loaded_at LIMIT 1`);
    if (stale) {
      throw new EhrR1Error(
        `${store.path}: ${stale.t} was reloaded (${stale.at}) after the timelines were built: run \`ehr-r1 timeline build --db ${store.path}\` again`,
      );
    }
  }
}

/** Every event of each patient, in order (index = `seq`), with its items. Unknown patients are absent from the map. */
export async function readTrajectories(
  store: Store,
  subjectIds: readonly number[],
  options: ReadOptions = {},
): Promise<Map<number, EhrEvent[]>> {
  await assertTimeline(store);
  const result = new Map<number, EhrEvent[]>();
  if (!subjectIds.length) return result;
  for (const id of subjectIds) if (!Number.isSafeInteger(id)) throw new UsageError(`not a subject_id: ${id}`);
  for (const w of options.windows ?? [])
    if (![w.subjectId, w.from, w.to].every(Number.isSafeInteger))
      throw new UsageError(`not an event window: ${JSON.stringify(w)}`);
  const unique = [...new Set(subjectIds)].sort((a, b) => a - b);
  // The range lets DuckDB skip row groups of timeline tables (sorted by subject); the list picks the patients.
  const idList = `(${unique.join(", ")}) AND subject_id BETWEEN ${unique[0]} AND ${unique[unique.length - 1]}`;
  const events = await store.rows<{
    subject_id: number;
    seq: number;
    file_name: string;
    starttime: string | null;
    endtime: string | null;
    hadm_id: string | null;
    n_rows: number;
  }>(
    `SELECT subject_id, seq, file_name, strftime(starttime, '%Y-%m-%d %H:%M:%S') AS starttime, strftime(endtime, '%Y-%m-%d %H:%M:%S') AS endtime,
       CAST(hadm_id AS VARCHAR) AS hadm_id, n_rows
     FROM timeline.events WHERE subject_id IN ${idList} ORDER BY subject_id, seq`,
  );
  const windows = options.windows ? mergeWindows(options.windows) : null;
  const wanted = new Map<number, EventWindow[]>();
  for (const w of windows ?? []) (wanted.get(w.subjectId) ?? wanted.set(w.subjectId, []).get(w.subjectId)!).push(w);
  for (const e of events) {
    let list = result.get(e.subject_id);
    if (!list) result.set(e.subject_id, (list = []));
    const seq = list.length;
    const event = { file_name: e.file_name, starttime: e.starttime, endtime: e.endtime, hadm_id: e.hadm_id };
    const read = !windows || wanted.get(e.subject_id)?.some((w) => seq >= w.from && seq < w.to);
    list.push(read ? { ...event, items: [] } : unread(event, e.subject_id, seq));
  }
  const context = await itemContext(store);
  let where = `r.subject_id IN (${unique.join(", ")}) AND r.subject_id BETWEEN ${unique[0]} AND ${unique[unique.length - 1]}`;
  if (windows) {
    if (!windows.length) return result;
    const values = windows.map((w) => `(${w.subjectId}, ${w.from}, ${w.to})`).join(", ");
    where += ` AND EXISTS (SELECT 1 FROM (VALUES ${values}) w(s, lo, hi) WHERE w.s = r.subject_id AND r.seq >= w.lo AND r.seq < w.hi)`;
  }
  // Row-id bounds per table let DuckDB skip the row groups of other patients.
  const bounds = await store.rows<{ f: string; lo: bigint; hi: bigint }>(
    `SELECT file_name AS f, min(src_row) AS lo, max(src_row) AS hi FROM timeline.rows r WHERE ${where} GROUP BY 1 ORDER BY 1`,
  );
  for (const { f: fileName, lo, hi } of bounds) {
    const sql = itemRowsSql(
      context,
      fileName,
      where,
      options.derived ?? true,
      lo === null ? undefined : { min: lo, max: hi },
      { from: unique[0]!, to: unique[unique.length - 1]! + 1 },
    );
    const rows = await store.rows<{ subject_id: number; seq: number; item: string }>(`${sql} ORDER BY subject_id, pos`);
    for (const row of rows) result.get(row.subject_id)![row.seq]!.items.push(JSON.parse(row.item) as EventItem);
  }
  return result;
}

export async function readTrajectory(store: Store, subjectId: number, options: ReadOptions = {}): Promise<EhrEvent[]> {
  const trajectory = (await readTrajectories(store, [subjectId], options)).get(subjectId);
  if (!trajectory) {
    const known = await store.value<bigint>("SELECT count(DISTINCT subject_id) FROM timeline.events");
    throw new UsageError(`subject_id ${subjectId} is not in ${store.path} (${known} patients have timelines)`);
  }
  return trajectory;
}
