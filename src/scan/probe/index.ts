/**
 * Read one file: open it read-only (O_NOATIME where allowed, never following a link, never blocking on
 * a FIFO), take its size and mtime, read a bounded head, and hand it to the reader for its format: the
 * first in the format table (formats.ts) whose magic the head shows, else the file is judged by its
 * name. Every answer goes through the one plausibility check (guard.ts).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { probeRaw, rawCodec } from './raw.js';
import { guard } from './guard.js';
import { MODULE_EXT, moduleKind, notARecording } from './module.js';
import { AUDIO_EXT, MPEG_EXT, afterTag, formatOf, type FileName, type Format } from './formats.js';
import { Work, WorkExceeded } from './work.js';
import type { Claim, FileSource, ProbeResult } from './types.js';

export type { FileKind } from './types.js';

/**
 * music-metadata (and strtok3) loaded when a file first needs it: importing them costs each reader
 * thread ~100 ms of start-up, and the common recordings (WAV, MP3, Ogg, FLAC...) are read by hand.
 */
let mm: Promise<typeof import('./mm.js')> | undefined;
async function probeWithMusicMetadata(
  src: FileSource,
  name: string,
): ReturnType<(typeof import('./mm.js'))['probeWithMusicMetadata']> {
  mm ??= import('./mm.js');
  return (await mm).probeWithMusicMetadata(src, name);
}

const HEAD_SIZE = 4096;
/**
 * A file this small is read whole in the one read: a short MP3 or M4A would otherwise cost further
 * reads for its tail (ID3v1, APE footer) or its moov, each a system call of its own.
 */
export const WHOLE_FILE_MAX = 16 * 1024;

/** The name's extension, and whether it says "a recording" (an extension in the format table, or a raw codec's). */
function fileName(name: string): FileName {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return { ext, audioName: AUDIO_EXT.has(ext) || rawCodec(ext) !== undefined };
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed number, but undefined where the platform lacks the flag
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0);
// eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed number, but undefined where the platform lacks the flag
const O_NOATIME = constants.O_NOATIME ?? 0;

/**
 * One reader thread's state: its read buffer and what O_NOATIME did. probeFile uses the buffer until
 * its promise settles, so one ProbeIo serves one file at a time; give every thread (or every
 * concurrent caller) its own.
 */
export interface ProbeIo {
  /** the head of the file being read (reused from file to file) */
  readonly head: Buffer;
  /** wall time one file may take to read, in ms (work.ts: the deadline; Infinity: none) */
  readonly fileMs: number;
  /** files opened without O_NOATIME because the kernel refused it (EPERM: not the owner); their atime may move */
  noatimeRefused: number;
}

export function createProbeIo(fileMs = Infinity): ProbeIo {
  return { head: Buffer.allocUnsafe(WHOLE_FILE_MAX), fileMs, noatimeRefused: 0 };
}

/** a file of this size or more with no block allocated holds no inline data (ext4 and btrfs inline a few KiB at most) */
const HOLE_MIN = 64 * 1024;
/** windows of HOLE_WINDOW bytes read, one drawn at random in each of this many stretches, to tell a hole */
const HOLE_WINDOWS = 16;
const HOLE_WINDOW = 4096;

/**
 * st_blocks × 512 when it is fewer bytes than the size (sparse). 0 blocks says nothing by itself
 * (inline data; some FUSE mounts report none for any file), so a file of HOLE_MIN bytes or more with
 * none is read: when its head and a window drawn at random in each 16th of it hold only zeros it is a
 * hole, 0 bytes allocated (a 1 GB hole named .g726 counted 250,000 s, round 22's residue); a mount
 * that reports no blocks for a file with data shows data there, and the file counts as before.
 */
function allocatedOf(size: number, blocks: number | undefined, fd: number, head: Buffer): number | undefined {
  const allocated = (blocks ?? 0) * 512;
  if (allocated > 0) return allocated < size ? allocated : undefined;
  if (blocks !== 0 || size < HOLE_MIN || fd < 0 || !zeros(head)) return undefined;
  const w = Buffer.allocUnsafe(HOLE_WINDOW);
  const stretch = Math.floor(size / HOLE_WINDOWS);
  try {
    for (let i = 0; i < HOLE_WINDOWS; i++) {
      const at = i * stretch + Math.floor(Math.random() * Math.max(1, stretch - HOLE_WINDOW));
      const n = readSync(fd, w, 0, HOLE_WINDOW, at);
      if (!zeros(w.subarray(0, n))) return undefined;
    }
  } catch {
    return undefined; // a read error: the reader meets it again and says so
  }
  return 0;
}

function zeros(b: Buffer): boolean {
  for (const x of b) if (x) return false;
  return true;
}

function openEvidence(path: Buffer | string, io: ProbeIo): number {
  if (O_NOATIME) {
    try {
      return openSync(path, OPEN_FLAGS | O_NOATIME);
    } catch (e) {
      // O_NOATIME is refused (EPERM) for a file the user does not own. Asked again for every file (a
      // tree mixes owners), and counted, so that a run can say how many atimes it could not keep.
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      const fd = openSync(path, OPEN_FLAGS);
      io.noatimeRefused++;
      return fd;
    }
  }
  return openSync(path, OPEN_FLAGS);
}

export interface FileFacts {
  bytes: number;
  /** bytes allocated when fewer than bytes (a sparse file) */
  allocated?: number;
  mtimeMs: number;
  /** device and inode, where the file was opened (a case file keeps them: resume.ts); over HTTP 0 and a hash of the URL path */
  dev?: number;
  ino?: number;
  /**
   * its ctime, where the file was opened: a resumed run compares it too, as an mtime can be set back
   * (touch -r, rsync --inplace -t) and a ctime cannot (round 24 H1)
   */
  ctimeMs?: number;
  /** mtimeMs is a web server's Last-Modified (the date source `last-modified`) */
  lastModified?: true;
  probe: ProbeResult;
}

/**
 * Probe one file. Never throws for a file's content or a file system error: those become an
 * unreadable (or other) result with the reason in `error`.
 */
export async function probeFile(
  path: Buffer | string,
  name: string,
  io: ProbeIo = createProbeIo(),
): Promise<FileFacts> {
  const file = fileName(name);
  let fd: number;
  try {
    fd = openEvidence(path, io);
  } catch (e) {
    return {
      bytes: 0,
      mtimeMs: 0,
      probe: { kind: file.audioName ? 'unreadable' : 'other', error: fsError(e), unopened: true },
    };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { bytes: 0, mtimeMs: st.mtimeMs, probe: { kind: 'other', error: 'not a regular file' } };
    const size = st.size;
    const work = new Work(performance.now() + io.fileMs);
    const n = size === 0 ? 0 : readSync(fd, io.head, 0, size <= WHOLE_FILE_MAX ? size : HEAD_SIZE, 0);
    const allocated = allocatedOf(size, st.blocks, fd, io.head.subarray(0, n));
    return {
      bytes: size,
      allocated,
      mtimeMs: st.mtimeMs,
      dev: st.dev,
      ino: st.ino,
      ctimeMs: st.ctimeMs,
      probe: await probeContent(sourceOf(fd, size, io.head.subarray(0, n), allocated, work), file, name),
    };
  } catch (e) {
    return {
      bytes: 0,
      mtimeMs: 0,
      probe: { kind: file.audioName ? 'unreadable' : 'other', error: fsError(e), unopened: true },
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * A regular file already opened, stat'ed and its head read as probeFile would (read/heads.ts reads
 * a batch of them at once): its head is exactly what probeFile's one read gives.
 */
export interface OpenFile {
  /** the open descriptor, closed by probeOpen (which sets this to -1); -1 when the head is the whole file */
  fd: number;
  size: number;
  mtimeMs: number;
  /** st_blocks × 512 */
  allocated: number;
  /** device and inode (st_dev, st_ino): a case file keeps them to know the file again */
  dev?: number;
  ino?: number;
  ctimeMs?: number;
  head: Buffer;
}

/**
 * The rest of probeFile for a file already open: the same result for the same bytes. close: how to
 * close its descriptor (one the addon opened: a worker thread warns when fs closes a descriptor it
 * did not open).
 */
export async function probeOpen(
  f: OpenFile,
  name: string,
  close: (fd: number) => void = closeSync,
  fileMs = Infinity,
): Promise<FileFacts> {
  const fd = f.fd;
  f.fd = -1; // this call closes it
  try {
    const allocated = allocatedOf(f.size, f.allocated / 512, fd, f.head);
    const src = sourceOf(fd, f.size, f.head, allocated, new Work(performance.now() + fileMs));
    return {
      bytes: f.size,
      allocated,
      mtimeMs: f.mtimeMs,
      dev: f.dev,
      ino: f.ino,
      ctimeMs: f.ctimeMs,
      probe: await probeContent(src, fileName(name), name),
    };
  } finally {
    if (fd >= 0) close(fd);
  }
}

/**
 * A file read elsewhere than on this machine (a web server: scan/http/remote.ts): its size, its first
 * bytes (at least the head probeFile would read), and a synchronous positioned read for the rest.
 */
export interface FetchedFile {
  size: number;
  /** its first bytes: the whole file when it is at most WHOLE_FILE_MAX, else at least HEAD_SIZE */
  head: Buffer;
  mtimeMs: number;
  /** the mtime is the server's Last-Modified (a date source of its own: place/date/resolve.ts) */
  lastModified?: boolean;
  dev?: number;
  ino?: number;
  read(position: number, length: number): Buffer;
}

/**
 * probeFile for a fetched file: the same readers given the same head (what probeFile's one read
 * gives) and the same positioned reads, so the same bytes give the same result. A file that could not
 * be fetched is unreadable (or other, by its name) with the reason.
 */
export async function probeFetched(
  f: FetchedFile | { error: string },
  name: string,
  fileMs = Infinity,
): Promise<FileFacts> {
  const file = fileName(name);
  if ('error' in f)
    return {
      bytes: 0,
      mtimeMs: 0,
      probe: { kind: file.audioName ? 'unreadable' : 'other', error: f.error, unopened: true },
    };
  const work = new Work(performance.now() + fileMs);
  const head = f.head.subarray(0, f.size <= WHOLE_FILE_MAX ? f.size : HEAD_SIZE);
  const src: FileSource = {
    size: f.size,
    head,
    work,
    read(position, length) {
      work.tick(1 + (Math.max(0, length) >> 10));
      return f.read(position, length);
    },
  };
  const facts: FileFacts = {
    bytes: f.size,
    mtimeMs: f.mtimeMs,
    dev: f.dev,
    ino: f.ino,
    probe: await probeContent(src, file, name),
  };
  if (f.lastModified) facts.lastModified = true;
  return facts;
}

/** Positioned reads of an open file (fd), or of its head alone when that is the whole file (fd -1). */
function sourceOf(fd: number, size: number, head: Buffer, allocated: number | undefined, work: Work): FileSource {
  return {
    size,
    head,
    allocated,
    work,
    read(position, length) {
      // (a position before the file reads nothing, as a read of the file would fail: a file held whole
      // took a negative one as counting from its end, round 19)
      const len = position < 0 ? 0 : Math.max(0, Math.min(length, size - position));
      work.tick(1 + (len >> 10)); // a read is work too: a reader that reads in a loop is bounded by it
      if (fd < 0) return Buffer.from(head.subarray(position, position + len));
      const b = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const r = readSync(fd, b, got, len - got, position + got);
        if (r === 0) break;
        got += r;
      }
      return got === len ? b : b.subarray(0, got);
    },
  };
}

/**
 * Every reader's answer, through the one plausibility check (guard.ts): no length is counted that the
 * check has not seen. A file known to be audio by its content is never `other`: when its length is
 * not found or not believed it is unreadable, named.
 */
async function probeContent(src: FileSource, file: FileName, name: string): Promise<ProbeResult> {
  let format: Format | undefined;
  let c: Claim;
  try {
    format = src.size === 0 ? undefined : formatOf(src.head, src.size);
    c = await probeSource(src, file, name, format);
  } catch (e) {
    // the file system failing a read past the head (EIO: a disk going bad, a share dropped; EACCES,
    // ESTALE…): the file could not be read, a gap of its row as a file that cannot be opened is, not
    // content a reader judged (it was "header not readable", its row complete at 0 h; the same class
    // as attack round 25b C6's failed HTTP reads)
    if (
      typeof (e as NodeJS.ErrnoException).syscall === 'string' &&
      typeof (e as NodeJS.ErrnoException).code === 'string'
    )
      return { kind: file.audioName || format ? 'unreadable' : 'other', error: fsError(e), unopened: true };
    // a header that breaks a reader (a field pointing past the end, a size that does not add up), or
    // a file that costs more work than any recording: it still counts, as unreadable, with the reason
    const msg = e instanceof Error ? e.message : String(e);
    return { kind: 'unreadable', error: e instanceof WorkExceeded ? msg : `header not readable: ${msg}` };
  }
  const r = guard(c, src);
  // (a tracker module is audio by its content but not a recording: `other`, module.ts)
  const kindName = format?.audio && !moduleKind(src.head) ? format.name : undefined;
  if (!kindName || r.kind === 'audio') return r;
  return {
    ...r,
    kind: 'unreadable',
    codec: r.codec ?? kindName.toUpperCase(),
    error: `${kindName}: ${r.error ?? 'length not found'}`,
  };
}

/** The file's format (formats.ts, the first in the table whose magic its head shows) read, or what stands in when its reader has no answer. */
async function probeSource(src: FileSource, file: FileName, name: string, format: Format | undefined): Promise<Claim> {
  if (src.size === 0) return file.audioName ? { kind: 'unreadable', error: 'empty file' } : { kind: 'other' };
  if (format?.audio) {
    // a module signature in the head of any format that is audio by its content: a score, not a recording
    const mod = moduleKind(src.head);
    if (mod) return notARecording(mod);
  }
  const r = format?.read?.(src, file);
  if (r) return r;
  switch (format?.otherwise ?? 'by name') {
    case 'music-metadata':
      return mmClaim(await probeWithMusicMetadata(src, name));
    case 'music-metadata, no CBR':
      return mmClaim(await probeWithMusicMetadata(src, name), false);
    case 'other':
      return { kind: 'other' };
    case 'by name':
      return byName(src, file, name, false);
    case 'by name, frame sync':
      return byName(src, file, name, true);
  }
}

/**
 * A file no format claims (or with only an MPEG frame sync, or an MPEG-TS that holds no audio
 * found): raw codecs by name, MPEG/ADTS frames, modules by name, then music-metadata.
 */
async function byName(src: FileSource, file: FileName, name: string, sync: boolean): Promise<Claim> {
  const raw = rawCodec(file.ext);
  if (raw) return probeRaw(raw, src);
  // MPEG or ADTS frames at the head, or (named so) after junk: a copy that started mid-stream
  if (sync || MPEG_EXT.has(file.ext)) {
    const r = afterTag(src, 0);
    if (r) return r;
  }
  // a module without a tag at a known place (a 15-sample Soundtracker MOD): known only by its name
  if (!sync && MODULE_EXT.has(file.ext)) return notARecording(file.ext.toUpperCase());
  if (file.audioName) return mmClaim(await probeWithMusicMetadata(src, name));
  if (!sync) return { kind: 'other' };
  // A frame sync on a file not named as audio counts only if it really parses as audio.
  const r = await probeWithMusicMetadata(src, name);
  return r.kind === 'audio' ? mmClaim(r) : { kind: 'other' };
}

/** music-metadata's answer as a claim: its constant bit rate (where it reports one) lets the check size a rejected length from the bytes. */
function mmClaim(r: ProbeResult & { bitrate?: number; cbr?: boolean }, useCbr = true): Claim {
  const { bitrate, cbr, ...rest } = r;
  // uncompressed DSD is a bit a sample a channel: a rejected length is what the bytes hold at that rate
  if (DSD.test(r.codec ?? '') && r.sampleRate && r.channels) return { ...rest, cbrBitrate: r.sampleRate * r.channels };
  return useCbr && cbr && bitrate ? { ...rest, cbrBitrate: bitrate } : rest;
}
const DSD = /^(DSF|DSDIFF\/DSD \(NOT COMPRESSED)/;

function fsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'vanished during the scan';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link (not followed)';
    case 'EIO':
      return 'I/O error';
    default:
      return err.code ? `${err.code}: ${err.message}` : String(e);
  }
}
