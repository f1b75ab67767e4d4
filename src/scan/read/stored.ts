/**
 * What a case file keeps of one file: its record (what reading found and where this run placed it) as
 * a flat row of the `files` table, built where the file was read (a reader thread), so that a batch's
 * rows travel to the case file's writer as one string and the thread that tallies and draws does
 * nothing per file for it. The columns are the schema's (case/schema.ts), in this order.
 */
import type { FileRecord } from '../model.js';
import type { ProbeResult } from '../probe/types.js';
import { isUtf8 } from 'node:buffer';

/** The columns of `files` in the order the writer binds them (fileRow below). */
export const FILE_COLUMNS = [
  'run',
  'path',
  'kind',
  'bytes',
  'seconds',
  'codec',
  'sample_rate',
  'channels',
  'embedded_date',
  'error',
  'unopened',
  'sparse',
  'hard_link',
  'allocated',
  'dev',
  'ino',
  'mtime_ms',
  'ctime_ms',
  'row_kind',
  'customer',
  'caller',
  'withheld_caller',
  'start_ms',
  'date_source',
  'month',
  'past_retention',
] as const;

/**
 * A path as the case file keeps it: its text when its bytes are UTF-8 (TEXT in SQLite, the same bytes,
 * readable in any tool), else its bytes, sent as `{ b: latin1 }` (a batch's rows travel as one JSON
 * string; one char a byte is lossless) and stored as a BLOB. pathBytes reads either back.
 */
export function storedPath(rel: Buffer): string | { b: string } {
  return isUtf8(rel) ? rel.toString('utf8') : { b: rel.toString('latin1') };
}

const flag = (b: boolean | undefined): number | null => (b ? 1 : null);
const opt = <T extends number | string>(v: T | undefined): T | null => v ?? null;

/**
 * The values of one `files` row (FILE_COLUMNS' order, without `run`), appended to out. A record
 * without `read` (the engine keeps it only for a case file) is not a row.
 */
export function fileRow(r: FileRecord, out: unknown[]): boolean {
  const read = r.read;
  if (!read) return false;
  const rel = Buffer.from(read.rel.buffer, read.rel.byteOffset, read.rel.byteLength);
  const f = read.facts;
  const p: ProbeResult | undefined = f?.probe;
  out.push(
    storedPath(rel),
    read.hardLink ? 'other' : (p?.kind ?? 'unreadable'),
    f?.bytes ?? 0,
    opt(p?.seconds),
    opt(p?.codec),
    opt(p?.sampleRate),
    opt(p?.channels),
    p?.embeddedDate ? JSON.stringify(p.embeddedDate) : null,
    opt(p?.error),
    flag(p?.unopened),
    flag(read.sparse),
    flag(read.hardLink),
    opt(f?.allocated),
    opt(f?.dev),
    opt(f?.ino),
    f ? f.mtimeMs : null,
    opt(f?.ctimeMs),
    r.row,
    r.customer,
    opt(r.caller),
    flag(r.withheldCaller),
    opt(r.startMs),
    opt(r.dateSource),
    opt(r.month),
    flag(r.pastRetention),
  );
  return true;
}
