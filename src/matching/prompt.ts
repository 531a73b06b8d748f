import { ehrmindMessages, type EhrmindTemplate } from "../ehrmind/template.js";
import { TREC_MATCHING_LABELS } from "../rewards/families.js";

/** A trial as TrialGPT's trial_info.json describes it. */
export interface TrialInfo {
  brief_title?: string;
  inclusion_criteria?: string;
  exclusion_criteria?: string;
}

/** EHRMIND's trial text: the title, then the inclusion and exclusion criteria, each in a fenced block. */
export function trialText(trial: TrialInfo): string {
  const block = (text: string | undefined) => `\`\`\`\n${(text ?? "").trim()}\n\`\`\``;
  return `Title: ${(trial.brief_title ?? "").trim()}\nInclusion Criteria: \n${block(trial.inclusion_criteria)}\nExclusion Criteria: \n${block(trial.exclusion_criteria)}`;
}

const DEFINITIONS = [
  "the patient does not have sufficient information to qualify for the trial",
  "the patient meets the inclusion criteria, but is excluded on the grounds of the trial's exclusion criteria",
  "the patient meets the inclusion criteria and the exclusion criteria do not apply",
];

/**
 * The RL prompt of EHRMIND's matching task (docs/reference.md#ehrmind-prompts), in its structure, with TREC's scale stated once
 * and used everywhere: the names listed here are the names the reward checks (the ground truth
 * carries them). The JSON example is valid and has nothing after `</answer>`, since the tail rule
 * penalises anything there.
 */
export function matchingUserText(
  note: string,
  trial: string,
  labels: readonly string[] = TREC_MATCHING_LABELS,
): string {
  const scale = labels.map((name, i) => `${i}) ${name} (${DEFINITIONS[i]})`).join(";\n");
  return [
    "You are a helpful assistant for clinical trial recruitment. Your task is to compare a given patient note and the eligibility criteria of a clinical trial to determine the patient's eligibility.",
    "",
    `The assessment of eligibility has a three-point scale:\n${scale}.`,
    "You should make a trial-level eligibility decision for the patient, i.e. output the scale for the assessment of eligibility.",
    "",
    `Here is the patient note:\n${note}`,
    "",
    `Here is the clinical trial:\n${trial}`,
    "-----------------",
    "Please show your entire reasoning process in **a single** <think> </think> block (do not open or close the tag more than once), analysing each criterion one by one. Your final response must be in JSON format within <answer> </answer> tags. For example,",
    "<think>\n[entire reasoning process here]\n</think>",
    `<answer>\n{"prediction": "${labels[2]}", "idx": 2}\n</answer>`,
    "",
    "Do not output anything after the </answer> tag.",
  ].join("\n");
}

export function matchingMessages(
  note: string,
  trial: string,
  template: EhrmindTemplate = "llama3",
  labels: readonly string[] = TREC_MATCHING_LABELS,
): { content: string; role: string }[] {
  return ehrmindMessages(matchingUserText(note, trial, labels), template);
}
