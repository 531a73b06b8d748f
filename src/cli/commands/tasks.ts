import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { tokenCounterFor } from "../../render/tokenizer.js";
import { Store } from "../../store/database.js";
import { buildDataset } from "../../tasks/build-dataset.js";
import { parseConfig, PRESETS } from "../../tasks/presets.js";
import {
  sampleTaskIndex,
  writeSampleCsv,
  type SampleOptions,
  type SampleSummary,
  type SplitSpec,
} from "../../tasks/sample.js";
import { exportTaskIndexCsv } from "../../tasks/export-csv.js";
import { buildTaskIndex } from "../../tasks/index-build.js";
import { TASKS } from "../../tasks/registry.js";
import { choiceOption, parseFraction, parseList, parseWholeNumber } from "../arguments.js";
import { addStoreOptions, storeOptions, type StoreFlags } from "../store-options.js";
import { progressPrinter } from "../progress.js";
import { parseProcessShard } from "../../dataset/layout.js";
import { formatNumber, formatTable, type Output } from "../output.js";

export function registerTasks(program: Command, output: Output): void {
  const tasks = program.command("tasks").description("the EHR-R1 task suite: definitions, sample index, exports");
  registerSampling(tasks, program, output);
  tasks
    .command("list")
    .description("every task: type, anchor event, label key, metric, hidden context events, instruction")
    .option("--json", "print JSON")
    .action((flags: { json?: boolean }) => {
      if (flags.json) return void output.out(`${JSON.stringify(TASKS, null, 2)}\n`);
      output.out(
        formatTable(
          ["name", "type", "event", "target", "metric", "hidden", "instruction"],
          TASKS.map((t) => ({
            name: t.name,
            type: t.type === "decision_making" ? "decision" : "risk",
            event: t.event,
            target: t.targetKey ?? "yes/no",
            metric: t.metric,
            hidden: t.excludedEvents.join(",") || "",
            instruction: t.instruction,
          })),
        ),
      );
      output.out(
        `${TASKS.length} tasks: ${TASKS.filter((t) => t.type === "decision_making").length} decision-making, ${TASKS.filter((t) => t.type === "risk_prediction").length} risk prediction\n`,
      );
    });
  tasks
    .command("index")
    .description(
      "every sample of every task into tasks.task_index (context window, label, admission and discharge ids, weight)",
    )
    .requiredOption("--db <file>", "DuckDB store with timelines")
    .option("--tasks <names>", "only these tasks, comma-separated", parseList)
    .option("--json", "print the summary as JSON")
    .action(async (flags: { db: string; tasks?: string[]; memoryLimit?: string; json?: boolean }) => {
      const store = await Store.open(flags.db, { create: false, ...storeOptions(flags) });
      try {
        const summary = await buildTaskIndex(store, {
          tasks: flags.tasks,
          onProgress:
            flags.json || !output.interactive
              ? undefined
              : (task, done, total) =>
                  output.err(`\r\x1b[Ktasks: ${done}/${total} ${task}${done === total ? "\n" : ""}`),
        });
        if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
        output.out(
          formatTable(
            ["task", "samples", "labels"],
            summary.tasks.map((t) => ({
              task: t.task,
              samples: formatNumber(t.samples),
              labels: t.labels
                ? Object.entries(t.labels)
                    .map(([k, v]) => `${k} ${formatNumber(v)}`)
                    .join(", ")
                : "",
            })),
          ),
        );
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
      const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
      try {
        const summary = await exportTaskIndexCsv(store, flags.out, { force: flags.force });
        output.out(`${summary.folder}: ${summary.files} task files, ${formatNumber(summary.rows)} rows\n`);
      } finally {
        store.close();
      }
    });
}

interface SamplingFlags {
  db: string;
  config?: string;
  splitFile?: string;
  testRatio?: number;
  split?: "train" | "test";
  perTask?: number;
  fraction?: number;
  balance?: boolean;
  weightAll?: boolean;
  minEvents?: number;
  maxEvents?: number;
  seed: number;
}

/** The sampling flags `tasks sample` and `build` share. */
export function addSamplingOptions(command: Command): Command {
  return command
    .option("--config <preset-or-file>", "ehr-bench, ehr-ins, ehr-ins-rl, or a JSON file {task: count} (-1: all)")
    .option("--split-file <csv>", "patients to sample from (a CSV with a subject_id column)")
    .option(
      "--test-ratio <r>",
      "generate a patient split: each patient is test with this probability (seeded)",
      parseFloat,
    )
    .option("--split <side>", "train or test side of a generated split")
    .option("--per-task <n>", "this many samples of every task", parseWholeNumber)
    .option(
      "--fraction <f>",
      "scale every configured count by f (0 < f < 1; the reference's --force_task_num below 1): a cohort of k patients " +
        "sampled with k / 300000 gets the full MIMIC-IV build's samples per patient",
      parseFraction,
    )
    .option("--balance", "risk tasks: equal samples per label")
    .option(
      "--weight-all",
      "inverse label-frequency weighted draws for every task (default: where the reference uses them)",
    )
    .option("--min-events <n>", "context must have more than n events (default 10)", parseWholeNumber)
    .option("--max-events <n>", "context must have fewer than n events (default 100)", parseWholeNumber)
    .option("--seed <n>", "random seed", parseWholeNumber, 42);
}

export function samplingOptions(flags: SamplingFlags, fallbackPreset: string): SampleOptions & { presetName: string } {
  const name = flags.config ?? fallbackPreset;
  const preset = PRESETS[name];
  const config = preset ? preset.config : parseConfig(readConfigFile(name), name);
  if (flags.splitFile && flags.testRatio !== undefined)
    throw new UsageError("give --split-file or --test-ratio, not both");
  if (flags.perTask !== undefined && flags.fraction !== undefined)
    throw new UsageError("give --per-task or --fraction, not both");
  if (flags.split && !["train", "test"].includes(flags.split))
    throw new UsageError(`--split ${flags.split}: expected train or test`);
  const split: SplitSpec = flags.splitFile
    ? { kind: "file", path: flags.splitFile }
    : { kind: "ratio", testRatio: flags.testRatio ?? 0.1 };
  return {
    presetName: preset ? name : "custom",
    config,
    split,
    splitName: flags.split ?? preset?.split ?? "test",
    perTask: flags.fraction !== undefined ? undefined : (flags.perTask ?? preset?.perTask),
    fraction: flags.fraction,
    balance: flags.balance ?? preset?.balance,
    weightAll: flags.weightAll,
    minEvents: flags.minEvents,
    maxEvents: flags.maxEvents,
    seed: flags.seed,
  };
}

function readConfigFile(path: string): string {
  if (!existsSync(path))
    throw new UsageError(`--config ${path}: neither a preset (${Object.keys(PRESETS).join(", ")}) nor a file`);
  return readFileSync(path, "utf8");
}

export function registerSampling(tasks: Command, program: Command, output: Output): void {
  addSamplingOptions(
    tasks
      .command("sample")
      .description("draw a seeded sample of the task index (the reference's data_index_gen) into tasks.sampled")
      .requiredOption("--db <file>", "DuckDB store with a task index")
      .option("--out <csv>", "also write the sample as the reference's index CSV")
      .option("--json", "print the summary as JSON"),
  ).action(async (flags: SamplingFlags & { out?: string; json?: boolean }) => {
    const options = samplingOptions(flags, "ehr-bench");
    const store = await Store.open(flags.db, { ...storeOptions(flags), create: false });
    try {
      const summary = await sampleTaskIndex(store, options);
      if (flags.out) {
        await writeSampleCsv(store, resolve(flags.out));
      }
      if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
      printSampling(summary, output);
    } finally {
      store.close();
    }
  });

  addStoreOptions(
    addSamplingOptions(
      program
        .command("build")
        .description(
          "build EHR-Bench or EHR-Ins: sample, render, write sharded Parquet (+ JSONL) and a manifest; shards can be built by separate processes",
        )
        .argument("<dataset>", "ehr-bench, ehr-ins or ehr-ins-rl (the preset; --config overrides its counts)")
        .requiredOption("--db <file>", "DuckDB store with a task index (only read)")
        .requiredOption("--out <dir>", "output folder (must be empty unless --force, --resume or --shard)")
        .addOption(choiceOption("--format <format>", "ehr-r1 or clean", ["ehr-r1", "clean"], "ehr-r1"))
        .option("--max-tokens <n>", "fit each input into n tokens (drops oldest events)", parseWholeNumber)
        .option("--tokenizer <dir>", "model folder for --max-tokens (default: a conservative estimate)")
        .option("--num-shards <n>", "output shards (default: about 50,000 samples each)", parseWholeNumber)
        .option(
          "--shard <k/n>",
          "build only shards j with j mod n = k (k from 0), so n processes (a Slurm array, Ray tasks) fill one folder",
        )
        .option("--resume", "keep the shards an earlier run finished; build the rest")
        .option(
          "--workers <n>",
          `worker threads rendering shards in parallel (default: all ${availableParallelism()} cores; at most one per 256 MB of --memory-limit beyond 128 MB)`,
          parseWholeNumber,
        )
        .option("--no-jsonl", "write Parquet shards only")
        .option("--force", "replace a non-empty output folder")
        .option("--json", "print the summary as JSON"),
    ),
  ).action(
    async (
      dataset: string,
      flags: SamplingFlags &
        StoreFlags & {
          out: string;
          format: string;
          maxTokens?: number;
          tokenizer?: string;
          numShards?: number;
          shard?: string;
          resume?: boolean;
          workers?: number;
          jsonl: boolean;
          force?: boolean;
          json?: boolean;
        },
    ) => {
      if (!PRESETS[dataset])
        throw new UsageError(`unknown dataset ${dataset}: expected ${Object.keys(PRESETS).join(" or ")}`);
      const part = flags.shard === undefined ? undefined : parseProcessShard(flags.shard);
      const options = samplingOptions({ ...flags, config: flags.config ?? dataset }, dataset);
      // Read-only, so that the processes of a sharded build can share the store.
      const store = await Store.open(flags.db, { readOnly: true, create: false, ...storeOptions(flags) });
      try {
        const summary = await buildDataset(store, {
          ...options,
          name: dataset,
          out: flags.out,
          format: flags.format as "ehr-r1" | "clean",
          force: flags.force,
          maxTokens: flags.maxTokens,
          counter: flags.maxTokens ? tokenCounterFor(flags.tokenizer) : undefined,
          shards: flags.numShards,
          part,
          resume: flags.resume,
          jsonl: flags.jsonl,
          workers: Math.max(1, flags.workers ?? availableParallelism()),
          tempDirectory: flags.tempDir,
          onProgress: flags.json ? undefined : progressPrinter(output, "build"),
        });
        if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
        printSampling(summary.sampling, output);
        const kept = summary.shards.kept.length ? `, ${summary.shards.kept.length} kept from before` : "";
        output.out(
          `${summary.folder}: ${summary.shards.built.length} of ${summary.shards.total} shards built${kept} (${summary.seconds.toFixed(1)} s)${summary.complete ? "; complete, manifest.json written" : "; other shards still to come (ehr-r1 dataset verify tells when all are there)"}\n`,
        );
      } finally {
        store.close();
      }
    },
  );
}

function printSampling(summary: SampleSummary, output: Output): void {
  output.out(
    formatTable(
      ["task", "eligible", "sampled", "mode", "labels"],
      summary.tasks.map((t) => ({
        task: t.task,
        eligible: formatNumber(t.eligible),
        sampled: formatNumber(t.sampled),
        mode: t.mode,
        labels: t.labels
          ? Object.entries(t.labels)
              .map(([k, v]) => `${k} ${formatNumber(v)}`)
              .join(", ")
          : "",
      })),
    ),
  );
  output.out(`${formatNumber(summary.samples)} samples from ${formatNumber(summary.patients)} patients\n`);
  if (summary.empty.length) output.out(`no eligible samples: ${summary.empty.join(", ")}\n`);
}
