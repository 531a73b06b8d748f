import { join } from "node:path";
import { UsageError } from "../errors.js";

/**
 * The on-disk layout of a built dataset, in Hugging Face datasets' convention so that `datasets`,
 * pandas, DuckDB, Spark and Ray read `data/` as one dataset:
 *
 *   <out>/data/<split>-00000-of-00064.parquet   (and .jsonl beside it unless JSONL is off)
 *   <out>/parts/00000.json                       one per finished shard: rows, bytes, SHA-256
 *   <out>/build-plan.json                        what every part was built with (must agree)
 *   <out>/manifest.json                          written once every part is present
 *
 * Patients go to shards by a stable hash of subject_id (MD5, the same in every DuckDB version and
 * language), so independent processes can each build some shards of the same folder.
 */
export const DATA_DIR = "data";
export const PARTS_DIR = "parts";
export const PLAN_FILE = "build-plan.json";
export const MANIFEST_FILE = "manifest.json";

const pad = (n: number) => String(n).padStart(5, "0");

export function shardFileName(split: string, shard: number, shards: number, extension: "parquet" | "jsonl"): string {
  return `${split}-${pad(shard)}-of-${pad(shards)}.${extension}`;
}

export const shardFilePath = (split: string, shard: number, shards: number, extension: "parquet" | "jsonl") =>
  join(DATA_DIR, shardFileName(split, shard, shards, extension));

/** A shard's name in `parts/`: its record `<stem>.json`, its lock `<stem>.lock`, its staging folder `<stem>.partial-<pid>`. */
export const partStem = (shard: number) => pad(shard);

export const partFilePath = (shard: number) => join(PARTS_DIR, `${partStem(shard)}.json`);

/** SQL for the shard (0..shards-1) of a subject_id expression. */
export function shardOfSql(subjectId: string, shards: number): string {
  return `((('0x' || substr(md5('shard:' || CAST(${subjectId} AS VARCHAR)), 1, 8))::BIGINT) % ${shards})`;
}

/** One process's part of a build: `k/n` takes the shards j with j mod n = k (k counted from 0). */
export interface ProcessShard {
  index: number;
  count: number;
}

export function parseProcessShard(text: string): ProcessShard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new UsageError(`--shard ${text}: expected k/n, e.g. 0/4 (k from 0 to n-1)`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${text}: k must be between 0 and n-1, and n >= 1`);
  return { index, count };
}

export const ownsShard = (shard: number, part: ProcessShard) => shard % part.count === part.index;

/**
 * Default number of output shards: about 50,000 samples each (a few hundred MB of Parquet), and a
 * multiple of the process count so every process gets the same number of shards.
 */
export function defaultShardCount(samples: number, processes = 1): number {
  const bySize = Math.max(1, Math.ceil(samples / 50_000));
  return Math.ceil(bySize / processes) * processes;
}
