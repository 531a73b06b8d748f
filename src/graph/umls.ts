import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { literal, type Store } from "../store/database.js";
import { limitsOf, type KnowledgePath, type KnowledgeSource, type PathLimits } from "./knowledge.js";

/** The semantic types the reference's concept matcher accepts (QuickUMLS `accepted_semtypes`). */
export const ACCEPTED_SEMANTIC_TYPES = [
  "T023",
  "T029",
  "T031",
  "T033",
  "T034",
  "T037",
  "T039",
  "T040",
  "T041",
  "T046",
  "T047",
  "T048",
  "T058",
  "T059",
  "T060",
  "T061",
  "T067",
  "T074",
  "T121",
  "T130",
  "T170",
  "T184",
  "T191",
  "T195",
  "T200",
  "T201",
  "T203",
] as const;

/** Relations the reference never walks (set membership and contraindications). */
export const EXCLUDED_RELATIONS = [
  "subset_includes_concept",
  "concept_in_subset",
  "has_contraindicated_drug",
  "contraindicated_with_disease",
];

const RRF = {
  "MRCONSO.RRF": [
    "cui",
    "lat",
    "ts",
    "lui",
    "stt",
    "sui",
    "ispref",
    "aui",
    "saui",
    "scui",
    "sdui",
    "sab",
    "tty",
    "code",
    "str",
    "srl",
    "suppress",
    "cvf",
  ],
  "MRSTY.RRF": ["cui", "tui", "stn", "sty", "atui", "cvf"],
  "MRREL.RRF": [
    "cui1",
    "aui1",
    "stype1",
    "rel",
    "cui2",
    "aui2",
    "stype2",
    "rela",
    "rui",
    "srui",
    "sab",
    "sl",
    "rg",
    "dir",
    "suppress",
    "cvf",
  ],
} as const;

function rrfSql(path: string, columns: readonly string[]): string {
  // RRF lines end with '|': one empty column more than the fields.
  const all = [...columns, "rrf_end"].map((c) => `${literal(c)}: 'VARCHAR'`).join(", ");
  return `read_csv(${literal(path)}, delim = '|', header = false, quote = '', escape = '', auto_detect = false, columns = {${all}})`;
}

/**
 * Imports a UMLS Metathesaurus (META folder with MRCONSO, MRSTY, MRREL .RRF files) into
 * `umls.concepts(cui, str, preferred)` (English strings of concepts of the accepted semantic types)
 * and `umls.relations(source, rela, target)`, directed, each MRREL row read as CUI1 –RELA→ CUI2, as
 * the reference's paths read (`[STR1, RELA, STR2]`); MRREL lists most relations in both directions
 * with inverse labels, so both readings are present where UMLS has them.
 */
export async function importUmls(
  store: Store,
  metaDir: string,
): Promise<{ concepts: number; strings: number; relations: number }> {
  const dir = resolve(metaDir);
  for (const file of Object.keys(RRF)) {
    if (!existsSync(join(dir, file)))
      throw new InputError(
        join(dir, file),
        undefined,
        "not found: a UMLS META folder needs MRCONSO.RRF, MRSTY.RRF and MRREL.RRF",
      );
  }
  const [bad] = await store
    .rows<{ n: bigint }>(
      `SELECT count(*) AS n FROM ${rrfSql(join(dir, "MRCONSO.RRF"), RRF["MRCONSO.RRF"])} WHERE rrf_end IS NOT NULL AND rrf_end <> '' LIMIT 1`,
    )
    .catch((error: unknown) => {
      throw new InputError(
        join(dir, "MRCONSO.RRF"),
        undefined,
        `not in RRF format (18 '|'-separated fields per line): ${(error as Error).message.split("\n")[0]}`,
      );
    });
  if (bad && bad.n > 0n)
    throw new InputError(join(dir, "MRCONSO.RRF"), undefined, "lines have more fields than MRCONSO's 18");
  const types = ACCEPTED_SEMANTIC_TYPES.map(literal).join(", ");
  await store.transaction(async () => {
    await store.exec("CREATE SCHEMA IF NOT EXISTS umls");
    await store.exec(`CREATE OR REPLACE TABLE umls.concepts AS
      SELECT c.cui, c.str, c.ispref = 'Y' AND c.ts = 'P' AND c.stt = 'PF' AS preferred
      FROM ${rrfSql(join(dir, "MRCONSO.RRF"), RRF["MRCONSO.RRF"])} c
      WHERE c.lat = 'ENG' AND coalesce(c.suppress, 'N') = 'N'
        AND c.cui IN (SELECT cui FROM ${rrfSql(join(dir, "MRSTY.RRF"), RRF["MRSTY.RRF"])} WHERE tui IN (${types}))`);
    await store.exec(`CREATE OR REPLACE TABLE umls.relations AS
      SELECT DISTINCT r.cui1 AS source, lower(replace(coalesce(nullif(r.rela, ''), r.rel), ' ', '_')) AS rela, r.cui2 AS target
      FROM ${rrfSql(join(dir, "MRREL.RRF"), RRF["MRREL.RRF"])} r
      WHERE r.cui1 <> r.cui2 AND r.cui1 IN (SELECT cui FROM umls.concepts) AND r.cui2 IN (SELECT cui FROM umls.concepts)
        AND lower(replace(coalesce(nullif(r.rela, ''), r.rel), ' ', '_')) NOT IN (${EXCLUDED_RELATIONS.map(literal).join(", ")})`);
  });
  const [c] = await store.rows<{ cuis: bigint; strings: bigint; relations: bigint }>(
    "SELECT (SELECT count(DISTINCT cui) FROM umls.concepts) AS cuis, (SELECT count(*) FROM umls.concepts) AS strings, (SELECT count(*) FROM umls.relations) AS relations",
  );
  return { concepts: Number(c!.cuis), strings: Number(c!.strings), relations: Number(c!.relations) };
}

/**
 * UMLS relations as a knowledge source: terms resolve to concepts by exact (case-insensitive) string,
 * paths are found by bidirectional breadth-first search over directed relations (hop, path and node
 * limits), and every label reads in its own direction on both halves: the backward side walks
 * edges in reverse but keeps each edge's forward label. Nodes print as preferred names.
 */
/**
 * UMLS's limits: the reference's bidirectional search bounds (path length 10, 2,000 nodes
 * explored; docs/reference.md#cooccurrence), with 3 paths per pair as the sample paths keep.
 */
export const UMLS_PATH_LIMITS: Required<PathLimits> = { maxHops: 10, maxPaths: 3, maxNodes: 2000 };

export class UmlsKnowledge implements KnowledgeSource {
  readonly name = "umls";
  readonly defaultLimits = UMLS_PATH_LIMITS;
  private readonly outCache = new Map<string, { rela: string; cui: string }[]>();
  private readonly inCache = new Map<string, { rela: string; cui: string }[]>();
  private readonly names = new Map<string, string>();

  constructor(private readonly store: Store) {}

  static async open(store: Store): Promise<UmlsKnowledge> {
    if (!(await store.tableExists("umls.relations")))
      throw new UsageError(
        `${store.path} has no UMLS tables: run \`ehr-r1 graph umls-import --umls <META dir>\` first`,
      );
    return new UmlsKnowledge(store);
  }

  async cuiOf(term: string): Promise<string | null> {
    const rows = await this.store.rows<{ cui: string }>(
      "SELECT cui FROM umls.concepts WHERE lower(str) = lower(?) ORDER BY preferred DESC, cui LIMIT 1",
      [term.replaceAll('"', " ").trim()],
    );
    return rows[0]?.cui ?? null;
  }

  private async displayName(cui: string): Promise<string> {
    let n = this.names.get(cui);
    if (n === undefined) {
      n =
        (
          await this.store.rows<{ s: string }>(
            "SELECT str AS s FROM umls.concepts WHERE cui = ? ORDER BY preferred DESC, str LIMIT 1",
            [cui],
          )
        )[0]?.s ?? cui;
      this.names.set(cui, n);
    }
    return n;
  }

  private async neighbours(cui: string, direction: "out" | "in") {
    const cache = direction === "out" ? this.outCache : this.inCache;
    let list = cache.get(cui);
    if (!list) {
      const [me, other] = direction === "out" ? ["source", "target"] : ["target", "source"];
      list = await this.store.rows<{ rela: string; cui: string }>(
        `SELECT rela, ${other} AS cui FROM umls.relations WHERE ${me} = ? ORDER BY rela, ${other}`,
        [cui],
      );
      cache.set(cui, list);
    }
    return list;
  }

  async paths(from: string, to: string, limits: PathLimits = {}): Promise<KnowledgePath[]> {
    const { maxHops, maxPaths, maxNodes } = limitsOf(this, limits);
    const start = await this.cuiOf(from);
    const end = await this.cuiOf(to);
    if (!start || !end || start === end) return [];
    // Each side stores, per reached node, the path of [cui, rela, cui, …] from its origin.
    const forward = new Map<string, string[]>([[start, [start]]]);
    const backward = new Map<string, string[]>([[end, [end]]]);
    let forwardFrontier = [start];
    let backwardFrontier = [end];
    const found: string[][] = [];
    let explored = 0;
    const join = (f: string[], b: string[]) => [...f, ...b.slice(0, -1).reverse()];
    while (forwardFrontier.length && backwardFrontier.length && found.length < maxPaths && explored < maxNodes) {
      const expandForward = forwardFrontier.length <= backwardFrontier.length;
      const frontier = expandForward ? forwardFrontier : backwardFrontier;
      const mine = expandForward ? forward : backward;
      const theirs = expandForward ? backward : forward;
      const next: string[] = [];
      for (const node of frontier) {
        const path = mine.get(node)!;
        if ((path.length - 1) / 2 >= maxHops) continue;
        for (const edge of await this.neighbours(node, expandForward ? "out" : "in")) {
          if (mine.has(edge.cui) || explored >= maxNodes) continue;
          // Backward paths are stored target-first: [end, rela, node, …] so that reversing restores the forward reading.
          const extended = [...path, edge.rela, edge.cui];
          mine.set(edge.cui, extended);
          explored++;
          const other = theirs.get(edge.cui);
          if (other) {
            const whole = expandForward ? join(extended, other) : join(other, extended);
            if ((whole.length - 1) / 2 <= maxHops && !found.some((p) => p.join("|") === whole.join("|")))
              found.push(whole);
            if (found.length >= maxPaths) break;
          }
          next.push(edge.cui);
        }
        if (found.length >= maxPaths) break;
      }
      if (expandForward) forwardFrontier = next;
      else backwardFrontier = next;
    }
    found.sort((a, b) => a.length - b.length);
    return Promise.all(
      found.map(async (p) =>
        Promise.all(p.map((x, i) => (i % 2 === 0 ? this.displayName(x) : Promise.resolve(x.replaceAll("_", " "))))),
      ),
    );
  }
}
