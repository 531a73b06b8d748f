import { describe, expect, it } from "vitest";
import { buildCooccurrence } from "../../src/graph/cooccurrence.js";
import { Store } from "../../src/store/database.js";

/**
 * A hand-built index of four labevents samples; the expected lifts were worked out by hand:
 * document frequencies A 3, B 2, C 1, X 3, Y 3, Z 1, W 1 over N = 4 samples; pairs A–X 2, A–Y 2,
 * A–Z 1, B–X 2, B–Y 1, B–W 1, C–Y 1, C–A 1.
 */
async function handBuilt(): Promise<Store> {
  const store = await Store.open(":memory:");
  await store.exec(`
    CREATE SCHEMA tasks; CREATE SCHEMA graph;
    CREATE TABLE tasks.task_index AS SELECT * FROM (VALUES
      (1, 'labevents', 3, 1, 3, NULL, NULL, ['A', 'B']),
      (1, 'labevents', 5, 1, 5, NULL, NULL, ['A']),
      (2, 'labevents', 2, 1, 2, NULL, 7, ['B']),
      (2, 'labevents', 4, 2, 4, NULL, NULL, ['C'])
    ) t(subject_id, task, anchor, context_begin, context_end, admissions_id, last_discharge_id, target);
    CREATE TABLE graph.event_concepts AS SELECT * FROM (VALUES
      (1, 1, 'labevents', 'X'), (1, 2, 'labevents', 'Y'), (1, 3, 'labevents', 'A'), (1, 4, 'labevents', 'Z'),
      (2, 1, 'labevents', 'X'), (2, 2, 'labevents', 'Y'), (2, 3, 'labevents', 'A'), (2, 7, 'labevents', 'W')
    ) t(subject_id, seq, task, concept)`);
  return store;
}

describe("co-occurrence lift (reference §2.2–2.3)", () => {
  it("keeps pairs above the lift threshold whose history concept has enough support, top-k per target", async () => {
    const store = await handBuilt();
    try {
      // Sample 2 (subject 1, context [1,5)) has history X, Y, A, Z: A is also its target, and t = h pairs are never kept.
      const summary = await buildCooccurrence(store, { tasks: ["labevents"], minSupport: 2, threshold: 1, topK: 1 });
      expect(summary.tasks).toEqual([{ task: "labevents", samples: 4, pairs: 2 }]);
      const rows = await store.rows(
        "SELECT target, history, n_target, n_history, n_pair, n_samples, round(lift, 6) AS lift FROM graph.cooccurrence ORDER BY target",
      );
      expect(rows).toEqual([
        { target: "B", history: "X", n_target: 2n, n_history: 3n, n_pair: 2n, n_samples: 4n, lift: 1.333333 },
        // C–A and C–Y tie on lift and count: the history name decides.
        { target: "C", history: "A", n_target: 1n, n_history: 3n, n_pair: 1n, n_samples: 4n, lift: 1.333333 },
      ]);
    } finally {
      store.close();
    }
  });

  it("counts the previous discharge note in the history, and applies no support limit to targets", async () => {
    const store = await handBuilt();
    try {
      await buildCooccurrence(store, { tasks: ["labevents"], minSupport: 1, threshold: 0, topK: 10 });
      const rows = await store.rows<{ target: string; history: string; lift: number }>(
        "SELECT target, history, round(lift, 6) AS lift FROM graph.cooccurrence ORDER BY target, history",
      );
      expect(rows).toEqual([
        { target: "A", history: "X", lift: 0.888889 },
        { target: "A", history: "Y", lift: 0.888889 },
        { target: "A", history: "Z", lift: 1.333333 },
        { target: "B", history: "W", lift: 2 },
        { target: "B", history: "X", lift: 1.333333 },
        { target: "B", history: "Y", lift: 0.666667 },
        { target: "C", history: "A", lift: 1.333333 },
        { target: "C", history: "Y", lift: 1.333333 },
      ]);
    } finally {
      store.close();
    }
  });
});
