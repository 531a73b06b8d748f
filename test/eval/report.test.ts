import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { htmlReport, loadRun, markdownReport } from "../../src/eval/report.js";
import { tempDir } from "../helpers/data.js";

const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (!chromium)
  console.warn("\n*** chromium not installed: the report rendering check is SKIPPED (apt-get install chromium) ***\n");

describe("reports", () => {
  const dir = tempDir();

  function fakeRun(name: string, mortality: number, labs: number): string {
    const run = join(dir, name);
    mkdirSync(run, { recursive: true });
    const data = join(dir, `${name}.jsonl`);
    const records = [
      ["yes", 0.9],
      ["no", 0.2],
      ["yes", 0.4],
      ["no", 0.6],
    ] as const;
    writeFileSync(
      data,
      records
        .map(([label], i) =>
          JSON.stringify({
            idx: i,
            instruction: "x",
            input: "y",
            output: label,
            candidates: ["yes", "no"],
            task_info: { task: "Inpatient_Mortality", task_type: "risk_prediction", label },
          }),
        )
        .join("\n") + "\n",
    );
    writeFileSync(
      join(run, "results.jsonl"),
      records
        .map(([, p], i) => JSON.stringify({ id: String(i), idx: i, task: "Inpatient_Mortality", p_yes: p }))
        .join("\n") + "\n",
    );
    writeFileSync(
      join(run, "summary.json"),
      JSON.stringify({
        tasks: {
          Inpatient_Mortality: { n: 4, metric: "aucroc", value: mortality, ci_low: 0.5, ci_high: 1, failures: 0 },
          labevents: { n: 10, metric: "f1", value: labs, ci_low: labs - 0.1, ci_high: labs + 0.1, failures: 2 },
        },
        groups: { decision: labs, risk: mortality, overall: (labs + mortality) / 2 },
        run: { data, providers: [`openai-compatible:${name}@http://127.0.0.1:8000/v1`] },
      }),
    );
    return run;
  }

  it("compares runs side by side in markdown and HTML, with ROC curves from p(yes)", async () => {
    const runs = await Promise.all([loadRun(fakeRun("a", 0.75, 0.5)), loadRun(fakeRun("b", 0.5, 0.25))]);
    // ROC of p = [0.9, 0.2, 0.4, 0.6] for labels [yes, no, yes, no], worked out by hand.
    expect(runs[0]!.roc.Inpatient_Mortality).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    const md = markdownReport(runs);
    expect(md).toContain("| task | metric | a (openai-compatible:a) | b (openai-compatible:b) |");
    expect(md).toContain("| Inpatient_Mortality | aucroc | 0.750 (0.500–1.000) | 0.500 (0.500–1.000) |");
    expect(md).toContain("| labevents | f1 | 0.500 (0.400–0.600) ⚠2 | 0.250 (0.150–0.350) ⚠2 |");
    expect(md).toContain("| **overall** (macro) | | **0.625** | **0.375** |");
    const html = htmlReport(runs);
    writeFileSync(join(dir, "report.html"), html);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    // Self-contained: no scripts, no links or sources outside the page.
    expect(html).not.toMatch(/<script|\b(src|href)=/);
    expect(html.match(/<polyline/g)).toHaveLength(2);
  });

  it.skipIf(!chromium)(
    `renders in headless Chromium${chromium ? "" : " [SKIPPED: no chromium in /usr/bin (apt-get install chromium)]"}`,
    () => {
      const dom = execFileSync(
        chromium!,
        ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", `file://${join(dir, "report.html")}`],
        { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] },
      );
      expect(dom).toContain('<table id="results">');
      expect(dom).toContain("Inpatient_Mortality");
      expect(dom.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    },
  );
});
