/**
 * GRPO's group-normalised advantages, as EHRMIND's verl computes them: per group of n samples of one
 * prompt, (r − mean) / (std + 1e-6) with the unbiased (n − 1) std; a group of one gets mean 0 and
 * std 1. A group whose rewards are all equal gives every sample 0: no learning signal.
 */
export function groupAdvantages(rewards: readonly number[], epsilon = 1e-6): number[] {
  const n = rewards.length;
  if (n === 0) return [];
  if (n === 1) return [(rewards[0]! - 0) / (1 + epsilon)];
  const mean = rewards.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / (n - 1));
  return rewards.map((r) => (r - mean) / (std + epsilon));
}

/** Whether a group carries no learning signal (all rewards equal). */
export const zeroVariance = (rewards: readonly number[]): boolean =>
  rewards.length > 1 && rewards.every((r) => r === rewards[0]);
