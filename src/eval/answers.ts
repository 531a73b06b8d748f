/**
 * What a model answered, separated from how it reasoned (docs/reference.md#scoring;
 * the reference's `eval/score_func.py`): `<think>…</think>` blocks and server-side `reasoning_content` are not answers.
 */
export interface SplitAnswer {
  answer: string;
  reasoning: string | null;
  /** A `<think>` block that never closed: the output was cut inside the reasoning. */
  truncatedThinking: boolean;
}

export function splitThinking(text: string, reasoningContent?: string | null): SplitAnswer {
  const close = text.lastIndexOf("</think>");
  if (close >= 0) {
    const open = text.indexOf("<think>");
    const reasoning = text.slice(open >= 0 && open < close ? open + "<think>".length : 0, close).trim();
    return {
      answer: text.slice(close + "</think>".length).trim(),
      reasoning: reasoningContent ?? reasoning,
      truncatedThinking: false,
    };
  }
  const open = text.indexOf("<think>");
  if (open >= 0)
    return {
      answer: "",
      reasoning: reasoningContent ?? text.slice(open + "<think>".length).trim(),
      truncatedThinking: true,
    };
  return { answer: text.trim(), reasoning: reasoningContent ?? null, truncatedThinking: false };
}

/** Decision answers: one item per line (a literal `\n` counts too), trimmed, empty lines dropped, case-folded, de-duplicated. */
export function answerItems(answer: string): string[] {
  const items = answer
    .split(/\r?\n|\\n/)
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l !== "");
  return [...new Set(items)];
}

/** A yes/no answer normalised for case, whitespace and punctuation; null when it is neither. */
export function yesNo(answer: string): "yes" | "no" | null {
  const first =
    answer
      .trim()
      .toLowerCase()
      .replace(/^[^a-z]+/, "")
      .split(/[^a-z]+/)[0] ?? "";
  return first === "yes" ? "yes" : first === "no" ? "no" : null;
}

/** A single-label answer (next_event): the first non-empty line, trimmed and case-folded, surrounding punctuation removed. */
export function singleAnswer(answer: string): string {
  const line =
    answer
      .split(/\r?\n|\\n/)
      .map((l) => l.trim())
      .find((l) => l !== "") ?? "";
  return line.toLowerCase().replace(/^[^\p{L}\p{N}_]+|[^\p{L}\p{N}_]+$/gu, "");
}
