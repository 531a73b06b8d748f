import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { literal, Store } from "../../src/store/database.js";
import { describeNeeding, EHRMIND_VERL_DIR } from "../helpers/data.js";
import { rewardFor } from "../../src/rewards/core.js";
import {
  EHRMIND_MATCHING_LABELS,
  ehrshotFamily,
  matchingFamily,
  medcalcFamily,
  readmissionFamily,
} from "../../src/rewards/families.js";
import { rewardFamilyConformance } from "../helpers/reward-family-conformance.js";

describe("reward families: shared conformance", () => {
  rewardFamilyConformance({
    family: medcalcFamily as never,
    dataSource: "medcalc_lab_test",
    groundTruth: { target: "25.238", calid: 2, lower_limit: "23.9761", upper_limit: "26.4999" },
    correctJson: '{"answer": 25.0}',
    wrongJson: '{"answer": "27"}',
  });
  rewardFamilyConformance({
    family: matchingFamily as never,
    dataSource: "matching_train",
    groundTruth: { target: 1 },
    correctJson: '{"prediction": "Excluded", "idx": 1}',
    wrongJson: '{"prediction": "Irrelevant", "idx": 0}',
  });
  rewardFamilyConformance({
    family: ehrshotFamily as never,
    dataSource: "new_acutemi_train",
    groundTruth: { target: 1, prediction: "Yes" },
    correctJson: '{"prediction": "Yes", "label": 1}',
    wrongJson: '{"prediction": "No", "label": 0}',
  });
  rewardFamilyConformance({
    family: readmissionFamily as never,
    dataSource: "readmission_train",
    groundTruth: { target: 0 },
    correctJson: '{"prediction": "no readmission", "label": 0}',
    wrongJson: '{"prediction": "readmission", "label": 1}',
  });
});

const wrap = (json: string, tail = "<|eot_id|>") => `<think>x</think>\n<answer>${json}</answer>${tail}`;

describe("reward families (cases worked by hand from reference-ehrmind-rewards.md)", () => {
  it("matching: TREC names by default; EHRMIND's swapped names on request; idx compared as str()", () => {
    expect(rewardFor("matching_val", wrap('{"prediction": "Irrelevant", "idx": 0}'), { target: 0 }).score).toBeCloseTo(
      1.1,
      12,
    );
    expect(
      rewardFor(
        "matching_val",
        wrap('{"prediction": "Irrelevant", "idx": 0}'),
        { target: 0 },
        { matchingLabels: EHRMIND_MATCHING_LABELS },
      ).score,
    ).toBe(0);
    expect(
      rewardFor("matching_val", wrap('{"prediction": "Eligible", "idx": "2"}'), '{"target": 2}').score,
    ).toBeCloseTo(1.1, 12);
    expect(rewardFor("matching_val", wrap('{"prediction": "Eligible", "idx": 2.0}'), { target: 2 }).score).toBe(0); // str(2.0) = "2.0"
    expect(
      rewardFor("matching_val", wrap('{"prediction": "Nope", "idx": 0}'), {
        target: 0,
        label_names: ["Nope", "Maybe", "Yes"],
      }).score,
    ).toBeCloseTo(1.1, 12);
    expect(rewardFor("matching_val", wrap('{"idx": 0}'), { target: 0 }).score).toBe(-2);
  });

  it("EHRSHOT: balanced-accuracy weights on test splits, from the class counts", () => {
    const counts = { classCounts: { new_acutemi: [1958, 144] as const } };
    const yes = wrap('{"prediction": "Yes", "label": 1}');
    expect(rewardFor("new_acutemi_test", yes, { target: 1, prediction: "Yes" }, counts).score).toBeCloseTo(
      0.1 + (0.5 * 2102) / 144,
      12,
    ); // 7.3986
    expect(
      rewardFor("new_acutemi_test", wrap('{"prediction": "No", "label": 0}'), { target: 0, prediction: "No" }, counts)
        .score,
    ).toBeCloseTo(0.1 + (0.5 * 2102) / 1958, 12); // 0.6368
    expect(rewardFor("new_acutemi_train", yes, { target: 1, prediction: "Yes" }, counts).score).toBeCloseTo(1.1, 12);
    expect(rewardFor("new_acutemi_test", yes, { target: 1, prediction: "Yes", weight: 3 }, counts).score).toBeCloseTo(
      3.1,
      12,
    );
    expect(
      rewardFor("new_acutemi_test", wrap('{"prediction": "yes", "label": 1}'), { target: 1, prediction: "Yes" }).score,
    ).toBe(0); // names are case-sensitive
    expect(
      rewardFor("new_acutemi_test", wrap('{"prediction": "Yes", "label": "1"}'), { target: 1, prediction: "Yes" })
        .score,
    ).toBeCloseTo(1.1, 12); // str("1") == str(1)
  });

  it("readmission: the label must agree with the prediction (Python ==), and str(label) must equal str(target)", () => {
    const r = (json: string, target = 1, tail?: string) =>
      rewardFor("readmission_test", wrap(json, tail), { target }).score;
    expect(r('{"prediction": "readmission", "label": 1}')).toBeCloseTo(1.1, 12);
    expect(r('{"prediction": "readmission", "label": true}')).toBe(0); // passes the format, "True" != "1"
    expect(r('{"prediction": "readmission", "label": 1.0}')).toBe(0);
    expect(r('{"prediction": "readmission", "label": "1"}')).toBe(-2); // "1" == 1 is False in Python
    expect(r('{"prediction": "readmission", "label": 0}', 0)).toBe(-2); // label 0 needs "no readmission"
    expect(r('{"prediction": "no readmission", "label": false}', 0)).toBe(0);
    expect(r('{"prediction": "readmission", "label": 1}', 1, "<|eot_id|><|eot_id|>")).toBe(-2); // glued tokens are not one allowed token
    expect(r('{"prediction": "readmission", "label": 1}', 1, "\n<|eot_id|>\n<|eot_id|>")).toBeCloseTo(1.1, 12);
    expect(
      rewardFor(
        "readmission_test",
        wrap('{"prediction": "readmission", "label": 1}', "<|eot_id|>"),
        { target: 1 },
        { tailTokens: [] },
      ).score,
    ).toBe(-2);
  });

  it("refuses MedCalc ground truths without a known calculator", () => {
    const answer = '<think>x</think><answer>{"answer": "4"}</answer>';
    expect(
      rewardFor("medcalc_risk_test", answer, { target: "4", calid: null, lower_limit: "4", upper_limit: "4" })
        .components.reason,
    ).toBe("ground truth needs an integer calid");
    expect(
      rewardFor("medcalc_risk_test", answer, { target: "4", calid: 1, lower_limit: "4", upper_limit: "4" }).components
        .reason,
    ).toBe("ground truth calid 1 is not a MedCalc-Bench v1.0 calculator");
    expect(
      rewardFor("medcalc_risk_test", answer, { target: "4", calid: "4", lower_limit: "4", upper_limit: "4" }).score,
    ).toBeCloseTo(1.1, 12); // DuckDB's JSON gives BIGINT as text
  });

  it("a prefilled <think>: counted once with the prompt; assumed without it", () => {
    // As EHRMIND's prompts: the note, then a format example with the tags, then the prefill.
    const prompt =
      '<|start_header_id|>user<|end_header_id|>\nPhysician Assistant: saw the patient\nFor example,\n<think>\n[reasoning]\n</think>\n<answer>\n{"answer": "1"}\n</answer><|eot_id|>\n<|start_header_id|>assistant<|end_header_id|>\nLet me solve this step by step.\n<think>';
    const gt = { target: "4", calid: 4, lower_limit: "4", upper_limit: "4" };
    const answer = 'reasoning</think>\n<answer>{"answer": "4"}</answer>';
    expect(rewardFor("medcalc_risk_test", answer, gt, { prompt }).score).toBeCloseTo(1.1, 12); // the reference split at "Assistant:" and scored −2
    expect(rewardFor("medcalc_risk_test", answer, gt).score).toBeCloseTo(1.1, 12);
    expect(rewardFor("medcalc_risk_test", `<think>${answer}`, gt, { prompt }).score).toBe(-2);
    // EHRMIND's own split (assistantSplit "reference") cuts at the note's "Assistant:": the sample scores −2, as it did there.
    expect(rewardFor("medcalc_risk_test", answer, gt, { prompt, assistantSplit: "reference" }).score).toBe(-2);
    const clean = prompt.replace("Physician Assistant: saw", "The physician saw");
    expect(
      rewardFor("medcalc_risk_test", answer, gt, { prompt: clean, assistantSplit: "reference" }).score,
    ).toBeCloseTo(1.1, 12);
    // A completion that itself says "Assistant:" is not cut there.
    expect(
      rewardFor("medcalc_risk_test", `As the Assistant: I count 4 points.${answer}`, gt, { prompt }).score,
    ).toBeCloseTo(1.1, 12);
  });
});

describeNeeding(
  [join(EHRMIND_VERL_DIR, "matching_sft_val.parquet")],
  "matching on EHRMIND's committed SFT rows (100 real outputs)",
  () => {
    it("scores every output 1.1 under the names that data used, and only the Eligible rows under TREC's", async () => {
      const store = await Store.open(":memory:");
      try {
        const rows = await store.rows<{ output: string; label: number }>(
          `SELECT output, label::INTEGER AS label FROM ${literal(join(EHRMIND_VERL_DIR, "matching_sft_val.parquet"))}`,
        );
        const byLabel = await store.rows<{ label: number; n: number }>(
          `SELECT label::INTEGER AS label, count(*)::INTEGER AS n FROM ${literal(join(EHRMIND_VERL_DIR, "matching_sft_val.parquet"))} GROUP BY 1 ORDER BY 1`,
        );
        expect(byLabel).toEqual([
          { label: 0, n: 38 },
          { label: 1, n: 32 },
          { label: 2, n: 30 },
        ]);
        const swapped = rows.map(
          (r) =>
            rewardFor("matching_val", r.output, { target: r.label }, { matchingLabels: EHRMIND_MATCHING_LABELS }).score,
        );
        expect(swapped.every((s) => Math.abs(s - 1.1) < 1e-12)).toBe(true);
        const trec = rows.map((r) => rewardFor("matching_val", r.output, { target: r.label }).score);
        expect(trec.filter((s) => s > 1).length).toBe(30);
        expect(trec.filter((s) => s === 0).length).toBe(70);
      } finally {
        store.close();
      }
    });
  },
);
