/*
 * Raw AC-3 and E-AC-3 streams (.ac3, .eac3): bare sync frames with no length anywhere, which
 * music-metadata does not read. Every frame states its size and sample count; a stream up to
 * WALK_MAX is walked (exact), a larger one sized from the mean frame at its head (estimate, marked).
 */
import { WALK_MAX } from './bytes.js';
import type { FileSource, ProbeResult } from './types.js';

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
  const strmtyp = b[p + 2]! >> 6;
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
  return { size, samples: blocks * 256, rate, independent: strmtyp !== 1, eac3: true };
}

/** Two AC-3 frames in a row at the head (or one that is the whole file): a 2-byte sync alone is chance. */
export function isAc3(h: Buffer, size: number): boolean {
  const f = frameAt(h, 0);
  if (!f) return false;
  if (f.size === size) return true;
  return f.size + 6 > h.length ? h.length < size && f.size < size : frameAt(h, f.size) !== undefined;
}

export function probeAc3(src: FileSource): ProbeResult | undefined {
  if (!isAc3(src.head, src.size)) return undefined;
  const small = src.size <= WALK_MAX;
  const buf = src.head.length === src.size ? src.head : src.read(0, small ? src.size : 256 * 1024);
  const first = frameAt(buf, 0);
  if (!first) return undefined;
  const base = { codec: first.eac3 ? 'E-AC-3' : 'AC-3', sampleRate: first.rate };
  let p = 0;
  let samples = 0;
  let frames = 0;
  while (p < buf.length) {
    const f = frameAt(buf, p);
    if (!f || p + f.size > buf.length) break;
    if (f.independent) samples += f.samples;
    frames++;
    p += f.size;
  }
  if (!samples) return { kind: 'unreadable', ...base, error: 'no complete AC-3 frame' };
  if (small) return { kind: 'audio', seconds: samples / first.rate, ...base };
  const n = (src.size / p) * samples;
  return {
    kind: 'audio',
    seconds: n / first.rate,
    ...base,
    error: `estimated from the mean of the first ${frames} frames`,
  };
}
