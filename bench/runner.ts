import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import pLimit from "p-limit";
import { Agent, request } from "undici";
import { PROFILES } from "../src/eval/profiles.js";
import { runBenchmark } from "../src/eval/runner.js";
import { OpenAICompatibleProvider } from "../src/providers/openai-compatible.js";
import { TASKS } from "../src/tasks/registry.js";

const LATENCY_MS = 50;
const CONCURRENCY = 64;
const REQUESTS = Number(process.env.BENCH_RUNNER_REQUESTS ?? 3000);

/**
 * Runner overhead: against a loopback server (its own process) answering after 50 ms, with 64
 * requests in flight, the ideal is 64 / 0.05 s = 1,280 requests/s. Reports the fraction reached and
 * the runner's CPU time per request (prompt building, HTTP client, scoring, result writes).
 */
/** REQUESTS calls at CONCURRENCY in flight, after a warm-up: requests/s and CPU ms per request. */
async function bare(call: () => Promise<unknown>): Promise<{ rate: number; cpuMs: number }> {
  const limit = pLimit(CONCURRENCY);
  await Promise.all(Array.from({ length: 256 }, () => limit(call)));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: REQUESTS }, () => limit(call)));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: Math.round(REQUESTS / seconds), cpuMs: +((used.user + used.system) / 1000 / REQUESTS).toFixed(3) };
}

export async function runnerBenchmark(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "ehr-r1-runner-"));
  const server = spawn(
    process.execPath,
    [fileURLToPath(new URL("./fake-server.js", import.meta.url)), String(LATENCY_MS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const port = await new Promise<number>((resolvePort) =>
      server.stdout!.once("data", (d: Buffer) => resolvePort(Number(String(d).trim()))),
    );
    const risk = TASKS.find((t) => t.name === "ICU_Stay_7day")!;
    const input = `## Patient Demographics [None]\n- Anchor_Age: 64\n- Gender: M\n\n${"## Labotary Test Events [2180-06-27 05:10:00]\n| Item_Name | Valuenum |\n| ------ | ------ |\n| Sodium | 136.0 |\n".repeat(40)}`;
    const data = join(dir, "bench.jsonl");
    writeFileSync(
      data,
      Array.from({ length: REQUESTS }, (_, i) =>
        JSON.stringify({
          idx: i,
          instruction: risk.instruction,
          input,
          output: i % 5 ? "no" : "yes",
          candidates: ["yes", "no"],
          task_info: { task: risk.name, task_type: risk.type, label: i % 5 ? "no" : "yes" },
        }),
      ).join("\n") + "\n",
    );
    const provider = new OpenAICompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "bench" });
    // Reference points in the same run: the bare OpenAI SDK and bare fetch issuing the same requests.
    const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: "bench",
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: input },
      ],
      max_tokens: 1,
      logprobs: true,
      top_logprobs: 20,
    };
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "EMPTY", maxRetries: 0 });
    const sdk = await bare(() => client.chat.completions.create(body));
    const raw = await bare(async () =>
      (
        await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json(),
    );
    // The floor of any Node HTTP client here: undici's request() with nothing around it.
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 512 });
    const floor = await bare(async () =>
      (
        await request(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          dispatcher: agent,
        })
      ).body.json(),
    );
    // Warm-up: connections and JIT.
    await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out: join(dir, "warm"),
      concurrency: CONCURRENCY,
      limit: 256,
    });
    const serverCpu = () => {
      try {
        const fields = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        return Number.NaN;
      }
    };
    const serverBefore = serverCpu();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out: join(dir, "run"),
      concurrency: CONCURRENCY,
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const ideal = CONCURRENCY / (LATENCY_MS / 1000);
    return {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      serverLatencyMs: LATENCY_MS,
      seconds: +seconds.toFixed(2),
      requestsPerSecond: Math.round(REQUESTS / seconds),
      idealRequestsPerSecond: ideal,
      fractionOfIdeal: +(REQUESTS / seconds / ideal).toFixed(3),
      bareSdkRequestsPerSecond: sdk.rate,
      bareSdkCpuMsPerRequest: sdk.cpuMs,
      bareFetchRequestsPerSecond: raw.rate,
      bareFetchCpuMsPerRequest: raw.cpuMs,
      bareUndiciRequestRequestsPerSecond: floor.rate,
      bareUndiciRequestCpuMsPerRequest: floor.cpuMs,
      ratioRunnerToBareUndiciRequest: +(REQUESTS / seconds / floor.rate).toFixed(3),
      ratioRunnerToBareSdk: +(REQUESTS / seconds / sdk.rate).toFixed(3),
      cpuMsPerRequest: +((used.user + used.system) / 1000 / REQUESTS).toFixed(3),
      serverCpuMsPerRequest: +((serverCpu() - serverBefore) / REQUESTS).toFixed(3),
      errors: result.errors,
      target: 0.95,
    };
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
