import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { writeFolder } from "../../store/output-folder.js";
import { UsageError } from "../../errors.js";
import { TABLES, type TableSpec } from "../mimic-iv/schema.js";
import { sha256File } from "../mimic-iv/source-file.js";
import {
  CHART_ITEMS,
  type Code,
  COMORBIDITIES,
  DRUGS,
  ED_ONLY,
  EXTRA_DATE_ITEMS,
  HCPCS,
  ICU_PROCEDURES,
  INFUSIONS,
  INGREDIENTS,
  LABS,
  OUTPUT_ITEMS,
  SCENARIOS,
} from "./catalog.js";
import { generatePatient, hash, Ids, type Sink } from "./patient.js";
import { Random } from "../../common/random.js";
import { DENSITY_PROFILES, DensitySink } from "./density.js";
import { type Cell, CsvTableWriter, csvField } from "./table-writer.js";

export interface SynthOptions {
  patients: number;
  seed: number;
  /** gzip level 1–9 (default 6, as the PhysioNet files). */
  gzipLevel?: number;
  /** Replace an existing output folder. */
  force?: boolean;
  /** `default` (the clinical model as written) or `mimic-iv` (real MIMIC-IV rows per patient per table). */
  profile?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthSummary {
  out: string;
  patients: number;
  seed: number;
  profile: string;
  rows: Record<string, number>;
  seconds: number;
}

/** Tables whose v2.2 headers differ in case from our lower-case column names. */
const HEADER_CASE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  procedureevents: { originalamount: "ORIGINALAMOUNT", originalrate: "ORIGINALRATE" },
};

const BATCH = 200;
/** Flush a table to zlib once this many characters are buffered, to bound memory. */
const FLUSH_CHARS = 1 << 20;

/**
 * Writes a synthetic cohort in the MIMIC-IV file layout (hosp/, icu/, ed/, note/ as .csv.gz, the
 * same file names and columns as MIMIC-IV v2.2, MIMIC-IV-ED 2.2 and MIMIC-IV-Note 2.2), plus the
 * code crosswalks for its codes under mappings/. The folder is staged and renamed when complete
 * (`writeFolder`), so a crash never leaves a half-written cohort behind.
 */
export async function synthesizeCohort(outDir: string, options: SynthOptions): Promise<SynthSummary> {
  const started = performance.now();
  const { patients, seed } = options;
  if (!Number.isInteger(patients) || patients < 1) throw new UsageError("--patients must be a whole number >= 1");
  if (!Number.isInteger(seed)) throw new UsageError("--seed must be a whole number");
  const level = options.gzipLevel ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new UsageError("--gzip-level must be 1 to 9");
  const chosen = DENSITY_PROFILES[options.profile ?? "default"];
  if (!chosen)
    throw new UsageError(`--profile ${options.profile}: expected ${Object.keys(DENSITY_PROFILES).join(" or ")}`);
  const profile = chosen;
  const out = resolve(outDir);
  if (existsSync(out) && readdirSync(out).length > 0 && !options.force) {
    throw new UsageError(`${out} exists and is not empty (use --force to replace it)`);
  }
  const writers = new Map<string, CsvTableWriter>();
  await writeFolder(out, async (staging) => {
    for (const module of ["hosp", "icu", "ed", "note", "mappings"])
      mkdirSync(join(staging, module), { recursive: true });
    try {
      await writeCohort(staging);
    } catch (error) {
      await Promise.allSettled([...writers.values()].map((w) => w.close()));
      throw error;
    }
  });
  const rows = Object.fromEntries([...writers].map(([name, w]) => [name, w.rows]));
  return { out, patients, seed, profile: profile.name, rows, seconds: (performance.now() - started) / 1000 };

  async function writeCohort(staging: string): Promise<void> {
    const open = (spec: TableSpec) => {
      const header = spec.columns.map(([c]) => HEADER_CASE[spec.name]?.[c] ?? c);
      const writer = new CsvTableWriter(
        join(staging, spec.module, `${spec.name}.csv.gz`),
        spec.columns.map(([c]) => c),
        level,
        header,
      );
      writers.set(spec.name, writer);
      return writer;
    };
    for (const spec of TABLES) open(spec);
    const writerSink: Sink = {
      add(table, row) {
        const writer = writers.get(table);
        if (!writer) throw new Error(`synthetic generator wrote to unknown table ${table}`);
        writer.add(row);
      },
    };
    writeDictionaries(writerSink);
    const sink: Sink = profile.name === "default" ? writerSink : new DensitySink(writerSink, profile, seed);
    const ids = new Ids();
    for (let first = 0; first < patients; first += BATCH) {
      const last = Math.min(patients, first + BATCH);
      for (let i = first; i < last; i++) {
        generatePatient(i + 1, new Random(seed, i + 1), ids, sink, profile);
        // Dense cohorts buffer tens of MB per batch: hand full buffers to zlib as they fill, so
        // strings stay small and short-lived whatever the density.
        const full = [...writers.values()].filter((w) => w.pending > FLUSH_CHARS);
        if (full.length) await Promise.all(full.map((w) => w.flush()));
      }
      await Promise.all(
        [...writers.values()].filter((w) => w.pending > FLUSH_CHARS || last === patients).map((w) => w.flush()),
      );
      options.onProgress?.(last, patients);
    }
    await Promise.all([...writers.values()].map((w) => w.close()));
    writeMappings(join(staging, "mappings"));
    writeFileSync(join(staging, "README.txt"), readme(patients, seed, profile.name));
    await writeSha256Sums(staging);
  }
}

function writeDictionaries(sink: Sink): void {
  for (const l of LABS)
    sink.add("d_labitems", { itemid: l.itemid, label: l.label, fluid: l.fluid, category: l.category });
  const icuItems = [
    ...CHART_ITEMS.hourly,
    ...CHART_ITEMS.q4h,
    ...CHART_ITEMS.admission,
    ...CHART_ITEMS.ventilated,
    ...Object.values(INFUSIONS).map((i) => i.item),
    ...INGREDIENTS,
    ...OUTPUT_ITEMS,
    ...Object.values(ICU_PROCEDURES).flatMap((p) => [p.item, ...(p.dateItem ? [p.dateItem] : [])]),
    ...EXTRA_DATE_ITEMS,
  ];
  const seen = new Set<number>();
  for (const item of icuItems.sort((a, b) => a.itemid - b.itemid)) {
    if (seen.has(item.itemid)) continue;
    seen.add(item.itemid);
    sink.add("d_items", {
      itemid: item.itemid,
      label: item.label,
      abbreviation: item.abbreviation,
      linksto: item.linksto,
      category: item.category,
      unitname: item.unit || null,
      param_type: item.paramType,
      lownormalvalue: item.low ?? null,
      highnormalvalue: item.high ?? null,
    });
  }
  for (const [version, codes, table] of [
    [9, allDiagnosisCodes(), "d_icd_diagnoses"],
    [10, allDiagnosisCodes(), "d_icd_diagnoses"],
    [9, allProcedureCodes(), "d_icd_procedures"],
    [10, allProcedureCodes(), "d_icd_procedures"],
  ] as const) {
    const rows = new Map<string, string>();
    for (const c of codes) {
      if (version === 9) rows.set(c.icd9, c.title9);
      else rows.set(c.icd10, c.title10);
    }
    for (const [code, title] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
      if (title) sink.add(table, { icd_code: code, icd_version: version, long_title: title });
    }
  }
  for (const h of HCPCS)
    sink.add("d_hcpcs", { code: h.code, category: h.category, long_description: h.long, short_description: h.short });
  for (let i = 1; i <= 400; i++)
    sink.add("provider", { provider_id: `P${(1_000_000 + i * 7919).toString(36).toUpperCase()}` });
  for (let i = 1; i <= 400; i++) sink.add("caregiver", { caregiver_id: 1000 + i * 97 });
}

function allDiagnosisCodes(): Code[] {
  return [
    ...SCENARIOS.flatMap(([s]) => [s.diagnosis, ...s.secondary]),
    ...Object.values(COMORBIDITIES).map((c) => c.code),
    ...ED_ONLY.map((e) => e.code),
  ];
}

function allProcedureCodes(): Code[] {
  return SCENARIOS.flatMap(([s]) => s.procedures);
}

/**
 * Crosswalks for the generator's own codes, so a synthetic store renders CCS and ATC columns with
 * no outside files. The CCS categories here are a coarse grouping by scenario in our own words, and
 * the drug classes are ours: neither is the AHRQ or WHO classification.
 */
function writeMappings(dir: string): void {
  const csv = (rows: readonly (readonly Cell[])[]) => rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
  const group = (title: string) => title.split(/[,(]/)[0]!.trim();
  const ccs = (codes: Code[]) => {
    const rows = new Map<string, Cell[]>();
    for (const c of codes) {
      const category = group(c.title10);
      const ccsCode = String(1 + (hash(category) % 259));
      rows.set(`9|${c.icd9}`, [9, c.icd9, ccsCode, category]);
      rows.set(`10|${c.icd10}`, [10, c.icd10, ccsCode, category]);
    }
    return csv([["icd_version", "icd_code", "ccs_code", "long_title"], ...[...rows.values()]]);
  };
  writeFileSync(join(dir, "ccs_diagnoses.csv"), ccs(allDiagnosisCodes()));
  writeFileSync(join(dir, "ccs_procedures.csv"), ccs(allProcedureCodes()));
  const drugs = Object.values(DRUGS).filter((d) => d.ndc !== "0");
  writeFileSync(join(dir, "ndc_atc.csv"), csv([["ndc_code", "atc_name"], ...drugs.map((d) => [d.ndc, d.drugClass])]));
}

function readme(patients: number, seed: number, profile: string): string {
  return `Synthetic MIMIC-IV-shaped cohort written by ehr-r1 (ehr-r1 synth --patients ${patients} --seed ${seed}${profile === "default" ? "" : ` --profile ${profile}`}).
Every record here is invented: no real patient is described. The layout, file names and columns follow
MIMIC-IV v2.2 (hosp, icu), MIMIC-IV-ED 2.2 (ed) and MIMIC-IV-Note 2.2 (note). mappings/ holds crosswalks
for the generator's own codes (its CCS groups and drug classes are made up, not AHRQ CCS or WHO ATC).
`;
}

/** SHA256SUMS.txt over every file, as a PhysioNet release has (ingest checks files against it). */
async function writeSha256Sums(root: string): Promise<void> {
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
  const lines = await Promise.all(files.map(async (f) => `${await sha256File(join(root, f))} ${f}`));
  writeFileSync(join(root, "SHA256SUMS.txt"), `${lines.join("\n")}\n`);
}
