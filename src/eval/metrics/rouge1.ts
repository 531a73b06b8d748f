import { stemmer } from "stemmer";

/** Tokens as Google's rouge_score makes them: lower-case, non-alphanumerics as separators, Porter-stemmed. */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(" ")
    .filter(Boolean)
    .map((t) => (t.length > 3 ? stemmer(t) : t));
}

/** ROUGE-1 F-measure (unigram overlap, with stemming). */
export function rouge1(prediction: string, reference: string): { precision: number; recall: number; f1: number } {
  const p = rougeTokens(prediction);
  const r = rougeTokens(reference);
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  const precision = p.length ? overlap / p.length : 0;
  const recall = r.length ? overlap / r.length : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}
