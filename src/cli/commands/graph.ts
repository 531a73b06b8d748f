import type { Command } from "commander";
import { Store } from "../../store/database.js";
import { buildEventConcepts } from "../../graph/concepts.js";
import { buildCooccurrence } from "../../graph/cooccurrence.js";
import { parseList, parseWholeNumber } from "../main.js";
import { formatNumber, formatTable, type Output } from "../output.js";

export function registerGraph(program: Command, output: Output): void {
  const graph = program.command("graph").description("thinking-graph statistics: concepts per event and their co-occurrence lift");
  graph
    .command("build")
    .description("concepts of every event (graph.event_concepts) and per-task co-occurrence lift over the training patients (graph.cooccurrence)")
    .requiredOption("--db <file>", "DuckDB store with a task index")
    .option("--tasks <names>", "only these decision tasks", parseList)
    .option("--min-support <n>", "history concepts need at least n samples (default 5)", parseWholeNumber)
    .option("--threshold <x>", "keep pairs with lift above x (default 5)", parseFloat)
    .option("--top-k <n>", "pairs per target concept (default 20)", parseWholeNumber)
    .option("--json", "print the summary as JSON")
    .action(async (flags: { db: string; tasks?: string[]; minSupport?: number; threshold?: number; topK?: number; json?: boolean }) => {
      const store = await Store.open(flags.db, { create: false });
      try {
        const started = performance.now();
        const concepts = await buildEventConcepts(store);
        const train = (await store.tableExists("tasks.split")) ? "SELECT subject_id FROM tasks.split WHERE split = 'train'" : undefined;
        const co = await buildCooccurrence(store, { tasks: flags.tasks, trainSubjects: train, minSupport: flags.minSupport, threshold: flags.threshold, topK: flags.topK });
        const seconds = (performance.now() - started) / 1000;
        if (flags.json) return void output.out(`${JSON.stringify({ concepts, cooccurrence: co, seconds }, null, 2)}\n`);
        output.out(formatTable(["task", "samples", "pairs"], co.tasks.map((t) => ({ task: t.task, samples: formatNumber(t.samples), pairs: formatNumber(t.pairs) }))));
        output.out(`${formatNumber(concepts.concepts)} concepts on ${formatNumber(concepts.events)} events; ${seconds.toFixed(1)} s${train ? "" : " (no generated split in the store: every indexed patient counted as training)"}\n`);
      } finally {
        store.close();
      }
    });
}
