import type { Metric } from "../../tasks/registry.js";
import { answerItems, singleAnswer, yesNo } from "../answers.js";
import { rouge1 } from "./rouge1.js";
import { setOverlap } from "./set-overlap.js";

/** One sample's score under a task's metric; `readable` is false when the answer could not be read at all. */
export interface SampleMetricResult {
  value: number;
  extra: Record<string, number>;
  readable: boolean;
  /** Risk tasks: what the answer said. */
  said?: "yes" | "no" | null;
}

export interface SampleMetric {
  /** The name reports use for the value. */
  reported: string;
  score(answer: string, gold: string | string[]): SampleMetricResult;
}

const list = (pick: "f1" | "recall"): SampleMetric => ({
  reported: pick,
  score(answer, gold) {
    const items = answerItems(answer);
    const s = setOverlap(items, Array.isArray(gold) ? gold : [gold]);
    return {
      value: s[pick],
      extra: { precision: s.precision, recall: s.recall, f1: s.f1 },
      readable: items.length > 0,
    };
  },
});

/**
 * The reference's metric names (docs/reference.md#scoring) and how one sample is scored under each. AUROC is computed
 * over a task's samples from p(yes) (see score.ts); per sample, a risk answer scores its accuracy.
 */
export const METRICS: Readonly<Record<Metric, SampleMetric>> = {
  em: list("f1"),
  recall: list("recall"),
  acc: {
    reported: "acc",
    score(answer, gold) {
      const said = singleAnswer(answer);
      return { value: said === String(gold).toLowerCase() ? 1 : 0, extra: {}, readable: said !== "" };
    },
  },
  rouge: {
    reported: "rouge",
    score(answer, gold) {
      const r = rouge1(answer, String(gold));
      return { value: r.f1, extra: { precision: r.precision, recall: r.recall }, readable: answer.trim() !== "" };
    },
  },
  aucroc: {
    reported: "aucroc",
    score(answer, gold) {
      const said = yesNo(answer);
      return { value: said === gold ? 1 : 0, extra: {}, readable: said !== null, said };
    },
  },
};
