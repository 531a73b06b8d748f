import { pyRepr } from "../python/format.js";

/**
 * The three synthesis prompts (docs/reference.md#reasoning-synthesis), written in our own words
 * with the reference's structure and rules: with the retrieved knowledge, without it, and without
 * the section format.
 */
export type PromptVariant = "with-knowledge" | "without-knowledge" | "without-format";

const RULE = "========================================";

export interface SynthesisInput {
  context: string;
  /** The gold answer as the index stores it (a JSON list or string). */
  groundTruth: string;
  task: string;
  /** Knowledge paths, each a list [concept, relation, concept, …]. */
  paths: readonly (readonly string[])[];
}

const SECTIONS = `Write three parts, in this order and with these headings:

## Extraction
Pick out the facts in the record that matter for the task, guided by the knowledge where there is any, and leave out the rest. Write each one as **Event Name [Event Time]**: the fact, then how it bears on the answer.

## Reasoning
Reason step by step, as a clinician would, from the extracted facts to as many items of the answer as the record supports; leave out items that cannot be inferred. Do not use the words "maybe", "possible" or "though", and do not reason backwards from the answer.

## Final Results
List only the answer items you inferred, one per line, each copied exactly as it is written in the answer.`;

const IMPLICIT = `Use the answer${"{KNOWLEDGE}"} only to steer your reasoning: never refer to them, and never write phrases such as "according to the knowledge above" or "as the ground truth shows".`;

export function synthesisPrompt(variant: PromptVariant, input: SynthesisInput): string {
  const blocks = [
    `# Patient EHR Context #\n${input.context}`,
    ...(variant === "with-knowledge"
      ? [`# Retrieved Medical Knowledge #\n${input.paths.map((p) => pyRepr([...p])).join("\n")}`]
      : []),
    `# Ground Truth #\n${input.groundTruth}`,
    `# Task #\n${input.task}`,
  ];
  const data = blocks.join(`\n${RULE}\n`);
  if (variant === "without-format") {
    return `${data}\n${RULE}\n# Instructions\nExplain, step by step and with sound medical reasoning, how the ground truth follows from the patient's record and the task. End with "Therefore, the answer is {ground truth}".\n${IMPLICIT.replace("{KNOWLEDGE}", "")}`;
  }
  const description =
    variant === "with-knowledge"
      ? "The record is the patient's EHR; the knowledge lists paths between concepts of the record and of the answer; the ground truth is the answer; the task is the question."
      : "The record is the patient's EHR; the ground truth is the answer; the task is the question.";
  const notes =
    variant === "with-knowledge"
      ? `# Important Notes\n- For each useful knowledge path, find its first concept in the record and point to it in the Extraction.\n- Work out carefully how each answer item follows.\n- ${IMPLICIT.replace("{KNOWLEDGE}", " and the knowledge")}`
      : `# Important Notes\n- Work out carefully how each answer item follows.\n- ${IMPLICIT.replace("{KNOWLEDGE}", "")}`;
  return `${data}\n${RULE}\n# Data Description\n${description}\n# Instructions\nWrite a rigorous medical reasoning process by which the ground truth can be derived from the record and the task.\n# Requirements\n${SECTIONS}\n${notes}\n# Output Format\n## Extraction\n[YOUR OUTPUT]\n## Reasoning\n[YOUR OUTPUT]\n## Final Results\n[YOUR OUTPUT]`;
}
