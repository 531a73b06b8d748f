/**
 * `npm run bench:scale`: the main job at its real size, on `synth --profile mimic-iv` cohorts of
 * BENCH_SCALE_PATIENTS patients (default "10000,30000"). For each size, every step runs as the CLI
 * in its own process (wall time, CPU utilisation, peak RSS), beside a lower bound measured in the
 * same run on the same rows:
 *   ingest      — DuckDB's bare read_csv scan of the cohort (every column parsed);
 *   timeline    — a bare scan of every ingested table;
 *   tasks index — a bare scan of the timelines;
 *   build       — DuckDB's bare COPY of the build's own output rows to Parquet (small row groups: the
 *                 default of 122,880 rows of long inputs does not fit in 1 GB);
 *   export      — the same;
 * Then the cost exponent between sizes (time ∝ patients^k) and a projection to full MIMIC-IV
 * (300,000 patients; EHR-Ins 3.5 M samples; the *Scaled builds sample patients / 300,000 of the
 * preset's counts, the full build's samples per patient, and project linearly by patients). Build outputs are Parquet only (--no-jsonl) to fit the disk.
 *
 *   BENCH_SCALE_PATIENTS, BENCH_MEMORY_LIMIT (default 1GB), BENCH_DIR (default a temp folder), BENCH_TOKENIZER
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { discoverMimic } from "../src/sources/mimic-iv/discover.js";
import { readCsvSql } from "../src/sources/mimic-iv/ingest.js";
import { readCsvHeader } from "../src/sources/mimic-iv/source-file.js";
import { literal, Store } from "../src/store/database.js";

const FULL_PATIENTS = 300_000;
const FULL_EHR_INS_SAMPLES = 3_500_000;
const memoryLimit = process.env.BENCH_MEMORY_LIMIT ?? "1GB";
const tokenizer = process.env.BENCH_TOKENIZER ?? join(process.cwd(), "..", "shared", "data", "tokenizers", "qwen3");
const STEP = fileURLToPath(new URL("./step.js", import.meta.url));

interface Step {
  seconds: number;
  cpuPercent: number;
  peakRssMb: number;
  code: number;
}

function step(dir: string, ...args: string[]): Step {
  const log = join(dir, "steps.jsonl");
  try {
    execFileSync(process.execPath, [STEP, ...args], {
      env: { ...process.env, BENCH_STEP_OUT: log },
      stdio: ["ignore", "inherit", "inherit"],
    });
  } catch {
    // The step's failure is in its record (code != 0).
  }
  const lines = readFileSync(log, "utf8").trimEnd().split("\n");
  const r = JSON.parse(lines[lines.length - 1]!) as Step;
  return {
    code: r.code,
    seconds: +r.seconds.toFixed(1),
    cpuPercent: Math.round(r.cpuPercent),
    peakRssMb: Math.round(r.peakRssMb),
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: +((performance.now() - started) / 1000).toFixed(1), value };
}

async function bareScanCsv(cohort: string): Promise<number> {
  const store = await Store.open(":memory:", { memoryLimit });
  try {
    const files = discoverMimic([cohort]).files.filter((f) => f.spec.loadByDefault);
    return (
      await timed(async () => {
        for (const file of files) {
          const header = (await readCsvHeader(file.path)).map((c) => c.toLowerCase());
          await store.rows(`SELECT count(*), count(COLUMNS(*)) FROM ${readCsvSql(file.path, file.spec, header)}`);
        }
      })
    ).seconds;
  } finally {
    store.close();
  }
}

async function bareScanTables(db: string, schemas: readonly string[]): Promise<number> {
  const store = await Store.open(db, { readOnly: true, memoryLimit });
  try {
    const tables = await store.rows<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN (${schemas.map(literal).join(", ")})`,
    );
    return (
      await timed(async () => {
        for (const { s, t } of tables) await store.rows(`SELECT count(*), count(COLUMNS(*)) FROM "${s}"."${t}"`);
      })
    ).seconds;
  } finally {
    store.close();
  }
}

async function bareCopy(folder: string, scratch: string): Promise<{ seconds: number; rows: number }> {
  const store = await Store.open(":memory:", { memoryLimit });
  try {
    const source = literal(join(folder, "data", "*.parquet"));
    const rows = Number(await store.value<bigint>(`SELECT count(*) FROM read_parquet(${source})`));
    const { seconds } = await timed(() =>
      store.exec(
        `COPY (SELECT * FROM read_parquet(${source})) TO ${literal(scratch)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
      ),
    );
    rmSync(scratch, { force: true });
    return { seconds, rows };
  } finally {
    store.close();
  }
}

async function size(dir: string, patients: number): Promise<Record<string, unknown>> {
  const cohort = join(dir, `cohort-${patients}`);
  const db = join(dir, `mimic-${patients}.duckdb`);
  const out = (name: string) => join(dir, `${name}-${patients}`);
  const cli = (...args: string[]) => step(dir, ...args);
  const withLimit = ["--memory-limit", memoryLimit];
  const steps: Record<string, Step & { lowerBoundSeconds?: number; samples?: number }> = {};
  steps.synth = cli("synth", "--patients", String(patients), "--profile", "mimic-iv", "--out", cohort, "--force");
  steps.ingest = {
    ...cli("ingest", cohort, "--db", db, "--force", ...withLimit),
    lowerBoundSeconds: await bareScanCsv(cohort),
  };
  steps.timeline = {
    ...cli("timeline", "build", "--db", db, ...withLimit),
    lowerBoundSeconds: await bareScanTables(db, ["hosp", "icu", "ed", "note"]),
  };
  steps.tasksIndex = {
    ...cli("tasks", "index", "--db", db, ...withLimit),
    lowerBoundSeconds: await bareScanTables(db, ["timeline"]),
  };
  // The preset asks 3.88 M samples of full MIMIC-IV; scaled by patients / 300,000 (`--fraction`), a
  // cohort gets the full build's samples per patient, so its time times 300,000 / patients projects
  // the full build without guessing how cost splits between patients and samples.
  const fraction = String(patients / FULL_PATIENTS);
  const budget = ["--max-tokens", "8192", "--tokenizer", tokenizer];
  for (const [name, extra] of [
    ["buildEhrBench", ["ehr-bench"]],
    ["buildEhrIns", ["ehr-ins"]],
    ["buildEhrInsBudget", ["ehr-ins", ...budget]],
    ["buildEhrInsScaled", ["ehr-ins", "--fraction", fraction]],
    ["buildEhrInsBudgetScaled", ["ehr-ins", "--fraction", fraction, ...budget]],
  ] as const) {
    if (name.includes("Budget") && !existsSync(join(tokenizer, "tokenizer.json"))) continue;
    const folder = out(name);
    const result = cli("build", ...extra, "--db", db, "--out", folder, "--no-jsonl", "--force", ...withLimit);
    const bare = result.code === 0 ? await bareCopy(folder, join(dir, "bare.parquet")) : { seconds: NaN, rows: 0 };
    steps[name] = { ...result, samples: bare.rows, lowerBoundSeconds: bare.seconds };
    if (name !== "buildEhrIns" && name !== "buildEhrBench") rmSync(folder, { recursive: true, force: true });
  }
  const sft = join(dir, `sft-${patients}.jsonl`);
  steps.exportSft = {
    ...cli("export", "sft", "--data", out("buildEhrIns"), "--out", sft),
    samples: steps.buildEhrIns?.samples,
  };
  rmSync(sft, { force: true });
  steps.graphBuild = cli("graph", "build", "--db", db, ...withLimit);
  for (const name of ["buildEhrBench", "buildEhrIns"]) rmSync(out(name), { recursive: true, force: true });
  rmSync(cohort, { recursive: true, force: true });
  return { patients, steps };
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SCALE_PATIENTS ?? "10000,30000").split(",").map(Number);
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), "ehr-r1-scale-"));
  const runs: Record<string, unknown>[] = [];
  for (const patients of sizes) runs.push(await size(dir, patients));
  type Run = { patients: number; steps: Record<string, Step & { samples?: number }> };
  const [a, b] = [runs[0] as Run, runs[runs.length - 1] as Run];
  const projection: Record<string, unknown> = {};
  for (const name of Object.keys(b.steps)) {
    const x = a.steps[name];
    const y = b.steps[name]!;
    const exponent = a !== b && x ? Math.log(y.seconds / x.seconds) / Math.log(b.patients / a.patients) : null;
    const byPatients = (y.seconds * FULL_PATIENTS) / b.patients / 60;
    // EHR-Ins is capped by its config: at full scale it has 3.5 M samples, whatever the cohort. The
    // scaled builds already have the full build's samples per patient: their projection is by patients.
    const bySamples =
      name.startsWith("buildEhrIns") && !name.endsWith("Scaled") && y.samples
        ? (y.seconds * FULL_EHR_INS_SAMPLES) / y.samples / 60
        : null;
    projection[name] = {
      exponent: exponent === null ? null : +exponent.toFixed(2),
      fullMimicMinutesByPatients: +byPatients.toFixed(1),
      ...(bySamples === null ? {} : { fullMimicMinutesBySamples: +bySamples.toFixed(1) }),
    };
  }
  const sum = (names: string[]) =>
    +names
      .reduce(
        (t, n) => t + ((projection[n] as { fullMimicMinutesByPatients?: number })?.fullMimicMinutesByPatients ?? 0),
        0,
      )
      .toFixed(1);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: "scale",
        machine: { cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
        duckdbMemoryLimit: memoryLimit,
        runs,
        projection,
        targets: {
          ingestTimelinesTaskIndexFullMimicMinutes: { measured: sum(["ingest", "timeline", "tasksIndex"]), target: 30 },
          ehrInsBudgetFullMimicMinutes: { measured: sum(["buildEhrInsBudgetScaled"]), target: 120 },
          peakRssMb: {
            measured: Math.max(...runs.flatMap((r) => Object.values((r as Run).steps).map((s) => s.peakRssMb))),
            target: 2048,
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
}

await main();
