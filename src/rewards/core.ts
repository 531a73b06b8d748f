import { METRICS } from "../eval/metrics/registry.js";
import { task as taskDefinition, TASKS } from "../tasks/registry.js";

/**
 * `ehr-r1`: an optional closed think block, then the answer lines (EHR-R1's GRPO rewards the answer
 * alone: F1 for item lists, exact yes/no for risk tasks).
 * `ehrmind`: `<think>…</think><answer>…</answer>` with JSON inside the answer, EHRMIND's rule: 0.1
 * for the format is paid only with a correct answer, −2 for a broken format, 0 for a wrong answer.
 */
export type RewardStyle = "ehr-r1" | "ehrmind";

export interface RewardOptions {
  style?: RewardStyle;
  /** Paid with a correct (score > 0) answer when the format holds. Default: 0 (ehr-r1), 0.1 (ehrmind). */
  formatBonus?: number;
  /** The score of a broken format. Default: 0 (ehr-r1), −2 (ehrmind). */
  wrongFormatPenalty?: number;
}

export interface RewardResult {
  score: number;
  components: { format: boolean; correctness: number; answer: string; reason: string | null };
}

const KNOWN = new Set(TASKS.map((t) => t.name));
const count = (text: string, tag: string) => text.split(tag).length - 1;

/** The answer text under a style, or why the format fails. */
function extract(completion: string, style: RewardStyle): { answer: string; reason: string | null } {
  if (style === "ehrmind") {
    for (const tag of ["<think>", "</think>", "<answer>", "</answer>"]) if (count(completion, tag) !== 1) return { answer: "", reason: `${tag} must appear exactly once` };
    const at = (tag: string) => completion.indexOf(tag);
    if (!(at("<think>") < at("</think>") && at("</think>") < at("<answer>") && at("<answer>") < at("</answer>"))) return { answer: "", reason: "tags out of order" };
    const inner = completion.slice(at("<answer>") + "<answer>".length, at("</answer>")).trim();
    let json: unknown;
    try {
      json = JSON.parse(inner);
    } catch {
      return { answer: "", reason: "answer is not JSON" };
    }
    if (!json || typeof json !== "object" || Array.isArray(json) || !("answer" in json)) return { answer: "", reason: 'answer JSON needs an "answer" key' };
    const value = (json as { answer: unknown }).answer;
    return { answer: Array.isArray(value) ? value.map(String).join("\n") : String(value ?? ""), reason: null };
  }
  const opens = count(completion, "<think>");
  const closes = count(completion, "</think>");
  if (opens === 0 && closes === 0) return { answer: completion.trim(), reason: null };
  if (opens > 1 || closes !== 1 || (opens === 1 && completion.indexOf("<think>") > completion.indexOf("</think>"))) return { answer: "", reason: "think block not closed once" };
  return { answer: completion.slice(completion.indexOf("</think>") + "</think>".length).trim(), reason: null };
}

/**
 * The reward of one completion for an EHR-Bench task. Pure; never throws on model output: an
 * unknown task or a broken ground truth scores as a broken format, with the reason.
 */
export function rewardFor(taskName: string, completion: string, groundTruth: unknown, options: RewardOptions = {}): RewardResult {
  const style = options.style ?? "ehr-r1";
  const bonus = options.formatBonus ?? (style === "ehrmind" ? 0.1 : 0);
  const penalty = options.wrongFormatPenalty ?? (style === "ehrmind" ? -2 : 0);
  const fail = (reason: string, answer = ""): RewardResult => ({ score: penalty, components: { format: false, correctness: 0, answer, reason } });
  if (!KNOWN.has(taskName)) return fail(`unknown task ${taskName}`);
  let gold: string | string[];
  try {
    const parsed = typeof groundTruth === "string" && /^\s*[[{"]/.test(groundTruth) ? JSON.parse(groundTruth) : groundTruth;
    if (typeof parsed === "string") gold = parsed;
    else if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) gold = parsed as string[];
    else return fail("ground truth is neither a string nor a list of strings");
  } catch {
    return fail("ground truth is not valid JSON");
  }
  const { answer, reason } = extract(typeof completion === "string" ? completion : "", style);
  if (reason) return fail(reason);
  const def = taskDefinition(taskName);
  // GRPO rewards F1 for every item-list task (recall tasks included), as the reference's grpo.py does.
  const metric = def.metric === "recall" ? METRICS.em : METRICS[def.metric];
  const correctness = answer ? metric.score(answer, gold).value : 0;
  const score = correctness > 0 ? bonus + correctness : 0;
  return { score, components: { format: true, correctness, answer, reason: null } };
}
