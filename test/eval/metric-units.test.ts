import { describe, expect, it } from "vitest";
import { auroc, rocCurve, WeightedAuroc } from "../../src/eval/metrics/auroc.js";
import { bootstrapInterval } from "../../src/eval/metrics/bootstrap.js";
import { METRICS } from "../../src/eval/metrics/registry.js";
import { rouge1, rougeTokens } from "../../src/eval/metrics/rouge1.js";
import { setOverlap } from "../../src/eval/metrics/set-overlap.js";

describe("metric building blocks, by hand", () => {
  it("AUROC: pairs won over all pairs, ties half; NaN without both classes", () => {
    // Positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) → 3/4.
    expect(auroc([0.9, 0.5, 0.4, 0.1], [true, false, true, false])).toBe(0.75);
    // A tie between a positive and a negative counts half: (1 + 0.5) / 2.
    expect(auroc([0.8, 0.5, 0.5], [true, true, false])).toBe(0.75);
    expect(auroc([0.2, 0.2, 0.2, 0.2], [true, false, true, false])).toBe(0.5);
    expect(auroc([0.1, 0.9], [true, false])).toBe(0);
    expect(auroc([0.3, 0.6], [true, true])).toBeNaN();
    expect(auroc([0.3, 0.6], [false, false])).toBeNaN();
    expect(auroc([], [])).toBeNaN();
  });

  it("weighted AUROC equals AUROC of the sample with items repeated by their weights", () => {
    const scores = [0.9, 0.5, 0.5, 0.4, 0.1, 0.7];
    const positives = [true, false, true, true, false, false];
    const w = new WeightedAuroc(scores, positives);
    expect(w.value([1, 1, 1, 1, 1, 1])).toBe(auroc(scores, positives));
    const weights = [2, 0, 1, 3, 1, 2];
    const repeatedScores = scores.flatMap((s, i) => Array<number>(weights[i]!).fill(s));
    const repeatedPositives = positives.flatMap((p, i) => Array<boolean>(weights[i]!).fill(p));
    expect(w.value(weights)).toBeCloseTo(auroc(repeatedScores, repeatedPositives), 12);
    expect(w.value([1, 0, 1, 1, 0, 0])).toBeNaN();
    expect(w.value([0, 1, 0, 0, 1, 1])).toBeNaN();
  });

  it("ROC curve: one point per distinct score, from (0,0) to (1,1)", () => {
    expect(rocCurve([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it("bootstrap interval: reproducible from the seed, inside the statistic's range, NaN for nothing", () => {
    const values = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1];
    const mean = (idx: readonly number[]) => idx.reduce((a, i) => a + values[i]!, 0) / idx.length;
    const a = bootstrapInterval(values.length, mean, { seed: 3, resamples: 400 });
    expect(bootstrapInterval(values.length, mean, { seed: 3, resamples: 400 })).toEqual(a);
    expect(bootstrapInterval(values.length, mean, { seed: 4, resamples: 400 })).not.toEqual(a);
    expect(a[0]).toBeLessThan(0.7);
    expect(a[1]).toBeGreaterThan(0.7);
    expect(a[0]).toBeGreaterThanOrEqual(0.2);
    expect(a[1]).toBeLessThanOrEqual(1);
    // Every resample has n indexes in [0, n).
    const seen: number[][] = [];
    bootstrapInterval(5, (idx) => (seen.push([...idx]), 0), { resamples: 7 });
    expect(seen).toHaveLength(7);
    for (const s of seen) {
      expect(s).toHaveLength(5);
      for (const i of s) expect(i >= 0 && i < 5 && Number.isInteger(i)).toBe(true);
    }
    expect(new Set(seen.flat()).size).toBeGreaterThan(1);
    // A constant statistic gives a zero-width interval; one that is always NaN gives NaN.
    expect(bootstrapInterval(4, () => 0.25)).toEqual([0.25, 0.25]);
    expect(bootstrapInterval(4, () => Number.NaN)).toEqual([Number.NaN, Number.NaN]);
    expect(bootstrapInterval(0, () => 1)).toEqual([Number.NaN, Number.NaN]);
    // NaN resamples are left out, not counted as values.
    let k = 0;
    expect(bootstrapInterval(3, () => (k++ % 2 ? Number.NaN : 0.5), { resamples: 10 })).toEqual([0.5, 0.5]);
  });

  it("set overlap and ROUGE-1, by hand", () => {
    expect(setOverlap([" Sodium", "POTASSIUM", "sodium"], ["sodium ", "Chloride"])).toEqual({
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
    expect(setOverlap([], ["a"])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(setOverlap(["a"], [])).toEqual({ precision: 0, recall: 0, f1: 0 });
    // rouge_score's tokenizer: lower case, non-alphanumerics split, Porter stems for tokens longer than 3.
    expect(rougeTokens("The patients were Walking; BP 120/80, sob.")).toEqual([
      "the",
      "patient",
      "were",
      "walk",
      "bp",
      "120",
      "80",
      "sob",
    ]);
    expect(rougeTokens("was runs")).toEqual(["was", "run"]);
    // "the cat sat" vs "the cat the dog": overlap 2 (the, cat); P 2/3, R 2/4, F1 = 2·(2/3)(1/2)/(2/3+1/2) = 4/7.
    const r = rouge1("the cat sat", "the cat the dog");
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.f1).toBeCloseTo(4 / 7, 12);
    // Repeated tokens are matched at most as often as the reference holds them.
    expect(rouge1("the the the", "the cat").precision).toBeCloseTo(1 / 3, 12);
    expect(rouge1("", "x")).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("per-sample metrics by task metric name", () => {
    expect(METRICS.em.reported).toBe("f1");
    expect(METRICS.recall.reported).toBe("recall");
    expect(METRICS.acc.reported).toBe("acc");
    expect(METRICS.rouge.reported).toBe("rouge");
    expect(METRICS.aucroc.reported).toBe("aucroc");
    expect(METRICS.em.score("Sodium\nPotassium", ["Sodium", "Chloride"])).toEqual({
      value: 0.5,
      extra: { precision: 0.5, recall: 0.5, f1: 0.5 },
      readable: true,
    });
    expect(METRICS.recall.score("Sodium", ["Sodium", "Chloride"])).toMatchObject({ value: 0.5, readable: true });
    expect(METRICS.em.score("", ["Sodium"])).toMatchObject({ value: 0, readable: false });
    expect(METRICS.em.score("Sodium", "Sodium")).toMatchObject({ value: 1 });
    expect(METRICS.acc.score("labevents", "labevents")).toMatchObject({ value: 1, readable: true });
    expect(METRICS.acc.score("LabEvents", "labevents")).toMatchObject({ value: 1 });
    expect(METRICS.acc.score("prescriptions", "labevents")).toMatchObject({ value: 0, readable: true });
    expect(METRICS.acc.score("", "labevents")).toMatchObject({ value: 0, readable: false });
    expect(METRICS.rouge.score("the cat sat", "the cat the dog").value).toBeCloseTo(4 / 7, 12);
    expect(METRICS.rouge.score("   ", "the cat")).toMatchObject({ value: 0, readable: false });
    expect(METRICS.aucroc.score("yes", "yes")).toEqual({ value: 1, extra: {}, readable: true, said: "yes" });
    expect(METRICS.aucroc.score("no", "yes")).toEqual({ value: 0, extra: {}, readable: true, said: "no" });
    expect(METRICS.aucroc.score("maybe", "yes")).toMatchObject({ value: 0, readable: false, said: null });
  });
});
