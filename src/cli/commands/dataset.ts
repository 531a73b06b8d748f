import type { Command } from "commander";
import { EhrR1Error } from "../../errors.js";
import { verifyDataset } from "../../dataset/verify.js";
import { formatNumber, type Output } from "../output.js";

export function registerDataset(program: Command, output: Output): void {
  const dataset = program.command("dataset").description("check built datasets");
  dataset
    .command("verify")
    .description(
      "check a `build` folder, whoever wrote its shards: every shard present, sizes, SHA-256, row counts, unique sample ids, manifest",
    )
    .argument("<dir>", "the build's output folder")
    .option("--json", "print the report as JSON")
    .action(async (dir: string, flags: { json?: boolean }) => {
      const report = await verifyDataset(dir);
      if (flags.json) output.out(`${JSON.stringify(report, null, 2)}\n`);
      else {
        output.out(
          `${report.folder}: ${report.present.length} of ${report.shards} shards present, ${formatNumber(report.records)} samples${report.expectedRecords === null ? "" : ` of ${formatNumber(report.expectedRecords)} planned`}${report.manifest ? ", manifest.json present" : ""}\n`,
        );
        for (const problem of report.problems) output.out(`  problem: ${problem}\n`);
      }
      if (!report.ok)
        throw new EhrR1Error(
          `${report.folder} is not a complete, consistent build (${report.problems.length} problem(s))`,
        );
    });
}
