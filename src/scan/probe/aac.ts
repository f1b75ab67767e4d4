/*
 * AAC-LC frames (raw_data_block, ISO/IEC 14496-3 4.4.2), checked as a decoder checks them without
 * making a sample: the elements up to END, each channel element's ics_info, section data,
 * scalefactors (Huffman-coded, each within the range a decoder takes), pulse, TNS and gain-control
 * data, and every spectral codeword with its sign bits and escapes. AAC has no checksum outside ADTS,
 * so a packet was counted as a frame whatever its bits: 13 KB of junk AAC counted 384 s, ffmpeg
 * decoding none (attack round 14a); checked only up to the scalefactors, ~1.5 % of random junk still
 * passed. A decoder refuses what is refused here (prediction in AAC-LC, more bands than the rate has,
 * band type 12, sections past the last band, a scalefactor outside 0-255, a pulse past the window, an
 * escape of more than 8 ones, MS mask 3, an element that overruns the packet, no END). Frames of 960
 * samples (their band tables are not here) are checked up to their scalefactors. Written by hand: no
 * library reads AAC's syntax without decoding it, and decoding every frame would cost the inverse
 * transform a decoder spends most of its time in.
 */
import { SCALEFACTORS, SPECTRAL, SWB_OFFSET_LONG, SWB_OFFSET_SHORT, type Codebook } from './aac-tables.js';

/** What a frame's syntax depends on: from the AudioSpecificConfig (or an ADTS header). */
export interface AacConfig {
  /** sampling frequency index of the core (0 = 96 kHz … 11 = 8 kHz, 12 = 7.35 kHz) */
  sfIndex: number;
  /** channel configuration (0: a PCE gives it; 1 mono, 2 stereo, …) */
  channels: number;
  /** the core's rate (Hz) and samples a frame (1,024, or 960): a frame's length, with or without SBR */
  rate: number;
  frame: number;
  /** AAC Main (object type 1): prediction is allowed */
  main: boolean;
}

/** Scalefactor bands of a long and of a short window, by sampling frequency index. */
const SWB_LONG = [41, 41, 47, 49, 49, 51, 47, 47, 43, 43, 43, 40, 40];
const SWB_SHORT = [12, 12, 12, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15];
export const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** Gain control by window sequence: windows, whether the first window's locations take 4 bits, location bits. */
const GAIN_MODE = [
  [1, 0, 5],
  [2, 1, 2],
  [8, 0, 2],
  [2, 1, 5],
] as const;
/** Scalefactor bands a Main profile predictor may cover, by sampling frequency index. */
const PRED_SFB_MAX = [33, 33, 38, 40, 40, 40, 41, 41, 37, 37, 37, 34, 34];

/**
 * The AudioSpecificConfig at p (its first byte): a config when the core is AAC-LC or Main (object
 * type 2 or 1, or 5/29, SBR and PS, over one); a reason when a decoder refuses it, as ffmpeg refuses
 * a sampling frequency index of 13, 14 or 15 (an explicit rate: round 15 counted 20 s of it);
 * undefined for the others (LTP, SSR, ER, USAC: their frames are not checked).
 */
export function aacConfig(b: Buffer, p: number, end: number): AacConfig | string | undefined {
  const stop = Math.min(end, b.length);
  if (p < 0 || p + 2 > stop) return undefined;
  let pos = p * 8;
  const read = (n: number): number => {
    let v = 0;
    for (let k = 0; k < n; k++, pos++) v = v * 2 + (pos >> 3 < stop ? (b[pos >> 3]! >> (7 - (pos & 7))) & 1 : 0);
    return v;
  };
  const objectType = (): number => {
    const t = read(5);
    return t === 31 ? 32 + read(6) : t;
  };
  const frequency = (): number => {
    const i = read(4);
    if (i === 15) read(24);
    return i;
  };
  let aot = objectType();
  const sfIndex = frequency();
  const channels = read(4);
  if (aot === 5 || aot === 29) {
    frequency(); // the extension's (output) rate
    aot = objectType();
  }
  // GASpecificConfig: frameLengthFlag (960-sample frames)
  const frame = read(1) ? 960 : 1024;
  if (aot !== 1 && aot !== 2) return undefined;
  if (sfIndex > 12) return `AAC sampling frequency index ${sfIndex}: a decoder refuses it`;
  return { sfIndex, channels, rate: AAC_RATES[sfIndex]!, frame, main: aot === 1 };
}

/**
 * A codebook for decoding: `tree`, a binary tree (node n's children at 2n for bit 0 and 2n + 1; a
 * child < 0 is the leaf of index ~child); `tail`, by index, what follows a spectral codeword (its
 * sign bits, 0-4, and 8 and 16 for an escape of its first and second value); `first`, its first PEEK
 * bits looked up at once: an entry >= 0 is a codeword of that many bits or fewer (tail << 14 |
 * index << 5 | length), < 0 the tree's node ~entry after PEEK bits. Every codebook of the standard is
 * a complete prefix code, so any bits lead to a leaf. Built on first use.
 */
interface Decoder {
  tree: Int32Array;
  tail: Uint8Array;
  first: Int32Array;
}
const PEEK = 10;
/** Spectral codebooks' value range: [dimension, values an index holds, whether signs follow]. */
const SHAPE: readonly (readonly [number, number, boolean])[] = [
  [4, 3, false],
  [4, 3, false],
  [4, 3, true],
  [4, 3, true],
  [2, 9, false],
  [2, 9, false],
  [2, 8, true],
  [2, 8, true],
  [2, 13, true],
  [2, 13, true],
  [2, 17, true],
];
function decoderOf(cb: Codebook, shape?: readonly [number, number, boolean]): Decoder {
  const [lens, codes] = cb;
  const tree = new Int32Array(lens.length * 2);
  const tail = new Uint8Array(lens.length);
  let nodes = 1;
  for (let i = 0; i < lens.length; i++) {
    let n = 0;
    for (let k = lens[i]! - 1; k >= 0; k--) {
      const slot = n * 2 + ((codes[i]! >> k) & 1);
      if (k === 0) tree[slot] = ~i;
      else n = tree[slot] || (tree[slot] = nodes++);
    }
    if (shape?.[2]) {
      // values from the last: the second of a pair is i % mod; 16 is codebook 11's escape
      for (let v = i, d = shape[0]; d > 0; d--, v = Math.floor(v / shape[1])) {
        const x = v % shape[1];
        if (x) tail[i]! += 1;
        if (x === 16) tail[i]! |= d === 2 ? 8 : 16;
      }
    }
  }
  const first = new Int32Array(1 << PEEK);
  for (let v = 0; v < 1 << PEEK; v++) {
    let n = 0;
    let entry = 0;
    for (let k = 1; k <= PEEK; k++) {
      const c = tree[n * 2 + ((v >> (PEEK - k)) & 1)]!;
      if (c < 0) {
        entry = (tail[~c]! << 14) | (~c << 5) | k;
        break;
      }
      n = c;
      entry = ~n;
    }
    first[v] = entry;
  }
  return { tree, tail, first };
}
let scalefactorDecoder: Decoder | undefined;
const spectralDecoders: (Decoder | undefined)[] = [];

/**
 * The spectral data of one channel (ISO/IEC 14496-3 4.6.3.2), as a decoder reads it: every codeword
 * of every coded band, its sign bits and escapes (codebook 11: N ones, a decoder refusing more than 8,
 * a zero, then N + 4 bits). The bit position after it, or -1 where a decoder refuses it or it passes
 * `last`. A function of its own, its position a local: this loop is most of a frame's cost.
 */
function spectralEnd(
  b: Buffer,
  pos: number,
  last: number,
  bandTypes: Uint8Array,
  groups: number,
  groupLen: readonly number[],
  maxSfb: number,
  offsets: readonly number[],
  short: boolean,
): number {
  const mask = (1 << PEEK) - 1;
  let idx = 0;
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < maxSfb; i++) {
      const type = bandTypes[idx++]!;
      if (type === 0 || type > 11) continue;
      const { first, tree, tail } = (spectralDecoders[type] ??= decoderOf(SPECTRAL[type - 1]!, SHAPE[type - 1]));
      const words = ((offsets[i + 1]! - offsets[i]!) / (type < 5 ? 4 : 2)) * (short ? groupLen[g]! : 1);
      for (let w = 0; w < words; w++) {
        const j = pos >> 3;
        const e = first[(((b[j]! << 16) | (b[j + 1]! << 8) | b[j + 2]!) >> (24 - PEEK - (pos & 7))) & mask]!;
        let v: number;
        if (e >= 0) {
          pos += e & 31;
          v = e >> 14;
        } else {
          // a codeword longer than PEEK bits: the rest walked in the tree
          pos += PEEK;
          let n = ~e;
          for (;;) {
            const c = tree[n * 2 + (pos < last ? (b[pos >> 3]! >> (7 - (pos & 7))) & 1 : 0)]!;
            pos++;
            if (c < 0) {
              v = tail[~c]!;
              break;
            }
            n = c;
          }
        }
        pos += v & 7;
        for (let esc = v >> 3; esc; esc >>= 1) {
          if (!(esc & 1)) continue;
          let ones = 0;
          while (pos < last && (b[pos >> 3]! >> (7 - (pos & 7))) & 1) {
            pos++;
            if (++ones > 8) return -1;
          }
          pos += 1 + ones + 4;
        }
        if (pos > last) return -1;
      }
    }
  }
  return pos;
}

/**
 * Whether a decoder can take the frame [p, end) of `b` as far as its syntax is read here (false:
 * it refuses it, and the frame holds nothing).
 */
export function aacFrameHolds(b: Buffer, p: number, end: number, cfg: AacConfig): boolean {
  const stop = Math.min(end, b.length);
  const last = stop * 8;
  let pos = p * 8;
  const read = (n: number): number => {
    let v = 0;
    for (let k = 0; k < n; k++, pos++) v = v * 2 + (pos < last ? (b[pos >> 3]! >> (7 - (pos & 7))) & 1 : 0);
    return v;
  };
  /**
   * A codeword of d: its index, and its tail above (tail << 9 | index). Its first PEEK bits are
   * looked up (bytes past the frame read as they come: a codeword that reaches past it makes pos pass
   * `last`, and the frame is refused as a decoder refuses it), longer ones walked in the tree.
   */
  const decode = (d: Decoder): number => {
    const i = pos >> 3;
    const e = d.first[(((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!) >> (24 - PEEK - (pos & 7))) & ((1 << PEEK) - 1)]!;
    if (e >= 0) {
      pos += e & 31;
      return e >> 5;
    }
    pos += PEEK;
    let n = ~e;
    for (;;) {
      const bit = pos < last ? (b[pos >> 3]! >> (7 - (pos & 7))) & 1 : 0;
      pos++;
      const c = d.tree[n * 2 + bit]!;
      if (c < 0) return (d.tail[~c]! << 9) | ~c;
      n = c;
    }
  };
  // the band tables of 1,024-sample frames (960-sample frames are checked up to their scalefactors)
  const full = cfg.frame === 1024;
  let short = false;
  /** window sequence: 0 only long, 1 long start, 2 eight short, 3 long stop */
  let sequence = 0;
  let maxSfb = 0;
  let groups = 1;
  const groupLen = [1, 0, 0, 0, 0, 0, 0, 0];
  /** ics_info: false where a decoder refuses it */
  const icsInfo = (): boolean => {
    read(1); // reserved: a decoder only warns
    sequence = read(2);
    short = sequence === 2;
    read(1); // window shape
    groups = 1;
    groupLen[0] = 1;
    if (short) {
      maxSfb = read(4);
      for (let i = 0; i < 7; i++) {
        if (read(1)) groupLen[groups - 1]!++;
        else groupLen[groups++] = 1;
      }
    } else {
      maxSfb = read(6);
      if (read(1)) {
        // prediction: AAC Main's alone (in LC a decoder refuses it); a reset group from 1 to 30, then a
        // bit for each band it may cover
        if (!cfg.main) return false;
        if (read(1)) {
          const group = read(5);
          if (!group || group > 30) return false;
        }
        pos += Math.min(maxSfb, PRED_SFB_MAX[cfg.sfIndex]!);
      }
    }
    return maxSfb <= (short ? SWB_SHORT : SWB_LONG)[cfg.sfIndex]!;
  };
  const bandTypes = new Uint8Array(8 * 64);
  /**
   * An individual channel stream, as a decoder reads it: 'refused', 'read' (all of it, up to the
   * next element), or 'partly' (a 960-sample frame whose bands are coded: its scalefactors and
   * spectral data are not read here).
   */
  const ics = (common: boolean): 'refused' | 'read' | 'partly' => {
    const gain = read(8);
    if (!common && !icsInfo()) return 'refused';
    const bits = short ? 3 : 5;
    const escape = (1 << bits) - 1;
    let coded = false;
    let idx = 0;
    for (let g = 0; g < groups; g++) {
      let k = 0;
      while (k < maxSfb) {
        const type = read(4);
        if (type === 12) return 'refused'; // reserved band type
        let sectEnd = k;
        let incr: number;
        do {
          incr = read(bits);
          sectEnd += incr;
          if (pos > last || sectEnd > maxSfb) return 'refused';
        } while (incr === escape);
        if (type && sectEnd > k) coded = true;
        for (; k < sectEnd; k++) bandTypes[idx++] = type;
      }
    }
    if (pos > last) return 'refused';
    if (coded && !full) return 'partly';
    // scalefactors: differences from the global gain, a decoder refusing one outside 0-255; noise
    // energies (the first in 9 bits) and intensity positions it clips
    if (coded) {
      const sf = (scalefactorDecoder ??= decoderOf(SCALEFACTORS));
      let offset = gain;
      let noise = true;
      for (let i = 0; i < idx; i++) {
        const type = bandTypes[i]!;
        if (type === 0) continue;
        if (type === 13 && noise) {
          pos += 9;
          noise = false;
        } else if (type < 13) {
          offset += (decode(sf) & 511) - 60;
          if (offset < 0 || offset > 255) return 'refused';
        } else decode(sf);
        if (pos > last) return 'refused';
      }
    }
    const offsets = full ? (short ? SWB_OFFSET_SHORT : SWB_OFFSET_LONG)[cfg.sfIndex]! : undefined;
    // pulse data (long windows only): each pulse within the window
    if (read(1)) {
      if (short) return 'refused';
      const pulses = read(2) + 1;
      const band = read(6);
      if (band >= SWB_LONG[cfg.sfIndex]!) return 'refused';
      let at = offsets ? offsets[band]! : 0;
      for (let i = 0; i < pulses; i++) {
        at += read(5);
        if (offsets && at >= cfg.frame) return 'refused';
        read(4); // amplitude
      }
    }
    // TNS
    if (read(1)) {
      const windows = short ? 8 : 1;
      for (let w = 0; w < windows; w++) {
        const filters = read(short ? 1 : 2);
        if (!filters) continue;
        const res = read(1);
        for (let f = 0; f < filters; f++) {
          pos += short ? 4 : 6; // length
          const order = read(short ? 3 : 5);
          if (order > (short ? 7 : cfg.main ? 20 : 12)) return 'refused';
          if (order) {
            read(1); // direction
            // (the compression bit read first: `pos +=` would take pos before read() moved it)
            const bits = res + 3 - read(1);
            pos += order * bits;
          }
        }
      }
    }
    // gain control (SSR's): a decoder reads it past, as here (windows, whether the first has an
    // extra field, each adjustment's location bits, by window sequence)
    if (read(1)) {
      const bands = read(2);
      const [windows, first, loc] = GAIN_MODE[sequence]!;
      for (let bd = 0; bd < bands; bd++)
        for (let wd = 0; wd < windows; wd++)
          for (let ad = read(3); ad > 0; ad--) pos += 4 + (wd === 0 && first ? 4 : loc);
    }
    if (pos > last) return 'refused';
    if (!coded) return 'read';
    // spectral data
    pos = spectralEnd(b, pos, last, bandTypes, groups, groupLen, maxSfb, offsets!, short);
    if (pos < 0) return 'refused';
    return pos <= last ? 'read' : 'refused';
  };
  /** channel elements read in full so far, and each one's type and tag */
  let channels = 0;
  const seen = new Set<number>();
  for (let n = 0; n < 64; n++) {
    if (last - pos < 3) return false; // no END element: a decoder reads past the packet
    const type = read(3);
    // END: the frame's audio, none before a channel element (a decoder outputs nothing)
    if (type === 7) return channels > 0;
    const tag = type !== 6 ? read(4) : 0; // element instance tag (FIL has none)
    if (type <= 3) {
      // the same element (type and tag) twice in a frame is a duplicate a decoder refuses
      if (seen.has(type * 16 + tag)) return false;
      seen.add(type * 16 + tag);
      // mono and stereo (a decoder maps any tag of the first SCE or CPE to them, as encoders vary):
      // an LFE or CCE first is a channel element it has not allocated, and a second one of any type
      // is one too many
      if ((type === 2 || type === 3) && (cfg.channels === 1 || cfg.channels === 2)) return false;
      if (channels && (cfg.channels === 1 || cfg.channels === 2)) return false;
      if (channels) return true; // more channels: not followed here
    }
    switch (type) {
      case 0: // SCE
      case 3: {
        // LFE
        const r = ics(false);
        if (r !== 'read') return r === 'partly';
        channels++;
        break;
      }
      case 1: {
        // CPE
        const common = read(1) === 1;
        if (common) {
          if (!icsInfo()) return false;
          const ms = read(2);
          if (ms === 3) return false; // reserved
          if (ms === 1) pos += groups * maxSfb;
        }
        const first = ics(common);
        if (first !== 'read') return first === 'partly';
        const second = ics(common);
        if (second !== 'read') return second === 'partly';
        channels++;
        break;
      }
      case 4: {
        // DSE: skipped by its count
        const align = read(1);
        let count = read(8);
        if (count === 255) count += read(8);
        if (align) pos = (pos + 7) & ~7;
        pos += count * 8;
        if (pos > last) return false;
        break;
      }
      case 6: {
        // FIL: skipped by its count
        let count = read(4);
        if (count === 15) count += read(8) - 1;
        pos += count * 8;
        if (pos > last) return false;
        break;
      }
      case 5: {
        // PCE: its counts, then that many entries and a comment, each within the packet
        read(2 + 4); // object type, sampling frequency index
        const front = read(4);
        const side = read(4);
        const back = read(4);
        const lfe = read(2);
        const assoc = read(3);
        const cc = read(4);
        for (const width of [4, 4, 3]) if (read(1)) read(width); // mono, stereo and matrix mixdowns
        pos += 5 * (front + side + back + cc) + 4 * (lfe + assoc);
        pos = (pos + 7) & ~7;
        const comment = read(8);
        pos += comment * 8;
        if (pos > last) return false;
        break;
      }
      default:
        return true; // CCE (not in mono or stereo): not read here
    }
  }
  return true;
}
