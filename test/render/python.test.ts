import { describe, expect, it } from "vitest";
import { pyFloatRepr, pyStr, pyStrRepr, pyTitle } from "../../src/render/python.js";

// Expected strings were printed by CPython 3 (`repr(x)`, `s.title()`, `str(list)`), not by this code.
describe("Python value formatting", () => {
  it("formats floats as repr(float)", () => {
    const cases: [number, string][] = [
      [1e-5, "1e-05"], [1e16, "1e+16"], [136, "136.0"], [0.1 + 0.2, "0.30000000000000004"], [-0, "-0.0"],
      [1e15, "1000000000000000.0"], [123456789012345678, "1.2345678901234568e+17"], [0.0001, "0.0001"],
      [0.00012345, "0.00012345"], [1.5, "1.5"], [2, "2.0"], [1e22, "1e+22"], [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"], [-2.5e-7, "-2.5e-07"], [9999999999999998, "9999999999999998.0"],
      [1234.5678, "1234.5678"], [NaN, "nan"], [Infinity, "inf"], [-Infinity, "-inf"], [100, "100.0"], [0.001, "0.001"],
    ];
    for (const [x, python] of cases) expect(pyFloatRepr(x), String(x)).toBe(python);
  });

  it("title-cases keys as str.title()", () => {
    const cases: [string, string][] = [
      ["o2sat", "O2Sat"], ["ATC Type", "Atc Type"], ["CCS Type", "Ccs Type"], ["ref_range_lower", "Ref_Range_Lower"],
      ["dose_val_rx", "Dose_Val_Rx"], ["aB1cD", "Ab1Cd"], ["x_y2z", "X_Y2Z"], ["it's", "It'S"], ["élan vital", "Élan Vital"],
    ];
    for (const [text, python] of cases) expect(pyTitle(text)).toBe(python);
  });

  it("quotes strings as repr(str) and lists as str(list)", () => {
    expect(pyStrRepr("it's")).toBe(`"it's"`);
    expect(pyStrRepr('say "hi"')).toBe(`'say "hi"'`);
    expect(pyStrRepr(`both ' and "`)).toBe(`'both \\' and "'`);
    expect(pyStrRepr("tab\there")).toBe("'tab\\there'");
    expect(pyStrRepr("nl\nx")).toBe("'nl\\nx'");
    expect(pyStrRepr("back\\slash")).toBe("'back\\\\slash'");
    expect(pyStrRepr("é")).toBe("'é'");
    expect(pyStr(["CHEST (PA AND LAT)", null, "O'Brien"])).toBe(`['CHEST (PA AND LAT)', None, "O'Brien"]`);
    expect(pyStr(null)).toBe("None");
    expect(pyStr("nan")).toBe("nan");
  });
});
