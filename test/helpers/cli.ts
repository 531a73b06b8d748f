import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import type { Output } from "../../src/cli/output.js";

/** Runs the CLI in-process, capturing what it prints and its exit code. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const output: Output = { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false };
  const code = await main(["node", "ehr-r1", ...args], output);
  return { code, out, err };
}

/** The CLI entry point child processes run (it imports dist/, which the global setup keeps fresh). */
export const BIN = join(import.meta.dirname, "..", "..", "bin", "ehr-r1.js");
