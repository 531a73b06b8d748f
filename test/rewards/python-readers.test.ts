import { describe, expect, it } from "vitest";
import { isPyDict, parsePyJson, pyEqualsInt, PyJsonError, pyStrOf, type PyJson } from "../../src/python/json.js";
import { evalPyNumber, pyLessOrEqual, pyNumberEquals, PyNumberError, pyRound } from "../../src/python/number.js";

/** A parsed value as plain JavaScript (ints as numbers, dicts as objects), to compare with JSON.parse. */
function plain(v: PyJson): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (isPyDict(v)) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  return v;
}

/** JSON texts JSON.parse accepts: every escape, nesting, empty containers, whitespace, numbers, duplicate keys. */
const VALID = [
  '"plain"',
  String.raw`"q\" b\\ s\/ \b\f\n\r\t end"`,
  String.raw`"\u00e9\u0041 \uD83D\uDE00 \u20ac"`,
  '"é — 😀"',
  "{}",
  "[]",
  " \t\n\r[ ] ",
  '{"a": {}, "b": [], "c": [{}]}',
  "[1, -2, 3.5, -0.25, 1e3, 2E-2, 6.02e+23, 0, -0.0]",
  '{"x": true, "y": false, "z": null}',
  '{ "k" : [ 1 , [ 2 , [ 3 ] ] ] , "l" : "m" }',
  '{"dup": 1, "dup": 2}',
  "[[[[[]]]]]",
  '"a\\\\"',
  '{"answer": ["Sodium", "Potassium"]}',
];

/** Texts both JSON.parse and Python's json.loads refuse. */
const INVALID = [
  "",
  " ",
  '"unterminated',
  '"bad \\x escape"',
  '"\\u12G4"',
  '"\\u12"',
  '"tab\there"',
  '"line\nbreak"',
  "[1, 2",
  "[1 2]",
  "[1,]",
  "{",
  '{"a" 1}',
  '{"a": 1,}',
  '{"a": 1 "b": 2}',
  "{a: 1}",
  "{'a': 1}",
  "tru",
  "nul",
  "True",
  "01",
  "1.",
  ".5",
  "- 1",
  "+1",
  "[1] x",
  '{"a": 1}}',
  "0x10",
];

describe("parsePyJson reads JSON as Python's json.loads does", () => {
  it.each(VALID)("accepts %s with JSON.parse's value", (text) => {
    expect(plain(parsePyJson(text))).toEqual(JSON.parse(text));
  });

  it.each(INVALID)("refuses %j as JSON.parse does", (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(() => parsePyJson(text)).toThrow(PyJsonError);
  });

  it("keeps ints apart from floats and accepts Python's NaN and infinities", () => {
    expect(parsePyJson("25")).toBe(25n);
    expect(parsePyJson("-7")).toBe(-7n);
    // json.loads("-0") is the int 0; JSON.parse gives the float -0.
    expect(parsePyJson("-0")).toBe(0n);
    expect(parsePyJson("25.0")).toBe(25);
    expect(parsePyJson("1e2")).toBe(100);
    expect(parsePyJson("12345678901234567890")).toBe(12345678901234567890n);
    expect(parsePyJson("NaN")).toBeNaN();
    expect(parsePyJson("Infinity")).toBe(Infinity);
    expect(parsePyJson("-Infinity")).toBe(-Infinity);
    expect(parsePyJson("[NaN, -Infinity]")).toEqual([NaN, -Infinity]);
    expect(() => parsePyJson("-NaN")).toThrow(PyJsonError);
    expect(() => parsePyJson("Inf")).toThrow(PyJsonError);
    const dict = parsePyJson('{"dup": 1, "dup": 2, "z": []}');
    expect(isPyDict(dict) && [...dict.entries()]).toEqual([
      ["dup", 2n],
      ["z", []],
    ]);
  });

  it("says what is wrong and where", () => {
    expect(() => parsePyJson("[1, 2")).toThrow(/at character 5$/);
    expect(() => parsePyJson('{"a" 1}')).toThrow(/^expected ':' at character 5$/);
    expect(() => parsePyJson('"abc')).toThrow(/^unterminated string/);
    expect(() => parsePyJson('"\\q"')).toThrow(/^invalid escape/);
    expect(() => parsePyJson("[1] x")).toThrow(/^extra data at character 4$/);
  });

  it("prints values as Python's str() does", () => {
    // Worked in Python 3: str(json.loads(text)).
    const cases: [string, string][] = [
      ['[1, 2.5, "a", true, null, {"k": "v"}]', "[1, 2.5, 'a', True, None, {'k': 'v'}]"],
      ["25", "25"],
      ["25.0", "25.0"],
      ["1e16", "1e+16"],
      ["true", "True"],
      ["null", "None"],
      ['"text"', "text"],
      ['["it\'s"]', `["it's"]`],
      ['["a\\"b"]', `['a"b']`],
      ['{"n": [1, [2.0]]}', "{'n': [1, [2.0]]}"],
      ["[]", "[]"],
      ["{}", "{}"],
    ];
    for (const [text, python] of cases) expect(pyStrOf(parsePyJson(text)), text).toBe(python);
  });

  it("compares with whole numbers as Python's == does", () => {
    expect(pyEqualsInt(true, 1)).toBe(true);
    expect(pyEqualsInt(false, 0)).toBe(true);
    expect(pyEqualsInt(false, 1)).toBe(false);
    expect(pyEqualsInt(0n, 0)).toBe(true);
    expect(pyEqualsInt(2n, 1)).toBe(false);
    expect(pyEqualsInt(1, 1)).toBe(true);
    expect(pyEqualsInt(1.5, 1)).toBe(false);
    expect(pyEqualsInt("1", 1)).toBe(false);
    expect(pyEqualsInt(null, 0)).toBe(false);
    expect(pyEqualsInt(undefined, 0)).toBe(false);
  });
});

describe("evalPyNumber reads a number as Python's eval() does", () => {
  it("reads ints, floats, radix ints, separators, signs, parentheses and booleans", () => {
    // Worked in Python 3: eval(text), printed with repr(); bools stay bools unless a sign makes them ints.
    const cases: [string, bigint | number | boolean][] = [
      ["25", 25n],
      ["  25", 25n],
      ["\t25\n", 25n],
      ["0", 0n],
      ["0_0", 0n],
      ["1_000", 1000n],
      ["-5", -5n],
      ["+5", 5n],
      ["- 5", -5n],
      ["--5", 5n],
      ["-+-5", 5n],
      ["(3)", 3n],
      ["( 3 )", 3n],
      ["-(3)", -3n],
      ["(-(2))", -2n],
      ["0x1F", 31n],
      ["0X1f", 31n],
      ["0o17", 15n],
      ["0b101", 5n],
      ["0x_ff", 255n],
      ["1.5", 1.5],
      ["-1.5", -1.5],
      ["1.", 1],
      [".5", 0.5],
      ["1e3", 1000],
      ["1_0.5", 10.5],
      ["2.5e-3", 0.0025],
      ["True", true],
      ["False", false],
      ["-True", -1n],
      ["-False", 0n],
      ["+True", 1n],
    ];
    for (const [text, value] of cases) expect(evalPyNumber(text), JSON.stringify(text)).toBe(value);
    expect(Object.is(evalPyNumber("-0.0"), -0)).toBe(true);
  });

  it("refuses what eval() would not turn into one number", () => {
    for (const text of [
      "",
      "abc",
      "25 mL/min",
      "2+3",
      "007",
      "1__0",
      "_1",
      "1_",
      "0x",
      "0b2",
      "0o8",
      "1e",
      "true",
      "(1",
      "1)",
      "1,5",
      "NaN",
      "inf",
    ]) {
      expect(() => evalPyNumber(text), JSON.stringify(text)).toThrow(PyNumberError);
    }
    expect(() => evalPyNumber("12 apples")).toThrow(/^not a number: "12 apples"$/);
  });

  it("rounds half to even on the exact binary value, and compares across ints, floats and bools", () => {
    // Python 3: round(x).
    const cases: [number | bigint | boolean, bigint][] = [
      [2.5, 2n],
      [3.5, 4n],
      [-2.5, -2n],
      [-3.5, -4n],
      [2.4999999999999996, 2n],
      [2.6, 3n],
      [-0.4, 0n],
      [0.5, 0n],
      [1.5, 2n],
      [7n, 7n],
      [true, 1n],
      [false, 0n],
      [1e20, 100000000000000000000n],
    ];
    for (const [x, r] of cases) expect(pyRound(x), String(x)).toBe(r);
    expect(() => pyRound(Infinity)).toThrow(PyNumberError);
    expect(() => pyRound(NaN)).toThrow(/cannot round NaN/);
    expect(pyLessOrEqual(true, 1n)).toBe(true);
    expect(pyLessOrEqual(false, 0.5)).toBe(true);
    expect(pyLessOrEqual(2n, 1.5)).toBe(false);
    expect(pyLessOrEqual(1.5, 2n)).toBe(true);
    expect(pyLessOrEqual(9007199254740993n, 9007199254740992)).toBe(false);
    expect(pyNumberEquals(1n, 1)).toBe(true);
    expect(pyNumberEquals(true, 1n)).toBe(true);
    expect(pyNumberEquals(1n, 1.5)).toBe(false);
    expect(pyNumberEquals(false, true)).toBe(false);
  });
});
