/*
 * MP4/M4A presentation length from the edit list. music-metadata reports the media length (mdhd),
 * which for AAC includes the encoder's priming samples (1024 at 16 kHz = 64 ms, over the 50 ms we
 * allow); players and ffprobe honour the edit list (elst), and so does this.
 */
import type { FileSource } from './types.js';

const MAX_MOOV = 16 * 1024 * 1024;

interface Box { type: string; start: number; body: number; end: number }

function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let p = from;
  while (p + 8 <= to) {
    let size = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    let body = p + 8;
    if (size === 1 && p + 16 <= to) {
      size = Number(buf.readBigUInt64BE(p + 8));
      body = p + 16;
    } else if (size === 0) size = to - p;
    if (size < body - p || p + size > to) return;
    yield { type, start: p, body, end: p + size };
    p += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const b of boxes(buf, parent.body, parent.end)) if (b.type === type) return b;
  return undefined;
}

function findMoov(src: FileSource): Buffer | undefined {
  let p = 0;
  for (let n = 0; n < 64 && p + 8 <= src.size; n++) {
    const h = src.read(p, 16);
    if (h.length < 8) return undefined;
    let size = h.readUInt32BE(0);
    if (size === 1 && h.length >= 16) size = Number(h.readBigUInt64BE(8));
    else if (size === 0) size = src.size - p;
    if (size < 8) return undefined;
    if (h.toString('latin1', 4, 8) === 'moov') return size <= MAX_MOOV ? src.read(p, size) : undefined;
    p += size;
  }
  return undefined;
}

/** Seconds of the first sound track as its edit list presents them, or undefined without one. */
export function mp4EditListSeconds(src: FileSource): number | undefined {
  const moov = findMoov(src);
  if (!moov) return undefined;
  const root: Box = { type: 'moov', start: 0, body: 8, end: moov.length };
  const mvhd = child(moov, root, 'mvhd');
  if (!mvhd) return undefined;
  const movieScale = moov.readUInt32BE(mvhd.body + (moov[mvhd.body] === 1 ? 20 : 12));
  if (!movieScale) return undefined;
  for (const trak of boxes(moov, root.body, root.end)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(moov, trak, 'mdia');
    const hdlr = mdia && child(moov, mdia, 'hdlr');
    if (!hdlr || moov.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'soun') continue;
    const edts = child(moov, trak, 'edts');
    const elst = edts && child(moov, edts, 'elst');
    if (!elst) return undefined;
    const v1 = moov[elst.body] === 1;
    const count = moov.readUInt32BE(elst.body + 4);
    const entry = v1 ? 20 : 12;
    if (elst.body + 8 + count * entry > elst.end) return undefined;
    let total = 0;
    for (let i = 0, e = elst.body + 8; i < count; i++, e += entry) {
      const dur = v1 ? Number(moov.readBigUInt64BE(e)) : moov.readUInt32BE(e);
      const mediaTime = v1 ? Number(moov.readBigInt64BE(e + 8)) : moov.readInt32BE(e + 4);
      if (mediaTime !== -1) total += dur; // -1 is an empty edit (a delay), not audio
    }
    return total > 0 ? total / movieScale : undefined;
  }
  return undefined;
}
