/*
 * Musepack SV8 ('MPCK'), read by hand (attack round 22, C2): music-metadata believed the stream
 * header's sample count without looking at one audio packet, so 1 MB of zeros counted 62,500 s where
 * ffmpeg decodes nothing.
 *
 * The format, as ffmpeg's mpc8 demuxer and decoder take it: after 'MPCK', packets of a two-letter key
 * and a size (a big-endian base-128 number, high bit = more bytes) that counts the key and the size
 * bytes too. The stream header 'SH' holds a CRC, the stream version (8), the sample count, the
 * leading silence and two bytes the decoder is set up from: sample rate index (3 bits), bands - 1
 * (5 bits); channels - 1 (4 bits), mid/side (1 bit), block power (3 bits). Each audio packet 'AP'
 * holds up to 4^blockPower frames of 1152 samples; 'SE' ends the stream.
 */
import type { Claim, FileSource } from './types.js';
import { apeTagStart } from './bytes.js';

const RATES = [44100, 48000, 37800, 32000];
const FRAME = 1152;
/** the packet headers are read through a window of this many bytes (one read per window, not per packet) */
const WINDOW = 1024 * 1024;
/** a size number longer than this is not a packet's (ffmpeg's reader would overflow past 9) */
const MAX_SIZE_BYTES = 8;
/** the largest packet ffmpeg's mpc8 demuxer reads (mpc8_read_packet: "size > INT_MAX", the read failed) */
const INT_MAX = 2 ** 31 - 1;

const key = (k: string): number => k.charCodeAt(0) | (k.charCodeAt(1) << 8);
const SH = key('SH');
const AP = key('AP');
const SE = key('SE');

/** A packet's key, its size (with its header) and its header's length; undefined past the end or for a size no reader takes. */
interface Packet {
  tag: number;
  size: number;
  header: number;
}

/** Reads packet headers at any position through a window, so that a file of tiny packets costs one read a MiB. */
class Headers {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  constructor(private readonly src: FileSource) {}

  /** len bytes at pos: from the window when they are in it, else read */
  body(pos: number, len: number): Buffer {
    const p = pos - this.at;
    if (p >= 0 && p + len <= this.buf.length) return this.buf.subarray(p, p + len);
    return this.src.read(pos, len);
  }

  packet(pos: number): Packet | undefined {
    const need = 2 + MAX_SIZE_BYTES;
    if (pos < this.at || pos + need > this.at + this.buf.length) {
      this.at = pos;
      this.buf = this.src.read(pos, Math.min(WINDOW, this.src.size - pos));
    }
    const b = this.buf;
    const p = pos - this.at;
    if (p + 3 > b.length) return undefined;
    const tag = b.readUInt16LE(p);
    let size = 0;
    for (let i = 0; i < MAX_SIZE_BYTES; i++) {
      if (p + 2 + i >= b.length) return undefined;
      const c = b[p + 2 + i]!;
      size = size * 128 + (c & 0x7f);
      if (!(c & 0x80)) return { tag, size, header: 3 + i };
    }
    return undefined;
  }
}

/** A base-128 number in a buffer at i: [value, next position], or undefined when it runs off the end. */
function varint(b: Buffer, i: number): [number, number] | undefined {
  let v = 0;
  for (let n = 0; n < MAX_SIZE_BYTES && i < b.length; n++) {
    const c = b[i++]!;
    v = v * 128 + (c & 0x7f);
    if (!(c & 0x80)) return [v, i];
  }
  return undefined;
}

// ---- The frames of an audio packet, walked as ffmpeg 5.1's mpc8 decoder (libavcodec/mpc8.c) reads them.
// The VLC tables below are numeric data transcribed from ffmpeg's mpc8huff.h and mpc8data.h; the code
// that reads them is written here from what the decoder does (round 23).

/**
 * A VLC as ffmpeg builds it from code lengths (longest first, the codes given in order), looked up on
 * its longest code's bits: per value, the symbol (-1: no code) times 256 plus the bits taken.
 */
export interface Vlc {
  max: number;
  entry: Int32Array;
}

/** A VLC from its codes' lengths and symbols, in the order ffmpeg's ff_init_vlc_from_lengths takes them (codes given in turn). */
export function vlcFromLengths(lens: readonly number[], syms: readonly number[], offset = 0): Vlc {
  const max = Math.max(...lens);
  const root = Math.min(max, 9);
  const entry = new Int32Array(1 << max);
  const sub = new Uint8Array(1 << root);
  let code = 0;
  lens.forEach((l, i) => {
    const span = 1 << (max - l);
    entry.fill(((syms[i]! + offset) << 8) | l, code, code + span);
    if (l > root) sub[code >> (max - root)] = 1;
    code += span;
  });
  // no code: get_vlc2 gives -1, having taken its first level's bits only where a second level was
  for (let c = code; c < 1 << max; c++) entry[c] = (-1 << 8) | (sub[c >> (max - root)] ? root : 0);
  return { max, entry };
}

/** An SV8 VLC: how many codes of each length, longest first (as mpc8.c's build_vlc), and its symbols from at. */
function vlc(counts: readonly number[], syms: readonly number[], at: number, offset = 0): Vlc {
  const lens: number[] = [];
  for (let l = 16; l > 0; l--) for (let i = 0; i < counts[l - 1]!; i++) lens.push(l);
  return vlcFromLengths(lens, syms.slice(at, at + lens.length), offset);
}

interface Tables {
  band: Vlc;
  scfi: Vlc[];
  dscf: Vlc[];
  res: Vlc[];
  q1: Vlc;
  q9up: Vlc;
  q2: Vlc[];
  q3: Vlc[];
  /** quant[res - 5][context] */
  quant: Vlc[][];
}

let tables: Tables | undefined;
/** Built once, as ffmpeg's mpc8_init_static builds them (the same order through the shared symbol lists). */
function vlcs(): Tables {
  if (tables) return tables;
  const at = { q: 0, scfi: 0, dscf: 0, res: 0 };
  const take = (counts: readonly number[], syms: readonly number[], key: keyof typeof at, offset = 0): Vlc => {
    const v = vlc(counts, syms, at[key], offset);
    at[key] += counts.reduce((a, b) => a + b, 0);
    return v;
  };
  const row = (t: readonly number[], i: number): number[] => t.slice(i * 16, i * 16 + 16);
  const t: Tables = {
    band: vlc(BANDS_LENS, BANDS_SYMS, 0),
    scfi: [],
    dscf: [],
    res: [],
    q2: [],
    q3: [],
    quant: [[], [], [], []],
    q1: take(Q1_LENS, Q_SYMS, 'q'),
    q9up: take(Q9UP_LENS, Q_SYMS, 'q'),
  };
  for (let i = 0; i < 2; i++) {
    t.scfi.push(take(row(SCFI_LENS, i), SCFI_SYMS, 'scfi'));
    t.dscf.push(take(row(DSCF_LENS, i), DSCF_SYMS, 'dscf'));
    t.res.push(take(row(RES_LENS, i), RES_SYMS, 'res'));
    t.q2.push(take(row(Q2_LENS, i), Q_SYMS, 'q'));
    t.q3.push(take(row(Q34_LENS, i), Q_SYMS, 'q', -48 - 16 * i));
    for (let j = 0; j < 4; j++) t.quant[j]!.push(take(row(Q5_8_LENS, i * 4 + j), Q_SYMS, 'q', -((8 << j) - 1)));
  }
  return (tables = t);
}

/**
 * A packet's or frame's bits, read from their high bit, and zeros after them: a frame that overruns
 * its packet reads ffmpeg's zeroed padding, and its reader stays there (it never moves past the end
 * by more than 8 bits). The SV7 frame reader (musepack7.ts) reads its frames' words with it too.
 */
export class Bits {
  pos = 0;
  readonly end: number;
  constructor(private readonly b: Buffer) {
    this.end = b.length * 8;
  }
  /** the next n <= 16 bits, not taken */
  private peek(n: number): number {
    const i = this.pos >> 3;
    const b = this.b;
    const w = i + 2 < b.length ? (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]! : this.slow(i);
    return (w >> (24 - (this.pos & 7) - n)) & ((1 << n) - 1);
  }
  /** the 24 bits from byte i where they run past the end (zeros there) */
  private slow(i: number): number {
    const at = (k: number): number => (k < this.b.length ? this.b[k]! : 0);
    return (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
  }
  /** n <= 32 bits */
  read(n: number): number {
    if (n > 16) return this.read(n - 16) * 65536 + this.read(16);
    const v = this.peek(n);
    this.pos += n;
    return v;
  }
  /** a VLC code: its symbol, or -1 for none (taking the bits ffmpeg's get_vlc2 takes then) */
  code(v: Vlc): number {
    const e = v.entry[this.peek(v.max)]!;
    this.pos += e & 255;
    return e >> 8;
  }
}

const cnkLen = (k: number, n: number): number => CNK_LEN[(k - 1) * 33 + n - 1]!;
const cnkLost = (k: number, n: number): number => CNK_LOST[(k - 1) * 33 + n - 1]!;
/** mpc8_cnk[k - 1][n]: C(n, k), computed (it equals ffmpeg's table) */
const CNK = Float64Array.from({ length: 16 * 32 }, (_, i) => {
  const [k, n] = [Math.floor(i / 32) + 1, i % 32];
  let r = 1;
  for (let j = 1; j <= k; j++) r = (r * (n - k + j)) / j;
  return Math.round(r);
});

/** ffmpeg's mpc8_dec_base: a number under C(n, k) in ceil(log2 C(n, k)) bits or one fewer. */
function decBase(b: Bits, k: number, n: number): number {
  const len = cnkLen(k, n) - 1;
  let code = len > 0 ? b.read(len) : 0;
  if (code >= cnkLost(k, n)) code = code * 2 + b.read(1) - cnkLost(k, n);
  return code;
}

/** ffmpeg's mpc8_get_mask: which of `size` places are set, t of them (a bit mask, low bit last). */
function mask(b: Bits, size: number, t: number): number {
  let m = 0;
  if (t && t !== size) {
    let k = Math.min(t, size - t);
    let n = size;
    let code = decBase(b, k, n);
    do {
      n--;
      const c = CNK[(k - 1) * 32 + n]!;
      if (code >= c) {
        m |= 1 << n;
        code -= c;
        k--;
      }
    } while (k > 0 && n > 0);
  }
  return t * 2 > size ? ~m : m;
}

/** ffmpeg's mpc8_get_mod_golomb */
const golomb = (b: Bits, m: number): number => (CNK_LEN[m]! < 1 ? 0 : decBase(b, 1, m + 1));

/** What the decoder keeps from frame to frame (MPCContext): as long as the stream, across packets. */
interface Decoder {
  maxbands: number;
  mss: boolean;
  frames: number;
  cur: number;
  lastMaxBand: number;
  lastBitsUsed: number;
  /** per channel and band: the next scale factor is coded whole (reset by a packet's first frame) */
  oldDscf: Uint8Array[];
  res: Int8Array[];
  /** a frame read a code outside ffmpeg's tables mid-packet: where its next frame starts is not known */
  lost: boolean;
}

const SAMPLES_PER_BAND = 36;
const THRES = [0, 0, 3, 0, 0, 1, 3, 4, 8];

/**
 * One frame from b.pos as mpc8_decode_frame reads it. 'empty': the packet ran out before the frame's
 * band count (no frame, the packet dropped); 'refused': a band count over the stream's bands + 1 (an
 * error, the rest of the packet dropped); 'frame': a frame ffmpeg gives; 'last': a frame ffmpeg
 * gives, but with a code that makes it read outside its tables, so what follows is not known.
 */
function frame(b: Bits, d: Decoder, t: Tables): 'empty' | 'refused' | 'frame' | 'last' {
  const key = d.cur === 0;
  let maxband: number;
  if (key) maxband = golomb(b, d.maxbands + 1);
  else {
    maxband = d.lastMaxBand + b.code(t.band);
    if (maxband > 32) maxband -= 33;
  }
  if (b.pos > b.end) return 'empty';
  if (maxband > d.maxbands + 1) return 'refused';
  d.lastMaxBand = maxband;
  const [r0, r1] = d.res as [Int8Array, Int8Array];
  if (maxband > 0) {
    let l0 = 0;
    let l1 = 0;
    for (let i = maxband - 1; i >= 0; i--) {
      const c0 = b.code(t.res[l0 > 2 ? 1 : 0]!);
      const c1 = c0 < 0 ? -1 : b.code(t.res[l1 > 2 ? 1 : 0]!);
      if (c1 < 0) return 'last';
      l0 += c0;
      if (l0 > 15) l0 -= 17;
      l1 += c1;
      if (l1 > 15) l1 -= 17;
      r0[i] = l0;
      r1[i] = l1;
    }
    if (d.mss) {
      let cnt = 0;
      for (let i = 0; i < maxband; i++) if (r0[i] || r1[i]) cnt++;
      mask(b, cnt, golomb(b, cnt));
    }
  }
  if (key) for (const o of d.oldDscf) o.fill(1);
  for (let i = 0; i < maxband; i++) {
    if (!r0[i] && !r1[i]) continue;
    const cnt = (r0[i] ? 1 : 0) + (r1[i] ? 1 : 0) - 1;
    const s = b.code(t.scfi[cnt]!);
    if (r0[i]) SCFI0[i] = s >> (2 * cnt);
    if (r1[i]) SCFI1[i] = s & 3;
  }
  for (let i = 0; i < maxband; i++) {
    if (r0[i]) scaleFactors(b, d.oldDscf[0]!, SCFI0[i]!, i, t);
    if (r1[i]) scaleFactors(b, d.oldDscf[1]!, SCFI1[i]!, i, t);
  }
  for (let i = 0; i < maxband; i++) if (!samples(b, r0[i]!, t) || !samples(b, r1[i]!, t)) return 'last';
  return 'frame';
}

/** the scale factor index of each band in a channel, this frame (a frame's, not kept) */
const SCFI0 = new Int8Array(32);
const SCFI1 = new Int8Array(32);

/** A band's three scale factors in a channel, read past: the first whole after a key frame, else a delta; scfi tells which repeat. */
function scaleFactors(b: Bits, old: Uint8Array, scfi: number, i: number, t: Tables): void {
  if (old[i]) {
    b.read(7);
    old[i] = 0;
  } else if (b.code(t.dscf[1]!) === 64) b.read(6);
  for (let j = 0; j < 2; j++) if (!((scfi << j) & 2) && b.code(t.dscf[0]!) === 31) b.read(6);
}

/** A band's quantised samples at resolution res, read past; false where ffmpeg would index outside its tables. */
function samples(b: Bits, res: number, t: Tables): boolean {
  if (res <= 0) return true; // -1: noise, 0: nothing coded
  if (res === 1) {
    for (let j = 0; j < 2; j++) {
      const cnt = b.code(t.q1);
      if (cnt < 0) return false;
      const m = mask(b, 18, cnt);
      for (let k = 0; k < 18; k++) if (m & (1 << k)) b.read(1);
    }
  } else if (res === 2) {
    let cnt = 6;
    for (let j = 0; j < SAMPLES_PER_BAND; j += 3) {
      const s = b.code(t.q2[cnt > 3 ? 1 : 0]!);
      if (s < 0) return false;
      cnt = (cnt >> 1) + HUFFQ2[s]!;
    }
  } else if (res <= 4) {
    for (let j = 0; j < SAMPLES_PER_BAND; j += 2) b.code(t.q3[res - 3]!);
  } else if (res <= 8) {
    let cnt = 2 * THRES[res]!;
    for (let j = 0; j < SAMPLES_PER_BAND; j++)
      cnt = (cnt >> 1) + Math.abs(b.code(t.quant[res - 5]![cnt > THRES[res]! ? 1 : 0]!));
  } else {
    for (let j = 0; j < SAMPLES_PER_BAND; j++) {
      b.code(t.q9up);
      if (res !== 9) b.read(res - 9);
    }
  }
  return true;
}

/**
 * The frames ffmpeg's decoder gives from one audio packet, as decode.c feeds it: from where the last
 * frame's bits ended (whole bytes handed back, the odd bits skipped), until the packet is used up, a
 * frame is refused (the rest dropped), a frame reads past the end ("Overread": that frame is given,
 * the rest dropped) or the block's frames are all given.
 */
function packetFrames(body: Buffer, d: Decoder, t: Tables, work: { tick(): void }): number {
  const size = body.length;
  const b = new Bits(body);
  let consumed = 0;
  let n = 0;
  while (consumed < size && !d.lost) {
    work.tick();
    if (d.cur === 0) d.lastBitsUsed = 0;
    b.pos = consumed * 8 + (d.lastBitsUsed & 7);
    const r = frame(b, d, t);
    if (r === 'empty' || r === 'refused') break;
    n++;
    d.cur = d.cur + 1 >= d.frames ? 0 : d.cur + 1;
    // where ffmpeg went on past a code outside its tables is not known: its later frames are not counted
    if (r === 'last') {
      d.lost = d.cur !== 0;
      break;
    }
    d.lastBitsUsed = b.pos - consumed * 8;
    if (b.pos > b.end || (d.cur === 0 && size * 8 - b.pos < 8)) d.lastBitsUsed = (size - consumed) * 8;
    if (b.pos > b.end || d.cur === 0) break;
    consumed += d.lastBitsUsed >> 3;
  }
  return n;
}

/** band VLC: how many codes of each length 1-16 (mpc8_bands_len_counts) */
const BANDS_LENS = [1, 1, 1, 0, 2, 2, 1, 3, 2, 3, 4, 11, 2, 0, 0, 0];

/** band VLC symbols, longest code first (mpc8_bands_syms) */
const BANDS_SYMS = [
  13, 19, 10, 11, 12, 14, 15, 16, 17, 18, 20, 21, 22, 9, 23, 24, 25, 8, 26, 27, 7, 28, 5, 6, 29, 4, 3, 30, 2, 31, 1, 32,
  0,
];

/** scale factor index VLCs 0 and 1, 16 lengths each */
const SCFI_LENS = [1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 5, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/**  */
const SCFI_SYMS = [0, 1, 3, 2, 1, 4, 0, 2, 3, 8, 12, 5, 6, 7, 9, 13, 11, 14, 10, 15];

/** scale factor delta VLCs 0 and 1 */
const DSCF_LENS = [0, 0, 3, 6, 3, 4, 5, 7, 7, 9, 6, 5, 3, 6, 0, 0, 0, 0, 5, 3, 3, 2, 3, 4, 5, 7, 7, 9, 6, 5, 6, 0];

/**  */
const DSCF_SYMS = [
  58, 59, 60, 61, 62, 63, 55, 56, 57, 0, 1, 2, 53, 54, 3, 4, 5, 50, 51, 52, 6, 7, 8, 9, 10, 31, 47, 48, 49, 11, 12, 13,
  14, 44, 45, 46, 15, 16, 17, 18, 41, 42, 43, 19, 20, 21, 22, 40, 23, 24, 38, 39, 25, 28, 37, 26, 27, 29, 30, 32, 36,
  33, 34, 35, 0, 59, 60, 61, 62, 63, 1, 2, 56, 57, 58, 3, 4, 5, 53, 54, 55, 6, 7, 8, 9, 49, 50, 51, 52, 64, 10, 11, 12,
  13, 46, 47, 48, 14, 15, 16, 17, 43, 44, 45, 18, 19, 20, 41, 42, 21, 22, 39, 40, 23, 24, 38, 25, 37, 26, 35, 36, 27,
  28, 34, 29, 30, 31, 32, 33,
];

/** band resolution VLCs 0 and 1 */
const RES_LENS = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 4, 0, 0];

/**  */
const RES_SYMS = [
  13, 14, 12, 11, 10, 9, 8, 7, 6, 15, 5, 4, 3, 2, 16, 1, 0, 8, 9, 10, 11, 7, 12, 6, 13, 5, 4, 14, 3, 15, 2, 0, 1, 16,
];

/** quantiser VLCs: q1, q9up, q2 (×2), q3/q4 (×2), q5-q8 (2 × 4) */
const Q1_LENS = [0, 0, 5, 5, 1, 1, 1, 1, 1, 1, 1, 2, 0, 0, 0, 0];

/**  */
const Q9UP_LENS = [0, 0, 0, 0, 0, 2, 38, 134, 71, 9, 2, 0, 0, 0, 0, 0];

/**  */
const Q2_LENS = [
  0, 0, 1, 6, 0, 17, 9, 24, 24, 9, 27, 4, 4, 0, 0, 0, 0, 0, 0, 1, 16, 10, 6, 48, 9, 27, 4, 4, 0, 0, 0, 0,
];

/**  */
const Q34_LENS = [0, 0, 1, 6, 6, 11, 13, 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 12, 23, 14, 19, 8, 4, 0, 0, 0, 0, 0, 0];

/**  */
const Q5_8_LENS = [
  0, 1, 4, 2, 2, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 3, 7, 2, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 4, 6, 10,
  10, 12, 16, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 3, 8, 8, 15, 24, 42, 17, 6, 0, 0, 0, 0, 0, 0, 5, 4, 2, 4, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 11, 6, 4, 6, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 15, 10, 14, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 26, 55, 38, 8, 0, 0, 0, 0, 0, 0, 0,
];

/** the quantiser VLCs' symbols, in the order the decoder builds them (mpc8_q_syms) */
const Q_SYMS = [
  17, 18, 16, 15, 14, 13, 12, 0, 11, 1, 2, 8, 9, 10, 3, 4, 5, 6, 7, 254, 255, 0, 1, 2, 3, 4, 250, 251, 252, 253, 5, 6,
  7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
  39, 41, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
  235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 19, 20, 40, 42, 43, 44, 45, 46, 47, 48, 49,
  50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78,
  79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106,
  107, 147, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169,
  170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192,
  193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 108, 109, 110,
  111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 129, 130, 131, 132, 133, 134, 135,
  136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 148, 127, 128, 4, 24, 100, 120, 0, 20, 104, 124, 1, 3, 5, 9,
  10, 14, 15, 19, 21, 23, 25, 29, 45, 49, 75, 79, 95, 99, 101, 103, 105, 109, 114, 115, 119, 121, 123, 2, 22, 50, 54,
  70, 74, 102, 110, 122, 6, 8, 16, 18, 26, 28, 30, 34, 40, 44, 46, 48, 76, 78, 80, 84, 90, 94, 96, 98, 106, 108, 116,
  118, 7, 11, 13, 17, 27, 35, 39, 47, 51, 53, 55, 59, 65, 69, 71, 73, 77, 85, 89, 97, 107, 111, 113, 117, 12, 33, 43,
  52, 60, 64, 72, 91, 112, 31, 32, 36, 38, 41, 42, 56, 58, 66, 68, 81, 82, 83, 86, 88, 92, 93, 37, 57, 61, 63, 67, 87,
  62, 13, 3, 109, 99, 14, 2, 29, 19, 93, 83, 110, 98, 15, 0, 1, 18, 45, 35, 61, 51, 77, 67, 111, 96, 97, 30, 31, 17, 46,
  34, 78, 66, 94, 95, 81, 82, 16, 33, 62, 50, 79, 80, 47, 32, 63, 49, 64, 65, 48, 0, 1, 13, 14, 2, 12, 3, 11, 4, 10, 5,
  6, 8, 9, 7, 0, 1, 2, 3, 27, 28, 29, 30, 4, 5, 25, 26, 6, 24, 7, 8, 9, 20, 21, 22, 23, 10, 11, 19, 12, 13, 17, 18, 14,
  16, 15, 0, 1, 2, 5, 6, 7, 8, 9, 53, 54, 55, 56, 57, 60, 61, 62, 3, 4, 10, 11, 12, 13, 49, 50, 51, 52, 58, 59, 14, 15,
  16, 17, 18, 43, 45, 46, 47, 48, 19, 20, 21, 22, 23, 39, 40, 41, 42, 44, 24, 25, 26, 36, 37, 38, 27, 28, 34, 35, 29,
  33, 30, 32, 31, 11, 12, 111, 113, 114, 115, 0, 1, 13, 14, 15, 16, 17, 18, 19, 21, 104, 105, 107, 108, 109, 110, 112,
  2, 3, 4, 5, 6, 8, 10, 20, 22, 23, 24, 25, 26, 27, 28, 29, 31, 32, 33, 34, 35, 92, 93, 95, 96, 97, 98, 99, 100, 101,
  102, 103, 106, 116, 117, 120, 121, 122, 123, 124, 125, 126, 7, 9, 30, 36, 37, 38, 39, 40, 41, 42, 43, 45, 83, 84, 85,
  86, 87, 88, 89, 90, 91, 94, 118, 119, 44, 46, 47, 48, 49, 50, 51, 75, 76, 77, 78, 79, 80, 81, 82, 52, 53, 54, 55, 71,
  72, 73, 74, 56, 57, 58, 59, 67, 68, 69, 70, 60, 65, 66, 61, 62, 64, 63, 4, 24, 100, 120, 0, 20, 104, 124, 1, 3, 5, 9,
  10, 15, 19, 21, 23, 25, 29, 45, 49, 75, 79, 95, 99, 101, 102, 103, 105, 109, 114, 115, 119, 121, 123, 2, 14, 22, 50,
  54, 70, 74, 110, 122, 6, 7, 8, 11, 13, 16, 17, 18, 26, 27, 28, 30, 34, 35, 39, 40, 44, 46, 47, 48, 51, 53, 55, 59, 65,
  69, 71, 73, 76, 77, 78, 80, 84, 85, 89, 90, 94, 96, 97, 98, 106, 107, 108, 111, 113, 116, 117, 118, 12, 52, 60, 64,
  72, 112, 31, 33, 36, 41, 43, 81, 83, 88, 91, 93, 32, 37, 38, 42, 56, 57, 58, 61, 63, 66, 67, 68, 82, 86, 87, 92, 62,
  12, 4, 140, 132, 13, 3, 28, 20, 124, 116, 141, 131, 14, 1, 2, 29, 19, 44, 36, 60, 52, 92, 84, 108, 100, 125, 115, 142,
  143, 129, 130, 15, 0, 30, 18, 45, 35, 76, 68, 109, 99, 126, 127, 114, 128, 31, 16, 17, 46, 47, 33, 34, 61, 62, 50, 51,
  77, 67, 93, 94, 82, 83, 110, 111, 97, 98, 112, 113, 32, 63, 48, 49, 78, 79, 65, 66, 95, 80, 81, 96, 64, 0, 1, 13, 14,
  2, 12, 3, 4, 10, 11, 5, 6, 7, 8, 9, 0, 1, 29, 30, 2, 3, 4, 26, 27, 28, 5, 6, 24, 25, 7, 8, 9, 21, 22, 23, 10, 11, 12,
  13, 14, 15, 16, 17, 18, 19, 20, 0, 1, 61, 62, 2, 3, 4, 5, 6, 7, 8, 54, 55, 56, 57, 58, 59, 60, 9, 10, 11, 12, 13, 49,
  50, 51, 52, 53, 14, 15, 16, 17, 18, 19, 20, 21, 42, 43, 44, 45, 46, 47, 48, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
  32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 0, 1, 2, 3, 123, 124, 125, 126, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  17, 18, 19, 20, 21, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
  122, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
  75, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 50, 51,
  52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 76,
];

/** mpc8_huffq2: what a q2 symbol adds to the context that picks the next q2 VLC */
const HUFFQ2 = [
  6, 5, 4, 5, 6, 5, 4, 3, 4, 5, 4, 3, 2, 3, 4, 5, 4, 3, 4, 5, 6, 5, 4, 5, 6, 5, 4, 3, 4, 5, 4, 3, 2, 3, 4, 3, 2, 1, 2,
  3, 4, 3, 2, 3, 4, 5, 4, 3, 4, 5, 4, 3, 2, 3, 4, 3, 2, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 2, 3, 4, 3, 2, 3, 4, 5, 4, 3,
  4, 5, 4, 3, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 3, 4, 5, 4, 3, 4, 5, 6, 5, 4, 5, 6, 5, 4, 3, 4, 5, 4, 3, 2, 3, 4, 5, 4,
  3, 4, 5, 6, 5, 4, 5, 6,
];

/** mpc8_cnk_len[16][33], flattened */
const CNK_LEN = [
  0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 0, 0, 2, 3, 4, 4,
  5, 5, 6, 6, 6, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 2, 4, 5, 6, 6, 7, 7, 8, 8,
  9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 13, 13, 0, 0, 0, 0, 0, 3, 4, 6, 7, 7, 8, 9, 9,
  10, 10, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15, 15, 16, 0, 0, 0, 0, 0, 0, 3, 5, 6, 7, 8, 9,
  10, 11, 11, 12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 16, 17, 17, 17, 17, 18, 18, 18, 0, 0, 0, 0, 0, 0, 0, 3, 5, 7, 8,
  9, 10, 11, 12, 13, 13, 14, 15, 15, 16, 16, 17, 17, 18, 18, 18, 19, 19, 19, 20, 20, 20, 0, 0, 0, 0, 0, 0, 0, 0, 3, 6,
  7, 9, 10, 11, 12, 13, 14, 15, 15, 16, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 21, 22, 22, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 6, 8, 9, 11, 12, 13, 14, 15, 16, 17, 17, 18, 19, 19, 20, 21, 21, 22, 22, 23, 23, 23, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 4, 6, 8, 10, 11, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 21, 22, 23, 23, 24, 24, 25, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 4, 7, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20, 21, 21, 22, 23, 24, 24, 25, 25, 26, 26, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 4, 7, 9, 11, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 23, 24, 25, 26, 26, 27, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 4, 7, 9, 11, 13, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25, 25, 26, 27, 28, 28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 4, 7, 10, 12, 14, 15, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 27, 28, 29, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 4, 7, 10, 12, 14, 16, 17, 19, 20, 21, 23, 24, 25, 26, 27, 28, 28, 29, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 4, 8, 10, 12, 14, 16, 18, 19, 21, 22, 23, 25, 26, 27, 28, 29, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 5, 8, 10, 13, 15, 17, 18, 20, 21, 23, 24, 25, 27, 28, 29, 30, 0,
];

/** mpc8_cnk_lost[16][33], flattened (its last row has 32 values: the 33rd is 0) */
const CNK_LOST = [
  0, 0, 1, 0, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 31, 0, 0, 1, 2,
  6, 1, 11, 4, 28, 19, 9, 62, 50, 37, 23, 8, 120, 103, 85, 66, 46, 25, 3, 236, 212, 187, 161, 134, 106, 77, 47, 16, 0,
  0, 0, 0, 0, 6, 12, 29, 8, 44, 8, 91, 36, 226, 148, 57, 464, 344, 208, 55, 908, 718, 508, 277, 24, 1796, 1496, 1171,
  820, 442, 36, 3697, 3232, 0, 0, 0, 0, 0, 3, 1, 29, 58, 2, 46, 182, 17, 309, 23, 683, 228, 1716, 1036, 220, 3347, 2207,
  877, 7529, 5758, 3734, 1434, 15218, 12293, 9017, 5363, 1303, 29576, 0, 0, 0, 0, 0, 0, 2, 11, 8, 2, 4, 50, 232, 761,
  46, 1093, 3824, 2004, 7816, 4756, 880, 12419, 6434, 31887, 23032, 12406, 65292, 50342, 32792, 12317, 119638, 92233,
  60768, 0, 0, 0, 0, 0, 0, 0, 1, 4, 44, 46, 50, 100, 332, 1093, 3187, 184, 4008, 14204, 5636, 26776, 11272, 56459,
  30125, 127548, 85044, 31914, 228278, 147548, 49268, 454801, 312295, 142384, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 8, 182,
  232, 332, 664, 1757, 4944, 13320, 944, 15148, 53552, 14792, 91600, 16987, 178184, 43588, 390776, 160546, 913112,
  536372, 61352, 1564729, 828448, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 19, 91, 17, 761, 1093, 1757, 3514, 8458, 21778, 55490,
  5102, 58654, 204518, 33974, 313105, 1015577, 534877, 1974229, 1086199, 4096463, 2535683, 499883, 6258916, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 6, 9, 36, 309, 46, 3187, 4944, 8458, 16916, 38694, 94184, 230358, 26868, 231386, 789648, 54177,
  1069754, 3701783, 1481708, 6762211, 2470066, 13394357, 5505632, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 62, 226, 23, 1093,
  184, 13320, 21778, 38694, 77388, 171572, 401930, 953086, 135896, 925544, 3076873, 8340931, 3654106, 13524422, 3509417,
  22756699, 2596624, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 50, 148, 683, 3824, 4008, 944, 55490, 94184, 171572, 343144,
  745074, 1698160, 3931208, 662448, 3739321, 12080252, 32511574, 12481564, 49545413, 5193248, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 3, 37, 57, 228, 2004, 14204, 15148, 5102, 230358, 401930, 745074, 1490148, 3188308, 7119516, 16170572,
  3132677, 15212929, 47724503, 127314931, 42642616, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 23, 464, 1716, 7816,
  5636, 53552, 58654, 26868, 953086, 1698160, 3188308, 6376616, 13496132, 29666704, 66353813, 14457878, 62182381,
  189497312, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 8, 344, 1036, 4756, 26776, 14792, 204518, 231386, 135896,
  3931208, 7119516, 13496132, 26992264, 56658968, 123012781, 3252931, 65435312, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 120, 208, 220, 880, 11272, 91600, 33974, 789648, 925544, 662448, 16170572, 29666704, 56658968, 113317936,
  236330717, 508019104, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 103, 55, 3347, 12419, 56459, 16987,
  313105, 54177, 3076873, 3739321, 3132677, 66353813, 123012781, 236330717, 0, 0,
];

interface Stream {
  samples: number;
  rate: number;
  channels: number;
  /** frames an audio packet holds */
  frames: number;
  /** the decoder's state, as the packets are walked */
  decoder: Decoder;
}

/**
 * The stream header's body as ffmpeg's demuxer and decoder accept it (version 8, a known sample rate,
 * at most 31 bands, one or two channels); a string: why not.
 */
function streamHeader(body: Buffer): Stream | string {
  if (body.length < 5 || body[4] !== 8) return `stream version ${body[4] ?? '?'} (ffmpeg reads 8)`;
  const n = varint(body, 5);
  const silence = n && varint(body, n[1]);
  if (!n || !silence || silence[1] + 2 > body.length) return 'SV8 stream header cut off';
  const [a, b] = [body[silence[1]]!, body[silence[1] + 1]!];
  const rate = RATES[a >> 5];
  if (!rate) return `SV8 sample rate index ${a >> 5} (ffmpeg knows 0-3)`;
  if ((a & 0x1f) + 1 >= 32) return 'SV8 with 32 bands (ffmpeg\'s decoder refuses it: "maxbands too high")';
  const channels = (b >> 4) + 1;
  if (channels > 2) return `SV8 with ${channels} channels (ffmpeg's decoder takes 1 or 2)`;
  const frames = 1 << ((b & 7) * 2);
  const decoder: Decoder = {
    maxbands: (a & 0x1f) + 1,
    mss: Boolean(b & 8),
    frames,
    cur: 0,
    lastMaxBand: 0,
    lastBitsUsed: 0,
    oldDscf: [new Uint8Array(32), new Uint8Array(32)],
    res: [new Int8Array(32), new Int8Array(32)],
    lost: false,
  };
  return { samples: n[0], rate, channels, frames, decoder };
}

/**
 * Musepack SV8: the audio packets present, walked, and each packet's frames counted as ffmpeg's decoder
 * gives them (packetFrames): junk stops at its first impossible frame, as it does in ffmpeg (round 23:
 * a megabyte of random packets counted 62,500 s, the stream header's claim, where ffmpeg decodes 86).
 * The stream header's count bounds the total, as the end of the last packet is padding. No audio
 * packet, no audio. The walk is linear: every packet moves on by at least its header, and a size
 * smaller than its header ends it (ffmpeg would seek back and read the same packets again); every
 * frame moves on by at least a bit and ticks the file's work.
 */
export function probeMpc8(src: FileSource): Claim {
  const headers = new Headers(src);
  const t = vlcs();
  let pos = 4;
  let stream: Stream | undefined;
  let frames = 0;
  let packets = 0;
  let huge = false;
  // the demuxer's reads end at a packet that starts where an APE tag does (once its header is read)
  const tagStart = apeTagStart(src);
  for (;;) {
    src.work.tick();
    if (stream && tagStart > 0 && pos >= tagStart) break;
    const p = headers.packet(pos);
    if (!p || p.size < p.header) break;
    // ffmpeg's demuxer fails the read at a packet whose size (less its header) is over INT_MAX, and
    // gives none of it: one bit of the first audio packet's size of mpcenc's 14 s file made it 2.8e9
    // bytes and 1.67 s was counted of the frames present, none decoded (attack round 28a, H3; up to
    // 4^7 frames, 428 s, with block power 7)
    if (stream && p.size - p.header > INT_MAX) {
      huge = true;
      break;
    }
    if (!stream) {
      if (p.tag === SH) {
        const s = streamHeader(src.read(pos + p.header, Math.min(p.size - p.header, 64)));
        if (typeof s === 'string') return { kind: 'unreadable', codec: 'MUSEPACK/SV8', error: s };
        stream = s;
      }
    } else if (p.tag === AP) {
      const bytes = Math.max(0, Math.min(p.size, src.size - pos) - p.header);
      frames += packetFrames(headers.body(pos + p.header, bytes), stream.decoder, t, src.work);
      packets++;
    } else if (p.tag === SE) break;
    pos += p.size;
  }
  if (!stream) return { kind: 'unreadable', codec: 'MUSEPACK/SV8', error: 'SV8 without a stream header' };
  const base = { codec: 'MUSEPACK/SV8', sampleRate: stream.rate, channels: stream.channels };
  const cut = huge ? 'a packet of more than 2^31 - 1 bytes, where ffmpeg stops reading' : undefined;
  if (!packets || !frames)
    return { kind: 'unreadable', ...base, error: [cut, 'SV8 without an audio packet'].filter(Boolean).join(': ') };
  const held = frames * FRAME;
  const samples = stream.samples > 0 ? Math.min(held, stream.samples) : held;
  return {
    kind: 'audio',
    seconds: samples / stream.rate,
    ...base,
    ...(cut ? { error: `${cut}: the packets from it on not counted` } : {}),
  };
}
