/**
 * One file through the pipeline: read metadata → date → customer. Pure apart from reading the file;
 * the same function runs in the worker threads and, with --threads 0, on the main thread.
 */
import { createProbeIo, probeFile, probeOpen, type FileFacts, type ProbeIo } from '../probe/index.js';
import { closeHead, type HeadRead } from './heads.js';
import { resolveStart } from '../place/date/resolve.js';
import { monthKey } from '../place/date/zone.js';
import type { CompiledPattern } from '../place/pattern.js';
import {
  STALL_MS,
  TOP_LEVEL,
  UNMATCHED,
  type FileRecord,
  type ListedId,
  type RowKind,
  type ScanConfig,
} from '../model.js';
import { keyName, shownName } from '../place/names.js';
import { shardKey } from '../place/shard.js';
import { ANCHORS, openFolderNoLinks, reach, release } from '../walk/reach.js';
import { FileAnchors } from './anchors.js';
import { closeSync, lstatSync } from 'node:fs';
import type { RemoteFiles } from '../http/remote.js';

/**
 * The pattern (date-fns) and caller (libphonenumber-js) modules, loaded only for a scan with a
 * pattern: importing them cost each reader thread ~200 ms of start-up (CPU a scan of 100,000 files
 * spends a tenth of its time on), and most scans use no pattern.
 */
let patterns: typeof import('../place/pattern.js') | undefined;
let callers: typeof import('../place/callers.js') | undefined;

/** Load what makeContext needs for this config (a reader thread, before its first file). */
export async function loadFor(cfg: ScanConfig): Promise<void> {
  if (!cfg.pattern) return;
  patterns ??= await import('../place/pattern.js');
  callers ??= await import('../place/callers.js');
}

/** The modules, where they are imported anyway (the main thread: the engine, the CLI). */
export function provide(p: typeof import('../place/pattern.js'), c: typeof import('../place/callers.js')): void {
  patterns ??= p;
  callers ??= c;
}

export interface RecordContext {
  rootBytes: Buffer;
  /** put every file's path in its record (a manifest is written, or a caller wants records) */
  keepPaths: boolean;
  /** put what reading found in every record (a case file is written: FileRecord.read) */
  keepFacts: boolean;
  depth: number;
  zone: string;
  pattern?: CompiledPattern;
  country?: string;
  /** retention cutoffs by customer key, and for every other row */
  cutoffs: Map<string, number>;
  defaultCutoffMs?: number;
  /** this thread's read buffer and O_NOATIME count: one per thread, one file at a time */
  io: ProbeIo;
  /** this thread's folders held open to open files from in a deep tree (close() when done) */
  anchors: FileAnchors;
  /** the tree is on a web server: files are read over HTTP (set by the reader's job, job.ts) */
  remote?: RemoteFiles;
}

/**
 * The per-file context, built once per thread that reads files (one in each reader thread, one for
 * --threads 0): immutable settings from the config. Per-thread I/O state (head buffer, O_NOATIME
 * state: the probe's ProbeIo) belongs here too, created once per context, so that no two threads
 * share one.
 */
export function makeContext(cfg: ScanConfig, keepPaths = true, keepFacts = false): RecordContext {
  const root = Buffer.from(cfg.root);
  const rootBytes = root[root.length - 1] === 0x2f ? root : Buffer.concat([root, Buffer.from('/')]);
  return {
    rootBytes,
    keepPaths,
    keepFacts,
    depth: cfg.depth,
    zone: cfg.zone,
    pattern: cfg.pattern,
    country: cfg.country,
    cutoffs: new Map(Object.entries(cfg.retention?.cutoffMsByKey ?? {})),
    defaultCutoffMs: cfg.retention?.defaultCutoffMs,
    // a file is given up after the stall time on every path: on the calling thread (--threads 0) no
    // watchdog can replace a reader, so the reader's own deadline is the only net (probe/work.ts)
    io: createProbeIo(cfg.stallMs ?? STALL_MS),
    anchors: new FileAnchors(rootBytes),
  };
}

interface Located {
  name: string;
  dirs: () => string[];
  /** dirs as far as a date can be read from them: every other name '' */
  dateDirs: () => string[];
  fullPath: () => string;
  customer: string;
  row: RowKind;
  /** the captured caller text, if the pattern captures one */
  caller?: string;
  patternMs?: number;
  /** the other values the pattern's {customer} can take on this path (PatternMatch.otherCustomers) */
  otherCustomers?: string[];
  /** the path, when the pattern needed it */
  path?: string;
}

function loaded<T>(m: T | undefined): T {
  if (!m) throw new Error('the pattern modules are not loaded (record.ts loadFor)');
  return m;
}

/** any character outside ASCII (a path without one is the same in every normal form) */
const NON_ASCII = /[^\u0000-\u007f]/;

/** whether rel[from, to) is dd, yyyy or yyyy-mm-dd in ASCII digits (what dateFromFolders can read) */
function couldBeDate(rel: Buffer, from: number, to: number): boolean {
  const len = to - from;
  if (len !== 2 && len !== 4 && len !== 10) return false;
  for (let i = from; i < to; i++) {
    const c = rel[i]!;
    const dash = len === 10 && (i - from === 4 || i - from === 7);
    if (dash ? c !== 0x2d : c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Where a file belongs (customer, caller, pattern date), from its path alone. Names are shown exactly
 * (names.ts: bytes that are not UTF-8 as \xHH); the customer, and the path a pattern is matched
 * against, in normal form C (keyName), as register keys are matched.
 */
function locate(rel: Buffer, ctx: RecordContext): Located {
  // where each name starts and ends; names are decoded only when something needs them
  const bounds: number[] = [0];
  for (let i = rel.indexOf(0x2f); i >= 0; i = rel.indexOf(0x2f, i + 1)) bounds.push(i, i + 1);
  bounds.push(rel.length);
  const names = bounds.length / 2;
  const bytesOf = (k: number): Buffer => rel.subarray(bounds[2 * k], bounds[2 * k + 1]);
  const segment = (k: number): string => shownName(bytesOf(k));
  const name = segment(names - 1);
  const dirs = (): string[] => Array.from({ length: names - 1 }, (_, k) => segment(k));
  // only ASCII names of digits (dd, yyyy) or yyyy-mm-dd can be a date (dateFromFolders): the others
  // are not decoded (decoding every name of every file's path made a deep tree quadratic in names)
  const dateDirs = (): string[] => {
    const out = new Array<string>(names - 1);
    for (let k = 0; k < names - 1; k++) {
      const [from, to] = [bounds[2 * k]!, bounds[2 * k + 1]!];
      out[k] = couldBeDate(rel, from, to) ? rel.toString('latin1', from, to) : '';
    }
    return out;
  };
  const fullPath = (): string => (names === 1 ? name : [...dirs(), name].join('/'));
  const inCustomer = names - 1 >= ctx.depth;
  const at: Located = {
    name,
    dirs,
    dateDirs,
    fullPath,
    customer: inCustomer ? keyName(bytesOf(ctx.depth - 1)) : TOP_LEVEL,
    row: inCustomer ? 'customer' : 'top-level',
  };
  if (ctx.pattern) {
    at.path = fullPath();
    const keyPath = NON_ASCII.test(at.path)
      ? Array.from({ length: names }, (_, k) => keyName(bytesOf(k))).join('/')
      : at.path;
    const m = loaded(patterns).matchPattern(ctx.pattern, keyPath, ctx.zone);
    if (!m) {
      at.customer = UNMATCHED;
      at.row = 'unmatched';
    } else {
      if (ctx.pattern.hasCustomer) {
        at.customer = m.customer!;
        at.row = 'customer';
      }
      at.caller = m.caller;
      at.patternMs = m.dateMs;
      if (m.otherCustomers) at.otherCustomers = m.otherCustomers;
    }
  }
  return at;
}

/** The key of the row a file is placed in, from its path alone: what --shard slices by (place/shard.ts). */
export function rowKeyOf(rel: Buffer, ctx: RecordContext): string {
  const at = locate(rel, ctx);
  return shardKey(at.row, at.customer);
}

/** The record of a file whose reading never finished (its reader thread was replaced). */
export function stalledRecord(rel: Buffer, ctx: RecordContext, seconds: number): FileRecord {
  const at = locate(rel, ctx);
  const rec: FileRecord = {
    path: at.path ?? at.fullPath(),
    customer: at.customer,
    row: at.row,
    kind: 'unreadable',
    bytes: 0,
    error: `reading did not finish within ${seconds} s; skipped`,
    // a read that never came back (a dead mount, a web server that stalls mid-body): what the file
    // holds is unknown, a gap of its row as a file that cannot be read is; it left the row "complete"
    unopened: true,
  };
  setCaller(rec, at, ctx);
  // no device or inode: a resumed scan reads it again rather than taking this over
  if (ctx.keepFacts)
    rec.read = {
      rel: own(rel),
      facts: { bytes: 0, mtimeMs: 0, probe: { kind: 'unreadable', error: rec.error!, unopened: true } },
    };
  return rec;
}

function setCaller(rec: FileRecord, at: Located, ctx: RecordContext): void {
  if (at.caller === undefined) return;
  const key = loaded(callers).callerKey(at.caller, ctx.country);
  if (key === undefined) rec.withheldCaller = true;
  else rec.caller = key;
}

/**
 * Probe a file by its path below the root, of any length: opened below the thread's anchor for its
 * folder in a deep tree (anchors.ts), else from the root; a path past PATH_MAX is reached through
 * open folders (reach.ts). A file that cannot be opened (permission) is unreadable with the size lstat
 * gives: its content is unknown, its presence and size are not. A file on a web server is read over
 * HTTP instead (ctx.remote: http/remote.ts).
 */
async function readFacts(rel: Buffer, name: string, ctx: RecordContext): Promise<FileFacts> {
  if (ctx.remote) return ctx.remote.facts(rel, name, ctx.io.fileMs);
  const at = ctx.anchors.at(rel);
  // the file's folder opened a name at a time with no link followed (round 24: this path, the readers'
  // without the addon and for what the addon leaves, opened the path whole, so that a folder swapped
  // for a link in its middle during the scan was followed out of the tree); the file's own name is
  // opened O_NOFOLLOW by the probe. A folder that cannot be opened otherwise is left to the ordinary
  // route, whose open then fails with the file system's own words.
  const slash = ANCHORS ? at.rest.lastIndexOf(0x2f) : -1;
  let dir: number | undefined;
  if (slash >= 0)
    try {
      dir = openFolderNoLinks(at.rest.subarray(0, slash), at.fd < 0 ? undefined : at.fd, ctx.rootBytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
        ctx.anchors.done(at);
        return CHANGED_TO_LINK;
      }
    }
  let reached;
  try {
    reached =
      dir !== undefined
        ? { path: Buffer.concat([Buffer.from(`/proc/self/fd/${dir}/`), at.rest.subarray(slash + 1)]) }
        : at.fd < 0
          ? reach(Buffer.concat([ctx.rootBytes, rel]))
          : reach(at.rest, at.fd);
  } catch (e) {
    ctx.anchors.done(at);
    return {
      bytes: 0,
      mtimeMs: 0,
      probe: {
        kind: 'unreadable',
        error: `its folder could not be opened: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        unopened: true,
      },
    };
  }
  try {
    const facts = await probeFile(reached.path, name, ctx.io);
    // the probe's words for an open refused with EACCES/EPERM (probe/index.ts fsError)
    if (facts.bytes === 0 && facts.probe.error === 'permission denied') {
      // its size, where its folder lets it be looked up: a folder that can be listed but not searched
      // (mode 644, a copy that dropped the x bit) refuses the lstat too (EACCES), and that threw out of
      // the reader thread and ended the run with no output (attack round 22b C2); the file stays a gap
      // of its row, its size unknown
      let size = 0;
      try {
        size = lstatSync(reached.path, { throwIfNoEntry: false })?.size ?? 0;
      } catch {
        /* not searchable: its size is unknown */
      }
      return { ...facts, bytes: size, probe: { ...facts.probe, kind: 'unreadable', unopened: true } };
    }
    return facts;
  } finally {
    release(reached);
    if (dir !== undefined) closeSync(dir);
    ctx.anchors.done(at);
  }
}

/** What the walk learnt of a file (batcher.ts). */
export interface WalkFlags {
  sparse?: boolean;
  hardLink?: boolean;
  /** the file, counted under another name, met again here after a move during the scan */
  moved?: boolean;
  /** the file its folder's listing gave: only that file is counted under this name */
  listed?: ListedId;
}

/** a file whose path now goes through a symbolic link (read/heads.ts): not read, a gap of its row (round 23b C1) */
const CHANGED_TO_LINK: FileFacts = {
  bytes: 0,
  mtimeMs: 0,
  probe: { kind: 'unreadable', error: 'changed during the scan: now a link', unopened: true },
};

/**
 * A name whose file is not the one its folder's listing gave (another device or inode, or, where the
 * walk stat'ed it, another size or mtime): replaced after the listing, e.g. by another name (link +
 * rename) of a recording in another customer's folder. Not counted, a gap of its row. Before (attack
 * round 24c N0): the file opened was read as the listing's, and a 1 h recording listed in beta/ was
 * counted again under acme/'s replaced name: 7,260 s where a fresh scan finds 3,660, every row
 * "complete", exit 0.
 */
const REPLACED: FileFacts = {
  bytes: 0,
  mtimeMs: 0,
  probe: {
    kind: 'unreadable',
    error: 'changed during the scan: not the file its folder listed (replaced since); not counted',
    unopened: true,
  },
};

/**
 * A file counted under another name, met again here with one link: moved here during the scan after
 * its first folder was listed (walk.ts). Not counted again, a gap of this row. Before (attack round 24b
 * C2): counted once in each folder it passed, 1 h counted 4x.
 */
const MET_AGAIN: FileFacts = {
  bytes: 0,
  mtimeMs: 0,
  probe: {
    kind: 'unreadable',
    error: 'changed during the scan: moved here after it was counted under another name; not counted again',
    unopened: true,
  },
};

/** whether a file opened (its fstat) is the one the listing gave */
const isListed = (l: ListedId, dev: number | undefined, ino: number | undefined, size: number, mtimeMs: number) =>
  l.dev === dev &&
  l.ino === ino &&
  (l.size === undefined || l.size === size) &&
  (l.mtimeMs === undefined || l.mtimeMs === mtimeMs);

const SPARSE_NOTE = 'sparse: fewer bytes allocated than its size (counted at its size)';

/**
 * One file: rel is its path below the root as raw bytes ('/'-separated); opened: the file already
 * opened and its head read (a batch's reads, read/heads.ts), else it is read here.
 */
export async function processFile(
  ctx: RecordContext,
  rel: Buffer,
  flags?: WalkFlags,
  opened?: HeadRead,
): Promise<FileRecord> {
  const at = locate(rel, ctx);
  if (flags?.hardLink) return placeRecord(ctx, rel, undefined, flags, at);
  if (flags?.moved) return placeRecord(ctx, rel, MET_AGAIN, undefined, at);
  const listed = flags?.listed;
  let facts: FileFacts;
  if (opened?.linked) facts = CHANGED_TO_LINK;
  else if (opened) {
    if (opened.refused) ctx.io.noatimeRefused++;
    // compared before anything is parsed: the addon's fstat of the descriptor it opened
    if (listed && !isListed(listed, opened.dev, opened.ino, opened.size, opened.mtimeMs)) {
      if (opened.fd >= 0) closeHead(opened.fd);
      opened.fd = -1;
      return placeRecord(ctx, rel, REPLACED, undefined, at);
    }
    facts = await probeOpen(opened, at.name, closeHead, ctx.io.fileMs);
  } else {
    facts = await readFacts(rel, at.name, ctx);
    // the probe's fstat of the descriptor it read (none when it could not open it: unreadable anyway)
    if (listed && facts.dev !== undefined && !isListed(listed, facts.dev, facts.ino, facts.bytes, facts.mtimeMs))
      return placeRecord(ctx, rel, REPLACED, undefined, at);
  }
  return placeRecord(ctx, rel, facts, flags, at);
}

/**
 * Names of files that hold no recording: text (notes, logs, lists, checksums, web pages), images, and
 * what an operating system leaves in folders. By name only, so that a case file's stored facts give the
 * same answer (placeRecord is pure): a ZIP renamed notes.txt passes for text; its row's recordings are
 * still counted and its controller told it is affected.
 */
const NO_RECORDING_NAME =
  /(\.(txt|text|log|csv|tsv|json|xml|ini|cfg|conf|md|nfo|md5|sha1|sha256|sha512|sfv|htm|html|url|jpg|jpeg|png|gif|bmp|tif|tiff|webp|heic)|^thumbs\.db|^desktop\.ini|^\.ds_store|^\._.*)$/i;

/**
 * Whether an other file (not opened as a recording) may hold recordings: an archive of a customer's
 * calls (ZIP, 7z, tar), an encrypted copy (.gpg), a disk image, any format the probe could not name.
 * Not: an empty file, a format the probe named (a video without an audio track, a tracker module),
 * or a name of NO_RECORDING_NAME. Round 24: a row with recordings and calls.zip beside them said
 * "exact" and "every file … counted"; round 23b's rule (other files make a row incomplete) applied only
 * to rows with no recording, since logs and notes beside calls would make every row incomplete.
 */
function mayHoldRecordings(name: string, bytes: number, codec: string | undefined): boolean {
  return bytes > 0 && codec === undefined && !NO_RECORDING_NAME.test(name);
}

/**
 * What a file read (facts; none for another name of a file read once) comes to in this run: its row,
 * caller, start and retention, from its path and the run's pattern, depth, zone and cutoffs. Pure: a
 * case file's stored facts placed again with other options give what a scan with them would
 * (case/report.ts), and a file known again on resume is placed without being read.
 */
export function placeRecord(
  ctx: RecordContext,
  rel: Buffer,
  facts: FileFacts | undefined,
  flags?: WalkFlags,
  at: Located = locate(rel, ctx),
): FileRecord {
  if (flags?.hardLink || !facts) {
    const rec: FileRecord = {
      customer: at.customer,
      row: at.row,
      kind: 'other',
      bytes: 0,
      hardLink: true,
      error: 'another name (hard link) of a file counted once',
    };
    if (ctx.keepPaths) rec.path = at.path ?? at.fullPath();
    if (ctx.keepFacts) rec.read = { rel: own(rel), hardLink: true };
    return rec;
  }
  const p = facts.probe;

  // an unmatched file's path is already made (the pattern was tried on it): kept for the row's examples
  const path =
    ctx.keepPaths || p.kind === 'unreadable' || at.row === 'unmatched' ? (at.path ?? at.fullPath()) : undefined;
  const rec: FileRecord = { customer: at.customer, row: at.row, kind: p.kind, bytes: facts.bytes };
  if (path !== undefined) rec.path = path;
  if (at.otherCustomers) rec.otherCustomers = at.otherCustomers;
  if (p.seconds !== undefined) rec.seconds = p.seconds;
  if (p.codec !== undefined) rec.codec = p.codec;
  if (p.sampleRate) rec.sampleRate = p.sampleRate;
  if (p.channels) rec.channels = p.channels;
  setCaller(rec, at, ctx);
  if (p.error !== undefined) rec.error = p.error;
  if (p.unopened) rec.unopened = true;
  else if (p.kind === 'other' && mayHoldRecordings(at.name, facts.bytes, p.codec)) rec.opaque = true;
  if (flags?.sparse) {
    rec.sparse = true;
    // a reader that judged the file on its allocated bytes said so already (raw names, a hole, a header's claim)
    if (!rec.error?.includes('allocated')) rec.error = rec.error ? `${rec.error}; ${SPARSE_NOTE}` : SPARSE_NOTE;
  }
  if (p.kind !== 'other') {
    const start = resolveStart({
      zone: ctx.zone,
      patternMs: at.patternMs,
      name: at.name,
      dirs: at.dateDirs,
      embedded: p.embeddedDate,
      mtimeMs: facts.mtimeMs,
      lastModified: facts.lastModified,
      seconds: p.seconds,
    });
    if (start) {
      rec.startMs = start.ms;
      rec.dateSource = start.source;
      rec.month = monthKey(ctx.zone, start.ms);
      const cutoff = (at.row === 'customer' ? ctx.cutoffs.get(at.customer) : undefined) ?? ctx.defaultCutoffMs;
      if (p.kind === 'audio' && cutoff !== undefined && start.ms < cutoff) rec.pastRetention = true;
    }
  }
  if (ctx.keepFacts) rec.read = flags?.sparse ? { rel: own(rel), facts, sparse: true } : { rel: own(rel), facts };
  return rec;
}

/**
 * The path's own bytes: rel may be a view of a whole batch's buffer, which a message to the main
 * thread would copy whole for every file.
 */
const own = (rel: Buffer): Uint8Array => new Uint8Array(rel);
