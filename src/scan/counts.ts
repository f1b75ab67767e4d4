/**
 * One set of counters for a set of files: a reader thread sums a batch into one per row, the main
 * thread merges those into its rows and its total. `add` and `merge` give the same figures whatever
 * the order files and batches arrive in (seconds are summed as integer microseconds, examples kept in
 * path order), so that --threads 0, 2 and 3 agree exactly.
 *
 * The names are those of CustomerTotals (and so of the CSV columns); a sum that the totals show in
 * seconds is kept here in microseconds and named so (audioMicros, pastRetentionMicros).
 */
import type { DateSource } from './date/resolve.js';
import type { FileRecord } from './record.js';

export const UNREADABLE_EXAMPLES = 20;
/** example paths kept for the files a --pattern did not match (shown in the UI, never written) */
export const UNMATCHED_EXAMPLES = 5;

export interface MonthCounts {
  audioFiles: number;
  audioMicros: number;
}

export interface UnreadableExample {
  path: string;
  error: string;
}

const addTo = <K>(m: Map<K, number>, k: K, n: number): void => void m.set(k, (m.get(k) ?? 0) + n);

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
  /** distinct caller keys (callers.ts); never written to an output */
  callers = new Set<string>();
  /** calls whose caller was withheld, anonymous or empty (not a caller one can count) */
  withheldCallerCalls = 0;
  /** audio files whose start is before their row's retention cutoff */
  pastRetentionFiles = 0;
  pastRetentionMicros = 0;
  oldestPastRetentionMs: number | undefined = undefined;
  /** codec → audio files */
  formats = new Map<string, number>();
  /** yyyy-MM → audio files and microseconds */
  months = new Map<string, MonthCounts>();
  dateSources = new Map<DateSource, number>();
  /** folders the walk could not list: their files are not counted (not the same as an empty folder) */
  unreadableFolders = 0;
  /** extra names of files already counted under another name (same device and inode): not in `files` */
  hardLinks = 0;
  /** files with fewer bytes allocated than their size (sparse or compressed), counted at their size */
  sparseFiles = 0;
  /** the first UNREADABLE_EXAMPLES unreadable files in path order */
  unreadableExamples: UnreadableExample[] = [];
  /**
   * the first UNMATCHED_EXAMPLES paths, in path order, of files the pattern did not match (the
   * "(unmatched)" row only): for the responder to see what the pattern missed; never written to an output
   */
  unmatchedExamples: string[] = [];

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
    this.bytes += r.bytes;
    if (r.caller !== undefined) this.callers.add(r.caller);
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
    if (r.codec) addTo(this.formats, r.codec, 1);
    const start = r.startMs;
    if (start !== undefined) {
      if (this.firstMs === undefined || start < this.firstMs) this.firstMs = start;
      if (this.lastMs === undefined || start > this.lastMs) this.lastMs = start;
      this.month(r.month!, 1, micros);
      if (r.pastRetention) {
        this.pastRetentionFiles++;
        this.pastRetentionMicros += micros;
        if (this.oldestPastRetentionMs === undefined || start < this.oldestPastRetentionMs)
          this.oldestPastRetentionMs = start;
      }
    }
    if (r.dateSource) addTo(this.dateSources, r.dateSource, 1);
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
    this.bytes += o.bytes;
    this.audioMicros += o.audioMicros;
    this.firstMs = min(this.firstMs, o.firstMs);
    this.lastMs = max(this.lastMs, o.lastMs);
    for (const c of o.callers) this.callers.add(c);
    this.withheldCallerCalls += o.withheldCallerCalls;
    this.pastRetentionFiles += o.pastRetentionFiles;
    this.pastRetentionMicros += o.pastRetentionMicros;
    this.oldestPastRetentionMs = min(this.oldestPastRetentionMs, o.oldestPastRetentionMs);
    for (const [k, n] of o.formats) addTo(this.formats, k, n);
    for (const [k, m] of o.months) this.month(k, m.audioFiles, m.audioMicros);
    for (const [k, n] of o.dateSources) addTo(this.dateSources, k, n);
    for (const e of o.unreadableExamples) this.example(e.path, e.error);
    for (const p of o.unmatchedExamples) this.unmatchedExample(p);
  }

  /** As example(): the first paths in path order, whatever order the files arrive in. */
  private unmatchedExample(path: string): void {
    const ex = this.unmatchedExamples;
    if (ex.length === UNMATCHED_EXAMPLES && path >= ex[ex.length - 1]!) return;
    if (ex.includes(path)) return;
    let i = ex.length;
    while (i > 0 && ex[i - 1]! > path) i--;
    ex.splice(i, 0, path);
    if (ex.length > UNMATCHED_EXAMPLES) ex.pop();
  }

  private month(key: string, audioFiles: number, audioMicros: number): void {
    const m = this.months.get(key);
    if (m) {
      m.audioFiles += audioFiles;
      m.audioMicros += audioMicros;
    } else this.months.set(key, { audioFiles, audioMicros });
  }

  /**
   * Keep the first UNREADABLE_EXAMPLES paths in path order, not in arrival order, so that the
   * examples do not depend on which thread finished first.
   */
  private example(path: string, error: string): void {
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
