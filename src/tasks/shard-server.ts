/**
 * What a build worker thread does, apart from being a thread: it opens the store read-only itself
 * (DuckDB allows many read-only instances of one file), reads its samples from the Parquet file
 * the main thread wrote, and renders the shards it is asked for, so nothing large crosses threads
 * but progress and each finished part. Kept apart from the thread's entry point so that tests can
 * serve shards over a MessageChannel in their own thread.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessagePort } from "node:worker_threads";
import { EstimatedTokenCounter, ModelTokenizer, type TokenCounter } from "../render/tokenizer.js";
import { literal, Store } from "../store/database.js";
import { OWNER_DIR } from "../store/owner-only.js";
import { buildShard, type ShardContext } from "./build-dataset.js";

export interface WorkerInput {
  db: string;
  memoryLimit: string;
  tempDirectory?: string;
  rowsFile: string;
  out: string;
  context: Omit<ShardContext, "counter">;
  counter: CounterSpec;
}

/** How a worker makes the main thread's token counter: none, the estimate, or a model folder. */
export type CounterSpec = null | { kind: "estimate" } | { kind: "model"; dir: string };

export type WorkerRequest = { kind: "shard"; shard: number } | { kind: "stop" };
export type WorkerReply =
  | { kind: "progress"; samples: number }
  | { kind: "done"; shard: number; files: string[] }
  | { kind: "error"; shard: number; message: string };

export function counterOf(spec: CounterSpec): TokenCounter | undefined {
  if (spec === null) return undefined;
  return spec.kind === "estimate" ? new EstimatedTokenCounter() : ModelTokenizer.load(spec.dir);
}

/**
 * Serves shard requests on `port` until it is asked to stop; then closes the store, removes its
 * spill folder and closes the port. `name` keeps the spill folders of one process's workers apart.
 */
export async function serveShards(port: MessagePort, input: WorkerInput, name: string | number): Promise<void> {
  // Its own spill folder: DuckDB instances of one file would otherwise share (and delete) `<db>.tmp`.
  const spill = join(input.tempDirectory ?? tmpdir(), `.ehr-r1-spill-${process.pid}-${name}`);
  mkdirSync(spill, { recursive: true, mode: OWNER_DIR });
  const store = await Store.open(input.db, {
    readOnly: true,
    create: false,
    memoryLimit: input.memoryLimit,
    threads: 1,
    tempDirectory: spill,
  });
  await store.exec(`CREATE TEMP VIEW build_rows AS SELECT * FROM read_parquet(${literal(input.rowsFile)})`);
  const context: ShardContext = { ...input.context, counter: counterOf(input.counter) };
  port.on("message", (request: WorkerRequest) => {
    if (request.kind === "stop") {
      store.close();
      rmSync(spill, { recursive: true, force: true });
      port.close();
      return;
    }
    buildShard(store, input.out, request.shard, context, (samples) =>
      port.postMessage({ kind: "progress", samples } satisfies WorkerReply),
    ).then(
      (part) =>
        port.postMessage({
          kind: "done",
          shard: request.shard,
          files: part.files.map((f) => f.file),
        } satisfies WorkerReply),
      (error: unknown) =>
        port.postMessage({
          kind: "error",
          shard: request.shard,
          message: error instanceof Error ? error.message : String(error),
        } satisfies WorkerReply),
    );
  });
}
