/*
 * WMA Voice (format tag 0x0A), walked as ffmpeg 5.1's decoder (libavcodec/wmavoice.c) reads it, for
 * the superframes it outputs. No synthesis: only what decides how many bits each part takes and
 * whether the decoder fails it.
 *
 * Why: its packets were not read, the stream counted at its objects' steps and byte rate; packets of
 * junk behind a valid header counted 98 s of 200 KB where ffmpeg decodes 0.06 s (attack round 24).
 *
 * The stream as the decoder takes it: packets of block-align bytes (an ASF object may hold several;
 * the decoder is handed what is left of it after each call and takes the first block-align bytes'
 * worth), each a header (4-bit sequence number, a bit for residual LSPs, a count of the superframes
 * that start in it in 6-bit pieces, 63 meaning more follow, and the bits the superframe the packet
 * before began spills into it), then superframes of 480 samples (or a count given in 12 bits, at
 * most 480). The last superframe that starts in a packet is kept (at most 256 bytes of it) and
 * decoded when the next packet's spill-over bits are added to it; the last one of the stream when
 * the decoder is drained. A superframe opens with a bit that must be 1 (0 is WMA Pro in WMA Voice,
 * which ffmpeg does not decode), the optional sample count, the LSPs (once for the superframe, or
 * before each frame), then three frames: a frame type by a VLC through the extradata's tree (an
 * index the tree leaves empty fails it), pitch, and per block the fixed and adaptive codebooks'
 * fields, whose sizes follow from the type alone (frameBits); then statistics, and the decoder fails
 * a superframe whose bits run past the packet (or the kept bits). A failed superframe loses the rest
 * of the ASF object (ffmpeg's decode loop drops a packet its decoder fails), as a spilled superframe
 * that fails does not (the packet is resynchronised past the spill-over).
 *
 * Checked against ffmpeg 5.1 on ~570 random streams (every frame type, sample counts, statistics,
 * 10 and 16 LSPs, 8 to 22.05 kHz, packets of 20 to 1,500 bytes; valid, with forged headers, with
 * junk packets, all junk): the samples counted equal ffmpeg's on every one.
 */

/** Why ffmpeg's decoder refuses the stream, or its parameters. */
export interface WmaVoiceFormat {
  blockAlign: number;
  rate: number;
  /** bits of a packet's spill-over count: 3 + ceil(log2(block align)) */
  spillBits: number;
  /** LSPs a frame: 10 or 16 (flags 0x1000) */
  lsps: number;
  /** frame type of each VLC index (0-21), -1 where the tree has none (the decoder fails the frame) */
  tree: Int8Array;
  /** bits of a frame's pitch, a block's first pitch and the others' deltas */
  pitchBits: number;
  blockPitchBits: number;
  deltaBits: number;
}

const ceilLog2 = (x: number): number => (x <= 1 ? 0 : Math.ceil(Math.log2(x)));

/**
 * The stream's parameters from its rate, block align and extradata, or why ffmpeg's decoder refuses
 * it at init (wmavoice_decode_init): extradata of other than 46 bytes, no block align, a denoise
 * strength (flags bits 2-5) of 12 or more, a variable bit mode tree (17 3-bit codes from byte 22)
 * with more than 4 of a code, and a rate whose pitch range (rate × 0.016) is none, whose history is
 * over 416 samples or whose least pitch is under 1: 322 to 22,097 Hz (above 226,719 Hz the decoder's
 * int arithmetic overflows: refused here).
 */
export function wmaVoiceFormat(rate: number, blockAlign: number, extra: Buffer): WmaVoiceFormat | string {
  const refused = (why: string): string => `WMA Voice ${why}: ffmpeg's decoder refuses it`;
  if (extra.length !== 46) return refused(`with ${extra.length} bytes of extradata (not 46)`);
  if (!(blockAlign > 0)) return refused('of no block align');
  const flags = extra.readUInt32LE(18);
  if (((flags >> 2) & 15) >= 12) return refused(`of denoise strength ${(flags >> 2) & 15}`);
  // the tree: each code n of 0-7 fills slots 3n, 3n+1, … in turn (a fourth spills into the next
  // code's first slot, which a later frame type of that code overwrites)
  const tree = new Int8Array(25).fill(-1);
  const counts = new Array<number>(8).fill(0);
  for (let n = 0; n < 17; n++) {
    const p = 22 * 8 + n * 3;
    const code = (((extra.readUInt16BE(p >> 3) << (p & 7)) & 0xffff) >> 13) & 7;
    if (counts[code]! > 3) return refused('of a broken VBM tree');
    tree[code * 3 + counts[code]!++] = n;
  }
  const min = Math.floor((Math.floor((rate * 256) / 400) + 50) / 256);
  const max = Math.floor((Math.floor((rate * 256 * 37) / 2000) + 50) / 256);
  const range = max - min;
  if (!(rate > 0 && rate <= 226719) || range <= 0 || min < 1 || max + 8 > 416) return refused(`at ${rate} Hz`);
  const deltaRange = (range >> 3) & ~15;
  if (deltaRange <= 0) return refused(`at ${rate} Hz`);
  // block_conv_table: the least pitch, 25/64 and 44/64 of the range, the most
  const blockPitchRange = ((range * 44) >> 6) + max + 2 * (((range * 25) >> 6) - 2 * min);
  return {
    blockAlign,
    rate,
    spillBits: 3 + ceilLog2(blockAlign),
    lsps: flags & 0x1000 ? 16 : 10,
    tree,
    pitchBits: ceilLog2(range),
    blockPitchBits: ceilLog2(blockPitchRange),
    deltaBits: 1 + ceilLog2(deltaRange),
  };
}

/** A frame type's blocks (log2), adaptive codebook (0 none, 1 pitch per frame, 2 per block), fixed codebook (0 silence, 1 hardcoded, 2 pitch-adaptive pulses, 3 pulses) and double pulses: wmavoice.c's frame_descs. */
const FRAME_TYPES: readonly (readonly [logBlocks: number, acb: number, fcb: number, dbl: number])[] = [
  [0, 0, 0, 0],
  [1, 0, 1, 0],
  [1, 1, 2, 0],
  [1, 1, 3, 2],
  [1, 1, 3, 5],
  [2, 1, 3, 0],
  [2, 1, 3, 2],
  [2, 1, 3, 5],
  [1, 2, 3, 0],
  [1, 2, 3, 2],
  [1, 2, 3, 5],
  [2, 2, 3, 0],
  [2, 2, 3, 2],
  [2, 2, 3, 5],
  [3, 2, 3, 0],
  [3, 2, 3, 2],
  [3, 2, 3, 5],
];

/** The most bits the decoder keeps of a superframe begun in one packet (SFRAME_CACHE_MAXSIZE bytes). */
const CACHE_BITS = 256 * 8;
/** Its cache's bytes with the input padding after them (AV_INPUT_BUFFER_PADDING_SIZE): past them, other memory. */
const CACHE_BYTES = 256 + 64;

/** A bit reader over b from bit `pos` to bit `end`; reads past `end` (or b) give zeros, and are a failure once checked. */
class Bits {
  private b: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** (one reader each for the packet, the cache and copies, reset rather than made anew) */
  at(b: Uint8Array, pos: number, end: number): this {
    this.b = b;
    this.pos = pos;
    this.end = end;
    return this;
  }
  /** n bits (0 to 24), most significant first */
  read(n: number): number {
    const p = this.pos;
    this.pos += n;
    const b = this.b;
    const q = p >> 3;
    const w = (((b[q] ?? 0) << 24) | ((b[q + 1] ?? 0) << 16) | ((b[q + 2] ?? 0) << 8) | (b[q + 3] ?? 0)) >>> 0;
    return n === 0 ? 0 : ((w << (p & 7)) >>> 0) >>> (32 - n);
  }
  get over(): boolean {
    return this.pos > this.end;
  }
}

/**
 * A WMA Voice stream's packets walked in order, as ffmpeg's decoder walks them, for the samples of
 * the superframes it outputs. `object` takes what the demuxer hands the decoder (an ASF object);
 * `resync` says the next object does not follow the last one given (a window further on). The
 * decoder's state there is not known: the superframe it keeps (decoded or failed, which sets where
 * the packet's own superframes start), so nothing is counted in the next packet nor of the superframe
 * it keeps. (The bits a frame takes do not depend on the frames before: frameBits.) The decoder's
 * cache is kept as it keeps it, stale bytes and all; a superframe read past its bytes (other memory
 * of the decoder's) is a state the walk cannot follow, and a resync too: only a forged stream gets
 * there.
 */
export class WmaVoicePackets {
  /** samples of the superframes the decoder outputs, in the objects walked */
  samples = 0;
  /** superframes counted, and failed */
  superframes = 0;
  failed = 0;
  /** bits of the packets and superframes left uncounted after a resync (the first packet, the second's spill-over) */
  skippedBits = 0;
  /** packet headers still to come before superframes are counted again (after a resync) */
  private unsure = 0;
  /** the packet header's values: superframes left to start (signed, as the decoder's), residual LSPs, spill-over */
  private nb = 0;
  private residual = false;
  private spill = 0;
  private skipNext = 0;
  /**
   * The decoder's cache of the kept superframe, as it holds it: what was written last, and past it
   * what was written before (nothing is cleared; a copy that does not fit writes nothing, and the
   * decoder then reads the superframe before's bits). cacheBits is what it reads (sframe_cache_size),
   * cachePut what was written (the put_bits count).
   */
  private readonly cache = new Uint8Array(CACHE_BYTES);
  private cacheBits = 0;
  private cachePut = 0;
  private drained = false;
  private readonly packetBits = new Bits();
  private readonly cacheRead = new Bits();
  private readonly copyRead = new Bits();

  /** each frame type's bits after its VLC (frameBits) */
  private readonly frameBits: Int16Array;

  constructor(private readonly f: WmaVoiceFormat) {
    this.frameBits = frameBits(f);
  }

  /** Bits of the superframe kept for the next packet (begun in the last one given). */
  get keptBits(): number {
    return this.cacheBits;
  }

  /** The next object does not follow the last one given: the decoder's state is not known. */
  resync(): void {
    this.cacheBits = 0;
    this.cachePut = 0;
    this.skipNext = 0;
    this.nb = 0;
    this.unsure = 2;
  }

  /** One packet from the demuxer (an ASF object), as ffmpeg's decode loop hands it to the decoder. */
  object(b: Uint8Array): void {
    let off = 0;
    let left = b.length;
    while (left > 0) {
      const used = this.call(b, off, left);
      if (used < 0 || used >= left) break;
      off += used;
      left -= used;
    }
  }

  /** The seconds the superframes counted hold, with the one the decoder keeps at the end (decoded when drained). */
  seconds(): number {
    if (!this.drained) {
      this.drained = true;
      // draining: a packet of no bytes, the kept superframe decoded as it stands
      if (this.cacheBits > 0) {
        this.flush();
        this.cached();
      }
    }
    return this.samples / this.f.rate;
  }

  /**
   * The kept superframe decoded: whether the decoder outputs it, or undefined when what it reads is
   * not known (past its cache's bytes, other memory).
   */
  private cached(): boolean | undefined {
    const r = this.cacheRead.at(this.cache, 0, this.cacheBits);
    this.cacheBits = 0;
    const n = this.superframe(r);
    if (r.pos > CACHE_BYTES * 8) return undefined;
    if (n < 0) {
      this.failed++;
      return false;
    }
    if (this.unsure === 0) {
      this.samples += n;
      this.superframes++;
    }
    return true;
  }

  /** Bits [from, from + n) of b written to the cache at the put position, as the decoder's put_bits writes them. */
  private keep(b: Uint8Array, from: number, n: number): void {
    let k = 0;
    if ((this.cachePut & 7) === 0) {
      // whole bytes to a byte boundary (the kept superframe: a byte from two, not 8 reads of a bit
      // reader; 5 MB of 200-byte packets spent 55 ms here so)
      const s = from & 7;
      const q0 = from >> 3;
      const d0 = this.cachePut >> 3;
      const whole = Math.min(n >> 3, this.cache.length - d0 - 1);
      for (let j = 0; j < whole; j++)
        this.cache[d0 + j] = ((b[q0 + j]! << s) | ((b[q0 + j + 1] ?? 0) >> (8 - s))) & 0xff;
      k = whole * 8;
    }
    const r = this.copyRead.at(b, from + k, from + n);
    for (; k < n;) {
      const m = Math.min(8, n - k);
      const at = this.cachePut + k;
      // m bits at bit `at`: two bytes at most, their other bits kept
      const sh = 16 - m - (at & 7);
      const mask = (((1 << m) - 1) << sh) & 0xffff;
      const v = (r.read(m) << sh) & mask;
      const q = at >> 3;
      this.cache[q] = (this.cache[q]! & ~(mask >> 8)) | (v >> 8);
      this.cache[q + 1] = (this.cache[q + 1]! & ~(mask & 0xff)) | (v & 0xff);
      k += m;
    }
    this.cachePut += n;
  }

  /** flush_put_bits: the last byte written is padded with zeros (the bytes past it keep what they held). */
  private flush(): void {
    const rest = this.cachePut & 7;
    if (rest) this.cache[this.cachePut >> 3] = this.cache[this.cachePut >> 3]! & (0xff00 >> rest);
  }

  /**
   * One call of the decoder (wmavoice_decode_packet) on what is left of the object, `left` bytes at
   * `off`: the bytes it takes, or -1 when it fails (ffmpeg drops the rest of the object).
   */
  private call(b: Uint8Array, off: number, left: number): number {
    const B = this.f.blockAlign;
    let size = left;
    while (size > B) size -= B;
    const base = off * 8;
    const end = base + size * 8;
    const r = this.packetBits.at(b, base, end);
    if (size % B === 0) {
      // a new packet: its header
      if (this.unsure === 2) this.skippedBits += B * 8;
      r.read(4);
      this.residual = r.read(1) === 1;
      let n = 0;
      for (;;) {
        const v = r.read(6);
        n += v;
        if (v !== 0x3f || r.over) break;
      }
      this.spill = r.read(this.f.spillBits);
      if (r.over) return -1;
      this.nb = n;
      if (this.cacheBits > 0) {
        const cnt = r.pos - base;
        if (cnt + this.spill > left * 8) this.spill = left * 8 - cnt;
        const spill = this.spill;
        // copy_bits copies nothing when fewer bits are left than asked or the cache is full
        if (end - r.pos >= spill && spill <= CACHE_BITS - this.cachePut) {
          const a = Math.min((end - r.pos) & 7, spill);
          this.keep(b, r.pos, spill);
          r.pos += a;
        }
        this.flush();
        this.cacheBits += spill;
        if (this.unsure === 1) this.skippedBits += spill;
        const ok = this.cached();
        if (this.unsure > 0) this.unsure--;
        if (ok === undefined) {
          // where the decoder goes on from is not known: from the next packet, as after a window
          this.resync();
          return size;
        }
        if (ok) {
          const c = cnt + spill;
          this.skipNext = c & 7;
          return c >> 3;
        }
        // the decoder's resync: spill-over less the header, plus where copy_bits left the reader
        r.pos += spill - cnt + (r.pos - base);
      } else {
        if (this.unsure > 0) this.unsure--;
        r.pos += this.spill;
      }
    } else r.pos += this.skipNext;
    this.cacheBits = 0;
    this.skipNext = 0;
    const pos = end - r.pos;
    if (this.nb-- === 0) return size;
    if (this.nb > 0) {
      const n = this.superframe(r);
      if (n < 0) {
        this.failed++;
        return -1;
      }
      if (this.unsure === 0) {
        this.samples += n;
        this.superframes++;
      }
      const c = r.pos - base;
      this.skipNext = c & 7;
      return c >> 3;
    }
    if (pos > 0) {
      // the last superframe that starts here: kept for the next packet's spill-over
      this.cachePut = 0;
      this.cacheBits = pos;
      if (pos <= CACHE_BITS) this.keep(b, r.pos, pos);
    }
    return size;
  }

  /** One superframe (synth_superframe's reads): the samples it outputs, or -1 when the decoder fails it. */
  private superframe(r: Bits): number {
    if (!r.read(1)) return -1; // WMA Pro in WMA Voice: not decoded
    let n = 480;
    if (r.read(1)) {
      n = r.read(12);
      if (n > 480) return -1;
    }
    const ten = this.f.lsps === 10;
    if (this.residual) r.pos += ten ? 48 : 60;
    for (let k = 0; k < 3; k++) {
      if (!this.residual) r.pos += ten ? 24 : 34;
      if (!this.frame(r)) return -1;
    }
    // statistics: a 4-bit count of 10-bit fields (read before the position is moved past them)
    if (r.read(1)) {
      const k = r.read(4);
      r.pos += 10 * (k + 1);
    }
    return r.over ? -1 : n;
  }

  /** One frame (synth_frame's reads): false when the decoder fails it (a frame type the tree has not). */
  private frame(r: Bits): boolean {
    // the frame type's VLC: 00, 01, 10, or 11 and again, six times at most, then any two bits
    let code = -1;
    for (let k = 0; k < 6 && code < 0; k++) {
      const v = r.read(2);
      if (v < 3) code = 3 * k + v;
    }
    if (code < 0) code = 18 + r.read(2);
    const type = this.f.tree[code]!;
    if (type < 0) return false;
    r.pos += this.frameBits[type]!;
    return true;
  }
}

/**
 * The bits each frame type takes after its VLC, as synth_frame and its blocks read them: a frame's
 * pitch (pitch per frame), a silence gain, or the pitch-adaptive pulses' 6-bit position; then per
 * block a pitch (the first's whole, the others' a delta: pitch per block), and the fixed codebook:
 * a hardcoded one's 8-bit index and 6-bit gain; pitch-adaptive pulses' first set (12 bits), the
 * second set's index (5 then 3 bits in the two blocks, or 4 and 4, as the pitch of the frame before
 * puts pulses in the first block or not: 8 either way) and its sign, and a 7-bit gain (a second set
 * with no room left is skipped as 8 bits, the same); or 5 pulses of a sign and 5 - log2(blocks)
 * position bits, a second position for the double ones, and a 7-bit gain. A position over 53 takes 2
 * bits more, and the first block's first set 2 less: the same. So a frame's size is its type's,
 * whatever came before.
 */
function frameBits(f: WmaVoiceFormat): Int16Array {
  return Int16Array.from(FRAME_TYPES, ([logBlocks, acb, fcb, dbl]) => {
    const blocks = 1 << logBlocks;
    let n = acb === 1 ? f.pitchBits : acb === 2 ? f.blockPitchBits + (blocks - 1) * f.deltaBits : 0;
    if (fcb === 0) n += 8;
    else if (fcb === 1) n += 14 * blocks;
    else if (fcb === 2) n += 6 + blocks * (12 + 4 + 8);
    else n += blocks * (5 * (6 - logBlocks) + dbl * (5 - logBlocks) + 7);
    return n;
  });
}
