import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { InputError } from "../errors.js";
import { firstLine, literal, Store } from "../store/database.js";
import { hashFiles } from "./hashing-writer.js";
import { DATA_DIR } from "./layout.js";

/** Where one record came from, for error messages: a file and its line (JSONL) or row (Parquet). */
export interface Located<T> {
  value: T;
  file: string;
  line: number;
}

/**
 * The files of a dataset, in reading order: a JSONL or Parquet file as given, or a built folder's
 * `data/` shards (JSONL where present, else Parquet), sorted by name, i.e. by shard.
 */
export function datasetFiles(path: string): string[] {
  const full = resolve(path);
  if (!existsSync(full)) throw new InputError(full, undefined, "does not exist");
  if (!statSync(full).isDirectory()) return [full];
  const dir = existsSync(join(full, DATA_DIR)) ? join(full, DATA_DIR) : full;
  const names = readdirSync(dir).sort();
  const jsonl = names.filter((n) => n.endsWith(".jsonl"));
  const parquet = names.filter((n) => n.endsWith(".parquet"));
  const chosen = jsonl.length ? jsonl : parquet;
  if (!chosen.length) throw new InputError(full, undefined, "a folder without .jsonl or .parquet data files");
  return chosen.map((n) => join(dir, n));
}

/** Non-empty lines of a text file of any size, one at a time, with their line numbers. */
export async function* readLines(file: string): AsyncGenerator<{ text: string; line: number }> {
  const lines = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() !== "") yield { text, line };
  }
}

/**
 * Every JSON object of a dataset (a file or a built folder), one at a time: JSONL line by line,
 * Parquet row group by row group (rows as JSON objects, nested columns included). Memory holds one
 * chunk, whatever the dataset's size.
 */
export async function* readJsonRecords(path: string): AsyncGenerator<Located<unknown>> {
  for (const file of datasetFiles(path)) {
    if (file.endsWith(".parquet")) {
      yield* readParquetRows(file);
      continue;
    }
    for await (const { text, line } of readLines(file)) {
      yield { value: parseJsonLine(text, file, line), file, line };
    }
  }
}

/** One line of a JSONL file as JSON; an error names the file and line. */
export function parseJsonLine(text: string, file: string, line: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(file, line, `not JSON (${(error as Error).message})`);
  }
}

async function* readParquetRows(file: string): AsyncGenerator<Located<unknown>> {
  // One thread reads one row group at a time: rows of long inputs stay within the memory limit.
  const store = await Store.open(":memory:", { threads: 1, memoryLimit: "256MB" });
  try {
    let row = 0;
    for await (const chunk of store.stream<{ line: string }>(
      `SELECT to_json(t)::VARCHAR AS line FROM read_parquet(${literal(file)}) t`,
    )) {
      for (const { line } of chunk) yield { value: JSON.parse(line) as unknown, file, line: ++row };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, undefined, `cannot read as Parquet: ${firstLine(error)}`);
  } finally {
    store.close();
  }
}

/** SHA-256 of a dataset's data files read in order (for one file, that file's SHA-256), streaming. */
export async function datasetSha256(path: string): Promise<string> {
  return (await hashFiles(datasetFiles(path))).sha256;
}
