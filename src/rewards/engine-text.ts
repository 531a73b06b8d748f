import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { assistantTurn } from "./ehrmind-format.js";

/**
 * The text RL engines hand a reward is not a clean completion (issue: RL hand-off):
 * - OpenRLHF's remote reward model gets `batch_decode(sequences, skip_special_tokens=False)`:
 *   left padding, the chat template's tokens, the prompt, the completion, its end token and right
 *   padding, with the plain prompt beside it;
 * - EHRMIND's vendored verl decodes prompt and response together, special tokens kept; current
 *   verl decodes the response alone and skips them;
 * - TRL passes completions as decoded strings (or message lists, which the shim reduces to text).
 * `engineCompletion` recovers the model's turn from any of these, so a correct answer earns its
 * full reward whatever padding, template and end token surround it. `--parity` turns this off, to
 * reproduce EHRMIND's numbers (whose tail rule penalises some end tokens).
 */
export interface EngineTokens {
  /** Every special token the model's tokenizer defines (padding, template, end tokens). */
  specials: readonly string[];
  /** Tokens that end the model's turn: what follows one is padding or a later turn. */
  turnEnds: readonly string[];
}

/** Turn-ending tokens of the common chat models; a tokenizer's own `eos_token` is added to them. */
const TURN_ENDS = ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<|end|>"];

/** Without a tokenizer: the special tokens of Qwen2/3, Llama 3 and the SentencePiece models. */
export const DEFAULT_ENGINE_TOKENS: EngineTokens = {
  specials: [
    ...TURN_ENDS,
    "<|im_start|>",
    "<|begin_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|finetune_right_pad_id|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<s>",
    "<pad>",
    "<unk>",
    "[PAD]",
  ],
  turnEnds: TURN_ENDS,
};

/** A Hugging Face `tokenizer.json`'s special added tokens, plus its config's eos and pad tokens as turn ends. */
export function engineTokensFrom(dir: string): EngineTokens {
  const file = join(dir, "tokenizer.json");
  if (!existsSync(file)) throw new UsageError(`${file}: not found (--tokenizer needs a folder with tokenizer.json)`);
  let json: { added_tokens?: { content?: unknown; special?: unknown }[] };
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as typeof json;
  } catch (error) {
    throw new InputError(file, undefined, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const specials = (json.added_tokens ?? [])
    .filter((t) => t.special === true && typeof t.content === "string" && t.content)
    .map((t) => t.content as string);
  const ends = new Set(TURN_ENDS.filter((t) => specials.includes(t)));
  const configFile = join(dir, "tokenizer_config.json");
  if (existsSync(configFile)) {
    const config = JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>;
    for (const key of ["eos_token", "pad_token"]) {
      const v = config[key];
      const text = typeof v === "string" ? v : v && typeof v === "object" ? (v as { content?: unknown }).content : null;
      if (typeof text === "string" && text) {
        ends.add(text);
        if (!specials.includes(text)) specials.push(text);
      }
    }
  }
  return { specials, turnEnds: [...ends] };
}

/** Special tokens named on the command line: each is special, and ends a turn if it is a known end token or the first given. */
export function engineTokensOf(names: readonly string[]): EngineTokens {
  const known = new Set(TURN_ENDS);
  return { specials: [...names], turnEnds: names.filter((n, i) => i === 0 || known.has(n)) };
}

/** Strips any run of `tokens` (and the whitespace between them) from the start of `text`. */
function stripLeading(text: string, tokens: readonly string[]): string {
  let kept = 0;
  // Padding repeats one token: try the last one matched first.
  let last: string | undefined;
  for (let at = 0; ;) {
    while (at < text.length && WHITESPACE.has(text.charCodeAt(at))) at++;
    const token = last !== undefined && text.startsWith(last, at) ? last : tokens.find((t) => text.startsWith(t, at));
    if (!token) break;
    at += token.length;
    kept = at;
    last = token;
  }
  // Whitespace that follows no stripped token belongs to the text.
  return text.slice(kept);
}

const WHITESPACE = new Set([9, 10, 11, 12, 13, 32, 160]);

/**
 * Where the first of `tokens` starts in `text` (its length when none does), in one pass per distinct
 * first character: searching each token in turn scanned the whole text once per absent token.
 */
function firstOf(text: string, tokens: readonly string[]): number {
  let first = text.length;
  for (const lead of new Set(tokens.map((t) => t[0]!)))
    for (let at = text.indexOf(lead); at >= 0 && at < first; at = text.indexOf(lead, at + 1))
      if (tokens.some((t) => t[0] === lead && text.startsWith(t, at))) first = at;
  return first;
}

/**
 * OpenRLHF builds each query as prompt + response, so the prompt is checked at both ends rather
 * than character by character (a full comparison of 10k-token prompts was a quarter of the time).
 */
export const startsWithPrompt = (query: string, prompt: string): boolean =>
  query.length >= prompt.length &&
  query.startsWith(prompt.slice(0, 256)) &&
  query.startsWith(prompt.slice(-256), Math.max(0, prompt.length - 256));

/**
 * The model's turn in an engine's text: padding and template tokens before it removed, the prompt
 * (when given and found, after its own padding) or everything up to the last assistant marker cut
 * away, and the text cut at the first end-of-turn token. A clean completion comes back unchanged
 * but for the tokens at its end.
 */
export function engineCompletion(text: string, prompt: string | undefined, tokens: EngineTokens | null): string {
  // null: EHRMIND's own view (`--parity`): only an exact prompt prefix is cut, the rest is scored as sent.
  if (tokens === null) return prompt && startsWithPrompt(text, prompt) ? text.slice(prompt.length) : text;
  let turn = stripLeading(text, tokens.specials);
  const bare = prompt ? stripLeading(prompt, tokens.specials) : "";
  if (bare && startsWithPrompt(turn, bare)) turn = turn.slice(bare.length);
  else {
    // The prompt re-tokenized differently, or not given (verl's full sequences): the template's last
    // marker, looked for before any token is stripped (a marker is made of special tokens).
    const own = assistantTurn(text, { plainMarker: false });
    if (own !== null) turn = own;
  }
  turn = turn.slice(0, firstOf(turn, tokens.turnEnds));
  // Right padding of another kind than the turn end (an engine padding with its pad token).
  for (let again = true; again;) {
    again = false;
    const trimmed = turn.trimEnd();
    const token = tokens.specials.find((t) => trimmed.endsWith(t));
    if (token) {
      turn = trimmed.slice(0, -token.length);
      again = true;
    }
  }
  return turn;
}
