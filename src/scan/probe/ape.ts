/*
 * Monkey's Audio frames, walked as ffmpeg's decoder (libavcodec/apedec.c) reads them.
 *
 * Why: a frame's bytes being in the file says nothing of what they decode to. With a valid header
 * and seek table over random bytes, every frame was counted: 80,000 s where ffmpeg decodes 29,592
 * (attack round 23, 2.7x). ffmpeg's decoder outputs a frame in pieces of 4,608 blocks (its
 * `max_samples`); when the range decoder needs a byte past the frame's end it flags an error, and
 * the piece being decoded, with the rest of the frame, is dropped ("Error decoding frame"). Its CRC
 * is checked only under `-err_detect crccheck`, off by default (a byte changed late in a real frame
 * decodes to the end: 1,318,392 samples of 1,323,000, the piece with the overread dropped).
 *
 * For files of version 3990 (Monkey's Audio 3.99 on) each value's range coding is followed here:
 * the symbol of the "overflow" model, its 32-bit escape, and the base coded against the pivot that
 * the adaptive sum `ksum` gives; for 3900-3989, the older coder's symbol and k - 1 bits, k adapting. Nothing else changes how many bytes are read (the predictor and the
 * filters only transform the values), so the blocks counted are the blocks ffmpeg outputs.
 */

import { bytesAt } from './bytes.js';
import type { FileSource } from './types.js';

/** Blocks ffmpeg's decoder outputs a call (its `max_samples` option, 4608 by default). */
const APE_PIECE = 4608;

/** The overflow model of version 3.98 on (apedec.c's counts_3980 and their differences). */
const COUNTS = [
  0, 19578, 36160, 48417, 56323, 60899, 63265, 64435, 64971, 65232, 65351, 65416, 65447, 65466, 65476, 65482, 65485,
  65488, 65490, 65491, 65492, 65493,
];

/** The frame's CRC word and flags as apedec.c's init_entropy_decoder reads them, or why it stops. */
interface ApeFrameHead {
  /** the frame flags (0 when the CRC's top bit says there are none) */
  flags: number;
  /** where the range coder's bytes start (swapped index) */
  at: number;
}

/** Flag of a frame coded as one channel (APE_FRAMECODE_PSEUDO_STEREO). */
const PSEUDO_STEREO = 4;

/**
 * A frame of silence, decoded whole without a byte read: a frame decoded as one channel (mono, or
 * flagged pseudo-stereo) with either silence flag (1 or 2), a stereo one with both (STEREO_SILENCE,
 * 3), as ffmpeg 5.1 tests them. (Either taken as silence for stereo counted a random frame flagged 2
 * whole, which ffmpeg decodes and stops inside; flag 1 alone for mono missed frames flagged 2 that
 * it outputs whole: both measured on single random frames.)
 */
function apeSilent(flags: number, stereo: boolean): boolean {
  return stereo ? (flags & 3) === 3 : (flags & 3) !== 0;
}

/**
 * The frame packet's head for versions 3900 on: `b` holds the packet's frame bytes (from the
 * demuxer's position, `skip` bytes before the frame), read as ffmpeg reads them, 32-bit words
 * byte-swapped (byte j is b[j ^ 3]) up to the last whole word. undefined: the decoder refuses the
 * frame before its first sample ("Packet is too small", "Error reading frame header").
 */
function apeFrameHead(b: Buffer, skip: number, end = b.length & ~3): ApeFrameHead | undefined {
  if (end < skip) return undefined;
  let p = skip;
  if (end - p < 6) return undefined;
  const crc = word(b, p);
  p += 4;
  let flags = 0;
  if (crc >= 0x80000000) {
    if (end - p < 6) return undefined;
    flags = word(b, p);
    p += 4;
  }
  // "The first 8 bits of input are ignored"
  return { flags, at: p + 1 };
}

function word(b: Buffer, p: number): number {
  return b[p ^ 3]! * 0x1000000 + (b[(p + 1) ^ 3]! << 16) + (b[(p + 2) ^ 3]! << 8) + b[(p + 3) ^ 3]!;
}

/**
 * The blocks ffmpeg's decoder outputs of a version-3990 frame of `nblocks` blocks (see apeFrameHead
 * for `b` and `skip`): all of them when the range coder stays within the frame's bytes, else the
 * whole pieces of APE_PIECE blocks decoded before it ran out. Linear in the frame's blocks.
 */
function apeFrameBlocks(b: Buffer, skip: number, nblocks: number, channels: number, walkMax = Infinity): number {
  const end = b.length & ~3;
  const head = apeFrameHead(b, skip, end);
  if (!head || nblocks <= 0) return 0;
  const stereo = channels === 2 && !(head.flags & PSEUDO_STEREO);
  if (apeSilent(head.flags, stereo)) return nblocks;
  // (a frame longer than the walk allows is walked to `walkMax` blocks)
  const want = Math.min(nblocks, walkMax);
  const nch = stereo ? 2 : 1;
  // one loop, the state in locals (a closure per value ran at ~35 ns a value)
  let p = head.at;
  // range_start_decoding: 7 bits of the first byte
  let buffer = b[p++ ^ 3]!;
  let low = buffer >>> 1;
  let range = 128;
  const ksum = [16384, 16384];
  let done = 0;
  let left = Math.min(APE_PIECE, want);
  let c = 0;
  // the decoding steps of one value: 0 the overflow symbol, 1-2 its escape's two halves, 3 the base
  // (or 3-4 its two parts past 16 bits); each first normalises the range, which may want a byte
  let overflow = 0;
  let pivot = 0;
  let step = 0;
  let total: number;
  let bbits = 0;
  let base = 0;
  for (;;) {
    // range_dec_normalize; a byte past the end is ffmpeg's ctx->error: the piece is lost
    while (range <= 0x800000) {
      if (p >= end) return done;
      buffer = ((buffer << 8) | b[p++ ^ 3]!) & 0xffff;
      low = ((low << 8) | ((buffer >>> 1) & 0xff)) >>> 0;
      range *= 256;
    }
    if (step === 0) {
      pivot = ksum[c]! >>> 5 || 1;
      // range_get_symbol against counts_3980
      const help = range >>> 16;
      const cf = Math.floor(low / help);
      if (cf > 65492) {
        // symbols 21-63, each of frequency 1; past 65535 the coder is lost (ctx->error)
        if (cf > 65535) return done;
        overflow = cf - 65535 + 63;
        low = (low - help * cf) >>> 0;
        range = help;
      } else {
        let s = 0;
        while (COUNTS[s + 1]! <= cf) s++;
        low = (low - help * COUNTS[s]!) >>> 0;
        range = help * (COUNTS[s + 1]! - COUNTS[s]!);
        overflow = s;
      }
      if (overflow === 63) step = 1;
      else step = 3;
      continue;
    }
    if (step === 1 || step === 2) {
      // the escape: 32 bits, 16 at a time (range_decode_bits)
      const help = range >>> 16;
      const sym = Math.floor(low / help);
      low = (low - help * sym) >>> 0;
      range = help;
      overflow = step === 1 ? sym : ((overflow << 16) | sym) >>> 0;
      step++;
      continue;
    }
    if (step === 3) {
      // the base, uniform over the pivot (range_decode_culfreq, then update(1, base)); past 16 bits
      // in two parts, the high one over its top 16 bits
      bbits = 0;
      total = pivot;
      while (total > 0xffff) {
        total >>>= 1;
        bbits++;
      }
      if (bbits) total++;
    } else total = 1 << bbits;
    const help = Math.floor(range / total);
    const v = Math.floor(low / help);
    low = (low - help * v) >>> 0;
    range = help;
    if (step === 3 && bbits) {
      base = v;
      step = 4;
      continue;
    }
    if (step === 4) base = (base << bbits) + v;
    else base = v;
    // update_rice: only ksum matters to 3.99's coding (its k is not read)
    const x = (base + Math.imul(overflow, pivot)) >>> 0;
    const k = ksum[c]!;
    ksum[c] = (k + (((x + 1) >>> 0) >>> 1) - (((k + 16) >>> 0) >>> 5)) >>> 0;
    step = 0;
    if (++c < nch) continue;
    c = 0;
    if (--left > 0) continue;
    done = Math.min(done + APE_PIECE, nblocks);
    if (done === want) return done;
    left = Math.min(APE_PIECE, want - done);
  }
}

/** The overflow model before 3.98 (apedec.c's counts_3970). */
const COUNTS_3970 = [
  0, 14824, 28224, 39348, 47855, 53994, 58171, 60926, 62682, 63786, 64463, 64878, 65126, 65276, 65365, 65419, 65450,
  65469, 65480, 65487, 65491, 65493,
];

/** apedec.c's range decoder over a frame's swapped bytes. */
class RangeDecoder {
  low = 0;
  range = 0;
  buffer = 0;
  private error = false;
  constructor(
    private readonly b: Buffer,
    public p: number,
    /** ffmpeg's data_end; bytes from the last whole word on read as 0 (its padding) */
    private readonly end: number,
  ) {
    this.start();
  }
  private byte(p: number): number {
    return p < (this.b.length & ~3) ? this.b[p ^ 3]! : 0;
  }
  /** ffmpeg's ctx->error: a byte wanted past the end, or a symbol past the model */
  lost(): boolean {
    return this.error;
  }
  /** range_start_decoding: 7 bits of a byte (read whatever the end, as bytestream_get_byte) */
  start(): void {
    this.buffer = this.byte(this.p++);
    this.low = this.buffer >>> 1;
    this.range = 128;
  }
  normalize(): void {
    while (this.range <= 0x800000) {
      let next = 0;
      if (this.p < this.end) next = this.byte(this.p++);
      else this.error = true;
      this.buffer = ((this.buffer << 8) | next) & 0xffff;
      this.low = ((this.low << 8) | ((this.buffer >>> 1) & 0xff)) >>> 0;
      this.range *= 256;
    }
  }
  /** range_decode_bits(n) */
  bits(n: number): number {
    this.normalize();
    const help = Math.floor(this.range / 2 ** n);
    const v = Math.floor(this.low / help);
    this.low = (this.low - help * v) >>> 0;
    this.range = help;
    return v;
  }
  /** range_get_symbol against counts_3970 (a symbol past 65535 loses the coder) */
  symbol(): number {
    this.normalize();
    const help = this.range >>> 16;
    const cf = Math.floor(this.low / help);
    if (cf > 65492) {
      if (cf > 65535) this.error = true;
      this.low = (this.low - help * cf) >>> 0;
      this.range = help;
      return cf - 65535 + 63;
    }
    let s = 0;
    while (COUNTS_3970[s + 1]! <= cf) s++;
    this.low = (this.low - help * COUNTS_3970[s]!) >>> 0;
    this.range = help * (COUNTS_3970[s + 1]! - COUNTS_3970[s]!);
    return s;
  }
}

/** A channel's Rice state before 3.99: k and ksum (update_rice, k kept under 25). */
class Rice {
  k = 10;
  ksum = 16384;
  /** ape_decode_value_3900: the bits one value reads (its value only feeds the state) */
  value(rc: RangeDecoder, version: number): void {
    let overflow = rc.symbol();
    let tmpk: number;
    if (overflow === 63) {
      tmpk = rc.bits(5);
      overflow = 0;
    } else tmpk = this.k < 1 ? 0 : this.k - 1;
    let x: number;
    if (tmpk <= 16 || version < 3910) {
      // "Too many bits": the value is an error code, nothing read nor updated
      if (tmpk > 23) return;
      x = rc.bits(tmpk);
    } else if (tmpk <= 31) {
      x = rc.bits(16);
      x = (x | (rc.bits(tmpk - 16) << 16)) >>> 0;
    } else return;
    x = (x + ((overflow << tmpk) >>> 0)) >>> 0;
    const lim = this.k ? 2 ** (this.k + 4) : 0;
    this.ksum = (this.ksum + (((x + 1) >>> 0) >>> 1) - (((this.ksum + 16) >>> 0) >>> 5)) >>> 0;
    if (this.ksum < lim) this.k--;
    else if (this.ksum >= 2 ** (this.k + 5) && this.k < 24) this.k++;
  }
}

/**
 * The blocks ffmpeg's decoder outputs of a frame of versions 3900-3989 (the range coder of 3.90-3.98:
 * a symbol, then k - 1 bits, k adapting; see apeFrameBlocks). Before 3.93 a frame is decoded in one
 * piece, a stereo frame's second channel after the first with the coder restarted; from 3.93 the
 * channels alternate, in pieces of APE_PIECE. Before 3.95 the decoder may read 2 bytes (zeros) past
 * the last whole word.
 */
function apeFrameBlocks3900(
  b: Buffer,
  skip: number,
  nblocks: number,
  channels: number,
  version: number,
  walkMax = Infinity,
): number {
  const end = (b.length & ~3) + (version < 3950 ? 2 : 0);
  const head = apeFrameHead(b, skip, end);
  if (!head || nblocks <= 0) return 0;
  const stereo = channels === 2 && !(head.flags & PSEUDO_STEREO);
  if (apeSilent(head.flags, stereo)) return nblocks;
  const want = Math.min(nblocks, walkMax);
  const rc = new RangeDecoder(b, head.at, end);
  const y = new Rice();
  const x = new Rice();
  if (version < 3930) {
    for (let i = 0; i < want && !rc.lost(); i++) y.value(rc, version);
    if (stereo && !rc.lost()) {
      // "because of some implementation peculiarities we need to backpedal here"
      rc.normalize();
      rc.p -= 1;
      rc.start();
      for (let i = 0; i < want && !rc.lost(); i++) x.value(rc, version);
    }
    // (decoded in one piece: a frame walked in part proves nothing, and counts none)
    return rc.lost() || want < nblocks ? 0 : nblocks;
  }
  let done = 0;
  while (done < want) {
    const n = Math.min(APE_PIECE, want - done);
    for (let i = 0; i < n; i++) {
      y.value(rc, version);
      if (stereo) x.value(rc, version);
      if (rc.lost()) return done;
    }
    done += n;
  }
  return done;
}

/** One frame packet as ffmpeg's demuxer cuts it: its file bytes [from, from + size), `skip` and blocks. */
export interface ApePacket {
  from: number;
  skip: number;
  size: number;
  nblocks: number;
}

/**
 * Values (a block a channel) walked a file, drawn at random (~0.15 s at the ~35 ns a value measured
 * on a loaded 2-core machine: an hour of 8 kHz mono speech is 28.8 M values, 1 s to walk whole),
 * and the most walked once one of them stops short or is cut (~0.45 s: one frame of 10 MB of zeros
 * claiming 46 M blocks, walked to 16 M, took 0.7 s).
 */
const APE_WALK_VALUES = 4_000_000;
const APE_WALK_ALL_VALUES = 12_000_000;

/**
 * A file's frames, each counted as ffmpeg's decoder outputs it.
 *
 * From version 3990 on, frames are walked (apeFrameBlocks): the first, the last, then others drawn at
 * random, afresh each run, until APE_WALK_VALUES; the frames not drawn count whole. Once a walked
 * frame stops short (a damaged or forged file), the drawing goes on, to every frame or
 * APE_WALK_ALL_VALUES, and the frames left are not counted (said so). A share of the walked ones was
 * tried for them: on 400 random frames (16 MB) it came to 7.29-8.07 M blocks over five runs, ffmpeg
 * decoding 7.55 M; nothing short of walking a frame bounds it.
 *
 * From 3900 to 3989 the same, with the older range coder (apeFrameBlocks3900). Files before 3.90 are
 * not walked (probeApe: unreadable).
 */
export class ApeWalk {
  /** frames the decoder stops inside (the range coder ran past their bytes) */
  stopped = 0;
  /** frames left unwalked once one stopped or was cut, not counted */
  unwalked = 0;
  /** frames longer than the walk allowed: their blocks past it not counted */
  cut = 0;

  constructor(
    private readonly version: number,
    private readonly channels: number,
  ) {}

  /** The blocks the frames decode to, all told. */
  count(src: FileSource, frames: readonly ApePacket[]): number {
    const ch = this.channels === 2 ? 2 : 1;
    const got = new Array<number>(frames.length).fill(-1);
    let values = 0;
    const walk = (i: number): void => {
      const f = frames[i]!;
      // a frame is walked to what is left of APE_WALK_ALL_VALUES (in whole pieces): one frame of 10 MB
      // of zeros claiming 46 M blocks decodes them all, 1.6 s of walking; no encoder writes a frame of
      // over 294,912 blocks
      const walkMax = Math.max(APE_PIECE, Math.floor((APE_WALK_ALL_VALUES - values) / ch / APE_PIECE) * APE_PIECE);
      const b = bytesAt(src, f.from, f.size);
      got[i] =
        this.version >= 3990
          ? apeFrameBlocks(b, f.skip, f.nblocks, this.channels, walkMax)
          : apeFrameBlocks3900(b, f.skip, f.nblocks, this.channels, this.version, walkMax);
      // what it cost: a frame decoded whole its values, at most its walk and what its bytes hold at the
      // cheapest code (1.74 bits: the likeliest symbol over a pivot of 1; a frame flagged silent costs
      // its few bytes: counted at its blocks, a silent first frame of 4 M blocks spent the draw and
      // left the random frames after it counted unwalked); one that stopped, the pieces it decoded
      const cost =
        got[i] >= Math.min(f.nblocks, walkMax)
          ? Math.min(f.nblocks * ch, f.size * 5, walkMax * ch)
          : Math.min(got[i] + APE_PIECE, walkMax) * ch;
      src.work.tick(1 + Math.floor(cost / 64));
      values += cost;
      if (got[i] === walkMax && walkMax < f.nblocks) this.cut++;
      else if (got[i] < f.nblocks) this.stopped++;
    };
    // the first, the last, then the others in a random order (Fisher-Yates)
    const order = frames.map((_, i) => i);
    for (let i = order.length - 2; i > 1; i--) {
      const j = 1 + Math.floor(Math.random() * i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    if (order.length > 1) order.splice(1, 0, order.pop()!);
    for (const i of order) {
      if (values >= (this.stopped || this.cut ? APE_WALK_ALL_VALUES : APE_WALK_VALUES)) break;
      walk(i);
    }
    let n = 0;
    for (let i = 0; i < frames.length; i++) {
      if (got[i]! >= 0) n += got[i]!;
      else if (!this.stopped && !this.cut) n += frames[i]!.nblocks;
      else this.unwalked++;
    }
    return n;
  }

  /** What the walk says of the file, for the result's error; undefined when every frame decoded whole. */
  get note(): string | undefined {
    const s = (n: number): string => (n > 1 ? 's' : '');
    return (
      [
        this.stopped
          ? `${this.stopped} frame${s(this.stopped)} a decoder stops inside (its range coding runs past the frame's bytes): counted the blocks it outputs`
          : undefined,
        this.unwalked
          ? `${this.unwalked} frame${s(this.unwalked)} past the ${APE_WALK_ALL_VALUES.toLocaleString('en')} values walked: not counted`
          : undefined,
        this.cut
          ? `${this.cut} frame${s(this.cut)} longer than the ${APE_WALK_ALL_VALUES.toLocaleString('en')} values walked: counted to there`
          : undefined,
      ]
        .filter(Boolean)
        .join('; ') || undefined
    );
  }
}
