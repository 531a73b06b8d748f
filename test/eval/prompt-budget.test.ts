import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultLine } from "../../src/eval/runner.js";
import { TASKS } from "../../src/tasks/registry.js";
import { runCli } from "../helpers/cli.js";
import { DATA_DIR, itNeeding, QWEN3_FILES, tempDir } from "../helpers/data.js";
import { startFakeServer, type FakeServer } from "../helpers/fake-openai.js";

const risk = TASKS.find((t) => t.name === "ICU_Mortality_7day")!;
const record = (idx: number, input: string) => ({
  idx,
  instruction: risk.instruction,
  input,
  output: "no",
  candidates: ["yes", "no"],
  task_info: { task: risk.name, task_type: "risk_prediction", label: "no" },
});

describe("bench run --max-prompt-tokens", () => {
  const dir = tempDir();
  const data = join(dir, "bench.jsonl");
  let server: FakeServer;
  beforeAll(async () => {
    // Sample 1 is ~10,000 characters longer than sample 0.
    writeFileSync(
      data,
      `${JSON.stringify(record(0, "## Patient Demographics [None]\n- Anchor_Age: 60"))}\n${JSON.stringify(record(1, "## Labs\n" + "| Sodium | 136.0 |\n".repeat(560)))}\n`,
    );
    server = await startFakeServer();
  });
  afterAll(() => server.close());
  const results = (out: string) =>
    readFileSync(join(out, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ResultLine)
      .sort((a, b) => a.idx - b.idx);

  it("with the server's /tokenize: over-budget prompts are recorded as errors and never sent", async () => {
    const before = server.requests();
    const out = join(dir, "server");
    const run = await runCli(
      "bench",
      "run",
      "--data",
      data,
      "--base-url",
      server.url,
      "--model",
      "m",
      "--out",
      out,
      "--max-prompt-tokens",
      "1000",
      "--server-tokenize",
      "--json",
    );
    expect(run.code).toBe(0);
    const [short, long] = results(out);
    // The fake /tokenize counts 5 per message plus one per 4 characters of content.
    const expected = (input: string) =>
      5 +
      Math.ceil("You are a helpful assistant.".length / 4) +
      5 +
      Math.ceil(`${input}\n${risk.instruction}`.length / 4);
    const inputs = readFileSync(data, "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { input: string }).input);
    expect(short).toMatchObject({ error: null, prompt_tokens: expected(inputs[0]!) });
    expect(long).toMatchObject({
      error: `prompt has ${expected(inputs[1]!)} tokens, over the budget of 1000`,
      output: null,
      attempts: 0,
    });
    expect(server.requests() - before).toBe(1);
  });

  itNeeding(QWEN3_FILES, "with a local tokenizer and chat template", async () => {
    const out = join(dir, "local");
    const run = await runCli(
      "bench",
      "run",
      "--data",
      data,
      "--base-url",
      server.url,
      "--model",
      "m",
      "--out",
      out,
      "--max-prompt-tokens",
      "2000",
      "--tokenizer",
      join(DATA_DIR, "tokenizers", "qwen3"),
      "--json",
    );
    expect(run.code).toBe(0);
    const [short, long] = results(out);
    expect(short!.error).toBeNull();
    expect(short!.prompt_tokens).toBeLessThan(2000);
    expect(long!.error).toMatch(/^prompt has \d+ tokens, over the budget of 2000$/);
    expect(long!.prompt_tokens).toBeGreaterThan(2000);
  });

  it("refuses a budget with nothing to count tokens", async () => {
    const run = await runCli(
      "bench",
      "run",
      "--data",
      data,
      "--base-url",
      server.url,
      "--model",
      "m",
      "--out",
      join(dir, "none"),
      "--max-prompt-tokens",
      "10",
    );
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/--max-prompt-tokens needs --tokenizer/);
  });
});
