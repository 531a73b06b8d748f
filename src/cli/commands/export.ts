import type { Command } from "commander";
import { REWARD_STYLES, type RewardStyle } from "../../rewards/core.js";
import { EXPORT_FORMAT_NAMES, exportDataset, type ExportFormat } from "../../export/formats.js";
import { tokenCounterFor } from "../../render/tokenizer.js";
import { choiceArgument, choiceOption, parseList, parseWholeNumber } from "../arguments.js";
import { formatNumber, type Output } from "../output.js";

export function registerExport(program: Command, output: Output): void {
  program
    .command("export")
    .description(`training files for TRL, verl and OpenRLHF: ${EXPORT_FORMAT_NAMES.join(", ")}`)
    .addArgument(choiceArgument("<format>", "the engine's format", EXPORT_FORMAT_NAMES))
    .requiredOption("--data <jsonl>", "EHR-Bench, EHR-Ins or EHR-Ins-Reasoning JSONL")
    .requiredOption("--out <file>", "output file (.jsonl, or .parquet for verl)")
    .option(
      "--split <name>",
      "split name written into verl's extra_info (default: the data's own split, from its shard name or manifest; else train)",
    )
    .option("--max-tokens <n>", "drop records whose prompt and answer exceed n tokens", parseWholeNumber)
    .option("--tokenizer <dir>", "model folder for --max-tokens (default: a conservative estimate)")
    .option("--mix <jsonl>", "a second dataset mixed in (EHR-R1's MultipleDataset): shuffled together with --data")
    .option(
      "--curriculum",
      "hold --mix back, then phase it in towards the end (EHR-R1's --curriculum); train without shuffling",
    )
    .option("--seed <n>", "shuffle seed for --mix", parseWholeNumber, 42)
    .option(
      "--exclude-bench <dirs>",
      "benchmarks (build folders or files, comma-separated) whose patients must not be in the training file: refused if one is",
      parseList,
    )
    .option(
      "--class-weighted",
      "RL formats: weight risk-task ground truths 0.5·N/N_class (EHRSHOT's balanced weighting)",
    )
    .addOption(
      choiceOption(
        "--style <style>",
        "RL formats: the answer contract the prompt states: ehr-r1 (/think, /no_think; answer lines) or ehrmind (think block, then <answer>{json}</answer>); serve rewards with the same --style",
        REWARD_STYLES,
        "ehr-r1",
      ),
    )
    .action(
      async (
        format: string,
        flags: {
          data: string;
          out: string;
          split?: string;
          maxTokens?: number;
          tokenizer?: string;
          mix?: string;
          curriculum?: boolean;
          seed: number;
          classWeighted?: boolean;
          style: string;
          excludeBench?: string[];
        },
      ) => {
        const counter = flags.maxTokens === undefined ? undefined : tokenCounterFor(flags.tokenizer);
        const r = await exportDataset({
          ...flags,
          format: format as ExportFormat,
          counter,
          style: flags.style as RewardStyle,
        });
        for (const w of r.warnings) output.err(`warning: ${w}\n`);
        output.out(
          `${r.file}: ${formatNumber(r.rows)} rows${r.droppedForLength ? `, ${formatNumber(r.droppedForLength)} dropped over ${flags.maxTokens} tokens` : ""}\n`,
        );
      },
    );
}
