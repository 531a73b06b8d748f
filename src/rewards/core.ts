import { METRICS } from "../eval/metrics/registry.js";
import { task as taskDefinition, TASKS } from "../tasks/registry.js";
import { combine, parseEhrmind, responseUnderRules, type AssistantSplit } from "./ehrmind-format.js";
import { EHRMIND_FAMILIES, familyOf, truthObject, type FamilyOptions, type RewardFamily } from "./families.js";
import { isPyDict, pyStrOf, type PyJson } from "../python/json.js";

/**
 * How EHR-Bench tasks are rewarded (the EHRMIND families — medcalc, matching, EHRSHOT, readmission —
 * always use EHRMIND's format, which their prompts ask for):
 * - `ehr-r1`: an optional closed think block, then the answer lines (EHR-R1's GRPO rewards the
 *   answer alone: F1 for item lists, exact yes/no for risk tasks);
 * - `ehrmind`: `<think>…</think><answer>{"answer": …}</answer>` and EHRMIND's combination.
 */
export type RewardStyle = "ehr-r1" | "ehrmind";
export const REWARD_STYLES: readonly RewardStyle[] = ["ehr-r1", "ehrmind"];

export interface RewardOptions extends FamilyOptions {
  style?: RewardStyle;
  /** Paid with a correct (score > 0) answer when the format holds. Default 0.1 under EHRMIND's rules, 0 under EHR-R1's. */
  formatBonus?: number;
  /** The score of a broken format. Default −2 under EHRMIND's rules, 0 under EHR-R1's. */
  wrongFormatPenalty?: number;
  /** Tokens allowed after `</answer>` where the tail rule applies (default: DEFAULT_TAIL_TOKENS). */
  tailTokens?: readonly string[];
  /** The templated prompt the completion continues, so a prefilled `<think>` is seen exactly as the reference sees it. */
  prompt?: string;
  /** Where the model's turn starts in prompt + completion (default: the last chat-template marker). */
  assistantSplit?: AssistantSplit;
}

export interface RewardResult {
  score: number;
  components: { family: string; format: boolean; correctness: number; answer: string; reason: string | null };
}

const KNOWN = new Set(TASKS.map((t) => t.name));
const count = (text: string, tag: string) => text.split(tag).length - 1;

export const unknownTaskMessage = (task: string) =>
  `unknown task or data source ${JSON.stringify(task)}: expected an EHR-Bench task name (${[...KNOWN].slice(0, 4).join(", ")}, … ${KNOWN.size} in all; see ehr-r1 tasks list) or a data source containing ${EHRMIND_FAMILIES.map((f) => JSON.stringify(f.marker)).join(", ")}`;

/** EHR-Bench gold: a label list or a yes/no string, optionally as `{target, weight}`. */
function ehrBenchTruth(groundTruth: unknown): { gold: string | string[]; weight: number } | string {
  let value = groundTruth;
  if (typeof value === "string" && /^\s*[[{"]/.test(value)) {
    try {
      value = JSON.parse(value);
    } catch {
      return "ground truth is not valid JSON";
    }
  }
  let weight = 1;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const t = truthObject(value) as Record<string, unknown>;
    if (typeof t.weight === "number" && Number.isFinite(t.weight)) weight = t.weight;
    value = t.target;
  }
  if (typeof value === "string") return { gold: value, weight };
  if (Array.isArray(value) && value.every((x) => typeof x === "string")) return { gold: value as string[], weight };
  return "ground truth is neither a string nor a list of strings";
}

/** EHR-R1's answer: the text after a single closed think block (or all of it, without one). */
function ehrR1Answer(completion: string): { answer: string; reason: string | null } {
  const opens = count(completion, "<think>");
  const closes = count(completion, "</think>");
  if (opens === 0 && closes === 0) return { answer: completion.trim(), reason: null };
  if (opens > 1 || closes !== 1 || (opens === 1 && completion.indexOf("<think>") > completion.indexOf("</think>")))
    return { answer: "", reason: "think block not closed once" };
  return { answer: completion.slice(completion.indexOf("</think>") + "</think>".length).trim(), reason: null };
}

const answerString = (value: PyJson | undefined): string =>
  Array.isArray(value) ? value.map(pyStrOf).join("\n") : value === undefined ? "" : pyStrOf(value);

function ehrBenchReward(
  taskName: string,
  completion: string,
  groundTruth: unknown,
  options: RewardOptions,
): RewardResult {
  const ehrmind = options.style === "ehrmind";
  const bonus = options.formatBonus ?? (ehrmind ? 0.1 : 0);
  const penalty = options.wrongFormatPenalty ?? (ehrmind ? -2 : 0);
  const result = (format: boolean, correctness: number, answer: string, reason: string | null): RewardResult => ({
    score: combine(format, correctness, bonus, penalty),
    components: { family: "ehr-bench", format, correctness, answer, reason },
  });
  const truth = ehrBenchTruth(groundTruth);
  if (typeof truth === "string") return result(false, 0, "", truth);
  let answer: string;
  if (ehrmind) {
    const parsed = parseEhrmind(responseUnderRules(completion, options.prompt, options.assistantSplit), {
      tail: false,
      tailTokens: options.tailTokens,
    });
    if (parsed.reason) return result(false, 0, parsed.answerText, parsed.reason);
    if (!isPyDict(parsed.answer) || !parsed.answer.has("answer"))
      return result(false, 0, parsed.answerText, 'answer JSON needs an "answer" key');
    answer = answerString(parsed.answer.get("answer"));
  } else {
    const split = ehrR1Answer(completion);
    if (split.reason) return result(false, 0, "", split.reason);
    answer = split.answer;
  }
  const def = taskDefinition(taskName);
  const metric = METRICS[def.reward];
  return result(true, answer ? metric.score(answer, truth.gold).value * truth.weight : 0, answer, null);
}

function familyReward(
  family: RewardFamily<unknown>,
  dataSource: string,
  completion: string,
  groundTruth: unknown,
  options: RewardOptions,
): RewardResult {
  const bonus = options.formatBonus ?? 0.1;
  const penalty = options.wrongFormatPenalty ?? -2;
  const result = (format: boolean, correctness: number, answer: string, reason: string | null): RewardResult => ({
    score: combine(format, correctness, bonus, penalty),
    components: { family: family.name, format, correctness, answer, reason },
  });
  const truth = family.truth(groundTruth);
  if (typeof truth === "string") return result(false, 0, "", truth);
  const parsed = parseEhrmind(responseUnderRules(completion, options.prompt, options.assistantSplit), {
    tail: family.tail,
    tailTokens: options.tailTokens,
  });
  if (parsed.reason) return result(false, 0, parsed.answerText, parsed.reason);
  const shape = family.shape(parsed.answer!);
  if (shape) return result(false, 0, parsed.answerText, shape);
  if (!parsed.answerText) return result(true, 0, "", null);
  try {
    return result(true, family.score(parsed.answer!, truth, dataSource, options), parsed.answerText, null);
  } catch (error) {
    // The reference scores a checker exception −2, which its combination clamps to 0.
    return result(
      true,
      0,
      parsed.answerText,
      `checker failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * The reward of one completion. `task` is an EHR-Bench task name or an EHRMIND data source
 * (`medcalc_lab_test`, `matching_train`, `new_acutemi_test`, `readmission_val`). Pure; never throws:
 * unknown tasks and broken ground truths score as a broken format, with the reason.
 */
export function rewardFor(
  task: string,
  completion: string,
  groundTruth: unknown,
  options: RewardOptions = {},
): RewardResult {
  const text = typeof completion === "string" ? completion : "";
  if (KNOWN.has(task)) return ehrBenchReward(task, text, groundTruth, options);
  const family = familyOf(String(task));
  if (family) return familyReward(family, task, text, groundTruth, options);
  const ehrmind = options.style === "ehrmind";
  return {
    score: options.wrongFormatPenalty ?? (ehrmind ? -2 : 0),
    components: {
      family: "unknown",
      format: false,
      correctness: 0,
      answer: "",
      reason: unknownTaskMessage(String(task)),
    },
  };
}

/** What is wrong with a (task, ground truth) pair before any completion is scored, or null. */
export function labelProblem(task: string, groundTruth: unknown): string | null {
  if (KNOWN.has(task)) {
    const truth = ehrBenchTruth(groundTruth);
    return typeof truth === "string" ? truth : null;
  }
  const family = familyOf(String(task));
  if (!family) return unknownTaskMessage(String(task));
  const truth = family.truth(groundTruth);
  return typeof truth === "string" ? truth : null;
}
