import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renameDurably, writeFileAtomically } from "../src/store/atomic-file.js";
import { tempDir } from "./helpers/data.js";

describe("atomic, durable writes", () => {
  const dir = tempDir();

  it("replace a file whole, owner-only, leaving no temporary beside it", () => {
    const file = join(dir, "manifest.json");
    writeFileSync(file, "old", { mode: 0o644 });
    writeFileAtomically(file, '{"new": true}\n');
    expect(readFileSync(file, "utf8")).toBe('{"new": true}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["manifest.json"]);
  });

  it("move a finished folder onto its name with everything in it", () => {
    const staging = join(dir, "out.partial-1");
    mkdirSync(join(staging, "data"), { recursive: true });
    writeFileSync(join(staging, "data", "a.jsonl"), "{}\n");
    renameDurably(staging, join(dir, "out"));
    expect(readFileSync(join(dir, "out", "data", "a.jsonl"), "utf8")).toBe("{}\n");
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "out"]);
  });
});
