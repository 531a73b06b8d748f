import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Output } from "../src/cli/output.js";
import { tempDir } from "./helpers/data.js";

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const output: Output = { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false };
  const code = await main(["node", "ehr-r1", ...args], output);
  return { code, out, err };
}

describe("command line", () => {
  const dir = tempDir();

  it("demo synthesises, ingests and summarises with nothing outside the package", async () => {
    const result = await run("demo", "--out", join(dir, "demo"), "--patients", "40", "--json");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.out) as { store: { cohort: Record<string, number>; tables: { table: string; rows: number }[] } };
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
    expect(result.err).toBe(`error: ${join(dir, "missing")}: not a folder (expected a MIMIC-IV root holding hosp/, icu/, ed/ or note/)\n`);
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
