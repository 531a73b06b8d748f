import { createHash } from "node:crypto";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { UsageError } from "../errors.js";
import { fitToBudget } from "../render/budget.js";
import type { RenderFormat } from "../render/markdown.js";
import { inputParts, joinInput } from "../render/sample.js";
import type { TokenCounter } from "../render/tokenizer.js";
import { literal, type Store } from "../store/database.js";
import { replaceableFolder, writeFolder } from "../store/output-folder.js";
import { readTrajectories } from "../timeline/read.js";
import { TOOL_VERSION } from "../version.js";
import { candidatePool, candidatesFor } from "./candidates.js";
import { PRESETS, type SampleConfig } from "./presets.js";
import { task as taskDefinition } from "./registry.js";
import { sampleTaskIndex, type SampleOptions, type SampleSummary, type SplitSpec } from "./sample.js";

export interface DatasetOptions extends Omit<SampleOptions, "config" | "split"> {
  /** `ehr-bench`, `ehr-ins`, or a name for a custom config. */
  name: string;
  config?: SampleConfig;
  split?: SplitSpec;
  out: string;
  format?: RenderFormat;
  /** Fit every input into this many tokens (events policy). */
  maxTokens?: number;
  counter?: TokenCounter;
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** One line of the EHR-Bench JSONL schema. */
export interface DatasetRecord {
  idx: number;
  instruction: string;
  input: string;
  output: string;
  candidates: string[];
  task_info: Record<string, unknown>;
}

export interface DatasetSummary {
  folder: string;
  files: string[];
  sampling: SampleSummary;
  seconds: number;
}

const PATIENT_BATCH = 200;

/**
 * Samples the task index and renders every sample: `<out>/<name>.jsonl` and `.parquet` in the
 * EHR-Bench schema (`idx, instruction, input, output, candidates, task_info`), and `manifest.json`
 * (config, seed, split, counts per task and label, tool version, input provenance). Written to a
 * staging folder and renamed into place.
 */
export async function buildDataset(store: Store, options: DatasetOptions): Promise<DatasetSummary> {
  const started = performance.now();
  const preset = PRESETS[options.name];
  const config = options.config ?? preset?.config;
  if (!config) throw new UsageError(`unknown dataset ${options.name}: use ehr-bench or ehr-ins, or give --config`);
  const split: SplitSpec = options.split ?? { kind: "ratio", testRatio: 0.1 };
  const splitName = options.splitName ?? preset?.split ?? "test";
  const out = replaceableFolder(options.out, options.force);

  const sampling = await sampleTaskIndex(store, {
    ...options,
    config,
    split,
    splitName,
    perTask: options.perTask ?? (options.config ? undefined : preset?.perTask),
    balance: options.balance ?? (options.config ? undefined : preset?.balance),
  });

  // Free-text answers (the discharge report) get no candidates.
  const decisionTasks = sampling.tasks
    .filter((t) => t.sampled > 0 && taskDefinition(t.task).type === "decision_making" && t.task !== "discharge")
    .map((t) => t.task);
  const poolSubjects =
    split.kind === "ratio" && (await store.tableExists("tasks.split"))
      ? "SELECT subject_id FROM tasks.split WHERE split = 'train'"
      : "SELECT DISTINCT subject_id FROM tasks.task_index";
  const pool = await candidatePool(store, decisionTasks, poolSubjects, options.seed);

  return writeFolder(out, async (staging) => {
    const jsonl = join(staging, `${options.name}.jsonl`);
    const stream = createWriteStream(jsonl);
    // Records go in patient order (then task, anchor): each batch of patients is rendered and written
    // whole, so memory holds one batch, whatever the dataset's size.
    await store.exec(`CREATE OR REPLACE TEMP TABLE build_rows AS
      SELECT row_number() OVER (ORDER BY subject_id, task_order, anchor, period_begin) - 1 AS idx, subject_id, hadm_id, task, event,
        period_begin, period_end, admissions_id, last_discharge_id, target, anchor FROM tasks.sampled`);
    const subjects = (
      await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM build_rows ORDER BY 1")
    ).map((r) => r.s);
    for (let i = 0; i < subjects.length; i += PATIENT_BATCH) {
      const batch = subjects.slice(i, i + PATIENT_BATCH);
      const trajectories = await readTrajectories(store, batch);
      const rows = await store.rows<SampledRow>(
        `SELECT * FROM build_rows WHERE subject_id IN (${batch.join(", ")}) ORDER BY idx`,
      );
      for (const row of rows) {
        if (!stream.write(`${JSON.stringify(renderRecord(row, trajectories.get(row.subject_id)!, pool, options))}\n`))
          await once(stream, "drain");
      }
      options.onProgress?.(Math.min(i + PATIENT_BATCH, subjects.length), subjects.length);
    }
    await store.exec("DROP TABLE temp.build_rows");
    stream.end();
    await once(stream, "finish");
    const parquet = join(staging, `${options.name}.parquet`);
    await store.exec(`COPY (SELECT * FROM read_json(${literal(jsonl)}, format = 'newline_delimited', columns = {
      idx: 'BIGINT', instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', candidates: 'VARCHAR[]', task_info: 'JSON'}))
      TO ${literal(parquet)} (FORMAT parquet)`);
    const manifest = {
      name: options.name,
      tool_version: TOOL_VERSION,
      created_at: new Date().toISOString(),
      seed: options.seed,
      config,
      sampling: {
        split,
        split_name: splitName,
        per_task: options.perTask ?? preset?.perTask ?? null,
        balance: options.balance ?? preset?.balance ?? false,
        min_events: options.minEvents ?? 10,
        max_events: options.maxEvents ?? 100,
        max_chart_labels: options.maxChartLabels ?? 10,
      },
      format: options.format ?? "ehr-r1",
      max_tokens: options.maxTokens ?? null,
      tokenizer: options.counter?.name ?? null,
      counts: sampling,
      input: await provenance(store),
      files: [jsonl, parquet].map((f) => ({
        file: f.slice(staging.length + 1),
        sha256: createHash("sha256").update(readFileSync(f)).digest("hex"),
        records: sampling.samples,
      })),
    };
    writeFileSync(join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    return {
      folder: out,
      files: [`${options.name}.jsonl`, `${options.name}.parquet`, "manifest.json"],
      sampling,
      seconds: (performance.now() - started) / 1000,
    };
  });
}

interface SampledRow {
  idx: bigint;
  subject_id: number;
  hadm_id: number | null;
  task: string;
  event: string;
  period_begin: number;
  period_end: number;
  admissions_id: number | null;
  last_discharge_id: number | null;
  target: string;
  anchor: number;
}

function renderRecord(
  row: SampledRow,
  trajectory: Parameters<typeof inputParts>[0],
  pool: Awaited<ReturnType<typeof candidatePool>>,
  options: DatasetOptions,
): DatasetRecord {
  const def = taskDefinition(row.task);
  const format = options.format ?? "ehr-r1";
  const parts = inputParts(
    trajectory,
    {
      begin: row.period_begin,
      end: row.period_end,
      task: row.task,
      admissionsId: row.admissions_id,
      lastDischargeId: row.last_discharge_id,
      excludedEvents: def.excludedEvents,
    },
    format,
  );
  const input =
    options.maxTokens && options.counter
      ? fitToBudget(parts, {
          maxTokens: options.maxTokens,
          counter: options.counter,
          instruction: def.instruction,
          format,
          chat: false,
        }).input
      : joinInput(parts, format);
  const label = JSON.parse(row.target) as string | string[];
  const candidates =
    def.type === "risk_prediction"
      ? ["yes", "no"]
      : row.task === "discharge"
        ? []
        : candidatesFor(
            pool,
            row.task,
            Array.isArray(label) ? label : [label],
            options.seed,
            `${row.task}|${row.subject_id}|${row.anchor}`,
          );
  return {
    idx: Number(row.idx),
    instruction: def.instruction,
    input,
    output: Array.isArray(label) ? label.join("\n") : label,
    candidates,
    task_info: {
      task: row.task,
      task_type: def.type,
      target_key: def.targetKey,
      metric: def.metric,
      bid_event: def.excludedEvents,
      instruction: def.instruction,
      event: row.event,
      subject_id: String(row.subject_id),
      hadm_id: row.hadm_id === null ? "None" : String(row.hadm_id),
      period_begin: row.period_begin,
      period_end: row.period_end,
      admissions_id: row.admissions_id,
      last_discharge_id: row.last_discharge_id,
      target: row.target,
      label,
    },
  };
}

async function provenance(store: Store): Promise<Record<string, unknown>> {
  const loads = (await store.tableExists("meta.loads"))
    ? (
        await store.rowsJson(
          "SELECT table_name, source_path, size_bytes, mtime, sha256, rows, loaded_at, tool_version FROM meta.loads ORDER BY table_name",
        )
      ).rows
    : [];
  const timeline = (await store.tableExists("timeline.build_info"))
    ? (await store.rowsJson("SELECT * FROM timeline.build_info")).rows[0]
    : null;
  const index = (await store.tableExists("tasks.index_info"))
    ? (await store.rowsJson("SELECT * FROM tasks.index_info")).rows[0]
    : null;
  return { database: store.path, tables: loads, timeline, task_index: index };
}
