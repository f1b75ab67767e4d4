/**
 * DTS core frames are counted only when a decoder takes their bodies (attack round 24c N5): frames
 * with valid headers over junk counted at DTS's lowest rate, 2,490 s of 9.96 MB of raw DTS (and as
 * much in MKA and MP4) where ffmpeg decodes nothing ("DSYNC check failed"). dts.ts now walks a frame's
 * side information and audio codes to the DSYNC word at the end of each subframe, as dca_core.c does.
 *
 * The judge is ffmpeg: its encoder's files (every channel layout and rate it writes), its files with
 * junk bodies, frames forged with this file's own writer using every code book and option the
 * decoder reads (Huffman scale factors, transition modes, joint intensity, prediction, LFE, CRC and
 * dynamic range words, a DSYNC each subsubframe), and the same with bits flipped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { junk } from './forge.js';
import { tempDir } from './helpers.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg } from './decoded.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { DTS_BITALLOC_BOOKS, DTS_QUANT_BOOKS, DTS_SCALE_BOOKS, DTS_TMODE_BOOKS } from '../src/scan/probe/dts-tables.js';

const dir = tempDir('leaktally-dts-');
const at = (name: string): string => join(dir, name);
const DCA = ['ffmpeg', ffmpegEncoder('dca')] as const;

/** ffmpeg's DTS encoder's file of a tone: `seconds` at `rate` Hz of `channels`, its options after. */
function encoded(name: string, rate: number, channels: number, seconds: number, ...opts: string[]): string {
  const out = at(name);
  const tone = `sine=f=440:r=${rate}:d=${seconds}`;
  ffmpeg('-f', 'lavfi', '-i', tone, '-ac', String(channels), ...opts, '-c:a', 'dca', '-strict', '-2', out);
  return out;
}

/** The core frames of a raw DTS stream: where each starts and its size. */
function frames(b: Buffer): { p: number; size: number }[] {
  const out: { p: number; size: number }[] = [];
  for (let p = 0; p + 16 <= b.length && b.readUInt32BE(p) === 0x7ffe8001;) {
    const size = (((b[p + 5]! & 3) << 12) | (b[p + 6]! << 4) | (b[p + 7]! >> 4)) + 1;
    out.push({ p, size });
    p += size;
  }
  return out;
}

// ------------------------------------------------------------ a DTS core frame writer

/** Bits written most significant first. */
class BitWriter {
  private readonly bits: number[] = [];
  put(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2);
  }
  get length(): number {
    return this.bits.length;
  }
  /** the bits in `size` bytes, the bits after them from `fill` */
  bytes(size: number, fill: () => number): Buffer {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i++) {
      const f = fill();
      let v = 0;
      for (let k = 0; k < 8; k++) v = v * 2 + (this.bits[i * 8 + k] ?? (f >> (7 - k)) & 1);
      out[i] = v;
    }
    return out;
  }
}

/** A code book's codes by entry (canonical in the tables' order: each the one after the previous). */
function codes(lengths: string): { code: number; len: number }[] {
  let acc = 0;
  return Array.from({ length: lengths.length }, (_, i) => {
    const c = lengths[i]!;
    const len = parseInt(c, 36);
    const code = acc >> (16 - len);
    acc += 1 << (16 - len);
    return { code, len };
  });
}
const QUANT = DTS_QUANT_BOOKS.map((g) => g.map(codes));
const bySymbol = (b: { lengths: string; symbols: readonly number[] }): { code: number; len: number }[] => {
  const c = codes(b.lengths);
  const out: { code: number; len: number }[] = [];
  b.symbols.forEach((s, i) => (out[s] = c[i]!));
  return out;
};
const BITALLOC = DTS_BITALLOC_BOOKS.map(bySymbol);
const SCALES = DTS_SCALE_BOOKS.map(bySymbol);
const TMODE = DTS_TMODE_BOOKS.map(bySymbol);

const RATE_CODES: Record<number, number> = { 8000: 1, 16000: 2, 32000: 3, 11025: 6, 22050: 7, 44100: 8, 48000: 13 };
const MODE_CHANNELS = [1, 2, 2, 2, 2, 3, 3, 4, 4, 5];

interface Layout {
  rate: number;
  mode: number;
  lfe: number;
}

/**
 * A core frame ffmpeg's decoder takes, its every choice drawn from `rnd`: subframes and subsubframes,
 * subband counts, VQ starts, joint intensity, every code book select (Huffman and linear), prediction,
 * bit allocations, transition modes, scale factors (Huffman differences kept inside the table), block,
 * Huffman and linear audio codes, LFE samples, CRC and dynamic range words, DSYNC after each subframe
 * (or subsubframe); its rest after the last DSYNC is junk (ffmpeg reads no further).
 */
function coreFrame(rnd: () => number, { rate, mode, lfe }: Layout): Buffer | undefined {
  const r = (n: number): number => Math.floor(((rnd() * 256 + rnd()) / 65536) * n);
  const w = new BitWriter();
  const nch = MODE_CHANNELS[mode]!;
  const crc = r(2);
  const drc = r(2);
  const syncEach = r(2);
  const subframes = 1 + r(2);
  const ssfs = Array.from({ length: subframes }, () => 1 + r(3));
  const blocks = ssfs.reduce((a, b) => a + b, 0) * 8;
  const body = new BitWriter();
  // primary audio coding header
  body.put(subframes - 1, 4);
  body.put(nch - 1, 3);
  const subbands = Array.from({ length: nch }, () => 2 + r(31));
  const vqStart = subbands.map((n) => Math.min(32, Math.max(1, n - r(4))));
  const joint = subbands.map((_, ch) => (ch > 0 && r(3) === 0 ? 1 : 0));
  const tmodeSel = subbands.map(() => r(4));
  const scaleSel = subbands.map(() => r(7));
  const allocSel = subbands.map(() => r(7));
  for (const v of subbands) body.put(v - 2, 5);
  for (const v of vqStart) body.put(v - 1, 5);
  for (const v of joint) body.put(v, 3);
  for (const v of tmodeSel) body.put(v, 2);
  for (const v of scaleSel) body.put(v, 3);
  for (const v of allocSel) body.put(v, 3);
  const selBits = [1, 2, 2, 2, 2, 3, 3, 3, 3, 3];
  const groups = [1, 3, 3, 3, 3, 7, 7, 7, 7, 7];
  const quantSel = subbands.map(() => selBits.map((n) => r(2 ** n)));
  for (let n = 0; n < 10; n++) for (let ch = 0; ch < nch; ch++) body.put(quantSel[ch]![n]!, selBits[n]!);
  for (let n = 0; n < 10; n++) for (let ch = 0; ch < nch; ch++) if (quantSel[ch]![n]! < groups[n]!) body.put(r(4), 2);
  if (crc) body.put(r(65536), 16);
  const code = (c: { code: number; len: number }): void => body.put(c.code, c.len);
  for (let sf = 0; sf < subframes; sf++) {
    const n = ssfs[sf]!;
    body.put(n - 1, 2);
    body.put(0, 3);
    const predicted = subbands.map((s) => Array.from({ length: s }, () => r(2)));
    for (const p of predicted) for (const v of p) body.put(v, 1);
    for (const p of predicted) for (const v of p) if (v) body.put(r(4096), 12);
    const alloc = subbands.map((_, ch) =>
      Array.from({ length: vqStart[ch]! }, () => {
        const sel = allocSel[ch]!;
        // Huffman: 1 to 12; 4 bits: 0 to 15; 5 bits: 0 to 26
        const abits = sel < 5 ? 1 + r(12) : r(sel === 5 ? 16 : 27);
        if (sel < 5) code(BITALLOC[sel]![abits - 1]!);
        else body.put(abits, sel - 1);
        return abits;
      }),
    );
    const tmode = alloc.map((a, ch) =>
      a.map((abits) => {
        if (n < 2 || !abits) return 0;
        const t = r(4);
        code(TMODE[tmodeSel[ch]!]![t]!);
        return t;
      }),
    );
    for (let ch = 0; ch < nch; ch++) {
      const sel = scaleSel[ch]!;
      let index = 0;
      const scale = (): void => {
        if (sel >= 5) {
          body.put(r(sel === 5 ? 64 : 128), sel + 1);
          return;
        }
        const next = r(64);
        code(SCALES[sel]![next - index + 64]!);
        index = next;
      };
      for (let band = 0; band < vqStart[ch]!; band++) {
        if (!alloc[ch]![band]) continue;
        scale();
        if (tmode[ch]![band]) scale();
      }
      for (let band = vqStart[ch]!; band < subbands[ch]!; band++) scale();
    }
    const jointSel = joint.map((j) => (j ? r(7) : 0));
    for (let ch = 0; ch < nch; ch++) if (joint[ch]) body.put(jointSel[ch]!, 3);
    for (let ch = 0; ch < nch; ch++) {
      if (!joint[ch]) continue;
      const sel = jointSel[ch]!;
      for (let band = subbands[ch]!; band < subbands[joint[ch]! - 1]!; band++)
        if (sel < 5) code(SCALES[sel]![r(129)]!);
        else body.put(r(sel === 5 ? 64 : 65), sel + 1);
    }
    if (drc) body.put(r(256), 8);
    if (crc) body.put(r(65536), 16);
    // audio data
    for (let ch = 0; ch < nch; ch++) for (let band = vqStart[ch]!; band < subbands[ch]!; band++) body.put(r(1024), 10);
    if (lfe) {
      for (let i = 0; i < 2 * lfe * n; i++) body.put(r(256), 8);
      body.put(r(128), 8);
    }
    for (let ssf = 0; ssf < n; ssf++) {
      for (let ch = 0; ch < nch; ch++)
        for (let band = 0; band < vqStart[ch]!; band++) {
          const abits = alloc[ch]![band]!;
          if (!abits) continue;
          const sel = quantSel[ch]![abits - 1] ?? 99;
          if (abits <= 10 && sel < groups[abits - 1]!) {
            const book = QUANT[abits - 1]![sel]!;
            for (let i = 0; i < 8; i++) code(book[r(book.length)]!);
          } else if (abits <= 7) {
            const nbits = [7, 10, 12, 13, 15, 17, 19][abits - 1]!;
            const levels = [3, 5, 7, 9, 13, 17, 25][abits - 1]!;
            body.put(r(levels ** 4), nbits);
            body.put(r(levels ** 4), nbits);
          } else for (let i = 0; i < 8; i++) body.put(r(2 ** (abits - 3)), abits - 3);
        }
      if (ssf === n - 1 || syncEach) body.put(0xffff, 16);
    }
  }
  // the frame header, sized to hold the body (and DTS's lowest rate's bytes)
  const headBits = crc ? 120 : 104;
  const least = Math.ceil(((blocks * 32) / rate) * 4000);
  const size = Math.max(96, least, Math.ceil((headBits + body.length) / 8) + r(64));
  // (the frame size field has 14 bits: a draw that does not fit is drawn again)
  if (size > 16384) return undefined;
  w.put(0x7ffe8001, 32);
  w.put(1, 1);
  w.put(31, 5);
  w.put(crc, 1);
  w.put(blocks - 1, 7);
  w.put(size - 1, 14);
  w.put(mode, 6);
  w.put(RATE_CODES[rate]!, 4);
  w.put(15, 5); // transmission rate (768 kbit/s: not the lossless one)
  w.put(0, 1); // reserved
  w.put(drc, 1);
  w.put(0, 3); // time stamp, auxiliary data, HDCD
  w.put(0, 4); // extension type and flag
  w.put(syncEach, 1);
  w.put(lfe, 2);
  w.put(1, 1); // predictor history
  if (crc) w.put(r(65536), 16);
  w.put(0, 1); // filter
  w.put(7, 4); // encoder version
  w.put(0, 2);
  w.put(0, 3); // 16-bit source
  w.put(0, 6); // sum/difference, dialog normalisation
  const head = w.bytes(Math.ceil(w.length / 8), rnd);
  // the head is 14 bytes (16 with a CRC) and ends on a byte, so the body starts on one
  expect(w.length % 8).toBe(0);
  return Buffer.concat([head, body.bytes(size - head.length, rnd)]);
}

/** A raw DTS stream of `n` frames of one layout, drawn from the seed. */
function forgedStream(seed: number, n: number, layout: Layout): Buffer {
  const rnd = junk(seed);
  const out: Buffer[] = [];
  while (out.length < n) {
    const f = coreFrame(rnd, layout);
    if (f) out.push(f);
  }
  return Buffer.concat(out);
}

/** A copy of a raw stream with `flips` random bits flipped in every other frame past its first 16 bytes. */
function flipped(b: Buffer, seed: number, flips: number): Buffer {
  const out = Buffer.from(b);
  const rnd = junk(seed);
  const r = (n: number): number => Math.floor(((rnd() * 256 + rnd()) / 65536) * n);
  frames(b).forEach(({ p, size }, i) => {
    if (i % 2) return;
    for (let k = 0; k < flips; k++) out[p + 16 + r(size - 16)]! ^= 1 << r(8);
  });
  return out;
}

// ------------------------------------------------------------ the tests

describe('DTS core frames: counted only when a decoder takes their bodies (round 24c N5)', () => {
  itWith(
    [...DCA],
    "ffmpeg's DTS in every layout and rate it writes, raw and in MKA, MP4 and AVI, counts what it decodes",
    async () => {
      const made = [
        encoded('mono48.dts', 48000, 1, 8),
        encoded('stereo44.dts', 44100, 2, 8),
        encoded('stereo48-384k.dts', 48000, 2, 8, '-b:a', '384k'),
        encoded('mono44-192k.dts', 44100, 1, 8, '-b:a', '192k'),
        encoded('ch51.dts', 48000, 6, 8),
        encoded('ch51-44.dts', 44100, 6, 8),
      ];
      for (const f of made) {
        await asDecoded(f, 0.02);
        // (AVI of more than 2 channels is WAVE_FORMAT_EXTENSIBLE, which leaktally does not size: unreadable)
        for (const ext of f.includes('ch51') ? ['mka', 'mp4'] : ['mka', 'mp4', 'avi']) {
          const out = f.replace(/\.dts$/, `.${ext}`);
          ffmpeg('-i', f, '-c', 'copy', '-strict', '-2', out);
          await asDecoded(out, 0.02);
        }
      }
    },
    120_000,
  );

  itWith(
    [...DCA],
    "ffmpeg's DTS with each frame's body junk or zeros counts nothing (it counted 60 s of 60, ffmpeg decodes none)",
    async () => {
      const real = encoded('real.dts', 48000, 2, 6);
      const b = readFileSync(real);
      const rnd = junk(24);
      for (const k of [16, 24, 32, 64, 128])
        for (const kind of ['zeros', 'junk']) {
          const m = Buffer.from(b);
          for (const { p, size } of frames(b))
            for (let i = p + k; i < p + size; i++) m[i] = kind === 'zeros' ? 0 : rnd();
          const f = at(`body-${kind}-${k}.dts`);
          writeFileSync(f, m);
          const { r, dec } = await atMostDecoded(f, 0);
          expect(dec).toBe(0);
          expect(r.kind, JSON.stringify(r)).toBe('unreadable');
          for (const ext of ['mka', 'mp4']) {
            const out = f.replace(/\.dts$/, `.${ext}`);
            ffmpeg('-i', f, '-c', 'copy', '-strict', '-2', out);
            await atMostDecoded(out, 0);
          }
        }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'forged frames at the lowest rate over zeros or junk (2,490 s of 9.96 MB) count nothing, raw and remuxed',
    async () => {
      // 8 kHz mono, 128 blocks (0.512 s) in 2,048 bytes: a frame header and a coding header ffmpeg
      // takes, then zeros or junk
      const rnd = junk(5);
      const frame = (body: 'zeros' | 'junk'): Buffer => {
        const w = new BitWriter();
        w.put(0x7ffe8001, 32);
        w.put(1, 1);
        w.put(31, 5);
        w.put(0, 1);
        w.put(127, 7);
        w.put(2047, 14);
        w.put(0, 6);
        w.put(1, 4);
        w.put(0, 5 + 1 + 9 + 2 + 1 + 1 + 4 + 2 + 3 + 6);
        w.put(0, 4 + 3); // one subframe, one channel
        w.put(20, 5);
        w.put(0, 5 + 3 + 2 + 3 + 3);
        return w.bytes(2048, body === 'zeros' ? () => 0 : rnd);
      };
      for (const body of ['zeros', 'junk'] as const) {
        const f = at(`forged-${body}.dts`);
        writeFileSync(f, Buffer.concat(Array.from({ length: 512 }, () => frame(body))));
        const { r, dec } = await atMostDecoded(f, 0);
        expect(dec).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
        for (const ext of ['mka', 'mp4']) {
          const out = f.replace(/\.dts$/, `.${ext}`);
          ffmpeg('-i', f, '-c', 'copy', '-strict', '-2', out);
          expect((await atMostDecoded(out, 0)).r.seconds ?? 0).toBe(0);
        }
      }
    },
    60_000,
  );

  const layouts: [string, Layout][] = [
    ['mono 48 kHz', { rate: 48000, mode: 0, lfe: 0 }],
    ['stereo 44.1 kHz with LFE', { rate: 44100, mode: 2, lfe: 2 }],
    ['5.0 48 kHz with LFE', { rate: 48000, mode: 9, lfe: 1 }],
    ['3.0 8 kHz', { rate: 8000, mode: 5, lfe: 0 }],
  ];
  itWith(
    ['ffmpeg'],
    'frames using every code book and option the decoder reads count what ffmpeg decodes; with bits flipped, no more',
    async () => {
      let seed = 1;
      for (const [name, layout] of layouts) {
        const b = forgedStream(seed++, 300, layout);
        const f = at(`books-${layout.mode}-${layout.rate}.dts`);
        writeFileSync(f, b);
        const dec = decoded(f);
        // every frame decodes (the writer is right, read as ffmpeg reads it) and every one counts
        expect(dec, name).toBeGreaterThan(0);
        await asDecoded(f, 0.02);
        for (const flips of [1, 3]) {
          const g = at(`books-${layout.mode}-${layout.rate}-flip${flips}.dts`);
          writeFileSync(g, flipped(b, seed++, flips));
          const { r, dec: d } = await atMostDecoded(g, 0.02);
          // the flipped frames ffmpeg refuses are refused here too (it counted them all before)
          expect(d, name).toBeLessThan(dec * 0.95);
          expect(r.seconds ?? 0, `${name}: ${JSON.stringify(r)}`).toBeGreaterThan(d - 0.02);
        }
      }
    },
    120_000,
  );

  itWith(
    [...DCA],
    'raw DTS whose frames turn to junk after the first 2,100 (past those walked whole): at most what ffmpeg decodes',
    async () => {
      // past its first 2,048 frames a stream's frames are walked one in 32 at random; the ones counted
      // unwalked before a walked one is refused are taken back (they counted 22.43-22.46 s of 22.40)
      const b = readFileSync(encoded('late.dts', 48000, 2, 40));
      frames(b).forEach(({ p, size }, i) => {
        if (i >= 2100) b.fill(0, p + 24, p + size);
      });
      const f = at('late-junk.dts');
      writeFileSync(f, b);
      const { r, dec } = await atMostDecoded(f, 0);
      expect(dec).toBeCloseTo((2100 * 512) / 48000, 1);
      expect(r.seconds!).toBeGreaterThan(dec - 5);
    },
    60_000,
  );

  itWith(
    [...DCA],
    'a file past the 64 MiB walked: good frames first and junk bodies after count what ffmpeg decodes (estimated from windows)',
    async () => {
      const unit = readFileSync(encoded('unit.dts', 48000, 6, 20));
      const parts: Buffer[] = [];
      let bytes = 0;
      while (bytes < 64 * 1024 * 1024) {
        parts.push(unit);
        bytes += unit.length;
      }
      const tail = Buffer.from(unit);
      for (const { p, size } of frames(unit)) tail.fill(0, p + 24, p + size);
      parts.push(tail, tail);
      const f = at('big.dts');
      writeFileSync(f, Buffer.concat(parts));
      const { r, dec } = await atMostDecoded(f, 0.5);
      expect(r.seconds!).toBeGreaterThan(dec * 0.99);
      expect(r.error).toMatch(/estimated/);
    },
    180_000,
  );
});
