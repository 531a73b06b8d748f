import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildFixtures } from "./helpers/fixture-build.js";

const ROOT = join(import.meta.dirname, "..");

/** The newest modification time of any .ts file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith(".ts")) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Tests that spawn `bin/ehr-r1.js` run the compiled `dist/`: rebuild it when any source is newer,
 * so a child process never runs yesterday's code (`npm test` builds first; a bare `vitest` may not).
 */
export default async function setup(project: TestProject): Promise<void> {
  const marker = join(ROOT, "dist", "src", "cli", "main.js");
  const sources = Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "bench")));
  if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.json")],
        { stdio: "pipe" },
      );
    } catch (error) {
      // tsc still emits on type errors (those fail `npm test`'s own tsc step and the lint): the tests run on what was emitted.
      console.warn(
        `tsc reported errors while refreshing dist/:\n${String((error as { stdout?: Buffer }).stdout ?? error)}`,
      );
    }
  }
  // One demo store and one synthetic store for the whole run, instead of one per test file.
  const fixtures = await buildFixtures();
  project.provide("demoDb", fixtures.demoDb);
  project.provide("synthDb", fixtures.synthDb);
  project.provide("synthCohort", fixtures.synthCohort);
  project.provide("largeSynthDb", fixtures.largeSynthDb);
}
