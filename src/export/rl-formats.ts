/**
 * One RL row model for every source (EHR-Bench, MedCalc-Bench, trial matching) and the engines'
 * formats written from it (docs/training.md). A source says what its prompt
 * and ground truth are; a format says only how an engine wants them laid out, so the three engines
 * see the same prompt and score against the same ground truth, whatever the source.
 */

/** A chat message as the source made it (key order kept: JSONL rows are written as given). */
export interface RlMessage {
  role: string;
  content: string;
}

export interface RlRow {
  /** The reward family key: verl's `data_source`, OpenRLHF's and TRL's `task`. */
  task: string;
  prompt: readonly RlMessage[];
  /**
   * The prompt is already in the model's chat template (one user message holding the templated
   * text): engines that take text (OpenRLHF, TRL) get the text, not a message list.
   */
  pretemplated?: boolean;
  /** verl's `ability`. */
  ability: string;
  /** What the reward scores against: JSON text or a JSON value, handed to the reward server unchanged. */
  groundTruth: unknown;
  /** verl's `extra_info`: the row's index and split, and any identifiers of its source. */
  extraInfo: { index: number; split: string } & Record<string, unknown>;
  /** verl only: source columns before verl's own (MedCalc-Bench's CSV columns) and after them (matching's note, trial, label). */
  columnsBefore?: Record<string, unknown>;
  columnsAfter?: Record<string, unknown>;
}

/** The DuckDB types of the parts of a verl file that differ between sources. */
export interface RlSchema {
  groundTruth: string;
  extraInfo: string;
  columnsBefore?: Readonly<Record<string, string>>;
  columnsAfter?: Readonly<Record<string, string>>;
}

export type RlFormatName = "verl" | "openrlhf" | "trl-grpo";

export interface RlFormat {
  /** The file type the engine reads. */
  readonly extension: ".parquet" | ".jsonl";
  /** The engine's row. */
  row(r: RlRow): Record<string, unknown>;
  /** Parquet formats: the column types, in file order. */
  columns?(schema: RlSchema): Record<string, string>;
}

const promptOf = (r: RlRow): readonly RlMessage[] | string => (r.pretemplated ? r.prompt[0]!.content : r.prompt);

/** verl's physical prompt type (as EHRMind's committed verl files): a list of {content, role} structs. */
export const VERL_PROMPT_TYPE = 'STRUCT("content" VARCHAR, "role" VARCHAR)[]';

export const RL_FORMATS: Readonly<Record<RlFormatName, RlFormat>> = {
  // Parquet: data_source, prompt (list of structs), ability, reward_model {ground_truth, style}, extra_info.
  verl: {
    extension: ".parquet",
    row: (r) => ({
      ...r.columnsBefore,
      data_source: r.task,
      prompt: r.prompt.map((m) => ({ content: m.content, role: m.role })),
      ability: r.ability,
      reward_model: { ground_truth: r.groundTruth, style: "rule" },
      extra_info: r.extraInfo,
      ...r.columnsAfter,
    }),
    columns: (s) => ({
      ...s.columnsBefore,
      data_source: "VARCHAR",
      prompt: VERL_PROMPT_TYPE,
      ability: "VARCHAR",
      reward_model: `STRUCT(ground_truth ${s.groundTruth}, style VARCHAR)`,
      extra_info: s.extraInfo,
      ...s.columnsAfter,
    }),
  },
  // JSONL: `input` (messages, or templated text) and a `label` JSON string the reward server parses.
  openrlhf: {
    extension: ".jsonl",
    row: (r) => ({ input: promptOf(r), label: JSON.stringify({ task: r.task, ground_truth: r.groundTruth }) }),
  },
  // JSONL: `prompt`, and `ground_truth` (JSON text) and `task` columns that reach `reward_funcs` as keyword arguments.
  "trl-grpo": {
    extension: ".jsonl",
    row: (r) => ({
      prompt: promptOf(r),
      ground_truth: typeof r.groundTruth === "string" ? r.groundTruth : JSON.stringify(r.groundTruth),
      task: r.task,
    }),
  },
};

export const RL_FORMAT_NAMES = Object.keys(RL_FORMATS) as RlFormatName[];

/** The format of that name, or null. */
export function rlFormat(name: string): RlFormat | null {
  return Object.hasOwn(RL_FORMATS, name) ? RL_FORMATS[name as RlFormatName] : null;
}
