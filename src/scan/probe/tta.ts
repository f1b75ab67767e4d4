/*
 * True Audio frames, walked as ffmpeg's decoder (tta.c) reads them: shared by the .tta reader
 * (lossless.ts) and Matroska's A_TTA1 blocks.
 *
 * Why: a frame's length is fixed by the rate, and nothing but its codes says whether it holds audio.
 * Counted at a bit a sample, frames of random bytes made 1 MB of TTA 940-1,933 s where ffmpeg decodes
 * none (attack round 22, H12): its decoder reads every sample's Rice code (a unary run, then k bits, k
 * adapting per channel) and refuses the frame when the bits run out before the last sample and the
 * frame's 32-bit CRC. Only the codes' lengths are followed here (the filters do not change them).
 */

/** CRC-32 (IEEE, reflected: polynomial 0xEDB88320, start and final xor 0xFFFFFFFF), TTA's header and seek-table check. */
const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function ttaCrc(b: Buffer, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** 2^(k+4), as ffmpeg's table of Rice thresholds gives it (2^31 from k = 27 on, 2^32 - 1 at k = 36). */
function threshold(k: number): number {
  return k >= 36 ? 0xffffffff : k >= 27 ? 0x80000000 : 2 ** (k + 4);
}
/** 2^k, as the table's start (2^31 from k = 31 on). */
function shift(k: number): number {
  return k >= 40 ? 0xffffffff : k >= 31 ? 0x80000000 : 2 ** k;
}

/**
 * The samples (a channel's) the TTA frame [from, to) decodes to: `frameLen`, or `lastLen` when the
 * frame ends there with only its CRC left (any shorter length when lastLen is not known: a stream cut
 * into packets by a container); 0 when a decoder refuses it. Linear in the frame's bits.
 */
function ttaFrameSamples(
  b: Buffer,
  from: number,
  to: number,
  channels: number,
  frameLen: number,
  lastLen?: number,
): number {
  const end = Math.min(to, b.length);
  // a little-endian bit reader: `cache` holds the next `n` bits, the next one lowest
  let at = from;
  let cache = 0;
  let n = 0;
  const k0 = new Int32Array(channels).fill(10);
  const k1 = new Int32Array(channels).fill(10);
  const sum0 = new Float64Array(channels).fill(threshold(10));
  const sum1 = new Float64Array(channels).fill(threshold(10));
  for (let i = 0; i < frameLen; i++) {
    for (let c = 0; c < channels; c++) {
      // the unary run of 1 bits, ended by a 0 (at most the bits left)
      let unary = 0;
      for (;;) {
        while (n <= 24 && at < end) {
          cache = (cache | (b[at++]! << n)) >>> 0;
          n += 8;
        }
        if (!n) break;
        const inverted = ~cache >>> 0;
        const ones = inverted ? 31 - Math.clz32(inverted & -inverted) : 32;
        if (ones < n) {
          unary += ones;
          cache = ones + 1 >= 32 ? 0 : cache >>> (ones + 1);
          n -= ones + 1;
          break;
        }
        unary += n;
        cache = 0;
        n = 0;
      }
      let k: number;
      let depth: number;
      if (unary === 0) {
        depth = 0;
        k = k0[c]!;
      } else {
        depth = 1;
        k = k1[c]!;
        unary--;
      }
      while (n <= 24 && at < end) {
        cache = (cache | (b[at++]! << n)) >>> 0;
        n += 8;
      }
      if (n < k) return 0;
      let value = unary;
      if (k) {
        if (k > 25 || unary > 0x7fffffff >>> k) return 0;
        value = unary * 2 ** k + (cache & ((1 << k) - 1));
        cache = cache >>> k;
        n -= k;
      }
      if (depth === 1) {
        sum1[c] = (sum1[c]! + value - (sum1[c]! >>> 4)) >>> 0;
        if (k1[c]! > 0 && sum1[c]! < threshold(k1[c]!)) k1[c]!--;
        else if (sum1[c]! > threshold(k1[c]! + 1)) k1[c]!++;
        value = (value + shift(k0[c]!)) >>> 0;
      }
      sum0[c] = (sum0[c]! + value - (sum0[c]! >>> 4)) >>> 0;
      if (k0[c]! > 0 && sum0[c]! < threshold(k0[c]!)) k0[c]!--;
      else if (sum0[c]! > threshold(k0[c]! + 1)) k0[c]!++;
    }
    // a frame that ends here with its CRC left is the stream's last, shorter one
    const left = n + (end - at) * 8;
    if ((lastLen === undefined || i + 1 === lastLen) && i + 1 < frameLen && Math.floor(left / 8) === 4) return i + 1;
  }
  // then the bits to a whole byte, and the CRC
  const left = n + (end - at) * 8;
  return left - (left % 8) >= 32 ? frameLen : 0;
}

/**
 * Bytes of frames walked a file (~50 s of CD-quality stereo, half an hour of 8 kHz speech; a few
 * tenths of a second of walking); past them, a frame counts at most a bit a sample, at the share of
 * those walked that decoded, and the result says it is an estimate.
 */
export const TTA_WALK_MAX = 8 * 1024 * 1024;

/**
 * A stream's frames in order, walked up to TTA_WALK_MAX bytes of them (the cost stays bounded: a
 * frame's walk is a few steps a sample); past that, a frame is bounded by its bits (a bit a sample a
 * channel past its CRC) and the share of the walked frames a decoder took.
 */
export class TtaFrames {
  private bytes = 0;
  private walked = 0;
  private held = 0;
  /** frames counted past the walk, by their bound */
  estimated = 0;
  /** frames walked that a decoder refuses */
  get refused(): number {
    return this.walked - this.held;
  }
  /** whether the next frame is walked (its bytes wanted) */
  get walking(): boolean {
    return this.bytes < TTA_WALK_MAX;
  }
  constructor(
    private readonly channels: number,
    private readonly frameLen: number,
    private readonly lastLen?: number,
  ) {}
  reset(): void {
    this.bytes = this.walked = this.held = this.estimated = 0;
  }
  /** The samples (a channel's) the frame [from, to) decodes to. */
  samples(b: Buffer, from: number, to: number, len = this.frameLen): number {
    if (this.walking && to <= b.length) {
      this.bytes += to - from;
      this.walked++;
      const n = ttaFrameSamples(b, from, to, this.channels, len, this.lastLen);
      if (n) this.held++;
      return n;
    }
    this.estimated++;
    const bound = Math.min(len, Math.floor((Math.max(0, to - from - 4) * 8) / this.channels));
    return this.walked ? (bound * this.held) / this.walked : bound;
  }
}
