/*
 * Raw AC-3 and E-AC-3 streams (.ac3, .eac3): bare sync frames with no length anywhere, which
 * music-metadata does not read. Every frame states its size and sample count; a stream up to
 * AC3_WALK_MAX is walked whole, 1 MiB at a time, resynchronising over junk (exact), a larger one
 * sized from the frames of its first AC3_WALK_MAX in proportion (estimate, marked). A frame counts
 * only when its CRC holds: a forged header (size, blocks, rate) or junk that looks like one fails it.
 */
import type { FileSource, ProbeResult } from './types.js';
import type { Work } from './work.js';

/**
 * A file up to this size is walked whole, CHUNK bytes at a time: sized from the mean frame of its
 * first 256 KiB, 20 s of AC-3, 9 MB of zeros and the same 20 s again counted 790 s, ffmpeg decoding
 * 40 s (attack round 9c, as ADTS in 9b). 64 MiB is over 4 hours at 32 kbit/s.
 */
const AC3_WALK_MAX = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** the largest frame: E-AC-3's 2,048 words (AC-3's is 1,920) */
const MAX_FRAME = 4096;

const W48 = [64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024, 1152, 1280];
const W32 = [96, 120, 144, 168, 192, 240, 288, 336, 384, 480, 576, 672, 768, 960, 1152, 1344, 1536, 1728, 1920];
const W44 = [69, 87, 104, 121, 139, 174, 208, 243, 278, 348, 417, 487, 557, 696, 835, 975, 1114, 1253, 1393];
const RATES = [48000, 44100, 32000];

interface Frame {
  size: number;
  samples: number;
  rate: number;
  independent: boolean;
  eac3: boolean;
}

/** The frame whose header is at p (unchecked: MPEG-TS's walk takes it whole as ffmpeg's parser does), or undefined. */
export function frameAt(b: Buffer, p: number): Frame | undefined {
  if (p + 6 > b.length || b[p] !== 0x0b || b[p + 1] !== 0x77) return undefined;
  const bsid = b[p + 5]! >> 3;
  const fscod = b[p + 4]! >> 6;
  if (bsid <= 10) {
    const code = b[p + 4]! & 0x3f;
    if (fscod === 3 || code > 37) return undefined;
    const words = fscod === 0 ? W48[code >> 1]! : fscod === 2 ? W32[code >> 1]! : W44[code >> 1]! + (code & 1);
    return { size: words * 2, samples: 1536, rate: RATES[fscod]!, independent: true, eac3: false };
  }
  if (bsid > 16) return undefined;
  const size = ((((b[p + 2]! & 7) << 8) | b[p + 3]!) + 1) * 2;
  // a frame smaller than its 7-byte header is no frame (ffmpeg's ff_ac3_parse_header)
  if (size < 8) return undefined;
  const strmtyp = b[p + 2]! >> 6;
  const substream = (b[p + 2]! >> 3) & 7;
  let rate: number, blocks: number;
  if (fscod === 3) {
    const f2 = (b[p + 4]! >> 4) & 3;
    if (f2 === 3) return undefined;
    rate = [24000, 22050, 16000][f2]!;
    blocks = 6;
  } else {
    rate = RATES[fscod]!;
    blocks = [1, 2, 3, 6][(b[p + 4]! >> 4) & 3]!;
  }
  return { size, samples: blocks * 256, rate, independent: strmtyp !== 1 && substream === 0, eac3: true };
}

/** Two AC-3 frames in a row at the head (or one that is the whole file): a 2-byte sync alone is chance. */
export function isAc3(h: Buffer, size: number): boolean {
  const f = frameAt(h, 0);
  if (!f) return false;
  if (f.size === size) return true;
  return f.size + 6 > h.length ? h.length < size && f.size < size : frameAt(h, f.size) !== undefined;
}

/** CRC-16 (x^16 + x^15 + x^2 + 1, ffmpeg's AV_CRC_16_ANSI) two bytes at a time: 128 KiB, built on first use */
let crc16: Uint16Array | undefined;
function table(): Uint16Array {
  if (crc16) return crc16;
  const t = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) {
    let c = i;
    for (let k = 0; k < 16; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return (crc16 = t);
}

/**
 * Whether the frame at p passes its CRC: an encoder writes crc1 and crc2 (E-AC-3 crc2) so that the
 * CRC of the whole frame past the sync word is 0 (ffmpeg's -err_detect crccheck). A header forged
 * (its frame size, blocks or rate), junk that looks like a header, or a frame cut short fails it.
 * A frame is whole 16-bit words.
 */
function crcOk(b: Buffer, p: number, size: number): boolean {
  const t = table();
  let c = 0;
  for (let i = p + 2; i < p + size; i += 2) c = t[c ^ ((b[i]! << 8) | b[i + 1]!)]!;
  return c === 0;
}

/**
 * The frame at p when it ends by `stop` and passes its CRC, else undefined: what the containers'
 * readers (MP4, Matroska) count a packet's frames with. Headers alone let 8-byte E-AC-3 frames "of
 * 1,536 samples at 16 kHz" count 480 s in a 40 KB MP4, ffmpeg decoding nothing (attack round 10).
 */
export function checkedFrameAt(b: Buffer, p: number, stop: number): Frame | undefined {
  const f = frameAt(b, p);
  return f && p + f.size <= Math.min(stop, b.length) && crcOk(b, p, f.size) ? f : undefined;
}

interface Walk {
  /** samples the counted frames hold, by sample rate (summed per rate: exact) */
  samples: Map<number, number>;
  frames: number;
  /** bytes skipped between frames: junk, or frames whose CRC fails (forged or damaged) */
  skipped: number;
  work: Work;
}

/**
 * The first whole frame at or after `from` whose CRC holds, or -1. A false start costs a CRC of up
 * to 4 KiB: junk of overlapping headers is a false start every few bytes, so each is ticked (about a
 * step per 8 bytes checked) and such a file stops at the work limit, unreadable.
 */
function sync(b: Buffer, from: number, work: Work): number {
  for (let p = b.indexOf(0x0b, from); p >= 0 && p + 6 <= b.length; p = b.indexOf(0x0b, p + 1)) {
    const f = frameAt(b, p);
    if (!f || p + f.size > b.length) continue;
    if (crcOk(b, p, f.size)) return p;
    work.tick(1 + (f.size >> 3));
  }
  return -1;
}

/**
 * Complete frames from p that start before `limit`, resynchronising over junk; a frame cut by the
 * buffer's end is not counted. `at`: where the walk stopped (the next frame, or past the last).
 */
function walk(b: Buffer, p: number, limit: number, w: Walk): number {
  while (p + 6 <= b.length && p < limit) {
    const f = frameAt(b, p);
    if (f && p + f.size > b.length) break;
    if (!f || !crcOk(b, p, f.size)) {
      const q = sync(b, p + 1, w.work);
      const to = q < 0 ? Math.max(Math.min(limit, b.length - 5), p + 1) : q;
      w.skipped += to - p;
      p = to;
      if (q < 0) break;
      continue;
    }
    // an E-AC-3 dependent substream, or an independent one past the first program, adds no time
    if (f.independent) w.samples.set(f.rate, (w.samples.get(f.rate) ?? 0) + f.samples);
    w.frames++;
    p += f.size;
  }
  return p;
}

/** Frames walked from p to end, CHUNK bytes at a time (a chunk read with room for a frame that starts in it). */
function walkChunks(src: FileSource, p: number, end: number, w: Walk): void {
  while (p + 6 <= end) {
    src.work.tick(1 + (CHUNK >> 12));
    const b = src.read(p, Math.min(CHUNK + MAX_FRAME, end - p));
    if (b.length < 6) break;
    const at = walk(b, 0, Math.min(CHUNK, b.length), w);
    if (at <= 0) break;
    p += at;
  }
}

export function probeAc3(src: FileSource): ProbeResult | undefined {
  if (!isAc3(src.head, src.size)) return undefined;
  const first = frameAt(src.head, 0);
  if (!first) return undefined;
  const base = { codec: first.eac3 ? 'E-AC-3' : 'AC-3', sampleRate: first.rate };
  const w: Walk = { samples: new Map(), frames: 0, skipped: 0, work: src.work };
  const walked = Math.min(src.size, AC3_WALK_MAX);
  if (src.head.length === src.size) walk(src.head, 0, src.size, w);
  else walkChunks(src, 0, walked, w);
  let seconds = 0;
  for (const [rate, n] of w.samples) seconds += n / rate;
  if (!seconds) return { kind: 'unreadable', ...base, error: 'no complete AC-3 frame passing its CRC' };
  const junk = w.skipped ? `${w.skipped} bytes hold no frame passing its CRC: not counted` : undefined;
  if (walked === src.size) return { kind: 'audio', seconds, ...base, error: junk };
  return {
    kind: 'audio',
    seconds: (seconds * src.size) / walked,
    ...base,
    error: `estimated from the ${w.frames} frames in the first ${walked >> 20} MiB` + (junk ? ` (${junk})` : ''),
  };
}
