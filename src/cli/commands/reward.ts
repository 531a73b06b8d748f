import type { Command } from "commander";
import { readFileSync, writeFileSync } from "node:fs";
import { TRL_SHIM, VERL_SHIM } from "../../rewards/shims.js";
import { pino } from "pino";
import { InputError, UsageError } from "../../errors.js";
import { rewardFor, type RewardStyle } from "../../rewards/core.js";
import { serveRewards } from "../../rewards/server.js";
import { parseWholeNumber } from "../main.js";
import { type Output } from "../output.js";

export function registerReward(program: Command, output: Output): void {
  const reward = program.command("reward").description("verifiable rewards for RL engines");
  reward
    .command("score")
    .description("score a JSONL of completions ({task, completion, ground_truth} per line) offline")
    .requiredOption("--data <jsonl>", "completions to score")
    .option("--style <style>", "ehr-r1 or ehrmind", "ehr-r1")
    .action((flags: { data: string; style: string }) => {
      if (!["ehr-r1", "ehrmind"].includes(flags.style)) throw new UsageError(`--style ${flags.style}: expected ehr-r1 or ehrmind`);
      let total = 0;
      let n = 0;
      for (const [i, line] of readFileSync(flags.data, "utf8").split("\n").entries()) {
        if (!line.trim()) continue;
        let item: { task?: unknown; completion?: unknown; ground_truth?: unknown };
        try {
          item = JSON.parse(line) as typeof item;
        } catch {
          throw new InputError(flags.data, i + 1, "not JSON");
        }
        const r = rewardFor(String(item.task ?? ""), String(item.completion ?? ""), item.ground_truth, { style: flags.style as RewardStyle });
        output.out(`${JSON.stringify({ line: i + 1, ...r })}\n`);
        total += r.score;
        n++;
      }
      output.err(`${n} completions, mean reward ${(n ? total / n : 0).toFixed(4)}\n`);
    });
  reward
    .command("shim")
    .description("write the Python file an engine loads to call the reward server (verl compute_score, TRL reward_funcs)")
    .argument("<engine>", "verl or trl")
    .requiredOption("--out <file.py>", "where to write it")
    .action((engine: string, flags: { out: string }) => {
      if (engine !== "verl" && engine !== "trl") throw new UsageError(`unknown engine ${engine}: expected verl or trl`);
      writeFileSync(flags.out, engine === "verl" ? VERL_SHIM : TRL_SHIM);
      output.out(`${flags.out}: ${engine === "verl" ? "custom_reward_function.path=<this file> custom_reward_function.name=compute_score" : "from <module> import ehr_r1_reward; GRPOTrainer(reward_funcs=[ehr_r1_reward], ...)"}\n`);
    });
  reward
    .command("serve")
    .description("the reward server (OpenRLHF protocol: POST /get_reward; POST /score; GET /health)")
    .option("--host <host>", "address to bind (default loopback only)", "127.0.0.1")
    .option("--port <n>", "port", parseWholeNumber, 5000)
    .option("--style <style>", "ehr-r1 or ehrmind", "ehr-r1")
    .option("--max-batch <n>", "completions per request", parseWholeNumber, 4096)
    .action(async (flags: { host: string; port: number; style: string; maxBatch: number }) => {
      if (!["ehr-r1", "ehrmind"].includes(flags.style)) throw new UsageError(`--style ${flags.style}: expected ehr-r1 or ehrmind`);
      // The token comes from the environment only, never from the command line (it would show in process lists).
      const server = await serveRewards({ host: flags.host, port: flags.port, style: flags.style as RewardStyle, maxBatch: flags.maxBatch, token: process.env.EHR_R1_REWARD_TOKEN, logger: pino() });
      output.err(`reward server on ${server.url} (${flags.style} style${process.env.EHR_R1_REWARD_TOKEN ? ", bearer token required" : ""}); Ctrl-C stops it\n`);
      await new Promise<void>((resolveStop) => {
        const stop = () => void server.close().then(resolveStop);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
