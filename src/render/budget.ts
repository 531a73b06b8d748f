import { EhrR1Error } from "../errors.js";
import type { RenderFormat } from "./markdown.js";
import { JOIN, joinInput, type InputParts } from "./sample.js";
import { ModelTokenizer, type TokenCounter } from "./tokenizer.js";

/** The system message of every EHR-R1 prompt (docs/reference.md#prompts). */
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
  /**
   * Tokens of a context event's text followed by the blank line that joins it to the next
   * (`text + "\n\n"`), from the caller's per-patient cache; default: counted here.
   */
  eventTokens?: (event: { index: number; text: string }) => number;
  /**
   * False when only the kept text matters (a dataset build): a prompt that certainly fits by its
   * byte length is then not counted, and `tokens` is that upper bound. Default true: exact.
   */
  needTokens?: boolean;
}

/** Marks where the user message goes when the chat template is cut into the text before and after it. */
const SENTINEL = "\u0000EHR-R1-USER-MESSAGE\u0000";

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

  const fast = fitByPieces(parts, options, format, wrap);
  if (fast) {
    const { kept, ...prompt } = fast;
    return { ...prompt, ...base, droppedEvents: parts.context.length - kept };
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
    // The note's tokens once; each step of the search below decodes a shorter tail of them.
    const ids = counter instanceof ModelTokenizer ? counter.encode(body) : null;
    const tail = (n: number) =>
      counter instanceof ModelTokenizer
        ? counter.decode(ids!.slice(-n || body.length))
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

/**
 * The events policy from counts of pieces, when the counter is additive at event headings: the
 * prompt is cut before each context event's `## ` heading into a fixed head (template, demographics,
 * discharge note, admission), one piece per event (`text + "\n\n"`, counted once per patient by
 * the caller) and the newest event with the instruction and the template's end. Dropping the oldest
 * events then only subtracts their counts, and no prompt is tokenized whole. With an `exact`
 * counter the result is the prompt's true count; with an `upper-bound` one it is never below it.
 * Null when the shortcut does not apply (no context, an event that is not a heading, nothing fits).
 */
function fitByPieces(
  parts: InputParts,
  options: BudgetOptions,
  format: RenderFormat,
  wrap: (user: string) => string,
): { input: string; user: string; prompt: string; tokens: number; kept: number } | null {
  const { counter, maxTokens } = options;
  const context = parts.context;
  if (!counter.additivity) return null;
  // Pieces start at headings; an event that renders to nothing (a table without a format) rides
  // with the piece before it, since its blank lines merge with that piece's. Leading ones are dropped.
  const groups: { start: number; end: number }[] = [];
  for (const [k, c] of context.entries()) {
    if (c.text === "") {
      if (groups.length) groups[groups.length - 1]!.end = k + 1;
      continue;
    }
    if (!c.text.startsWith("## ")) return null;
    groups.push({ start: k, end: k + 1 });
  }
  if (!groups.length) return null;
  const cut = wrap(SENTINEL).split(SENTINEL);
  if (cut.length !== 2) return null;
  const [templateHead, templateTail] = cut as [string, string];
  const prefix = [parts.demographics, parts.lastDischarge, parts.admission];
  const shownPrefix = format === "clean" ? prefix.filter((t) => t.trim() !== "") : prefix;
  const head = templateHead + shownPrefix.map((t) => t + JOIN).join("");
  const textOf = (g: { start: number; end: number }) =>
    format === "clean"
      ? context[g.start]!.text
      : context
          .slice(g.start, g.end)
          .map((c) => c.text)
          .join(JOIN);
  const instruction = options.instruction === undefined ? "" : `\n${options.instruction}`;
  const end = textOf(groups[groups.length - 1]!) + instruction + templateTail;
  const eventTokens = options.eventTokens ?? ((c: { text: string }) => counter.count(c.text + JOIN));
  const cost = (g: { start: number; end: number }) =>
    g.end - g.start === 1 ? eventTokens(context[g.start]!) : counter.count(textOf(g) + JOIN);
  // Byte-level tokens are at least one byte each: a prompt of no more bytes than the budget fits
  // whole, and nothing needs counting (unless the caller wants the exact count).
  let bytes = Buffer.byteLength(head) + Buffer.byteLength(end);
  for (let k = 0; k < groups[groups.length - 1]!.start; k++) {
    const text = context[k]!.text;
    if (text !== "" || format !== "clean") bytes += Buffer.byteLength(text) + JOIN.length;
  }
  let drop = 0;
  let total = bytes;
  if (!(options.needTokens === false && counter.additivity === "exact" && bytes <= maxTokens)) {
    // Newest first: events older than the cut are never counted.
    total = counter.count(head) + counter.count(end);
    if (total > maxTokens) return null;
    drop = groups.length - 1;
    while (drop > 0) {
      const c = cost(groups[drop - 1]!);
      if (total + c > maxTokens) break;
      total += c;
      drop--;
    }
  }
  const kept = context.slice(groups[drop]!.start);
  const input = joinInput({ ...parts, context: kept }, format);
  const user = userMessage(input, options.instruction);
  const prompt = templateHead + user + templateTail;
  return {
    input,
    user,
    prompt,
    tokens: counter.additivity === "exact" ? total : counter.count(prompt),
    kept: kept.length,
  };
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
