import { UsageError } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import { labelValuesSql } from "../tasks/label-values.js";
import { TASKS } from "../tasks/registry.js";
import { itemContext, itemValuesSql, type ItemContext } from "../timeline/items.js";
import { ConceptMatcher, type MatcherOptions } from "./matcher.js";

/** Tasks whose labels are item lists: their label strings are the concepts of their events. */
export const CONCEPT_TASKS = TASKS.filter((t) => t.label.kind === "items");

/**
 * `graph.event_concepts(subject_id, seq, task, concept)`: for every event, the target-item strings of
 * every decision task defined on its type (lab names, drugs, ICD/CCS/ATC titles, …), as the
 * reference's step A collects them (docs/reference.md#concepts).
 */
export interface ConceptOptions {
  /** Also match free text (radiology and discharge notes) against a dictionary (`task` = 'text'). */
  text?: boolean;
  /** The matcher's dictionary: the label concepts in use (default), or UMLS strings (`umls.concepts`, after `graph umls-import`). */
  dictionary?: "labels" | "umls";
  matcher?: MatcherOptions;
}

export async function buildEventConcepts(
  store: Store,
  options: ConceptOptions = {},
): Promise<{ concepts: number; events: number; textConcepts: number }> {
  const context = await itemContext(store);
  const present = new Set(
    (await store.rows<{ f: string }>("SELECT DISTINCT file_name AS f FROM timeline.events")).map((r) => r.f),
  );
  const selects = CONCEPT_TASKS.filter((t) => present.has(t.event)).map(
    (t) =>
      `SELECT DISTINCT subject_id, seq, ${literal(t.name)} AS task, v AS concept FROM (${labelValuesSql(context, t, "true")})`,
  );
  await store.exec("CREATE SCHEMA IF NOT EXISTS graph");
  await store.exec(
    `CREATE OR REPLACE TABLE graph.event_concepts AS ${selects.length ? selects.join(" UNION ALL ") : "SELECT NULL::INTEGER AS subject_id, NULL::INTEGER AS seq, NULL::VARCHAR AS task, NULL::VARCHAR AS concept WHERE false"} ORDER BY subject_id, seq`,
  );
  let textConcepts = 0;
  if (options.text)
    textConcepts = await addTextConcepts(store, context, present, options.matcher, options.dictionary ?? "labels");
  const [counts] = await store.rows<{ c: bigint; e: bigint }>(
    "SELECT count(DISTINCT concept) AS c, count(DISTINCT (subject_id, seq)) AS e FROM graph.event_concepts",
  );
  return { concepts: Number(counts!.c), events: Number(counts!.e), textConcepts };
}

/**
 * Concepts found in notes by the approximate matcher, against the vocabulary of the label concepts
 * (so free text links into the same graph). Notes are read in batches; matches are de-duplicated per event.
 */
async function addTextConcepts(
  store: Store,
  context: ItemContext,
  present: Set<string>,
  matcherOptions: MatcherOptions | undefined,
  dictionary: "labels" | "umls",
): Promise<number> {
  if (dictionary === "umls" && !(await store.tableExists("umls.concepts")))
    throw new UsageError(`${store.path} has no UMLS tables: run \`ehr-r1 graph umls-import\` first`);
  const vocabulary = (
    await store.rows<{ c: string }>(
      dictionary === "umls"
        ? "SELECT DISTINCT str AS c FROM umls.concepts"
        : "SELECT DISTINCT concept AS c FROM graph.event_concepts",
    )
  ).map((r) => r.c);
  const matcher = new ConceptMatcher(vocabulary, matcherOptions);
  let added = 0;
  for (const table of ["radiology", "discharge"].filter((t) => present.has(t))) {
    const texts = await store.rows<{ s: number; seq: number; v: string }>(
      `SELECT subject_id AS s, seq, string_agg(v, '\n\n' ORDER BY pos) AS v FROM (${itemValuesSql(context, table, "true", (k) => k("text"))}) WHERE v <> 'nan' GROUP BY ALL`,
    );
    const rows: string[] = [];
    for (const t of texts) {
      for (const term of new Set(matcher.match(t.v).map((m) => m.term)))
        rows.push(`(${t.s}, ${t.seq}, 'text', ${literal(term)})`);
    }
    for (let i = 0; i < rows.length; i += 5000)
      await store.exec(`INSERT INTO graph.event_concepts VALUES ${rows.slice(i, i + 5000).join(", ")}`);
    added += rows.length;
  }
  return added;
}

/**
 * The history of a sample (docs/reference.md#cooccurrence): the concepts of its context events, of the admission record and of
 * the previous discharge note. A join condition between a sample alias (with `b`, `e`,
 * `admissions_id`, `last_discharge_id`) and a `graph.event_concepts` alias of the same patient.
 */
export function historyOn(sample: string, concept: string, begin = "b", end = "e"): string {
  return `(${concept}.seq >= ${sample}.${begin} AND ${concept}.seq < ${sample}.${end}) OR ${concept}.seq = ${sample}.admissions_id OR ${concept}.seq = ${sample}.last_discharge_id`;
}
