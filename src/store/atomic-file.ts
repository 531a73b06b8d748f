import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { OWNER_FILE } from "./owner-only.js";

/**
 * Atomic, durable writes: a finished temporary file (or folder) is flushed to disk, renamed onto
 * its name, and the rename itself flushed, so a crash or power loss leaves the old version or the
 * new one, never a torn or empty file under the final name.
 */

/** fsync one path (a file, or a folder's entries); what cannot be opened for it is left (e.g. a special file). */
function flush(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the data files were flushed already.
  } finally {
    closeSync(fd);
  }
}

/** fsync a file, or every file in a folder tree and the folders themselves. */
function flushTree(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return;
  if (stat.isDirectory()) for (const entry of readdirSync(path)) flushTree(join(path, entry));
  flush(path);
}

/** Moves a finished temporary file or folder onto `path`, durably (the old `path` must not be a non-empty folder). */
export function renameDurably(temporary: string, path: string): void {
  flushTree(temporary);
  renameSync(temporary, path);
  flush(dirname(path));
}

/** Writes `data` to `path` atomically and durably, owner-only unless told otherwise. */
export function writeFileAtomically(path: string, data: string | Uint8Array, mode = OWNER_FILE): void {
  const temporary = `${path}.partial-${process.pid}`;
  writeFileSync(temporary, data, { mode });
  renameDurably(temporary, path);
}
