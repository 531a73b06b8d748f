/**
 * The doubles the reference printed. It read MIMIC-IV's CSVs with pandas, whose default float
 * parser (`float_precision=None`, since pandas 1.3 its "high" `precise_xstrtod`) is not correctly
 * rounded: it accumulates at most 17 digits in a double (`n = n * 10 + d`, leading zeros counted,
 * rounding at each step once past 2^53; later digits are dropped), then multiplies or divides once
 * by 10^|e| (the correctly rounded double of that power). The store holds the correctly rounded
 * double of the same text; the text follows from it, because MIMIC's CSVs write each float as
 * `%.15g` when that reads back to the same double and as `%.17g` otherwise (checked on every
 * decimal cell of the demo's ICU tables). So: double → its CSV text → pandas' double.
 */

/** The text MIMIC-IV's CSV writer gave this double. */
export function csvText(x: number): string {
  const short = formatG(x, 15);
  return Number(short) === x ? short : formatG(x, 17);
}

/** The exact decimal value of a finite positive double: its digits and the power of ten of the first. */
function exactDecimal(x: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = (biased === 0 ? 1 : biased) - 1075;
  // m * 2^p is m * 5^-p / 10^-p when p < 0: an integer numerator, shifted by -p decimal places.
  const numerator = power >= 0 ? mantissa << BigInt(power) : mantissa * 5n ** BigInt(-power);
  const digits = numerator.toString();
  return { digits, exponent: digits.length - 1 - Math.max(0, -power) };
}

/**
 * C's `%.<precision>g` (glibc: the exact value rounded half to even; trailing zeros and a trailing
 * point removed; exponent with a sign and at least two digits). JavaScript's toFixed and
 * toExponential round exact ties up instead, which float32-derived values meet often.
 */
export function formatG(x: number, precision: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const { digits, exponent } = exactDecimal(Math.abs(x));
  let kept = digits.slice(0, precision).padEnd(precision, "0");
  let e = exponent;
  const rest = digits.slice(precision);
  const up = rest[0]! > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || Number(kept.at(-1)) % 2 === 1));
  if (rest.length && up) {
    const bumped = (BigInt(kept) + 1n).toString();
    if (bumped.length > precision) {
      kept = bumped.slice(0, precision);
      e++;
    } else kept = bumped;
  }
  const sign = x < 0 ? "-" : "";
  const trim = (t: string) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
  if (e < -4 || e >= precision)
    return `${sign}${trim(`${kept[0]}.${kept.slice(1)}`)}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  if (e < 0) return `${sign}${trim(`0.${"0".repeat(-e - 1)}${kept}`)}`;
  return `${sign}${trim(`${kept.slice(0, e + 1)}.${kept.slice(e + 1)}`)}`;
}

const MAX_DIGITS = 17;

/** pandas' `precise_xstrtod` of a decimal text (`[-+]digits[.digits][e[-+]digits]`). */
export function xstrtod(text: string): number {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return Number.NaN;
  const whole = m[2]!;
  const fraction = m[3] ?? "";
  const used = Math.max(0, Math.min(fraction.length, MAX_DIGITS - whole.length));
  let number = 0;
  for (const d of (whole + fraction.slice(0, used)).slice(0, MAX_DIGITS)) number = number * 10 + (d.charCodeAt(0) - 48);
  const exponent = Number(m[4] ?? 0) + Math.max(0, whole.length - MAX_DIGITS) - used;
  if (m[1] === "-") number = -number;
  if (exponent > 308) return number < 0 ? -Infinity : Infinity;
  if (exponent > 0) return number * Number(`1e${exponent}`);
  // Below 1e-308 pandas divides twice (subnormal results), and gives 0 below 1e-616.
  if (exponent < -616) return number < 0 ? -0 : 0;
  if (exponent < -308) return number / Number(`1e${-308 - exponent}`) / 1e308;
  if (exponent < 0) return number / Number(`1e${-exponent}`);
  return number;
}

/** The double pandas read for the CSV text of `x`. */
export const pandasDouble = (x: number): number => (Number.isFinite(x) ? xstrtod(csvText(x)) : x);
