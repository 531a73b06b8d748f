#!/usr/bin/env node
// Compares two behaviour snapshots (scripts/behaviour-snapshot.sh): every hashed file, and each
// cohort's task index row by row (EXCEPT ALL both ways). A target stored as JSON text (before the
// typed-list index) is read as the list it encodes, so either layout compares with the other.
//
//   node scripts/behaviour-compare.mjs <before-dir> <after-dir>
//
// Prints what differs and exits 1 when anything does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error("usage: behaviour-compare.mjs <before-dir> <after-dir>");
  process.exit(2);
}
const hashes = (dir) =>
  new Map(
    readFileSync(join(dir, "hashes.txt"), "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(66), l.slice(0, 64)]),
  );
const a = hashes(before);
const b = hashes(after);
let differences = 0;
for (const name of new Set([...a.keys(), ...b.keys()])) {
  if (a.get(name) === b.get(name)) continue;
  differences++;
  console.log(`${!a.has(name) ? "only after" : !b.has(name) ? "only before" : "differs"}: ${name}`);
}
console.log(`files: ${a.size} before, ${b.size} after, ${differences} differing`);

const db = await (await DuckDBInstance.create(":memory:")).connect();
for (const cohort of ["demo", "synth2000"]) {
  await db.run(`ATTACH '${join(before, cohort, "store.duckdb")}' AS b (READ_ONLY)`);
  await db.run(`ATTACH '${join(after, cohort, "store.duckdb")}' AS a (READ_ONLY)`);
  const view = async (schema) => {
    const type = (
      await (
        await db.runAndReadAll(
          `SELECT data_type FROM information_schema.columns WHERE table_catalog = '${schema}' AND table_schema = 'tasks' AND table_name = 'task_index' AND column_name = 'target'`,
        )
      ).getRowObjectsJS()
    )[0].data_type;
    const target =
      type === "VARCHAR"
        ? "CASE WHEN json_type(target) = 'ARRAY' THEN CAST(target::JSON AS VARCHAR[]) ELSE [json_extract_string(target, '$')] END"
        : "target";
    return `SELECT subject_id, hadm_id, task, event, anchor, context_begin, context_end, ${target} AS target, admissions_id, last_discharge_id, target_weight FROM ${schema}.tasks.task_index`;
  };
  const vb = await view("b");
  const va = await view("a");
  const count = async (sql) => Number((await (await db.runAndReadAll(sql)).getRowObjectsJS())[0].n);
  const rows = await count(`SELECT count(*) AS n FROM (${vb})`);
  const onlyBefore = await count(`SELECT count(*) AS n FROM (${vb} EXCEPT ALL ${va})`);
  const onlyAfter = await count(`SELECT count(*) AS n FROM (${va} EXCEPT ALL ${vb})`);
  console.log(`${cohort}: task index ${rows} rows; ${onlyBefore} only before, ${onlyAfter} only after`);
  differences += onlyBefore + onlyAfter;
  await db.run("DETACH a");
  await db.run("DETACH b");
}
process.exit(differences ? 1 : 0);
