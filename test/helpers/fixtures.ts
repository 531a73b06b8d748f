import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { Store } from "../../src/store/database.js";

declare module "vitest" {
  export interface ProvidedContext {
    demoDb: string;
    synthCohort: string;
    synthDb: string;
    largeSynthDb: string;
  }
}

/**
 * The shared stores the global setup built once for the whole run (see fixture-build.ts). Tests
 * open them read-only; a test that writes into a store works on its own copy.
 */
export const DEMO_DB = inject("demoDb");
export const SYNTH_DB = inject("synthDb");
export const SYNTH_COHORT = inject("synthCohort");
export const LARGE_SYNTH_DB = inject("largeSynthDb");

/** A private, writable copy of a shared store in `dir`. */
export function copyStore(shared: string, dir: string, name = "copy.duckdb"): string {
  if (!shared || !existsSync(shared)) throw new Error(`shared store ${shared || "(demo data absent)"} is missing`);
  const target = join(dir, name);
  copyFileSync(shared, target);
  return target;
}

/** Opens a shared store read-only. */
export function openShared(shared: string): Promise<Store> {
  return Store.open(shared, { readOnly: true, create: false });
}
