import { pyFloatRepr, pyStrRepr } from "./format.js";

/**
 * A JSON value as Python's `json.loads` returns it. Integers stay exact (`bigint`) and apart from
 * floats, because the references score `str(value)`: `25` → "25" but `25.0` → "25.0", `true` → "True",
 * `null` → "None". `JSON.parse` loses that distinction, so the answers of a model are read here.
 */
export type PyJson = null | boolean | string | bigint | number | PyJson[] | PyDict;
export class PyDict extends Map<string, PyJson> {}

export class PyJsonError extends Error {}

/**
 * `json.loads(text)`: strict JSON plus Python's `NaN`, `Infinity` and `-Infinity`; surrounding
 * whitespace allowed; the last of duplicate keys wins. Throws `PyJsonError` with the offset.
 */
export function parsePyJson(text: string): PyJson {
  let at = 0;
  const fail = (what: string): never => {
    throw new PyJsonError(`${what} at character ${at}`);
  };
  const ws = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const literal = (word: string, value: PyJson): PyJson => {
    if (!text.startsWith(word, at)) fail("unexpected token");
    at += word.length;
    return value;
  };
  const string = (): string => {
    at++; // opening quote
    let out = "";
    for (;;) {
      if (at >= text.length) fail("unterminated string");
      const ch = text[at]!;
      if (ch === '"') {
        at++;
        return out;
      }
      if (ch < " ") fail("control character in string");
      if (ch !== "\\") {
        out += ch;
        at++;
        continue;
      }
      const esc = text[at + 1];
      const simple: Record<string, string> = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (esc !== undefined && simple[esc] !== undefined) {
        out += simple[esc];
        at += 2;
      } else if (esc === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
        out += String.fromCharCode(parseInt(text.slice(at + 2, at + 6), 16));
        at += 6;
      } else fail("invalid escape");
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
  const value = (): PyJson => {
    ws();
    const ch = text[at];
    if (ch === "{") {
      at++;
      const dict = new PyDict();
      ws();
      if (text[at] === "}") {
        at++;
        return dict;
      }
      for (;;) {
        ws();
        if (text[at] !== '"') fail("expected a property name");
        const key = string();
        ws();
        if (text[at] !== ":") fail("expected ':'");
        at++;
        dict.set(key, value());
        ws();
        if (text[at] === ",") at++;
        else if (text[at] === "}") {
          at++;
          return dict;
        } else fail("expected ',' or '}'");
      }
    }
    if (ch === "[") {
      at++;
      const list: PyJson[] = [];
      ws();
      if (text[at] === "]") {
        at++;
        return list;
      }
      for (;;) {
        list.push(value());
        ws();
        if (text[at] === ",") at++;
        else if (text[at] === "]") {
          at++;
          return list;
        } else fail("expected ',' or ']'");
      }
    }
    if (ch === '"') return string();
    if (ch === "t") return literal("true", true);
    if (ch === "f") return literal("false", false);
    if (ch === "n") return literal("null", null);
    if (ch === "N") return literal("NaN", NaN);
    if (ch === "I") return literal("Infinity", Infinity);
    if (ch === "-" && text.startsWith("-Infinity", at)) return literal("-Infinity", -Infinity);
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m) return fail("expected a value");
    at += m[0].length;
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
  };
  const result = value();
  ws();
  if (at !== text.length) fail("extra data");
  return result;
}

export const isPyDict = (v: PyJson | undefined): v is PyDict => v instanceof PyDict;

/** Python's `str(value)` of a parsed JSON value. */
export function pyStrOf(v: PyJson): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return pyFloatRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyReprOf).join(", ")}]`;
  return `{${[...v].map(([k, x]) => `${pyStrRepr(k)}: ${pyReprOf(x)}`).join(", ")}}`;
}

const pyReprOf = (v: PyJson): string => (typeof v === "string" ? pyStrRepr(v) : pyStrOf(v));

/** Python's `==` between a parsed value and a whole number (True == 1, 0.0 == 0, "1" != 1). */
export function pyEqualsInt(v: PyJson | undefined, n: number): boolean {
  if (typeof v === "boolean") return Number(v) === n;
  if (typeof v === "bigint") return v === BigInt(n);
  if (typeof v === "number") return v === n;
  return false;
}
