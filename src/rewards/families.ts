import { medcalcCorrect, ruleOf, type MedcalcTruth } from "./medcalc-correctness.js";
import { isPyDict, pyEqualsInt, pyStrOf, type PyJson } from "../python/json.js";

/**
 * One task family of EHRMIND's verifiable rewards: how its ground truth reads, what its answer JSON
 * must hold, whether the tail rule applies, and how a well-formed answer scores. The reward core
 * adds the shared format rules and the combination; every family passes the same conformance suite.
 */
export interface RewardFamily<T = unknown> {
  name: string;
  /** EHRMIND's dispatch: a substring of the data source (`medcalc_lab_test` → medcalc). */
  marker: string;
  /** The ground truth (an object, or its JSON text); a string says what is wrong with it. */
  truth(groundTruth: unknown): T | string;
  /** What the answer JSON must hold beyond being JSON (docs/reference.md#ehrmind-checks); a string says what is missing. */
  shape(answer: PyJson): string | null;
  /** Whether only end-of-turn tokens may follow `</answer>` (docs/reference.md#ehrmind-checks). */
  tail: boolean;
  /** The answer score of a well-formed answer: 1 or 0, or a class weight; may throw (scored 0). */
  score(answer: PyJson, truth: T, dataSource: string, options: FamilyOptions): number;
}

export interface FamilyOptions {
  /** Trial-matching label names by index, as the prompt states them (default TREC: Irrelevant, Excluded, Eligible). */
  matchingLabels?: readonly string[];
  /**
   * Class counts per task (`{"new_acutemi": [1958, 144]}`), matched as a substring of the data
   * source: a correct answer on a `_test` split then scores 0.5·(N0+N1)/N_target, EHRSHOT's
   * balanced-accuracy weighting. A `weight` in the ground truth takes precedence.
   */
  classCounts?: Readonly<Record<string, readonly [number, number]>>;
}

/** TREC Clinical Trials 2021 semantics, which the matching prompts state. */
export const TREC_MATCHING_LABELS: readonly string[] = ["Irrelevant", "Excluded", "Eligible"];
/** The names EHRMIND's reward and SFT data actually used (0 and 1 swapped against TREC). */
export const EHRMIND_MATCHING_LABELS: readonly string[] = ["Excluded", "Irrelevant", "Eligible"];

/** An object ground truth, or the object its JSON text holds. */
export function truthObject(groundTruth: unknown): Record<string, unknown> | string {
  let value = groundTruth;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return "ground truth is not valid JSON";
    }
  }
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : "ground truth must be an object";
}

const keys = (answer: PyJson, names: string[]): string | null =>
  !isPyDict(answer)
    ? "answer JSON must be an object"
    : names.every((k) => answer.has(k))
      ? null
      : `answer JSON needs the keys ${names.map((k) => JSON.stringify(k)).join(", ")}`;

const binaryTarget = (t: Record<string, unknown>): 0 | 1 | string => {
  const target = Number(t.target);
  return (target === 0 || target === 1) && t.target !== "" && t.target !== null
    ? target
    : `ground truth target must be 0 or 1, got ${JSON.stringify(t.target)}`;
};

const weightOf = (t: Record<string, unknown>, target: 0 | 1, dataSource: string, options: FamilyOptions): number => {
  if (typeof t.weight === "number" && Number.isFinite(t.weight)) return t.weight;
  if (!dataSource.includes("_test")) return 1;
  const counts = Object.entries(options.classCounts ?? {}).find(([task]) => dataSource.includes(task))?.[1];
  return counts ? (0.5 * (counts[0] + counts[1])) / counts[target] : 1;
};

export const medcalcFamily: RewardFamily<MedcalcTruth> = {
  name: "medcalc",
  marker: "medcalc",
  truth(groundTruth) {
    const t = truthObject(groundTruth);
    if (typeof t === "string") return t;
    const calid = t.calid === null || t.calid === "" || typeof t.calid === "boolean" ? Number.NaN : Number(t.calid);
    if (!Number.isInteger(calid)) return "ground truth needs an integer calid";
    if (ruleOf(calid) === null) return `ground truth calid ${calid} is not a MedCalc-Bench v1.0 calculator`;
    for (const k of ["target", "lower_limit", "upper_limit"] as const)
      if (typeof t[k] !== "string" && typeof t[k] !== "number") return `ground truth needs ${k}`;
    return { target: String(t.target), calid, lower_limit: String(t.lower_limit), upper_limit: String(t.upper_limit) };
  },
  shape: (answer) => keys(answer, ["answer"]),
  // The reference's medcalc reward leaves the tail check out although its prompt asks for it.
  tail: false,
  score: (answer, truth) => medcalcCorrect(pyStrOf((answer as Map<string, PyJson>).get("answer")!), truth).correct,
};

export const matchingFamily: RewardFamily<{ target: number; labels: readonly string[] | null }> = {
  name: "matching",
  marker: "matching",
  truth(groundTruth) {
    const t = truthObject(groundTruth);
    if (typeof t === "string") return t;
    const target = Number(t.target);
    if (![0, 1, 2].includes(target) || t.target === "" || t.target === null)
      return `ground truth target must be 0, 1 or 2, got ${JSON.stringify(t.target)}`;
    const labels =
      Array.isArray(t.label_names) && t.label_names.length === 3 && t.label_names.every((x) => typeof x === "string")
        ? (t.label_names as string[])
        : null;
    return { target, labels };
  },
  shape: (answer) => keys(answer, ["prediction", "idx"]),
  tail: true,
  score(answer, truth, _dataSource, options) {
    const names = truth.labels ?? options.matchingLabels ?? TREC_MATCHING_LABELS;
    const a = answer as Map<string, PyJson>;
    return pyStrOf(a.get("prediction")!) === names[truth.target] && pyStrOf(a.get("idx")!) === String(truth.target)
      ? 1
      : 0;
  },
};

export const ehrshotFamily: RewardFamily<{ target: 0 | 1; name: string; raw: Record<string, unknown> }> = {
  name: "ehrshot",
  marker: "new_",
  truth(groundTruth) {
    const t = truthObject(groundTruth);
    if (typeof t === "string") return t;
    const target = binaryTarget(t);
    if (typeof target === "string") return target;
    if (typeof t.prediction !== "string") return "ground truth needs the label name as prediction";
    return { target, name: t.prediction, raw: t };
  },
  // The reference only tests `"prediction" in value`, which a JSON string passes; an object is required here.
  shape: (answer) => keys(answer, ["prediction", "label"]),
  tail: true,
  score(answer, truth, dataSource, options) {
    const a = answer as Map<string, PyJson>;
    const correct = pyStrOf(a.get("label")!) === String(truth.target) && pyStrOf(a.get("prediction")!) === truth.name;
    return correct ? weightOf(truth.raw, truth.target, dataSource, options) : 0;
  },
};

export const readmissionFamily: RewardFamily<{ target: 0 | 1 }> = {
  name: "readmission",
  marker: "readmission",
  truth(groundTruth) {
    const t = truthObject(groundTruth);
    if (typeof t === "string") return t;
    const target = binaryTarget(t);
    return typeof target === "string" ? target : { target };
  },
  shape(answer) {
    const missing = keys(answer, ["prediction", "label"]);
    if (missing) return missing;
    const a = answer as Map<string, PyJson>;
    // Python equality: false and 0.0 pass as 0, true and 1.0 as 1; the string "1" does not.
    if (pyEqualsInt(a.get("label"), 0))
      return a.get("prediction") === "no readmission" ? null : 'label 0 must come with "no readmission"';
    if (pyEqualsInt(a.get("label"), 1))
      return a.get("prediction") === "readmission" ? null : 'label 1 must come with "readmission"';
    return "label must be 0 or 1";
  },
  tail: true,
  // str(label) == str(target): `true` and `1.0` pass the shape rule but score 0, as in the reference.
  score: (answer, truth) => (pyStrOf((answer as Map<string, PyJson>).get("label")!) === String(truth.target) ? 1 : 0),
};

/** EHRMIND's dispatch order (docs/reference.md#ehrmind-dispatch): readmission, medcalc, matching, then EHRSHOT's `new_`. */
// Methods are compared bivariantly, so each family's own truth type is accepted here without a cast;
// `score` only ever receives the value that family's own `truth` returned.
export const EHRMIND_FAMILIES: readonly RewardFamily<unknown>[] = [
  readmissionFamily,
  medcalcFamily,
  matchingFamily,
  ehrshotFamily,
];

export const familyOf = (dataSource: string): RewardFamily<unknown> | undefined =>
  EHRMIND_FAMILIES.find((f) => dataSource.includes(f.marker));
