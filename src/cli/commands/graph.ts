import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { Store } from "../../store/database.js";
import { subjectSet } from "../../store/subject-set.js";
import { buildEventConcepts } from "../../graph/concepts.js";
import { buildCooccurrence } from "../../graph/cooccurrence.js";
import { dataKnowledge, GraphKnowledge } from "../../graph/knowledge.js";
import { importUmls, UmlsKnowledge } from "../../graph/umls.js";
import { buildSamplePaths, explainSample } from "../../graph/sample-paths.js";
import { UsageError } from "../../errors.js";
import { choiceOption, parseList, parseWholeNumber } from "../arguments.js";
import { formatNumber, formatTable, type Output } from "../output.js";

export function registerGraph(program: Command, output: Output): void {
  const graph = program
    .command("graph")
    .description("thinking-graph statistics: concepts per event and their co-occurrence lift");
  graph
    .command("build")
    .description(
      "concepts of every event (graph.event_concepts) and per-task co-occurrence lift over the training patients (graph.cooccurrence)",
    )
    .requiredOption("--db <file>", "DuckDB store with a task index")
    .option("--tasks <names>", "only these decision tasks", parseList)
    .option("--min-support <n>", "history concepts need at least n samples (default 5)", parseWholeNumber)
    .option("--threshold <x>", "keep pairs with lift above x (default 5)", parseFloat)
    .option("--top-k <n>", "pairs per target concept (default 20)", parseWholeNumber)
    .option("--sampled", "paths only for the samples of the last `tasks sample` (tasks.sampled)")
    .option(
      "--text-concepts",
      "also match radiology and discharge notes against the concept vocabulary (approximate, QuickUMLS style)",
    )
    .addOption(
      choiceOption(
        "--knowledge <source>",
        "data (default: a graph from the store) or umls (after `graph umls-import`)",
        ["data", "umls"],
        "data",
      ),
    )
    .option("--json", "print the summary as JSON")
    .action(
      async (flags: {
        db: string;
        tasks?: string[];
        minSupport?: number;
        threshold?: number;
        topK?: number;
        sampled?: boolean;
        textConcepts?: boolean;
        knowledge: string;
        json?: boolean;
      }) => {
        const store = await Store.open(flags.db, { ...storeOptions(flags), create: false });
        try {
          const started = performance.now();
          const concepts = await buildEventConcepts(store, {
            text: flags.textConcepts,
            dictionary: flags.knowledge === "umls" ? "umls" : "labels",
          });
          const train = (await store.tableExists("tasks.split"))
            ? await subjectSet(store, { kind: "split", table: "tasks.split", side: "train" })
            : undefined;
          const co = await buildCooccurrence(store, {
            tasks: flags.tasks,
            trainSubjects: train,
            minSupport: flags.minSupport,
            threshold: flags.threshold,
            topK: flags.topK,
          });
          const knowledge = flags.knowledge === "umls" ? await UmlsKnowledge.open(store) : await dataKnowledge(store);
          const paths = await buildSamplePaths(store, knowledge, {
            tasks: co.tasks.map((t) => t.task),
            topK: flags.topK,
            source: (await store.tableExists("tasks.sampled")) && flags.sampled ? "sampled" : "index",
          });
          const seconds = (performance.now() - started) / 1000;
          if (flags.json)
            return void output.out(
              `${JSON.stringify({ concepts, cooccurrence: co, knowledge: { name: knowledge.name, edges: knowledge instanceof GraphKnowledge ? knowledge.edgeCount : null }, paths, seconds }, null, 2)}\n`,
            );
          output.out(
            formatTable(
              ["task", "samples", "pairs"],
              co.tasks.map((t) => ({ task: t.task, samples: formatNumber(t.samples), pairs: formatNumber(t.pairs) })),
            ),
          );
          output.out(
            `${formatNumber(concepts.concepts)} concepts on ${formatNumber(concepts.events)} events; knowledge: ${knowledge.name}${knowledge instanceof GraphKnowledge ? ` (${formatNumber(knowledge.edgeCount)} edges)` : ""}\n`,
          );
          output.out(
            `${formatNumber(paths.withPaths)} of ${formatNumber(paths.samples)} decision samples have paths (${formatNumber(paths.paths)} paths from ${formatNumber(paths.searches)} searches); ${seconds.toFixed(1)} s${train ? "" : " (no generated split: every indexed patient counted as training)"}\n`,
          );
        } finally {
          store.close();
        }
      },
    );
  graph
    .command("umls-import")
    .description("import a licensed UMLS Metathesaurus (META folder: MRCONSO, MRSTY, MRREL .RRF) as a knowledge source")
    .requiredOption("--db <file>", "DuckDB store")
    .requiredOption("--umls <dir>", "the META folder of your UMLS release")
    .action(async (flags: { db: string; umls: string }) => {
      const store = await Store.open(flags.db, { ...storeOptions(flags), create: false });
      try {
        const r = await importUmls(store, flags.umls);
        output.out(
          `${formatNumber(r.concepts)} concepts (${formatNumber(r.strings)} English strings), ${formatNumber(r.relations)} relations imported into umls.*\n`,
        );
      } finally {
        store.close();
      }
    });
  graph
    .command("show")
    .description("a sample's concepts pairs by lift and knowledge paths")
    .argument("<sample-id>", "task|subject_id|anchor, as in graph.sample_paths")
    .requiredOption("--db <file>", "DuckDB store with graph.sample_paths")
    .action(async (id: string, flags: { db: string }) => {
      const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
      try {
        if (!(await store.tableExists("graph.sample_paths")))
          throw new UsageError(`${flags.db} has no sample paths: run \`ehr-r1 graph build\``);
        const explained = await explainSample(store, id);
        if (!explained)
          throw new UsageError(
            `no sample ${id} with pairs (ids look like labevents|10000032|27; see graph.sample_paths)`,
          );
        output.out(`targets: ${explained.targets ?? "?"}\nhistory concepts: ${explained.historyConcepts}\n\n`);
        output.out(
          formatTable(
            ["target", "history", "lift", "samples"],
            explained.pairs.map((p) => ({ ...p, samples: String(p.samples) })),
          ),
        );
        for (const path of explained.paths) output.out(`${path.map((p, i) => (i % 2 ? `--${p}-->` : p)).join(" ")}\n`);
      } finally {
        store.close();
      }
    });
}
