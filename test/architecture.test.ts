import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The dependency direction ARCHITECTURE.md describes, checked on the source: no module imports
 * itself back through others, no two folders import each other, and CLI commands leave queries
 * to the modules they call.
 */
const SRC = resolve(import.meta.dirname, "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Each file's value imports (type-only imports are erased and cannot form a runtime cycle). */
function importGraph(): Map<string, string[]> {
  const files = sources(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+"(\.[^"]+)"/gms)]
      .map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")))
      .filter((t) => known.has(t));
    graph.set(file, targets);
  }
  return graph;
}

/** A file's unit: its top folder under src/, or the file itself for src/'s own files. */
const unitOf = (file: string) => {
  const parts = relative(SRC, file).split("/");
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, "");
};

function cycles(graph: Map<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("architecture", () => {
  const graph = importGraph();

  it("has no import cycle between modules", () => {
    expect(cycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(" → "))).toEqual([]);
  });

  it("has no two folders importing each other (dependencies point one way)", () => {
    const folders = new Map<string, Set<string>>();
    for (const [file, targets] of graph)
      for (const target of targets) {
        const [from, to] = [unitOf(file), unitOf(target)];
        if (from === to) continue;
        if (!folders.has(from)) folders.set(from, new Set());
        folders.get(from)!.add(to);
      }
    const unitGraph = new Map([...folders].map(([k, v]) => [k, [...v]]));
    expect(cycles(unitGraph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("CLI commands run no queries of their own (the `sql` command aside)", () => {
    const offenders = sources(join(SRC, "cli", "commands")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\bstore\.(rows|value|exec|stream|rowsJson)\(/g)]
        .filter((m) => !(file.endsWith("db.ts") && m[1] === "rowsJson"))
        .map((m) => `${relative(SRC, file)}: store.${m[1]}`),
    );
    expect(offenders).toEqual([]);
  });
});
