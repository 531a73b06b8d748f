import { expect, it } from "vitest";
import { rewardFor } from "../../src/rewards/core.js";
import type { RewardFamily } from "../../src/rewards/families.js";

export interface FamilyCase {
  family: RewardFamily<never>;
  dataSource: string;
  groundTruth: unknown;
  /** A well-formed, correct answer JSON for groundTruth. */
  correctJson: string;
  /** A well-formed, wrong answer JSON. */
  wrongJson: string;
}

const GARBAGE = [
  "",
  " ",
  "<think>",
  "</think>",
  "<answer></answer>",
  "<think></think><answer></answer>",
  "<think>x</think><answer>{}</answer>",
  "<think>x</think><answer>[]</answer>",
  '<think>x</think><answer>"prediction label answer idx"</answer>',
  "<think>x</think><answer>null</answer>",
  '<think>x</think><answer>{"answer": ',
  "\u0000\uffff",
  "<answer><think></answer></think>",
  "x".repeat(100_000),
];

/** What every reward family owes the engines: EHRMIND's three outcomes, and no throw on any model output. */
export function rewardFamilyConformance(c: FamilyCase): void {
  const wrap = (json: string, tail = "") => `<think>\nreasoning\n</think>\n<answer>\n${json}\n</answer>${tail}`;
  it(`${c.family.name}: a correct well-formed answer scores 0.1 + its weight`, () => {
    const r = rewardFor(c.dataSource, wrap(c.correctJson), c.groundTruth);
    expect(r.components.format).toBe(true);
    expect(r.score).toBeCloseTo(0.1 + r.components.correctness, 12);
    expect(r.components.correctness).toBeGreaterThan(0);
  });
  it(`${c.family.name}: a wrong well-formed answer scores 0; broken formats −2`, () => {
    expect(rewardFor(c.dataSource, wrap(c.wrongJson), c.groundTruth).score).toBe(0);
    expect(
      rewardFor(c.dataSource, `<think>a</think><think>b</think><answer>${c.correctJson}</answer>`, c.groundTruth).score,
    ).toBe(-2);
    expect(rewardFor(c.dataSource, `<answer>${c.correctJson}</answer><think>late</think>`, c.groundTruth).score).toBe(
      -2,
    );
    expect(rewardFor(c.dataSource, wrap(`${c.correctJson},`), c.groundTruth).score).toBe(-2);
  });
  it(`${c.family.name}: the tail rule ${c.family.tail ? "applies" : "does not apply"}`, () => {
    expect(rewardFor(c.dataSource, wrap(c.correctJson, " <|eot_id|>"), c.groundTruth).score).toBeGreaterThan(0);
    expect(rewardFor(c.dataSource, wrap(c.correctJson, "."), c.groundTruth).score).toBe(
      c.family.tail ? -2 : rewardFor(c.dataSource, wrap(c.correctJson), c.groundTruth).score,
    );
  });
  it(`${c.family.name}: never throws, and scores garbage −2 or 0`, () => {
    for (const g of GARBAGE) {
      const r = rewardFor(c.dataSource, g, c.groundTruth);
      expect([-2, 0], JSON.stringify(g.slice(0, 40))).toContain(r.score);
    }
    expect(rewardFor(c.dataSource, wrap(c.correctJson), "{not json").components.reason).toBe(
      "ground truth is not valid JSON",
    );
  });
}
