import type { Command } from "commander";
import { writeFileSync } from "node:fs";
import { UsageError } from "../../errors.js";
import { buildMedcalc, MEDCALC_EXPORT_FORMATS, type MedcalcExportFormat } from "../../medcalc/build.js";
import { evaluateMedcalc, readCompletions, readMedcalcRows, type MedcalcScoring } from "../../medcalc/evaluate.js";
import { MEDCALC_TEMPLATES, type MedcalcTemplate } from "../../medcalc/prompt.js";
import { parseWholeNumber } from "../main.js";
import { formatNumber, formatTable, type Output } from "../output.js";

const pct = (x: number) => (Number.isNaN(x) ? "–" : `${(100 * x).toFixed(1)}`);

export function registerMedcalc(program: Command, output: Output): void {
  const medcalc = program.command("medcalc").description("MedCalc-Bench: EHRMIND's RL and evaluation files, and per-category evaluation");
  medcalc
    .command("build")
    .description("RL/eval files from MedCalc-Bench CSVs (test; with --train also EHRMIND's val and train splits)")
    .option("--test <csv>", "MedCalc-Bench test CSV (test_data.csv)")
    .option("--train <csv>", "MedCalc-Bench train CSV (train_data.csv)")
    .requiredOption("--out <dir>", "output folder (test/val/train .parquet or .jsonl)")
    .option("--format <format>", MEDCALC_EXPORT_FORMATS.join(" | "), "verl")
    .option("--template <template>", "llama3 (EHRMIND's pre-templated prompt with the <think> prefill) | messages (system + user, for any chat template)", "llama3")
    .option("--reference-example", "keep EHRMIND's invalid JSON example in the prompt (byte-identical to its files)")
    .option("--val-size <n>", "validation rows, split evenly over the categories", parseWholeNumber, 100)
    .option("--max-words <n>", "drop train prompts longer than n words", parseWholeNumber, 1024)
    .option("--seed <n>", "train shuffle seed", parseWholeNumber, 42)
    .option("--force", "replace a non-empty output folder")
    .action(async (flags: { test?: string; train?: string; out: string; format: string; template: string; referenceExample?: boolean; valSize: number; maxWords: number; seed: number; force?: boolean }) => {
      if (!MEDCALC_EXPORT_FORMATS.includes(flags.format as MedcalcExportFormat)) throw new UsageError(`--format ${flags.format}: expected ${MEDCALC_EXPORT_FORMATS.join(", ")}`);
      if (!MEDCALC_TEMPLATES.includes(flags.template as MedcalcTemplate)) throw new UsageError(`--template ${flags.template}: expected ${MEDCALC_TEMPLATES.join(", ")}`);
      const files = await buildMedcalc({ ...flags, format: flags.format as MedcalcExportFormat, template: flags.template as MedcalcTemplate });
      for (const f of files) output.out(`${f.file}: ${formatNumber(f.rows)} rows (${f.split})\n`);
    });
  medcalc
    .command("eval")
    .description("accuracy per calculator category and overall for completions of MedCalc-Bench rows")
    .requiredOption("--data <file>", "MedCalc-Bench CSV or a verl Parquet built from it")
    .requiredOption("--completions <jsonl>", "one {index | row_number, completion} per line; several per row for pass@k")
    .option("--scoring <scoring>", "eval (EHRMIND's offline scorer) | reward (positive RL reward)", "eval")
    .option("--out <file.json>", "also write the summary as JSON")
    .option("--format <format>", "table | json", "table")
    .action(async (flags: { data: string; completions: string; scoring: string; out?: string; format: string }) => {
      if (!["eval", "reward"].includes(flags.scoring)) throw new UsageError(`--scoring ${flags.scoring}: expected eval or reward`);
      const summary = evaluateMedcalc(await readMedcalcRows(flags.data), readCompletions(flags.completions), flags.scoring as MedcalcScoring);
      if (flags.out) writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
      if (flags.format === "json") return output.out(`${JSON.stringify(summary, null, 2)}\n`);
      const k = summary.overall.samples;
      const passColumns = k ? [`pass@${k} %`, `EHRMIND pass@${k} %`] : [];
      const rows = [...Object.entries(summary.categories), ["overall", summary.overall] as const].map(([category, s]) => ({
        category, n: s.n, correct: +s.correct.toFixed(2), "accuracy %": pct(s.accuracy), "95% CI": `${pct(s.ci_low)}–${pct(s.ci_high)}`,
        ...(k ? { [passColumns[0]!]: pct(s.pass_at_k?.[k] ?? Number.NaN), [passColumns[1]!]: pct(s.ehrmind_pass_at_k ?? Number.NaN) } : {}),
      }));
      output.out(formatTable(["category", "n", "correct", "accuracy %", "95% CI", ...passColumns], rows));
      if (summary.missing) output.err(`${formatNumber(summary.missing)} rows had no completion and are left out\n`);
    });
}
