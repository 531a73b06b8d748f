import { subjectSet } from "../src/store/subject-set.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Random } from "../src/common/random.js";
import { Store } from "../src/store/database.js";
import { candidatePool, candidatesFor, type CandidatePool } from "../src/tasks/candidates.js";
import { tempDir } from "./helpers/data.js";

/** 32-bit FNV-1a over UTF-16 code units (offset basis 0x811c9dc5, prime 0x01000193). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe("candidate lists for baseline prompts (§8.6)", () => {
  it("takes the gold labels, their companions round robin, then the task's frequent labels, up to 100, shuffled per sample", () => {
    expect(fnv1a("a")).toBe(0xe40c292c); // the published FNV-1a test vector
    const pool: CandidatePool = {
      frequent: new Map([["t", ["g1", ...range("f", 150)]]]),
      companions: new Map([
        [
          "t",
          new Map([
            ["g1", ["g2", ...range("a", 80)]],
            ["g2", range("b", 3)],
          ]),
        ],
      ]),
    };
    const got = candidatesFor(pool, "t", ["g1", "g2"], 7, "a");
    // Depth 0: g2 (already in), b1; depth 1: a1, b2; depth 2: a2, b3; then a3…a80; then f1… until 100.
    const chosen = ["g1", "g2", "b1", "a1", "b2", "a2", "b3", ...range("a", 80).slice(2), ...range("f", 15)];
    expect(chosen).toHaveLength(100);
    expect(got).toEqual(new Random(7, fnv1a("a")).shuffled(chosen));
    expect(candidatesFor(pool, "t", ["g1", "g2"], 7, "a")).toEqual(got);
    expect(candidatesFor(pool, "t", ["g1", "g2"], 7, "b")).not.toEqual(got);
    // Few companions: the frequent labels fill up to 100, without repeating any.
    const small = candidatesFor(pool, "t", ["g2"], 1, "k");
    expect(new Set(small)).toEqual(new Set(["g2", "b1", "b2", "b3", "g1", ...range("f", 95)]));
    expect(small).toHaveLength(100);
    // Companions alone can fill the list, never past 100 even in the middle of a round.
    const many: CandidatePool = {
      frequent: new Map(),
      companions: new Map([["t", new Map(["g", "h", "i"].map((g) => [g, range(`${g}c`, 200)]))]]),
    };
    const full = candidatesFor(many, "t", ["g", "h", "i"], 2, "k");
    expect(full).toHaveLength(100);
    expect(full.sort()).toEqual(["g", "h", "i", ...range("gc", 33), ...range("hc", 32), ...range("ic", 32)].sort());
    // Unknown task or label: the gold alone.
    expect(candidatesFor(pool, "other", ["x", "y"], 1, "k").sort()).toEqual(["x", "y"]);
    expect(new Set(candidatesFor(pool, "t", ["zz"], 1, "k"))).toEqual(new Set(["zz", "g1", ...range("f", 98)]));
  });

  it("pools label frequencies and companions from the pool patients' samples of each task", async () => {
    const store = await Store.open(join(tempDir(), "pool.duckdb"));
    try {
      await store.exec(`CREATE SCHEMA tasks; CREATE TABLE tasks.task_index AS SELECT * FROM (VALUES
        ('t', 1, 1, ['x', 'y']), ('t', 1, 2, ['x', 'z']), ('t', 2, 1, ['x', 'y', 'w']), ('t', 3, 1, ['q', 'x']),
        ('r', 1, 3, ['yes']), ('r', 2, 3, ['no']), ('r', 2, 4, ['no'])) v(task, subject_id, anchor, target)`);
      const pool = await candidatePool(store, ["t", "r"], await subjectSet(store, { kind: "ids", ids: [1, 2] }), 5);
      expect(pool.frequent).toEqual(
        new Map([
          ["t", ["x", "y", "w", "z"]],
          ["r", ["no", "yes"]],
        ]),
      );
      expect(pool.companions.get("t")).toEqual(
        new Map([
          ["x", ["y", "w", "z"]],
          ["y", ["x", "w"]],
          ["z", ["x"]],
          ["w", ["x", "y"]],
        ]),
      );
      expect(pool.companions.has("r")).toBe(false);
      expect(
        await store.value(
          "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name NOT LIKE 'subject_set_%'",
        ),
      ).toBe(0n);
      const none = await candidatePool(store, [], await subjectSet(store, { kind: "ids", ids: [1] }), 5);
      expect([none.frequent.size, none.companions.size]).toEqual([0, 0]);
    } finally {
      store.close();
    }
  });
});
