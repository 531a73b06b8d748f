// Mutation testing of the code whose mistakes silently corrupt data or scores: task labels and
// sampling, rendering, Python-compatible formatting, rewards, metrics and the RL files engines train on. `npm run mutate`; a folder at a time with
// `npm run mutate -- --mutate 'src/rewards/**/*.ts'`. Scores per folder are in docs/benchmarks.md.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Tests find the shared data relative to the checkout; the sandbox Stryker copies it into is elsewhere.
process.env.EHR_R1_DATA ??= resolve(join(dirname(fileURLToPath(import.meta.url)), "..", "shared", "data"));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts" },
  // build-worker.ts is only a thread's entry point; what it does is in shard-server.ts, tested in-thread.
  mutate: [
    "src/tasks/**/*.ts",
    "!src/tasks/build-worker.ts",
    "src/render/**/*.ts",
    "src/python/**/*.ts",
    "src/rewards/**/*.ts",
    "src/eval/metrics/**/*.ts",
    "src/export/**/*.ts",
  ],
  coverageAnalysis: "perTest",
  // Mutants in module-level constants would need the whole suite per mutant; they are counted as ignored.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 5_000,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  // Results are kept in reports/ and reused: a later run tests only mutants whose code or tests changed.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
};
