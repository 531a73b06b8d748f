import { subjectSet } from "../../src/store/subject-set.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBenchmark } from "../../src/eval/dataset.js";
import { PROFILES } from "../../src/eval/profiles.js";
import { runBenchmark } from "../../src/eval/runner.js";
import { trainingSubjects } from "../../src/eval/training-split.js";
import { createBaselineProvider } from "../../src/providers/baseline.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible.js";
import type { Provider } from "../../src/providers/types.js";
import { Store } from "../../src/store/database.js";
import { buildDataset } from "../../src/tasks/build-dataset.js";
import { TASKS } from "../../src/tasks/registry.js";
import { DEMO_STORE_FILES, describeNeeding, tempDir } from "../helpers/data.js";
import { copyStore, DEMO_DB, LARGE_SYNTH_DB } from "../helpers/fixtures.js";
import { startFakeServer } from "../helpers/fake-openai.js";

/** Store → timelines → index → EHR-Bench (seeded patient split, no length filter) → baseline run. */
async function evaluateBaselines(dir: string, db: string, tasks: string[], seed: number) {
  const store = await Store.open(db);
  try {
    const out = join(dir, "bench");
    await buildDataset(store, {
      name: "ehr-bench",
      out,
      seed,
      perTask: 300,
      split: { kind: "ratio", testRatio: 0.5 },
      minEvents: 1,
      maxEvents: null,
      force: true,
    });
    const data = out;
    const records = await readBenchmark(data);
    const provider = await createBaselineProvider(store, records, {
      trainSubjects: await trainingSubjects(store, records),
      seed,
    });
    const run = await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out: join(dir, "run"),
      tasks,
    });
    await expectRealAnswers(store, join(dir, "run", "results.jsonl"));
    return run;
  } finally {
    store.close();
  }
}

/**
 * Every answer is a real one: no request failed, no text is empty; a risk answer is yes or no as its
 * p(yes) says, and p(yes) varies within a task; a list answer names only labels of that task (by
 * SQL over the task index), and some answers hit the gold label.
 */
async function expectRealAnswers(store: Store, results: string) {
  const lines = readFileSync(results, "utf8")
    .trimEnd()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as {
          task: string;
          output: string | null;
          error: string | null;
          p_yes: number | null;
          value: number;
        },
    );
  expect(lines.length).toBeGreaterThan(0);
  const byTask = new Map<string, typeof lines>();
  for (const line of lines) {
    expect(line.error).toBeNull();
    expect(line.output, line.task).toMatch(/\S/);
    byTask.set(line.task, [...(byTask.get(line.task) ?? []), line]);
  }
  for (const [task, list] of byTask) {
    if (TASKS.find((t) => t.name === task)!.type === "risk_prediction") {
      for (const l of list) expect(l.output).toBe(l.p_yes! >= 0.5 ? "yes" : "no");
      expect(new Set(list.map((l) => l.p_yes)).size, task).toBeGreaterThan(1);
    } else if (task !== "next_event") {
      const known = new Set(
        (
          await store.rows<{ l: string }>(
            `SELECT DISTINCT unnest(target) AS l FROM tasks.task_index WHERE task = '${task}'`,
          )
        ).map((r) => r.l),
      );
      for (const l of list)
        for (const item of l.output!.split("\n")) expect(known.has(item), `${task}: ${item}`).toBe(true);
      expect(
        list.some((l) => l.value > 0),
        task,
      ).toBe(true);
    }
  }
}

/**
 * Assertions use each task's bootstrap 95% interval: a lower bound above 0.5 means the seeded run
 * beats chance beyond its own sampling noise, which is the margin that holds on a small test split.
 */
describeNeeding(DEMO_STORE_FILES, "count-based baselines on the MIMIC-IV demo", () => {
  const dir = tempDir();
  it("beat chance on length of stay", async () => {
    const run = await evaluateBaselines(
      dir,
      copyStore(DEMO_DB, dir, "demo.duckdb"),
      ["LengthOfStay_3day", "LengthOfStay_7day", "labevents"],
      3,
    );
    for (const task of ["LengthOfStay_3day", "LengthOfStay_7day"])
      expect(run.summary.tasks[task]!.ci_low, task).toBeGreaterThan(0.5);
    expect(run.summary.tasks.labevents!.value).toBeGreaterThan(0.1);
  });
});

describe("count-based baselines on a synthetic cohort", () => {
  const dir = tempDir();
  it("beat chance on length of stay and ICU mortality", async () => {
    const run = await evaluateBaselines(
      dir,
      copyStore(LARGE_SYNTH_DB, dir, "s.duckdb"),
      ["LengthOfStay_3day", "ICU_Mortality_7day", "next_event", "labevents"],
      42,
    );
    for (const task of ["LengthOfStay_3day", "ICU_Mortality_7day"])
      expect(run.summary.tasks[task]!.ci_low, task).toBeGreaterThan(0.5);
    expect(run.summary.tasks.labevents!.value).toBeGreaterThan(0.5);
  }, 120_000);
});

/** The provider contract, checked the same way for every implementation. */
function conformance(name: string, make: () => Promise<{ provider: Provider; close: () => Promise<void> }>) {
  describe(`provider conformance: ${name}`, () => {
    it("answers with n generations of text, and stops when aborted", async () => {
      const { provider, close } = await make();
      try {
        const sample = {
          idx: 0,
          instruction: "x",
          input: "## Patient Demographics [None]",
          output: "no",
          candidates: ["yes", "no"],
          task_info: { task: "ICU_Stay_7day", task_type: "risk_prediction", label: "no" },
        };
        const request = {
          messages: [
            { role: "system" as const, content: "You are a helpful assistant." },
            {
              role: "user" as const,
              content: "Given the sequence of events that have occurred in a hospital, please predict whether x",
            },
          ],
          maxTokens: 1,
          sample,
        };
        const one = await provider.generate(request);
        expect(one).toHaveLength(1);
        expect(typeof one[0]!.text).toBe("string");
        expect(one[0]!.reasoning === null || typeof one[0]!.reasoning === "string").toBe(true);
        expect(await provider.generate({ ...request, n: 3 })).toHaveLength(3);
        const controller = new AbortController();
        controller.abort();
        if (provider.id !== "baseline")
          await expect(provider.generate({ ...request, signal: controller.signal })).rejects.toThrow();
      } finally {
        await close();
      }
    });
  });
}

conformance("openai-compatible", async () => {
  const server = await startFakeServer();
  return { provider: new OpenAICompatibleProvider({ baseUrl: server.url, model: "m" }), close: server.close };
});
/** A store with an empty typed task index: enough for the baseline to start. */
async function emptyIndexStore(): Promise<Store> {
  const store = await Store.open(":memory:");
  await store.exec(
    "CREATE SCHEMA tasks; CREATE TABLE tasks.task_index (subject_id INTEGER, task VARCHAR, target VARCHAR[])",
  );
  return store;
}

conformance("baseline", async () => {
  const store = await emptyIndexStore();
  return {
    provider: await createBaselineProvider(store, [], {
      trainSubjects: await subjectSet(store, { kind: "ids", ids: [1] }),
      seed: 1,
    }),
    close: async () => store.close(),
  };
});

describe("the baseline provider on records without windows", () => {
  it("refuses a released benchmark's record (no subject id or window), naming the record and why", async () => {
    const store = await emptyIndexStore();
    try {
      const released = {
        idx: 7,
        instruction: "x",
        input: "x",
        output: "yes",
        candidates: ["yes", "no"],
        task_info: { task: "ICU_Mortality_1day", task_type: "risk_prediction" as const, label: "yes" },
      };
      await expect(
        createBaselineProvider(store, [released], {
          trainSubjects: await subjectSet(store, { kind: "ids", ids: [1] }),
          seed: 1,
        }),
      ).rejects.toThrow(
        /record 7 \(ICU_Mortality_1day\) has no task_info\.subject_id, period_begin and period_end: the baseline provider answers ehr-r1's own EHR-Bench records/,
      );
    } finally {
      store.close();
    }
  });
});
