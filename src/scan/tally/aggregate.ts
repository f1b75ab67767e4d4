/**
 * Per-row totals: one Counts per customer row (and per built-in row), turned into the frozen
 * CustomerTotals that the UI and the reports read. Everything here is a count or a sum: the summary
 * for a notification holds no path, phone number or identity number (caller keys stay in memory, for
 * de-duplicating across rows, and are never written).
 */
import {
  Counts,
  tallyEntries,
  tallyIntern,
  UNMATCHED_EXAMPLES,
  UNREADABLE_EXAMPLES,
  type Tally,
  type UnreadableExample,
} from './counts.js';
import type { DateSource } from '../place/date/resolve.js';
import { sumFigures, type Figures, type MonthFigures } from './figures.js';
import { TOP_LEVEL, UNMATCHED, type FileRecord, type RowKind } from '../model.js';

export { Counts };

// the row vocabulary is decided where a file is placed (record.ts); named here too for the readers of totals
export type { RowKind };

/**
 * A row: its figures (figures.ts, in the counters' units), its name and kind, and what only a single
 * row carries (its caller keys, example paths).
 */
export interface CustomerTotals extends Figures {
  /** the customer's name (folder or capture); for a built-in row, its label (see rowLabel) */
  customer: string;
  kind: RowKind;
  /** undefined unless the pattern captures {caller} */
  distinctCallers?: number;
  /**
   * the distinct caller keys (callers.ts), for de-duplicating across rows: in a finished scan's
   * result only (not in live snapshots); never written to an output
   */
  callers?: ReadonlySet<string>;
  /** the first unreadable files in path order, with the reason (for the responder's view; never exported) */
  unreadableExamples: UnreadableExample[];
  /**
   * the first paths (UNMATCHED_EXAMPLES, in path order) of files the pattern did not match: on the
   * "(unmatched)" row, for the UI's view of it; never written to an output (a path may hold a number)
   */
  unmatchedExamples?: readonly string[];
  /**
   * the other values a {customer} pattern can read its files' names with → files (the names read two
   * ways); never written to an output: report/notify/completeness.ts makes keys among them incomplete
   */
  otherReadings?: ReadonlyMap<string, number>;
}

/** Totals over many rows: a row's figures without its name and kind. */
export type Totals = Omit<CustomerTotals, 'customer' | 'kind'>;

/**
 * The name to show for a row. Built-in rows show their label, "(unmatched)" or "(top level)". A real
 * folder (or {customer} capture) whose name starts with "(" could pass for a built-in row (or for a
 * row a report adds, such as "(total)"), so it is shown as "./" + its name: "./(unmatched)" is the
 * folder called "(unmatched)". No name can start with "./" itself (a name holds no "/"), so a label
 * never collides with a name shown this way. Every other name is shown as it is.
 */
export function rowLabel(row: Pick<CustomerTotals, 'customer' | 'kind'>): string {
  if (row.kind !== 'customer') return row.kind === 'unmatched' ? UNMATCHED : TOP_LEVEL;
  return row.customer.startsWith('(') ? `./${row.customer}` : row.customer;
}

/**
 * A row's key in the aggregator: kind and name, so that a folder named like a built-in row stays its
 * own row. A customer's key is its name (no new string per row: a name holds no NUL); a built-in row's
 * starts with a NUL.
 */
export const rowKey = (kind: RowKind, name: string): string => (kind === 'customer' ? name : `\0${kind}\0${name}`);

/** Counts for one row, as a reader thread sends them. */
export interface RowCounts {
  kind: RowKind;
  customer: string;
  counts: Counts;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * One-key tallies, frozen and shared by every row with the same one (1,000,000 one-file customers
 * mostly share one codec, one date source and a few months: one array each, not a million). Bounded:
 * past SHARED_MAX distinct ones, rows get their own.
 */
const shared = new Map<string, readonly unknown[]>();
const SHARED_MAX = 20_000;

function sharedTally<T>(sig: string, make: () => T[]): readonly T[] {
  const hit = shared.get(sig) as readonly T[] | undefined;
  if (hit) return hit;
  const made = make();
  for (const e of made) Object.freeze(e);
  Object.freeze(made);
  if (shared.size < SHARED_MAX) shared.set(sig, made);
  return made;
}

/** a count tally most first (ties by key), frozen */
function countList<K extends string>(t: Tally | undefined): [K, number][] {
  if (!t) return NONE as never;
  if (Array.isArray(t) && t.length === 2)
    return sharedTally(`1\0${t[0] as string}\0${t[1] as number}`, () => [[t[0] as K, t[1] as number]]) as never;
  const list = [...tallyEntries(t, 1)].map(([k, v]): [K, number] => Object.freeze([k as K, v[0]!]) as [K, number]);
  return Object.freeze(list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) as never;
}

/** the months in month order, frozen */
function monthList(t: Tally | undefined): [string, MonthFigures][] {
  if (!t) return NONE as never;
  const one = (k: string, files: number, micros: number): [string, MonthFigures] =>
    Object.freeze([k, Object.freeze({ audio: files, micros })]) as [string, MonthFigures];
  if (Array.isArray(t) && t.length === 3) {
    const [k, f, m] = t as [string, number, number];
    return sharedTally(`2\0${k}\0${f}\0${m}`, () => [one(k, f, m)]) as never;
  }
  const list = [...tallyEntries(t, 2)].map(([k, v]) => one(k, v[0]!, v[1]!));
  return Object.freeze(list.sort((a, b) => (a[0] < b[0] ? -1 : 1))) as never;
}

/**
 * Counts as totals (withCallers: whether the pattern captures callers; withCallerSet: include the
 * keys: the counts' own set, not a copy, so only once they no longer change: a finished scan's).
 */
export function totalsOf(c: Counts, withCallers: boolean, withCallerSet = false): Totals {
  return rowTotals(undefined, undefined, c, withCallers, withCallerSet);
}

/**
 * A row's totals, frozen. One object literal of one shape (no spread, every field written, the optional
 * ones last): V8 keeps such an object's fields in the object itself, where a spread of another object
 * plus fields made a second, out-of-object array of them per row.
 */
function rowTotals(
  customer: string | undefined,
  kind: RowKind | undefined,
  c: Counts,
  withCallers: boolean,
  withCallerSet: boolean,
): CustomerTotals {
  const t: CustomerTotals = {
    customer: customer!,
    kind: kind!,
    files: c.files,
    audioFiles: c.audioFiles,
    otherFiles: c.otherFiles,
    opaqueFiles: c.opaqueFiles,
    unreadableFiles: c.unreadableFiles,
    unreadableFolders: c.unreadableFolders,
    hardLinks: c.hardLinks,
    sparseFiles: c.sparseFiles,
    unopenedFiles: c.unopenedFiles,
    bytes: c.bytes,
    audioMicros: c.audioMicros,
    firstMs: c.firstMs,
    lastMs: c.lastMs,
    distinctCallers: withCallers ? (c.callers?.size ?? 0) : undefined,
    withheldCallerCalls: c.withheldCallerCalls,
    pastRetentionFiles: c.pastRetentionFiles,
    pastRetentionMicros: c.pastRetentionMicros,
    oldestPastRetentionMs: c.oldestPastRetentionMs,
    formats: countList<string>(c.formats),
    months: monthList(c.months),
    dateSources: countList<DateSource>(c.dateSources),
    unreadableExamples: c.unreadableExamples.length
      ? (Object.freeze(c.unreadableExamples.map((e) => Object.freeze({ ...e }))) as UnreadableExample[])
      : (NONE as never),
  };
  if (customer === undefined) {
    delete (t as Partial<CustomerTotals>).customer;
    delete (t as Partial<CustomerTotals>).kind;
  }
  if (c.unmatchedExamples.length) t.unmatchedExamples = Object.freeze([...c.unmatchedExamples]);
  if (c.otherReadings?.size) t.otherReadings = new Map(c.otherReadings);
  if (withCallerSet && withCallers) t.callers = c.callers ?? new Set();
  return t;
}

/**
 * Rows' totals added up (e.g. the rows a filter shows). distinctCallers is de-duplicated across the
 * rows when withCallers and every row carries its caller keys (a finished scan's result); otherwise
 * it is left out rather than given as a sum that counts a caller once per row.
 */
export function totalOf(rows: readonly Totals[], withCallers = false): Totals {
  let keys: Set<string> | undefined = withCallers ? new Set() : undefined;
  for (const r of rows) {
    if (keys && r.callers) for (const k of r.callers) keys.add(k);
    else keys = undefined;
  }
  const t: Totals = { ...sumFigures(rows), distinctCallers: keys?.size, unreadableExamples: firstUnreadable(rows) };
  const unmatched = firstUnmatched(rows);
  if (unmatched.length) t.unmatchedExamples = unmatched;
  return t;
}

/** The first unreadable files of these rows in path order, as a row keeps them (Counts). */
export const firstUnreadable = (rows: readonly Pick<Totals, 'unreadableExamples'>[]): UnreadableExample[] =>
  rows
    .flatMap((p) => p.unreadableExamples)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, UNREADABLE_EXAMPLES);

/** The first unmatched paths of these rows in path order, as a row keeps them (Counts). */
export const firstUnmatched = (rows: readonly Pick<Totals, 'unmatchedExamples'>[]): string[] =>
  [...new Set(rows.flatMap((p) => p.unmatchedExamples ?? []))].sort().slice(0, UNMATCHED_EXAMPLES);

/**
 * A row while the scan runs: its counters and where it is. One object (the Counts themselves, not a
 * row holding them): 1,000,000 rows, ~60 MB less. Let go once the aggregator is finished.
 */
class Row extends Counts {
  /** changed since the live list was last brought up to date */
  queued = false;
  constructor(
    readonly kind: RowKind,
    readonly customer: string,
    /** where the row is in the live list (rows are never removed) */
    readonly index: number,
  ) {
    super();
  }
}

/**
 * The kinds as one string each: a kind that came from a reader thread is a copy (a structured clone),
 * which each of 1,000,000 rows would keep (24 bytes a row).
 */
const KINDS: Readonly<Record<RowKind, RowKind>> = {
  customer: 'customer',
  unmatched: 'unmatched',
  'top-level': 'top-level',
};

/** distinct tally keys (codecs, months, date sources) made one string each, up to this many */
const INTERN_MAX = 10_000;

export class Aggregator {
  /** the rows by key while the scan runs (let go by finish()) */
  private readonly rows = new Map<string, Row>();
  /** the built-in rows ("(unmatched)", "(top level)"): a few, kept after finish() for filesOf() */
  private readonly builtIn = new Map<string, Row>();
  /** every row's counts merged: the scan's totals (callers de-duplicated) */
  readonly total = new Counts();
  private sorted?: Row[];
  /** the rows in the order they first appeared (let go by finish()) */
  private order: (Row | undefined)[] = [];
  /** each row's frozen totals as of the last live(): replaced, never changed, when its row changes */
  private readonly frozen: CustomerTotals[] = [];
  /** rows changed since the last live() */
  private changed: Row[] = [];
  /** the final totals in name order (finish()): the rows and their counters are gone */
  private final?: CustomerTotals[];
  /**
   * One string per distinct codec, month and date source: the keys of counts that come from the
   * reader threads are copies (a structured clone), one per row and batch, which the rows would keep.
   */
  private readonly interned = new Map<string, string>();
  private readonly intern = (k: string): string => {
    const hit = this.interned.get(k);
    if (hit !== undefined) return hit;
    if (this.interned.size < INTERN_MAX) this.interned.set(k, k);
    return k;
  };

  constructor(private readonly withCallers: boolean) {}

  private row(kind: RowKind, customer: string): Row {
    if (this.final) throw new Error('the aggregator is finished: no more counts');
    const key = rowKey(kind, customer);
    let r = this.rows.get(key);
    if (!r) {
      r = new Row(KINDS[kind], customer, this.order.length);
      this.rows.set(key, r);
      if (kind !== 'customer') this.builtIn.set(key, r);
      this.order.push(r);
      this.touch(r);
      this.sorted = undefined;
    }
    return r;
  }

  private touch(r: Row): void {
    if (r.queued) return;
    r.queued = true;
    this.changed.push(r);
  }

  /** a customer folder, counted even if it holds no file */
  ensure(customer: string): void {
    this.row('customer', customer);
  }

  add(r: FileRecord): void {
    const row = this.row(r.row, r.customer);
    if (r.codec !== undefined) r.codec = this.intern(r.codec);
    if (r.month !== undefined) r.month = this.intern(r.month);
    if (r.dateSource !== undefined) r.dateSource = this.intern(r.dateSource) as DateSource;
    row.add(r);
    this.touch(row);
    this.total.add(r);
  }

  /** a folder the walk could not list, in this row's part of the tree */
  unreadableFolder(kind: RowKind, customer: string): void {
    const row = this.row(kind, customer);
    row.unreadableFolders++;
    this.touch(row);
    this.total.unreadableFolders++;
  }

  merge(rc: RowCounts): void {
    const row = this.row(rc.kind, rc.customer);
    const c = rc.counts;
    tallyIntern(c.formats, 1, this.intern);
    tallyIntern(c.months, 2, this.intern);
    tallyIntern(c.dateSources, 1, this.intern);
    row.merge(c);
    this.touch(row);
    this.total.merge(c);
  }

  /** Files counted in a built-in row (0 if none). */
  filesOf(kind: Exclude<RowKind, 'customer'>): number {
    return this.builtIn.get(rowKey(kind, kind === 'unmatched' ? UNMATCHED : TOP_LEVEL))?.files ?? 0;
  }

  /** The example paths of the files the pattern did not match. */
  unmatchedExamples(): readonly string[] {
    return this.builtIn.get(rowKey('unmatched', UNMATCHED))?.unmatchedExamples ?? [];
  }

  /**
   * Every row's frozen totals, in the order the rows first appeared (a new frozen array each call).
   * Only the rows that changed since the last call are built again; every other row is the same
   * object as in the last call, so a reader can tell what changed by identity (`a[i] !== b[i]`), and
   * the cost is the changed rows plus one copy of the list: no sort, no copy of unchanged rows.
   */
  live(): readonly CustomerTotals[] {
    for (const r of this.changed) {
      r.queued = false;
      this.frozen[r.index] = Object.freeze(rowTotals(r.customer, r.kind, r, this.withCallers, false));
    }
    this.changed = [];
    return Object.freeze(this.frozen.slice());
  }

  /**
   * The scan is over: every row's final totals (with their caller keys when the pattern captures
   * callers) built once, and the rows let go (their counters, and the index of them by name), so that
   * a finished scan holds one compact object per row and nothing else. Each row is let go as soon as
   * its totals are built, so that the two are never all held at once. Nothing may be counted afterwards.
   */
  finish(): void {
    if (this.final) return;
    this.changed = [];
    // the result's order as row indexes, so that the sorted rows need not be kept
    const sorted = Int32Array.from(this.sortedRows(), (r) => r.index);
    this.sorted = undefined;
    this.rows.clear();
    const order = this.order;
    for (let i = 0; i < order.length; i++) {
      const r = order[i]!;
      this.frozen[i] = Object.freeze(rowTotals(r.customer, r.kind, r, this.withCallers, true));
      order[i] = undefined;
    }
    this.order = [];
    this.final = Array.from(sorted, (i) => this.frozen[i]!);
  }

  /** the rows sorted by name (code point order; a built-in row before a customer of the same name) */
  private sortedRows(): Row[] {
    return (this.sorted ??= (this.order as Row[])
      .slice()
      .sort((a, b) =>
        a.customer < b.customer
          ? -1
          : a.customer > b.customer
            ? 1
            : a.kind === b.kind
              ? 0
              : a.kind === 'customer'
                ? 1
                : -1,
      ));
  }

  /**
   * Every row's totals, frozen, sorted by name (code point order: stable across machines and
   * locales; a built-in row before a customer of the same name): the result's rows, with their caller
   * keys once finish()ed (never before: the keys still change).
   */
  customers(): CustomerTotals[] {
    if (this.final) return this.final.slice();
    const sorted = this.sortedRows();
    const live = this.live();
    return sorted.map((r) => live[r.index]!);
  }
}
