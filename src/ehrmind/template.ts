/**
 * EHRMIND's prompt wrapper (docs/reference.md#ehrmind-prompts): a generic system sentence, and for
 * the `llama3` template the whole Llama-3 chat transcript in one user turn, ending in the generation
 * prefill `Let me solve this step by step.\n<think>`. The `messages` template leaves templating (and
 * the think block) to the engine and the model's own chat template.
 */
export type EhrmindTemplate = "llama3" | "messages";
export const EHRMIND_TEMPLATES: readonly EhrmindTemplate[] = ["llama3", "messages"];

export const EHRMIND_SYSTEM =
  "You are a helpful assistant. You first think about the reasoning process in the mind and then provide the user with the answer.";
export const LLAMA3_PREFILL = "Let me solve this step by step.\n<think>";
/** Everything before the user's text in the llama3 template. */
export const LLAMA3_HEAD = `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n${EHRMIND_SYSTEM}<|eot_id|>\n<|start_header_id|>user<|end_header_id|>\n`;
/** Everything after the user's text in the llama3 template. */
export const LLAMA3_TAIL = `<|eot_id|>\n<|start_header_id|>assistant<|end_header_id|>\n${LLAMA3_PREFILL}`;

/** The chat messages of one prompt whose user text is `user`. */
export function ehrmindMessages(
  user: string,
  template: EhrmindTemplate = "llama3",
): { content: string; role: string }[] {
  return template === "messages"
    ? [
        { content: EHRMIND_SYSTEM, role: "system" },
        { content: user, role: "user" },
      ]
    : [{ content: LLAMA3_HEAD + user + LLAMA3_TAIL, role: "user" }];
}
