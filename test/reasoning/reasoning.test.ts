import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible.js";
import { judgeChain } from "../../src/reasoning/filter.js";
import { synthesisPrompt } from "../../src/reasoning/prompts.js";
import { filterChains, synthesizeChains } from "../../src/reasoning/synthesize.js";
import { TASKS } from "../../src/tasks/registry.js";
import { startFakeServer, type FakeServer } from "../helpers/fake-openai.js";
import { tempDir } from "../helpers/data.js";

const GOOD =
  "## Extraction\n**Labotary Test Events [2180-06-27 05:10:00]**: sodium 128.\n## Reasoning\nLow sodium is rechecked.\n## Final Results\nSodium\nPotassium";

describe("chain filter rules", () => {
  it("keeps a chain with all sections covering >= 70% of the labels, case and spacing aside", () => {
    expect(judgeChain(GOOD, ["sodium", "POTASSIUM"])).toBeNull();
    expect(judgeChain(GOOD, ["Sodium", "Potassium", "Glucose"])).toBe("low-coverage"); // 2 of 3 < 0.7
    expect(judgeChain(GOOD, ["Sodium", "Potassium", "Glucose"], 0.6)).toBeNull();
    expect(judgeChain(GOOD.replace("## Reasoning", "Reasoning:"), ["Sodium"])).toBe("missing-sections");
    expect(judgeChain(`${GOOD}\nAs the ground truth shows.`, ["Sodium"])).toBe("mentions-ground-truth");
    expect(judgeChain(GOOD.replace("## Extraction", "## Extraction\nExtraction and Analysis"), ["Sodium"])).toBe(
      "old-format",
    );
    expect(judgeChain("  ", ["Sodium"])).toBe("empty");
    // A single-string label is one item (the reference iterated over its characters).
    expect(judgeChain(GOOD, "Sodium")).toBeNull();
  });

  it("writes the three prompt variants with the reference's structure", () => {
    const input = {
      context: "## Patient Demographics [None]",
      groundTruth: '["Sodium"]',
      task: "Given …",
      paths: [["Hyponatremia", "is often followed by", "Sodium"]],
    };
    const withKnowledge = synthesisPrompt("with-knowledge", input);
    expect(withKnowledge).toContain(
      "# Retrieved Medical Knowledge #\n['Hyponatremia', 'is often followed by', 'Sodium']",
    );
    for (const heading of [
      "# Patient EHR Context #",
      "# Ground Truth #",
      "# Task #",
      "## Extraction",
      "## Reasoning",
      "## Final Results",
    ])
      expect(withKnowledge).toContain(heading);
    expect(synthesisPrompt("without-knowledge", input)).not.toContain("Retrieved Medical Knowledge");
    expect(synthesisPrompt("without-format", input)).toContain('"Therefore, the answer is {ground truth}"');
    expect(synthesisPrompt("without-format", input)).not.toContain("## Extraction");
  });
});

describe("chain synthesis against a loopback server", () => {
  const dir = tempDir();
  const data = join(dir, "ins.jsonl");
  let server: FakeServer;
  const lab = TASKS.find((t) => t.name === "labevents")!;
  const record = (idx: number, labels: string[]) => ({
    idx,
    instruction: lab.instruction,
    input: `## Patient Demographics [None]\n- Anchor_Age: 60\n- Gender: F ${idx}`,
    output: labels.join("\n"),
    candidates: [],
    task_info: {
      task: "labevents",
      task_type: "decision_making",
      subject_id: String(100 + idx),
      period_end: 10,
      target: JSON.stringify(labels),
      label: labels,
    },
  });

  beforeAll(async () => {
    writeFileSync(
      data,
      [
        record(0, ["Sodium", "Potassium"]),
        record(1, ["Glucose"]),
        record(2, ["Sodium"]),
        record(3, ["Sodium", "Potassium"]),
      ]
        .map((r) => JSON.stringify(r))
        .join("\n") + "\n",
    );
    server = await startFakeServer();
  });
  afterAll(() => server.close());

  it("writes n chains per sample, resumes a cut run without duplicates, and filters by rule", async () => {
    const provider = new OpenAICompatibleProvider({ baseUrl: server.url, model: "m" });
    const out = join(dir, "run");
    const controller = new AbortController();
    const paths = new Map([
      ["labevents|100|10", [["Hyponatremia", "is often followed by", "Sodium"]]],
      ["labevents|101|10", [["A", "r", "Glucose"]]],
      ["labevents|102|10", [["B", "r", "Sodium"]]],
    ]);
    await expect(
      synthesizeChains(
        {
          data,
          providers: [provider],
          variant: "with-knowledge",
          out,
          n: 2,
          concurrency: 1,
          signal: controller.signal,
          retries: 0,
          onChain: () => controller.abort(),
        },
        paths,
      ),
    ).rejects.toThrow(/continue it with --resume/);
    expect(readFileSync(join(out, "chains.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(1);
    const summary = await synthesizeChains(
      {
        data,
        providers: [provider],
        variant: "with-knowledge",
        out,
        n: 2,
        resume: true,
        retries: 0,
        pricePer1k: { input: 1, output: 2 },
      },
      paths,
    );
    // Sample 3 has no knowledge paths: the with-knowledge variant skips it.
    expect(summary).toMatchObject({
      samples: 3,
      skipped_without_graph: 1,
      chains: 6,
      prompt_tokens: 300,
      completion_tokens: 3,
      cost: 0.306,
    });
    const lines = readFileSync(join(out, "chains.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; chains: string[] });
    expect(lines.map((l) => l.id).sort()).toEqual(["0", "1", "2"]);
    expect(server.bodies.some((b) => b.n === 2 && b.temperature === 0.5)).toBe(true);
    const result = await filterChains(out, data, join(dir, "reasoning.jsonl"));
    // Samples 0 and 2: both chains cover their labels; sample 1 (Glucose): both chains dropped for coverage.
    expect(result).toEqual({
      samples: 2,
      accepted: 4,
      rejected: {
        empty: 0,
        "missing-sections": 0,
        "old-format": 0,
        "mentions-ground-truth": 0,
        "low-coverage": 2,
        "request-failed": 0,
      },
    });
    const kept = readFileSync(join(dir, "reasoning.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { idx: number; reasoning: string[] });
    expect(kept.map((k) => [k.idx, k.reasoning.length])).toEqual([
      [0, 2],
      [2, 2],
    ]);
  });
});
