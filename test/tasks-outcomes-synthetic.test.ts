import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { buildTaskIndex } from "../src/tasks/index-build.js";
import { tempDir } from "./helpers/data.js";
import { copyStore, SYNTH_COHORT, SYNTH_DB } from "./helpers/fixtures.js";

/**
 * The ED and readmission outcomes, the discharge-report task and the admission and discharge links
 * of a sample, which the demo cannot show (it has no ED stays and no notes): labels worked out
 * independently from the synthetic cohort's CSV files (or, for what depends on event order, from the
 * timelines walked in JavaScript), against an index built inside each test so that mutation testing
 * sees the task SQL run.
 */
describe("task index outcomes on a synthetic cohort (ED, readmission, discharge notes)", () => {
  const dir = tempDir();
  let store: Store;
  let raw: DuckDBConnection;
  const csv = (module: string, table: string) =>
    `read_csv('${join(SYNTH_COHORT, module, `${table}.csv.gz`)}', all_varchar = true, header = true)`;
  const rawRows = async <T>(sql: string) => (await raw.runAndReadAll(sql)).getRowObjectsJS() as T[];
  const hours = (a: string, b: string) =>
    (Date.parse(`${b.replace(" ", "T")}Z`) - Date.parse(`${a.replace(" ", "T")}Z`)) / 3.6e6;
  interface Sample {
    s: number;
    anchor: number;
    h: number | null;
    t: string;
    label: string;
    adm: number | null;
    dis: number | null;
  }
  const samples = async (task: string): Promise<Sample[]> => {
    await buildTaskIndex(store, { tasks: [task] });
    return store.rows<Sample>(`
      SELECT x.subject_id AS s, x.anchor, x.hadm_id AS h, strftime(e.starttime, '%Y-%m-%d %H:%M:%S') AS t,
        x.target[1] AS label, x.admissions_id AS adm, x.last_discharge_id AS dis
      FROM tasks.task_index x JOIN timeline.events e ON e.subject_id = x.subject_id AND e.seq = x.anchor
      WHERE x.task = '${task}' ORDER BY 1, 2`);
  };
  const bothLabels = (rows: Sample[]) => expect(new Set(rows.map((r) => r.label))).toEqual(new Set(["yes", "no"]));

  beforeAll(async () => {
    store = await Store.open(copyStore(SYNTH_DB, dir, "outcomes.duckdb"));
    raw = await (await DuckDBInstance.create(":memory:")).connect();
    return () => store.close();
  });

  it("ED_Hospitalization: yes when the stay's own admission starts after it", async () => {
    const rows = await samples("ED_Hospitalization");
    const stays = await rawRows<{ key: string; admitted: boolean }>(`
      SELECT e.subject_id || '|' || e.intime AS key,
        EXISTS (SELECT 1 FROM ${csv("hosp", "admissions")} a WHERE a.hadm_id = e.hadm_id AND CAST(a.admittime AS TIMESTAMP) > CAST(e.intime AS TIMESTAMP)) AS admitted
      FROM ${csv("ed", "edstays")} e`);
    const byStay = new Map(stays.map((x) => [x.key, x.admitted]));
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) expect(r.label, `${r.s} ${r.t}`).toBe(byStay.get(`${r.s}|${r.t}`) ? "yes" : "no");
    bothLabels(rows);
  });

  it("ED_Reattendance_3day and ED_ICU_Tranfer_12hour: the next ED stay within 72 h, the admission's next ICU stay within 12 h of leaving the ED", async () => {
    const stays = await rawRows<{ key: string; next_ed: string | null; next_icu: string | null; outtime: string }>(`
      SELECT e.subject_id || '|' || e.intime AS key, e.outtime,
        (SELECT min(n.intime) FROM ${csv("ed", "edstays")} n WHERE n.subject_id = e.subject_id AND CAST(n.intime AS TIMESTAMP) > CAST(e.intime AS TIMESTAMP)) AS next_ed,
        (SELECT min(i.intime) FROM ${csv("icu", "icustays")} i WHERE i.hadm_id = e.hadm_id AND CAST(i.intime AS TIMESTAMP) > CAST(e.intime AS TIMESTAMP)) AS next_icu
      FROM ${csv("ed", "edstays")} e`);
    const byStay = new Map(stays.map((x) => [x.key, x]));
    const reattended = await samples("ED_Reattendance_3day");
    for (const r of reattended) {
      const s = byStay.get(`${r.s}|${r.t}`)!;
      expect(r.label, `${r.s} ${r.t}`).toBe(s.next_ed !== null && hours(s.outtime, s.next_ed) < 72 ? "yes" : "no");
    }
    bothLabels(reattended);
    const transferred = await samples("ED_ICU_Tranfer_12hour");
    for (const r of transferred) {
      const s = byStay.get(`${r.s}|${r.t}`)!;
      expect(r.label, `${r.s} ${r.t}`).toBe(s.next_icu !== null && hours(s.outtime, s.next_icu) < 12 ? "yes" : "no");
    }
    bothLabels(transferred);
    expect(transferred.map((r) => r.anchor)).toEqual(reattended.map((r) => r.anchor));
  });

  it("ED_Inpatient_Mortality and ED_Critical_Outcomes: death not before the admission's last event; or an ICU transfer within 12 h", async () => {
    const events = await store.rows<{ s: number; seq: number; h: number | null; t: string | null }>(
      "SELECT subject_id AS s, seq, hadm_id AS h, strftime(starttime, '%Y-%m-%d %H:%M:%S') AS t FROM timeline.events ORDER BY 1, 2",
    );
    const deaths = new Map(
      (
        await rawRows<{ s: string; dod: string | null }>(`SELECT subject_id AS s, dod FROM ${csv("hosp", "patients")}`)
      ).map((p) => [Number(p.s), p.dod]),
    );
    // The last timed event of each (patient, admission), walked in order.
    const last = new Map<string, { seq: number; t: string }>();
    for (const e of events) if (e.t !== null) last.set(`${e.s}|${e.h ?? "none"}`, { seq: e.seq, t: e.t });
    const mortality = await samples("ED_Inpatient_Mortality");
    const died = new Map<string, boolean>();
    for (const r of mortality) {
      const end = r.h === null ? undefined : last.get(`${r.s}|${r.h}`);
      const dod = deaths.get(r.s) ?? null;
      const yes = dod !== null && end !== undefined && end.seq > r.anchor && !(end.t < `${dod} 00:00:00`);
      died.set(`${r.s}|${r.anchor}`, yes);
      expect(r.label, `${r.s} ${r.anchor}`).toBe(yes ? "yes" : "no");
    }
    bothLabels(mortality);
    const transfer = new Map(
      (await samples("ED_ICU_Tranfer_12hour")).map((r): [string, boolean] => [`${r.s}|${r.anchor}`, r.label === "yes"]),
    );
    const critical = await samples("ED_Critical_Outcomes");
    expect(critical.length).toBe(mortality.length);
    for (const r of critical) {
      const key = `${r.s}|${r.anchor}`;
      expect(r.label, key).toBe(transfer.get(key) || died.get(key) ? "yes" : "no");
    }
    bothLabels(critical);
  });

  it("Readmission_30day and _60day: the next admission after the discharge note, within 30 and 60 days", async () => {
    const notes = await rawRows<{ key: string; charttime: string; next: string | null }>(`
      SELECT d.subject_id || '|' || d.charttime AS key, d.charttime,
        (SELECT min(a.admittime) FROM ${csv("hosp", "admissions")} a WHERE a.subject_id = d.subject_id AND CAST(a.admittime AS TIMESTAMP) > CAST(d.charttime AS TIMESTAMP)) AS next
      FROM ${csv("note", "discharge")} d`);
    const byNote = new Map(notes.map((n) => [n.key, n]));
    for (const [task, days] of [
      ["Readmission_30day", 30],
      ["Readmission_60day", 60],
    ] as const) {
      const rows = await samples(task);
      expect(rows.length, task).toBeGreaterThan(50);
      for (const r of rows) {
        const n = byNote.get(`${r.s}|${r.t}`)!;
        expect(r.label, `${task} ${r.s} ${r.t}`).toBe(
          n.next !== null && hours(n.charttime, n.next) < days * 24 ? "yes" : "no",
        );
      }
      bothLabels(rows);
    }
  });

  it("discharge: the label is the note's text, stripped as Python strips it", async () => {
    await buildTaskIndex(store, { tasks: ["discharge"] });
    const rows = await store.rows<{ s: number; t: string; target: string[] }>(`
      SELECT x.subject_id AS s, strftime(e.starttime, '%Y-%m-%d %H:%M:%S') AS t, x.target
      FROM tasks.task_index x JOIN timeline.events e ON e.subject_id = x.subject_id AND e.seq = x.anchor WHERE x.task = 'discharge'`);
    const texts = await rawRows<{ key: string; text: string; n: bigint }>(`
      SELECT subject_id || '|' || charttime AS key, any_value(text) AS text, count(*) AS n FROM ${csv("note", "discharge")} GROUP BY 1`);
    const byNote = new Map(texts.map((x) => [x.key, x]));
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) {
      const note = byNote.get(`${r.s}|${r.t}`)!;
      expect(note.n).toBe(1n);
      expect(r.target, `${r.s} ${r.t}`).toEqual([note.text.trim()]);
    }
    expect(rows.some((r) => !r.target[0]!.startsWith(" "))).toBe(true);
  });

  it("radiology: the label is every exam name of the event's reports, each once, by first field ordinal", async () => {
    await buildTaskIndex(store, { tasks: ["radiology"] });
    // An event holds the reports from its start to its end time.
    const rows = await store.rows<{ s: number; t: string; end: string; target: string[] }>(`
      SELECT x.subject_id AS s, strftime(e.starttime, '%Y-%m-%d %H:%M:%S') AS t, strftime(coalesce(e.endtime, e.starttime), '%Y-%m-%d %H:%M:%S') AS end, x.target
      FROM tasks.task_index x JOIN timeline.events e ON e.subject_id = x.subject_id AND e.seq = x.anchor WHERE x.task = 'radiology'`);
    const reports = await rawRows<{ s: string; t: string; names: string[] }>(`
      SELECT r.subject_id AS s, r.charttime AS t, list(d.field_value ORDER BY d.field_ordinal, d.field_value) AS names
      FROM ${csv("note", "radiology")} r JOIN ${csv("note", "radiology_detail")} d ON d.note_id = r.note_id AND d.field_name = 'exam_name'
      GROUP BY r.note_id, r.subject_id, r.charttime`);
    expect(rows.length).toBeGreaterThan(50);
    let single = 0;
    for (const r of rows) {
      const mine = reports.filter((x) => Number(x.s) === r.s && x.t >= r.t && x.t <= r.end);
      const names = mine.flatMap((x) => x.names);
      const got = r.target;
      expect(new Set(got), `${r.s} ${r.t}`).toEqual(new Set(names));
      expect(got.length).toBe(new Set(got).size);
      if (mine.length === 1) {
        expect(got, `${r.s} ${r.t}`).toEqual([...new Set(names)]);
        single++;
      }
    }
    expect(single).toBeGreaterThan(50);
  });

  it("links each sample to its admission's record and to the discharge note of an earlier admission", async () => {
    const events = await store.rows<{ s: number; seq: number; f: string; h: number | null }>(
      "SELECT subject_id AS s, seq, file_name AS f, hadm_id AS h FROM timeline.events ORDER BY 1, 2",
    );
    const bySubject = new Map<number, typeof events>();
    for (const e of events) (bySubject.get(e.s) ?? bySubject.set(e.s, []).get(e.s)!).push(e);
    let linked = 0;
    let discharges = 0;
    for (const task of ["labevents", "ED_Hospitalization", "next_event"]) {
      for (const r of await samples(task)) {
        const upTo = bySubject.get(r.s)!.filter((e) => e.seq <= r.anchor);
        const admission = upTo.filter((e) => e.f === "admissions").at(-1);
        const note = upTo.filter((e) => e.f === "discharge").at(-1);
        const adm =
          admission && admission.h === r.h && !(task === "next_event" && admission.seq === r.anchor)
            ? admission.seq
            : null;
        const dis = note && (note.h ?? -1) !== (r.h ?? -1) ? note.seq : null;
        expect([r.adm, r.dis], `${task} ${r.s} ${r.anchor}`).toEqual([adm, dis]);
        if (adm !== null) linked++;
        if (dis !== null) discharges++;
      }
    }
    expect(linked).toBeGreaterThan(100);
    expect(discharges).toBeGreaterThan(100);
  });
});
