/*
 * What several readers share and no one format owns: reading bytes from the head or the file, the
 * tags a file may end with, the size up to which a frame-by-frame reader walks a whole file, a
 * CRC-16 two formats check their headers with, and how a length is written in a note. One place, so that a reader file holds its own format only.
 */
import type { FileSource } from './types.js';

/**
 * A file of frames (MP3 without a length header, ADTS, AMR) up to this size is walked frame by
 * frame (exact); a larger one is sampled or sized from its head (an estimate, marked). 8 MiB is over
 * an hour of telephone speech in any of them.
 */
export const WALK_MAX = 8 * 1024 * 1024;

/**
 * A CRC-16 by table, most significant bit first, from 0, over a polynomial: FLAC's frames (0x8005)
 * and MLP/TrueHD's major syncs (0x002D) are checked with it.
 */
export function crc16Msb(poly: number): (b: Buffer, from: number, to: number) => number {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ poly) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return (b, from, to) => {
    let c = 0;
    for (let i = from; i < to; i++) c = ((c << 8) & 0xffff) ^ t[(c >> 8) ^ b[i]!]!;
    return c;
  };
}

/** len bytes at pos: from the head when they are in it, else a positioned read (short at the end of the file). */
export function bytesAt(src: FileSource, pos: number, len: number): Buffer {
  if (pos + len <= src.head.length) return src.head.subarray(pos, pos + len);
  return src.read(pos, len);
}

/** Tags at the end of a file (ID3v1, APEv2, Lyrics3v2): how many bytes they take. */
export function tailTagBytes(tail: Buffer): number {
  let end = tail.length;
  for (let n = 0; n < 3; n++) {
    if (end >= 128 && tail.toString('latin1', end - 128, end - 125) === 'TAG') {
      end -= 128;
      continue;
    }
    if (end >= 32 && tail.toString('latin1', end - 32, end - 24) === 'APETAGEX') {
      const size = tail.readUInt32LE(end - 20); // footer + items
      const header = tail.readUInt32LE(end - 12) & 0x80000000 ? 32 : 0;
      if (size + header <= end) {
        end -= size + header;
        continue;
      }
    }
    if (end >= 15 && tail.toString('latin1', end - 9, end) === 'LYRICS200') {
      const size = Number(tail.toString('latin1', end - 15, end - 9));
      if (Number.isFinite(size) && size + 15 <= end) {
        end -= size + 15;
        continue;
      }
    }
    break;
  }
  return tail.length - end;
}

/**
 * Where ffmpeg's ff_ape_parse_tag puts an APEv2 tag's start, from the 32-byte footer at the file's
 * end, or 0 for none: "APETAGEX", a version of at most 2000, a size (items and footer) of 32 bytes to
 * 16 MiB + 32 and at most the file less the footer, at most 65,536 fields, not a header; its start is
 * the file's size less that size, less the 32-byte header when it says it has one. The mpc8 and wv
 * demuxers stop at a packet or block that starts at or past it (their other readers take the tag for
 * its metadata only). Unread, a footer whose size reached back over the audio left 3,598 s counted of
 * mpcenc's 1 h SV8 file where ffmpeg decodes 2.3 s, 3,597 s of the wavpack CLI's where it decodes 4 s
 * (attack round 29a C1, C2).
 */
export function apeTagStart(src: Pick<FileSource, 'size' | 'read'>): number {
  if (src.size < 32) return 0;
  const f = src.read(src.size - 32, 32);
  if (f.length < 32 || f.toString('latin1', 0, 8) !== 'APETAGEX' || f.readUInt32LE(8) > 2000) return 0;
  const bytes = f.readUInt32LE(12);
  // (unsigned, as ffmpeg's: a size under 32 wraps round to "way too big")
  if ((bytes - 32) >>> 0 > 16 * 1024 * 1024 || bytes > src.size - 32) return 0;
  const flags = f.readUInt32LE(20);
  if (f.readUInt32LE(16) > 65536 || flags & (1 << 29)) return 0;
  return src.size - bytes - (flags & 0x80000000 ? 32 : 0);
}

/** A length in seconds as a note says it: "12.5 s", "3.2 min", "1.5 h", "2.0 days", "40 years". */
export function fmtS(s: number): string {
  if (s >= 365.25 * 86400) return `${(s / (365.25 * 86400)).toFixed(0)} years`;
  if (s >= 86400) return `${(s / 86400).toFixed(1)} days`;
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  if (s >= 60) return `${(s / 60).toFixed(1)} min`;
  return `${s.toFixed(1)} s`;
}
