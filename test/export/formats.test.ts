import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportDataset } from "../../src/export/formats.js";
import { mixOrder } from "../../src/export/mix.js";
import { rewardFor } from "../../src/rewards/core.js";
import { EstimatedTokenCounter } from "../../src/render/tokenizer.js";
import { Store } from "../../src/store/database.js";
import { TASKS } from "../../src/tasks/registry.js";
import { DATA_DIR, DEMO_STORE_FILES, describeNeeding, itNeeding, tempDir } from "../helpers/data.js";
import { DEMO_DB } from "../helpers/fixtures.js";
import { buildDataset } from "../../src/tasks/build-dataset.js";

const lab = TASKS.find((t) => t.name === "labevents")!;
const risk = TASKS.find((t) => t.name === "ICU_Stay_7day")!;
const RECORDS = [
  {
    idx: 0,
    instruction: lab.instruction,
    input: "## Patient Demographics [None]\n- Anchor_Age: 60\n- Gender: F",
    output: "Sodium\nPotassium",
    candidates: [],
    task_info: { task: "labevents", task_type: "decision_making", label: ["Sodium", "Potassium"] },
    reasoning: ["## Extraction\nx\n## Reasoning\ny\n## Final Results\nSodium\nPotassium"],
  },
  {
    idx: 1,
    instruction: risk.instruction,
    input: "## Patient Demographics [None]\n- Anchor_Age: 70\n- Gender: M",
    output: "no",
    candidates: ["yes", "no"],
    task_info: { task: "ICU_Stay_7day", task_type: "risk_prediction", label: "no" },
  },
];

describe("training exports", () => {
  const dir = tempDir();
  const data = join(dir, "data.jsonl");
  writeFileSync(data, RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const lines = (file: string) =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const user0 = `${RECORDS[0]!.input}\n${lab.instruction}`;
  const user1 = `${RECORDS[1]!.input}\n${risk.instruction}`;

  it("writes TRL chat rows for stage 1 and think/no_think rows for stage 2 (§6.6)", async () => {
    await exportDataset({ format: "sft", data, out: join(dir, "sft.jsonl") });
    expect(lines(join(dir, "sft.jsonl"))[0]).toEqual({
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: user0 },
        { role: "assistant", content: "Sodium\nPotassium" },
      ],
    });
    await exportDataset({ format: "reasoning-sft", data, out: join(dir, "rsft.jsonl") });
    const [withChain, without] = lines(join(dir, "rsft.jsonl")) as { messages: { content: string }[] }[];
    expect(withChain!.messages[1]!.content).toBe(`${user0}\n/think`);
    expect(withChain!.messages[2]!.content).toBe(
      `<think>\n${RECORDS[0]!.reasoning![0]}\n</think>\n\nSodium\nPotassium`,
    );
    expect(without!.messages[1]!.content).toBe(`${user1}/no_think`);
    expect(without!.messages[2]!.content).toBe("<think>\n\n</think>\n\nno");
  });

  it("writes OpenRLHF and TRL GRPO rows whose labels the reward server reads", async () => {
    await exportDataset({ format: "openrlhf", data, out: join(dir, "orl.jsonl") });
    const [a, b] = lines(join(dir, "orl.jsonl")) as { input: { content: string }[]; label: string }[];
    expect(JSON.parse(a!.label)).toEqual({ task: "labevents", ground_truth: '["Sodium","Potassium"]' });
    expect(a!.input[1]!.content).toBe(`${user0}\n/think`);
    expect(b!.input[1]!.content).toBe(`${user1}\n/no_think`);
    await exportDataset({ format: "trl-grpo", data, out: join(dir, "grpo.jsonl") });
    expect(lines(join(dir, "grpo.jsonl"))[1]).toMatchObject({ ground_truth: '"no"', task: "ICU_Stay_7day" });
  });

  it("with --style ehrmind, states EHRMIND's answer contract in the prompt, and answers that follow it earn the ehrmind reward", async () => {
    await exportDataset({ format: "trl-grpo", data, out: join(dir, "ehrmind.jsonl"), style: "ehrmind" });
    const rows = lines(join(dir, "ehrmind.jsonl")) as {
      prompt: { content: string }[];
      ground_truth: string;
      task: string;
    }[];
    expect(
      rows[0]!.prompt[1]!.content.startsWith(
        `${user0}\n\nPlease show your entire reasoning process in **a single** <think> </think> block`,
      ),
    ).toBe(true);
    expect(rows[0]!.prompt[1]!.content).toContain('{"answer": ["first item", "second item"]}');
    expect(rows[1]!.prompt[1]!.content).toContain('{"answer": "yes"}');
    expect(rows.every((r) => !/\n\/(no_)?think\b/.test(r.prompt[1]!.content))).toBe(true);
    const lab = rewardFor(
      rows[0]!.task,
      '<think>\nlow values\n</think>\n<answer>\n{"answer": ["Sodium", "Potassium"]}\n</answer>',
      rows[0]!.ground_truth,
      { style: "ehrmind" },
    );
    expect(lab.score).toBeCloseTo(1.1, 12);
    expect(
      rewardFor(rows[1]!.task, '<think>x</think><answer>{"answer": "no"}</answer>', rows[1]!.ground_truth, {
        style: "ehrmind",
      }).score,
    ).toBeCloseTo(1.1, 12);
  });

  it("keeps exactly the records within the token limit, and drops only those over it", async () => {
    // The estimate by hand: ceil(UTF-8 bytes / 1.5) per message (system, user, assistant).
    const estimate = (text: string) => Math.ceil(Buffer.byteLength(text, "utf8") / 1.5);
    const system = "You are a helpful assistant.";
    const tokens = [
      estimate(system) + estimate(user0) + estimate("Sodium\nPotassium"),
      estimate(system) + estimate(user1) + estimate("no"),
    ];
    expect(tokens[0]).not.toBe(tokens[1]);
    const [small, large] = tokens[0]! < tokens[1]! ? [0, 1] : [1, 0];
    const users = [user0, user1];
    const kept = async (maxTokens: number, name: string) => {
      const r = await exportDataset({
        format: "sft",
        data,
        out: join(dir, name),
        maxTokens,
        counter: new EstimatedTokenCounter(),
      });
      const rows = lines(join(dir, name)) as { messages: { content: string }[] }[];
      expect(r.rows).toBe(rows.length);
      return { dropped: r.droppedForLength, users: rows.map((row) => row.messages[1]!.content) };
    };
    // At the smaller record's own count it is kept (the limit is inclusive) and the larger is dropped.
    expect(await kept(tokens[small]!, "at.jsonl")).toEqual({ dropped: 1, users: [users[small]] });
    expect(await kept(tokens[small]! - 1, "below.jsonl")).toEqual({ dropped: 2, users: [] });
    expect(await kept(tokens[large]!, "all.jsonl")).toEqual({ dropped: 0, users: [user0, user1] });
  });

  itNeeding(
    [join(DATA_DIR, "ehrmind-verl", "medcalc_test.parquet")],
    "writes verl Parquet with the physical schema of EHRMind's verl files",
    async () => {
      const out = join(dir, "train.parquet");
      expect((await exportDataset({ format: "verl", data, out })).rows).toBe(2);
      const store = await Store.open(":memory:");
      try {
        const types = async (file: string) =>
          new Map(
            (await store.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM '${file}'`)).map(
              (c) => [c.column_name, c.column_type],
            ),
          );
        const ours = await types(out);
        const theirs = await types(join(DATA_DIR, "ehrmind-verl", "medcalc_test.parquet"));
        for (const column of ["data_source", "prompt", "ability"])
          expect(ours.get(column), column).toBe(theirs.get(column));
        expect(ours.get("reward_model")).toMatch(/^STRUCT\(ground_truth VARCHAR, style VARCHAR\)$/);
        expect(theirs.get("reward_model")).toMatch(/^STRUCT\(ground_truth .*, style VARCHAR\)$/);
        expect(ours.get("extra_info")).toMatch(/^STRUCT\("index" BIGINT, split VARCHAR/);
        expect(theirs.get("extra_info")).toBe('STRUCT("index" BIGINT, split VARCHAR)');
        const [row] = await store.rows<{ ds: string; role: string; gt: string; style: string }>(
          `SELECT data_source AS ds, prompt[1].role AS role, reward_model.ground_truth AS gt, reward_model.style AS style FROM '${out}'`,
        );
        expect(row).toEqual({ ds: "labevents", role: "system", gt: '["Sodium","Potassium"]', style: "rule" });
      } finally {
        store.close();
      }
    },
  );
});

describe("mixing two datasets (EHR-R1's MultipleDataset)", () => {
  it("without curriculum: one seeded permutation of both", () => {
    const order = mixOrder(30, 10, { seed: 1 });
    expect(order.map(([d, i]) => `${d}:${i}`).sort()).toEqual(
      [...Array.from({ length: 30 }, (_, i) => `0:${i}`), ...Array.from({ length: 10 }, (_, i) => `1:${i}`)].sort(),
    );
    expect(mixOrder(30, 10, { seed: 1 })).toEqual(order);
    expect(mixOrder(30, 10, { seed: 2 })).not.toEqual(order);
  });

  it("with curriculum: nothing of the second dataset before thr = 1 − 2·n₂/n₁ of the run, all of it by the end", () => {
    for (const seed of [1, 2, 3]) {
      // n₁ = 100, n₂ = 20: thr = 0.6, so the first 0.6 × 120 = 72 positions are all from dataset 1.
      const order = mixOrder(100, 20, { curriculum: true, seed });
      expect(order).toHaveLength(120);
      expect(order.slice(0, 72).every(([d]) => d === 0)).toBe(true);
      expect(order.filter(([d]) => d === 1)).toHaveLength(20);
      expect(new Set(order.map(([d, i]) => `${d}:${i}`)).size).toBe(120);
    }
    // n₂ > n₁/2: thr < 0, so the second dataset is drawn from the start.
    expect(
      mixOrder(10, 10, { curriculum: true, seed: 1 })
        .slice(0, 10)
        .some(([d]) => d === 1),
    ).toBe(true);
  });
});

describe("class-weighted RL exports", () => {
  const dir = tempDir();
  it("weights risk ground truths 0.5·N/N_class from the file's own counts, and the reward pays that weight", async () => {
    const risk = TASKS.find((t) => t.name === "ICU_Stay_7day")!;
    // 1 yes, 3 no: weights 0.5·4/1 = 2 and 0.5·4/3 = 2/3.
    const labels = ["yes", "no", "no", "no"];
    const data = join(dir, "risk.jsonl");
    writeFileSync(
      data,
      labels
        .map((label, idx) =>
          JSON.stringify({
            idx,
            instruction: risk.instruction,
            input: "x",
            output: label,
            candidates: ["yes", "no"],
            task_info: { task: "ICU_Stay_7day", task_type: "risk_prediction", label },
          }),
        )
        .join("\n"),
    );
    await exportDataset({ format: "trl-grpo", data, out: join(dir, "w.jsonl"), classWeighted: true });
    const rows = readFileSync(join(dir, "w.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { ground_truth: string; task: string });
    expect(rows.map((r) => JSON.parse(r.ground_truth))).toEqual([
      { target: "yes", weight: 2 },
      { target: "no", weight: 2 / 3 },
      { target: "no", weight: 2 / 3 },
      { target: "no", weight: 2 / 3 },
    ]);
    expect(rewardFor(rows[0]!.task, "<think>\n\n</think>\n\nyes", rows[0]!.ground_truth).score).toBe(2);
    expect(rewardFor(rows[1]!.task, "no", rows[1]!.ground_truth).score).toBeCloseTo(2 / 3, 12);
    expect(rewardFor(rows[1]!.task, "yes", rows[1]!.ground_truth).score).toBe(0);
    await expect(
      exportDataset({ format: "sft", data, out: join(dir, "x.jsonl"), classWeighted: true }),
    ).rejects.toThrow(/RL formats/);
    expect(
      (await exportDataset({ format: "sft", data, mix: data, curriculum: true, out: join(dir, "mixed.jsonl") })).rows,
    ).toBe(8);
  });
});

describe("training exports refuse mistakes", () => {
  const dir = tempDir();
  const data = join(dir, "data.jsonl");
  writeFileSync(data, RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");

  it("writes the file type its format is, and says which when the extension disagrees", async () => {
    await expect(exportDataset({ format: "sft", data, out: join(dir, "x.parquet") })).rejects.toThrow(
      /export sft writes JSONL: --out .*x\.parquet should end in \.jsonl \(verl's format is the Parquet one/,
    );
    await expect(exportDataset({ format: "verl", data, out: join(dir, "x.jsonl") })).rejects.toThrow(
      /export verl writes Parquet: --out .*x\.jsonl should end in \.parquet/,
    );
    expect(existsSync(join(dir, "x.parquet")) || existsSync(join(dir, "x.jsonl"))).toBe(false);
  });

  it("refuses options that cannot apply, before writing anything", async () => {
    const out = join(dir, "never.jsonl");
    await expect(exportDataset({ format: "csv" as "sft", data, out })).rejects.toThrow(
      "unknown export format csv (expected sft, reasoning-sft, verl, openrlhf, trl-grpo)",
    );
    await expect(exportDataset({ format: "sft", data, out, maxTokens: 10 })).rejects.toThrow(
      "--max-tokens needs a tokenizer (--tokenizer) or the estimate",
    );
    await expect(exportDataset({ format: "sft", data, out, curriculum: true })).rejects.toThrow(
      "--curriculum needs a second dataset (--mix)",
    );
    await expect(exportDataset({ format: "sft", data, out, classWeighted: true })).rejects.toThrow(
      "--class-weighted applies to the RL formats (verl, openrlhf, trl-grpo)",
    );
    // Records without patient ids cannot be checked against a benchmark's patients.
    await expect(exportDataset({ format: "sft", data, out, excludeBench: [data] })).rejects.toThrow(
      /data\.jsonl: record 0 has no task_info\.subject_id, so --exclude-bench cannot check/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("lists the file's patients in its manifest in numeric order, each once", async () => {
    const withIds = join(dir, "ids.jsonl");
    const ids = ["10", "9", "10", "100"];
    writeFileSync(
      withIds,
      ids
        .map((s, i) =>
          JSON.stringify({ ...RECORDS[i % 2]!, idx: i, task_info: { ...RECORDS[i % 2]!.task_info, subject_id: s } }),
        )
        .join("\n"),
    );
    const out = join(dir, "ids-sft.jsonl");
    await exportDataset({ format: "sft", data: withIds, out });
    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, "utf8")) as { subjects: string[]; rows: number };
    expect(manifest).toMatchObject({ subjects: ["9", "10", "100"], rows: 4 });
  });

  it("refuses reasoning-sft on a file without chains, naming it and how to make them", async () => {
    const plain = join(dir, "plain.jsonl");
    writeFileSync(plain, RECORDS.map(({ reasoning: _r, ...r }) => JSON.stringify(r)).join("\n") + "\n");
    await expect(exportDataset({ format: "reasoning-sft", data: plain, out: join(dir, "r.jsonl") })).rejects.toThrow(
      /plain\.jsonl: no record has a reasoning chain.*ehr-r1 reason synth/,
    );
    expect(existsSync(join(dir, "r.jsonl"))).toBe(false);
  });

  it("labels rows with the split they came from, and warns when a training file is made of a test split", async () => {
    mkdirSync(join(dir, "bench", "data"), { recursive: true });
    const test = join(dir, "bench", "data", "test-00000-of-00001.jsonl");
    writeFileSync(test, RECORDS.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const r = await exportDataset({ format: "verl", data: test, out: join(dir, "t.parquet") });
    expect(r.split).toBe("test");
    expect(r.warnings.join("\n")).toMatch(/is a test split: training on it puts the benchmark's own patients/);
    const store = await Store.open(":memory:");
    try {
      const splits = await store.rows<{ s: string }>(
        `SELECT DISTINCT extra_info.split AS s FROM read_parquet('${join(dir, "t.parquet")}')`,
      );
      expect(splits.map((x) => x.s)).toEqual(["test"]);
    } finally {
      store.close();
    }
    await expect(
      exportDataset({ format: "sft", data: test, out: join(dir, "t.jsonl"), split: "train" }),
    ).rejects.toThrow(/--split train, but .* holds the test split/);
    // A file that says nothing of its split: train, or what --split says, without a warning.
    const plain = await exportDataset({ format: "openrlhf", data, out: join(dir, "o.jsonl") });
    expect([plain.split, plain.warnings]).toEqual(["train", []]);
  });
});

describeNeeding(DEMO_STORE_FILES, "training exports keep a named benchmark's patients out", () => {
  const dir = tempDir();
  let store: Store;
  const split = { kind: "ratio" as const, testRatio: 0.3 };
  const config = { labevents: 40, poe: 40, ICU_Stay_7day: 20 };
  beforeAll(async () => {
    store = await Store.open(DEMO_DB, { readOnly: true, create: false });
    await buildDataset(store, { name: "bench", config, split, splitName: "test", seed: 3, out: join(dir, "bench") });
    await buildDataset(store, { name: "ins", config, split, splitName: "train", seed: 3, out: join(dir, "ins") });
  });
  afterAll(() => store?.close());

  it("writes the patients it holds beside the file, none of the benchmark's, and refuses a file that shares one", async () => {
    const out = join(dir, "sft.jsonl");
    const r = await exportDataset({ format: "sft", data: join(dir, "ins"), out, excludeBench: [join(dir, "bench")] });
    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, "utf8")) as {
      subjects: string[];
      rows: number;
      split: string;
    };
    expect([manifest.rows, manifest.split]).toEqual([r.rows, "train"]);
    expect(statSync(`${out}.manifest.json`).mode & 0o077).toBe(0);
    // Independently: the training file's patients (from its source records) and the benchmark's, by SQL.
    const [overlap] = await store.rows<{ train: bigint; bench: bigint; shared: bigint; listed: bigint }>(`
      WITH t AS (SELECT DISTINCT CAST(task_info.subject_id AS VARCHAR) AS s FROM read_json_auto('${join(dir, "ins", "data", "*.jsonl")}')),
      b AS (SELECT DISTINCT CAST(task_info.subject_id AS VARCHAR) AS s FROM read_json_auto('${join(dir, "bench", "data", "*.jsonl")}')),
      m AS (SELECT unnest(${JSON.stringify(manifest.subjects).replaceAll('"', "'")}::VARCHAR[]) AS s)
      SELECT (SELECT count(*) FROM t) AS train, (SELECT count(*) FROM b) AS bench,
        (SELECT count(*) FROM t JOIN b USING (s)) AS shared, (SELECT count(*) FROM m JOIN t USING (s)) AS listed`);
    expect(Number(overlap!.train)).toBeGreaterThan(10);
    expect(Number(overlap!.bench)).toBeGreaterThan(3);
    expect(Number(overlap!.shared)).toBe(0);
    expect(Number(overlap!.listed)).toBe(manifest.subjects.length);
    expect(manifest.subjects.length).toBe(Number(overlap!.train));

    // Rows dropped for length are not in the file, so their patients are not in its manifest.
    const none = join(dir, "none.jsonl");
    const empty = await exportDataset({
      format: "sft",
      data: join(dir, "ins"),
      out: none,
      maxTokens: 1,
      counter: new EstimatedTokenCounter(),
    });
    expect(empty.rows).toBe(0);
    expect((JSON.parse(readFileSync(`${none}.manifest.json`, "utf8")) as { subjects: string[] }).subjects).toEqual([]);

    // The benchmark itself, or a build from another patient split, shares patients: refused, nothing written.
    const leak = join(dir, "leak.jsonl");
    await expect(
      exportDataset({ format: "trl-grpo", data: join(dir, "bench"), out: leak, excludeBench: [join(dir, "bench")] }),
    ).rejects.toThrow(/record \d+ is of patient \d+, who is in the benchmark .*bench/);
    expect(existsSync(leak) || existsSync(`${leak}.manifest.json`)).toBe(false);
  });
});
