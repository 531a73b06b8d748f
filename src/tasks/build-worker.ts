/**
 * A worker thread of `build`: renders whole shards. It opens the store read-only itself (DuckDB
 * allows many read-only instances of one file) and reads its samples from the Parquet file the
 * main thread wrote, so nothing large crosses threads but progress and each finished part.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parentPort, threadId, workerData } from "node:worker_threads";
import { EstimatedTokenCounter, ModelTokenizer } from "../render/tokenizer.js";
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
  counter: null | { kind: "estimate" } | { kind: "model"; dir: string };
}

export type WorkerRequest = { kind: "shard"; shard: number } | { kind: "stop" };
export type WorkerReply =
  | { kind: "progress"; samples: number }
  | { kind: "done"; shard: number; files: string[] }
  | { kind: "error"; shard: number; message: string };

const input = workerData as WorkerInput;
const port = parentPort!;
// Its own spill folder: DuckDB instances of one file would otherwise share (and delete) `<db>.tmp`.
const spill = join(input.tempDirectory ?? tmpdir(), `.ehr-r1-spill-${process.pid}-${threadId}`);
mkdirSync(spill, { recursive: true, mode: OWNER_DIR });
const store = await Store.open(input.db, {
  readOnly: true,
  create: false,
  memoryLimit: input.memoryLimit,
  threads: 1,
  tempDirectory: spill,
});
await store.exec(`CREATE TEMP VIEW build_rows AS SELECT * FROM read_parquet(${literal(input.rowsFile)})`);
const counter =
  input.counter === null
    ? undefined
    : input.counter.kind === "estimate"
      ? new EstimatedTokenCounter()
      : ModelTokenizer.load(input.counter.dir);
const context: ShardContext = { ...input.context, counter };

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
