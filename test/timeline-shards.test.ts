import { describe, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { subjectShards, weightedSubjectShards } from "../src/timeline/build.js";

describe("patient shards", () => {
  it("split subjects into contiguous ranges of about the same number of rows, from per-subject counts", async () => {
    const store = await Store.open(":memory:");
    try {
      // 100 subjects; subject s has s rows: 5,050 rows in all.
      await store.exec(
        "CREATE TABLE w AS SELECT s::INTEGER AS subject_id, s::BIGINT AS n FROM range(1, 101) t(s); CREATE TABLE r AS SELECT subject_id FROM w, range(n)",
      );
      const shards = await weightedSubjectShards(store, 5050, "SELECT subject_id, n FROM w", 1000);
      expect(shards).toHaveLength(6);
      expect(shards[0]!.from).toBe(-(2 ** 31));
      expect(shards.at(-1)!.to).toBe(2 ** 31);
      for (let i = 1; i < shards.length; i++) expect(shards[i]!.from).toBe(shards[i - 1]!.to);
      // Rows per shard, by hand: the running count crosses k·5,050/6 at subjects 41, 58, 71, 82 and 92.
      expect(shards.slice(1).map((s) => s.from)).toEqual([41, 58, 71, 82, 92]);
      // The quantile version over every row cuts at the same subjects.
      const byRows = await subjectShards(store, 5050, "r", 1000);
      expect(byRows.slice(1).map((s) => s.from)).toEqual([41, 58, 71, 82, 92]);
      expect(await weightedSubjectShards(store, 5050, "SELECT subject_id, n FROM w", 10_000)).toEqual([
        { from: -(2 ** 31), to: 2 ** 31 },
      ]);
    } finally {
      store.close();
    }
  });
});
