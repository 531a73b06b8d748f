import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { htmlReport, loadRun, markdownReport } from "../../eval/report.js";
import { UsageError } from "../../errors.js";
import { loadProfile } from "../../eval/profiles.js";
import { runBenchmark, type RunOptions } from "../../eval/runner.js";
import { servedProviders, type OpenAICompatibleProvider } from "../../providers/openai-compatible.js";
import { ModelTokenizer } from "../../render/tokenizer.js";
import type { Provider } from "../../providers/types.js";
import { createBaselineProvider } from "../../providers/baseline.js";
import { readBenchmark } from "../../eval/dataset.js";
import { Store } from "../../store/database.js";
import { trainingSubjects } from "../../eval/training-split.js";
import { choiceOption, collectRepeated, parseList, parseWholeNumber } from "../arguments.js";
import { formatNumber, formatTable, type Output } from "../output.js";

interface RunFlags {
  data: string;
  db?: string;
  provider: string;
  baseUrl: string[];
  model?: string;
  profile: string;
  concurrency: number;
  resume?: boolean;
  allowRemote: string[];
  tasks?: string[];
  limit?: number;
  retries: number;
  timeout: number;
  cache?: string;
  maxPromptTokens?: number;
  tokenizer?: string;
  serverTokenize?: boolean;
  out: string;
  json?: boolean;
}

export function registerBench(program: Command, output: Output): void {
  const bench = program.command("bench").description("evaluate models on EHR-Bench");
  registerReport(bench, output);
  bench
    .command("run")
    .description("run a model over an EHR-Bench JSONL: results.jsonl (one line per sample, resumable) and summary.json")
    .requiredOption("--data <jsonl>", "EHR-Bench JSONL (from `ehr-r1 build ehr-bench`)")
    .addOption(
      choiceOption(
        "--provider <kind>",
        "openai-compatible, or baseline (no server: count-based models fitted on the training split of --db)",
        ["openai-compatible", "baseline"],
        "openai-compatible",
      ),
    )
    .option("--db <file>", "the store the data was built from (for --provider baseline)")
    .option("--base-url <url>", "OpenAI-compatible server (repeat to spread load over several)", collectRepeated, [])
    .option("--model <name>", "model name the server serves")
    .option(
      "--profile <name-or-file>",
      "ehr-r1, ehr-r1-thinking, ehr-r1-72b, baseline-llm, or a JSON profile",
      "ehr-r1",
    )
    .option("--concurrency <n>", "requests in flight", parseWholeNumber, 8)
    .option("--resume", "continue the run in --out")
    .option("--allow-remote <host>", "allow a non-loopback server (the data leaves this machine)", collectRepeated, [])
    .option("--tasks <names>", "only these tasks", parseList)
    .option("--limit <n>", "only the first n samples", parseWholeNumber)
    .option("--retries <n>", "retries per sample on 429/5xx/timeouts/dropped connections", parseWholeNumber, 6)
    .option("--timeout <seconds>", "per-request timeout", parseWholeNumber, 600)
    .option("--cache <dir>", "answer repeated requests from this folder (keyed by a hash of the whole request)")
    .option(
      "--max-prompt-tokens <n>",
      "record samples whose prompt (chat template included) exceeds n tokens as errors, unsent",
      parseWholeNumber,
    )
    .option(
      "--tokenizer <dir>",
      "model folder whose tokenizer and chat template count prompt tokens for --max-prompt-tokens",
    )
    .option(
      "--server-tokenize",
      "count prompt tokens with the server's /tokenize (vLLM, SGLang) for --max-prompt-tokens",
    )
    .requiredOption("--out <dir>", "run folder")
    .option("--json", "print the summary as JSON")
    .action(async (flags: RunFlags) => {
      let providers: Provider[];
      let served: OpenAICompatibleProvider[] = [];
      let store: Store | undefined;
      if (flags.provider === "baseline") {
        if (!flags.db) throw new UsageError("--provider baseline needs --db (the store the benchmark was built from)");
        store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
        const records = await readBenchmark(flags.data);
        providers = [
          await createBaselineProvider(store, records, {
            trainSubjects: await trainingSubjects(store, records),
            seed: 42,
          }),
        ];
      } else if (flags.provider === "openai-compatible") {
        if (!flags.baseUrl.length) throw new UsageError("--base-url is required for --provider openai-compatible");
        if (!flags.model) throw new UsageError("--model is required for --provider openai-compatible");
        // The key comes from the environment only, and is never printed or written.
        ({ providers, served } = await servedProviders({
          baseUrls: flags.baseUrl,
          model: flags.model,
          allowRemote: flags.allowRemote,
          apiKey: process.env.OPENAI_API_KEY,
          timeoutMs: flags.timeout * 1000,
          cache: flags.cache,
        }));
      } else {
        throw new UsageError(`--provider ${flags.provider}: expected openai-compatible or baseline`);
      }
      const profile = loadProfile(flags.profile);
      let promptBudget: RunOptions["promptBudget"];
      if (flags.maxPromptTokens !== undefined) {
        if (flags.tokenizer) {
          const tokenizer = ModelTokenizer.load(flags.tokenizer);
          promptBudget = {
            maxTokens: flags.maxPromptTokens,
            count: (messages) =>
              tokenizer.count(
                tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, enableThinking: profile.thinking }),
              ),
          };
        } else if (flags.serverTokenize && flags.provider === "openai-compatible") {
          // servedProviders keeps the order of --base-url, so each provider counts on its own server.
          promptBudget = {
            maxTokens: flags.maxPromptTokens,
            count: (messages, provider) => (served[providers.indexOf(provider)] ?? served[0]!).countTokens(messages),
          };
        } else
          throw new UsageError(
            "--max-prompt-tokens needs --tokenizer <model folder>, or --server-tokenize with an OpenAI-compatible server",
          );
      }
      const started = performance.now();
      const result = await runBenchmark({
        data: flags.data,
        providers,
        profile,
        out: flags.out,
        concurrency: flags.concurrency,
        resume: flags.resume,
        tasks: flags.tasks,
        limit: flags.limit,
        retries: flags.retries,
        promptBudget,
        onProgress:
          flags.json || !output.interactive
            ? undefined
            : (done, total) => {
                const seconds = (performance.now() - started) / 1000;
                const rate = done / Math.max(seconds, 1e-3);
                output.err(
                  `\r\x1b[Kbench: ${formatNumber(done)}/${formatNumber(total)} (${rate.toFixed(1)}/s, ETA ${((total - done) / Math.max(rate, 1e-9)).toFixed(0)} s)${done === total ? "\n" : ""}`,
                );
              },
      });
      store?.close();
      if (flags.json) return void output.out(`${JSON.stringify(result, null, 2)}\n`);
      printSummary(result.summary, output);
      output.out(
        `${result.out}: ${formatNumber(result.samples)} samples (${formatNumber(result.resumed)} from before${result.retried ? `, ${formatNumber(result.retried)} failed ones run again` : ""}, ${formatNumber(result.errors)} failed requests) in ${result.seconds.toFixed(1)} s\n`,
      );
    });
}

export function registerReport(bench: Command, output: Output): void {
  bench
    .command("report")
    .description(
      "a self-contained HTML report (tables, per-task bars with intervals, ROC curves) and the same tables in markdown",
    )
    .argument("<run-dir...>", "one or more `bench run` folders (compared side by side)")
    .requiredOption("--out <file.html>", "HTML report; the markdown goes beside it (.md)")
    .action(async (dirs: string[], flags: { out: string }) => {
      const runs = await Promise.all(dirs.map(loadRun));
      const html = resolve(flags.out);
      const md = html.replace(/\.html?$/i, "") + ".md";
      writeFileSync(html, htmlReport(runs), { mode: 0o600 });
      writeFileSync(md, markdownReport(runs), { mode: 0o600 });
      output.out(`${html}\n${md}\n`);
    });
}

export function printSummary(summary: import("../../eval/score.js").RunSummary, output: Output): void {
  const f = (v: number) => (Number.isNaN(v) ? "n/a" : v.toFixed(3));
  output.out(
    formatTable(
      ["task", "n", "metric", "value", "95% CI", "failures"],
      Object.entries(summary.tasks).map(([task, t]) => ({
        task,
        n: t.n,
        metric: t.metric,
        value: f(t.value),
        "95% CI": `${f(t.ci_low)}–${f(t.ci_high)}`,
        failures: t.failures,
      })),
    ),
  );
  output.out(
    `decision ${f(summary.groups.decision)}   risk ${f(summary.groups.risk)}   overall ${f(summary.groups.overall)}\n`,
  );
}
