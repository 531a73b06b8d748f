import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fitToBudget } from "../src/render/budget.js";
import { inputParts, joinInput } from "../src/render/sample.js";
import { ModelTokenizer } from "../src/render/tokenizer.js";
import { Store } from "../src/store/database.js";
import { readTrajectories, type EhrEvent } from "../src/timeline/read.js";
import { selectWindow } from "../src/timeline/select.js";
import { PACKAGE_ROOT } from "../src/version.js";

const PATIENTS = Number(process.env.BENCH_RENDER_PATIENTS ?? 1000);
const BATCH = 200;
/** Samples tokenized (tokenization is the slow step; a subset gives a stable rate). */
const TOKENIZED = Number(process.env.BENCH_TOKENIZED_SAMPLES ?? 300);

/**
 * Rendering on one core (DuckDB with one thread): one sample per admission (its events, admission
 * record and previous discharge note), for the first BENCH_RENDER_PATIENTS patients.
 * Lower bound for the text step: JSON.stringify of the same events (serialising the same data with
 * no formatting rules). Tokenization uses the shared Qwen3 tokenizer when present.
 */
export async function renderBenchmark(db: string, memoryLimit: string): Promise<Record<string, unknown>> {
  const store = await Store.open(db, { memoryLimit, threads: 1, readOnly: true });
  const trajectories: [number, EhrEvent[]][] = [];
  const readStarted = performance.now();
  try {
    const ids = (
      await store.rows<{ s: number }>(
        `SELECT DISTINCT subject_id AS s FROM timeline.events ORDER BY 1 LIMIT ${PATIENTS}`,
      )
    ).map((r) => r.s);
    for (let i = 0; i < ids.length; i += BATCH)
      trajectories.push(...(await readTrajectories(store, ids.slice(i, i + BATCH))));
  } finally {
    store.close();
  }
  const readSeconds = (performance.now() - readStarted) / 1000;
  const windows = trajectories.flatMap(([s, t]) =>
    [...new Set(t.filter((e) => e.file_name === "admissions").map((e) => Number(e.hadm_id)))].map((hadm) => ({
      t,
      w: selectWindow(t, { hadm }, s),
    })),
  );

  let chars = 0;
  const texts: string[] = [];
  const renderStarted = performance.now();
  for (const { t, w } of windows) {
    const text = joinInput(inputParts(t, w));
    chars += text.length;
    texts.push(text);
  }
  const renderSeconds = (performance.now() - renderStarted) / 1000;

  let jsonChars = 0;
  const jsonStarted = performance.now();
  for (const { t, w } of windows)
    jsonChars += JSON.stringify([t[0], t[w.admissionsId ?? 0], t.slice(w.begin, w.end)]).length;
  const jsonSeconds = (performance.now() - jsonStarted) / 1000;

  const result: Record<string, unknown> = {
    patients: trajectories.length,
    samples: windows.length,
    meanSampleChars: Math.round(chars / windows.length),
    readSeconds: +readSeconds.toFixed(2),
    readPatientsPerSecond: Math.round(trajectories.length / readSeconds),
    renderSeconds: +renderSeconds.toFixed(3),
    renderSamplesPerSecond: Math.round(windows.length / renderSeconds),
    renderMbPerSecond: +(chars / 2 ** 20 / renderSeconds).toFixed(1),
    lowerBoundJsonSeconds: +jsonSeconds.toFixed(3),
    lowerBoundJsonMbPerSecond: +(jsonChars / 2 ** 20 / jsonSeconds).toFixed(1),
    ratioRenderToJson: +(renderSeconds / jsonSeconds).toFixed(3),
    samplesPerSecondIncludingRead: Math.round(windows.length / (readSeconds + renderSeconds)),
  };

  const tokenizerDir = resolve(
    process.env.EHR_R1_DATA ?? join(PACKAGE_ROOT, "..", "shared", "data"),
    "tokenizers",
    "qwen3",
  );
  if (!existsSync(join(tokenizerDir, "tokenizer.json")))
    return { ...result, tokenization: `skipped: no tokenizer at ${tokenizerDir}` };
  const tokenizer = ModelTokenizer.load(tokenizerDir);
  // The rows are not needed for tokenizing: release them first.
  trajectories.length = 0;
  const subset = windows.slice(0, TOKENIZED);
  let tokens = 0;
  const tokenStarted = performance.now();
  for (const text of texts.slice(0, TOKENIZED)) tokens += tokenizer.encode(text).length;
  const tokenSeconds = (performance.now() - tokenStarted) / 1000;
  const renderSubsetSeconds = (renderSeconds * subset.length) / windows.length;
  const budgetStarted = performance.now();
  let dropped = 0;
  for (const { t, w } of subset)
    dropped += fitToBudget(inputParts(t, w), { maxTokens: 4096, counter: tokenizer }).droppedEvents > 0 ? 1 : 0;
  const budgetSeconds = (performance.now() - budgetStarted) / 1000;
  return {
    ...result,
    tokenizer: "Qwen3 (shared data)",
    tokenizedSamples: subset.length,
    meanSampleTokens: Math.round(tokens / subset.length),
    tokenizeSeconds: +tokenSeconds.toFixed(2),
    tokensPerSecond: Math.round(tokens / tokenSeconds),
    renderAndTokenizeSamplesPerSecond: Math.round(subset.length / (renderSubsetSeconds + tokenSeconds)),
    budgeted4096SamplesPerSecond: Math.round(subset.length / budgetSeconds),
    budgeted4096SamplesCut: dropped,
  };
}
