import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { lockPathOf } from "../src/store/output-lock.js";
import { writeFolder } from "../src/store/output-folder.js";
import { BIN, runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/data.js";

describe("one writer at a time per output", () => {
  const dir = tempDir();

  it("a stale lock (its holder is gone, or its pid now belongs to another process) is taken over", async () => {
    const out = join(dir, "folder");
    writeFileSync(
      lockPathOf(out),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        host: (await import("node:os")).hostname(),
        started: "2026-01-01T00:00:00Z",
        proc_start: "1",
        command: "killed",
      }),
    );
    await writeFolder(out, async (staging) => writeFileSync(join(staging, "a.txt"), "a"));
    writeFileSync(
      lockPathOf(out),
      JSON.stringify({
        pid: process.pid,
        host: (await import("node:os")).hostname(),
        started: "2026-01-01T00:00:00Z",
        proc_start: "not-my-start",
        command: "recycled pid",
      }),
    );
    await writeFolder(out, async (staging) => writeFileSync(join(staging, "b.txt"), "b"));
    expect(readdirSync(out)).toEqual(["b.txt"]);
    expect(existsSync(lockPathOf(out))).toBe(false);
  });

  it("a second writer in the same process is refused too", async () => {
    const out = join(dir, "same");
    let inner: unknown = null;
    await writeFolder(out, async () => {
      inner = await writeFolder(out, async () => "x").catch((e: unknown) => e);
    });
    expect(String(inner)).toMatch(/is being written by another ehr-r1 process \(pid \d+/);
  });
});

describe("leftovers of killed runs", () => {
  const dir = tempDir();

  it("a killed build's staging folder is removed by the next write of that output", async () => {
    const out = join(dir, "ehr-bench");
    mkdirSync(`${out}.partial-4194999`, { recursive: true });
    writeFileSync(join(`${out}.partial-4194999`, "ehr-bench.jsonl"), "half");
    mkdirSync(join(dir, "ehr-bench.partial-keep-me"));
    await writeFolder(out, async (staging) => writeFileSync(join(staging, "done.txt"), "ok"));
    expect(readdirSync(dir).sort()).toEqual(["ehr-bench", "ehr-bench.partial-keep-me"]);
  });

  it("a killed ingest's staging tables are never listed by db info, and the next ingest drops them", async () => {
    const root = join(dir, "mimic");
    mkdirSync(join(root, "hosp"), { recursive: true });
    writeFileSync(
      join(root, "hosp", "patients.csv"),
      "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod\n1,F,50,2150,2017 - 2019,\n",
    );
    writeFileSync(
      join(root, "hosp", "admissions.csv"),
      "subject_id,hadm_id,admittime,dischtime\n1,10,2150-01-01 00:00:00,2150-01-03 00:00:00\n",
    );
    const db = join(dir, "s.duckdb");
    expect((await runCli("ingest", root, "--db", db)).code).toBe(0);
    const store = await Store.open(db);
    await store.exec("CREATE TABLE hosp.__ehr_r1_load_labevents AS SELECT 1 AS x");
    store.close();
    const info = JSON.parse((await runCli("db", "info", "--db", db, "--json")).out) as { tables: { table: string }[] };
    expect(info.tables.map((t) => t.table)).not.toContain("hosp.__ehr_r1_load_labevents");
    expect(info.tables.map((t) => t.table)).toContain("hosp.patients");
    expect((await runCli("ingest", root, "--db", db, "--force")).code).toBe(0);
    const after = await Store.open(db, { readOnly: true });
    expect(
      await after.value("SELECT count(*) FROM information_schema.tables WHERE starts_with(table_name, '__ehr_r1_')"),
    ).toBe(0n);
    after.close();
  });
});

describe("reward serve refuses to start badly", () => {
  it("a port in use is one line, not a stack trace", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await runCli("reward", "serve", "--port", String(port));
      expect(result.code).toBe(1);
      expect(result.err).toBe(`error: cannot listen on 127.0.0.1:${port}: the port is in use; choose another --port\n`);
    } finally {
      blocker.close();
    }
  });

  it("a token outside the bearer alphabet is refused at start-up, without echoing it", async () => {
    const previous = process.env.EHR_R1_REWARD_TOKEN;
    process.env.EHR_R1_REWARD_TOKEN = "my secret token";
    try {
      const result = await runCli("reward", "serve", "--port", "0");
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/^error: EHR_R1_REWARD_TOKEN has characters outside the bearer-token alphabet/);
      expect(result.err).not.toContain("my secret token");
    } finally {
      if (previous === undefined) delete process.env.EHR_R1_REWARD_TOKEN;
      else process.env.EHR_R1_REWARD_TOKEN = previous;
    }
  });

  it("serving beyond loopback without a token warns", async () => {
    const env = { ...process.env };
    delete env.EHR_R1_REWARD_TOKEN;
    const child = spawn(process.execPath, [BIN, "reward", "serve", "--host", "0.0.0.0", "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    await new Promise<void>((r) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("reward server on")) r();
      });
      child.on("close", () => r());
    });
    child.kill("SIGTERM");
    expect(err).toMatch(
      /^warning: serving on 0\.0\.0\.0 without a token: anyone who can reach this address can use the server; set EHR_R1_REWARD_TOKEN\n/,
    );
  });
});
