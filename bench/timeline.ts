import { Store } from "../src/store/database.js";
import { buildTimeline } from "../src/timeline/build.js";
import { TIMELINE_SOURCES } from "../src/timeline/sources.js";

/**
 * Timeline build against its lower bound: DuckDB sorting the same rows (subject, time, row id of
 * every timed table) into a table, with the same threads and memory. The build does that sort plus
 * placement of untimed rows, grouping, and the events table.
 */
export async function timelineBenchmark(db: string, memoryLimit: string): Promise<Record<string, unknown>> {
  const store = await Store.open(db, { memoryLimit });
  try {
    const present: (typeof TIMELINE_SOURCES)[number][] = [];
    for (const s of TIMELINE_SOURCES) if (await store.tableExists(`${s.module}.${s.table}`)) present.push(s);
    const union = present
      .map(
        (s) =>
          `SELECT subject_id, ${s.time.startsWith("s.") || s.time === "NULL" ? "NULL::TIMESTAMP" : `CAST(${s.time} AS TIMESTAMP)`} AS time, rowid AS src_row, '${s.table}' AS file_name FROM ${s.module}.${s.table} t`,
      )
      .join(" UNION ALL ");
    const sortStarted = performance.now();
    await store.exec(
      `CREATE OR REPLACE TEMP TABLE bench_sorted AS SELECT * FROM (${union}) ORDER BY subject_id, time, file_name, src_row`,
    );
    const sortSeconds = (performance.now() - sortStarted) / 1000;
    const sortedRows = Number(await store.value<bigint>("SELECT count(*) FROM bench_sorted"));
    await store.exec("DROP TABLE bench_sorted");
    const summary = await buildTimeline(store);
    return {
      rows: summary.rows,
      events: summary.events,
      patients: summary.patients,
      buildSeconds: +summary.seconds.toFixed(2),
      eventsPerSecond: Math.round(summary.events / summary.seconds),
      rowsPerSecond: Math.round(summary.rows / summary.seconds),
      lowerBoundSortSeconds: +sortSeconds.toFixed(2),
      lowerBoundRows: sortedRows,
      ratioBuildToSort: +(summary.seconds / sortSeconds).toFixed(3),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    store.close();
  }
}
