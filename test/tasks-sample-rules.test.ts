import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { samplingOptions } from "../src/cli/commands/tasks.js";
import { Store } from "../src/store/database.js";
import { buildTaskIndex } from "../src/tasks/index-build.js";
import { sampleTaskIndex, type SampleOptions } from "../src/tasks/sample.js";
import { tempDir } from "./helpers/data.js";
import { copyStore, SYNTH_DB } from "./helpers/fixtures.js";

/**
 * The sampling rules of §9.2, each checked against a count or a row set worked out with plain SQL
 * over the task index (the sampler's input): context-length bounds, the chartevents label cap, the
 * admission record in the context of procedure and diagnosis tasks, counts per task, split files.
 */
describe("task sampling rules on a synthetic cohort", () => {
  const dir = tempDir();
  let store: Store;
  const TASKS = ["labevents", "chartevents", "procedures_icd", "diagnoses_icd", "services", "Inpatient_Mortality"];
  const count = async (sql: string) => Number(await store.value<bigint>(`SELECT count(*) FROM (${sql})`));
  const all = { split: { kind: "all" as const }, seed: 11 };
  const sampled = () =>
    store.rows<{ task: string; s: number; b: number; e: number; adm: number | null; target: string[] }>(
      "SELECT task, subject_id AS s, period_begin AS b, period_end AS e, admissions_id AS adm, target FROM tasks.sampled",
    );

  beforeAll(async () => {
    store = await Store.open(copyStore(SYNTH_DB, dir, "sample.duckdb"));
    await buildTaskIndex(store, { tasks: TASKS });
    return () => store.close();
  });

  it("keeps contexts strictly between the event bounds, and counts as eligible exactly those", async () => {
    const summary = await sampleTaskIndex(store, {
      ...all,
      config: { labevents: -1, services: 5 },
      minEvents: 4,
      maxEvents: 30,
    });
    const expected = await count(
      "SELECT 1 FROM tasks.task_index WHERE task = 'labevents' AND context_end - context_begin > 4 AND context_end - context_begin < 30",
    );
    const labs = summary.tasks.find((t) => t.task === "labevents")!;
    expect(labs).toMatchObject({ eligible: expected, sampled: expected, mode: "all", requested: -1 });
    expect(expected).toBeGreaterThan(50);
    const services = summary.tasks.find((t) => t.task === "services")!;
    expect(services).toMatchObject({ sampled: 5, requested: 5, mode: "uniform" });
    expect(services.eligible).toBe(
      await count(
        "SELECT 1 FROM tasks.task_index WHERE task = 'services' AND context_end - context_begin > 4 AND context_end - context_begin < 30",
      ),
    );
    const rows = await sampled();
    for (const r of rows) expect(r.e - r.b).toBeGreaterThan(4);
    for (const r of rows) expect(r.e - r.b).toBeLessThan(30);
    expect(rows.some((r) => r.e - r.b === 5)).toBe(true);
    expect(rows.some((r) => r.e - r.b === 29)).toBe(true);
    expect(summary.samples).toBe(expected + 5);
    expect(summary.patients).toBe(new Set(rows.map((r) => r.s)).size);
    // The defaults: more than 10 and fewer than 100 events.
    const defaults = await sampleTaskIndex(store, { ...all, config: { labevents: -1 } });
    expect(defaults.tasks[0]!.eligible).toBe(
      await count(
        "SELECT 1 FROM tasks.task_index WHERE task = 'labevents' AND context_end - context_begin > 10 AND context_end - context_begin < 100",
      ),
    );
    const unbounded = await sampleTaskIndex(store, {
      ...all,
      config: { labevents: 0 },
      minEvents: null,
      maxEvents: null,
    });
    expect(unbounded.tasks[0]).toMatchObject({
      eligible: await count("SELECT 1 FROM tasks.task_index WHERE task = 'labevents'"),
      mode: "all",
    });
  });

  it("drops chartevents labels of 10 or more items (or of the given cap), and procedure/diagnosis contexts without the admission record", async () => {
    const open = { ...all, minEvents: null, maxEvents: null };
    const summary = await sampleTaskIndex(store, {
      ...open,
      config: { chartevents: -1, procedures_icd: -1, diagnoses_icd: -1 },
    });
    const long = await count("SELECT 1 FROM tasks.task_index WHERE task = 'chartevents' AND len(target) >= 10");
    expect(long).toBeGreaterThan(10);
    const byTask = new Map(summary.tasks.map((t) => [t.task, t]));
    expect(byTask.get("chartevents")!.sampled).toBe(
      (await count("SELECT 1 FROM tasks.task_index WHERE task = 'chartevents'")) - long,
    );
    for (const task of ["procedures_icd", "diagnoses_icd"]) {
      const outside = await count(
        `SELECT 1 FROM tasks.task_index WHERE task = '${task}' AND admissions_id IS NOT NULL AND admissions_id <= context_begin`,
      );
      expect(outside, task).toBeGreaterThan(0);
      expect(byTask.get(task)!.sampled, task).toBe(
        (await count(`SELECT 1 FROM tasks.task_index WHERE task = '${task}'`)) - outside,
      );
    }
    for (const r of await sampled()) {
      if (r.task === "chartevents") expect(r.target.length).toBeLessThan(10);
      else if (r.adm !== null) expect(r.adm).toBeGreaterThan(r.b);
    }
    // A cap at the commonest list length: lists of exactly that length are dropped too.
    const common = Number(
      await store.value<bigint>(
        "SELECT mode(len(target)) FROM tasks.task_index WHERE task = 'chartevents' AND len(target) > 1",
      ),
    );
    const capped = await sampleTaskIndex(store, { ...open, config: { chartevents: -1 }, maxChartLabels: common });
    expect(capped.tasks[0]!.sampled).toBe(
      await count(`SELECT 1 FROM tasks.task_index WHERE task = 'chartevents' AND len(target) < ${common}`),
    );
    const uncapped = await sampleTaskIndex(store, { ...open, config: { chartevents: -1 }, maxChartLabels: null });
    expect(uncapped.tasks[0]!.sampled).toBe(await count("SELECT 1 FROM tasks.task_index WHERE task = 'chartevents'"));
    // Other tasks keep an admission record at or before the context's start.
    const labs = await sampleTaskIndex(store, { ...open, config: { labevents: -1 } });
    expect(labs.tasks[0]!.sampled).toBe(await count("SELECT 1 FROM tasks.task_index WHERE task = 'labevents'"));
  });

  it("maps --fraction to scaled counts, overriding a preset's per-task count and refusing --per-task beside it", () => {
    // ehr-bench's preset asks the same count of every task; --fraction scales its configured counts instead.
    const bench = samplingOptions({ db: "s.duckdb", seed: 1, fraction: 0.25 }, "ehr-bench");
    expect([bench.fraction, bench.perTask]).toEqual([0.25, undefined]);
    expect(samplingOptions({ db: "s.duckdb", seed: 1 }, "ehr-bench").perTask).toBeGreaterThan(0);
    expect(() => samplingOptions({ db: "s.duckdb", seed: 1, fraction: 0.5, perTask: 3 }, "ehr-ins")).toThrow(
      "give --per-task or --fraction, not both",
    );
  });

  it("scales counts by --per-task and --fraction, refusing values out of range", async () => {
    const open: SampleOptions = { ...all, config: { labevents: 40, services: 9 }, minEvents: null, maxEvents: null };
    const per = await sampleTaskIndex(store, { ...open, perTask: 7 });
    expect(per.tasks.map((t) => [t.task, t.requested, t.sampled])).toEqual([
      ["labevents", 7, 7],
      ["services", 7, 7],
    ]);
    const part = await sampleTaskIndex(store, { ...open, fraction: 0.5 });
    expect(part.tasks.map((t) => [t.requested, t.sampled])).toEqual([
      [20, 20],
      [4, 4],
    ]);
    await expect(sampleTaskIndex(store, { ...open, perTask: 0 })).rejects.toThrow(
      "--per-task must be a whole number >= 1",
    );
    await expect(sampleTaskIndex(store, { ...open, perTask: 1.5 })).rejects.toThrow("--per-task");
    await expect(sampleTaskIndex(store, { ...open, fraction: 1 })).rejects.toThrow(
      "--fraction must be between 0 and 1",
    );
    await expect(sampleTaskIndex(store, { ...open, fraction: 0 })).rejects.toThrow("--fraction");
    await expect(sampleTaskIndex(store, { ...open, config: { nope: 3 } })).rejects.toThrow(/unknown task/);
    const empty = await sampleTaskIndex(store, { ...open, config: { labevents: 5, radiology: 5 } });
    expect(empty.empty).toEqual(["radiology"]);
    expect(empty.tasks[1]).toMatchObject({ task: "radiology", eligible: 0, sampled: 0, mode: "all" });
    // Balancing is for risk tasks only.
    const balanced = await sampleTaskIndex(store, {
      ...open,
      config: { services: 6, Inpatient_Mortality: 6 },
      balance: true,
    });
    expect(balanced.tasks.map((t) => [t.task, t.mode, t.sampled])).toEqual([
      ["services", "uniform", 6],
      ["Inpatient_Mortality", "balanced", 6],
    ]);
    expect(balanced.tasks[1]!.labels).toEqual({ yes: 3, no: 3 });
    expect(balanced.tasks[0]!.labels).toBeUndefined();
    // Same seed, same rows; another seed, other rows.
    const key = async () => (await sampled()).map((r) => `${r.task}|${r.s}|${r.e}`).join(",");
    await sampleTaskIndex(store, { ...open, perTask: 10 });
    const a = await key();
    await sampleTaskIndex(store, { ...open, perTask: 10 });
    expect(await key()).toBe(a);
    await sampleTaskIndex(store, { ...open, perTask: 10, seed: 12 });
    expect(await key()).not.toBe(a);
  });

  it("samples only a split file's patients, and names what is wrong with a bad one", async () => {
    const patients = (
      await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM tasks.task_index ORDER BY 1 LIMIT 15")
    ).map((r) => r.s);
    const file = join(dir, "split.csv");
    writeFileSync(file, `split,subject_id\n${patients.map((s) => `test,${s}`).join("\n")}\n`);
    const open = { seed: 1, config: { labevents: -1 }, minEvents: null, maxEvents: null };
    const summary = await sampleTaskIndex(store, { ...open, split: { kind: "file", path: file } });
    expect(summary.tasks[0]!.sampled).toBe(
      await count(`SELECT 1 FROM tasks.task_index WHERE task = 'labevents' AND subject_id IN (${patients.join(", ")})`),
    );
    for (const r of await sampled()) expect(patients).toContain(r.s);
    const noColumn = join(dir, "no-column.csv");
    writeFileSync(noColumn, "patient\n1\n");
    await expect(sampleTaskIndex(store, { ...open, split: { kind: "file", path: noColumn } })).rejects.toThrow(
      `${noColumn}:1: no subject_id column (columns: patient)`,
    );
    const notNumber = join(dir, "not-number.csv");
    writeFileSync(notNumber, "subject_id\n10000001\nabc\n");
    await expect(sampleTaskIndex(store, { ...open, split: { kind: "file", path: notNumber } })).rejects.toThrow(
      `${notNumber}: subject_id "abc" is not a whole number`,
    );
    await expect(
      sampleTaskIndex(store, { ...open, split: { kind: "file", path: join(dir, "absent.csv") } }),
    ).rejects.toThrow(/split file .*absent\.csv not found/);
    await expect(sampleTaskIndex(store, { ...open, split: { kind: "ratio", testRatio: 1 } })).rejects.toThrow(
      "--test-ratio must be between 0 and 1",
    );
  });
});
