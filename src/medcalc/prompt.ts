/** EHRMIND's MedCalc prompt (docs/reference.md#ehrmind-prompts) inside EHRMIND's wrapper (../ehrmind/template.ts). */
import {
  EHRMIND_SYSTEM,
  EHRMIND_TEMPLATES,
  LLAMA3_HEAD,
  LLAMA3_TAIL,
  type EhrmindTemplate,
} from "../ehrmind/template.js";

export type MedcalcTemplate = EhrmindTemplate;
export const MEDCALC_TEMPLATES = EHRMIND_TEMPLATES;

const TASK =
  "You are a helpful assistant for calculating a score for a given patient note. Please think step-by-step to solve the question and then generate the required score.\nHere is the patient note:\n```";
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
export function medcalcPromptParts(options: MedcalcPromptOptions = {}): {
  system: string | null;
  before: string;
  between: string;
  after: string;
} {
  const example = options.referenceExample ? REFERENCE_EXAMPLE : VALID_EXAMPLE;
  if (options.template === "messages")
    return { system: EHRMIND_SYSTEM, before: TASK, between: BETWEEN, after: FORMAT + example + CLOSING };
  return {
    system: null,
    before: LLAMA3_HEAD + TASK,
    between: BETWEEN,
    after: FORMAT + example + CLOSING + LLAMA3_TAIL,
  };
}

/** The chat messages of one MedCalc-Bench row. */
export function medcalcMessages(
  note: string,
  question: string,
  options: MedcalcPromptOptions = {},
): { role: string; content: string }[] {
  const p = medcalcPromptParts(options);
  const user = { role: "user", content: p.before + note + p.between + question + p.after };
  return p.system ? [{ role: "system", content: p.system }, user] : [user];
}
