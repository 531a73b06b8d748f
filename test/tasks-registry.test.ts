import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";
import { describeNeeding } from "./helpers/data.js";
import { SPEC_FILE, specTable } from "./helpers/spec.js";

/** The text between backticks on the line after `label`. */
const quoted = (text: string, label: string) => text.slice(text.indexOf(label)).split("`")[1]!;

/**
 * The registry and presets are module-level tables: each test imports them afresh inside the test,
 * so that mutation testing (which switches a mutant on only while a test runs) can see a change.
 */
async function freshRegistry() {
  vi.resetModules();
  return {
    registry: await import("../src/tasks/registry.js"),
    presets: await import("../src/tasks/presets.js"),
  };
}

describeNeeding([SPEC_FILE], "the task registry against the spec's task tables", () => {
  const spec = () => readFileSync(SPEC_FILE, "utf8");

  it("defines the 28 decision and 18 risk tasks of §8.2 and §8.3, in that order, with their events, keys, metrics, exclusions and instructions", async () => {
    const text = spec();
    const decisionTemplate = quoted(text, "Instruction template (current source):");
    const riskTemplate = quoted(text, "Instruction template: `Given");
    const decisions = specTable(text, "### 8.2 Decision-making tasks").map(
      ([, name, event, key, metric, bid, slot]) => ({
        name: name!,
        type: "decision_making",
        event: event === "*any* event type" ? "any" : event!.replace(/ \(ED\)$/, ""),
        targetKey: key!
          .split(/ \(| of /)[0]!
          .split(", else ")
          .at(-1)!,
        metric: metric!,
        excludedEvents: bid === "–" ? [] : [bid!],
        instruction: decisionTemplate.replace("{SLOT}", slot!),
        window: name === "next_event" ? "next-event" : "next-items",
      }),
    );
    const windows: Record<string, string> = {
      edstays: "ed-stay",
      discharge: "discharge-note",
      admissions: "admission-24h",
      icustays: "icu-24h",
    };
    const risks = specTable(text, "### 8.3 Risk-prediction tasks").flatMap(([name, anchor, clause]) => {
      const expand = name!.match(/^(.*)\{(.*)\}(.*)$/);
      const names = expand ? expand[2]!.split(",").map((n) => [`${expand[1]}${n}${expand[3]}`, n]) : [[name!, ""]];
      const event = anchor!.replace(/ \(note\)$/, "");
      return names.map(([task, n]) => ({
        name: task!.replace(/ \*\(sic\)\*$/, ""),
        type: "risk_prediction",
        event,
        targetKey: null,
        metric: "aucroc",
        excludedEvents: [],
        instruction: riskTemplate.replace("{CLAUSE}", clause!.replace(/ \*\(.*\)\*$/, "").replace("{N}", n!)),
        window: windows[event],
      }));
    });
    expect(decisions).toHaveLength(28);
    expect(risks).toHaveLength(18);
    const { registry } = await freshRegistry();
    const specFields = Object.keys(decisions[0]!) as (keyof (typeof decisions)[0])[];
    expect(registry.TASKS.map((t) => Object.fromEntries(specFields.map((f) => [f, t[f]])))).toEqual([
      ...decisions,
      ...risks,
    ]);
    // "careunit, else eventtype": the first key where it is not nan, else the second.
    for (const [, name, , key] of specTable(text, "### 8.2 Decision-making tasks")) {
      const label = registry.task(name!).label;
      const prefer = key!.includes(", else ") ? key!.split(", else ")[0] : undefined;
      expect(label.kind === "items" ? label.preferKey : undefined, name).toBe(prefer);
    }
  });

  it("presets: EHR-Ins caps of §8.7 (N column, 40,000 or 20,000 per risk task), EHR-Bench all risk rows, 500 per task, balanced, on the test split", async () => {
    const counts = Object.fromEntries(
      specTable(spec(), "### 8.2 Decision-making tasks")
        .filter((row) => !row[7]!.startsWith("*"))
        .map((row) => [row[1]!, Number(row[7]!.replaceAll(",", ""))]),
    );
    expect(Object.values(counts).reduce((a, n) => a + n, 0)).toBe(3_240_000);
    const { registry, presets } = await freshRegistry();
    const risk = registry.TASKS.filter((t) => t.type === "risk_prediction").map((t) => t.name);
    const short = ["ICU_Mortality_1day", "ICU_Mortality_2day", "ICU_Mortality_3day", "ICU_Mortality_14day"];
    expect(presets.PRESETS).toEqual({
      "ehr-ins": {
        config: { ...counts, ...Object.fromEntries(risk.map((t) => [t, short.includes(t) ? 20_000 : 40_000])) },
        split: "train",
      },
      "ehr-bench": {
        config: { ...counts, ...Object.fromEntries(risk.map((t) => [t, -1])) },
        split: "test",
        perTask: 500,
        balance: true,
      },
      // Our documented choice (the reference's ehr_ins_rl.csv is unreleased): every EHR-Ins task, 1,000
      // each from the training split, risk labels balanced; every one of them has a verifiable reward.
      "ehr-ins-rl": {
        config: Object.fromEntries([...Object.keys(counts), ...risk].map((t) => [t, 1_000])),
        split: "train",
        balance: true,
      },
    });
    for (const t of Object.keys(presets.PRESETS["ehr-ins-rl"]!.config))
      expect(registry.task(t).metric, t).not.toBe("rouge");
    const ins = Object.values(presets.PRESETS["ehr-ins"]!.config).reduce((a, n) => a + n, 0);
    expect(ins).toBe(3_880_000);
  });

  it("looks tasks up by name and names the unknown ones", async () => {
    const { registry, presets } = await freshRegistry();
    expect(registry.task("emar").targetKey).toBe("medication");
    expect(() => registry.task("nope")).toThrow(/^unknown task nope \(known: admissions, omr, .*ICU_Readmission\)$/);
    expect(registry.selectTasks().map((t) => t.name)).toEqual(registry.TASKS.map((t) => t.name));
    expect(registry.selectTasks([]).length).toBe(46);
    expect(registry.selectTasks(["ICU_Stay_7day", "admissions"]).map((t) => t.name)).toEqual([
      "admissions",
      "ICU_Stay_7day",
    ]);
    expect(() => registry.selectTasks(["labevents", "x", "y"])).toThrow(
      "unknown task(s) x, y (see `ehr-r1 tasks list`)",
    );
    expect(presets.parseConfig('{"labevents": 5, "services": -1, "emar": 0}', "c.json")).toEqual({
      labevents: 5,
      services: -1,
      emar: 0,
    });
    expect(() => presets.parseConfig("{", "c.json")).toThrow(/^c\.json: not valid JSON \(/);
    expect(() => presets.parseConfig('{"labevents": 1.5}', "c.json")).toThrow(
      /^c\.json: expected \{"task": count, \.\.\.\} with whole-number counts \(.+\)$/,
    );
    expect(() => presets.parseConfig('{"x": 1, "labevents": 2, "y": 3}', "c.json")).toThrow(
      "c.json: unknown task(s) x, y (see `ehr-r1 tasks list`)",
    );
    expect(() => presets.parseConfig('{"labevents": -2, "emar": -1, "poe": -5}', "c.json")).toThrow(
      "c.json: counts must be -1 (all) or >= 0; got labevents: -2, poe: -5",
    );
  });
});
