/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative,
 * ties counting half (Mann–Whitney U with average ranks). NaN when one class is absent.
 */
export function auroc(scores: readonly number[], positives: readonly boolean[]): number {
  const n = scores.length;
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (positives[i]) {
      pos++;
      rankSum += ranks[i]!;
    }
  }
  const neg = n - pos;
  if (!pos || !neg) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Points of the ROC curve (false positive rate, true positive rate), for plots. */
export function rocCurve(scores: readonly number[], positives: readonly boolean[]): { fpr: number; tpr: number }[] {
  const pos = positives.filter(Boolean).length;
  const neg = positives.length - pos;
  const order = scores.map((s, i) => [s, positives[i]!] as const).sort((a, b) => b[0] - a[0]);
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (order[i]![1]) tp++;
    else fp++;
    if (i + 1 === order.length || order[i + 1]![0] !== order[i]![0])
      points.push({ fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0 });
  }
  return points;
}

/**
 * AUROC of a weighted sample (each item counted `weight[i]` times) in one pass over the items
 * sorted once: what a bootstrap needs for each of its resamples, without re-sorting.
 */
export class WeightedAuroc {
  private readonly order: number[];
  private readonly tieEnd: boolean[];

  constructor(
    private readonly scores: readonly number[],
    private readonly positives: readonly boolean[],
  ) {
    this.order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
    this.tieEnd = this.order.map((idx, k) => k + 1 === this.order.length || scores[this.order[k + 1]!] !== scores[idx]);
  }

  value(weight: ArrayLike<number>): number {
    let negBelow = 0;
    let wins = 0;
    let pos = 0;
    let neg = 0;
    let groupPos = 0;
    let groupNeg = 0;
    for (let k = 0; k < this.order.length; k++) {
      const i = this.order[k]!;
      const w = weight[i]!;
      if (this.positives[i]) groupPos += w;
      else groupNeg += w;
      if (this.tieEnd[k]) {
        wins += groupPos * negBelow + 0.5 * groupPos * groupNeg;
        negBelow += groupNeg;
        pos += groupPos;
        neg += groupNeg;
        groupPos = 0;
        groupNeg = 0;
      }
    }
    return pos && neg ? wins / (pos * neg) : Number.NaN;
  }
}
