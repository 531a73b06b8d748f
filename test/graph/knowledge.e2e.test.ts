import { describe, expect, it } from "vitest";
import { buildEventConcepts } from "../../src/graph/concepts.js";
import { buildCooccurrence } from "../../src/graph/cooccurrence.js";
import { dataKnowledge, GraphKnowledge } from "../../src/graph/knowledge.js";
import { buildSamplePaths } from "../../src/graph/sample-paths.js";
import { Store } from "../../src/store/database.js";
import { tempDir } from "../helpers/data.js";
import { copyStore, SYNTH_DB } from "../helpers/fixtures.js";
import { conformance } from "../helpers/knowledge-conformance.js";

const HAND = [
  { source: "Sepsis", relation: "is treated with", target: "Vancomycin" },
  { source: "Vancomycin", relation: "is monitored by", target: "Vancomycin trough" },
  { source: "Sepsis", relation: "is often followed by", target: "Lactate" },
  { source: "Lactate", relation: "is a test of", target: "Chemistry" },
  { source: "Chemistry", relation: "includes", target: "Vancomycin trough" },
  { source: "Sepsis", relation: "is often followed by", target: "Vancomycin trough" },
];

conformance("hand-built graph", () => new GraphKnowledge("hand", HAND), "Sepsis", "Vancomycin trough");

describe("graph knowledge search (hand-built)", () => {
  it("finds the known shortest paths and respects the hop limit", () => {
    const g = new GraphKnowledge("hand", HAND);
    expect(g.search("Sepsis", "Vancomycin trough", { maxPaths: 10 })).toEqual([
      ["Sepsis", "is often followed by", "Vancomycin trough"],
      ["Sepsis", "is treated with", "Vancomycin", "is monitored by", "Vancomycin trough"],
      ["Sepsis", "is often followed by", "Lactate", "is a test of", "Chemistry", "includes", "Vancomycin trough"],
    ]);
    expect(g.search("Sepsis", "Vancomycin trough", { maxHops: 2, maxPaths: 10 })).toHaveLength(2);
    // Edges are directed: the way back needs its own (inverse) edges.
    expect(g.search("Vancomycin trough", "Sepsis")).toEqual([]);
  });
});

describe("thinking graph end to end on a synthetic cohort (data knowledge source)", () => {
  const dir = tempDir();
  it("builds concepts, lift pairs and paths for most decision samples", async () => {
    // A copy of the shared synthetic store (200 patients, seed 42, timelines and task index built).
    const store = await Store.open(copyStore(SYNTH_DB, dir, "s.duckdb"));
    try {
      const concepts = await buildEventConcepts(store, { text: true });
      expect(concepts.concepts).toBeGreaterThan(100);
      // Notes mention labels of the record (drugs, diagnoses): the matcher finds them.
      expect(concepts.textConcepts).toBeGreaterThan(100);
      expect(
        await store.value("SELECT count(DISTINCT concept) FROM graph.event_concepts WHERE task = 'text'"),
      ).toBeGreaterThan(10n);
      // The reference's defaults (support 5, lift > 5, top 20): a small cohort has few such pairs; the
      // data source links the other samples through shared dictionary categories.
      const co = await buildCooccurrence(store);
      const tasks = co.tasks.filter((t) => t.samples > 0).map((t) => t.task);
      expect(tasks.length).toBeGreaterThan(20);
      const knowledge = await dataKnowledge(store);
      const summary = await buildSamplePaths(store, knowledge, { tasks });
      expect(summary.withPaths / summary.samples).toBeGreaterThan(0.5);
      const withoutFallback = await buildSamplePaths(store, knowledge, { tasks, categoryFallback: 0 });
      expect(withoutFallback.withPaths).toBeLessThan(summary.withPaths);
      // Without the fallback, every stored pair is a co-occurrence pair of the sample's task.
      expect(
        await store.value(`SELECT count(*) FROM (SELECT task, unnest(CAST(pairs AS VARCHAR[][])) AS p FROM graph.sample_paths) x
        LEFT JOIN graph.cooccurrence c ON c.task = x.task AND c.target = x.p[1] AND c.history = x.p[2] WHERE c.task IS NULL`),
      ).toBe(0n);
    } finally {
      store.close();
    }
  }, 120_000);
});
