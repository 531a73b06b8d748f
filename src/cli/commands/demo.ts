import type { Command } from "commander";
import { join, resolve } from "node:path";
import { runDemo } from "../../demo.js";
import { parseWholeNumber } from "../arguments.js";
import { formatNumber, formatTable, type Output } from "../output.js";
import { ingestProgressPrinter } from "../progress.js";
import { synthProgressPrinter } from "./synth.js";

export function registerDemo(program: Command, output: Output): void {
  program
    .command("demo")
    .description(
      "the whole pipeline on the embedded default: synthesise, ingest, timelines, tasks, a small EHR-Bench, built-in baselines evaluated on it, a report (no data, server or network needed)",
    )
    .option("--out <dir>", "working folder (replaced)", "ehr-r1-demo")
    .option("--patients <n>", "synthetic patients", parseWholeNumber, 200)
    .option("--seed <n>", "random seed", parseWholeNumber, 42)
    .option("--json", "print the summary as JSON")
    .action(async (flags: { out: string; patients: number; seed: number; json?: boolean }) => {
      const dir = resolve(flags.out);
      const result = await runDemo({
        cohortDir: join(dir, "mimic-iv"),
        dbPath: join(dir, "ehr-r1.duckdb"),
        patients: flags.patients,
        seed: flags.seed,
        onSynthProgress: flags.json ? undefined : synthProgressPrinter(output),
        onIngestProgress: flags.json ? undefined : ingestProgressPrinter(output),
      });
      if (flags.json) {
        output.out(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      if (process.env.EHR_R1_DEMO_TABLES)
        output.out(
          formatTable(
            ["table", "rows"],
            result.store.tables.map((t) => ({ table: t.table, rows: formatNumber(t.rows) })),
          ),
        );
      const c = result.store.cohort;
      const t = result.timeline;
      if (result.example) {
        const e = result.example;
        output.out(
          `\n--- subject ${e.subjectId}, admission ${e.hadmId}, as an EHR-R1 model sees it (${e.tokens} estimated tokens of ${e.maxTokens}; ${e.droppedEvents} oldest events left out) ---\n${e.text}\n---\n`,
        );
      }
      const b = result.bench.sampling;
      const ev = result.evaluation.summary;
      const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "" : v.toFixed(3));
      output.out(
        `\n${formatTable(
          ["task", "indexed", "in EHR-Bench", "labels", "baseline", "metric"],
          result.taskIndex.tasks.map((t) => {
            const sampled = b.tasks.find((x) => x.task === t.task);
            return {
              task: t.task,
              indexed: formatNumber(t.samples),
              "in EHR-Bench": formatNumber(sampled?.sampled ?? 0),
              labels: sampled?.labels
                ? Object.entries(sampled.labels)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(", ")
                : "",
              baseline: f(ev.tasks[t.task]?.value),
              metric: ev.tasks[t.task]?.metric ?? "",
            };
          }),
        )}`,
      );
      output.out(
        `\nehr-r1 demo: ${formatNumber(c.patients)} patients, ${formatNumber(c.admissions)} admissions, ${formatNumber(c.icuStays)} ICU stays, ${formatNumber(c.edStays)} ED stays\n` +
          `cohort    ${result.cohortDir} (synthesised in ${result.synthSeconds.toFixed(1)} s)\nstore     ${result.dbPath} (ingested in ${result.ingestSeconds.toFixed(1)} s)\n` +
          `timelines ${formatNumber(t.events)} events from ${formatNumber(t.rows)} rows (built in ${t.seconds.toFixed(1)} s)\n` +
          `tasks     ${formatNumber(result.taskIndex.samples)} samples of ${result.taskIndex.tasks.length} tasks indexed in ${result.taskIndex.seconds.toFixed(1)} s\n` +
          `EHR-Bench ${formatNumber(b.samples)} samples from ${formatNumber(b.patients)} test patients in ${result.bench.folder}\n` +
          `baselines decision ${f(ev.groups.decision)}, risk AUROC ${f(ev.groups.risk)}, overall ${f(ev.groups.overall)} (macro); report ${result.evaluation.report}\n` +
          `training  ${formatNumber(result.training.rows)} GRPO prompts in ${result.training.verl} (verl); baselines' mean GRPO reward ${result.training.baselineMeanReward.toFixed(3)}\n` +
          `next:     ehr-r1 show <subject_id> --db ${result.dbPath} [--hadm ID] [--max-tokens N --tokenizer DIR]\n` +
          `          ehr-r1 db info --db ${result.dbPath}    ehr-r1 sql --db ${result.dbPath} "SELECT * FROM timeline.events LIMIT 5"\n`,
      );
    });
}
