import { DuckDBInstance } from "@duckdb/node-api";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ingestMimic } from "../src/sources/mimic-iv/ingest.js";
import { mappingsInFolder } from "../src/sources/mimic-iv/mappings.js";
import { TABLES } from "../src/sources/mimic-iv/schema.js";
import { synthesizeCohort } from "../src/sources/synthetic/generate.js";
import { Store } from "../src/store/database.js";
import { headerOf } from "./helpers/csv.js";
import { DEMO_DIR, DEMO_FILES, describeNeeding, tempDir } from "./helpers/data.js";

function checksums(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const module of ["hosp", "icu", "ed", "note", "mappings"]) {
    for (const f of readdirSync(join(dir, module)).sort())
      out[`${module}/${f}`] = createHash("sha256")
        .update(readFileSync(join(dir, module, f)))
        .digest("hex");
  }
  return out;
}

describe("synthetic cohort: layout and determinism", () => {
  const dir = tempDir();

  it("writes every table the reference reads, in MIMIC-IV's file layout", async () => {
    const summary = await synthesizeCohort(join(dir, "a"), { patients: 60, seed: 7 });
    // Rows counted by DuckDB's CSV reader (note text holds quoted newlines, so lines are not rows).
    const raw = await (await DuckDBInstance.create(":memory:")).connect();
    let nonEmpty = 0;
    for (const spec of TABLES) {
      const path = join(dir, "a", spec.module, `${spec.name}.csv.gz`);
      expect(
        headerOf(path).map((c) => c.toLowerCase()),
        spec.name,
      ).toEqual(spec.columns.map(([c]) => c));
      const rows = Number(
        (
          await raw.runAndReadAll(`SELECT count(*) AS n FROM read_csv('${path}', all_varchar = true, header = true)`)
        ).getRowObjectsJS()[0]!.n,
      );
      expect(summary.rows[spec.name], spec.name).toBe(rows);
      if (rows > 0) nonEmpty++;
    }
    expect(summary.rows.patients).toBe(60);
    expect(nonEmpty).toBe(TABLES.length);
  });

  it("is deterministic: the same seed gives identical bytes, another seed different ones", async () => {
    await synthesizeCohort(join(dir, "b"), { patients: 60, seed: 7 });
    await synthesizeCohort(join(dir, "c"), { patients: 60, seed: 8 });
    const a = checksums(join(dir, "a"));
    expect(checksums(join(dir, "b"))).toEqual(a);
    const c = checksums(join(dir, "c"));
    expect(c["hosp/labevents.csv.gz"]).not.toBe(a["hosp/labevents.csv.gz"]);
    expect(c["hosp/d_labitems.csv.gz"]).toBe(a["hosp/d_labitems.csv.gz"]);
  });

  it("refuses to overwrite a non-empty folder without force", async () => {
    await expect(synthesizeCohort(join(dir, "a"), { patients: 5, seed: 1 })).rejects.toThrow(/exists and is not empty/);
  });
});

describeNeeding(DEMO_FILES, "synthetic cohort: same columns as the MIMIC-IV demo", () => {
  const dir = tempDir();
  it("has, for every demo table, the demo's exact header", async () => {
    await synthesizeCohort(join(dir, "s"), { patients: 20, seed: 3 });
    const demoTables = ["hosp", "icu"].flatMap((m) =>
      readdirSync(join(DEMO_DIR, m))
        .filter((f) => f.endsWith(".csv.gz"))
        .map((f) => `${m}/${f}`),
    );
    expect(demoTables).toHaveLength(30);
    for (const rel of demoTables) expect(headerOf(join(dir, "s", rel)), rel).toEqual(headerOf(join(DEMO_DIR, rel)));
  });

  it("loads with the demo's column types and no rejected row", async () => {
    const demoDb = join(dir, "demo.duckdb");
    const synthDb = join(dir, "synth.duckdb");
    await ingestMimic([DEMO_DIR], demoDb, { allTables: true });
    const summary = await ingestMimic([join(dir, "s")], synthDb, { allTables: true });
    expect(summary.rejectedRows).toBe(0);
    const types = async (db: string) => {
      const store = await Store.open(db, { readOnly: true });
      try {
        return await store.rows(
          "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns WHERE table_schema IN ('hosp','icu') AND table_name <> 'chartevents' ORDER BY ALL",
        );
      } finally {
        store.close();
      }
    };
    expect(await types(synthDb)).toEqual(await types(demoDb));
  });
});

describe("synthetic cohort of 1,000 patients: every risk outcome has positives and negatives", () => {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    await synthesizeCohort(join(dir, "cohort"), { patients: 1000, seed: 42, gzipLevel: 1 });
    await ingestMimic([join(dir, "cohort")], join(dir, "c.duckdb"), {
      mappings: mappingsInFolder(join(dir, "cohort", "mappings")),
    });
    store = await Store.open(join(dir, "c.duckdb"), { readOnly: true });
    return () => store.close();
  }, 300_000);

  // Each query returns (positives, negatives) for one outcome, written from the raw tables' definitions.
  const outcomes: Record<string, string> = {
    ED_Hospitalization:
      "SELECT count(*) FILTER (hadm_id IS NOT NULL), count(*) FILTER (hadm_id IS NULL) FROM ed.edstays",
    ED_Inpatient_Mortality:
      "SELECT count(*) FILTER (a.hospital_expire_flag = 1), count(*) FILTER (a.hospital_expire_flag = 0) FROM ed.edstays e JOIN hosp.admissions a USING (hadm_id)",
    ED_ICU_Transfer_12hour: `SELECT count(*) FILTER (icu_in IS NOT NULL AND icu_in - e.outtime < INTERVAL 12 HOUR), count(*) FILTER (icu_in IS NULL OR icu_in - e.outtime >= INTERVAL 12 HOUR)
      FROM ed.edstays e LEFT JOIN (SELECT hadm_id, min(intime) AS icu_in FROM icu.icustays GROUP BY 1) i USING (hadm_id)`,
    ED_Reattendance_3day: `SELECT count(*) FILTER (nxt - outtime < INTERVAL 72 HOUR), count(*) FILTER (nxt IS NULL OR nxt - outtime >= INTERVAL 72 HOUR)
      FROM (SELECT outtime, lead(intime) OVER (PARTITION BY subject_id ORDER BY intime) AS nxt FROM ed.edstays)`,
    Readmission_30day: `SELECT count(*) FILTER (nxt - charttime < INTERVAL 30 DAY), count(*) FILTER (nxt IS NULL OR nxt - charttime >= INTERVAL 30 DAY)
      FROM (SELECT d.charttime, (SELECT min(a.admittime) FROM hosp.admissions a WHERE a.subject_id = d.subject_id AND a.admittime > d.charttime AND a.hadm_id <> d.hadm_id) AS nxt FROM note.discharge d)`,
    Readmission_60day: `SELECT count(*) FILTER (nxt - charttime < INTERVAL 60 DAY), count(*) FILTER (nxt IS NULL OR nxt - charttime >= INTERVAL 60 DAY)
      FROM (SELECT d.charttime, (SELECT min(a.admittime) FROM hosp.admissions a WHERE a.subject_id = d.subject_id AND a.admittime > d.charttime AND a.hadm_id <> d.hadm_id) AS nxt FROM note.discharge d)`,
    Inpatient_Mortality:
      "SELECT count(*) FILTER (hospital_expire_flag = 1 AND deathtime IS NOT NULL), count(*) FILTER (hospital_expire_flag = 0) FROM hosp.admissions",
    LengthOfStay_3day:
      "SELECT count(*) FILTER (dischtime - admittime > INTERVAL 3 DAY), count(*) FILTER (dischtime - admittime <= INTERVAL 3 DAY) FROM hosp.admissions",
    LengthOfStay_7day:
      "SELECT count(*) FILTER (dischtime - admittime > INTERVAL 7 DAY), count(*) FILTER (dischtime - admittime <= INTERVAL 7 DAY) FROM hosp.admissions",
    ...Object.fromEntries(
      [1, 2, 3, 7, 14].map((n) => [
        `ICU_Mortality_${n}day`,
        `SELECT count(*) FILTER (p.dod IS NOT NULL AND p.dod::TIMESTAMP - (i.intime + INTERVAL 24 HOUR) < INTERVAL ${n} DAY), count(*) FILTER (p.dod IS NULL OR p.dod::TIMESTAMP - (i.intime + INTERVAL 24 HOUR) >= INTERVAL ${n} DAY)
       FROM icu.icustays i JOIN hosp.patients p USING (subject_id)`,
      ]),
    ),
    ICU_Stay_7day:
      "SELECT count(*) FILTER (outtime - intime >= INTERVAL 7 DAY), count(*) FILTER (outtime - intime < INTERVAL 7 DAY) FROM icu.icustays",
    ICU_Stay_14day:
      "SELECT count(*) FILTER (outtime - intime >= INTERVAL 14 DAY), count(*) FILTER (outtime - intime < INTERVAL 14 DAY) FROM icu.icustays",
    ICU_Readmission:
      "SELECT count(*) FILTER (n > 1), count(*) FILTER (n = 1) FROM (SELECT hadm_id, count(*) AS n FROM icu.icustays GROUP BY 1)",
    dod_after_discharge:
      "SELECT count(*) FILTER (p.dod IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hosp.admissions a WHERE a.subject_id = p.subject_id AND a.hospital_expire_flag = 1)), count(*) FILTER (p.dod IS NULL) FROM hosp.patients p",
  };

  it.each(Object.entries(outcomes))("%s", async (_name, sql) => {
    const [row] = await store.rows<Record<string, bigint>>(sql);
    const [positives, negatives] = Object.values(row!).map(Number);
    expect(positives).toBeGreaterThan(0);
    expect(negatives).toBeGreaterThan(0);
  });

  it("fills every event table of the reference", async () => {
    const empty = [];
    for (const spec of TABLES.filter((t) => t.role === "event")) {
      if (Number(await store.value(`SELECT count(*) FROM ${spec.module}.${spec.name}`)) === 0) empty.push(spec.name);
    }
    expect(empty).toEqual([]);
  });

  it("is coherent: deaths match dod, ICU stays sit inside admissions, lab values are plausible", async () => {
    const checks = await store.rows<Record<string, unknown>>(`SELECT
      (SELECT count(*) FROM hosp.admissions a JOIN hosp.patients p USING (subject_id) WHERE a.hospital_expire_flag = 1 AND p.dod <> a.deathtime::DATE) AS death_mismatch,
      (SELECT count(*) FROM icu.icustays i JOIN hosp.admissions a USING (hadm_id) WHERE i.intime < a.admittime OR i.outtime > a.dischtime) AS icu_outside,
      (SELECT count(*) FROM hosp.admissions a JOIN hosp.patients p USING (subject_id) WHERE p.dod < a.admittime::DATE) AS admitted_after_death,
      (SELECT round(median(valuenum)) FROM hosp.labevents WHERE itemid = 50983) AS sodium_median,
      (SELECT count(*) FROM hosp.labevents l ANTI JOIN hosp.d_labitems USING (itemid)) AS unknown_labs,
      (SELECT count(*) FROM icu.chartevents c ANTI JOIN icu.d_items USING (itemid)) AS unknown_chart_items,
      (SELECT count(*) FROM hosp.diagnoses_icd x ANTI JOIN mapping.ccs_diagnoses USING (icd_code, icd_version)) AS unmapped_dx,
      (SELECT count(*) FROM hosp.prescriptions x ANTI JOIN mapping.ndc_atc m USING (ndc) WHERE x.ndc <> '0') AS unmapped_ndc`);
    expect(checks[0]).toEqual({
      death_mismatch: 0n,
      icu_outside: 0n,
      admitted_after_death: 0n,
      sodium_median: expect.anything(),
      unknown_labs: 0n,
      unknown_chart_items: 0n,
      unmapped_dx: 0n,
      unmapped_ndc: 0n,
    });
    expect(Number(checks[0]!.sodium_median)).toBeGreaterThanOrEqual(133);
    expect(Number(checks[0]!.sodium_median)).toBeLessThanOrEqual(145);
  });
});
