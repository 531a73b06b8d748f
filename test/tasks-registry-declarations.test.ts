import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRICS } from "../src/eval/metrics/registry.js";
import { EVENT_FORMATS } from "../src/render/event-formats.js";
import { RISK_FACTS, TASKS, type RiskWindow, type TaskDefinition } from "../src/tasks/registry.js";
import { factsOf, riskConditionSql } from "../src/tasks/risk-rules.js";

const SRC = join(import.meta.dirname, "..", "src");
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });

/** Where task names may appear: the registry itself, and the reference's sampling configs (data keyed by task). */
const NAME_TABLES = new Set(["tasks/registry.ts", "tasks/presets.ts"]);

/** A task's declaration is whole: every part a consumer reads is present and consistent. */
function problems(t: TaskDefinition): string[] {
  const out: string[] = [];
  const need = (ok: unknown, what: string) => void (ok ? null : out.push(what));
  need(/^[A-Za-z][A-Za-z0-9_]*$/.test(t.name), "a name");
  need(t.instruction.startsWith("Given the sequence of events"), "an instruction");
  need(t.event === "any" || t.event in EVENT_FORMATS, `an anchor event type (${t.event})`);
  need(t.metric in METRICS, `a metric (${t.metric})`);
  need(t.reward in METRICS, `a reward metric (${t.reward})`);
  need(
    typeof t.sampling?.weighted === "boolean" && typeof t.sampling.admissionInContext === "boolean",
    "a sampling policy",
  );
  need(
    t.excludedEvents.every((e) => e in EVENT_FORMATS),
    "hidden events that exist",
  );
  const label = t.label;
  if (label.kind === "yes-no") {
    need(t.type === "risk_prediction", "a risk type for a yes/no label");
    need(t.candidates === "yes-no", "yes/no candidates");
    need(t.window in RISK_FACTS, "a risk anchor window");
    const facts = RISK_FACTS[t.window as RiskWindow] ?? [];
    for (const f of [...factsOf(label.rule), ...(label.onlyWhen ? [label.onlyWhen] : [])])
      need(facts.includes(f), `a fact ${f} that ${t.window} provides`);
  } else {
    need(t.type === "decision_making", "a decision type");
    need(t.window === (label.kind === "event-type" ? "next-event" : "next-items"), "the window of its label kind");
    need(t.candidates === (label.kind === "text" ? "none" : "pool"), "the candidates of its label kind");
    if (label.kind !== "event-type") need(label.key && t.targetKey, "a label key");
  }
  return out;
}

describe("the task registry is the one place a task is defined", () => {
  it("every declaration has every part: label rule, window, metric, reward, sampling, candidates, instruction", () => {
    for (const t of TASKS) expect(problems(t), t.name).toEqual([]);
    // The check itself: a declaration missing parts is caught.
    const broken: TaskDefinition = {
      ...TASKS.find((t) => t.name === "ICU_Stay_7day")!,
      reward: "nope" as TaskDefinition["reward"],
      candidates: "pool",
      label: { kind: "yes-no", rule: { rule: "fact", fact: "dischtime" } },
    };
    expect(problems(broken)).toEqual([
      "a reward metric (nope)",
      "yes/no candidates",
      "a fact dischtime that icu-24h provides",
    ]);
  });

  it("every risk rule compiles to SQL over its window's facts, and one reading an absent fact is refused", () => {
    for (const t of TASKS)
      if (t.label.kind === "yes-no") expect(riskConditionSql(t.label.rule, t.window as RiskWindow)).toMatch(/^\(/);
    expect(() => riskConditionSql({ rule: "diedBy", time: "dischtime" }, "icu-24h")).toThrow(
      /reads dischtime, which icu-24h anchors do not provide/,
    );
  });

  it("no module outside the registry names a task or branches on one", () => {
    const events = new Set(Object.keys(EVENT_FORMATS));
    // Task names that are not also event types (those appear as table names everywhere).
    const own = TASKS.map((t) => t.name).filter((n) => !events.has(n));
    const quoted = new RegExp(`["'\`](${own.join("|")})["'\`]`, "g");
    const branch =
      /(?<!typeof [\w.]*)\b(?:task|task\.name|task_info\.task|row\.task|r\.task|t\.task|t\.name|def\.name)\s*[!=]==?\s*["'`]/g;
    const found: string[] = [];
    for (const file of sources(SRC)) {
      const name = file.slice(SRC.length + 1);
      if (NAME_TABLES.has(name)) continue;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(quoted)) found.push(`${name}: ${m[0]}`);
      for (const m of text.matchAll(branch)) found.push(`${name}: ${m[0]}…`);
      for (const m of text.matchAll(/\.startsWith\(["'`](?:LengthOfStay|ICU_|ED_|Readmission)/g))
        found.push(`${name}: ${m[0]}`);
    }
    expect(found).toEqual([]);
  });
});
