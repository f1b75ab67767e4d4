/**
 * One set of counters for a set of files: a reader thread sums a batch into one per row, the main
 * thread merges those into its rows and its total. `add` and `merge` give the same figures whatever
 * the order files and batches arrive in (seconds are summed as integer microseconds, examples kept in
 * path order), so that --threads 0, 2 and 3 agree exactly.
 *
 * The names are those of CustomerTotals (and so of the CSV columns); a sum that the totals show in
 * seconds is kept here in microseconds and named so (audioMicros, pastRetentionMicros).
 */
import type { FileRecord } from '../model.js';

export const UNREADABLE_EXAMPLES = 20;
/** example paths kept for the files a --pattern did not match (shown in the UI, never written) */
export const UNMATCHED_EXAMPLES = 5;

export interface UnreadableExample {
  path: string;
  error: string;
}

/**
 * key → numbers, `width` numbers per key: a flat array [key, n…, key, n…] while it holds few keys (a
 * row mostly has one codec, one date source, a few months), a Map past SMALL keys (a crafted tree can
 * date its files across thousands of months). An empty Map costs ~180 bytes and a one-key flat array
 * ~64: with 1,000,000 one-file customers, three Maps each were most of the 4 GB the scan died at.
 * undefined until the first key.
 */
export type Tally = (string | number)[] | Map<string, number[]>;

const SMALL = 8;

/** add `ns` (width numbers) under key; returns the tally (a new one when it was undefined or grew into a Map) */
function tallyAdd(t: Tally | undefined, key: string, ns: readonly number[]): Tally {
  const w = ns.length;
  // a literal of its exact length: `[key, ...ns]` keeps room for 17 more (168 bytes, not 40, per row and tally)
  if (!t) return w === 1 ? [key, ns[0]!] : [key, ns[0]!, ns[1]!];
  if (Array.isArray(t)) {
    for (let i = 0; i < t.length; i += w + 1) {
      if (t[i] !== key) continue;
      for (let j = 0; j < w; j++) t[i + 1 + j] = (t[i + 1 + j] as number) + ns[j]!;
      return t;
    }
    if (t.length < SMALL * (w + 1)) {
      t.push(key, ...ns);
      return t;
    }
    const m = new Map<string, number[]>();
    for (let i = 0; i < t.length; i += w + 1) m.set(t[i] as string, t.slice(i + 1, i + 1 + w) as number[]);
    t = m;
  }
  const v = t.get(key);
  if (v) for (let j = 0; j < w; j++) v[j] = v[j]! + ns[j]!;
  else t.set(key, [...ns]);
  return t;
}

/** every key of a tally with its numbers (a fresh array of the numbers for a flat tally) */
export function* tallyEntries(t: Tally | undefined, width: number): Generator<[string, number[]]> {
  if (!t) return;
  if (!Array.isArray(t)) {
    yield* t;
    return;
  }
  for (let i = 0; i < t.length; i += width + 1) yield [t[i] as string, t.slice(i + 1, i + 1 + width) as number[]];
}

/** the keys of a tally made the same string as an equal one seen before (strings cloned from threads are copies) */
export function tallyIntern(t: Tally | undefined, width: number, intern: (s: string) => string): void {
  if (!Array.isArray(t)) return; // (a Map's keys are few in number among rows, and it is rare)
  for (let i = 0; i < t.length; i += width + 1) t[i] = intern(t[i] as string);
}

/** the examples of a row that has none: shared (and never changed: a row's first example replaces it) */
const NO_EXAMPLES: never[] = [];

/**
 * The counters most rows never need (a folder not listed, a hard link, a sparse or unopened file, a
 * withheld caller, past retention, example paths), in one object made at the first of them. A row
 * without any is 13 fields instead of 23: with 1,000,000 one-file customers the counters held while
 * the scan runs are ~100 MB smaller. Plain data, so that it crosses to the main thread in the
 * counts' structured clone as it is.
 */
interface Rare {
  unreadableFolders: number;
  opaqueFiles: number;
  hardLinks: number;
  sparseFiles: number;
  unopenedFiles: number;
  withheldCallerCalls: number;
  pastRetentionFiles: number;
  pastRetentionMicros: number;
  oldestPastRetentionMs: number | undefined;
  unreadableExamples: UnreadableExample[];
  unmatchedExamples: string[];
  /** the other values of {customer} its files' names can be read with → files (FileRecord.otherCustomers) */
  otherReadings: Map<string, number> | undefined;
}

const newRare = (): Rare => ({
  unreadableFolders: 0,
  opaqueFiles: 0,
  hardLinks: 0,
  sparseFiles: 0,
  unopenedFiles: 0,
  withheldCallerCalls: 0,
  pastRetentionFiles: 0,
  pastRetentionMicros: 0,
  oldestPastRetentionMs: undefined,
  unreadableExamples: NO_EXAMPLES,
  unmatchedExamples: NO_EXAMPLES,
  otherReadings: undefined,
});

/** the distinct other readings a row keeps (past them, files add only to the ones kept) */
const OTHER_READINGS_MAX = 1000;

function addReading(m: Rare, value: string, files: number): void {
  const map = (m.otherReadings ??= new Map<string, number>());
  const n = map.get(value);
  if (n !== undefined) map.set(value, n + files);
  else if (map.size < OTHER_READINGS_MAX) map.set(value, files);
}

export class Counts {
  files = 0;
  audioFiles = 0;
  otherFiles = 0;
  unreadableFiles = 0;
  bytes = 0;
  audioMicros = 0;
  /** the earliest and latest start of an audio file (ms since the epoch) */
  firstMs: number | undefined = undefined;
  lastMs: number | undefined = undefined;
  /** distinct caller keys (callers.ts); never written to an output. undefined until the first. */
  callers: Set<string> | undefined = undefined;
  /** codec → audio files (width 1) */
  formats: Tally | undefined = undefined;
  /** yyyy-MM → audio files and microseconds (width 2) */
  months: Tally | undefined = undefined;
  /** DateSource → audio files (width 1) */
  dateSources: Tally | undefined = undefined;
  /** the rarely used counters below (see Rare); undefined while they are all 0 or empty */
  rare: Rare | undefined = undefined;

  private more(): Rare {
    return (this.rare ??= newRare());
  }

  /** calls whose caller was withheld, anonymous or empty (not a caller one can count) */
  get withheldCallerCalls(): number {
    return this.rare?.withheldCallerCalls ?? 0;
  }
  set withheldCallerCalls(n: number) {
    this.more().withheldCallerCalls = n;
  }
  /** audio files whose start is before their row's retention cutoff */
  get pastRetentionFiles(): number {
    return this.rare?.pastRetentionFiles ?? 0;
  }
  set pastRetentionFiles(n: number) {
    this.more().pastRetentionFiles = n;
  }
  get pastRetentionMicros(): number {
    return this.rare?.pastRetentionMicros ?? 0;
  }
  set pastRetentionMicros(n: number) {
    this.more().pastRetentionMicros = n;
  }
  get oldestPastRetentionMs(): number | undefined {
    return this.rare?.oldestPastRetentionMs;
  }
  set oldestPastRetentionMs(ms: number | undefined) {
    this.more().oldestPastRetentionMs = ms;
  }
  /** folders the walk could not list: their files are not counted (not the same as an empty folder) */
  get unreadableFolders(): number {
    return this.rare?.unreadableFolders ?? 0;
  }
  set unreadableFolders(n: number) {
    this.more().unreadableFolders = n;
  }
  /** other files that may hold recordings (FileRecord.opaque): archives, encrypted, unknown formats */
  get opaqueFiles(): number {
    return this.rare?.opaqueFiles ?? 0;
  }
  set opaqueFiles(n: number) {
    this.more().opaqueFiles = n;
  }
  /** extra names of files already counted under another name (same device and inode): not in `files` */
  get hardLinks(): number {
    return this.rare?.hardLinks ?? 0;
  }
  set hardLinks(n: number) {
    this.more().hardLinks = n;
  }
  /** files with fewer bytes allocated than their size (sparse or compressed), counted at their size */
  get sparseFiles(): number {
    return this.rare?.sparseFiles ?? 0;
  }
  set sparseFiles(n: number) {
    this.more().sparseFiles = n;
  }
  /** files that could not be opened or read (permission denied, I/O error): content unknown, a gap */
  get unopenedFiles(): number {
    return this.rare?.unopenedFiles ?? 0;
  }
  set unopenedFiles(n: number) {
    this.more().unopenedFiles = n;
  }
  /** the first UNREADABLE_EXAMPLES unreadable files in path order */
  get unreadableExamples(): UnreadableExample[] {
    return this.rare?.unreadableExamples ?? NO_EXAMPLES;
  }
  set unreadableExamples(e: UnreadableExample[]) {
    this.more().unreadableExamples = e;
  }
  /**
   * the first UNMATCHED_EXAMPLES paths, in path order, of files the pattern did not match (the
   * "(unmatched)" row only): for the responder to see what the pattern missed; never written to an output
   */
  get unmatchedExamples(): string[] {
    return this.rare?.unmatchedExamples ?? NO_EXAMPLES;
  }
  set unmatchedExamples(e: string[]) {
    this.more().unmatchedExamples = e;
  }

  /**
   * Counts that came through postMessage (a structured clone: the fields, Maps and Sets, without the
   * class) made whole again without copying.
   */
  static revive(plain: Counts): Counts {
    return Object.setPrototypeOf(plain, Counts.prototype) as Counts;
  }

  add(r: FileRecord): void {
    if (r.hardLink) {
      this.more().hardLinks++;
      return;
    }
    this.files++;
    if (r.otherCustomers) for (const v of r.otherCustomers) addReading(this.more(), v, 1);
    if (r.row === 'unmatched' && r.path !== undefined) this.unmatchedExample(r.path);
    if (r.sparse) this.more().sparseFiles++;
    if (r.unopened) this.more().unopenedFiles++;
    this.bytes += r.bytes;
    if (r.caller !== undefined) (this.callers ??= new Set()).add(r.caller);
    else if (r.withheldCaller) this.more().withheldCallerCalls++;
    if (r.kind === 'other') {
      this.otherFiles++;
      if (r.opaque) this.more().opaqueFiles++;
      return;
    }
    if (r.kind === 'unreadable') {
      this.unreadableFiles++;
      this.example(r.path ?? '', r.error ?? 'unreadable');
      return;
    }
    this.audioFiles++;
    const micros = Math.round((r.seconds ?? 0) * 1e6);
    this.audioMicros += micros;
    if (r.codec) this.formats = tallyAdd(this.formats, r.codec, [1]);
    const start = r.startMs;
    if (start !== undefined) {
      if (this.firstMs === undefined || start < this.firstMs) this.firstMs = start;
      if (this.lastMs === undefined || start > this.lastMs) this.lastMs = start;
      this.months = tallyAdd(this.months, r.month!, [1, micros]);
      if (r.pastRetention) {
        const m = this.more();
        m.pastRetentionFiles++;
        m.pastRetentionMicros += micros;
        if (m.oldestPastRetentionMs === undefined || start < m.oldestPastRetentionMs) m.oldestPastRetentionMs = start;
      }
    }
    if (r.dateSource) this.dateSources = tallyAdd(this.dateSources, r.dateSource, [1]);
  }

  /**
   * Add another part's counts: the same as adding its files one by one, in any order. `o` may be a
   * structured clone not yet revived (its own fields only: the rare ones are read from o.rare).
   */
  merge(o: Counts): void {
    this.files += o.files;
    this.audioFiles += o.audioFiles;
    this.otherFiles += o.otherFiles;
    this.unreadableFiles += o.unreadableFiles;
    this.bytes += o.bytes;
    this.audioMicros += o.audioMicros;
    this.firstMs = min(this.firstMs, o.firstMs);
    this.lastMs = max(this.lastMs, o.lastMs);
    if (o.callers?.size) {
      const mine = (this.callers ??= new Set());
      for (const c of o.callers) mine.add(c);
    }
    for (const [k, n] of tallyEntries(o.formats, 1)) this.formats = tallyAdd(this.formats, k, n);
    for (const [k, n] of tallyEntries(o.months, 2)) this.months = tallyAdd(this.months, k, n);
    for (const [k, n] of tallyEntries(o.dateSources, 1)) this.dateSources = tallyAdd(this.dateSources, k, n);
    const r = o.rare;
    if (!r) return;
    const m = this.more();
    m.unreadableFolders += r.unreadableFolders;
    m.opaqueFiles += r.opaqueFiles;
    m.hardLinks += r.hardLinks;
    m.sparseFiles += r.sparseFiles;
    m.unopenedFiles += r.unopenedFiles;
    m.withheldCallerCalls += r.withheldCallerCalls;
    m.pastRetentionFiles += r.pastRetentionFiles;
    m.pastRetentionMicros += r.pastRetentionMicros;
    m.oldestPastRetentionMs = min(m.oldestPastRetentionMs, r.oldestPastRetentionMs);
    for (const e of r.unreadableExamples) this.example(e.path, e.error);
    for (const p of r.unmatchedExamples) this.unmatchedExample(p);
    if (r.otherReadings) for (const [v, n] of r.otherReadings) addReading(m, v, n);
  }

  /** the other values of {customer} this row's files' names can be read with → files */
  get otherReadings(): ReadonlyMap<string, number> | undefined {
    return this.rare?.otherReadings;
  }

  /** As example(): the first paths in path order, whatever order the files arrive in. */
  private unmatchedExample(path: string): void {
    const m = this.more();
    if (m.unmatchedExamples === NO_EXAMPLES) m.unmatchedExamples = [];
    const ex = m.unmatchedExamples;
    if (ex.length === UNMATCHED_EXAMPLES && path >= ex[ex.length - 1]!) return;
    if (ex.includes(path)) return;
    let i = ex.length;
    while (i > 0 && ex[i - 1]! > path) i--;
    ex.splice(i, 0, path);
    if (ex.length > UNMATCHED_EXAMPLES) ex.pop();
  }

  /**
   * Keep the first UNREADABLE_EXAMPLES paths in path order, not in arrival order, so that the
   * examples do not depend on which thread finished first.
   */
  private example(path: string, error: string): void {
    const m = this.more();
    if (m.unreadableExamples === NO_EXAMPLES) m.unreadableExamples = [];
    const ex = m.unreadableExamples;
    if (ex.length === UNREADABLE_EXAMPLES && path >= ex[ex.length - 1]!.path) return;
    let i = ex.length;
    while (i > 0 && ex[i - 1]!.path > path) i--;
    ex.splice(i, 0, { path, error });
    if (ex.length > UNREADABLE_EXAMPLES) ex.pop();
  }
}

const min = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined || a <= b ? a : b;
const max = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined || a >= b ? a : b;
