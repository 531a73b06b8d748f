import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { itNeeding, MEDCALC_CSV, tempDir } from "./helpers/data.js";

const run = runCli;

describe("command line: rewards and MedCalc", () => {
  const dir = tempDir();

  it("reward score prints one result per line and names the line of a bad label", async () => {
    const data = join(dir, "completions.jsonl");
    writeFileSync(
      data,
      [
        JSON.stringify({ task: "ICU_Stay_7day", completion: "<think>\n\n</think>\n\nyes", ground_truth: "yes" }),
        JSON.stringify({
          task: "readmission_test",
          completion: '<think>x</think><answer>{"prediction": "readmission", "label": 1}</answer>',
          ground_truth: { target: 1 },
        }),
      ].join("\n"),
    );
    const ok = await run("reward", "score", "--data", data);
    expect(ok.code).toBe(0);
    expect(
      ok.out
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { score: number }).score),
    ).toEqual([1, 1.1]);
    expect(ok.err).toMatch(
      /^task +n +mean reward +format ok +correct\n[- ]+\nICU_Stay_7day +1 +1\.0000 +100\.0% +100\.0%\nreadmission_test +1 +1\.1000 +100\.0% +100\.0%\n2 completions, mean reward 1\.0500\n$/,
    );
    writeFileSync(
      data,
      `${JSON.stringify({ task: "ICU_Stay_7day", completion: "yes", ground_truth: "yes" })}\n${JSON.stringify({ task: "nope", completion: "", ground_truth: "" })}\n`,
    );
    const bad = await run("reward", "score", "--data", data);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/completions\.jsonl:2: unknown task or data source "nope"/);
    expect(bad.err).not.toMatch(/\n\s+at /);
    expect((await run("reward", "score", "--data", data, "--class-counts", join(dir, "missing.json"))).err).toMatch(
      /missing\.json: not a readable JSON file/,
    );
    // A file without the field it scores is refused, not scored 0 with the format "ok".
    writeFileSync(data, `${JSON.stringify({ task: "ICU_Stay_7day", output: "yes", ground_truth: "yes" })}\n`);
    const noCompletion = await run("reward", "score", "--data", data);
    expect(noCompletion.code).toBe(1);
    expect(noCompletion.err).toMatch(/completions\.jsonl:1: completion: expected a string/);
    // Engine text (padding, template, end token) scores like the clean answer.
    writeFileSync(
      data,
      `${JSON.stringify({ task: "ICU_Stay_7day", completion: "<|endoftext|><|im_start|>assistant\nyes<|im_end|>", ground_truth: "yes" })}\n`,
    );
    expect(JSON.parse((await run("reward", "score", "--data", data)).out) as { score: number }).toMatchObject({
      score: 1,
    });
    expect((await run("reward", "score", "--data", data, "--parity", "--special-tokens", "<eos>")).err).toMatch(
      /--parity scores the engines' text as EHRMIND does/,
    );
  });

  it("reward score --group-size gives GRPO advantages and counts groups without signal", async () => {
    const data = join(dir, "groups.jsonl");
    const line = (completion: string) => JSON.stringify({ task: "ICU_Stay_7day", completion, ground_truth: "yes" });
    // Group 1 rewards 1, 0, 0, 0: mean 1/4, unbiased std √((9/16 + 3/16)/3) = 1/2, advantages 1.5, −0.5, −0.5, −0.5.
    // Group 2 all 0: no signal.
    writeFileSync(
      data,
      [line("yes"), line("no"), line("no"), line("no"), line("no"), line("no"), line("no"), line("no")].join("\n"),
    );
    const run = await runCli("reward", "score", "--data", data, "--group-size", "4");
    const advantages = run.out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { advantage: number }).advantage);
    const expected = [1.5, -0.5, -0.5, -0.5, 0, 0, 0, 0].map((a) => (a * 0.5) / (0.5 + 1e-6));
    advantages.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, 9));
    expect(run.err).toMatch(/groups without signal\n[- ]+\nICU_Stay_7day +8 +0\.1250 +100\.0% +12\.5% +1 of 2\n/);
  });

  it("reward score --parity uses EHRMIND's tail tokens and matching names", async () => {
    const data = join(dir, "parity.jsonl");
    writeFileSync(
      data,
      [
        JSON.stringify({
          task: "readmission_test",
          completion: '<think>x</think><answer>{"prediction": "readmission", "label": 1}</answer><|im_end|>',
          ground_truth: { target: 1 },
        }),
        JSON.stringify({
          task: "matching_test",
          completion: '<think>x</think><answer>{"prediction": "Excluded", "idx": 0}</answer>',
          ground_truth: { target: 0 },
        }),
      ].join("\n"),
    );
    const scores = (out: string) =>
      out
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { score: number }).score);
    expect(scores((await runCli("reward", "score", "--data", data)).out)).toEqual([1.1, 0]);
    expect(scores((await runCli("reward", "score", "--data", data, "--parity")).out)).toEqual([-2, 1.1]);
  });

  it("reward serve answers on loopback and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "..", "bin", "ehr-r1.js"), "reward", "serve", "--port", "0", "--style", "ehrmind"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const url = await new Promise<string>((resolveUrl, reject) => {
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += String(d);
        const m = /reward server on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolveUrl(m[1]!);
      });
      child.once("exit", () => reject(new Error(err)));
    });
    const res = await fetch(`${url}/get_reward`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: ['<think>x</think><answer>{"answer": "no"}</answer>'],
        labels: [JSON.stringify({ task: "ICU_Stay_7day", ground_truth: "no" })],
      }),
    });
    expect(((await res.json()) as { rewards: number[] }).rewards[0]).toBeCloseTo(1.1, 12);
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  itNeeding([MEDCALC_CSV], "medcalc build and eval", async () => {
    const built = await run(
      "medcalc",
      "build",
      "--test",
      MEDCALC_CSV,
      "--out",
      join(dir, "mc"),
      "--format",
      "trl-grpo",
      "--template",
      "messages",
    );
    expect(built.code).toBe(0);
    expect(built.out).toMatch(/test\.jsonl: 1,047 rows \(test\)/);
    writeFileSync(
      join(dir, "gen.jsonl"),
      `${JSON.stringify({ index: 0, completion: '<answer>{"answer": 25.2}</answer>' })}\n${JSON.stringify({ index: 1, completion: "no idea" })}\n`,
    );
    const evaluated = await run(
      "medcalc",
      "eval",
      "--data",
      MEDCALC_CSV,
      "--completions",
      join(dir, "gen.jsonl"),
      "--format",
      "json",
    );
    expect(evaluated.code).toBe(0);
    // Rows 1 and 2 are both lab (Creatinine Clearance: GT 25.238, limits 23.9761–26.4999): one right, one wrong.
    const summary = JSON.parse(evaluated.out) as {
      categories: Record<string, { n: number; correct: number }>;
      missing: number;
    };
    expect(summary.categories.lab).toMatchObject({ n: 2, correct: 1 });
    expect(summary.missing).toBe(1045);
    expect((await run("medcalc", "build", "--out", join(dir, "none"))).err).toMatch(/give --test and\/or --train/);
    expect(
      (await run("medcalc", "eval", "--data", join(dir, "gen.jsonl"), "--completions", join(dir, "gen.jsonl"))).err,
    ).toMatch(/gen\.jsonl(:1)?: .*(not a MedCalc-Bench CSV|not a readable CSV)/);
  });
});
