import { Store } from "../src/store/database.js";
import { buildTaskIndex } from "../src/tasks/index-build.js";

/** Full MIMIC-IV has about 300,000 patients (hosp v2.2: 299,712). */
const FULL_MIMIC_PATIENTS = 300_000;

/**
 * Indexing all 46 tasks, against a lower bound: one bare scan of the timelines it reads (every
 * column of timeline.rows and timeline.events). Extrapolation to full MIMIC-IV assumes linear
 * scaling in patients (patients are processed in independent shards).
 */
export async function tasksBenchmark(db: string, memoryLimit: string): Promise<Record<string, unknown>> {
  const store = await Store.open(db, { memoryLimit });
  try {
    const patients = Number(await store.value<bigint>("SELECT count(DISTINCT subject_id) FROM timeline.events"));
    const scanStarted = performance.now();
    await store.rows("SELECT count(*), count(COLUMNS(*)) FROM timeline.rows");
    await store.rows("SELECT count(*), count(COLUMNS(*)) FROM timeline.events");
    const scanSeconds = (performance.now() - scanStarted) / 1000;
    const summary = await buildTaskIndex(store);
    return {
      patients,
      tasks: summary.tasks.length,
      emptyTasks: summary.empty,
      samples: summary.samples,
      seconds: +summary.seconds.toFixed(2),
      samplesPerSecond: Math.round(summary.samples / summary.seconds),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      lowerBoundTimelineScanSeconds: +scanSeconds.toFixed(2),
      ratioIndexToScan: +(summary.seconds / scanSeconds).toFixed(1),
      extrapolatedFullMimicMinutes: +((summary.seconds * FULL_MIMIC_PATIENTS) / patients / 60).toFixed(1),
      goalFullMimicMinutes: 30,
    };
  } finally {
    store.close();
  }
}
