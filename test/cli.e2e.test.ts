import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/data.js";

const run = runCli;

describe("command line", () => {
  const dir = tempDir();

  it("demo synthesises, ingests and summarises with nothing outside the package", async () => {
    const result = await run("demo", "--out", join(dir, "demo"), "--patients", "40", "--json");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out) as {
      store: { cohort: Record<string, number>; tables: { table: string; rows: number }[] };
    };
    expect(summary.store.cohort.patients).toBe(40);
    expect(summary.store.tables.find((t) => t.table === "hosp.patients")?.rows).toBe(40);
    expect(summary.store.cohort.edStays).toBeGreaterThan(0);
  });

  it("db info and sql read the store", async () => {
    const db = join(dir, "demo", "ehr-r1.duckdb");
    const info = await run("db", "info", "--db", db, "--json");
    expect(info.code).toBe(0);
    const parsed = JSON.parse(info.out) as { provenance: { table_name: string }[] };
    expect(parsed.provenance.map((p) => p.table_name)).toContain("hosp.labevents");
    const sql = await run("sql", "--db", db, "--json", "SELECT count(*) AS n FROM hosp.patients");
    expect(JSON.parse(sql.out)).toEqual([{ n: "40" }]);
    const text = await run("sql", "--db", db, "SELECT 1 AS one");
    expect(text.out).toBe("one\n---\n1\n");
  });

  it("prints one clear line and exits 1 on bad input, with no stack trace", async () => {
    const result = await run("ingest", join(dir, "missing"), "--db", join(dir, "x.duckdb"));
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `error: ${join(dir, "missing")}: not a folder (expected a MIMIC-IV root holding hosp/, icu/, ed/ or note/)\n`,
    );
    const sql = await run("sql", "--db", join(dir, "demo", "ehr-r1.duckdb"), "SELEC nonsense");
    expect(sql.code).toBe(1);
    expect(sql.err).toMatch(/^error: query failed: Parser Error: syntax error at or near "SELEC"\n$/);
    const noDb = await run("db", "info", "--db", join(dir, "none.duckdb"));
    expect(noDb.err).toMatch(/does not exist/);
  });

  it("rejects bad arguments", async () => {
    const result = await run("synth", "--patients", "ten", "--out", join(dir, "s"));
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/expected a whole number >= 0, got "ten"/);
  });
});

describe("command line: timelines and show", () => {
  const dir = tempDir();

  it("demo builds timelines and renders one admission within its token budget", async () => {
    const result = await run("demo", "--out", join(dir, "demo"), "--patients", "30", "--json");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out) as {
      timeline: { patients: number };
      example: { text: string; tokens: number; maxTokens: number };
    };
    expect(summary.timeline.patients).toBe(30);
    expect(summary.example.text.startsWith("## Patient Demographics [None]\n- Anchor_Age: ")).toBe(true);
    expect(summary.example.text).toContain("\n## Admissions [");
    expect(summary.example.tokens).toBeLessThanOrEqual(summary.example.maxTokens);
  });

  it("timeline build, show and its errors", async () => {
    const db = join(dir, "demo", "ehr-r1.duckdb");
    const build = await run("timeline", "build", "--db", db, "--json");
    expect(build.code).toBe(0);
    expect(JSON.parse(build.out)).toMatchObject({ patients: 30, absentTables: [] });
    const shown = await run("show", "10000001", "--db", db);
    expect(shown.code).toBe(0);
    expect(shown.out.startsWith("## Patient Demographics [None]\n")).toBe(true);
    const json = await run("show", "10000001", "--db", db, "--format", "json", "--until", "2000-01-01");
    expect(JSON.parse(json.out)).toMatchObject({ subject_id: 10000001, events: [] });
    const budget = await run("show", "10000001", "--db", db, "--max-tokens", "300");
    expect(budget.err).toMatch(/^\d+ tokens \(estimate/);
    expect(Number(/^(\d+)/.exec(budget.err)![1])).toBeLessThanOrEqual(300);
    const unknown = await run("show", "42", "--db", db);
    expect(unknown).toMatchObject({
      code: 1,
      err: `error: subject_id 42 is not in ${db} (30 patients have timelines)\n`,
    });
    const badTime = await run("show", "10000001", "--db", db, "--from", "yesterday");
    expect(badTime.err).toBe("error: --from yesterday: expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]\n");
    const noTokenizer = await run(
      "show",
      "10000001",
      "--db",
      db,
      "--max-tokens",
      "100",
      "--tokenizer",
      join(dir, "nowhere"),
    );
    expect(noTokenizer.err).toMatch(/nowhere\/tokenizer\.json: not found/);
  });

  it("tasks list, index, sample and build, and their errors", async () => {
    const db = join(dir, "demo", "ehr-r1.duckdb");
    const list = await run("tasks", "list", "--json");
    expect((JSON.parse(list.out) as unknown[]).length).toBe(46);
    const index = await run("tasks", "index", "--db", db, "--tasks", "labevents,ICU_Stay_7day", "--json");
    expect(index.code).toBe(0);
    expect((JSON.parse(index.out) as { tasks: { task: string }[] }).tasks.map((t) => t.task)).toEqual([
      "labevents",
      "ICU_Stay_7day",
    ]);
    expect(await run("tasks", "index", "--db", db, "--tasks", "labevent")).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^error: unknown task\(s\) labevent/),
    });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "bad.json"), '{"labevents": -5}');
    expect((await run("tasks", "sample", "--db", db, "--config", join(dir, "bad.json"))).err).toMatch(
      /counts must be -1 \(all\) or >= 0; got labevents: -5/,
    );
    writeFileSync(join(dir, "split.csv"), "id\n1\n");
    expect((await run("tasks", "sample", "--db", db, "--split-file", join(dir, "split.csv"))).err).toMatch(
      /split\.csv:1: no subject_id column/,
    );
    const built = await run(
      "build",
      "ehr-bench",
      "--db",
      db,
      "--out",
      join(dir, "bench"),
      "--per-task",
      "5",
      "--min-events",
      "2",
      "--json",
    );
    expect(built.code).toBe(0);
    expect((JSON.parse(built.out) as { sampling: { samples: number } }).sampling.samples).toBeGreaterThan(0);
    expect((await run("build", "ehr-other", "--db", db, "--out", join(dir, "x"))).err).toMatch(
      /unknown dataset ehr-other/,
    );
    // Out of memory: one line naming the shard and the options that help; nothing half-written in data/.
    const starved = await run(
      ...["build", "ehr-bench", "--db", db, "--out", join(dir, "starved"), "--per-task", "5", "--min-events", "2"],
      ...["--memory-limit", "8MB", "--workers", "1"],
    );
    expect(starved.code).toBe(1);
    expect(starved.err).toMatch(/^error: .*(out of memory|Out of Memory).*--memory-limit.*--temp-dir/s);
    expect(starved.err.trim().split("\n")).toHaveLength(1);
    const { existsSync, readdirSync } = await import("node:fs");
    if (existsSync(join(dir, "starved", "data"))) expect(readdirSync(join(dir, "starved", "data"))).toEqual([]);
    const fresh = join(dir, "fresh.duckdb");
    await run("ingest", join(dir, "demo", "mimic-iv"), "--db", fresh, "--only", "patients,admissions");
    expect((await run("tasks", "index", "--db", fresh)).err).toMatch(
      /has no timelines yet: run `ehr-r1 timeline build/,
    );
  });

  it("graph build and show", async () => {
    const db = join(dir, "demo", "ehr-r1.duckdb");
    await run("tasks", "index", "--db", db, "--tasks", "labevents,prescriptions");
    const built = await run("graph", "build", "--db", db, "--json");
    expect(built.code).toBe(0);
    const summary = JSON.parse(built.out) as { paths: { samples: number; withPaths: number } };
    expect(summary.paths.withPaths).toBeGreaterThan(0);
    const { Store } = await import("../src/store/database.js");
    const store = await Store.open(db, { readOnly: true });
    const id = await store.value<string>("SELECT sample_id FROM graph.sample_paths ORDER BY sample_id LIMIT 1");
    store.close();
    const shown = await run("graph", "show", id, "--db", db);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^targets: \[/);
    expect(shown.out).toContain("-->");
    expect((await run("graph", "build", "--db", db, "--knowledge", "umls")).err).toMatch(/has no UMLS tables/);
    expect(
      (
        await run(
          "reason",
          "filter",
          join(dir, "nowhere"),
          "--data",
          join(dir, "x.jsonl"),
          "--out",
          join(dir, "y.jsonl"),
        )
      ).err,
    ).toMatch(/chains\.jsonl not found/);
  });
});
