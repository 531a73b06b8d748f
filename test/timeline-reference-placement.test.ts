import { describe, expect, it } from "vitest";
import {
  placeUntimed,
  placeUntimedTwice,
  type PlacedCopy,
  type TimedAnchor,
} from "../src/timeline/reference-placement.js";

// Worked by hand from rank.py's sort_hosp as reference-data-and-tasks.md §3.3 describes it: each
// untimed row goes after the last row of its admission (diagnoses: not a DRG code), else to index 1
// and, again, to the end.
const H1 = { id: 1, file: "hcpcsevents", hadm: 1 };
const D2 = { id: 2, file: "diagnoses_icd", hadm: 2 };
const G2 = { id: 3, file: "drgcodes", hadm: 2 };
const D1 = { id: 4, file: "diagnoses_icd", hadm: 1 };
const D2b = { id: 5, file: "diagnoses_icd", hadm: 2 };
const brief = (copies: PlacedCopy[]) => copies.map((c) => `${c.row.id}@${c.anchor}.${c.sub}`);

/** Timed rows T1 (hadm 1), T2 (hadm 2), T3 (hadm 1): first, last, and each admission's last. */
const ANCHORS: TimedAnchor[] = [
  { rank: 1, hadm: null },
  { rank: 3, hadm: null },
  { rank: 3, hadm: 1 },
  { rank: 2, hadm: 2 },
];

describe("rank.py's placement of rows without a time", () => {
  it("puts diagnoses after their admission's last row, DRG codes after those, other rows at index 1 and the end", () => {
    // T1 H T2 D2 G2 T3 H D1: D1 follows hcpcs' copy at the end, the last row of admission 1.
    expect(brief(placeUntimed(ANCHORS, [D2, G2, H1, D1]))).toEqual(["1@1.1", "2@2.1", "3@2.2", "1@3.1", "4@3.2"]);
    // A later diagnosis of admission 2 follows the earlier one, before its DRG code: T2 D2 D2b G2.
    expect(brief(placeUntimed(ANCHORS, [D2, G2, D2b]))).toEqual(["2@2.1", "5@2.2", "3@2.3"]);
  });

  it("runs twice, so a row copied in the first pass is copied again, each copy twice", () => {
    // Pass 1 leaves H D2 G2 H D1; pass 2 places them in that order: T1 H H T2 D2 G2 T3 H H D1.
    expect(brief(placeUntimedTwice(ANCHORS, ANCHORS, [D2, G2, H1, D1], []))).toEqual([
      "1@1.1",
      "1@1.2",
      "2@2.1",
      "3@2.2",
      "1@3.1",
      "1@3.2",
      "4@3.3",
    ]);
  });

  it("treats a match on the very first row as no match (position 0)", () => {
    const anchors = [
      { rank: 1, hadm: 5 },
      { rank: 2, hadm: 6 },
      { rank: 1, hadm: null },
      { rank: 2, hadm: null },
    ];
    // T1 D T2 D: inserted at index 1, then appended as well.
    expect(brief(placeUntimed(anchors, [{ id: 7, file: "diagnoses_icd", hadm: 5 }]))).toEqual(["7@1.1", "7@2.1"]);
  });

  it("on an empty list, makes the first row the list, then copies and matches as usual", () => {
    // [] -> [H] -> [H, H]; D then follows the last H: [H, H, D].
    expect(brief(placeUntimed([], [H1, D1]))).toEqual(["1@0.1", "1@0.2", "4@0.3"]);
  });

  it("never matches a row without an admission, and puts later rows at index 1 before earlier ones", () => {
    const a = { id: 8, file: "diagnoses_icd", hadm: null };
    const b = { id: 9, file: "diagnoses_icd", hadm: null };
    // T1 b a T2 T3 a b
    expect(brief(placeUntimed(ANCHORS, [a, b]))).toEqual(["9@1.1", "8@1.2", "8@3.1", "9@3.2"]);
  });

  it("keeps a later pass's admissions apart from the first pass's: the second pass sees every module's rows", () => {
    // Pass 1 (hospital rows only: T1 hadm 1 is first and last) puts D1 at index 1 and the end; pass 2
    // has an ICU row of admission 1 at rank 2, so each copy of D1 follows it there.
    const hosp = [
      { rank: 1, hadm: null },
      { rank: 1, hadm: 1 },
    ];
    const all = [
      { rank: 1, hadm: null },
      { rank: 2, hadm: null },
      { rank: 1, hadm: 1 },
      { rank: 2, hadm: 1 },
    ];
    expect(brief(placeUntimedTwice(hosp, all, [D1], []))).toEqual(["4@2.1", "4@2.2"]);
  });
});
