/*
 * FLAC by hand: STREAMINFO's total sample count is what the encoder meant to write (0 when it did not
 * know: a stream, a recorder killed mid-call), not what the file holds. Every frame is walked, at any
 * size (walk below). A frame header's sample number is no length: a file over 1 GiB was once judged by
 * its tail's last frames, and two forged frames numbered far out after 1 MB of junk and a hole counted
 * 77,825 s of a sparse 1.1 GB file, ffmpeg decoding nothing (round 22 H4, as round 21's C3 under 1 GiB).
 * The walk is a read of the file, linear, and bounded as every reader is (work.ts): a real FLAC of
 * 1 GiB is ~6 hours of CD audio, a few seconds of reading.
 */
import { crc16Msb, tailTagBytes } from './bytes.js';
import type { FileSource, ProbeResult } from './types.js';

const CRC8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
}

function crc8(b: Buffer, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = CRC8[c ^ b[i]!]!;
  return c;
}

const crc16 = crc16Msb(0x8005);

interface FrameHead {
  /** first sample of the frame (for a fixed-block stream: frame number × block size) */
  sample: number;
  blockSize: number;
  /** the sample rate the frame states (undefined: "as in STREAMINFO"): what a decoder plays it at */
  rate?: number;
  /** the coded frame or sample number, and whether it is a sample number (variable block size) */
  num: number;
  variable: boolean;
}

/** What STREAMINFO tells a decoder about the frames (ffmpeg 5.1 refuses a frame at odds with it). */
export interface FlacInfo {
  /** bits a sample (1-32); a frame header of another depth is refused ("switching bps mid-stream") */
  bps: number;
  /** the largest block; a larger frame is refused */
  maxBlock: number;
}

/** Frame header sample-size codes (ffmpeg 5.1's sample_size_table: 3 and 7 refused). */
const BPS_CODES = [0, 8, 12, -1, 16, 20, 24, -1];

/**
 * Whether ffmpeg 5.1's decode_subframe would take every channel's subframe header of a frame whose
 * header ends at q (flacdec.c): the padding bit, the type (constant, verbatim, fixed order 0-4, LPC;
 * 2-7 and 13-31 reserved: "invalid coding type"), wasted bits (the next bps bits all zero refused),
 * an LPC's precision (16 refused) and shift (negative refused), and the residual's method (0 or 1),
 * partition order (the block must divide) and predictor order (within the first partition). A
 * fixed or LPC subframe's residual is not walked, so the channels after it are not read; nor is a
 * subframe that runs past the bytes in hand (false only for what a decoder refuses).
 */
function subframesHold(b: Buffer, q: number, end: number, blockSize: number, chCode: number, bps: number): boolean {
  // the frame's bytes known to end at end (a packet in hand), or only the bytes in hand (take what runs past them)
  const known = end <= b.length;
  const limit = Math.min(end, b.length) * 8;
  let pos = q * 8;
  const bits = (n: number): number => {
    let v = 0;
    for (let k = 0; k < n; k++, pos++) v = v * 2 + (pos < limit ? (b[pos >> 3]! >> (7 - (pos & 7))) & 1 : 0);
    return v;
  };
  const channels = chCode < 8 ? chCode + 1 : 2;
  for (let ch = 0; ch < channels; ch++) {
    // side channels carry a bit more (ch 0 of right/side, ch 1 of left/side and mid/side)
    let sbps = bps + ((ch === 0 ? chCode === 9 : chCode === 8 || chCode === 10) ? 1 : 0);
    if (pos + 8 > limit) return !known;
    if (bits(1)) return false; // padding
    const type = bits(6);
    if (type !== 0 && type !== 1 && (type < 8 || type > 12) && type < 32) return false; // "invalid coding type"
    if (!bps) return true; // no depth known: the rest cannot be placed
    if (bits(1)) {
      // wasted bits, a unary count: ffmpeg refuses when the next bps bits are all zero
      let zeros = 0;
      while (zeros < sbps && !bits(1)) zeros++;
      if (pos > limit) return !known;
      if (zeros >= sbps) return false;
      sbps -= zeros + 1;
    }
    if (sbps > 32) return false;
    if (type === 0 || type === 1) {
      pos += type === 0 ? sbps : sbps * blockSize;
      continue;
    }
    const order = type >= 32 ? (type & 31) + 1 : type - 8;
    pos += order * sbps; // warm-up samples
    if (type >= 32) {
      const prec = bits(4) + 1;
      if (bits(5) & 0x10 || prec === 16) return pos > limit && !known; // negative shift, precision 16
      pos += order * prec;
    }
    const method = bits(2);
    const ro = bits(4);
    if (pos > limit) return !known;
    const samples = blockSize >> ro;
    // the residual is not walked: the channels after it are not read
    return method <= 1 && samples << ro === blockSize && order <= samples;
  }
  return pos <= limit || !known;
}

/** Frame header sample-rate codes 1-11 (FLAC format, FRAME_HEADER). */
const RATE_CODES = [0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000];

/**
 * A FLAC frame at p that a decoder takes, or undefined: its header's CRC-8 checks, and its subframe
 * headers are ones ffmpeg decodes (subframesHold; end: where the frame's bytes end, when known).
 * A header alone over a reserved subframe type counted 72,908 s of 1 MB of Ogg FLAC, 0 decoded (round 21).
 */
export function frameHead(
  b: Buffer,
  p: number,
  fixedBlock: number,
  end = b.length,
  info?: FlacInfo,
): FrameHead | undefined {
  if (p + 6 > b.length || b[p] !== 0xff || (b[p + 1]! & 0xfe) !== 0xf8) return undefined;
  const variable = b[p + 1]! & 1;
  const bsCode = b[p + 2]! >> 4;
  const srCode = b[p + 2]! & 15;
  const ch = b[p + 3]! >> 4;
  if (bsCode === 0 || srCode === 15 || ch > 10 || b[p + 3]! & 1) return undefined;
  let q = p + 4;
  // UTF-8-style coded number (up to 36 bits)
  const lead = b[q]!;
  let n: number;
  let extra: number;
  if (lead < 0x80) {
    n = lead;
    extra = 0;
  } else if (lead >= 0xc0 && lead < 0xe0) {
    n = lead & 0x1f;
    extra = 1;
  } else if (lead >= 0xe0 && lead < 0xf0) {
    n = lead & 0x0f;
    extra = 2;
  } else if (lead >= 0xf0 && lead < 0xf8) {
    n = lead & 0x07;
    extra = 3;
  } else if (lead >= 0xf8 && lead < 0xfc) {
    n = lead & 0x03;
    extra = 4;
  } else if (lead >= 0xfc && lead < 0xfe) {
    n = lead & 0x01;
    extra = 5;
  } else if (lead === 0xfe) {
    n = 0;
    extra = 6;
  } else return undefined;
  q++;
  if (q + extra + 3 > b.length) return undefined;
  for (let k = 0; k < extra; k++, q++) {
    if ((b[q]! & 0xc0) !== 0x80) return undefined;
    n = n * 64 + (b[q]! & 0x3f);
  }
  let blockSize: number;
  if (bsCode === 1) blockSize = 192;
  else if (bsCode <= 5) blockSize = 576 << (bsCode - 2);
  else if (bsCode === 6) blockSize = b[q++]! + 1;
  else if (bsCode === 7) {
    blockSize = b.readUInt16BE(q) + 1;
    q += 2;
  } else blockSize = 256 << (bsCode - 8);
  let rate: number | undefined = srCode > 0 && srCode < 12 ? RATE_CODES[srCode] : undefined;
  if (srCode === 12) rate = b[q++]! * 1000;
  else if (srCode === 13 || srCode === 14) {
    rate = b.readUInt16BE(q) * (srCode === 14 ? 10 : 1);
    q += 2;
  }
  if (q >= b.length || crc8(b, p, q) !== b[q]) return undefined;
  const bpsCode = (b[p + 3]! >> 1) & 7;
  const frameBps = BPS_CODES[bpsCode]!;
  if (frameBps < 0) return undefined;
  if (info && ((frameBps && info.bps && frameBps !== info.bps) || blockSize > Math.max(16, info.maxBlock || 65535)))
    return undefined;
  const bps = frameBps || info?.bps || 0;
  // without a depth (header and STREAMINFO silent) the first subframe's type is still read
  if (!subframesHold(b, q + 1, end, blockSize, ch, bps)) return undefined;
  return { sample: variable ? n : n * fixedBlock, blockSize, rate: rate || undefined, num: n, variable: !!variable };
}

export function probeFlac(src: FileSource, start: number): ProbeResult {
  const hdr = start + 42 <= src.head.length ? src.head.subarray(start, start + 42) : src.read(start, 42);
  if (hdr.length < 42 || hdr.toString('latin1', 0, 4) !== 'fLaC' || (hdr[4]! & 0x7f) !== 0) {
    return { kind: 'unreadable', codec: 'FLAC', error: 'FLAC without a STREAMINFO block' };
  }
  const si = hdr.subarray(8, 42);
  const maxBlock = si.readUInt16BE(2);
  const sampleRate = (si[10]! << 12) | (si[11]! << 4) | (si[12]! >> 4);
  const channels = ((si[12]! >> 1) & 7) + 1;
  const total = (si[13]! & 0x0f) * 2 ** 32 + si.readUInt32BE(14);
  const base = { codec: 'FLAC', sampleRate, channels };
  if (!sampleRate) return { kind: 'unreadable', ...base, error: 'FLAC STREAMINFO without a sample rate' };

  // the audio starts after the last metadata block
  let p = start + 4;
  for (let n = 0; n < 1024; n++) {
    const bh = p + 4 <= src.head.length ? src.head.subarray(p, p + 4) : src.read(p, 4);
    if (bh.length < 4)
      return { kind: 'unreadable', ...base, error: 'cut off inside the FLAC metadata: no audio frames' };
    p += 4 + bh.readUIntBE(1, 3);
    if (bh[0]! & 0x80) break;
  }
  const audioStart = p;
  if (audioStart >= src.size)
    return { kind: 'unreadable', ...base, error: 'no audio frames (cut off after the metadata)' };

  const bps = (((si[12]! & 1) << 4) | (si[13]! >> 4)) + 1;
  const info: FlacInfo = { bps, maxBlock };
  return walk(src, audioStart, info, total, base);
}

/** Bytes read at a time by the walk. */
const WINDOW = 4 * 1024 * 1024;
/** The largest frame a FLAC stream may have (65,535 samples, 8 channels of 32 bits, verbatim) and its header. */
const FRAME_MAX = Math.ceil((65535 * 8 * 33) / 8) + 32;

/**
 * The frames a decoder takes, walked from the first: a frame counts its block size when ffmpeg 5.1
 * takes its header and subframes (frameHead) and its end is found: the next such header follows it
 * (its frame or sample number the next), or its CRC-16 holds up to the next header or the end of the
 * audio (what ffmpeg's parser checks where the numbers do not follow). Junk between frames is skipped
 * to the next header, as the parser resyncs. STREAMINFO's total is a cap. The frames' sample numbers
 * are not a length: a forger writes them (two frames numbered 156,000 on counted 79,873 s, round 21).
 */
function walk(
  src: FileSource,
  audioStart: number,
  info: FlacInfo,
  total: number,
  base: { codec: string; sampleRate: number; channels: number },
): ProbeResult {
  // the audio ends before the tags a tagger appends
  const tailLen = Math.min(src.size - audioStart, 64 * 1024);
  const dataEnd = src.size - tailTagBytes(src.read(src.size - tailLen, tailLen));
  let w: Buffer = Buffer.alloc(0);
  let wPos = audioStart;
  /** the window holds [p, p + n) (or up to the end of the audio) */
  const load = (p: number, n: number): void => {
    if (p >= wPos && Math.min(p + n, dataEnd) <= wPos + w.length) return;
    wPos = p;
    const len = Math.min(Math.max(n, WINDOW), dataEnd - p);
    w = p + len <= src.head.length ? src.head.subarray(p, p + len) : src.read(p, len);
    src.work.tick();
  };
  const at = (p: number): FrameHead | undefined => {
    load(p, 64 * 1024);
    return frameHead(w, p - wPos, info.maxBlock, dataEnd - wPos, info);
  };
  /** the next frame header a decoder takes at or after p, or undefined */
  const next = (p: number): { at: number; f: FrameHead } | undefined => {
    while (p < dataEnd) {
      load(p, 64 * 1024);
      const i = w.indexOf(0xff, p - wPos);
      if (i < 0) {
        p = wPos + w.length;
        continue;
      }
      p = wPos + i;
      src.work.tick();
      if ((w[i + 1]! & 0xfe) === 0xf8 || i + 1 >= w.length) {
        const f = at(p);
        if (f) return { at: p, f };
      }
      p++;
    }
    return undefined;
  };
  let samples = 0;
  let rate = base.sampleRate;
  let skipped = 0; // bytes of junk, or of frames whose end was not found
  let cut = false;
  let prev: FrameHead | undefined;
  let jump: number | undefined; // the first counted frame whose number follows no frame before it
  const first = at(audioStart);
  let cur = first ? { at: audioStart, f: first } : next(audioStart + 1);
  if (!first) skipped += (cur?.at ?? dataEnd) - audioStart;
  while (cur) {
    const { f } = cur;
    const after = next(cur.at + 2);
    const end = after?.at ?? dataEnd;
    let whole =
      !!after &&
      after.f.variable === f.variable &&
      (f.variable ? after.f.num === f.num + f.blockSize : after.f.num === f.num + 1);
    if (!whole && end - cur.at <= FRAME_MAX) {
      load(cur.at, end - cur.at);
      src.work.tick((end - cur.at) >> 16);
      whole = crc16(w, cur.at - wPos, end - wPos) === 0;
    }
    if (whole) {
      if (prev && (prev.variable !== f.variable || f.num !== prev.num + (f.variable ? prev.blockSize : 1)))
        jump ??= f.sample;
      prev = f;
      samples += f.blockSize;
      rate = Math.max(rate, f.rate ?? 0);
    } else if (after) skipped += end - cur.at;
    else cut = true;
    cur = after;
  }
  if (total && samples > total) samples = total;
  const r = result(samples, total, rate, base, cut);
  if (r.kind === 'audio' && jump !== undefined)
    r.error = `${r.error ?? `counted the ${samples} samples in the frames`}; a frame's sample number (${jump}) follows no frame before it (a forged frame?): its own block counted`;
  if (r.kind === 'audio' && skipped)
    r.error = `${r.error ?? `counted the ${samples} samples in the frames`}; ${skipped} bytes held no frame a decoder takes`;
  return r;
}

function rateNote(frames: number, streaminfo: number): string {
  return frames === streaminfo ? '' : ` at the frames' ${frames} Hz (STREAMINFO says ${streaminfo} Hz)`;
}

function result(
  samples: number,
  total: number,
  rate: number,
  base: { codec: string; sampleRate: number; channels: number },
  cut: boolean,
): ProbeResult {
  if (samples <= 0) return { kind: 'unreadable', ...base, error: 'no complete audio frame' };
  let error: string | undefined;
  if (cut)
    error = total
      ? `cut off: STREAMINFO says ${total} samples; counted the ${samples} in complete frames`
      : `length unknown in STREAMINFO; counted the ${samples} samples in complete frames`;
  else if (total && samples !== total) error = `STREAMINFO says ${total} samples; counted the ${samples} in the frames`;
  const note = rateNote(rate, base.sampleRate);
  if (note) error = `${error ?? `counted the ${samples} samples in the frames`}${note}`;
  return { kind: 'audio', seconds: samples / rate, ...base, sampleRate: rate, error };
}
