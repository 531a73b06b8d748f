import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { exportDataset, groundTruthOf } from "./export/formats.js";
import { rewardFor } from "./rewards/core.js";
import { Store } from "./store/database.js";
import { type StoreSummary, summarizeStore } from "./store/summary.js";
import { type IngestProgress, ingestMimic } from "./sources/mimic-iv/ingest.js";
import { mappingsInFolder } from "./sources/mimic-iv/mappings.js";
import { synthesizeCohort } from "./sources/synthetic/generate.js";
import { join } from "node:path";
import { fitToBudget } from "./render/budget.js";
import { inputParts } from "./render/sample.js";
import { EstimatedTokenCounter } from "./render/tokenizer.js";
import { buildTimeline, type TimelineBuildSummary } from "./timeline/build.js";
import { readTrajectory } from "./timeline/read.js";
import { selectWindow } from "./timeline/select.js";
import { buildDataset, type DatasetRecord } from "./tasks/build-dataset.js";
import { buildTaskIndex, type IndexSummary } from "./tasks/index-build.js";
import type { SampleSummary } from "./tasks/sample.js";
import { readBenchmark } from "./eval/dataset.js";
import { PROFILES } from "./eval/profiles.js";
import { htmlReport, loadRun, markdownReport } from "./eval/report.js";
import { runBenchmark } from "./eval/runner.js";
import type { RunSummary } from "./eval/score.js";
import { trainingSubjects } from "./eval/training-split.js";
import { createBaselineProvider } from "./providers/baseline.js";

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
  timeline: TimelineBuildSummary;
  /** One admission rendered the way EHR-R1 models see it, within a token budget. */
  example: {
    subjectId: number;
    hadmId: number;
    maxTokens: number;
    tokens: number;
    droppedEvents: number;
    text: string;
  } | null;
  taskIndex: IndexSummary;
  /** A small EHR-Bench from the synthetic cohort (test split, 20 samples per task, risk tasks balanced). */
  bench: { folder: string; sampling: SampleSummary };
  /** The built-in baselines evaluated on that EHR-Bench, and the report written about them. */
  evaluation: { run: string; summary: RunSummary; report: string; markdown: string };
  /** The EHR-Bench as verl GRPO Parquet, and the baselines' outputs scored by the GRPO reward (EHR-R1 rules). */
  training: { verl: string; rows: number; baselineMeanReward: number };
}

const EXAMPLE_BUDGET = 1500;

/** The main job on the embedded default: nothing outside this package is read. Later stages extend it. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const synth = await synthesizeCohort(options.cohortDir, {
    patients: options.patients,
    seed: options.seed,
    force: true,
    onProgress: options.onSynthProgress,
  });
  for (const suffix of ["", ".wal"]) rmSync(options.dbPath + suffix, { force: true });
  const ingest = await ingestMimic([synth.out], options.dbPath, {
    allTables: true,
    mappings: mappingsInFolder(join(synth.out, "mappings")),
    onProgress: options.onIngestProgress,
  });
  const store = await Store.open(options.dbPath);
  try {
    const timeline = await buildTimeline(store);
    // The example: the first admission that came through the ED and reached the ICU (the richest records).
    const [pick] = await store.rows<{ s: number; h: number }>(`
      SELECT a.subject_id AS s, a.hadm_id AS h FROM hosp.admissions a
      WHERE EXISTS (SELECT 1 FROM ed.edstays e WHERE e.hadm_id = a.hadm_id) AND EXISTS (SELECT 1 FROM icu.icustays i WHERE i.hadm_id = a.hadm_id)
      ORDER BY a.subject_id, a.admittime LIMIT 1`);
    let example: DemoResult["example"] = null;
    if (pick) {
      const trajectory = await readTrajectory(store, pick.s);
      const parts = inputParts(trajectory, selectWindow(trajectory, { hadm: pick.h }, pick.s));
      const fitted = fitToBudget(parts, { maxTokens: EXAMPLE_BUDGET, counter: new EstimatedTokenCounter() });
      example = {
        subjectId: pick.s,
        hadmId: pick.h,
        maxTokens: EXAMPLE_BUDGET,
        tokens: fitted.tokens,
        droppedEvents: fitted.droppedEvents,
        text: fitted.input,
      };
    }
    const taskIndex = await buildTaskIndex(store);
    const bench = await buildDataset(store, {
      name: "ehr-bench",
      out: join(options.cohortDir, "..", "ehr-bench"),
      seed: options.seed,
      perTask: 20,
      balance: true,
      split: { kind: "ratio", testRatio: 0.3 },
      splitName: "test",
      force: true,
    });
    const data = bench.folder;
    const records = await readBenchmark(data);
    const baseline = await createBaselineProvider(store, records, {
      trainSubjects: await trainingSubjects(store, records),
      seed: options.seed,
    });
    const runDir = join(options.cohortDir, "..", "baseline-run");
    rmSync(runDir, { recursive: true, force: true });
    const run = await runBenchmark({ data, providers: [baseline], profile: PROFILES["ehr-r1"]!, out: runDir });
    const report = join(options.cohortDir, "..", "report.html");
    const markdown = join(options.cohortDir, "..", "report.md");
    const loaded = await loadRun(runDir);
    writeFileSync(report, htmlReport([loaded]), { mode: 0o600 });
    writeFileSync(markdown, markdownReport([loaded]), { mode: 0o600 });
    const training = await trainingHandOff(data, runDir, join(options.cohortDir, "..", "training"), records);
    return {
      cohortDir: synth.out,
      dbPath: options.dbPath,
      synthSeconds: synth.seconds,
      ingestSeconds: ingest.seconds,
      store: await summarizeStore(store),
      timeline,
      example,
      taskIndex,
      bench: { folder: bench.folder, sampling: bench.sampling },
      evaluation: { run: runDir, summary: run.summary, report, markdown },
      training,
    };
  } finally {
    store.close();
  }
}

/** The hand-off to RL engines: verl Parquet of the EHR-Bench, and the GRPO reward of the baselines' answers. */
async function trainingHandOff(
  data: string,
  runDir: string,
  folder: string,
  records: readonly DatasetRecord[],
): Promise<DemoResult["training"]> {
  const verl = join(folder, "ehr-bench.verl.parquet");
  const { rows } = await exportDataset({ format: "verl", data, out: verl, split: "test" });
  const gold = new Map(records.map((r) => [r.idx, groundTruthOf(r)]));
  let total = 0;
  let n = 0;
  for (const line of readFileSync(join(runDir, "results.jsonl"), "utf8").split("\n")) {
    if (!line.trim()) continue;
    const result = JSON.parse(line) as { idx: number; task: string; output: string | null };
    total += rewardFor(result.task, result.output ?? "", gold.get(result.idx)).score;
    n++;
  }
  return { verl, rows, baselineMeanReward: n ? total / n : 0 };
}
