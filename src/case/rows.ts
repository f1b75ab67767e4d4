/**
 * A stored row of the case file's `files` table back as what reading found (the facts a report or a
 * resumed scan places again); the row is written by scan/read/stored.ts, whose columns these read.
 */
import { CaseError } from './db.js';
import type { FileFacts } from '../scan/probe/index.js';
import type { EmbeddedDate, FileKind, ProbeResult } from '../scan/probe/types.js';

/** An INTEGER column as the library returns it: a bigint past 2^53. */
export type Int = number | bigint;

/** What a stored row says reading found (the columns a report needs). */
export interface StoredRow {
  /** TEXT (UTF-8 bytes) or a BLOB (scan/read/stored.ts storedPath) */
  path: string | Uint8Array;
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
  ctime_ms: number | null;
}

/** The kinds leaktally writes (FileKind). */
const KINDS = new Set<string>(['audio', 'other', 'unreadable'] satisfies FileKind[]);

/** The columns of StoredRow, for a SELECT. */
export const STORED_COLUMNS =
  'path, kind, bytes, seconds, codec, sample_rate, channels, embedded_date, error, unopened, sparse, hard_link, allocated, dev, ino, mtime_ms, ctime_ms';

/** A stored path's bytes: a TEXT path is its UTF-8, a BLOB its bytes. */
export function pathBytes(p: string | Uint8Array): Buffer {
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

/**
 * A stored row as the engine's facts (replayScan, KnownFiles). remote: the run's tree was on a web
 * server, so the row's mtime is the server's Last-Modified (FileFacts.lastModified).
 */
export function storedFacts(
  row: StoredRow,
  remote = false,
): { rel: Buffer; facts?: FileFacts; sparse?: boolean; hardLink?: boolean } {
  const rel = pathBytes(row.path);
  if (row.hard_link) return { rel, hardLink: true };
  // a row leaktally did not write (edited in another SQLite tool): refused, never counted as it reads
  const damaged = (what: string): CaseError =>
    new CaseError(`the row of ${rel.toString()} in the case file has ${what}: not a row leaktally wrote`);
  const count = (v: unknown): boolean =>
    (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n);
  if (!count(row.bytes)) throw damaged(`bytes ${String(row.bytes)}`);
  if (row.seconds !== null && !(typeof row.seconds === 'number' && Number.isFinite(row.seconds) && row.seconds >= 0))
    throw damaged(`seconds ${String(row.seconds)}`);
  if (!KINDS.has(row.kind)) throw damaged(`kind ${JSON.stringify(row.kind)}`);
  // no length leaktally counts is under the guard's lowest floor, 100 bit/s of the file's bytes
  // (probe/guard.ts): 1e308 s in a row edited by hand was reported as if read
  if (row.seconds !== null && row.seconds > (Number(row.bytes) * 8) / 100 + 1)
    throw damaged(`seconds ${row.seconds} in ${String(row.bytes)} bytes, more than any audio they hold`);
  const probe: ProbeResult = { kind: row.kind as FileKind };
  if (row.seconds !== null) probe.seconds = row.seconds;
  if (row.codec !== null) probe.codec = row.codec;
  if (row.sample_rate !== null) probe.sampleRate = Number(row.sample_rate);
  if (row.channels !== null) probe.channels = Number(row.channels);
  if (row.embedded_date !== null) {
    try {
      probe.embeddedDate = JSON.parse(row.embedded_date) as EmbeddedDate;
    } catch {
      throw damaged('an embedded date that is not JSON');
    }
  }
  if (row.error !== null) probe.error = row.error;
  if (row.unopened) probe.unopened = true;
  const facts: FileFacts = { bytes: Number(row.bytes), mtimeMs: row.mtime_ms ?? 0, probe };
  if (row.allocated !== null) facts.allocated = Number(row.allocated);
  if (row.dev !== null) facts.dev = Number(row.dev);
  if (row.ino !== null) facts.ino = Number(row.ino);
  if (row.ctime_ms !== null) facts.ctimeMs = row.ctime_ms;
  if (remote && facts.mtimeMs > 0) facts.lastModified = true;
  return row.sparse ? { rel, facts, sparse: true } : { rel, facts };
}
