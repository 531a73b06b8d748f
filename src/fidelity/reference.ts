import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { literal, type Store } from "../store/database.js";

/**
 * Reference output in the layout of `reference-demo/` (the original implementation's own samples):
 * `render_hashes*.jsonl[.gz]`, one line per sample with `subject_id`, `task`, `period_begin`,
 * `period_end`, `input_sha256`, `input_chars`, `output`; optionally `risk_samples*.jsonl[.gz]` with
 * full `input` texts; optionally a README naming the table tie order of the run.
 */
export interface ReferenceFiles {
  hashes: string;
  texts: string | null;
  /** The run's same-time table order, when the folder's README states it. */
  tableOrder: string[] | null;
}

const HASH_COLUMNS = ["subject_id", "task", "period_begin", "period_end", "input_sha256", "output"] as const;
const TEXT_COLUMNS = ["subject_id", "task", "period_begin", "input", "output"] as const;

/** A folder holding the files, or one hash file. */
export function referenceFiles(path: string): ReferenceFiles {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`reference ${full} not found`);
  if (!statSync(full).isDirectory()) return { hashes: full, texts: null, tableOrder: null };
  const names = readdirSync(full).sort();
  const find = (prefix: string) => names.find((n) => n.startsWith(prefix) && /\.jsonl(\.gz)?$/.test(n));
  const hashes = find("render_hashes");
  if (!hashes)
    throw new UsageError(
      `${full} holds no render_hashes*.jsonl[.gz]: expected the reference-demo layout (see its README)`,
    );
  const texts = find("risk_samples");
  const readme = join(full, "README.md");
  const order = existsSync(readme) ? /order was:\s*\n\s*`([a-z_,]+)`/.exec(readFileSync(readme, "utf8")) : null;
  return {
    hashes: join(full, hashes),
    texts: texts ? join(full, texts) : null,
    tableOrder: order ? order[1]!.split(",") : null,
  };
}

/** SQL reading a reference JSONL file (plain or gzip), after checking it has `columns`. */
async function readerSql(store: Store, file: string, columns: readonly string[]): Promise<string> {
  const source = `read_json(${literal(file)}, format = 'newline_delimited', maximum_object_size = 67108864)`;
  let found: string[];
  try {
    found = (await store.rows<{ column_name: string }>(`DESCRIBE SELECT * FROM ${source}`)).map((c) => c.column_name);
  } catch (error) {
    throw new InputError(file, undefined, `not JSON lines: ${(error as Error).message.split("\n")[0]}`);
  }
  const missing = columns.filter((c) => !found.includes(c));
  if (missing.length)
    throw new InputError(
      file,
      1,
      `not in the reference-demo layout: no ${missing.join(", ")} (columns: ${found.join(", ")})`,
    );
  return source;
}

/** Loads the reference samples into `temp.ref` (and their texts, if any, into `temp.ref_text`). */
export async function loadReference(store: Store, files: ReferenceFiles): Promise<void> {
  const hashes = await readerSql(store, files.hashes, HASH_COLUMNS);
  await store.exec(`CREATE OR REPLACE TEMP TABLE ref AS
    SELECT TRY_CAST(subject_id AS INTEGER) AS subject_id, CAST(task AS VARCHAR) AS task,
      TRY_CAST(period_begin AS INTEGER) AS period_begin, lower(CAST(input_sha256 AS VARCHAR)) AS h,
      CAST(output AS VARCHAR) AS output
    FROM ${hashes}`);
  const bad = await store.rows<{ n: bigint }>(
    "SELECT count(*) AS n FROM ref WHERE subject_id IS NULL OR task IS NULL OR NOT regexp_full_match(h, '[0-9a-f]{64}')",
  );
  if (bad[0]!.n > 0n)
    throw new InputError(
      files.hashes,
      undefined,
      `${bad[0]!.n} lines lack a whole-number subject_id, a task or a 64-digit SHA-256`,
    );
  if (!files.texts) {
    await store.exec(
      "CREATE OR REPLACE TEMP TABLE ref_text (subject_id INTEGER, task VARCHAR, period_begin INTEGER, input VARCHAR, output VARCHAR)",
    );
    return;
  }
  const texts = await readerSql(store, files.texts, TEXT_COLUMNS);
  await store.exec(`CREATE OR REPLACE TEMP TABLE ref_text AS
    SELECT TRY_CAST(subject_id AS INTEGER) AS subject_id, CAST(task AS VARCHAR) AS task, TRY_CAST(period_begin AS INTEGER) AS period_begin,
      CAST(input AS VARCHAR) AS input, CAST(output AS VARCHAR) AS output
    FROM ${texts}`);
}
