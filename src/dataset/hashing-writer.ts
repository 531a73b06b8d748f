import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import { OWNER_FILE } from "../store/owner-only.js";

export interface WrittenFile {
  bytes: number;
  sha256: string;
  lines: number;
}

/**
 * A line-by-line file writer that hashes and counts what it writes, so a file of any size gets its
 * SHA-256 without being read back, and memory holds one line at a time (waits for the disk on back pressure).
 */
export class HashingWriter {
  private readonly stream: WriteStream;
  private readonly hash: Hash = createHash("sha256");
  private bytes = 0;
  private lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { mode: OWNER_FILE });
  }

  async writeLine(line: string): Promise<void> {
    const buffer = Buffer.from(`${line}\n`, "utf8");
    this.hash.update(buffer);
    this.bytes += buffer.length;
    this.lines++;
    if (!this.stream.write(buffer)) await once(this.stream, "drain");
  }

  async close(): Promise<WrittenFile> {
    this.stream.end();
    await once(this.stream, "finish");
    return { bytes: this.bytes, sha256: this.hash.digest("hex"), lines: this.lines };
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * SHA-256, size and newline count of files read one after another in 1 MB chunks (any size): one
 * file's own hash, or a whole dataset's.
 */
export async function hashFiles(paths: readonly string[]): Promise<WrittenFile> {
  const hash = createHash("sha256");
  let bytes = 0;
  let lines = 0;
  for (const path of paths)
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    }
  return { bytes, sha256: hash.digest("hex"), lines };
}

/** SHA-256 and size of one file. */
export async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const { bytes, sha256 } = await hashFiles([path]);
  return { bytes, sha256 };
}
