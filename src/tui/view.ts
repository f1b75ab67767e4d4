/**
 * The table's order, kept up to date from snapshot to snapshot instead of sorted again each time.
 *
 * A scan snapshot holds every row in the order rows first appeared, and a row that did not change is
 * the same object as in the last snapshot (engine.ts). So a new snapshot costs: one pass comparing
 * references (what changed), the changed rows sorted among themselves, and one merge with the rows
 * that did not change, which are still in order. At 50,000 customers that is a few milliseconds
 * instead of a sort of them all on the thread that reads the keys. A change of column or direction
 * (a key) sorts everything once. Pure: no UI here, tested on its own.
 */
import type { CustomerTotals } from '../scan/tally/aggregate.js';
import type { Totals } from '../scan/tally/aggregate.js';
import { sumFigures } from '../scan/tally/figures.js';
import { compareRows, type SortKey } from './state.js';

type Cmp = (a: CustomerTotals, b: CustomerTotals) => number;

/** Above this share of changed rows a new snapshot is sorted whole (cheaper than the merge then). */
const RESORT_SHARE = 0.25;

export class SortedRows {
  private source: readonly CustomerTotals[] = [];
  private sorted: readonly CustomerTotals[] = [];
  private sort?: SortKey;
  private reverse = false;
  /** how the last update was done (for tests and for measuring) */
  lastUpdate: 'same' | 'full' | 'merge' = 'same';

  /** The rows in the order of the column (reversed if asked); the same array while nothing changed. */
  update(rows: readonly CustomerTotals[], sort: SortKey, reverse: boolean): readonly CustomerTotals[] {
    const cmp: Cmp = reverse ? (a, b) => compareRows(b, a, sort) : (a, b) => compareRows(a, b, sort);
    if (sort !== this.sort || reverse !== this.reverse || rows.length < this.source.length) {
      this.lastUpdate = 'full';
      this.sorted = [...rows].sort(cmp);
    } else if (rows === this.source) {
      this.lastUpdate = 'same';
    } else {
      const old = this.source;
      const changed: CustomerTotals[] = [];
      const stale = new Set<CustomerTotals>();
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        const was = old[i];
        if (r === was) continue;
        changed.push(r);
        if (was) stale.add(was);
      }
      if (changed.length === 0) this.lastUpdate = 'same';
      else if (changed.length > rows.length * RESORT_SHARE) {
        this.lastUpdate = 'full';
        this.sorted = [...rows].sort(cmp);
      } else {
        this.lastUpdate = 'merge';
        changed.sort(cmp);
        this.sorted = mergeSorted(this.sorted, stale, changed, cmp);
      }
    }
    this.source = rows;
    this.sort = sort;
    this.reverse = reverse;
    return this.sorted;
  }
}

/** kept (minus the stale rows) and fresh, both in order, merged into one ordered array. */
function mergeSorted(
  kept: readonly CustomerTotals[],
  stale: ReadonlySet<CustomerTotals>,
  fresh: readonly CustomerTotals[],
  cmp: Cmp,
): CustomerTotals[] {
  const out: CustomerTotals[] = [];
  let j = 0;
  for (const r of kept) {
    if (stale.has(r)) continue;
    while (j < fresh.length && cmp(fresh[j]!, r) < 0) out.push(fresh[j++]!);
    out.push(r);
  }
  while (j < fresh.length) out.push(fresh[j++]!);
  return out;
}

/** The figures the table's total row shows, added up over the rows given. */
export type TableTotals = Pick<
  Totals,
  'files' | 'audioFiles' | 'audioMicros' | 'firstMs' | 'lastMs' | 'unreadableFiles' | 'distinctCallers'
>;

/**
 * The total row of a filtered table: callers are left out (a sum would count a caller once per row,
 * and live rows carry no caller keys to de-duplicate them).
 */
export function tableTotals(rows: readonly CustomerTotals[]): TableTotals {
  // the plain figures only: this runs on every update, over every row the filter shows
  const sum = sumFigures(rows, { lists: false });
  return {
    files: sum.files,
    audioFiles: sum.audioFiles,
    audioMicros: sum.audioMicros,
    firstMs: sum.firstMs,
    lastMs: sum.lastMs,
    unreadableFiles: sum.unreadableFiles,
    distinctCallers: undefined,
  };
}
