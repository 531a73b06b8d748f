import type { Command } from "commander";
import { storeOptions } from "../store-options.js";
import { ingestMimic, type IngestSummary } from "../../sources/mimic-iv/ingest.js";
import { type MappingFiles, mappingsInFolder } from "../../sources/mimic-iv/mappings.js";
import { parseList, parseWholeNumber } from "../arguments.js";
import { formatNumber, formatTable, type Output } from "../output.js";
import { ingestProgressPrinter } from "../progress.js";

interface IngestFlags {
  db: string;
  allTables?: boolean;
  only?: string[];
  maxErrors?: number;
  checksum?: boolean;
  sha256sums: boolean;
  force?: boolean;
  commitPerTable?: boolean;
  mappings?: string;
  ccsDiagnoses?: string;
  ccsProcedures?: string;
  ndcAtc?: string;
  memoryLimit?: string;
  threads?: number;
  json?: boolean;
}

export function mappingFilesFrom(
  flags: Pick<IngestFlags, "mappings" | "ccsDiagnoses" | "ccsProcedures" | "ndcAtc">,
): MappingFiles | undefined {
  const files: MappingFiles = flags.mappings ? mappingsInFolder(flags.mappings) : {};
  if (flags.ccsDiagnoses) files.ccsDiagnoses = flags.ccsDiagnoses;
  if (flags.ccsProcedures) files.ccsProcedures = flags.ccsProcedures;
  if (flags.ndcAtc) files.ndcAtc = flags.ndcAtc;
  return Object.keys(files).length ? files : undefined;
}

export function printIngestSummary(summary: IngestSummary, output: Output): void {
  const rows = [
    ...summary.tables.map((t) => ({
      table: t.table,
      status: t.status,
      rows: t.status === "loaded" ? formatNumber(t.rows) : "",
      rejected: t.rejected ? formatNumber(t.rejected) : "",
      seconds: t.status === "loaded" ? t.seconds.toFixed(2) : "",
    })),
    ...summary.mappings.map((m) => ({
      table: m.table,
      status: m.status,
      rows: m.status === "loaded" ? formatNumber(m.rows) : "",
      rejected: "",
      seconds: "",
    })),
  ];
  output.out(formatTable(["table", "status", "rows", "rejected", "seconds"], rows));
  const loaded = summary.tables.filter((t) => t.status === "loaded");
  const total = loaded.reduce((s, t) => s + t.rows, 0);
  output.out(
    `${summary.database}: ${loaded.length} table(s) loaded (${formatNumber(total)} rows), ` +
      `${summary.tables.length - loaded.length} unchanged, ${formatNumber(summary.rejectedRows)} rejected row(s) in meta.rejects, ` +
      `${summary.seconds.toFixed(1)} s\n`,
  );
  for (const t of summary.tables.filter((t) => t.missingColumns.length || t.extraColumns.length)) {
    const parts = [];
    if (t.missingColumns.length) parts.push(`columns absent from the file (NULL): ${t.missingColumns.join(", ")}`);
    if (t.extraColumns.length) parts.push(`columns not in the schema (kept as VARCHAR): ${t.extraColumns.join(", ")}`);
    output.err(`note: ${t.table}: ${parts.join("; ")}\n`);
  }
  for (const file of summary.unknownFiles) output.err(`note: not a known MIMIC-IV table, skipped: ${file}\n`);
}

export function registerIngest(program: Command, output: Output): void {
  program
    .command("ingest")
    .description("load a MIMIC-IV download (hosp, icu, ed, note; .csv or .csv.gz) into a DuckDB store with exact types")
    .argument(
      "<mimic-dir...>",
      "MIMIC-IV root folder(s) holding hosp/, icu/, ed/, note/ (several roots may each hold some modules)",
    )
    .requiredOption("--db <file>", "DuckDB database file to create or update")
    .option(
      "--all-tables",
      "also load tables the pipeline never reads (emar_detail, poe_detail, provider, caregiver, discharge_detail)",
    )
    .option("--only <tables>", "load only these tables, comma-separated (labevents or hosp.labevents)", parseList)
    .option(
      "--max-errors <n>",
      "bad rows tolerated per table; they go to meta.rejects (default 0: fail on the first)",
      parseWholeNumber,
    )
    .option("--checksum", "record a SHA-256 of every source file")
    .option("--no-sha256sums", "do not check files against the download's SHA256SUMS.txt")
    .option("--force", "reload tables even if their files are unchanged")
    .option("--commit-per-table", "commit after each table instead of once for the whole command")
    .option(
      "--mappings <dir>",
      "folder with ccs_diagnoses.csv, ccs_procedures.csv, ndc_atc.csv (or the reference's d_ccs_*/d_atc_* names)",
    )
    .option("--ccs-diagnoses <csv>", "ICD→CCS crosswalk for diagnoses (icd_version, icd_code, long_title[, ccs_code])")
    .option(
      "--ccs-procedures <csv>",
      "ICD→CCS crosswalk for procedures (icd_version, icd_code, long_title[, ccs_code])",
    )
    .option("--ndc-atc <csv>", "NDC→ATC crosswalk (ndc_code or ndc, atc_name[, atc_code])")
    .option("--json", "print the summary as JSON")
    .action(async (roots: string[], flags: IngestFlags) => {
      const summary = await ingestMimic(roots, flags.db, {
        allTables: flags.allTables,
        only: flags.only,
        maxErrors: flags.maxErrors,
        checksum: flags.checksum,
        sha256sums: flags.sha256sums,
        force: flags.force,
        commit: flags.commitPerTable ? "table" : "all",
        mappings: mappingFilesFrom(flags),
        ...storeOptions(flags),
        onProgress: flags.json ? undefined : ingestProgressPrinter(output),
      });
      if (flags.json) output.out(`${JSON.stringify(summary, null, 2)}\n`);
      else printIngestSummary(summary, output);
    });
}
