/** The per-file manifest (--files): one row per file, streamed while the scan runs. */
import { stringify, type Stringifier } from 'csv-stringify';
import type { Writable } from 'node:stream';
import type { FileRecord } from '../scan/record.js';
import { formatIso } from '../scan/date/zone.js';
import { numberCell, safeText } from './cells.js';
import type { Delimiter } from './summary.js';

export const MANIFEST_COLUMNS = [
  'path', 'customer', 'kind', 'bytes', 'seconds', 'codec', 'sample_rate', 'channels', 'recorded_at', 'date_source', 'error',
] as const;

export class ManifestWriter {
  private readonly csv: Stringifier;

  constructor(out: Writable, private readonly zone: string, private readonly delimiter: Delimiter = ',') {
    this.csv = stringify({ bom: true, delimiter, header: true, columns: [...MANIFEST_COLUMNS], record_delimiter: 'windows' });
    this.csv.pipe(out);
  }

  add(r: FileRecord): void {
    this.csv.write([
      safeText(r.path ?? ''),
      safeText(r.customer),
      r.kind,
      String(r.bytes),
      r.seconds === undefined ? '' : numberCell(r.seconds, 3, this.delimiter),
      safeText(r.codec ?? ''),
      r.sampleRate ? String(r.sampleRate) : '',
      r.channels ? String(r.channels) : '',
      r.startMs === undefined ? '' : formatIso(this.zone, r.startMs),
      r.dateSource ?? '',
      safeText(r.error ?? ''),
    ]);
  }

  /** End the CSV; resolves when it has all been handed to the output. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      this.csv.once('end', resolve);
      this.csv.end();
    });
  }
}
