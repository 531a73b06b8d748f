import { z } from "zod";

/**
 * One sample of an EHR-Bench-schema dataset, as `build` writes it and `bench run`, `export`,
 * `reason` and the rewards read it: the one record type from build to evaluation. Fields a
 * released benchmark may lack (patient ids, windows) are optional; unknown fields pass through.
 */
export const taskInfoSchema = z
  .object({
    task: z.string(),
    task_type: z.enum(["decision_making", "risk_prediction"]),
    target_key: z.string().nullable().optional(),
    metric: z.string().optional(),
    bid_event: z.array(z.string()).optional(),
    instruction: z.string().optional(),
    event: z.string().optional(),
    /** Text, as the reference writes it; `hadm_id` is `None` when absent. */
    subject_id: z.string().optional(),
    hadm_id: z.string().optional(),
    period_begin: z.number().nullable().optional(),
    period_end: z.number().nullable().optional(),
    admissions_id: z.number().nullable().optional(),
    last_discharge_id: z.number().nullable().optional(),
    /** The label as the reference's JSON text (`["a","b"]` or `"yes"`). */
    target: z.string().optional(),
    /** The label: a list for item tasks, one string otherwise. */
    label: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .passthrough();

export const recordSchema = z
  .object({
    idx: z.number().int().nonnegative(),
    instruction: z.string(),
    input: z.string(),
    output: z.string(),
    candidates: z.array(z.string()),
    task_info: taskInfoSchema,
  })
  .passthrough();

export type TaskInfo = z.infer<typeof taskInfoSchema>;
export type DatasetRecord = z.infer<typeof recordSchema>;

/** Where a record's sample sits in its patient's timeline (ehr-r1's own records say; a released benchmark's need not). */
export interface SampleWindow {
  subject: number;
  begin: number;
  end: number;
}

/** The record's window, or null when its task_info lacks a numeric subject id or window bounds. */
export function sampleWindowOf(r: DatasetRecord): SampleWindow | null {
  const subject = Number(r.task_info.subject_id);
  const { period_begin: begin, period_end: end } = r.task_info;
  if (!Number.isInteger(subject) || typeof begin !== "number" || typeof end !== "number") return null;
  return { subject, begin, end };
}
