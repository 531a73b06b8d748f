#!/usr/bin/env node
// Mutation score per folder from Stryker's JSON report (mutation-testing-report-schema): killed and
// timed-out mutants over all valid ones (killed, timed out, survived, no coverage), as Stryker
// computes its own total. Prints JSON; `--markdown` prints the table docs/benchmarks.md holds.
import { readFileSync } from "node:fs";
import { dirname, relative } from "node:path";

const report = JSON.parse(
  readFileSync(process.argv.find((a) => a.endsWith(".json")) ?? "reports/mutation/mutation.json", "utf8"),
);
const folders = new Map();
for (const [file, result] of Object.entries(report.files)) {
  const folder = dirname(relative(process.cwd(), file));
  const counts = folders.get(folder) ?? {
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
    ignored: 0,
    errors: 0,
    survivors: [],
  };
  for (const m of result.mutants) {
    if (m.status === "Killed") counts.killed++;
    else if (m.status === "Timeout") counts.timeout++;
    else if (m.status === "Survived") counts.survived++;
    else if (m.status === "NoCoverage") counts.noCoverage++;
    else if (m.status === "Ignored") counts.ignored++;
    else counts.errors++;
    if (m.status === "Survived" || m.status === "NoCoverage")
      counts.survivors.push(
        `${relative(process.cwd(), file)}:${m.location.start.line} ${m.mutatorName}${m.replacement ? ` → ${m.replacement.slice(0, 60)}` : ""}`,
      );
  }
  folders.set(folder, counts);
}
const rows = [...folders]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([folder, c]) => {
    const detected = c.killed + c.timeout;
    const valid = detected + c.survived + c.noCoverage;
    return { folder, score: valid ? +((100 * detected) / valid).toFixed(1) : null, ...c };
  });
if (process.argv.includes("--markdown")) {
  console.log(
    "| folder | score | killed | timed out | survived | no coverage | ignored (static) |\n|---|---|---|---|---|---|---|",
  );
  for (const r of rows)
    console.log(
      `| \`${r.folder}\` | ${r.score ?? "–"} % | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.ignored} |`,
    );
} else {
  console.log(
    JSON.stringify(
      rows.map(({ survivors, ...r }) => ({ ...r, survivors: survivors.slice(0, 50) })),
      null,
      2,
    ),
  );
}
