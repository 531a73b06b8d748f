import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RL_FORMAT_NAMES, RL_FORMATS, VERL_PROMPT_TYPE, type RlFormatName } from "../../src/export/rl-formats.js";
import { serveRewards } from "../../src/rewards/server.js";
import { literal, Store } from "../../src/store/database.js";
import { tempDir } from "./data.js";

/**
 * What every source of RL rows (EHR-Bench, MedCalc-Bench, trial matching) owes the engines, in
 * every format of the registry:
 * - each row scores through the reward server the way its engine calls it (verl and TRL through
 *   the shims' `/score`, OpenRLHF through `/get_reward` with the prompt and query it decodes), a
 *   right answer above a wrong one;
 * - the same row gets the same reward in every format (one row model, laid out three ways);
 * - verl files have verl's physical schema (as EHRMind's committed verl files) and row contract.
 */
export interface RlSource {
  name: string;
  /** Writes the source's file of one format into `dir`; returns its path. */
  build(format: RlFormatName, dir: string): Promise<string>;
  /** The answer text (after the think block) that is right, and one that is wrong, for a row's ground truth. */
  answers(task: string, groundTruth: unknown): { right: string; wrong: string };
  /** A real verl file whose column types ours must share (prompt, data_source, ability), if at hand. */
  verlReference?: string;
}

/** A row as its engine hands it to the reward. */
interface EngineRow {
  task: string;
  groundTruth: unknown;
  /** OpenRLHF's label string (the other engines pass task and ground truth apart). */
  label?: string;
  promptText: string;
  /** The prompt as messages (a templated text as one user message). */
  messages: Messages;
}

type Messages = { role: string; content: string }[];
const textOf = (prompt: Messages | string) =>
  typeof prompt === "string" ? prompt : prompt.map((m) => m.content).join("\n");
const messagesOf = (prompt: Messages | string): Messages =>
  typeof prompt === "string"
    ? [{ role: "user", content: prompt }]
    : prompt.map((m) => ({ role: m.role, content: m.content }));

async function engineRows(format: RlFormatName, file: string, store: Store): Promise<EngineRow[]> {
  if (format === "verl") {
    const rows = await store.rows<{ ds: string; prompt: string; rm: string }>(
      `SELECT data_source AS ds, to_json(prompt)::VARCHAR AS prompt, to_json(reward_model)::VARCHAR AS rm FROM ${literal(file)}`,
    );
    return rows.map((r) => ({
      task: r.ds,
      // The shim hands Parquet values over as plain JSON (numpy's tolist), so structs arrive as objects.
      groundTruth: (JSON.parse(r.rm) as { ground_truth: unknown }).ground_truth,
      promptText: textOf(JSON.parse(r.prompt) as Messages),
      messages: messagesOf(JSON.parse(r.prompt) as Messages),
    }));
  }
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  if (format === "openrlhf")
    return lines.map((l) => {
      const label = JSON.parse(l.label as string) as { task: string; ground_truth: unknown };
      return {
        task: label.task,
        groundTruth: label.ground_truth,
        label: l.label as string,
        promptText: textOf(l.input as Messages | string),
        messages: messagesOf(l.input as Messages | string),
      };
    });
  return lines.map((l) => ({
    task: l.task as string,
    groundTruth: l.ground_truth,
    promptText: textOf(l.prompt as Messages | string),
    messages: messagesOf(l.prompt as Messages | string),
  }));
}

/** The scores of `completions` (one per row) as the format's engine asks for them. */
async function engineScores(
  url: string,
  format: RlFormatName,
  rows: readonly EngineRow[],
  completions: readonly string[],
): Promise<number[]> {
  const post = async (route: string, body: unknown) => {
    const response = await fetch(`${url}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(json).slice(0, 300)).toBe(200);
    return json;
  };
  if (format === "openrlhf") {
    // OpenRLHF decodes prompt and completion together and sends the prompt beside it.
    const json = await post("/get_reward", {
      query: rows.map((r, i) => r.promptText + completions[i]!),
      prompts: rows.map((r) => r.promptText),
      labels: rows.map((r) => r.label!),
    });
    return json.rewards as number[];
  }
  const json = await post("/score", {
    items: rows.map((r, i) => ({ task: r.task, completion: completions[i]!, ground_truth: r.groundTruth })),
  });
  return (json.results as { score: number }[]).map((r) => r.score);
}

/** The model's turn: a think block (its opening tag left out when the prompt prefills it), then the answer. */
const completionFor = (promptText: string, answer: string) =>
  `${promptText.endsWith("<think>") ? "" : "<think>"}\nreasoning\n</think>\n${answer}`;

export function rlFormatConformance(source: RlSource): void {
  const dir = tempDir();
  const files = new Map<RlFormatName, string>();
  const rowsOf = new Map<RlFormatName, EngineRow[]>();
  const scoresOf = new Map<RlFormatName, { right: number[]; wrong: number[] }>();
  let store: Store;
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    store = await Store.open(":memory:");
    server = await serveRewards({});
    for (const format of RL_FORMAT_NAMES) {
      const file = await source.build(format, dir);
      files.set(format, file);
      const rows = await engineRows(format, file, store);
      rowsOf.set(format, rows);
      const completions = (pick: "right" | "wrong") =>
        rows.map((r) => completionFor(r.promptText, source.answers(r.task, r.groundTruth)[pick]));
      scoresOf.set(format, {
        right: await engineScores(server.url, format, rows, completions("right")),
        wrong: await engineScores(server.url, format, rows, completions("wrong")),
      });
    }
  });
  afterAll(async () => {
    store?.close();
    await server?.close();
  });

  for (const format of RL_FORMAT_NAMES)
    it(`${source.name} → ${format}: every row scores through the reward server as the engine calls it, right above wrong`, () => {
      expect(files.get(format)!.endsWith(RL_FORMATS[format].extension)).toBe(true);
      const rows = rowsOf.get(format)!;
      expect(rows.length).toBeGreaterThan(0);
      const { right, wrong } = scoresOf.get(format)!;
      expect(right).toHaveLength(rows.length);
      for (const [i, r] of rows.entries()) {
        expect(Number.isFinite(right[i]), `${r.task} row ${i}`).toBe(true);
        expect(right[i]!, `${r.task} row ${i}: right ${right[i]} vs wrong ${wrong[i]}`).toBeGreaterThan(wrong[i]!);
      }
    });

  it(`${source.name}: the same row has the same prompt and earns the same reward in every format`, () => {
    const [first, ...others] = RL_FORMAT_NAMES;
    for (const format of others) {
      expect(rowsOf.get(format)!.map((r) => r.task)).toEqual(rowsOf.get(first!)!.map((r) => r.task));
      expect(
        rowsOf.get(format)!.map((r) => r.messages),
        format,
      ).toEqual(rowsOf.get(first!)!.map((r) => r.messages));
      expect(scoresOf.get(format)).toEqual(scoresOf.get(first!));
    }
  });

  it(`${source.name} → verl: verl's physical schema and row contract`, async () => {
    const file = files.get("verl")!;
    const types = async (f: string) =>
      new Map(
        (await store.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${literal(f)}`)).map(
          (c) => [c.column_name, c.column_type],
        ),
      );
    const ours = await types(file);
    expect(ours.get("data_source")).toBe("VARCHAR");
    expect(ours.get("prompt")).toBe(VERL_PROMPT_TYPE);
    expect(ours.get("ability")).toBe("VARCHAR");
    expect(ours.get("reward_model")).toMatch(/^STRUCT\(ground_truth .+, style VARCHAR\)$/);
    expect(ours.get("extra_info")).toMatch(/^STRUCT\("index" BIGINT, split VARCHAR\b/);
    if (source.verlReference) {
      const theirs = await types(source.verlReference);
      for (const column of ["data_source", "prompt", "ability"])
        expect(ours.get(column), column).toBe(theirs.get(column));
    }
    // What verl's RLHFDataset and reward manager read: a chat to template, a rule ground truth, an index.
    const rows = await store.rows<{
      roles: string[];
      n: number;
      style: string;
      gt: boolean;
      idx: number;
      split: string;
    }>(
      `SELECT list_transform(prompt, m -> m.role) AS roles, len(prompt)::INTEGER AS n, reward_model.style AS style,
        reward_model.ground_truth IS NOT NULL AS gt, extra_info."index"::INTEGER AS idx, extra_info.split AS split
       FROM ${literal(file)}`,
    );
    for (const [i, r] of rows.entries()) {
      expect(r.n, `row ${i}`).toBeGreaterThan(0);
      expect(
        r.roles.every((role) => ["system", "user", "assistant"].includes(role)),
        `row ${i}`,
      ).toBe(true);
      expect(r.roles.at(-1), `row ${i}: the model answers the last user turn`).toBe("user");
      expect(r.style).toBe("rule");
      expect(r.gt).toBe(true);
      expect(r.split).toMatch(/^\w+$/);
    }
    expect(new Set(rows.map((r) => r.idx)).size, "extra_info.index is unique").toBe(rows.length);
  });
}
