import { Command, CommanderError } from "commander";
import { EhrR1Error, resourceHint } from "../errors.js";
import { restrictUmask } from "../store/owner-only.js";
import { TOOL_VERSION } from "../version.js";
import { registerBench } from "./commands/bench.js";
import { addStoreOptionsEverywhere } from "./store-options.js";
import { registerCheck } from "./commands/check.js";
import { registerDataset } from "./commands/dataset.js";
import { registerDb } from "./commands/db.js";
import { registerExport } from "./commands/export.js";
import { registerGraph } from "./commands/graph.js";
import { registerDemo } from "./commands/demo.js";
import { registerIngest } from "./commands/ingest.js";
import { registerMatching } from "./commands/matching.js";
import { registerMeds } from "./commands/meds.js";
import { registerMedcalc } from "./commands/medcalc.js";
import { registerReason } from "./commands/reason.js";
import { registerReward } from "./commands/reward.js";
import { registerShow } from "./commands/show.js";
import { registerSynth } from "./commands/synth.js";
import { registerTasks } from "./commands/tasks.js";
import { registerTimeline } from "./commands/timeline.js";
import { type Output, processOutput } from "./output.js";

export function buildProgram(output: Output): Command {
  const program = new Command("ehr-r1")
    .description("EHR-R1 toolkit: MIMIC-IV → DuckDB store → timelines, tasks, evaluation, reasoning data, rewards")
    .version(TOOL_VERSION)
    .option("--debug", "print stack traces on errors")
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .exitOverride()
    .showHelpAfterError(false);
  registerIngest(program, output);
  registerSynth(program, output);
  registerDemo(program, output);
  registerDb(program, output);
  registerTimeline(program, output);
  registerShow(program, output);
  registerTasks(program, output);
  registerDataset(program, output);
  registerBench(program, output);
  registerGraph(program, output);
  registerReason(program, output);
  registerExport(program, output);
  registerReward(program, output);
  registerMedcalc(program, output);
  registerMatching(program, output);
  registerMeds(program, output);
  registerCheck(program, output);
  addStoreOptionsEverywhere(program);
  return program;
}

/** Runs the CLI and returns the exit code; errors become one clear line (a stack only with --debug). */
export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  // Stores, datasets and runs hold patient data: whatever the umask, nobody else may read them.
  restrictUmask();
  const program = buildProgram(output);
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed usage errors; help and version exit cleanly.
      return error.exitCode;
    }
    const debug = argv.includes("--debug");
    const raw = error instanceof Error ? error.message : String(error);
    const explained = error instanceof EhrR1Error ? { message: raw, known: true } : explainUnexpected(raw);
    output.err(`error: ${explained.message}\n`);
    if (debug && error instanceof Error && error.stack) output.err(`${error.stack}\n`);
    else if (!explained.known) output.err("(unexpected error; run with --debug for details)\n");
    return 1;
  }
}

/** DuckDB's errors carry multi-line hints; keep the first line and say what the user can do. */
function explainUnexpected(message: string): { message: string; known: boolean } {
  const first = message.split("\n")[0] ?? message;
  const hint = resourceHint(first);
  return hint ? { message: `${first} — ${hint}`, known: true } : { message: first, known: false };
}
