/*
 * Musepack SV7: which frames ffmpeg's mpc7 decoder takes (attack round 22, L1).
 *
 * probeMpc7 (lossless.ts) walks the frames by their 20-bit lengths and counts each one whose bits are
 * in the file. ffmpeg's decoder (libavcodec/mpc7.c, mpc7_decode_frame) reads the frame's codes and
 * refuses it ("Error decoding frame") unless what it read ends in the frame's last 32-bit word, or a
 * band resolution is out of -1..17. (Its "last frame" flag is never set by the demuxer in 5.1, so
 * every frame is checked, and every frame it takes is 1152 samples.) A valid
 * header over zeros is a stream of empty frames of which ffmpeg takes 3 in 4 (10,449 s counted where
 * it decodes 7,836). So each frame's codes are read here as the decoder reads them, and only the
 * frames it takes count.
 *
 * The bits: 32-bit little-endian words read from their high bit (the decoder swaps each word). The
 * demuxer (libavformat/mpc.c) hands the decoder a frame's words, from the word its length field starts
 * in, and the bit after that field (the `skip`). The VLC tables are numeric data transcribed from
 * ffmpeg's mpc7data.h.
 */
import type { FileSource, ProbeResult } from './types.js';
import { probeMpc7 } from './lossless.js';
import { Bits, type Vlc, vlcFromLengths } from './musepack.js';

/** scale factor index VLC: (symbol, length) pairs (mpc7_scfi) */
const SCFI = [3, 2, 0, 3, 2, 3, 1, 1];

/** scale factor delta VLC (symbols offset by -7) (mpc7_dscf) */
const DSCF = [5, 3, 1, 5, 13, 5, 11, 4, 9, 3, 6, 3, 0, 6, 14, 6, 2, 5, 7, 4, 8, 3, 15, 4, 4, 4, 10, 4, 3, 5, 12, 5];

/** band resolution delta VLC (symbols offset by -5) (mpc7_hdr) */
const HDR = [4, 2, 3, 4, 2, 5, 7, 6, 0, 8, 9, 9, 8, 9, 1, 7, 6, 3, 5, 1];

/** codes in each quantiser VLC (two VLCs of each) (mpc7_quant_vlc_sizes) */
const QUANT_VLC_SIZES = [27, 25, 7, 9, 15, 31, 63];

/** each quantiser VLC's symbol offset (mpc7_quant_vlc_off) */
const QUANT_VLC_OFF = [0, 0, -3, -4, -7, -15, -31];

/** the quantiser VLCs' (symbol, length) pairs, in turn (mpc7_quant_vlcs) */
const QUANT_VLCS = [
  7, 5, 19, 5, 23, 5, 15, 5, 11, 5, 3, 5, 21, 5, 5, 5, 25, 5, 1, 5, 9, 5, 17, 5, 10, 4, 16, 4, 2, 6, 24, 6, 18, 6, 8, 6,
  22, 4, 4, 4, 12, 4, 14, 4, 6, 6, 20, 6, 0, 6, 26, 6, 13, 3, 10, 4, 16, 4, 22, 4, 4, 4, 12, 4, 14, 4, 9, 6, 20, 8, 6,
  8, 26, 8, 0, 8, 5, 7, 21, 7, 23, 7, 3, 7, 24, 9, 2, 9, 18, 9, 8, 9, 19, 7, 25, 7, 17, 7, 7, 7, 11, 7, 1, 7, 15, 7, 13,
  1, 3, 5, 19, 5, 21, 5, 15, 5, 5, 5, 9, 5, 16, 4, 8, 4, 18, 4, 6, 4, 14, 5, 2, 5, 12, 3, 10, 5, 22, 5, 24, 7, 0, 7, 20,
  7, 4, 7, 23, 6, 1, 6, 11, 4, 7, 4, 17, 4, 13, 4, 7, 3, 11, 3, 17, 3, 13, 3, 12, 2, 22, 6, 14, 6, 10, 6, 2, 6, 5, 7, 9,
  7, 21, 7, 15, 7, 16, 5, 19, 7, 1, 7, 23, 7, 20, 10, 0, 10, 4, 10, 24, 10, 3, 8, 8, 5, 6, 5, 18, 5, 2, 2, 3, 2, 1, 3,
  5, 3, 0, 4, 6, 4, 4, 3, 5, 3, 0, 5, 6, 5, 1, 4, 4, 2, 2, 2, 3, 2, 1, 3, 7, 3, 8, 4, 0, 4, 6, 3, 2, 3, 5, 3, 3, 3, 4,
  3, 3, 2, 8, 5, 0, 5, 7, 4, 2, 3, 4, 2, 1, 4, 6, 4, 5, 3, 5, 3, 8, 3, 6, 3, 7, 3, 2, 4, 11, 4, 3, 4, 13, 5, 1, 5, 10,
  4, 4, 4, 14, 6, 0, 6, 12, 5, 9, 4, 4, 3, 3, 4, 12, 5, 2, 5, 9, 3, 5, 3, 8, 3, 6, 3, 7, 3, 1, 6, 14, 8, 0, 8, 13, 7,
  11, 5, 10, 4, 12, 4, 26, 5, 1, 6, 29, 6, 13, 4, 16, 4, 17, 4, 14, 4, 25, 5, 5, 5, 15, 4, 30, 7, 0, 7, 28, 6, 6, 5, 24,
  5, 7, 5, 23, 5, 9, 5, 2, 6, 3, 6, 8, 5, 22, 5, 20, 5, 10, 5, 21, 5, 19, 5, 27, 6, 4, 6, 11, 5, 18, 5, 15, 3, 10, 4,
  20, 4, 23, 5, 7, 5, 19, 4, 11, 4, 22, 5, 8, 5, 12, 4, 18, 4, 17, 4, 13, 4, 24, 6, 6, 6, 27, 8, 26, 8, 2, 10, 0, 13,
  29, 13, 1, 13, 30, 13, 28, 11, 3, 9, 4, 8, 5, 7, 25, 7, 14, 4, 16, 4, 21, 5, 9, 5, 24, 5, 37, 5, 25, 5, 36, 5, 35, 5,
  27, 5, 29, 5, 31, 5, 34, 5, 28, 5, 26, 5, 32, 5, 11, 6, 58, 7, 62, 8, 0, 8, 30, 5, 51, 6, 12, 6, 33, 5, 4, 7, 5, 7,
  50, 6, 57, 7, 56, 7, 13, 6, 49, 6, 14, 6, 61, 8, 1, 8, 6, 7, 48, 6, 55, 7, 7, 7, 15, 6, 47, 6, 46, 6, 16, 6, 60, 8, 2,
  8, 8, 7, 17, 6, 45, 6, 44, 6, 19, 6, 54, 7, 53, 7, 18, 6, 43, 6, 41, 6, 20, 6, 21, 6, 10, 7, 9, 7, 22, 6, 59, 8, 3, 8,
  52, 7, 42, 6, 23, 6, 40, 6, 39, 6, 38, 6, 32, 4, 42, 5, 21, 5, 31, 4, 41, 5, 15, 6, 47, 6, 40, 5, 22, 5, 7, 9, 54, 9,
  8, 9, 57, 10, 56, 10, 50, 7, 46, 6, 23, 5, 16, 6, 17, 6, 39, 5, 38, 5, 12, 7, 10, 8, 52, 8, 45, 6, 24, 5, 18, 6, 44,
  6, 49, 7, 13, 7, 19, 6, 25, 5, 37, 5, 26, 5, 36, 5, 43, 6, 5, 10, 6, 10, 53, 9, 51, 8, 48, 7, 27, 5, 35, 5, 28, 5, 20,
  6, 14, 7, 9, 9, 58, 12, 0, 14, 62, 14, 2, 14, 60, 14, 4, 12, 61, 14, 1, 14, 3, 14, 59, 14, 55, 10, 11, 8, 34, 5, 29,
  5, 33, 5, 30, 5,
];

interface Tables {
  scfi: Vlc;
  dscf: Vlc;
  hdr: Vlc;
  /** quant[res - 1][i1] for resolutions 1-7 */
  quant: Vlc[][];
}

const pairs = (t: readonly number[], offset: number, from = 0, n = t.length / 2): Vlc => {
  const s = t.slice(from * 2, (from + n) * 2);
  return vlcFromLengths(
    s.filter((_, i) => i & 1),
    s.filter((_, i) => !(i & 1)),
    offset,
  );
};

let tables: Tables | undefined;
function vlcs(): Tables {
  if (tables) return tables;
  const quant: Vlc[][] = [];
  let at = 0;
  QUANT_VLC_SIZES.forEach((n, i) => {
    quant.push([pairs(QUANT_VLCS, QUANT_VLC_OFF[i]!, at, n), pairs(QUANT_VLCS, QUANT_VLC_OFF[i]!, at + n, n)]);
    at += 2 * n;
  });
  return (tables = { scfi: pairs(SCFI, 0), dscf: pairs(DSCF, -7), hdr: pairs(HDR, -5), quant });
}

/** probeMpc7's MPC_WALK_MAX: past it, probeMpc7 sizes the file from its header and so is this left */
const MPC_WALK_MAX = 64 * 1024 * 1024;
const BANDS = 32;
const SAMPLES_PER_BAND = 36;

/** a frame's band resolutions and scale factor index coding, per channel (a frame's, not kept) */
const RES = [new Int8Array(BANDS), new Int8Array(BANDS)];
const SCFI_IDX = [new Int8Array(BANDS), new Int8Array(BANDS)];

/** One frame read from w.pos as mpc7_decode_frame reads it: the bits it used, or undefined where it refuses the frame. */
function frameBits(w: Bits, maxbands: number, mss: boolean, t: Tables): number | undefined {
  const start = w.pos;
  const res = RES;
  for (const r of res) r.fill(0);
  let mb = -1;
  for (let i = 0; i <= maxbands; i++) {
    for (let ch = 0; ch < 2; ch++) {
      const d = i ? w.code(t.hdr) : 4;
      const r = d === 4 ? w.read(4) : res[ch]![i - 1]! + d;
      if (r < -1 || r > 17) return undefined; // "subband index invalid"
      res[ch]![i] = r;
    }
    if (res[0]![i] || res[1]![i]) {
      mb = i;
      if (mss) w.read(1);
    }
  }
  const scfi = SCFI_IDX;
  for (let i = 0; i <= mb; i++) for (let ch = 0; ch < 2; ch++) if (res[ch]![i]) scfi[ch]![i] = w.code(t.scfi);
  const scale = (): void => {
    if (w.code(t.dscf) === 8) w.read(6);
  };
  for (let i = 0; i <= mb; i++)
    for (let ch = 0; ch < 2; ch++) {
      if (!res[ch]![i]) continue;
      scale();
      const s = scfi[ch]![i];
      if (s === 0) scale();
      if (s === 0 || s === 1 || s === 2) scale();
    }
  for (let i = 0; i < BANDS; i++)
    for (let ch = 0; ch < 2; ch++) {
      const r = res[ch]![i]!;
      if (r >= 1 && r <= 7) {
        const v = t.quant[r - 1]![w.read(1)]!;
        const n = r === 1 ? SAMPLES_PER_BAND / 3 : r === 2 ? SAMPLES_PER_BAND / 2 : SAMPLES_PER_BAND;
        for (let j = 0; j < n; j++) w.code(v);
      } else if (r >= 8) w.read(SAMPLES_PER_BAND * (r - 1));
    }
  return w.pos - start;
}

/**
 * probeMpc7, bounded by the frames ffmpeg's decoder takes: each frame the demuxer hands it (its words,
 * the bits before it skipped) is read, and counts when the bits it used end in its last word. Past the size
 * probeMpc7 walks in memory, its count stands.
 */
export function probeMpc7Frames(src: FileSource, start: number): ProbeResult | undefined {
  const r = probeMpc7(src, start);
  if (r?.kind !== 'audio' || src.size - start > MPC_WALK_MAX) return r;
  const b = Buffer.alloc((src.size - start + 3) & ~3);
  src.read(start, src.size - start).copy(b);
  b.swap32();
  const w = new Bits(b);
  w.pos = 8 * 8;
  const head = w.read(32);
  const end = src.size - start;
  const maxbands = (head >>> 24) & 0x3f;
  const base = { codec: r.codec, sampleRate: r.sampleRate, channels: r.channels };
  if (maxbands >= BANDS)
    return { kind: 'unreadable', ...base, error: `SV7 with ${maxbands} bands (ffmpeg: "Too many bands")` };
  const frames = b.readUInt32BE(4);
  const t = vlcs();
  let pos = 24;
  let curbits = 8;
  let samples = 0;
  for (let n = 0; n < frames; n++) {
    src.work.tick();
    w.pos = pos * 8 + curbits;
    const size2 = w.read(20);
    const skip = curbits + 20;
    const size = ((size2 + skip + 31) & ~31) >> 3;
    if (pos + size > end) break; // cut off: the demuxer's read fails
    const words = new Bits(b.subarray(pos, pos + size));
    words.pos = skip;
    const used = frameBits(words, maxbands, Boolean(head & 0x40000000), t);
    if (used !== undefined && skip + used <= size * 8 && skip + used + 32 > size * 8) samples += 1152;
    curbits = (skip + size2) & 31;
    pos += curbits ? size - 4 : size;
  }
  const seconds = Math.min(r.seconds ?? 0, samples / r.sampleRate!);
  if (!(seconds > 0)) return { kind: 'unreadable', ...base, error: 'no SV7 frame ffmpeg decodes' };
  return { ...r, seconds };
}
