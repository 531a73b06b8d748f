import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EVENT_FORMATS } from "../src/render/event-formats.js";
import { renderEvent } from "../src/render/markdown.js";
import { ingestMimic } from "../src/sources/mimic-iv/ingest.js";
import { mappingsInFolder } from "../src/sources/mimic-iv/mappings.js";
import { synthesizeCohort } from "../src/sources/synthetic/generate.js";
import { Store } from "../src/store/database.js";
import { buildTimeline } from "../src/timeline/build.js";
import { mergeWindows, readTrajectories, type EhrEvent } from "../src/timeline/read.js";
import { TIMELINE_SOURCES } from "../src/timeline/sources.js";
import { tempDir } from "./helpers/data.js";

/** The synthetic cohort has what the demo lacks (ED, notes, chart events); raw CSVs are the independent side. */
describe("timelines of a synthetic cohort (ED, notes, chart events)", () => {
  const dir = tempDir();
  const cohort = join(dir, "cohort");
  let raw: DuckDBConnection;
  let trajectories: Map<number, EhrEvent[]>;
  let store: Store;
  const csv = (module: string, table: string) =>
    `read_csv('${join(cohort, module, `${table}.csv.gz`)}', all_varchar = true, header = true)`;

  beforeAll(async () => {
    await synthesizeCohort(cohort, { patients: 40, seed: 11 });
    await ingestMimic([cohort], join(dir, "s.duckdb"), { mappings: mappingsInFolder(join(cohort, "mappings")) });
    store = await Store.open(join(dir, "s.duckdb"));
    await buildTimeline(store);
    raw = await (await DuckDBInstance.create(":memory:")).connect();
    const ids = (await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM timeline.events")).map(
      (r) => r.s,
    );
    trajectories = await readTrajectories(store, ids);
    return () => store.close();
  });

  it("reads only the events asked for, keeping every index, and refuses to hand out an unread event's items", async () => {
    const [a, b] = [...trajectories.keys()];
    const full = [trajectories.get(a!)!, trajectories.get(b!)!];
    const windows = [
      { subjectId: a!, from: 0, to: 1 },
      { subjectId: a!, from: 3, to: 6 },
      { subjectId: a!, from: 5, to: 8 },
      { subjectId: b!, from: 2, to: 3 },
    ];
    const part = await readTrajectories(store, [a!, b!], { windows });
    expect(part.get(a!)!.length).toBe(full[0]!.length);
    expect(part.get(b!)!.length).toBe(full[1]!.length);
    for (const seq of [0, 3, 4, 5, 6, 7]) expect(part.get(a!)![seq]!.items).toEqual(full[0]![seq]!.items);
    expect(part.get(b!)![2]!.items).toEqual(full[1]![2]!.items);
    expect(part.get(a!)![8]!.file_name).toBe(full[0]![8]!.file_name);
    expect(() => part.get(a!)![8]!.items).toThrow(`event 8 of patient ${a} was not read`);
    expect(() => part.get(a!)![1]!.items).toThrow("was not read");
    expect(() => part.get(b!)![0]!.items).toThrow("was not read");
    expect(mergeWindows(windows)).toEqual([
      { subjectId: a!, from: 0, to: 1 },
      { subjectId: a!, from: 3, to: 8 },
      { subjectId: b!, from: 2, to: 3 },
    ]);
  });

  it("keeps the previous timelines when a rebuild fails part-way, and leaves no half-built table", async () => {
    const snapshot = () =>
      store.rows<{ n: bigint; h: bigint }>(
        "SELECT count(*) AS n, sum(hash(subject_id, seq, pos, file_name, src_row, time, hadm_id) % 1000003) AS h FROM timeline.rows",
      );
    const before = await snapshot();
    // Small shards, and a failure after two of them have been written.
    const failing = buildTimeline(store, {
      shardRows: 2_000,
      onProgress: (done) => {
        if (done === 2) throw new Error("stopped on purpose");
      },
    });
    await expect(failing).rejects.toThrow("stopped on purpose");
    expect(await snapshot()).toEqual(before);
    const left = await store.rows<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'timeline' AND table_name LIKE '%_next'",
    );
    expect(left).toEqual([]);
  });

  const items = (table: string) =>
    [...trajectories.values()].flatMap((t) => t.filter((e) => e.file_name === table).flatMap((e) => e.items));
  const rawRows = async <T>(sql: string) => (await raw.runAndReadAll(sql)).getRowObjectsJS() as T[];

  it("has, per patient and table, exactly the raw CSV's rows", async () => {
    for (const { module, table } of TIMELINE_SOURCES) {
      const expected = new Map(
        (
          await rawRows<{ s: string; n: bigint }>(
            `SELECT subject_id AS s, count(*) AS n FROM ${csv(module, table)} GROUP BY 1`,
          )
        ).map((r) => [r.s, Number(r.n)]),
      );
      const actual = new Map<string, number>();
      for (const [s, t] of trajectories) {
        const n = t.filter((e) => e.file_name === table).reduce((sum, e) => sum + e.items.length, 0);
        if (n) actual.set(String(s), n);
      }
      expect(actual, table).toEqual(expected);
    }
  });

  it("times triage at ED arrival + 1 s and ED diagnoses at departure", async () => {
    const stays = new Map(
      (
        await rawRows<{ id: string; arrive: string; leave: string }>(
          `SELECT stay_id AS id, strftime(CAST(intime AS TIMESTAMP) + INTERVAL 1 SECOND, '%Y-%m-%d %H:%M:%S') AS arrive, outtime AS leave FROM ${csv("ed", "edstays")}`,
        )
      ).map((r) => [r.id, r]),
    );
    const triage = items("triage");
    const diagnoses = items("diagnosis");
    expect(triage.length).toBeGreaterThan(10);
    expect(diagnoses.length).toBeGreaterThan(10);
    for (const t of triage) expect(t.charttime).toBe(stays.get(t.stay_id as string)!.arrive);
    for (const d of diagnoses) expect(d.charttime).toBe(stays.get(d.stay_id as string)!.leave);
  });

  it("lists each radiology report's exam names from radiology_detail", async () => {
    const expected = new Map<string, string[]>();
    for (const r of await rawRows<{ note_id: string; names: string[] }>(
      `SELECT note_id, list(field_value ORDER BY CAST(field_ordinal AS INTEGER)) AS names FROM ${csv("note", "radiology_detail")} WHERE field_name = 'exam_name' GROUP BY 1`,
    ))
      expected.set(r.note_id, [...new Set(r.names)]);
    const reports = items("radiology");
    expect(reports.length).toBeGreaterThan(5);
    for (const r of reports) expect(r.exam_name).toEqual(expected.get(r.note_id as string) ?? null);
    // Read one patient at a time, as builds read batches: the exam names are cut to the batch's patients.
    const withReports = [...trajectories].filter(([, t]) => t.some((e) => e.file_name === "radiology"));
    expect(withReports.length).toBeGreaterThan(2);
    for (const [id] of withReports) {
      const alone = (await readTrajectories(store, [id])).get(id)!;
      for (const r of alone.filter((e) => e.file_name === "radiology").flatMap((e) => e.items))
        expect(r.exam_name, `patient ${id}`).toEqual(expected.get(r.note_id as string) ?? null);
    }
  });

  it("renders every event type the cohort has under its display name and time", () => {
    const seen = new Set<string>();
    for (const trajectory of trajectories.values()) {
      for (const event of trajectory) {
        const format = EVENT_FORMATS[event.file_name];
        const text = renderEvent(event);
        if (!format) {
          expect(text).toBe("");
          continue;
        }
        seen.add(event.file_name);
        expect(text.startsWith(`## ${format.display} [${event.starttime ?? "None"}]\n`)).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(EVENT_FORMATS).sort());
  });
});
