import { literal, type Store } from "../store/database.js";
import { ndcKeySql } from "../timeline/items.js";

/** A path from a history concept to a target concept: concept, relation, concept, … */
export type KnowledgePath = string[];

export interface PathLimits {
  /** Edges per path. */
  maxHops?: number;
  /** Paths returned per pair, shortest first. */
  maxPaths?: number;
  /** Nodes a search may visit: bounds the work on dense graphs. */
  maxNodes?: number;
}

/** One small interface for every knowledge source (UMLS, the data-derived graph). */
export interface KnowledgeSource {
  readonly name: string;
  /** The limits a search uses where the caller sets none: declared by each source, not buried in its search. */
  readonly defaultLimits: Required<PathLimits>;
  paths(from: string, to: string, limits?: PathLimits): Promise<KnowledgePath[]>;
}

/** The limits a search runs under: the caller's, each unset one from the source's defaults. */
export function limitsOf(source: KnowledgeSource, limits: PathLimits): Required<PathLimits> {
  return {
    maxHops: limits.maxHops ?? source.defaultLimits.maxHops,
    maxPaths: limits.maxPaths ?? source.defaultLimits.maxPaths,
    maxNodes: limits.maxNodes ?? source.defaultLimits.maxNodes,
  };
}

/** The data-derived graph's limits: short paths (its edges are co-occurrences), a generous node budget. */
export const GRAPH_PATH_LIMITS: Required<PathLimits> = { maxHops: 3, maxPaths: 3, maxNodes: 5000 };

export interface Edge {
  source: string;
  relation: string;
  target: string;
}

/**
 * A knowledge graph held in memory: breadth-first search for the shortest simple paths, each edge
 * walkable in its stated direction only (inverse relations are added as their own edges, with their
 * own labels, so a path reads correctly in both halves).
 */
export class GraphKnowledge implements KnowledgeSource {
  readonly defaultLimits = GRAPH_PATH_LIMITS;
  private readonly out = new Map<string, { relation: string; target: string }[]>();

  constructor(
    readonly name: string,
    edges: Iterable<Edge>,
  ) {
    for (const e of edges) {
      if (e.source === e.target) continue;
      let list = this.out.get(e.source);
      if (!list) this.out.set(e.source, (list = []));
      if (!list.some((x) => x.relation === e.relation && x.target === e.target))
        list.push({ relation: e.relation, target: e.target });
    }
    for (const list of this.out.values())
      list.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : a.relation < b.relation ? -1 : 1));
  }

  get edgeCount(): number {
    let n = 0;
    for (const list of this.out.values()) n += list.length;
    return n;
  }

  async paths(from: string, to: string, limits: PathLimits = {}): Promise<KnowledgePath[]> {
    return this.search(from, to, limits);
  }

  search(from: string, to: string, limits: PathLimits = {}): KnowledgePath[] {
    const { maxHops, maxPaths, maxNodes } = limitsOf(this, limits);
    if (from === to || !this.out.has(from)) return [];
    const found: KnowledgePath[] = [];
    let frontier: KnowledgePath[] = [[from]];
    let visited = 0;
    for (let hop = 1; hop <= maxHops && frontier.length && found.length < maxPaths; hop++) {
      const next: KnowledgePath[] = [];
      for (const path of frontier) {
        const node = path[path.length - 1]!;
        for (const edge of this.out.get(node) ?? []) {
          // Simple paths only: no concept twice (concepts sit at the even positions).
          if (path.some((p, i) => i % 2 === 0 && p === edge.target)) continue;
          const extended = [...path, edge.relation, edge.target];
          if (edge.target === to) {
            found.push(extended);
            if (found.length >= maxPaths) return found;
          } else if (++visited <= maxNodes) {
            next.push(extended);
          }
        }
      }
      frontier = next;
    }
    return found;
  }
}

/**
 * The default knowledge source, needing nothing licensed: a graph built from the store itself.
 * - lift edges between concepts of one task (`graph.cooccurrence`): history "is often followed by" target;
 * - dictionary hierarchies for the concepts in use: ICD title → CCS category (diagnoses, procedures),
 *   lab and ICU item → category, drug → ATC class, each with its inverse ("includes").
 */
export async function dataKnowledge(store: Store): Promise<GraphKnowledge> {
  const edges: Edge[] = [];
  const tables = new Set(
    (await store.rows<{ t: string }>("SELECT schema_name || '.' || table_name AS t FROM duckdb_tables()")).map(
      (r) => r.t,
    ),
  );
  if (tables.has("graph.cooccurrence")) {
    for (const r of await store.rows<{ h: string; t: string }>(
      "SELECT DISTINCT history AS h, target AS t FROM graph.cooccurrence",
    )) {
      edges.push({ source: r.h, relation: "is often followed by", target: r.t });
      edges.push({ source: r.t, relation: "often follows", target: r.h });
    }
  }
  const inUse = "(SELECT DISTINCT concept FROM graph.event_concepts)";
  // The hierarchy is also kept as a table: samples without lift pairs are linked through shared parents in SQL.
  const parents: string[] = [];
  const hierarchy = async (sql: string, relation: string) => {
    for (const r of await store.rows<{ child: string; parent: string }>(sql)) {
      if (!r.child || !r.parent || r.child === r.parent) continue;
      edges.push({ source: r.child, relation, target: r.parent });
      edges.push({ source: r.parent, relation: "includes", target: r.child });
      parents.push(`(${literal(r.child)}, ${literal(relation)}, ${literal(r.parent)})`);
    }
  };
  if (tables.has("graph.event_concepts")) {
    for (const [dict, ccs] of [
      ["hosp.d_icd_diagnoses", "mapping.ccs_diagnoses"],
      ["hosp.d_icd_procedures", "mapping.ccs_procedures"],
    ] as const) {
      if (tables.has(dict) && tables.has(ccs)) {
        await hierarchy(
          `SELECT DISTINCT d.long_title AS child, c.long_title AS parent FROM ${dict} d JOIN ${ccs} c USING (icd_version, icd_code)
          WHERE d.long_title IN ${inUse}`,
          "is classified under",
        );
      }
    }
    if (tables.has("hosp.d_labitems"))
      await hierarchy(
        `SELECT DISTINCT label AS child, category AS parent FROM hosp.d_labitems WHERE label IN ${inUse}`,
        "is a test of",
      );
    if (tables.has("icu.d_items"))
      await hierarchy(
        `SELECT DISTINCT label AS child, category AS parent FROM icu.d_items WHERE label IN ${inUse}`,
        "is charted under",
      );
    if (tables.has("hosp.prescriptions") && tables.has("mapping.ndc_atc")) {
      await hierarchy(
        `SELECT DISTINCT trim(p.drug) AS child, a.atc_name AS parent FROM hosp.prescriptions p
        JOIN mapping.ndc_atc a ON a.ndc = ${ndcKeySql("p.ndc")} WHERE trim(p.drug) IN ${inUse}`,
        "belongs to the drug class",
      );
    }
  }
  await store.exec(
    "CREATE SCHEMA IF NOT EXISTS graph; CREATE OR REPLACE TABLE graph.concept_parents (concept VARCHAR, relation VARCHAR, parent VARCHAR)",
  );
  for (let i = 0; i < parents.length; i += 5000)
    await store.exec(`INSERT INTO graph.concept_parents VALUES ${parents.slice(i, i + 5000).join(", ")}`);
  return new GraphKnowledge("data", edges);
}
