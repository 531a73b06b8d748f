import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { withOutputLock } from "../store/output-lock.js";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { pYesFromLogprobs, type Generation, type Provider } from "../providers/types.js";
import { runJobs } from "../common/jobs.js";
import { generateWithRetries } from "../providers/retry.js";
import type { DatasetRecord } from "../tasks/build-dataset.js";
import { TOOL_VERSION } from "../version.js";
import { goldOf } from "../tasks/target.js";
import { readBenchmark } from "./dataset.js";
import { datasetSha256 } from "../dataset/read.js";
import { promptFor, type ModelProfile } from "./profiles.js";
import type { ChatMessage } from "../render/tokenizer.js";
import { scoreSample, summarize, type RunSummary, type ScoredSample } from "./score.js";

export interface RunOptions {
  data: string;
  /** One provider per inference server; requests are spread over them in turn. */
  providers: Provider[];
  profile: ModelProfile;
  out: string;
  concurrency?: number;
  /** Continue a run whose results.jsonl exists (after a crash or kill): finished samples are kept, the rest run. */
  resume?: boolean;
  /** Attempts per sample beyond the first, for retryable failures. Default 6. */
  retries?: number;
  /** Backoff base and cap (ms): base·2^attempt with jitter, or the server's Retry-After. */
  backoffMs?: { base: number; max: number };
  tasks?: readonly string[];
  limit?: number;
  signal?: AbortSignal;
  /**
   * Samples whose prompt (chat template included) exceeds maxTokens are recorded as errors and never
   * sent: a server would refuse them, and a silent cut would drop the patient's history unseen.
   */
  promptBudget?: {
    maxTokens: number;
    count: (messages: readonly ChatMessage[], provider: Provider) => Promise<number> | number;
  };
  onProgress?: (done: number, total: number) => void;
  onResult?: (result: ResultLine) => void;
}

/** One line of results.jsonl. */
export interface ResultLine {
  id: string;
  idx: number;
  task: string;
  /** The raw text of the (first) generation; all of them when the profile asks for several. */
  output: string | null;
  outputs?: string[];
  /** With several generations: each one's metric value. */
  values?: number[];
  reasoning: string | null;
  answer: string | null;
  p_yes: number | null;
  p_yes_source: string | null;
  value: number;
  scores: Record<string, number>;
  /** The answer could not be read (empty, only thinking, neither yes nor no): scored as the metric says. */
  failure: string | null;
  /** The request failed after all retries: no output. */
  error: string | null;
  attempts: number;
  latency_ms: number;
  /** Prompt tokens, when a budget was checked. */
  prompt_tokens?: number;
}

export interface RunResult {
  out: string;
  summary: RunSummary;
  samples: number;
  ran: number;
  resumed: number;
  /** Samples that had failed before and ran again on resume. */
  retried: number;
  errors: number;
  seconds: number;
}

const OWNER_ONLY = 0o600;

export async function runBenchmark(options: RunOptions): Promise<RunResult> {
  // One writer per run folder: a second run (or a --resume started by mistake) fails at once.
  return withOutputLock(options.out, () => runLocked(options));
}

async function runLocked(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  if (!options.providers.length) throw new UsageError("no provider to run against");
  let records = await readBenchmark(options.data);
  if (options.tasks?.length) records = records.filter((r) => options.tasks!.includes(r.task_info.task));
  if (options.limit !== undefined) records = records.slice(0, options.limit);
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const resultsPath = join(out, "results.jsonl");
  const runPath = join(out, "run.json");
  const dataHash = await datasetSha256(options.data);
  const run = {
    tool_version: TOOL_VERSION,
    data: resolve(options.data),
    data_sha256: dataHash,
    profile: options.profile,
    providers: options.providers.map((p) => p.id),
  };

  if (existsSync(resultsPath) && options.resume && existsSync(runPath)) {
    const previous = JSON.parse(readFileSync(runPath, "utf8")) as { data_sha256?: string };
    if (previous.data_sha256 !== dataHash)
      throw new UsageError(`${out} holds a run on different data (its data file changed): start a new --out`);
  }
  if (!existsSync(resultsPath) || options.resume)
    writeFileSync(runPath, `${JSON.stringify(run, null, 2)}\n`, { mode: OWNER_ONLY });
  let errors = 0;
  options.onProgress?.(0, records.length);
  const jobs = await runJobs<DatasetRecord, ResultLine>({
    items: records,
    id: (r) => String(r.idx),
    path: resultsPath,
    resume: options.resume,
    concurrency: options.concurrency,
    signal: options.signal,
    work: async (record, turn) => {
      const line = await runOne(record, options.providers[turn % options.providers.length]!, options);
      if (options.signal?.aborted && line.error === "aborted") return null;
      if (line.error) errors++;
      return line;
    },
    onLine: (line, done, total) => {
      options.onResult?.(line);
      options.onProgress?.(done, total);
    },
  });
  const done = jobs.lines;

  const byId = new Map(records.map((r) => [String(r.idx), r]));
  // In the dataset's order, not the order answers arrived: the bootstrap's resamples index this
  // list, so two runs with the same answers must give the same intervals.
  const position = new Map(records.map((r, i) => [String(r.idx), i]));
  const scored: ScoredSample[] = [...done.values()]
    .filter((l) => position.has(l.id))
    .sort((a, b) => position.get(a.id)! - position.get(b.id)!)
    .map((l) => ({
      task: l.task,
      gold: goldOf(byId.get(l.id)!),
      error: l.error,
      values: l.values,
      score: {
        answer: l.answer ?? "",
        value: l.value,
        extra: l.scores,
        failure: l.failure,
        pYes: l.p_yes ?? undefined,
        pYesSource: (l.p_yes_source ?? undefined) as "logprobs" | undefined,
      },
    }));
  const summary = summarize(scored);
  writeFileSync(join(out, "summary.json"), `${JSON.stringify({ ...summary, run }, null, 2)}\n`, { mode: OWNER_ONLY });
  return {
    out,
    summary,
    samples: records.length,
    ran: jobs.ran,
    resumed: jobs.resumed,
    retried: jobs.retried,
    errors,
    seconds: (performance.now() - started) / 1000,
  };
}

async function runOne(record: DatasetRecord, provider: Provider, options: RunOptions): Promise<ResultLine> {
  const profile = options.profile;
  const risk = record.task_info.task_type === "risk_prediction";
  const prompt = promptFor(record, profile);
  const request = {
    ...prompt,
    maxTokens: risk ? profile.maxTokens.risk : profile.maxTokens.decision,
    temperature: profile.temperature,
    topP: profile.topP,
    seed: profile.seed,
    n: profile.samples,
    topLogprobs: risk && profile.topLogprobs > 0 ? profile.topLogprobs : undefined,
    sample: record,
    signal: options.signal,
  };
  const started = performance.now();
  let promptTokens: number | undefined;
  if (options.promptBudget) {
    try {
      promptTokens = await options.promptBudget.count(prompt.messages, provider);
    } catch (error) {
      return failedLine(
        record,
        `counting prompt tokens failed: ${error instanceof Error ? error.message : String(error)}`,
        0,
        started,
      );
    }
    if (promptTokens > options.promptBudget.maxTokens) {
      return {
        ...failedLine(
          record,
          `prompt has ${promptTokens} tokens, over the budget of ${options.promptBudget.maxTokens}`,
          0,
          started,
        ),
        prompt_tokens: promptTokens,
      };
    }
  }
  const { generations, error, attempts } = await generateWithRetries(provider, request, options);
  const counted = promptTokens === undefined ? {} : { prompt_tokens: promptTokens };
  if (generations) return { ...scoreLine(record, generations, attempts, performance.now() - started), ...counted };
  return { ...failedLine(record, error, attempts, started), ...counted };
}

function failedLine(record: DatasetRecord, error: string | null, attempts: number, started: number): ResultLine {
  return {
    id: String(record.idx),
    idx: record.idx,
    task: record.task_info.task,
    output: null,
    reasoning: null,
    answer: null,
    p_yes: null,
    p_yes_source: null,
    value: 0,
    scores: {},
    failure: null,
    error,
    attempts,
    latency_ms: Math.round(performance.now() - started),
  };
}

function scoreLine(record: DatasetRecord, generations: Generation[], attempts: number, latency: number): ResultLine {
  const first = generations[0] ?? { text: "", reasoning: null, finishReason: null, firstTokenTopLogprobs: null };
  const pYes = first.pYes ?? pYesFromLogprobs(first.firstTokenTopLogprobs);
  const score = scoreSample(record.task_info.task, goldOf(record), {
    text: first.text,
    reasoning: first.reasoning,
    pYes,
  });
  const values =
    generations.length > 1
      ? generations.map(
          (g) =>
            scoreSample(record.task_info.task, goldOf(record), {
              text: g.text,
              reasoning: g.reasoning,
              pYes: g.pYes ?? pYesFromLogprobs(g.firstTokenTopLogprobs),
            }).value,
        )
      : undefined;
  return {
    id: String(record.idx),
    idx: record.idx,
    task: record.task_info.task,
    output: first.text,
    ...(values ? { outputs: generations.map((g) => g.text), values } : {}),
    reasoning: first.reasoning,
    answer: score.answer,
    p_yes: score.pYes ?? null,
    p_yes_source: score.pYesSource ?? null,
    value: score.value,
    scores: score.extra,
    failure: score.failure,
    error: null,
    attempts,
    latency_ms: Math.round(latency),
  };
}
