import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkFidelity, judge, type FidelityReport } from "../src/fidelity/check.js";
import { Store } from "../src/store/database.js";
import { buildDataset } from "../src/tasks/build-dataset.js";
import { buildTaskIndex } from "../src/tasks/index-build.js";
import { TASKS } from "../src/tasks/registry.js";
import { buildTimeline } from "../src/timeline/build.js";
import { DATA_DIR, DEMO_STORE_FILES, describeNeeding, tempDir } from "./helpers/data.js";
import { copyStore, DEMO_DB } from "./helpers/fixtures.js";

const REFERENCE = join(DATA_DIR, "reference-demo");
const HASHES = join(REFERENCE, "render_hashes_even.jsonl.gz");
const TEXTS = join(REFERENCE, "risk_samples_even.jsonl.gz");
const gz = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const byTask = (report: FidelityReport) => new Map(report.tasks.map((t) => [t.task, t]));

describeNeeding([...DEMO_STORE_FILES, HASHES, TEXTS], "check fidelity against the reference's own output", () => {
  const dir = tempDir();
  let store: Store;
  /** Timelines with `--untimed reference` (rank.py's placement of untimed rows, copies included). */
  let report: FidelityReport;
  /** Timelines with the default `--untimed fixed` (each row once, in its place): the documented fixes. */
  let fixed: FidelityReport;
  let indexed: { task: string; target: string[]; n: bigint }[];
  const readme = () => readFileSync(join(REFERENCE, "README.md"), "utf8");

  beforeAll(async () => {
    // The demo store as the reference run had it: no CCS mappings (it has no samples of the *_ccs
    // tasks and prints `Ccs Type: None`), its tie order (its README states it); timelines and index rebuilt.
    store = await Store.open(copyStore(DEMO_DB, dir, "demo.duckdb"));
    for (const t of await store.rows<{ t: string }>(
      "SELECT table_name AS t FROM duckdb_tables() WHERE schema_name = 'mapping' AND table_name LIKE 'ccs_%'",
    ))
      await store.exec(`DROP TABLE mapping.${t.t}`);
    const order = /order was:\s*\n\s*`([a-z_,]+)`/.exec(readme())![1]!.split(",");
    await buildTimeline(store, { tableOrder: order, untimed: "reference" });
    await buildTaskIndex(store);
    indexed = await store.rows("SELECT task, target, count(*) AS n FROM tasks.task_index GROUP BY ALL");
    report = await checkFidelity(store, { reference: REFERENCE, tempDirectory: dir, classes: 1_000 });
    await buildTimeline(store, { tableOrder: order });
    await buildTaskIndex(store);
    fixed = await checkFidelity(store, { reference: REFERENCE, tempDirectory: dir, classes: 1_000 });
  }, 600_000);
  afterAll(() => store?.close());

  it("counts the reference's samples, patients and labels as its files hold them", () => {
    const lines = gz(HASHES);
    expect(report.samples.reference).toBe(lines.length);
    expect(report.samples.reference).toBe(18_294); // the README's count
    expect(report.subjects).toEqual({ reference: 39, inStore: 39 });
    const perTask = new Map<string, number>();
    for (const l of lines) perTask.set(l.task!, (perTask.get(l.task!) ?? 0) + 1);
    const tasks = byTask(report);
    for (const [task, n] of perTask) expect(tasks.get(task)?.reference, task).toBe(n);
    // Every sample of ours is of one of the reference's patients; none is counted twice.
    for (const t of report.tasks) {
      expect(t.exact).toBeLessThanOrEqual(Math.min(t.reference, t.ours));
      expect(t.labels).toBeLessThanOrEqual(Math.min(t.reference, t.ours));
    }
    // Modules always come in hosp < note < ed < icu order; within them, the run's listing order.
    const listed = report.tableOrder.reference!;
    expect(report.tableOrder.store.filter((t) => listed.includes(t))).toEqual(listed);
    expect(report.untimed).toBe("reference");
    expect(fixed.untimed).toBe("fixed");
  });

  it("is at least 99 % byte-exact for every task with 10 or more samples, with every label equal", () => {
    const { judged, failing } = judge(report, 0.99, 10);
    expect(judged.length).toBe(26);
    expect(failing).toEqual([]);
    for (const t of report.tasks) expect(t.labels, t.task).toBe(t.reference);
    expect(report.samples.ours).toBe(report.samples.reference);
    // 18,283 of 18,294 when this rule set landed.
    expect(report.samples.exact).toBeGreaterThanOrEqual(18_283);
  });

  it("emits the reference's sample set on all 100 patients: its index size and length-of-stay counts", () => {
    const text = readme().replace(/,(\d{3})/g, "$1");
    const count = (task: string, target: string) =>
      Number(indexed.find((r) => r.task === task && r.target.length === 1 && r.target[0] === target)?.n ?? 0);
    expect(indexed.reduce((a, r) => a + Number(r.n), 0)).toBe(Number(/index has (\d+) rows/.exec(text)![1]));
    for (const m of text.matchAll(/(LengthOfStay_\dday|Inpatient_Mortality) yes (\d+) \/ no (\d+)/g)) {
      expect(count(m[1]!, "yes"), `${m[1]} yes`).toBe(Number(m[2]));
      expect(count(m[1]!, "no"), `${m[1]} no`).toBe(Number(m[3]));
    }
    expect([...text.matchAll(/yes \d+ \/ no \d+/g)].length).toBe(3);
  });

  it("names each kind of difference the documented fixes make by a line the reference printed and one it did not", () => {
    const texts = gz(TEXTS);
    expect(fixed.mismatches.length).toBeGreaterThan(0);
    for (const m of fixed.mismatches) {
      const theirs = texts.filter((t) => Number(t.subject_id) === m.example.subject_id && t.task === m.example.task);
      expect(
        theirs.some((t) => t.input!.split("\n")[m.example.line - 1] === m.example.reference),
        m.section,
      ).toBe(true);
      expect(m.example.ours).not.toBe(m.example.reference);
      expect(m.section).toMatch(/^## /);
    }
    // The README's examples are reproduced in both modes, so no mismatch starts with them:
    // integer-valued floats printed as pandas' int64 (`- Value: 175`), `nan` for text cells pandas
    // read as missing, pandas' float parser's digits, and the same-time order of ICU tables.
    for (const all of [fixed.mismatches, report.mismatches]) {
      expect(all.filter((m) => /^- Value: \d+$/.test(m.example.reference) && m.example.ours.endsWith(".0"))).toEqual(
        [],
      );
      expect(all.filter((m) => m.example.reference.includes("nan") && m.example.ours.includes("None"))).toEqual([]);
      expect(all.filter((m) => m.reference === m.ours)).toEqual([]);
      expect(all.filter((m) => /^## (Datetime|Procedure|Output) Events/.test(m.example.reference))).toEqual([]);
    }
    expect(report.absentInReference).toEqual([]);
  });

  it("with the documented fixes (the default) stays above its measured floor, below the reference placement", () => {
    // 17,727 of 18,294 when the fixes were measured (docs/compatibility.md lists the difference).
    const tasks = byTask(fixed);
    expect(fixed.samples.exact).toBeGreaterThanOrEqual(17_727);
    expect(fixed.samples.exact).toBeLessThan(report.samples.exact);
    for (const [task, floor] of [
      ["inputevents", 1_158],
      ["ingredientevents", 942],
      ["outputevents", 935],
      ["procedureevents", 219],
      ["labevents", 540],
    ] as const)
      expect(tasks.get(task)!.exact, task).toBeGreaterThanOrEqual(floor);
  });
});

describeNeeding(DEMO_STORE_FILES, "check fidelity: the comparison itself, on a reference made here", () => {
  const dir = tempDir();
  let store: Store;
  /** Our own samples of three demo patients, as the reference's layout would hold them. */
  let lines: Record<string, unknown>[];
  const SUBJECTS = [10000032, 10002428, 10019003];

  beforeAll(async () => {
    store = await Store.open(DEMO_DB, { readOnly: true, create: false });
    const split = join(dir, "subjects.csv");
    writeFileSync(split, `subject_id\n${SUBJECTS.join("\n")}\n`);
    const out = join(dir, "ours");
    await buildDataset(store, {
      name: "mine",
      config: Object.fromEntries(TASKS.map((t) => [t.name, 0])),
      split: { kind: "file", path: split },
      seed: 1,
      out,
    });
    lines = readdirSync(join(out, "data"))
      .filter((f) => f.endsWith(".jsonl"))
      .flatMap((f) =>
        readFileSync(join(out, "data", f), "utf8")
          .split("\n")
          .filter(Boolean),
      )
      .map((l) => {
        const r = JSON.parse(l) as { input: string; output: string; task_info: Record<string, unknown> };
        // Item lists in another order (the reference's comes from a Python set): still the same label.
        const output =
          r.task_info.task_type === "decision_making" ? r.output.split("\n").reverse().join("\n") : r.output;
        return {
          subject_id: String(r.task_info.subject_id),
          task: r.task_info.task,
          period_begin: r.task_info.period_begin,
          period_end: r.task_info.period_end,
          input_sha256: sha(r.input),
          input_chars: r.input.length,
          output,
          input: r.input,
        };
      });
  });
  afterAll(() => store?.close());

  const write = (name: string, rows: readonly Record<string, unknown>[]) => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, "render_hashes_mine.jsonl"),
      rows.map(({ input: _i, ...r }) => JSON.stringify(r)).join("\n"),
    );
    return folder;
  };

  it("finds our own samples 100 % byte-exact, and counts one changed hash, label or sample once", async () => {
    const tasks = new Set(lines.map((l) => l.task as string));
    expect(tasks.size).toBeGreaterThan(15);
    const same = await checkFidelity(store, { reference: write("same", lines), tempDirectory: dir });
    expect(same.samples).toMatchObject({
      reference: lines.length,
      ours: lines.length,
      exact: lines.length,
      labels: lines.length,
    });
    expect(same.mismatches).toEqual([]);
    expect(judge(same, 0.99, 10).failing).toEqual([]);

    // Change one labevents hash, one poe label, and leave out one next_event sample.
    const changed = lines.map((l) => ({ ...l }));
    const lab = changed.find((l) => l.task === "labevents")!;
    lab.input_sha256 = sha("something else");
    const poe = changed.find((l) => l.task === "poe")!;
    poe.output = "Not An Order Type";
    const dropped = changed.findIndex((l) => l.task === "next_event");
    changed.splice(dropped, 1);
    const count = (task: string) => lines.filter((l) => l.task === task).length;
    const report = await checkFidelity(store, { reference: write("changed", changed), tempDirectory: dir });
    const t = byTask(report);
    expect(t.get("labevents")).toMatchObject({
      reference: count("labevents"),
      exact: count("labevents") - 1,
      labels: count("labevents"),
    });
    expect(t.get("poe")).toMatchObject({ reference: count("poe"), exact: count("poe"), labels: count("poe") - 1 });
    expect(t.get("next_event")).toMatchObject({
      reference: count("next_event") - 1,
      ours: count("next_event"),
      exact: count("next_event") - 1,
    });
    expect(report.samples.exact).toBe(lines.length - 2);
    const verdict = judge(report, 1, 10);
    expect(verdict.failing.map((x) => x.task).sort()).toEqual(["labevents", "poe"]);
    expect(judge(report, 0.5, 10).failing.map((x) => x.task)).toEqual(["poe"]);
    // Tasks under the sample minimum are reported, not judged.
    expect(judge(report, 1, 1_000_000).judged).toEqual([]);
  });

  it("classifies a planted difference by its first differing line and section", async () => {
    const risk = lines.filter((l) => l.task === "Inpatient_Mortality");
    expect(risk.length).toBeGreaterThan(0);
    const victim = risk[0]!;
    const text = (victim.input as string).split("\n");
    const at = text.findIndex((l, i) => i > 3 && l.startsWith("- "));
    const heading = text
      .slice(0, at)
      .reverse()
      .find((l) => l.startsWith("## "))!;
    text[at] = `${text[at]!} (planted 12)`;
    const folder = write("texts", lines);
    const planted = { ...victim, input: text.join("\n") };
    writeFileSync(
      join(folder, "risk_samples_mine.jsonl"),
      [planted, ...risk.slice(1)].map((r) => JSON.stringify(r)).join("\n"),
    );
    // The hash file still says our sample: the planted text is the reference's, unmatched.
    const report = await checkFidelity(store, { reference: folder, tempDirectory: dir });
    expect(report.mismatches).toHaveLength(1);
    expect(report.mismatches[0]).toMatchObject({
      section: heading.replace(/ \[.*\]$/, ""),
      count: 1,
      example: {
        subject_id: Number(victim.subject_id),
        task: "Inpatient_Mortality",
        line: at + 1,
        reference: text[at],
        ours: (victim.input as string).split("\n")[at],
      },
    });
    expect(report.mismatches[0]!.reference).toBe(text[at]!.replace(/\d+(\.\d+)?/g, "9"));
  });

  it("refuses a wrong layout, another dataset, bad lines and another tie order, naming which", async () => {
    const bad = join(dir, "bad");
    mkdirSync(bad);
    await expect(checkFidelity(store, { reference: bad })).rejects.toThrow(/holds no render_hashes\*\.jsonl/);
    await expect(checkFidelity(store, { reference: join(dir, "absent") })).rejects.toThrow(/not found/);
    const file = (name: string, rows: readonly object[]) => {
      const path = join(bad, name);
      writeFileSync(path, rows.map((r) => JSON.stringify(r)).join("\n"));
      return path;
    };
    const good = {
      subject_id: String(SUBJECTS[0]),
      task: "labevents",
      period_begin: 1,
      period_end: 20,
      input_sha256: sha("x"),
      output: "a",
    };
    const { input_sha256: _h, ...noHash } = good;
    await expect(checkFidelity(store, { reference: file("layout.jsonl", [noHash]) })).rejects.toThrow(
      /layout\.jsonl:1: not in the reference-demo layout: no input_sha256/,
    );
    await expect(
      checkFidelity(store, { reference: file("short.jsonl", [{ ...good, input_sha256: "abc" }]) }),
    ).rejects.toThrow(/1 lines lack a whole-number subject_id, a task or a 64-digit SHA-256/);
    await expect(
      checkFidelity(store, { reference: file("other.jsonl", [{ ...good, subject_id: "1" }]) }),
    ).rejects.toThrow(/none of the reference's 1 patients is in the store/);
    await expect(
      checkFidelity(store, { reference: file("order.jsonl", [good]), tableOrder: ["ingredientevents", "transfers"] }),
    ).rejects.toThrow(
      /another table order than the reference run: rebuild them with `ehr-r1 timeline build --table-order ingredientevents,transfers`/,
    );
    writeFileSync(join(bad, "junk.jsonl"), "not json\n");
    await expect(checkFidelity(store, { reference: join(bad, "junk.jsonl") })).rejects.toThrow(
      /junk\.jsonl: not JSON lines/,
    );
  });
});
