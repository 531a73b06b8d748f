import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { StoreOptions } from "../store/database.js";

export interface StoreFlags {
  memoryLimit?: string;
  threads?: number;
  tempDir?: string;
}

/** The DuckDB resource options every command that opens a store accepts. */
export function addStoreOptions(command: Command): Command {
  return command
    .option("--memory-limit <size>", "DuckDB memory limit, e.g. 4GB (default 1GB or $EHR_R1_MEMORY_LIMIT)")
    .option("--threads <n>", "DuckDB worker threads (default: all cores)", parseThreads)
    .option("--temp-dir <dir>", "where DuckDB spills work that does not fit in memory (default: beside the store)");
}

/** The store options from a command's parsed flags (any command: those without the options give none). */
export function storeOptions(flags: object): Pick<StoreOptions, "memoryLimit" | "threads" | "tempDirectory"> {
  const f = flags as StoreFlags;
  return { memoryLimit: f.memoryLimit, threads: f.threads, tempDirectory: f.tempDir };
}

/**
 * Gives every command that opens a store (it has `--db`) the resource options, once, so no command
 * can lack them and no error message names an option that does not exist.
 */
export function addStoreOptionsEverywhere(program: Command): void {
  for (const command of program.commands) {
    addStoreOptionsEverywhere(command);
    const has = (flag: string) => command.options.some((o) => o.long === flag);
    if (has("--db") && !has("--memory-limit")) addStoreOptions(command);
  }
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return n;
}

/** `12,345/87,322 samples, 1,234/s, ETA 1m 05s`: counts, rate and time left of long work. */
export function rateLine(done: number, total: number, seconds: number, unit: string): string {
  const rate = seconds > 0 ? done / seconds : 0;
  const left = rate > 0 ? (total - done) / rate : NaN;
  const eta = Number.isFinite(left) ? formatDuration(left) : "…";
  return `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${unit}, ${Math.round(rate).toLocaleString("en-US")}/s, ETA ${eta}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}
