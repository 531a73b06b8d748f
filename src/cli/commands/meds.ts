import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { importMeds } from "../../sources/meds/import.js";
import { medsEvents, renderMedsEvents } from "../../sources/meds/show.js";
import { Store } from "../../store/database.js";
import { UsageError } from "../../errors.js";
import { choiceOption, parseWholeNumber } from "../arguments.js";
import { formatNumber, type Output } from "../output.js";

export function registerMeds(program: Command, output: Output): void {
  const meds = program
    .command("meds")
    .description("MEDS (Medical Event Data Standard) event files: import into the store, and view a subject");
  meds
    .command("import")
    .description(
      "MEDS event Parquet files (or a release folder with data/ and metadata/codes.parquet) into meds.events",
    )
    .argument("<path...>", "event files or folders")
    .requiredOption("--db <file>", "DuckDB store")
    .option(
      "--codes <parquet>",
      "codes.parquet (code, description); default: <folder>/metadata/codes.parquet when present",
    )
    .action(async (paths: string[], flags: { db: string; codes?: string; memoryLimit?: string }) => {
      const r = await importMeds(paths, flags.db, { codes: flags.codes, ...storeOptions(flags) });
      output.out(
        `meds.events: ${formatNumber(r.events)} events of ${formatNumber(r.subjects)} subjects from ${r.files.length} file(s) in ${r.seconds.toFixed(1)} s${r.codes === null ? "" : `; meds.codes: ${formatNumber(r.codes)} codes`}\n`,
      );
      if (r.ignoredColumns.length) output.err(`columns left out: ${r.ignoredColumns.join(", ")}\n`);
    });
  meds
    .command("show")
    .description("one subject's MEDS events, grouped by time as in the EHR-R1 input")
    .argument("<subject_id>", "subject", parseWholeNumber)
    .requiredOption("--db <file>", "DuckDB store")
    .option("--until <time>", "only events at or before this time")
    .option("--last <n>", "only the most recent n events", parseWholeNumber)
    .addOption(choiceOption("--format <format>", "markdown or json", ["markdown", "json"], "markdown"))
    .action(async (subjectId: number, flags: { db: string; until?: string; last?: number; format: string }) => {
      const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
      try {
        const events = await medsEvents(store, subjectId, flags);
        if (!events.length)
          throw new UsageError(`subject ${subjectId} has no MEDS events${flags.until ? ` until ${flags.until}` : ""}`);
        output.out(
          flags.format === "json" ? `${JSON.stringify(events, null, 2)}\n` : renderMedsEvents(subjectId, events),
        );
      } finally {
        store.close();
      }
    });
}
