import { copyFileSync, mkdirSync, readdirSync, statSync, symlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { ingestMimic, type IngestSummary } from "../src/sources/mimic-iv/ingest.js";
import { TABLES } from "../src/sources/mimic-iv/schema.js";
import { Store } from "../src/store/database.js";
import { dataLineCount } from "./helpers/csv.js";
import {
  DEMO_DIR,
  DEMO_STORE_FILES,
  DEMO_TABLES,
  demoFile,
  describeNeeding,
  MAPPINGS_DIR,
  tempDir,
} from "./helpers/data.js";

describeNeeding([...DEMO_STORE_FILES, join(DEMO_DIR, "SHA256SUMS.txt")], "ingest of the MIMIC-IV demo", () => {
  const dir = tempDir();
  const db = join(dir, "demo.duckdb");
  let summary: IngestSummary;
  let store: Store;
  const started: string[] = [];

  beforeAll(async () => {
    summary = await ingestMimic([DEMO_DIR], db, {
      allTables: true,
      onProgress: (p) => void (p.kind === "start" && started.push(p.table)),
      mappings: {
        ccsDiagnoses: join(MAPPINGS_DIR, "ccs_diagnoses.csv"),
        ccsProcedures: join(MAPPINGS_DIR, "ccs_procedures.csv"),
      },
    });
    store = await Store.open(db, { readOnly: true });
    return () => store.close();
  });

  // The fixed list of the demo's tables: without the data these 30 tests are skipped, not dropped.
  const demoFiles = DEMO_TABLES.map((t) => ({ ...t, path: demoFile(t.module, t.name) }));

  it("loads every demo file that has a schema, and nothing is left unknown", () => {
    expect(summary.unknownFiles).toEqual([]);
    expect(summary.tables.map((t) => t.table).sort()).toEqual(demoFiles.map((f) => `${f.module}.${f.name}`).sort());
    expect(demoFiles.length).toBe(30);
  });

  it("starts the largest files first, so the longest load does not run alone at the end", () => {
    // Every demo file is gzipped, so the order is by size on disk.
    const bySize = [...demoFiles]
      .sort((a, b) => statSync(b.path).size - statSync(a.path).size)
      .map((f) => `${f.module}.${f.name}`);
    expect(started).toEqual(bySize);
  });

  it.each(demoFiles)("$module.$name has exactly the file's data lines", async ({ module, name, path }) => {
    const rows = Number(await store.value<bigint>(`SELECT count(*) FROM ${module}.${name}`));
    expect(rows).toBe(dataLineCount(path));
  });

  it("matches the published demo facts", async () => {
    const facts = await store.rows<Record<string, bigint>>(`SELECT
      (SELECT count(*) FROM hosp.admissions WHERE hospital_expire_flag = 1) AS expired,
      (SELECT count(*) FROM hosp.patients WHERE dod IS NOT NULL) AS with_dod,
      (SELECT count(DISTINCT subject_id) FROM icu.icustays) AS icu_patients,
      (SELECT count(*) FROM hosp.diagnoses_icd WHERE icd_version = 9) AS icd9,
      (SELECT min(year(admittime)) FROM hosp.admissions) AS first_year,
      (SELECT max(year(admittime)) FROM hosp.admissions) AS last_year`);
    expect(facts[0]).toEqual({
      expired: 15n,
      with_dod: 31n,
      icu_patients: 100n,
      icd9: 2193n,
      first_year: expect.any(BigInt),
      last_year: expect.any(BigInt),
    });
    expect(Number(facts[0]!.first_year)).toBeGreaterThanOrEqual(2110);
    expect(Number(facts[0]!.last_year)).toBeLessThanOrEqual(2210);
  });

  it("types every column as the schema says (no sniffing)", async () => {
    const actual = await store.rows<{ t: string; c: string; type: string }>(
      "SELECT table_schema || '.' || table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns WHERE table_schema IN ('hosp', 'icu')",
    );
    const got = new Map(actual.map((r) => [`${r.t}.${r.c}`, r.type]));
    for (const spec of TABLES.filter((t) => t.module === "hosp" || t.module === "icu")) {
      if (spec.name === "chartevents") continue; // absent from the demo
      for (const [column, type] of spec.columns)
        expect(got.get(`${spec.module}.${spec.name}.${column}`), `${spec.name}.${column}`).toBe(type);
    }
    expect(got.get("hosp.labevents.charttime")).toBe("TIMESTAMP");
    expect(got.get("hosp.patients.dod")).toBe("DATE");
    expect(got.get("hosp.diagnoses_icd.icd_code")).toBe("VARCHAR");
    expect(got.get("hosp.prescriptions.ndc")).toBe("VARCHAR");
  });

  it("keeps leading zeros of codes", async () => {
    // Independent check: ICD-9 codes with a leading zero, counted straight from the CSV text.
    const fromFile = (await import("./helpers/csv.js"))
      .fileText(join(DEMO_DIR, "hosp", "diagnoses_icd.csv.gz"))
      .split("\n")
      .slice(1)
      .filter((l) => l.split(",")[3]?.startsWith("0")).length;
    const inStore = Number(
      await store.value<bigint>("SELECT count(*) FROM hosp.diagnoses_icd WHERE icd_code LIKE '0%'"),
    );
    expect(fromFile).toBeGreaterThan(0);
    expect(inStore).toBe(fromFile);
  });

  it("resolves the joins the pipeline relies on", async () => {
    const orphans = await store.rows<Record<string, bigint>>(`SELECT
      (SELECT count(*) FROM hosp.labevents l ANTI JOIN hosp.d_labitems d USING (itemid)) AS lab_items,
      (SELECT count(*) FROM icu.icustays i ANTI JOIN hosp.admissions a USING (hadm_id)) AS icu_admissions,
      (SELECT count(*) FROM hosp.admissions a ANTI JOIN hosp.patients p USING (subject_id)) AS admission_patients,
      (SELECT count(*) FROM icu.inputevents e ANTI JOIN icu.d_items d USING (itemid)) AS input_items,
      (SELECT count(*) FROM hosp.diagnoses_icd x ANTI JOIN hosp.d_icd_diagnoses d USING (icd_code, icd_version)) AS dx_titles,
      (SELECT count(*) FROM hosp.diagnoses_icd x ANTI JOIN mapping.ccs_diagnoses d USING (icd_code, icd_version)) AS dx_ccs,
      (SELECT count(*) FROM hosp.procedures_icd x ANTI JOIN mapping.ccs_procedures d USING (icd_code, icd_version)) AS px_ccs`);
    expect(orphans[0]).toEqual({
      lab_items: 0n,
      icu_admissions: 0n,
      admission_patients: 0n,
      input_items: 0n,
      dx_titles: 0n,
      dx_ccs: 0n,
      px_ccs: 0n,
    });
  });

  it("records provenance for every load", async () => {
    const rows = await store.rows<{ table_name: string; rows: bigint; size_bytes: bigint; tool_version: string }>(
      "SELECT table_name, rows, size_bytes, tool_version FROM meta.loads",
    );
    expect(rows).toHaveLength(32);
    const labs = rows.find((r) => r.table_name === "hosp.labevents")!;
    expect(labs.rows).toBe(107_727n);
    expect(Number(labs.size_bytes)).toBe(1_963_979);
    expect(labs.tool_version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("checks every file against the demo's SHA256SUMS.txt and records the published checksum", async () => {
    const { readFileSync } = await import("node:fs");
    const published = new Map(
      readFileSync(join(DEMO_DIR, "SHA256SUMS.txt"), "utf8")
        .trim()
        .split("\n")
        .map((l) => [l.split(" ").at(-1)!, l.split(" ")[0]!] as const),
    );
    const rows = (
      await store.rows<{ path: string; sha256: string | null }>("SELECT source_path AS path, sha256 FROM meta.loads")
    ).filter((r) => r.path.startsWith(DEMO_DIR));
    expect(rows).toHaveLength(30); // the 32 loads less the two mapping files
    for (const r of rows) expect(r.sha256, r.path).toBe(published.get(r.path.slice(DEMO_DIR.length + 1)));
  });
});

describeNeeding(DEMO_STORE_FILES, "re-ingest", () => {
  const dir = tempDir();
  const root = join(dir, "mimic");

  beforeAll(() => {
    // Links to the demo files, except one small table that the test changes.
    for (const module of ["hosp", "icu"]) {
      mkdirSync(join(root, module), { recursive: true });
      for (const file of readdirSync(join(DEMO_DIR, module))) {
        if (file === "services.csv.gz") copyFileSync(join(DEMO_DIR, module, file), join(root, module, file));
        else symlinkSync(join(DEMO_DIR, module, file), join(root, module, file));
      }
    }
  });

  it("does nothing for unchanged files and reloads only a changed one", async () => {
    const db = join(dir, "re.duckdb");
    const first = await ingestMimic([root], db, {});
    expect(first.tables.every((t) => t.status === "loaded")).toBe(true);
    const second = await ingestMimic([root], db, {});
    expect(second.tables.every((t) => t.status === "unchanged")).toBe(true);

    const services = join(root, "hosp", "services.csv.gz");
    const { gzipSync, gunzipSync } = await import("node:zlib");
    const { readFileSync, writeFileSync } = await import("node:fs");
    const text = gunzipSync(readFileSync(services)).toString() + "10000032,29079034,2180-07-23 12:00:00,MED,SURG\n";
    writeFileSync(services, gzipSync(text));
    utimesSync(services, new Date(), new Date(Date.now() + 5000));
    const third = await ingestMimic([root], db, {});
    expect(third.tables.filter((t) => t.status === "loaded").map((t) => t.table)).toEqual(["hosp.services"]);
    expect(third.tables.find((t) => t.table === "hosp.services")!.rows).toBe(320);
  });
});
