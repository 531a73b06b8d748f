import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { literal, Store } from "../../src/store/database.js";
import { EHRMIND_VERL_DIR } from "./data.js";

/** EHRMIND's 100 real trial-matching SFT rows: the fixture TrialGPT-format inputs are rebuilt from. */
export const MATCHING_SFT = join(EHRMIND_VERL_DIR, "matching_sft_val.parquet");

export interface MatchingInputs {
  inputs: { queries: string; qrels: string; trials: string };
  /** EHRMIND's own rendering of each pair's trial, cut from its SFT prompts. */
  renderedTrial: Map<string, string>;
  sft: { q: string; c: string; label: number }[];
}

/** Writes queries.jsonl, qrels.tsv and trial_info.json into `dir`, cut from EHRMIND's SFT prompts. */
export async function matchingInputsFromSft(dir: string): Promise<MatchingInputs> {
  const inputs = {
    queries: join(dir, "queries.jsonl"),
    qrels: join(dir, "qrels.tsv"),
    trials: join(dir, "trial_info.json"),
  };
  const renderedTrial = new Map<string, string>();
  const store = await Store.open(":memory:");
  const rows = await store.rows<{ input: string; q: string; c: string; label: number }>(
    `SELECT input, query_id AS q, corpus_id AS c, label::INTEGER AS label FROM ${literal(MATCHING_SFT)}`,
  );
  store.close();
  const notes = new Map<string, string>();
  const trials: Record<string, { brief_title: string; inclusion_criteria: string; exclusion_criteria: string }> = {};
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
  return { inputs, renderedTrial, sft: rows.map(({ q, c, label }) => ({ q, c, label })) };
}
