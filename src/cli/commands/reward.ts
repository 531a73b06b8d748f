import type { Command } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { pino } from "pino";
import { InputError, UsageError } from "../../errors.js";
import { REWARD_STYLES, type RewardOptions, type RewardStyle } from "../../rewards/core.js";
import { EHRMIND_MATCHING_LABELS, TREC_MATCHING_LABELS } from "../../rewards/families.js";
import { CompletionScorer } from "../../rewards/score-file.js";
import { isLoopbackAddress } from "../../providers/endpoint.js";
import {
  DEFAULT_ENGINE_TOKENS,
  engineTokensFrom,
  engineTokensOf,
  type EngineTokens,
} from "../../rewards/engine-text.js";
import { serveRewards } from "../../rewards/server.js";
import { TRL_SHIM, VERL_SHIM } from "../../rewards/shims.js";
import { choiceArgument, choiceOption, parseList, parseWholeNumber } from "../arguments.js";
import { formatTable, type Output } from "../output.js";

interface RewardFlags {
  style: string;
  parity?: boolean;
  formatBonus?: string;
  wrongFormatPenalty?: string;
  matchingLabels?: string;
  classCounts?: string;
  tailTokens?: string[];
  tokenizer?: string;
  specialTokens?: string[];
}

const finite = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || value.trim() === "") throw new UsageError(`${flag} ${value}: expected a number`);
  return n;
};

/** Reward options from the shared flags; a class-counts file is `{"<task>": [n0, n1], …}`. */
function rewardOptions(flags: RewardFlags): RewardOptions {
  let classCounts: RewardOptions["classCounts"];
  if (flags.classCounts) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(flags.classCounts, "utf8"));
    } catch (error) {
      throw new InputError(
        flags.classCounts,
        undefined,
        `not a readable JSON file (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const ok =
      parsed &&
      typeof parsed === "object" &&
      Object.values(parsed).every(
        (v) => Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n > 0),
      );
    if (!ok)
      throw new InputError(
        flags.classCounts,
        undefined,
        'expected {"<task>": [negatives, positives], …} with positive whole numbers',
      );
    classCounts = parsed as RewardOptions["classCounts"];
  }
  // --parity: EHRMIND's own split, tail tokens and matching names, to reproduce its numbers exactly.
  const matchingLabels =
    (flags.matchingLabels ?? (flags.parity ? "ehrmind" : "trec")) === "ehrmind"
      ? EHRMIND_MATCHING_LABELS
      : TREC_MATCHING_LABELS;
  return {
    style: flags.style as RewardStyle,
    formatBonus: finite("--format-bonus", flags.formatBonus),
    wrongFormatPenalty: finite("--wrong-format-penalty", flags.wrongFormatPenalty),
    matchingLabels,
    classCounts,
    tailTokens: flags.tailTokens ?? (flags.parity ? ["<|eot_id|>"] : undefined),
    ...(flags.parity ? { assistantSplit: "reference" as const } : {}),
  };
}

const withRewardFlags = (command: Command): Command =>
  command
    .addOption(
      choiceOption(
        "--style <style>",
        "EHR-Bench tasks: ehr-r1 (think block, then answer lines) or ehrmind (<think>…</think><answer>{json}</answer>)",
        REWARD_STYLES,
        "ehr-r1",
      ),
    )
    .option(
      "--format-bonus <x>",
      "paid with a correct answer when the format holds (default 0.1 under EHRMIND rules, 0 under EHR-R1's)",
    )
    .option("--wrong-format-penalty <x>", "score of a broken format (default −2 under EHRMIND rules, 0 under EHR-R1's)")
    .addOption(
      choiceOption(
        "--matching-labels <names>",
        "trial-matching label names by index: trec (Irrelevant, Excluded, Eligible; the default) or ehrmind (its swapped 0/1)",
        ["trec", "ehrmind"],
      ),
    )
    .option(
      "--parity",
      "reproduce EHRMIND's numbers: split at the first Assistant:, only <|eot_id|> after </answer>, its matching names",
    )
    .option("--class-counts <json>", 'EHRSHOT-style weights on _test splits: {"<task>": [negatives, positives]}')
    .option("--tail-tokens <list>", "tokens allowed after </answer> (comma-separated)", parseList)
    .option(
      "--tokenizer <dir>",
      "the policy model's tokenizer folder: its special tokens (padding, template, end tokens) are stripped from the engines' text",
    )
    .option(
      "--special-tokens <list>",
      "special tokens to strip instead, comma-separated (the first ends a turn; default: those of Qwen, Llama 3 and SentencePiece models)",
      parseList,
    );

/** The special tokens to strip from engine text: `--tokenizer`'s, `--special-tokens`, the defaults, or none under `--parity`. */
function engineTokensFor(flags: RewardFlags): EngineTokens | null {
  if (flags.tokenizer && flags.specialTokens)
    throw new UsageError("--tokenizer and --special-tokens both name the special tokens: give one");
  if (flags.parity) {
    if (flags.tokenizer || flags.specialTokens)
      throw new UsageError(
        "--parity scores the engines' text as EHRMIND does, unstripped: drop --tokenizer/--special-tokens",
      );
    return null;
  }
  if (flags.tokenizer) return engineTokensFrom(flags.tokenizer);
  return flags.specialTokens ? engineTokensOf(flags.specialTokens) : DEFAULT_ENGINE_TOKENS;
}

export function registerReward(program: Command, output: Output): void {
  const reward = program.command("reward").description("verifiable rewards for RL engines");
  withRewardFlags(
    reward
      .command("score")
      .description("score a JSONL of completions ({task, completion, ground_truth, prompt?} per line) offline"),
  )
    .requiredOption("--data <jsonl>", "completions to score")
    .option(
      "--group-size <n>",
      "consecutive lines are GRPO groups of n samples of one prompt: print advantages, count groups without signal",
      parseWholeNumber,
    )
    .action(async (flags: RewardFlags & { data: string; groupSize?: number }) => {
      const options = rewardOptions(flags);
      const tokens = engineTokensFor(flags);
      const scorer = new CompletionScorer(options, tokens, flags.groupSize);
      for await (const scored of scorer.score(flags.data))
        output.out(
          `${JSON.stringify({ line: scored.line, ...scored.result, ...(flags.groupSize ? { advantage: scored.advantage } : {}) })}\n`,
        );
      if (scorer.lastGroup) output.err(`the last group has ${scorer.lastGroup} of ${flags.groupSize} samples\n`);
      const tally = scorer.tally();
      const all = tally.reduce((a, t) => ({ n: a.n + t.n, total: a.total + t.total }), { n: 0, total: 0 });
      // Per task: accuracy is the share of well-formed answers with a positive correctness (EHRMIND's validation metric for 0/1 tasks).
      const rows = tally.map((t) => ({
        task: t.task,
        n: t.n,
        "mean reward": (t.total / t.n).toFixed(4),
        "format ok": `${((100 * t.formatOk) / t.n).toFixed(1)}%`,
        correct: `${((100 * t.correct) / t.n).toFixed(1)}%`,
        ...(flags.groupSize ? { "groups without signal": `${t.flat} of ${t.groups}` } : {}),
      }));
      if (rows.length)
        output.err(
          formatTable(
            ["task", "n", "mean reward", "format ok", "correct", ...(flags.groupSize ? ["groups without signal"] : [])],
            rows,
          ),
        );
      output.err(`${all.n} completions, mean reward ${(all.n ? all.total / all.n : 0).toFixed(4)}\n`);
    });
  reward
    .command("shim")
    .description(
      "write the Python file an engine loads to call the reward server (verl compute_score, TRL reward_funcs)",
    )
    .addArgument(choiceArgument("<engine>", "verl or trl", ["verl", "trl"]))
    .requiredOption("--out <file.py>", "where to write it")
    .action((engine: string, flags: { out: string }) => {
      writeFileSync(flags.out, engine === "verl" ? VERL_SHIM : TRL_SHIM);
      output.out(
        `${flags.out}: ${engine === "verl" ? "custom_reward_function.path=<this file> custom_reward_function.name=compute_score" : "from <module> import ehr_r1_reward; GRPOTrainer(reward_funcs=[ehr_r1_reward], ...)"}\n`,
      );
    });
  withRewardFlags(
    reward
      .command("serve")
      .description("the reward server (OpenRLHF protocol: POST /get_reward; POST /score; GET /health)"),
  )
    .option("--host <host>", "address to bind (default loopback only)", "127.0.0.1")
    .option("--port <n>", "port", parseWholeNumber, 5000)
    .option("--max-batch <n>", "completions per request", parseWholeNumber, 4096)
    .addOption(
      choiceOption(
        "--log-level <level>",
        "structured log level (one JSON line per request at info)",
        ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
        "info",
      ),
    )
    .action(async (flags: RewardFlags & { host: string; port: number; maxBatch: number; logLevel: string }) => {
      const options = rewardOptions(flags);
      const engineTokens = engineTokensFor(flags);
      // The token comes from the environment only, never from the command line (it would show in process lists).
      const server = await serveRewards({
        ...options,
        host: flags.host,
        port: flags.port,
        maxBatch: flags.maxBatch,
        engineTokens,
        token: process.env.EHR_R1_REWARD_TOKEN,
        logger: pino({ level: flags.logLevel }),
      });
      if (
        !process.env.EHR_R1_REWARD_TOKEN &&
        !(isLoopbackAddress(flags.host) || flags.host.toLowerCase() === "localhost")
      ) {
        output.err(
          `warning: serving on ${flags.host} without a token: anyone who can reach this address can use the server; set EHR_R1_REWARD_TOKEN\n`,
        );
      }
      output.err(
        `reward server on ${server.url} (${flags.style} style${process.env.EHR_R1_REWARD_TOKEN ? ", bearer token required" : ""}); Ctrl-C stops it\n`,
      );
      await new Promise<void>((resolveStop) => {
        const stop = () => void server.close().then(resolveStop);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
