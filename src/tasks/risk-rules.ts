import { EhrR1Error } from "../errors.js";
import { RISK_FACTS, type RiskRule, type RiskWindow } from "./registry.js";

const hours = (from: string, to: string) => `(epoch_ms(${to}) - epoch_ms(${from})) / 3600000.0`;

/** The facts a rule reads (so a declaration can be checked against its window's facts). */
export function factsOf(rule: RiskRule): string[] {
  switch (rule.rule) {
    case "fact":
      return [rule.fact];
    case "diedBy":
      return ["dod", rule.time];
    case "within":
    case "longerThan":
      return [rule.from, rule.to];
    case "anyOf":
      return rule.of.flatMap(factsOf);
  }
}

/**
 * A risk rule as a SQL condition over its window's fact columns. NULL facts leave the condition
 * NULL or false, and the label is "yes" only where it is true.
 */
export function riskConditionSql(rule: RiskRule, window: RiskWindow): string {
  const unknown = factsOf(rule).filter((f) => !RISK_FACTS[window].includes(f));
  if (unknown.length)
    throw new EhrR1Error(
      `risk rule ${JSON.stringify(rule)} reads ${unknown.join(", ")}, which ${window} anchors do not provide (${RISK_FACTS[window].join(", ")})`,
    );
  const q = (fact: string) => `"${fact}"`;
  switch (rule.rule) {
    case "fact":
      return `(${q(rule.fact)})`;
    case "diedBy":
      return `(dod IS NOT NULL AND ${q(rule.time)} IS NOT NULL AND NOT (${q(rule.time)} < dod))`;
    case "within":
      return `(${q(rule.to)} IS NOT NULL AND ${hours(q(rule.from), q(rule.to))} < ${rule.hours})`;
    case "longerThan":
      return `(${hours(q(rule.from), q(rule.to))} ${rule.inclusive ? ">=" : ">"} ${rule.hours})`;
    case "anyOf":
      return `(${rule.of.map((r) => riskConditionSql(r, window)).join(" OR ")})`;
  }
}
