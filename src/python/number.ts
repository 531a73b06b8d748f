/**
 * The numbers MedCalc-Bench's checker gets from `eval(answer)`, without `eval`: Python numeric
 * literals (ints exact, no leading zeros; floats; hex/octal/binary; `_` separators), `True`/`False`,
 * unary signs and enclosing parentheses. Anything else, such as an expression (`2+3`) or a unit
 * (`25 mL/min`), is refused; the reference would evaluate the former, and raise on the latter.
 */
export type PyNumber = bigint | number | boolean;

export class PyNumberError extends Error {}

const DIGITS = String.raw`\d(?:_?\d)*`;
const EXPONENT = String.raw`[eE][-+]?${DIGITS}`;
const FLOAT = new RegExp(
  String.raw`^(?:(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.)(?:${EXPONENT})?|${DIGITS}${EXPONENT})$`,
);
const DECIMAL_INT = /^(?:[1-9](?:_?\d)*|0(?:_?0)*)$/;
const RADIX_INT = /^0(?:[xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)$/;

/** `eval(text)` restricted to one number; throws `PyNumberError` where the result is not a number. */
export function evalPyNumber(text: string): PyNumber {
  // eval() skips leading spaces and tabs; the tokenizer ignores trailing whitespace.
  let s = text.replace(/^[ \t]+/, "").replace(/\s+$/, "");
  let negative = false;
  // Any unary sign turns a bool into an int (`+True` is 1), as in Python.
  let signed = false;
  for (;;) {
    if (s.startsWith("(") && s.endsWith(")")) s = s.slice(1, -1).trim();
    else if (s.startsWith("-") || s.startsWith("+")) {
      signed = true;
      if (s[0] === "-") negative = !negative;
      s = s.slice(1).trimStart();
    } else break;
  }
  let value: PyNumber;
  if (s === "True" || s === "False") {
    if (!signed) return s === "True";
    value = BigInt(s === "True" ? 1 : 0);
  } else if (DECIMAL_INT.test(s)) value = BigInt(s.replaceAll("_", ""));
  else if (RADIX_INT.test(s)) value = BigInt(s.replaceAll("_", "").toLowerCase());
  else if (FLOAT.test(s)) value = Number(s.replaceAll("_", ""));
  else throw new PyNumberError(`not a number: ${JSON.stringify(text.slice(0, 60))}`);
  if (!negative) return value;
  return typeof value === "bigint" ? -value : -(value as number);
}

/** Python's `round(x)` to an int: half to even, on the exact binary value. */
export function pyRound(x: PyNumber): bigint {
  if (typeof x === "bigint") return x;
  if (typeof x === "boolean") return x ? 1n : 0n;
  if (!Number.isFinite(x)) throw new PyNumberError(`cannot round ${x}`);
  const floor = Math.floor(x);
  const diff = x - floor; // exact for doubles
  const rounded = diff < 0.5 ? floor : diff > 0.5 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  return BigInt(rounded);
}

/** Python's numeric comparison `a <= b` across ints, floats and bools. */
export function pyLessOrEqual(a: PyNumber, b: PyNumber): boolean {
  const num = (v: PyNumber): bigint | number => (typeof v === "boolean" ? (v ? 1n : 0n) : v);
  const x = num(a);
  const y = num(b);
  // Mixed bigint/number comparisons are exact in JavaScript, as in Python.
  return x <= y;
}

/** Python's `a == b` for numbers. */
export function pyNumberEquals(a: PyNumber, b: PyNumber): boolean {
  return pyLessOrEqual(a, b) && pyLessOrEqual(b, a);
}
