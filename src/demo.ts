import { rmSync } from "node:fs";
import { Store } from "./store/database.js";
import { type StoreSummary, summarizeStore } from "./store/summary.js";
import { type IngestProgress, ingestMimic } from "./sources/mimic-iv/ingest.js";
import { mappingsInFolder } from "./sources/mimic-iv/mappings.js";
import { synthesizeCohort } from "./sources/synthetic/generate.js";
import { join } from "node:path";

export interface DemoOptions {
  cohortDir: string;
  dbPath: string;
  patients: number;
  seed: number;
  onSynthProgress?: (done: number, total: number) => void;
  onIngestProgress?: (event: IngestProgress) => void;
}

export interface DemoResult {
  cohortDir: string;
  dbPath: string;
  synthSeconds: number;
  ingestSeconds: number;
  store: StoreSummary;
}

/** The main job on the embedded default: nothing outside this package is read. Later stages extend it. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const synth = await synthesizeCohort(options.cohortDir, { patients: options.patients, seed: options.seed, force: true, onProgress: options.onSynthProgress });
  for (const suffix of ["", ".wal"]) rmSync(options.dbPath + suffix, { force: true });
  const ingest = await ingestMimic([synth.out], options.dbPath, {
    allTables: true,
    mappings: mappingsInFolder(join(synth.out, "mappings")),
    onProgress: options.onIngestProgress,
  });
  const store = await Store.open(options.dbPath, { readOnly: true });
  try {
    return { cohortDir: synth.out, dbPath: options.dbPath, synthSeconds: synth.seconds, ingestSeconds: ingest.seconds, store: await summarizeStore(store) };
  } finally {
    store.close();
  }
}
