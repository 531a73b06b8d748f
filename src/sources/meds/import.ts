import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../../errors.js";
import { ensureMetaSchema, recordLoad } from "../../store/metadata.js";
import { firstLine, ident, literal, Store, type StoreOptions } from "../../store/database.js";
import { TOOL_VERSION } from "../../version.js";

/**
 * MEDS (Medical Event Data Standard) event files into `meds.events`: one row per (subject, time,
 * code) measurement with exact types, as MIMIC-IV's tables go into their own schemas. MEDS keeps
 * values in `numeric_value` and `text_value`; early exports (such as the MIMIC-IV demo's) name the
 * number `value`. A release's `metadata/codes.parquet` (code → description) goes into `meds.codes`.
 */
export interface MedsImportOptions extends StoreOptions {
  /** codes.parquet; by default `<root>/metadata/codes.parquet` beside a `data/` folder when present. */
  codes?: string;
}

export interface MedsImportSummary {
  events: number;
  subjects: number;
  files: string[];
  codes: number | null;
  /** Columns present in the files that MEDS does not define here, left out. */
  ignoredColumns: string[];
  seconds: number;
}

const REQUIRED = ["subject_id", "time", "code"] as const;

/** The Parquet files a MEDS path names: the file itself, or every `.parquet` below a folder. */
export function medsFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const path = resolve(p);
    if (!existsSync(path)) throw new InputError(path, undefined, "no such file or folder");
    if (statSync(path).isFile()) {
      files.push(path);
      continue;
    }
    const data = existsSync(join(path, "data")) ? join(path, "data") : path;
    const found = (readdirSync(data, { recursive: true }) as string[])
      .filter((f) => f.endsWith(".parquet"))
      .sort()
      .map((f) => join(data, f));
    if (!found.length)
      throw new InputError(data, undefined, "no .parquet files (expected MEDS event files, e.g. data/*.parquet)");
    files.push(...found);
  }
  return files;
}

export async function importMeds(
  paths: readonly string[],
  dbPath: string,
  options: MedsImportOptions = {},
): Promise<MedsImportSummary> {
  if (!paths.length) throw new UsageError("give one or more MEDS event files or folders");
  const started = performance.now();
  const files = medsFiles(paths);
  const store = await Store.open(dbPath, options);
  try {
    const columnSets = await Promise.all(
      files.map(async (file) => {
        try {
          return {
            file,
            columns: await store.rows<{ column_name: string; column_type: string }>(
              `DESCRIBE SELECT * FROM read_parquet(${literal(file)})`,
            ),
          };
        } catch (error) {
          throw new InputError(file, undefined, `not a readable Parquet file (${firstLine(error)})`);
        }
      }),
    );
    for (const { file, columns } of columnSets) {
      const names = columns.map((c) => c.column_name);
      const missing = REQUIRED.filter((c) => !names.includes(c));
      if (missing.length)
        throw new InputError(file, undefined, `not a MEDS event file: missing column(s) ${missing.join(", ")}`);
    }
    const known = new Set(["subject_id", "time", "code", "numeric_value", "value", "text_value"]);
    const ignored = [
      ...new Set(columnSets.flatMap((s) => s.columns.map((c) => c.column_name).filter((c) => !known.has(c)))),
    ].sort();
    const select = columnSets
      .map(({ file, columns }) => {
        const names = new Set(columns.map((c) => c.column_name));
        const numericColumn = names.has("numeric_value") ? "numeric_value" : names.has("value") ? "value" : null;
        // MEDS stores values as float32: through their shortest text, 12.8 stays 12.8 (not 12.800000190734863).
        const isFloat32 = columns.find((c) => c.column_name === numericColumn)?.column_type === "FLOAT";
        const numeric =
          numericColumn === null ? "NULL" : isFloat32 ? `${ident(numericColumn)}::VARCHAR` : ident(numericColumn);
        const text = names.has("text_value") ? "text_value" : "NULL";
        return `SELECT subject_id::BIGINT AS subject_id, time::TIMESTAMP AS time, code::VARCHAR AS code, TRY_CAST(${numeric} AS DOUBLE) AS numeric_value, ${text}::VARCHAR AS text_value FROM read_parquet(${literal(file)})`;
      })
      .join(" UNION ALL ");
    const codesFile =
      options.codes ?? paths.map((p) => join(resolve(p), "metadata", "codes.parquet")).find((f) => existsSync(f));
    let codes: number | null = null;
    await ensureMetaSchema(store);
    await store.transaction(async () => {
      await store.exec("CREATE SCHEMA IF NOT EXISTS meds");
      try {
        await store.exec(`CREATE OR REPLACE TABLE meds.events AS ${select} ORDER BY subject_id, time, code`);
      } catch (error) {
        throw new InputError(
          files.length === 1 ? files[0]! : resolve(paths[0]!),
          undefined,
          `cannot load MEDS events: ${firstLine(error)}`,
        );
      }
      const nullIds = Number(
        await store.value("SELECT count(*) FROM meds.events WHERE subject_id IS NULL OR code IS NULL"),
      );
      if (nullIds) throw new InputError(resolve(paths[0]!), undefined, `${nullIds} events have no subject_id or code`);
      if (codesFile) {
        const names = (
          await store.rows<{ column_name: string }>(
            `DESCRIBE SELECT * FROM read_parquet(${literal(resolve(codesFile))})`,
          )
        ).map((c) => c.column_name);
        if (!names.includes("code"))
          throw new InputError(resolve(codesFile), undefined, "not a MEDS codes file: no code column");
        const description = names.includes("description") ? "description::VARCHAR" : "NULL::VARCHAR";
        await store.exec(
          `CREATE OR REPLACE TABLE meds.codes AS SELECT DISTINCT ON (code) code::VARCHAR AS code, ${description} AS description FROM read_parquet(${literal(resolve(codesFile))}) ORDER BY code`,
        );
        codes = Number(await store.value("SELECT count(*) FROM meds.codes"));
      }
      const size = files.reduce((a, f) => a + BigInt(statSync(f).size), 0n);
      const newest = new Date(Math.max(...files.map((f) => statSync(f).mtimeMs)));
      await recordLoad(store, {
        table_name: "meds.events",
        source_path: files.length === 1 ? files[0]! : resolve(paths[0]!),
        size_bytes: size,
        mtime: newest,
        sha256: null,
        schema_hash: "meds-events-v1",
        rows: BigInt(Number(await store.value("SELECT count(*) FROM meds.events"))),
        rejected_rows: 0n,
        load_seconds: (performance.now() - started) / 1000,
        tool_version: TOOL_VERSION,
        missing_columns: [],
        extra_columns: ignored,
      });
    });
    const counts = (
      await store.rows<{ events: number; subjects: number }>(
        "SELECT count(*)::BIGINT AS events, count(DISTINCT subject_id)::BIGINT AS subjects FROM meds.events",
      )
    )[0]!;
    return {
      events: Number(counts.events),
      subjects: Number(counts.subjects),
      files,
      codes,
      ignoredColumns: ignored,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    store.close();
  }
}
