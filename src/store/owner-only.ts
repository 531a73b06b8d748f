import { chmodSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Modes of everything that can hold patient data (MIMIC-IV's use agreement: nobody else may read it). */
export const OWNER_FILE = 0o600;
export const OWNER_DIR = 0o700;

/**
 * Makes every file and folder this process creates owner-only, whatever umask it was started
 * with: DuckDB and the Parquet writer create files with the process umask, not with a mode we pass.
 * The CLI calls this first; library callers may too. Worker threads cannot change the umask.
 */
export function restrictUmask(): void {
  try {
    const previous = process.umask(0o077);
    process.umask(previous | 0o077);
  } catch {
    // process.umask() throws in worker threads; the explicit chmods below still apply.
  }
}

/** chmod a file to 0600, or a folder and everything in it to 0700/0600 (symbolic links are left alone). */
export function restrictTree(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, OWNER_DIR);
    for (const entry of readdirSync(path)) restrictTree(join(path, entry));
  } else if (stat.isFile()) {
    chmodSync(path, OWNER_FILE);
  }
}
