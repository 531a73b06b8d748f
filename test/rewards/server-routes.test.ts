import { describe, expect, it } from "vitest";
import { rewardApp } from "../../src/rewards/server.js";

const json = (body: unknown, token?: string) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});
const lab = (gold: string[]) => JSON.stringify({ task: "labevents", ground_truth: JSON.stringify(gold) });

describe("reward server routes, in process", () => {
  it("answers /health, and guards both scoring routes with the token", async () => {
    const app = rewardApp({ token: "t0k3n" });
    expect(await (await app.request("/health")).json()).toEqual({ ok: true });
    const items = { items: [{ task: "ICU_Stay_7day", completion: "yes", ground_truth: '"yes"' }] };
    expect((await app.request("/score", json(items))).status).toBe(401);
    expect((await app.request("/score", json(items, "wrong"))).status).toBe(401);
    expect(
      (
        await app.request(
          "/get_reward",
          json({ query: ["yes"], labels: ['{"task": "ICU_Stay_7day", "ground_truth": "\\"yes\\""}'] }),
        )
      ).status,
    ).toBe(401);
    const ok = await app.request("/score", json(items, "t0k3n"));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { results: { score: number }[] }).results.map((r) => r.score)).toEqual([1]);
  });

  it("/score scores each item, honours the batch limit exactly, and names a bad item", async () => {
    const app = rewardApp({ maxBatch: 2 });
    const item = (completion: string) => ({ task: "labevents", completion, ground_truth: '["Sodium", "Chloride"]' });
    const two = await app.request("/score", json({ items: [item("Sodium\nChloride"), item("Sodium\nPotassium")] }));
    expect(two.status).toBe(200);
    const results = ((await two.json()) as { results: { score: number; components: { format: boolean } }[] }).results;
    // Set F1: {Sodium, Chloride} vs itself = 1; {Sodium, Potassium} vs {Sodium, Chloride} = 2·0.5·0.5/(0.5+0.5) = 0.5.
    expect(results.map((r) => r.score)).toEqual([1, 0.5]);
    const three = await app.request("/score", json({ items: [item("a"), item("b"), item("c")] }));
    expect(three.status).toBe(413);
    expect(await three.json()).toEqual({ error: "batch of 3 exceeds 2" });
    const bad = await app.request(
      "/score",
      json({ items: [item("a"), { task: "no_such_task", completion: "x", ground_truth: "y" }] }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(
      /^items\[1\]: unknown task or data source "no_such_task"/,
    );
    const untyped = await app.request("/score", json({ items: [{ task: 3, completion: "x", ground_truth: "y" }] }));
    expect(untyped.status).toBe(400);
    expect(((await untyped.json()) as { error: string }).error).toMatch(/^items\.0\.task: /);
    expect(((await (await app.request("/score", json({}))).json()) as { error: string }).error).toMatch(/^items: /);
    // A prompt given with an item is used to find the response (a think block in the prompt is not the answer's).
    const prefilled = await app.request("/score", json({ items: [{ ...item("Sodium\nChloride"), prompt: "P" }] }));
    expect(((await prefilled.json()) as { results: { score: number }[] }).results[0]!.score).toBe(1);
  });

  it("/get_reward strips the prompt from each query (long prompts too), and only when the query starts with it", async () => {
    const app = rewardApp({ maxBatch: 4 });
    const longPrompt = `${"context line\n".repeat(60)}Sodium\nChloride\n`;
    const shortPrompt = "Sodium\nChloride\n";
    const res = await app.request(
      "/get_reward",
      json({
        query: [
          `${longPrompt}Potassium`,
          `${shortPrompt}Potassium`,
          "Potassium",
          `${longPrompt.replace(/Sodium\n/, "Calcium\n")}Sodium`,
        ],
        prompts: [longPrompt, shortPrompt, shortPrompt, longPrompt],
        labels: [
          lab(["Sodium", "Chloride"]),
          lab(["Sodium", "Chloride"]),
          lab(["Potassium"]),
          lab(["context line", "Calcium", "Chloride", "Sodium"]),
        ],
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      rewards: number[];
      scores: number[];
      extra_logs: { format_ok: number[]; correctness: number[] };
    };
    // Stripped, the answers are just "Potassium": F1 0, 0. The third query does not start with its
    // prompt, nor the fourth (same first 256 characters, a different end): both are scored whole, F1 1.
    expect(body.rewards).toEqual([0, 0, 1, 1]);
    expect(body.scores).toEqual([0, 0, 1, 1]);
    expect(body.extra_logs).toEqual({ format_ok: [1, 1, 1, 1], correctness: [0, 0, 1, 1] });
    // Without prompts the whole query is the response: the prompt's gold words count.
    const whole = await app.request(
      "/get_reward",
      json({ query: [`${shortPrompt}Potassium`], labels: [lab(["Sodium", "Chloride"])] }),
    );
    // {Sodium, Chloride, Potassium} vs {Sodium, Chloride}: precision 2/3, recall 1, F1 0.8.
    expect(((await whole.json()) as { rewards: number[] }).rewards[0]).toBeCloseTo(0.8, 12);
  });

  it("/get_reward refuses oversized batches exactly past the limit, and labels that are not task objects", async () => {
    const app = rewardApp({ maxBatch: 2 });
    const label = lab(["Sodium"]);
    expect((await app.request("/get_reward", json({ query: ["a", "b"], labels: [label, label] }))).status).toBe(200);
    const over = await app.request("/get_reward", json({ query: ["a", "b", "c"], labels: [label, label, label] }));
    expect([over.status, await over.json()]).toEqual([413, { error: "batch of 3 exceeds 2" }]);
    for (const [bad, message] of [
      ["null", "labels[0].task: expected a string"],
      ["[1]", "labels[0].task: expected a string"],
      ['{"task": 5}', "labels[0].task: expected a string"],
      ["{broken", "labels[0]: not JSON"],
    ] as const) {
      const res = await app.request("/get_reward", json({ query: ["a"], labels: [bad] }));
      expect([res.status, await res.json()], bad).toEqual([400, { error: message }]);
    }
    const lengths = await app.request("/get_reward", json({ query: ["a"], prompts: ["p", "q"], labels: [label] }));
    expect(await lengths.json()).toEqual({ error: "query, prompts and labels must have the same length" });
  });

  it("clips OpenRLHF's scores to [0, 1] and scores 0 for a broken format", async () => {
    const app = rewardApp({});
    const medcalc = JSON.stringify({
      task: "medcalc_lab_test",
      ground_truth: { calid: 2, lower_limit: "23.9761", target: "25.238", upper_limit: "26.4999" },
    });
    const res = await app.request(
      "/get_reward",
      json({ query: ['<think>x</think><answer>{"answer": 25.3}</answer>', "no tags"], labels: [medcalc, medcalc] }),
    );
    const body = (await res.json()) as {
      rewards: number[];
      scores: number[];
      extra_logs: { format_ok: number[]; correctness: number[] };
    };
    expect(body.rewards[0]).toBeCloseTo(1.1, 12);
    expect(body.rewards[1]).toBe(-2);
    expect(body.scores).toEqual([1, 0]);
    expect(body.extra_logs.format_ok).toEqual([1, 0]);
    expect(body.extra_logs.correctness).toEqual([1, 0]);
  });
});
