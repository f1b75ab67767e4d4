/*
 * ID3v2 at the head of a file (MP3, and the AAC and FLAC files some taggers prefix with it): where the
 * tag ends, and the recording date frame. By hand because this is all we need of the tag and the
 * date frames sit near its start; a tag of cover art is stepped over, not read.
 */
import { parseHeaderDate } from './datestr.js';
import type { EmbeddedDate, FileSource } from './types.js';

/** Bytes of a tag read to find its date: the text frames come first; cover art is skipped. */
const MAX_TAG_READ = 64 * 1024;

function synchsafe(b: Buffer, p: number): number {
  return ((b[p]! & 0x7f) << 21) | ((b[p + 1]! & 0x7f) << 14) | ((b[p + 2]! & 0x7f) << 7) | (b[p + 3]! & 0x7f);
}

export interface Id3Info {
  /** offset of the first byte after every ID3v2 tag at the head (0 without one) */
  end: number;
  embeddedDate?: EmbeddedDate;
}

/** Every ID3v2 tag at the head (some writers stack two): where they end, and the first one's date. */
export function readId3v2(src: FileSource): Id3Info {
  let end = 0;
  let embeddedDate: EmbeddedDate | undefined;
  for (let n = 0; n < 4; n++) {
    const h = end + 10 <= src.head.length ? src.head.subarray(end, end + 10) : src.read(end, 10);
    if (h.length < 10 || h[0] !== 0x49 || h[1] !== 0x44 || h[2] !== 0x33 || h[3]! > 4 || h[3]! < 2) break;
    const size = synchsafe(h, 6);
    const tagEnd = end + 10 + size + (h[5]! & 0x10 ? 10 : 0);
    if (!embeddedDate) {
      const len = Math.min(size, MAX_TAG_READ);
      const body =
        end + 10 + len <= src.head.length ? src.head.subarray(end + 10, end + 10 + len) : src.read(end + 10, len);
      embeddedDate = dateOf(body, h[3]!, h[5]!);
    }
    end = tagEnd;
  }
  return { end, embeddedDate };
}

/** TDRC / TDRV (v2.3, v2.4) or TDR (v2.2): the frames music-metadata reads as the date. */
function dateOf(tag: Buffer, version: number, flags: number): EmbeddedDate | undefined {
  let b = tag;
  if (flags & 0x80 && version < 4) b = unsync(b);
  let p = 0;
  if (flags & 0x40 && version >= 3 && b.length >= 4) {
    // extended header: v2.3 size excludes its own 4 bytes; v2.4 is synchsafe and includes them
    p = version === 3 ? 4 + b.readUInt32BE(0) : synchsafe(b, 0);
  }
  const idLen = version === 2 ? 3 : 4;
  const hdrLen = version === 2 ? 6 : 10;
  while (p + hdrLen <= b.length) {
    if (b[p] === 0) break; // padding
    const id = b.toString('latin1', p, p + idLen);
    const size =
      version === 2
        ? (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!
        : version === 4
          ? synchsafe(b, p + 4)
          : b.readUInt32BE(p + 4);
    const body = p + hdrLen;
    if (size <= 0 || body + size > b.length) break;
    if (id === 'TDRC' || id === 'TDRV' || id === 'TDR') {
      let frame = b.subarray(body, body + size);
      if (version === 4 && b[p + 9]! & 0x02) frame = unsync(frame);
      const d = parseHeaderDate(text(frame), 'id3');
      if (d) return d;
    }
    p = body + size;
  }
  return undefined;
}

function unsync(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    out[n++] = b[i]!;
    if (b[i] === 0xff && b[i + 1] === 0) i++;
  }
  return out.subarray(0, n);
}

function text(frame: Buffer): string {
  if (frame.length < 2) return '';
  const enc = frame[0];
  const body = frame.subarray(1);
  let s: string;
  if (enc === 1 || enc === 2) {
    let u = body;
    let le = enc === 1;
    if (u.length >= 2 && u[0] === 0xff && u[1] === 0xfe) {
      u = u.subarray(2);
      le = true;
    } else if (u.length >= 2 && u[0] === 0xfe && u[1] === 0xff) {
      u = u.subarray(2);
      le = false;
    }
    const even = u.subarray(0, u.length & ~1);
    s = le ? even.toString('utf16le') : Buffer.from(even).swap16().toString('utf16le');
  } else {
    s = body.toString(enc === 3 ? 'utf8' : 'latin1');
  }
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}
