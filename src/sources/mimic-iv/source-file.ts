import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { InputError } from "../../errors.js";

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzip(path: string): boolean {
  return path.endsWith(".gz");
}

/** Reads the header line of a `.csv` or `.csv.gz` file without reading the rest. */
export async function readCsvHeader(path: string): Promise<string[]> {
  try {
    return await readHeaderFields(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(path, undefined, `cannot read: ${(error as Error).message}`);
  }
}

async function readHeaderFields(path: string): Promise<string[]> {
  let text = "";
  if (isGzip(path)) {
    await assertGzipMagic(path);
    const stream = createReadStream(path).pipe(createGunzip());
    try {
      for await (const chunk of stream) {
        text += (chunk as Buffer).toString("utf8");
        if (text.includes("\n") || text.length > 1 << 20) break;
      }
    } catch (error) {
      if (!text.includes("\n")) throw new InputError(path, 1, `cannot decompress: ${(error as Error).message}`);
    } finally {
      stream.destroy();
    }
  } else {
    const handle = await open(path, "r").catch((error: Error) => {
      throw new InputError(path, undefined, `cannot read: ${error.message}`);
    });
    try {
      const buffer = Buffer.alloc(1 << 16);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  }
  const newline = text.indexOf("\n");
  if (newline < 0 && text.length === 0) throw new InputError(path, 1, "file is empty (expected a CSV header line)");
  const line = (newline < 0 ? text : text.slice(0, newline)).replace(/^\uFEFF/, "").replace(/\r$/, "");
  if (line.trim() === "") throw new InputError(path, 1, "empty header line");
  return line.split(",").map((field) => field.trim().replace(/^"(.*)"$/, "$1"));
}

async function assertGzipMagic(path: string): Promise<void> {
  const handle = await open(path, "r").catch((error: Error) => {
    throw new InputError(path, undefined, `cannot read: ${error.message}`);
  });
  try {
    const buffer = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buffer, 0, 2, 0);
    if (bytesRead < 2 || buffer[0] !== GZIP_MAGIC[0] || buffer[1] !== GZIP_MAGIC[1]) {
      throw new InputError(path, undefined, "not a gzip file (the name ends in .gz but the content is not gzip)");
    }
  } finally {
    await handle.close();
  }
}

/**
 * Decompresses the whole file and checks gzip's CRC and length trailer. DuckDB reads a gzip stream
 * cut at a line boundary without complaint, so a truncated download would load silently short.
 * Optionally hashes the compressed bytes on the same pass.
 */
export async function verifyGzip(path: string, withSha256: boolean): Promise<string | null> {
  const hash = withSha256 ? createHash("sha256") : null;
  // Large chunks: with zlib's 16 kB default most of the time goes to stream callbacks, not inflating.
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  if (hash) source.on("data", (chunk) => hash.update(chunk));
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(source, createGunzip({ chunkSize: 1 << 20 }), sink);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail =
      code === "Z_BUF_ERROR"
        ? "the gzip stream is truncated (unexpected end of file): re-download or re-copy it"
        : `corrupt gzip data (${(error as Error).message})`;
    throw new InputError(path, undefined, detail);
  }
  return hash ? hash.digest("hex") : null;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}
