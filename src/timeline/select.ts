import { UsageError } from "../errors.js";
import type { SampleWindow } from "../render/sample.js";
import type { EhrEvent } from "./read.js";

export interface RecordSelection {
  /** One admission: its events, its admission record, and the previous admission's discharge note. */
  hadm?: number;
  /** Events starting at or after this time (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM[:SS]`). */
  from?: string;
  /** Events starting at or before this time. */
  until?: string;
}

/** Normalises a user time to the timeline's `YYYY-MM-DD HH:MM:SS`. */
export function parseTime(text: string, flag: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${text}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]`);
  return `${m[1]} ${m[2] ?? "00"}:${m[3] ?? "00"}:${m[4] ?? "00"}`;
}

/** The window `show` renders: everything after the demographics, narrowed by admission and time. */
export function selectWindow(
  trajectory: readonly EhrEvent[],
  selection: RecordSelection,
  subjectId: number,
): SampleWindow {
  let begin = 1;
  let end = trajectory.length;
  const window: SampleWindow = {};
  if (selection.hadm !== undefined) {
    const hadm = String(selection.hadm);
    const indexes = trajectory.flatMap((e, i) => (e.hadm_id === hadm ? [i] : []));
    const admission = trajectory.findIndex((e) => e.file_name === "admissions" && e.hadm_id === hadm);
    if (admission < 0) {
      const known = [...new Set(trajectory.filter((e) => e.file_name === "admissions").map((e) => e.hadm_id))].join(
        ", ",
      );
      throw new UsageError(`subject_id ${subjectId} has no admission ${hadm} (admissions: ${known || "none"})`);
    }
    begin = Math.max(1, indexes[0]!);
    end = indexes[indexes.length - 1]! + 1;
    window.admissionsId = admission;
    let discharge = -1;
    for (let i = 0; i < admission; i++)
      if (trajectory[i]!.file_name === "discharge" && trajectory[i]!.hadm_id !== hadm) discharge = i;
    window.lastDischargeId = discharge >= 0 ? discharge : null;
  }
  if (selection.from !== undefined) {
    const from = parseTime(selection.from, "--from");
    while (begin < end && (trajectory[begin]!.starttime ?? "") < from) begin++;
  }
  if (selection.until !== undefined) {
    const until = parseTime(selection.until, "--until");
    while (end > begin && (trajectory[end - 1]!.starttime === null || trajectory[end - 1]!.starttime! > until)) end--;
  }
  return { ...window, begin, end };
}
