import type { EhrEvent, EventItem } from "../timeline/read.js";
import { EVENT_FORMATS } from "./event-formats.js";
import { pyStr, pyTitle } from "../python/format.js";

/**
 * `ehr-r1`: the reference's text, byte for byte (the released models were trained on it).
 * `clean`: for users training their own models: no empty blocks, no `nan`/`None` cells, no `[None]` times.
 */
export type RenderFormat = "ehr-r1" | "clean";

export function renderEvent(event: EhrEvent, format: RenderFormat = "ehr-r1"): string {
  const spec = EVENT_FORMATS[event.file_name];
  if (!spec) return "";
  return format === "clean"
    ? renderClean(event, spec.display, spec.keys)
    : renderReference(event, spec.display, spec.keys);
}

function renderReference(event: EhrEvent, display: string, keys: readonly string[]): string {
  const title = `## ${display} [${pyStr(event.starttime)}]`;
  const rows = event.items;
  let lines: string[];
  if (rows.length === 1) {
    const row = rows[0]!;
    lines = keys.map((k) => `- ${pyTitle(k)}: ${pyStr(row[k])}`);
  } else {
    lines = [
      `| ${keys.map(pyTitle).join(" | ")} |`,
      `| ${keys.map(() => "------").join(" | ")} |`,
      ...rows.map((row) => `| ${keys.map((k) => pyStr(row[k])).join(" | ")} |`),
    ];
  }
  return `${title}\n${lines.join("\n")}`;
}

const isEmpty = (value: unknown) =>
  value === null ||
  value === undefined ||
  value === "nan" ||
  value === "" ||
  (Array.isArray(value) && value.length === 0);

function cleanValue(row: EventItem, key: string): string {
  const value = row[key];
  if (isEmpty(value)) return "";
  return Array.isArray(value) ? value.filter((v) => !isEmpty(v)).join("; ") : pyStr(value);
}

function renderClean(event: EhrEvent, display: string, keys: readonly string[]): string {
  const title = event.starttime ? `## ${display} [${event.starttime}]` : `## ${display}`;
  const rows = event.items;
  const shown = keys.filter((k) => rows.some((row) => !isEmpty(row[k])));
  if (!shown.length) return title;
  if (rows.length === 1)
    return `${title}\n${shown.map((k) => `- ${pyTitle(k)}: ${cleanValue(rows[0]!, k)}`).join("\n")}`;
  return [
    title,
    `| ${shown.map(pyTitle).join(" | ")} |`,
    `| ${shown.map(() => "------").join(" | ")} |`,
    ...rows.map((row) => `| ${shown.map((k) => cleanValue(row, k)).join(" | ")} |`),
  ].join("\n");
}
