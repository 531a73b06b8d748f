import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe } from "vitest";

/** The shared real-data folder: $EHR_R1_DATA, else ../shared/data from the project root. */
export const DATA_DIR = resolve(process.env.EHR_R1_DATA ?? join(import.meta.dirname, "..", "..", "..", "shared", "data"));
export const DEMO_DIR = join(DATA_DIR, "mimic-iv-demo-2.2");
export const MAPPINGS_DIR = join(DATA_DIR, "mappings");
export const hasData = existsSync(join(DEMO_DIR, "hosp", "patients.csv.gz"));
export const MEDCALC_CSV = join(DATA_DIR, "medcalc-bench", "test_data.csv");
export const EHRMIND_VERL_DIR = join(DATA_DIR, "ehrmind-verl");

if (!hasData) {
  console.warn(`\n*** ${DATA_DIR} not found: tests that read the shared real data are SKIPPED (set EHR_R1_DATA) ***\n`);
}

/** describe() for suites that need the shared data; skipped with a visible notice when it is absent. */
export const describeWithData = hasData ? describe : describe.skip;

/** A fresh temporary folder removed after the file's tests. */
export function tempDir(prefix = "ehr-r1-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
