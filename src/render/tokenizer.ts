import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { PretokenCounter } from "./pretoken-count.js";

/** Counts tokens of text; the budgeter needs nothing more. */
export interface TokenCounter {
  readonly name: string;
  /** Tokens of `text` as it would appear inside a prompt (no special tokens added). */
  count(text: string): number;
  /**
   * How counts of pieces relate to the count of their concatenation, where the pieces are cut just
   * before a rendered event's `## ` heading that follows a newline: `exact` when the sum is the
   * count (the tokenizer never merges across that point), `upper-bound` when the sum is never less.
   * Lets a budget be checked from cached per-event counts instead of tokenizing every prompt.
   */
  readonly additivity?: "exact" | "upper-bound";
}

/** Text before and after the cut points that a counter's `additivity` is checked on. */
const ADDITIVITY_PROBES = {
  before: [
    "- Valuenum: 12.5",
    "| nan | None | 0.9 |",
    "- Text: the patient was seen.",
    "- Anchor_Age: 5",
    "[2150-01-01 00:00:00]",
    "trailing spaces  ",
    "café",
    "## Patient Demographics [None]\n- Gender: M",
    "1,234",
    "",
  ],
  after: ["## Laboratory Test Events [2150-01-01 00:00:00]\n- Item: Sodium", "## Admissions [None]\n| A | B |"],
};

/** Whether `encode` never merges tokens across the cut before `\n\n## ` (probed on typical pieces). */
function splitsBeforeHeadings(encode: (text: string) => readonly number[]): boolean {
  for (const a of ADDITIVITY_PROBES.before)
    for (const b of ADDITIVITY_PROBES.after) {
      const head = `${a}\n\n`;
      if (encode(head + b).length !== encode(head).length + encode(b).length) return false;
    }
  return true;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatOptions {
  addGenerationPrompt?: boolean;
  /** Qwen3's template flag; ignored by templates that do not read it. */
  enableThinking?: boolean;
}

/** A model's own tokenizer and chat template, read from a local model folder (no downloads). */
export class ModelTokenizer implements TokenCounter {
  private constructor(
    readonly name: string,
    private readonly tokenizer: Tokenizer,
    private readonly template: Template | null,
    private readonly templateFile: string,
    private readonly specialTokens: Record<string, string | null>,
  ) {}

  static load(folder: string): ModelTokenizer {
    const dir = resolve(folder);
    const tokenizerFile = join(dir, "tokenizer.json");
    const configFile = join(dir, "tokenizer_config.json");
    for (const file of [tokenizerFile, configFile]) {
      if (!existsSync(file))
        throw new InputError(
          file,
          undefined,
          `not found: a tokenizer folder needs tokenizer.json and tokenizer_config.json`,
        );
    }
    const tokenizerJson = readJson(tokenizerFile);
    const config = readJson(configFile) as Record<string, unknown>;
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (error) {
      throw new InputError(
        tokenizerFile,
        undefined,
        `cannot build a tokenizer from it: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    // Newer model folders keep the template in its own file.
    const jinjaFile = join(dir, "chat_template.jinja");
    let source: string | null = typeof config.chat_template === "string" ? config.chat_template : null;
    let templateFile = configFile;
    if (source === null && existsSync(jinjaFile)) {
      source = readFileSync(jinjaFile, "utf8");
      templateFile = jinjaFile;
    }
    let template: Template | null = null;
    if (source !== null) {
      try {
        template = new Template(source);
      } catch (error) {
        throw new InputError(
          templateFile,
          undefined,
          `chat template does not parse: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    const special = (key: string) => {
      const value = config[key];
      if (typeof value === "string") return value;
      if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string")
        return (value as { content: string }).content;
      return null;
    };
    const loaded = new ModelTokenizer(dir, tokenizer, template, templateFile, {
      bos_token: special("bos_token"),
      eos_token: special("eos_token"),
    });
    loaded.pieces = PretokenCounter.for(tokenizer, tokenizerJson, (text) => loaded.countByLibrary(text));
    return loaded;
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: false });
  }

  /** Counts are memoised: the same event text recurs in the overlapping windows of many samples. */
  count(text: string): number {
    const cached = this.counts.get(text);
    if (cached !== undefined) return cached;
    const n = this.pieces ? this.pieces.count(text) : this.encode(text).length;
    // Bounded by characters held, not entries: keys can be whole discharge notes.
    this.countedChars += text.length;
    while (this.countedChars > 8_000_000 && this.counts.size) {
      const oldest = this.counts.keys().next().value!;
      this.countedChars -= oldest.length;
      this.counts.delete(oldest);
    }
    this.counts.set(text, n);
    return n;
  }

  private readonly counts = new Map<string, number>();
  private countedChars = 0;
  /** Set by `load` when the tokenizer's definition allows counting by cached pre-tokenizer pieces. */
  private pieces: PretokenCounter | null = null;

  /** Counts by the library alone, for checking the piece-wise count. */
  countByLibrary(text: string): number {
    return this.encode(text).length;
  }
  private probed: "exact" | undefined | null = null;

  get additivity(): "exact" | undefined {
    if (this.probed === null) this.probed = splitsBeforeHeadings((t) => this.encode(t)) ? "exact" : undefined;
    return this.probed;
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  /** The prompt text the model's own chat template makes of `messages`. */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatOptions = {}): string {
    if (!this.template)
      throw new InputError(this.templateFile, undefined, "has no chat_template (and there is no chat_template.jinja)");
    try {
      return this.template.render({
        messages,
        add_generation_prompt: options.addGenerationPrompt ?? true,
        ...(options.enableThinking === undefined ? {} : { enable_thinking: options.enableThinking }),
        ...this.specialTokens,
      });
    } catch (error) {
      throw new InputError(
        this.templateFile,
        undefined,
        `chat template failed to render: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(file, undefined, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Without a tokenizer: a deliberately high count, so a budget met by the estimate is met by the
 * model's tokenizer too. Rendered EHR text is dense (digits, `nan`, table pipes): with Qwen3's
 * tokenizer the MIMIC-IV demo's events average 2.5 UTF-8 bytes per token and the densest event
 * over 200 bytes has 1.9. We count one token per 1.5 bytes.
 */
export class EstimatedTokenCounter implements TokenCounter {
  readonly name = "estimate (UTF-8 bytes / 1.5, rounded up)";
  /** A sum of rounded-up quotients is never less than the quotient of the sum, rounded up. */
  readonly additivity = "upper-bound";
  count(text: string): number {
    return Math.ceil(Buffer.byteLength(text, "utf8") / 1.5);
  }
}

/** The model's own tokenizer when a model folder is given, else the conservative estimate. */
export function tokenCounterFor(folder?: string): TokenCounter {
  return folder ? ModelTokenizer.load(folder) : new EstimatedTokenCounter();
}
