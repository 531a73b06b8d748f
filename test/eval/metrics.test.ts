import { describe, expect, it } from "vitest";
import { answerItems, singleAnswer, splitThinking, yesNo } from "../../src/eval/answers.js";
import { auroc, rocCurve } from "../../src/eval/metrics/auroc.js";
import { bootstrapInterval } from "../../src/eval/metrics/bootstrap.js";
import { rouge1 } from "../../src/eval/metrics/rouge1.js";
import { setOverlap } from "../../src/eval/metrics/set-overlap.js";

describe("metrics against published or hand-worked values", () => {
  it("AUROC: scikit-learn's documented example is 0.75; ties count half", () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(auroc([0.5, 0.5], [true, false])).toBe(0.5);
    expect(auroc([0.9, 0.1, 0.8], [true, false, true])).toBe(1);
    expect(auroc([0.2, 0.3], [true, true])).toBeNaN();
    expect(rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it("set precision, recall and F1 by hand: 2 of 3 predicted are among 4 gold", () => {
    const s = setOverlap(["A", "b", "c"], ["b", "C", "d", "e"]);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(1 / 2, 12);
    expect(s.f1).toBeCloseTo(4 / 7, 12);
    expect(setOverlap([], ["x"])).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("ROUGE-1 with stemming: rouge_score's README example (P 0.75, R 0.6667, F 0.7059)", () => {
    const r = rouge1("The quick brown dog jumps on the log.", "The quick brown fox jumps over the lazy dog");
    expect(r.precision).toBeCloseTo(0.75, 4);
    expect(r.recall).toBeCloseTo(0.6667, 4);
    expect(r.f1).toBeCloseTo(0.7059, 4);
  });

  it("bootstrap intervals bracket the estimate and are reproducible", () => {
    const values = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const mean = (ix: readonly number[]) => ix.reduce((a, i) => a + values[i]!, 0) / ix.length;
    const [lo, hi] = bootstrapInterval(values.length, mean, { seed: 1 });
    expect(lo).toBeLessThan(0.25);
    expect(hi).toBeGreaterThan(0.25);
    expect(hi - lo).toBeGreaterThan(0.06);
    expect(hi - lo).toBeLessThan(0.2);
    expect(bootstrapInterval(values.length, mean, { seed: 1 })).toEqual([lo, hi]);
  });
});

describe("answer parsing", () => {
  it("separates thinking from the answer, and flags a think block cut short", () => {
    expect(splitThinking("<think>\nlabs are low\n</think>\n\nSodium\nPotassium")).toEqual({
      answer: "Sodium\nPotassium",
      reasoning: "labs are low",
      truncatedThinking: false,
    });
    expect(splitThinking("<think>\nstill thinking")).toEqual({
      answer: "",
      reasoning: "still thinking",
      truncatedThinking: true,
    });
    expect(splitThinking("yes", "server-side reasoning")).toEqual({
      answer: "yes",
      reasoning: "server-side reasoning",
      truncatedThinking: false,
    });
  });

  it("reads decision items, yes/no and single answers robustly", () => {
    expect(answerItems(" Sodium \n\nsodium\nPotassium\\nGlucose\n")).toEqual(["sodium", "potassium", "glucose"]);
    expect(answerItems("")).toEqual([]);
    expect(yesNo("Yes.")).toBe("yes");
    expect(yesNo("  NO, the patient")).toBe("no");
    expect(yesNo("**yes**")).toBe("yes");
    expect(yesNo("maybe")).toBeNull();
    expect(yesNo("")).toBeNull();
    expect(singleAnswer("\n labevents.\nmore")).toBe("labevents");
  });
});

describe("weighted AUROC for bootstrap resamples", () => {
  it("equals the AUROC of the sample with each item repeated by its weight", async () => {
    const { WeightedAuroc } = await import("../../src/eval/metrics/auroc.js");
    const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2];
    const labels = [false, false, true, true, true, false, false];
    const weights = [2, 0, 1, 3, 1, 1, 0];
    const expanded = scores.flatMap((s, i) => Array<number>(weights[i]!).fill(s));
    const expandedLabels = labels.flatMap((l, i) => Array<boolean>(weights[i]!).fill(l));
    expect(new WeightedAuroc(scores, labels).value(weights)).toBeCloseTo(auroc(expanded, expandedLabels), 12);
    expect(new WeightedAuroc(scores, labels).value(scores.map(() => 1))).toBeCloseTo(auroc(scores, labels), 12);
  });
});

describe("several generations per sample", () => {
  it("pass@k is the unbiased estimate (hand values), and best-of-n and mean-of-n aggregate per task", async () => {
    const { passAtK, summarize } = await import("../../src/eval/score.js");
    expect(passAtK(5, 2, 1)).toBeCloseTo(0.4, 12);
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    expect(passAtK(5, 0, 3)).toBe(0);
    expect(passAtK(5, 4, 2)).toBe(1);
    const score = { answer: "", value: 1, extra: {}, failure: null };
    const summary = summarize([
      { task: "next_event", gold: "labevents", score, values: [1, 0, 0, 1] },
      { task: "next_event", gold: "labevents", score: { ...score, value: 0 }, values: [0, 0, 0, 0] },
    ]);
    expect(summary.tasks.next_event).toMatchObject({ samples_per_prompt: 4, mean_of_n: 0.25, best_of_n: 0.5 });
    expect(summary.tasks.next_event!.pass_at_k!["1"]).toBeCloseTo(0.25, 12);
    expect(summary.tasks.next_event!.pass_at_k!["4"]).toBeCloseTo(0.5, 12);
  });
});

describe("scoring malformed outputs", () => {
  it("scores empty, think-only, cut-off and garbage outputs as the metric says, flagged, never throwing", async () => {
    const { scoreSample } = await import("../../src/eval/score.js");
    // Garbage is an answer (a wrong one); nothing to read is a flagged failure.
    const garbage = scoreSample("labevents", ["Sodium"], { text: "\u0000\u0001 }{ garbage" });
    expect(garbage).toMatchObject({ value: 0, failure: null });
    expect(scoreSample("ICU_Stay_7day", "yes", { text: "\u0000 }{" })).toMatchObject({
      value: 0,
      pYes: 0.5,
      failure: "neither yes nor no",
    });
    for (const text of ["", "<think>\nall reasoning", "<think>x</think>", "   \n \n"]) {
      const list = scoreSample("labevents", ["Sodium"], { text });
      expect(list.value).toBe(0);
      expect(list.failure).not.toBeNull();
      const risk = scoreSample("ICU_Stay_7day", "yes", { text });
      expect(risk).toMatchObject({ value: 0, pYes: 0.5, pYesSource: "none" });
      expect(risk.failure).not.toBeNull();
      expect(scoreSample("discharge", "Discharge summary text", { text }).value).toBe(0);
    }
    expect(scoreSample("labevents", ["Sodium"], { text: "<think>\nall reasoning" }).failure).toBe(
      "output ended inside <think>",
    );
    expect(scoreSample("ICU_Stay_7day", "yes", { text: "Yes.", pYes: 0.8 })).toMatchObject({
      value: 1,
      pYes: 0.8,
      pYesSource: "logprobs",
      failure: null,
    });
    expect(scoreSample("ICU_Stay_7day", "yes", { text: "no" })).toMatchObject({
      value: 0,
      pYes: 0,
      pYesSource: "hard-label",
    });
    expect(scoreSample("prescriptions", ["A", "B"], { text: "a\nc" })).toMatchObject({
      value: 0.5,
      extra: { precision: 0.5, recall: 0.5, f1: 0.5 },
    });
    expect(scoreSample("next_event", "labevents", { text: "<think>hmm</think>\nLabevents" }).value).toBe(1);
  });
});
