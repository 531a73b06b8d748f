import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { importMeds } from "../src/sources/meds/import.js";
import { medsEvents, renderMedsEvents } from "../src/sources/meds/show.js";
import { ingestMimic } from "../src/sources/mimic-iv/ingest.js";
import { literal, Store } from "../src/store/database.js";
import { runCli } from "./helpers/cli.js";
import { DATA_DIR, DEMO_DIR, describeNeeding, tempDir } from "./helpers/data.js";

const MEDS = join(DATA_DIR, "mimic-iv-demo-meds", "mimic_iv_demo_meds_events.parquet");

describeNeeding(
  [
    MEDS,
    join(DEMO_DIR, "hosp", "d_labitems.csv.gz"),
    join(DEMO_DIR, "hosp", "patients.csv.gz"),
    join(DEMO_DIR, "hosp", "admissions.csv.gz"),
  ],
  "MEDS import (the MIMIC-IV demo in MEDS form, 916,166 real events)",
  () => {
    const dir = tempDir();
    const db = join(dir, "store.duckdb");
    let raw: Store;
    beforeAll(async () => {
      await importMeds([join(DATA_DIR, "mimic-iv-demo-meds")], db);
      raw = await Store.open(":memory:");
      return () => raw.close();
    });

    it("loads every event with MEDS types, values kept at their float32 precision", async () => {
      const expected = (
        await raw.rows<{ n: bigint; s: bigint }>(
          `SELECT count(*) AS n, count(DISTINCT subject_id) AS s FROM read_parquet(${literal(MEDS)})`,
        )
      )[0]!;
      const store = await Store.open(db, { readOnly: true });
      try {
        const got = (
          await store.rows<{ n: bigint; s: bigint }>(
            "SELECT count(*) AS n, count(DISTINCT subject_id) AS s FROM meds.events",
          )
        )[0]!;
        expect([got.n, got.s]).toEqual([expected.n, expected.s]);
        const types = Object.fromEntries(
          (await store.rows<{ column_name: string; column_type: string }>("DESCRIBE meds.events")).map((c) => [
            c.column_name,
            c.column_type,
          ]),
        );
        expect(types).toEqual({
          subject_id: "BIGINT",
          time: "TIMESTAMP",
          code: "VARCHAR",
          numeric_value: "DOUBLE",
          text_value: "VARCHAR",
        });
        // Per subject, per code: the same counts and, as float32, the same values as the raw file.
        const ours = await store.rows<{ code: string; n: bigint; v: number | null }>(
          "SELECT code, count(*) AS n, sum(numeric_value) AS v FROM meds.events WHERE subject_id = 10000032 GROUP BY code ORDER BY code",
        );
        const theirs = await raw.rows<{ code: string; n: bigint; v: number | null }>(
          `SELECT code, count(*) AS n, sum(value::DOUBLE) AS v FROM read_parquet(${literal(MEDS)}) WHERE subject_id = 10000032 GROUP BY code ORDER BY code`,
        );
        expect(ours.map((r) => [r.code, r.n])).toEqual(theirs.map((r) => [r.code, r.n]));
        const sample = await store.rows<{ v: number }>(
          "SELECT numeric_value AS v FROM meds.events WHERE numeric_value IS NOT NULL AND subject_id = 10000032 ORDER BY time, code, numeric_value LIMIT 200",
        );
        const rawSample = await raw.rows<{ v: number }>(
          `SELECT value AS v FROM read_parquet(${literal(MEDS)}) WHERE value IS NOT NULL AND subject_id = 10000032 ORDER BY time, code, value LIMIT 200`,
        );
        sample.forEach((r, i) => expect(Math.fround(r.v)).toBe(Math.fround(rawSample[i]!.v)));
        expect(sample.every((r) => String(r.v).length <= 12)).toBe(true); // 12.8, not 12.800000190734863
        const load = await store.rows<{ rows: bigint }>("SELECT rows FROM meta.loads WHERE table_name = 'meds.events'");
        expect(load[0]!.rows).toBe(expected.n);
      } finally {
        store.close();
      }
    });

    it("shows a subject grouped by time, names MIMIC-IV lab codes once the store holds d_labitems, and keeps the most recent events", async () => {
      await ingestMimic([DEMO_DIR], db, { only: ["d_labitems", "patients", "admissions"] });
      const store = await Store.open(db, { readOnly: true });
      try {
        // One section per distinct time, and one for the events without a time (MEDS's static events).
        const times = Number(
          await raw.value(
            `SELECT count(DISTINCT coalesce(time::VARCHAR, 'none')) FROM read_parquet(${literal(MEDS)}) WHERE subject_id = 10000032`,
          ),
        );
        const text = renderMedsEvents(10000032, await medsEvents(store, 10000032));
        expect(text.split("\n").filter((l) => l.startsWith("## Events [")).length).toBe(times);
        const label = await raw.value<string>(
          `SELECT label FROM read_csv(${literal(join(DEMO_DIR, "hosp", "d_labitems.csv.gz"))}) WHERE itemid = 51301`,
        );
        expect(text).toMatch(new RegExp(`\\| LAB//51301//K/uL \\| ${label} \\| \\d`));
        const last = await medsEvents(store, 10000032, { last: 5 });
        expect(last).toHaveLength(5);
        expect(last.at(-1)!.code).toBe("MEDS_DEATH");
      } finally {
        store.close();
      }
    });

    it("names what is wrong with bad input", async () => {
      const bad = join(dir, "bad.parquet");
      await raw.exec(
        `COPY (SELECT subject_id, time, value FROM read_parquet(${literal(MEDS)}) LIMIT 5) TO ${literal(bad)} (FORMAT parquet)`,
      );
      await expect(importMeds([bad], join(dir, "x.duckdb"))).rejects.toThrow(
        /bad\.parquet: not a MEDS event file: missing column\(s\) code/,
      );
      await expect(importMeds([join(dir, "nowhere")], join(dir, "x.duckdb"))).rejects.toThrow(
        /nowhere: no such file or folder/,
      );
      const cli = await runCli("meds", "show", "99", "--db", db);
      expect(cli.err).toMatch(/subject 99 has no MEDS events/);
    });
  },
);
