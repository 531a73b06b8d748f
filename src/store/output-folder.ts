import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";

/** The absolute output folder, refused when it holds files and `force` is not set. */
export function replaceableFolder(folder: string, force = false): string {
  const out = resolve(folder);
  if (existsSync(out) && readdirSync(out).length && !force) throw new UsageError(`${out} is not empty (use --force to replace it)`);
  return out;
}

/**
 * Fills a staging folder beside `out`, then renames it onto `out`: readers never see a half-written
 * output, and a failure removes the staging folder and leaves `out` as it was.
 */
export async function writeFolder<T>(out: string, fill: (staging: string) => Promise<T>): Promise<T> {
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const result = await fill(staging);
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
    return result;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
