/** Precision, recall and F1 of a predicted item set against the gold set (both case-folded sets). */
export interface SetScores {
  precision: number;
  recall: number;
  f1: number;
}

export function setOverlap(predicted: readonly string[], gold: readonly string[]): SetScores {
  const g = new Set(gold.map((x) => x.trim().toLowerCase()));
  const p = new Set(predicted.map((x) => x.trim().toLowerCase()));
  let hits = 0;
  for (const x of p) if (g.has(x)) hits++;
  const precision = p.size ? hits / p.size : 0;
  const recall = g.size ? hits / g.size : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}
