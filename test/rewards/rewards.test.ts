import { illTyped } from "../helpers/ill-typed.js";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { rewardFor } from "../../src/rewards/core.js";
import { rewardApp, serveRewards } from "../../src/rewards/server.js";

describe("reward core (hand-worked cases)", () => {
  it("ehr-r1 style: F1 of the answer lines after an optional closed think block; yes/no for risk tasks", () => {
    // Predicted {sodium, potassium}, gold {sodium, chloride}: P 1/2, R 1/2, F1 1/2.
    expect(
      rewardFor("labevents", "<think>low sodium</think>\nSodium\nPotassium", '["Sodium","Chloride"]').score,
    ).toBeCloseTo(0.5, 12);
    expect(rewardFor("prescriptions", "A\nB", ["A", "B", "C", "D"]).score).toBeCloseTo(2 / 3, 12); // F1, not recall
    expect(rewardFor("ICU_Stay_7day", "Yes.", "yes").score).toBe(1);
    expect(rewardFor("ICU_Stay_7day", "<think>\n\n</think>\n\nno", '"yes"').score).toBe(0);
    expect(rewardFor("labevents", "<think>never closed Sodium", ["Sodium"])).toMatchObject({
      score: 0,
      components: { format: false },
    });
    expect(rewardFor("next_event", "labevents", "labevents").score).toBe(1);
  });

  it("ehrmind style: 0.1 + 1 for a correct well-formed answer, 0 for a wrong one, −2 for a broken format", () => {
    const ok = '<think>k low</think><answer>{"answer": ["Potassium"]}</answer>';
    expect(rewardFor("labevents", ok, ["Potassium"], { style: "ehrmind" }).score).toBeCloseTo(1.1, 12);
    expect(rewardFor("labevents", ok, ["Glucose"], { style: "ehrmind" }).score).toBe(0);
    expect(
      rewardFor("ICU_Stay_7day", '<think>x</think><answer>{"answer": "no"}</answer>', "no", { style: "ehrmind" }).score,
    ).toBeCloseTo(1.1, 12);
    for (const broken of [
      "<think>x</think><answer>not json</answer>",
      "<answer>{}</answer><think></think>",
      '<think>a</think><think>b</think><answer>{"answer": "no"}</answer>',
      '<think>x</think><answer>{"value": 1}</answer>',
      "",
    ]) {
      expect(rewardFor("ICU_Stay_7day", broken, "no", { style: "ehrmind" }).score, broken).toBe(-2);
    }
  });

  it("never throws: unknown tasks and broken ground truths score as a broken format, with the reason", () => {
    expect(rewardFor("no_such_task", "x", "y", { style: "ehrmind" })).toMatchObject({
      score: -2,
      components: {
        reason: expect.stringMatching(
          /^unknown task or data source "no_such_task": expected an EHR-Bench task name \(admissions, .* or a data source containing "readmission", "medcalc", "matching", "new_"$/,
        ),
      },
    });
    expect(rewardFor("labevents", "x", "[broken", { style: "ehrmind" }).components.reason).toBe(
      "ground truth is not valid JSON",
    );
    expect(rewardFor("labevents", illTyped<string>(undefined), ["x"]).score).toBe(0);
  });
});

describe("reward server (OpenRLHF protocol)", () => {
  const labels = [
    JSON.stringify({ task: "labevents", ground_truth: '["Sodium","Chloride"]' }),
    JSON.stringify({ task: "ICU_Stay_7day", ground_truth: '"yes"' }),
  ];

  it("scores /get_reward batches, the completion being the query after its prompt", async () => {
    const app = rewardApp();
    const res = await app.request("/get_reward", {
      method: "POST",
      body: JSON.stringify({ query: ["PROMPT Sodium\nPotassium", "P2yes"], prompts: ["PROMPT ", "P2"], labels }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rewards: number[]; scores: number[]; extra_logs: { format_ok: number[] } };
    expect(body.rewards[0]).toBeCloseTo(0.5, 12);
    expect(body.rewards[1]).toBe(1);
    expect(body.extra_logs.format_ok).toEqual([1, 1]);
    expect((await app.request("/health")).status).toBe(200);
    // EHRMIND rules: rewards 1.1 / −2, while scores (OpenRLHF's filter input) stay in [0, 1].
    const medcalc = JSON.stringify({
      task: "medcalc_lab_test",
      ground_truth: { calid: 39, lower_limit: "14.25", target: "15", upper_limit: "15.75" },
    });
    const mixed = await app.request("/get_reward", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: ['<think>x</think><answer>{"answer": 15}</answer>', "no tags"],
        labels: [medcalc, medcalc],
      }),
    });
    const m = (await mixed.json()) as { rewards: number[]; scores: number[] };
    expect(m.rewards[0]).toBeCloseTo(1.1, 12);
    expect(m.rewards[1]).toBe(-2);
    expect(m.scores).toEqual([1, 0]);
  });

  it("rejects malformed requests, oversized batches and missing tokens with a reason", async () => {
    const app = rewardApp({ maxBatch: 1, token: "s3cret" });
    const post = (body: string, auth = true) =>
      app.request("/get_reward", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...(auth ? { authorization: "Bearer s3cret" } : {}) },
      });
    expect((await post(JSON.stringify({ query: ["a"], labels }), false)).status).toBe(401);
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "body is not JSON" });
    expect((await post(JSON.stringify({ query: ["a", "b"], labels }))).status).toBe(413);
    expect(await (await post(JSON.stringify({ query: ["a"], labels: [labels[0]!, labels[1]!] }))).json()).toEqual({
      error: "query, prompts and labels must have the same length",
    });
  });

  it("refuses labels with unknown tasks or broken ground truths, naming the index and the known tasks", async () => {
    const app = rewardApp();
    const post = async (labels: string[]) => {
      const res = await app.request("/get_reward", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: labels.map(() => "x"), labels }),
      });
      return { status: res.status, body: (await res.json()) as { error: string } };
    };
    const unknown = await post([labels[0]!, JSON.stringify({ task: "medcalx_typo", ground_truth: "1" })]);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/^labels\[1\]: unknown task or data source "medcalx_typo": .*"medcalc"/);
    expect((await post([JSON.stringify({ task: "medcalc_lab_test", ground_truth: { target: "1" } })])).body.error).toBe(
      "labels[0]: ground truth needs an integer calid",
    );
    expect((await post(["not json"])).body.error).toBe("labels[0]: not JSON");
    expect((await post([JSON.stringify({ ground_truth: "1" })])).body.error).toBe("labels[0].task: expected a string");
  });

  it("refuses bodies over the size limit and wrongly typed fields, naming the field, and keeps serving", async () => {
    const app = rewardApp({ maxBodyBytes: 200 });
    const big = await app.request("/get_reward", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: ["x".repeat(500)], labels: ["{}"] }),
    });
    expect([big.status, await big.json()]).toEqual([413, { error: "request body too large" }]);
    const typed = await app.request("/get_reward", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: [1], labels: ["{}"] }),
    });
    expect(typed.status).toBe(400);
    expect(((await typed.json()) as { error: string }).error).toMatch(/^query\.0: /);
    const items = await app.request("/score", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ task: "ICU_Stay_7day", completion: 5 }] }),
    });
    expect(((await items.json()) as { error: string }).error).toMatch(/^items\.0\.completion: /);
    const ok = await app.request("/score", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ task: "ICU_Stay_7day", completion: "no", ground_truth: "no" }] }),
    });
    expect(ok.status).toBe(200);
  });

  it("answers every request of a concurrent load on loopback, in order, without errors", async () => {
    const server = await serveRewards();
    try {
      const requests = Array.from({ length: 200 }, (_, r) => {
        // Batch r: 16 completions, of which the first r % 17 say "yes" (reward 1), the rest "no" (0).
        const query = Array.from({ length: 16 }, (_, i) => (i < r % 17 ? "yes" : "no"));
        return fetch(`${server.url}/get_reward`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            query,
            labels: query.map(() => JSON.stringify({ task: "ICU_Stay_7day", ground_truth: "yes" })),
          }),
        }).then(async (res) => ({
          r,
          status: res.status,
          rewards: ((await res.json()) as { rewards: number[] }).rewards,
        }));
      });
      const results = await Promise.all(requests);
      expect(results.every((x) => x.status === 200)).toBe(true);
      for (const x of results)
        expect(x.rewards, `batch ${x.r}`).toEqual(Array.from({ length: 16 }, (_, i) => (i < x.r % 17 ? 1 : 0)));
    } finally {
      await server.close();
    }
  });

  it("listens on loopback by default", async () => {
    const server = await serveRewards();
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/score`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ items: [{ task: "ICU_Stay_7day", completion: "yes", ground_truth: "yes" }] }),
      });
      expect(((await res.json()) as { results: { score: number }[] }).results[0]!.score).toBe(1);
    } finally {
      await server.close();
    }
  });
});

/** python3 on PATH, found when the file is collected so a missing one is a named skip, not a silent pass. */
const PYTHON = (() => {
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
    return "python3";
  } catch {
    return null;
  }
})();

describe("engine shims", () => {
  it("define the entry points verl and TRL call", async () => {
    const { VERL_SHIM, TRL_SHIM } = await import("../../src/rewards/shims.js");
    expect(VERL_SHIM).toContain(
      "def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):",
    );
    expect(VERL_SHIM).toContain("def compute_score_batch(");
    expect(TRL_SHIM).toContain("def ehr_r1_reward(completions, ground_truth, task, **kwargs):");
  });

  it.skipIf(!PYTHON)(
    `verl's compute_score and TRL's reward function call the server, run by Python${PYTHON ? "" : " [SKIPPED: python3 not found on PATH]"}`,
    async () => {
      const python = PYTHON!;
      const { execFile } = await import("node:child_process");
      const { promisify } = await import("node:util");
      // Async: the server answers from this same process, so the event loop must stay free.
      const run = async (file: string, args: string[], env: NodeJS.ProcessEnv) =>
        (await promisify(execFile)(file, args, { env, encoding: "utf8", timeout: 30_000 })).stdout;
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const { VERL_SHIM, TRL_SHIM } = await import("../../src/rewards/shims.js");
      const dir = mkdtempSync(join(tmpdir(), "ehr-r1-shims-"));
      writeFileSync(join(dir, "ehr_r1_verl.py"), VERL_SHIM);
      writeFileSync(join(dir, "ehr_r1_trl.py"), TRL_SHIM);
      const server = await serveRewards();
      try {
        const env = { ...process.env, EHR_R1_REWARD_URL: server.url, PYTHONPATH: dir };
        const verl = await run(
          python,
          [
            "-c",
            "from ehr_r1_verl import compute_score; print(compute_score('labevents', 'Sodium\\nPotassium', '[\"Sodium\", \"Chloride\"]'))",
          ],
          env,
        );
        expect(Number(verl.trim())).toBeCloseTo(0.5, 12);
        const trl = await run(
          python,
          [
            "-c",
            "from ehr_r1_trl import ehr_r1_reward; print(ehr_r1_reward([[{'role': 'assistant', 'content': 'yes'}], 'no'], ['\"yes\"', '\"yes\"'], ['ICU_Stay_7day', 'ICU_Stay_7day']))",
          ],
          env,
        );
        expect(trl.trim()).toBe("[1, 0]");
        // verl's batch reward manager, with a MedCalc ground truth as verl reads it from Parquet (a dict).
        const batch = await run(
          python,
          [
            "-c",
            "from ehr_r1_verl import compute_score_batch; print(compute_score_batch(data_sources=['medcalc_lab_test'], solution_strs=['x</think><answer>{\"answer\": 25.3}</answer>'], ground_truths=[{'calid': 2, 'lower_limit': '23.9761', 'target': '25.238', 'upper_limit': '26.4999'}], extra_infos=[None]))",
          ],
          env,
        );
        expect(batch.trim()).toBe("[1.1]");
        const details = await run(
          python,
          ["-c", "from ehr_r1_verl import compute_score; print(compute_score('ICU_Stay_7day', 'maybe', '\"yes\"'))"],
          { ...env, EHR_R1_REWARD_DETAILS: "1" },
        );
        expect(details.trim()).toBe("{'score': 0, 'format_ok': 1, 'correctness': 0}");
      } finally {
        await server.close();
      }
    },
  );
});
