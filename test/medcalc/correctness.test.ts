import { describe, expect, it } from "vitest";
import { medcalcCorrect } from "../../src/rewards/medcalc-correctness.js";
import { ehrmindPass, evalAnswer } from "../../src/medcalc/evaluate.js";
import { parsePyJson, pyStrOf } from "../../src/python/json.js";
import { evalPyNumber, pyRound } from "../../src/python/number.js";

const decimal = { target: "25.238", calid: 2, lower_limit: "23.9761", upper_limit: "26.4999" };
const integer = { target: "4", calid: 4, lower_limit: "4", upper_limit: "4" };
const date = { target: "09/23/2014", calid: 13, lower_limit: "09/23/2014", upper_limit: "09/23/2014" };
const gestation = {
  target: "('0 weeks', '6 days')",
  calid: 69,
  lower_limit: "('0 weeks', '6 days')",
  upper_limit: "('0 weeks', '6 days')",
};
const ok = (answer: string, truth: Parameters<typeof medcalcCorrect>[1]) => medcalcCorrect(answer, truth).correct;

describe("MedCalc-Bench rules (worked by hand from evaluate.py's semantics)", () => {
  it("decimals: inclusive limits", () => {
    expect([
      ok("25.238", decimal),
      ok("23.9761", decimal),
      ok("26.4999", decimal),
      ok("26.5", decimal),
      ok("23.976", decimal),
    ]).toEqual([1, 1, 1, 0, 0]);
    expect(ok(" 25", decimal)).toBe(1); // eval() skips leading spaces
    expect(ok("25 mL/min", decimal)).toBe(0); // a unit: the reference's eval raises
    expect(medcalcCorrect("2+23", decimal)).toMatchObject({
      correct: 0,
      error: expect.stringContaining("not a number"),
    }); // deliberate: no expressions
  });

  it("integers: Python round() (half to even) against the ground truth", () => {
    expect([
      ok("4", integer),
      ok("4.4", integer),
      ok("4.5", integer),
      ok("3.5", integer),
      ok("5.5", integer),
      ok("4.6", integer),
    ]).toEqual([1, 1, 1, 1, 0, 0]);
    expect(ok("05", { ...integer, target: "5" })).toBe(0); // leading zero: SyntaxError in Python
    expect(ok("True", { ...integer, target: "1" })).toBe(1); // JSON true → "True" → 1
    expect(ok("None", integer)).toBe(0);
    expect(ok("-1", { ...integer, target: "-1" })).toBe(1);
    expect(ok("(4)", integer)).toBe(1);
    expect([pyRound(0.5), pyRound(1.5), pyRound(2.5), pyRound(-2.5), pyRound(-3.5), pyRound(2.675)]).toEqual([
      0n,
      2n,
      2n,
      -2n,
      -4n,
      3n,
    ]);
    expect([
      evalPyNumber("1_000"),
      evalPyNumber("0x1f"),
      evalPyNumber("5."),
      evalPyNumber(".5"),
      evalPyNumber("1e3"),
      evalPyNumber("--2"),
    ]).toEqual([1000n, 31n, 5, 0.5, 1000, 2n]);
  });

  it("dates: strptime %m/%d/%Y, unpadded accepted, anything else wrong", () => {
    expect([
      ok("09/23/2014", date),
      ok("9/23/2014", date),
      ok("09/24/2014", date),
      ok("2014-09-23", date),
      ok(" 09/23/2014", date),
      ok("09/23/2014.", date),
    ]).toEqual([1, 1, 0, 0, 0, 0]);
    expect(medcalcCorrect("02/30/2014", date).error).toBe("day is out of range for month");
    // strptime's own message for text that is no date; year 1 is the first valid year, year 0 is none.
    expect(medcalcCorrect("2014-09-23", date)).toEqual({
      correct: 0,
      error: `time data "2014-09-23" does not match format '%m/%d/%Y'`,
    });
    expect(ok("01/01/0001", { ...date, target: "01/01/0001" })).toBe(1);
    expect(medcalcCorrect("01/01/0000", date).error).toBe("day is out of range for month");
  });

  it("gestational age: the (weeks, days) pattern searched in both", () => {
    expect([
      ok("(0, 6)", gestation),
      ok("0 weeks, 6 days", gestation),
      ok("('0 weeks', '6 days')", gestation),
      ok("06", gestation),
      ok("(0, 5)", gestation),
      ok("6 days", gestation),
    ]).toEqual([1, 1, 1, 1, 0, 0]);
    expect(ok("(00, 6)", gestation)).toBe(1); // 00 is a valid Python literal
    expect(ok("(03, 4)", { ...gestation, target: "('3 weeks', '4 days')" })).toBe(0); // 03 is not
    expect(medcalcCorrect("(001, 6)", { ...gestation, target: "('1 weeks', '6 days')" })).toEqual({
      correct: 0,
      error: "leading zeros in 001",
    });
    expect(ok("(101, 2)", { ...gestation, target: "('101 weeks', '2 days')" })).toBe(1); // a 0 inside is no leading zero
    // An answer with no pair is wrong; a ground truth with none is an error.
    expect(medcalcCorrect("about six days", gestation)).toEqual({ correct: 0, error: null });
    expect(medcalcCorrect("(0, 6)", { ...gestation, target: "unknown" })).toEqual({
      correct: 0,
      error: "ground truth unknown has no (weeks, days) pair",
    });
  });

  it("unknown calculators are an error, not a crash", () => {
    expect(medcalcCorrect("1", { ...integer, calid: 999 })).toEqual({ correct: 0, error: "unknown calculator id 999" });
  });
});

describe("Python's view of JSON answers", () => {
  it("str() of parsed values keeps ints and floats apart", () => {
    const s = (t: string) => pyStrOf(parsePyJson(t));
    expect([
      s("25"),
      s("25.0"),
      s("2.50"),
      s("1e16"),
      s("1E-5"),
      s("true"),
      s("null"),
      s('"x"'),
      s("-0"),
      s("[1, 2.0]"),
      s('{"a": "b"}'),
    ]).toEqual(["25", "25.0", "2.5", "1e+16", "1e-05", "True", "None", "x", "0", "[1, 2.0]", "{'a': 'b'}"]);
    expect(s("NaN")).toBe("nan"); // json.loads accepts it
    expect(s('{"answer": 1, "answer": 2}')).toBe("{'answer': 2}"); // the last duplicate wins
    for (const bad of ['{"answer": 1,}', "{'answer': 1}", "01", '"tab\there"', "[1] x"])
      expect(() => parsePyJson(bad), bad).toThrow();
  });

  it('the offline scorer\'s answer: first JSON block, else a bare number after "answer":', () => {
    expect(evalAnswer('x <answer> {"answer": 25.0} </answer> <answer>{"answer": 3}</answer>')).toBe("25.0");
    expect(evalAnswer('<answer>{"answer": 25.3,}</answer> so "answer": 25.3')).toBe("25.3"); // the reference's int() fails here
    expect(evalAnswer("no answer at all")).toBe("");
  });
});

describe("EHRMIND's gated pass@k (analysis/cal_analysis.py)", () => {
  const pass = (category: string, answers: string[], target: string) =>
    ehrmindPass(
      category,
      answers,
      answers.map((a) => (a === target ? 1 : 0)),
      target,
    );
  it("needs ⌊k/7⌋+2 exact answers and a low-entropy answer distribution for diagnosis and severity", () => {
    expect(pass("diagnosis", Array(12).fill("3"), "3")).toBe(true); // 12 ≥ 3, entropy 0
    // 3 of 12 right, 9 the same wrong answer: entropy −(¼ ln ¼ + ¾ ln ¾) = 0.562 < 0.8 ln 7 = 1.557
    expect(pass("severity", [...Array(3).fill("3"), ...Array(9).fill("4")], "3")).toBe(true);
    expect(pass("diagnosis", [...Array(2).fill("3"), ...Array(10).fill("4")], "3")).toBe(false); // 2 < 3
    // 3 right, 9 all different: entropy = ¼ ln 4 + 9·(1/12) ln 12 = 0.347 + 1.864 = 2.210 ≥ 1.557
    expect(pass("diagnosis", [...Array(3).fill("3"), "a", "b", "c", "d", "e", "f", "g", "h", "i"], "3")).toBe(false);
    expect(pass("diagnosis", Array(12).fill("3.0"), "3")).toBe(false); // exact strings only
  });
  it("risk: ⌊k/21⌋+2 exact and entropy below 0.8 ln 21 = 2.436; other categories: any correct sample", () => {
    // 2 right, 10 distinct: entropy = (1/6) ln 6 + (10/12) ln 12 = 0.299 + 2.071 = 2.369 < 2.436
    expect(pass("risk", ["7", "7", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], "7")).toBe(true);
    expect(pass("risk", ["7", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"], "7")).toBe(false);
    expect(ehrmindPass("lab", ["1", "2"], [0, 1], "25.2")).toBe(true);
    expect(ehrmindPass("lab", ["1", "2"], [0, 0], "25.2")).toBe(false);
  });
});
