import { evalPyNumber, pyLessOrEqual, pyNumberEquals, pyRound, PyNumberError } from "../python/number.js";

/** What the verl files carry as `reward_model.ground_truth` for a MedCalc-Bench row. */
export interface MedcalcTruth {
  target: string;
  calid: number;
  lower_limit: string;
  upper_limit: string;
}

/**
 * The rule per calculator ID (docs/reference.md#medcalc-correctness). The tolerance lives in the row's limits,
 * never in the category: the same calculator is ±5% in the test set and exact in the train set.
 */
export const DATE_CALCULATORS: ReadonlySet<number> = new Set([13, 68]);
export const GESTATIONAL_AGE_CALCULATORS: ReadonlySet<number> = new Set([69]);
export const INTEGER_CALCULATORS: ReadonlySet<number> = new Set([
  4, 15, 16, 17, 18, 20, 21, 25, 27, 28, 29, 32, 33, 36, 43, 45, 48, 51, 69,
]);
export const DECIMAL_CALCULATORS: ReadonlySet<number> = new Set([
  2, 3, 5, 6, 7, 8, 9, 10, 11, 19, 22, 23, 24, 26, 30, 31, 38, 39, 40, 44, 46, 49, 56, 57, 58, 59, 60, 61, 62, 63, 64,
  65, 66, 67,
]);

export type MedcalcRule = "date" | "gestational-age" | "integer" | "decimal";

export function ruleOf(calid: number): MedcalcRule | null {
  if (DATE_CALCULATORS.has(calid)) return "date";
  if (GESTATIONAL_AGE_CALCULATORS.has(calid)) return "gestational-age";
  if (INTEGER_CALCULATORS.has(calid)) return "integer";
  if (DECIMAL_CALCULATORS.has(calid)) return "decimal";
  return null;
}

// Python's strptime patterns for %m, %d and %Y, tried in the same order; the whole string must match.
const STRPTIME_MDY = /^(1[0-2]|0[1-9]|[1-9])\/(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])\/(\d{4})$/i;

/** `datetime.strptime(text, "%m/%d/%Y")` as a comparable number, or an error. */
function strptimeMdy(text: string): number {
  const m = STRPTIME_MDY.exec(text);
  if (!m) throw new PyNumberError(`time data ${JSON.stringify(text.slice(0, 60))} does not match format '%m/%d/%Y'`);
  const [month, day, year] = [Number(m[1]), Number(m[2]!.trim()), Number(m[3])];
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    throw new PyNumberError("day is out of range for month");
  return year * 10_000 + month * 100 + day;
}

// MedCalc-Bench's pattern for a (weeks, days) pair, applied with search() to both sides.
const WEEKS_DAYS = /\(?["']?(\d+)\s*(weeks?)?["']?,?\s*["']?(\d+)\s*(days?)?["']?\s*\)?/;

/** Python int() of a literal as eval sees it: "03" is a syntax error, "00" is zero. */
const intLiteral = (digits: string): bigint => {
  if (/^0+[1-9]/.test(digits)) throw new PyNumberError(`leading zeros in ${digits}`);
  return BigInt(digits);
};

/**
 * MedCalc-Bench's `check_correctness` (evaluation/evaluate.py), with `eval` replaced by a strict
 * number reader. `answer` is Python's `str()` of the model's answer value. Returns 1 or 0; `error`
 * says why where the reference would have raised (which it then scores 0 in evaluation, and −2,
 * clamped to 0, in the reward).
 */
export function medcalcCorrect(answer: string, truth: MedcalcTruth): { correct: 0 | 1; error: string | null } {
  try {
    const rule = ruleOf(Number(truth.calid));
    if (rule === null) return { correct: 0, error: `unknown calculator id ${truth.calid}` };
    if (rule === "date") return { correct: strptimeMdy(answer) === strptimeMdy(truth.target) ? 1 : 0, error: null };
    if (rule === "gestational-age") {
      const gold = WEEKS_DAYS.exec(truth.target);
      if (!gold) throw new PyNumberError(`ground truth ${truth.target} has no (weeks, days) pair`);
      const got = WEEKS_DAYS.exec(answer);
      if (!got) return { correct: 0, error: null };
      const same = intLiteral(got[1]!) === intLiteral(gold[1]!) && intLiteral(got[3]!) === intLiteral(gold[3]!);
      return { correct: same ? 1 : 0, error: null };
    }
    const value = evalPyNumber(answer);
    if (rule === "integer")
      return { correct: pyNumberEquals(pyRound(value), evalPyNumber(truth.target)) ? 1 : 0, error: null };
    const inside =
      pyLessOrEqual(evalPyNumber(truth.lower_limit), value) && pyLessOrEqual(value, evalPyNumber(truth.upper_limit));
    return { correct: inside ? 1 : 0, error: null };
  } catch (error) {
    return { correct: 0, error: error instanceof Error ? error.message : String(error) };
  }
}
