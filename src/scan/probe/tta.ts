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

/** 2^(k+4), as ffmpeg's table of Rice thresholds gives it (2^31 from k = 27 on, 2^32 - 1 at k = 36), k 0-41. */
const THRESHOLD = Float64Array.from({ length: 42 }, (_, k) =>
  k >= 36 ? 0xffffffff : k >= 27 ? 0x80000000 : 2 ** (k + 4),
);
/** 2^k, as the table's start (2^31 from k = 31 on), k 0-41. */
const SHIFT = Float64Array.from({ length: 42 }, (_, k) => (k >= 40 ? 0xffffffff : k >= 31 ? 0x80000000 : 2 ** k));

/** The trailing zero bits of a non-zero 32-bit number. */
const ctz = (x: number): number => 31 - Math.clz32(x & -x);

/**
 * The samples (a channel's) the TTA frame [from, to) decodes to: `frameLen`, or `lastLen` when the
 * frame ends there with only its CRC left (any shorter length when lastLen is not known: a stream cut
 * into packets by a container); 0 when a decoder refuses it. Linear in the frame's bits.
 *
 * The cost (attack round 26a, H4): a sample of digital silence costs a decoder one bit (a unary 0 at
 * k = 0), so 8 MiB of frames hold 64 M samples, and walking them a code at a time took ffmpeg's own
 * 130 min TTA of silence (8.3 MB) 2.7 s of CPU. A run of zero bits while every channel's k0 is 0 is
 * stepped over whole (each such bit a sample whose value is 0: its sum decays, its k stays 0), and the
 * codes are read with tables and integer steps, not a function call a threshold.
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
  // a little-endian bit reader: `cache` holds the next `n` bits, the next one lowest (the bits above n are 0)
  let at = from;
  let cache = 0;
  let n = 0;
  const k0 = new Int32Array(channels).fill(10);
  const k1 = new Int32Array(channels).fill(10);
  const sum0 = new Uint32Array(channels).fill(THRESHOLD[10]!);
  const sum1 = new Uint32Array(channels).fill(THRESHOLD[10]!);
  // (the stream's last frame ends where its CRC is all that is left: checked after every sample when
  // its length is not known, else after sample lastLen)
  const checkEach = lastLen === undefined;
  for (let i = 0; i < frameLen;) {
    // digital silence: a run of 0 bits with every channel at k0 = 0 is a run of samples of value 0
    if (n) {
      if (!(cache & 1) && quiet(k0, sum0)) {
        let zeros: number;
        if (cache) zeros = ctz(cache);
        else {
          let j = at;
          while (j < end && b[j] === 0) j++;
          zeros = n + (j - at) * 8 + (j < end ? ctz(b[j]!) : 0);
        }
        // (the run stops 40 bits before the end, so that the last-frame check above is never stepped over)
        const left = n + (end - at) * 8;
        const steps = Math.min(Math.floor(zeros / channels), frameLen - i, Math.floor((left - 40) / channels));
        if (steps > 0) {
          for (let c = 0; c < channels; c++) {
            let s = sum0[c]!;
            for (let t = 0; t < steps && s >= 16; t++) s -= s >>> 4;
            sum0[c] = s;
          }
          let bits = steps * channels;
          if (bits <= n) {
            cache = bits === 32 ? 0 : cache >>> bits;
            n -= bits;
          } else {
            bits -= n;
            at += bits >> 3;
            cache = 0;
            n = 0;
            if (bits & 7) {
              cache = b[at++]! >>> (bits & 7);
              n = 8 - (bits & 7);
            }
          }
          i += steps;
          if (i >= frameLen) break;
          if (checkEach || i === lastLen) {
            const l = n + (end - at) * 8;
            if (l >> 3 === 4) return i;
          }
        }
      }
    }
    for (let c = 0; c < channels; c++) {
      while (n <= 24 && at < end) {
        cache = (cache | (b[at++]! << n)) >>> 0;
        n += 8;
      }
      // the unary run of 1 bits, ended by a 0 (at most the bits left)
      let unary = 0;
      if (n && !(cache & 1)) {
        cache >>>= 1;
        n--;
      } else {
        for (;;) {
          while (n <= 24 && at < end) {
            cache = (cache | (b[at++]! << n)) >>> 0;
            n += 8;
          }
          if (!n) break;
          const inverted = ~cache >>> 0;
          const ones = inverted ? ctz(inverted) : 32;
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
      }
      let k: number;
      const depth1 = unary !== 0;
      if (depth1) {
        k = k1[c]!;
        unary--;
      } else k = k0[c]!;
      let value = unary;
      if (k) {
        while (n <= 24 && at < end) {
          cache = (cache | (b[at++]! << n)) >>> 0;
          n += 8;
        }
        if (n < k || k > 25 || unary > 0x7fffffff >>> k) return 0;
        value = (unary << k) + (cache & ((1 << k) - 1));
        cache >>>= k;
        n -= k;
      }
      if (depth1) {
        const s1 = sum1[c]!;
        const t1 = (s1 + value - (s1 >>> 4)) >>> 0;
        sum1[c] = t1;
        const q = k1[c]!;
        if (q > 0 && t1 < THRESHOLD[q]!) k1[c] = q - 1;
        else if (t1 > THRESHOLD[q + 1]!) k1[c] = q + 1;
        value = (value + SHIFT[k0[c]!]!) >>> 0;
      }
      const s0 = sum0[c]!;
      const t0 = (s0 + value - (s0 >>> 4)) >>> 0;
      sum0[c] = t0;
      const q = k0[c]!;
      if (q > 0 && t0 < THRESHOLD[q]!) k0[c] = q - 1;
      else if (t0 > THRESHOLD[q + 1]!) k0[c] = q + 1;
    }
    i++;
    // a frame that ends here with its CRC left is the stream's last, shorter one
    if ((checkEach || i === lastLen) && i < frameLen && (n + (end - at) * 8) >> 3 === 4) return i;
  }
  // then the bits to a whole byte, and the CRC
  const left = n + (end - at) * 8;
  return left - (left % 8) >= 32 ? frameLen : 0;
}

/** Every channel's k0 is 0 (its sum then at most 32: a value of 0 only decays it, and k0 stays 0). */
function quiet(k0: Int32Array, sum0: Uint32Array): boolean {
  for (let c = 0; c < k0.length; c++) if (k0[c] !== 0 || sum0[c]! > 32) return false;
  return true;
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
