import { renameDurably } from "../store/atomic-file.js";
import { appendFileSync, closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync } from "node:fs";
import pLimit from "p-limit";
import { EhrR1Error, UsageError } from "../errors.js";

/**
 * Long model work as an append-only JSONL file keyed by item id: each finished item is one line
 * written in one call; a killed run leaves at most one partial line, which a resume drops; finished
 * items are never run twice; items that ended in an error run again on resume. Results files are
 * readable by their owner only.
 */
export interface JobOptions<T, L extends { id: string }> {
  items: readonly T[];
  id: (item: T) => string;
  path: string;
  resume?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  work: (item: T, turn: number) => Promise<L | null>;
  onLine?: (line: L, done: number, total: number) => void;
}

export async function runJobs<T, L extends { id: string }>(
  options: JobOptions<T, L>,
): Promise<{ lines: Map<string, L>; ran: number; resumed: number; retried: number }> {
  const lines = new Map<string, L>();
  let retried = 0;
  if (existsSync(options.path)) {
    if (!options.resume)
      throw new UsageError(`${options.path} exists: pass --resume to continue that run, or choose another --out`);
    const previous = readCompleteLines<L>(options.path);
    for (const line of previous) lines.set(line.id, line);
    // Items that failed (a server down, a request that never succeeded) run again on resume. The
    // file is rewritten without them (beside it, then renamed), so no id ever has two lines.
    const failed = [...lines.values()].filter((l) => typeof (l as { error?: unknown }).error === "string");
    if (failed.length || lines.size < previous.length) {
      for (const l of failed) lines.delete(l.id);
      const rewrite = `${options.path}.rewrite-${process.pid}`;
      writeFileSync(rewrite, [...lines.values()].map((l) => `${JSON.stringify(l)}\n`).join(""), { mode: 0o600 });
      renameDurably(rewrite, options.path);
      retried = failed.length;
    }
  } else {
    writeFileSync(options.path, "", { mode: 0o600 });
  }
  const pending = options.items.filter((item) => !lines.has(options.id(item)));
  const resumed = options.items.length - pending.length;
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  let turn = 0;
  let ran = 0;
  await Promise.all(
    pending.map((item) =>
      limit(async () => {
        if (options.signal?.aborted) return;
        const line = await options.work(item, turn++);
        if (!line || options.signal?.aborted) return;
        appendFileSync(options.path, `${JSON.stringify(line)}\n`);
        lines.set(line.id, line);
        ran++;
        options.onLine?.(line, lines.size, options.items.length);
      }),
    ),
  );
  if (options.signal?.aborted) throw new EhrR1Error(`run stopped after ${ran} items; continue it with --resume`);
  return { lines, ran, resumed, retried };
}

/** Complete JSON lines; a last line cut by a kill is removed from the file so appends stay well-formed. */
export function readCompleteLines<L>(path: string): L[] {
  const text = readFileSync(path, "utf8");
  const lines: L[] = [];
  let keep = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    if (end < 0) break;
    const line = text.slice(start, end);
    try {
      if (line.trim()) lines.push(JSON.parse(line) as L);
      keep = end + 1;
    } catch {
      break;
    }
    start = end + 1;
  }
  if (keep < text.length) {
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, keep)));
    } finally {
      closeSync(fd);
    }
  }
  return lines;
}
