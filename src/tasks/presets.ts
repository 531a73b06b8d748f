import { z } from "zod";
import { UsageError } from "../errors.js";
import { TASKS } from "./registry.js";

/** `{task: N}`: N samples of a task; -1 (or any N <= 0) takes every eligible sample. */
export type SampleConfig = Record<string, number>;

/** The reference's decision-task counts (`enh_ins.json` and `ehr_bench_decision_making.json` agree). */
const DECISION_COUNTS: SampleConfig = {
  admissions: 100_000,
  omr: 20_000,
  procedures_icd: 200_000,
  procedures_ccs: 200_000,
  diagnoses_icd: 200_000,
  diagnoses_ccs: 200_000,
  labevents: 100_000,
  microbiologyevents: 100_000,
  services: 20_000,
  transfers: 100_000,
  emar: 100_000,
  poe: 100_000,
  prescriptions: 200_000,
  prescriptions_atc: 200_000,
  radiology: 100_000,
  medrecon: 200_000,
  medrecon_atc: 200_000,
  pyxis: 200_000,
  diagnosis: 100_000,
  diagnosis_ccs: 200_000,
  chartevents: 200_000,
  ingredientevents: 20_000,
  datetimeevents: 20_000,
  procedureevents: 20_000,
  inputevents: 20_000,
  outputevents: 20_000,
  next_event: 100_000,
};

const RISK_TASKS = TASKS.filter((t) => t.type === "risk_prediction").map((t) => t.name);

/** EHR-Ins: 40,000 per risk task, 20,000 for ICU mortality at 1, 2, 3 and 14 days (`enh_ins.json`). */
const EHR_INS: SampleConfig = {
  ...DECISION_COUNTS,
  ...Object.fromEntries(
    RISK_TASKS.map((t) => [
      t,
      ["ICU_Mortality_1day", "ICU_Mortality_2day", "ICU_Mortality_3day", "ICU_Mortality_14day"].includes(t)
        ? 20_000
        : 40_000,
    ]),
  ),
};

/** EHR-Bench: the decision counts, every eligible risk sample (`ehr_bench_risk_prediction.json`: -1). */
const EHR_BENCH: SampleConfig = { ...DECISION_COUNTS, ...Object.fromEntries(RISK_TASKS.map((t) => [t, -1])) };

export interface Preset {
  config: SampleConfig;
  /** The split the reference built it from. */
  split: "train" | "test";
  /** What the reference's script passed on top of the config (`--force_task_num 500 --balance_force` for the benchmark). */
  perTask?: number;
  balance?: boolean;
}

/**
 * EHR-Ins-RL, stage 3's prompts. The reference trains GRPO on `ehr_ins_rl.csv`, which is not
 * released (nor how it was drawn), so this is ehr-r1's documented choice: every EHR-Ins task (all
 * have a verifiable reward; EHR-Ins has no discharge-summary task, whose ROUGE grpo.py cannot
 * reward) at up to 1,000 samples from the training split, risk labels balanced so that GRPO groups
 * see both answers.
 */
const EHR_INS_RL: SampleConfig = Object.fromEntries(Object.keys(EHR_INS).map((t) => [t, 1_000]));

export const PRESETS: Readonly<Record<string, Preset>> = {
  "ehr-bench": { config: EHR_BENCH, split: "test", perTask: 500, balance: true },
  "ehr-ins": { config: EHR_INS, split: "train" },
  "ehr-ins-rl": { config: EHR_INS_RL, split: "train", balance: true },
};

const configSchema = z.record(z.string(), z.number().int());

/** A config from a preset name or a JSON file's text; unknown tasks and negative counts other than -1 are errors. */
export function parseConfig(text: string, where: string): SampleConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const result = configSchema.safeParse(parsed);
  if (!result.success)
    throw new UsageError(
      `${where}: expected {"task": count, ...} with whole-number counts (${result.error.issues[0]?.message ?? "invalid"})`,
    );
  const known = new Set(TASKS.map((t) => t.name));
  const unknown = Object.keys(result.data).filter((k) => !known.has(k));
  if (unknown.length)
    throw new UsageError(`${where}: unknown task(s) ${unknown.join(", ")} (see \`ehr-r1 tasks list\`)`);
  const negative = Object.entries(result.data).filter(([, n]) => n < -1);
  if (negative.length)
    throw new UsageError(
      `${where}: counts must be -1 (all) or >= 0; got ${negative.map(([k, n]) => `${k}: ${n}`).join(", ")}`,
    );
  return result.data;
}
