/*
 * AMR and AMR-WB storage files (.amr, .awb: what phones and call recorders write), by hand:
 * music-metadata does not read them. The file is a magic line and then frames of 20 ms, each sized
 * by the frame type in its first byte. SID and NO_DATA frames (discontinuous transmission: the
 * caller was silent) count 20 ms each, as the call went on; ffmpeg outputs nothing for NO_DATA, so on
 * a DTX recording leaktally is longer than ffmpeg's decode by exactly those silences. A file up to WALK_MAX is walked (exact); a larger one sized from the mean frame of its
 * head (estimate, marked).
 */
import type { FileSource, ProbeResult } from './types.js';

/** bytes of a frame, its type byte included, by frame type (3GPP TS 26.101 / 26.201; ffmpeg's amr demuxer) */
const NB = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1];
const WB = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1];
const WALK_MAX = 8 * 1024 * 1024;

export function probeAmr(src: FileSource): ProbeResult | undefined {
  const magic = src.head.toString('latin1', 0, 9);
  const wb = magic === '#!AMR-WB\n';
  if (!wb && !magic.startsWith('#!AMR\n')) return undefined;
  const start = wb ? 9 : 6;
  const sizes = wb ? WB : NB;
  const base = { codec: wb ? 'AMR-WB' : 'AMR', sampleRate: wb ? 16000 : 8000, channels: 1 };
  const small = src.size <= WALK_MAX;
  const buf = src.head.length === src.size ? src.head : src.read(0, small ? src.size : 256 * 1024);
  let p = start;
  let frames = 0;
  while (p < buf.length) {
    const size = sizes[(buf[p]! >> 3) & 15]!;
    if (p + size > buf.length) break; // cut off inside a frame
    frames++;
    p += size;
  }
  if (!frames) return { kind: 'unreadable', ...base, error: 'no complete AMR frame' };
  if (small) return { kind: 'audio', seconds: frames * 0.02, ...base };
  const n = Math.floor(((src.size - start) / (p - start)) * frames);
  return { kind: 'audio', seconds: n * 0.02, ...base, error: `estimated from the mean of the first ${frames} frames` };
}
