import { spawn } from "node:child_process";
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

/** Runs the built CLI in a child process under `umask 022` (a normal user's default). */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolveRun) => {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const child = spawn("sh", ["-c", `umask 022; exec ${quoted}`], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolveRun({ code: code ?? -1, out, err }));
  });
}
