/**
 * EHRMIND's MedCalc prompt (reference-ehrmind-rewards.md §3.1.3): one user turn holding the whole
 * Llama-3 template and ending in the generation prefill `Let me solve this step by step.\n<think>`,
 * or (`messages`) a system and a user message for any model's own chat template, without prefill.
 */
export type MedcalcTemplate = "llama3" | "messages";
export const MEDCALC_TEMPLATES: readonly MedcalcTemplate[] = ["llama3", "messages"];

export const EHRMIND_SYSTEM = "You are a helpful assistant. You first think about the reasoning process in the mind and then provide the user with the answer.";
const LLAMA3_HEAD = `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n${EHRMIND_SYSTEM}<|eot_id|>\n<|start_header_id|>user<|end_header_id|>\n`;
export const LLAMA3_PREFILL = "Let me solve this step by step.\n<think>";
const LLAMA3_TAIL = `<|eot_id|>\n<|start_header_id|>assistant<|end_header_id|>\n${LLAMA3_PREFILL}`;

const TASK = "You are a helpful assistant for calculating a score for a given patient note. Please think step-by-step to solve the question and then generate the required score.\nHere is the patient note:\n```";
const BETWEEN = "```\n\nHere is the task:\n```";
const FORMAT =
  "```\nPlease show your entire reasoning process in **a single** <think> </think> block (do not open or close the tag more than once). Your final response must be in JSON format within <answer> </answer> tags. For example,\n<think>\n[entire reasoning process here]\n</think>\n<answer>\n";
// The reference's example has a trailing comma (invalid JSON, so copying it scores −2) and a period after </answer>.
const REFERENCE_EXAMPLE = '{\n    "answer": str(short_and_direct_answer_of_the_question),\n} \n</answer>.';
const VALID_EXAMPLE = '{"answer": "short and direct answer of the question"}\n</answer>';
const CLOSING = "\n\nDo not output anything after the </answer> tag.";

export interface MedcalcPromptOptions {
  template?: MedcalcTemplate;
  /** Keep the reference's invalid JSON example (byte-identical prompts to EHRMIND's files). */
  referenceExample?: boolean;
}

/** The text around the note and the question: prompt = before + note + between + question + after. */
export function medcalcPromptParts(options: MedcalcPromptOptions = {}): { system: string | null; before: string; between: string; after: string } {
  const example = options.referenceExample ? REFERENCE_EXAMPLE : VALID_EXAMPLE;
  if (options.template === "messages") return { system: EHRMIND_SYSTEM, before: TASK, between: BETWEEN, after: FORMAT + example + CLOSING };
  return { system: null, before: LLAMA3_HEAD + TASK, between: BETWEEN, after: FORMAT + example + CLOSING + LLAMA3_TAIL };
}

/** The chat messages of one MedCalc-Bench row. */
export function medcalcMessages(note: string, question: string, options: MedcalcPromptOptions = {}): { role: string; content: string }[] {
  const p = medcalcPromptParts(options);
  const user = { role: "user", content: p.before + note + p.between + question + p.after };
  return p.system ? [{ role: "system", content: p.system }, user] : [user];
}
