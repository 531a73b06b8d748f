import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { ingestMimic } from "../../src/sources/mimic-iv/ingest.js";
import { mappingsInFolder } from "../../src/sources/mimic-iv/mappings.js";
import { synthesizeCohort } from "../../src/sources/synthetic/generate.js";
import { Store } from "../../src/store/database.js";
import { buildTaskIndex } from "../../src/tasks/index-build.js";
import { buildTimeline } from "../../src/timeline/build.js";
import { DEMO_DIR, DEMO_STORE_FILES, MAPPINGS_DIR, missingFiles } from "./data.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The synthetic cohort every store-reading test shares: big enough for every task to have both labels. */
export const SYNTH_PATIENTS = 200;
export const SYNTH_SEED = 42;
export const LARGE_SYNTH_PATIENTS = 600;

/** Every file that can change what a fixture holds: the code, this builder, and the demo files. */
function fixtureKey(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(ROOT, "src"));
  hash.update(readFileSync(import.meta.filename));
  for (const dir of [join(DEMO_DIR, "hosp"), join(DEMO_DIR, "icu"), MAPPINGS_DIR]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const stat = statSync(join(dir, f));
      hash.update(`${dir}/${f}:${stat.size}:${stat.mtimeMs}`);
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** Builds into a staging folder and renames it, so a crashed or concurrent run never leaves half a fixture. */
async function cached(folder: string, build: (staging: string) => Promise<void>): Promise<void> {
  if (existsSync(join(folder, "done"))) return;
  const staging = `${folder}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  await build(staging);
  mkdirSync(join(staging, "done"));
  rmSync(folder, { recursive: true, force: true });
  try {
    renameSync(staging, folder);
  } catch (error) {
    // Another run finished the same fixture first.
    if (!existsSync(join(folder, "done"))) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
}

async function finishStore(db: string): Promise<void> {
  const store = await Store.open(db);
  try {
    await buildTimeline(store);
    await buildTaskIndex(store);
    await store.exec("CHECKPOINT");
  } finally {
    store.close();
  }
}

export interface Fixtures {
  /** The MIMIC-IV demo: every table (`--all-tables`), CCS mappings, timelines and all 46 task indexes. Empty when the demo is absent. */
  demoDb: string;
  /** The synthetic cohort (200 patients, seed 42) as files, and its store with mappings, timelines and task indexes. */
  synthCohort: string;
  synthDb: string;
  /** 600 patients (seed 42): enough for the baselines' intervals to clear chance. */
  largeSynthDb: string;
}

let building: Promise<Fixtures> | null = null;

/**
 * Builds (or finds, keyed by the code and data versions) the shared stores, once per test run: every
 * vitest project's setup calls this, and they share one build.
 */
export function buildFixtures(): Promise<Fixtures> {
  building ??= build();
  return building;
}

async function build(): Promise<Fixtures> {
  // One folder per checkout (a Stryker sandbox shares node_modules with the checkout it was copied from).
  const base = join(
    ROOT,
    "node_modules",
    ".cache",
    "ehr-r1-fixtures",
    createHash("sha256").update(ROOT).digest("hex").slice(0, 12),
  );
  const key = fixtureKey();
  mkdirSync(base, { recursive: true, mode: 0o700 });
  // Finished fixtures of older code versions of this checkout can never match again; half-built ones may be another run's.
  for (const old of readdirSync(base)) {
    if (!old.startsWith(key) && !old.includes(".partial-")) rmSync(join(base, old), { recursive: true, force: true });
  }
  const demo = join(base, `${key}-demo`);
  const synth = join(base, `${key}-synth`);
  const large = join(base, `${key}-synth-large`);
  const hasDemo = missingFiles(DEMO_STORE_FILES).length === 0;
  if (hasDemo) {
    await cached(demo, async (staging) => {
      await ingestMimic([DEMO_DIR], join(staging, "demo.duckdb"), {
        allTables: true,
        mappings: {
          ccsDiagnoses: join(MAPPINGS_DIR, "ccs_diagnoses.csv"),
          ccsProcedures: join(MAPPINGS_DIR, "ccs_procedures.csv"),
        },
      });
      await finishStore(join(staging, "demo.duckdb"));
    });
  }
  const synthStore = (folder: string, patients: number) =>
    cached(folder, async (staging) => {
      const cohort = join(staging, "cohort");
      await synthesizeCohort(cohort, { patients, seed: SYNTH_SEED });
      await ingestMimic([cohort], join(staging, "synth.duckdb"), {
        mappings: mappingsInFolder(join(cohort, "mappings")),
      });
      await finishStore(join(staging, "synth.duckdb"));
    });
  await synthStore(synth, SYNTH_PATIENTS);
  await synthStore(large, LARGE_SYNTH_PATIENTS);
  return {
    demoDb: hasDemo ? join(demo, "demo.duckdb") : "",
    synthCohort: join(synth, "cohort"),
    synthDb: join(synth, "synth.duckdb"),
    largeSynthDb: join(large, "synth.duckdb"),
  };
}
