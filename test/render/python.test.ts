import { illTyped } from "../helpers/ill-typed.js";
import { describe, expect, it } from "vitest";
import { pyFloatRepr, pyStr, pyStrRepr, pyTitle } from "../../src/python/format.js";

// Expected strings were printed by CPython 3 (`repr(x)`, `s.title()`, `str(list)`), not by this code.
describe("Python value formatting", () => {
  it("formats floats as repr(float)", () => {
    const cases: [number, string][] = [
      [1e-5, "1e-05"],
      [1e16, "1e+16"],
      [136, "136.0"],
      [0.1 + 0.2, "0.30000000000000004"],
      [-0, "-0.0"],
      [1e15, "1000000000000000.0"],
      [1.2345678901234568e17, "1.2345678901234568e+17"],
      [0.0001, "0.0001"],
      [0.00012345, "0.00012345"],
      [1.5, "1.5"],
      [2, "2.0"],
      [1e22, "1e+22"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [-2.5e-7, "-2.5e-07"],
      [9999999999999998, "9999999999999998.0"],
      [1234.5678, "1234.5678"],
      [NaN, "nan"],
      [Infinity, "inf"],
      [-Infinity, "-inf"],
      [100, "100.0"],
      [0.001, "0.001"],
    ];
    for (const [x, python] of cases) expect(pyFloatRepr(x), String(x)).toBe(python);
  });

  it("title-cases keys as str.title()", () => {
    const cases: [string, string][] = [
      ["o2sat", "O2Sat"],
      ["ATC Type", "Atc Type"],
      ["CCS Type", "Ccs Type"],
      ["ref_range_lower", "Ref_Range_Lower"],
      ["dose_val_rx", "Dose_Val_Rx"],
      ["aB1cD", "Ab1Cd"],
      ["x_y2z", "X_Y2Z"],
      ["it's", "It'S"],
      ["élan vital", "Élan Vital"],
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

describe("Python stringification in SQL (what timelines store)", () => {
  it("prints DOUBLE, nullable integer, timestamp and missing values as the reference's str() did", async () => {
    const { Store } = await import("../../src/store/database.js");
    const { pythonStringSql } = await import("../../src/timeline/items.js");
    const store = await Store.open(":memory:");
    try {
      // Python's repr of the same doubles (printed by CPython).
      const doubles: [string, string][] = [
        ["1e-5", "1e-05"],
        ["1e16", "1e+16"],
        ["136", "136.0"],
        ["0.1::DOUBLE + 0.2::DOUBLE", "0.30000000000000004"],
        ["-0.0::DOUBLE", "-0.0"],
        ["1e15", "1000000000000000.0"],
        ["123456789012345678::DOUBLE", "1.2345678901234568e+17"],
        ["0.0001", "0.0001"],
        ["5e-324", "5e-324"],
        ["1e22", "1e+22"],
        ["1.5", "1.5"],
        ["'nan'::DOUBLE", "nan"],
        ["'inf'::DOUBLE", "inf"],
        ["NULL", "nan"],
      ];
      for (const [expr, python] of doubles) {
        expect(await store.value(`SELECT ${pythonStringSql(`CAST(${expr} AS DOUBLE)`, "DOUBLE")}`), expr).toBe(python);
      }
      expect(await store.value(`SELECT ${pythonStringSql("22841357::INTEGER", "INTEGER", [-1])}`)).toBe("22841357.0");
      expect(await store.value(`SELECT ${pythonStringSql("22841357::INTEGER", "INTEGER")}`)).toBe("22841357");
      expect(await store.value(`SELECT ${pythonStringSql("NULL::INTEGER", "INTEGER", [-1])}`)).toBe("nan");
      expect(await store.value(`SELECT ${pythonStringSql("TIMESTAMP '2180-06-27 05:10:00'", "TIMESTAMP")}`)).toBe(
        "2180-06-27 05:10:00",
      );
      expect(await store.value(`SELECT ${pythonStringSql("DATE '2180-06-27'", "DATE")}`)).toBe("2180-06-27");
      expect(await store.value(`SELECT ${pythonStringSql("NULL::VARCHAR", "VARCHAR")}`)).toBe("nan");
      // pandas' default na_values (pandas 2) read as NaN, printed `nan`; anything else verbatim.
      for (const na of ["None", "NA", "N/A", "n/a", "NULL", "null", "NaN", "nan", "-nan", "#N/A", "<NA>", "1.#QNAN"])
        expect(await store.value(`SELECT ${pythonStringSql(`'${na}'::VARCHAR`, "VARCHAR")}`), na).toBe("nan");
      for (const text of ["none", "None ", "NAN", "n.a.", "Nonesuch", "0"])
        expect(await store.value(`SELECT ${pythonStringSql(`'${text}'::VARCHAR`, "VARCHAR")}`), text).toBe(text);
      // A chunk in which a float column held only whole numbers prints as pandas' int64; others as float.
      expect(await store.value(`SELECT ${pythonStringSql("175::DOUBLE", "DOUBLE", [-1])}`)).toBe("175");
      expect(await store.value(`SELECT ${pythonStringSql("-3::DOUBLE", "DOUBLE", [2], "2")}`)).toBe("-3");
      expect(await store.value(`SELECT ${pythonStringSql("175::DOUBLE", "DOUBLE", [2], "1")}`)).toBe("175.0");
      expect(await store.value(`SELECT ${pythonStringSql("NULL::DOUBLE", "DOUBLE", [-1])}`)).toBe("nan");
      expect(await store.value(`SELECT ${pythonStringSql("7::INTEGER", "INTEGER", [0, 3], "3")}`)).toBe("7.0");
      expect(await store.value(`SELECT ${pythonStringSql("7::INTEGER", "INTEGER", [0, 3], "1")}`)).toBe("7");
    } finally {
      store.close();
    }
  });

  it("never fails on values it does not expect", async () => {
    const { renderEvent } = await import("../../src/render/markdown.js");
    // Deliberately ill-typed values, as a hand-edited patients_ehr file could hold.
    const odd = {
      admission_type: illTyped<string>(3),
      admission_location: illTyped<string>({ a: "b", n: null }),
      admission_info: illTyped<string[]>([["x"], 1.5]),
    };
    expect(renderEvent({ file_name: "admissions", starttime: null, endtime: null, hadm_id: null, items: [odd] })).toBe(
      "## Admissions [None]\n- Admission_Type: 3\n- Admission_Location: {'a': 'b', 'n': None}\n- Admission_Info: [['x'], 1.5]",
    );
  });
});

describe("pandas' per-chunk dtype rule (what the reference's CSV reader decided)", () => {
  it("flags, chunk by chunk of the file's rows, integers with a missing value and floats that are all whole numbers", async () => {
    const { Store } = await import("../../src/store/database.js");
    const { computeFloatColumns, floatColumns } = await import("../../src/timeline/items.js");
    const { timelineSource } = await import("../../src/timeline/sources.js");
    const store = await Store.open(":memory:");
    try {
      await store.exec("CREATE SCHEMA icu; CREATE SCHEMA timeline");
      // Chunks of 3 rows (pandas uses 1,000,000): chunk 0 all whole values; chunk 1 one fraction and a
      // missing hadm_id; chunk 2 a missing value; chunk 3 whole again but one of them -0.0 (whole).
      await store.exec(`CREATE TABLE icu.outputevents AS SELECT * FROM (VALUES
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 1.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 2.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 3.0, 'ml'),
        (1, NULL, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 1.5, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 2.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 3.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 4.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, NULL, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 5.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 6.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, -0.0, 'ml'),
        (1, 10, 100, 7, TIMESTAMP '2180-01-01', TIMESTAMP '2180-01-01', 5, 'inf'::DOUBLE, 'ml')
      ) t(subject_id, hadm_id, stay_id, caregiver_id, charttime, storetime, itemid, value, valueuom)`);
      await computeFloatColumns(store, [timelineSource("outputevents")!], 3);
      const flipped = await floatColumns(store);
      expect(Object.fromEntries(flipped)).toEqual({ "outputevents.value": [0], "outputevents.hadm_id": [1] });
    } finally {
      store.close();
    }
  });
});
