/**
 * Runs one `ehr-r1` command in this process and appends what it cost to $BENCH_STEP_OUT as one
 * JSON line: wall seconds, CPU seconds (all threads, DuckDB's included), peak RSS. The CLI's own
 * output goes to /dev/null-like sinks so printing costs nothing.
 */
import { appendFileSync } from "node:fs";
import { main } from "../src/cli/main.js";

const args = process.argv.slice(2);
const started = performance.now();
const code = await main(["node", "ehr-r1", ...args], {
  out: () => {},
  err: (text) => void (text.startsWith("error") ? process.stderr.write(text) : undefined),
  interactive: false,
});
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
appendFileSync(
  process.env.BENCH_STEP_OUT!,
  `${JSON.stringify({ args, code, seconds, cpuSeconds, cpuPercent: (100 * cpuSeconds) / seconds, peakRssMb: usage.maxRSS / 1024 })}\n`,
);
process.exitCode = code;
