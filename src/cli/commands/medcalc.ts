import type { Command } from "commander";
import { writeFileSync } from "node:fs";
import { UsageError } from "../../errors.js";
import { buildMedcalc, MEDCALC_EXPORT_FORMATS, type MedcalcExportFormat } from "../../medcalc/build.js";
import {
  evaluateMedcalc,
  readCompletions,
  readMedcalcRows,
  type MedcalcEvalSummary,
  type MedcalcScoring,
} from "../../medcalc/evaluate.js";
import { runMedcalc } from "../../medcalc/run.js";
import { ModelTokenizer, tokenCounterFor, type ChatMessage } from "../../render/tokenizer.js";
import { servedProviders } from "../../providers/openai-compatible.js";
import { MEDCALC_TEMPLATES, type MedcalcTemplate } from "../../medcalc/prompt.js";
import { choiceOption, collectRepeated, parseWholeNumber } from "../arguments.js";
import { formatNumber, formatTable, type Output } from "../output.js";

const pct = (x: number) => (Number.isNaN(x) ? "–" : `${(100 * x).toFixed(1)}`);

export function registerMedcalc(program: Command, output: Output): void {
  const medcalc = program
    .command("medcalc")
    .description("MedCalc-Bench: EHRMIND's RL and evaluation files, and per-category evaluation");
  medcalc
    .command("build")
    .description("RL/eval files from MedCalc-Bench CSVs (test; with --train also EHRMIND's val and train splits)")
    .option("--test <csv>", "MedCalc-Bench test CSV (test_data.csv)")
    .option("--train <csv>", "MedCalc-Bench train CSV (train_data.csv)")
    .requiredOption("--out <dir>", "output folder (test/val/train .parquet or .jsonl)")
    .addOption(choiceOption("--format <format>", "the engine's format", MEDCALC_EXPORT_FORMATS, "verl"))
    .addOption(
      choiceOption(
        "--template <template>",
        "llama3 (EHRMIND's pre-templated prompt with the <think> prefill) or messages (system + user, for any chat template)",
        MEDCALC_TEMPLATES,
        "llama3",
      ),
    )
    .option("--reference-example", "keep EHRMIND's invalid JSON example in the prompt (byte-identical to its files)")
    .option("--val-size <n>", "validation rows, split evenly over the categories", parseWholeNumber, 100)
    .option("--max-words <n>", "drop train prompts longer than n words", parseWholeNumber, 1024)
    .option("--seed <n>", "train shuffle seed", parseWholeNumber, 42)
    .option(
      "--max-tokens <n>",
      "prompt-token budget (the engine's max prompt length): drop train rows over it, count val/test rows over it",
      parseWholeNumber,
    )
    .option(
      "--tokenizer <dir>",
      "model folder (tokenizer and chat template) for --max-tokens (default: a conservative estimate)",
    )
    .option("--force", "replace a non-empty output folder")
    .action(
      async (flags: {
        test?: string;
        train?: string;
        out: string;
        format: string;
        template: string;
        referenceExample?: boolean;
        valSize: number;
        maxWords: number;
        seed: number;
        maxTokens?: number;
        tokenizer?: string;
        force?: boolean;
      }) => {
        let countPrompt: ((messages: { role: string; content: string }[]) => number) | undefined;
        if (flags.maxTokens !== undefined) {
          const counter = tokenCounterFor(flags.tokenizer);
          // A pre-templated (llama3) prompt is counted as it is; messages through the model's own chat template.
          countPrompt = (messages) => {
            const templated = messages.length > 1 && counter instanceof ModelTokenizer && counter.hasChatTemplate;
            return counter.count(
              templated
                ? counter.applyChatTemplate(messages as ChatMessage[], { addGenerationPrompt: true })
                : messages.map((m) => m.content).join("\n"),
            );
          };
        }
        const files = await buildMedcalc({
          ...flags,
          format: flags.format as MedcalcExportFormat,
          template: flags.template as MedcalcTemplate,
          countPrompt,
        });
        for (const f of files) {
          const over =
            f.overBudget === undefined
              ? ""
              : f.split === "train"
                ? `; ${formatNumber(f.overBudget)} dropped over ${flags.maxTokens} tokens`
                : `; ${formatNumber(f.overBudget)} over ${flags.maxTokens} tokens (kept: the engine would cut them)`;
          output.out(`${f.file}: ${formatNumber(f.rows)} rows (${f.split}${over})\n`);
        }
      },
    );
  medcalc
    .command("eval")
    .description("accuracy per calculator category and overall for completions of MedCalc-Bench rows")
    .requiredOption("--data <file>", "MedCalc-Bench CSV or a verl Parquet built from it")
    .requiredOption(
      "--completions <jsonl>",
      "one {index | row_number, completion} per line; several per row for pass@k",
    )
    .addOption(
      choiceOption(
        "--scoring <scoring>",
        "eval (EHRMIND's offline scorer) or reward (positive RL reward)",
        ["eval", "reward"],
        "eval",
      ),
    )
    .option("--out <file.json>", "also write the summary as JSON")
    .addOption(choiceOption("--format <format>", "table or json", ["table", "json"], "table"))
    .action(async (flags: { data: string; completions: string; scoring: string; out?: string; format: string }) => {
      const summary = evaluateMedcalc(
        await readMedcalcRows(flags.data),
        await readCompletions(flags.completions),
        flags.scoring as MedcalcScoring,
      );
      if (flags.out) writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
      if (flags.format === "json") return output.out(`${JSON.stringify(summary, null, 2)}\n`);
      printSummary(summary, output);
    });
  medcalc
    .command("run")
    .description(
      "MedCalc-Bench on a served model (OpenAI-compatible): resumable completions.jsonl, then the per-category summary",
    )
    .requiredOption("--data <file>", "MedCalc-Bench CSV or a verl Parquet built from it")
    .requiredOption("--base-url <url>", "OpenAI-compatible server (repeat to spread load)", collectRepeated, [])
    .requiredOption("--model <name>", "model name the server serves")
    .requiredOption("--out <dir>", "run folder")
    .option("--samples <n>", "completions per row (pass@k with n > 1)", parseWholeNumber, 1)
    .option("--temperature <x>", "sampling temperature (EHRMIND: 0.6)", Number, 0.6)
    .option("--top-p <x>", "nucleus sampling (EHRMIND: 0.95)", Number, 0.95)
    .option("--max-tokens <n>", "tokens per completion (EHRMIND: 2048)", parseWholeNumber, 2048)
    .option("--seed <n>", "sampling seed passed to the server", parseWholeNumber)
    .option("--concurrency <n>", "requests in flight", parseWholeNumber, 8)
    .option("--limit <n>", "only the first n rows", parseWholeNumber)
    .option("--resume", "continue the run in --out")
    .option("--allow-remote <host>", "allow a non-loopback server", collectRepeated, [])
    .option("--retries <n>", "retries per row on 429/5xx/timeouts/dropped connections", parseWholeNumber, 6)
    .option("--timeout <seconds>", "per-request timeout", parseWholeNumber, 600)
    .addOption(choiceOption("--scoring <scoring>", "eval or reward", ["eval", "reward"], "eval"))
    .option("--json", "print the summary as JSON")
    .action(
      async (flags: {
        data: string;
        baseUrl: string[];
        model: string;
        out: string;
        samples: number;
        temperature: number;
        topP: number;
        maxTokens: number;
        seed?: number;
        concurrency: number;
        limit?: number;
        resume?: boolean;
        allowRemote: string[];
        retries: number;
        timeout: number;
        scoring: string;
        json?: boolean;
      }) => {
        for (const [flag, x] of [
          ["--temperature", flags.temperature],
          ["--top-p", flags.topP],
        ] as const)
          if (!Number.isFinite(x) || x < 0) throw new UsageError(`${flag}: expected a number ≥ 0`);
        const { providers } = await servedProviders({
          baseUrls: flags.baseUrl,
          model: flags.model,
          allowRemote: flags.allowRemote,
          apiKey: process.env.OPENAI_API_KEY,
          timeoutMs: flags.timeout * 1000,
        });
        const result = await runMedcalc({ ...flags, providers, scoring: flags.scoring as MedcalcScoring });
        if (flags.json) return output.out(`${JSON.stringify(result, null, 2)}\n`);
        printSummary(result.summary, output);
        output.out(
          `${result.out}: ${formatNumber(result.summary.n + result.summary.missing)} rows (${formatNumber(result.resumed)} from before, ${formatNumber(result.errors)} failed requests)\n`,
        );
      },
    );
}

function printSummary(summary: MedcalcEvalSummary, output: Output): void {
  const k = summary.overall.samples;
  const passColumns = k ? [`pass@${k} %`, `EHRMIND pass@${k} %`] : [];
  const rows = [...Object.entries(summary.categories), ["overall", summary.overall] as const].map(([category, s]) => ({
    category,
    n: s.n,
    correct: +s.correct.toFixed(2),
    "accuracy %": pct(s.accuracy),
    "95% CI": `${pct(s.ci_low)}–${pct(s.ci_high)}`,
    ...(k
      ? {
          [passColumns[0]!]: pct(s.pass_at_k?.[k] ?? Number.NaN),
          [passColumns[1]!]: pct(s.ehrmind_pass_at_k ?? Number.NaN),
        }
      : {}),
  }));
  output.out(formatTable(["category", "n", "correct", "accuracy %", "95% CI", ...passColumns], rows));
  if (summary.missing) output.err(`${formatNumber(summary.missing)} rows had no completion and are left out\n`);
}
