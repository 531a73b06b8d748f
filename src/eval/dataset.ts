import { readFileSync } from "node:fs";
import { z } from "zod";
import { InputError } from "../errors.js";
import type { DatasetRecord } from "../tasks/build-dataset.js";
import { TASKS } from "../tasks/registry.js";

const TASK_NAMES = new Set(TASKS.map((t) => t.name));

const recordSchema = z
  .object({
    idx: z.number().int().nonnegative(),
    instruction: z.string(),
    input: z.string(),
    output: z.string(),
    candidates: z.array(z.string()),
    task_info: z
      .object({
        task: z.string().refine((t) => TASK_NAMES.has(t), { message: "unknown task" }),
        task_type: z.enum(["decision_making", "risk_prediction"]),
        label: z.union([z.string(), z.array(z.string())]).optional(),
      })
      .passthrough(),
  })
  .passthrough();

/** Reads an EHR-Bench JSONL file; the first bad line is named with what is wrong with it. */
export function readBenchmark(path: string): DatasetRecord[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(path, undefined, `cannot read: ${(error as Error).message}`);
  }
  const records: DatasetRecord[] = [];
  const seen = new Set<number>();
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new InputError(path, i + 1, `not JSON (${(error as Error).message})`);
    }
    const parsed = recordSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(
        path,
        i + 1,
        `${issue.path.join(".") || "record"}: ${issue.message} (expected the EHR-Bench schema: idx, instruction, input, output, candidates, task_info)`,
      );
    }
    if (seen.has(parsed.data.idx)) throw new InputError(path, i + 1, `idx ${parsed.data.idx} appears twice`);
    seen.add(parsed.data.idx);
    records.push(parsed.data);
  }
  if (!records.length) throw new InputError(path, undefined, "no records");
  return records;
}

/** The gold answer of a record: its label, or its output split back into items. */
export function goldOf(record: DatasetRecord): string | string[] {
  const label = record.task_info.label as string | string[] | undefined;
  if (label !== undefined) return label;
  return record.task_info.task_type === "risk_prediction" ||
    record.task_info.task === "discharge" ||
    record.task_info.task === "next_event"
    ? record.output
    : record.output.split("\n");
}
