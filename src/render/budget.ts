import { EhrR1Error } from "../errors.js";
import type { RenderFormat } from "./markdown.js";
import { joinInput, type InputParts } from "./sample.js";
import { ModelTokenizer, type TokenCounter } from "./tokenizer.js";

/** The system message of every EHR-R1 prompt (§6.6). */
export const SYSTEM_PROMPT = "You are a helpful assistant.";

/**
 * `events` (default): keep demographics, admission record and instruction; drop whole context events
 * oldest first, then shorten the previous discharge note (keeping its end), until the prompt fits.
 * `reference`: the reference's left truncation: keep the last N tokens of the whole prompt.
 */
export type BudgetPolicy = "events" | "reference";

export interface BudgetOptions {
  maxTokens: number;
  counter: TokenCounter;
  policy?: BudgetPolicy;
  /** Task instruction appended to the input (`input + "\n" + instruction`); none for a bare record. */
  instruction?: string;
  format?: RenderFormat;
  /** Wrap in the model's chat template (system + user, generation prompt) when the counter is a ModelTokenizer that has one. Default true. */
  chat?: boolean;
  enableThinking?: boolean;
}

export interface BudgetedPrompt {
  /** The record text kept (for `reference`, the input before truncation). */
  input: string;
  /** The user message: input and instruction. */
  user: string;
  /** What is counted and sent: the chat-templated prompt, or the user message without a template. */
  prompt: string;
  tokens: number;
  policy: BudgetPolicy;
  contextEvents: number;
  droppedEvents: number;
  dischargeTrimmed: boolean;
  /** `reference` only: whether the left slice cut anything. */
  truncated: boolean;
}

export function userMessage(input: string, instruction?: string): string {
  return instruction === undefined ? input : `${input}\n${instruction}`;
}

export function fitToBudget(parts: InputParts, options: BudgetOptions): BudgetedPrompt {
  const { maxTokens, counter } = options;
  if (!Number.isInteger(maxTokens) || maxTokens <= 0)
    throw new EhrR1Error(`--max-tokens must be a whole number > 0 (got ${maxTokens})`);
  const format = options.format ?? "ehr-r1";
  const tokenizer =
    counter instanceof ModelTokenizer && counter.hasChatTemplate && (options.chat ?? true) ? counter : null;
  const wrap = (user: string) =>
    tokenizer
      ? tokenizer.applyChatTemplate(
          [
            { role: "system", content: SYSTEM_PROMPT },
            { role: "user", content: user },
          ],
          { addGenerationPrompt: true, enableThinking: options.enableThinking },
        )
      : user;
  const build = (p: InputParts) => {
    const input = joinInput(p, format);
    const user = userMessage(input, options.instruction);
    const prompt = wrap(user);
    return { input, user, prompt, tokens: counter.count(prompt) };
  };
  const base = {
    policy: options.policy ?? "events",
    contextEvents: parts.context.length,
    droppedEvents: 0,
    dischargeTrimmed: false,
    truncated: false,
  } as const;

  if (options.policy === "reference") {
    const full = build(parts);
    if (full.tokens <= maxTokens) return { ...full, ...base };
    return {
      ...leftSlice(full.prompt, maxTokens, counter),
      input: full.input,
      user: full.user,
      ...base,
      truncated: true,
    };
  }

  // Per-event counts estimate which oldest events to drop; the whole prompt is then counted to confirm.
  const overhead = build({ ...parts, context: [] }).tokens;
  const costs = parts.context.map((c) => counter.count(c.text) + 1);
  let total = overhead + costs.reduce((a, b) => a + b, 0);
  let drop = 0;
  while (drop < costs.length && total > maxTokens) total -= costs[drop++]!;
  for (let kept = parts.context.length - drop; ; kept--) {
    const attempt = build({ ...parts, context: parts.context.slice(parts.context.length - kept) });
    if (attempt.tokens <= maxTokens) return { ...attempt, ...base, droppedEvents: parts.context.length - kept };
    if (kept === 0) break;
  }

  // No context left and still too long: keep only the end of the previous discharge note's text.
  const noContext = { ...parts, context: [] };
  const marker = "- Text: ";
  const at = parts.lastDischarge.indexOf(marker);
  if (at >= 0) {
    const head = parts.lastDischarge.slice(0, at + marker.length);
    const body = parts.lastDischarge.slice(at + marker.length);
    const tail = (n: number) =>
      counter instanceof ModelTokenizer
        ? counter.decode(counter.encode(body).slice(-n || body.length))
        : body.slice(Math.max(0, body.length - Math.floor(n * 1.5)));
    const bodyTokens = counter.count(body);
    let lo = 0;
    let hi = bodyTokens;
    let best: ReturnType<typeof build> | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const attempt = build({ ...noContext, lastDischarge: head + (mid === 0 ? "" : tail(mid)) });
      if (attempt.tokens <= maxTokens) {
        best = attempt;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best) return { ...best, ...base, droppedEvents: parts.context.length, dischargeTrimmed: true };
  }
  const floor = build({ ...noContext, lastDischarge: "" }).tokens;
  throw new EhrR1Error(
    `the demographics, admission record and instruction alone take ${floor} tokens, over the budget of ${maxTokens}`,
  );
}

/** The reference's `ids[-N:]`: the last N tokens of the whole prompt. */
function leftSlice(prompt: string, maxTokens: number, counter: TokenCounter): { prompt: string; tokens: number } {
  if (counter instanceof ModelTokenizer) {
    const ids = counter.encode(prompt).slice(-maxTokens);
    return { prompt: counter.decode(ids), tokens: ids.length };
  }
  let lo = 0;
  let hi = prompt.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (counter.count(prompt.slice(mid)) <= maxTokens) hi = mid;
    else lo = mid + 1;
  }
  const kept = prompt.slice(lo);
  return { prompt: kept, tokens: counter.count(kept) };
}
