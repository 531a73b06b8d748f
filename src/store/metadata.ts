import type { Store } from "./database.js";

/**
 * Provenance kept inside the store: which file each table came from, in what state, loaded by which
 * version, and every row that was rejected. `ingest` reads it to skip unchanged files.
 */
export const META_DDL = `
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.loads (
  table_name        VARCHAR PRIMARY KEY,
  source_path       VARCHAR NOT NULL,
  size_bytes        BIGINT NOT NULL,
  mtime             TIMESTAMP NOT NULL,
  sha256            VARCHAR,
  schema_hash       VARCHAR NOT NULL,
  rows              BIGINT NOT NULL,
  rejected_rows     BIGINT NOT NULL,
  load_seconds      DOUBLE NOT NULL,
  loaded_at         TIMESTAMP NOT NULL,
  tool_version      VARCHAR NOT NULL,
  missing_columns   VARCHAR[] NOT NULL,
  extra_columns     VARCHAR[] NOT NULL
);
CREATE TABLE IF NOT EXISTS meta.rejects (
  table_name    VARCHAR NOT NULL,
  source_path   VARCHAR NOT NULL,
  line          BIGINT,
  column_name   VARCHAR,
  error_type    VARCHAR,
  error_message VARCHAR,
  csv_line      VARCHAR
);
`;

export interface LoadRecord {
  table_name: string;
  source_path: string;
  size_bytes: bigint;
  mtime: Date;
  sha256: string | null;
  schema_hash: string;
  rows: bigint;
  rejected_rows: bigint;
  load_seconds: number;
  tool_version: string;
  missing_columns: string[];
  extra_columns: string[];
}

export async function ensureMetaSchema(store: Store): Promise<void> {
  await store.exec(META_DDL);
}

export async function previousLoads(store: Store): Promise<Map<string, LoadRecord>> {
  if (!(await store.tableExists("meta.loads"))) return new Map();
  const rows = await store.rows<Omit<LoadRecord, "mtime"> & { mtime_ms: bigint | number }>(
    "SELECT * EXCLUDE (mtime, loaded_at), epoch_ms(mtime) AS mtime_ms FROM meta.loads",
  );
  return new Map(rows.map(({ mtime_ms, ...r }) => [r.table_name, { ...r, mtime: new Date(Number(mtime_ms)) }]));
}

export async function recordLoad(store: Store, record: LoadRecord): Promise<void> {
  await store.exec("DELETE FROM meta.loads WHERE table_name = ?", [record.table_name]);
  await store.exec(
    `INSERT INTO meta.loads VALUES (?, ?, ?, make_timestamp(?::BIGINT * 1000), ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, from_json(?, '["VARCHAR"]'), from_json(?, '["VARCHAR"]'))`,
    [
      record.table_name,
      record.source_path,
      record.size_bytes,
      BigInt(record.mtime.getTime()),
      record.sha256,
      record.schema_hash,
      record.rows,
      record.rejected_rows,
      record.load_seconds,
      record.tool_version,
      JSON.stringify(record.missing_columns),
      JSON.stringify(record.extra_columns),
    ],
  );
}

export interface FileState {
  path: string;
  sizeBytes: bigint;
  mtime: Date;
  schemaHash: string;
}

/** A file is unchanged when its path, size, modification time and the schema it is read with all match the last load. */
export function isUnchanged(before: LoadRecord, now: FileState, needChecksum: boolean): boolean {
  return (
    before.source_path === now.path &&
    BigInt(before.size_bytes) === now.sizeBytes &&
    before.mtime.getTime() === now.mtime.getTime() &&
    before.schema_hash === now.schemaHash &&
    (!needChecksum || before.sha256 !== null)
  );
}
