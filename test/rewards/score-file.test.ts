import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CompletionScorer, type ScoredLine } from "../../src/rewards/score-file.js";
import { tempDir } from "../helpers/data.js";

const RISK = "ICU_Stay_7day";
const line = (task: string, completion: string, groundTruth: unknown, prompt?: unknown) =>
  JSON.stringify({ task, completion, ground_truth: groundTruth, ...(prompt === undefined ? {} : { prompt }) });

async function scoreAll(file: string, groupSize?: number): Promise<{ lines: ScoredLine[]; scorer: CompletionScorer }> {
  const scorer = new CompletionScorer({}, null, groupSize);
  const lines: ScoredLine[] = [];
  for await (const l of scorer.score(file)) lines.push(l);
  return { lines, scorer };
}

describe("scoring a file of completions", () => {
  const dir = tempDir();
  const file = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.join("\n"));
    return path;
  };

  it("scores each line, numbering lines as the file does (blank lines skipped), and tallies per task in name order", async () => {
    const path = file("a.jsonl", [
      line(RISK, "yes", "yes"),
      "",
      "   ",
      line("ICU_Mortality_1day", "no", "yes"),
      line(RISK, "<think>\n\n</think>\n\nno", "yes"),
    ]);
    const { lines, scorer } = await scoreAll(path);
    expect(lines.map((l) => [l.line, l.task, l.result.score, l.advantage])).toEqual([
      [1, RISK, 1, undefined],
      [4, "ICU_Mortality_1day", 0, undefined],
      [5, RISK, 0, undefined],
    ]);
    expect(scorer.tally()).toEqual([
      { task: "ICU_Mortality_1day", n: 1, total: 0, formatOk: 1, correct: 0, groups: 0, flat: 0 },
      { task: RISK, n: 2, total: 1, formatOk: 2, correct: 1, groups: 0, flat: 0 },
    ]);
    expect(scorer.lastGroup).toBe(0);
  });

  it("in groups: GRPO advantages per group, groups without signal counted, a short last group reported", async () => {
    const path = file("g.jsonl", [
      line(RISK, "yes", "yes"),
      line(RISK, "no", "yes"),
      line(RISK, "no", "yes"),
      line(RISK, "no", "yes"),
      line(RISK, "yes", "yes"),
    ]);
    const { lines, scorer } = await scoreAll(path, 2);
    // Group 1: rewards 1, 0 → mean 0.5, unbiased std √0.5 → ±0.5/(√0.5 + 1e-6); group 2: 0, 0 → 0, 0;
    // the short group of one: mean 0 and std 1, as EHRMIND's verl takes them → 1/(1 + 1e-6).
    const a = 0.5 / (Math.sqrt(0.5) + 1e-6);
    expect(lines.map((l) => l.advantage)).toEqual([a, -a, 0, 0, 1 / (1 + 1e-6)]);
    expect(scorer.lastGroup).toBe(1);
    expect(scorer.tally()[0]).toMatchObject({ n: 5, groups: 3, flat: 1 });
  });

  it("passes a line's prompt to the reward: a think tag the prompt prefills is not opened twice", async () => {
    const truth = { target: 2, label_names: ["Irrelevant", "Excluded", "Eligible"] };
    const answer = '<answer>\n{"prediction": "Eligible", "idx": 2}\n</answer>';
    const prompt = "<|start_header_id|>assistant<|end_header_id|>\nLet me solve this step by step.\n<think>";
    const path = file("p.jsonl", [
      line("matching_test", `<think>\nx\n</think>\n${answer}`, truth),
      line("matching_test", `<think>\nx\n</think>\n${answer}`, truth, prompt),
      line("matching_test", `\nx\n</think>\n${answer}`, truth, prompt),
      line("matching_test", `<think>\nx\n</think>\n${answer}`, truth, 7),
    ]);
    const { lines } = await scoreAll(path);
    expect(lines.map((l) => l.result.score)).toEqual([1.1, -2, 1.1, 1.1]);
  });

  it("names the file and line of what it cannot score", async () => {
    const bad = async (lines: string[], message: RegExp) => {
      const path = file("bad.jsonl", lines);
      await expect(scoreAll(path)).rejects.toThrow(message);
    };
    await bad([line(RISK, "yes", "yes"), "{not json"], /bad\.jsonl:2: not JSON/);
    await bad(
      ["", JSON.stringify({ task: 3, completion: "yes", ground_truth: "yes" })],
      /bad\.jsonl:2: task: expected a string/,
    );
    await bad([JSON.stringify({ task: RISK, ground_truth: "yes" })], /bad\.jsonl:1: completion: expected a string/);
    await bad([line("nope", "", "")], /bad\.jsonl:1: unknown task or data source "nope"/);
    await expect(scoreAll(join(dir, "missing.jsonl"))).rejects.toThrow(/missing\.jsonl: cannot read the file/);
    mkdirSync(join(dir, "folder.jsonl"));
    await expect(scoreAll(join(dir, "folder.jsonl"))).rejects.toThrow(/folder\.jsonl: cannot read the file/);
  });
});
