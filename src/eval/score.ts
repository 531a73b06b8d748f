import { task as taskDefinition } from "../tasks/registry.js";
import { splitThinking } from "./answers.js";
import { auroc, WeightedAuroc } from "./metrics/auroc.js";
import { bootstrapInterval } from "./metrics/bootstrap.js";
import { METRICS } from "./metrics/registry.js";

/** What a model produced for one sample, before scoring. */
export interface ModelOutput {
  text: string;
  reasoning?: string | null;
  /** p(yes) from the first generated token's yes/no log-probabilities, when the server gave them. */
  pYes?: number | null;
}

export interface SampleScore {
  answer: string;
  /** The metric's value for this sample (F1, recall, accuracy or ROUGE-1). */
  value: number;
  extra: Record<string, number>;
  /** Why the answer could not be read, when it could not (it still scores as the metric says). */
  failure: string | null;
  /** Risk tasks: the score used for AUROC, and where it came from. */
  pYes?: number;
  pYesSource?: "logprobs" | "hard-label" | "none";
}

/** Scores one output as its task's metric says (docs/reference.md#scoring): unreadable answers are flagged, never dropped. */
export function scoreSample(taskName: string, gold: string | string[], output: ModelOutput): SampleScore {
  const def = taskDefinition(taskName);
  const { answer, truncatedThinking } = splitThinking(output.text, output.reasoning);
  const result = METRICS[def.metric].score(answer, gold);
  const unreadable = truncatedThinking
    ? "output ended inside <think>"
    : def.type === "risk_prediction"
      ? "neither yes nor no"
      : "empty answer";
  const score: SampleScore = {
    answer,
    value: result.value,
    extra: result.extra,
    failure: result.readable ? null : unreadable,
  };
  if (def.type === "risk_prediction") {
    const fromLogprobs = typeof output.pYes === "number" && Number.isFinite(output.pYes);
    score.pYes = fromLogprobs ? output.pYes! : result.said === "yes" ? 1 : result.said === "no" ? 0 : 0.5;
    score.pYesSource = fromLogprobs ? "logprobs" : result.said ? "hard-label" : "none";
  }
  return score;
}

export interface ScoredSample {
  task: string;
  gold: string | string[];
  score: SampleScore;
  /** The request failed (timeout, server error): no output was scored. */
  error?: string | null;
  /** With several generations per sample: each one's value. */
  values?: number[];
}

export interface TaskSummary {
  n: number;
  metric: string;
  value: number;
  ci_low: number;
  ci_high: number;
  /** Samples whose request failed or whose answer could not be read. */
  failures: number;
  /** Risk tasks: accuracy besides AUROC, and how many p(yes) came from hard labels. */
  accuracy?: number;
  hard_label_p_yes?: number;
  /** With n generations per sample: the mean value, the best of n, and pass@k (a generation scoring 1 counts as correct). */
  samples_per_prompt?: number;
  mean_of_n?: number;
  best_of_n?: number;
  pass_at_k?: Record<string, number>;
}

/** The unbiased pass@k estimate from n generations of which c are correct (Chen et al., 2021). */
export function passAtK(n: number, c: number, k: number): number {
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

function multiSample(list: readonly ScoredSample[]): Partial<TaskSummary> {
  const withValues = list.filter((s) => s.values && s.values.length > 1);
  if (!withValues.length) return {};
  const n = Math.min(...withValues.map((s) => s.values!.length));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ks = [1, 2, 4, 8, 16, 32].filter((k) => k <= n);
  if (!ks.includes(n)) ks.push(n);
  return {
    samples_per_prompt: n,
    mean_of_n: mean(withValues.map((s) => mean(s.values!.slice(0, n)))),
    best_of_n: mean(withValues.map((s) => Math.max(...s.values!.slice(0, n)))),
    pass_at_k: Object.fromEntries(
      ks.map((k) => [
        String(k),
        mean(withValues.map((s) => passAtK(n, s.values!.slice(0, n).filter((v) => v >= 1).length, k))),
      ]),
    ),
  };
}

export interface RunSummary {
  tasks: Record<string, TaskSummary>;
  groups: { decision: number; risk: number; overall: number };
}

/**
 * Per task: the metric over its samples (mean, or AUROC for risk tasks) with a bootstrap 95%
 * interval; groups are macro averages over tasks. A failed request counts as a wrong answer
 * (value 0, p(yes) 0.5) and is counted in `failures`.
 */
export function summarize(samples: readonly ScoredSample[], seed = 0): RunSummary {
  const byTask = new Map<string, ScoredSample[]>();
  for (const s of samples) (byTask.get(s.task) ?? byTask.set(s.task, []).get(s.task)!).push(s);
  const tasks: Record<string, TaskSummary> = {};
  for (const [name, list] of [...byTask].sort(([a], [b]) => a.localeCompare(b))) {
    const def = taskDefinition(name);
    const failures = list.filter((s) => s.error || s.score.failure).length;
    if (def.type === "risk_prediction") {
      const p = list.map((s) => (s.error ? 0.5 : (s.score.pYes ?? 0.5)));
      const y = list.map((s) => s.gold === "yes");
      // Each resample is weights over the items, scored in one pass over a single sort.
      const weighted = new WeightedAuroc(p, y);
      const counts = new Uint32Array(list.length);
      const stat = (ix: readonly number[]) => {
        counts.fill(0);
        for (const i of ix) counts[i]!++;
        return weighted.value(counts);
      };
      const [lo, hi] = bootstrapInterval(list.length, stat, { seed });
      tasks[name] = {
        n: list.length,
        metric: "aucroc",
        value: auroc(p, y),
        ci_low: lo,
        ci_high: hi,
        failures,
        accuracy: list.reduce((a, s) => a + (s.error ? 0 : s.score.value), 0) / list.length,
        hard_label_p_yes: list.filter((s) => s.score.pYesSource === "hard-label").length,
        ...multiSample(list),
      };
    } else {
      const v = list.map((s) => (s.error ? 0 : s.score.value));
      const mean = (ix: readonly number[]) => ix.reduce((a, i) => a + v[i]!, 0) / ix.length;
      const [lo, hi] = bootstrapInterval(list.length, mean, { seed });
      tasks[name] = {
        n: list.length,
        metric: METRICS[def.metric].reported,
        value: mean(v.map((_, i) => i)),
        ci_low: lo,
        ci_high: hi,
        failures,
        ...multiSample(list),
      };
    }
  }
  const macro = (names: string[]) => {
    const values = names.map((n) => tasks[n]!.value).filter((v) => !Number.isNaN(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  };
  const names = Object.keys(tasks);
  const risk = names.filter((n) => taskDefinition(n).type === "risk_prediction");
  const decision = names.filter((n) => !risk.includes(n));
  return { tasks, groups: { decision: macro(decision), risk: macro(risk), overall: macro(names) } };
}
