import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { UsageError } from "../../errors.js";
import { Store } from "../../store/database.js";
import { loadProvenance, summarizeStore } from "../../store/summary.js";
import { formatNumber, formatTable, type Output } from "../output.js";

export function registerDb(program: Command, output: Output): void {
  const db = program.command("db").description("look inside a store");
  db.command("info")
    .description("tables, row counts, cohort size and where every table came from")
    .requiredOption("--db <file>", "DuckDB database file")
    .option("--json", "print JSON")
    .action(async (flags: { db: string; json?: boolean }) => {
      const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true });
      try {
        const summary = await summarizeStore(store);
        const provenance = await loadProvenance(store);
        if (flags.json) {
          output.out(`${JSON.stringify({ ...summary, provenance }, null, 2)}\n`);
          return;
        }
        const byTable = new Map(provenance.map((p) => [String(p.table_name), p]));
        output.out(
          formatTable(
            ["table", "rows", "source", "loaded_at", "version"],
            summary.tables.map((t) => {
              const p = byTable.get(t.table);
              return {
                table: t.table,
                rows: formatNumber(t.rows),
                source: p?.source_path ?? "",
                loaded_at: p?.loaded_at ?? "",
                version: p?.tool_version ?? "",
              };
            }),
          ),
        );
        const c = summary.cohort;
        output.out(
          `patients ${formatNumber(c.patients)}, admissions ${formatNumber(c.admissions)}, ICU stays ${formatNumber(c.icuStays)}, ED stays ${formatNumber(c.edStays)}\n`,
        );
      } finally {
        store.close();
      }
    });

  program
    .command("sql")
    .description("run one SQL query against a store (read-only) and print the result")
    .argument("<query>", "the SQL query")
    .requiredOption("--db <file>", "DuckDB database file")
    .option("--json", "print JSON rows")
    .option("--write", "open the store read-write (for UPDATE/CREATE)")
    .action(async (query: string, flags: { db: string; json?: boolean; write?: boolean }) => {
      const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: !flags.write, create: false });
      try {
        let result;
        try {
          result = await store.rowsJson(query);
        } catch (error) {
          throw new UsageError(`query failed: ${(error as Error).message.split("\n")[0]}`);
        }
        if (flags.json) output.out(`${JSON.stringify(result.rows, null, 2)}\n`);
        else output.out(formatTable(result.columns, result.rows));
      } finally {
        store.close();
      }
    });
}
