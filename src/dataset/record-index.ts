import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../errors.js";
import { firstLine, literal, Store } from "../store/database.js";
import { restrictTree } from "../store/owner-only.js";
import { datasetFiles } from "./read.js";

/** A growable array of numbers in a typed array: millions of offsets without millions of JS objects. */
class NumberColumn {
  private data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  at(i: number): number {
    return this.data[i]!;
  }
}

/**
 * Random access to the lines of a dataset without holding them: the byte offset and length of
 * every non-empty line, so records can be read back in any order (a shuffled mix of two datasets).
 * Parquet inputs are first written out as JSONL in a private temporary folder beside the output.
 */
export class LineIndex {
  private readonly offsets = new NumberColumn();
  private readonly lengths = new NumberColumn();
  private readonly fileOf = new NumberColumn();
  private readonly lineOf = new NumberColumn();
  private readonly fds: number[] = [];
  private constructor(
    readonly files: string[],
    private readonly scratch: string | null,
  ) {}

  get size(): number {
    return this.offsets.length;
  }

  static async build(path: string, scratchNear: string): Promise<LineIndex> {
    const sources = datasetFiles(path);
    let scratch: string | null = null;
    const files: string[] = [];
    for (const source of sources) {
      if (!source.endsWith(".parquet")) {
        files.push(source);
        continue;
      }
      scratch ??= mkdtempSync(join(dirname(scratchNear), ".ehr-r1-index-"));
      restrictTree(scratch);
      const jsonl = join(scratch, `${files.length}.jsonl`);
      const store = await Store.open(":memory:");
      try {
        await store.exec(`COPY (SELECT * FROM read_parquet(${literal(source)})) TO ${literal(jsonl)} (FORMAT json)`);
      } catch (error) {
        throw new InputError(source, undefined, `cannot read as Parquet: ${firstLine(error)}`);
      } finally {
        store.close();
      }
      files.push(jsonl);
    }
    const index = new LineIndex(files, scratch);
    for (const [f, file] of files.entries()) await index.scan(f, file);
    for (const file of files) index.fds.push(openSync(file, "r"));
    return index;
  }

  /** Finds line boundaries in 1 MB chunks (a newline byte never occurs inside a UTF-8 character). */
  private async scan(f: number, file: string): Promise<void> {
    let position = 0;
    let start = 0;
    let line = 1;
    let blank = true;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === 0x0a) {
          if (!blank) this.add(f, start, position + i - start, line);
          start = position + i + 1;
          line++;
          blank = true;
        } else if (blank && byte !== 0x20 && byte !== 0x0d && byte !== 0x09) blank = false;
      }
      position += chunk.length;
    }
    if (!blank) this.add(f, start, position - start, line);
  }

  private add(f: number, offset: number, length: number, line: number): void {
    this.offsets.push(offset);
    this.lengths.push(length);
    this.fileOf.push(f);
    this.lineOf.push(line);
  }

  /** Line i's text, and where it is (file, 1-based line number). */
  read(i: number): { text: string; file: string; line: number } {
    const length = this.lengths.at(i);
    const buffer = Buffer.allocUnsafe(length);
    const f = this.fileOf.at(i);
    readSync(this.fds[f]!, buffer, 0, length, this.offsets.at(i));
    return { text: buffer.toString("utf8"), file: this.files[f]!, line: this.lineOf.at(i) };
  }

  close(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }
}
