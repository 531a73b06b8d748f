import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { OWNER_DIR, restrictTree } from "./owner-only.js";
import { basename, dirname, resolve } from "node:path";
import { EhrR1Error, UsageError } from "../errors.js";

export interface StoreOptions {
  /** DuckDB memory limit, e.g. "1GB". Defaults to EHR_R1_MEMORY_LIMIT or 1GB so large loads stay bounded. */
  memoryLimit?: string;
  /** Worker threads; DuckDB's default (all cores) when unset. */
  threads?: number;
  /** Spill folder for out-of-core operators; DuckDB's default (`<db>.tmp`) when unset. */
  tempDirectory?: string;
  readOnly?: boolean;
  /** Create the file if it does not exist (false: a missing file is an error). */
  create?: boolean;
}

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;

/** One embedded DuckDB database file and a connection to it. */
/** The schemas a store holds (module tables, derived data, metadata). */
export const STORE_SCHEMAS: readonly string[] = [
  "hosp",
  "icu",
  "ed",
  "note",
  "meta",
  "mapping",
  "timeline",
  "tasks",
  "graph",
  "umls",
  "meds",
];

export class Store {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly ownsInstance = true,
  ) {}

  /** A second connection to the same database (its own transactions and temp schema), for concurrent work. */
  async fork(): Promise<Store> {
    return new Store(this.path, this.instance, await this.instance.connect(), false);
  }

  static async open(path: string, options: StoreOptions = {}): Promise<Store> {
    const file = path === ":memory:" ? path : resolve(path);
    if (file !== ":memory:") {
      // DuckDB names the file's catalog after it: `hosp.duckdb` would make `hosp.labevents` ambiguous.
      const stem = basename(file)
        .replace(/\.[^.]*$/, "")
        .toLowerCase();
      if (STORE_SCHEMAS.includes(stem)) {
        throw new UsageError(
          `${file}: a store may not be named after one of its schemas (${STORE_SCHEMAS.join(", ")}): DuckDB would confuse the two; choose another name, e.g. mimic.duckdb`,
        );
      }
      if (!existsSync(file)) {
        if (options.create === false || options.readOnly) {
          throw new UsageError(`database ${file} does not exist (run \`ehr-r1 ingest\` first)`);
        }
        mkdirSync(dirname(file), { recursive: true, mode: OWNER_DIR });
      }
    }
    const config: Record<string, string> = {
      memory_limit: options.memoryLimit ?? process.env.EHR_R1_MEMORY_LIMIT ?? "1GB",
    };
    if (options.threads !== undefined) config.threads = String(options.threads);
    if (options.tempDirectory !== undefined) config.temp_directory = options.tempDirectory;
    if (options.readOnly) config.access_mode = "READ_ONLY";
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, config);
    } catch (error) {
      throw new EhrR1Error(`cannot open database ${file}: ${firstLine(error)}`);
    }
    const connection = await instance.connect();
    // DuckDB creates the file with the process umask; a store holds patient data, so it is owner-only.
    if (file !== ":memory:" && !options.readOnly) restrictOwnFile(file);
    return new Store(file, instance, connection);
  }

  async exec(sql: string, params?: Params): Promise<number> {
    const result = await this.connection.run(sql, params);
    return result.rowsChanged;
  }

  /** Rows as plain JS objects (BIGINT as bigint, TIMESTAMP as Date-like values): for computation. */
  async rows<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** Rows with JSON-safe values (BIGINT and TIMESTAMP as strings): for printing. */
  async rowsJson(sql: string, params?: Params): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Record<string, unknown>[] };
  }

  /** Rows in chunks of about 2,048, as JS values, without holding the whole result: for large scans. */
  async *stream<T = Record<string, unknown>>(sql: string, params?: Params): AsyncGenerator<T[]> {
    const result = await this.connection.stream(sql, params);
    for await (const chunk of result.yieldRowObjectJs()) yield chunk as T[];
  }

  async value<T = unknown>(sql: string, params?: Params): Promise<T> {
    const rows = await this.rows<Record<string, T>>(sql, params);
    const first = rows[0];
    if (!first) throw new EhrR1Error(`query returned no rows: ${sql}`);
    return Object.values(first)[0] as T;
  }

  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.exec("BEGIN TRANSACTION");
    try {
      const result = await work();
      await this.exec("COMMIT");
      return result;
    } catch (error) {
      try {
        await this.exec("ROLLBACK");
      } catch {
        // A failed COMMIT already ended the transaction; the original error is what matters.
      }
      throw error;
    }
  }

  async tableExists(qualified: string): Promise<boolean> {
    const [schema, name] = qualified.split(".");
    const n = await this.value<bigint>(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
      [schema ?? "main", name ?? ""],
    );
    return n > 0n;
  }

  close(): void {
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

/** Makes a store file (and its WAL) owner-only, when this user owns it (a shared read-only store is left as it is). */
function restrictOwnFile(file: string): void {
  for (const path of [file, `${file}.wal`]) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat && (process.getuid === undefined || stat.uid === process.getuid())) restrictTree(path);
  }
}

/** DuckDB errors carry a multi-line hint block; the first line says what happened. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** Quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for SQL (for table-function arguments that cannot be bound parameters). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
