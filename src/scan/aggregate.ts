/**
 * Per-customer totals. Everything here is a count or a sum: the summary for a notification holds no
 * path, phone number or identity number (callers are counted, and their values dropped at the end).
 * Seconds are summed as integer microseconds so that the totals do not depend on the order in which
 * the worker threads deliver files.
 */
import type { FileRecord } from './record.js';
import type { DateSource } from './date/resolve.js';

export const UNREADABLE_EXAMPLES = 20;

export interface MonthTally {
  audio: number;
  seconds: number;
}

export interface CustomerTotals {
  customer: string;
  files: number;
  audioFiles: number;
  otherFiles: number;
  unreadableFiles: number;
  bytes: number;
  audioSeconds: number;
  firstMs?: number;
  lastMs?: number;
  /** undefined unless the pattern captures {caller} */
  distinctCallers?: number;
  /** codec → audio files, most first */
  formats: Array<[string, number]>;
  /** yyyy-MM → audio files and seconds, in month order */
  months: Array<[string, MonthTally]>;
  dateSources: Array<[DateSource, number]>;
  /** the first unreadable files in path order, with the reason (for the responder's view; never exported) */
  unreadableExamples: Array<{ path: string; error: string }>;
}

/**
 * One customer's counts in a form a reader thread can send: the thread sums its batch, the main
 * thread merges (instead of receiving and adding one record per file).
 */
export interface PartialTotals {
  customer: string;
  files: number;
  audio: number;
  other: number;
  unreadable: number;
  bytes: number;
  micros: number;
  first: number;
  last: number;
  callers?: string[];
  formats: Array<[string, number]>;
  months: Array<[string, number, number]>;
  sources: Array<[DateSource, number]>;
  examples: Array<{ path: string; error: string }>;
}

const addTo = <K>(m: Map<K, number>, k: K, n: number): void => void m.set(k, (m.get(k) ?? 0) + n);

class Acc {
  files = 0;
  audio = 0;
  other = 0;
  unreadable = 0;
  bytes = 0;
  micros = 0;
  first = Infinity;
  last = -Infinity;
  callers: Set<string> | undefined;
  formats = new Map<string, number>();
  months = new Map<string, { audio: number; micros: number }>();
  sources = new Map<DateSource, number>();
  examples: Array<{ path: string; error: string }> = [];

  constructor(readonly customer: string) {}

  add(r: FileRecord): void {
    this.files++;
    this.bytes += r.bytes;
    if (r.caller !== undefined) (this.callers ??= new Set()).add(r.caller);
    if (r.kind === 'other') {
      this.other++;
      return;
    }
    if (r.kind === 'unreadable') {
      this.unreadable++;
      this.example(r.path ?? '', r.error ?? 'unreadable');
      return;
    }
    this.audio++;
    const micros = Math.round((r.seconds ?? 0) * 1e6);
    this.micros += micros;
    if (r.codec) addTo(this.formats, r.codec, 1);
    if (r.startMs !== undefined) {
      if (r.startMs < this.first) this.first = r.startMs;
      if (r.startMs > this.last) this.last = r.startMs;
      this.month(r.month!, 1, micros);
    }
    if (r.dateSource) addTo(this.sources, r.dateSource, 1);
  }

  private month(key: string, audio: number, micros: number): void {
    const m = this.months.get(key);
    if (m) {
      m.audio += audio;
      m.micros += micros;
    } else this.months.set(key, { audio, micros });
  }

  partial(): PartialTotals {
    return {
      customer: this.customer, files: this.files, audio: this.audio, other: this.other, unreadable: this.unreadable,
      bytes: this.bytes, micros: this.micros, first: this.first, last: this.last,
      callers: this.callers ? [...this.callers] : undefined,
      formats: [...this.formats], months: [...this.months].map(([k, v]) => [k, v.audio, v.micros]),
      sources: [...this.sources], examples: this.examples,
    };
  }

  /** Add another part's counts: the same totals as adding its files one by one, in any order. */
  merge(p: PartialTotals): void {
    this.files += p.files;
    this.audio += p.audio;
    this.other += p.other;
    this.unreadable += p.unreadable;
    this.bytes += p.bytes;
    this.micros += p.micros;
    if (p.first < this.first) this.first = p.first;
    if (p.last > this.last) this.last = p.last;
    if (p.callers) {
      const set = (this.callers ??= new Set());
      for (const c of p.callers) set.add(c);
    }
    for (const [k, n] of p.formats) addTo(this.formats, k, n);
    for (const [k, a, m] of p.months) this.month(k, a, m);
    for (const [k, n] of p.sources) addTo(this.sources, k, n);
    for (const e of p.examples) this.example(e.path, e.error);
  }

  /**
   * Keep the first UNREADABLE_EXAMPLES paths in path order, not in arrival order, so that the
   * examples do not depend on which thread finished first.
   */
  private example(path: string, error: string): void {
    const ex = this.examples;
    if (ex.length === UNREADABLE_EXAMPLES && path >= ex[ex.length - 1]!.path) return;
    let i = ex.length;
    while (i > 0 && ex[i - 1]!.path > path) i--;
    ex.splice(i, 0, { path, error });
    if (ex.length > UNREADABLE_EXAMPLES) ex.pop();
  }

  totals(withCallers: boolean): CustomerTotals {
    const byCount = <K extends string>(m: Map<K, number>): Array<[K, number]> =>
      [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return {
      customer: this.customer,
      files: this.files,
      audioFiles: this.audio,
      otherFiles: this.other,
      unreadableFiles: this.unreadable,
      bytes: this.bytes,
      audioSeconds: this.micros / 1e6,
      firstMs: Number.isFinite(this.first) ? this.first : undefined,
      lastMs: Number.isFinite(this.last) ? this.last : undefined,
      distinctCallers: withCallers ? (this.callers?.size ?? 0) : undefined,
      formats: byCount(this.formats),
      months: [...this.months].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, { audio: v.audio, seconds: v.micros / 1e6 }]),
      dateSources: byCount(this.sources),
      unreadableExamples: [...this.examples],
    };
  }
}

export class Aggregator {
  private readonly accs = new Map<string, Acc>();

  constructor(private readonly withCallers: boolean) {}

  /** a customer folder, counted even if it holds no file */
  ensure(customer: string): void {
    if (!this.accs.has(customer)) this.accs.set(customer, new Acc(customer));
  }

  private acc(customer: string): Acc {
    let a = this.accs.get(customer);
    if (!a) this.accs.set(customer, (a = new Acc(customer)));
    return a;
  }

  add(r: FileRecord): void {
    this.acc(r.customer).add(r);
  }

  merge(p: PartialTotals): void {
    this.acc(p.customer).merge(p);
  }

  /** Every customer's counts, to send to the thread that merges them. */
  partials(): PartialTotals[] {
    return [...this.accs.values()].map((a) => a.partial());
  }

  /** Counts over every customer as they stand (summed on demand: a few hundred customers at most per call). */
  running(): { files: number; audio: number; unreadable: number; bytes: number; micros: number } {
    const t = { files: 0, audio: 0, unreadable: 0, bytes: 0, micros: 0 };
    for (const a of this.accs.values()) {
      t.files += a.files;
      t.audio += a.audio;
      t.unreadable += a.unreadable;
      t.bytes += a.bytes;
      t.micros += a.micros;
    }
    return t;
  }

  /** Files counted under one customer (0 if none). */
  filesOf(customer: string): number {
    return this.accs.get(customer)?.files ?? 0;
  }

  /** customers sorted by name (code point order: stable across machines and locales) */
  customers(): CustomerTotals[] {
    return [...this.accs.values()]
      .sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0))
      .map((a) => a.totals(this.withCallers));
  }
}

export function sumTotals(customers: CustomerTotals[], withCallers: boolean): Omit<CustomerTotals, 'customer' | 'unreadableExamples' | 'months' | 'dateSources'> {
  let micros = 0;
  const t = { files: 0, audioFiles: 0, otherFiles: 0, unreadableFiles: 0, bytes: 0, first: Infinity, last: -Infinity, callers: 0 };
  const formats = new Map<string, number>();
  for (const c of customers) {
    t.files += c.files;
    t.audioFiles += c.audioFiles;
    t.otherFiles += c.otherFiles;
    t.unreadableFiles += c.unreadableFiles;
    t.bytes += c.bytes;
    micros += Math.round(c.audioSeconds * 1e6);
    if (c.firstMs !== undefined && c.firstMs < t.first) t.first = c.firstMs;
    if (c.lastMs !== undefined && c.lastMs > t.last) t.last = c.lastMs;
    t.callers += c.distinctCallers ?? 0;
    for (const [k, n] of c.formats) formats.set(k, (formats.get(k) ?? 0) + n);
  }
  return {
    files: t.files,
    audioFiles: t.audioFiles,
    otherFiles: t.otherFiles,
    unreadableFiles: t.unreadableFiles,
    bytes: t.bytes,
    audioSeconds: micros / 1e6,
    firstMs: Number.isFinite(t.first) ? t.first : undefined,
    lastMs: Number.isFinite(t.last) ? t.last : undefined,
    // callers are distinct per customer; the same number calling two customers is counted twice
    distinctCallers: withCallers ? t.callers : undefined,
    formats: [...formats].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
  };
}
