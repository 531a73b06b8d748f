import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { buildMatching, splitPairs, type Pair } from "../../src/matching/build.js";
import { rewardFor } from "../../src/rewards/core.js";
import { literal, Store } from "../../src/store/database.js";
import { describeNeeding, EHRMIND_VERL_DIR, tempDir } from "../helpers/data.js";

const SFT = join(EHRMIND_VERL_DIR, "matching_sft_val.parquet");

describeNeeding(
  [SFT],
  "trial matching files from TrialGPT-format inputs (rebuilt from EHRMIND's 100 real SFT rows)",
  () => {
    const dir = tempDir();
    const inputs = {
      queries: join(dir, "queries.jsonl"),
      qrels: join(dir, "qrels.tsv"),
      trials: join(dir, "trial_info.json"),
    };
    /** EHRMIND's own rendering of each pair's trial, cut from its SFT prompts. */
    const renderedTrial = new Map<string, string>();
    let sft: { q: string; c: string; label: number }[] = [];
    beforeAll(async () => {
      const store = await Store.open(":memory:");
      const rows = await store.rows<{ input: string; q: string; c: string; label: number }>(
        `SELECT input, query_id AS q, corpus_id AS c, label::INTEGER AS label FROM ${literal(SFT)}`,
      );
      store.close();
      const notes = new Map<string, string>();
      const trials: Record<string, { brief_title: string; inclusion_criteria: string; exclusion_criteria: string }> =
        {};
      for (const r of rows) {
        const note = r.input.split("Here is the patient note:\n")[1]!.split("\n\nHere is the clinial trial:\n")[0]!;
        const trial = r.input.split("Here is the clinial trial:\n")[1]!.split("\n-----------------")[0]!;
        const m =
          /^Title: (.*)\nInclusion Criteria: \n```\n([\s\S]*)\n```\nExclusion Criteria: \n```\n([\s\S]*)\n```$/.exec(
            trial,
          )!;
        notes.set(r.q, note);
        trials[r.c] = { brief_title: m[1]!, inclusion_criteria: m[2]!, exclusion_criteria: m[3]! };
        renderedTrial.set(r.c, trial);
      }
      writeFileSync(inputs.queries, [...notes].map(([id, text]) => JSON.stringify({ _id: id, text })).join("\n"));
      writeFileSync(
        inputs.qrels,
        `query-id\tcorpus-id\tscore\n${rows.map((r) => `${r.q}\t${r.c}\t${r.label}`).join("\n")}\n`,
      );
      writeFileSync(inputs.trials, JSON.stringify(trials));
      sft = rows.map(({ q, c, label }) => ({ q, c, label }));
    });

    it("splits by patient without EHRMIND's leak: no training pair in a test, unseen patients only in the inductive test, every split balanced", () => {
      const pairs: Pair[] = sft.map((r) => ({ query: r.q, corpus: r.c, label: r.label }));
      const s = splitPairs(pairs, { valSize: 6, seed: 3 });
      const key = (p: Pair) => `${p.query}\t${p.corpus}`;
      const trainKeys = new Set([...s.train, ...s.val].map(key));
      expect([...s.transductive, ...s.inductive].some((p) => trainKeys.has(key(p)))).toBe(false);
      const trainQueries = new Set([...s.train, ...s.val].map((p) => p.query));
      expect(s.inductive.some((p) => trainQueries.has(p.query))).toBe(false);
      const inductiveQueries = new Set(s.inductive.map((p) => p.query));
      expect(s.transductive.some((p) => inductiveQueries.has(p.query))).toBe(false); // transductive = seen patients only
      for (const split of [[...s.train, ...s.val], s.transductive, s.inductive]) {
        const counts = [0, 1, 2].map((l) => split.filter((p) => p.label === l).length);
        expect(new Set(counts).size, JSON.stringify(counts)).toBe(1);
      }
      expect(s.val).toHaveLength(6);
      expect(s.train.length + s.val.length).toBeGreaterThan(0);
    });

    it("writes verl files whose trial text is EHRMIND's and whose answers score with the names the prompt states", async () => {
      const built = await buildMatching({ ...inputs, out: join(dir, "verl"), valSize: 6, seed: 3 });
      expect(built.missingNote + built.missingTrial).toBe(0);
      const store = await Store.open(":memory:");
      try {
        const train = built.files.find((f) => f.split === "train")!.file;
        const rows = await store.rows<{
          ds: string;
          content: string;
          trial: string;
          corpus: string;
          target: number;
          names: string[];
        }>(
          `SELECT data_source AS ds, prompt[1].content AS content, trial, extra_info.corpus_id AS corpus, reward_model.ground_truth.target::INTEGER AS target, reward_model.ground_truth.label_names AS names FROM ${literal(train)}`,
        );
        expect(rows.length).toBeGreaterThan(0);
        for (const r of rows) {
          expect(r.trial).toBe(renderedTrial.get(r.corpus));
          expect(r.content).toContain(r.trial);
          expect(r.content).toContain("0) Irrelevant (");
          expect(r.content).toMatch(
            /<\|start_header_id\|>assistant<\|end_header_id\|>\nLet me solve this step by step.\n<think>$/,
          );
          const answer = `\nreasoning\n</think>\n<answer>\n{"prediction": "${r.names[r.target]}", "idx": ${r.target}}\n</answer><|eot_id|>`;
          expect(
            rewardFor(r.ds, answer, { target: r.target, label_names: r.names }, { prompt: r.content }).score,
          ).toBeCloseTo(1.1, 12);
        }
        const val = built.files.find((f) => f.split === "val")!;
        const test = built.files.find((f) => f.split === "test")!;
        expect(val.rows).toBe(6 + test.rows);
        const sources = await store.rows<{ ds: string }>(
          `SELECT DISTINCT data_source AS ds FROM ${literal(val.file)} ORDER BY 1`,
        );
        expect(
          sources
            .map((s) => s.ds)
            .every((d) => ["matching_val", "matching_transductive_test", "matching_inductive_test"].includes(d)),
        ).toBe(true);
      } finally {
        store.close();
      }
    });

    it("writes OpenRLHF rows for the messages template, and names bad inputs", async () => {
      const built = await buildMatching({
        ...inputs,
        out: join(dir, "orl"),
        format: "openrlhf",
        template: "messages",
        valSize: 6,
      });
      const line = JSON.parse(readFileSync(built.files[0]!.file, "utf8").split("\n")[0]!) as {
        input: { role: string }[];
        label: string;
      };
      expect(line.input.map((m) => m.role)).toEqual(["system", "user"]);
      expect(JSON.parse(line.label)).toMatchObject({
        task: "matching_train",
        ground_truth: { label_names: ["Irrelevant", "Excluded", "Eligible"] },
      });
      writeFileSync(join(dir, "bad.tsv"), "query-id\tcorpus-id\tscore\nq\tc\t7\n");
      await expect(buildMatching({ ...inputs, qrels: join(dir, "bad.tsv"), out: join(dir, "bad") })).rejects.toThrow(
        /bad\.tsv:2: score must be 0, 1 or 2, got 7/,
      );
    });
  },
);
