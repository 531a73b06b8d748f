import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
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

export async function ingestMimic(roots: readonly string[], dbPath: string, options: IngestOptions = {}): Promise<IngestSummary> {
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

async function ingestInto(
  store: Store,
  files: SourceFile[],
  options: IngestOptions,
): Promise<Omit<IngestSummary, "unknownFiles" | "seconds">> {
  const maxErrors = options.maxErrors ?? 0;
  if (!Number.isInteger(maxErrors) || maxErrors < 0) throw new UsageError("--max-errors must be a whole number >= 0");
  // Headers first: a file with missing columns fails before anything is written.
  const plans = await Promise.all(files.map((file) => planLoad(file)));
  const tables: TableResult[] = [];
  let mappings: MappingLoadResult[] = [];
  const perTable = options.commit === "table";
  await store.exec("SET enable_progress_bar = true; SET enable_progress_bar_print = false;");

  const body = async () => {
    await ensureMetaSchema(store);
    const previous = await previousLoads(store);
    for (const [index, plan] of plans.entries()) {
      const name = qualifiedName(plan.file.spec);
      const before = previous.get(name);
      if (!options.force && before && isUnchanged(before, { ...plan.file, schemaHash: plan.schemaHash }, options.checksum ?? false)) {
        options.onProgress?.({ kind: "skip", table: name, reason: "unchanged" });
        tables.push({
          table: name, path: plan.file.path, status: "unchanged", rows: 0, rejected: 0, seconds: 0,
          missingColumns: plan.missing, extraColumns: plan.extra,
        });
        continue;
      }
      options.onProgress?.({ kind: "start", table: name, path: plan.file.path, index, total: plans.length });
      const run = () => loadTable(store, plan, maxErrors, options);
      const result = perTable ? await store.transaction(run) : await run();
      tables.push(result);
      options.onProgress?.({ kind: "done", table: name, rows: result.rows, rejected: result.rejected, seconds: result.seconds });
    }
    if (options.mappings) mappings = await loadMappings(store, options.mappings, { force: options.force ?? false });
  };
  await (perTable ? body() : store.transaction(body));
  const rejectedRows = tables.reduce((sum, t) => sum + t.rejected, 0);
  return { database: store.path, tables, mappings, rejectedRows };
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
      file.path, 1,
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

async function loadTable(store: Store, plan: LoadPlan, maxErrors: number, options: IngestOptions): Promise<TableResult> {
  const { file } = plan;
  const spec = file.spec;
  const name = qualifiedName(spec);
  const started = performance.now();
  const rejects = "ehr_r1_rejects";
  const projection = [
    ...spec.columns.map(([c, type]) => (plan.missing.includes(c) ? `CAST(NULL AS ${type}) AS ${ident(c)}` : ident(c))),
    ...plan.extra.map(ident),
  ].join(", ");
  await store.exec(`CREATE SCHEMA IF NOT EXISTS ${spec.module}`);
  await store.exec(`DROP TABLE IF EXISTS temp.${rejects}; DROP TABLE IF EXISTS temp.${rejects}_scan;`);
  const sql = `CREATE OR REPLACE TABLE ${spec.module}.${ident(spec.name)} AS SELECT ${projection} FROM ${readCsvSql(file.path, spec, plan.header, rejects)}`;

  const ticker = options.onProgress ? setInterval(() => {
    const p = store.connection.progress;
    if (p.percentage >= 0) options.onProgress?.({ kind: "progress", table: name, percentage: p.percentage });
  }, 200) : undefined;
  let sha256: string | null = null;
  try {
    const [load, check] = await Promise.allSettled([
      store.exec(sql),
      isGzip(file.path) ? verifyGzip(file.path, options.checksum ?? false) : options.checksum ? sha256File(file.path) : Promise.resolve(null),
    ]);
    if (check.status === "rejected") throw check.reason;
    if (load.status === "rejected") throw describeLoadError(load.reason, file.path);
    sha256 = check.value;
  } finally {
    if (ticker) clearInterval(ticker);
  }

  const rejected = await store.rows<{ line: bigint; column_name: string | null; error_type: string; error_message: string; csv_line: string }>(
    `SELECT line, column_name, error_type, error_message, csv_line FROM temp.${rejects} ORDER BY line, column_idx`,
  );
  const badLines = new Set(rejected.map((r) => r.line)).size;
  if (badLines > maxErrors) {
    const first = rejected[0]!;
    const column = first.column_name ? `column "${first.column_name}": ` : "";
    const more = badLines > 1 ? ` (${badLines} bad rows in all; --max-errors ${maxErrors})` : "";
    throw new InputError(file.path, Number(first.line), `${column}${first.error_message}; row: ${clip(first.csv_line)}${more}`);
  }
  await store.exec("DELETE FROM meta.rejects WHERE table_name = ?", [name]);
  if (rejected.length) {
    await store.exec(
      `INSERT INTO meta.rejects SELECT ?, ?, line, column_name, error_type, error_message, csv_line FROM temp.${rejects}`,
      [name, file.path],
    );
  }
  const rows = Number(await store.value<bigint>(`SELECT count(*) FROM ${spec.module}.${ident(spec.name)}`));
  const seconds = (performance.now() - started) / 1000;
  await recordLoad(store, {
    table_name: name,
    source_path: file.path,
    size_bytes: file.sizeBytes,
    mtime: file.mtime,
    sha256,
    schema_hash: plan.schemaHash,
    rows: BigInt(rows),
    rejected_rows: BigInt(badLines),
    load_seconds: seconds,
    tool_version: TOOL_VERSION,
    missing_columns: plan.missing,
    extra_columns: plan.extra,
  });
  return { table: name, path: file.path, status: "loaded", rows, rejected: badLines, seconds, missingColumns: plan.missing, extraColumns: plan.extra };
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Turns DuckDB's multi-line CSV diagnostics into one line that names the file. */
export function describeLoadError(error: unknown, path: string): Error {
  if (error instanceof EhrR1Error) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/No space left on device|disk is full|Could not write/i.test(message)) {
    return new EhrR1Error(`disk full while loading ${path}: ${firstLine(error)} — the database was left as it was before the command`);
  }
  const line = /CSV Error on Line: (\d+)/.exec(message);
  const detail = message.split("\n").filter((l) => l.trim() && !/^\s*(\*|Possible|file =|delimiter|quote|escape|new_line|header|skip_rows|comment|strict_mode|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar|Column .* is being|This type)/.test(l));
  return new InputError(path, line ? Number(line[1]) : undefined, detail.join(" | ") || firstLine(error));
}
