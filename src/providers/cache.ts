import { createHash } from "node:crypto";
import { writeFileAtomically } from "../store/atomic-file.js";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Generation, GenerateRequest, Provider } from "./types.js";

/** JSON with object keys sorted at every level: equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * A provider whose answers are kept on disk, keyed by a hash of the canonical request (model,
 * messages, every generation setting): a repeated request is answered from the cache. Entries are
 * written to a temporary name and renamed, so a crash never leaves a half entry; files are owner-only.
 */
export function cachedProvider(provider: Provider, dir: string, model: string): Provider {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    id: provider.id,
    async generate(request: GenerateRequest): Promise<Generation[]> {
      const { sample: _sample, signal: _signal, ...settings } = request;
      const key = createHash("sha256")
        .update(canonicalJson({ model, ...settings }))
        .digest("hex");
      const file = join(dir, key.slice(0, 2), `${key}.json`);
      if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Generation[];
      const generations = await provider.generate(request);
      mkdirSync(join(dir, key.slice(0, 2)), { recursive: true, mode: 0o700 });
      writeFileAtomically(file, JSON.stringify(generations));
      return generations;
    },
  };
}
