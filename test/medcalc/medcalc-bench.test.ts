import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { buildMedcalc } from "../../src/medcalc/build.js";
import { evaluateMedcalc, readCompletions, readMedcalcRows } from "../../src/medcalc/evaluate.js";
import { rewardFor } from "../../src/rewards/core.js";
import { rewardApp } from "../../src/rewards/server.js";
import { literal, Store } from "../../src/store/database.js";
import { DATA_DIR, describeNeeding, EHRMIND_VERL_DIR, itNeeding, MEDCALC_CSV, tempDir } from "../helpers/data.js";

const QWEN3 = join(DATA_DIR, "tokenizers", "qwen3");
const MEDCALC_FILES = [MEDCALC_CSV, join(EHRMIND_VERL_DIR, "medcalc_test.parquet")];

interface Raw {
  rn: number;
  calid: number;
  category: string;
  type: string;
  gt: string;
  lo: string;
  hi: string;
}

const think = "<think>\nreasoning\n</think>\n";
const said = (answer: string) => `${think}<answer>\n${JSON.stringify({ answer })}\n</answer><|eot_id|>`;
const number = (answer: string) => `${think}<answer>{"answer": ${answer}}</answer>`;

describeNeeding(MEDCALC_FILES, "MedCalc-Bench v1.0 (the real 1,047-row test set)", () => {
  const dir = tempDir();
  let raw: Raw[] = [];
  let store: Store;
  beforeAll(async () => {
    store = await Store.open(":memory:");
    // Read independently of the loader under test: DuckDB's sniffer over the raw file.
    raw =
      await store.rows<Raw>(`SELECT "Row Number"::INTEGER rn, "Calculator ID"::INTEGER calid, Category category, "Output Type" AS type,
      "Ground Truth Answer" gt, "Lower Limit" lo, "Upper Limit" hi FROM read_csv(${literal(MEDCALC_CSV)}) ORDER BY rn`);
    return () => store.close();
  });

  it("has the documented mix of rules: 627 decimal, 360 integer, 20 gestational-age and 40 date rows; 21 decimal rows with GT 0", () => {
    expect(raw).toHaveLength(1047);
    const rule = (r: Raw) => (r.calid === 69 ? "gestation" : r.type);
    const counts = Object.fromEntries(
      ["decimal", "integer", "gestation", "date"].map((k) => [k, raw.filter((r) => rule(r) === k).length]),
    );
    expect(counts).toEqual({ decimal: 627, integer: 360, gestation: 20, date: 40 });
    expect(raw.filter((r) => r.type === "decimal" && Number(r.gt) === 0)).toHaveLength(21);
  });

  it("every ground truth scores full; answers just outside the tolerance score zero", () => {
    const score = (r: Raw, completion: string) =>
      rewardFor(`medcalc_${r.category}_test`, completion, {
        target: r.gt,
        calid: r.calid,
        lower_limit: r.lo,
        upper_limit: r.hi,
      }).score;
    let checked = 0;
    for (const r of raw) {
      const at = `row ${r.rn} (calculator ${r.calid}, GT ${r.gt})`;
      expect(score(r, said(r.gt)), at).toBeCloseTo(1.1, 12);
      if (r.calid === 69) {
        const [, w, d] = /'(\d+) weeks?', '(\d+) days?'/.exec(r.gt)!;
        expect(score(r, said(`(${w}, ${d})`)), at).toBeCloseTo(1.1, 12);
        expect(score(r, said(`${w} weeks, ${d} days`)), at).toBeCloseTo(1.1, 12);
        expect(score(r, said(`(${w}, ${Number(d) + 1})`)), at).toBe(0);
      } else if (r.type === "date") {
        const [m, d, y] = r.gt.split("/").map(Number) as [number, number, number];
        expect(score(r, said(`${m}/${d}/${y}`)), at).toBeCloseTo(1.1, 12);
        const next = new Date(Date.UTC(y, m - 1, d + 1));
        expect(
          score(
            r,
            said(
              `${String(next.getUTCMonth() + 1).padStart(2, "0")}/${String(next.getUTCDate()).padStart(2, "0")}/${next.getUTCFullYear()}`,
            ),
          ),
          at,
        ).toBe(0);
        expect(score(r, said(`${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`)), at).toBe(0);
      } else if (r.type === "integer") {
        const gt = Number(r.gt);
        expect(score(r, number(r.gt)), at).toBeCloseTo(1.1, 12);
        expect([score(r, said(String(gt + 1))), score(r, said(String(gt - 1)))], at).toEqual([0, 0]);
        expect(score(r, said(String(gt + 0.4))), at).toBeCloseTo(1.1, 12);
        // round half to even: GT + 0.5 rounds back to GT exactly when GT is even
        expect(score(r, said(String(gt + 0.5))), at).toBe(gt % 2 === 0 ? 1.1 : 0);
      } else {
        const [lo, hi] = [Number(r.lo), Number(r.hi)];
        const step = (x: number) => Math.max(Math.abs(x), 1) * 1e-9;
        expect(score(r, number(r.gt)), at).toBeCloseTo(1.1, 12);
        expect([score(r, number(r.lo)), score(r, number(r.hi))], at).toEqual([1.1, 1.1]);
        expect([score(r, said(String(hi + step(hi)))), score(r, said(String(lo - step(lo))))], at).toEqual([0, 0]);
      }
      checked++;
    }
    expect(checked).toBe(1047);
  });

  it("builds verl Parquet identical to EHRMIND's medcalc_test.parquet (schema and every value) with --reference-example", async () => {
    const [test] = await buildMedcalc({ test: MEDCALC_CSV, out: join(dir, "parity"), referenceExample: true });
    const ours = literal(test!.file);
    const theirs = literal(join(EHRMIND_VERL_DIR, "medcalc_test.parquet"));
    expect(await store.rows(`DESCRIBE SELECT * FROM ${ours}`)).toEqual(
      await store.rows(`DESCRIBE SELECT * FROM ${theirs}`),
    );
    expect(
      Number(await store.value(`SELECT count(*) FROM (SELECT * FROM ${ours} EXCEPT ALL SELECT * FROM ${theirs})`)),
    ).toBe(0);
    expect(
      Number(await store.value(`SELECT count(*) FROM (SELECT * FROM ${theirs} EXCEPT ALL SELECT * FROM ${ours})`)),
    ).toBe(0);
  });

  it("by default gives the prompt a copyable, valid JSON example and changes nothing else", async () => {
    const [test] = await buildMedcalc({ test: MEDCALC_CSV, out: join(dir, "default") });
    const rows = await store.rows<{
      a: string;
      b: string;
    }>(`SELECT a.prompt[1].content a, b.prompt[1].content b FROM ${literal(test!.file)} a
      JOIN ${literal(join(EHRMIND_VERL_DIR, "medcalc_test.parquet"))} b USING ("Row Number")`);
    expect(rows).toHaveLength(1047);
    for (const { a, b } of rows) {
      const example = /<\/think>\n<answer>\n([\s\S]*?)\n<\/answer>/.exec(a)![1]!;
      expect(() => JSON.parse(example)).not.toThrow();
      expect(a.replace(example, "").replace("</answer>\n\nDo not", "")).toBe(
        b
          .replace(/\{\n {4}"answer": str\(short_and_direct_answer_of_the_question\),\n\} /, "")
          .replace("</answer>.\n\nDo not", ""),
      );
    }
  });

  it("splits a train CSV as EHRMIND does: 14 per category in file order for val, the rest shuffled and length-filtered", async () => {
    const files = await buildMedcalc({ train: MEDCALC_CSV, out: join(dir, "train"), referenceExample: true, seed: 7 });
    const [train, val] = [files.find((f) => f.split === "train")!, files.find((f) => f.split === "val")!];
    const firstPerCategory = raw
      .filter((r, i) => raw.slice(0, i).filter((x) => x.category === r.category).length < 14)
      .map((r) => r.rn);
    expect(firstPerCategory).toHaveLength(98);
    expect(
      (
        await store.rows<{ rn: number }>(
          `SELECT "Row Number"::INTEGER rn FROM ${literal(val.file)} ORDER BY extra_info.index`,
        )
      ).map((r) => r.rn),
    ).toEqual(firstPerCategory);
    // Word counts from EHRMIND's own prompts for the same rows.
    const words = await store.rows<{ rn: number; p: string }>(
      `SELECT "Row Number"::INTEGER rn, prompt[1].content p FROM ${literal(join(EHRMIND_VERL_DIR, "medcalc_test.parquet"))}`,
    );
    const short = words
      .filter((w) => !firstPerCategory.includes(w.rn) && w.p.trim().split(/\s+/).length <= 1024)
      .map((w) => w.rn);
    const got = (
      await store.rows<{ rn: number }>(
        `SELECT "Row Number"::INTEGER rn FROM ${literal(train.file)} ORDER BY extra_info.index`,
      )
    ).map((r) => r.rn);
    expect(got.length).toBe(short.length);
    expect([...got].sort((x, y) => x - y)).toEqual(short.sort((x, y) => x - y));
    expect(got).not.toEqual([...got].sort((x, y) => x - y)); // shuffled
    const again = await buildMedcalc({ train: MEDCALC_CSV, out: join(dir, "train2"), referenceExample: true, seed: 7 });
    expect(readFileSync(again.find((f) => f.split === "train")!.file).equals(readFileSync(train.file))).toBe(true);
  });

  itNeeding(
    [join(QWEN3, "tokenizer.json")],
    "drops train prompts over a token budget and counts test prompts over it (Qwen3's tokenizer)",
    async () => {
      const { ModelTokenizer } = await import("../../src/render/tokenizer.js");
      const folder = QWEN3;
      const tokenizer = ModelTokenizer.load(folder);
      const budget = 700;
      const files = await buildMedcalc({
        test: MEDCALC_CSV,
        train: MEDCALC_CSV,
        out: join(dir, "budget"),
        referenceExample: true,
        maxTokens: budget,
        maxWords: 100_000,
        countPrompt: (m) => tokenizer.count(m[0]!.content),
      });
      // Independently: EHRMIND's own prompts for the same rows, counted with the same tokenizer.
      const prompts = await store.rows<{ rn: number; p: string }>(
        `SELECT "Row Number"::INTEGER rn, prompt[1].content p FROM ${literal(join(EHRMIND_VERL_DIR, "medcalc_test.parquet"))}`,
      );
      const over = new Set(prompts.filter((r) => tokenizer.count(r.p) > budget).map((r) => r.rn));
      const firstPerCategory = new Set(
        raw.filter((r, i) => raw.slice(0, i).filter((x) => x.category === r.category).length < 14).map((r) => r.rn),
      );
      expect(over.size).toBeGreaterThan(0);
      expect(files.find((f) => f.split === "test")!.overBudget).toBe(over.size);
      const train = files.find((f) => f.split === "train")!;
      expect(train.overBudget).toBe([...over].filter((rn) => !firstPerCategory.has(rn)).length);
      const kept = (
        await store.rows<{ rn: number }>(`SELECT "Row Number"::INTEGER rn FROM ${literal(train.file)}`)
      ).map((r) => r.rn);
      expect(kept.some((rn) => over.has(rn))).toBe(false);
      expect(kept.length).toBe(1047 - firstPerCategory.size - train.overBudget!);
    },
  );

  it("openrlhf rows score through the reward server exactly as the verl rows do", async () => {
    const [file] = await buildMedcalc({ test: MEDCALC_CSV, out: join(dir, "openrlhf"), format: "openrlhf" });
    const rows = readFileSync(file!.file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { input: string; label: string });
    expect(rows).toHaveLength(1047);
    const truth = (r: { label: string }) =>
      (JSON.parse(r.label) as { ground_truth: { target: string } }).ground_truth.target;
    // The prompt ends in the <think> prefill, so the completion must not open another one.
    const completion = (r: { label: string }) =>
      `\nreasoning\n</think>\n<answer>{"answer": ${JSON.stringify(truth(r))}}</answer><|eot_id|>`;
    const res = await rewardApp().request("/get_reward", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: rows.map((r) => r.input + completion(r)),
        prompts: rows.map((r) => r.input),
        labels: rows.map((r) => r.label),
      }),
    });
    const body = (await res.json()) as { rewards: number[] };
    expect(body.rewards).toHaveLength(1047);
    expect(body.rewards.every((x) => Math.abs(x - 1.1) < 1e-12)).toBe(true);
    const twice = await rewardApp().request("/get_reward", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: [rows[0]!.input + "<think>" + completion(rows[0]!)],
        prompts: [rows[0]!.input],
        labels: [rows[0]!.label],
      }),
    });
    expect(((await twice.json()) as { rewards: number[] }).rewards).toEqual([-2]); // a second <think> after the prefill
  });

  it("evaluates completions per category and overall (micro)", async () => {
    const lines = raw.map((r, i) =>
      JSON.stringify({ row_number: r.rn, completion: i % 2 === 0 ? said(r.gt) : said("not a number") }),
    );
    writeFileSync(join(dir, "completions.jsonl"), `${lines.join("\n")}\n`);
    const summary = evaluateMedcalc(
      await readMedcalcRows(MEDCALC_CSV),
      await readCompletions(join(dir, "completions.jsonl")),
    );
    for (const category of ["lab", "risk", "physical", "severity", "diagnosis", "date", "dosage"]) {
      const rows = raw.map((r, i) => ({ r, i })).filter(({ r }) => r.category === category);
      expect(summary.categories[category], category).toMatchObject({
        n: rows.length,
        correct: rows.filter(({ i }) => i % 2 === 0).length,
      });
    }
    expect(summary.overall).toMatchObject({ n: 1047, correct: 524 });
    expect(summary.overall.ci_low).toBeLessThan(524 / 1047);
    expect(summary.overall.ci_high).toBeGreaterThan(524 / 1047);
    // The same through EHRMIND's own Parquet file, keyed by row position.
    writeFileSync(
      join(dir, "by-index.jsonl"),
      `${raw.map((r, i) => JSON.stringify({ index: i, generated_text: said(r.gt) })).join("\n")}\n`,
    );
    expect(
      evaluateMedcalc(
        await readMedcalcRows(join(EHRMIND_VERL_DIR, "medcalc_test.parquet")),
        await readCompletions(join(dir, "by-index.jsonl")),
        "reward",
      ).overall.correct,
    ).toBe(1047);
  });

  it("with several samples per row: mean accuracy and unbiased pass@k", async () => {
    // The first 20 rows (lab, Creatinine Clearance), 4 samples each: one right, three wrong.
    const lines = raw
      .slice(0, 20)
      .flatMap((r) =>
        [said(r.gt), said("-1"), said("-2"), said("-3")].map((completion) =>
          JSON.stringify({ row_number: r.rn, completion }),
        ),
      );
    writeFileSync(join(dir, "samples.jsonl"), `${lines.join("\n")}\n`);
    const summary = evaluateMedcalc(
      await readMedcalcRows(MEDCALC_CSV),
      await readCompletions(join(dir, "samples.jsonl")),
    );
    // pass@1 = 1/4; pass@2 = 1 − C(3,2)/C(4,2) = 1/2; pass@4 = 1
    expect(summary.overall).toMatchObject({ n: 20, correct: 5, accuracy: 0.25, samples: 4, ehrmind_pass_at_k: 1 });
    expect(summary.overall.pass_at_k!["1"]).toBeCloseTo(0.25, 12);
    expect(summary.overall.pass_at_k!["2"]).toBeCloseTo(0.5, 12);
    expect(summary.overall.pass_at_k!["4"]).toBeCloseTo(1, 12);
  });
});

describeNeeding([MEDCALC_CSV], "medcalc run against a loopback OpenAI-compatible server", () => {
  const dir = tempDir();
  it("sends EHRMIND's prompt as chat messages, keeps completions resumable, and scores them per category", async () => {
    const { startFakeServer } = await import("../helpers/fake-openai.js");
    const { runCli } = await import("../helpers/cli.js");
    const server = await startFakeServer();
    try {
      const out = join(dir, "run");
      const run = await runCli(
        "medcalc",
        "run",
        "--data",
        MEDCALC_CSV,
        "--base-url",
        server.url,
        "--model",
        "m",
        "--out",
        out,
        "--limit",
        "6",
        "--samples",
        "2",
        "--json",
      );
      expect(run.code).toBe(0);
      const body = server.bodies.at(-1) as {
        messages: { role: string; content: string }[];
        n: number;
        temperature: number;
      };
      expect(body.messages.map((m) => m.role)).toEqual(["system", "user"]);
      expect(body.messages[1]!.content).toContain("Here is the task:\n```");
      expect([body.n, body.temperature]).toEqual([2, 0.6]);
      // The server always answers 25.3: correct exactly where the row's own limits hold it (read from the raw CSV).
      const store = await Store.open(":memory:");
      const limits = await store.rows<{ lo: string; hi: string; category: string }>(
        `SELECT "Lower Limit" AS lo, "Upper Limit" AS hi, Category AS category FROM read_csv(${literal(MEDCALC_CSV)}) ORDER BY "Row Number" LIMIT 6`,
      );
      store.close();
      const expected = limits.filter((l) => Number(l.lo) <= 25.3 && 25.3 <= Number(l.hi)).length;
      const result = JSON.parse(run.out) as { summary: { overall: { n: number; correct: number; samples: number } } };
      expect(result.summary.overall).toMatchObject({ n: 6, correct: expected, samples: 2 });
      expect(readFileSync(join(out, "completions.jsonl"), "utf8").trim().split("\n")).toHaveLength(6);
      const again = await runCli(
        "medcalc",
        "run",
        "--data",
        MEDCALC_CSV,
        "--base-url",
        server.url,
        "--model",
        "m",
        "--out",
        out,
        "--limit",
        "6",
        "--samples",
        "2",
        "--resume",
        "--json",
      );
      expect(JSON.parse(again.out) as { resumed: number; ran: number }).toMatchObject({ resumed: 6, ran: 0 });
    } finally {
      await server.close();
    }
  });
});
