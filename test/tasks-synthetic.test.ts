import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Store } from "../src/store/database.js";
import { buildDataset } from "../src/tasks/build-dataset.js";
import { buildTaskIndex, type IndexSummary } from "../src/tasks/index-build.js";
import { PRESETS } from "../src/tasks/presets.js";
import { TASKS } from "../src/tasks/registry.js";
import { sampleTaskIndex } from "../src/tasks/sample.js";
import { tempDir } from "./helpers/data.js";
import { copyStore, SYNTH_DB } from "./helpers/fixtures.js";

/** The EHR-Bench JSONL schema: what a plain JSON-lines reader must find on every line. */
const RECORD = z
  .object({
    idx: z.number().int().nonnegative(),
    instruction: z.string().min(1),
    input: z.string().startsWith("## Patient Demographics [None]\n"),
    output: z.string().min(1),
    candidates: z.array(z.string()),
    task_info: z
      .object({
        task: z.string(),
        task_type: z.enum(["decision_making", "risk_prediction"]),
        metric: z.string(),
        instruction: z.string(),
        subject_id: z.string(),
        hadm_id: z.string(),
        period_begin: z.number().int(),
        period_end: z.number().int(),
        target: z.string(),
        label: z.union([z.string(), z.array(z.string())]),
      })
      .passthrough(),
  })
  .strict();

describe("task index, sampling and datasets on a synthetic cohort", () => {
  const dir = tempDir();
  let store: Store;
  let summary: IndexSummary;
  const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

  beforeAll(async () => {
    // A copy of the shared synthetic store (200 patients, seed 42, timelines built); the index is rebuilt for its summary.
    store = await Store.open(copyStore(SYNTH_DB, dir, "s.duckdb"));
    summary = await buildTaskIndex(store);
    return () => store.close();
  });

  it("yields samples for every one of the 46 tasks, and both labels for every risk task", () => {
    expect(summary.tasks.map((t) => t.task)).toEqual(TASKS.map((t) => t.name));
    expect(summary.empty).toEqual([]);
    for (const t of summary.tasks.filter((x) => x.labels))
      expect(Object.keys(t.labels!).sort(), t.task).toEqual(["no", "yes"]);
  });

  it("stores the index in (task, subject, anchor) order, with the same rows however many shards", async () => {
    const content = () =>
      store.rows<{ n: bigint; h: bigint }>(
        "SELECT count(*) AS n, sum(hash(task, subject_id, hadm_id, event, anchor, context_begin, context_end, target, admissions_id, last_discharge_id, target_weight) % 1000003) AS h FROM tasks.task_index",
      );
    const before = await content();
    await buildTaskIndex(store, { shardRows: 20_000 });
    expect(await content()).toEqual(before);
    // Read back without ORDER BY: the physical order, which lets a task's readers skip other tasks' row groups.
    const outOfOrder = await store.value<bigint>(`
      SELECT count(*) FROM (
        SELECT row_number() OVER () AS stored, row_number() OVER (ORDER BY task, subject_id, anchor) AS sorted
        FROM (SELECT task, subject_id, anchor FROM tasks.task_index)) WHERE stored <> sorted`);
    expect(outOfOrder).toBe(0n);
  });

  it("keeps the previous index when a rebuild fails part-way, and leaves no half-built table", async () => {
    const snapshot = () =>
      store.rows<{ n: bigint; h: bigint }>(
        "SELECT count(*) AS n, sum(hash(task, subject_id, anchor, context_begin, target, target_weight) % 1000003) AS h FROM tasks.task_index",
      );
    const before = await snapshot();
    expect(Number(before[0]!.n)).toBe(summary.samples);
    const failing = buildTaskIndex(store, {
      onProgress: (_task, done) => {
        if (done === 30) throw new Error("stopped on purpose");
      },
    });
    await expect(failing).rejects.toThrow("stopped on purpose");
    expect(await snapshot()).toEqual(before);
    const left = await store.rows<{ t: string }>(
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name LIKE '%_next' OR table_name LIKE 'index_rows%'",
    );
    expect(left).toEqual([]);
  });

  it("builds the same files from the same seed, and different ones from another", async () => {
    const options = {
      name: "ehr-bench",
      seed: 5,
      perTask: 15,
      split: { kind: "ratio" as const, testRatio: 0.4 },
      minEvents: 2,
      force: true,
    };
    const a = await buildDataset(store, { ...options, out: join(dir, "a") });
    await buildDataset(store, { ...options, out: join(dir, "b") });
    await buildDataset(store, { ...options, seed: 6, out: join(dir, "c") });
    const shard = "data/test-00000-of-00001";
    expect(sha(join(dir, "a", `${shard}.jsonl`))).toBe(sha(join(dir, "b", `${shard}.jsonl`)));
    expect(sha(join(dir, "a", `${shard}.jsonl`))).not.toBe(sha(join(dir, "c", `${shard}.jsonl`)));
    // Every line parses on its own and fits the schema; the Parquet holds the same records.
    const lines = readFileSync(join(dir, "a", `${shard}.jsonl`), "utf8")
      .trimEnd()
      .split("\n");
    expect(lines.length).toBe(a.sampling.samples);
    for (const line of lines) RECORD.parse(JSON.parse(line));
    expect(await store.value(`SELECT count(*) FROM '${join(dir, "a", `${shard}.parquet`)}'`)).toBe(
      BigInt(lines.length),
    );
    const manifest = JSON.parse(readFileSync(join(dir, "a", "manifest.json"), "utf8")) as {
      seed: number;
      counts: { samples: number };
      input: { tables: unknown[] };
      files: { file: string; sha256: string; bytes: number }[];
    };
    expect(manifest).toMatchObject({ seed: 5, counts: { samples: lines.length }, records: lines.length });
    // The manifest's SHA-256 and sizes are those of the files on disk, hashed here independently.
    for (const f of manifest.files) {
      expect(sha(join(dir, "a", f.file)), f.file).toBe(f.sha256);
      expect(statSync(join(dir, "a", f.file)).size, f.file).toBe(f.bytes);
    }
    expect(manifest.input.tables.length).toBeGreaterThan(30);
    // Risk answers are yes/no with candidates ["yes","no"]; decision candidates contain the gold labels,
    // plus other labels of the same task (by SQL over the index), shuffled (gold not always first).
    const vocabulary = new Map<string, Set<string>>();
    for (const row of await store.rows<{ task: string; l: string }>(
      `SELECT DISTINCT task, unnest(target) AS l FROM tasks.task_index WHERE task IN (${TASKS.filter(
        (t) => t.label.kind === "items",
      )
        .map((t) => `'${t.name}'`)
        .join(", ")})`,
    )) {
      (vocabulary.get(row.task) ?? vocabulary.set(row.task, new Set()).get(row.task)!).add(row.l);
    }
    let lists = 0;
    let widened = 0;
    let goldFirst = 0;
    for (const line of lines) {
      const r = RECORD.parse(JSON.parse(line));
      if (r.task_info.task_type === "risk_prediction") {
        expect(["yes", "no"]).toContain(r.output);
        expect(r.candidates).toEqual(["yes", "no"]);
      } else if (Array.isArray(r.task_info.label)) {
        const gold = new Set(r.task_info.label);
        for (const l of gold) expect(r.candidates).toContain(l);
        expect(new Set(r.candidates).size).toBe(r.candidates.length);
        expect(r.candidates.length).toBeLessThanOrEqual(Math.max(100, gold.size));
        for (const c of r.candidates)
          expect(vocabulary.get(r.task_info.task)?.has(c), `${r.task_info.task}: ${c}`).toBe(true);
        if ((vocabulary.get(r.task_info.task)?.size ?? 0) <= gold.size) continue;
        lists++;
        if (r.candidates.length > gold.size) widened++;
        if (gold.has(r.candidates[0]!)) goldFirst++;
      }
    }
    expect(lists).toBeGreaterThan(50);
    expect(widened / lists).toBeGreaterThan(0.9);
    expect(goldFirst / lists).toBeLessThan(0.5);
    // The discharge report is free text: its samples offer nothing to choose from.
    const reports = await buildDataset(store, {
      ...options,
      name: "custom",
      config: { discharge: 6 },
      out: join(dir, "d"),
    });
    expect(reports.sampling.samples).toBeGreaterThan(0);
    for (const line of readFileSync(join(dir, "d", `${shard}.jsonl`), "utf8")
      .trimEnd()
      .split("\n")) {
      const r = RECORD.parse(JSON.parse(line));
      expect([r.task_info.task, typeof r.task_info.label, r.candidates]).toEqual(["discharge", "string", []]);
    }
  });

  it("never puts a patient on both sides of a generated split", async () => {
    const base = {
      config: PRESETS["ehr-ins"]!.config,
      split: { kind: "ratio" as const, testRatio: 0.3 },
      seed: 9,
      minEvents: null,
      maxEvents: null,
    };
    await sampleTaskIndex(store, { ...base, splitName: "train" });
    const train = new Set(
      (await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM tasks.sampled")).map((r) => r.s),
    );
    await sampleTaskIndex(store, { ...base, splitName: "test" });
    const test = new Set(
      (await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM tasks.sampled")).map((r) => r.s),
    );
    expect(train.size).toBeGreaterThan(50);
    expect(test.size).toBeGreaterThan(20);
    expect([...test].filter((s) => train.has(s))).toEqual([]);
    expect(await store.value("SELECT count(*) - count(DISTINCT subject_id) FROM tasks.split")).toBe(0n);
  });

  it("balances risk labels and weights draws towards rare labels", async () => {
    const all = { split: { kind: "all" as const }, seed: 3, minEvents: null, maxEvents: null };
    const balanced = await sampleTaskIndex(store, {
      ...all,
      config: { ED_ICU_Tranfer_12hour: 20, LengthOfStay_7day: 30 },
      balance: true,
    });
    for (const t of balanced.tasks) {
      const per = Math.floor(t.requested / 2);
      expect(t.labels, t.task).toEqual({ yes: per, no: per });
    }
    // Weighted draws (Efraimidis–Spirakis, inverse label frequency) take rare labels far more often than their share.
    const counts = await store.rows<{ yes: bigint; n: bigint }>(
      "SELECT count(*) FILTER (WHERE target = ['yes']) AS yes, count(*) AS n FROM tasks.task_index WHERE task = 'ED_ICU_Tranfer_12hour'",
    );
    const share = Number(counts[0]!.yes) / Number(counts[0]!.n);
    expect(share).toBeLessThan(0.2);
    const weighted = await sampleTaskIndex(store, { ...all, config: { ED_ICU_Tranfer_12hour: 40 } });
    const drawn = weighted.tasks[0]!;
    expect(drawn.mode).toBe("weighted");
    expect(drawn.labels!.yes! / drawn.sampled).toBeGreaterThan(2 * share);
    const uniform = await sampleTaskIndex(store, { ...all, config: { services: 40 } });
    expect(uniform.tasks[0]).toMatchObject({ mode: "uniform", sampled: 40 });
  });
});
