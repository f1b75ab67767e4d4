/**
 * A file's record as a row of the case file's `files` table, and a stored row back as what reading
 * found (the facts a report or a resumed scan places again). The two directions sit together so that
 * a column written is a column read.
 */
import type { FileRecord } from '../scan/model.js';
import type { FileFacts } from '../scan/probe/index.js';
import type { EmbeddedDate, FileKind, ProbeResult } from '../scan/probe/types.js';
import { shownPath } from '../scan/place/names.js';

const flag = (b: boolean | undefined): number | null => (b ? 1 : null);
const opt = <T extends number | string>(v: T | undefined): T | null => v ?? null;

/**
 * The values of one `files` row (FILE_COLUMNS' order, without `run`), appended to out. A record
 * without `read` (the engine keeps it only for a case file) is not a row.
 */
export function fileRow(r: FileRecord, out: unknown[]): boolean {
  const read = r.read;
  if (!read) return false;
  const rel = read.rel;
  const f = read.facts;
  const p: ProbeResult | undefined = f?.probe;
  out.push(
    rel,
    shownPath(Buffer.from(rel.buffer, rel.byteOffset, rel.byteLength)),
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

/** An INTEGER column as the library returns it: a bigint past 2^53. */
type Int = number | bigint;

/** What a stored row says reading found (the columns a report needs). */
export interface StoredRow {
  path: Uint8Array;
  kind: string;
  bytes: Int;
  seconds: number | null;
  codec: string | null;
  sample_rate: Int | null;
  channels: Int | null;
  embedded_date: string | null;
  error: string | null;
  unopened: Int | null;
  sparse: Int | null;
  hard_link: Int | null;
  allocated: Int | null;
  dev: Int | null;
  ino: Int | null;
  mtime_ms: number | null;
}

/** The columns of StoredRow, for a SELECT. */
export const STORED_COLUMNS =
  'path, kind, bytes, seconds, codec, sample_rate, channels, embedded_date, error, unopened, sparse, hard_link, allocated, dev, ino, mtime_ms';

/** A stored row as the engine's facts (replayScan, KnownFiles). */
export function storedFacts(row: StoredRow): { rel: Buffer; facts?: FileFacts; sparse?: boolean; hardLink?: boolean } {
  const rel = Buffer.from(row.path.buffer, row.path.byteOffset, row.path.byteLength);
  if (row.hard_link) return { rel, hardLink: true };
  const probe: ProbeResult = { kind: row.kind as FileKind };
  if (row.seconds !== null) probe.seconds = row.seconds;
  if (row.codec !== null) probe.codec = row.codec;
  if (row.sample_rate !== null) probe.sampleRate = Number(row.sample_rate);
  if (row.channels !== null) probe.channels = Number(row.channels);
  if (row.embedded_date !== null) probe.embeddedDate = JSON.parse(row.embedded_date) as EmbeddedDate;
  if (row.error !== null) probe.error = row.error;
  if (row.unopened) probe.unopened = true;
  const facts: FileFacts = { bytes: Number(row.bytes), mtimeMs: row.mtime_ms ?? 0, probe };
  if (row.allocated !== null) facts.allocated = Number(row.allocated);
  if (row.dev !== null) facts.dev = Number(row.dev);
  if (row.ino !== null) facts.ino = Number(row.ino);
  return row.sparse ? { rel, facts, sparse: true } : { rel, facts };
}
