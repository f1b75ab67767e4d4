/*
 * DTS core frames as ffmpeg's dca decoder takes them (dtsCoreFrame, DtsFrames: for raw DTS here and
 * for DTS in Matroska, MP4 and AVI), and raw DTS files (.dts: core frames one after the other,
 * big-endian, as ffmpeg's dca encoder and most authoring tools write them), read by hand:
 * music-metadata does not read it ("Failed to determine audio format"), so a real 30 s file was
 * unreadable, counted 0 (attack round 24a, H5).
 *
 * A frame counts its blocks × 32 samples when a decoder outputs them, which ffmpeg decides only after
 * reading the whole body: a frame whose headers are valid over junk is refused at its side
 * information or its DSYNC word. Frames of junk bodies after valid headers counted at DTS's lowest
 * rate, 2,490 s of 9.96 MB where ffmpeg decodes nothing (attack round 24c N5); now each frame's side
 * information and audio codes are walked to its DSYNC words, with the code books of dts-tables.ts.
 *
 * No header gives a raw file's length: its frames are walked (probeDts). Bytes that hold no frame a
 * decoder takes (a DTS-HD extension substream after its core, junk) are skipped to the next sync word
 * and not counted.
 */
import { DTS_BITALLOC_BOOKS, DTS_QUANT_BOOKS, DTS_SCALE_BOOKS, DTS_TMODE_BOOKS } from './dts-tables.js';
import type { FileSource, ProbeResult } from './types.js';

/** DTS core's SFREQ codes (ETSI TS 102 114, 5.3.1); 0 is none */
const DTS_RATES = [0, 8000, 16000, 32000, 0, 0, 11025, 22050, 44100, 0, 0, 12000, 24000, 48000, 0, 0];

/** DTS core's lowest transmission rate (RATE code 0, ETSI TS 102 114 table 5-7): 32 kbit/s, in bytes a second. */
const DTS_LEAST_BYTES_PER_SECOND = 32000 / 8;

/** DTS core primary channels by audio mode (ffmpeg's ff_dca_channels): modes 10 and up it refuses. */
const DTS_CHANNELS = [1, 2, 2, 2, 2, 3, 3, 4, 4, 5];

/** Source PCM resolution codes ffmpeg takes (ff_dca_bits_per_sample: codes 4 and 7 are none). */
const DTS_PCM_RES = [16, 16, 20, 20, 0, 24, 24, 0];

/** Bits of a quantiser select for ABITS 1 to 10, and how many of its values pick a Huffman book. */
const QUANT_SELECT_BITS = [1, 2, 2, 2, 2, 3, 3, 3, 3, 3];
const QUANT_HUFFMAN_BOOKS = [1, 3, 3, 3, 3, 7, 7, 7, 7, 7];
/** Block codes (ABITS 1 to 7): the bits of each of a subband's two codes, and the levels of its quantiser. */
const BLOCK_CODE_BITS = [7, 10, 12, 13, 15, 17, 19];
const BLOCK_LEVELS = [3, 5, 7, 9, 13, 17, 25];
/** The highest ABITS the decoder takes (dca_core.h DCA_ABITS_MAX). */
const ABITS_MAX = 26;
/** Scale factor tables' sizes: 6-bit (selects 0 to 5) and 7-bit (select 6); the joint one 129. */
const SCALES_6 = 64;
const JOINT_SCALES = 129;
/** The 7-bit scale table's size, which an LFE scale index must be under. */
const SCALES_7 = 128;

/**
 * A Huffman book as a decoder reads it: the code lengths in code order (dts-tables.ts) unrolled into a
 * table of 2^16 / 2^PEEK: the entry of every PEEK-bit prefix its code decides, else a search over the
 * entries' starts. Values are (symbol << 5) | length.
 */
const PEEK = 9;
class Book {
  private readonly first = new Int32Array(1 << PEEK).fill(-1);
  /** each entry's first 16-bit word and its value, in code order */
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  constructor(lengths: string, symbols?: readonly number[]) {
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const len = parseInt(lengths[i]!, 36);
      const value = ((symbols ? symbols[i]! : 0) << 5) | len;
      this.starts.push(at);
      this.values.push(value);
      if (len <= PEEK) this.first.fill(value, at >> (16 - PEEK), (at + (1 << (16 - len))) >> (16 - PEEK));
      at += 1 << (16 - len);
    }
    if (at !== 1 << 16) throw new Error('DTS code book not complete');
  }
  /** the value of the code at the head of the 16 bits w */
  decode(w: number): number {
    const v = this.first[w >> (16 - PEEK)]!;
    if (v >= 0) return v;
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= w) lo = mid;
      else hi = mid - 1;
    }
    return this.values[lo]!;
  }
}

const QUANT = DTS_QUANT_BOOKS.map((g) => g.map((l) => new Book(l)));
const BITALLOC = DTS_BITALLOC_BOOKS.map((b) => new Book(b.lengths, b.symbols));
const SCALES = DTS_SCALE_BOOKS.map((b) => new Book(b.lengths, b.symbols));
const TMODE = DTS_TMODE_BOOKS.map((b) => new Book(b.lengths, b.symbols));

/** Bits read most significant first from b[from, stop); past stop they read as zeros (a decoder's padding). */
class Bits {
  pos = 0;
  private readonly bytes: number;
  constructor(
    private readonly b: Buffer,
    private readonly from: number,
    stop: number,
  ) {
    this.bytes = Math.min(stop, b.length) - from;
  }
  /** bits left (negative once read past the end) */
  get left(): number {
    return this.bytes * 8 - this.pos;
  }
  private byte(i: number): number {
    return i < this.bytes ? this.b[this.from + i]! : 0;
  }
  /** the next 24 bits, not consumed */
  private peek24(): number {
    const i = this.pos >> 3;
    const w = (this.byte(i) << 24) | (this.byte(i + 1) << 16) | (this.byte(i + 2) << 8) | this.byte(i + 3);
    return (w << (this.pos & 7)) >>> 8;
  }
  read(n: number): number {
    if (n > 24) return this.read(n - 16) * 65536 + this.read(16);
    const v = this.peek24() >>> (24 - n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.pos += n;
  }
  /** the symbol of the next code of book, consumed */
  code(book: Book): number {
    const v = book.decode(this.peek24() >>> 8);
    this.pos += v & 31;
    return v >> 5;
  }
}

/** What the frame header says that the body's syntax depends on. */
interface CoreHeader {
  blocks: number;
  channels: number;
  crc: boolean;
  drc: boolean;
  syncEachSubsubframe: boolean;
  lfe: number;
}

/** A core frame whose headers a decoder takes: its size and seconds, and its body to be walked. */
interface CoreFrame {
  size: number;
  seconds: number;
  bits: Bits;
  h: CoreHeader;
  coding: CodingHeader;
}

/**
 * The DTS core frame at p (its sync word, 10 header bytes inside stop) as far as its primary audio
 * coding header: undefined where ffmpeg's decoder refuses it there. Its frame header as
 * ff_dca_parse_core_frame_header checks it (no deficit samples, PCM blocks a multiple of 8, 96 bytes
 * or more, an audio mode, rate and PCM resolution it knows, the reserved bit clear, a valid LFE flag),
 * the whole frame inside stop, and the coding header (codingHeader). It must also hold the bytes its
 * length needs at DTS's lowest rate: 127 blocks at 8 kHz (0.5 s) on 96 bytes of junk counted 204.8 s
 * from 39 KB (attack round 10a).
 */
function coreFrame(b: Buffer, p: number, stop: number): CoreFrame | undefined {
  if (p + 16 > stop || b.readUInt32BE(p) !== 0x7ffe8001) return undefined;
  const size = (((b[p + 5]! & 3) << 12) | (b[p + 6]! << 4) | (b[p + 7]! >> 4)) + 1;
  if (p + size > stop) return undefined;
  const bits = new Bits(b, p, p + size);
  bits.skip(32 + 1); // sync, frame type
  const deficit = bits.read(5) + 1;
  const crc = bits.read(1) === 1;
  const blocks = bits.read(7) + 1;
  bits.skip(14); // frame size (read above)
  const mode = bits.read(6);
  const rate = DTS_RATES[bits.read(4)]!;
  bits.skip(5); // transmission bit rate
  const reserved = bits.read(1);
  const drc = bits.read(1) === 1;
  bits.skip(1 + 1 + 1 + 3 + 1); // time stamp, auxiliary data, HDCD, extension type and flag
  const syncEachSubsubframe = bits.read(1) === 1;
  const lfe = bits.read(2);
  bits.skip(1 + (crc ? 16 : 0) + 1 + 4 + 2); // predictor history, header CRC, filter, version, copy history
  const pcmRes = DTS_PCM_RES[bits.read(3)]!;
  bits.skip(6); // front and surround sum/difference, dialog normalisation
  if (deficit !== 32 || blocks % 8 || size < 96 || mode >= DTS_CHANNELS.length || !rate || reserved) return undefined;
  if (lfe === 3 || !pcmRes) return undefined;
  const seconds = (blocks * 32) / rate;
  if (size < seconds * DTS_LEAST_BYTES_PER_SECOND) return undefined;
  const h: CoreHeader = { blocks, channels: DTS_CHANNELS[mode]!, crc, drc, syncEachSubsubframe, lfe };
  const coding = codingHeader(bits, h);
  return coding && { size, seconds, bits, h, coding };
}

/**
 * The DTS core frame at p (inside stop) as ffmpeg's decoder takes it, walked whole: its size and the
 * seconds it holds, or undefined. Its headers (coreFrame), then every subframe's side information
 * and audio data to the DSYNC word that ends it (subframes). Only the sync, the size and the rate
 * were checked first: headers with 1 deficit sample, or 6 PCM blocks, or over random bodies counted
 * 246 s a MB in Matroska, AVI and MP4 that ffmpeg decodes none of (round 23 H1); with the headers
 * checked and the body not, frames of junk after a valid coding header counted at DTS's lowest rate,
 * 2,490 s of 9.96 MB of raw DTS (and as much in MKA and MP4) where ffmpeg decodes none ("DSYNC check
 * failed", attack round 24c N5).
 */
function dtsCoreFrame(b: Buffer, p: number, stop: number): { size: number; seconds: number } | undefined {
  const f = coreFrame(b, p, stop);
  return f && subframes(f.bits, f.h, f.coding) ? { size: f.size, seconds: f.seconds } : undefined;
}

/** Frames of a stream walked whole from its first (every one up to this many), then one in DTS_SPOT. */
const DTS_WHOLE_FRAMES = 2048;
const DTS_SPOT = 32;

/**
 * A stream's core frames in order (a container's track, a raw file), each checked as a decoder takes
 * it. Walking a frame whole costs ~25 µs for 5.1 at 1,411 kbit/s (an hour: 8.5 s; its headers alone
 * 1 µs), so the first DTS_WHOLE_FRAMES are walked whole (20 s at 48 kHz, 4.4 min of 128-block 8 kHz
 * frames), then one drawn at random in DTS_SPOT, the others checked to their coding header; once a
 * walked frame is refused (a damaged or forged stream) every frame after is walked whole. The frames
 * not walked since the last one taken are then in doubt: their seconds are `retracted`, for a caller
 * that sums a stream's frames itself (raw DTS, AVI) to take back. What this leaves: in Matroska and
 * MP4, which sum each packet's on their own, frames of junk after the first DTS_WHOLE_FRAMES and
 * before the first walked one is refused (on average DTS_SPOT of them: ~0.34 s of 512-sample 48 kHz
 * frames, ~16 s of 128-block 8 kHz ones); everywhere, junk in a stream's last frames that no walk
 * drew (on average under DTS_SPOT frames). A 60 s file junk after its 2,100th frame (22.4 s decoded)
 * counted 22.43-22.46 s raw, 22.51-22.77 s in MP4, before the retraction.
 */
export class DtsFrames {
  private seen = 0;
  /** frames walked whole, and those a decoder refuses */
  walked = 0;
  refused = 0;
  /** seconds of the frames counted since the last one walked whole and taken */
  private unvouched = 0;
  /** seconds counted of frames in doubt (not walked, before a walked one refused): to take back */
  retracted = 0;
  frame(b: Buffer, p: number, stop: number): { size: number; seconds: number } | undefined {
    const f = coreFrame(b, p, stop);
    if (!f) return undefined;
    if (++this.seen <= DTS_WHOLE_FRAMES || this.refused || Math.random() * DTS_SPOT < 1) {
      this.walked++;
      if (!subframes(f.bits, f.h, f.coding)) {
        this.refused++;
        this.retracted += this.unvouched;
        this.unvouched = 0;
        return undefined;
      }
      this.unvouched = 0;
    } else this.unvouched += f.seconds;
    return { size: f.size, seconds: f.seconds };
  }
}

/** The primary audio coding header's fields the subframes are read by. */
interface CodingHeader {
  subframes: number;
  subbands: number[];
  vqStart: number[];
  joint: number[];
  tmodeSel: number[];
  scaleSel: number[];
  allocSel: number[];
  /** quantSel[ch][abits - 1]: the quantiser select of each ABITS up to 10 */
  quantSel: number[][];
}

/**
 * The primary audio coding header (dca_core.c parse_coding_header) as ffmpeg checks it: as many
 * primary channels as the audio mode has, and for each a subband count of at most 32, a joint
 * intensity index of at most the channel count, and a scale factor and bit allocation code book other
 * than 7. Random bodies pass about one in forty (mono), fewer the more channels.
 */
function codingHeader(bits: Bits, h: CoreHeader): CodingHeader | undefined {
  const nch = h.channels;
  const subframes = bits.read(4) + 1;
  if (bits.read(3) + 1 !== nch) return undefined;
  const c: CodingHeader = {
    subframes,
    subbands: [],
    vqStart: [],
    joint: [],
    tmodeSel: [],
    scaleSel: [],
    allocSel: [],
    quantSel: [],
  };
  for (let ch = 0; ch < nch; ch++) if ((c.subbands[ch] = bits.read(5) + 2) > 32) return undefined;
  for (let ch = 0; ch < nch; ch++) c.vqStart[ch] = bits.read(5) + 1;
  for (let ch = 0; ch < nch; ch++) if ((c.joint[ch] = bits.read(3)) > nch) return undefined;
  for (let ch = 0; ch < nch; ch++) c.tmodeSel[ch] = bits.read(2);
  for (let ch = 0; ch < nch; ch++) if ((c.scaleSel[ch] = bits.read(3)) === 7) return undefined;
  for (let ch = 0; ch < nch; ch++) if ((c.allocSel[ch] = bits.read(3)) === 7) return undefined;
  for (let ch = 0; ch < nch; ch++) c.quantSel[ch] = [];
  for (let n = 0; n < 10; n++) for (let ch = 0; ch < nch; ch++) c.quantSel[ch]![n] = bits.read(QUANT_SELECT_BITS[n]!);
  // scale factor adjustments, one for each Huffman-coded ABITS
  for (let n = 0; n < 10; n++)
    for (let ch = 0; ch < nch; ch++) if (c.quantSel[ch]![n]! < QUANT_HUFFMAN_BOOKS[n]!) bits.skip(2);
  if (h.crc) bits.skip(16);
  return bits.left < 0 ? undefined : c;
}

/**
 * The core frame's subframes as ffmpeg's decoder reads them (dca_core.c: parse_subframe_header, then
 * parse_subframe_audio), every field at the width it has there and every check that refuses the frame:
 * subframes holding more blocks than the frame, a bit allocation over 26, a scale factor index outside
 * its table (the Huffman ones are differences, summed over a channel's subbands), a joint scale factor
 * or LFE scale index outside its table, a block code of its quantiser's levels to the fourth or more,
 * and the DSYNC word 0xFFFF at the end of each subframe (of each subsubframe when the header asks).
 * The audio codes are walked for their lengths (Huffman, block and linear codes), not their values.
 * Random bytes that got this far fail the DSYNC at 65,535 in 65,536 a subframe; a frame read past its
 * own end fails (ffmpeg reads its padding, zeros, there: no DSYNC). ffmpeg does not check the header's
 * CRC words (it skips them), and neither does this.
 */
function subframes(bits: Bits, h: CoreHeader, c: CodingHeader): boolean {
  const nch = h.channels;
  const { subbands, vqStart, joint, tmodeSel, scaleSel, allocSel, quantSel } = c;
  const alloc: number[][] = Array.from({ length: nch }, () => new Array<number>(32).fill(0));
  const tmode: number[][] = Array.from({ length: nch }, () => new Array<number>(32).fill(0));
  let subPos = 0;
  for (let sf = 0; sf < c.subframes; sf++) {
    // side information (parse_subframe_header)
    const ssfs = bits.read(2) + 1;
    bits.skip(3); // partial subsubframe sample count
    let predicted = 0;
    for (let ch = 0; ch < nch; ch++) for (let band = 0; band < subbands[ch]!; band++) predicted += bits.read(1);
    bits.skip(12 * predicted); // prediction coefficients' VQ addresses
    for (let ch = 0; ch < nch; ch++) {
      const sel = allocSel[ch]!;
      for (let band = 0; band < vqStart[ch]!; band++) {
        const abits = sel < 5 ? bits.code(BITALLOC[sel]!) + 1 : bits.read(sel - 1);
        if (abits > ABITS_MAX) return false;
        alloc[ch]![band] = abits;
      }
    }
    for (let ch = 0; ch < nch; ch++) {
      tmode[ch]!.fill(0);
      if (ssfs > 1)
        for (let band = 0; band < vqStart[ch]!; band++)
          if (alloc[ch]![band]) tmode[ch]![band] = bits.code(TMODE[tmodeSel[ch]!]!);
    }
    for (let ch = 0; ch < nch; ch++) {
      const sel = scaleSel[ch]!;
      const size = sel > 5 ? SCALES_7 : SCALES_6;
      let index = 0;
      const scale = (): boolean => {
        index = sel < 5 ? index + bits.code(SCALES[sel]!) - 64 : bits.read(sel + 1);
        return index >= 0 && index < size;
      };
      for (let band = 0; band < vqStart[ch]!; band++)
        if (alloc[ch]![band] && (!scale() || (tmode[ch]![band] && !scale()))) return false;
      for (let band = vqStart[ch]!; band < subbands[ch]!; band++) if (!scale()) return false;
    }
    const jointSel: number[] = [];
    for (let ch = 0; ch < nch; ch++) if (joint[ch] && (jointSel[ch] = bits.read(3)) === 7) return false;
    for (let ch = 0; ch < nch; ch++) {
      if (!joint[ch]) continue;
      const sel = jointSel[ch]!;
      for (let band = subbands[ch]!; band < subbands[joint[ch]! - 1]!; band++) {
        const index = (sel < 5 ? bits.code(SCALES[sel]!) - 64 : bits.read(sel + 1)) + 64;
        if (index < 0 || index >= JOINT_SCALES) return false;
      }
    }
    if (h.drc) bits.skip(8);
    if (h.crc) bits.skip(16);

    // audio data (parse_subframe_audio)
    if (subPos + ssfs * 8 > h.blocks || bits.left < 0) return false;
    subPos += ssfs * 8;
    for (let ch = 0; ch < nch; ch++) bits.skip(10 * Math.max(0, subbands[ch]! - vqStart[ch]!)); // VQ addresses
    if (h.lfe) {
      bits.skip(2 * h.lfe * ssfs * 8);
      if (bits.read(8) >= SCALES_7) return false;
    }
    for (let ssf = 0; ssf < ssfs; ssf++) {
      for (let ch = 0; ch < nch; ch++) {
        if (bits.left < 0) return false;
        for (let band = 0; band < vqStart[ch]!; band++) {
          const abits = alloc[ch]![band]!;
          if (!abits) continue;
          const sel = abits <= 10 ? quantSel[ch]![abits - 1]! : 99;
          if (abits <= 10 && sel < QUANT_HUFFMAN_BOOKS[abits - 1]!) {
            const book = QUANT[abits - 1]![sel]!;
            for (let i = 0; i < 8; i++) bits.code(book);
          } else if (abits <= 7) {
            // two block codes of 4 samples each: a code of the levels to the fourth or more is refused
            const most = BLOCK_LEVELS[abits - 1]! ** 4;
            if (bits.read(BLOCK_CODE_BITS[abits - 1]!) >= most) return false;
            if (bits.read(BLOCK_CODE_BITS[abits - 1]!) >= most) return false;
          } else bits.skip(8 * (abits - 3));
        }
      }
      if ((ssf === ssfs - 1 || h.syncEachSubsubframe) && bits.read(16) !== 0xffff) return false;
    }
  }
  return bits.left >= 0;
}

/** 64 MiB: 5.9 minutes at DTS's common 1,509 kbit/s, 17.5 at 512 kbit/s */
const DTS_WALK_MAX = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** the largest core frame: its 14-bit size field */
const MAX_FRAME = 16384;
const SYNC = Buffer.from([0x7f, 0xfe, 0x80, 0x01]);
/** Windows of a larger file's rest walked whole, one drawn at random in each of this many equal stretches, */
const DTS_SPREAD = 128;
/** and the bytes of each whose frames are walked (17 frames of 1,411 kbit/s 5.1; 128 of them ~0.06 s). */
const DTS_WINDOW = 32 * 1024;

interface Walk {
  seconds: number;
  frames: number;
  /** bytes between counted frames: junk, extension substreams, frames ffmpeg would refuse */
  skipped: number;
  rate?: number;
  dts: DtsFrames;
}

/** the frame size field of the core frame header at p (16 bytes there) */
const sizeAt = (b: Buffer, p: number): number => (((b[p + 5]! & 3) << 12) | (b[p + 6]! << 4) | (b[p + 7]! >> 4)) + 1;

/**
 * Frames from p on in b (the file's bytes from some offset; last: b ends where the file does): where
 * the walk stopped, at a frame b does not hold whole (read it again with the next chunk), or b's end.
 */
function walk(src: FileSource, b: Buffer, p: number, last: boolean, w: Walk): number {
  while (p + 16 <= b.length) {
    src.work.tick();
    if (b.readUInt32BE(p) === 0x7ffe8001) {
      const size = sizeAt(b, p);
      if (p + size > b.length && !last) return p;
      const f = w.dts.frame(b, p, b.length);
      if (f) {
        w.seconds += f.seconds;
        w.frames++;
        w.rate ??= dtsRate(b, p);
        p += f.size;
        continue;
      }
    }
    const q = b.indexOf(SYNC, p + 1);
    const to = q < 0 ? Math.max(p + 1, b.length - 15) : q;
    w.skipped += to - p;
    p = to;
    if (q < 0) break;
  }
  return last ? b.length : p;
}

/** the core frame's sample rate (its 4-bit SFREQ code; ETSI TS 102 114 table 5-5) */
function dtsRate(b: Buffer, p: number): number | undefined {
  const code = (b[p + 8]! >> 2) & 15;
  return [0, 8000, 16000, 32000, 0, 0, 11025, 22050, 44100, 0, 0, 12000, 24000, 48000, 0, 0][code] || undefined;
}

/**
 * The seconds a byte holds in the rest of a file past `from`, from DTS_SPREAD windows drawn at random
 * in its equal stretches (at fixed places a forger would know where to put good frames), each's
 * frames walked whole (dtsCoreFrame) from the first sync in it: the seconds of the frames a decoder
 * takes over the bytes walked. A stretch counts at the least of its window's and its neighbours'
 * (where junk begins or ends inside a stretch its window may fall on either side; ima4Blocks in
 * lossless.ts does the same).
 */
function restShare(src: FileSource, from: number): number {
  const rest = src.size - from;
  const stretch = rest / DTS_SPREAD;
  const shares: number[] = [];
  for (let i = 0; i < DTS_SPREAD; i++) {
    const at = from + Math.floor(i * stretch + Math.random() * Math.max(0, stretch - DTS_WINDOW));
    const b = src.read(at, DTS_WINDOW + MAX_FRAME);
    src.work.tick(1 + (b.length >> 10));
    let p = b.indexOf(SYNC);
    const first = p;
    let seconds = 0;
    while (p >= 0 && p < DTS_WINDOW && p + 16 <= b.length) {
      const f = dtsCoreFrame(b, p, b.length);
      if (f) {
        seconds += f.seconds;
        p += f.size;
      } else if (p + sizeAt(b, p) > b.length) break;
      else p = b.indexOf(SYNC, p + 1);
    }
    const end = p < 0 ? Math.min(b.length, DTS_WINDOW) : p;
    shares.push(first >= 0 && end > first ? seconds / (end - first) : 0);
  }
  let share = 0;
  for (let i = 0; i < shares.length; i++)
    share += Math.min(shares[i]!, shares[i - 1] ?? Infinity, shares[i + 1] ?? Infinity);
  return share / shares.length;
}

/**
 * A raw DTS file: its first DTS_WALK_MAX bytes walked frame by frame, CHUNK bytes at a time (each
 * frame checked as DtsFrames does: the first 2,048 walked whole, then one in 32 drawn at random, all
 * once one is refused), exact for a file no larger; a larger one's rest at the seconds a byte its
 * windows hold (restShare), an estimate (said so).
 */
export function probeDts(src: FileSource): ProbeResult | undefined {
  if (src.head.length < 16 || src.head.readUInt32BE(0) !== 0x7ffe8001) return undefined;
  const w: Walk = { seconds: 0, frames: 0, skipped: 0, dts: new DtsFrames() };
  const walked = Math.min(src.size, DTS_WALK_MAX);
  let p = 0;
  while (p + 16 <= walked) {
    const len = Math.min(CHUNK + MAX_FRAME, walked - p);
    const b = p + len <= src.head.length ? src.head.subarray(p, p + len) : src.read(p, len);
    const last = p + b.length >= walked;
    const at = walk(src, b, 0, last, w);
    if (at <= 0 && !last) break;
    p += at;
    if (last) break;
  }
  const base = { codec: 'DTS', sampleRate: w.rate };
  const refused = w.dts.refused ? `${w.dts.refused} of the ${w.dts.walked} frames walked whole a decoder refuses` : '';
  const junk = w.skipped
    ? `${w.skipped} bytes hold no DTS core frame a decoder takes${refused ? ` (${refused})` : ''}: not counted`
    : undefined;
  if (walked === src.size) {
    const seconds = Math.max(0, w.seconds - w.dts.retracted);
    if (!seconds) return { kind: 'unreadable', ...base, error: 'no DTS core frame a decoder takes' };
    return { kind: 'audio', seconds, ...base, error: junk };
  }
  const seconds = Math.max(0, w.seconds - w.dts.retracted) + (src.size - walked) * restShare(src, walked);
  if (!seconds) return { kind: 'unreadable', ...base, error: 'no DTS core frame a decoder takes' };
  return {
    kind: 'audio',
    seconds,
    ...base,
    error:
      `estimated: the ${w.frames} frames in the first ${walked >> 20} MiB counted, the rest at the seconds a byte of ${DTS_SPREAD} windows drawn at random holds` +
      (junk ? ` (${junk})` : ''),
  };
}
