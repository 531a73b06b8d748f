import type { Command } from "commander";
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { InputError, UsageError } from "../../errors.js";
import { labelProblem, REWARD_STYLES, rewardFor, type RewardOptions, type RewardStyle } from "../../rewards/core.js";
import { EHRMIND_MATCHING_LABELS, TREC_MATCHING_LABELS } from "../../rewards/families.js";
import { groupAdvantages, zeroVariance } from "../../rewards/grpo.js";
import { isLoopbackAddress } from "../../providers/endpoint.js";
import {
  DEFAULT_ENGINE_TOKENS,
  engineCompletion,
  engineTokensFrom,
  engineTokensOf,
  type EngineTokens,
} from "../../rewards/engine-text.js";
import { serveRewards } from "../../rewards/server.js";
import { TRL_SHIM, VERL_SHIM } from "../../rewards/shims.js";
import { parseList, parseWholeNumber } from "../main.js";
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
  if (!REWARD_STYLES.includes(flags.style as RewardStyle))
    throw new UsageError(`--style ${flags.style}: expected ${REWARD_STYLES.join(" or ")}`);
  if (flags.matchingLabels !== undefined && !["trec", "ehrmind"].includes(flags.matchingLabels))
    throw new UsageError(`--matching-labels ${flags.matchingLabels}: expected trec or ehrmind`);
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
    .option(
      "--style <style>",
      "EHR-Bench tasks: ehr-r1 (think block, then answer lines) or ehrmind (<think>…</think><answer>{json}</answer>)",
      "ehr-r1",
    )
    .option(
      "--format-bonus <x>",
      "paid with a correct answer when the format holds (default 0.1 under EHRMIND rules, 0 under EHR-R1's)",
    )
    .option("--wrong-format-penalty <x>", "score of a broken format (default −2 under EHRMIND rules, 0 under EHR-R1's)")
    .option(
      "--matching-labels <names>",
      "trial-matching label names by index: trec (Irrelevant, Excluded, Eligible; the default) or ehrmind (its swapped 0/1)",
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
      const byTask = new Map<
        string,
        { n: number; total: number; formatOk: number; correct: number; groups: number; flat: number }
      >();
      const group: { line: number; task: string; result: ReturnType<typeof rewardFor> }[] = [];
      const flush = () => {
        const advantages = flags.groupSize ? groupAdvantages(group.map((g) => g.result.score)) : [];
        for (const [j, g] of group.entries())
          output.out(
            `${JSON.stringify({ line: g.line, ...g.result, ...(flags.groupSize ? { advantage: advantages[j] } : {}) })}\n`,
          );
        if (flags.groupSize && group.length) {
          const t = byTask.get(group[0]!.task)!;
          t.groups++;
          if (zeroVariance(group.map((g) => g.result.score))) t.flat++;
        }
        group.length = 0;
      };
      if (!existsSync(flags.data) || !statSync(flags.data).isFile())
        throw new InputError(flags.data, undefined, "cannot read the file");
      // Line by line: a file of rollouts may be far larger than memory.
      const reader = createInterface({
        input: createReadStream(flags.data, { encoding: "utf8" }),
        crlfDelay: Infinity,
      });
      let i = -1;
      for await (const line of reader) {
        i++;
        if (!line.trim()) continue;
        let item: { task?: unknown; completion?: unknown; ground_truth?: unknown; prompt?: unknown };
        try {
          item = JSON.parse(line) as typeof item;
        } catch {
          throw new InputError(flags.data, i + 1, "not JSON");
        }
        if (typeof item.task !== "string") throw new InputError(flags.data, i + 1, "task: expected a string");
        if (typeof item.completion !== "string")
          throw new InputError(flags.data, i + 1, "completion: expected a string (the model's text to score)");
        const problem = labelProblem(item.task, item.ground_truth);
        if (problem) throw new InputError(flags.data, i + 1, problem);
        const r = rewardFor(
          item.task,
          engineCompletion(item.completion, typeof item.prompt === "string" ? item.prompt : undefined, tokens),
          item.ground_truth,
          typeof item.prompt === "string" ? { ...options, prompt: item.prompt } : options,
        );
        const t = byTask.get(item.task) ?? { n: 0, total: 0, formatOk: 0, correct: 0, groups: 0, flat: 0 };
        t.n++;
        t.total += r.score;
        t.formatOk += r.components.format ? 1 : 0;
        t.correct += r.components.format && r.components.correctness > 0 ? 1 : 0;
        byTask.set(item.task, t);
        group.push({ line: i + 1, task: item.task, result: r });
        if (group.length >= (flags.groupSize ?? 1)) flush();
      }
      if (group.length) {
        if (flags.groupSize) output.err(`the last group has ${group.length} of ${flags.groupSize} samples\n`);
        flush();
      }
      const all = [...byTask.values()].reduce((a, t) => ({ n: a.n + t.n, total: a.total + t.total }), {
        n: 0,
        total: 0,
      });
      // Per task: accuracy is the share of well-formed answers with a positive correctness (EHRMIND's validation metric for 0/1 tasks).
      const rows = [...byTask]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([task, t]) => ({
          task,
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
    .argument("<engine>", "verl or trl")
    .requiredOption("--out <file.py>", "where to write it")
    .action((engine: string, flags: { out: string }) => {
      if (engine !== "verl" && engine !== "trl") throw new UsageError(`unknown engine ${engine}: expected verl or trl`);
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
    .option("--log-level <level>", "structured log level (one JSON line per request at info)", "info")
    .action(async (flags: RewardFlags & { host: string; port: number; maxBatch: number; logLevel: string }) => {
      const options = rewardOptions(flags);
      const engineTokens = engineTokensFor(flags);
      const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
      if (!levels.includes(flags.logLevel))
        throw new UsageError(`--log-level ${flags.logLevel}: expected ${levels.join(", ")}`);
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
