/*
 * AAC-LC frames (raw_data_block, ISO/IEC 14496-3 4.4.2), checked as far as a decoder checks them
 * before its Huffman tables: the elements up to the first channel element, that element's
 * ics_info and section data. AAC has no checksum outside ADTS, so a packet was counted as a frame
 * whatever its bits: 13 KB of junk AAC counted 384 s, ffmpeg decoding none (attack round 14a). A
 * decoder refuses most junk here (prediction in AAC-LC, more bands than the rate has, band type 12,
 * sections past the last band, MS mask 3, an element that overruns the packet); a frame that passes
 * is counted, though a decoder may still refuse its scalefactors or spectral data (not read: that
 * needs the standard's Huffman tables). Written by hand: no library reads AAC's syntax without
 * decoding it, and decoding every frame would cost what a decoder costs.
 */

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
  let short = false;
  let maxSfb = 0;
  let groups = 1;
  /** ics_info: false where a decoder refuses it */
  const icsInfo = (): boolean => {
    read(1); // reserved: a decoder only warns
    short = read(2) === 2;
    read(1); // window shape
    groups = 1;
    if (short) {
      maxSfb = read(4);
      for (let i = 0; i < 7; i++) if (!read(1)) groups++;
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
  /**
   * An individual channel stream: its global gain, ics_info and section data; when every band is
   * of the zero codebook (digital silence, zeroed bytes) nothing Huffman-coded follows, and its
   * pulse, TNS and gain-control data are read too. 'refused', 'read' (all of it, up to the next
   * element), or 'partly' (its scalefactors follow: not read here).
   */
  const ics = (common: boolean): 'refused' | 'read' | 'partly' => {
    read(8); // global gain
    if (!common && !icsInfo()) return 'refused';
    const bits = short ? 3 : 5;
    const escape = (1 << bits) - 1;
    let coded = false;
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
        k = sectEnd;
      }
    }
    if (pos > last) return 'refused';
    if (coded) return 'partly';
    // pulse data (long windows only), TNS, gain control (SSR's: not in AAC-LC)
    if (read(1)) {
      if (short) return 'refused';
      const pulses = read(2) + 1;
      if (read(6) >= SWB_LONG[cfg.sfIndex]!) return 'refused';
      pos += pulses * 9;
    }
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
    if (read(1)) return 'refused';
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
      // an LFE or CCE first is a channel element it has not allocated, and in mono a second one is
      // one too many
      if ((type === 2 || type === 3) && (cfg.channels === 1 || cfg.channels === 2)) return false;
      if (channels && cfg.channels === 1) return false;
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
