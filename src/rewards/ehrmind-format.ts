import { parsePyJson, PyJsonError, type PyJson } from "../python/json.js";

/**
 * EHRMIND's response contract (docs/reference.md#ehrmind-response): a single `<think>…</think>`, then
 * a single `<answer>…</answer>` holding JSON, optionally nothing after it but end-of-turn tokens.
 */

/**
 * Where the model's turn starts in a transcript: `last-template` (default) is the last chat-template
 * marker; `reference` is EHRMIND's first-`Assistant:` split, for reproducing its numbers exactly.
 */
export type AssistantSplit = "last-template" | "reference";

/** Chat-template markers after which the model's turn begins: special tokens first, then the plain one. */
const TEMPLATE_MARKERS = ["<|start_header_id|>assistant<|end_header_id|>", "<|im_start|>assistant"];
const PLAIN_MARKER = "Assistant:";

/**
 * The model's turn in a transcript (prompt + completion). Unlike the reference, which splits at the
 * first `Assistant:` (so a note quoting "Physician Assistant:" breaks every sample), this takes the
 * last template marker, and `Assistant:` only in a transcript without one. Null without any marker.
 */
export function assistantTurn(transcript: string, options: { plainMarker?: boolean } = {}): string | null {
  let best = -1;
  let length = 0;
  for (const marker of TEMPLATE_MARKERS) {
    const at = transcript.lastIndexOf(marker);
    if (at > best) [best, length] = [at, marker.length];
  }
  if (best < 0 && options.plainMarker !== false) {
    best = transcript.lastIndexOf(PLAIN_MARKER);
    length = PLAIN_MARKER.length;
  }
  return best < 0 ? null : transcript.slice(best + length).trim();
}

/**
 * The text the format rules apply to. With the prompt, exactly the reference's view (the prefill
 * `Let me solve this step by step.\n<think>` included). Without it (verl's and TRL's reward
 * functions see the completion only), a completion that closes a think block it never opened is
 * taken to continue a prefilled `<think>`.
 */
export function responseUnderRules(
  completion: string,
  prompt?: string,
  split: AssistantSplit = "last-template",
): string {
  if (prompt && split === "reference") {
    // EHRMIND's own split (docs/reference.md#ehrmind-response): the first of `Assistant:`, `<|im_start|>assistant`, the Llama-3 header
    // that occurs at all, at its first occurrence; its crash without any becomes the completion alone.
    const transcript = prompt + completion;
    for (const marker of [PLAIN_MARKER, ...TEMPLATE_MARKERS.slice().reverse()]) {
      const at = transcript.indexOf(marker);
      if (at >= 0) return transcript.slice(at + marker.length).trim();
    }
    return completion.trim();
  }
  if (prompt) {
    // The last marker of prompt + completion, without building that string: the completion's own
    // marker if it has one, else the prompt's (whose tail, e.g. a prefilled <think>, then counts).
    // Only a template marker counts inside the completion: a model writing "Assistant:" is still answering.
    const own = assistantTurn(completion, { plainMarker: false });
    if (own !== null) return own;
    const prefill = assistantTurn(prompt);
    if (prefill !== null) return `${prefill}${completion}`.trim();
  }
  const text = completion.trim();
  return !text.includes("<think>") && text.includes("</think>") ? `<think>${text}` : text;
}

export interface EhrmindParse {
  /** The parsed answer JSON when the structure, JSON and tail rules hold. */
  answer: PyJson | undefined;
  /** The raw text inside `<answer>` (last block), "" when absent. */
  answerText: string;
  /** Why the format fails, null when it holds. */
  reason: string | null;
}

/** Default end-of-turn tokens allowed after `</answer>`: Llama-3's (the reference's only one) and Qwen's. */
export const DEFAULT_TAIL_TOKENS: readonly string[] = ["<|eot_id|>", "<|im_end|>", "<|endoftext|>", "<|end_of_text|>"];

const TAGS = ["<think>", "</think>", "<answer>", "</answer>"] as const;
const count = (text: string, tag: string) => text.split(tag).length - 1;

/** docs/reference.md#ehrmind-checks: structure, JSON (shape checked by the caller) and, where enabled, the tail. */
export function parseEhrmind(
  processed: string,
  options: { tail: boolean; tailTokens?: readonly string[] },
): EhrmindParse {
  const blocks = [...processed.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
  const last = blocks.at(-1);
  const answerText = last ? last[1]!.trim() : "";
  const fail = (reason: string): EhrmindParse => ({ answer: undefined, answerText, reason });
  for (const tag of TAGS) if (count(processed, tag) !== 1) return fail(`${tag} must appear exactly once`);
  const at = TAGS.map((t) => processed.indexOf(t));
  if (!(at[0]! <= at[1]! && at[1]! <= at[2]! && at[2]! <= at[3]!))
    return fail("tags out of order (think, /think, answer, /answer)");
  let answer: PyJson;
  try {
    answer = parsePyJson(answerText);
  } catch (error) {
    return fail(`answer is not JSON (${error instanceof PyJsonError ? error.message : String(error)})`);
  }
  if (options.tail && last) {
    const tail = processed.slice(last.index! + last[0].length).trim();
    const allowed = new Set(options.tailTokens ?? DEFAULT_TAIL_TOKENS);
    if (tail && !tail.split(/\s+/).every((t) => allowed.has(t)))
      return fail(`text after </answer>: ${JSON.stringify(tail.slice(0, 40))}`);
  }
  return { answer, answerText, reason: null };
}

/**
 * docs/reference.md#ehrmind-score: the format bonus is paid only with a positive answer score; a well-formed wrong answer
 * scores 0 (as does a checker error, which the reference's −2 is clamped to); a broken format
 * scores the penalty.
 */
export function combine(formatOk: boolean, answerScore: number, bonus: number, penalty: number): number {
  if (!formatOk) return penalty;
  return answerScore > 0 ? bonus + answerScore : 0;
}
