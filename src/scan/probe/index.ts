/**
 * Read one file: open it read-only (O_NOATIME where allowed, never following a link, never blocking on
 * a FIFO), take its size and mtime, read a bounded head, and hand it to the reader for its format.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isWav, probeWav } from './wav.js';
import { probeRaw, rawCodec } from './raw.js';
import { probeOgg } from './ogg.js';
import { probeWithMusicMetadata } from './mm.js';
import type { FileSource, ProbeResult } from './types.js';

export type { ProbeResult, FileKind, EmbeddedDate } from './types.js';

export const HEAD_SIZE = 4096;
/**
 * A file this small is read whole in the one read: a short MP3 or M4A would otherwise cost further
 * reads for its tail (ID3v1, APE footer) or its moov, each a system call of its own.
 */
export const WHOLE_FILE_MAX = 16 * 1024;

/** Extensions that say "this is meant to be a recording", whatever the content turns out to be. */
const AUDIO_EXT = new Set([
  'wav', 'wave', 'bwf', 'rf64', 'mp3', 'mp2', 'mpga', 'ogg', 'oga', 'opus', 'spx', 'flac', 'm4a', 'mp4',
  'm4b', 'aac', '3gp', '3g2', 'amr', 'awb', 'wma', 'asf', 'aif', 'aiff', 'aifc', 'au', 'snd', 'caf',
  'webm', 'mka', 'wv', 'ape',
]);

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function looksLikeAudioName(ext: string): boolean {
  return AUDIO_EXT.has(ext) || rawCodec(ext) !== undefined;
}

type Magic = 'wav' | 'ogg' | 'container' | 'sync' | 'html' | 'none';

/** What the first bytes say. */
function sniff(h: Buffer): Magic {
  if (isWav(h)) return 'wav';
  const four = h.toString('latin1', 0, 4);
  if (four === 'OggS') return 'ogg';
  if (
    four.startsWith('ID3') || four === 'fLaC' || four === 'FORM' || four === '.snd' || four === 'caff' ||
    four === '#!AM' || four === 'MAC ' || four === 'wvpk' ||
    (h.length >= 8 && h.toString('latin1', 4, 8) === 'ftyp') ||
    (h.length >= 4 && h.readUInt32BE(0) === 0x3026b275) || // ASF header GUID
    (h.length >= 4 && h.readUInt32BE(0) === 0x1a45dfa3) // EBML (Matroska/WebM)
  ) {
    return 'container';
  }
  // MPEG audio or ADTS frame sync: weak (µ-law silence is 0xFF too), so it only counts without a better hint
  if (h.length >= 2 && h[0] === 0xff && (h[1]! & 0xe0) === 0xe0) return 'sync';
  const text = h.toString('latin1', 0, Math.min(h.length, 512)).replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || (text.startsWith('<') && text.includes('<html'))) return 'html';
  return 'none';
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0);
let noatime = constants.O_NOATIME ?? 0;

function openEvidence(path: Buffer | string): number {
  if (noatime) {
    try {
      return openSync(path, OPEN_FLAGS | noatime);
    } catch (e) {
      // O_NOATIME is refused (EPERM) for files the user does not own; fall back for the rest of the run.
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      noatime = 0;
    }
  }
  return openSync(path, OPEN_FLAGS);
}

export interface FileFacts {
  bytes: number;
  mtimeMs: number;
  probe: ProbeResult;
}

const headBuf = Buffer.allocUnsafe(WHOLE_FILE_MAX);

/**
 * Probe one file. Never throws for a file's content or a file system error: those become an
 * unreadable (or other) result with the reason in `error`.
 */
export async function probeFile(path: Buffer | string, name: string): Promise<FileFacts> {
  const ext = extensionOf(name);
  const audioName = looksLikeAudioName(ext);
  let fd: number;
  try {
    fd = openEvidence(path);
  } catch (e) {
    return { bytes: 0, mtimeMs: 0, probe: { kind: audioName ? 'unreadable' : 'other', error: fsError(e) } };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { bytes: 0, mtimeMs: st.mtimeMs, probe: { kind: 'other', error: 'not a regular file' } };
    const size = st.size;
    const n = size === 0 ? 0 : readSync(fd, headBuf, 0, size <= WHOLE_FILE_MAX ? size : HEAD_SIZE, 0);
    const src: FileSource = {
      size,
      head: headBuf.subarray(0, n),
      read(position, length) {
        const len = Math.max(0, Math.min(length, size - position));
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
    let probe: ProbeResult;
    try {
      probe = await probeSource(src, ext, audioName, name);
    } catch (e) {
      // a header that breaks a reader (a field pointing past the end, a size that does not add up):
      // the file still counts, as unreadable, with its size and the reason
      probe = { kind: 'unreadable', error: `header not readable: ${e instanceof Error ? e.message : String(e)}` };
    }
    return { bytes: size, mtimeMs: st.mtimeMs, probe };
  } catch (e) {
    return { bytes: 0, mtimeMs: 0, probe: { kind: audioName ? 'unreadable' : 'other', error: fsError(e) } };
  } finally {
    closeSync(fd);
  }
}

async function probeSource(src: FileSource, ext: string, audioName: boolean, name: string): Promise<ProbeResult> {
  if (src.size === 0) return audioName ? { kind: 'unreadable', error: 'empty file' } : { kind: 'other' };
  const magic = sniff(src.head);
  switch (magic) {
    case 'wav':
      return probeWav(src);
    case 'ogg':
      return probeOgg(src);
    case 'html':
      return audioName ? { kind: 'unreadable', error: 'an HTML page, not audio' } : { kind: 'other' };
    case 'container':
      return probeWithMusicMetadata(src, name);
    case 'sync':
    case 'none': {
      const raw = rawCodec(ext);
      if (raw) return probeRaw(raw, src.size);
      if (audioName) return probeWithMusicMetadata(src, name);
      if (magic === 'none') return { kind: 'other' };
      // A frame sync on a file not named as audio counts only if it really parses as audio.
      const r = await probeWithMusicMetadata(src, name);
      return r.kind === 'audio' ? r : { kind: 'other' };
    }
  }
}

function fsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'vanished during the scan';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ELOOP': return 'symbolic link (not followed)';
    case 'EIO': return 'I/O error';
    default: return err.code ? `${err.code}: ${err.message}` : String(e);
  }
}
