import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { EXPORT_FORMATS, exportDataset, type ExportFormat } from "../../export/formats.js";
import { EstimatedTokenCounter, ModelTokenizer } from "../../render/tokenizer.js";
import { parseWholeNumber } from "../main.js";
import { formatNumber, type Output } from "../output.js";

export function registerExport(program: Command, output: Output): void {
  program
    .command("export")
    .description(`training files for TRL, verl and OpenRLHF: ${EXPORT_FORMATS.join(", ")}`)
    .argument("<format>", EXPORT_FORMATS.join(" | "))
    .requiredOption("--data <jsonl>", "EHR-Bench, EHR-Ins or EHR-Ins-Reasoning JSONL")
    .requiredOption("--out <file>", "output file (.jsonl, or .parquet for verl)")
    .option("--split <name>", "split name written into verl's extra_info", "train")
    .option("--max-tokens <n>", "drop records whose prompt and answer exceed n tokens", parseWholeNumber)
    .option("--tokenizer <dir>", "model folder for --max-tokens (default: a conservative estimate)")
    .action(async (format: string, flags: { data: string; out: string; split: string; maxTokens?: number; tokenizer?: string }) => {
      if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw new UsageError(`unknown export format ${format} (expected ${EXPORT_FORMATS.join(", ")})`);
      const counter = flags.maxTokens === undefined ? undefined : flags.tokenizer ? ModelTokenizer.load(flags.tokenizer) : new EstimatedTokenCounter();
      const r = await exportDataset({ format: format as ExportFormat, data: flags.data, out: flags.out, split: flags.split, maxTokens: flags.maxTokens, counter });
      output.out(`${r.file}: ${formatNumber(r.rows)} rows${r.droppedForLength ? `, ${formatNumber(r.droppedForLength)} dropped over ${flags.maxTokens} tokens` : ""}\n`);
    });
}
