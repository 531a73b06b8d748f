import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { literal, Store } from "../store/database.js";
import { hashFiles } from "./hashing-writer.js";
import { DATA_DIR, MANIFEST_FILE, partFilePath, PLAN_FILE, shardFileName } from "./layout.js";

export interface VerifyReport {
  folder: string;
  ok: boolean;
  shards: number;
  /** Shards whose part record and files are all present and match. */
  present: number[];
  missing: number[];
  records: number;
  expectedRecords: number | null;
  manifest: boolean;
  problems: string[];
}

interface Plan {
  samples: number;
  layout: { split: string; shards: number; jsonl: boolean };
}

interface Part {
  shard: number;
  shards: number;
  records: number;
  files: { file: string; records: number; bytes: number; sha256: string }[];
}

/**
 * Checks a build folder, whoever wrote its parts: every shard's part record is there; each file has
 * the recorded size and SHA-256 (hashed in full, streaming) and row count (Parquet metadata, JSONL
 * lines); no sample id appears twice or is missing across shards; the total is what the plan
 * sampled; manifest.json is present and agrees. Reads only.
 */
export async function verifyDataset(dir: string): Promise<VerifyReport> {
  const folder = resolve(dir);
  const problems: string[] = [];
  const planPath = join(folder, PLAN_FILE);
  if (!existsSync(planPath)) {
    return {
      folder,
      ok: false,
      shards: 0,
      present: [],
      missing: [],
      records: 0,
      expectedRecords: null,
      manifest: false,
      problems: [`${planPath} is missing: not a folder written by \`ehr-r1 build\``],
    };
  }
  const plan = JSON.parse(readFileSync(planPath, "utf8")) as Plan;
  const { shards, split } = plan.layout;
  const present: number[] = [];
  const missing: number[] = [];
  const parts: Part[] = [];
  // Newlines are counted in the same pass that hashes each file, so a file is read once.
  const linesOf = new Map<string, number>();
  for (let j = 0; j < shards; j++) {
    const path = join(folder, partFilePath(j));
    if (!existsSync(path)) {
      missing.push(j);
      continue;
    }
    const part = JSON.parse(readFileSync(path, "utf8")) as Part;
    let good = part.shard === j && part.shards === shards;
    if (!good) problems.push(`${path}: describes shard ${part.shard} of ${part.shards}, expected ${j} of ${shards}`);
    for (const f of part.files) {
      const file = join(folder, f.file);
      if (!existsSync(file)) {
        problems.push(`shard ${j}: ${f.file} is missing`);
        good = false;
        continue;
      }
      const { bytes, sha256, lines } = await hashFiles([file]);
      linesOf.set(f.file, lines);
      if (bytes !== f.bytes || sha256 !== f.sha256) {
        problems.push(
          `shard ${j}: ${f.file} has ${bytes} bytes, SHA-256 ${sha256}; its part record says ${f.bytes}, ${f.sha256}`,
        );
        good = false;
      }
    }
    if (good) {
      present.push(j);
      parts.push(part);
    } else missing.push(j);
  }
  const known = new Set(
    Array.from({ length: shards }, (_, j) =>
      ["parquet", "jsonl"].map((e) => shardFileName(split, j, shards, e as "parquet")),
    ).flat(),
  );
  const strays = existsSync(join(folder, DATA_DIR))
    ? readdirSync(join(folder, DATA_DIR)).filter((n) => !known.has(n))
    : [];
  for (const name of strays) problems.push(`${DATA_DIR}/${name} belongs to no shard of this build`);

  let records = 0;
  const parquet = parts.flatMap((p) =>
    p.files.filter((f) => f.file.endsWith(".parquet")).map((f) => ({ ...f, shard: p.shard })),
  );
  if (parquet.length) {
    const store = await Store.open(":memory:");
    try {
      const list = parquet.map((f) => literal(join(folder, f.file))).join(", ");
      const counts = await store.rows<{ file: string; n: bigint }>(
        `SELECT filename AS file, count(*) AS n FROM read_parquet([${list}], filename = true) GROUP BY 1`,
      );
      const byFile = new Map(counts.map((c) => [c.file, Number(c.n)]));
      for (const f of parquet) {
        const n = byFile.get(join(folder, f.file)) ?? 0;
        if (n !== f.records)
          problems.push(`shard ${f.shard}: ${f.file} holds ${n} rows; its part record says ${f.records}`);
        records += n;
      }
      const [ids] = await store.rows<{ n: bigint; distinct_ids: bigint; lo: bigint | null; hi: bigint | null }>(
        `SELECT count(*) AS n, count(DISTINCT idx) AS distinct_ids, min(idx) AS lo, max(idx) AS hi FROM read_parquet([${list}])`,
      );
      if (ids && ids.n !== ids.distinct_ids)
        problems.push(`${Number(ids.n - ids.distinct_ids)} sample ids appear in more than one row`);
      if (ids && !missing.length && ids.n > 0n && (ids.lo !== 0n || ids.hi !== ids.n - 1n))
        problems.push(`sample ids run from ${ids.lo} to ${ids.hi}; a complete build numbers them 0 to ${ids.n - 1n}`);
    } finally {
      store.close();
    }
  }
  for (const p of parts)
    for (const f of p.files.filter((x) => x.file.endsWith(".jsonl"))) {
      const lines = linesOf.get(f.file);
      if (lines !== f.records)
        problems.push(`shard ${p.shard}: ${f.file} has ${lines} lines; its part record says ${f.records}`);
    }
  if (missing.length)
    problems.push(`${missing.length} of ${shards} shards are missing or incomplete: ${compactList(missing)}`);
  else if (records !== plan.samples)
    problems.push(`the shards hold ${records} samples; the plan sampled ${plan.samples}`);

  const manifestPath = join(folder, MANIFEST_FILE);
  const manifest = existsSync(manifestPath);
  if (!missing.length) {
    if (!manifest)
      problems.push(
        `${MANIFEST_FILE} is missing although every shard is there (rerun any shard with --resume to write it)`,
      );
    else {
      const m = JSON.parse(readFileSync(manifestPath, "utf8")) as {
        records: number;
        files: { file: string; sha256: string }[];
      };
      const expected = new Map(parts.flatMap((p) => p.files.map((f) => [f.file, f.sha256])));
      if (m.records !== records)
        problems.push(`${MANIFEST_FILE} says ${m.records} records; the shards hold ${records}`);
      for (const f of m.files)
        if (expected.get(f.file) !== f.sha256)
          problems.push(`${MANIFEST_FILE}: ${f.file} does not match its part record`);
    }
  }
  return {
    folder,
    ok: problems.length === 0,
    shards,
    present,
    missing,
    records,
    expectedRecords: plan.samples,
    manifest,
    problems,
  };
}

function compactList(list: readonly number[]): string {
  return list.length > 12 ? `${list.slice(0, 12).join(", ")}, … (${list.length - 12} more)` : list.join(", ");
}
