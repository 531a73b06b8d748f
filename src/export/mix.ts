import { Random } from "../common/random.js";

/**
 * The order in which EHR-R1's `MultipleDataset` (mimiciv_dataset/multidataset.py) feeds two
 * datasets to the trainer, as (dataset, index) pairs. Without curriculum: one shuffle of the union.
 * With curriculum: each dataset shuffled; the second is held back until the fraction f of the run
 * passes thr = 1 − 2·n₂/n₁, then drawn with probability (f − thr)/(1 − thr) while any remain.
 * Seeded with our PRNG, so the order differs from Python's `random` for the same seed.
 */
export function mixOrder(
  first: number,
  second: number,
  options: { curriculum?: boolean; seed?: number } = {},
): [0 | 1, number][] {
  const rng = new Random(options.seed ?? 42, 0x6d6978);
  const shuffled = (n: number, offset: number) => rng.shuffled(Array.from({ length: n }, (_, i) => offset + i));
  const pair = (k: number): [0 | 1, number] => (k < first ? [0, k] : [1, k - first]);
  if (!options.curriculum) return shuffled(first + second, 0).map(pair);
  const [a, b] = [shuffled(first, 0), shuffled(second, first)];
  const total = first + second;
  const threshold = first > 0 ? 1 - (2 * second) / first : -Infinity;
  const order: [0 | 1, number][] = [];
  let [i, j] = [0, 0];
  for (let step = 0; step < total; step++) {
    const f = step / total;
    const p = f < threshold ? 0 : (f - threshold) / (1 - threshold);
    if ((rng.next() < p && j < second) || i >= first) order.push(pair(b[j++]!));
    else order.push(pair(a[i++]!));
  }
  return order;
}
