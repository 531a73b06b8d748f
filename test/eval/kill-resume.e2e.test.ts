import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES } from "../../src/eval/profiles.js";
import { runBenchmark, type ResultLine } from "../../src/eval/runner.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible.js";
import { TASKS } from "../../src/tasks/registry.js";
import { startFakeServer, type FakeServer } from "../helpers/fake-openai.js";
import { BIN } from "../helpers/cli.js";
import { tempDir } from "../helpers/data.js";

// The global setup builds dist/ fresh, so this suite always runs.
describe("kill -9 and resume (the CLI in a child process)", () => {
  const dir = tempDir();
  const data = join(dir, "bench.jsonl");
  let server: FakeServer;

  beforeAll(async () => {
    const risk = TASKS.find((t) => t.name === "ICU_Stay_7day")!;
    const lab = TASKS.find((t) => t.name === "labevents")!;
    const lines = Array.from({ length: 40 }, (_, i) => {
      const isRisk = i % 2 === 0;
      const def = isRisk ? risk : lab;
      const label = isRisk ? (i % 4 === 0 ? "yes" : "no") : ["Sodium", "Glucose"];
      return JSON.stringify({
        idx: i,
        instruction: def.instruction,
        input: `## Patient Demographics [None]\n- Anchor_Age: 5${i % 10}\n- Gender: M\n\n${i % 3 === 0 ? "POSITIVE" : "negative"} ${i}`,
        output: Array.isArray(label) ? label.join("\n") : label,
        candidates: isRisk ? ["yes", "no"] : [],
        task_info: { task: def.name, task_type: def.type, label },
      });
    });
    writeFileSync(data, lines.join("\n") + "\n");
    server = await startFakeServer({ latencyMs: 40 });
  });
  afterAll(() => server.close());

  const read = (out: string) =>
    readFileSync(join(out, "results.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ResultLine)
      .sort((a, b) => a.idx - b.idx)
      .map(({ attempts: _a, latency_ms: _l, ...rest }) => rest);

  it("ends with the same results, sample by sample, as an uninterrupted run", async () => {
    const whole = join(dir, "whole");
    await runBenchmark({
      data,
      providers: [new OpenAICompatibleProvider({ baseUrl: server.url, model: "m" })],
      profile: PROFILES["ehr-r1"]!,
      out: whole,
      concurrency: 2,
    });

    const out = join(dir, "killed");
    const args = [
      BIN,
      "bench",
      "run",
      "--data",
      data,
      "--base-url",
      server.url,
      "--model",
      "m",
      "--out",
      out,
      "--concurrency",
      "2",
      "--json",
    ];
    const child = spawn(process.execPath, args, { stdio: "ignore" });
    // Kill it hard once some results are on disk.
    await new Promise<void>((resolveWait, reject) => {
      const timer = setInterval(() => {
        const path = join(out, "results.jsonl");
        if (existsSync(path) && readFileSync(path, "utf8").split("\n").length > 8) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolveWait();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(timer);
        reject(new Error("the run finished before it could be killed"));
      });
    });
    await new Promise((r) => child.on("exit", r));
    const partial = readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter(Boolean).length;
    expect(partial).toBeLessThan(40);

    const resumed = await new Promise<number>((r) =>
      spawn(process.execPath, [...args, "--resume"], { stdio: "ignore" }).on("exit", (code) => r(code ?? -1)),
    );
    expect(resumed).toBe(0);
    const a = read(whole);
    const b = read(out);
    expect(b.map((l) => l.idx)).toEqual(a.map((l) => l.idx));
    expect(b).toEqual(a);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).groups).toEqual(
      JSON.parse(readFileSync(join(whole, "summary.json"), "utf8")).groups,
    );
  });
});
