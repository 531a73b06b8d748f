import { renameDurably, writeFileAtomically } from "../store/atomic-file.js";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import {
  DATA_DIR,
  MANIFEST_FILE,
  ownsShard,
  partFilePath,
  PARTS_DIR,
  partStem,
  PLAN_FILE,
  shardFilePath,
  shardOfSql,
  defaultShardCount,
  type ProcessShard,
} from "../dataset/layout.js";
import { HashingWriter, hashFile, type WrittenFile } from "../dataset/hashing-writer.js";
import type { DatasetRecord } from "../dataset/record.js";
import { EhrR1Error, resourceHint, UsageError } from "../errors.js";
import { OWNER_DIR, restrictTree } from "../store/owner-only.js";
import { acquireOutputLock, clearStaleLock, processGone, withOutputLock } from "../store/output-lock.js";
import { Worker } from "node:worker_threads";
import { hostname } from "node:os";
import { EstimatedTokenCounter, ModelTokenizer, type TokenCounter } from "../render/tokenizer.js";
import { parseMemoryLimit } from "../timeline/build.js";
import { PACKAGE_ROOT, TOOL_VERSION } from "../version.js";
import type { CounterSpec, WorkerInput, WorkerReply, WorkerRequest } from "./shard-server.js";
import { fitToBudget } from "../render/budget.js";
import type { RenderFormat } from "../render/markdown.js";
import { inputParts, joinInput, RenderedTrajectory, type SampleWindow } from "../render/sample.js";
import { firstLine, literal, type Store } from "../store/database.js";
import { subjectSet } from "../store/subject-set.js";
import { replaceableFolder } from "../store/output-folder.js";
import { readTrajectories, type EventWindow } from "../timeline/read.js";
import { candidatePool, candidatesFor, type CandidatePool } from "./candidates.js";
import { PRESETS, type SampleConfig } from "./presets.js";
import { task as taskDefinition } from "./registry.js";
import { labelOf, targetJsonSql } from "./target.js";
import {
  sampledTable,
  sampleTaskIndex,
  splitTable,
  type SampleOptions,
  type SampleSummary,
  type SplitSpec,
} from "./sample.js";

export interface DatasetOptions extends Omit<SampleOptions, "config" | "split" | "temporary"> {
  /** `ehr-bench`, `ehr-ins`, or a name for a custom config. */
  name: string;
  config?: SampleConfig;
  split?: SplitSpec;
  out: string;
  format?: RenderFormat;
  /** Fit every input into this many tokens (events policy). */
  maxTokens?: number;
  counter?: TokenCounter;
  /** Empty a non-empty output folder first (not with `part`: other processes may be writing it). */
  force?: boolean;
  /** Output shards (files per format); default: about 50,000 samples each, a multiple of the process count. */
  shards?: number;
  /** Build only this process's shards (`--shard k/n`); the others come from other processes. */
  part?: ProcessShard;
  /** Keep shards an earlier run finished (after a kill or a failure); build only the rest. */
  resume?: boolean;
  /** Also write JSONL shards beside the Parquet ones (default true). */
  jsonl?: boolean;
  onProgress?: (progress: BuildProgress) => void;
  /** Worker threads that render shards in parallel (default 1: this thread). */
  workers?: number;
  /** DuckDB's spill folder for the workers' own connections. */
  tempDirectory?: string;
}

export interface BuildProgress {
  /** Samples written by this process so far, and in all its shards. */
  samples: number;
  total: number;
  shardsDone: number;
  shards: number;
  seconds: number;
}

/** One line of the EHR-Bench JSONL schema (its one type, from `dataset/record.ts`). */
export type { DatasetRecord };

export interface DatasetSummary {
  folder: string;
  /** Files of this process's shards, relative to the folder (plus manifest.json when the build is complete). */
  files: string[];
  sampling: SampleSummary;
  shards: { total: number; built: number[]; kept: number[] };
  /** Every shard is present and manifest.json is written. */
  complete: boolean;
  seconds: number;
}

/**
 * Patients are read and rendered in batches of about this many timeline rows (whole patients), so
 * memory holds one batch whatever the density: 200 patients of the demo, fewer of real MIMIC-IV.
 */
const BATCH_ROWS = 60_000;
const MAX_BATCH_PATIENTS = 200;

/**
 * Samples the task index and renders every sample into Hugging Face-style shards
 * (`data/<split>-00000-of-0000N.parquet` and `.jsonl`) in the EHR-Bench schema (`idx, instruction,
 * input, output, candidates, task_info`), then `manifest.json` (config, seed, split, counts per task
 * and label, per-shard rows and SHA-256, tool version, input provenance). Patients go to shards by
 * a stable hash, so processes given different `part`s fill one folder; each shard is written beside
 * the folder's data and renamed in whole, so a kill or failure leaves finished shards and no half file.
 * The store is only read (sample and split live in temporary tables).
 */
export async function buildDataset(store: Store, options: DatasetOptions): Promise<DatasetSummary> {
  const started = performance.now();
  const preset = PRESETS[options.name];
  const config = options.config ?? preset?.config;
  if (!config)
    throw new UsageError(`unknown dataset ${options.name}: use ehr-bench, ehr-ins or ehr-ins-rl, or give --config`);
  const split: SplitSpec = options.split ?? { kind: "ratio", testRatio: 0.1 };
  const splitName = options.splitName ?? preset?.split ?? "test";
  const part = options.part ?? { index: 0, count: 1 };
  if (options.force && options.part && options.part.count > 1)
    throw new UsageError("--force with --shard would delete other processes' shards: empty the folder first");
  if (options.shards !== undefined && !(Number.isInteger(options.shards) && options.shards >= 1))
    throw new UsageError("--num-shards must be a whole number >= 1");
  const out = resolve(options.out);
  const joining = options.resume || part.count > 1;
  if (!joining) replaceableFolder(out, options.force);
  if (existsSync(out) && readdirSync(out).length && joining && !existsSync(join(out, PLAN_FILE)))
    throw new UsageError(`${out} is not empty and holds no ${PLAN_FILE}: it is not a build folder to join or resume`);
  if (options.force && !joining) rmSync(out, { recursive: true, force: true });

  const sampleOptions: SampleOptions = {
    ...options,
    config,
    split,
    splitName,
    temporary: true,
    perTask: options.perTask ?? (options.config ? undefined : preset?.perTask),
    balance: options.balance ?? (options.config ? undefined : preset?.balance),
  };
  const sampling = await sampleTaskIndex(store, sampleOptions);
  const shards = options.shards ?? defaultShardCount(sampling.samples, part.count);

  // Candidates drawn from other samples' labels, for the tasks that declare them.
  const decisionTasks = sampling.tasks
    .filter((t) => t.sampled > 0 && taskDefinition(t.task).candidates === "pool")
    .map((t) => t.task);
  const poolSubjects = await subjectSet(
    store,
    split.kind === "ratio" ? { kind: "split", table: splitTable(sampleOptions), side: "train" } : { kind: "indexed" },
  );
  const pool = await candidatePool(store, decisionTasks, poolSubjects, options.seed);

  const plan = {
    name: options.name,
    tool_version: TOOL_VERSION,
    seed: options.seed,
    config,
    sampling: {
      split,
      split_name: splitName,
      per_task: sampleOptions.perTask ?? null,
      balance: sampleOptions.balance ?? false,
      fraction: options.fraction ?? null,
      weight_all: options.weightAll ?? false,
      min_events: options.minEvents === undefined ? 10 : options.minEvents,
      max_events: options.maxEvents === undefined ? 100 : options.maxEvents,
      max_chart_labels: options.maxChartLabels === undefined ? 10 : options.maxChartLabels,
    },
    format: options.format ?? "ehr-r1",
    max_tokens: options.maxTokens ?? null,
    tokenizer: options.counter?.name ?? null,
    layout: { split: splitName, shards, jsonl: options.jsonl ?? true, shard_key: "md5('shard:' || subject_id)" },
    samples: sampling.samples,
    counts: sampling,
    input: await provenance(store),
  };
  mkdirSync(join(out, PARTS_DIR), { recursive: true, mode: OWNER_DIR });
  mkdirSync(join(out, DATA_DIR), { recursive: true, mode: OWNER_DIR });
  agreeOnPlan(out, plan);

  // Records go in patient order (then task, anchor); idx is their place in the whole dataset, so
  // every process numbers the same sample alike.
  await store.exec(`CREATE OR REPLACE TEMP TABLE build_rows AS
    SELECT row_number() OVER (ORDER BY subject_id, task_order, anchor, period_begin) - 1 AS idx, subject_id, hadm_id, task, event,
      period_begin, period_end, admissions_id, last_discharge_id, target, ${targetJsonSql()} AS target_json, anchor,
      ${shardOfSql("subject_id", shards)} AS shard
    FROM ${sampledTable(sampleOptions)}`);
  const perShard = new Map(
    (await store.rows<{ shard: bigint; n: bigint }>("SELECT shard, count(*) AS n FROM build_rows GROUP BY 1")).map(
      (r) => [Number(r.shard), Number(r.n)],
    ),
  );
  const mine = Array.from({ length: shards }, (_, j) => j).filter((j) => ownsShard(j, part));
  const kept = options.resume ? mine.filter((j) => finishedPart(out, j) !== null) : [];
  const todo = mine.filter((j) => !kept.includes(j));
  for (const j of kept) {
    clearStaleLock(lockOf(out, j));
    // A run killed after writing a shard's part record but before removing its staging folder.
    removeStagingFolders(out, j);
  }
  const total = todo.reduce((a, j) => a + (perShard.get(j) ?? 0), 0);
  let written = 0;
  let shardsDone = 0;
  const progress = (n: number) => {
    written += n;
    options.onProgress?.({
      samples: written,
      total,
      shardsDone,
      shards: todo.length,
      seconds: (performance.now() - started) / 1000,
    });
  };
  const context: ShardContext = {
    shards,
    shardSplit: splitName,
    pool,
    format: options.format,
    maxTokens: options.maxTokens,
    counter: options.counter,
    seed: options.seed,
    jsonl: options.jsonl,
  };
  const files: string[] = [];
  const workers = Math.min(options.workers ?? 1, todo.length);
  const counter = counterSpec(options);
  if (workers > 1 && counter !== undefined && existsSync(WORKER_SCRIPT)) {
    files.push(
      ...(await buildInWorkers(store, out, todo, workers, context, counter, options, progress, () => shardsDone++)),
    );
  } else {
    for (const j of todo) {
      const part = await withOutputLock(lockOf(out, j), () => buildShard(store, out, j, context, progress)).catch(
        (error: unknown) => {
          throw shardFailure(error, j, shards);
        },
      );
      shardsDone++;
      files.push(...part.files.map((f) => f.file));
    }
  }
  await store.exec("DROP TABLE IF EXISTS temp.build_rows");
  const complete = writeManifestIfComplete(out, plan);
  return {
    folder: out,
    files: complete ? [...files, MANIFEST_FILE] : files,
    sampling,
    shards: { total: shards, built: todo, kept },
    complete,
    seconds: (performance.now() - started) / 1000,
  };
}

/** What rendering one shard needs; everything but the counter can be sent to a worker thread. */
export interface ShardContext {
  shards: number;
  shardSplit: string;
  pool: CandidatePool;
  format?: RenderFormat;
  maxTokens?: number;
  counter?: TokenCounter;
  seed: number;
  jsonl?: boolean;
}

/** What `parts/<shard>.json` records of a finished shard. */
export interface PartRecord {
  shard: number;
  shards: number;
  records: number;
  files: { file: string; records: number; bytes: number; sha256: string }[];
}

/** Renders one shard's patients, batch by batch, into a staging folder; then Parquet; then renames both into `data/`. */
export async function buildShard(
  store: Store,
  out: string,
  shard: number,
  context: ShardContext,
  progress: (samples: number) => void,
): Promise<PartRecord> {
  const staging = join(out, PARTS_DIR, `${partStem(shard)}.partial-${process.pid}`);
  // The shard's lock is held: other staging folders of this shard are left by killed runs.
  removeStagingFolders(out, shard);
  mkdirSync(staging, { recursive: true, mode: OWNER_DIR });
  try {
    const jsonlName = shardFilePath(context.shardSplit, shard, context.shards, "jsonl");
    const parquetName = shardFilePath(context.shardSplit, shard, context.shards, "parquet");
    const jsonl = join(staging, basename(jsonlName));
    const writer = new HashingWriter(jsonl);
    try {
      // Batches are sized by the rows the samples show (the events read below), each event once:
      // the SQL twin of shownEvents, which names the same events for the read.
      const sizes = await store.rows<{ s: number; n: bigint }>(
        `WITH b AS (SELECT subject_id, period_begin, period_end, admissions_id, last_discharge_id FROM build_rows WHERE shard = ${shard}),
         shown AS (
           SELECT DISTINCT e.subject_id, e.seq, e.n_rows FROM b JOIN timeline.events e ON e.subject_id = b.subject_id
           WHERE (e.seq >= coalesce(b.period_begin, 0) AND (b.period_end IS NULL OR e.seq < b.period_end))
             OR e.seq = 0 OR e.seq = b.admissions_id OR e.seq = b.last_discharge_id)
         SELECT s.subject_id AS s, coalesce(sum(shown.n_rows), 0) AS n
         FROM (SELECT DISTINCT subject_id FROM b) s LEFT JOIN shown USING (subject_id) GROUP BY 1 ORDER BY 1`,
      );
      for (const batch of batches(sizes)) {
        const rows = await store.rows<SampledRow>(
          `SELECT * FROM build_rows WHERE shard = ${shard} AND subject_id IN (${batch.join(", ")}) ORDER BY idx`,
        );
        // Only the events the samples show are read (at full scale a patient has about 12 samples
        // and far more events than their windows cover).
        const trajectories = await readTrajectories(store, batch, { windows: rows.flatMap(shownEvents) });
        const format = context.format ?? "ehr-r1";
        const rendered = new Map<number, RenderedTrajectory>();
        const renderedOf = (id: number) =>
          rendered.get(id) ?? rendered.set(id, new RenderedTrajectory(trajectories.get(id)!, format)).get(id)!;
        for (const row of rows)
          await writer.writeLine(JSON.stringify(renderRecord(row, renderedOf(row.subject_id), context.pool, context)));
        progress(rows.length);
      }
    } catch (error) {
      writer.destroy();
      throw error;
    }
    const json = await writer.close();
    const parquet = join(staging, basename(parquetName));
    await jsonlToRecordsParquet(store, jsonl, parquet, json);
    const files = [{ file: parquetName, records: json.lines, ...(await hashFile(parquet)) }];
    if (context.jsonl ?? true)
      files.push({ file: jsonlName, records: json.lines, bytes: json.bytes, sha256: json.sha256 });
    else rmSync(jsonl);
    restrictTree(staging);
    for (const f of files) renameDurably(join(staging, basename(f.file)), join(out, f.file));
    const record: PartRecord = { shard, shards: context.shards, records: json.lines, files };
    writeFileAtomically(join(out, partFilePath(shard)), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const lockOf = (out: string, shard: number) => join(out, PARTS_DIR, partStem(shard));

/** A shard's staging folders (`parts/<stem>.partial-<pid>`), left by killed runs. */
function removeStagingFolders(out: string, shard: number): void {
  for (const name of readdirSync(join(out, PARTS_DIR)))
    if (name.startsWith(`${partStem(shard)}.partial-`))
      rmSync(join(out, PARTS_DIR, name), { recursive: true, force: true });
}

/** The compiled worker (tests and the CLI both run it from dist/, which the build keeps current). */
const WORKER_SCRIPT = join(PACKAGE_ROOT, "dist", "src", "tasks", "build-worker.js");

/** How a worker makes the same counter: none, the estimate, or a model folder; undefined if it cannot. */
function counterSpec(options: DatasetOptions): CounterSpec | undefined {
  if (!options.maxTokens || !options.counter) return null;
  if (options.counter instanceof EstimatedTokenCounter) return { kind: "estimate" };
  if (options.counter instanceof ModelTokenizer) return { kind: "model", dir: options.counter.name };
  return undefined;
}

/**
 * Shards rendered by worker threads, one shard at a time each, taken from a queue; the main thread
 * holds each shard's lock while a worker builds it. The samples go to the workers as a Parquet file
 * (sorted by shard, so each worker's reads skip the others' row groups). DuckDB's memory limit is
 * shared out among the workers. The first failure stops the queue; shards already finished stay.
 */
async function buildInWorkers(
  store: Store,
  out: string,
  todo: readonly number[],
  workers: number,
  context: ShardContext,
  counter: CounterSpec,
  options: DatasetOptions,
  progress: (samples: number) => void,
  finished: () => void,
): Promise<string[]> {
  removeStaleSampleFiles(join(out, PARTS_DIR));
  const rowsFile = join(out, PARTS_DIR, `.samples-${hostname()}-${process.pid}.parquet`);
  await store.exec(
    `COPY (SELECT * FROM build_rows WHERE shard IN (${todo.join(", ")}) ORDER BY shard, subject_id, idx) TO ${literal(rowsFile)} (FORMAT parquet)`,
  );
  restrictTree(rowsFile);
  // The main thread only waits meanwhile: its DuckDB gives up most of its limit to the workers.
  // Given back as DuckDB wrote it: a round trip through MB (10^6 bytes) would shrink it by 5 %.
  const limitText = await store.value<string>("SELECT current_setting('memory_limit')");
  const limit = parseMemoryLimit(limitText);
  const { mainShare, count, share } = workerMemory(limit, workers);
  await store.exec(`SET memory_limit = '${Math.floor(mainShare / (1 << 20))}MiB'`);
  const { counter: _unsent, ...sendable } = context;
  const input: WorkerInput = {
    db: store.path,
    memoryLimit: `${Math.floor(share / (1 << 20))}MiB`,
    tempDirectory: options.tempDirectory,
    rowsFile,
    out,
    context: sendable,
    counter,
  };
  const queue = [...todo];
  const files: string[] = [];
  const threads: Worker[] = [];
  let failure: Error | null = null;
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        // A bounded heap makes V8 collect before a worker's garbage adds up to gigabytes of RSS.
        const worker = new Worker(WORKER_SCRIPT, {
          workerData: input,
          resourceLimits: { maxOldGenerationSizeMb: 768 },
        });
        threads.push(worker);
        const exited = new Promise<void>((resolveExit) => worker.once("exit", () => resolveExit()));
        let release: (() => void) | null = null;
        await new Promise<void>((resolveWorker) => {
          const next = () => {
            const shard = failure ? undefined : queue.shift();
            if (shard === undefined) {
              worker.postMessage({ kind: "stop" } satisfies WorkerRequest);
              return resolveWorker();
            }
            try {
              release = acquireOutputLock(lockOf(out, shard));
            } catch (error) {
              failure ??= shardFailure(error, shard, context.shards);
              return next();
            }
            worker.postMessage({ kind: "shard", shard } satisfies WorkerRequest);
          };
          worker.on("message", (reply: WorkerReply) => {
            if (reply.kind === "progress") return progress(reply.samples);
            release?.();
            release = null;
            if (reply.kind === "done") {
              files.push(...reply.files);
              finished();
            } else failure ??= shardFailure(new EhrR1Error(reply.message), reply.shard, context.shards);
            next();
          });
          worker.once("error", (error) => {
            release?.();
            failure ??= new EhrR1Error(`a build worker failed: ${firstLine(error)}`);
            resolveWorker();
          });
          next();
        });
        await exited;
      }),
    );
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
    rmSync(rowsFile, { force: true });
    await store.exec(`SET memory_limit = ${literal(limitText)}`);
  }
  if (failure) throw failure;
  return files;
}

/** Bytes of DuckDB memory the main thread keeps while workers build. */
const MAIN_SHARE = 128 << 20;
/** The least DuckDB memory a worker gets. */
const WORKER_MIN = 256 << 20;
/** Bytes of each worker's part of the limit left to its JS heap and tokenizer. */
const JS_RESERVE = 128 << 20;

/**
 * How a DuckDB memory limit of `limit` bytes is shared out among at most `workers` worker threads:
 * the main thread's share, how many workers run, and each one's DuckDB limit. --memory-limit bounds
 * DuckDB's memory in all threads together, so a 1 GB limit runs two workers however many cores
 * there are (raise the limit for more). Each worker leaves {@link JS_RESERVE} of its part to its
 * JS heap and tokenizer: with none left, peak RSS crossed 2 GB on 10,000 realistic patients
 * (docs/benchmarks.md), at no gain in speed, since DuckDB's cache there only holds store blocks.
 */
export function workerMemory(limit: number, workers: number): { mainShare: number; count: number; share: number } {
  const count = Math.max(1, Math.min(workers, Math.floor((limit - MAIN_SHARE) / (WORKER_MIN + JS_RESERVE))));
  const share = Math.max(WORKER_MIN, Math.floor((limit - MAIN_SHARE) / count) - JS_RESERVE);
  return { mainShare: MAIN_SHARE, count, share };
}

/** Sample files that killed builds on this machine left behind (another machine's are its own business). */
function removeStaleSampleFiles(parts: string): void {
  const prefix = `.samples-${hostname()}-`;
  for (const name of readdirSync(parts)) {
    if (!name.startsWith(prefix) || !name.endsWith(".parquet")) continue;
    const pid = Number(name.slice(prefix.length, -".parquet".length));
    if (Number.isInteger(pid) && processGone(pid)) rmSync(join(parts, name), { force: true });
  }
}

/** Consecutive patients cut into batches of about BATCH_ROWS timeline rows (at least one patient each). */
export function* batches(
  sizes: readonly { s: number; n: bigint }[],
  maxRows = BATCH_ROWS,
  maxPatients = MAX_BATCH_PATIENTS,
): Generator<number[]> {
  let batch: number[] = [];
  let rows = 0;
  for (const { s, n } of sizes) {
    if (batch.length && (rows + Number(n) > maxRows || batch.length >= maxPatients)) {
      yield batch;
      batch = [];
      rows = 0;
    }
    batch.push(s);
    rows += Number(n);
  }
  if (batch.length) yield batch;
}

/**
 * JSONL to Parquet in DuckDB, with row groups of about 16 MB: the default of 122,880 rows per group
 * would hold gigabytes of long inputs in memory at once, and 64 MB groups needed single allocations
 * of 100 MB, more than a worker's DuckDB share of a 1 GB limit could spare.
 */
async function jsonlToRecordsParquet(store: Store, jsonl: string, parquet: string, written: WrittenFile) {
  const perRow = written.lines ? written.bytes / written.lines : 1;
  const rowGroup = Math.max(64, Math.min(122_880, Math.floor((16 << 20) / perRow)));
  // One DuckDB thread, so the file's bytes do not depend on the machine or on who built the shard.
  const threads = await store.value<bigint | number>("SELECT current_setting('threads')");
  await store.exec("SET threads = 1");
  try {
    await store.exec(`COPY (SELECT * FROM read_json(${literal(jsonl)}, format = 'newline_delimited', maximum_object_size = 33554432,
      columns = {idx: 'BIGINT', instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', candidates: 'VARCHAR[]', task_info: 'JSON'}))
    TO ${literal(parquet)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroup})`);
  } finally {
    await store.exec(`SET threads = ${Number(threads)}`);
  }
}

/** The part record of a finished shard whose files are all there at their recorded sizes, else null. */
export function finishedPart(out: string, shard: number): PartRecord | null {
  const path = join(out, partFilePath(shard));
  if (!existsSync(path)) return null;
  try {
    const part = JSON.parse(readFileSync(path, "utf8")) as PartRecord;
    const whole = part.files.every((f) => statSync(join(out, f.file), { throwIfNoEntry: false })?.size === f.bytes);
    return whole ? part : null;
  } catch {
    return null;
  }
}

/** Fields of the plan every process of one build must share (the rest say when and on what it ran). */
const PLAN_KEYS = [
  "name",
  "seed",
  "config",
  "sampling",
  "format",
  "max_tokens",
  "tokenizer",
  "layout",
  "samples",
] as const;

/** Writes the folder's build plan, or checks that this process's options agree with the one there. */
function agreeOnPlan(out: string, plan: Record<(typeof PLAN_KEYS)[number], unknown> & Record<string, unknown>) {
  const path = join(out, PLAN_FILE);
  if (existsSync(path)) {
    const theirs = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const differ = PLAN_KEYS.filter((k) => JSON.stringify(theirs[k]) !== JSON.stringify(plan[k]));
    if (differ.length)
      throw new UsageError(
        `${out} is being built with other settings (${differ.join(", ")} differ from ${path}): give every shard the same options, or use another folder`,
      );
    return;
  }
  writeFileAtomically(path, `${JSON.stringify({ ...plan, created_at: new Date().toISOString() }, null, 2)}\n`);
}

/** manifest.json once every shard's part is present: the plan and every file with its rows and SHA-256. */
function writeManifestIfComplete(out: string, plan: { layout: { shards: number } }): boolean {
  const parts: PartRecord[] = [];
  for (let j = 0; j < plan.layout.shards; j++) {
    const part = finishedPart(out, j);
    if (!part) return false;
    parts.push(part);
  }
  const stored = JSON.parse(readFileSync(join(out, PLAN_FILE), "utf8")) as Record<string, unknown>;
  const manifest = {
    ...stored,
    records: parts.reduce((a, p) => a + p.records, 0),
    files: parts.flatMap((p) => p.files.map((f) => ({ ...f, shard: p.shard }))),
  };
  writeFileAtomically(join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return true;
}

/** A shard's failure, naming it; out of memory or disk also names the options that help. */
function shardFailure(error: unknown, shard: number, shards: number): Error {
  const message = firstLine(error);
  const hint = resourceHint(message);
  return new EhrR1Error(
    `shard ${shard} of ${shards} failed (finished shards are kept; rerun with --resume): ${message}${hint ? ` — ${hint}` : ""}`,
  );
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
  target: string[];
  /** The target as the reference's JSON text (task_info.target). */
  target_json: string;
  anchor: number;
}

/**
 * The events a sample's input shows: demographics, its context, its admission and last discharge
 * note (buildShard sizes its batches by the same events in SQL; change both together).
 */
export function shownEvents(
  row: Pick<SampledRow, "subject_id" | "period_begin" | "period_end" | "admissions_id" | "last_discharge_id">,
): EventWindow[] {
  const one = (seq: number) => ({ subjectId: row.subject_id, from: seq, to: seq + 1 });
  return [
    one(0),
    // A missing bound is the record's start or end (inputParts).
    { subjectId: row.subject_id, from: row.period_begin ?? 0, to: row.period_end ?? 2 ** 31 - 1 },
    ...(row.admissions_id === null ? [] : [one(row.admissions_id)]),
    ...(row.last_discharge_id === null ? [] : [one(row.last_discharge_id)]),
  ];
}

/** The context window of a sampled row (`tasks.sampled`), with what its task hides. */
export function sampleWindow(
  row: Pick<SampledRow, "task" | "period_begin" | "period_end" | "admissions_id" | "last_discharge_id">,
): SampleWindow {
  const def = taskDefinition(row.task);
  return {
    begin: row.period_begin,
    end: row.period_end,
    hideAdmission: def.hidesAdmissionRecord,
    admissionsId: row.admissions_id,
    lastDischargeId: row.last_discharge_id,
    excludedEvents: def.excludedEvents,
  };
}

function renderRecord(
  row: SampledRow,
  rendered: RenderedTrajectory,
  pool: CandidatePool,
  options: ShardContext,
): DatasetRecord {
  const def = taskDefinition(row.task);
  const format = options.format ?? "ehr-r1";
  const parts = inputParts(rendered.trajectory, sampleWindow(row), format, rendered);
  const input =
    options.maxTokens && options.counter
      ? fitToBudget(parts, {
          maxTokens: options.maxTokens,
          counter: options.counter,
          instruction: def.instruction,
          format,
          chat: false,
          eventTokens: rendered.eventTokens(options.counter),
          needTokens: false,
        }).input
      : joinInput(parts, format);
  const label = labelOf(def, row.target);
  const candidates =
    def.candidates === "yes-no"
      ? ["yes", "no"]
      : def.candidates === "none"
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
      bid_event: [...def.excludedEvents],
      instruction: def.instruction,
      event: row.event,
      subject_id: String(row.subject_id),
      hadm_id: row.hadm_id === null ? "None" : String(row.hadm_id),
      period_begin: row.period_begin,
      period_end: row.period_end,
      admissions_id: row.admissions_id,
      last_discharge_id: row.last_discharge_id,
      target: row.target_json,
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
