import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../../errors.js";
import { firstLine, literal, type Store } from "../../store/database.js";
import { ensureMetaSchema, isUnchanged, previousLoads, recordLoad } from "../../store/metadata.js";
import { TOOL_VERSION } from "../../version.js";
import { readCsvHeader } from "./source-file.js";

/**
 * Code crosswalks EHR-R1 renders next to raw codes: ICD→CCS for diagnoses and procedures, NDC→ATC
 * for prescriptions and ED medication reconciliation. The reference takes them as CSV inputs and
 * never says how they were built; users bring their own.
 *
 * Expected columns (header names, any order, extra columns ignored):
 *   ccs_diagnoses / ccs_procedures: icd_version (9|10), icd_code (undotted; dots are removed), long_title
 *                                    (the CCS category name), optional ccs_code.
 *   ndc_atc:                         ndc_code or ndc (11-digit, 10-digit hyphenated 4-4-2/5-3-2/5-4-1, or
 *                                    a number such as 51079025520.0), atc_name, optional atc_code.
 * NDCs are stored as 11-digit zero-padded text, the form MIMIC-IV uses.
 */
export interface MappingFiles {
  ccsDiagnoses?: string;
  ccsProcedures?: string;
  ndcAtc?: string;
}

export interface MappingLoadResult {
  table: string;
  path: string;
  status: "loaded" | "unchanged";
  rows: number;
}

const FILE_NAMES: Record<keyof MappingFiles, string[]> = {
  ccsDiagnoses: ["ccs_diagnoses.csv", "d_ccs_diagnoses.csv"],
  ccsProcedures: ["ccs_procedures.csv", "d_ccs_procedures.csv"],
  ndcAtc: ["ndc_atc.csv", "d_atc_prescriptions.csv"],
};

/** Finds the crosswalks in a folder by their usual names (ours or the reference's `d_*` names). */
export function mappingsInFolder(dir: string): MappingFiles {
  const folder = resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new InputError(folder, undefined, "mappings folder not found");
  const found: MappingFiles = {};
  for (const [key, names] of Object.entries(FILE_NAMES) as [keyof MappingFiles, string[]][]) {
    for (const name of names) {
      for (const candidate of [name, `${name}.gz`]) {
        if (!found[key] && existsSync(join(folder, candidate))) found[key] = join(folder, candidate);
      }
    }
  }
  if (Object.keys(found).length === 0) {
    throw new InputError(
      folder,
      undefined,
      `no mapping files found (looked for ${Object.values(FILE_NAMES).flat().join(", ")})`,
    );
  }
  return found;
}

const NDC_SQL = (raw: string) => `CASE
  WHEN regexp_full_match(${raw}, '\\d{4}-\\d{4}-\\d{2}') THEN '0' || replace(${raw}, '-', '')
  WHEN regexp_full_match(${raw}, '\\d{5}-\\d{3}-\\d{2}') THEN split_part(${raw}, '-', 1) || '0' || split_part(${raw}, '-', 2) || split_part(${raw}, '-', 3)
  WHEN regexp_full_match(${raw}, '\\d{5}-\\d{4}-\\d') THEN split_part(${raw}, '-', 1) || split_part(${raw}, '-', 2) || '0' || split_part(${raw}, '-', 3)
  WHEN regexp_full_match(${raw}, '\\d{1,11}(\\.0*)?') THEN lpad(split_part(${raw}, '.', 1), 11, '0')
  ELSE NULL END`;

interface MappingKind {
  table: string;
  required: string[][];
  /** SELECT list over the raw VARCHAR columns, producing the stored columns (null = invalid). */
  select: (has: (c: string) => boolean) => string;
  /** An SQL condition true for a row that is invalid, and the message for it. */
  invalid: string;
  message: string;
  ddl: string;
}

const CCS = (table: string): MappingKind => ({
  table,
  required: [["icd_version"], ["icd_code"], ["long_title"]],
  select: (has) =>
    `TRY_CAST(trim(icd_version) AS SMALLINT) AS icd_version, upper(replace(trim(icd_code), '.', '')) AS icd_code, ` +
    `${has("ccs_code") ? "trim(ccs_code)" : "NULL::VARCHAR"} AS ccs_code, long_title`,
  invalid: "icd_version IS NULL OR icd_version NOT IN (9, 10) OR icd_code IS NULL OR icd_code = ''",
  message: "icd_version must be 9 or 10 and icd_code non-empty",
  ddl: "icd_version SMALLINT NOT NULL, icd_code VARCHAR NOT NULL, ccs_code VARCHAR, long_title VARCHAR",
});

const KINDS: Record<keyof MappingFiles, MappingKind> = {
  ccsDiagnoses: CCS("ccs_diagnoses"),
  ccsProcedures: CCS("ccs_procedures"),
  ndcAtc: {
    table: "ndc_atc",
    required: [["ndc_code", "ndc"], ["atc_name"]],
    select: (has) => {
      const raw = `trim(${has("ndc_code") ? "ndc_code" : "ndc"})`;
      return `${NDC_SQL(raw)} AS ndc, ${has("atc_code") ? "trim(atc_code)" : "NULL::VARCHAR"} AS atc_code, atc_name`;
    },
    invalid: "ndc IS NULL",
    message: "NDC must be 11 digits, a hyphenated 4-4-2/5-3-2/5-4-1 code, or a number of at most 11 digits",
    ddl: "ndc VARCHAR NOT NULL, atc_code VARCHAR, atc_name VARCHAR",
  },
};

export async function loadMappings(
  store: Store,
  files: MappingFiles,
  options: { force: boolean },
): Promise<MappingLoadResult[]> {
  const results: MappingLoadResult[] = [];
  await ensureMetaSchema(store);
  const previous = await previousLoads(store);
  await store.exec("CREATE SCHEMA IF NOT EXISTS mapping");
  for (const [key, pathArg] of Object.entries(files) as [keyof MappingFiles, string | undefined][]) {
    if (!pathArg) continue;
    const kind = KINDS[key];
    if (!kind) throw new UsageError(`unknown mapping ${key}`);
    const path = resolve(pathArg);
    if (!existsSync(path)) throw new InputError(path, undefined, `mapping file for ${kind.table} not found`);
    const stat = statSync(path);
    const header = (await readCsvHeader(path)).map((c) => c.toLowerCase());
    const has = (c: string) => header.includes(c);
    const absent = kind.required.filter((alternatives) => !alternatives.some(has));
    if (absent.length) {
      throw new InputError(
        path,
        1,
        `missing column(s) ${absent.map((a) => a.join(" or ")).join(", ")} for mapping.${kind.table} (header: ${header.join(",")})`,
      );
    }
    const name = `mapping.${kind.table}`;
    const schemaHash = createHash("sha256")
      .update(JSON.stringify([kind.table, header]))
      .digest("hex")
      .slice(0, 16);
    const state = { path, sizeBytes: BigInt(stat.size), mtime: stat.mtime, schemaHash };
    const before = previous.get(name);
    if (!options.force && before && isUnchanged(before, state, false)) {
      results.push({ table: name, path, status: "unchanged", rows: 0 });
      continue;
    }
    const started = performance.now();
    const columns = header.map((c) => `${literal(c)}: 'VARCHAR'`).join(", ");
    const source = `(SELECT row_number() OVER () + 1 AS source_line, * FROM read_csv(${literal(path)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${columns}}))`;
    const staged = "ehr_r1_mapping";
    try {
      await store.exec(
        `CREATE OR REPLACE TEMP TABLE ${staged} AS SELECT source_line, ${kind.select(has)} FROM ${source}`,
      );
    } catch (error) {
      throw new InputError(path, undefined, firstLine(error));
    }
    const bad = await store.rows<Record<string, unknown>>(
      `SELECT * FROM ${staged} WHERE ${kind.invalid} ORDER BY source_line LIMIT 1`,
    );
    if (bad[0]) {
      const { source_line, ...row } = bad[0];
      throw new InputError(
        path,
        Number(source_line),
        `${kind.message}; got ${JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`,
      );
    }
    await store.exec(`CREATE OR REPLACE TABLE ${name} (${kind.ddl})`);
    await store.exec(`INSERT INTO ${name} SELECT * EXCLUDE (source_line) FROM ${staged} ORDER BY source_line`);
    await store.exec(`DROP TABLE ${staged}`);
    const rows = Number(await store.value<bigint>(`SELECT count(*) FROM ${name}`));
    await recordLoad(store, {
      table_name: name,
      source_path: path,
      size_bytes: state.sizeBytes,
      mtime: stat.mtime,
      sha256: null,
      schema_hash: schemaHash,
      rows: BigInt(rows),
      rejected_rows: 0n,
      load_seconds: (performance.now() - started) / 1000,
      tool_version: TOOL_VERSION,
      missing_columns: [],
      extra_columns: header.filter((c) => !kind.required.flat().includes(c)),
    });
    results.push({ table: name, path, status: "loaded", rows });
  }
  return results;
}
