import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { EhrR1Error } from "../errors.js";
import { task as taskDefinition } from "../tasks/registry.js";
import { goldOf } from "../tasks/target.js";
import { benchmarkRecords } from "./dataset.js";
import { readLines } from "../dataset/read.js";
import { rocCurve } from "./metrics/auroc.js";
import type { ResultLine } from "./runner.js";
import type { RunSummary } from "./score.js";

/** One finished run, as a report reads it. */
export interface ReportRun {
  name: string;
  summary: RunSummary;
  /** Risk tasks: ROC points from p(yes) against the gold labels. */
  roc: Record<string, { fpr: number; tpr: number }[]>;
}

export async function loadRun(dir: string): Promise<ReportRun> {
  const folder = resolve(dir);
  const summaryPath = join(folder, "summary.json");
  if (!existsSync(summaryPath))
    throw new EhrR1Error(`${folder} has no summary.json: is it a finished \`ehr-r1 bench run\` folder?`);
  const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as RunSummary & {
    run?: { data?: string; profile?: { name?: string }; providers?: string[] };
  };
  // JSON has no NaN: a metric that could not be computed (one class only) was written as null.
  const num = (v: unknown) => (typeof v === "number" ? v : Number.NaN);
  for (const t of Object.values(summary.tasks))
    Object.assign(t, { value: num(t.value), ci_low: num(t.ci_low), ci_high: num(t.ci_high) });
  for (const g of ["decision", "risk", "overall"] as const) summary.groups[g] = num(summary.groups[g]);
  const roc: ReportRun["roc"] = {};
  const data = summary.run?.data;
  if (data && existsSync(data) && existsSync(join(folder, "results.jsonl"))) {
    // Both files are read a line at a time and only risk answers are kept: a run of any size fits.
    const gold = new Map<string, boolean>();
    for await (const r of benchmarkRecords(data))
      if (r.task_info.task_type === "risk_prediction") gold.set(String(r.idx), goldOf(r) === "yes");
    const byTask = new Map<string, { p: number; id: string }[]>();
    for await (const { text } of readLines(join(folder, "results.jsonl"))) {
      const l = JSON.parse(text) as ResultLine;
      if (taskDefinition(l.task).type === "risk_prediction")
        (byTask.get(l.task) ?? byTask.set(l.task, []).get(l.task)!).push({ p: l.p_yes ?? 0.5, id: l.id });
    }
    for (const [task, list] of byTask)
      roc[task] = rocCurve(
        list.map((l) => l.p),
        list.map((l) => gold.get(l.id) === true),
      );
  }
  const provider = summary.run?.providers?.[0]?.split("@")[0] ?? "";
  return { name: `${basename(folder)}${provider ? ` (${provider})` : ""}`, summary, roc };
}

const fmt = (v: number) => (Number.isNaN(v) ? "n/a" : v.toFixed(3));

/** The report's tables as markdown: one comparison table (task × run) and each run's details. */
export function markdownReport(runs: readonly ReportRun[]): string {
  const tasks = [...new Set(runs.flatMap((r) => Object.keys(r.summary.tasks)))].sort();
  const lines = [
    "# EHR-Bench results",
    "",
    `| task | metric | ${runs.map((r) => r.name).join(" | ")} |`,
    `| --- | --- | ${runs.map(() => "---").join(" | ")} |`,
  ];
  for (const t of tasks) {
    const metric = runs.map((r) => r.summary.tasks[t]?.metric).find(Boolean) ?? "";
    lines.push(
      `| ${t} | ${metric} | ${runs
        .map((r) => {
          const s = r.summary.tasks[t];
          return s ? `${fmt(s.value)} (${fmt(s.ci_low)}–${fmt(s.ci_high)})${s.failures ? ` ⚠${s.failures}` : ""}` : "";
        })
        .join(" | ")} |`,
    );
  }
  for (const g of ["decision", "risk", "overall"] as const)
    lines.push(`| **${g}** (macro) | | ${runs.map((r) => `**${fmt(r.summary.groups[g])}**`).join(" | ")} |`);
  lines.push(
    "",
    "Values: per-task metric (F1 for exact-match tasks, recall, accuracy, ROUGE-1, AUROC) with bootstrap 95% intervals; ⚠n: samples whose request failed or whose answer could not be read (scored as wrong).",
    "",
  );
  return lines.join("\n");
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];

/** A self-contained HTML page: the comparison table, per-task bars with intervals, ROC curves. No scripts, no outside files. */
export function htmlReport(runs: readonly ReportRun[]): string {
  const tasks = [...new Set(runs.flatMap((r) => Object.keys(r.summary.tasks)))].sort();
  const rowHeight = 14 * runs.length + 8;
  const width = 720;
  const left = 190;
  const scale = (v: number) => left + Math.max(0, Math.min(1, Number.isNaN(v) ? 0 : v)) * (width - left - 20);
  const bars = tasks
    .map(
      (t, i) =>
        runs
          .map((r, k) => {
            const s = r.summary.tasks[t];
            if (!s) return "";
            const y = 20 + i * rowHeight + k * 14;
            return (
              `<rect x="${left}" y="${y}" width="${scale(s.value) - left}" height="10" fill="${COLORS[k % COLORS.length]}"><title>${escape(`${r.name} ${t}: ${fmt(s.value)} (${fmt(s.ci_low)}–${fmt(s.ci_high)})`)}</title></rect>` +
              (Number.isNaN(s.ci_low)
                ? ""
                : `<line x1="${scale(s.ci_low)}" x2="${scale(s.ci_high)}" y1="${y + 5}" y2="${y + 5}" stroke="#000" stroke-width="1.5"/>`)
            );
          })
          .join("") +
        `<text x="${left - 6}" y="${20 + i * rowHeight + 10}" text-anchor="end" font-size="11">${escape(t)}</text>`,
    )
    .join("");
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<line x1="${scale(v)}" x2="${scale(v)}" y1="12" y2="${20 + tasks.length * rowHeight}" stroke="#ddd"/><text x="${scale(v)}" y="10" font-size="10" text-anchor="middle">${v}</text>`,
    )
    .join("");
  const barChart = `<svg role="img" aria-label="per-task scores" width="${width}" height="${30 + tasks.length * rowHeight}" xmlns="http://www.w3.org/2000/svg">${axis}${bars}</svg>`;
  const riskTasks = tasks.filter((t) => runs.some((r) => r.roc[t]));
  const rocs = riskTasks
    .map((t) => {
      const size = 180;
      const curves = runs
        .map((r, k) => {
          const pts = r.roc[t];
          if (!pts) return "";
          return `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5" points="${pts.map((p) => `${(p.fpr * size).toFixed(1)},${(size - p.tpr * size).toFixed(1)}`).join(" ")}"/>`;
        })
        .join("");
      return `<figure class="roc"><svg role="img" aria-label="ROC ${escape(t)}" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" xmlns="http://www.w3.org/2000/svg"><rect width="${size}" height="${size}" fill="#fafafa" stroke="#999"/><line x1="0" y1="${size}" x2="${size}" y2="0" stroke="#ccc" stroke-dasharray="4"/>${curves}</svg><figcaption>${escape(t)}</figcaption></figure>`;
    })
    .join("");
  const header = runs.map((r, k) => `<th style="color:${COLORS[k % COLORS.length]}">${escape(r.name)}</th>`).join("");
  const rows = tasks
    .map(
      (t) =>
        `<tr><td>${escape(t)}</td><td>${escape(runs.map((r) => r.summary.tasks[t]?.metric).find(Boolean) ?? "")}</td>${runs
          .map((r) => {
            const s = r.summary.tasks[t];
            return `<td>${s ? `${fmt(s.value)} <small>(${fmt(s.ci_low)}–${fmt(s.ci_high)}, n=${s.n}${s.failures ? `, ${s.failures} failed` : ""})</small>` : ""}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("");
  const groups = (["decision", "risk", "overall"] as const)
    .map(
      (g) =>
        `<tr class="group"><td>${g} (macro)</td><td></td>${runs.map((r) => `<td>${fmt(r.summary.groups[g])}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>EHR-Bench report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}tr.group td{font-weight:bold;background:#f4f4f4}small{color:#666}figure.roc{display:inline-block;margin:8px}figcaption{font-size:12px;text-align:center}</style>
</head><body>
<h1>EHR-Bench report</h1>
<p>${runs.length} run(s). Values are per-task metrics with bootstrap 95% intervals; groups are macro averages.</p>
<table id="results"><thead><tr><th>task</th><th>metric</th>${header}</tr></thead><tbody>${rows}${groups}</tbody></table>
<h2>Per task</h2>
${barChart}
<h2>ROC curves (risk tasks)</h2>
${rocs || "<p>No risk tasks with p(yes).</p>"}
</body></html>
`;
}
