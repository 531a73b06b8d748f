import type { IngestProgress } from "../sources/mimic-iv/ingest.js";
import { formatNumber, type Output } from "./output.js";

/** Draws per-table ingest progress on a terminal (one rewritten line), and nothing otherwise. */
export function ingestProgressPrinter(output: Output): (event: IngestProgress) => void {
  if (!output.interactive) return () => {};
  return (event) => {
    switch (event.kind) {
      case "start":
        output.err(`\r\x1b[K[${event.index + 1}/${event.total}] ${event.table} …`);
        break;
      case "progress":
        output.err(`\r\x1b[K${event.table} ${event.percentage.toFixed(0)}%`);
        break;
      case "done": {
        const rate = event.seconds > 0 ? event.rows / event.seconds : event.rows;
        const rejected = event.rejected ? `, ${formatNumber(event.rejected)} rejected` : "";
        output.err(
          `\r\x1b[K${event.table}: ${formatNumber(event.rows)} rows in ${event.seconds.toFixed(1)} s (${formatNumber(Math.round(rate))} rows/s${rejected})\n`,
        );
        break;
      }
      case "skip":
        output.err(`\r\x1b[K${event.table}: ${event.reason}\n`);
        break;
    }
  };
}
