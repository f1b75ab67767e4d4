/*
 * Shorten (.shn), by hand: a lossless format of the 1990s still met in old archives, which
 * music-metadata does not read. A Shorten stream keeps the original file's WAV (or AIFF) header
 * verbatim at its start; that header's data size, in sample frames, is the recording's length. The
 * stream's own blocks hold no count short of decoding every residual, so the length is the header's
 * claim, which the plausibility check (guard.ts) judges like any other.
 *
 * Layout (Tony Robinson's shorten 3.x, as ffmpeg's shorten.c reads it): "ajkg", a version byte, then
 * a bit stream of Rice-coded numbers: file type, channels, and from version 1 on the block size,
 * LPC order, mean blocks and bytes to skip; then a VERBATIM command carrying the original header.
 */
import type { FileSource, ProbeResult } from './types.js';

const FN_VERBATIM = 9;
/** the widths of the Rice codes in the header (shorten.h) */
const TYPESIZE = 4;
const CHANSIZE = 0;
const LPCQSIZE = 2;
const NSKIPSIZE = 1;
const ULONGSIZE = 2;
const FNSIZE = 2;
const VERBATIM_CKSIZE_SIZE = 5;
const VERBATIM_BYTE_SIZE = 8;
/** log2 of the default block size (256) */
const BLOCKSIZE_BITS = 8;
/** the most header bytes read: a verbatim header is the original file's header (44 bytes for a plain WAV) */
const HEAD_READ = 4096;
const MAX_VERBATIM = 2048;

class Bits {
  private pos = 0;
  constructor(private readonly b: Buffer) {}
  bit(): number {
    const byte = this.pos >> 3;
    if (byte >= this.b.length) throw new Error('Shorten header cut off');
    return (this.b[byte]! >> (7 - (this.pos++ & 7))) & 1;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** Rice code: zeros ended by a one (the high part), then k low bits */
  rice(k: number): number {
    let q = 0;
    while (!this.bit()) if (++q > 64) throw new Error('Shorten header: a number too long');
    return q * 2 ** k + this.bits(k);
  }
}

export function probeShorten(src: FileSource): ProbeResult {
  const codec = 'SHORTEN';
  const head = src.head.length >= Math.min(src.size, HEAD_READ) ? src.head : src.read(0, Math.min(src.size, HEAD_READ));
  const r = new Bits(head.subarray(4));
  const version = r.bits(8);
  // from version 1 on, every unsigned number is preceded by the width of its Rice code
  const uint = (k: number): number => r.rice(version > 0 ? r.rice(ULONGSIZE) : k);
  uint(TYPESIZE);
  const channels = uint(CHANSIZE);
  if (version > 0) {
    uint(BLOCKSIZE_BITS);
    uint(LPCQSIZE);
    uint(0); // mean blocks
    const skip = uint(NSKIPSIZE);
    if (skip > head.length) return { kind: 'unreadable', codec, error: 'Shorten header cut off' };
    r.bits(8 * skip);
  }
  if (r.rice(FNSIZE) !== FN_VERBATIM)
    return { kind: 'unreadable', codec, error: 'Shorten stream without the original header' };
  const n = r.rice(VERBATIM_CKSIZE_SIZE);
  if (n > MAX_VERBATIM) return { kind: 'unreadable', codec, error: 'Shorten header of an impossible size' };
  const orig = Buffer.alloc(n);
  for (let i = 0; i < n; i++) orig[i] = r.rice(VERBATIM_BYTE_SIZE) & 0xff;
  const wav = originalWav(orig);
  if (!wav) return { kind: 'unreadable', codec, error: 'Shorten stream of a file that is not a PCM WAV' };
  const base = { codec, sampleRate: wav.rate, channels: wav.channels || channels };
  if (!wav.rate || !wav.frameBytes)
    return { kind: 'unreadable', ...base, error: 'Shorten: no sample rate in the header' };
  if (wav.dataBytes === undefined || wav.dataBytes === 0 || wav.dataBytes === 0xffffffff)
    return { kind: 'unreadable', ...base, error: 'Shorten: the original header gives no data size' };
  const frames = Math.floor(wav.dataBytes / wav.frameBytes);
  return { kind: 'audio', seconds: frames / wav.rate, ...base };
}

/** The original WAV header's rate, channels, bytes per sample frame and data size. */
function originalWav(
  h: Buffer,
): { rate: number; channels: number; frameBytes: number; dataBytes?: number } | undefined {
  if (h.length < 12 || h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'WAVE')
    return undefined;
  let out: { rate: number; channels: number; frameBytes: number; dataBytes?: number } | undefined;
  for (let p = 12; p + 8 <= h.length;) {
    const id = h.toString('latin1', p, p + 4);
    const size = h.readUInt32LE(p + 4);
    if (id === 'fmt ' && p + 24 <= h.length) {
      const channels = h.readUInt16LE(p + 10);
      const bits = h.readUInt16LE(p + 22);
      out = { rate: h.readUInt32LE(p + 12), channels, frameBytes: channels * Math.ceil(bits / 8) };
    } else if (id === 'data') {
      if (out) out.dataBytes = size;
      break;
    }
    p += 8 + size + (size & 1);
  }
  return out;
}
