import { describe, expect, it } from "vitest";
import type { KnowledgeSource } from "../../src/graph/knowledge.js";

/** The knowledge-source contract, the same checks for every implementation. */
export function conformance(
  name: string,
  make: () => KnowledgeSource | Promise<KnowledgeSource>,
  from: string,
  to: string,
) {
  describe(`knowledge source conformance: ${name}`, () => {
    it("returns simple paths from one concept to the other, shortest first, within the limits", async () => {
      const source = await make();
      const paths = await source.paths(from, to, { maxHops: 3, maxPaths: 5 });
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) {
        expect(p[0]).toBe(from);
        expect(p[p.length - 1]).toBe(to);
        expect(p.length % 2).toBe(1);
        const concepts = p.filter((_, i) => i % 2 === 0);
        expect(new Set(concepts).size).toBe(concepts.length);
        expect((p.length - 1) / 2).toBeLessThanOrEqual(3);
      }
      for (let i = 1; i < paths.length; i++) expect(paths[i]!.length).toBeGreaterThanOrEqual(paths[i - 1]!.length);
      expect(await source.paths(from, to, { maxPaths: 1 })).toHaveLength(1);
      expect(await source.paths(from, from)).toEqual([]);
      expect(await source.paths("no such concept", to)).toEqual([]);
    });

    it("declares its default limits, and a search without limits keeps within them", async () => {
      const source = await make();
      const d = source.defaultLimits;
      for (const v of [d.maxHops, d.maxPaths, d.maxNodes]) expect(Number.isInteger(v) && v > 0).toBe(true);
      const paths = await source.paths(from, to);
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.length).toBeLessThanOrEqual(d.maxPaths);
      for (const p of paths) expect((p.length - 1) / 2).toBeLessThanOrEqual(d.maxHops);
      // The defaults are the ones used: the same search with them spelled out finds the same paths.
      expect(await source.paths(from, to, { ...d })).toEqual(paths);
    });
  });
}
