import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { buildMatching, splitPairs, type Pair } from "../../src/matching/build.js";
import { rewardFor } from "../../src/rewards/core.js";
import { literal, Store } from "../../src/store/database.js";
import { describeNeeding, tempDir } from "../helpers/data.js";
import { MATCHING_SFT, matchingInputsFromSft, type MatchingInputs } from "../helpers/matching-inputs.js";

describeNeeding(
  [MATCHING_SFT],
  "trial matching files from TrialGPT-format inputs (rebuilt from EHRMIND's 100 real SFT rows)",
  () => {
    const dir = tempDir();
    let inputs: MatchingInputs["inputs"];
    let renderedTrial: MatchingInputs["renderedTrial"];
    let sft: MatchingInputs["sft"] = [];
    beforeAll(async () => {
      ({ inputs, renderedTrial, sft } = await matchingInputsFromSft(dir));
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
