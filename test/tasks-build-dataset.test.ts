import { subjectSet } from "../src/store/subject-set.js";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { MessageChannel } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EstimatedTokenCounter } from "../src/render/tokenizer.js";
import type { Store } from "../src/store/database.js";
import {
  batches,
  buildDataset,
  workerMemory,
  type BuildProgress,
  type DatasetOptions,
} from "../src/tasks/build-dataset.js";
import { candidatePool } from "../src/tasks/candidates.js";
import { TASKS } from "../src/tasks/registry.js";
import { counterOf, serveShards, type WorkerReply } from "../src/tasks/shard-server.js";
import { itNeeding, tempDir } from "./helpers/data.js";
import { storedTarget } from "./helpers/targets.js";
import { openShared, SYNTH_DB } from "./helpers/fixtures.js";
import { SPEC_FILE, specTable } from "./helpers/spec.js";

/**
 * `build` in this thread (the e2e tier runs it in child processes, out of reach of mutation
 * testing): option checks, shard assignment, process parts, resume, worker threads, the plan and
 * the manifest. Expected values are worked out here: shards from MD5 in node:crypto, hashes and
 * sizes from the files, labels and windows from the task index by SQL.
 */

interface Row {
  idx: number;
  instruction: string;
  input: string;
  output: string;
  candidates: string[];
  task_info: Record<string, unknown> & { task: string; subject_id: string; label: string | string[] };
}

const SHARDS = 3;
const BASE = {
  name: "ehr-bench",
  seed: 11,
  perTask: 3,
  split: { kind: "ratio" as const, testRatio: 0.5 },
  minEvents: 2,
  shards: SHARDS,
};
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const shardOf = (subject: string | number) =>
  parseInt(createHash("md5").update(`shard:${subject}`).digest("hex").slice(0, 8), 16) % SHARDS;
const jsonl = (out: string, shard: number) => join(out, "data", `test-0000${shard}-of-0000${SHARDS}.jsonl`);
const parquet = (out: string, shard: number) => join(out, "data", `test-0000${shard}-of-0000${SHARDS}.parquet`);
const records = (file: string): Row[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
const hashes = (out: string) =>
  Object.fromEntries(readdirSync(join(out, "data")).map((f) => [f, sha(join(out, "data", f))]));
const mode = (path: string) => statSync(path).mode & 0o777;

describe("build: shards, parts, resume and workers in this thread", () => {
  const dir = tempDir();
  let store: Store;
  /** One whole single-process build: what every other way of building must reproduce byte for byte. */
  let reference: string;
  let referenceHashes: Record<string, string>;
  let samples: number;

  beforeAll(async () => {
    store = await openShared(SYNTH_DB);
    reference = join(dir, "reference");
    const summary = await buildDataset(store, { ...BASE, out: reference });
    samples = summary.sampling.samples;
    referenceHashes = hashes(reference);
  });
  afterAll(() => store?.close());

  it("rejects options that cannot work, naming them", async () => {
    const out = join(dir, "bad");
    await expect(buildDataset(store, { ...BASE, name: "ehr-nothing", out })).rejects.toThrow(
      /unknown dataset ehr-nothing/,
    );
    await expect(buildDataset(store, { ...BASE, out, force: true, part: { index: 0, count: 2 } })).rejects.toThrow(
      /--force with --shard/,
    );
    for (const shards of [0, 1.5, -1])
      await expect(buildDataset(store, { ...BASE, out, shards })).rejects.toThrow(
        /--num-shards must be a whole number/,
      );
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "notes.txt"), "mine\n");
    await expect(buildDataset(store, { ...BASE, out, resume: true })).rejects.toThrow(
      /is not empty and holds no build-plan\.json/,
    );
    await expect(buildDataset(store, { ...BASE, out, part: { index: 1, count: 2 } })).rejects.toThrow(
      /not a build folder to join or resume/,
    );
    await expect(buildDataset(store, { ...BASE, out })).rejects.toThrow(/not empty/);
    // Nothing of the user's was lost to a refused build.
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine\n");
    expect(readdirSync(out)).toEqual(["notes.txt"]);
    // --force empties a folder that is not shared with other processes.
    const forced = await buildDataset(store, { ...BASE, out, force: true });
    expect(forced.complete).toBe(true);
    expect(existsSync(join(out, "notes.txt"))).toBe(false);
    expect(hashes(out)).toEqual(referenceHashes);
  });

  it("puts each patient in the shard its MD5 names, numbers samples in patient order, and records every file", () => {
    const all: Row[] = [];
    for (let j = 0; j < SHARDS; j++) {
      const rows = records(jsonl(reference, j));
      for (const r of rows) expect(shardOf(r.task_info.subject_id), `shard of ${r.task_info.subject_id}`).toBe(j);
      // Within a shard in idx order.
      expect(rows.map((r) => r.idx)).toEqual([...rows.map((r) => r.idx)].sort((a, b) => a - b));
      all.push(...rows);
    }
    expect(all.length).toBe(samples);
    all.sort((a, b) => a.idx - b.idx);
    // idx runs 0..n-1 over the whole dataset, in patient order.
    expect(all.map((r) => r.idx)).toEqual(Array.from({ length: samples }, (_, i) => i));
    const subjects = all.map((r) => Number(r.task_info.subject_id));
    expect(subjects).toEqual([...subjects].sort((a, b) => a - b));
    expect(new Set(subjects.map(shardOf)).size).toBe(SHARDS);

    const manifest = JSON.parse(readFileSync(join(reference, "manifest.json"), "utf8")) as {
      records: number;
      samples: number;
      layout: { shards: number; split: string; jsonl: boolean };
      files: { file: string; records: number; bytes: number; sha256: string; shard: number }[];
    };
    expect(manifest).toMatchObject({
      records: samples,
      samples,
      layout: { shards: SHARDS, split: "test", jsonl: true },
    });
    expect(manifest.files.map((f) => [f.file, f.shard]).sort()).toEqual(
      Array.from({ length: SHARDS }, (_, j) => [
        [`data/test-0000${j}-of-0000${SHARDS}.jsonl`, j],
        [`data/test-0000${j}-of-0000${SHARDS}.parquet`, j],
      ])
        .flat()
        .sort(),
    );
    for (const f of manifest.files) {
      const path = join(reference, f.file);
      expect(f.sha256, f.file).toBe(sha(path));
      expect(f.bytes, f.file).toBe(statSync(path).size);
      expect(f.records, f.file).toBe(records(jsonl(reference, f.shard)).length);
      expect(mode(path), f.file).toBe(0o600);
    }
    for (let j = 0; j < SHARDS; j++) {
      const part = JSON.parse(readFileSync(join(reference, "parts", `0000${j}.json`), "utf8")) as unknown;
      expect(part).toMatchObject({ shard: j, shards: SHARDS, records: records(jsonl(reference, j)).length });
    }
    // Nothing left over: no staging folders, locks or temporary files; everything owner-only.
    expect(readdirSync(join(reference, "parts")).sort()).toEqual(
      Array.from({ length: SHARDS }, (_, j) => `0000${j}.json`),
    );
    expect(readdirSync(reference).sort()).toEqual(["build-plan.json", "data", "manifest.json", "parts"]);
    for (const d of [reference, join(reference, "data"), join(reference, "parts")]) expect(mode(d), d).toBe(0o700);
    expect(mode(join(reference, "manifest.json"))).toBe(0o600);
  });

  itNeeding(
    [SPEC_FILE],
    "writes records whose labels, windows and task facts are the task index's and the spec's",
    async () => {
      const rows = Array.from({ length: SHARDS }, (_, j) => records(jsonl(reference, j))).flat();
      // §8.2 names every decision task and its metric; every other task is a risk task scored by AUROC.
      const metrics = new Map(
        specTable(readFileSync(SPEC_FILE, "utf8"), "### 8.2 Decision-making tasks").map(([, name, , , metric]) => [
          name!,
          metric!,
        ]),
      );
      let risk = 0;
      let lists = 0;
      for (const r of rows) {
        const info = r.task_info;
        const matches = await store.rows<{
          hadm_id: number | null;
          event: string;
          admissions_id: number | null;
          last_discharge_id: number | null;
        }>(
          `SELECT hadm_id, event, admissions_id, last_discharge_id FROM tasks.task_index
         WHERE task = '${info.task}' AND subject_id = ${info.subject_id} AND context_begin = ${Number(info.period_begin)}
           AND context_end = ${Number(info.period_end)} AND to_json(target) = to_json(${storedTarget(String(info.target))})`,
        );
        expect(matches.length, `${info.task} of ${info.subject_id}`).toBeGreaterThan(0);
        const m = matches[0]!;
        expect(info.hadm_id).toBe(m.hadm_id === null ? "None" : String(m.hadm_id));
        expect(info.event).toBe(m.event);
        expect(info.admissions_id).toBe(m.admissions_id);
        expect(info.last_discharge_id).toBe(m.last_discharge_id);
        // The answer is the target's label (lists one per line); candidates by task type.
        const label = JSON.parse(String(info.target)) as string | string[];
        expect(info.label).toEqual(label);
        expect(r.output).toBe(Array.isArray(label) ? label.join("\n") : label);
        expect(info.instruction).toBe(r.instruction);
        if (info.task_type === "risk_prediction") {
          risk++;
          expect(r.candidates).toEqual(["yes", "no"]);
        } else if (info.task === "discharge") expect(r.candidates).toEqual([]);
        else {
          lists++;
          for (const l of Array.isArray(label) ? label : [label]) expect(r.candidates).toContain(l);
        }
        expect(info.task_type, info.task).toBe(metrics.has(info.task) ? "decision_making" : "risk_prediction");
        expect(info.metric, info.task).toBe(metrics.get(info.task) ?? "aucroc");
      }
      expect(risk).toBeGreaterThan(10);
      expect(lists).toBeGreaterThan(10);
    },
  );

  it("two process parts fill one folder; the manifest appears when the last part finishes; the result is one build's", async () => {
    const out = join(dir, "parts");
    const first = await buildDataset(store, { ...BASE, out, part: { index: 0, count: 2 } });
    expect(first.complete).toBe(false);
    expect(first.shards).toEqual({ total: SHARDS, built: [0, 2], kept: [] });
    expect(first.files.sort()).toEqual(
      [0, 2].flatMap((j) => [
        `data/test-0000${j}-of-0000${SHARDS}.jsonl`,
        `data/test-0000${j}-of-0000${SHARDS}.parquet`,
      ]),
    );
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
    // A second process with other settings is refused, naming what differs.
    await expect(buildDataset(store, { ...BASE, seed: 12, out, part: { index: 1, count: 2 } })).rejects.toThrow(
      /other settings \(seed, .*samples|other settings \(seed/,
    );
    await expect(
      buildDataset(store, {
        ...BASE,
        out,
        part: { index: 1, count: 2 },
        maxTokens: 900,
        counter: new EstimatedTokenCounter(),
      }),
    ).rejects.toThrow(/max_tokens, tokenizer differ/);
    await expect(buildDataset(store, { ...BASE, out, part: { index: 1, count: 2 }, jsonl: false })).rejects.toThrow(
      /layout differ/,
    );
    const second = await buildDataset(store, { ...BASE, out, part: { index: 1, count: 2 } });
    expect(second.complete).toBe(true);
    expect(second.shards).toEqual({ total: SHARDS, built: [1], kept: [] });
    expect(second.files).toContain("manifest.json");
    expect(hashes(out)).toEqual(referenceHashes);
    const manifest = (folder: string) => {
      const { created_at: _c, ...rest } = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as Record<
        string,
        unknown
      > & { input: Record<string, unknown> };
      return { ...rest, input: { ...rest.input, database: null } };
    };
    expect(manifest(out)).toEqual(manifest(reference));
  });

  it("--resume keeps whole shards, rebuilds missing or damaged ones and clears what killed runs left", async () => {
    const out = join(dir, "resume");
    await buildDataset(store, { ...BASE, out });
    const keptFile = parquet(out, 0);
    const keptTime = statSync(keptFile).mtimeMs;
    rmSync(parquet(out, 1));
    writeFileSync(jsonl(out, 2), "damaged\n");
    rmSync(join(out, "manifest.json"));
    // A killed run's staging folder and lock (its pid is gone).
    mkdirSync(join(out, "parts", "00001.partial-99999999"));
    writeFileSync(
      join(out, "parts", "00000.lock"),
      JSON.stringify({ pid: 99999999, host: hostname(), started: "", proc_start: null, command: "" }),
    );
    // A lock file left empty by a run killed between creating and filling it: stale once it is old.
    const unfilled = join(out, "parts", "00001.lock");
    // ... and the filling of a lock that a killed run wrote but never linked into place.
    writeFileSync(join(out, "parts", `00002.lock.${hostname()}-99999999.tmp`), "{}");
    writeFileSync(unfilled, "");
    await expect(buildDataset(store, { ...BASE, out, resume: true })).rejects.toThrow(
      /shard 1 of 3 failed .*being written by another ehr-r1 process \(a process that is starting\)/,
    );
    utimesSync(unfilled, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const seen: BuildProgress[] = [];
    const resumed = await buildDataset(store, { ...BASE, out, resume: true, onProgress: (p) => seen.push(p) });
    expect(resumed.shards).toEqual({ total: SHARDS, built: [1, 2], kept: [0] });
    expect(resumed.complete).toBe(true);
    expect(statSync(keptFile).mtimeMs).toBe(keptTime);
    expect(hashes(out)).toEqual(referenceHashes);
    expect(readdirSync(join(out, "parts")).sort()).toEqual(["00000.json", "00001.json", "00002.json"]);
    // Progress counts only the shards built now, and ends at their total.
    const rebuilt = records(jsonl(out, 1)).length + records(jsonl(out, 2)).length;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ samples: rebuilt, total: rebuilt, shards: 2 });
    for (const p of seen) expect(p.total).toBe(rebuilt);
    expect(seen.map((p) => p.samples)).toEqual([...seen.map((p) => p.samples)].sort((a, b) => a - b));
    expect(seen.map((p) => p.shardsDone)).toEqual([...seen.map((p) => p.shardsDone)].sort((a, b) => a - b));
    // Resuming a finished build builds nothing.
    const again = await buildDataset(store, { ...BASE, out, resume: true });
    expect(again.shards).toEqual({ total: SHARDS, built: [], kept: [0, 1, 2] });
    expect(again.complete).toBe(true);
  });

  it("a shard whose lock another live process holds fails, naming the shard; finished shards stay", async () => {
    for (const workers of [1, 2]) {
      const out = join(dir, `locked-${workers}`);
      const options = { ...BASE, out, workers, maxTokens: 4000, counter: new EstimatedTokenCounter() };
      await buildDataset(store, options);
      // No shard counts as finished; another live process holds shard 1.
      for (let j = 0; j < SHARDS; j++) rmSync(join(out, "parts", `0000${j}.json`));
      rmSync(join(out, "manifest.json"));
      writeFileSync(
        join(out, "parts", "00001.lock"),
        JSON.stringify({ pid: process.ppid, host: hostname(), started: "", proc_start: null, command: "other" }),
      );
      await expect(buildDataset(store, { ...options, resume: true })).rejects.toThrow(
        /shard 1 of 3 failed \(finished shards are kept; rerun with --resume\)/,
      );
      expect(existsSync(join(out, "parts", "00000.json")), `workers ${workers}`).toBe(true);
      expect(existsSync(join(out, "manifest.json"))).toBe(false);
    }
  });

  it("worker threads build what one thread builds, and give the store its memory limit back", async () => {
    const options: DatasetOptions = { ...BASE, out: "", maxTokens: 1500, counter: new EstimatedTokenCounter() };
    const one = join(dir, "one-thread");
    const two = join(dir, "two-threads");
    await buildDataset(store, { ...options, out: one });
    // A sample file that a killed build of this machine left (its pid is gone).
    mkdirSync(join(two, "parts"), { recursive: true });
    const stale = join(two, "parts", `.samples-${hostname()}-99999999.parquet`);
    const foreign = join(two, "parts", `.samples-elsewhere-99999999.parquet`);
    writeFileSync(stale, "");
    writeFileSync(foreign, "");
    writeFileSync(
      join(two, "build-plan.json"),
      JSON.stringify(JSON.parse(readFileSync(join(one, "build-plan.json"), "utf8"))),
    );
    const limit = await store.value("SELECT current_setting('memory_limit')");
    const seen: BuildProgress[] = [];
    const summary = await buildDataset(store, {
      ...options,
      out: two,
      resume: true,
      workers: 2,
      onProgress: (p) => seen.push(p),
    });
    expect(summary.complete).toBe(true);
    expect(hashes(two)).toEqual(hashes(one));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(foreign)).toBe(true);
    expect(await store.value("SELECT current_setting('memory_limit')")).toBe(limit);
    expect(seen.at(-1)).toMatchObject({ samples: samples, total: samples, shardsDone: SHARDS - 1, shards: SHARDS });
    // The budget was applied: every input fits (the estimate is UTF-8 bytes / 1.5), and some were cut.
    const fitted = Array.from({ length: SHARDS }, (_, j) => records(jsonl(two, j))).flat();
    const whole = Array.from({ length: SHARDS }, (_, j) => records(jsonl(reference, j))).flat();
    for (const r of fitted) expect(Math.ceil(Buffer.byteLength(r.input) / 1.5)).toBeLessThanOrEqual(1500);
    expect(fitted.filter((r, i) => r.input.length < whole[i]!.input.length).length).toBeGreaterThan(0);
  });

  it("Parquet only, when JSONL is off, holding the JSONL's records", async () => {
    const out = join(dir, "parquet-only");
    const summary = await buildDataset(store, { ...BASE, out, jsonl: false });
    expect(readdirSync(join(out, "data")).sort()).toEqual(
      Array.from({ length: SHARDS }, (_, j) => `test-0000${j}-of-0000${SHARDS}.parquet`),
    );
    expect(summary.files.filter((f) => f.endsWith(".jsonl"))).toEqual([]);
    for (let j = 0; j < SHARDS; j++) {
      const fromJsonl = records(jsonl(reference, j));
      const fromParquet = await store.rows<{
        idx: bigint;
        input: string;
        output: string;
        candidates: string[];
        info: string;
      }>(`SELECT idx, input, output, candidates, CAST(task_info AS VARCHAR) AS info FROM '${parquet(out, j)}'`);
      expect(fromParquet.length).toBe(fromJsonl.length);
      fromParquet.forEach((p, i) => {
        const r = fromJsonl[i]!;
        expect(Number(p.idx)).toBe(r.idx);
        expect(p.input).toBe(r.input);
        expect(p.output).toBe(r.output);
        expect([...p.candidates]).toEqual(r.candidates);
        expect(JSON.parse(p.info)).toEqual(r.task_info);
      });
    }
  });

  it("the clean format is applied and recorded in the plan", async () => {
    const out = join(dir, "clean");
    await buildDataset(store, { ...BASE, out, format: "clean" });
    const plan = JSON.parse(readFileSync(join(out, "build-plan.json"), "utf8")) as { format: string };
    expect(plan.format).toBe("clean");
    const clean = records(jsonl(out, 0));
    const plain = records(jsonl(reference, 0));
    expect(clean.map((r) => r.output)).toEqual(plain.map((r) => r.output));
    expect(clean.filter((r, i) => r.input !== plain[i]!.input).length).toBeGreaterThan(0);
  });
});

describe("the memory limit shared out among build workers", () => {
  const MiB = 1 << 20;
  it("keeps 128 MiB for the main thread and leaves 128 MiB of each worker's part to its JS heap", () => {
    // DuckDB's default 1 GB is 10^9 bytes: 10^9 - 128 MiB = 865,782,272 bytes for the workers, which
    // fit two parts of 256 + 128 MiB (402,653,184); each DuckDB gets half less the reserve.
    expect(workerMemory(1e9, 2)).toEqual({ mainShare: 128 * MiB, count: 2, share: 432_891_136 - 128 * MiB });
    // More cores do not mean more workers at 1 GB.
    expect(workerMemory(1e9, 16).count).toBe(2);
    // 4 GB: (4·10^9 - 128 MiB) / 384 MiB = 9.6, so 9 of 16 asked for.
    expect(workerMemory(4e9, 16)).toEqual({ mainShare: 128 * MiB, count: 9, share: 429_531_363 - 128 * MiB });
    // A limit too small for one part still runs one worker, at the 256 MiB floor.
    expect(workerMemory(300e6, 2)).toEqual({ mainShare: 128 * MiB, count: 1, share: 256 * MiB });
  });

  it("never gives the workers' DuckDB and their reserves together more than the limit", () => {
    for (const limit of [0.5e9, 1e9, 1.5e9, 2e9, 8e9, 64e9])
      for (const workers of [1, 2, 3, 8, 64]) {
        const { mainShare, count, share } = workerMemory(limit, workers);
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(workers);
        if (limit >= mainShare + 384 * MiB) expect(mainShare + count * (share + 128 * MiB)).toBeLessThanOrEqual(limit);
      }
  });
});

describe("batches of patients", () => {
  it("keeps patient order, cuts before a batch would pass its row or patient cap, and never splits a patient", () => {
    const sizes = [5, 1, 9, 20, 2, 2, 2, 2, 0, 7].map((n, i) => ({ s: 100 + i, n: BigInt(n) }));
    const cut = [...batches(sizes, 10, 3)];
    expect(cut).toEqual([[100, 101], [102], [103], [104, 105, 106], [107, 108, 109]]);
    expect([...batches([], 10, 3)]).toEqual([]);
    expect([...batches(sizes.slice(0, 2))]).toEqual([[100, 101]]);
  });
});

describe("the build worker's shard server, over a channel in this thread", () => {
  const dir = tempDir();

  it("builds the shards it is asked for, reports progress and failures, and stops cleanly", async () => {
    const main = await openShared(SYNTH_DB);
    const out = join(dir, "served");
    // A whole build gives the plan, the samples and the shard files to compare with.
    await buildDataset(main, { ...BASE, out: join(dir, "whole") });
    main.close();
    // The samples file the main thread would write: every sampled row, with its shard (from the whole build's JSONL).
    const rowsFile = join(dir, "rows.parquet");
    const whole = await openShared(SYNTH_DB);
    const lines = Array.from({ length: SHARDS }, (_, j) => records(jsonl(join(dir, "whole"), j))).flat();
    writeFileSync(
      join(dir, "rows.json"),
      lines
        .map((r) =>
          JSON.stringify({
            idx: r.idx,
            subject_id: Number(r.task_info.subject_id),
            hadm_id: r.task_info.hadm_id === "None" ? null : Number(r.task_info.hadm_id),
            task: r.task_info.task,
            event: r.task_info.event,
            period_begin: r.task_info.period_begin,
            period_end: r.task_info.period_end,
            admissions_id: r.task_info.admissions_id,
            last_discharge_id: r.task_info.last_discharge_id,
            target: ((t: string | string[]) => (Array.isArray(t) ? t : [t]))(
              JSON.parse(String(r.task_info.target)) as string | string[],
            ),
            target_json: r.task_info.target,
            anchor: 0,
            shard: shardOf(r.task_info.subject_id),
          }),
        )
        .join("\n"),
    );
    // Column types as the task index has them (the samples file carries them through).
    const types = new Map(
      (await whole.rows<{ column_name: string; column_type: string }>("DESCRIBE tasks.task_index")).map((c) => [
        c.column_name,
        c.column_type,
      ]),
    );
    const type = (column: string) => `'${types.get(column)!}'`;
    await whole.exec(
      `COPY (SELECT * FROM read_json('${join(dir, "rows.json")}', columns = {idx: 'BIGINT', subject_id: ${type("subject_id")}, hadm_id: ${type("hadm_id")}, task: 'VARCHAR', event: 'VARCHAR', period_begin: ${type("context_begin")}, period_end: ${type("context_end")}, admissions_id: ${type("admissions_id")}, last_discharge_id: ${type("last_discharge_id")}, target: ${type("target")}, target_json: 'VARCHAR', anchor: ${type("anchor")}, shard: 'INTEGER'})) TO '${rowsFile}' (FORMAT parquet)`,
    );
    const decisions = TASKS.filter((t) => t.candidates === "pool").map((t) => t.name);
    const pool = await candidatePool(whole, decisions, await subjectSet(whole, { kind: "indexed" }), BASE.seed);
    whole.close();
    mkdirSync(join(out, "parts"), { recursive: true });
    mkdirSync(join(out, "data"), { recursive: true });
    const spillRoot = join(dir, "spill");
    mkdirSync(spillRoot);
    const { port1, port2 } = new MessageChannel();
    const replies: WorkerReply[] = [];
    const closed = new Promise<void>((resolve) => port2.once("close", () => resolve()));
    let settle: (() => void) | null = null;
    port2.on("message", (reply: WorkerReply) => {
      replies.push(reply);
      if (reply.kind !== "progress") settle?.();
    });
    const next = () => new Promise<void>((resolve) => (settle = resolve));
    await serveShards(
      port1,
      {
        db: SYNTH_DB,
        memoryLimit: "256MB",
        tempDirectory: spillRoot,
        rowsFile,
        out,
        context: { shards: SHARDS, shardSplit: "test", pool, seed: BASE.seed },
        counter: null,
      },
      "test",
    );
    expect(readdirSync(spillRoot)).toEqual([`.ehr-r1-spill-${process.pid}-test`]);
    let done = next();
    port2.postMessage({ kind: "shard", shard: 1 });
    await done;
    expect(replies.at(-1)).toEqual({
      kind: "done",
      shard: 1,
      files: [`data/test-00001-of-0000${SHARDS}.parquet`, `data/test-00001-of-0000${SHARDS}.jsonl`],
    });
    // The same records as the whole build's shard (candidates aside: this pool is drawn from every patient).
    const served = records(jsonl(out, 1));
    const expected = records(jsonl(join(dir, "whole"), 1));
    const plain = (rows: Row[]) => rows.map((r) => [r.idx, r.instruction, r.input, r.output, r.task_info.label]);
    expect(plain(served)).toEqual(plain(expected));
    expect(replies.filter((r) => r.kind === "progress").reduce((a, r) => a + r.samples, 0)).toBe(expected.length);
    expect(sha(join(out, "data", `test-00001-of-0000${SHARDS}.jsonl`))).toBe(
      (JSON.parse(readFileSync(join(out, "parts", "00001.json"), "utf8")) as { files: { sha256: string }[] }).files[1]!
        .sha256,
    );
    // A shard that cannot be built (its parts folder is gone) comes back as an error naming it.
    rmSync(join(out, "parts"), { recursive: true });
    done = next();
    port2.postMessage({ kind: "shard", shard: 2 });
    await done;
    expect(replies.at(-1)).toMatchObject({ kind: "error", shard: 2, message: expect.stringMatching(/ENOENT/) });
    port2.postMessage({ kind: "stop" });
    await closed;
    expect(readdirSync(spillRoot)).toEqual([]);
  });

  it("makes the counter the main thread named", () => {
    expect(counterOf(null)).toBeUndefined();
    expect(counterOf({ kind: "estimate" })).toBeInstanceOf(EstimatedTokenCounter);
    expect(() => counterOf({ kind: "model", dir: "/nonexistent-ehr-r1/nowhere" })).toThrow(/nowhere/);
  });
});
