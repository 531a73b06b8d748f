import { existsSync } from "node:fs";
import { parseJsonLine, readLines } from "../dataset/read.js";
import { resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { bootstrapInterval } from "../eval/metrics/bootstrap.js";
import { passAtK } from "../eval/score.js";
import { rewardFor } from "../rewards/core.js";
import { isPyDict, parsePyJson, pyStrOf } from "../python/json.js";
import { firstLine, literal, Store } from "../store/database.js";
import { loadMedcalcCsv } from "./build.js";
import { medcalcCorrect, type MedcalcTruth } from "../rewards/medcalc-correctness.js";

/**
 * - `eval`: EHRMIND's offline scorer (cal_result.py): the first `<answer>{…}</answer>` JSON, else a
 *   bare `"answer": 12.5` anywhere; no format required. Its fallback's `int()` fails on decimals;
 *   here the number is read as written.
 * - `reward`: correct only where the RL reward is positive (format rules included).
 */
export type MedcalcScoring = "eval" | "reward";

export interface MedcalcEvalRow {
  index: number;
  note: string;
  question: string;
  rowNumber: number;
  category: string;
  calid: number;
  truth: MedcalcTruth;
  dataSource: string;
}

export interface CategorySummary {
  n: number;
  /** Correct rows (with several samples: the sum of each row's share of correct samples). */
  correct: number;
  accuracy: number;
  ci_low: number;
  ci_high: number;
  /** With several samples per row: their (smallest) number, unbiased pass@k, and EHRMIND's gated pass at that k. */
  samples?: number;
  pass_at_k?: Record<string, number>;
  ehrmind_pass_at_k?: number;
}

export interface MedcalcEvalSummary {
  scoring: MedcalcScoring;
  n: number;
  missing: number;
  categories: Record<string, CategorySummary>;
  calculators: Record<string, { n: number; correct: number; accuracy: number }>;
  overall: CategorySummary;
}

/** The answer string the offline scorer checks (`str(json["answer"])`), "" when none is found. */
export function evalAnswer(text: string): string {
  const block = /<answer>\s*(\{[\s\S]*?\})\s*<\/answer>/.exec(text);
  if (block) {
    try {
      const value = parsePyJson(block[1]!);
      if (isPyDict(value)) return value.has("answer") ? pyStrOf(value.get("answer")!) : "";
    } catch {
      // fall through to the bare "answer": number form, as the reference does
    }
  }
  const bare = /"answer"\s*:\s*"?([\d\s.]+)"?/.exec(text);
  return bare ? bare[1]!.trim() : "";
}

const MERGED: Record<string, string> = { "lab test": "lab", "dosage conversion": "dosage" };

/** The rows of a MedCalc-Bench CSV, or of a verl Parquet built from one (ours or EHRMIND's). */
export async function readMedcalcRows(file: string): Promise<MedcalcEvalRow[]> {
  const path = resolve(file);
  const store = await Store.open(":memory:");
  try {
    if (path.endsWith(".parquet")) {
      await store
        .exec(`CREATE TABLE rows AS SELECT row_number() OVER () - 1 AS ord, * FROM read_parquet(${literal(path)})`)
        .catch((error: unknown) => {
          throw new InputError(path, undefined, `not a readable Parquet file (${firstLine(error)})`);
        });
    } else await loadMedcalcCsv(store, path, "rows");
    const columns = new Set((await store.rows<{ column_name: string }>("DESCRIBE rows")).map((r) => r.column_name));
    for (const c of [
      "Row Number",
      "Calculator ID",
      "Category",
      "Patient Note",
      "Question",
      "Ground Truth Answer",
      "Lower Limit",
      "Upper Limit",
    ]) {
      if (!columns.has(c)) throw new InputError(path, undefined, `missing column ${JSON.stringify(c)}`);
    }
    const source = columns.has("data_source") ? "data_source" : `'medcalc_' || "Category" || '_test'`;
    const rows = await store.rows<{
      ord: number;
      rn: number;
      category: string;
      calid: number;
      note: string;
      question: string;
      target: string;
      lo: string;
      hi: string;
      ds: string;
    }>(
      `SELECT ord::INTEGER AS ord, "Row Number"::INTEGER AS rn, "Category" AS category, "Calculator ID"::INTEGER AS calid, "Patient Note" AS note, "Question" AS question, "Ground Truth Answer" AS target,
        "Lower Limit" AS lo, "Upper Limit" AS hi, ${source} AS ds FROM rows ORDER BY ord`,
    );
    return rows.map((r) => ({
      index: r.ord,
      rowNumber: r.rn,
      category: MERGED[r.category] ?? r.category,
      calid: r.calid,
      dataSource: r.ds,
      note: r.note ?? "",
      question: r.question ?? "",
      truth: { target: r.target, calid: r.calid, lower_limit: r.lo, upper_limit: r.hi },
    }));
  } finally {
    store.close();
  }
}

/**
 * Completions keyed by `index` (row position) or `row_number` ("Row Number"), text in `completion`,
 * `output` or `generated_text`. Several lines for one row are several samples of it (pass@k).
 */
export async function readCompletions(file: string): Promise<Map<string, string[]>> {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputError(path, undefined, "cannot read the completions file");
  const out = new Map<string, string[]>();
  // Line by line: a completions file of any size is read without holding its text.
  for await (const { text, line } of readLines(path)) {
    const item = parseJsonLine(text, path, line) as Record<string, unknown>;
    const key =
      item.index !== undefined
        ? `i${Number(item.index)}`
        : item.row_number !== undefined
          ? `r${Number(item.row_number)}`
          : null;
    const completion = item.completion ?? item.output ?? item.generated_text;
    if (!key || key.endsWith("NaN")) throw new InputError(path, line, "needs an index (row position) or a row_number");
    if (typeof completion !== "string")
      throw new InputError(path, line, "needs the model's text as completion, output or generated_text");
    out.set(key, [...(out.get(key) ?? []), completion]);
  }
  return out;
}

/** Small answer spaces (EHRMIND's analysis/cal_analysis.py): a lucky guess must not count as a pass. */
const GATED: Record<string, { classes: number; per: number }> = {
  diagnosis: { classes: 7, per: 7 },
  severity: { classes: 7, per: 7 },
  risk: { classes: 21, per: 21 },
};

/**
 * EHRMIND's pass for k samples of one row. Diagnosis, severity and risk need ⌊k/7⌋+2 (⌊k/21⌋+2 for risk)
 * answers equal, as strings, to the ground truth, and an answer distribution whose entropy (natural
 * log) is below 0.8·ln 7 (0.8·ln 21); unreadable answers form one class. Other categories: any correct sample.
 */
export function ehrmindPass(
  category: string,
  answers: readonly string[],
  correct: readonly number[],
  target: string,
): boolean {
  const gate = GATED[category];
  if (!gate) return correct.some((c) => c > 0);
  const k = answers.length;
  const exact = answers.filter((a) => a === target).length;
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a || "None", (counts.get(a || "None") ?? 0) + 1);
  const entropy = -[...counts.values()].reduce((h, n) => h + (n / k) * Math.log(n / k + 1e-8), 0);
  return exact >= Math.floor(k / gate.per) + 2 && entropy < 0.8 * Math.log(gate.classes);
}

interface ScoredRow {
  category: string;
  calid: number;
  /** Share of the row's samples that are correct (1 or 0 with one sample). */
  correct: number;
  samples: number;
  passes: Record<number, number>;
  ehrmindPass: number;
}

/**
 * Accuracy per category (lab, risk, severity, diagnosis, date, dosage, physical), per calculator and
 * overall (micro). With several samples per row, accuracy is the mean over samples, and each category
 * also gets unbiased pass@k and EHRMIND's gated pass at the smallest sample count.
 */
export function evaluateMedcalc(
  rows: readonly MedcalcEvalRow[],
  completions: ReadonlyMap<string, readonly string[]>,
  scoring: MedcalcScoring = "eval",
  seed = 0,
): MedcalcEvalSummary {
  if (!["eval", "reward"].includes(scoring))
    throw new UsageError(`unknown scoring ${scoring} (expected eval or reward)`);
  const present = rows
    .map((row) => ({ row, texts: completions.get(`i${row.index}`) ?? completions.get(`r${row.rowNumber}`) }))
    .filter((x) => x.texts?.length);
  const k = present.length ? Math.min(...present.map((x) => x.texts!.length)) : 1;
  const ks = [...new Set([1, 2, 4, 8, 16, 32, 64, k])].filter((x) => x <= k).sort((a, b) => a - b);
  const scored: ScoredRow[] = present.map(({ row, texts }) => {
    const answers = texts!.map((t) => evalAnswer(t));
    const correct = texts!.map((t, i) =>
      scoring === "eval"
        ? medcalcCorrect(answers[i]!, row.truth).correct
        : rewardFor(row.dataSource, t, row.truth).components.correctness > 0
          ? 1
          : 0,
    );
    const c = correct.reduce((a: number, b) => a + b, 0);
    return {
      category: row.category,
      calid: row.calid,
      correct: c / texts!.length,
      samples: texts!.length,
      passes: Object.fromEntries(ks.map((x) => [x, passAtK(texts!.length, c, x)])),
      ehrmindPass:
        k > 1 ? Number(ehrmindPass(row.category, answers.slice(0, k), correct.slice(0, k), row.truth.target)) : 0,
    };
  });
  const summarize = (items: ScoredRow[]) => {
    const correct = items.reduce((a, s) => a + s.correct, 0);
    const [lo, hi] = bootstrapInterval(
      items.length,
      (ix) => ix.reduce((a, i) => a + items[i]!.correct, 0) / ix.length,
      { seed },
    );
    const multi =
      k > 1 && items.length
        ? {
            samples: k,
            pass_at_k: Object.fromEntries(
              ks.map((x) => [x, items.reduce((a, s) => a + s.passes[x]!, 0) / items.length]),
            ),
            ehrmind_pass_at_k: items.reduce((a, s) => a + s.ehrmindPass, 0) / items.length,
          }
        : {};
    return {
      n: items.length,
      correct,
      accuracy: items.length ? correct / items.length : Number.NaN,
      ci_low: lo,
      ci_high: hi,
      ...multi,
    };
  };
  const group = (key: (s: ScoredRow) => string) => {
    const groups = new Map<string, ScoredRow[]>();
    for (const s of scored) {
      const list = groups.get(key(s)) ?? [];
      list.push(s);
      groups.set(key(s), list);
    }
    return [...groups].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  };
  const calculators: MedcalcEvalSummary["calculators"] = {};
  for (const [id, items] of group((s) => String(s.calid))) {
    const correct = items.reduce((a, s) => a + s.correct, 0);
    calculators[id] = { n: items.length, correct, accuracy: correct / items.length };
  }
  return {
    scoring,
    n: scored.length,
    missing: rows.length - scored.length,
    categories: Object.fromEntries(group((s) => s.category).map(([c, items]) => [c, summarize(items)])),
    calculators,
    overall: summarize(scored),
  };
}
