import { readFileSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { SYSTEM_PROMPT } from "../render/budget.js";
import { pyRepr } from "../python/format.js";
import type { ChatMessage } from "../render/tokenizer.js";
import type { DatasetRecord } from "../tasks/build-dataset.js";

/**
 * How to prompt one model, as data (never guessed from a model path, as the reference does):
 * thinking on or off and how to switch it, the prompt style, token limits, sampling.
 */
export const profileSchema = z
  .object({
    name: z.string(),
    thinking: z.boolean(),
    /**
     * `template-flag`: `chat_template_kwargs.enable_thinking` (Qwen3 on vLLM/SGLang);
     * `suffix`: `/think` or `/no_think` after the prompt; `empty-think-block`: the assistant turn starts
     * with `<think>\n\n</think>\n` (what the reference does for EHR-R1-72B); `none`.
     */
    thinkingSwitch: z.enum(["template-flag", "suffix", "empty-think-block", "none"]),
    /** `ehr-r1`: input + instruction; `candidates`: the reference's baseline prompt with the candidate list and answer-format note. */
    promptStyle: z.enum(["ehr-r1", "candidates"]),
    maxTokens: z.object({ decision: z.number().int().positive(), risk: z.number().int().positive() }),
    temperature: z.number().min(0).optional(),
    topP: z.number().gt(0).max(1).optional(),
    seed: z.number().int().optional(),
    samples: z.number().int().positive().default(1),
    /** Top log-probabilities requested for risk tasks (AUROC from p(yes)); 0 to skip. */
    topLogprobs: z.number().int().min(0).max(20).default(20),
  })
  .strict();

export type ModelProfile = z.infer<typeof profileSchema>;

export const PROFILES: Readonly<Record<string, ModelProfile>> = {
  "ehr-r1": {
    name: "ehr-r1",
    thinking: false,
    thinkingSwitch: "template-flag",
    promptStyle: "ehr-r1",
    maxTokens: { decision: 128, risk: 1 },
    temperature: 0,
    samples: 1,
    topLogprobs: 20,
  },
  "ehr-r1-thinking": {
    name: "ehr-r1-thinking",
    thinking: true,
    thinkingSwitch: "template-flag",
    promptStyle: "ehr-r1",
    maxTokens: { decision: 4096, risk: 4096 },
    temperature: 0.6,
    topP: 0.95,
    samples: 1,
    topLogprobs: 0,
  },
  "ehr-r1-72b": {
    name: "ehr-r1-72b",
    thinking: false,
    thinkingSwitch: "empty-think-block",
    promptStyle: "ehr-r1",
    maxTokens: { decision: 128, risk: 1 },
    temperature: 0,
    samples: 1,
    topLogprobs: 20,
  },
  "baseline-llm": {
    name: "baseline-llm",
    thinking: false,
    thinkingSwitch: "none",
    promptStyle: "candidates",
    maxTokens: { decision: 512, risk: 8 },
    temperature: 0,
    samples: 1,
    topLogprobs: 20,
  },
};

export function loadProfile(nameOrFile: string): ModelProfile {
  const builtIn = PROFILES[nameOrFile];
  if (builtIn) return builtIn;
  let text: string;
  try {
    text = readFileSync(nameOrFile, "utf8");
  } catch {
    throw new UsageError(
      `--profile ${nameOrFile}: neither a built-in profile (${Object.keys(PROFILES).join(", ")}) nor a readable file`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${nameOrFile}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = profileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${nameOrFile}: ${issue.path.join(".") || "profile"}: ${issue.message}`);
  }
  return parsed.data;
}

const DECISION_NOTE =
  "Note that you should directly output the answer without any other information. If there are several items in the prediction, please separate them by `\\n`. For all predicted items, please use the item name instead of the item code. Do not output the code like ICD10 or ICD9.";
const RISK_NOTE =
  "Note that you should directly output the answer without any other information. You can only choose one answer from the Candidate List.";

/** The chat request the reference's `test.py` makes of a sample under a profile. */
export function promptFor(
  record: DatasetRecord,
  profile: ModelProfile,
): { messages: ChatMessage[]; extraBody?: Record<string, unknown>; chatTemplateKwargs?: Record<string, unknown> } {
  const risk = record.task_info.task_type === "risk_prediction";
  let user: string;
  if (profile.promptStyle === "candidates") {
    const note = risk ? RISK_NOTE : DECISION_NOTE;
    user = record.candidates.length
      ? [
          record.input,
          record.instruction,
          `You should choose the item from the candidate list below. Candidate List: ${pyRepr(record.candidates)}.`,
          note,
        ].join("\n")
      : [record.input, record.instruction, note].join("\n");
  } else {
    user = `${record.input}\n${record.instruction}`;
  }
  if (profile.thinkingSwitch === "suffix") user += profile.thinking ? "\n/think" : "\n/no_think";
  const messages: ChatMessage[] = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: user },
  ];
  if (profile.thinkingSwitch === "template-flag")
    return { messages, chatTemplateKwargs: { enable_thinking: profile.thinking } };
  if (profile.thinkingSwitch === "empty-think-block" && !profile.thinking) {
    return {
      messages: [...messages, { role: "assistant", content: "<think>\n\n</think>\n" }],
      extraBody: { continue_final_message: true, add_generation_prompt: false },
    };
  }
  return { messages };
}
