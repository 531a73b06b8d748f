import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMappings, mappingsInFolder } from "../src/sources/mimic-iv/mappings.js";
import { Store } from "../src/store/database.js";
import { dataLineCount, fileText } from "./helpers/csv.js";
import { CCS_FILES, describeNeeding, MAPPINGS_DIR, tempDir } from "./helpers/data.js";

describeNeeding(CCS_FILES, "ICD→CCS crosswalks from the shared data", () => {
  it("loads every row, keyed as MIMIC-IV stores codes", async () => {
    const store = await Store.open(":memory:");
    try {
      const results = await loadMappings(store, mappingsInFolder(MAPPINGS_DIR), { force: false });
      const diagnoses = join(MAPPINGS_DIR, "ccs_diagnoses.csv");
      const procedures = join(MAPPINGS_DIR, "ccs_procedures.csv");
      expect(results.map((r) => [r.table, r.rows])).toEqual([
        ["mapping.ccs_diagnoses", dataLineCount(diagnoses)],
        ["mapping.ccs_procedures", dataLineCount(procedures)],
      ]);
      // Independent: the row for ICD-9 4019 read straight from the file text.
      const line = fileText(diagnoses)
        .split("\n")
        .find((l) => l.startsWith("9,4019,"))!;
      const [, , ccsCode, title] = line.split(",");
      expect(
        await store.rows(
          "SELECT ccs_code, long_title FROM mapping.ccs_diagnoses WHERE icd_version = 9 AND icd_code = '4019'",
        ),
      ).toEqual([{ ccs_code: ccsCode, long_title: title }]);
    } finally {
      store.close();
    }
  });
});

describe("NDC→ATC crosswalk", () => {
  const dir = tempDir();

  it("stores every NDC form as 11-digit zero-padded text", async () => {
    const path = join(dir, "ndc_atc.csv");
    writeFileSync(
      path,
      "ndc_code,atc_name,atc_code\n0904-1982-61,Platelet inhibitors,B01AC\n51079025520.0,Beta blockers,C07AB\n12345-678-90,X,\n12345-6789-1,Y,\n904198261,Z,\n00002831501,Insulins,A10AB\n",
    );
    const store = await Store.open(":memory:");
    try {
      await loadMappings(store, { ndcAtc: path }, { force: false });
      expect(await store.rows("SELECT ndc, atc_code, atc_name FROM mapping.ndc_atc")).toEqual([
        { ndc: "00904198261", atc_code: "B01AC", atc_name: "Platelet inhibitors" },
        { ndc: "51079025520", atc_code: "C07AB", atc_name: "Beta blockers" },
        { ndc: "12345067890", atc_code: null, atc_name: "X" },
        { ndc: "12345678901", atc_code: null, atc_name: "Y" },
        { ndc: "00904198261", atc_code: null, atc_name: "Z" },
        { ndc: "00002831501", atc_code: "A10AB", atc_name: "Insulins" },
      ]);
    } finally {
      store.close();
    }
  });

  it("rejects a malformed NDC naming the file and line", async () => {
    const path = join(dir, "bad.csv");
    writeFileSync(path, "ndc,atc_name\n00002831501,Insulins\nABC-12,Oops\n");
    const store = await Store.open(":memory:");
    try {
      await expect(loadMappings(store, { ndcAtc: path }, { force: false })).rejects.toThrow(
        /bad\.csv:3: NDC must be 11 digits.*"ndc":null/,
      );
    } finally {
      store.close();
    }
  });

  it("names missing columns and folders without mapping files", async () => {
    const path = join(dir, "cols.csv");
    writeFileSync(path, "code,name\n1,a\n");
    const store = await Store.open(":memory:");
    try {
      await expect(loadMappings(store, { ccsDiagnoses: path }, { force: false })).rejects.toThrow(
        /cols\.csv:1: missing column\(s\) icd_version, icd_code, long_title for mapping\.ccs_diagnoses/,
      );
    } finally {
      store.close();
    }
    mkdirSync(join(dir, "empty"));
    expect(() => mappingsInFolder(join(dir, "empty"))).toThrow(/no mapping files found/);
  });
});
