import { describe, expect, it } from "vitest";
import { ConceptMatcher } from "../../src/graph/matcher.js";

describe("approximate concept matcher (QuickUMLS style)", () => {
  const matcher = new ConceptMatcher([
    "Sodium",
    "Potassium Chloride",
    "Acute kidney failure",
    "Heparin",
    "White Blood Cells",
    "Blood",
  ]);

  const text =
    "Pt with acute kidney failur, given potassium chloride and heparin. WBC trend: white blood cell count rising.";

  it("finds every span's best term, tolerating small spelling differences", () => {
    const matches = matcher.match(text);
    // By score (QuickUMLS's default), the exact "Blood" (similarity 1) beats "white blood cell" (0.83) it overlaps.
    expect(matches.map((m) => [m.text, m.term])).toEqual([
      ["acute kidney failur", "Acute kidney failure"],
      ["potassium chloride", "Potassium Chloride"],
      ["heparin", "Heparin"],
      ["blood", "Blood"],
    ]);
    for (const m of matches) {
      expect(text.slice(m.start, m.end)).toBe(m.text);
      expect(m.similarity).toBeGreaterThanOrEqual(0.7);
    }
  });

  it("prefers the longer span when asked", () => {
    const byLength = new ConceptMatcher(["White Blood Cells", "Blood"], { overlap: "length" }).match(text);
    expect(byLength.map((m) => [m.text, m.term])).toEqual([["white blood cell", "White Blood Cells"]]);
  });

  it("matches nothing below the threshold, and respects the window", () => {
    expect(new ConceptMatcher(["Sodium"]).match("sodiun level")).toEqual([]);
    expect(new ConceptMatcher(["Sodium"], { threshold: 0.5 }).match("sodiun level").map((m) => m.term)).toEqual([
      "Sodium",
    ]);
    expect(new ConceptMatcher(["Acute kidney failure"], { window: 1 }).match("acute kidney failure")).toEqual([]);
    expect(
      new ConceptMatcher(["Acute kidney failure"], { window: 3 }).match("acute kidney failure").map((m) => m.term),
    ).toEqual(["Acute kidney failure"]);
  });
});
