import { EhrR1Error, UsageError } from "../errors.js";
import type { Store } from "../store/database.js";
import { itemRowsSql } from "./items.js";

/** A value as the reference holds it: a Python `str()` of the raw value, a list (radiology exam names), or None. */
export type ItemValue = string | string[] | null;
export type EventItem = Record<string, ItemValue>;

/** One event of the reference's "patients_ehr" model (§4). */
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
}

export async function assertTimeline(store: Store): Promise<void> {
  if (!(await store.tableExists("timeline.events")) || !(await store.tableExists("timeline.rows"))) {
    throw new EhrR1Error(`${store.path} has no timelines yet: run \`ehr-r1 timeline build --db ${store.path}\` first`);
  }
}

/** Every event of each patient, in order (index = `seq`), with its items. Unknown patients are absent from the map. */
export async function readTrajectories(store: Store, subjectIds: readonly number[], options: ReadOptions = {}): Promise<Map<number, EhrEvent[]>> {
  await assertTimeline(store);
  const result = new Map<number, EhrEvent[]>();
  if (!subjectIds.length) return result;
  for (const id of subjectIds) if (!Number.isSafeInteger(id)) throw new UsageError(`not a subject_id: ${id}`);
  const idList = `(${[...new Set(subjectIds)].join(", ")})`;
  const events = await store.rows<{ subject_id: number; seq: number; file_name: string; starttime: string | null; endtime: string | null; hadm_id: string | null; n_rows: number }>(
    `SELECT subject_id, seq, file_name, strftime(starttime, '%Y-%m-%d %H:%M:%S') AS starttime, strftime(endtime, '%Y-%m-%d %H:%M:%S') AS endtime,
       CAST(hadm_id AS VARCHAR) AS hadm_id, n_rows
     FROM timeline.events WHERE subject_id IN ${idList} ORDER BY subject_id, seq`,
  );
  for (const e of events) {
    let list = result.get(e.subject_id);
    if (!list) result.set(e.subject_id, (list = []));
    list.push({ file_name: e.file_name, starttime: e.starttime, endtime: e.endtime, hadm_id: e.hadm_id, items: [] });
  }
  const tables = [...new Set(events.map((e) => e.file_name))].sort();
  for (const fileName of tables) {
    const sql = await itemRowsSql(store, fileName, `r.subject_id IN ${idList}`, options.derived ?? true);
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
