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
