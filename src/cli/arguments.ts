import { Argument, InvalidArgumentError, Option } from "commander";

/** Argument parsers the commands share (commander calls them; a bad value becomes a usage error). */

export function parseWholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}"`);
  return n;
}

/** A number strictly between 0 and 1 (`--fraction`). */
export function parseFraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`expected a number between 0 and 1, got "${value}"`);
  return n;
}

/** For options given several times (`--base-url a --base-url b`). */
export function collectRepeated(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An option whose value is one of `choices`: commander refuses any other, naming the allowed ones. */
export function choiceOption(
  flags: string,
  description: string,
  choices: readonly string[],
  byDefault?: string,
): Option {
  const option = new Option(flags, description).choices(choices);
  return byDefault === undefined ? option : option.default(byDefault);
}

/** An argument whose value is one of `choices`. */
export function choiceArgument(name: string, description: string, choices: readonly string[]): Argument {
  return new Argument(name, description).choices(choices);
}
