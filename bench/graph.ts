import { buildEventConcepts } from "../src/graph/concepts.js";
import { buildCooccurrence } from "../src/graph/cooccurrence.js";
import { dataKnowledge } from "../src/graph/knowledge.js";
import { buildSamplePaths } from "../src/graph/sample-paths.js";
import { Store } from "../src/store/database.js";

/** Concept extraction + co-occurrence lift + data knowledge graph + paths for every decision-task sample. */
export async function graphBenchmark(db: string, memoryLimit: string): Promise<Record<string, unknown>> {
  const store = await Store.open(db, { memoryLimit });
  try {
    const started = performance.now();
    const concepts = await buildEventConcepts(store);
    const conceptSeconds = (performance.now() - started) / 1000;
    const co = await buildCooccurrence(store);
    const coSeconds = (performance.now() - started) / 1000 - conceptSeconds;
    const knowledge = await dataKnowledge(store);
    const paths = await buildSamplePaths(store, knowledge, { tasks: co.tasks.map((t) => t.task) });
    const seconds = (performance.now() - started) / 1000;
    return {
      concepts: concepts.concepts,
      decisionSamples: paths.samples,
      samplesWithPaths: paths.withPaths,
      pairs: co.tasks.reduce((a, t) => a + t.pairs, 0),
      knowledgeEdges: knowledge.edgeCount,
      seconds: +seconds.toFixed(2),
      conceptSeconds: +conceptSeconds.toFixed(2),
      cooccurrenceSeconds: +coSeconds.toFixed(2),
      samplesPerSecond: Math.round(paths.samples / seconds),
      pathSearches: paths.searches,
      pathSearchesPerSecond: paths.searchSeconds > 0 ? Math.round(paths.searches / paths.searchSeconds) : null,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    store.close();
  }
}
