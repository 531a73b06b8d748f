import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { createGzip, type Gzip } from "node:zlib";

export type Cell = string | number | null | undefined;

const NEEDS_QUOTES = /[",\n\r]/;

/** One CSV field as MIMIC-IV writes it: empty for null, quoted only when needed. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "number" ? formatNumber(value) : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Numbers without float noise: at most 6 decimals, trailing zeros dropped (MIMIC writes `136` and `1.5`). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toFixed(6)));
}

/**
 * A gzip-compressed CSV table written in bounded memory: rows are buffered as text and handed to
 * zlib in chunks, waiting for the stream to drain. zlib's output depends only on the bytes fed in,
 * so the same rows give the same file.
 */
export class CsvTableWriter {
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private readonly done: Promise<unknown>;
  rows = 0;

  constructor(
    readonly path: string,
    readonly columns: readonly string[],
    gzipLevel: number,
    header: readonly string[] = columns,
  ) {
    this.gzip = createGzip({ level: gzipLevel });
    this.file = createWriteStream(path);
    this.gzip.pipe(this.file);
    this.done = once(this.file, "close");
    this.buffer.push(`${header.join(",")}\n`);
  }

  add(row: Readonly<Record<string, Cell>>): void {
    let line = "";
    for (let i = 0; i < this.columns.length; i++) {
      if (i) line += ",";
      line += csvField(row[this.columns[i]!]);
    }
    line += "\n";
    this.buffer.push(line);
    this.bufferedChars += line.length;
    this.rows++;
  }

  /** Hands buffered rows to zlib; resolves once zlib can take more. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join("");
    this.buffer = [];
    this.bufferedChars = 0;
    if (!this.gzip.write(chunk)) await once(this.gzip, "drain");
  }

  get pending(): number {
    return this.bufferedChars;
  }

  async close(): Promise<void> {
    await this.flush();
    this.gzip.end();
    await this.done;
  }
}
