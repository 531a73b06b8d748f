import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pLimit from "p-limit";
import { rewardFor } from "../src/rewards/core.js";
import { DEFAULT_ENGINE_TOKENS, engineCompletion } from "../src/rewards/engine-text.js";

const CONCURRENCY = 8;
const PROMPT = `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n${"## Labotary Test Events [2180-06-27 05:10:00]\n| Item_Name | Valuenum |\n| ------ | ------ |\n| Sodium | 136.0 |\n".repeat(80)}\n/think<|im_end|>\n<|im_start|>assistant\n`;

/** A realistic mix of GRPO rollouts: EHR-Bench item lists and yes/no, MedCalc, well-formed or not. */
function rollout(i: number): { query: string; prompt: string; label: string } {
  const reasoning = `<think>\n${"The sodium trend and the creatinine suggest a renal cause. ".repeat(30)}\n</think>\n\n`;
  switch (i % 4) {
    case 0:
      return {
        prompt: PROMPT,
        query: `${PROMPT}${reasoning}Sodium\nPotassium\nCreatinine\nGlucose`,
        label: JSON.stringify({
          task: "labevents",
          ground_truth: '["Sodium","Chloride","Creatinine","Urea Nitrogen"]',
        }),
      };
    case 1:
      return {
        prompt: PROMPT,
        query: `${PROMPT}${reasoning}${i % 8 === 1 ? "yes" : "no"}`,
        label: JSON.stringify({ task: "ICU_Stay_7day", ground_truth: '"no"' }),
      };
    case 2:
      return {
        prompt: PROMPT,
        query: `${PROMPT}${reasoning}<answer>{"answer": ${20 + (i % 10)}.5}</answer><|im_end|>`,
        label: JSON.stringify({
          task: "medcalc_lab_test",
          ground_truth: { calid: 2, lower_limit: "23.9761", target: "25.238", upper_limit: "26.4999" },
        }),
      };
    default:
      return {
        prompt: PROMPT,
        query: `${PROMPT}${reasoning}<answer>{"prediction": "Eligible", "idx": 2}</answer>.`,
        label: JSON.stringify({ task: "matching_train", ground_truth: { target: 2 } }),
      };
  }
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** OpenRLHF's view of a rollout: left padding to the batch's longest prompt, the end token, right padding. */
const asEngineSends = (query: string, i: number) =>
  `${"<|endoftext|>".repeat(i % 64)}${query}${query.endsWith("<|im_end|>") ? "" : "<|im_end|>"}${"<|endoftext|>".repeat(i % 7)}`;

async function load(
  kind: "reward" | "bare",
  batch: number,
  requests: number,
  engineText = false,
): Promise<{ rewardsPerSecond: number; requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number }> {
  const server = spawn(process.execPath, [fileURLToPath(new URL("./reward-server.js", import.meta.url)), kind], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolvePort) =>
      server.stdout!.once("data", (d: Buffer) => resolvePort(Number(String(d).trim()))),
    );
    const rollouts = Array.from({ length: batch }, (_, i) => rollout(i));
    const body = JSON.stringify({
      query: rollouts.map((r, i) => (engineText ? asEngineSends(r.query, i) : r.query)),
      prompts: rollouts.map((r) => r.prompt),
      labels: rollouts.map((r) => r.label),
    });
    let errors = 0;
    const call = async () => {
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/get_reward`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const answer = (await res.json()) as { rewards?: number[] };
      if (res.status !== 200 || !answer.rewards || (kind === "reward" && answer.rewards.length !== batch)) errors++;
      return performance.now() - started;
    };
    const limit = pLimit(CONCURRENCY);
    await Promise.all(Array.from({ length: Math.max(16, requests / 10) }, () => limit(call))); // warm-up
    const started = performance.now();
    const latencies = await Promise.all(Array.from({ length: requests }, () => limit(call)));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      rewardsPerSecond: Math.round((requests * batch) / seconds),
      requestsPerSecond: Math.round(requests / seconds),
      p50Ms: +percentile(latencies, 0.5).toFixed(2),
      p99Ms: +percentile(latencies, 0.99).toFixed(2),
      errors,
    };
  } finally {
    server.kill();
  }
}

/**
 * The reward server on loopback (its own process; the load generator in this one, 8 requests in
 * flight) against a bare hono endpoint that reads the same bodies and returns a constant, for
 * OpenRLHF batches of 1 and 256 (~9 KB prompts, mixed tasks). Then offline scoring in one process.
 */
export async function rewardsBenchmark(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const [batch, requests] of [
    [1, 4000],
    [256, 200],
  ] as const) {
    const bare = await load("bare", batch, requests);
    const reward = await load("reward", batch, requests);
    result[`batch${batch}`] = {
      reward,
      bare,
      ratioThroughputToBare: +(reward.requestsPerSecond / bare.requestsPerSecond).toFixed(3),
      ratioP99ToBare: +(reward.p99Ms / bare.p99Ms).toFixed(3),
    };
    if (batch === 256) {
      // The same rollouts as OpenRLHF sends them (padded, end token kept): what recovering the model's turn costs.
      const engineBare = await load("bare", batch, requests, true);
      const engine = await load("reward", batch, requests, true);
      result.batch256EngineText = {
        reward: engine,
        bare: engineBare,
        ratioThroughputToBare: +(engine.requestsPerSecond / engineBare.requestsPerSecond).toFixed(3),
        ratioThroughputToCleanText: +(engine.requestsPerSecond / reward.requestsPerSecond).toFixed(3),
      };
    }
  }
  // Offline: `reward score`'s work per line (JSON line parse + reward) against the parse alone.
  const lines = Array.from({ length: 20_000 }, (_, i) => {
    const r = rollout(i);
    const label = JSON.parse(r.label) as { task: string; ground_truth: unknown };
    return JSON.stringify({
      task: label.task,
      completion: r.query.slice(r.prompt.length),
      ground_truth: label.ground_truth,
    });
  });
  let started = performance.now();
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { task: string }).task.length;
  const parseSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (const line of lines) {
    const item = JSON.parse(line) as { task: string; completion: string; ground_truth: unknown };
    sink += rewardFor(item.task, item.completion, item.ground_truth).score;
  }
  const scoreSeconds = (performance.now() - started) / 1000;
  // Recovering the model's turn from OpenRLHF's text (padding, prompt, end token), against scoring it.
  // Through JSON, as the server receives them: flat strings, not the concatenations built here.
  const sent = JSON.parse(
    JSON.stringify(Array.from({ length: lines.length }, (_, i) => asEngineSends(rollout(i).query, i))),
  ) as string[];
  started = performance.now();
  for (const query of sent) sink += engineCompletion(query, PROMPT, DEFAULT_ENGINE_TOKENS).length;
  const cleanSeconds = (performance.now() - started) / 1000;
  result.offline = {
    engineTextCleaningPerSecond: Math.round(lines.length / cleanSeconds),
    ratioCleaningToScoring: +(cleanSeconds / scoreSeconds).toFixed(3),
    completions: lines.length,
    completionsPerSecond: Math.round(lines.length / scoreSeconds),
    meanCompletionChars: Math.round(lines.reduce((a, l) => a + l.length, 0) / lines.length),
    lowerBoundParseOnlyPerSecond: Math.round(lines.length / parseSeconds),
    ratioToParseOnly: +(scoreSeconds / parseSeconds).toFixed(2),
    sink: Number.isFinite(sink),
  };
  return result;
}
