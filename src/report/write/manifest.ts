/**
 * The per-file manifest (--files): one row per file, streamed while the scan runs. The output is fed
 * by hand rather than piped: a pipe unhooks itself on the output's first error, after which the CSV
 * never ends and a run could finish "successfully" with nothing written. Here a write error is kept
 * (failure), reported once (onError), and the rest of the rows are dropped; and waitForRoom() lets the
 * scan wait while the output is behind (a slow reader of stdout, a slow disk), so memory stays flat.
 */
import { stringify, type Stringifier } from 'csv-stringify';
import type { Writable } from 'node:stream';
import type { FileRecord } from '../../scan/model.js';
import { formatIso } from '../../scan/place/date/zone.js';
import { printable } from '../../scan/place/names.js';
import { numberCell, safeText } from './cells.js';
import type { Delimiter } from './summary.js';

const MANIFEST_COLUMNS = [
  'path',
  'customer',
  'kind',
  'bytes',
  'seconds',
  'codec',
  'sample_rate',
  'channels',
  'recorded_at',
  'date_source',
  'error',
] as const;

export interface ManifestOptions {
  /** the output is a terminal: text cells go through the terminal sanitiser */
  terminal?: boolean;
  /** the output failed (once) */
  onError?: (e: Error) => void;
}

export class ManifestWriter {
  private readonly csv: Stringifier;
  private readonly text: (s: string) => string;
  private error?: Error;
  private waiters: (() => void)[] = [];
  /** rows handed to the output so far (the header not counted) */
  rows = 0;

  constructor(
    private readonly out: Writable,
    private readonly zone: string,
    private readonly delimiter: Delimiter = ',',
    private readonly opts: ManifestOptions = {},
  ) {
    this.text = opts.terminal ? (s) => printable(safeText(s)) : safeText;
    this.csv = stringify({
      bom: !opts.terminal,
      delimiter,
      header: true,
      columns: [...MANIFEST_COLUMNS],
      record_delimiter: 'windows',
    });
    this.csv.on('data', (chunk: Buffer) => {
      if (this.error) return;
      if (!this.out.write(chunk)) {
        this.csv.pause();
        this.out.once('drain', () => {
          this.csv.resume();
          this.wake();
        });
      }
    });
    this.csv.on('drain', () => this.wake());
    this.csv.on('error', (e) => this.fail(e));
    this.out.on('error', (e) => this.fail(e));
  }

  /** the first error of the output, if any */
  get failure(): Error | undefined {
    return this.error;
  }

  private fail(e: Error): void {
    if (this.error) return;
    this.error = e;
    this.csv.resume(); // keep the CSV flowing (into nothing) so that end() still ends
    this.wake();
    this.opts.onError?.(e);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when the output has room again (at once: undefined); also on an error. */
  waitForRoom(): Promise<void> | undefined {
    if (this.error || (!this.csv.writableNeedDrain && !this.out.writableNeedDrain)) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stop anyone waiting for room (the scan is being stopped). */
  release(): void {
    this.wake();
  }

  add(r: FileRecord): void {
    if (this.error) return;
    this.rows++;
    this.csv.write([
      this.text(r.path ?? ''),
      this.text(r.customer),
      r.kind,
      String(r.bytes),
      r.seconds === undefined ? '' : numberCell(r.seconds, 3, this.delimiter),
      this.text(r.codec ?? ''),
      r.sampleRate ? String(r.sampleRate) : '',
      r.channels ? String(r.channels) : '',
      r.startMs === undefined ? '' : formatIso(this.zone, r.startMs),
      r.dateSource ?? '',
      this.text(r.error ?? ''),
    ]);
  }

  /**
   * The folders that could not be read, a row each after the files (kind `folder`, the reason in
   * error): the summaries give their number and reasons only, as a folder's name may be a caller's
   * number (attack round 22b C3), so this file, made 0600, is where their paths are. listed: the
   * folders the scan kept by path (the first 100); total: all of them.
   */
  folders(
    listed: readonly { path: string; error: string }[],
    total: number,
    repeated: readonly { path: string; first: string }[] = [],
  ): void {
    if (this.error) return;
    const row = (path: string, error: string): void => {
      this.csv.write([this.text(path), '', 'folder', '', '', '', '', '', '', '', this.text(error)]);
    };
    for (const f of listed) row(f.path, `could not be read (${f.error}): its files are not counted`);
    // a folder met again under another path of its customer: no gap, its files counted once, there
    for (const f of repeated)
      row(f.path, `the same folder as ${f.first} (a bind mount or a loop): its files are counted there, once`);
    if (total > listed.length)
      row(
        '',
        `${total - listed.length} more folders could not be read (the scan keeps the first 100 by name; a case file, --case, keeps every one)`,
      );
  }

  /** End the CSV; resolves when it has all been handed to the output (or the output failed). */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.csv.readableEnded) {
        resolve();
        return;
      }
      this.csv.once('end', resolve);
      this.csv.once('error', () => resolve());
      this.csv.end();
    });
  }
}
