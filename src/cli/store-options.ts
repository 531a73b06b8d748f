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
