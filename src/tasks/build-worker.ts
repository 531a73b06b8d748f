/** The entry point of a `build` worker thread; what it does is in shard-server.ts. */
import { parentPort, threadId, workerData } from "node:worker_threads";
import { serveShards, type WorkerInput } from "./shard-server.js";

await serveShards(parentPort!, workerData as WorkerInput, threadId);
