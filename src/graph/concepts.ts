import { literal, type Store } from "../store/database.js";
import { labelValuesSql } from "../tasks/label-values.js";
import { TASKS } from "../tasks/registry.js";
import { itemContext } from "../timeline/items.js";

/** Decision tasks whose labels are item lists: their label strings are the concepts of their events. */
export const CONCEPT_TASKS = TASKS.filter((t) => t.type === "decision_making" && t.name !== "next_event" && t.name !== "discharge");

/**
 * `graph.event_concepts(subject_id, seq, task, concept)`: for every event, the target-item strings of
 * every decision task defined on its type (lab names, drugs, ICD/CCS/ATC titles, …), as the
 * reference's step A collects them (reference-reasoning-training-eval.md §2.1).
 */
export async function buildEventConcepts(store: Store): Promise<{ concepts: number; events: number }> {
  const context = await itemContext(store);
  const present = new Set((await store.rows<{ f: string }>("SELECT DISTINCT file_name AS f FROM timeline.events")).map((r) => r.f));
  const selects = CONCEPT_TASKS.filter((t) => present.has(t.event))
    .map((t) => `SELECT DISTINCT subject_id, seq, ${literal(t.name)} AS task, v AS concept FROM (${labelValuesSql(context, t, "true")})`);
  await store.exec("CREATE SCHEMA IF NOT EXISTS graph");
  await store.exec(`CREATE OR REPLACE TABLE graph.event_concepts AS ${selects.length ? selects.join(" UNION ALL ") : "SELECT NULL::INTEGER AS subject_id, NULL::INTEGER AS seq, NULL::VARCHAR AS task, NULL::VARCHAR AS concept WHERE false"} ORDER BY subject_id, seq`);
  const [counts] = await store.rows<{ c: bigint; e: bigint }>("SELECT count(DISTINCT concept) AS c, count(DISTINCT (subject_id, seq)) AS e FROM graph.event_concepts");
  return { concepts: Number(counts!.c), events: Number(counts!.e) };
}
