import { Random } from "../../common/random.js";

/**
 * Percentile bootstrap 95% interval of a statistic over samples (resampled with replacement,
 * seeded so reports are reproducible). `statistic` receives the resampled indexes.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indexes: readonly number[]) => number,
  options: { resamples?: number; seed?: number } = {},
): [number, number] {
  if (n === 0) return [Number.NaN, Number.NaN];
  const resamples = options.resamples ?? 1000;
  const rng = new Random(options.seed ?? 0, n);
  const values: number[] = [];
  const indexes = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) indexes[i] = Math.floor(rng.next() * n);
    const v = statistic(indexes);
    if (!Number.isNaN(v)) values.push(v);
  }
  if (!values.length) return [Number.NaN, Number.NaN];
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))]!;
  return [at(0.025), at(0.975)];
}
