import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { renderEvent } from "../src/render/markdown.js";
import { Store } from "../src/store/database.js";
import { buildTimeline } from "../src/timeline/build.js";
import { readTrajectories, type EhrEvent } from "../src/timeline/read.js";
import { DEMO_DIR, DEMO_STORE_FILES, describeNeeding, MAPPINGS_DIR, tempDir } from "./helpers/data.js";
import { copyStore, DEMO_DB } from "./helpers/fixtures.js";

/** Raw demo CSVs read as text by a separate DuckDB: the independent side of every comparison here. */
async function rawQuery<T>(raw: DuckDBConnection, sql: string): Promise<T[]> {
  return (await raw.runAndReadAll(sql)).getRowObjectsJS() as T[];
}
const csv = (module: string, table: string) =>
  `read_csv('${join(DEMO_DIR, module, `${table}.csv.gz`)}', all_varchar = true, header = true)`;

/** Every demo table that feeds timelines, with its time column as the spec's §3.1 table gives it. */
const DEMO_EVENT_TABLES: [string, string, string | null][] = [
  ["hosp", "patients", null],
  ["hosp", "admissions", "admittime"],
  ["hosp", "diagnoses_icd", null],
  ["hosp", "drgcodes", null],
  ["hosp", "emar", "charttime"],
  ["hosp", "hcpcsevents", "chartdate"],
  ["hosp", "labevents", "charttime"],
  ["hosp", "microbiologyevents", "coalesce(charttime, chartdate)"],
  ["hosp", "omr", "chartdate"],
  ["hosp", "pharmacy", "entertime"],
  ["hosp", "poe", "ordertime"],
  ["hosp", "prescriptions", "starttime"],
  ["hosp", "procedures_icd", "chartdate"],
  ["hosp", "services", "transfertime"],
  ["hosp", "transfers", "intime"],
  ["icu", "datetimeevents", "charttime"],
  ["icu", "icustays", "intime"],
  ["icu", "ingredientevents", "starttime"],
  ["icu", "inputevents", "starttime"],
  ["icu", "outputevents", "charttime"],
  ["icu", "procedureevents", "starttime"],
];

describeNeeding(DEMO_STORE_FILES, "timelines of the MIMIC-IV demo", () => {
  const dir = tempDir();
  let store: Store;
  let raw: DuckDBConnection;

  beforeAll(async () => {
    // The shared demo store, whose timelines the global setup built; a copy, since one test rebuilds them.
    store = await Store.open(copyStore(DEMO_DB, dir, "demo.duckdb"));
    raw = await (await DuckDBInstance.create(":memory:")).connect();
    return () => store.close();
  });

  it("has, per patient and table, exactly the raw CSV's rows, none twice", async () => {
    for (const [module, table] of DEMO_EVENT_TABLES)
      expect(existsSync(join(DEMO_DIR, module, `${table}.csv.gz`))).toBe(true);
    const expected = new Map<string, number>();
    for (const [module, table] of DEMO_EVENT_TABLES) {
      for (const r of await rawQuery<{ s: string; n: bigint }>(
        raw,
        `SELECT subject_id AS s, count(*) AS n FROM ${csv(module, table)} GROUP BY 1`,
      )) {
        expected.set(`${r.s}/${table}`, Number(r.n));
      }
    }
    const actual = new Map(
      (
        await store.rows<{ k: string; n: bigint }>(
          "SELECT subject_id || '/' || file_name AS k, count(*) AS n FROM timeline.rows GROUP BY 1",
        )
      ).map((r) => [r.k, Number(r.n)]),
    );
    expect(actual).toEqual(expected);
    expect(await store.value("SELECT count(*) - count(DISTINCT (file_name, src_row)) FROM timeline.rows")).toBe(0n);
    // Every event's row count matches its rows, and rows of one event are one table.
    expect(
      await store.value(
        `SELECT count(*) FROM timeline.events e JOIN (SELECT subject_id, seq, count(*) AS n, count(DISTINCT file_name) AS f FROM timeline.rows GROUP BY ALL) r USING (subject_id, seq) WHERE r.n <> e.n_rows OR r.f <> 1`,
      ),
    ).toBe(0n);
  });

  it("puts a patient's lab draw in the lab table with exactly the raw rows, named from d_labitems", async () => {
    // Three patients, each at the time of their largest lab draw (worked out from the raw CSVs).
    const draws = await rawQuery<{ s: string; t: string }>(
      raw,
      `
      SELECT s, arg_max(t, n) AS t FROM (SELECT subject_id AS s, charttime AS t, count(*) AS n FROM ${csv("hosp", "labevents")} GROUP BY ALL)
      GROUP BY s ORDER BY s LIMIT 3`,
    );
    expect(draws).toHaveLength(3);
    const trajectories = await readTrajectories(
      store,
      draws.map((d) => Number(d.s)),
    );
    for (const { s, t } of draws) {
      const expected = await rawQuery<{ label: string | null; valuenum: string | null }>(
        raw,
        `
        SELECT d.label, l.valuenum FROM (SELECT *, row_number() OVER () AS line FROM ${csv("hosp", "labevents")}) l
        LEFT JOIN ${csv("hosp", "d_labitems")} d USING (itemid) WHERE l.subject_id = '${s}' AND l.charttime = '${t}' ORDER BY l.line`,
      );
      const events = trajectories
        .get(Number(s))!
        .filter((e) => e.file_name === "labevents" && e.items.some((i) => i.charttime === t));
      const items = events.flatMap((e) => e.items.filter((i) => i.charttime === t));
      expect(items.map((i) => i.item_name)).toEqual(expected.map((e) => e.label));
      expect(items.map((i) => (i.valuenum === "nan" ? null : Number(i.valuenum)))).toEqual(
        expected.map((e) => (e.valuenum === null ? null : Number(e.valuenum))),
      );
      const text = events.map((e) => renderEvent(e)).join("\n");
      for (const e of expected) expect(text).toContain(`| ${e.label ?? "None"} | `);
    }
  });

  it("places each admission's diagnoses right after its last timed row, then its DRG codes", async () => {
    // The latest time of any row of each admission, from the raw CSVs of every timed table with hadm_id.
    const timed = DEMO_EVENT_TABLES.filter(([m, t, time]) => time && !["omr"].includes(t) && m);
    const union = timed
      .map(
        ([m, t, time]) => `SELECT hadm_id, CAST(${time} AS TIMESTAMP) AS t FROM ${csv(m, t)} WHERE hadm_id IS NOT NULL`,
      )
      .join(" UNION ALL ");
    const last = new Map(
      (
        await rawQuery<{ h: string; t: string }>(
          raw,
          `SELECT hadm_id AS h, strftime(max(t), '%Y-%m-%d %H:%M:%S') AS t FROM (${union}) GROUP BY 1`,
        )
      ).map((r) => [r.h, r.t]),
    );
    const counts = async (table: string) =>
      new Map(
        (
          await rawQuery<{ h: string; n: bigint }>(
            raw,
            `SELECT hadm_id AS h, count(*) AS n FROM ${csv("hosp", table)} GROUP BY 1`,
          )
        ).map((r) => [r.h, Number(r.n)]),
      );
    const diagnoses = await counts("diagnoses_icd");
    const drg = await counts("drgcodes");
    const rows = await store.rows<{ h: string; before_t: string | null; before_h: string | null; run: string[] }>(`
      WITH first AS (SELECT subject_id, hadm_id, min(pos) AS p FROM timeline.rows WHERE file_name = 'diagnoses_icd' GROUP BY ALL)
      SELECT CAST(f.hadm_id AS VARCHAR) AS h, strftime(b.time, '%Y-%m-%d %H:%M:%S') AS before_t, CAST(b.hadm_id AS VARCHAR) AS before_h,
        (SELECT list(file_name ORDER BY pos) FROM timeline.rows x WHERE x.subject_id = f.subject_id AND x.pos >= f.p AND x.hadm_id = f.hadm_id AND x.file_name IN ('diagnoses_icd', 'drgcodes')) AS run
      FROM first f JOIN timeline.rows b ON b.subject_id = f.subject_id AND b.pos = f.p - 1`);
    expect(rows.length).toBe(diagnoses.size);
    for (const r of rows) {
      expect(r.before_h, `admission ${r.h}`).toBe(r.h);
      expect(r.before_t, `admission ${r.h}`).toBe(last.get(r.h));
      expect(r.run).toEqual([
        ...Array(diagnoses.get(r.h)).fill("diagnoses_icd"),
        ...Array(drg.get(r.h) ?? 0).fill("drgcodes"),
      ]);
    }
  });

  it("starts every trajectory with the demographics and keeps timed rows in time order", async () => {
    expect(await store.value("SELECT count(*) FROM timeline.events WHERE seq = 0 AND file_name <> 'patients'")).toBe(
      0n,
    );
    expect(
      await store.value(
        `SELECT count(*) FROM (SELECT time, lag(time) OVER (PARTITION BY subject_id ORDER BY pos) AS prev FROM timeline.rows WHERE placement = 1) WHERE time < prev`,
      ),
    ).toBe(0n);
  });

  it("renders diagnoses with ICD titles and CCS categories from the dictionaries", async () => {
    const [first] = await rawQuery<{ s: string; h: string; code: string; v: string }>(
      raw,
      `SELECT subject_id AS s, hadm_id AS h, icd_code AS code, icd_version AS v FROM ${csv("hosp", "diagnoses_icd")} LIMIT 1`,
    );
    const [title] = await rawQuery<{ t: string }>(
      raw,
      `SELECT long_title AS t FROM ${csv("hosp", "d_icd_diagnoses")} WHERE icd_code = '${first!.code}' AND icd_version = '${first!.v}'`,
    );
    const [ccs] = await rawQuery<{ t: string }>(
      raw,
      `SELECT long_title AS t FROM read_csv('${join(MAPPINGS_DIR, "ccs_diagnoses.csv")}', all_varchar = true) WHERE icd_code = '${first!.code}' AND icd_version = '${first!.v}'`,
    );
    const trajectory = (await readTrajectories(store, [Number(first!.s)])).get(Number(first!.s))!;
    const event = trajectory.find((e: EhrEvent) => e.file_name === "diagnoses_icd" && e.hadm_id === first!.h)!;
    const text = renderEvent(event);
    expect(
      text.startsWith(
        "## Diagnoses on International Classification of Diseases [None]\n| Diagnoses | Ccs Type |\n| ------ | ------ |\n",
      ),
    ).toBe(true);
    expect(text).toContain(`| ${title!.t} | ${ccs!.t} |`);
  });

  it("builds the same timelines when patients are processed in many small shards", async () => {
    await store.exec(
      "CREATE OR REPLACE TEMP TABLE whole AS SELECT * FROM timeline.rows; CREATE OR REPLACE TEMP TABLE whole_events AS SELECT * FROM timeline.events",
    );
    let shards = 0;
    await buildTimeline(store, { shardRows: 20_000, onProgress: (_, total) => void (shards = total) });
    expect(shards).toBeGreaterThan(10);
    for (const [a, b] of [
      ["timeline.rows", "whole"],
      ["whole", "timeline.rows"],
      ["timeline.events", "whole_events"],
      ["whole_events", "timeline.events"],
    ]) {
      expect(
        await store.value(`SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b})`),
        `${a} minus ${b}`,
      ).toBe(0n);
    }
  });
});
