import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { renameDurably } from "./atomic-file.js";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { withOutputLock } from "./output-lock.js";
import { OWNER_DIR, restrictTree } from "./owner-only.js";

/** The absolute output folder, refused when it holds files and `force` is not set. */
export function replaceableFolder(folder: string, force = false): string {
  const out = resolve(folder);
  if (existsSync(out) && readdirSync(out).length && !force)
    throw new UsageError(`${out} is not empty (use --force to replace it)`);
  return out;
}

const STAGING = ".partial-";

/** Staging folders of `out` left by earlier runs (killed, or crashed before they could clean up). */
export function staleStagingFolders(out: string): string[] {
  const parent = dirname(out);
  if (!existsSync(parent)) return [];
  const prefix = `${basename(out)}${STAGING}`;
  return readdirSync(parent)
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => join(parent, name));
}

/**
 * Fills a staging folder beside `out`, then renames it onto `out`: readers never see a half-written
 * output, and a failure removes the staging folder and leaves `out` as it was. The output's lock is
 * held throughout, so staging folders of other pids are leftovers of killed runs and are removed.
 * Everything written is made owner-only before it becomes visible under `out`.
 */
export async function writeFolder<T>(out: string, fill: (staging: string) => Promise<T>): Promise<T> {
  return withOutputLock(out, async () => {
    for (const stale of staleStagingFolders(out)) rmSync(stale, { recursive: true, force: true });
    const staging = `${out}${STAGING}${process.pid}`;
    mkdirSync(dirname(out), { recursive: true, mode: OWNER_DIR });
    mkdirSync(staging, { recursive: true, mode: OWNER_DIR });
    try {
      const result = await fill(staging);
      restrictTree(staging);
      rmSync(out, { recursive: true, force: true });
      renameDurably(staging, out);
      return result;
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  });
}
