import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { OWNER_DIR, OWNER_FILE } from "./owner-only.js";

/** Who holds an output: enough to tell a live holder from a stale lock left by `kill -9`. */
export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  /** The kernel's start time of the process (Linux `/proc/<pid>/stat`), so a recycled pid is not mistaken for the holder. */
  proc_start: string | null;
  command: string;
}

/** The lock file of an output folder: beside it, so a build that replaces the folder keeps its lock. */
export const lockPathOf = (out: string): string => `${resolve(out)}.lock`;

function processStart(pid: number): string | null {
  try {
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether no process of this machine has this pid (signal 0 finds none). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  return false;
}

function alive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true; // another machine's process: it cannot be checked from here
  if (processGone(holder.pid)) return false;
  const start = processStart(holder.pid);
  return !(start && holder.proc_start && start !== holder.proc_start);
}

/**
 * A lock file nobody could read for this long was left empty by a writer killed between creating and
 * filling it (one write call apart): stale, not a writer still starting.
 */
const UNFILLED_MS = 5_000;

function unfilledTooLong(path: string): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat !== undefined && Date.now() - stat.mtimeMs > UNFILLED_MS;
}

/** Whether a lock file's holder is gone: a dead process, or a file left unfilled. */
function stale(path: string, holder = readHolder(path)): boolean {
  return holder ? !alive(holder) : unfilledTooLong(path);
}

/** Lock files being filled (`<lock>.<host>-<pid>.tmp`) by processes of this machine that are gone. */
function removeDeadFillings(path: string): void {
  const prefix = `${basename(path)}.${hostname()}-`;
  for (const name of readdirSync(dirname(path))) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length, -".tmp".length));
    if (Number.isInteger(pid) && processGone(pid)) rmSync(join(dirname(path), name), { force: true });
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockHolder;
  } catch {
    return null;
  }
}

const held = new Set<string>();
process.on("exit", () => {
  for (const path of held) rmSync(path, { force: true });
});

/**
 * Takes the one-writer lock of an output folder: a second process (or a second run in this one) on
 * the same output fails at once, naming the holder. A lock whose holder is gone (killed, crashed) is
 * stale and taken over. Returns the release function.
 */
export function acquireOutputLock(out: string): () => void {
  const path = lockPathOf(out);
  mkdirSync(dirname(path), { recursive: true, mode: OWNER_DIR });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    proc_start: processStart(process.pid),
    command: process.argv.slice(1).join(" ").slice(0, 300),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      // Written whole beside it, then linked into place (link fails if the lock exists): a kill can
      // no longer leave an empty lock file that reads as a writer still starting.
      removeDeadFillings(path);
      const filled = `${path}.${hostname()}-${process.pid}.tmp`;
      writeFileSync(filled, `${JSON.stringify(me)}\n`, { mode: OWNER_FILE });
      try {
        linkSync(filled, path);
      } finally {
        rmSync(filled, { force: true });
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readHolder(path);
      // An unreadable lock file is a writer caught between creating and filling it: held, unless it stays so.
      if (stale(path, holder) && attempt < 3) {
        rmSync(path, { force: true });
        continue;
      }
      const who = holder
        ? `pid ${holder.pid} on ${holder.host}, started ${holder.started}${holder.command ? `: ${holder.command}` : ""}`
        : "a process that is starting";
      throw new UsageError(
        `${resolve(out)} is being written by another ehr-r1 process (${who}); wait for it to finish or choose another output. If that process is gone, remove ${path}`,
      );
    }
  }
  held.add(path);
  return () => {
    if (!held.delete(path)) return;
    if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** Removes the lock of an output when its holder is gone (a run killed after finishing that output). */
export function clearStaleLock(out: string): void {
  const path = lockPathOf(out);
  if (existsSync(path) && stale(path)) rmSync(path, { force: true });
}

/** Runs `work` holding the output's lock. */
export async function withOutputLock<T>(out: string, work: () => Promise<T>): Promise<T> {
  const release = acquireOutputLock(out);
  try {
    return await work();
  } finally {
    release();
  }
}
