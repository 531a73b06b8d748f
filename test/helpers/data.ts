import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, it } from "vitest";

/** The shared real-data folder: $EHR_R1_DATA, else ../shared/data from the project root. */
export const DATA_DIR = resolve(
  process.env.EHR_R1_DATA ?? join(import.meta.dirname, "..", "..", "..", "shared", "data"),
);
export const DEMO_DIR = join(DATA_DIR, "mimic-iv-demo-2.2");
export const MAPPINGS_DIR = join(DATA_DIR, "mappings");
export const QWEN3_DIR = join(DATA_DIR, "tokenizers", "qwen3");
export const MEDCALC_CSV = join(DATA_DIR, "medcalc-bench", "test_data.csv");
export const EHRMIND_VERL_DIR = join(DATA_DIR, "ehrmind-verl");

if (!existsSync(DATA_DIR))
  console.warn(
    `\n*** ${DATA_DIR} not found: tests that read the shared real data are SKIPPED, each naming the files it lacks (set EHR_R1_DATA) ***\n`,
  );

/** The demo's 30 tables, listed here (not read from the folder) so that a missing file is a skipped test, never a vanished one. */
export const DEMO_TABLES: readonly { module: string; name: string }[] = [
  ..."admissions d_hcpcs d_icd_diagnoses d_icd_procedures d_labitems diagnoses_icd drgcodes emar emar_detail hcpcsevents labevents microbiologyevents omr patients pharmacy poe poe_detail prescriptions procedures_icd provider services transfers"
    .split(" ")
    .map((name) => ({ module: "hosp", name })),
  ..."caregiver d_items datetimeevents icustays ingredientevents inputevents outputevents procedureevents"
    .split(" ")
    .map((name) => ({ module: "icu", name })),
];
export const demoFile = (module: string, name: string): string => join(DEMO_DIR, module, `${name}.csv.gz`);
export const DEMO_FILES: readonly string[] = DEMO_TABLES.map((t) => demoFile(t.module, t.name));
export const CCS_FILES: readonly string[] = [
  join(MAPPINGS_DIR, "ccs_diagnoses.csv"),
  join(MAPPINGS_DIR, "ccs_procedures.csv"),
];
/** What the shared demo store is built from (test/helpers/fixture-build.ts): every demo table and the CCS crosswalks. */
export const DEMO_STORE_FILES: readonly string[] = [...DEMO_FILES, ...CCS_FILES];
export const QWEN3_FILES: readonly string[] = [
  join(QWEN3_DIR, "tokenizer.json"),
  join(QWEN3_DIR, "tokenizer_config.json"),
];

/** The files of `paths` that are absent, relative to the shared data folder. */
export function missingFiles(paths: readonly string[]): string[] {
  return paths.filter((p) => !existsSync(p)).map((p) => relative(DATA_DIR, p));
}

const reported = new Set<string>();
function skipNote(name: string, missing: string[]): string {
  const shown =
    missing.length > 3 ? `${missing.slice(0, 3).join(", ")} and ${missing.length - 3} more` : missing.join(", ");
  const note = `${name} [SKIPPED: missing ${shown} (set EHR_R1_DATA)]`;
  if (!reported.has(note)) console.warn(`\n*** ${note} ***\n`);
  reported.add(note);
  return note;
}

/** describe() for a suite that reads `paths`: skipped, naming what is missing, when any is absent. */
export function describeNeeding(paths: readonly string[], name: string, fn: () => void): void {
  const missing = missingFiles(paths);
  if (missing.length) describe.skip(skipNote(name, missing), fn);
  else describe(name, fn);
}

/** it() for a test that reads `paths`: skipped, naming what is missing, when any is absent. */
export function itNeeding(
  paths: readonly string[],
  name: string,
  fn: () => Promise<void> | void,
  timeout?: number,
): void {
  const missing = missingFiles(paths);
  if (missing.length) it.skip(skipNote(name, missing), fn);
  else it(name, fn, timeout);
}

/** A fresh temporary folder removed after the file's tests. */
export function tempDir(prefix = "ehr-r1-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
