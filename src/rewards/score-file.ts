import { createReadStream, existsSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { InputError } from "../errors.js";
import { labelProblem, rewardFor, type RewardOptions, type RewardResult } from "./core.js";
import { engineCompletion, type EngineTokens } from "./engine-text.js";
import { groupAdvantages, zeroVariance } from "./grpo.js";

/** One scored line of a completions file (`reward score`). */
export interface ScoredLine {
  /** 1-based line number in the file. */
  line: number;
  task: string;
  result: RewardResult;
  /** GRPO advantage within the line's group, when scored in groups. */
  advantage?: number;
}

/** Per task: rewards summed, well-formed and correct answers, and (in groups) groups without signal. */
export interface TaskTally {
  task: string;
  n: number;
  total: number;
  formatOk: number;
  correct: number;
  groups: number;
  flat: number;
}

/**
 * Scores a JSONL of `{task, completion, ground_truth, prompt?}` line by line (a file of rollouts
 * may be far larger than memory), yielding each line's result; consecutive lines form GRPO groups
 * of `groupSize`. `tally` holds the per-task counts when the iteration ends; `lastGroup` the size
 * of a trailing incomplete group (0 when none).
 */
export class CompletionScorer {
  private readonly byTask = new Map<string, TaskTally>();
  lastGroup = 0;

  constructor(
    private readonly options: RewardOptions,
    private readonly tokens: EngineTokens | null,
    private readonly groupSize?: number,
  ) {}

  async *score(path: string): AsyncGenerator<ScoredLine> {
    if (!existsSync(path) || !statSync(path).isFile()) throw new InputError(path, undefined, "cannot read the file");
    const reader = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
    const group: ScoredLine[] = [];
    const flush = (): ScoredLine[] => {
      if (this.groupSize && group.length) {
        const scores = group.map((g) => g.result.score);
        const advantages = groupAdvantages(scores);
        for (const [j, g] of group.entries()) g.advantage = advantages[j];
        const t = this.byTask.get(group[0]!.task)!;
        t.groups++;
        if (zeroVariance(scores)) t.flat++;
      }
      return group.splice(0);
    };
    let i = -1;
    for await (const text of reader) {
      i++;
      if (!text.trim()) continue;
      let item: { task?: unknown; completion?: unknown; ground_truth?: unknown; prompt?: unknown };
      try {
        item = JSON.parse(text) as typeof item;
      } catch {
        throw new InputError(path, i + 1, "not JSON");
      }
      if (typeof item.task !== "string") throw new InputError(path, i + 1, "task: expected a string");
      if (typeof item.completion !== "string")
        throw new InputError(path, i + 1, "completion: expected a string (the model's text to score)");
      const problem = labelProblem(item.task, item.ground_truth);
      if (problem) throw new InputError(path, i + 1, problem);
      const prompt = typeof item.prompt === "string" ? item.prompt : undefined;
      const result = rewardFor(
        item.task,
        engineCompletion(item.completion, prompt, this.tokens),
        item.ground_truth,
        prompt === undefined ? this.options : { ...this.options, prompt },
      );
      const t = this.byTask.get(item.task) ?? {
        task: item.task,
        n: 0,
        total: 0,
        formatOk: 0,
        correct: 0,
        groups: 0,
        flat: 0,
      };
      t.n++;
      t.total += result.score;
      t.formatOk += result.components.format ? 1 : 0;
      t.correct += result.components.format && result.components.correctness > 0 ? 1 : 0;
      this.byTask.set(item.task, t);
      group.push({ line: i + 1, task: item.task, result });
      if (group.length >= (this.groupSize ?? 1)) yield* flush();
    }
    this.lastGroup = this.groupSize && group.length ? group.length : 0;
    yield* flush();
  }

  /** The per-task counts, by task name. */
  tally(): TaskTally[] {
    return [...this.byTask.values()].sort((a, b) => a.task.localeCompare(b.task));
  }
}
