import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { renderEvent } from "../src/render/markdown.js";
import { ingestMimic } from "../src/sources/mimic-iv/ingest.js";
import { Store } from "../src/store/database.js";
import { buildTimeline } from "../src/timeline/build.js";
import { readTrajectory, type EhrEvent } from "../src/timeline/read.js";
import { tempDir } from "./helpers/data.js";

/**
 * A hand-made record whose event order and text were worked out by hand from the spec's rules
 * (reference-data-and-tasks.md §3, §4, §6): every ordering rule is exercised once.
 */
const FILES: Record<string, string> = {
  "hosp/patients.csv": "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod\n1,F,52,2180,2014 - 2016,\n",
  "hosp/admissions.csv":
    "subject_id,hadm_id,admittime,dischtime,admission_type,admission_location\n1,100,2180-06-26 18:27:00,2180-06-27 18:49:00,EW EMER.,EMERGENCY ROOM\n",
  "hosp/labevents.csv":
    "labevent_id,subject_id,hadm_id,itemid,charttime,valuenum,valueuom,ref_range_lower,ref_range_upper,flag,comments\n" +
    "1,1,100,50983,2180-06-27 05:10:00,136,mEq/L,133,145,,\n" +
    "2,1,100,50912,2180-06-27 05:10:00,1.2,mg/dL,0.4,1.1,abnormal,VERIFIED\n" +
    "3,1,100,51237,2180-06-27 06:00:00,,,,,,\n" +
    "4,1,,50983,2180-06-20 08:00:00,140,mEq/L,133,145,,\n" +
    "5,1,100,50912,2180-06-26 18:27:00,1.0,mg/dL,0.4,1.1,,\n",
  "hosp/d_labitems.csv":
    "itemid,label,fluid,category\n50983,Sodium,Blood,Chemistry\n50912,Creatinine,Blood,Chemistry\n",
  "hosp/microbiologyevents.csv":
    "microevent_id,subject_id,hadm_id,chartdate,charttime,test_name\n1,1,100,2180-06-27 00:00:00,,BLOOD CULTURE\n",
  "hosp/omr.csv": "subject_id,chartdate,seq_num,result_name,result_value\n1,2180-06-27,1,Weight (Lbs),94\n",
  "hosp/transfers.csv":
    "subject_id,hadm_id,transfer_id,eventtype,careunit,intime,outtime\n1,100,7,discharge,,2180-06-27 18:49:00,\n",
  "hosp/diagnoses_icd.csv":
    "subject_id,hadm_id,seq_num,icd_code,icd_version\n1,100,1,5723,9\n1,100,2,78959,9\n1,999,1,0389,9\n",
  "hosp/drgcodes.csv": "subject_id,hadm_id,drg_type,drg_code,description\n1,100,HCFA,442,DISORDERS OF LIVER\n",
  "ed/edstays.csv": "subject_id,hadm_id,stay_id,intime,outtime\n1,100,500,2180-06-26 15:54:00,2180-06-26 21:31:00\n",
  "ed/triage.csv":
    "subject_id,stay_id,temperature,heartrate,resprate,o2sat,sbp,dbp,pain,acuity,chiefcomplaint\n1,500,97.9,93,16,96,113,66,0,2,Abdominal distention\n" +
    // Another patient's stay with vitals missing, as real files have: pandas then reads the columns as float.
    "2,501,,,,,,,,,\n",
  "ed/diagnosis.csv":
    "subject_id,stay_id,seq_num,icd_code,icd_version,icd_title\n1,500,1,5723,9,PORTAL HYPERTENSION\n1,500,2,78959,9,OTHER ASCITES\n",
};

const EXPECTED_ORDER: [string, string | null, number][] = [
  ["patients", null, 1],
  ["labevents", "2180-06-20 08:00:00", 1],
  ["edstays", "2180-06-26 15:54:00", 1],
  ["triage", "2180-06-26 15:54:01", 1], // ED arrival + 1 s
  ["admissions", "2180-06-26 18:27:00", 1], // ties: hosp tables alphabetically, admissions < labevents
  ["labevents", "2180-06-26 18:27:00", 1],
  ["diagnosis", "2180-06-26 21:31:00", 2], // ED diagnoses at ED departure
  ["microbiologyevents", "2180-06-27 00:00:00", 1], // NULL charttime → chartdate; microbiologyevents < omr
  ["omr", "2180-06-27 00:00:00", 1], // date-only at midnight
  ["labevents", "2180-06-27 05:10:00", 3], // consecutive rows of one table: one event, whatever their times
  ["transfers", "2180-06-27 18:49:00", 1], // the admission's last timed row
  ["diagnoses_icd", null, 2], // untimed: right after it
  ["drgcodes", null, 1], // then DRG codes
  ["diagnoses_icd", null, 1], // an admission with no timed row: at the end
];

describe("timeline ordering and grouping rules", () => {
  const dir = tempDir();
  const db = join(dir, "rules.duckdb");
  let store: Store;
  let trajectory: EhrEvent[];

  beforeAll(async () => {
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, "mimic", rel)), { recursive: true });
      writeFileSync(join(dir, "mimic", rel), text);
    }
    await ingestMimic([join(dir, "mimic")], db);
    store = await Store.open(db);
    await buildTimeline(store);
    trajectory = await readTrajectory(store, 1);
    return () => store.close();
  });

  it("orders and groups events as the spec's rules say", () => {
    expect(trajectory.map((e) => [e.file_name, e.starttime, e.items.length])).toEqual(EXPECTED_ORDER);
    expect(trajectory[9]!.endtime).toBe("2180-06-27 06:00:00");
    expect(trajectory.map((e) => e.hadm_id)).toEqual([
      null,
      null,
      "100",
      null,
      "100",
      "100",
      null,
      "100",
      null,
      "100",
      "100",
      "100",
      "100",
      "999",
    ]);
  });

  it("adds the reference's synthetic charttime to triage and ED diagnosis rows", () => {
    expect(trajectory[3]!.items[0]!.charttime).toBe("2180-06-26 15:54:01");
    expect(trajectory[6]!.items.map((i) => i.charttime)).toEqual(["2180-06-26 21:31:00", "2180-06-26 21:31:00"]);
  });

  it("stringifies values as pandas + str() did: floats for nullable integer columns", () => {
    const lab = trajectory[9]!.items[0]!;
    expect(lab).toMatchObject({
      subject_id: "1",
      hadm_id: "100.0",
      itemid: "50983",
      valuenum: "136.0",
      flag: "nan",
      file_name: "labevents",
    });
    expect(trajectory[0]!.items[0]).toMatchObject({ anchor_age: "52", gender: "F", dod: "nan" });
  });

  it("renders a multi-row lab event as the reference's markdown table", () => {
    expect(renderEvent(trajectory[9]!)).toBe(
      "## Labotary Test Events [2180-06-27 05:10:00]\n" +
        "| Item_Name | Valuenum | Valueuom | Ref_Range_Lower | Ref_Range_Upper | Flag | Comments |\n" +
        "| ------ | ------ | ------ | ------ | ------ | ------ | ------ |\n" +
        "| Sodium | 136.0 | mEq/L | 133.0 | 145.0 | nan | nan |\n" +
        "| Creatinine | 1.2 | mg/dL | 0.4 | 1.1 | abnormal | VERIFIED |\n" +
        "| None | nan | nan | nan | nan | nan | nan |",
    );
  });

  it("renders triage as the spec's example", () => {
    expect(renderEvent(trajectory[3]!)).toBe(
      "## Triage [2180-06-26 15:54:01]\n- Temperature: 97.9\n- Heartrate: 93.0\n- Resprate: 16.0\n- O2Sat: 96.0\n- Sbp: 113.0\n- Dbp: 66.0\n- Pain: 0\n- Acuity: 2.0\n- Chiefcomplaint: Abdominal distention",
    );
  });

  it("lets --table-order decide ties", async () => {
    await buildTimeline(store, { tableOrder: ["labevents"] });
    const reordered = await readTrajectory(store, 1);
    expect(reordered.slice(4, 6).map((e) => e.file_name)).toEqual(["labevents", "admissions"]);
    await buildTimeline(store);
  });

  it("says which tables are missing", async () => {
    const empty = await Store.open(join(dir, "empty.duckdb"));
    try {
      await expect(buildTimeline(empty)).rejects.toThrow(
        /cannot build timelines without hosp\.patients and hosp\.admissions/,
      );
    } finally {
      empty.close();
    }
    await expect(readTrajectory(store, 42)).rejects.toThrow(
      /subject_id 42 is not in .*rules\.duckdb \(2 patients have timelines\)/,
    );
  });
});

describe("stale timelines", () => {
  const dir = tempDir();

  it("refuse to read after a source table was reloaded", async () => {
    const root = join(dir, "mimic");
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    const db = join(dir, "s.duckdb");
    await ingestMimic([root], db);
    let store = await Store.open(db);
    await buildTimeline(store);
    expect((await readTrajectory(store, 1)).length).toBe(EXPECTED_ORDER.length);
    store.close();
    writeFileSync(
      join(root, "hosp/labevents.csv"),
      FILES["hosp/labevents.csv"]!.split("\n").slice(0, 3).join("\n") + "\n",
    );
    await ingestMimic([root], db);
    store = await Store.open(db);
    try {
      await expect(readTrajectory(store, 1)).rejects.toThrow(
        /hosp\.labevents was reloaded .* after the timelines were built: run `ehr-r1 timeline build/,
      );
      await buildTimeline(store);
      expect(
        (await readTrajectory(store, 1)).filter((e) => e.file_name === "labevents").flatMap((e) => e.items),
      ).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});
