/**
 * Errors a user can act on. The CLI prints `message` alone (a stack only with --debug), so every
 * message names what went wrong and where.
 */
export class EhrR1Error extends Error {
  override name = "EhrR1Error";
}

/** Bad input data: a file, optionally a line and column, and what was wrong. */
export class InputError extends EhrR1Error {
  override name = "InputError";
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${detail}`);
  }
}

/** Bad arguments or configuration. */
export class UsageError extends EhrR1Error {
  override name = "UsageError";
}

/**
 * What the user can do about an error that ran out of a machine resource, named by the options
 * every store command has; null for any other error.
 */
export function resourceHint(message: string): string | null {
  if (/out of memory/i.test(message))
    return "DuckDB reached its memory limit; raise the command's --memory-limit (e.g. --memory-limit 4GB, or EHR_R1_MEMORY_LIMIT=4GB), or give --temp-dir a folder with free disk space to spill to";
  if (/no space left|ENOSPC|disk.*full/i.test(message))
    return "the disk is full; free space where the output goes, or point --temp-dir at a larger disk";
  return null;
}
