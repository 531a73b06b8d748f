import { createWriteStream, rmSync, type WriteStream } from "node:fs";
import { once } from "node:events";
import { OWNER_FILE, restrictTree } from "../store/owner-only.js";
import { jsonlToParquet } from "../store/parquet.js";

/**
 * A file of rows written one at a time in bounded memory: JSONL as it goes, or, given column
 * types, JSONL staged beside the file and converted to Parquet with exactly those types at the end.
 * The caller renames the finished file into place (a staging folder, or a temporary name).
 */
export class RowFile {
  private readonly stream: WriteStream;
  private readonly jsonl: string;
  rows = 0;

  constructor(
    readonly file: string,
    private readonly parquetColumns?: Readonly<Record<string, string>>,
  ) {
    this.jsonl = parquetColumns ? `${file}.rows.jsonl` : file;
    this.stream = createWriteStream(this.jsonl, { mode: OWNER_FILE });
    // A write error (disk full) is kept and thrown by the next write or close, never left unhandled.
    this.stream.on("error", (error) => (this.failure ??= error));
  }

  private failure: Error | undefined;

  async write(row: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(`${JSON.stringify(row)}\n`)) await once(this.stream, "drain");
    this.rows++;
  }

  /** Finishes the file (Parquet conversion included); the staged JSONL is removed either way. */
  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await once(this.stream, "finish");
    if (!this.parquetColumns) return restrictTree(this.file);
    try {
      await jsonlToParquet(this.jsonl, this.file, this.parquetColumns);
    } finally {
      rmSync(this.jsonl, { force: true });
    }
  }

  /** Removes what was written (after a failure). */
  discard(): void {
    this.stream.destroy();
    rmSync(this.jsonl, { force: true });
    rmSync(this.file, { force: true });
  }
}
