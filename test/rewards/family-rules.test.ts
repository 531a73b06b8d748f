import { describe, expect, it } from "vitest";
import { labelProblem, rewardFor } from "../../src/rewards/core.js";
import { groupAdvantages, zeroVariance } from "../../src/rewards/grpo.js";

const answer = (json: string, think = "reasoning") => `<think>${think}</think><answer>${json}</answer>`;
const medcalc = { calid: 2, lower_limit: "23.9761", target: "25.238", upper_limit: "26.4999" };

describe("ground truths are checked before anything is scored", () => {
  it("names what is wrong with a ground truth, per family", () => {
    const cases: [string, unknown, string | null][] = [
      ["medcalc_lab_test", medcalc, null],
      ["medcalc_lab_test", JSON.stringify(medcalc), null],
      ["medcalc_lab_test", { ...medcalc, target: 25.238 }, null],
      ["medcalc_lab_test", "{not json", "ground truth is not valid JSON"],
      ["medcalc_lab_test", "[1, 2]", "ground truth must be an object"],
      ["medcalc_lab_test", null, "ground truth must be an object"],
      ["medcalc_lab_test", 7, "ground truth must be an object"],
      ["medcalc_lab_test", { ...medcalc, calid: null }, "ground truth needs an integer calid"],
      ["medcalc_lab_test", { ...medcalc, calid: "" }, "ground truth needs an integer calid"],
      ["medcalc_lab_test", { ...medcalc, calid: true }, "ground truth needs an integer calid"],
      ["medcalc_lab_test", { ...medcalc, calid: 2.5 }, "ground truth needs an integer calid"],
      ["medcalc_lab_test", { ...medcalc, calid: 999 }, "ground truth calid 999 is not a MedCalc-Bench v1.0 calculator"],
      ["medcalc_lab_test", { ...medcalc, target: null }, "ground truth needs target"],
      ["medcalc_lab_test", { ...medcalc, lower_limit: [1] }, "ground truth needs lower_limit"],
      ["medcalc_lab_test", { calid: 2, lower_limit: "1", target: "2" }, "ground truth needs upper_limit"],
      ["matching_test", { target: 2 }, null],
      ["matching_test", { target: "0" }, null],
      ["matching_test", { target: 3 }, "ground truth target must be 0, 1 or 2, got 3"],
      ["matching_test", { target: "" }, 'ground truth target must be 0, 1 or 2, got ""'],
      ["matching_test", { target: null }, "ground truth target must be 0, 1 or 2, got null"],
      ["matching_test", {}, "ground truth target must be 0, 1 or 2, got undefined"],
      ["new_acutemi_test", { target: 1, prediction: "acute MI" }, null],
      ["new_acutemi_test", { target: 1 }, "ground truth needs the label name as prediction"],
      ["new_acutemi_test", { target: 2, prediction: "x" }, "ground truth target must be 0 or 1, got 2"],
      ["new_acutemi_test", { target: "", prediction: "x" }, 'ground truth target must be 0 or 1, got ""'],
      ["new_acutemi_test", { target: null, prediction: "x" }, "ground truth target must be 0 or 1, got null"],
      ["readmission_test", { target: 0 }, null],
      ["readmission_test", { target: "1" }, null],
      ["readmission_test", { target: "yes" }, 'ground truth target must be 0 or 1, got "yes"'],
      ["labevents", '["Sodium"]', null],
      ["labevents", ["Sodium", "Chloride"], null],
      ["ICU_Stay_7day", '"yes"', null],
      ["ICU_Stay_7day", "yes", null],
      ["labevents", [1, 2], "ground truth is neither a string nor a list of strings"],
      ["labevents", { a: 1 }, "ground truth is neither a string nor a list of strings"],
    ];
    for (const [task, truth, problem] of cases)
      expect(labelProblem(task, truth), `${task} ${JSON.stringify(truth)}`).toBe(problem);
  });

  it("a broken ground truth scores as a broken format, with the reason, in both styles", () => {
    const r = rewardFor(
      "matching_test",
      answer('{"prediction": "Eligible", "idx": 2}'),
      { target: 7 },
      { style: "ehrmind" },
    );
    expect(r).toMatchObject({
      score: -2,
      components: { format: false, reason: "ground truth target must be 0, 1 or 2, got 7" },
    });
    expect(rewardFor("labevents", "Sodium", [1], {}).components).toMatchObject({
      format: false,
      reason: "ground truth is neither a string nor a list of strings",
    });
    expect(rewardFor("labevents", "Sodium", [1], { style: "ehrmind" }).score).toBe(-2);
  });
});

// EHRMIND's combination: 0.1 + 1 for a correct answer in the right format, 0 for a wrong one, −2 for a broken format.
describe("EHRMIND's answer shapes and scores per family", () => {
  it("matching pays the right name at the right index, with TREC names or the truth's own", () => {
    const trec = (json: string, truth: unknown = { target: 2 }) =>
      rewardFor("matching_test", answer(json), truth, { style: "ehrmind" }).score;
    expect(trec('{"prediction": "Eligible", "idx": 2}')).toBeCloseTo(1.1, 12);
    expect(trec('{"prediction": "Eligible", "idx": 1}')).toBe(0);
    expect(trec('{"prediction": "Excluded", "idx": 2}')).toBe(0);
    expect(trec('{"prediction": "Eligible"}')).toBe(-2);
    expect(trec('["eligible", 2]')).toBe(-2);
    const own = { target: 0, label_names: ["A", "B", "C"] };
    expect(trec('{"prediction": "A", "idx": 0}', own)).toBeCloseTo(1.1, 12);
    // label_names must be three strings to replace the defaults.
    expect(trec('{"prediction": "A", "idx": 0}', { target: 0, label_names: ["A", "B"] })).toBe(0);
    expect(trec('{"prediction": "A", "idx": 0}', { target: 0, label_names: ["A", "B", 3] })).toBe(0);
  });

  it("EHRSHOT pays label and prediction together, weighted on test splits only", () => {
    const truth = { target: 1, prediction: "acute MI" };
    const score = (json: string, task = "new_acutemi_test", t: unknown = truth) =>
      rewardFor(task, answer(json), t, { style: "ehrmind", classCounts: { new_acutemi: [300, 100] } }).score;
    // 0.5·(300 + 100)/100 = 2 on the test split, 1 elsewhere; the truth's own weight wins.
    expect(score('{"prediction": "acute MI", "label": 1}')).toBeCloseTo(2.1, 12);
    expect(score('{"prediction": "acute MI", "label": 1}', "new_acutemi_train")).toBeCloseTo(1.1, 12);
    expect(score('{"prediction": "acute MI", "label": 1}', "new_acutemi_test", { ...truth, weight: 3 })).toBeCloseTo(
      3.1,
      12,
    );
    expect(score('{"prediction": "acute MI", "label": 0}')).toBe(0);
    expect(score('{"prediction": "other", "label": 1}')).toBe(0);
    expect(score('{"prediction": "acute MI"}')).toBe(-2);
  });

  it("readmission requires the prediction that goes with the label", () => {
    const score = (json: string, target = 1) =>
      rewardFor("readmission_test", answer(json), { target }, { style: "ehrmind" });
    expect(score('{"prediction": "readmission", "label": 1}').score).toBeCloseTo(1.1, 12);
    expect(score('{"prediction": "no readmission", "label": 0}', 0).score).toBeCloseTo(1.1, 12);
    expect(score('{"prediction": "no readmission", "label": 0}', 1).score).toBe(0);
    expect(score('{"prediction": "readmission", "label": 0}').components.reason).toBe(
      'label 0 must come with "no readmission"',
    );
    expect(score('{"prediction": "no readmission", "label": 1}').components.reason).toBe(
      'label 1 must come with "readmission"',
    );
    expect(score('{"prediction": "readmission", "label": 2}').components.reason).toBe("label must be 0 or 1");
    expect(score('{"label": 1}').components.reason).toBe('answer JSON needs the keys "prediction", "label"');
    expect(score("[1]").components.reason).toBe("answer JSON must be an object");
  });

  it("EHRMIND's format: tags once each and in order, JSON inside, nothing but end tokens after", () => {
    const gt = medcalc;
    const reason = (completion: string) =>
      rewardFor("medcalc_lab_test", completion, gt, { style: "ehrmind" }).components.reason;
    const score = (completion: string) => rewardFor("medcalc_lab_test", completion, gt, { style: "ehrmind" }).score;
    expect(score('<think>x</think><answer>{"answer": 25.3}</answer>')).toBeCloseTo(1.1, 12);
    expect(score('<think>x</think>\n<answer>\n{"answer": "25.3"}\n</answer>\n<|eot_id|>')).toBeCloseTo(1.1, 12);
    expect(score('<think>x</think><answer>{"answer": 30}</answer>')).toBe(0);
    expect(reason('<think>x</think><think>y</think><answer>{"answer": 25.3}</answer>')).toBe(
      "<think> must appear exactly once",
    );
    expect(reason('<think>x<answer>{"answer": 25.3}</answer>')).toBe("</think> must appear exactly once");
    expect(reason('</think>x<think><answer>{"answer": 25.3}</answer>')).toBe(
      "tags out of order (think, /think, answer, /answer)",
    );
    expect(reason('<think>x<answer></think>{"answer": 25.3}</answer>')).toBe(
      "tags out of order (think, /think, answer, /answer)",
    );
    expect(reason("<think>x</think><answer>25.3 mg</answer>")).toMatch(/^answer is not JSON \(/);
    expect(reason('<think>x</think><answer>{"value": 25.3}</answer>')).toBe('answer JSON needs the keys "answer"');
    // MedCalc leaves the tail check out, as the reference does; matching keeps it.
    expect(score('<think>x</think><answer>{"answer": 25.3}</answer> thanks')).toBeCloseTo(1.1, 12);
    expect(
      rewardFor(
        "matching_test",
        answer('{"prediction": "Eligible", "idx": 2}') + " thanks",
        { target: 2 },
        { style: "ehrmind" },
      ).score,
    ).toBe(-2);
  });
});

describe("the tail after </answer>", () => {
  it("allows end-of-turn tokens only, where the family checks it", () => {
    const tail = (text: string) =>
      rewardFor(
        "matching_test",
        answer('{"prediction": "Eligible", "idx": 2}') + text,
        { target: 2 },
        { style: "ehrmind" },
      ).components;
    expect(tail(" thanks")).toMatchObject({ format: false, reason: 'text after </answer>: "thanks"' });
    expect(tail("\n<|eot_id|>")).toMatchObject({ format: true, reason: null });
    expect(tail("<|eot_id|> <|end_of_text|> thanks")).toMatchObject({ format: false });
  });
});

describe("GRPO group advantages", () => {
  it("standardises each group by its unbiased standard deviation, and flags groups without signal", () => {
    expect(groupAdvantages([])).toEqual([]);
    // One completion: (r − 0) / (1 + ε), the reference's convention for a group of one.
    expect(groupAdvantages([2])[0]).toBeCloseTo(2 / (1 + 1e-6), 12);
    // Rewards 1, 0, 0, 0: mean 1/4, unbiased std 1/2.
    const a = groupAdvantages([1, 0, 0, 0]);
    expect(a[0]).toBeCloseTo(0.75 / (0.5 + 1e-6), 9);
    expect(a[1]).toBeCloseTo(-0.25 / (0.5 + 1e-6), 9);
    expect(zeroVariance([1, 1, 1])).toBe(true);
    expect(zeroVariance([1, 0])).toBe(false);
    expect(zeroVariance([1])).toBe(false);
    expect(zeroVariance([])).toBe(false);
  });
});
