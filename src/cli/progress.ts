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

/**
 * Progress of long work on stderr: a rewritten line on a terminal, else (a batch job's log) one
 * line every 30 seconds and the last one.
 */
export function progressPrinter(
  output: Output,
  what: string,
): (p: { samples: number; total: number; seconds: number }) => void {
  let last = -Infinity;
  return (p) => {
    const line = `${what}: ${rateLine(p.samples, p.total, p.seconds, "samples")}`;
    if (output.interactive) output.err(`\r\x1b[K${line}${p.samples >= p.total ? "\n" : ""}`);
    else if (p.seconds - last >= 30 || p.samples >= p.total) {
      last = p.seconds;
      output.err(`${line}\n`);
    }
  };
}

/** `12,345/87,322 samples, 1,234/s, ETA 1m 05s`: counts, rate and time left of long work. */
export function rateLine(done: number, total: number, seconds: number, unit: string): string {
  const rate = seconds > 0 ? done / seconds : 0;
  const left = rate > 0 ? (total - done) / rate : NaN;
  const eta = Number.isFinite(left) ? formatDuration(left) : "…";
  return `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${unit}, ${Math.round(rate).toLocaleString("en-US")}/s, ETA ${eta}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}
