/* eslint-disable no-loss-of-precision -- literals written with all 17 digits, as the CSVs hold them; each reads as the intended double */
import { describe, expect, it } from "vitest";
import { csvText, formatG, pandasDouble, xstrtod } from "../src/timeline/pandas-float.js";
import { pyFloatRepr } from "../src/python/format.js";

/**
 * pandas' CSV float parser and MIMIC-IV's float text. Expected values: C's printf `%.15g`/`%.17g`
 * (printed by CPython, which calls the C library), the digits the reference printed in
 * `reference-demo/risk_samples_even.jsonl.gz` for the CSV texts of the demo, and by hand.
 */
describe("pandas' float parser (precise_xstrtod) and the CSV text it read", () => {
  it("formats like C's %.15g and %.17g, ties to even on the exact value", () => {
    const c: [number, string, string][] = [
      [30.048233032226562, "30.0482330322266", "30.048233032226562"], // exact tie at digit 17: C keeps the even 2
      [79.16666902601719, "79.1666690260172", "79.166669026017189"],
      [1e-7, "1e-07", "9.9999999999999995e-08"],
      [123456789012345680000, "1.23456789012346e+20", "1.2345678901234568e+20"],
      [0.000123456, "0.000123456", "0.00012345600000000001"],
      [1e22, "1e+22", "1e+22"],
      [-3.75, "-3.75", "-3.75"],
      [2.5, "2.5", "2.5"],
      [5e-324, "4.94065645841247e-324", "4.9406564584124654e-324"],
      [999999999999999.9, "1e+15", "999999999999999.88"],
    ];
    for (const [x, g15, g17] of c) {
      expect(formatG(x, 15), String(x)).toBe(g15);
      expect(formatG(x, 17), String(x)).toBe(g17);
    }
  });

  it("writes each double as MIMIC's CSVs do: %.15g when it reads back, else %.17g", () => {
    expect(csvText(5.00363826751709)).toBe("5.00363826751709");
    expect(csvText(91.23300984501839)).toBe("91.233009845018387");
    expect(csvText(175)).toBe("175");
  });

  it("reads texts as pandas did: at most 17 digits (leading zeros counted), then one scaling by 10^e", () => {
    // By hand: 30048233032226562 is not a double (above 2^54 only multiples of 4); the tie goes to
    // the even ...560, and 30048233032226560 / 1e15 rounds to 30.04823303222656.
    expect(pyFloatRepr(xstrtod("30.048233032226562"))).toBe("30.04823303222656");
    // The 18th digit and later are dropped: "0.99009901285171509" reads as 09900990128517150 / 1e16.
    expect(xstrtod("0.99009901285171509")).toBe(9900990128517150 / 1e16);
    expect(xstrtod("1.029")).toBe(1.029); // one correctly rounded division
    expect(xstrtod("-2.5e-3")).toBe(-0.0025);
    expect(xstrtod("12e2")).toBe(1200);
    expect(xstrtod("123456789012345678901")).toBe(12345678901234567 * 1e4);
    expect(xstrtod("1e400")).toBe(Infinity);
    expect(xstrtod("abc")).toBeNaN();
    expect(xstrtod("")).toBeNaN();
  });

  it("gives the digits the reference printed for the demo's CSV values", () => {
    // [the store's correctly rounded double, what the reference printed] (risk_samples_even.jsonl.gz).
    const printed: [number, string][] = [
      [79.16666902601719, "79.1666690260172"],
      [21.779142051935196, "21.7791420519352"],
      [100.0000024214387, "100.00000242143868"],
      [249.99998474121094, "249.9999847412109"],
      [999.9999618530273, "999.9999618530272"],
      [124.99999237060547, "124.99999237060548"],
      [7.467911243438721, "7.46791124343872"],
      [0.8999999761581421, "0.899999976158142"],
      [20.000001415610313, "20.000001415610317"],
      [0.19999999552965164, "0.1999999955296516"],
      [48.33333218097687, "48.333332180976875"],
      [30.048233032226562, "30.04823303222656"],
      [24.011123657226562, "24.01112365722656"],
      [9.202454566955566, "9.202454566955566"],
      [1.029, "1.029"],
    ];
    for (const [x, reference] of printed) expect(pyFloatRepr(pandasDouble(x)), String(x)).toBe(reference);
    expect(pandasDouble(Number.NaN)).toBeNaN();
    expect(pandasDouble(-Infinity)).toBe(-Infinity);
  });
});
