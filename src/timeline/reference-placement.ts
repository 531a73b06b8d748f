/**
 * Where the reference's `rank.py` puts rows without a parsable time
 * (docs/reference.md#untimed-rows), reproduced for `timeline build --untimed reference`.
 *
 * `sort_hosp` sorts the timed rows, then inserts each untimed row, in list order, at "the last
 * row of its admission + 1": diagnoses after the last row of their `hadm_id` that is not a DRG
 * code, DRG codes after the last row of their `hadm_id`, anything else nowhere in particular. When
 * that position is 0 (no such row, or only the very first one) the row goes to index 1 *and* is
 * appended at the end, so it appears twice. `sort_hosp` runs twice: on the hospital module alone
 * (its pre-sort), then on all modules, whose untimed rows are those of the first pass in the
 * order it left them, copies included. A row duplicated in the first pass is thus duplicated
 * again, and an admission's diagnoses follow its last copy at the end of the timeline.
 *
 * Only the rows that can be "the last row of an admission" matter (the first timed row, and each
 * admission's last timed row), so the simulation runs on those and the untimed rows: a handful of
 * nodes per patient, not the whole timeline.
 */

/** An untimed row: `id` is the caller's, `hadm` null where the row has no admission (matches nothing). */
export interface UntimedRow {
  id: number;
  file: string;
  hadm: number | null;
}

/** A timed row that can anchor untimed ones: its rank among the pass's timed rows (1-based). */
export interface TimedAnchor {
  rank: number;
  hadm: number | null;
}

/** One copy of an untimed row in the pass's output: after timed row `anchor` (0: before all), `sub`-th among those after it. */
export interface PlacedCopy {
  row: UntimedRow;
  anchor: number;
  sub: number;
}

interface Node {
  prev: Node | null;
  next: Node | null;
  timed?: number;
  row?: UntimedRow;
}

/**
 * One pass of `sort_hosp`'s insertions. `anchors`: the pass's first and last timed rows and each
 * admission's last timed row, in any order; `rows`: the untimed rows in the order the pass meets them.
 * Returns every copy in the resulting list order.
 */
export function placeUntimed(anchors: readonly TimedAnchor[], rows: readonly UntimedRow[]): PlacedCopy[] {
  const end: Node = { prev: null, next: null };
  const start: Node = { prev: null, next: end };
  end.prev = start;
  const insertAfter = (at: Node, node: Node): Node => {
    node.prev = at;
    node.next = at.next;
    at.next!.prev = node;
    at.next = node;
    return node;
  };
  const lastAny = new Map<number, Node>();
  const lastNonDrg = new Map<number, Node>();
  const sorted = [...anchors].sort((a, b) => a.rank - b.rank);
  for (const a of sorted) {
    // A patient's first timed row may also be an admission's last: one node, both roles.
    const node =
      end.prev!.timed === a.rank ? end.prev! : insertAfter(end.prev!, { prev: null, next: null, timed: a.rank });
    // Anchors come in rank order, so the last one seen of an admission is its last timed row.
    if (a.hadm !== null) {
      lastAny.set(a.hadm, node);
      lastNonDrg.set(a.hadm, node);
    }
  }
  for (const row of rows) {
    const h = row.hadm;
    const isDrg = row.file === "drgcodes";
    const target =
      h === null ? undefined : row.file === "diagnoses_icd" ? lastNonDrg.get(h) : isDrg ? lastAny.get(h) : undefined;
    const first = start.next === end ? null : start.next!;
    if (target && target !== first) {
      const node = insertAfter(target, { prev: null, next: null, row });
      if (lastAny.get(h!) === target) lastAny.set(h!, node);
      if (!isDrg) lastNonDrg.set(h!, node);
      continue;
    }
    // Position 0: at index 1 (after the first row; on an empty list, the first row), and at the end.
    insertAfter(first ?? start, { prev: null, next: null, row });
    const last = insertAfter(end.prev!, { prev: null, next: null, row });
    if (h !== null) {
      lastAny.set(h, last);
      if (!isDrg) lastNonDrg.set(h, last);
    }
  }
  const copies: PlacedCopy[] = [];
  let anchor = 0;
  let sub = 0;
  for (let n = start.next!; n !== end; n = n.next!) {
    if (n.timed !== undefined) {
      anchor = n.timed;
      sub = 0;
    } else copies.push({ row: n.row!, anchor, sub: ++sub });
  }
  return copies;
}

/**
 * Both passes for one patient: `hospAnchors`/`allAnchors` are the anchors among the hospital
 * module's timed rows and among all timed rows (ranks in the final timed order); `hospRows` the
 * hospital module's untimed rows in table-listing then source order, `otherRows` the other modules'.
 */
export function placeUntimedTwice(
  hospAnchors: readonly TimedAnchor[],
  allAnchors: readonly TimedAnchor[],
  hospRows: readonly UntimedRow[],
  otherRows: readonly UntimedRow[],
): PlacedCopy[] {
  const firstPass = placeUntimed(hospAnchors, hospRows).map((c) => c.row);
  return placeUntimed(allAnchors, [...firstPass, ...otherRows]);
}
