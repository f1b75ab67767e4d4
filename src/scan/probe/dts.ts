/*
 * Raw DTS (.dts: core frames one after the other, big-endian, as ffmpeg's dca encoder and most
 * authoring tools write them), read by hand: music-metadata does not read it ("Failed to determine
 * audio format"), so a real 30 s file was unreadable, counted 0 (attack round 24a, H5).
 *
 * No header gives a length: the frames are walked, each checked as ffmpeg's decoder checks it
 * (matroska.ts dtsCoreFrame: the frame header and the primary audio coding header, and bytes enough
 * for DTS's lowest rate), and counted at its blocks × 32 samples. Bytes that hold no such frame (a
 * DTS-HD extension substream after its core, junk) are skipped to the next sync word and not
 * counted. A file up to DTS_WALK_MAX is walked whole, CHUNK bytes at a time (exact); a larger one is
 * sized from the frames of its first DTS_WALK_MAX in proportion (an estimate, marked), as raw AC-3
 * is (ac3.ts).
 */
import { dtsCoreFrame } from './matroska.js';
import type { FileSource, ProbeResult } from './types.js';

/** 64 MiB: 5.9 minutes at DTS's common 1,509 kbit/s, 17.5 at 512 kbit/s */
const DTS_WALK_MAX = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** the largest core frame: its 14-bit size field */
const MAX_FRAME = 16384;
const SYNC = Buffer.from([0x7f, 0xfe, 0x80, 0x01]);

interface Walk {
  seconds: number;
  frames: number;
  /** bytes between counted frames: junk, extension substreams, frames ffmpeg would refuse */
  skipped: number;
  rate?: number;
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
      const f = dtsCoreFrame(b, p, b.length);
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

export function probeDts(src: FileSource): ProbeResult | undefined {
  if (src.head.length < 16 || src.head.readUInt32BE(0) !== 0x7ffe8001) return undefined;
  const w: Walk = { seconds: 0, frames: 0, skipped: 0 };
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
  if (!w.seconds) return { kind: 'unreadable', ...base, error: 'no DTS core frame a decoder takes' };
  const junk = w.skipped ? `${w.skipped} bytes hold no DTS core frame: not counted` : undefined;
  if (walked === src.size) return { kind: 'audio', seconds: w.seconds, ...base, error: junk };
  return {
    kind: 'audio',
    seconds: (w.seconds * src.size) / walked,
    ...base,
    error: `estimated from the ${w.frames} frames in the first ${walked >> 20} MiB` + (junk ? ` (${junk})` : ''),
  };
}
