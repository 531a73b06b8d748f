import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { EhrR1Error, InputError, UsageError } from "../../errors.js";
import { firstLine, ident, literal, Store, type StoreOptions } from "../../store/database.js";
import { ensureMetaSchema, isUnchanged, previousLoads, recordLoad } from "../../store/metadata.js";
import { TOOL_VERSION } from "../../version.js";
import { discoverMimic, type SourceFile } from "./discover.js";
import { loadMappings, type MappingFiles, type MappingLoadResult } from "./mappings.js";
import { qualifiedName, type TableSpec } from "./schema.js";
import { isGzip, readCsvHeader, sha256File, verifyGzip } from "./source-file.js";

/** Bumped when the way a table is loaded changes, so existing stores reload on the next ingest. */
const LOADER_REVISION = 1;

export interface IngestOptions extends StoreOptions {
  /** Also load tables the pipeline never reads (emar_detail, poe_detail, provider, caregiver, discharge_detail). */
  allTables?: boolean;
  /** Load only these tables (`labevents` or `hosp.labevents`). */
  only?: readonly string[];
  /** Rejected rows tolerated per table; they are kept in meta.rejects. Default 0: the first bad row fails the load. */
  maxErrors?: number;
  /** Record a SHA-256 of every file (slower; size and modification time are always recorded). */
  checksum?: boolean;
  /**
   * Check files against the download's SHA256SUMS.txt where it lists them (default true). Hashing the
   * compressed bytes is both a stronger and a cheaper integrity check than inflating every gzip file.
   */
  sha256sums?: boolean;
  /** Reload every table even if its file is unchanged. */
  force?: boolean;
  /** "all": the whole command is one transaction (default); "table": commit after each table. */
  commit?: "all" | "table";
  mappings?: MappingFiles;
  onProgress?: (event: IngestProgress) => void;
}

export type IngestProgress =
  | { kind: "start"; table: string; path: string; index: number; total: number }
  | { kind: "progress"; table: string; percentage: number }
  | { kind: "done"; table: string; rows: number; rejected: number; seconds: number }
  | { kind: "skip"; table: string; reason: string };

export interface TableResult {
  table: string;
  path: string;
  status: "loaded" | "unchanged";
  rows: number;
  rejected: number;
  seconds: number;
  missingColumns: string[];
  extraColumns: string[];
}

export interface IngestSummary {
  database: string;
  tables: TableResult[];
  mappings: MappingLoadResult[];
  unknownFiles: string[];
  rejectedRows: number;
  seconds: number;
}

export async function ingestMimic(
  roots: readonly string[],
  dbPath: string,
  options: IngestOptions = {},
): Promise<IngestSummary> {
  const started = performance.now();
  const discovery = discoverMimic(roots);
  const selected = selectFiles(discovery.files, options);
  const existed = dbPath === ":memory:" || existsSync(dbPath);
  const store = await Store.open(dbPath, options);
  let succeeded = false;
  try {
    const summary = await ingestInto(store, selected, options);
    succeeded = true;
    return { ...summary, unknownFiles: discovery.unknown, seconds: (performance.now() - started) / 1000 };
  } finally {
    store.close();
    // A failed first ingest leaves no empty database behind: the disk is as it was before the command.
    if (!succeeded && !existed) {
      for (const suffix of ["", ".wal"]) rmSync(dbPath + suffix, { force: true });
    }
  }
}

function selectFiles(files: SourceFile[], options: IngestOptions): SourceFile[] {
  if (options.only?.length) {
    const wanted = new Set(options.only.map((t) => t.toLowerCase()));
    const chosen = files.filter((f) => wanted.has(f.spec.name) || wanted.has(qualifiedName(f.spec)));
    const found = new Set(chosen.flatMap((f) => [f.spec.name, qualifiedName(f.spec)]));
    const missing = [...wanted].filter((w) => !found.has(w));
    if (missing.length) throw new UsageError(`--only names tables that were not found: ${missing.join(", ")}`);
    return chosen;
  }
  return files.filter((f) => options.allTables || f.spec.loadByDefault);
}

/**
 * Tables load concurrently, each on its own connection into a staging table in its module's schema
 * (a gzip stream decompresses on one core, so one table at a time leaves the others idle). The
 * staged tables then replace the live ones by rename: in one transaction for the whole command, or
 * one per table with `commit: "table"`. A failure drops the staging tables, leaving the store as it was.
 */
async function ingestInto(
  store: Store,
  files: SourceFile[],
  options: IngestOptions,
): Promise<Omit<IngestSummary, "unknownFiles" | "seconds">> {
  const maxErrors = options.maxErrors ?? 0;
  if (!Number.isInteger(maxErrors) || maxErrors < 0) throw new UsageError("--max-errors must be a whole number >= 0");
  // Headers first: a file with missing columns fails before anything is written.
  const plans = await Promise.all(files.map((file) => planLoad(file)));
  const perTable = options.commit === "table";
  await ensureMetaSchema(store);
  await dropStaging(store);
  const previous = await previousLoads(store);

  const results = new Map<LoadPlan, TableResult>();
  const pending: LoadPlan[] = [];
  for (const plan of plans) {
    const before = previous.get(qualifiedName(plan.file.spec));
    if (
      !options.force &&
      before &&
      isUnchanged(before, { ...plan.file, schemaHash: plan.schemaHash }, options.checksum ?? false)
    ) {
      options.onProgress?.({ kind: "skip", table: qualifiedName(plan.file.spec), reason: "unchanged" });
      results.set(plan, {
        table: qualifiedName(plan.file.spec),
        path: plan.file.path,
        status: "unchanged",
        rows: 0,
        rejected: 0,
        seconds: 0,
        missingColumns: plan.missing,
        extraColumns: plan.extra,
      });
    } else {
      pending.push(plan);
    }
  }
  for (const module of new Set(pending.map((p) => p.file.spec.module)))
    await store.exec(`CREATE SCHEMA IF NOT EXISTS ${module}`);

  const staged: StagedLoad[] = [];
  let swaps = Promise.resolve();
  try {
    await runPool(largestFirst(pending), ingestConcurrency(options), store, async (connection, plan, index) => {
      options.onProgress?.({
        kind: "start",
        table: qualifiedName(plan.file.spec),
        path: plan.file.path,
        index,
        total: pending.length,
      });
      const load = await stageTable(connection, plan, maxErrors, options);
      staged.push(load);
      if (perTable) {
        // Swaps run one at a time on the main connection, in completion order.
        swaps = swaps.then(() => store.transaction(() => swapIn(store, load)));
        await swaps;
      }
      results.set(plan, load.result);
      options.onProgress?.({
        kind: "done",
        table: load.result.table,
        rows: load.result.rows,
        rejected: load.result.rejected,
        seconds: load.result.seconds,
      });
    });
    let mappings: MappingLoadResult[] = [];
    const finish = async () => {
      if (!perTable)
        for (const plan of pending)
          await swapIn(
            store,
            staged.find((s) => s.plan === plan)!,
          );
      if (options.mappings) mappings = await loadMappings(store, options.mappings, { force: options.force ?? false });
    };
    await (perTable ? finish() : store.transaction(finish));
    const tables = plans.map((p) => results.get(p)!);
    return { database: store.path, tables, mappings, rejectedRows: tables.reduce((sum, t) => sum + t.rejected, 0) };
  } catch (error) {
    await swaps.catch(() => {});
    await dropStaging(store).catch(() => {});
    throw error;
  }
}

/**
 * Loads the largest files first. A gzip file parses on one core, so the command lasts at least as
 * long as its largest load; chartevents comes last in the download's order, and started last it ran
 * with the other connections idle (10,000 realistic patients: 22.8 s mean, 21.2 s largest first,
 * three runs each alternated). A gzip file counts for about six times its size, roughly its
 * uncompressed size, so plain and gzipped files compare.
 */
function largestFirst(plans: readonly LoadPlan[]): LoadPlan[] {
  const work = (p: LoadPlan) => Number(p.file.sizeBytes) * (isGzip(p.file.path) ? 6 : 1);
  return [...plans].sort((a, b) => work(b) - work(a));
}

/** Concurrent table loads: DuckDB's thread count (default: the cores), at most 8. */
function ingestConcurrency(options: IngestOptions): number {
  return Math.max(1, Math.min(8, options.threads ?? availableParallelism()));
}

/**
 * Runs `work` over `items` with `width` connections forked from `store`. After the first failure no
 * new item starts; the first error is rethrown once the running ones have finished.
 */
async function runPool<T>(
  items: readonly T[],
  width: number,
  store: Store,
  work: (connection: Store, item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    const connection = await store.fork();
    try {
      while (!failure && next < items.length) {
        const index = next++;
        try {
          await work(connection, items[index]!, index);
        } catch (error) {
          failure ??= { error };
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw failure.error;
}

const STAGING_PREFIX = "__ehr_r1_load_";

interface StagedLoad {
  plan: LoadPlan;
  /** Staging table in the target's schema, renamed onto the target by swapIn. */
  staging: string;
  /** Staging copy of the table's rejected rows, in schema meta (null when none could be tolerated). */
  rejects: string | null;
  sha256: string | null;
  result: TableResult;
}

/** Removes staging tables left by a failed or killed ingest. */
async function dropStaging(store: Store): Promise<void> {
  const leftovers = await store.rows<{ s: string; t: string }>(
    "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE starts_with(table_name, ?) AND table_catalog = current_database()",
    [STAGING_PREFIX],
  );
  for (const { s, t } of leftovers) await store.exec(`DROP TABLE IF EXISTS ${ident(s)}.${ident(t)}`);
}

interface LoadPlan {
  file: SourceFile;
  header: string[];
  /** Schema columns the file lacks (added as typed NULL columns). */
  missing: string[];
  /** File columns no schema knows (kept as VARCHAR). */
  extra: string[];
  schemaHash: string;
}

async function planLoad(file: SourceFile): Promise<LoadPlan> {
  const header = (await readCsvHeader(file.path)).map((c) => c.toLowerCase());
  const seen = new Set<string>();
  for (const [i, column] of header.entries()) {
    if (column === "") throw new InputError(file.path, 1, `header column ${i + 1} is empty`);
    if (seen.has(column)) throw new InputError(file.path, 1, `header names column "${column}" twice`);
    seen.add(column);
  }
  const known = new Set(file.spec.columns.map(([c]) => c));
  const absentRequired = file.spec.requiredColumns.filter((c) => !seen.has(c));
  if (absentRequired.length) {
    throw new InputError(
      file.path,
      1,
      `missing required column(s) ${absentRequired.join(", ")} for ${qualifiedName(file.spec)} (header: ${header.join(",")})`,
    );
  }
  const missing = file.spec.columns.map(([c]) => c).filter((c) => !seen.has(c));
  const extra = header.filter((c) => !known.has(c));
  const schemaHash = createHash("sha256")
    .update(JSON.stringify([LOADER_REVISION, file.spec.columns, header]))
    .digest("hex")
    .slice(0, 16);
  return { file, header, missing, extra, schemaHash };
}

function typeOf(spec: TableSpec, column: string): string {
  return spec.columns.find(([c]) => c === column)?.[1] ?? "VARCHAR";
}

/** The read_csv call with every column typed from the schema: nothing is sniffed. */
export function readCsvSql(path: string, spec: TableSpec, header: readonly string[], rejects?: string): string {
  const columns = header.map((c) => `${literal(c)}: ${literal(typeOf(spec, c))}`).join(", ");
  const options = [
    "header = true",
    "auto_detect = false",
    "delim = ','",
    "quote = '\"'",
    "escape = '\"'",
    `compression = '${isGzip(path) ? "gzip" : "none"}'`,
    `columns = {${columns}}`,
  ];
  if (rejects) options.push("store_rejects = true", `rejects_table = '${rejects}'`, `rejects_scan = '${rejects}_scan'`);
  return `read_csv(${literal(path)}, ${options.join(", ")})`;
}

async function stageTable(
  connection: Store,
  plan: LoadPlan,
  maxErrors: number,
  options: IngestOptions,
): Promise<StagedLoad> {
  const { file } = plan;
  const spec = file.spec;
  const name = qualifiedName(spec);
  const started = performance.now();
  const rejects = "ehr_r1_rejects";
  const staging = `${spec.module}.${ident(STAGING_PREFIX + spec.name)}`;
  const rejectsCopy = `meta.${ident(`${STAGING_PREFIX}rejects_${spec.module}_${spec.name}`)}`;
  const projection = [
    ...spec.columns.map(([c, type]) => (plan.missing.includes(c) ? `CAST(NULL AS ${type}) AS ${ident(c)}` : ident(c))),
    ...plan.extra.map(ident),
  ].join(", ");
  await connection.exec(`DROP TABLE IF EXISTS temp.${rejects}; DROP TABLE IF EXISTS temp.${rejects}_scan;`);
  if (options.onProgress)
    await connection.exec("SET enable_progress_bar = true; SET enable_progress_bar_print = false;");
  const load = (withRejects: boolean) =>
    connection.exec(
      `CREATE OR REPLACE TABLE ${staging} AS SELECT ${projection} FROM ${readCsvSql(file.path, spec, plan.header, withRejects ? rejects : undefined)}`,
    );
  // With no bad row tolerated, the first one fails the load anyway: parse without the rejects
  // machinery (about 8 % faster) and, only when that fails, parse again with it to name the row.
  let withRejects = maxErrors > 0;

  const ticker = options.onProgress
    ? setInterval(() => {
        const p = connection.connection.progress;
        if (p.percentage >= 0) options.onProgress?.({ kind: "progress", table: name, percentage: p.percentage });
      }, 200)
    : undefined;
  let sha256: string | null;
  try {
    const [loaded, check] = await Promise.allSettled([load(withRejects), integrityCheck(file, options)]);
    if (check.status === "rejected") throw check.reason;
    if (loaded.status === "rejected") {
      const described = describeLoadError(loaded.reason, file.path);
      if (withRejects || !(described instanceof InputError)) throw described;
      withRejects = true;
      await load(true).catch((again: unknown) => {
        throw describeLoadError(again, file.path);
      });
      const found = Number(await connection.value(`SELECT count(*) FROM temp.${rejects}`));
      if (found === 0) throw described;
    }
    sha256 = check.value;
  } finally {
    if (ticker) clearInterval(ticker);
  }

  let badLines = 0;
  if (withRejects) {
    const rejected = await connection.rows<{
      line: bigint;
      column_name: string | null;
      error_type: string;
      error_message: string;
      csv_line: string;
    }>(`SELECT line, column_name, error_type, error_message, csv_line FROM temp.${rejects} ORDER BY line, column_idx`);
    badLines = new Set(rejected.map((r) => r.line)).size;
    if (badLines > maxErrors) {
      const first = rejected[0]!;
      const column = first.column_name ? `column "${first.column_name}": ` : "";
      const more = badLines > 1 ? ` (${badLines} bad rows in all; --max-errors ${maxErrors})` : "";
      throw new InputError(
        file.path,
        Number(first.line),
        `${column}${first.error_message}; row: ${clip(first.csv_line)}${more}`,
      );
    }
    await connection.exec(
      `CREATE OR REPLACE TABLE ${rejectsCopy} AS SELECT ?::VARCHAR AS table_name, ?::VARCHAR AS source_path, line, column_name, error_type, error_message, csv_line FROM temp.${rejects}`,
      [name, file.path],
    );
  }
  const rows = Number(await connection.value<bigint>(`SELECT count(*) FROM ${staging}`));
  const seconds = (performance.now() - started) / 1000;
  return {
    plan,
    staging,
    rejects: withRejects ? rejectsCopy : null,
    sha256,
    result: {
      table: name,
      path: file.path,
      status: "loaded",
      rows,
      rejected: badLines,
      seconds,
      missingColumns: plan.missing,
      extraColumns: plan.extra,
    },
  };
}

/**
 * The file's integrity, checked beside its load: against SHA256SUMS.txt where the download lists it,
 * else (gzip) by inflating it to the end, since DuckDB accepts a gzip file cut at a line boundary.
 * Returns the file's SHA-256 when one was computed.
 */
async function integrityCheck(file: SourceFile, options: IngestOptions): Promise<string | null> {
  if (file.expectedSha256 && options.sha256sums !== false) {
    const actual = await sha256File(file.path);
    if (actual !== file.expectedSha256) {
      throw new InputError(
        file.path,
        undefined,
        `SHA-256 ${actual} does not match ${file.expectedSha256} in ${file.sumsFile}: the file is damaged or was changed after download (re-download it, or pass --no-sha256sums to load it anyway)`,
      );
    }
    return actual;
  }
  if (isGzip(file.path)) return verifyGzip(file.path, options.checksum ?? false);
  return options.checksum ? sha256File(file.path) : null;
}

/** Replaces the live table by its staged load and records the load; runs inside the caller's transaction. */
async function swapIn(store: Store, load: StagedLoad): Promise<void> {
  const { spec } = load.plan.file;
  const { result } = load;
  await store.exec(`DROP TABLE IF EXISTS ${spec.module}.${ident(spec.name)}`);
  await store.exec(`ALTER TABLE ${load.staging} RENAME TO ${ident(spec.name)}`);
  await store.exec("DELETE FROM meta.rejects WHERE table_name = ?", [result.table]);
  if (load.rejects) {
    await store.exec(`INSERT INTO meta.rejects SELECT * FROM ${load.rejects}`);
    await store.exec(`DROP TABLE ${load.rejects}`);
  }
  await recordLoad(store, {
    table_name: result.table,
    source_path: load.plan.file.path,
    size_bytes: load.plan.file.sizeBytes,
    mtime: load.plan.file.mtime,
    sha256: load.sha256,
    schema_hash: load.plan.schemaHash,
    rows: BigInt(result.rows),
    rejected_rows: BigInt(result.rejected),
    load_seconds: result.seconds,
    tool_version: TOOL_VERSION,
    missing_columns: load.plan.missing,
    extra_columns: load.plan.extra,
  });
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Turns DuckDB's multi-line CSV diagnostics into one line that names the file. */
export function describeLoadError(error: unknown, path: string): Error {
  if (error instanceof EhrR1Error) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/No space left on device|disk is full|Could not write/i.test(message)) {
    return new EhrR1Error(
      `disk full while loading ${path}: ${firstLine(error)} — the database was left as it was before the command`,
    );
  }
  const line = /CSV Error on Line: (\d+)/.exec(message);
  const detail = message
    .split("\n")
    .filter(
      (l) =>
        l.trim() &&
        !/^\s*(\*|Possible|file =|delimiter|quote|escape|new_line|header|skip_rows|comment|strict_mode|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar|Column .* is being|This type)/.test(
          l,
        ),
    );
  return new InputError(path, line ? Number(line[1]) : undefined, detail.join(" | ") || firstLine(error));
}
