import { mkdirSync, writeFileSync } from "node:fs";
import { withOutputLock } from "../store/output-lock.js";
import { join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { runJobs } from "../common/jobs.js";
import { generateWithRetries, type RetryPolicy } from "../providers/retry.js";
import type { Provider } from "../providers/types.js";
import type { ChatMessage } from "../render/tokenizer.js";
import {
  evaluateMedcalc,
  readMedcalcRows,
  type MedcalcEvalRow,
  type MedcalcEvalSummary,
  type MedcalcScoring,
} from "./evaluate.js";
import { medcalcMessages } from "./prompt.js";

export interface MedcalcRunOptions extends RetryPolicy {
  data: string;
  providers: Provider[];
  out: string;
  /** Samples per row (EHRMIND: 1 at temperature 0.6 for accuracy, 12 for pass@k). */
  samples?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  concurrency?: number;
  resume?: boolean;
  limit?: number;
  scoring?: MedcalcScoring;
  /** Extra request fields (e.g. `chat_template_kwargs`). */
  extraBody?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

interface CompletionLine {
  id: string;
  index: number;
  row_number: number;
  completions: string[];
  error: string | null;
  attempts: number;
}

/**
 * MedCalc-Bench on a served model, as EHRMIND's eval_inst.py does it but resumable: EHRMIND's prompt
 * as chat messages (the server applies the model's template), `completions.jsonl` appended per row,
 * then the per-category summary in `summary.json`.
 */
type MedcalcRunResult = { out: string; summary: MedcalcEvalSummary; ran: number; resumed: number; errors: number };

export async function runMedcalc(options: MedcalcRunOptions): Promise<MedcalcRunResult> {
  return withOutputLock(options.out, () => runMedcalcLocked(options));
}

async function runMedcalcLocked(options: MedcalcRunOptions): Promise<MedcalcRunResult> {
  if (!options.providers.length) throw new UsageError("no provider to run against");
  let rows: MedcalcEvalRow[] = await readMedcalcRows(options.data);
  if (options.limit !== undefined) rows = rows.slice(0, options.limit);
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  let errors = 0;
  const jobs = await runJobs<MedcalcEvalRow, CompletionLine>({
    items: rows,
    id: (r) => String(r.index),
    path: join(out, "completions.jsonl"),
    resume: options.resume,
    concurrency: options.concurrency,
    signal: options.signal,
    work: async (row, turn) => {
      const messages = medcalcMessages(row.note, row.question, { template: "messages" }) as ChatMessage[];
      const result = await generateWithRetries(
        options.providers[turn % options.providers.length]!,
        {
          messages,
          n: options.samples ?? 1,
          temperature: options.temperature ?? 0.6,
          topP: options.topP ?? 0.95,
          maxTokens: options.maxTokens ?? 2048,
          seed: options.seed,
          extraBody: options.extraBody,
          signal: options.signal,
        },
        options,
      );
      if (options.signal?.aborted && result.error === "aborted") return null;
      if (result.error) errors++;
      return {
        id: String(row.index),
        index: row.index,
        row_number: row.rowNumber,
        completions: result.generations?.map((g) => g.text) ?? [],
        error: result.error,
        attempts: result.attempts,
      };
    },
    onLine: (_line, done, total) => options.onProgress?.(done, total),
  });
  const completions = new Map<string, string[]>();
  for (const line of jobs.lines.values())
    if (line.completions.length) completions.set(`i${line.index}`, line.completions);
  const summary = evaluateMedcalc(rows, completions, options.scoring ?? "eval");
  writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  return { out, summary, ran: jobs.ran, resumed: jobs.resumed, errors };
}
