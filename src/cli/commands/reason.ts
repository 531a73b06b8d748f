import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { UsageError } from "../../errors.js";
import { servedProviders } from "../../providers/openai-compatible.js";
import type { PromptVariant } from "../../reasoning/prompts.js";
import { filterChains, samplePaths, synthesizeChains } from "../../reasoning/synthesize.js";
import { Store } from "../../store/database.js";
import { choiceOption, collectRepeated, parseWholeNumber } from "../arguments.js";
import { formatNumber, type Output } from "../output.js";

export function registerReason(program: Command, output: Output): void {
  const reason = program.command("reason").description("reasoning chains for EHR-Ins (EHR-Ins-Reasoning)");
  reason
    .command("synth")
    .description(
      "have an LLM write reasoning chains (## Extraction / ## Reasoning / ## Final Results) for decision samples",
    )
    .requiredOption("--data <jsonl>", "EHR-Ins JSONL (from `ehr-r1 build ehr-ins`)")
    .option("--db <file>", "store with graph.sample_paths (from `ehr-r1 graph build`), for the knowledge")
    .addOption(
      choiceOption(
        "--variant <name>",
        "with-knowledge, without-knowledge or without-format",
        ["with-knowledge", "without-knowledge", "without-format"],
        "with-knowledge",
      ),
    )
    .option("--base-url <url>", "OpenAI-compatible server (repeat for several)", collectRepeated, [])
    .requiredOption("--model <name>", "model name")
    .option("--n <n>", "chains per sample", parseWholeNumber, 3)
    .option("--temperature <t>", "sampling temperature", parseFloat, 0.5)
    .option("--max-tokens <n>", "tokens per chain", parseWholeNumber)
    .option("--concurrency <n>", "requests in flight", parseWholeNumber, 8)
    .option("--require-graph", "only samples that have knowledge paths (implied by with-knowledge)")
    .option("--limit <n>", "only the first n samples", parseWholeNumber)
    .option("--cache <dir>", "answer repeated requests from this folder")
    .option("--allow-remote <host>", "allow a non-loopback server (the data leaves this machine)", collectRepeated, [])
    .option("--price-input <usd>", "price per 1,000 input tokens, for the cost line", parseFloat)
    .option("--price-output <usd>", "price per 1,000 output tokens", parseFloat)
    .option("--resume", "continue the run in --out")
    .requiredOption("--out <dir>", "run folder: chains.jsonl, summary.json")
    .action(
      async (flags: {
        data: string;
        db?: string;
        variant: string;
        baseUrl: string[];
        model: string;
        n: number;
        temperature: number;
        maxTokens?: number;
        concurrency: number;
        requireGraph?: boolean;
        limit?: number;
        cache?: string;
        allowRemote: string[];
        priceInput?: number;
        priceOutput?: number;
        resume?: boolean;
        out: string;
      }) => {
        const { providers } = await servedProviders({
          baseUrls: flags.baseUrl,
          model: flags.model,
          allowRemote: flags.allowRemote,
          apiKey: process.env.OPENAI_API_KEY,
          cache: flags.cache,
        });
        if (flags.variant === "with-knowledge" && !flags.db)
          throw new UsageError(
            "--variant with-knowledge needs --db (the knowledge paths come from graph.sample_paths)",
          );
        let paths = new Map<string, string[][]>();
        if (flags.db) {
          const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
          try {
            paths = await samplePaths(store);
          } finally {
            store.close();
          }
        }
        const summary = await synthesizeChains(
          {
            data: flags.data,
            providers,
            variant: flags.variant as PromptVariant,
            out: flags.out,
            n: flags.n,
            temperature: flags.temperature,
            maxTokens: flags.maxTokens,
            concurrency: flags.concurrency,
            resume: flags.resume,
            limit: flags.limit,
            requireGraph: flags.requireGraph,
            pricePer1k:
              flags.priceInput !== undefined && flags.priceOutput !== undefined
                ? { input: flags.priceInput, output: flags.priceOutput }
                : undefined,
          },
          paths,
        );
        output.out(
          `${formatNumber(summary.samples)} samples (${formatNumber(summary.resumed)} from before), ${formatNumber(summary.chains)} chains, ${formatNumber(summary.errors)} failed; tokens in ${formatNumber(summary.prompt_tokens)}, out ${formatNumber(summary.completion_tokens)}${summary.cost === null ? "" : `, cost ${summary.cost}`}\n`,
        );
      },
    );
  reason
    .command("filter")
    .description(
      "keep chains with all three sections, covering >= 70% of the labels, never naming the ground truth; write EHR-Ins-Reasoning JSONL",
    )
    .argument("<run-dir>", "a `reason synth` folder")
    .requiredOption("--data <jsonl>", "the EHR-Ins JSONL the chains were written for")
    .requiredOption("--out <jsonl>", "EHR-Ins-Reasoning output")
    .option("--min-coverage <x>", "share of labels the final results must contain", parseFloat, 0.7)
    .action(async (dir: string, flags: { data: string; out: string; minCoverage: number }) => {
      const result = await filterChains(dir, flags.data, flags.out, flags.minCoverage);
      output.out(
        `${formatNumber(result.samples)} samples kept with ${formatNumber(result.accepted)} chains; dropped: ${Object.entries(
          result.rejected,
        )
          .map(([k, v]) => `${k} ${formatNumber(v)}`)
          .join(", ")}\n`,
      );
    });
}
