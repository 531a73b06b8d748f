/**
 * An approximate dictionary matcher in the style of QuickUMLS: every span of up to `window` tokens
 * is compared with the dictionary by Jaccard similarity of character trigrams; spans at or above
 * the threshold keep their best term; overlapping matches are resolved by score (similarity, then
 * length). Every span's best match is returned (the reference kept only the first span's).
 */
export interface MatcherOptions {
  /** Jaccard similarity of character trigrams (QuickUMLS default 0.7). */
  threshold?: number;
  /** Tokens per span (default 5). */
  window?: number;
  /** Characters per span (default 3). */
  minLength?: number;
  /** Which of two overlapping matches wins: higher similarity first (`score`, QuickUMLS's default) or the longer span first (`length`). */
  overlap?: "score" | "length";
}

export interface ConceptMatch {
  start: number;
  end: number;
  text: string;
  term: string;
  similarity: number;
}

const STOPWORDS = new Set([
  "a",
  "an",
  "the",
  "and",
  "or",
  "of",
  "in",
  "on",
  "at",
  "to",
  "for",
  "with",
  "by",
  "from",
  "is",
  "was",
  "are",
  "were",
  "be",
  "been",
  "as",
  "no",
  "not",
  "this",
  "that",
  "pt",
  "patient",
]);

function trigrams(text: string): Set<string> {
  const padded = ` ${text.toLowerCase().replace(/\s+/g, " ").trim()} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
}

export class ConceptMatcher {
  private readonly terms: string[] = [];
  private readonly sizes: number[] = [];
  private readonly postings = new Map<string, number[]>();
  private readonly threshold: number;
  private readonly window: number;
  private readonly minLength: number;
  private readonly overlap: "score" | "length";

  constructor(terms: Iterable<string>, options: MatcherOptions = {}) {
    this.threshold = options.threshold ?? 0.7;
    this.window = options.window ?? 5;
    this.minLength = options.minLength ?? 3;
    this.overlap = options.overlap ?? "score";
    const seen = new Set<string>();
    for (const term of terms) {
      const key = term.toLowerCase().trim();
      if (key.length < this.minLength || seen.has(key)) continue;
      seen.add(key);
      const id = this.terms.length;
      this.terms.push(term);
      const grams = trigrams(term);
      this.sizes.push(grams.size);
      for (const g of grams) (this.postings.get(g) ?? this.postings.set(g, []).get(g)!).push(id);
    }
  }

  get size(): number {
    return this.terms.length;
  }

  private best(span: string): { term: string; similarity: number } | null {
    const grams = trigrams(span);
    const shared = new Map<number, number>();
    for (const g of grams) for (const id of this.postings.get(g) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    let best: { term: string; similarity: number } | null = null;
    for (const [id, common] of shared) {
      const similarity = common / (grams.size + this.sizes[id]! - common);
      if (
        similarity >= this.threshold &&
        (!best || similarity > best.similarity || (similarity === best.similarity && this.terms[id]! < best.term))
      ) {
        best = { term: this.terms[id]!, similarity };
      }
    }
    return best;
  }

  match(text: string): ConceptMatch[] {
    const tokens = [...text.matchAll(/[A-Za-z0-9]+(?:[-'/.][A-Za-z0-9]+)*/g)].map((m) => ({
      word: m[0],
      start: m.index!,
      end: m.index! + m[0].length,
    }));
    const candidates: ConceptMatch[] = [];
    for (let i = 0; i < tokens.length; i++) {
      if (STOPWORDS.has(tokens[i]!.word.toLowerCase())) continue;
      for (let j = i; j < Math.min(tokens.length, i + this.window); j++) {
        if (STOPWORDS.has(tokens[j]!.word.toLowerCase())) continue;
        const start = tokens[i]!.start;
        const end = tokens[j]!.end;
        const span = text.slice(start, end);
        if (span.length < this.minLength) continue;
        const hit = this.best(span);
        if (hit) candidates.push({ start, end, text: span, ...hit });
      }
    }
    const longer = (a: ConceptMatch, b: ConceptMatch) => b.end - b.start - (a.end - a.start);
    candidates.sort(
      (a, b) =>
        (this.overlap === "score"
          ? b.similarity - a.similarity || longer(a, b)
          : longer(a, b) || b.similarity - a.similarity) || a.start - b.start,
    );
    const chosen: ConceptMatch[] = [];
    for (const c of candidates) if (!chosen.some((x) => c.start < x.end && x.start < c.end)) chosen.push(c);
    return chosen.sort((a, b) => a.start - b.start);
  }
}
