import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { MODULES, type Module, REQUIRED_TABLES, type TableSpec, tableSpec } from "./schema.js";

export interface SourceFile {
  spec: TableSpec;
  path: string;
  sizeBytes: bigint;
  mtime: Date;
  /** The SHA-256 the download's SHA256SUMS.txt lists for this file (PhysioNet ships one per release). */
  expectedSha256?: string;
  /** That SHA256SUMS.txt. */
  sumsFile?: string;
}

export interface Discovery {
  /** Module → the folder it was found in. */
  modules: Map<Module, string>;
  files: SourceFile[];
  /** CSV files in module folders that no schema knows; reported, not loaded. */
  unknown: string[];
}

const CSV_NAME = /^(.+)\.csv(\.gz)?$/;

/**
 * Finds MIMIC-IV module folders under one or more roots. Users often hold separate downloads
 * (`mimic-iv-3.1/{hosp,icu}`, `mimic-iv-ed-2.2/ed`, `mimic-iv-note-2.2/note`), so several roots
 * may each contribute modules; a module found twice is ambiguous and rejected.
 */
export function discoverMimic(roots: readonly string[]): Discovery {
  const modules = new Map<Module, string>();
  for (const rootArg of roots) {
    const root = resolve(rootArg);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new InputError(
        root,
        undefined,
        "not a folder (expected a MIMIC-IV root holding hosp/, icu/, ed/ or note/)",
      );
    }
    let found = 0;
    for (const module of MODULES) {
      const dir = join(root, module);
      if (existsSync(dir) && statSync(dir).isDirectory()) {
        const previous = modules.get(module);
        if (previous) {
          throw new InputError(dir, undefined, `module ${module}/ also found at ${previous}; pass only one of them`);
        }
        modules.set(module, dir);
        found++;
      }
    }
    if (found === 0) {
      throw new InputError(root, undefined, "no MIMIC-IV module folders found (expected hosp/, icu/, ed/ or note/)");
    }
  }

  const files: SourceFile[] = [];
  const unknown: string[] = [];
  const sums = new Map<string, Map<string, string> | null>();
  for (const [module, dir] of modules) {
    const root = dirname(dir);
    if (!sums.has(root)) sums.set(root, readSha256Sums(join(root, "SHA256SUMS.txt")));
    const byTable = new Map<string, string>();
    for (const entry of readdirSync(dir).sort()) {
      const match = CSV_NAME.exec(entry);
      if (!match?.[1]) continue;
      const path = join(dir, entry);
      const spec = tableSpec(module, match[1].toLowerCase());
      if (!spec) {
        unknown.push(path);
        continue;
      }
      const other = byTable.get(spec.name);
      if (other) {
        throw new InputError(
          path,
          undefined,
          `table ${module}.${spec.name} is also present as ${basename(other)}; keep one`,
        );
      }
      byTable.set(spec.name, path);
      const stat = statSync(path);
      if (!stat.isFile()) throw new InputError(path, undefined, "cannot read: not a regular file");
      const expected = sums.get(root)?.get(`${module}/${entry}`);
      files.push({
        spec,
        path,
        sizeBytes: BigInt(stat.size),
        mtime: stat.mtime,
        ...(expected ? { expectedSha256: expected, sumsFile: join(root, "SHA256SUMS.txt") } : {}),
      });
    }
    for (const required of REQUIRED_TABLES[module]) {
      if (!byTable.has(required)) {
        throw new InputError(
          dir,
          undefined,
          `required table ${module}.${required} not found (looked for ${required}.csv.gz and ${required}.csv)`,
        );
      }
    }
  }
  if (modules.size > 0 && !modules.has("hosp")) {
    throw new InputError(
      roots.map((r) => resolve(r)).join(", "),
      undefined,
      "module hosp/ not found: patients and admissions are required",
    );
  }
  return { modules, files, unknown };
}

/** `<sha256> <relative path>` per line (sha256sum's format, one or two spaces, optional `*`); null without the file. */
export function readSha256Sums(path: string): Map<string, string> | null {
  if (!existsSync(path)) return null;
  const sums = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-fA-F]{64}) [ *]?(.+?)\s*$/.exec(line);
    if (m) sums.set(m[2]!.replace(/^\.\//, ""), m[1]!.toLowerCase());
  }
  return sums;
}
