import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fitToBudget, SYSTEM_PROMPT } from "../../src/render/budget.js";
import { renderEvent } from "../../src/render/markdown.js";
import { inputParts, joinInput, type InputParts } from "../../src/render/sample.js";
import { ModelTokenizer, type TokenCounter } from "../../src/render/tokenizer.js";
import { TASKS, task as taskDefinition } from "../../src/tasks/registry.js";
import { sampleTaskIndex } from "../../src/tasks/sample.js";
import { readTrajectories } from "../../src/timeline/read.js";
import { buildDataset, sampleWindow } from "../../src/tasks/build-dataset.js";
import { DEMO_STORE_FILES, QWEN3_DIR, QWEN3_FILES, describeNeeding, tempDir } from "../helpers/data.js";
import { DEMO_DB, openShared } from "../helpers/fixtures.js";

/** The same counter with and without the claim that counts add up at event headings. */
const chars: TokenCounter = { name: "characters", count: (t: string) => t.length };
const additiveChars: TokenCounter = { ...chars, additivity: "exact" };

const parts = (lastDischarge: string): InputParts => ({
  demographics: "## Demographics",
  lastDischarge,
  admission: lastDischarge ? "" : "## Admission",
  context: [0, 1, 2, 3, 4, 5].map((i) => ({ index: i, text: `## Event ${i} ${"x".repeat(3 * i)}` })),
});

describe("budgets from per-event counts give what counting whole prompts gives", () => {
  it("on every budget from nothing to everything, both formats, with and without a discharge note", () => {
    for (const format of ["ehr-r1", "clean"] as const)
      for (const p of [parts(""), parts("## Discharge\n- Text: a long note")])
        for (let maxTokens = 1; maxTokens <= 200; maxTokens++) {
          const run = (counter: TokenCounter) => {
            try {
              return fitToBudget(p, { maxTokens, counter, instruction: "Predict.", format });
            } catch (error) {
              return String(error);
            }
          };
          expect(run(additiveChars), `${format} ${maxTokens}`).toEqual(run(chars));
        }
  });

  it("takes event counts from the caller's cache, each event once", () => {
    const asked: number[] = [];
    const r = fitToBudget(parts(""), {
      maxTokens: 80,
      counter: additiveChars,
      instruction: "Predict.",
      eventTokens: (c) => (asked.push(c.index), c.text.length + 2),
    });
    expect(r.tokens).toBe(r.prompt.length);
    // Newest first, and only until the budget is reached; the newest event is counted with the instruction.
    const kept = 6 - r.droppedEvents;
    expect(asked).toEqual([4, 3, 2, 1, 0].slice(0, Math.min(5, kept)));
  });
});

describeNeeding([...QWEN3_FILES, ...DEMO_STORE_FILES], "budgets by Qwen3's own tokenizer on the demo", () => {
  it("Qwen3's tokenizer never merges across an event heading", () => {
    expect(ModelTokenizer.load(QWEN3_DIR).additivity).toBe("exact");
  });

  it("counting by cached pre-tokenizer pieces gives the library's count on demo events in both formats", async () => {
    const store = await openShared(DEMO_DB);
    try {
      const qwen = ModelTokenizer.load(QWEN3_DIR);
      const ids = (
        await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM timeline.events ORDER BY 1 LIMIT 3")
      ).map((r) => r.s);
      let chars = 0;
      for (const trajectory of (await readTrajectories(store, ids)).values())
        for (const event of trajectory)
          for (const format of ["ehr-r1", "clean"] as const) {
            const text = renderEvent(event, format);
            // With the join and an instruction around it, as the budgeter counts it.
            for (const piece of [text, `${text}\n\n`, `${text}\nAnswer with <think> yes or no.`]) {
              chars += piece.length;
              expect(qwen.count(piece), piece.slice(0, 80)).toBe(qwen.countByLibrary(piece));
            }
          }
      expect(chars).toBeGreaterThan(200_000);
    } finally {
      store.close();
    }
  }, 240_000);

  it("on sampled demo windows: the count is exact, within budget, and one more event would not fit", async () => {
    const store = await openShared(DEMO_DB);
    try {
      const qwen = ModelTokenizer.load(QWEN3_DIR);
      const fresh = ModelTokenizer.load(QWEN3_DIR); // no memo shared with the one under test
      const config = Object.fromEntries(TASKS.map((t) => [t.name, 8]));
      await sampleTaskIndex(store, { config, split: { kind: "all" }, seed: 4, temporary: true });
      const rows = await store.rows<{
        subject_id: number;
        task: string;
        period_begin: number;
        period_end: number;
        admissions_id: number | null;
        last_discharge_id: number | null;
      }>("SELECT * FROM temp.sampled ORDER BY subject_id, task, anchor");
      const trajectories = await readTrajectories(store, [...new Set(rows.map((r) => r.subject_id))]);
      let dropped = 0;
      for (const [i, row] of rows.entries()) {
        const def = taskDefinition(row.task);
        const parts = inputParts(trajectories.get(row.subject_id)!, sampleWindow(row));
        const chat = i % 4 === 0; // a quarter through Qwen3's chat template, as `show` and the exports count
        // The prompt a user message makes, through the model's own template or bare.
        const promptOf = (user: string) =>
          chat
            ? qwen.applyChatTemplate([
                { role: "system", content: SYSTEM_PROMPT },
                { role: "user", content: user },
              ])
            : user;
        const maxTokens = 1000 + (i % 7) * 150;
        const r = fitToBudget(parts, { maxTokens, counter: qwen, instruction: def.instruction, chat });
        expect(r.prompt).toBe(promptOf(r.user));
        const tokens = fresh.encode(r.prompt).length;
        expect(r.tokens, `${row.task} ${i}`).toBe(tokens);
        expect(tokens).toBeLessThanOrEqual(maxTokens);
        if (r.droppedEvents > 0 && !r.dischargeTrimmed) {
          dropped++;
          // One more event that shows something (events that render to nothing add no information).
          let from = r.droppedEvents - 1;
          while (from > 0 && parts.context[from]!.text === "") from--;
          const more = joinInput({ ...parts, context: parts.context.slice(from) });
          expect(
            fresh.encode(promptOf(`${more}\n${def.instruction}`)).length,
            `${row.task} ${i}: one more event`,
          ).toBeGreaterThan(maxTokens);
        }
      }
      expect(rows.length).toBeGreaterThan(200);
      expect(dropped).toBeGreaterThan(50);
    } finally {
      store.close();
    }
  }, 240_000);

  it("every sample of a budgeted demo build is within the budget, counted by the library", async () => {
    const store = await openShared(DEMO_DB);
    const dir = tempDir();
    try {
      const summary = await buildDataset(store, {
        name: "ehr-bench",
        seed: 9,
        perTask: 10,
        split: { kind: "all" },
        maxTokens: 1500,
        counter: ModelTokenizer.load(QWEN3_DIR),
        out: join(dir, "bench"),
      });
      const fresh = ModelTokenizer.load(QWEN3_DIR);
      const lines = readFileSync(join(dir, "bench", "data", "test-00000-of-00001.jsonl"), "utf8")
        .trimEnd()
        .split("\n");
      expect(lines.length).toBe(summary.sampling.samples);
      let near = 0;
      for (const line of lines) {
        const r = JSON.parse(line) as { input: string; instruction: string };
        const tokens = fresh.countByLibrary(`${r.input}\n${r.instruction}`);
        expect(tokens).toBeLessThanOrEqual(1500);
        if (tokens > 1300) near++;
      }
      expect(near).toBeGreaterThan(20); // the budget binds
    } finally {
      store.close();
    }
  }, 240_000);
});
