import { Option, type Command } from "commander";
import { storeOptions } from "../store-options.js";
import { Store } from "../../store/database.js";
import { buildTimeline, UNTIMED_RULES, type UntimedRule } from "../../timeline/build.js";
import { exportPatientsEhr, importPatientsEhr } from "../../timeline/interop.js";
import { parseList } from "../arguments.js";
import { formatNumber, type Output } from "../output.js";

export function registerTimeline(program: Command, output: Output): void {
  const timeline = program
    .command("timeline")
    .description("patient timelines: the ordered event lists every later step reads");
  timeline
    .command("build")
    .description("order every patient's rows into events (SQL, in the store): timeline.events and timeline.rows")
    .requiredOption("--db <file>", "DuckDB store made by `ehr-r1 ingest`")
    .option(
      "--table-order <tables>",
      "tables that win ties at the same time, in this order (to reproduce a given reference build)",
      parseList,
    )
    .addOption(
      new Option(
        "--untimed <rule>",
        "rows without a time: `fixed` places each once, after its admission's last timed row; `reference` as the reference's rank.py does (duplicated at the start and the end, diagnoses after the last copy), to reproduce its samples exactly",
      )
        .choices(UNTIMED_RULES)
        .default("fixed"),
    )
    .option("--json", "print the summary as JSON")
    .action(
      async (flags: {
        db: string;
        tableOrder?: string[];
        untimed: UntimedRule;
        memoryLimit?: string;
        json?: boolean;
      }) => {
        const store = await Store.open(flags.db, { create: false, ...storeOptions(flags) });
        try {
          const summary = await buildTimeline(store, {
            tableOrder: flags.tableOrder,
            untimed: flags.untimed,
            onProgress:
              flags.json || !output.interactive
                ? undefined
                : (done, total) => output.err(`\r\x1b[Ktimeline: ${done}/${total} shards${done === total ? "\n" : ""}`),
          });
          if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
          output.out(
            `${formatNumber(summary.patients)} patients, ${formatNumber(summary.events)} events from ${formatNumber(summary.rows)} rows of ${summary.tables.length} tables in ${summary.seconds.toFixed(1)} s\n`,
          );
          if (summary.absentTables.length)
            output.out(`not in the store (left out): ${summary.absentTables.join(", ")}\n`);
        } finally {
          store.close();
        }
      },
    );
  timeline
    .command("export")
    .description("write the reference's patients_ehr/<subject_id>.parquet files")
    .requiredOption("--db <file>", "DuckDB store with timelines")
    .requiredOption("--out <dir>", "output folder (must be empty unless --force)")
    .option("--subjects <ids>", "only these subject_ids, comma-separated", parseList)
    .option("--force", "replace a non-empty output folder")
    .option("--json", "print the summary as JSON")
    .action(async (flags: { db: string; out: string; subjects?: string[]; force?: boolean; json?: boolean }) => {
      const store = await Store.open(flags.db, { ...storeOptions(flags), create: false });
      try {
        const summary = await exportPatientsEhr(store, flags.out, {
          subjects: flags.subjects?.map(Number),
          force: flags.force,
        });
        if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
        output.out(
          `${summary.folder}: ${formatNumber(summary.patients)} patients, ${formatNumber(summary.events)} events in ${summary.seconds.toFixed(1)} s\n`,
        );
      } finally {
        store.close();
      }
    });
  timeline
    .command("import")
    .description("read a patients_ehr folder (the reference's per-patient parquet files) as the store's timelines")
    .argument("<dir>", "folder of <subject_id>.parquet files")
    .requiredOption(
      "--db <file>",
      "DuckDB store to hold the timelines (created if absent; ingest dictionaries into it to render item names)",
    )
    .option("--json", "print the summary as JSON")
    .action(async (dir: string, flags: { db: string; json?: boolean }) => {
      const store = await Store.open(flags.db, storeOptions(flags));
      try {
        const summary = await importPatientsEhr(store, dir);
        if (flags.json) return void output.out(`${JSON.stringify(summary, null, 2)}\n`);
        output.out(
          `${formatNumber(summary.patients)} patients, ${formatNumber(summary.events)} events imported from ${summary.folder} in ${summary.seconds.toFixed(1)} s\n`,
        );
      } finally {
        store.close();
      }
    });
}
