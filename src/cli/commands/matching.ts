import type { Command } from "commander";
import { EHRMIND_TEMPLATES, type EhrmindTemplate } from "../../ehrmind/template.js";
import { buildMatching, MATCHING_FORMATS, type MatchingFormat } from "../../matching/build.js";
import { choiceOption, parseWholeNumber } from "../arguments.js";
import { formatNumber, type Output } from "../output.js";

export function registerMatching(program: Command, output: Output): void {
  const matching = program
    .command("matching")
    .description("patient–trial matching (TREC Clinical Trials 2021 via TrialGPT's files): EHRMIND's RL files");
  matching
    .command("build")
    .description(
      "train/val/test files with TREC's label names in prompts and ground truths; split by patient without EHRMIND's leak",
    )
    .requiredOption("--queries <jsonl>", 'patients: one {"_id", "text"} per line (TrialGPT queries.jsonl)')
    .requiredOption("--qrels <tsv>", "labels: query-id, corpus-id, score (0 not relevant, 1 excluded, 2 eligible)")
    .requiredOption(
      "--trials <json>",
      "trial_info.json: NCT id → {brief_title, inclusion_criteria, exclusion_criteria}",
    )
    .requiredOption("--out <dir>", "output folder")
    .addOption(choiceOption("--format <format>", "the engine's format", MATCHING_FORMATS, "verl"))
    .addOption(
      choiceOption(
        "--template <template>",
        "llama3 (EHRMIND's pre-templated prompt with the <think> prefill) or messages",
        EHRMIND_TEMPLATES,
        "llama3",
      ),
    )
    .option("--train-ratio <x>", "share of patients whose pairs may train", (v) => Number(v), 0.8)
    .option("--val-size <n>", "train pairs moved to validation", parseWholeNumber, 1000)
    .option("--max-words <n>", "drop train prompts longer than n words", parseWholeNumber, 1024)
    .option("--seed <n>", "split and shuffle seed", parseWholeNumber, 42)
    .option("--force", "replace a non-empty output folder")
    .action(
      async (flags: {
        queries: string;
        qrels: string;
        trials: string;
        out: string;
        format: string;
        template: string;
        trainRatio: number;
        valSize: number;
        maxWords: number;
        seed: number;
        force?: boolean;
      }) => {
        const r = await buildMatching({
          ...flags,
          format: flags.format as MatchingFormat,
          template: flags.template as EhrmindTemplate,
        });
        for (const f of r.files) output.out(`${f.file}: ${formatNumber(f.rows)} rows (${f.split})\n`);
        if (r.missingNote || r.missingTrial)
          output.err(
            `left out: ${formatNumber(r.missingNote)} pairs without a patient note, ${formatNumber(r.missingTrial)} without trial text\n`,
          );
      },
    );
}
