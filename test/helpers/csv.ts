import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** The decompressed text of a .csv or .csv.gz file, read with Node's zlib (not with the code under test). */
export function fileText(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
}

/** Data lines of a CSV without quoted newlines: newline count minus the header. */
export function dataLineCount(path: string): number {
  const text = fileText(path);
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  if (!text.endsWith("\n") && text.length > 0) n++;
  return n - 1;
}

export function headerOf(path: string): string[] {
  const text = fileText(path);
  return text.slice(0, text.indexOf("\n")).replace(/\r$/, "").split(",");
}
