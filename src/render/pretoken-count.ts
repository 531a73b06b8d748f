import type { Tokenizer } from "@huggingface/tokenizers";

/**
 * Exact token counts for byte-level BPE tokenizers (GPT-2, Llama 3, Qwen) without the library's
 * slow pre-tokenizer: the text is split with the tokenizer's own pre-tokenizer regex, and each
 * piece's count, which BPE computes within the piece alone, is cached. EHR text repeats the same
 * pieces (item names, `nan`, table pipes, digits) endlessly, so nearly every piece is a cache hit.
 *
 * Applies only where the tokenizer's definition says the count is the sum over pieces: an NFC or
 * no normalizer, a `Split` regex (isolated) followed by a `ByteLevel` step that does not split
 * again, and a BPE model. Anything else, or text that contains an added token, is counted by the
 * library. The test suite checks this count against the library's on every demo event.
 */
export class PretokenCounter {
  private readonly pieces = new Map<string, number>();

  private constructor(
    private readonly pattern: RegExp,
    private readonly normalize: (text: string) => string,
    private readonly encodeCount: (text: string) => number,
    private readonly hasAddedToken: (text: string) => boolean,
  ) {}

  /** The counter for this tokenizer, or null when its definition is not of the supported shape. */
  static for(tokenizer: Tokenizer, definition: unknown, encodeCount: (text: string) => number): PretokenCounter | null {
    const json = definition as {
      normalizer?: { type?: string } | null;
      pre_tokenizer?: {
        type?: string;
        pretokenizers?: { type?: string; behavior?: string; invert?: boolean; use_regex?: boolean }[];
      };
      model?: { type?: string };
    };
    if (json.model?.type !== "BPE") return null;
    const normalizer = json.normalizer?.type ?? null;
    if (normalizer !== null && normalizer !== "NFC") return null;
    const steps = json.pre_tokenizer?.type === "Sequence" ? json.pre_tokenizer.pretokenizers : undefined;
    if (
      !steps ||
      steps.length !== 2 ||
      steps[0]?.type !== "Split" ||
      steps[0].behavior !== "Isolated" ||
      steps[0].invert !== false ||
      steps[1]?.type !== "ByteLevel" ||
      steps[1].use_regex !== false
    )
      return null;
    // The library's own translation of the Rust regex to JavaScript, so both split alike.
    // These are the library's internals, read defensively: a version without them gets no shortcut.
    const steps0: unknown = (Reflect.get(tokenizer, "pre_tokenizer") as { tokenizers?: unknown[] } | undefined)
      ?.tokenizers?.[0];
    const compiled: unknown = isObject(steps0) ? Reflect.get(steps0, "pattern") : null;
    const splitter: unknown = Reflect.get(tokenizer, "splitter_unnormalized");
    const split: unknown = isObject(splitter) ? Reflect.get(splitter, "split") : null;
    if (!(compiled instanceof RegExp) || typeof split !== "function") return null;
    const splitText = (text: string) => (split as (t: string) => unknown[]).call(splitter, text);
    const pattern = new RegExp(compiled.source, compiled.flags.includes("g") ? compiled.flags : `${compiled.flags}g`);
    return new PretokenCounter(
      pattern,
      normalizer === "NFC" ? (t) => t.normalize("NFC") : (t) => t,
      encodeCount,
      (text) => splitText(text).length > 1,
    );
  }

  count(text: string): number {
    if (this.hasAddedToken(text)) return this.encodeCount(text);
    const normalized = this.normalize(text);
    const pattern = this.pattern;
    pattern.lastIndex = 0;
    let total = 0;
    let at = 0;
    for (let match = pattern.exec(normalized); match !== null; match = pattern.exec(normalized)) {
      if (match[0] === "") {
        pattern.lastIndex++;
        continue;
      }
      // Text between matches is a piece of its own (an isolated split keeps it).
      if (match.index > at) total += this.piece(normalized.slice(at, match.index));
      total += this.piece(match[0]);
      at = match.index + match[0].length;
    }
    if (at < normalized.length) total += this.piece(normalized.slice(at));
    return total;
  }

  private piece(piece: string): number {
    let n = this.pieces.get(piece);
    if (n === undefined) {
      n = this.encodeCount(piece);
      if (this.pieces.size >= 200_000) this.pieces.clear();
      this.pieces.set(piece, n);
    }
    return n;
  }
}

/** The library's steps are callable objects: functions count as objects here. */
const isObject = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";
