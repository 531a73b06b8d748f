import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, spawnCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/data.js";
import { LARGE_SYNTH_DB, SYNTH_DB } from "../helpers/fixtures.js";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Every record of a build folder's JSONL shards, parsed here and sorted by sample id. */
function recordsOf(folder: string): { idx: number }[] {
  const data = join(folder, "data");
  return readdirSync(data)
    .filter((n) => n.endsWith(".jsonl"))
    .flatMap((n) =>
      readFileSync(join(data, n), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { idx: number }),
    )
    .sort((a, b) => a.idx - b.idx);
}

/** The data files of a folder with their SHA-256, by name. */
const filesOf = (folder: string) =>
  Object.fromEntries(
    readdirSync(join(folder, "data"))
      .sort()
      .map((n) => [n, sha(join(folder, "data", n))]),
  );

describe("sharded builds: separate processes fill one folder", () => {
  const dir = tempDir();
  const common = [
    ...["build", "ehr-bench", "--db", SYNTH_DB, "--per-task", "15", "--min-events", "2"],
    ...["--test-ratio", "0.4", "--seed", "5", "--num-shards", "6"],
  ];

  it("three processes at once build what one process builds, and dataset verify accepts it", async () => {
    // One process on one thread, against three processes with two worker threads each.
    const single = await spawnCli([...common, "--out", join(dir, "single"), "--workers", "1"]);
    expect(single.code, single.err).toBe(0);
    const parts = await Promise.all(
      [0, 1, 2].map((k) => spawnCli([...common, "--out", join(dir, "sharded"), "--shard", `${k}/3`, "--workers", "2"])),
    );
    for (const p of parts) expect(p.code, p.err).toBe(0);
    // Exactly one process saw the last shard land and wrote the manifest; the others say shards are to come or complete.
    expect(parts.filter((p) => /complete, manifest.json written/.test(p.out)).length).toBeGreaterThanOrEqual(1);

    // Same shard count, so the files are the same bytes; and the records, sorted by id, are the same.
    expect(filesOf(join(dir, "sharded"))).toEqual(filesOf(join(dir, "single")));
    const records = recordsOf(join(dir, "sharded"));
    expect(records).toEqual(recordsOf(join(dir, "single")));
    expect(records.map((r) => r.idx)).toEqual(records.map((_, i) => i));
    expect(Object.keys(filesOf(join(dir, "single")))).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((j) => [`test-0000${j}-of-00006.jsonl`, `test-0000${j}-of-00006.parquet`]),
    );

    const verify = await spawnCli(["dataset", "verify", join(dir, "sharded"), "--json"]);
    expect(verify.code, verify.out).toBe(0);
    const report = JSON.parse(verify.out) as { ok: boolean; present: number[]; records: number };
    expect(report).toMatchObject({ ok: true, present: [0, 1, 2, 3, 4, 5], records: records.length });
  }, 120_000);

  it("dataset verify names a missing shard, a changed file and a mismatched process", async () => {
    const folder = join(dir, "partial");
    const one = await spawnCli([...common, "--out", folder, "--shard", "1/3"]);
    expect(one.code, one.err).toBe(0);
    expect(one.out).toMatch(/2 of 6 shards built.*other shards still to come/);
    const verify = await spawnCli(["dataset", "verify", folder]);
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/4 of 6 shards are missing or incomplete: 0, 2, 3, 5/);
    expect(existsSync(join(folder, "manifest.json"))).toBe(false);

    // A shard file changed after it was written, one byte, same size: named with its hash against the record.
    const changed = join(folder, "data", "test-00001-of-00006.jsonl");
    const bytes = readFileSync(changed);
    bytes[10] = bytes[10] === 0x41 ? 0x42 : 0x41;
    writeFileSync(changed, bytes);
    const tampered = await spawnCli(["dataset", "verify", folder]);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(
      /shard 1: data\/test-00001-of-00006\.jsonl has \d+ bytes, SHA-256 [0-9a-f]{64}; its part record says \d+, [0-9a-f]{64}/,
    );
    expect(tampered.out).toMatch(/5 of 6 shards are missing or incomplete: 0, 1, 2, 3, 5/);

    // A process with other settings may not join the folder.
    const other = await spawnCli([...common.map((a) => (a === "5" ? "6" : a)), "--out", folder, "--shard", "0/3"]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/being built with other settings \(seed, .*differ/);
    expect(other.err).not.toMatch(/at .*\.js:\d+/);
  }, 60_000);
});

describe("kill -9 in the middle of a build, then --resume", () => {
  const dir = tempDir();
  const args = (out: string) => [
    ...["build", "ehr-ins", "--db", LARGE_SYNTH_DB, "--per-task", "150", "--min-events", "1"],
    ...["--test-ratio", "0.3", "--seed", "3", "--num-shards", "12", "--out", out],
  ];

  it("keeps the finished shards untouched, rebuilds only the others, and ends identical to one clean build", async () => {
    const out = join(dir, "killed");
    const child = spawn(process.execPath, [BIN, ...args(out)], { stdio: "ignore" });
    const parts = join(out, "parts");
    // Kill as soon as the first shard is finished: the next one is then half-written.
    while (!(existsSync(parts) && readdirSync(parts).some((n) => n.endsWith(".json")))) {
      if (child.exitCode !== null) throw new Error("the build ended before it could be killed");
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const finished = readdirSync(parts).filter((n) => /^\d{5}\.json$/.test(n));
    expect(finished.length).toBeGreaterThanOrEqual(1);
    expect(finished.length).toBeLessThan(12);
    // Only the files a part record names: a kill between a shard's renames into data/ and its part
    // record leaves files that the resumed run rightly rebuilds.
    const kept = finished.flatMap(
      (n) => (JSON.parse(readFileSync(join(parts, n), "utf8")) as { files: { file: string }[] }).files,
    );
    expect(kept.length).toBeGreaterThanOrEqual(1);
    const before = new Map(kept.map((f) => [f.file, statSync(join(out, f.file)).mtimeMs] as const));
    expect(existsSync(join(out, "manifest.json"))).toBe(false);

    const resumed = await spawnCli([...args(out), "--resume"]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(new RegExp(`${12 - finished.length} of 12 shards built, ${finished.length} kept`));
    for (const [file, mtime] of before) expect(statSync(join(out, file)).mtimeMs, file).toBe(mtime);
    // Nothing of the killed run is left: no staging folder, no lock.
    expect(readdirSync(parts).filter((n) => !/^\d{5}\.json$/.test(n))).toEqual([]);

    const clean = await spawnCli(args(join(dir, "clean")));
    expect(clean.code, clean.err).toBe(0);
    expect(filesOf(out)).toEqual(filesOf(join(dir, "clean")));
    const verify = await spawnCli(["dataset", "verify", out]);
    expect(verify.code, verify.out).toBe(0);
  }, 180_000);
});
