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
 *
 * That header's data size is a claim no checksum covers: a stream of one second and a QUIT command,
 * padded to 10 KB, claimed 800 s under the guard's floor (attack round 9, high). So the commands are
 * walked as ffmpeg's decoder reads them (a block of blocksize samples a channel for every audio
 * command; the residuals' Rice codes skipped, not decoded), up to the QUIT command, an invalid
 * command or the end of the file, and the length is the lesser of the blocks walked and the claim.
 * A file over WALK_MAX is walked through its first WALK_MAX bytes, the rest sized in proportion
 * (an estimate, marked): 8 MiB is over 45 minutes of CD audio.
 */
import { WALK_MAX } from './bytes.js';
import type { FileSource, ProbeResult } from './types.js';
import { WorkExceeded } from './work.js';

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
const MAX_VERBATIM = 2048;
/** the commands (shorten.h): audio commands 0-3, 7 and 8 each carry one block of one channel */
const FN_DIFF3 = 3;
const FN_QUIT = 4;
const FN_BLOCKSIZE = 5;
const FN_BITSHIFT = 6;
const FN_QLPC = 7;
const FN_ZERO = 8;
const ENERGYSIZE = 3;
const BITSHIFTSIZE = 2;
const LPCQUANT = 5;
/** ffmpeg's largest block size (MAX_BLOCKSIZE) and the samples kept for prediction (NWRAP) */
const MAX_BLOCKSIZE = 65535;
const NWRAP = 3;

class Bits {
  pos = 0;
  constructor(private readonly b: Buffer) {}
  /** bits not yet read */
  left(): number {
    return this.b.length * 8 - this.pos;
  }
  bit(): number {
    const byte = this.pos >> 3;
    if (byte >= this.b.length) throw new Error('Shorten header cut off');
    return (this.b[byte]! >> (7 - (this.pos++ & 7))) & 1;
  }
  /**
   * A Rice code's length only: its zeros (any number: a residual's high part is not bounded, and
   * ffmpeg reads it so), its one, k bits not read. A byte at a time through the zeros.
   */
  skipRice(k: number): void {
    const end = this.b.length * 8;
    let pos = this.pos;
    for (;;) {
      if (pos >= end) throw new Error('Shorten: cut off in a block');
      const rest = this.b[pos >> 3]! & (0xff >> (pos & 7));
      if (rest) {
        pos = (pos & ~7) + Math.clz32(rest) - 24 + 1;
        break;
      }
      pos = (pos | 7) + 1;
    }
    pos += k;
    if (pos > end) throw new Error('Shorten: cut off in a block');
    this.pos = pos;
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
  const walked = Math.min(src.size, WALK_MAX);
  const head = src.head.length >= walked ? src.head.subarray(0, walked) : src.read(0, walked);
  const r = new Bits(head.subarray(4));
  const version = r.bits(8);
  // from version 1 on, every unsigned number is preceded by the width of its Rice code
  const uint = (k: number): number => r.rice(version > 0 ? r.rice(ULONGSIZE) : k);
  uint(TYPESIZE);
  const channels = uint(CHANSIZE);
  let blocksize = 256;
  let maxLpc = 0;
  if (version > 0) {
    blocksize = uint(BLOCKSIZE_BITS);
    maxLpc = uint(LPCQSIZE);
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
  if (!channels || !blocksize || blocksize > MAX_BLOCKSIZE)
    return { kind: 'unreadable', ...base, error: 'Shorten header without channels or a valid block size' };
  const walk = walkBlocks(r, src, { version, channels, blocksize, nwrap: Math.max(NWRAP, maxLpc) });
  // a walk cut at WALK_MAX (the stream goes on): the rest in proportion to the bytes walked
  const partial = walk.cut && walked < src.size;
  const held = partial ? Math.floor((walk.samples * src.size) / walked) : walk.samples;
  if (!(held > 0)) return { kind: 'unreadable', ...base, error: 'Shorten stream without a complete block' };
  const notes = [
    partial ? `estimated: the blocks of the first ${walked} bytes walked` : undefined,
    held < frames ? `header claims ${frames} samples; counted the ${held} its blocks hold` : undefined,
  ].filter(Boolean);
  return {
    kind: 'audio',
    seconds: Math.min(frames, held) / wav.rate,
    ...base,
    error: notes.length ? notes.join('; ') : undefined,
  };
}

/**
 * The samples (per channel) the stream's blocks hold, read as ffmpeg's shorten decoder reads them: a
 * block counts when every channel's command for it is complete. cut: the walk ran into the end of the
 * bytes it had (not a QUIT command or an invalid one).
 */
function walkBlocks(
  r: Bits,
  src: FileSource,
  s: { version: number; channels: number; blocksize: number; nwrap: number },
): { samples: number; cut: boolean } {
  const uint = (k: number): number => r.rice(s.version > 0 ? r.rice(ULONGSIZE) : k);
  let samples = 0;
  let chan = 0;
  let blocksize = s.blocksize;
  try {
    for (;;) {
      if (r.left() < 3 + FNSIZE) return { samples, cut: true };
      src.work.tick();
      const cmd = r.rice(FNSIZE);
      if (cmd > FN_VERBATIM) return { samples, cut: false };
      if (cmd === FN_QUIT) return { samples, cut: false };
      if (cmd === FN_VERBATIM) {
        for (let n = r.rice(VERBATIM_CKSIZE_SIZE); n > 0; n--) r.rice(VERBATIM_BYTE_SIZE);
      } else if (cmd === FN_BITSHIFT) {
        if (r.rice(BITSHIFTSIZE) > 31) return { samples, cut: false };
      } else if (cmd === FN_BLOCKSIZE) {
        // ffmpeg: a block size may only shrink (and a channel's block in progress is dropped)
        const b = uint(Math.floor(Math.log2(blocksize)));
        if (!b || b > blocksize) return { samples, cut: false };
        blocksize = b;
        chan = 0;
      } else {
        if (cmd !== FN_ZERO) {
          const energy = r.rice(ENERGYSIZE) - (s.version === 0 ? 1 : 0);
          if (energy < 0 || energy > 30) return { samples, cut: false };
          if (cmd === FN_QLPC) {
            const order = r.rice(LPCQSIZE);
            if (order > s.nwrap) return { samples, cut: false };
            for (let i = 0; i < order; i++) r.skipRice(LPCQUANT + 1);
          } else if (cmd > FN_DIFF3) return { samples, cut: false };
          // a residual a sample, signed: its Rice code is one bit wider (ffmpeg's get_sr_golomb_shorten)
          src.work.tick(blocksize >> 4);
          for (let i = 0; i < blocksize; i++) r.skipRice(energy + 1);
        }
        if (++chan === s.channels) {
          samples += blocksize;
          chan = 0;
        }
      }
    }
  } catch (e) {
    if (e instanceof WorkExceeded) throw e;
    return { samples, cut: true }; // the bytes ended inside a command
  }
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
