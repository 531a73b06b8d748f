import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EhrmindTemplate } from "../ehrmind/template.js";
import { InputError, UsageError } from "../errors.js";
import { TREC_MATCHING_LABELS } from "../rewards/families.js";
import { Random } from "../common/random.js";
import { firstLine, literal, Store } from "../store/database.js";
import { replaceableFolder, writeFolder } from "../store/output-folder.js";
import { RowFile } from "../export/row-file.js";
import { RL_FORMAT_NAMES, rlFormat, type RlFormatName, type RlRow, type RlSchema } from "../export/rl-formats.js";
import { matchingMessages, trialText, type TrialInfo } from "./prompt.js";

export type MatchingFormat = RlFormatName;
export const MATCHING_FORMATS: readonly MatchingFormat[] = RL_FORMAT_NAMES;

/** Trial matching's verl columns: the label and its names as the ground truth; the pair's ids, texts and label beside it. */
export const MATCHING_RL_SCHEMA: RlSchema = {
  groundTruth: 'STRUCT("target" BIGINT, label_names VARCHAR[])',
  extraInfo: 'STRUCT("index" BIGINT, split VARCHAR, query_id VARCHAR, corpus_id VARCHAR)',
  columnsAfter: { note: "VARCHAR", trial: "VARCHAR", label: "BIGINT" },
};

export interface MatchingBuildOptions {
  /** TrialGPT's queries.jsonl: one `{"_id", "text"}` per patient. */
  queries: string;
  /** TREC qrels: tab-separated `query-id`, `corpus-id`, `score` (0 not relevant, 1 excluded, 2 eligible). */
  qrels: string;
  /** trial_info.json: NCT id → {brief_title, inclusion_criteria, exclusion_criteria}. */
  trials: string;
  out: string;
  format?: MatchingFormat;
  template?: EhrmindTemplate;
  /** Share of patients whose pairs may train (EHRMIND: 0.8); the others form the inductive test. */
  trainRatio?: number;
  /** Train pairs moved to validation (EHRMIND: 1,000). */
  valSize?: number;
  /** Train prompts longer than this many words are dropped (EHRMIND: 1,024). */
  maxWords?: number;
  seed?: number;
  force?: boolean;
}

export interface Pair {
  query: string;
  corpus: string;
  label: number;
}

export interface MatchingSplits {
  train: Pair[];
  val: Pair[];
  transductive: Pair[];
  inductive: Pair[];
}

/** Down-samples every label to the rarest label's count (seeded). */
function balanced(pairs: readonly Pair[], rng: Random): Pair[] {
  const byLabel = new Map<number, Pair[]>();
  for (const p of pairs) {
    const list = byLabel.get(p.label) ?? [];
    list.push(p);
    byLabel.set(p.label, list);
  }
  if (byLabel.size < 3) return [];
  const k = Math.min(...[...byLabel.values()].map((v) => v.length));
  return [...byLabel.keys()].sort().flatMap((label) => rng.shuffled(byLabel.get(label)!).slice(0, k));
}

/**
 * EHRMIND's split (src/dataset/matching/preprocess/split.py) with its leak fixed: patients shuffled,
 * the first trainRatio of them may train; train = their pairs balanced by label; the transductive
 * test = their other pairs (by query and trial, so no training pair can reappear), balanced; the
 * inductive test = the other patients' pairs, balanced; validation = valSize random train pairs.
 */
export function splitPairs(
  pairs: readonly Pair[],
  options: { trainRatio?: number; valSize?: number; seed?: number } = {},
): MatchingSplits {
  const rng = new Random(options.seed ?? 42, 0x7472);
  const queries = rng.shuffled([...new Set(pairs.map((p) => p.query))].sort());
  const trainQueries = new Set(queries.slice(0, Math.floor(queries.length * (options.trainRatio ?? 0.8))));
  const seen = pairs.filter((p) => trainQueries.has(p.query));
  const trainAll = balanced(seen, rng);
  const taken = new Set(trainAll.map((p) => `${p.query}\t${p.corpus}`));
  const transductive = balanced(
    seen.filter((p) => !taken.has(`${p.query}\t${p.corpus}`)),
    rng,
  );
  const inductive = balanced(
    pairs.filter((p) => !trainQueries.has(p.query)),
    rng,
  );
  const mixed = rng.shuffled(trainAll);
  const valSize = Math.min(options.valSize ?? 1000, Math.floor(mixed.length / 2));
  return { val: mixed.slice(0, valSize), train: mixed.slice(valSize), transductive, inductive };
}

async function readInputs(
  options: MatchingBuildOptions,
): Promise<{ pairs: Pair[]; notes: Map<string, string>; trials: Record<string, TrialInfo> }> {
  for (const file of [options.queries, options.qrels, options.trials])
    if (!existsSync(resolve(file))) throw new InputError(resolve(file), undefined, "no such file");
  const notes = new Map<string, string>();
  for (const [i, line] of readFileSync(options.queries, "utf8").split("\n").entries()) {
    if (!line.trim()) continue;
    let q: { _id?: unknown; text?: unknown };
    try {
      q = JSON.parse(line) as typeof q;
    } catch {
      throw new InputError(resolve(options.queries), i + 1, "not JSON");
    }
    if (typeof q._id !== "string" || typeof q.text !== "string")
      throw new InputError(resolve(options.queries), i + 1, 'expected {"_id": string, "text": string}');
    notes.set(q._id, q.text);
  }
  let trials: Record<string, TrialInfo>;
  try {
    trials = JSON.parse(readFileSync(options.trials, "utf8")) as Record<string, TrialInfo>;
  } catch (error) {
    throw new InputError(
      resolve(options.trials),
      undefined,
      `not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!trials || typeof trials !== "object" || Array.isArray(trials))
    throw new InputError(resolve(options.trials), undefined, "expected an object of NCT id → trial");
  const store = await Store.open(":memory:");
  try {
    const rows = await store
      .rows<{ q: string; c: string; s: number | null }>(
        `SELECT "query-id" AS q, "corpus-id" AS c, TRY_CAST(score AS INTEGER) AS s FROM read_csv(${literal(resolve(options.qrels))}, delim = '\t', header = true, all_varchar = true)`,
      )
      .catch((error: unknown) => {
        throw new InputError(
          resolve(options.qrels),
          undefined,
          `expected tab-separated query-id, corpus-id, score (${firstLine(error)})`,
        );
      });
    const bad = rows.findIndex((r) => r.s === null || ![0, 1, 2].includes(r.s));
    if (bad >= 0)
      throw new InputError(
        resolve(options.qrels),
        bad + 2,
        `score must be 0, 1 or 2, got ${JSON.stringify(rows[bad]!.s)}`,
      );
    return { pairs: rows.map((r) => ({ query: r.q, corpus: r.c, label: r.s! })), notes, trials };
  } finally {
    store.close();
  }
}

/**
 * EHRMIND's trial-matching RL files (src/dataset/matching/rl/inst.py), with TREC's label names in the
 * prompt and the ground truth alike: `train`, `val` (validation + both tests) and `test`
 * (transductive + inductive). Pairs whose patient or trial text is missing are left out and counted.
 */
export async function buildMatching(
  options: MatchingBuildOptions,
): Promise<{ files: { file: string; split: string; rows: number }[]; missingNote: number; missingTrial: number }> {
  const format = options.format ?? "verl";
  const rl = rlFormat(format);
  if (!rl) throw new UsageError(`unknown format ${format} (expected ${MATCHING_FORMATS.join(", ")})`);
  const ratio = options.trainRatio ?? 0.8;
  if (!(ratio > 0 && ratio < 1)) throw new UsageError("--train-ratio must lie between 0 and 1");
  const out = replaceableFolder(options.out, options.force);
  const { pairs, notes, trials } = await readInputs(options);
  const missingNote = pairs.filter((p) => !notes.has(p.query)).length;
  const missingTrial = pairs.filter((p) => notes.has(p.query) && !trials[p.corpus]).length;
  const usable = pairs.filter((p) => notes.has(p.query) && trials[p.corpus]);
  const splits = splitPairs(usable, options);
  const labels = TREC_MATCHING_LABELS;
  const rlRow = (p: Pair, split: string, dataSource: string, index: number): RlRow => {
    const note = notes.get(p.query)!;
    const trial = trialText(trials[p.corpus]!);
    return {
      task: dataSource,
      prompt: matchingMessages(note, trial, options.template, labels),
      pretemplated: options.template !== "messages",
      ability: "matching",
      groundTruth: { target: p.label, label_names: labels },
      extraInfo: { index, split, query_id: p.query, corpus_id: p.corpus },
      columnsAfter: { note, trial, label: p.label },
    };
  };
  const words = (p: Pair) =>
    matchingMessages(notes.get(p.query)!, trialText(trials[p.corpus]!), options.template, labels).reduce(
      (a, m) => a + m.content.trim().split(/\s+/).length,
      0,
    );
  const train = splits.train.filter((p) => words(p) <= (options.maxWords ?? 1024));
  const tests = [
    ...splits.transductive.map((p) => [p, "matching_transductive_test"] as const),
    ...splits.inductive.map((p) => [p, "matching_inductive_test"] as const),
  ];
  const files: [string, (readonly [Pair, string])[]][] = [
    ["train", train.map((p) => [p, "matching_train"] as const)],
    ["val", [...splits.val.map((p) => [p, "matching_val"] as const), ...tests]],
    ["test", tests],
  ];
  const written = await writeFolder(out, async (staging) => {
    const result: { file: string; split: string; rows: number }[] = [];
    for (const [split, items] of files) {
      const file = new RowFile(join(staging, `${split}${rl.extension}`), rl.columns?.(MATCHING_RL_SCHEMA));
      for (const [i, [p, source]] of items.entries()) await file.write(rl.row(rlRow(p, split, source, i)));
      await file.close();
      result.push({ file: join(out, `${split}${rl.extension}`), split, rows: file.rows });
    }
    return result;
  });
  return { files: written, missingNote, missingTrial };
}
