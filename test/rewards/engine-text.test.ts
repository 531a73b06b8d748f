import { Tokenizer } from "@huggingface/tokenizers";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ModelTokenizer } from "../../src/render/tokenizer.js";
import {
  DEFAULT_ENGINE_TOKENS,
  engineCompletion,
  engineTokensFrom,
  engineTokensOf,
} from "../../src/rewards/engine-text.js";
import { rewardApp } from "../../src/rewards/server.js";
import { describeNeeding, QWEN3_DIR } from "../helpers/data.js";

const post = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
type Scored = { score: number; components: { format: boolean; correctness: number } };
const RISK = { task: "ICU_Stay_7day", ground_truth: '"yes"' };
const LABS = { task: "labevents", ground_truth: '["Sodium", "Chloride"]' };

/** OpenRLHF's remote reward call: the decoded sequences, the plain prompts, and one label per sequence. */
async function openrlhf(app: ReturnType<typeof rewardApp>, query: string[], prompts: string[], label: object) {
  const res = await app.request(
    "/get_reward",
    post({ query, prompts, labels: query.map(() => JSON.stringify(label)) }),
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { rewards: number[] }).rewards;
}
async function score(app: ReturnType<typeof rewardApp>, completions: string[], label: object, prompt?: string) {
  const res = await app.request(
    "/score",
    post({ items: completions.map((completion) => ({ ...label, completion, prompt })) }),
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Scored[] }).results.map((r) => r.score);
}

describe("the model's turn in an engine's text", () => {
  const t = DEFAULT_ENGINE_TOKENS;
  it("keeps a clean completion as it is", () => {
    for (const text of ["EW EMER.", "\n<think>\nx\n</think>\n\nyes", "Sodium\nChloride"])
      expect(engineCompletion(text, undefined, t)).toBe(text);
  });

  it("cuts the end token and what follows, whitespace before it kept for the parser", () => {
    expect(engineCompletion("…</think>\n\nEW EMER.<|im_end|>", undefined, t)).toBe("…</think>\n\nEW EMER.");
    expect(engineCompletion("EW EMER.\n<|im_end|><|endoftext|><|endoftext|>", undefined, t)).toBe("EW EMER.\n");
    expect(engineCompletion("yes<|eot_id|>", undefined, t)).toBe("yes");
  });

  it("finds the completion after a left-padded prompt, or after the template's last assistant marker", () => {
    const prompt = "<|im_start|>user\nWill the stay exceed 7 days?<|im_end|>\n<|im_start|>assistant\n";
    const padded = `${"<|endoftext|>".repeat(5)}${prompt}yes<|im_end|><|endoftext|>`;
    expect(engineCompletion(padded, prompt, t)).toBe("yes");
    // A prompt that no longer matches (re-tokenized, whitespace changed): the last assistant marker.
    expect(engineCompletion(padded, prompt.replace("\n", " "), t)).toBe("yes");
    // verl's full sequences, no prompt given; Llama 3's template.
    const llama =
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<think>a</think><answer>{}</answer><|eot_id|>";
    expect(engineCompletion(llama, undefined, t)).toBe("<think>a</think><answer>{}</answer>");
  });

  it("reads the special tokens from a tokenizer folder or the command line", () => {
    const named = engineTokensOf(["<eos>", "<|pad|>"]);
    expect(named.turnEnds).toEqual(["<eos>"]);
    expect(engineCompletion("yes<|pad|><eos><|pad|>", undefined, named)).toBe("yes");
    expect(() => engineTokensFrom("/nonexistent")).toThrow(/tokenizer\.json.*not found/);
  });

  it("pays a correct answer its full reward whatever surrounds it, in both styles (the issue's replays)", async () => {
    const app = rewardApp();
    const admissions = { task: "admissions", ground_truth: '["EW EMER."]' };
    expect(
      await score(app, ["…</think>\n\nEW EMER.<|im_end|>", "EW EMER.\n<|im_end|>", "EW EMER."], admissions),
    ).toEqual([1, 1, 1]);
    const prompt = "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n";
    expect(await openrlhf(app, [`${"<|endoftext|>".repeat(3)}${prompt}yes<|im_end|>`], [prompt], RISK)).toEqual([1]);
    const ehrmind = rewardApp({ style: "ehrmind" });
    const answer = '<think>x</think><answer>{"answer": "yes"}</answer>';
    const scores = await score(ehrmind, [answer, `${answer}<|im_end|>`, `${answer}<|eot_id|><|endoftext|>`], RISK);
    expect(new Set(scores).size).toBe(1);
    expect(scores[0]).toBeGreaterThanOrEqual(1);
  });
});

describeNeeding(
  [join(QWEN3_DIR, "tokenizer.json")],
  "rewards on text decoded the engines' way (Qwen3 tokenizer)",
  () => {
    let qwen: ModelTokenizer;
    let raw: Tokenizer;
    let pad: number;
    let eos: number;
    const app = rewardApp();
    beforeAll(() => {
      qwen = ModelTokenizer.load(QWEN3_DIR);
      raw = new Tokenizer(
        JSON.parse(readFileSync(join(QWEN3_DIR, "tokenizer.json"), "utf8")) as object,
        JSON.parse(readFileSync(join(QWEN3_DIR, "tokenizer_config.json"), "utf8")) as object,
      );
      pad = qwen.encode("<|endoftext|>")[0]!;
      eos = qwen.encode("<|im_end|>")[0]!;
    });
    const promptOf = (question: string, thinking = true) =>
      qwen.applyChatTemplate([{ role: "user", content: question }], {
        addGenerationPrompt: true,
        enableThinking: thinking,
      });
    // Correct, wrong, malformed (two think blocks), truncated (no end token, still correct), and a
    // bare answer (a model answering without thinking).
    const RISK_ANSWERS = [
      ["<think>\nThe stay is long.\n</think>\n\nyes", 1, true],
      ["<think>\nShort.\n</think>\n\nno", 0, true],
      ["<think>a</think><think>b</think>yes", 0, true],
      ["<think>\n\n</think>\n\nyes", 1, false],
      ["yes", 1, true],
    ] as const;
    // An item list is scored by F1, so any text left around the answer costs reward.
    const LAB_ANSWERS = [
      ["<think>\nx\n</think>\n\nSodium\nChloride", 1, true],
      ["Sodium\nChloride", 1, true],
      ["<think>\nx\n</think>\n\nSodium\nPotassium", 0.5, true],
      ["<think>\nx\n</think>\n\nSodium\nChloride", 1, false],
    ] as const;
    const CASES = [
      [RISK, RISK_ANSWERS],
      [LABS, LAB_ANSWERS],
    ] as const;

    it("OpenRLHF: left-padded batches decoded with special tokens kept, the plain prompts beside them", async () => {
      // Its experience maker pads prompts on the left to the batch's longest, appends the response and
      // its end token, pads on the right, and decodes each row with skip_special_tokens=False.
      const prompts = [
        "Will the ICU stay exceed 7 days?",
        "A much longer question about the same ICU stay, padded less?",
      ].map((q) => promptOf(q));
      const promptIds = prompts.map((p) => qwen.encode(p));
      const longest = Math.max(...promptIds.map((p) => p.length));
      for (const [label, answers] of CASES)
        for (const [answer, expected, ends] of answers) {
          const response = qwen.encode(answer);
          const query = promptIds.map((p, i) =>
            qwen.decode([
              ...Array<number>(longest - p.length).fill(pad),
              ...p,
              ...response,
              ...(ends ? [eos] : []),
              ...Array<number>(i).fill(pad),
            ]),
          );
          expect(query[0]!.startsWith("<|endoftext|>")).toBe(true);
          expect(await openrlhf(app, query, prompts, label), answer).toEqual([expected, expected]);
        }
    });

    it("EHRMIND's verl: prompt and response decoded together with special tokens, no prompt given", async () => {
      for (const thinking of [true, false]) {
        const prompt = promptOf("Will the ICU stay exceed 7 days?", thinking);
        for (const [label, answers] of CASES)
          for (const [answer, expected, ends] of answers) {
            // Without thinking the template prefills an empty think block; a model then answers bare.
            if (!thinking && answer.startsWith("<think>\n")) continue;
            const text = qwen.decode([
              ...qwen.encode(prompt),
              ...qwen.encode(answer),
              ...(ends ? [eos, pad, pad] : []),
            ]);
            expect(await score(app, [text], label), `${answer} (thinking ${thinking})`).toEqual([expected]);
          }
      }
    });

    it("multi-turn templates: the completion is the last assistant turn, not an earlier one", async () => {
      const history = qwen.applyChatTemplate(
        [
          { role: "user", content: "Which labs were drawn?" },
          { role: "assistant", content: "Sodium\nPotassium" },
          { role: "user", content: "Will the ICU stay exceed 7 days?" },
        ],
        { addGenerationPrompt: true, enableThinking: true },
      );
      expect(history.split("<|im_start|>assistant").length - 1).toBe(2);
      for (const [answer, expected, ends] of RISK_ANSWERS) {
        const text = qwen.decode([...qwen.encode(history), ...qwen.encode(answer), ...(ends ? [eos, pad] : [])]);
        // verl-style (no prompt given) and OpenRLHF-style (the prompt beside it, left-padded).
        expect(await score(app, [text], RISK), answer).toEqual([expected]);
        expect(await openrlhf(app, [`<|endoftext|><|endoftext|>${text}`], [history], RISK), answer).toEqual([expected]);
      }
    });

    it("current verl and TRL: the response alone, special tokens skipped", async () => {
      for (const [label, answers] of CASES)
        for (const [answer, expected, ends] of answers) {
          const text = raw.decode([...qwen.encode(answer), ...(ends ? [eos] : [])], { skip_special_tokens: true });
          expect(text).not.toContain("<|im_end|>");
          expect(await score(app, [text], label), answer).toEqual([expected]);
        }
    });

    it("reads Qwen3's special tokens from its folder: padding and end tokens, not <think>", () => {
      const tokens = engineTokensFrom(QWEN3_DIR);
      expect(tokens.specials).toContain("<|endoftext|>");
      expect(tokens.specials).toContain("<|im_start|>");
      expect(tokens.specials).not.toContain("<think>");
      expect(tokens.turnEnds).toEqual(expect.arrayContaining(["<|im_end|>", "<|endoftext|>"]));
    });
  },
);
