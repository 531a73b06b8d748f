/**
 * Which synthesised chains to keep (docs/reference.md#reasoning-filter, with its case and
 * string-label bugs fixed): all three sections present, the final results covering at least 70% of
 * the labels (case-insensitive, whitespace-normalised), and no mention of the ground truth.
 */
export type RejectReason = "missing-sections" | "low-coverage" | "mentions-ground-truth" | "old-format" | "empty";

const normalise = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

export function judgeChain(chain: string, labels: string | readonly string[], minCoverage = 0.7): RejectReason | null {
  if (!chain.trim()) return "empty";
  if (!/^##\s*Extraction\b/m.test(chain) || !/^##\s*Reasoning\b/m.test(chain) || !/^##\s*Final Results\b/m.test(chain))
    return "missing-sections";
  if (/Extraction and Analysis|Reasoning and Summary/.test(chain)) return "old-format";
  if (chain.toLowerCase().includes("ground truth")) return "mentions-ground-truth";
  const finals = normalise(chain.slice(chain.lastIndexOf("Final Results") + "Final Results".length));
  const list = typeof labels === "string" ? [labels] : labels;
  if (!list.length) return "low-coverage";
  const covered = list.filter((l) => finals.includes(normalise(l))).length;
  return covered / list.length >= minCoverage ? null : "low-coverage";
}
