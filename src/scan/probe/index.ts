/**
 * Read one file: open it read-only (O_NOATIME where allowed, never following a link, never blocking on
 * a FIFO), take its size and mtime, read a bounded head, and hand it to the reader for its format.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isWav, probeWav } from './wav.js';
import { probeRaw, rawCodec } from './raw.js';
import { probeOgg } from './ogg.js';
import { probeMpeg } from './mp3.js';
import { probeFlac } from './flac.js';
import { probeAdts } from './adts.js';
import { readId3v2 } from './id3.js';
import { guard } from './guard.js';
import { probeMatroska } from './matroska.js';
import { probeAsf } from './asf.js';
import { probeAvi } from './avi.js';
import { isAc3, probeAc3 } from './ac3.js';
import { probeAmr } from './amr.js';
import { probeAiff, probeApe, probeCaf, probeMpc7, probeTak, probeTta, probeWavPack } from './lossless.js';
import { moduleKind, notARecording } from './module.js';
import { probeTs, tsLayout } from './mpegts.js';
import { probeShorten } from './shorten.js';
import { probeAu } from './au.js';
import { isRealMedia, probeRealMedia } from './realmedia.js';
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

/** Extensions that say "this is meant to be a recording", whatever the content turns out to be. */
const AUDIO_EXT = new Set([
  'wav',
  'wave',
  'bwf',
  'rf64',
  'mp3',
  'mp2',
  'mpga',
  'ogg',
  'oga',
  'opus',
  'spx',
  'flac',
  'm4a',
  'mp4',
  'm4b',
  'aac',
  '3gp',
  '3g2',
  'amr',
  'awb',
  'wma',
  'asf',
  'aif',
  'aiff',
  'aifc',
  'au',
  'snd',
  'caf',
  'webm',
  'mka',
  'wv',
  'ape',
  'ac3',
  'eac3',
  'dts',
  'tta',
  'tak',
  'shn',
  'mpc',
  'dsf',
  'dff',
  'ofr',
  'voc',
  'silk',
  'ra',
]);

/** Extensions of tracker modules (module.ts), some of which carry no signature: not recordings. */
const MODULE_EXT = new Set([
  'mod',
  'xm',
  'it',
  's3m',
  'stk',
  'nst',
  'm15',
  '669',
  'mtm',
  'ult',
  'far',
  'med',
  'okt',
  'dbm',
  'amf',
  'ams',
  'dmf',
  'dsm',
  'mdl',
  'psm',
  'ptm',
  'umx',
  'mo3',
  'mptm',
]);

/** Extensions of bare MPEG audio or ADTS streams, searched for frames past junk at the head. */
const MPEG_EXT = new Set(['mp3', 'mp2', 'mp1', 'mpga', 'mpa', 'aac', 'adts']);

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function looksLikeAudioName(ext: string): boolean {
  return AUDIO_EXT.has(ext) || rawCodec(ext) !== undefined;
}

type Magic = 'ts' | 'wav' | 'ogg' | 'id3' | 'flac' | 'container' | 'audio' | 'sync' | 'html' | 'none';

/**
 * Formats that are audio by their content, whatever their name: each is `audio` or `unreadable`,
 * never `other`. music-metadata reads those it knows; the rest are counted unreadable with their kind.
 */
function audioMagic(h: Buffer, size: number): string | undefined {
  const four = h.toString('latin1', 0, 4);
  switch (four) {
    case 'FORM': {
      const t = h.toString('latin1', 8, 12);
      return t === 'AIFF' || t === 'AIFC' ? 'AIFF' : t === '8SVX' ? '8SVX' : undefined;
    }
    case 'FRM8':
      return 'DSDIFF';
    case 'DSD ':
      return 'DSF';
    case '.snd':
      return 'AU';
    case 'caff':
      return 'CAF';
    case 'MAC ':
      return "Monkey's Audio";
    case 'wvpk':
      return 'WavPack';
    case 'MPCK':
      return 'Musepack';
    case 'TTA1':
      return 'TTA';
    case 'tBaK':
      return 'TAK';
    case 'ajkg':
      return 'Shorten';
    case 'IMPM':
      return 'Impulse Tracker module';
    case 'OFR ':
      return 'OptimFROG';
    case 'LA04':
      return 'LA';
    case '.ra\xfd':
      return 'RealAudio';
    case 'MThd':
      return undefined; // MIDI: notes, not a recording
  }
  if (four.startsWith('MP+')) return 'Musepack';
  if (h.toString('latin1', 0, 5) === '#!AMR') return 'AMR';
  if (h.toString('latin1', 0, 9) === '#!SILK_V3' || h.toString('latin1', 1, 10) === '#!SILK_V3') return 'SILK';
  if (h.toString('latin1', 0, 17) === 'Extended Module: ') return 'XM module';
  if (h.toString('latin1', 0, 19) === 'Creative Voice File') return 'VOC';
  if (h.length >= 48 && h.toString('latin1', 44, 48) === 'SCRM') return 'S3M module';
  if (h.length >= 1084 && /^(M\.K\.|M!K!|FLT[48]|[2-9]CHN|[1-3][0-9]CH)$/.test(h.toString('latin1', 1080, 1084)))
    return 'MOD module';
  if (h.length >= 6 && h[0] === 0x0b && h[1] === 0x77 && isAc3(h, size)) return 'AC-3';
  if (h.length >= 4 && h.readUInt32BE(0) === 0x7ffe8001) return 'DTS';
  return undefined;
}

/** What the first bytes say. */
function sniff(h: Buffer, size: number): Magic {
  if (isWav(h)) return 'wav';
  const four = h.toString('latin1', 0, 4);
  if (four === 'OggS') return 'ogg';
  if (four.startsWith('ID3')) return 'id3';
  if (four === 'fLaC') return 'flac';
  if (
    (h.length >= 8 && h.toString('latin1', 4, 8) === 'ftyp') ||
    // QuickTime without ftyp: the movie header (or a free/wide box) first
    (h.length >= 16 &&
      /^(moov|wide|free|skip)$/.test(h.toString('latin1', 4, 8)) &&
      /^(mvhd|moov|mdat)$/.test(h.toString('latin1', 12, 16))) ||
    (h.length >= 12 && h.toString('latin1', 0, 4) === 'RIFF' && h.toString('latin1', 8, 12) === 'AVI ') ||
    (h.length >= 4 && h.readUInt32BE(0) === 0x3026b275) || // ASF header GUID
    (h.length >= 4 && h.readUInt32BE(0) === 0x1a45dfa3) || // EBML (Matroska/WebM)
    isRealMedia(h)
  ) {
    return 'container';
  }
  if (audioMagic(h, size)) return 'audio';
  if (h[0] === 0x47 || h[4] === 0x47) {
    if (tsLayout(h)) return 'ts';
  }
  // MPEG audio or ADTS frame sync: weak (µ-law silence is 0xFF too), so it only counts without a better hint
  if (h.length >= 2 && h[0] === 0xff && (h[1]! & 0xe0) === 0xe0) return 'sync';
  const text = h
    .toString('latin1', 0, Math.min(h.length, 512))
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || (text.startsWith('<') && text.includes('<html')))
    return 'html';
  return 'none';
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

/** st_blocks × 512 when it is fewer bytes than the size (sparse); 0 blocks says nothing (inline data, some FUSE mounts). */
function allocatedOf(size: number, blocks: number | undefined): number | undefined {
  const allocated = (blocks ?? 0) * 512;
  return allocated > 0 && allocated < size ? allocated : undefined;
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
  const ext = extensionOf(name);
  const audioName = looksLikeAudioName(ext);
  let fd: number;
  try {
    fd = openEvidence(path, io);
  } catch (e) {
    return {
      bytes: 0,
      mtimeMs: 0,
      probe: { kind: audioName ? 'unreadable' : 'other', error: fsError(e), unopened: true },
    };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { bytes: 0, mtimeMs: st.mtimeMs, probe: { kind: 'other', error: 'not a regular file' } };
    const size = st.size;
    const allocated = allocatedOf(size, st.blocks);
    const work = new Work(performance.now() + io.fileMs);
    const n = size === 0 ? 0 : readSync(fd, io.head, 0, size <= WHOLE_FILE_MAX ? size : HEAD_SIZE, 0);
    return {
      bytes: size,
      allocated,
      mtimeMs: st.mtimeMs,
      probe: await probeContent(sourceOf(fd, size, io.head.subarray(0, n), allocated, work), ext, audioName, name),
    };
  } catch (e) {
    return {
      bytes: 0,
      mtimeMs: 0,
      probe: { kind: audioName ? 'unreadable' : 'other', error: fsError(e), unopened: true },
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
  const ext = extensionOf(name);
  const fd = f.fd;
  f.fd = -1; // this call closes it
  try {
    const allocated = allocatedOf(f.size, f.allocated / 512);
    const src = sourceOf(fd, f.size, f.head, allocated, new Work(performance.now() + fileMs));
    return {
      bytes: f.size,
      allocated,
      mtimeMs: f.mtimeMs,
      probe: await probeContent(src, ext, looksLikeAudioName(ext), name),
    };
  } finally {
    if (fd >= 0) close(fd);
  }
}

/** Positioned reads of an open file (fd), or of its head alone when that is the whole file (fd -1). */
function sourceOf(fd: number, size: number, head: Buffer, allocated: number | undefined, work: Work): FileSource {
  return {
    size,
    head,
    allocated,
    work,
    read(position, length) {
      const len = Math.max(0, Math.min(length, size - position));
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
async function probeContent(src: FileSource, ext: string, audioName: boolean, name: string): Promise<ProbeResult> {
  let c: Claim;
  try {
    c = await probeSource(src, ext, audioName, name);
  } catch (e) {
    // a header that breaks a reader (a field pointing past the end, a size that does not add up), or
    // a file that costs more work than any recording: it still counts, as unreadable, with the reason
    const msg = e instanceof Error ? e.message : String(e);
    return { kind: 'unreadable', error: e instanceof WorkExceeded ? msg : `header not readable: ${msg}` };
  }
  const r = guard(c, src);
  // (a tracker module is audio by its content but not a recording: `other`, module.ts)
  const kindName =
    sniff(src.head, src.size) === 'audio' && !moduleKind(src.head) ? audioMagic(src.head, src.size) : undefined;
  if (!kindName || r.kind === 'audio') return r;
  return {
    ...r,
    kind: 'unreadable',
    codec: r.codec ?? kindName.toUpperCase(),
    error: `${kindName}: ${r.error ?? 'length not found'}`,
  };
}

async function probeSource(src: FileSource, ext: string, audioName: boolean, name: string): Promise<Claim> {
  if (src.size === 0) return audioName ? { kind: 'unreadable', error: 'empty file' } : { kind: 'other' };
  const magic = sniff(src.head, src.size);
  switch (magic) {
    case 'wav':
      return probeWav(src);
    case 'ogg':
      return probeOgg(src);
    case 'html':
      return audioName ? { kind: 'unreadable', error: 'an HTML page, not audio' } : { kind: 'other' };
    case 'id3': {
      const id3 = readId3v2(src);
      const r = afterId3(src, id3.end);
      if (r) return { ...r, embeddedDate: id3.embeddedDate ?? r.embeddedDate };
      // neither MPEG nor ADTS nor FLAC after the tag: music-metadata knows the rest (or says why not)
      return mmClaim(await probeWithMusicMetadata(src, name), false);
    }
    case 'flac':
      return probeFlac(src, 0);
    case 'container': {
      if (src.head.readUInt32BE(0) === 0x1a45dfa3) {
        const r = probeMatroska(src);
        if (r) return r;
      }
      if (src.head.toString('latin1', 0, 4) === 'RIFF') return probeAvi(src) ?? { kind: 'other' };
      if (src.head.readUInt32BE(0) === 0x3026b275) {
        const r = probeAsf(src);
        if (r) return r;
      }
      // recognised, never counted: kept visible, with what it holds and why it is not measured
      if (isRealMedia(src.head)) return probeRealMedia(src);
      return mmClaim(await probeWithMusicMetadata(src, name));
    }
    case 'audio': {
      const mod = moduleKind(src.head);
      if (mod) return notARecording(mod);
      return handRead(src, 0) ?? mmClaim(await probeWithMusicMetadata(src, name));
    }
    case 'ts':
      return probeTs(src, tsLayout(src.head)!) ?? noMagic(src, ext, audioName, name, 'none');
    case 'sync':
    case 'none':
      return noMagic(src, ext, audioName, name, magic);
  }
}

/** A file with no magic of its own (or only an MPEG frame sync): raw codecs by name, MPEG/ADTS frames, modules by name, then music-metadata. */
async function noMagic(
  src: FileSource,
  ext: string,
  audioName: boolean,
  name: string,
  magic: 'sync' | 'none',
): Promise<Claim> {
  const raw = rawCodec(ext);
  if (raw) return probeRaw(raw, src.size);
  // MPEG or ADTS frames at the head, or (named so) after junk: a copy that started mid-stream
  if (magic === 'sync' || MPEG_EXT.has(ext)) {
    const r = afterId3(src, 0);
    if (r) return r;
  }
  // a module without a tag at a known place (a 15-sample Soundtracker MOD): known only by its name
  if (magic === 'none' && MODULE_EXT.has(ext)) return notARecording(ext.toUpperCase());
  if (audioName) return mmClaim(await probeWithMusicMetadata(src, name));
  if (magic === 'none') return { kind: 'other' };
  // A frame sync on a file not named as audio counts only if it really parses as audio.
  const r = await probeWithMusicMetadata(src, name);
  return r.kind === 'audio' ? mmClaim(r) : { kind: 'other' };
}

/** What follows an ID3v2 tag (or starts the file): MPEG audio, ADTS AAC or FLAC; undefined for anything else. */
function afterId3(src: FileSource, at: number): ProbeResult | undefined {
  const h = at + 4 <= src.head.length ? src.head.subarray(at, at + 4) : src.read(at, 4);
  if (h.length >= 4 && h.toString('latin1', 0, 4) === 'fLaC') return probeFlac(src, at);
  const hand = handRead(src, at);
  if (hand) return hand;
  if (h.length >= 2 && h[0] === 0xff && (h[1]! & 0xf6) === 0xf0) return probeAdts(src, at);
  return probeMpeg(src, at) ?? (at > 0 ? probeAdts(src, at) : undefined);
}

/** The lossless formats read by hand (lossless.ts), at the head or after an ID3v2 tag. */
function handRead(src: FileSource, at: number): Claim | undefined {
  const h = at + 4 <= src.head.length ? src.head.subarray(at, at + 4) : src.read(at, 4);
  switch (h.toString('latin1', 0, 4)) {
    case 'caff':
      return at === 0 ? probeCaf(src) : undefined;
    case 'wvpk':
      return probeWavPack(src, at);
    case 'TTA1':
      return probeTta(src, at);
    case 'MAC ':
      return probeApe(src, at);
    case 'tBaK':
      return at === 0 ? probeTak(src) : undefined;
    case 'ajkg':
      return at === 0 ? probeShorten(src) : undefined;
    case '.snd':
      return at === 0 ? probeAu(src) : undefined;
    case 'MP+\x07':
    case 'MP+\x17':
      return probeMpc7(src, at);
  }
  if (at === 0 && h[0] === 0x0b && h[1] === 0x77) return probeAc3(src);
  if (at === 0 && h.toString('latin1', 0, 4) === '#!AM') return probeAmr(src);
  if (at === 0 && h.toString('latin1', 0, 4) === 'FORM' && audioMagic(src.head, src.size) === 'AIFF')
    return probeAiff(src);
  return undefined;
}

/** music-metadata's answer as a claim: its constant bit rate (where it reports one) lets the check size a rejected length from the bytes. */
function mmClaim(r: ProbeResult & { bitrate?: number; cbr?: boolean }, useCbr = true): Claim {
  const { bitrate, cbr, ...rest } = r;
  return useCbr && cbr && bitrate ? { ...rest, cbrBitrate: bitrate } : rest;
}

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
