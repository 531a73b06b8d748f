import { assertTaskIndex } from "../tasks/target.js";
import { createRequire } from "node:module";
import { Matrix } from "ml-matrix";
import { EVENT_FORMATS } from "../render/event-formats.js";
import { literal, type Store } from "../store/database.js";
import { inSet, type SubjectSet } from "../store/subject-set.js";
import { sampleWindowOf, type DatasetRecord, type SampleWindow } from "../dataset/record.js";
import { UsageError } from "../errors.js";
import { task as taskDefinition } from "../tasks/registry.js";
import { uniformSql } from "../tasks/sample.js";
import type { Generation, GenerateRequest, Provider } from "./types.js";

// ml-logistic-regression ships CommonJS only.
const LogisticRegression = createRequire(import.meta.url)("ml-logistic-regression") as new (options: {
  numSteps: number;
  learningRate: number;
}) => {
  train(x: Matrix, y: Matrix): void;
  classifiers: { testScores(x: Matrix): number[] }[];
};

export interface BaselineOptions {
  /** The training patients (the training side of the split). */
  trainSubjects: SubjectSet;
  seed: number;
  /** Training rows per risk task (seeded draw). Default 3,000. */
  maxTrainRows?: number;
}

/** Event types counted as features: every rendered type. */
const FEATURE_TYPES = Object.keys(EVENT_FORMATS).filter((t) => t !== "patients");

/**
 * Baselines that need no server (the embedded default), fitted on the training split:
 * - risk tasks: logistic regression (mljs) on count features of the context window, as EHRSHOT's
 *   count-based baselines: events and rows per event type (log1p), window length, then standardised;
 * - list tasks: the items of the latest earlier event of the same type inside the window (items
 *   often repeat), else the task's most frequent items in training, as many as its median label size;
 * - next_event: the most frequent next event type after the window's last event type.
 * Answers are computed for a given set of samples up front; `generate` looks them up.
 */
export async function createBaselineProvider(
  store: Store,
  records: readonly DatasetRecord[],
  options: BaselineOptions,
): Promise<Provider> {
  await assertTaskIndex(store, "the baselines are fitted on it");
  // The baselines read each sample's window from the store: records must say where it is.
  const windows = new Map<number, SampleWindow>();
  for (const r of records) {
    const window = sampleWindowOf(r);
    if (!window)
      throw new UsageError(
        `record ${r.idx} (${r.task_info.task}) has no task_info.subject_id, period_begin and period_end: the baseline provider answers ehr-r1's own EHR-Bench records, whose windows it reads from the store`,
      );
    windows.set(r.idx, window);
  }
  const windowOf = (r: DatasetRecord) => windows.get(r.idx)!;
  const answers = new Map<number, Generation>();
  const byTask = new Map<string, DatasetRecord[]>();
  for (const r of records)
    (byTask.get(r.task_info.task) ?? byTask.set(r.task_info.task, []).get(r.task_info.task)!).push(r);
  const cap = options.maxTrainRows ?? 3000;

  for (const [task, list] of byTask) {
    const def = taskDefinition(task);
    if (def.label.kind === "yes-no") {
      const train = await store.rows<{ s: number; b: number; e: number; y: string[] }>(`
        SELECT subject_id AS s, context_begin AS b, context_end AS e, target AS y FROM tasks.task_index
        WHERE task = ${literal(task)} AND ${inSet(options.trainSubjects)}
        ORDER BY ${uniformSql(literal(`baseline:${options.seed}`), "subject_id", "anchor")} LIMIT ${cap}`);
      const trainX = await features(
        store,
        train.map((t) => [t.s, t.b, t.e]),
      );
      const y = train.map((t) => (t.y[0] === "yes" ? 1 : 0));
      const testX = await features(
        store,
        list.map((r) => {
          const w = windowOf(r);
          return [w.subject, w.begin, w.end];
        }),
      );
      const p = fitAndScore(trainX, y, testX);
      list.forEach((r, i) =>
        answers.set(r.idx, {
          text: p[i]! >= 0.5 ? "yes" : "no",
          reasoning: null,
          finishReason: "stop",
          firstTokenTopLogprobs: null,
          pYes: p[i]!,
        }),
      );
    } else if (def.label.kind === "event-type") {
      const transitions = await store.rows<{ last: string; next: string }>(`
        SELECT last, arg_max(next, n) AS next FROM (
          SELECT l.file_name AS last, i.event AS next, count(*) AS n FROM tasks.task_index i
          JOIN timeline.events l ON l.subject_id = i.subject_id AND l.seq = i.context_end - 1
          WHERE i.task = ${literal(task)} AND ${inSet(options.trainSubjects, "i.subject_id")} GROUP BY ALL
        ) GROUP BY last`);
      const next = new Map(transitions.map((t) => [t.last, t.next]));
      const fallback =
        (
          await store.rows<{ e: string }>(`SELECT mode(event) AS e FROM tasks.task_index WHERE task = ${literal(task)}`)
        )[0]?.e ?? "labevents";
      const lastTypes = await lastEventTypes(store, list, windowOf);
      list.forEach((r) =>
        answers.set(r.idx, {
          text: next.get(lastTypes.get(r.idx) ?? "") ?? fallback,
          reasoning: null,
          finishReason: "stop",
          firstTokenTopLogprobs: null,
        }),
      );
    } else if (def.label.kind === "items") {
      const [prior] = await store.rows<{ items: string[] | null; k: number | null }>(`
        SELECT (SELECT list(label ORDER BY n DESC, label) FROM (
            SELECT label, count(*) AS n FROM (SELECT unnest(target) AS label FROM tasks.task_index
              WHERE task = ${literal(task)} AND ${inSet(options.trainSubjects)}) GROUP BY label) LIMIT 1) AS items,
          (SELECT median(len(target)) FROM tasks.task_index WHERE task = ${literal(task)} AND ${inSet(options.trainSubjects)}) AS k`);
      const top = (prior?.items ?? []).slice(0, Math.max(1, Math.round(prior?.k ?? 1)));
      const previous = await previousSameTask(store, task, list, windowOf);
      list.forEach((r) =>
        answers.set(r.idx, {
          text: (previous.get(r.idx) ?? top).join("\n"),
          reasoning: null,
          finishReason: "stop",
          firstTokenTopLogprobs: null,
        }),
      );
    }
  }

  return {
    id: "baseline",
    async generate(request: GenerateRequest): Promise<Generation[]> {
      const sample = request.sample;
      const answer = sample ? answers.get(sample.idx) : undefined;
      const n = request.n ?? 1;
      return Array.from(
        { length: n },
        () => answer ?? { text: "", reasoning: null, finishReason: "stop", firstTokenTopLogprobs: null },
      );
    },
  };
}

/** Count features of context windows [begin, end): events and rows per event type (log1p), window hours. */
async function features(store: Store, windows: readonly (readonly [number, number, number])[]): Promise<number[][]> {
  if (!windows.length) return [];
  await store.exec(
    "CREATE OR REPLACE TEMP TABLE baseline_windows (k INTEGER, subject_id INTEGER, b INTEGER, e INTEGER)",
  );
  const values = windows.map(([s, b, e], k) => `(${k}, ${s}, ${b}, ${e})`);
  for (let i = 0; i < values.length; i += 5000)
    await store.exec(`INSERT INTO baseline_windows VALUES ${values.slice(i, i + 5000).join(", ")}`);
  const columns = FEATURE_TYPES.flatMap((t) => [
    `ln(1 + count(*) FILTER (WHERE ev.file_name = ${literal(t)}))`,
    `ln(1 + coalesce(sum(ev.n_rows) FILTER (WHERE ev.file_name = ${literal(t)}), 0))`,
  ]);
  const rows = await store.rows<{ k: number; f: number[] }>(`
    SELECT w.k, [${columns.join(", ")}, ln(1 + coalesce(date_diff('minute', min(ev.starttime), max(ev.starttime)), 0) / 60.0)] AS f
    FROM baseline_windows w LEFT JOIN timeline.events ev ON ev.subject_id = w.subject_id AND ev.seq >= w.b AND ev.seq < w.e
    GROUP BY w.k ORDER BY w.k`);
  await store.exec("DROP TABLE temp.baseline_windows");
  return rows.map((r) => r.f.map(Number));
}

/** Logistic regression on standardised features with an intercept; the training positive rate when one class is missing. */
function fitAndScore(trainX: number[][], y: number[], testX: number[][]): number[] {
  const positives = y.reduce((a, b) => a + b, 0);
  if (!trainX.length || positives === 0 || positives === y.length) {
    const rate = y.length ? positives / y.length : 0.5;
    return testX.map(() => rate);
  }
  const width = trainX[0]!.length;
  const mean = Array.from({ length: width }, (_, j) => trainX.reduce((a, r) => a + r[j]!, 0) / trainX.length);
  const std = Array.from(
    { length: width },
    (_, j) => Math.sqrt(trainX.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / trainX.length) || 1,
  );
  const scale = (rows: number[][]) => new Matrix(rows.map((r) => [1, ...r.map((v, j) => (v - mean[j]!) / std[j]!)]));
  const model = new LogisticRegression({ numSteps: 600, learningRate: 1 / trainX.length });
  model.train(scale(trainX), Matrix.columnVector(y));
  // One-vs-all: the classifier for class 0 ("no") scores the probability of not being "no".
  return model.classifiers[0]!.testScores(scale(testX));
}

async function lastEventTypes(
  store: Store,
  records: readonly DatasetRecord[],
  windowOf: (r: DatasetRecord) => SampleWindow,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (!records.length) return out;
  const pairs = records
    .map((r) => {
      const w = windowOf(r);
      return `(${r.idx}, ${w.subject}, ${w.end - 1})`;
    })
    .join(", ");
  const rows = await store.rows<{ idx: number; f: string }>(
    `SELECT p.idx, e.file_name AS f FROM (VALUES ${pairs}) p(idx, s, seq) JOIN timeline.events e ON e.subject_id = p.s AND e.seq = p.seq`,
  );
  for (const r of rows) out.set(Number(r.idx), r.f);
  return out;
}

/** The labels of the latest earlier sample of the same task and patient whose anchor lies inside this sample's window. */
async function previousSameTask(
  store: Store,
  task: string,
  records: readonly DatasetRecord[],
  windowOf: (r: DatasetRecord) => SampleWindow,
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (!records.length) return out;
  const pairs = records
    .map((r) => {
      const w = windowOf(r);
      return `(${r.idx}, ${w.subject}, ${w.begin}, ${w.end})`;
    })
    .join(", ");
  const rows = await store.rows<{ idx: number; t: string[] }>(`
    SELECT p.idx, arg_max(i.target, i.anchor) AS t FROM (VALUES ${pairs}) p(idx, s, b, e)
    JOIN tasks.task_index i ON i.task = ${literal(task)} AND i.subject_id = p.s AND i.anchor >= p.b AND i.anchor < p.e
    GROUP BY p.idx`);
  for (const r of rows) out.set(Number(r.idx), r.t);
  return out;
}
