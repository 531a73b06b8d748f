import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importUmls, UmlsKnowledge } from "../../src/graph/umls.js";
import { Store } from "../../src/store/database.js";
import { tempDir } from "../helpers/data.js";
import { conformance } from "../helpers/knowledge-conformance.js";

/** A handful of concepts and relations in UMLS's RRF format, written for the test. */
const CONCEPTS: [string, string, string][] = [
  ["C1", "Hypokalemia", "T047"],
  ["C2", "Potassium Chloride", "T121"],
  ["C3", "Hypertension", "T047"],
  ["C4", "Lisinopril", "T121"],
  ["C5", "Serum potassium measurement", "T059"],
  ["C6", "Escherichia coli", "T007"],
];
// Each edge [cui1, rela, cui2] is one MRREL row, read as CUI1 –RELA→ CUI2 (the reference's [STR1, RELA, STR2]).
const EDGES: [string, string, string][] = [
  ["C1", "may_be_treated_by", "C2"],
  ["C2", "has_ingredient_measured_by", "C5"],
  ["C1", "associated_with", "C3"],
  ["C3", "may_be_treated_by", "C4"],
  ["C4", "interacts_with", "C5"],
  ["C1", "concept_in_subset", "C5"], // excluded relation
  ["C1", "causes", "C6"],
  ["C6", "measured_by", "C5"], // through a concept of a type not kept
];

function writeMeta(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const row = (fields: string[]) => `${fields.join("|")}|`;
  writeFileSync(
    join(dir, "MRCONSO.RRF"),
    CONCEPTS.map(([cui, str], i) =>
      row([cui, "ENG", "P", `L${i}`, "PF", `S${i}`, "Y", `A${i}`, "", "", "", "MSH", "PT", `D${i}`, str, "0", "N", ""]),
    ).join("\n") + "\n",
  );
  writeFileSync(
    join(dir, "MRSTY.RRF"),
    CONCEPTS.map(([cui, , tui], i) => row([cui, tui, "A1.2", "Disease", `AT${i}`, ""])).join("\n") + "\n",
  );
  writeFileSync(
    join(dir, "MRREL.RRF"),
    EDGES.map(([cui1, rela, cui2], i) =>
      row([cui1, "", "CUI", "RO", cui2, "", "CUI", rela, `R${i}`, "", "MED-RT", "MED-RT", "", "Y", "N", ""]),
    ).join("\n") + "\n",
  );
}

describe("UMLS knowledge source (RRF fixtures)", () => {
  const dir = tempDir();
  const meta = join(dir, "META");
  writeMeta(meta);

  async function open(): Promise<{ store: Store; umls: UmlsKnowledge }> {
    const store = await Store.open(":memory:");
    await importUmls(store, meta);
    return { store, umls: await UmlsKnowledge.open(store) };
  }

  it("imports the accepted semantic types and drops excluded relations", async () => {
    const store = await Store.open(":memory:");
    try {
      expect(await importUmls(store, meta)).toEqual({ concepts: 5, strings: 5, relations: 5 });
    } finally {
      store.close();
    }
  });

  it("finds the known shortest paths, labels read forward on both halves, within the limits", async () => {
    const { store, umls } = await open();
    try {
      expect(await umls.paths("hypokalemia", "Serum potassium measurement", { maxPaths: 5 })).toEqual([
        [
          "Hypokalemia",
          "may be treated by",
          "Potassium Chloride",
          "has ingredient measured by",
          "Serum potassium measurement",
        ],
        [
          "Hypokalemia",
          "associated with",
          "Hypertension",
          "may be treated by",
          "Lisinopril",
          "interacts with",
          "Serum potassium measurement",
        ],
      ]);
      expect(await umls.paths("Hypokalemia", "Serum potassium measurement", { maxHops: 2, maxPaths: 5 })).toHaveLength(
        1,
      );
      expect(await umls.paths("Hypokalemia", "Serum potassium measurement", { maxPaths: 1 })).toHaveLength(1);
      // Relations are directed: nothing leads back.
      expect(await umls.paths("Serum potassium measurement", "Hypokalemia")).toEqual([]);
      expect(await umls.paths("Hypokalemia", "Escherichia coli")).toEqual([]);
    } finally {
      store.close();
    }
  });

  it("says which file is missing", async () => {
    const broken = join(dir, "broken");
    writeMeta(broken);
    rmSync(join(broken, "MRREL.RRF"));
    const store = await Store.open(":memory:");
    try {
      await expect(importUmls(store, broken)).rejects.toThrow(
        /broken\/MRREL\.RRF: not found: a UMLS META folder needs MRCONSO\.RRF, MRSTY\.RRF and MRREL\.RRF/,
      );
    } finally {
      store.close();
    }
  });
});

conformance(
  "umls",
  async () => {
    const dir = join(tempDirForConformance, "META");
    writeMeta(dir);
    const store = await Store.open(":memory:");
    await importUmls(store, dir);
    return UmlsKnowledge.open(store);
  },
  "Hypokalemia",
  "Serum potassium measurement",
);

const tempDirForConformance = tempDir();
