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
  if (!t) return [key, ...ns];
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
  /** calls whose caller was withheld, anonymous or empty (not a caller one can count) */
  withheldCallerCalls = 0;
  /** audio files whose start is before their row's retention cutoff */
  pastRetentionFiles = 0;
  pastRetentionMicros = 0;
  oldestPastRetentionMs: number | undefined = undefined;
  /** codec → audio files (width 1) */
  formats: Tally | undefined = undefined;
  /** yyyy-MM → audio files and microseconds (width 2) */
  months: Tally | undefined = undefined;
  /** DateSource → audio files (width 1) */
  dateSources: Tally | undefined = undefined;
  /** folders the walk could not list: their files are not counted (not the same as an empty folder) */
  unreadableFolders = 0;
  /** extra names of files already counted under another name (same device and inode): not in `files` */
  hardLinks = 0;
  /** files with fewer bytes allocated than their size (sparse or compressed), counted at their size */
  sparseFiles = 0;
  /** files that could not be opened or read (permission denied, I/O error): content unknown, a gap */
  unopenedFiles = 0;
  /** the first UNREADABLE_EXAMPLES unreadable files in path order */
  unreadableExamples: UnreadableExample[] = NO_EXAMPLES;
  /**
   * the first UNMATCHED_EXAMPLES paths, in path order, of files the pattern did not match (the
   * "(unmatched)" row only): for the responder to see what the pattern missed; never written to an output
   */
  unmatchedExamples: string[] = NO_EXAMPLES;

  /**
   * Counts that came through postMessage (a structured clone: the fields, Maps and Sets, without the
   * class) made whole again without copying.
   */
  static revive(plain: Counts): Counts {
    return Object.setPrototypeOf(plain, Counts.prototype) as Counts;
  }

  add(r: FileRecord): void {
    if (r.hardLink) {
      this.hardLinks++;
      return;
    }
    this.files++;
    if (r.row === 'unmatched' && r.path !== undefined) this.unmatchedExample(r.path);
    if (r.sparse) this.sparseFiles++;
    if (r.unopened) this.unopenedFiles++;
    this.bytes += r.bytes;
    if (r.caller !== undefined) (this.callers ??= new Set()).add(r.caller);
    else if (r.withheldCaller) this.withheldCallerCalls++;
    if (r.kind === 'other') {
      this.otherFiles++;
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
        this.pastRetentionFiles++;
        this.pastRetentionMicros += micros;
        if (this.oldestPastRetentionMs === undefined || start < this.oldestPastRetentionMs)
          this.oldestPastRetentionMs = start;
      }
    }
    if (r.dateSource) this.dateSources = tallyAdd(this.dateSources, r.dateSource, [1]);
  }

  /** Add another part's counts: the same as adding its files one by one, in any order. */
  merge(o: Counts): void {
    this.files += o.files;
    this.audioFiles += o.audioFiles;
    this.otherFiles += o.otherFiles;
    this.unreadableFiles += o.unreadableFiles;
    this.unreadableFolders += o.unreadableFolders;
    this.hardLinks += o.hardLinks;
    this.sparseFiles += o.sparseFiles;
    this.unopenedFiles += o.unopenedFiles;
    this.bytes += o.bytes;
    this.audioMicros += o.audioMicros;
    this.firstMs = min(this.firstMs, o.firstMs);
    this.lastMs = max(this.lastMs, o.lastMs);
    if (o.callers?.size) {
      const mine = (this.callers ??= new Set());
      for (const c of o.callers) mine.add(c);
    }
    this.withheldCallerCalls += o.withheldCallerCalls;
    this.pastRetentionFiles += o.pastRetentionFiles;
    this.pastRetentionMicros += o.pastRetentionMicros;
    this.oldestPastRetentionMs = min(this.oldestPastRetentionMs, o.oldestPastRetentionMs);
    for (const [k, n] of tallyEntries(o.formats, 1)) this.formats = tallyAdd(this.formats, k, n);
    for (const [k, n] of tallyEntries(o.months, 2)) this.months = tallyAdd(this.months, k, n);
    for (const [k, n] of tallyEntries(o.dateSources, 1)) this.dateSources = tallyAdd(this.dateSources, k, n);
    for (const e of o.unreadableExamples) this.example(e.path, e.error);
    for (const p of o.unmatchedExamples) this.unmatchedExample(p);
  }

  /** As example(): the first paths in path order, whatever order the files arrive in. */
  private unmatchedExample(path: string): void {
    if (this.unmatchedExamples === NO_EXAMPLES) this.unmatchedExamples = [];
    const ex = this.unmatchedExamples;
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
    if (this.unreadableExamples === NO_EXAMPLES) this.unreadableExamples = [];
    const ex = this.unreadableExamples;
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
