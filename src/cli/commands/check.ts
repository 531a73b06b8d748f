import { type Command, InvalidArgumentError } from "commander";
import { EhrR1Error } from "../../errors.js";
import { checkFidelity, judge } from "../../fidelity/check.js";
import { Store } from "../../store/database.js";
import { parseList } from "../arguments.js";
import { formatNumber, formatTable, type Output } from "../output.js";
import { storeOptions } from "../store-options.js";

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

function parseShare(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a share between 0 and 1, got "${value}"`);
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}"`);
  return n;
}

export function registerCheck(program: Command, output: Output): void {
  const check = program.command("check").description("measure ehr-r1 against the reference implementation");
  check
    .command("fidelity")
    .description(
      "compare a store's samples with the reference's own output (reference-demo layout): byte-exact inputs and labels per task",
    )
    .requiredOption("--reference <path>", "reference-demo folder, or one render_hashes*.jsonl[.gz] file")
    .requiredOption("--db <file>", "store with timelines and task index, of the same patients")
    .option(
      "--threshold <share>",
      "fail below this byte-exact share for any task with enough samples",
      parseShare,
      0.99,
    )
    .option("--min-samples <n>", "tasks with fewer reference samples are reported, not judged", parseCount, 10)
    .option("--table-order <tables>", "the reference run's same-time table order (default: its README's)", parseList)
    .option("--json", "print the report as JSON")
    .action(
      async (flags: {
        reference: string;
        db: string;
        threshold: number;
        minSamples: number;
        tableOrder?: string[];
        json?: boolean;
        tempDir?: string;
      }) => {
        const store = await Store.open(flags.db, { ...storeOptions(flags), readOnly: true, create: false });
        let report;
        try {
          report = await checkFidelity(store, {
            reference: flags.reference,
            tableOrder: flags.tableOrder,
            tempDirectory: flags.tempDir,
            onProgress: flags.json || !output.interactive ? undefined : (m) => output.err(`fidelity: ${m}\n`),
          });
        } finally {
          store.close();
        }
        const { judged, failing } = judge(report, flags.threshold, flags.minSamples);
        if (flags.json)
          output.out(
            `${JSON.stringify({ ...report, threshold: flags.threshold, failing: failing.map((t) => t.task) }, null, 2)}\n`,
          );
        else {
          output.out(
            `${formatNumber(report.subjects.inStore)} of the reference's ${formatNumber(report.subjects.reference)} patients in the store; ${formatNumber(report.samples.reference)} reference samples, ${formatNumber(report.samples.ours)} of ours for them\n`,
          );
          output.out(
            formatTable(
              ["task", "reference", "ours", "byte-exact", "share", "labels", "label share"],
              report.tasks.map((t) => ({
                task: t.task,
                reference: formatNumber(t.reference),
                ours: formatNumber(t.ours),
                "byte-exact": formatNumber(t.exact),
                share: percent(t.share),
                labels: formatNumber(t.labels),
                "label share": percent(t.labelShare),
              })),
            ),
          );
          output.out(
            `all tasks: ${percent(report.samples.share)} of inputs byte-exact, ${percent(report.samples.labelShare)} of labels\n`,
          );
          if (report.absentInReference.length)
            output.out(
              `the reference has no samples of ${report.absentInReference.join(", ")}: if its run lacked what they need (the CCS mappings for the *_ccs tasks), build the store without it too, or the other tasks' texts differ as well\n`,
            );
          if (report.untimed !== "reference")
            output.out(
              "the store's timelines place rows without a time once each, in their place (the documented fix); the reference duplicates them: rebuild with `ehr-r1 timeline build --untimed reference` to compare with its exact sample set\n",
            );
          if (report.mismatches.length) output.out("first differing line, by kind (reference | ours):\n");
          for (const m of report.mismatches)
            output.out(
              `  ${formatNumber(m.count)} × ${m.section || "(top)"}: ${JSON.stringify(m.example.reference)} | ${JSON.stringify(m.example.ours)} (subject ${m.example.subject_id}, ${m.example.task}, line ${m.example.line})\n`,
            );
        }
        if (failing.length)
          throw new EhrR1Error(
            `fidelity below ${percent(flags.threshold)} byte-exact, or labels differing, in ${failing.length} of ${judged.length} tasks with >= ${flags.minSamples} samples: ${failing.map((t) => t.task).join(", ")}`,
          );
      },
    );
}
