import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { renameDurably, writeFileAtomically } from "../store/atomic-file.js";
import { OWNER_DIR } from "../store/owner-only.js";
import { basename, dirname, join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { benchmarkRecords, RecordChecker } from "../eval/dataset.js";
import { parseJsonLine } from "../dataset/read.js";
import { LineIndex } from "../dataset/record-index.js";
import { SYSTEM_PROMPT } from "../render/budget.js";
import type { ChatMessage, TokenCounter } from "../render/tokenizer.js";
import type { DatasetRecord } from "../dataset/record.js";
import { goldOf } from "../tasks/target.js";
import { RowFile } from "./row-file.js";
import { RL_FORMATS, type RlFormat, type RlFormatName, type RlRow, type RlSchema } from "./rl-formats.js";
import { mixOrder } from "./mix.js";
import type { RewardStyle } from "../rewards/core.js";

/**
 * Training files for the engines (docs/training.md; the RL formats in ./rl-formats.ts):
 * - `sft`: TRL chat JSONL, stage 1 (user = input + "\n" + instruction);
 * - `reasoning-sft`: stage 2, `/think` rows with the first accepted chain in a think block, `/no_think` rows with an empty one;
 * - `verl`, `openrlhf`, `trl-grpo`: one RL row per record (the shared RL row model), in each engine's layout.
 */
export type ExportFormat = "sft" | "reasoning-sft" | RlFormatName;

/** Where a record sits in its export, and the options that shape its row. */
export interface RowContext {
  index: number;
  split: string;
  /** The class weight of the record's label (`--class-weighted`). */
  weight?: number;
  style?: RewardStyle;
}

/** One export format: the file type it writes, how a record becomes a row, and what it needs. */
export interface ExportFormatSpec {
  readonly extension: ".jsonl" | ".parquet";
  /** The RL format it writes (its rows score through the reward server), or null for chat transcripts. */
  readonly rl: RlFormat | null;
  row(r: DatasetRecord, at: RowContext): Record<string, unknown>;
  /** What the token limit counts: the prompt messages, and the answer when the row holds one apart. */
  tokenText(row: Record<string, unknown>): string[];
  /** Parquet formats: the column types. */
  readonly columns?: Readonly<Record<string, string>>;
  /** Formats built from reasoning chains: whether a record has one (an export with none is refused). */
  chainsOf?(r: DatasetRecord): boolean;
}

const messagesText = (messages: unknown): string[] => (messages as { content: string }[]).map((m) => m.content);

/** EHR-Bench's verl columns: the ground truth as JSON text, the task in extra_info. */
export const EHR_RL_SCHEMA: RlSchema = {
  groundTruth: "VARCHAR",
  extraInfo: 'STRUCT("index" BIGINT, split VARCHAR, task VARCHAR)',
};

function rlSpec(format: RlFormat, answerOf: (row: Record<string, unknown>) => string): ExportFormatSpec {
  return {
    extension: format.extension,
    rl: format,
    row: (r, at) => format.row(ehrRlRow(r, at)),
    tokenText: (row) => {
      const answer = answerOf(row);
      return answer ? [...messagesText(row.prompt ?? row.input), answer] : messagesText(row.prompt ?? row.input);
    },
    ...(format.columns ? { columns: format.columns(EHR_RL_SCHEMA) } : {}),
  };
}

export const EXPORT_FORMATS: Readonly<Record<ExportFormat, ExportFormatSpec>> = {
  sft: {
    extension: ".jsonl",
    rl: null,
    row: (r) => ({
      messages: [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: userText(r) },
        { role: "assistant", content: r.output },
      ],
    }),
    tokenText: (row) => messagesText(row.messages),
  },
  "reasoning-sft": {
    extension: ".jsonl",
    rl: null,
    row: (r) => {
      const chain = chainOf(r);
      return chain
        ? {
            messages: [
              { role: "system", content: SYSTEM_PROMPT },
              { role: "user", content: `${userText(r)}\n/think` },
              { role: "assistant", content: `<think>\n${chain}\n</think>\n\n${r.output}` },
            ],
          }
        : // No newline before /no_think: the reference wrote it that way.
          {
            messages: [
              { role: "system", content: SYSTEM_PROMPT },
              { role: "user", content: `${userText(r)}/no_think` },
              { role: "assistant", content: `<think>\n\n</think>\n\n${r.output}` },
            ],
          };
    },
    tokenText: (row) => messagesText(row.messages),
    chainsOf: (r) => chainOf(r) !== null,
  },
  verl: rlSpec(RL_FORMATS.verl, (row) => (row.reward_model as { ground_truth: string }).ground_truth),
  openrlhf: rlSpec(RL_FORMATS.openrlhf, () => ""),
  "trl-grpo": rlSpec(RL_FORMATS["trl-grpo"], (row) => String(row.ground_truth)),
};

export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormat[];

export interface ExportOptions {
  format: ExportFormat;
  data: string;
  out: string;
  /** Drop records whose prompt and answer exceed this many tokens. */
  maxTokens?: number;
  counter?: TokenCounter;
  /** The split name written into verl's `extra_info` (default: the split the data file is of; see `splitOf`). */
  split?: string;
  /** A second dataset mixed in (EHR-R1's MultipleDataset): shuffled together, or by curriculum. */
  mix?: string;
  curriculum?: boolean;
  seed?: number;
  /**
   * RL formats: risk-task ground truths become `{"target", "weight"}` with EHRSHOT's balanced weights
   * 0.5·N/N_class from this file's label counts per task, so a rare correct "yes" earns more.
   */
  classWeighted?: boolean;
  /** RL formats: the answer contract the prompt states (serve the rewards with the same `--style`). */
  style?: RewardStyle;
  /** Benchmarks (build folders or files) whose patients must not be in the export: one shared patient refuses it. */
  excludeBench?: readonly string[];
}

/** The patients of a dataset, by `task_info.subject_id`, read as a stream. */
async function patientsOf(path: string): Promise<Set<string>> {
  const subjects = new Set<string>();
  for await (const r of benchmarkRecords(path))
    if (r.task_info.subject_id !== undefined) subjects.add(r.task_info.subject_id);
  return subjects;
}

const userText = (r: DatasetRecord) => `${r.input}\n${r.instruction}`;
const isRisk = (r: DatasetRecord) => r.task_info.task_type === "risk_prediction";
export const groundTruthOf = (r: DatasetRecord, weight?: number) =>
  JSON.stringify(weight === undefined ? goldOf(r) : { target: goldOf(r), weight });

/** A record as the shared RL row: the GRPO prompt, and its gold answer (class-weighted when asked) as JSON text. */
export function ehrRlRow(r: DatasetRecord, at: RowContext): RlRow {
  const task = r.task_info.task;
  return {
    task,
    prompt: rlMessages(r, at.style),
    ability: "ehr",
    groundTruth: groundTruthOf(r, at.weight),
    extraInfo: { index: at.index, split: at.split, task },
  };
}

/** EHRSHOT-style class weights per risk task and label: 0.5·N/N_label over the records. */
export function classWeights(records: readonly DatasetRecord[]): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const r of records) countLabel(counts, r);
  return weightsFrom(counts);
}

/** The same weights from a stream of records (one pass, only the counts held). */
export async function classWeightsOf(records: AsyncIterable<DatasetRecord>): Promise<Map<string, Map<string, number>>> {
  const counts = new Map<string, Map<string, number>>();
  for await (const r of records) countLabel(counts, r);
  return weightsFrom(counts);
}

const weightKey = (r: DatasetRecord) => String(goldOf(r)).trim().toLowerCase();

function countLabel(counts: Map<string, Map<string, number>>, r: DatasetRecord): void {
  if (!isRisk(r)) return;
  const task = r.task_info.task;
  const byLabel = counts.get(task) ?? new Map<string, number>();
  const label = weightKey(r);
  byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
  counts.set(task, byLabel);
}

function weightsFrom(counts: Map<string, Map<string, number>>): Map<string, Map<string, number>> {
  for (const byLabel of counts.values()) {
    const total = [...byLabel.values()].reduce((a, b) => a + b, 0);
    // Two classes (yes/no) as in EHRSHOT; the factor is 1/(number of classes) in general.
    for (const [label, n] of byLabel) byLabel.set(label, total / (byLabel.size * n));
  }
  return counts;
}

/** EHRMIND's answer contract, stated in the prompt so that `reward serve --style ehrmind` can pay it. */
export function ehrmindFormatInstruction(risk: boolean): string {
  const example = risk ? '{"answer": "yes"}' : '{"answer": ["first item", "second item"]}';
  return [
    "Please show your entire reasoning process in **a single** <think> </think> block (do not open or close the tag more than once). Your final response must be in JSON format within <answer> </answer> tags. For example,",
    "<think>\n[entire reasoning process here]\n</think>",
    `<answer>\n${example}\n</answer>`,
    "",
    "Do not output anything after the </answer> tag.",
  ].join("\n");
}

/**
 * The GRPO prompt. `ehr-r1` (docs/training.md): decision tasks think, risk tasks answer directly. `ehrmind`: the
 * same task text followed by EHRMIND's format instruction (think block, then the answer as JSON).
 */
export function rlMessages(r: DatasetRecord, style: RewardStyle = "ehr-r1"): ChatMessage[] {
  if (style === "ehrmind")
    return [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: `${userText(r)}\n\n${ehrmindFormatInstruction(isRisk(r))}` },
    ];
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `${userText(r)}\n${isRisk(r) ? "/no_think" : "/think"}` },
  ];
}

/** The row of `format` for one record. */
export function exportRow(format: ExportFormat, r: DatasetRecord, at: RowContext): Record<string, unknown> {
  return EXPORT_FORMATS[format].row(r, at);
}

/** A record of EHR-Ins-Reasoning: its first accepted chain (a non-empty string), or null. */
function chainOf(r: DatasetRecord): string | null {
  const chains = (r as DatasetRecord & { reasoning?: unknown }).reasoning;
  return Array.isArray(chains) && typeof chains[0] === "string" && chains[0] !== "" ? chains[0] : null;
}

function tokensOf(spec: ExportFormatSpec, row: Record<string, unknown>, counter: TokenCounter): number {
  return spec.tokenText(row).reduce((a, text) => a + counter.count(text), 0);
}

/**
 * The split a dataset file holds: from its shard name (`data/test-00000-of-00004.jsonl`, the
 * layout `build` writes) or its dataset's `manifest.json`; null when neither says.
 */
export function splitOf(file: string): string | null {
  const named = /^(train|test|validation|val|dev)-\d+-of-\d+\./.exec(basename(file));
  if (named) return named[1]!;
  // A build folder holds its manifest; a shard file sits in its `data/` folder.
  const own = join(resolve(file), "manifest.json");
  const manifest = existsSync(own) ? own : join(dirname(resolve(file)), "..", "manifest.json");
  if (!existsSync(manifest)) return null;
  try {
    const split = (JSON.parse(readFileSync(manifest, "utf8")) as { layout?: { split?: unknown } }).layout?.split;
    return typeof split === "string" ? split : null;
  } catch {
    return null;
  }
}

/** Writes one export (via a temporary name, renamed into place). Returns rows written and dropped by the token limit. */
export async function exportDataset(
  options: ExportOptions,
): Promise<{ file: string; rows: number; droppedForLength: number; split: string; warnings: string[] }> {
  const spec = Object.hasOwn(EXPORT_FORMATS, options.format) ? EXPORT_FORMATS[options.format] : undefined;
  if (!spec)
    throw new UsageError(`unknown export format ${options.format} (expected ${EXPORT_FORMAT_NAMES.join(", ")})`);
  if (options.maxTokens !== undefined && !options.counter)
    throw new UsageError("--max-tokens needs a tokenizer (--tokenizer) or the estimate");
  if (options.classWeighted && !spec.rl)
    throw new UsageError(
      `--class-weighted applies to the RL formats (${EXPORT_FORMAT_NAMES.filter((f) => EXPORT_FORMATS[f].rl).join(", ")})`,
    );
  if (options.curriculum && !options.mix) throw new UsageError("--curriculum needs a second dataset (--mix)");
  const extension = spec.extension;
  if (!options.out.toLowerCase().endsWith(extension))
    throw new UsageError(
      `export ${options.format} writes ${extension === ".parquet" ? "Parquet" : "JSONL"}: --out ${options.out} should end in ${extension}${extension === ".jsonl" ? " (verl's format is the Parquet one: export verl)" : ""}`,
    );
  const found = splitOf(options.data);
  if (options.split !== undefined && found !== null && options.split !== found)
    throw new UsageError(
      `--split ${options.split}, but ${options.data} holds the ${found} split: the label written must be the split the rows came from`,
    );
  const split = options.split ?? found ?? "train";
  const warnings: string[] = [];
  if (split === "test")
    warnings.push(
      `${options.data} is a test split: training on it puts the benchmark's own patients in the training data; export the train split (and report on the test one)`,
    );
  const out = resolve(options.out);
  const excluded = new Map<string, string>();
  for (const bench of options.excludeBench ?? [])
    for (const subject of await patientsOf(bench)) excluded.set(subject, bench);
  const source = await recordSource(options, out);
  const weights = options.classWeighted ? await classWeightsOf(source.records()) : null;
  mkdirSync(dirname(out), { recursive: true, mode: OWNER_DIR });
  const partial = `${out}.partial-${process.pid}`;
  const file = new RowFile(partial, spec.columns);
  let dropped = 0;
  let chains = 0;
  const subjects = new Set<string>();
  try {
    let index = -1;
    for await (const record of source.records()) {
      index++;
      const weight = weights?.get(record.task_info.task)?.get(weightKey(record));
      const subject = record.task_info.subject_id;
      if (subject === undefined && options.excludeBench?.length)
        throw new UsageError(
          `${options.data}: record ${record.idx} has no task_info.subject_id, so --exclude-bench cannot check that its patient is outside the benchmarks`,
        );
      const bench = subject === undefined ? undefined : excluded.get(subject);
      if (bench !== undefined)
        throw new UsageError(
          `${options.data}: record ${record.idx} is of patient ${subject}, who is in the benchmark ${bench}: training on a benchmark's patients inflates what it reports; build both from one patient split (the same --split-file, or the same seed and --test-ratio)`,
        );
      const row = spec.row(record, { index, split, ...(weight === undefined ? {} : { weight }), style: options.style });
      if (options.maxTokens !== undefined && tokensOf(spec, row, options.counter!) > options.maxTokens) {
        dropped++;
        continue;
      }
      // The manifest lists the patients the file holds, so rows dropped for length do not count.
      if (subject !== undefined) subjects.add(subject);
      if (spec.chainsOf?.(record)) chains++;
      await file.write(row);
    }
    if (spec.chainsOf && file.rows > 0 && chains === 0)
      throw new InputError(
        options.data,
        undefined,
        "no record has a reasoning chain (a `reasoning` list), so every row would get an empty think block: make chains with `ehr-r1 reason synth`, then `ehr-r1 reason filter`, and export its EHR-Ins-Reasoning file",
      );
    await file.close();
    renameDurably(partial, out);
    const rows = file.rows;
    // Which patients a training file holds, so a later benchmark can be checked against it.
    writeFileAtomically(
      `${out}.manifest.json`,
      `${JSON.stringify(
        {
          format: options.format,
          data: resolve(options.data),
          ...(options.mix ? { mix: resolve(options.mix) } : {}),
          split,
          rows,
          excluded_benchmarks: (options.excludeBench ?? []).map((b) => resolve(b)),
          subjects: [...subjects].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b)),
        },
        null,
        2,
      )}\n`,
    );
    return { file: out, rows, droppedForLength: dropped, split, warnings };
  } catch (error) {
    file.discard();
    throw error;
  } finally {
    source.close();
  }
}

/** The records to export, in order, readable more than once (class weights need a first pass), streamed from disk. */
interface RecordSource {
  records(): AsyncGenerator<DatasetRecord>;
  close(): void;
}

async function recordSource(options: ExportOptions, out: string): Promise<RecordSource> {
  if (!options.mix) return { records: () => benchmarkRecords(options.data), close: () => {} };
  // A shuffled mix needs random access: index both datasets' lines, then read them in the mixed order.
  const first = await LineIndex.build(options.data, out);
  const second = await LineIndex.build(options.mix, out).catch((error: unknown) => {
    first.close();
    throw error;
  });
  const order = mixOrder(first.size, second.size, options);
  const sources = [first, second] as const;
  return {
    async *records() {
      const checkers = [new RecordChecker(), new RecordChecker()] as const;
      for (const [d, i] of order) {
        const { text, file, line } = sources[d].read(i);
        yield checkers[d].check(parseJsonLine(text, file, line), file, line);
      }
      checkers[0].finish(options.data);
      checkers[1].finish(options.mix!);
    },
    close() {
      first.close();
      second.close();
    },
  };
}
