/**
 * A row's figures, in the counters' own units (integer µs of audio, ms since the epoch), and the one
 * way finished rows are added up. Counts (counts.ts) counts files while the scan runs; a row's figures
 * are its Counts frozen (aggregate.ts); every grouping of rows — a controller's keys, the report's
 * total, the UI table's filtered total — is a FigureSum of them. Units are turned into seconds or
 * hours only where a figure is written or shown, so that a sum of a million rows stays exact.
 *
 * Adding a figure: a field in Counts (add, merge), here (Figures, FigureSum.add and figures()), where
 * aggregate.ts freezes a row, and the formatters that write it.
 */
import type { DateSource } from '../place/date/resolve.js';

/** one month of a row: audio files and their length */
export interface MonthFigures {
  audio: number;
  micros: number;
}

export interface Figures {
  files: number;
  audioFiles: number;
  otherFiles: number;
  unreadableFiles: number;
  /** folders that could not be listed (their files are not counted), in this row's part of the tree */
  unreadableFolders: number;
  /** extra names of files counted once under another name (not in files) */
  hardLinks: number;
  /** files with fewer bytes allocated than their size (sparse or compressed), counted at their size */
  sparseFiles: number;
  /** files that could not be opened or read: their content is unknown (a completeness gap) */
  unopenedFiles: number;
  bytes: number;
  /** the audio's length in integer µs (exact sums) */
  audioMicros: number;
  /** the earliest and latest start of an audio file (ms since the epoch) */
  firstMs?: number;
  lastMs?: number;
  /** calls whose caller was withheld/anonymous/unknown/empty (0 unless the pattern captures {caller}) */
  withheldCallerCalls: number;
  /** audio files recorded before the row's retention cutoff (0 without a retention) */
  pastRetentionFiles: number;
  pastRetentionMicros: number;
  /** the start of the oldest of them */
  oldestPastRetentionMs?: number;
  /** codec → audio files, most first (ties by name) */
  formats: [string, number][];
  /** yyyy-MM → audio files and µs, in month order */
  months: [string, MonthFigures][];
  /** where each audio file's date came from → audio files, most first */
  dateSources: [DateSource, number][];
}

/** a count list most first, ties by key (code point order: the same on every machine) */
export const byCount = <K extends string>(m: Map<K, number>): [K, number][] =>
  [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

/**
 * Rows' figures added up. `lists: false` leaves the codec, month and date-source lists out (the UI's
 * total row sums only the plain figures, on every update).
 */
export class FigureSum {
  files = 0;
  audioFiles = 0;
  otherFiles = 0;
  unreadableFiles = 0;
  unreadableFolders = 0;
  hardLinks = 0;
  sparseFiles = 0;
  unopenedFiles = 0;
  bytes = 0;
  audioMicros = 0;
  withheldCallerCalls = 0;
  pastRetentionFiles = 0;
  pastRetentionMicros = 0;
  private first = Infinity;
  private last = -Infinity;
  private oldest = Infinity;
  private readonly formats = new Map<string, number>();
  private readonly months = new Map<string, MonthFigures>();
  private readonly sources = new Map<DateSource, number>();
  /** whether any row was added */
  any = false;

  constructor(private readonly lists = true) {}

  /** Add a row. withRetention false: its past-retention figures are left out (no retention applies to it). */
  add(f: Figures, withRetention = true): void {
    this.any = true;
    this.files += f.files;
    this.audioFiles += f.audioFiles;
    this.otherFiles += f.otherFiles;
    this.unreadableFiles += f.unreadableFiles;
    this.unreadableFolders += f.unreadableFolders;
    this.hardLinks += f.hardLinks;
    this.sparseFiles += f.sparseFiles;
    this.unopenedFiles += f.unopenedFiles;
    this.bytes += f.bytes;
    this.audioMicros += f.audioMicros;
    this.withheldCallerCalls += f.withheldCallerCalls;
    if (f.firstMs !== undefined && f.firstMs < this.first) this.first = f.firstMs;
    if (f.lastMs !== undefined && f.lastMs > this.last) this.last = f.lastMs;
    if (withRetention) {
      this.pastRetentionFiles += f.pastRetentionFiles;
      this.pastRetentionMicros += f.pastRetentionMicros;
      if (f.oldestPastRetentionMs !== undefined && f.oldestPastRetentionMs < this.oldest)
        this.oldest = f.oldestPastRetentionMs;
    }
    if (!this.lists) return;
    for (const [k, n] of f.formats) this.formats.set(k, (this.formats.get(k) ?? 0) + n);
    for (const [k, v] of f.months) {
      const m = this.months.get(k);
      if (m) {
        m.audio += v.audio;
        m.micros += v.micros;
      } else this.months.set(k, { audio: v.audio, micros: v.micros });
    }
    for (const [k, n] of f.dateSources) this.sources.set(k, (this.sources.get(k) ?? 0) + n);
  }

  get firstMs(): number | undefined {
    return Number.isFinite(this.first) ? this.first : undefined;
  }
  get lastMs(): number | undefined {
    return Number.isFinite(this.last) ? this.last : undefined;
  }
  get oldestPastRetentionMs(): number | undefined {
    return Number.isFinite(this.oldest) ? this.oldest : undefined;
  }

  /** The sum as figures (a new plain object; the lists empty when made without them). */
  figures(): Figures {
    return {
      files: this.files,
      audioFiles: this.audioFiles,
      otherFiles: this.otherFiles,
      unreadableFiles: this.unreadableFiles,
      unreadableFolders: this.unreadableFolders,
      hardLinks: this.hardLinks,
      sparseFiles: this.sparseFiles,
      unopenedFiles: this.unopenedFiles,
      bytes: this.bytes,
      audioMicros: this.audioMicros,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      withheldCallerCalls: this.withheldCallerCalls,
      pastRetentionFiles: this.pastRetentionFiles,
      pastRetentionMicros: this.pastRetentionMicros,
      oldestPastRetentionMs: this.oldestPastRetentionMs,
      formats: byCount(this.formats),
      months: [...this.months].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      dateSources: byCount(this.sources),
    };
  }
}
