/**
 * `npm run bench`: on one synthetic MIMIC-IV cohort,
 * - ingest, against DuckDB's bare read_csv scan of the same files (parsing and typing every column, writing nothing),
 *   and against the barest persistent load (CREATE TABLE AS read_csv per file, no checks);
 * - timeline build, against a bare DuckDB sort of the same rows (bench/timeline.ts);
 * - rendering, single core, with and without tokenization (bench/render.ts);
 * - indexing all 46 tasks, against a bare scan of the timelines (bench/tasks.ts);
 * - concepts, co-occurrence lift and knowledge paths for every decision sample (bench/graph.ts);
 * - the evaluation runner's overhead against a 50 ms loopback server at concurrency 64 (bench/runner.ts);
 * - the reward server against a bare hono endpoint, batches of 1 and 256, and offline scoring (bench/rewards.ts).
 * Each phase runs in its own process so its peak RSS is its own. Prints one JSON document.
 *
 *   BENCH_PATIENTS (default 10000), BENCH_PROFILE (default mimic-iv; `default` is the sparse cohort of
 *   earlier figures), BENCH_MEMORY_LIMIT (default 1GB), BENCH_DIR (default a temp folder)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { discoverMimic } from "../src/sources/mimic-iv/discover.js";
import { ingestMimic, readCsvSql } from "../src/sources/mimic-iv/ingest.js";
import { mappingsInFolder } from "../src/sources/mimic-iv/mappings.js";
import { readCsvHeader } from "../src/sources/mimic-iv/source-file.js";
import { synthesizeCohort } from "../src/sources/synthetic/generate.js";
import { Store } from "../src/store/database.js";
import { timelineBenchmark } from "./timeline.js";
import { renderBenchmark } from "./render.js";
import { tasksBenchmark } from "./tasks.js";
import { runnerBenchmark } from "./runner.js";
import { graphBenchmark } from "./graph.js";
import { rewardsBenchmark } from "./rewards.js";

const memoryLimit = process.env.BENCH_MEMORY_LIMIT ?? "1GB";

interface PhaseResult {
  seconds: number;
  rows: number;
  peakRssMb: number;
}

async function scanPhase(cohort: string): Promise<PhaseResult> {
  const files = discoverMimic([cohort]).files.filter((f) => f.spec.loadByDefault);
  const store = await Store.open(":memory:", { memoryLimit });
  const started = performance.now();
  let rows = 0;
  for (const file of files) {
    const header = (await readCsvHeader(file.path)).map((c) => c.toLowerCase());
    // count(COLUMNS(*)) makes DuckDB parse and cast every column; count(*) alone would skip them.
    const counts = await store.rows<Record<string, bigint>>(
      `SELECT count(*) AS n, count(COLUMNS(*)) FROM ${readCsvSql(file.path, file.spec, header)}`,
    );
    rows += Number(counts[0]!.n);
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return { seconds, rows, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/**
 * The barest persistent load: one CREATE TABLE AS read_csv per file into a fresh database file,
 * two connections (as ingest), largest files first (as ingest), no checks, no rejects, no staging, no metadata. Whatever any ingest
 * into DuckDB tables costs beyond this is ours.
 */
async function ctasPhase(cohort: string, db: string): Promise<PhaseResult> {
  rmSync(db, { force: true });
  // Largest first, as ingest orders them (a gzip file parses on one core): the bound gets the same schedule.
  const work = (f: { path: string; sizeBytes: bigint }) => Number(f.sizeBytes) * (f.path.endsWith(".gz") ? 6 : 1);
  const files = discoverMimic([cohort])
    .files.filter((f) => f.spec.loadByDefault)
    .sort((a, b) => work(b) - work(a));
  const headers = await Promise.all(files.map(async (f) => (await readCsvHeader(f.path)).map((c) => c.toLowerCase())));
  const store = await Store.open(db, { memoryLimit });
  const started = performance.now();
  let next = 0;
  let rows = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      const connection = await store.fork();
      while (next < files.length) {
        const i = next++;
        await connection.exec(
          `CREATE TABLE t${i} AS SELECT * FROM ${readCsvSql(files[i]!.path, files[i]!.spec, headers[i]!)}`,
        );
        const n = Number(await connection.value(`SELECT count(*) FROM t${i}`));
        rows += n; // read after the await: `rows += await …` would add to a stale total
      }
      connection.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  store.close();
  rmSync(db, { force: true });
  return { seconds, rows, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

async function ingestPhase(cohort: string, db: string): Promise<PhaseResult> {
  rmSync(db, { force: true });
  const started = performance.now();
  const summary = await ingestMimic([cohort], db, {
    memoryLimit,
    mappings: mappingsInFolder(join(cohort, "mappings")),
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    rows: summary.tables.reduce((s, t) => s + t.rows, 0),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function child<T = PhaseResult>(phase: string, ...args: string[]): T {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), phase, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out) as T;
}

async function main(): Promise<void> {
  const [phase, ...args] = process.argv.slice(2);
  if (phase === "scan") return void process.stdout.write(JSON.stringify(await scanPhase(args[0]!)));
  if (phase === "ctas") return void process.stdout.write(JSON.stringify(await ctasPhase(args[0]!, args[1]!)));
  if (phase === "ingest") return void process.stdout.write(JSON.stringify(await ingestPhase(args[0]!, args[1]!)));
  if (phase === "timeline")
    return void process.stdout.write(JSON.stringify(await timelineBenchmark(args[0]!, memoryLimit)));
  if (phase === "graph") return void process.stdout.write(JSON.stringify(await graphBenchmark(args[0]!, memoryLimit)));
  if (phase === "runner") return void process.stdout.write(JSON.stringify(await runnerBenchmark()));
  if (phase === "rewards") return void process.stdout.write(JSON.stringify(await rewardsBenchmark()));
  if (phase === "tasks") return void process.stdout.write(JSON.stringify(await tasksBenchmark(args[0]!, memoryLimit)));
  if (phase === "render")
    return void process.stdout.write(JSON.stringify(await renderBenchmark(args[0]!, memoryLimit)));

  const patients = Number(process.env.BENCH_PATIENTS ?? 10_000);
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), "ehr-r1-bench-"));
  const cohort = join(dir, "cohort");
  const synthStarted = performance.now();
  // Realistic density unless asked otherwise: projections from the sparse cohort were 3.6× optimistic.
  const profile = process.env.BENCH_PROFILE ?? "mimic-iv";
  const synth = await synthesizeCohort(cohort, { patients, seed: 42, force: true, profile });
  const synthSeconds = (performance.now() - synthStarted) / 1000;
  const files = discoverMimic([cohort]).files.filter((f) => f.spec.loadByDefault);
  const bytes = files.reduce((s, f) => s + statSync(f.path).size, 0);

  // Lower bound measured before and after the ingest; the faster of the two is the bound.
  const scanA = child("scan", cohort);
  const ingest = child("ingest", cohort, join(dir, "bench.duckdb"));
  const scanB = child("scan", cohort);
  const scan = scanA.seconds <= scanB.seconds ? scanA : scanB;
  const ctas = child("ctas", cohort, join(dir, "ctas.duckdb"));
  const timeline = child<Record<string, unknown>>("timeline", join(dir, "bench.duckdb"));
  const render = child<Record<string, unknown>>("render", join(dir, "bench.duckdb"));
  const tasks = child<Record<string, unknown>>("tasks", join(dir, "bench.duckdb"));
  const graph = child<Record<string, unknown>>("graph", join(dir, "bench.duckdb"));
  const runner = child<Record<string, unknown>>("runner");
  const rewards = child<Record<string, unknown>>("rewards");
  const synthRows = Object.values(synth.rows).reduce((a, b) => a + b, 0);
  const result = {
    benchmarks: ["ingest", "timeline", "render", "tasks", "graph", "runner", "rewards"],
    machine: {
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: process.platform,
    },
    input: {
      patients,
      profile,
      files: files.length,
      compressedMb: +(bytes / 2 ** 20).toFixed(1),
      rows: ingest.rows,
      duckdbMemoryLimit: memoryLimit,
    },
    figures: {
      ingestSeconds: +ingest.seconds.toFixed(2),
      ingestRowsPerSecond: Math.round(ingest.rows / ingest.seconds),
      ingestPeakRssMb: Math.round(ingest.peakRssMb),
      lowerBoundScanSeconds: +scan.seconds.toFixed(2),
      lowerBoundRowsPerSecond: Math.round(scan.rows / scan.seconds),
      ratioIngestToScan: +(ingest.seconds / scan.seconds).toFixed(3),
      bareCtasSeconds: +ctas.seconds.toFixed(2),
      ratioBareCtasToScan: +(ctas.seconds / scan.seconds).toFixed(3),
      ratioIngestToBareCtas: +(ingest.seconds / ctas.seconds).toFixed(3),
      synthSeconds: +synthSeconds.toFixed(2),
      synthRowsPerSecond: Math.round(synthRows / synthSeconds),
    },
    targets: { ratioIngestToScan: 1.5, ingestPeakRssMb: 2048 },
    checks: { rowsMatchScan: scan.rows === ingest.rows, ctasRowsMatchScan: ctas.rows === scan.rows },
    timeline,
    render,
    tasks,
    graph,
    runner,
    rewards,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
}

await main();
