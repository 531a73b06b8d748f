import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { fitToBudget, SYSTEM_PROMPT } from "../../src/render/budget.js";
import { inputParts } from "../../src/render/sample.js";
import { EstimatedTokenCounter, ModelTokenizer } from "../../src/render/tokenizer.js";
import { readTrajectories, type EhrEvent } from "../../src/timeline/read.js";
import { DATA_DIR, DEMO_STORE_FILES, describeNeeding, QWEN3_FILES, tempDir } from "../helpers/data.js";
import { DEMO_DB, openShared } from "../helpers/fixtures.js";

const QWEN3 = join(DATA_DIR, "tokenizers", "qwen3");

describeNeeding([...DEMO_STORE_FILES, ...QWEN3_FILES], "tokenizer, chat template and token budgets (Qwen3)", () => {
  const dir = tempDir();
  let tokenizer: ModelTokenizer;
  let trajectories: EhrEvent[][];

  beforeAll(async () => {
    tokenizer = ModelTokenizer.load(QWEN3);
    const store = await openShared(DEMO_DB);
    try {
      trajectories = [...(await readTrajectories(store, [10000032, 10001217, 10002428, 10005817])).values()];
    } finally {
      store.close();
    }
  });

  it("encodes known strings to known ids", () => {
    // From the data README (checked against the official tokenizer).
    expect(tokenizer.encode("Hello world <think>")).toEqual([9707, 1879, 220, 151667]);
    // Special tokens are single tokens with the ids tokenizer.json declares.
    const added = (
      JSON.parse(readFileSync(join(QWEN3, "tokenizer.json"), "utf8")) as {
        added_tokens: { id: number; content: string }[];
      }
    ).added_tokens;
    const id = (content: string) => added.find((t) => t.content === content)!.id;
    expect(tokenizer.encode("<|im_start|>user</think>")).toEqual([
      id("<|im_start|>"),
      ...tokenizer.encode("user"),
      151668,
    ]);
    expect(
      tokenizer.decode(tokenizer.encode("## Labotary Test Events [2180-06-27 05:10:00]\n| Sodium | 136.0 |")),
    ).toBe("## Labotary Test Events [2180-06-27 05:10:00]\n| Sodium | 136.0 |");
  });

  it("renders Qwen3's chat template, with and without thinking", () => {
    const messages = [
      { role: "system" as const, content: SYSTEM_PROMPT },
      { role: "user" as const, content: "x" },
    ];
    const head =
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n";
    expect(tokenizer.applyChatTemplate(messages, { enableThinking: false })).toBe(`${head}<think>\n\n</think>\n\n`);
    expect(tokenizer.applyChatTemplate(messages)).toBe(head);
  });

  it("never exceeds the budget, keeps demographics, admission and instruction, and drops the oldest events", () => {
    const instruction = "Based on the patient's history, predict the next laboratory tests.";
    let cut = 0;
    for (const trajectory of trajectories) {
      const admissionsId = trajectory.findIndex((e) => e.file_name === "admissions");
      const parts = inputParts(trajectory, {
        begin: admissionsId + 1,
        end: Math.min(trajectory.length, admissionsId + 80),
        admissionsId,
      });
      for (const maxTokens of [600, 1500, 4000, 16000]) {
        const fitted = fitToBudget(parts, { maxTokens, counter: tokenizer, instruction });
        expect(fitted.tokens).toBeLessThanOrEqual(maxTokens);
        expect(tokenizer.count(fitted.prompt)).toBe(fitted.tokens);
        expect(fitted.prompt).toContain(parts.demographics);
        expect(fitted.prompt).toContain(parts.admission);
        expect(fitted.prompt.endsWith(`${instruction}<|im_end|>\n<|im_start|>assistant\n`)).toBe(true);
        // What is kept is the most recent events, whole.
        const kept = parts.context.slice(fitted.droppedEvents);
        expect(fitted.input.endsWith(kept.map((c) => c.text).join("\n\n"))).toBe(true);
        if (fitted.droppedEvents) cut++;
      }
    }
    expect(cut).toBeGreaterThan(0);
  });

  it("reproduces the reference's left truncation, and the estimate stays above Qwen3's count", () => {
    const trajectory = trajectories[0]!;
    const parts = inputParts(trajectory, { begin: 1, end: trajectory.length });
    const fitted = fitToBudget(parts, { maxTokens: 1000, counter: tokenizer, policy: "reference" });
    expect(fitted.tokens).toBe(1000);
    expect(fitted.truncated).toBe(true);
    const full = tokenizer.applyChatTemplate([
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: fitted.user },
    ]);
    expect(full.endsWith(fitted.prompt)).toBe(true);
    for (const maxTokens of [500, 2000, 8000]) {
      const estimated = fitToBudget(parts, { maxTokens, counter: new EstimatedTokenCounter() });
      expect(tokenizer.count(estimated.prompt)).toBeLessThanOrEqual(maxTokens);
    }
  });

  it("says which tokenizer file is missing or broken", () => {
    const partial = join(dir, "partial");
    mkdirSync(partial);
    copyFileSync(join(QWEN3, "tokenizer.json"), join(partial, "tokenizer.json"));
    expect(() => ModelTokenizer.load(partial)).toThrow(/partial\/tokenizer_config\.json: not found/);
    writeFileSync(
      join(partial, "tokenizer_config.json"),
      JSON.stringify({ chat_template: "{{ raise_exception('no system role') }}" }),
    );
    const broken = ModelTokenizer.load(partial);
    expect(() => broken.applyChatTemplate([{ role: "user", content: "x" }])).toThrow(
      /tokenizer_config\.json: chat template failed to render: .*no system role/,
    );
    writeFileSync(join(partial, "tokenizer_config.json"), "{ not json");
    expect(() => ModelTokenizer.load(partial)).toThrow(/tokenizer_config\.json: not valid JSON/);
  });
});
