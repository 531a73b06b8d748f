import type { Command } from "commander";
import { synthesizeCohort } from "../../sources/synthetic/generate.js";
import { choiceOption, parseWholeNumber } from "../arguments.js";
import { DENSITY_PROFILES } from "../../sources/synthetic/density.js";
import { formatNumber, type Output } from "../output.js";

export function synthProgressPrinter(output: Output): ((done: number, total: number) => void) | undefined {
  if (!output.interactive) return undefined;
  const started = performance.now();
  return (done, total) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    const eta = (total - done) / rate;
    output.err(
      `\r\x1b[Ksynth: ${formatNumber(done)}/${formatNumber(total)} patients (${formatNumber(Math.round(rate))}/s, ETA ${eta.toFixed(0)} s)${done === total ? "\n" : ""}`,
    );
  };
}

export function registerSynth(program: Command, output: Output): void {
  program
    .command("synth")
    .description(
      "write a synthetic cohort in the exact MIMIC-IV file layout (hosp, icu, ed, note; .csv.gz) for demos, tests and benchmarks",
    )
    .requiredOption("--patients <n>", "number of patients", parseWholeNumber)
    .option("--seed <n>", "random seed (same seed, same bytes)", parseWholeNumber, 42)
    .requiredOption("--out <dir>", "output folder (created; must be empty unless --force)")
    .option("--gzip-level <n>", "gzip level 1-9", parseWholeNumber, 6)
    .addOption(
      choiceOption(
        "--profile <name>",
        "density: default (fast, about 540 rows per patient) or mimic-iv (real MIMIC-IV rows per patient per table, about 2,000; for benchmarks)",
        Object.keys(DENSITY_PROFILES),
        "default",
      ),
    )
    .option("--force", "replace an existing output folder")
    .option("--json", "print the summary as JSON")
    .action(
      async (flags: {
        patients: number;
        seed: number;
        out: string;
        gzipLevel: number;
        profile: string;
        force?: boolean;
        json?: boolean;
      }) => {
        const summary = await synthesizeCohort(flags.out, {
          patients: flags.patients,
          seed: flags.seed,
          gzipLevel: flags.gzipLevel,
          profile: flags.profile,
          force: flags.force,
          onProgress: flags.json ? undefined : synthProgressPrinter(output),
        });
        if (flags.json) {
          output.out(`${JSON.stringify(summary, null, 2)}\n`);
          return;
        }
        const total = Object.values(summary.rows).reduce((a, b) => a + b, 0);
        output.out(
          `${summary.out}: ${formatNumber(summary.patients)} synthetic patients, ${formatNumber(total)} rows in ${Object.keys(summary.rows).length} tables, ${summary.seconds.toFixed(1)} s\n`,
        );
      },
    );
}
