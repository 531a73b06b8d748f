import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { renderInput } from "../src/render/sample.js";
import { Store } from "../src/store/database.js";
import { exportPatientsEhr, importPatientsEhr } from "../src/timeline/interop.js";
import { readTrajectories } from "../src/timeline/read.js";
import { DEMO_DIR, DEMO_STORE_FILES, describeNeeding, tempDir } from "./helpers/data.js";
import { copyStore, DEMO_DB, openShared } from "./helpers/fixtures.js";

describeNeeding(DEMO_STORE_FILES, "patients_ehr parquet export and import", () => {
  const dir = tempDir();
  let built: Store;
  let imported: Store;
  let raw: DuckDBConnection;
  const subjects = [10000032, 10001217, 10002428];

  beforeAll(async () => {
    // The shared demo store read-only; the import goes into a copy whose timelines are dropped first.
    built = await openShared(DEMO_DB);
    imported = await Store.open(copyStore(DEMO_DB, dir, "b.duckdb"));
    await imported.exec("DROP SCHEMA timeline CASCADE; CREATE SCHEMA timeline");
    raw = await (await DuckDBInstance.create(":memory:")).connect();
    return () => {
      built.close();
      imported.close();
    };
  });

  it("writes one parquet per patient in the reference's layout, values as Python strings", async () => {
    const summary = await exportPatientsEhr(built, join(dir, "export-a"));
    expect(summary.patients).toBe(100);
    expect(readdirSync(join(dir, "export-a")).sort()).toHaveLength(100);
    const file = join(dir, "export-a", "10000032.parquet");
    const schema = (await raw.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`)).getRowObjectsJS() as {
      column_name: string;
      column_type: string;
    }[];
    expect(schema.map((c) => [c.column_name, c.column_type])).toEqual([
      ["file_name", "VARCHAR"],
      ["starttime", "VARCHAR"],
      ["endtime", "VARCHAR"],
      ["hadm_id", "VARCHAR"],
      ["items", "VARCHAR"],
    ]);
    const rows = (await raw.runAndReadAll(`SELECT * FROM '${file}'`)).getRowObjectsJS() as Record<
      string,
      string | null
    >[];
    // The demographics row, checked against the raw patients CSV line of this patient.
    const [patient] = (
      await raw.runAndReadAll(
        `SELECT * FROM read_csv('${join(DEMO_DIR, "hosp", "patients.csv.gz")}', all_varchar = true) WHERE subject_id = '10000032'`,
      )
    ).getRowObjectsJS() as Record<string, string | null>[];
    expect(rows[0]).toMatchObject({ file_name: "patients", starttime: null, endtime: null, hadm_id: null });
    expect(JSON.parse(rows[0]!.items!)).toEqual([
      { ...Object.fromEntries(Object.entries(patient!).map(([k, v]) => [k, v ?? "nan"])), file_name: "patients" },
    ]);
    const admission = rows.find((r) => r.file_name === "admissions")!;
    expect(admission.hadm_id).toMatch(/^\d+$/);
    expect(admission.starttime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it("imports what it exported: same trajectories, same text, same files again", async () => {
    const summary = await importPatientsEhr(imported, join(dir, "export-a"));
    expect(summary.patients).toBe(100);
    const a = await readTrajectories(built, subjects);
    const b = await readTrajectories(imported, subjects);
    for (const s of subjects) {
      expect(b.get(s)).toEqual(a.get(s));
      const trajectory = a.get(s)!;
      expect(renderInput(b.get(s)!, { begin: 1, end: trajectory.length })).toBe(
        renderInput(trajectory, { begin: 1, end: trajectory.length }),
      );
    }
    // Re-exported files hold the same rows; items compared as JSON (the text's spacing may differ).
    await exportPatientsEhr(imported, join(dir, "export-b"));
    const differences = (
      await raw.runAndReadAll(`
      (SELECT parse_filename(filename) AS f, file_row_number, * EXCLUDE (filename, file_row_number, items), json(items) AS items FROM read_parquet('${join(dir, "export-a")}/*.parquet', filename = true, file_row_number = true)
       EXCEPT
       SELECT parse_filename(filename), file_row_number, * EXCLUDE (filename, file_row_number, items), json(items) FROM read_parquet('${join(dir, "export-b")}/*.parquet', filename = true, file_row_number = true))`)
    ).getRowObjectsJS();
    expect(differences).toEqual([]);
  });

  it("names the file and event of a malformed patients_ehr row", async () => {
    const bad = join(dir, "bad");
    mkdirSync(bad);
    await raw.run(`COPY (SELECT 'patients' AS file_name, NULL::VARCHAR AS starttime, NULL::VARCHAR AS endtime, NULL::VARCHAR AS hadm_id, '[{"a": "1"}]' AS items
      UNION ALL SELECT 'labevents', '2180-01-01 00:00:00', '2180-01-01 00:00:00', '1', '{"not": "a list"' ) TO '${join(bad, "7.parquet")}' (FORMAT parquet)`);
    await expect(importPatientsEhr(imported, bad)).rejects.toThrow(/7\.parquet:2: event 1: items is not valid JSON/);
    await raw.run(`COPY (SELECT 'patients' AS file_name) TO '${join(bad, "8.parquet")}' (FORMAT parquet)`);
    await expect(importPatientsEhr(imported, bad)).rejects.toThrow(
      /column\(s\) starttime, endtime, hadm_id, items missing/,
    );
  });
});
