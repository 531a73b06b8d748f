import { InputError } from "../errors.js";
import { readJsonRecords } from "../dataset/read.js";
import { recordSchema, type DatasetRecord } from "../dataset/record.js";
import { TASKS } from "../tasks/registry.js";

const TASK_NAMES = new Set(TASKS.map((t) => t.name));

/** The record schema, with tasks this registry knows (a released benchmark's other tasks are refused by name). */
const knownTaskRecord = recordSchema.superRefine((r, ctx) => {
  if (!TASK_NAMES.has(r.task_info.task))
    ctx.addIssue({ code: "custom", path: ["task_info", "task"], message: "unknown task" });
});

/** One record checked against the EHR-Bench schema; the error names the file, line and field. */
export function parseRecord(json: unknown, file: string, line: number): DatasetRecord {
  const parsed = knownTaskRecord.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(
      file,
      line,
      `${issue.path.join(".") || "record"}: ${issue.message} (expected the EHR-Bench schema: idx, instruction, input, output, candidates, task_info)`,
    );
  }
  return parsed.data;
}

/**
 * The records of an EHR-Bench-schema dataset (a JSONL or Parquet file, or a folder built by
 * `ehr-r1 build`), one at a time and checked; a repeated idx and an empty dataset are errors.
 */
export async function* benchmarkRecords(path: string): AsyncGenerator<DatasetRecord> {
  const checker = new RecordChecker();
  for await (const { value, file, line } of readJsonRecords(path)) yield checker.check(value, file, line);
  checker.finish(path);
}

/** Checks the records of one dataset as they are read: the schema, an idx seen twice, none at all. */
export class RecordChecker {
  private readonly seen = new Set<number>();

  check(value: unknown, file: string, line: number): DatasetRecord {
    const record = parseRecord(value, file, line);
    if (this.seen.has(record.idx)) throw new InputError(file, line, `idx ${record.idx} appears twice`);
    this.seen.add(record.idx);
    return record;
  }

  finish(path: string): void {
    if (!this.seen.size) throw new InputError(path, undefined, "no records");
  }
}

/** All records of a dataset in memory (for benchmarks, which are small); large datasets stream with `benchmarkRecords`. */
export async function readBenchmark(path: string): Promise<DatasetRecord[]> {
  const records: DatasetRecord[] = [];
  for await (const record of benchmarkRecords(path)) records.push(record);
  return records;
}
