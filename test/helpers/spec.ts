import { join } from "node:path";
import { DATA_DIR } from "./data.js";

/** The spec written from the reference's source (next to the shared data). */
export const SPEC_FILE = join(DATA_DIR, "..", "spec", "reference-data-and-tasks.md");

/** The rows of the markdown table that follows `heading` (up to the next `### `), split into trimmed cells, header row dropped. */
export function specTable(text: string, heading: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.slice(text.indexOf(heading)).split("\n").slice(1)) {
    if (line.startsWith("### ")) break;
    if (!line.startsWith("| ") || line.startsWith("|---")) continue;
    rows.push(line.slice(2, -2).split(" | "));
  }
  return rows.slice(1);
}
