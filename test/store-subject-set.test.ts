import { describe, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { inSet, subjectSet } from "../src/store/subject-set.js";

describe("subject sets: patients passed between modules as temporary tables", () => {
  it("holds the source's patients less the excluded ones, and tests membership", async () => {
    const store = await Store.open(":memory:");
    try {
      await store.exec(`CREATE SCHEMA tasks;
        CREATE TABLE tasks.task_index AS SELECT * FROM (VALUES (5), (5), (7), (9)) v(subject_id);
        CREATE TABLE tasks.split AS SELECT * FROM (VALUES (5, 'train'), (7, 'test'), (9, 'train')) v(subject_id, split)`);
      const members = async (set: Awaited<ReturnType<typeof subjectSet>>) =>
        (await store.rows<{ s: number }>(`SELECT subject_id AS s FROM ${set.table} ORDER BY 1`)).map((r) => r.s);
      expect(await members(await subjectSet(store, { kind: "indexed" }))).toEqual([5, 7, 9]);
      expect(await members(await subjectSet(store, { kind: "indexed" }, [7]))).toEqual([5, 9]);
      expect(await members(await subjectSet(store, { kind: "split", table: "tasks.split", side: "train" }))).toEqual([
        5, 9,
      ]);
      expect(await members(await subjectSet(store, { kind: "split", table: "tasks.split", side: "test" }))).toEqual([
        7,
      ]);
      expect(await members(await subjectSet(store, { kind: "ids", ids: [3, 3, 1] }, [1]))).toEqual([3]);
      expect(await members(await subjectSet(store, { kind: "ids", ids: [] }))).toEqual([]);
      // Two sets are two tables: making one does not change another.
      const a = await subjectSet(store, { kind: "ids", ids: [5] });
      const b = await subjectSet(store, { kind: "ids", ids: [9] });
      expect(a.table).not.toBe(b.table);
      const hit = await store.rows<{ s: number }>(
        `SELECT subject_id AS s FROM tasks.task_index WHERE ${inSet(a)} ORDER BY 1`,
      );
      expect(hit.map((r) => r.s)).toEqual([5, 5]);
    } finally {
      store.close();
    }
  });
});
