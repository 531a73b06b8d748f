import { createWriteStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { withOutputLock } from "../store/output-lock.js";
import { once } from "node:events";
import { join, resolve } from "node:path";
import { goldOf } from "../tasks/target.js";
import { benchmarkRecords, readBenchmark } from "../eval/dataset.js";
import { parseJsonLine, readLines } from "../dataset/read.js";
import { runJobs } from "../common/jobs.js";
import { generateWithRetries, type RetryPolicy } from "../providers/retry.js";
import type { Provider } from "../providers/types.js";
import type { Store } from "../store/database.js";
import type { DatasetRecord } from "../tasks/build-dataset.js";
import { findTask } from "../tasks/registry.js";
import { judgeChain, type RejectReason } from "./filter.js";
import { synthesisPrompt, type PromptVariant } from "./prompts.js";

export interface SynthesisOptions extends RetryPolicy {
  /** EHR-Ins JSONL (from `ehr-r1 build ehr-ins`). */
  data: string;
  providers: Provider[];
  variant: PromptVariant;
  out: string;
  /** Chains per sample (the reference asks for 3). */
  n?: number;
  temperature?: number;
  maxTokens?: number;
  concurrency?: number;
  resume?: boolean;
  limit?: number;
  /** Skip samples without knowledge paths (always for `with-knowledge`; the reference's `--filter_nograph` otherwise). */
  requireGraph?: boolean;
  /** Prices per 1,000 tokens, for the cost line of the summary. */
  pricePer1k?: { input: number; output: number };
  onChain?: (line: ChainLine) => void;
}

export interface ChainLine {
  id: string;
  idx: number;
  task: string;
  variant: PromptVariant;
  chains: string[];
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  attempts: number;
}

/** The knowledge paths of each decision sample, from `graph.sample_paths` (sample id: task|subject|anchor). */
export async function samplePaths(store: Store): Promise<Map<string, string[][]>> {
  if (!(await store.tableExists("graph.sample_paths"))) return new Map();
  const rows = await store.rows<{ id: string; paths: string }>(
    "SELECT sample_id AS id, paths::VARCHAR AS paths FROM graph.sample_paths",
  );
  return new Map(rows.map((r) => [r.id, JSON.parse(r.paths) as string[][]]));
}

const sampleKey = (r: DatasetRecord) =>
  `${r.task_info.task}|${String(r.task_info.subject_id)}|${String(r.task_info.period_end)}`;

/**
 * Reasoning chains for decision samples by any provider, with the runner's machinery: bounded
 * concurrency over several servers, retries, an append-only `chains.jsonl` that `resume` continues,
 * token (and optional cost) accounting in `summary.json`.
 */
export async function synthesizeChains(options: SynthesisOptions, paths: Map<string, string[][]>) {
  return withOutputLock(options.out, () => synthesizeLocked(options, paths));
}

async function synthesizeLocked(options: SynthesisOptions, paths: Map<string, string[][]>) {
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  // Chains explain a choice among labels: decision tasks, not free text.
  let records = (await readBenchmark(options.data)).filter((r) => {
    const known = findTask(r.task_info.task);
    return known
      ? known.type === "decision_making" && known.label.kind !== "text"
      : r.task_info.task_type === "decision_making";
  });
  const requireGraph = options.variant === "with-knowledge" || options.requireGraph;
  const withoutGraph = records.filter((r) => !paths.get(sampleKey(r))?.length).length;
  if (requireGraph) records = records.filter((r) => paths.get(sampleKey(r))?.length);
  if (options.limit !== undefined) records = records.slice(0, options.limit);
  const jobs = await runJobs<DatasetRecord, ChainLine>({
    items: records,
    id: (r) => String(r.idx),
    path: join(out, "chains.jsonl"),
    resume: options.resume,
    concurrency: options.concurrency,
    signal: options.signal,
    work: async (record, turn) => {
      const prompt = synthesisPrompt(options.variant, {
        context: record.input,
        groundTruth: String(record.task_info.target ?? JSON.stringify(goldOf(record))),
        task: record.instruction,
        paths: paths.get(sampleKey(record)) ?? [],
      });
      const result = await generateWithRetries(
        options.providers[turn % options.providers.length]!,
        {
          messages: [{ role: "user", content: prompt }],
          n: options.n ?? 3,
          temperature: options.temperature ?? 0.5,
          maxTokens: options.maxTokens,
          signal: options.signal,
        },
        options,
      );
      if (options.signal?.aborted && result.error === "aborted") return null;
      const usage = result.generations?.[0]?.usage;
      return {
        id: String(record.idx),
        idx: record.idx,
        task: record.task_info.task,
        variant: options.variant,
        chains: result.generations?.map((g) => g.text) ?? [],
        prompt_tokens: usage?.promptTokens ?? null,
        completion_tokens: usage?.completionTokens ?? null,
        error: result.error,
        attempts: result.attempts,
      };
    },
    onLine: (line) => options.onChain?.(line),
  });
  const lines = [...jobs.lines.values()];
  const promptTokens = lines.reduce((a, l) => a + (l.prompt_tokens ?? 0), 0);
  const completionTokens = lines.reduce((a, l) => a + (l.completion_tokens ?? 0), 0);
  const summary = {
    data: resolve(options.data),
    variant: options.variant,
    samples: records.length,
    ran: jobs.ran,
    resumed: jobs.resumed,
    skipped_without_graph: requireGraph ? withoutGraph : 0,
    errors: lines.filter((l) => l.error).length,
    chains: lines.reduce((a, l) => a + l.chains.length, 0),
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    cost: options.pricePer1k
      ? +((promptTokens * options.pricePer1k.input + completionTokens * options.pricePer1k.output) / 1000).toFixed(4)
      : null,
  };
  writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  return summary;
}

/**
 * Keeps the chains that pass every rule and writes EHR-Ins-Reasoning JSONL: each sample with at least
 * one accepted chain, plus `reasoning: [accepted chains]`. Returns counts per rule.
 */
export async function filterChains(runDir: string, data: string, outFile: string, minCoverage = 0.7) {
  const chainsPath = join(resolve(runDir), "chains.jsonl");
  if (!existsSync(chainsPath)) throw new Error(`${chainsPath} not found: is ${runDir} a \`reason synth\` folder?`);
  // Three streaming passes, so memory holds only the records that have chains (EHR-Ins-Reasoning's
  // share), never the whole EHR-Ins: the chain ids, then those records, then the chains again.
  const wanted = new Set<string>();
  for await (const line of chainLines(chainsPath)) wanted.add(line.id);
  const byId = new Map<string, DatasetRecord>();
  for await (const r of benchmarkRecords(data)) if (wanted.has(String(r.idx))) byId.set(String(r.idx), r);
  const rejected: Record<RejectReason | "request-failed", number> = {
    empty: 0,
    "missing-sections": 0,
    "old-format": 0,
    "mentions-ground-truth": 0,
    "low-coverage": 0,
    "request-failed": 0,
  };
  let accepted = 0;
  let samples = 0;
  const stream = createWriteStream(resolve(outFile), { mode: 0o600 });
  for await (const line of chainLines(chainsPath)) {
    const record = byId.get(line.id);
    if (!record) continue;
    if (line.error) {
      rejected["request-failed"]++;
      continue;
    }
    const labels = goldOf(record);
    const keep = line.chains.filter((c) => {
      const reason = judgeChain(c, labels, minCoverage);
      if (reason) rejected[reason]++;
      return !reason;
    });
    accepted += keep.length;
    if (keep.length) {
      samples++;
      if (!stream.write(`${JSON.stringify({ ...record, reasoning: keep })}\n`)) await once(stream, "drain");
    }
  }
  stream.end();
  await once(stream, "finish");
  return { samples, accepted, rejected };
}

/** The complete lines of a `chains.jsonl`, one at a time; a last line cut by a kill is skipped. */
async function* chainLines(path: string): AsyncGenerator<ChainLine> {
  let pending: { text: string; line: number } | null = null;
  for await (const next of readLines(path)) {
    if (pending) yield parseJsonLine(pending.text, path, pending.line) as ChainLine;
    pending = next;
  }
  if (pending) {
    try {
      yield JSON.parse(pending.text) as ChainLine;
    } catch {
      // Cut by a kill while it was written: `reason synth --resume` rewrites it.
    }
  }
}
