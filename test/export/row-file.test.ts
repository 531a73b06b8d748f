import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RowFile } from "../../src/export/row-file.js";
import { Store } from "../../src/store/database.js";
import { tempDir } from "../helpers/data.js";

describe("the row writer", () => {
  const dir = tempDir();

  it("writes JSONL a row per line, owner-only, counting rows", async () => {
    const file = new RowFile(join(dir, "a.jsonl"));
    await file.write({ a: 1 });
    await file.write({ b: "x\ny" });
    await file.close();
    expect(file.rows).toBe(2);
    expect(readFileSync(join(dir, "a.jsonl"), "utf8")).toBe('{"a":1}\n{"b":"x\\ny"}\n');
    expect(statSync(join(dir, "a.jsonl")).mode & 0o777).toBe(0o600);
  });

  it("writes Parquet with exactly the column types given, and leaves no staged JSONL behind", async () => {
    const out = join(dir, "p");
    mkdirSync(out);
    const file = new RowFile(join(out, "t.parquet"), { n: "BIGINT", s: 'STRUCT("x" VARCHAR)' });
    await file.write({ n: 5, s: { x: "y" } });
    await file.close();
    expect(readdirSync(out)).toEqual(["t.parquet"]);
    const store = await Store.open(":memory:");
    try {
      const types = await store.rows<{ column_name: string; column_type: string }>(
        `DESCRIBE SELECT * FROM '${join(out, "t.parquet")}'`,
      );
      expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
        ["n", "BIGINT"],
        ["s", "STRUCT(x VARCHAR)"],
      ]);
    } finally {
      store.close();
    }
  });

  it("reports a write failure (here: no such folder) instead of leaving it unhandled, and discards cleanly", async () => {
    const file = new RowFile(join(dir, "missing", "x.jsonl"));
    await expect(
      (async () => {
        await file.write({ a: 1 });
        await file.close();
      })(),
    ).rejects.toThrow(/ENOENT/);
    file.discard();
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("discards what it wrote after a failure elsewhere", async () => {
    const file = new RowFile(join(dir, "d.parquet"), { a: "BIGINT" });
    await file.write({ a: 1 });
    file.discard();
    expect(readdirSync(dir).filter((n) => n.startsWith("d.parquet"))).toEqual([]);
  });
});
