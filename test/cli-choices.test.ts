import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

describe("enumerated options and arguments", () => {
  it("refuse a value outside their choices, naming the allowed ones, before any work", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["export", "parquet", "--data", "x.jsonl", "--out", "y.jsonl"],
        /'parquet' is invalid for argument 'format'\. Allowed choices are sft, reasoning-sft, verl, openrlhf, trl-grpo/,
      ],
      [
        ["export", "sft", "--data", "x.jsonl", "--out", "y.jsonl", "--style", "r1"],
        /'--style <style>' argument 'r1' is invalid\. Allowed choices are ehr-r1, ehrmind/,
      ],
      [
        ["reward", "shim", "openrlhf", "--out", "x.py"],
        /'openrlhf' is invalid for argument 'engine'\. Allowed choices are verl, trl/,
      ],
      [
        ["medcalc", "build", "--test", "x.csv", "--out", "o", "--format", "jsonl"],
        /argument 'jsonl' is invalid\. Allowed choices are verl, openrlhf, trl-grpo/,
      ],
      [
        ["bench", "run", "--data", "x", "--out", "o", "--provider", "vllm"],
        /Allowed choices are openai-compatible, baseline/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(...args);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.err, args.join(" ")).toMatch(message);
    }
  });
});
