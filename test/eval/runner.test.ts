import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROFILES } from "../../src/eval/profiles.js";
import { runBenchmark, type ResultLine } from "../../src/eval/runner.js";
import { checkEndpoint } from "../../src/providers/endpoint.js";
import { OpenAICompatibleProvider } from "../../src/providers/openai-compatible.js";
import { pYesFromLogprobs, type Provider } from "../../src/providers/types.js";
import { TASKS } from "../../src/tasks/registry.js";
import { startFakeServer, type FakeServer } from "../helpers/fake-openai.js";
import { tempDir } from "../helpers/data.js";

const instruction = (task: string) => TASKS.find((t) => t.name === task)!.instruction;
function record(idx: number, task: string, input: string, label: string | string[]) {
  const risk = TASKS.find((t) => t.name === task)!.type === "risk_prediction";
  return {
    idx,
    instruction: instruction(task),
    input: `## Patient Demographics [None]\n- Anchor_Age: 60\n- Gender: F\n\n${input}`,
    output: Array.isArray(label) ? label.join("\n") : label,
    candidates: risk ? ["yes", "no"] : [],
    task_info: { task, task_type: risk ? "risk_prediction" : "decision_making", label },
  };
}

/** Twelve samples: faults once each (then answers), one sample that never gets an answer. */
const RECORDS = [
  record(0, "labevents", "labs", ["Sodium", "Chloride"]),
  record(1, "ICU_Mortality_7day", "POSITIVE", "yes"),
  record(2, "ICU_Mortality_7day", "negative", "no"),
  record(3, "ICU_Mortality_7day", "POSITIVE FAULT:429", "no"),
  record(4, "ICU_Mortality_7day", "negative FAULT:500", "yes"),
  record(5, "labevents", "FAULT:html", ["Sodium"]),
  record(6, "labevents", "FAULT:drop", ["Potassium", "Sodium"]),
  record(7, "labevents", "THINK", ["Glucose"]),
  record(8, "ICU_Mortality_7day", "negative", "no"),
  record(9, "ICU_Mortality_7day", "POSITIVE", "yes"),
  record(10, "labevents", "FAULT:always500", ["Sodium"]),
  record(11, "ICU_Mortality_7day", "negative FAULT:slow", "no"),
];

describe("benchmark runner against a loopback vLLM-format server", () => {
  const dir = tempDir();
  const data = join(dir, "bench.jsonl");
  let server: FakeServer;
  let provider: Provider;
  const fast = { retries: 3, backoffMs: { base: 5, max: 20 } };

  beforeAll(async () => {
    writeFileSync(data, RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    server = await startFakeServer();
    provider = new OpenAICompatibleProvider({ baseUrl: server.url, model: "ehr-r1-8b", timeoutMs: 1000 });
  });
  afterAll(() => server.close());

  const results = (out: string) =>
    readFileSync(join(out, "results.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ResultLine);

  it("scores every sample, retries 429/500/HTML/dropped/slow requests, and records the one that never answers", async () => {
    const out = join(dir, "run");
    const run = await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out,
      concurrency: 4,
      ...fast,
    });
    const lines = results(out).sort((a, b) => a.idx - b.idx);
    expect(lines.map((l) => l.idx)).toEqual(RECORDS.map((r) => r.idx));
    expect(lines[10]).toMatchObject({ error: expect.stringMatching(/^HTTP 500/), attempts: 4, value: 0 });
    for (const i of [3, 4, 5, 6, 11]) expect(lines[i]!.error, `sample ${i}`).toBeNull();
    for (const i of [3, 4, 5, 6, 11]) expect(lines[i]!.attempts, `sample ${i}`).toBeGreaterThan(1);
    // p(yes) = softmax of the yes/no log-probabilities (e^-0.105 vs e^-2.302, plus "Yes" at e^-6).
    const pPositive = (Math.exp(-0.105) + Math.exp(-6)) / (Math.exp(-0.105) + Math.exp(-6) + Math.exp(-2.302));
    expect(lines[1]!.p_yes).toBeCloseTo(pPositive, 12);
    expect(lines[1]!.p_yes_source).toBe("logprobs");
    expect(lines[7]!.reasoning).toBe("checked the labs");
    // labevents answer "Sodium\nPotassium": sample 0 gold {Sodium, Chloride} → P 1/2, R 1/2, F1 1/2 (em tasks report F1).
    expect(lines[0]!.value).toBeCloseTo(0.5, 12);
    // Risk: the fake model says yes exactly for POSITIVE inputs; AUROC over p(yes) with gold labels by hand:
    // positives 1 (p+), 4 (p-), 9 (p+); negatives 2, 3 (p+), 8, 11 (p-): pairs won 2·3 + 0 + ties 0 → (2·3)/(3·4)… computed below.
    const risk = lines.filter((l) => l.task === "ICU_Mortality_7day");
    const positives = risk.filter((l) => RECORDS[l.idx]!.output === "yes");
    const negatives = risk.filter((l) => RECORDS[l.idx]!.output === "no");
    let wins = 0;
    for (const p of positives)
      for (const n of negatives) wins += p.p_yes! > n.p_yes! ? 1 : p.p_yes === n.p_yes ? 0.5 : 0;
    expect(run.summary.tasks.ICU_Mortality_7day!.value).toBeCloseTo(wins / (positives.length * negatives.length), 12);
    expect(run.summary.tasks.labevents!.failures).toBe(1);
    expect(run.summary.tasks.labevents!.n).toBe(5);
    // Files are the owner's alone.
    expect(statSync(join(out, "results.jsonl")).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "summary.json")).mode & 0o777).toBe(0o600);
    // vLLM extras went out with the request.
    expect(
      server.bodies.some(
        (b) => (b.chat_template_kwargs as { enable_thinking?: boolean } | undefined)?.enable_thinking === false,
      ),
    ).toBe(true);
    expect(server.bodies.some((b) => b.top_logprobs === 20 && b.max_tokens === 1)).toBe(true);
  });

  it("resumes a run cut short (a partial last line included) to exactly the uninterrupted results", async () => {
    const whole = join(dir, "run");
    const out = join(dir, "cut");
    const controller = new AbortController();
    let seen = 0;
    await expect(
      runBenchmark({
        data,
        providers: [provider],
        profile: PROFILES["ehr-r1"]!,
        out,
        concurrency: 1,
        ...fast,
        signal: controller.signal,
        onResult: () => {
          if (++seen === 5) controller.abort();
        },
      }),
    ).rejects.toThrow(/continue it with --resume/);
    // As if the process died halfway through writing a line.
    appendFileSync(join(out, "results.jsonl"), '{"id":"9","idx":9,"task":"ICU_Mort');
    expect(readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter(Boolean)).toHaveLength(6);
    await expect(
      runBenchmark({ data, providers: [provider], profile: PROFILES["ehr-r1"]!, out, ...fast }),
    ).rejects.toThrow(/pass --resume/);
    const resumed = await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out,
      resume: true,
      concurrency: 3,
      ...fast,
    });
    expect(resumed.resumed).toBe(5);
    const strip = (l: ResultLine) => ({ ...l, attempts: undefined, latency_ms: undefined });
    const a = results(whole)
      .sort((x, y) => x.idx - y.idx)
      .map(strip);
    const b = results(out)
      .sort((x, y) => x.idx - y.idx)
      .map(strip);
    expect(b).toEqual(a);
  });

  it("runs the samples that failed again on resume, leaving one line per sample", async () => {
    const out = join(dir, "dead-then-alive");
    // The first run meets no server at all: every sample ends as a failed request.
    const dead = new OpenAICompatibleProvider({
      baseUrl: "http://127.0.0.1:9/v1",
      model: "ehr-r1-8b",
      timeoutMs: 1000,
    });
    const first = await runBenchmark({
      data,
      providers: [dead],
      profile: PROFILES["ehr-r1"]!,
      out,
      ...fast,
      retries: 0,
    });
    expect(first.errors).toBe(RECORDS.length);
    const second = await runBenchmark({
      data,
      providers: [provider],
      profile: PROFILES["ehr-r1"]!,
      out,
      resume: true,
      ...fast,
    });
    expect(second.retried).toBe(RECORDS.length);
    expect(second.errors).toBe(1); // FAULT:always500 still fails
    const lines = results(out);
    expect(lines).toHaveLength(RECORDS.length);
    expect(new Set(lines.map((l) => l.id)).size).toBe(RECORDS.length);
    expect(lines.filter((l) => l.error).map((l) => l.idx)).toEqual([10]);
  });

  it("spreads requests over several servers", async () => {
    const second = await startFakeServer();
    try {
      const before = [server.requests(), second.requests()];
      await runBenchmark({
        data,
        providers: [
          provider,
          new OpenAICompatibleProvider({ baseUrl: second.url, model: "ehr-r1-8b", timeoutMs: 1000 }),
        ],
        profile: PROFILES["ehr-r1"]!,
        out: join(dir, "two"),
        tasks: ["labevents"],
        ...fast,
        retries: 0,
      });
      expect(server.requests() - before[0]!).toBeGreaterThan(0);
      expect(second.requests() - before[1]!).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it("keeps EHR data on loopback unless a host is explicitly allowed", async () => {
    const dns = async (host: string) =>
      host === "api.openai.com" || host === "gpu-box.internal" ? [{ address: "203.0.113.7", family: 4 }] : [];
    await expect(checkEndpoint("http://127.0.0.1:8000/v1", [], dns)).resolves.toMatchObject({
      address: "127.0.0.1",
      remote: false,
    });
    await expect(checkEndpoint("http://localhost:8000/v1", [])).resolves.toMatchObject({ remote: false });
    await expect(checkEndpoint("https://api.openai.com/v1", [], dns)).rejects.toThrow(
      /refusing to send EHR data to api\.openai\.com.*--allow-remote api\.openai\.com/,
    );
    await expect(checkEndpoint("https://gpu-box.internal/v1", ["gpu-box.internal"], dns)).resolves.toMatchObject({
      address: "203.0.113.7",
      remote: true,
    });
  });

  it("names the first bad line of a data file", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${JSON.stringify(RECORDS[0])}\n{"idx": 1, "instruction": "x"}\n`);
    await expect(
      runBenchmark({ data: bad, providers: [provider], profile: PROFILES["ehr-r1"]!, out: join(dir, "bad") }),
    ).rejects.toThrow(/bad\.jsonl:2: input: .*expected the EHR-Bench schema/);
    expect(pYesFromLogprobs(null)).toBeNull();
    expect(pYesFromLogprobs([{ token: "maybe", logprob: -0.1 }])).toBeNull();
  });
});

describe("request cache and several generations", () => {
  const dir = tempDir();

  it("answers repeated requests from the cache, and scores every generation", async () => {
    const { cachedProvider } = await import("../../src/providers/cache.js");
    const server = await startFakeServer();
    try {
      const data = join(dir, "d.jsonl");
      writeFileSync(
        data,
        [record(0, "labevents", "labs", ["Sodium"]), record(1, "ICU_Mortality_7day", "POSITIVE", "yes")]
          .map((r) => JSON.stringify(r))
          .join("\n") + "\n",
      );
      const provider = cachedProvider(
        new OpenAICompatibleProvider({ baseUrl: server.url, model: "m" }),
        join(dir, "cache"),
        "m",
      );
      const profile = { ...PROFILES["ehr-r1"]!, samples: 3 };
      const first = await runBenchmark({ data, providers: [provider], profile, out: join(dir, "one") });
      const requests = server.requests();
      const second = await runBenchmark({ data, providers: [provider], profile, out: join(dir, "two") });
      expect(server.requests()).toBe(requests);
      expect(second.summary).toEqual(first.summary);
      const line = readFileSync(join(dir, "one", "results.jsonl"), "utf8")
        .split("\n")
        .map((l) => (l ? (JSON.parse(l) as ResultLine) : null))
        .find((l) => l?.idx === 0)!;
      expect(line.values).toEqual([0.6666666666666666, 0.6666666666666666, 0.6666666666666666]);
      expect(first.summary.tasks.labevents).toMatchObject({ samples_per_prompt: 3, best_of_n: 2 / 3 });
    } finally {
      await server.close();
    }
  });
});

describe("server-side token counts", () => {
  it("reads vLLM's /tokenize beside /v1", async () => {
    const { serverTokenCount } = await import("../../src/providers/openai-compatible.js");
    const server = await startFakeServer();
    try {
      // Two messages: 5 + ceil(28/4) and 5 + ceil(8/4) by the fake server's rule.
      expect(
        await serverTokenCount(server.url, "m", [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "12345678" },
        ]),
      ).toBe(19);
    } finally {
      await server.close();
    }
  });
});

describe("benchmark summaries do not depend on the order answers arrive", () => {
  const dir = tempDir();
  const data = join(dir, "order.jsonl");
  // Forty samples of two tasks, with answers that differ between samples, so that resamples differ.
  const records = Array.from({ length: 40 }, (_, i) =>
    i % 2
      ? record(i, "ICU_Mortality_7day", `s${i}`, i % 3 ? "no" : "yes")
      : record(i, "labevents", `s${i}`, i % 4 ? ["Sodium"] : ["Sodium", "Chloride"]),
  );
  writeFileSync(data, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const results = (out: string) =>
    readFileSync(join(out, "results.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ResultLine);
  /** The same answer per sample in every run; `delay` decides the order they come back in. */
  const provider = (delay: (i: number) => number): Provider => ({
    id: "ordered",
    async generate(request) {
      const i = Number(/s(\d+)/.exec(request.messages.at(-1)!.content)![1]);
      await new Promise((r) => setTimeout(r, delay(i)));
      const yes = i % 5 === 0;
      return [
        {
          text: i % 2 ? (yes ? "yes" : "no") : i % 3 ? "Sodium" : "Potassium",
          reasoning: null,
          finishReason: "stop",
          firstTokenTopLogprobs: [
            { token: "yes", logprob: Math.log(0.2 + (i % 7) / 10) },
            { token: "no", logprob: Math.log(0.8 - (i % 7) / 10 + 0.01) },
          ],
        },
      ];
    },
  });

  it("gives the same values and intervals when the answers come back in reverse order", async () => {
    const summaries = [];
    for (const [name, delay] of [
      ["forward", (i: number) => i],
      ["reverse", (i: number) => 45 - i],
    ] as const) {
      const out = join(dir, name);
      await runBenchmark({ data, providers: [provider(delay)], profile: PROFILES["ehr-r1"]!, out, concurrency: 40 });
      const lines = results(out);
      summaries.push({
        first: lines[0]!.idx,
        summary: JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).tasks,
      });
    }
    // The two runs really finished in different orders ...
    expect(summaries[0]!.first).not.toBe(summaries[1]!.first);
    // ... and summarise identically, intervals included.
    expect(summaries[1]!.summary).toEqual(summaries[0]!.summary);
    expect(summaries[0]!.summary.labevents.ci_low).toBeLessThan(summaries[0]!.summary.labevents.ci_high);
  });
});
