import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Store } from "../src/store/database.js";
import { exportTaskIndexCsv } from "../src/tasks/export-csv.js";
import { buildTaskIndex } from "../src/tasks/index-build.js";
import { tempDir } from "./helpers/data.js";
import { copyStore, SYNTH_DB } from "./helpers/fixtures.js";

/** `tasks export`: the reference's per-task index CSVs, read back with DuckDB's CSV reader. */
describe("task index CSVs in the reference's layout (task_index/all/<task>.csv)", () => {
  const dir = tempDir();
  let store: Store;
  let raw: DuckDBConnection;
  const TASKS = ["ED_Hospitalization", "labevents"];

  beforeAll(async () => {
    store = await Store.open(copyStore(SYNTH_DB, dir, "csv.duckdb"));
    raw = await (await DuckDBInstance.create(":memory:")).connect();
    return () => store.close();
  });

  it("refuses a store without a task index, naming the command to run", async () => {
    const empty = await Store.open(join(dir, "empty.duckdb"));
    try {
      await expect(exportTaskIndexCsv(empty, join(dir, "none"))).rejects.toThrow(
        /has no task index \(run `ehr-r1 tasks index --db .*empty\.duckdb` first\)/,
      );
    } finally {
      empty.close();
    }
  });

  it("writes one file per task, rows in (subject, anchor) order, hadm_id None when absent, list targets with Python's separators", async () => {
    await buildTaskIndex(store, { tasks: TASKS });
    const out = join(dir, "task_index");
    const result = await exportTaskIndexCsv(store, out);
    expect(readdirSync(out).sort()).toEqual(TASKS.map((t) => `${t}.csv`).sort());
    expect(result.files).toBe(2);
    let rows = 0;
    for (const task of TASKS) {
      const file = join(out, `${task}.csv`);
      expect(readFileSync(file, "utf8").split("\n", 1)[0]).toBe(
        "subject_id,hadm_id,task,event,context_begin,context_end,target,admissions_id,last_discharge_id,target_weight",
      );
      const got = (
        await raw.runAndReadAll(`SELECT * FROM read_csv('${file}', all_varchar = true, header = true)`)
      ).getRowObjectsJS() as Record<string, string | null>[];
      const expected = await store.rows<Record<string, unknown>>(`
        SELECT subject_id, hadm_id, event, context_begin, context_end, target, admissions_id, last_discharge_id, target_weight
        FROM tasks.task_index WHERE task = '${task}' ORDER BY subject_id, anchor`);
      expect(got.length, task).toBe(expected.length);
      expect(got.length, task).toBeGreaterThan(50);
      rows += got.length;
      for (const [i, g] of got.entries()) {
        const e = expected[i]!;
        expect(g.task).toBe(task);
        expect([g.subject_id, g.event, g.context_begin, g.context_end]).toEqual(
          [e.subject_id, e.event, e.context_begin, e.context_end].map(String),
        );
        expect(g.hadm_id).toBe(e.hadm_id === null ? "None" : String(e.hadm_id));
        expect(g.admissions_id).toBe(e.admissions_id === null ? null : String(e.admissions_id));
        expect(g.last_discharge_id).toBe(e.last_discharge_id === null ? null : String(e.last_discharge_id));
        expect(Number(g.target_weight)).toBeCloseTo(e.target_weight as number, 12);
        // json.dumps: `["a", "b"]` for lists, the JSON string itself for risk labels.
        const target = e.target as string[];
        expect(g.target).toBe(
          task === "ED_Hospitalization"
            ? JSON.stringify(target[0])
            : `[${target.map((x) => JSON.stringify(x)).join(", ")}]`,
        );
      }
      if (task === "ED_Hospitalization") expect(got.some((g) => g.hadm_id === "None")).toBe(true);
      else expect(got.some((g) => g.target!.includes('", "'))).toBe(true);
    }
    expect(result.rows).toBe(rows);
    expect(result.folder).toBe(out);
    await expect(exportTaskIndexCsv(store, out)).rejects.toThrow(/is not empty \(use --force to replace it\)/);
    expect((await exportTaskIndexCsv(store, out, { force: true })).rows).toBe(rows);
  });
});
