import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesizeCohort } from "../src/sources/synthetic/generate.js";
import { Store } from "../src/store/database.js";
import { tempDir } from "./helpers/data.js";

/**
 * Rows per patient of real MIMIC-IV (v2.2/3.x published table sizes over about 300,000 patients),
 * the numbers issue "main job at its real size" gives; the profile must land within ±25% of each.
 */
const REAL_ROWS_PER_PATIENT: Record<string, number> = {
  "hosp/labevents": 393,
  "hosp/poe": 133,
  "hosp/emar": 90,
  "hosp/prescriptions": 51,
  "hosp/pharmacy": 45,
  "hosp/omr": 21,
  "hosp/diagnoses_icd": 16,
  "hosp/microbiologyevents": 11,
  "hosp/transfers": 6,
  "hosp/admissions": 1.4,
  "icu/chartevents": 1043,
  "icu/ingredientevents": 39,
  "icu/inputevents": 30,
  "icu/datetimeevents": 24,
  "icu/outputevents": 14,
  "icu/procedureevents": 2.3,
  "icu/icustays": 0.24,
  "ed/vitalsign": 5,
  "ed/medrecon": 10,
  "ed/pyxis": 5.3,
  "ed/edstays": 1.4,
  "note/discharge": 1.1,
  "note/radiology": 7.7,
};

describe("synth --profile mimic-iv: the density of real MIMIC-IV", () => {
  const dir = tempDir();

  it("rows per patient of every table the reference reads are within ±25% of MIMIC-IV's, with a long tail", async () => {
    const out = join(dir, "cohort");
    const patients = 1000;
    await synthesizeCohort(out, { patients, seed: 11, profile: "mimic-iv" });
    // Counted by DuckDB from the written files, not from the generator's own counters.
    const store = await Store.open(":memory:");
    try {
      const file = (t: string) => `'${join(out, `${t}.csv.gz`)}'`;
      for (const [table, real] of Object.entries(REAL_ROWS_PER_PATIENT)) {
        const n = Number(
          await store.value<bigint>(`SELECT count(*) FROM read_csv(${file(table)}, header = true, all_varchar = true)`),
        );
        const perPatient = n / patients;
        expect(
          perPatient / real,
          `${table}: ${perPatient.toFixed(2)} rows per patient against ${real}`,
        ).toBeGreaterThan(0.75);
        expect(perPatient / real, `${table}: ${perPatient.toFixed(2)} rows per patient against ${real}`).toBeLessThan(
          1.25,
        );
      }
      // Discharge notes of about 10 KB, frequent flyers with dozens of admissions, ICU stays of two weeks and more.
      const noteChars = await store.value<number>(
        `SELECT avg(length(text)) FROM read_csv(${file("note/discharge")}, header = true, all_varchar = true)`,
      );
      expect(noteChars).toBeGreaterThan(7_500);
      expect(noteChars).toBeLessThan(12_500);
      const mostAdmissions = await store.value<bigint>(
        `SELECT max(n) FROM (SELECT count(*) AS n FROM read_csv(${file("hosp/admissions")}, header = true, all_varchar = true) GROUP BY subject_id)`,
      );
      expect(Number(mostAdmissions)).toBeGreaterThanOrEqual(15);
      const longStays = await store.value<bigint>(
        `SELECT count(*) FROM read_csv(${file("icu/icustays")}, header = true) WHERE los >= 14`,
      );
      expect(Number(longStays)).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 180_000);
});
