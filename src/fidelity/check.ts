import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { OWNER_FILE } from "../store/owner-only.js";
import { literal, type Store } from "../store/database.js";
import { buildDataset } from "../tasks/build-dataset.js";
import { TASKS } from "../tasks/registry.js";
import { tableOrder } from "../timeline/sources.js";
import { loadReference, referenceFiles } from "./reference.js";

export interface FidelityOptions {
  /** A reference-demo folder or one render-hash file. */
  reference: string;
  /** The reference run's context filter: more than `minEvents` and fewer than `maxEvents` events. */
  minEvents?: number;
  maxEvents?: number;
  /** The reference run's same-time table order; default: the one its README states, if any. */
  tableOrder?: readonly string[];
  /** Where our rendered samples are written while they are compared (owner-only; removed after). */
  tempDirectory?: string;
  /** Mismatch classes to report (by count). */
  classes?: number;
  onProgress?: (message: string) => void;
}

export interface TaskFidelity {
  task: string;
  /** Samples of the reference, of ours for the same patients, and those with a byte-identical input. */
  reference: number;
  ours: number;
  exact: number;
  /** exact / reference. */
  share: number;
  /** Reference samples whose label (a set, for item lists) one of ours of the same patient and task has. */
  labels: number;
  labelShare: number;
}

/** One way in which inputs differ: the first differing line of a mismatched pair, with digits masked. */
export interface MismatchClass {
  section: string;
  reference: string;
  ours: string;
  count: number;
  example: { subject_id: number; task: string; line: number; reference: string; ours: string };
}

export interface FidelityReport {
  reference: string;
  subjects: { reference: number; inStore: number };
  tableOrder: { reference: string[] | null; store: string[] };
  /** How the store's timelines placed rows without a time (`timeline build --untimed`); null: not recorded. */
  untimed: string | null;
  samples: { reference: number; ours: number; exact: number; share: number; labels: number; labelShare: number };
  tasks: TaskFidelity[];
  /** Tasks we have samples of and the reference has none: a sign its run lacked an input (the CCS mappings, say). */
  absentInReference: string[];
  /** From the reference's full texts (when given): unmatched reference samples paired with ours of the same patient and task. */
  mismatches: MismatchClass[];
  seconds: number;
}

/**
 * Compares the samples ehr-r1 makes from a store with a reference run's: for the reference's
 * patients, every sample the reference's filter keeps is rendered (`build` with every task, all
 * samples), and its input's SHA-256 is matched per (patient, task) against the reference's as
 * multisets (the reference's window indices count its own events, which need not be ours).
 * Labels are compared the same way, item lists as sets. With the reference's full texts, each
 * unmatched pair's first differing line is classified.
 */
export async function checkFidelity(store: Store, options: FidelityOptions): Promise<FidelityReport> {
  const started = performance.now();
  const files = referenceFiles(options.reference);
  const progress = options.onProgress ?? (() => {});
  progress(`reading ${files.hashes}`);
  await loadReference(store, files);

  const storeOrder = (await store.tableExists("timeline.build_info"))
    ? ((await store.value<string[]>("SELECT table_order FROM timeline.build_info")) ?? [])
    : [];
  const wantedOrder = options.tableOrder ?? files.tableOrder;
  if (wantedOrder && storeOrder.length) {
    const expected = tableOrder(wantedOrder);
    if (JSON.stringify(expected) !== JSON.stringify([...storeOrder]))
      throw new UsageError(
        `the store's timelines break same-time ties in another table order than the reference run: rebuild them with \`ehr-r1 timeline build --table-order ${wantedOrder.join(",")}\``,
      );
  }

  // Stores built before `--untimed` existed record no rule (their placement is `fixed`).
  const recorded =
    (await store.value<bigint>(
      "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'timeline' AND table_name = 'build_info' AND column_name = 'untimed'",
    )) > 0n;
  const untimed = recorded ? await store.value<string>("SELECT untimed FROM timeline.build_info") : null;
  const [subjects] = await store.rows<{ reference: bigint; in_store: bigint }>(`
    SELECT count(*) AS reference, count(*) FILTER (WHERE subject_id IN (SELECT DISTINCT subject_id FROM timeline.events)) AS in_store
    FROM (SELECT DISTINCT subject_id FROM ref)`);
  if (subjects!.in_store === 0n)
    throw new UsageError(
      `none of the reference's ${subjects!.reference} patients is in the store: the reference is of another dataset, or the store lacks its timelines`,
    );

  const work = mkdtempSync(join(options.tempDirectory ?? tmpdir(), "ehr-r1-fidelity-"));
  try {
    const splitFile = join(work, "subjects.csv");
    const ids = await store.rows<{ s: number }>("SELECT DISTINCT subject_id AS s FROM ref ORDER BY 1");
    writeFileSync(splitFile, `subject_id\n${ids.map((r) => r.s).join("\n")}\n`, { mode: OWNER_FILE });
    progress("rendering our samples of the same patients");
    const out = join(work, "ours");
    await buildDataset(store, {
      name: "fidelity",
      // Every sample of every task (a count of 0 keeps all), filtered as the reference run was.
      config: Object.fromEntries(TASKS.map((t) => [t.name, 0])),
      split: { kind: "file", path: splitFile },
      seed: 0,
      minEvents: options.minEvents ?? 10,
      maxEvents: options.maxEvents ?? 100,
      out,
      jsonl: false,
    });
    await store.exec(`CREATE OR REPLACE TEMP TABLE ours AS
      SELECT CAST(json_extract_string(task_info, '$.subject_id') AS INTEGER) AS subject_id, json_extract_string(task_info, '$.task') AS task,
        CAST(json_extract(task_info, '$.period_begin') AS INTEGER) AS period_begin, sha256(input) AS h, output,
        CASE WHEN json_extract_string(task_info, '$.task') IN (SELECT DISTINCT task FROM ref_text) THEN input END AS input
      FROM read_parquet(${literal(join(out, "data", "*.parquet"))})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  progress("comparing");
  const risk = TASKS.filter((t) => t.type === "risk_prediction").map((t) => literal(t.name));
  // Item lists compare as sets (the reference's order comes from a Python set).
  const label = (column: string) =>
    `CASE WHEN task IN (${risk.join(", ")}) THEN ${column} ELSE array_to_string(list_sort(list_distinct(string_split(${column}, chr(10)))), chr(10)) END`;
  const rows = await store.rows<{ task: string; reference: bigint; ours: bigint; exact: bigint; labels: bigint }>(`
    WITH r AS (SELECT subject_id, task, h, count(*) AS n FROM ref GROUP BY ALL),
    o AS (SELECT subject_id, task, h, count(*) AS n FROM ours WHERE subject_id IN (SELECT subject_id FROM ref) GROUP BY ALL),
    rl AS (SELECT subject_id, task, ${label("output")} AS l, count(*) AS n FROM ref GROUP BY ALL),
    ol AS (SELECT subject_id, task, ${label("output")} AS l, count(*) AS n FROM ours GROUP BY ALL),
    hashes AS (
      SELECT coalesce(r.task, o.task) AS task, coalesce(r.n, 0) AS rn, coalesce(o.n, 0) AS "on", least(coalesce(r.n, 0), coalesce(o.n, 0)) AS x
      FROM r FULL JOIN o USING (subject_id, task, h)),
    labels AS (SELECT task, sum(least(rl.n, ol.n)) AS x FROM rl JOIN ol USING (subject_id, task, l) GROUP BY task)
    SELECT h.task, sum(h.rn) AS reference, sum(h."on") AS ours, sum(h.x) AS exact, coalesce(any_value(labels.x), 0) AS labels
    FROM hashes h LEFT JOIN labels USING (task) GROUP BY h.task`);
  const order = new Map(TASKS.map((t, k) => [t.name, k]));
  const tasks: TaskFidelity[] = rows
    .map((r) => {
      const reference = Number(r.reference);
      return {
        task: r.task,
        reference,
        ours: Number(r.ours),
        exact: Number(r.exact),
        share: reference ? Number(r.exact) / reference : 0,
        labels: Number(r.labels),
        labelShare: reference ? Number(r.labels) / reference : 0,
      };
    })
    .sort((a, b) => (order.get(a.task) ?? 999) - (order.get(b.task) ?? 999) || a.task.localeCompare(b.task));
  const sum = (k: "reference" | "ours" | "exact" | "labels") => tasks.reduce((a, t) => a + t[k], 0);
  const mismatches = await classifyMismatches(store, options.classes ?? 10);
  await store.exec(
    "DROP TABLE IF EXISTS temp.ref; DROP TABLE IF EXISTS temp.ref_text; DROP TABLE IF EXISTS temp.ours;",
  );
  return {
    reference: files.hashes,
    subjects: { reference: Number(subjects!.reference), inStore: Number(subjects!.in_store) },
    tableOrder: { reference: wantedOrder ? [...wantedOrder] : null, store: [...storeOrder] },
    untimed,
    samples: {
      reference: sum("reference"),
      ours: sum("ours"),
      exact: sum("exact"),
      share: sum("reference") ? sum("exact") / sum("reference") : 0,
      labels: sum("labels"),
      labelShare: sum("reference") ? sum("labels") / sum("reference") : 0,
    },
    tasks,
    absentInReference: tasks.filter((t) => t.reference === 0 && t.ours > 0).map((t) => t.task),
    mismatches,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The tasks with at least `minSamples` reference samples, and those of them below `threshold` byte-exact or with any label differing. */
export function judge(
  report: FidelityReport,
  threshold: number,
  minSamples: number,
): { judged: TaskFidelity[]; failing: TaskFidelity[] } {
  const judged = report.tasks.filter((t) => t.reference >= minSamples);
  return { judged, failing: judged.filter((t) => t.share < threshold || t.labels < t.reference) };
}

const shape = (line: string) => line.replace(/\d+(\.\d+)?/g, "9");

/**
 * Unmatched reference texts paired, per (patient, task) and in window order, with our unmatched
 * samples; each pair's first differing line, its section (the `## ` heading above it) and the
 * lines with digits masked make its class.
 */
async function classifyMismatches(store: Store, limit: number): Promise<MismatchClass[]> {
  const pairs = await store.rows<{ subject_id: number; task: string; a: string; b: string }>(`
    WITH rt AS (SELECT *, sha256(input) AS h FROM ref_text),
    ru AS (SELECT subject_id, task, period_begin, input FROM rt WHERE h NOT IN (SELECT h FROM ours WHERE input IS NOT NULL)),
    ou AS (SELECT subject_id, task, period_begin, input FROM ours WHERE input IS NOT NULL AND h NOT IN (SELECT h FROM rt)),
    rn AS (SELECT *, row_number() OVER (PARTITION BY subject_id, task ORDER BY period_begin) AS k FROM ru),
    onn AS (SELECT *, row_number() OVER (PARTITION BY subject_id, task ORDER BY period_begin) AS k FROM ou)
    SELECT rn.subject_id, rn.task, rn.input AS a, onn.input AS b FROM rn JOIN onn USING (subject_id, task, k)
    ORDER BY rn.subject_id, rn.task, rn.k`);
  const classes = new Map<string, MismatchClass>();
  for (const p of pairs) {
    const a = p.a.split("\n");
    const b = p.b.split("\n");
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    let section = "";
    for (let j = i; j >= 0; j--)
      if (a[j]?.startsWith("## ")) {
        section = a[j]!.replace(/ \[.*\]$/, "");
        break;
      }
    const ref = a[i] ?? "(end of text)";
    const ours = b[i] ?? "(end of text)";
    const key = `${section}\u0000${shape(ref)}\u0000${shape(ours)}`;
    const known = classes.get(key);
    if (known) known.count++;
    else
      classes.set(key, {
        section,
        reference: shape(ref),
        ours: shape(ours),
        count: 1,
        example: { subject_id: p.subject_id, task: p.task, line: i + 1, reference: ref, ours },
      });
  }
  return [...classes.values()].sort((x, y) => y.count - x.count).slice(0, limit);
}
