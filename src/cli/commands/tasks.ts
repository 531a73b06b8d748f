import type { Command } from "commander";
import { Store } from "../../store/database.js";
import { exportTaskIndexCsv } from "../../tasks/export-csv.js";
import { buildTaskIndex } from "../../tasks/index-build.js";
import { TASKS } from "../../tasks/registry.js";
import { parseList } from "../main.js";
import { formatNumber, formatTable, type Output } from "../output.js";

export function registerTasks(program: Command, output: Output): void {
  const tasks = program.command("tasks").description("the EHR-R1 task suite: definitions, sample index, exports");
  tasks
    .command("list")
    .description("every task: type, anchor event, label key, metric, hidden context events, instruction")
    .option("--json", "print JSON")
    .action((flags: { json?: boolean }) => {
      if (flags.json) return void output.out(`${JSON.stringify(TASKS, null, 2)}\n`);
      output.out(formatTable(["name", "type", "event", "target", "metric", "hidden", "instruction"], TASKS.map((t) => ({
        name: t.name, type: t.type === "decision_making" ? "decision" : "risk", event: t.event, target: t.targetKey ?? "yes/no",
        metric: t.metric, hidden: t.excludedEvents.join(",") || "", instruction: t.instruction,
      }))));
      output.out(`${TASKS.length} tasks: ${TASKS.filter((t) => t.type === "decision_making").length} decision-making, ${TASKS.filter((t) => t.type === "risk_prediction").length} risk prediction\n`);
    });
  tasks
    .command("index")
    .description("every sample of every task into tasks.task_index (context window, label, admission and discharge ids, weight)")
    .requiredOption("--db <file>", "DuckDB store with timelines")
    .option("--tasks <names>", "only these tasks, comma-separated", parseList)
    .option("--memory-limit <size>", "DuckDB memory limit (default 1GB or $EHR_R1_MEMORY_LIMIT)")
    .option("--json", "print the summary as JSON")
    .action(async (flags: { db: string; tasks?: string[]; memoryLimit?: string; json?: boolean }) => {
      const store = await Store.open(flags.db, { create: false, memoryLimit: flags.memoryLimit });
      try {
        const summary = await buildTaskIndex(store, {
          tasks: flags.tasks,
          onProgress: flags.json || !output.interactive ? undefined : (task, done, total) => output.err(`\r\x1b[Ktasks: ${done}/${total} ${task}${done === total ? "\n" : ""}`),
        });
        if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
        output.out(formatTable(["task", "samples", "labels"], summary.tasks.map((t) => ({
          task: t.task, samples: formatNumber(t.samples), labels: t.labels ? Object.entries(t.labels).map(([k, v]) => `${k} ${formatNumber(v)}`).join(", ") : "",
        }))));
        output.out(`${formatNumber(summary.samples)} samples in ${summary.seconds.toFixed(1)} s\n`);
        if (summary.empty.length) output.out(`no eligible samples: ${summary.empty.join(", ")}\n`);
      } finally {
        store.close();
      }
    });
  tasks
    .command("export")
    .description("write the reference's per-task index CSVs (task_index/all/<task>.csv)")
    .requiredOption("--db <file>", "DuckDB store with a task index")
    .requiredOption("--out <dir>", "output folder (must be empty unless --force)")
    .option("--force", "replace a non-empty output folder")
    .action(async (flags: { db: string; out: string; force?: boolean }) => {
      const store = await Store.open(flags.db, { readOnly: true, create: false });
      try {
        const summary = await exportTaskIndexCsv(store, flags.out, { force: flags.force });
        output.out(`${summary.folder}: ${summary.files} task files, ${formatNumber(summary.rows)} rows\n`);
      } finally {
        store.close();
      }
    });
}
