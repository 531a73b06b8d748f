import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { buildTaskIndex, type IndexSummary } from "../src/tasks/index-build.js";
import { TASKS } from "../src/tasks/registry.js";
import { TOOL_VERSION } from "../src/version.js";
import { DEMO_DIR, DEMO_STORE_FILES, describeNeeding, tempDir } from "./helpers/data.js";
import { copyStore, DEMO_DB } from "./helpers/fixtures.js";

/**
 * Twelve demo patients chosen for their outcomes (deaths, ICU readmissions, stays over 7 and 14 days,
 * a patient with 12 admissions): each test builds the index of its tasks on them, inside the test, so
 * that mutation testing sees the task SQL run (an index built once before the tests cannot show a mutant).
 */
const SUBJECTS = [
  10000032, 10001217, 10002930, 10006053, 10008454, 10016742, 10017492, 10018845, 10020944, 10021938, 10027602,
  10031757,
];
const csv = (module: string, table: string) =>
  `(SELECT * FROM read_csv('${join(DEMO_DIR, module, `${table}.csv.gz`)}', all_varchar = true, header = true) WHERE subject_id IN (${SUBJECTS.map((s) => `'${s}'`).join(", ")}))`;
/** Every timed demo table with an admission id, and its time column (spec §3.1). */
const TIMED: [string, string, string][] = [
  ["hosp", "admissions", "admittime"],
  ["hosp", "emar", "charttime"],
  ["hosp", "hcpcsevents", "chartdate"],
  ["hosp", "labevents", "charttime"],
  ["hosp", "microbiologyevents", "coalesce(charttime, chartdate)"],
  ["hosp", "pharmacy", "entertime"],
  ["hosp", "poe", "ordertime"],
  ["hosp", "prescriptions", "starttime"],
  ["hosp", "procedures_icd", "chartdate"],
  ["hosp", "services", "transfertime"],
  ["hosp", "transfers", "intime"],
  ["icu", "datetimeevents", "charttime"],
  ["icu", "icustays", "intime"],
  ["icu", "ingredientevents", "starttime"],
  ["icu", "inputevents", "starttime"],
  ["icu", "outputevents", "charttime"],
  ["icu", "procedureevents", "starttime"],
];
const rowsWithAdmission = TIMED.map(
  ([m, t, time]) =>
    `SELECT '${t}' AS tbl, hadm_id, CAST(${time} AS TIMESTAMP) AS t FROM ${csv(m, t)} WHERE hadm_id IS NOT NULL`,
).join(" UNION ALL ");

describeNeeding(DEMO_STORE_FILES, "task index on the MIMIC-IV demo", () => {
  const dir = tempDir();
  let store: Store;
  let raw: DuckDBConnection;
  const rawRows = async <T>(sql: string) => (await raw.runAndReadAll(sql)).getRowObjectsJS() as T[];
  const index = <T>(sql: string) => store.rows<T>(sql);
  const build = (...tasks: string[]): Promise<IndexSummary> => buildTaskIndex(store, { tasks });

  beforeAll(async () => {
    // A copy of the shared demo store (timelines built once for the run), cut down to SUBJECTS.
    store = await Store.open(copyStore(DEMO_DB, dir));
    const keep = `subject_id IN (${SUBJECTS.join(", ")})`;
    await store.exec(`DELETE FROM timeline.rows WHERE NOT ${keep}; DELETE FROM timeline.events WHERE NOT ${keep}`);
    raw = await (await DuckDBInstance.create(":memory:")).connect();
    await raw.run(`CREATE TABLE adm_rows AS ${rowsWithAdmission}`);
    return () => store.close();
  });

  it("indexes all 46 tasks and reports the empty ones (the demo has no ED, notes or chart events)", async () => {
    const progress: [string, number, number][] = [];
    const started = performance.now();
    const summary = await buildTaskIndex(store, {
      onProgress: (task, done, total) => progress.push([task, done, total]),
    });
    const elapsed = (performance.now() - started) / 1000;
    expect(summary.tasks).toHaveLength(46);
    // Progress once per task, in order; the summary adds up; the store keeps no staging tables.
    expect(progress).toEqual(TASKS.map((t, k) => [t.name, k + 1, 46]));
    expect(summary.samples).toBe(summary.tasks.reduce((n, t) => n + t.samples, 0));
    expect(summary.samples).toBeGreaterThan(1000);
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.seconds).toBeLessThanOrEqual(elapsed);
    for (const [k, t] of summary.tasks.entries())
      expect("labels" in t, t.task).toBe(TASKS[k]!.type === "risk_prediction");
    expect(await index("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE temporary")).toEqual([{ n: 0 }]);
    const [info] = await index<{ tasks: string[]; v: string }>("SELECT tasks, tool_version AS v FROM tasks.index_info");
    expect(info!.tasks).toEqual(TASKS.map((t) => t.name));
    expect(info!.v).toBe(TOOL_VERSION);
    expect(summary.empty.sort()).toEqual(
      [
        "ED_Critical_Outcomes",
        "ED_Hospitalization",
        "ED_ICU_Tranfer_12hour",
        "ED_Inpatient_Mortality",
        "ED_Reattendance_3day",
        "Readmission_30day",
        "Readmission_60day",
        "chartevents",
        "diagnosis",
        "diagnosis_ccs",
        "discharge",
        "medrecon",
        "medrecon_atc",
        "prescriptions_atc",
        "pyxis",
        "radiology",
      ].sort(),
    );
  });

  it("Inpatient_Mortality: one sample per admission with an event in its first 24 h; yes when dod is not before dischtime", async () => {
    const summary = await build("Inpatient_Mortality");
    const expected = await rawRows<{ h: string; label: string }>(`
      SELECT a.hadm_id AS h, CASE WHEN p.dod IS NOT NULL AND NOT (CAST(a.dischtime AS TIMESTAMP) < CAST(p.dod AS TIMESTAMP)) THEN 'yes' ELSE 'no' END AS label
      FROM ${csv("hosp", "admissions")} a JOIN ${csv("hosp", "patients")} p USING (subject_id)
      WHERE EXISTS (SELECT 1 FROM adm_rows r WHERE r.hadm_id = a.hadm_id AND r.tbl <> 'admissions'
        AND r.t >= CAST(a.admittime AS TIMESTAMP) AND r.t < CAST(a.admittime AS TIMESTAMP) + INTERVAL 24 HOUR)
      ORDER BY 1`);
    const actual = await index<{ h: string; label: string }>(
      `SELECT CAST(hadm_id AS VARCHAR) AS h, target[1] AS label FROM tasks.task_index WHERE task = 'Inpatient_Mortality' ORDER BY 1`,
    );
    expect(actual).toEqual(expected);
    expect(expected.filter((e) => e.label === "yes").length).toBeGreaterThanOrEqual(2);
    expect(expected.filter((e) => e.label === "no").length).toBeGreaterThanOrEqual(10);
    expect(summary.tasks).toEqual([
      {
        task: "Inpatient_Mortality",
        samples: expected.length,
        labels: {
          yes: expected.filter((e) => e.label === "yes").length,
          no: expected.filter((e) => e.label === "no").length,
        },
      },
    ]);
    // The anchor is the admission record itself, so it is the sample's admission record.
    expect(
      await index("SELECT count(*)::INTEGER AS n FROM tasks.task_index WHERE admissions_id IS DISTINCT FROM anchor"),
    ).toEqual([{ n: 0 }]);
  });

  it("LengthOfStay_3day and _7day: labels from dischtime - admittime, only admissions still running after their first 24 h window", async () => {
    await build("Inpatient_Mortality", "LengthOfStay_3day", "LengthOfStay_7day");
    const stays = new Map(
      (
        await rawRows<{ h: string; hours: number }>(
          `SELECT hadm_id AS h, (epoch(CAST(dischtime AS TIMESTAMP)) - epoch(CAST(admittime AS TIMESTAMP))) / 3600 AS hours FROM ${csv("hosp", "admissions")}`,
        )
      ).map((r) => [r.h, r.hours]),
    );
    const mortality = new Set(
      (
        await index<{ h: string }>(
          "SELECT CAST(hadm_id AS VARCHAR) AS h FROM tasks.task_index WHERE task = 'Inpatient_Mortality'",
        )
      ).map((r) => r.h),
    );
    // Admissions whose last event starting within 24 h of admittime is before the discharge.
    const running = new Set(
      (
        await rawRows<{ h: string }>(`
          SELECT a.hadm_id AS h FROM ${csv("hosp", "admissions")} a JOIN adm_rows r ON r.hadm_id = a.hadm_id
            AND r.t >= CAST(a.admittime AS TIMESTAMP) AND r.t < CAST(a.admittime AS TIMESTAMP) + INTERVAL 24 HOUR
          GROUP BY a.hadm_id, a.dischtime HAVING max(r.t) < CAST(a.dischtime AS TIMESTAMP)`)
      ).map((r) => r.h),
    );
    expect([...mortality].some((h) => !running.has(h))).toBe(true);
    for (const [task, limit] of [
      ["LengthOfStay_3day", 72],
      ["LengthOfStay_7day", 168],
    ] as const) {
      const rows = await index<{ h: string; label: string }>(
        `SELECT CAST(hadm_id AS VARCHAR) AS h, target[1] AS label FROM tasks.task_index WHERE task = '${task}'`,
      );
      for (const r of rows) expect(r.label, `${task} ${r.h}`).toBe(stays.get(r.h)! > limit ? "yes" : "no");
      const got = new Set(rows.map((r) => r.h));
      // Every admission lasting at least a day that has a first-day event is a sample; shorter ones only if discharged after that event.
      for (const h of mortality) if (stays.get(h)! >= 24) expect(got.has(h), `${task} ${h}`).toBe(true);
      for (const h of got) expect(mortality.has(h)).toBe(true);
      expect([...got].sort(), task).toEqual([...mortality].filter((h) => running.has(h)).sort());
    }
  });

  it("ICU_Stay_7day, ICU_Readmission and ICU_Mortality_7day labels follow the raw ICU stays and dates of death", async () => {
    await build("ICU_Stay_7day", "ICU_Readmission", "ICU_Mortality_7day");
    const stays = await rawRows<{
      h: string;
      intime: string;
      hours: number;
      readmitted: boolean;
      dod_hours: number | null;
    }>(`
      SELECT i.hadm_id AS h, i.intime, (epoch(CAST(i.outtime AS TIMESTAMP)) - epoch(CAST(i.intime AS TIMESTAMP))) / 3600 AS hours,
        EXISTS (SELECT 1 FROM ${csv("icu", "icustays")} j WHERE j.hadm_id = i.hadm_id AND CAST(j.intime AS TIMESTAMP) > CAST(i.intime AS TIMESTAMP)) AS readmitted,
        (epoch(CAST(p.dod AS TIMESTAMP)) - epoch(CAST(i.intime AS TIMESTAMP))) / 3600 AS dod_hours
      FROM ${csv("icu", "icustays")} i JOIN ${csv("hosp", "patients")} p USING (subject_id)`);
    const byStay = new Map(stays.map((s) => [`${s.h}|${s.intime}`, s]));
    const rows = await index<{ task: string; h: string; intime: string; label: string }>(`
      SELECT x.task, CAST(x.hadm_id AS VARCHAR) AS h, strftime(e.starttime, '%Y-%m-%d %H:%M:%S') AS intime, x.target[1] AS label
      FROM tasks.task_index x JOIN timeline.events e ON e.subject_id = x.subject_id AND e.seq = x.anchor
      WHERE x.task IN ('ICU_Stay_7day', 'ICU_Readmission', 'ICU_Mortality_7day')`);
    // One sample per task for each stay with another event of its admission in its first 24 h.
    const [withEvents] = await rawRows<{ n: bigint }>(`
      SELECT count(*) AS n FROM ${csv("icu", "icustays")} i WHERE EXISTS (SELECT 1 FROM adm_rows r WHERE r.hadm_id = i.hadm_id
        AND NOT (r.tbl = 'icustays' AND r.t = CAST(i.intime AS TIMESTAMP)) AND r.t >= CAST(i.intime AS TIMESTAMP) AND r.t < CAST(i.intime AS TIMESTAMP) + INTERVAL 24 HOUR)`);
    expect(rows.length).toBe(3 * Number(withEvents!.n));
    let decided = 0;
    for (const r of rows) {
      const s = byStay.get(`${r.h}|${r.intime}`)!;
      if (r.task === "ICU_Stay_7day") expect(r.label).toBe(s.hours >= 168 ? "yes" : "no");
      if (r.task === "ICU_Readmission") expect(r.label).toBe(s.readmitted ? "yes" : "no");
      if (r.task === "ICU_Mortality_7day") {
        // The horizon runs from the end of the first 24 h (between intime and intime + 24 h): decided unless death falls in that slack.
        if (s.dod_hours === null || s.dod_hours >= 168 + 24) expect(r.label).toBe("no");
        else if (s.dod_hours < 168) expect(r.label).toBe("yes");
        else continue;
        decided++;
      }
    }
    expect(decided).toBeGreaterThan(15);
    for (const task of ["ICU_Stay_7day", "ICU_Readmission", "ICU_Mortality_7day"])
      expect(new Set(rows.filter((r) => r.task === task).map((r) => r.label)), task).toEqual(new Set(["yes", "no"]));
  });

  it("labevents, prescriptions and transfers: the label is the next event's items, the window the reference's 24 h look-back", async () => {
    await build("labevents", "prescriptions", "transfers");
    const events = await index<{
      s: number;
      seq: number;
      f: string;
      t: string | null;
      end: string | null;
      h: number | null;
    }>(
      "SELECT subject_id AS s, seq, file_name AS f, strftime(starttime, '%Y-%m-%d %H:%M:%S') AS t, strftime(endtime, '%Y-%m-%d %H:%M:%S') AS end, hadm_id AS h FROM timeline.events ORDER BY 1, 2",
    );
    const bySubject = new Map<number, typeof events>();
    for (const e of events) (bySubject.get(e.s) ?? bySubject.set(e.s, []).get(e.s)!).push(e);
    const seconds = (t: string) => Date.parse(`${t.replace(" ", "T")}Z`) / 1000;
    // get_previous_context_event, written out as the reference loops it.
    const lookback = (trajectory: typeof events, t: number): number | null => {
      let begin: number | null = null;
      const now = trajectory[t]!.t;
      for (let i = t - 1; i > 0; i--) {
        const e = trajectory[i]!;
        if (e.t !== null && now !== null && (seconds(now) - seconds(e.t)) / 3600 < 24 && e.h === trajectory[t]!.h)
          begin = i;
      }
      return begin;
    };
    for (const [task, table, column, time] of [
      ["labevents", "labevents", "d.label", "charttime"],
      ["prescriptions", "prescriptions", "trim(l.drug)", "starttime"],
      // A transfer's care unit, or its event type where it has none (discharges).
      ["transfers", "transfers", "coalesce(l.careunit, l.eventtype)", "intime"],
    ] as const) {
      const samples = await index<{ s: number; anchor: number; b: number; target: string }>(
        `SELECT subject_id AS s, anchor, context_begin AS b, target FROM tasks.task_index WHERE task = '${task}'`,
      );
      const got = new Map(samples.map((x) => [`${x.s}|${x.anchor}`, x]));
      let expectedCount = 0;
      for (const [s, trajectory] of bySubject) {
        for (const e of trajectory) {
          if (e.f !== table) continue;
          const b = lookback(trajectory, e.seq);
          if (b === null) continue;
          expectedCount++;
          expect(got.get(`${s}|${e.seq}`)?.b, `${task} ${s} ${e.seq}`).toBe(b);
        }
      }
      expect(samples.length).toBe(expectedCount);
      // Events of one time: the label is the distinct names of that time's raw rows, in file order.
      const single = samples
        .filter((x) => {
          const e = bySubject.get(x.s)![x.anchor]!;
          return e.t === e.end;
        })
        .slice(0, 150);
      if (task === "transfers") expect(single.length, task).toBeGreaterThan(40);
      else expect(single.length, task).toBe(150);
      const dictionary = table === "labevents" ? `LEFT JOIN ${csv("hosp", "d_labitems")} d USING (itemid)` : "";
      await raw.run(`CREATE OR REPLACE TABLE names AS SELECT l.subject_id, CAST(l.${time} AS TIMESTAMP) AS t, ${column} AS v, line
        FROM (SELECT *, row_number() OVER () AS line FROM ${csv("hosp", table)}) l ${dictionary}`);
      for (const x of single) {
        const when = bySubject.get(x.s)![x.anchor]!.t!;
        const names = await rawRows<{ v: string | null }>(
          `SELECT v FROM names WHERE subject_id = '${x.s}' AND t = TIMESTAMP '${when}' ORDER BY line`,
        );
        const distinct = [...new Set(names.map((n) => n.v).filter((v): v is string => v !== null && v !== ""))];
        expect(x.target, `${task} ${x.s} ${x.anchor}`).toEqual(distinct);
      }
    }
  });

  it("never shows next_event's answer: an admission target is not rendered as the admission record", async () => {
    await build("next_event");
    const leaks = await index<{ n: bigint }>(
      "SELECT count(*) AS n FROM tasks.task_index WHERE task = 'next_event' AND admissions_id = anchor",
    );
    expect(leaks[0]!.n).toBe(0n);
    const admissionTargets = await index<{ n: bigint }>(
      "SELECT count(*) AS n FROM tasks.task_index WHERE task = 'next_event' AND event = 'admissions'",
    );
    expect(admissionTargets[0]!.n).toBeGreaterThan(0n);
  });

  it("weights each sample by the inverse mean frequency of its labels within its task", async () => {
    await build("services");
    const rows = await index<{ target: string[]; w: number }>(
      "SELECT target, target_weight AS w FROM tasks.task_index WHERE task = 'services'",
    );
    const freq = new Map<string, number>();
    for (const r of rows) for (const l of r.target) freq.set(l, (freq.get(l) ?? 0) + 1);
    for (const r of rows) {
      const labels = r.target;
      expect(r.w).toBeCloseTo(1 / (labels.reduce((a, l) => a + freq.get(l)!, 0) / labels.length), 12);
    }
  });
});
