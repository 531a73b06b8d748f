import { describe, expect, it } from "vitest";
import type { DatasetRecord } from "../src/dataset/record.js";
import { Store } from "../src/store/database.js";
import { findTask } from "../src/tasks/registry.js";
import { assertTaskIndex, goldOf, labelOf, targetJsonSql } from "../src/tasks/target.js";

const record = (task: string, type: "decision_making" | "risk_prediction", output: string, label?: string | string[]) =>
  ({
    idx: 0,
    instruction: "",
    input: "",
    output,
    candidates: [],
    task_info: { task, task_type: type, ...(label === undefined ? {} : { label }) },
  }) as DatasetRecord;

describe("a record's gold answer", () => {
  it("is its label where it has one, whatever its output says", () => {
    expect(goldOf(record("labevents", "decision_making", "x\ny", ["Sodium"]))).toEqual(["Sodium"]);
    expect(goldOf(record("ICU_Stay_7day", "risk_prediction", "no", "yes"))).toBe("yes");
  });

  it("without a label: the output's lines for item-list tasks, the output itself otherwise (by declaration, else by type)", () => {
    expect(goldOf(record("labevents", "decision_making", "Sodium\nPotassium"))).toEqual(["Sodium", "Potassium"]);
    // Known tasks by their label kind: discharge (text) and next_event keep the whole output.
    expect(goldOf(record("discharge", "decision_making", "line one\nline two"))).toBe("line one\nline two");
    expect(goldOf(record("next_event", "decision_making", "labevents"))).toBe("labevents");
    expect(goldOf(record("ICU_Stay_7day", "risk_prediction", "yes"))).toBe("yes");
    // A released benchmark's unknown task by its type.
    expect(goldOf(record("new_task", "decision_making", "a\nb"))).toEqual(["a", "b"]);
    expect(goldOf(record("new_risk", "risk_prediction", "no"))).toBe("no");
  });
});

describe("stored targets", () => {
  it("are the label list of item-list tasks and the one value of the others", () => {
    expect(labelOf(findTask("labevents")!, ["Sodium", "Potassium"])).toEqual(["Sodium", "Potassium"]);
    expect(labelOf(findTask("ICU_Stay_7day")!, ["yes"])).toBe("yes");
    expect(labelOf(findTask("discharge")!, ["the note"])).toBe("the note");
  });

  it("read back as the reference's JSON text: a list for item-list tasks, a string otherwise", async () => {
    const store = await Store.open(":memory:");
    try {
      const rows = await store.rows<{ j: string }>(
        `SELECT ${targetJsonSql("t", "k")} AS j FROM (VALUES ('labevents', ['Sodium', 'K+']), ('ICU_Stay_7day', ['yes']), ('next_event', ['labevents'])) v(k, t)`,
      );
      expect(rows.map((r) => r.j)).toEqual(['["Sodium","K+"]', '"yes"', '"labevents"']);
    } finally {
      store.close();
    }
  });
});

describe("the task-index check", () => {
  it("names what to run when there is no index, or one with JSON-text targets from an earlier version", async () => {
    const store = await Store.open(":memory:");
    try {
      await expect(assertTaskIndex(store, "the baselines are fitted on it")).rejects.toThrow(
        ":memory: has no task index: the baselines are fitted on it (run `ehr-r1 tasks index --db :memory:` first)",
      );
      await expect(assertTaskIndex(store)).rejects.toThrow(/^:memory: has no task index \(run `ehr-r1 tasks index/);
      await store.exec("CREATE SCHEMA tasks; CREATE TABLE tasks.task_index (task VARCHAR, target VARCHAR)");
      await expect(assertTaskIndex(store)).rejects.toThrow(
        ":memory:'s task index was built by an earlier version (targets as VARCHAR, not VARCHAR[]): run `ehr-r1 tasks index --db :memory:` again",
      );
      await store.exec("DROP TABLE tasks.task_index; CREATE TABLE tasks.task_index (task VARCHAR, target VARCHAR[])");
      await expect(assertTaskIndex(store)).resolves.toBeUndefined();
    } finally {
      store.close();
    }
  });
});
