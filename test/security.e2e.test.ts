import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { lockPathOf } from "../src/store/output-lock.js";
import { TASKS } from "../src/tasks/registry.js";
import { spawnCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/data.js";
import { startFakeServer } from "./helpers/fake-openai.js";

/** Every path under `root` whose mode lets anyone but the owner in, with its mode. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(root);
  return found;
}

const risk = TASKS.find((t) => t.type === "risk_prediction")!;
const sample = (idx: number) => ({
  idx,
  instruction: risk.instruction,
  input: `## Patient Demographics [None]\n- Anchor_Age: 60\n- Gender: F\n\nnegative ${idx}`,
  output: "no",
  candidates: ["yes", "no"],
  task_info: { task: risk.name, task_type: "risk_prediction", label: "no" },
});

describe("outputs that can hold patient data are owner-only, whatever the umask", () => {
  const dir = tempDir();

  it("store, datasets, exports, CSVs, Parquet and run folders are 0600/0700 under umask 022", async () => {
    const demo = join(dir, "demo");
    const first = await spawnCli(["demo", "--out", demo, "--patients", "24", "--json"]);
    expect(first.code, first.err).toBe(0);
    const db = join(demo, "ehr-r1.duckdb");
    const steps = [
      ["timeline", "export", "--db", db, "--out", join(dir, "patients_ehr")],
      ["tasks", "export", "--db", db, "--out", join(dir, "task_index")],
      [
        "tasks",
        "sample",
        "--db",
        db,
        "--config",
        "ehr-bench",
        "--split",
        "test",
        "--test-ratio",
        "0.5",
        "--out",
        join(dir, "sample.csv"),
      ],
      [
        "build",
        "ehr-ins",
        "--db",
        db,
        "--out",
        join(dir, "ehr-ins"),
        "--per-task",
        "3",
        "--split",
        "train",
        "--test-ratio",
        "0.5",
        "--min-events",
        "1",
      ],
      ["export", "verl", "--data", join(dir, "ehr-ins"), "--out", join(dir, "ehr-ins.parquet")],
      ["export", "sft", "--data", join(dir, "ehr-ins"), "--out", join(dir, "sft.jsonl")],
    ];
    for (const step of steps) {
      const result = await spawnCli(step);
      expect(result.code, `${step.join(" ")}: ${result.err}`).toBe(0);
    }
    for (const path of [
      db,
      join(dir, "patients_ehr"),
      join(dir, "task_index"),
      join(dir, "sample.csv"),
      join(dir, "ehr-ins", "data", "train-00000-of-00001.parquet"),
      join(dir, "ehr-ins", "manifest.json"),
      join(dir, "ehr-ins.parquet"),
      join(dir, "sft.jsonl"),
    ]) {
      expect(existsSync(path), path).toBe(true);
    }
    expect(openToOthers(dir)).toEqual([]);
  }, 110_000);

  it("a store opened for writing by the library is made owner-only, even one created world-readable", async () => {
    const db = join(dir, "lib.duckdb");
    writeFileSync(join(dir, "plain.txt"), "x", { mode: 0o644 });
    const store = await Store.open(db);
    await store.exec("CREATE TABLE t AS SELECT 1 AS x");
    store.close();
    expect(lstatSync(db).mode & 0o777).toBe(0o600);
  });
});

describe("one writer at a time per output", () => {
  const dir = tempDir();

  it("a second bench run on the same folder is refused at once, naming the holder; the first ends with one line per sample", async () => {
    // Eight answers a second apart: the first run still holds the folder when a loaded machine starts the second.
    const server = await startFakeServer({ latencyMs: 1000 });
    try {
      const data = join(dir, "bench.jsonl");
      writeFileSync(data, Array.from({ length: 8 }, (_, i) => JSON.stringify(sample(i))).join("\n") + "\n");
      const out = join(dir, "run");
      const args = [
        "bench",
        "run",
        "--data",
        data,
        "--base-url",
        server.url,
        "--model",
        "m",
        "--concurrency",
        "1",
        "--out",
        out,
      ];
      const first = spawnCli(args);
      for (let i = 0; i < 200 && !existsSync(lockPathOf(out)); i++) await new Promise((r) => setTimeout(r, 25));
      const holder = JSON.parse(readFileSync(lockPathOf(out), "utf8")) as { pid: number };
      const started = performance.now();
      const second = await spawnCli([...args, "--resume"]);
      expect(second.code).toBe(1);
      expect(second.err).toMatch(
        new RegExp(
          `^error: ${out.replaceAll("/", "\\/")} is being written by another ehr-r1 process \\(pid ${holder.pid} on .*started .*\\); wait for it`,
        ),
      );
      expect(performance.now() - started).toBeLessThan(5000);
      const done = await first;
      expect(done.code, done.err).toBe(0);
      const lines = readFileSync(join(out, "results.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id);
      expect(lines.sort()).toEqual(Array.from({ length: 8 }, (_, i) => String(i)).sort());
      expect(existsSync(lockPathOf(out))).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);
});
