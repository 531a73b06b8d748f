import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { Store } from "../../store/database.js";
import { subjectSet } from "../../store/subject-set.js";
import { buildEventConcepts, historyOn } from "../../graph/concepts.js";
import { buildCooccurrence } from "../../graph/cooccurrence.js";
import { dataKnowledge, GraphKnowledge } from "../../graph/knowledge.js";
import { importUmls, UmlsKnowledge } from "../../graph/umls.js";
import { buildSamplePaths } from "../../graph/sample-paths.js";
import { UsageError } from "../../errors.js";
import { parseList, parseWholeNumber } from "../main.js";
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
    .option(
      "--knowledge <source>",
      "data (default: a graph from the store) or umls (after `graph umls-import`)",
      "data",
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
        if (!["data", "umls"].includes(flags.knowledge))
          throw new UsageError(`--knowledge ${flags.knowledge}: expected data or umls`);
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
        const [row] = await store.rows<{ pairs: string; paths: string }>(
          "SELECT pairs::VARCHAR AS pairs, paths::VARCHAR AS paths FROM graph.sample_paths WHERE sample_id = ?",
          [id],
        );
        if (!row)
          throw new UsageError(
            `no sample ${id} with pairs (ids look like labevents|10000032|27; see graph.sample_paths)`,
          );
        const [task, subject, anchor] = id.split("|");
        const [concepts] = await store.rows<{ targets: string | null; history: bigint }>(
          `
          SELECT (SELECT CAST(to_json(target) AS VARCHAR) FROM tasks.task_index WHERE task = ? AND subject_id = ? AND anchor = ? LIMIT 1) AS targets,
            (SELECT count(DISTINCT c.concept) FROM tasks.task_index i JOIN graph.event_concepts c ON c.subject_id = i.subject_id
               AND (${historyOn("i", "c", "context_begin", "context_end")})
             WHERE i.task = ? AND i.subject_id = ? AND i.anchor = ?) AS history`,
          [task!, Number(subject), Number(anchor), task!, Number(subject), Number(anchor)],
        );
        output.out(`targets: ${concepts?.targets ?? "?"}\nhistory concepts: ${concepts?.history ?? 0}\n\n`);
        const pairs = JSON.parse(row.pairs) as [string, string][];
        const lifts = await store.rows<{ t: string; h: string; lift: number; n: bigint }>(
          `SELECT target AS t, history AS h, round(lift, 2) AS lift, n_pair AS n FROM graph.cooccurrence WHERE task = ? ORDER BY lift DESC`,
          [task!],
        );
        const wanted = new Set(pairs.map(([t, h]) => `${t}\u0000${h}`));
        output.out(
          formatTable(
            ["target", "history", "lift", "samples"],
            lifts
              .filter((l) => wanted.has(`${l.t}\u0000${l.h}`))
              .map((l) => ({ target: l.t, history: l.h, lift: l.lift, samples: String(l.n) })),
          ),
        );
        for (const path of JSON.parse(row.paths) as string[][])
          output.out(`${path.map((p, i) => (i % 2 ? `--${p}-->` : p)).join(" ")}\n`);
      } finally {
        store.close();
      }
    });
}
