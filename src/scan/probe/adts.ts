/*
 * ADTS AAC (.aac files from phone and browser recorders) by hand: the stream is bare frames of 1024
 * samples with no length anywhere, and music-metadata's length scan reads every frame (switched off
 * here, so such files were unreadable). A file up to WALK_MAX (8 MiB: over an hour of speech) is read
 * and walked frame by frame (exact), one up to ADTS_WALK_MAX walked so a chunk at a time (exact); a
 * larger one is walked at its head and tail and sized from the mean frame length (stated in the note).
 *
 * A frame counts only when its payload can hold audio: a raw data block of one channel is at least
 * 4 bytes (element id, tag, global gain, ics_info, the tool flags and END: 32 bits, ISO/IEC 14496-3
 * 4.4.2; ffmpeg's encoder writes exactly that for silence). A frame of headers alone (7 bytes
 * claiming 1,024 samples, 437 bit/s at 8 kHz: over the AAC floor) decodes to nothing: a file of them
 * counted 256 s for 14 KB, ffmpeg decodes 0. A frame of AAC Main, LC, SSR or LTP counts the raw
 * blocks a decoder takes from it, each read as a decoder reads it (aac.ts): junk behind valid
 * headers counted before.
 */
import { AAC_RATES, aacFrameEnd, type AacConfig } from './aac.js';
import { WALK_MAX, tailTagBytes } from './bytes.js';
import type { FileSource, ProbeResult } from './types.js';

const WINDOW = 64 * 1024;
/**
 * A file up to this size is walked whole, CHUNK bytes at a time: sized from a head and a tail of
 * WINDOW bytes, 64 KiB of real frames at each end of 9 MB of zeros counted the zeros as frames of
 * the mean length (attack round 9b). A frame is 7 to 8,191 bytes.
 */
// (1 GiB: over 64 MiB a file was sized by its head and tail frames, 903,085 s for 13,281, round 19)
const ADTS_WALK_MAX = 1024 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const MAX_FRAME = 8191;
/** the least payload of a raw data block that holds a channel (see above) */
const MIN_BLOCK = 4;

/** Bytes of the ADTS frame at p (sharing the first frame's fixed header), or 0. */
function frameLen(b: Buffer, p: number, fixed: number): number {
  if (p + 7 > b.length || b[p] !== 0xff || (b[p + 1]! & 0xf6) !== 0xf0) return 0;
  if (fixed >= 0 && ((b[p + 1]! << 16) | (b[p + 2]! << 8) | (b[p + 3]! & 0xc0)) !== fixed) return 0;
  const len = ((b[p + 3]! & 3) << 11) | (b[p + 4]! << 3) | (b[p + 5]! >> 5);
  return len >= 7 ? len : 0;
}

const fixedOf = (b: Buffer, p: number): number => (b[p + 1]! << 16) | (b[p + 2]! << 8) | (b[p + 3]! & 0xc0);

interface Walk {
  frames: number;
  blocks: number;
  bytes: number;
  /** frames too small to hold a channel's raw data block: no audio in them */
  empty: number;
  /** frames whose raw data block a decoder refuses (junk behind a valid header) */
  refused: number;
}

const emptyWalk = (): Walk => ({ frames: 0, blocks: 0, bytes: 0, empty: 0, refused: 0 });

/**
 * What a frame's syntax depends on, from the fixed header: AAC Main, LC, SSR or LTP (profile 0 to 3;
 * SSR and LTP unchecked counted 6-byte junk frames, round 18).
 */
function configOf(fixed: number): AacConfig | undefined {
  const profile = (fixed >> 14) & 3;
  const sfIndex = (fixed >> 10) & 15;
  if (sfIndex > 12) return undefined;
  const channels = (fixed >> 6) & 7;
  return { sfIndex, channels, rate: AAC_RATES[sfIndex]!, frame: 1024, main: profile === 0, ltp: profile > 1 };
}

/**
 * The raw data blocks a decoder takes from an ADTS frame's payload [p, end): one, and as long as
 * bytes other than zeros are left after its END, the next from there (ffmpeg decodes what a frame's
 * first block leaves as further blocks, whatever the header's count: a header claiming 4 blocks over
 * 16 bytes of junk counted 4 frames, round 18), up to the first it refuses.
 */
function rawBlocks(b: Buffer, p: number, end: number, cfg: AacConfig): number {
  let n = 0;
  for (let q = p; q < end && n < 64; n++) {
    const e = aacFrameEnd(b, q, end, cfg);
    if (e < 0) break;
    // (zeros alone left: the decoder takes them as the frame's; else the next block starts at e,
    // a zero byte and all: an SCE of tag 0 begins with one)
    let z = e;
    while (z < end && b[z] === 0) z++;
    q = z < end ? e : end;
  }
  return n;
}

/** The first frame's note: frames not counted, and why. */
function note(w: Walk): string | undefined {
  const parts = [
    w.empty ? `${w.empty} frames of headers alone (no audio in them)` : '',
    w.refused ? `${w.refused} frames a decoder refuses` : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')}: not counted` : undefined;
}

/**
 * Complete frames from p that start before `limit`, resynchronising on the fixed header; a frame cut
 * by the buffer's end is not counted. `at`: where the walk stopped (the next frame, or past the last).
 */
function walk(b: Buffer, p: number, fixed: number, limit = b.length, into?: Walk): Walk & { at: number } {
  const w: Walk = into ?? emptyWalk();
  const cfg = configOf(fixed);
  while (p + 7 <= b.length && p < limit) {
    const len = frameLen(b, p, fixed);
    if (!len) {
      const q = sync(b, p + 1, fixed);
      if (q < 0) {
        p = Math.max(p, limit);
        break;
      }
      p = q;
      continue;
    }
    if (p + len > b.length) break;
    w.frames++;
    w.bytes += len;
    const blocks = (b[p + 6]! & 3) + 1;
    // the header (7 bytes), its CRC when protection is on, and one CRC per further block
    const overhead = 7 + (b[p + 1]! & 1 ? 0 : 2 * blocks);
    if (len - overhead < MIN_BLOCK * blocks) w.empty++;
    else if (cfg) {
      // (a decoder skips 16 bits of CRC, not a multi-block frame's positions: it reads the rest as raw blocks)
      const n = rawBlocks(b, p + (b[p + 1]! & 1 ? 7 : 9), p + len, cfg);
      if (n) w.blocks += n;
      else w.refused++;
    } else w.blocks += blocks;
    p += len;
  }
  return Object.assign(w, { at: p });
}

/** The first frame at or after p that the next frame confirms (or that ends the buffer). */
function sync(b: Buffer, from: number, fixed: number): number {
  for (let p = b.indexOf(0xff, from); p >= 0 && p + 7 <= b.length; p = b.indexOf(0xff, p + 1)) {
    const len = frameLen(b, p, fixed);
    if (!len) continue;
    const f = fixed >= 0 ? fixed : fixedOf(b, p);
    if (p + len + 7 > b.length || frameLen(b, p + len, f)) return p;
  }
  return -1;
}

/** Frames walked from p to end, CHUNK bytes at a time (a chunk read with room for a frame that starts in it). */
function walkChunks(src: FileSource, p: number, end: number, fixed: number): Walk {
  const w = emptyWalk();
  while (p + 7 <= end) {
    src.work.tick(1 + (CHUNK >> 12));
    const b = src.read(p, Math.min(CHUNK + MAX_FRAME, end - p));
    const r = walk(b, 0, fixed, Math.min(CHUNK, b.length), w);
    if (r.at <= 0 || b.length < 7) break;
    p += r.at;
  }
  return w;
}

export function probeAdts(src: FileSource, start: number): ProbeResult | undefined {
  const whole = src.head.length === src.size;
  const small = src.size - start <= WALK_MAX;
  const walked = !small && src.size - start <= ADTS_WALK_MAX;
  const head = whole ? src.head.subarray(start) : src.read(start, small ? src.size - start : WINDOW);
  const p0 = sync(head, 0, -1);
  if (p0 < 0 || p0 > 4096) return undefined;
  const fixed = fixedOf(head, p0);
  const si = (head[p0 + 2]! >> 2) & 15;
  const sampleRate = AAC_RATES[si];
  if (!sampleRate) return undefined;
  const cc = ((head[p0 + 2]! & 1) << 2) | (head[p0 + 3]! >> 6);
  const base = { codec: 'AAC', sampleRate, channels: cc === 7 ? 8 : cc || undefined };
  if (whole || small) {
    const body = head.subarray(0, head.length - tailTagBytes(head));
    const w = walk(body, p0, fixed);
    if (!w.blocks)
      return {
        kind: 'unreadable',
        ...base,
        error: w.empty || w.refused ? `no AAC frame with audio: ${note(w)}` : 'no complete AAC frame',
      };
    return { kind: 'audio', seconds: (w.blocks * 1024) / sampleRate, ...base, error: note(w) };
  }
  if (walked) {
    const last = src.read(src.size - WINDOW, WINDOW);
    const w = walkChunks(src, start + p0, src.size - tailTagBytes(last), fixed);
    if (!w.blocks) return { kind: 'unreadable', ...base, error: 'no complete AAC frame with audio' };
    return { kind: 'audio', seconds: (w.blocks * 1024) / sampleRate, ...base, error: note(w) };
  }
  const tailPos = src.size - WINDOW;
  const rawTail = src.read(tailPos, WINDOW);
  const tail = rawTail.subarray(0, rawTail.length - tailTagBytes(rawTail));
  const a = walk(head, p0, fixed);
  const t0 = sync(tail, 0, fixed);
  const b = t0 >= 0 ? walk(tail, t0, fixed) : emptyWalk();
  const frames = a.frames + b.frames;
  if (!frames) return { kind: 'unreadable', ...base, error: 'no complete AAC frame' };
  if (!a.blocks && !b.blocks)
    return {
      kind: 'unreadable',
      ...base,
      error: `no AAC frame with audio at the head or tail: frames of headers alone`,
    };
  const audioBytes = tailPos + tail.length - (start + p0);
  const blocksPerFrame = (a.blocks + b.blocks) / frames;
  const n = Math.floor(audioBytes / ((a.bytes + b.bytes) / frames));
  return {
    kind: 'audio',
    seconds: (Math.floor(n * blocksPerFrame) * 1024) / sampleRate,
    ...base,
    error: 'ADTS: estimated from the mean frame length at the head and tail',
  };
}

/**
 * The ADTS frame at p (all of it before stop) as a parser splits it off, with the seconds of the raw
 * data blocks a decoder takes from it (none for a frame of headers alone or one it refuses), or
 * undefined where no frame starts: for AAC chunks in AVI, which ffmpeg's ADTS parser splits when the
 * stream has no AudioSpecificConfig, and its decoder reads by their header when they carry one.
 */
export function adtsFrame(b: Buffer, p: number, stop: number): { size: number; seconds: number } | undefined {
  const len = frameLen(b, p, -1);
  const cfg = len ? configOf(fixedOf(b, p)) : undefined;
  if (!len || !cfg || p + len > stop) return undefined;
  const blocks = (b[p + 6]! & 3) + 1;
  const overhead = 7 + (b[p + 1]! & 1 ? 0 : 2 * blocks);
  if (len - overhead < MIN_BLOCK * blocks) return { size: len, seconds: 0 };
  const n = rawBlocks(b, p + (b[p + 1]! & 1 ? 7 : 9), p + len, cfg);
  return { size: len, seconds: (n * cfg.frame) / cfg.rate };
}
