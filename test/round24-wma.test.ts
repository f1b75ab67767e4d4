/**
 * Round 24's WMA Pro, Lossless and Voice findings, each stream written here byte by byte into a WAV
 * (format tag, extradata, packets), copied by ffmpeg into ASF and Matroska with honest timestamps (its
 * packets' bytes at the stream's byte rate), and judged by ffmpeg's decoded length:
 *  - packets of junk at an honest 48 kbit/s: counted by their objects' steps and bytes, 1 MB as 166.6 s
 *    in ASF, ffmpeg decoding 1.0;
 *  - WMA Pro packets ffmpeg decodes (frames of silence, each led by its length, crossing packets as an
 *    encoder's do: ffmpeg has no WMA Pro encoder) count what it decodes, and a run of junk packets
 *    among them counts nothing;
 *  - streams ffmpeg's decoders refuse at init (WMA Pro with 10 bytes of extradata, WMA Voice with a
 *    broken VBM tree) are unreadable in ASF and Matroska;
 *  - the rule on a WMA rate under any encoder's is one function (wmaUnderEncoders).
 */
import { describe, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { tempDir } from './helpers.js';
import { extendedWav } from './forge.js';
import { itWith } from './needs.js';
import { ffmpeg, decoded, probe, atMostDecoded } from './decoded.js';
import { wmaUnderEncoders } from '../src/scan/probe/acm.js';

const dir = tempDir('leaktally-r24wma-');

/** A WAV of format `tag` (mono) with this extradata after cbSize and these bytes as its data. */
function wmaWav(name: string, tag: number, rate: number, byteRate: number, align: number, extra: Buffer, data: Buffer) {
  const out = join(dir, name);
  writeFileSync(out, extendedWav(tag, rate, byteRate, align, extra, data));
  return out;
}

/**
 * The WAV copied into `ext` (asf, mka) by ffmpeg, each packet its WAV demuxer cuts (4,096 bytes'
 * worth of whole blocks) stamped at its bytes' time at `bytesPerSecond`.
 */
function remux(wav: string, ext: string, align: number, bytesPerSecond: number): string {
  const out = wav.replace(/\.wav$/, `.${ext}`);
  const packet = Math.floor(4096 / align) * align;
  ffmpeg('-i', wav, '-c', 'copy', '-bsf:a', `setts=ts=N*${packet}/${bytesPerSecond}*1000`, out);
  return out;
}

/** A seeded stream of bytes (xorshift), for junk that is the same on every run. */
function junk(n: number, seed: number): Buffer {
  let x = seed >>> 0 || 1;
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** WMA Pro / Lossless extradata: bits a sample, channel mask, decode flags (0x40: frames led by their length). */
function proExtra(bits: number, flags: number, size = 18): Buffer {
  const e = Buffer.alloc(size);
  e.writeUInt16LE(bits, 0);
  if (size >= 6) e.writeUInt32LE(4, 2);
  if (size >= 16) e.writeUInt16LE(flags, 14);
  return e;
}

/**
 * `packets` WMA Pro packets of 2,048 bytes (44.1 kHz mono, decode flags 0x40: 2,048-sample frames,
 * one subframe, 15-bit lengths), each a 4-bit sequence number, 2 bits, the bits the frame the packet
 * before began lacks, then frames of silence of `frameBits` bits each, the last one crossing into the
 * next packet. A frame as wmaprodec.c reads it: its length; no skip info; a subframe with an extended
 * header of frameBits - 39 fill bits, the reserved bit, no coefficients; a bit it skips, the trailer.
 */
function proPackets(packets: number, frameBits: number): Buffer {
  const k = 15;
  const fill = frameBits - 39;
  const frame: number[] = [];
  const put = (to: number[], n: number, v: number): void => {
    for (let i = n - 1; i >= 0; i--) to.push(Math.floor(v / 2 ** i) & 1);
  };
  put(frame, k, frameBits);
  put(frame, 1, 0); // no skip info
  put(frame, 1, 1); // an extended header: 2 bits of 0, a 4-bit size of 12, then 12 bits: fill - 1
  put(frame, 2, 0);
  put(frame, 4, 12);
  put(frame, 12, fill - 1);
  for (let i = 0; i < fill; i++) frame.push(0);
  put(frame, 1, 0); // the reserved bit
  put(frame, 1, 0); // no coefficients
  put(frame, 1, 0); // the bit decode_frame skips before the trailer
  put(frame, 1, 1); // trailer: another frame follows
  if (frame.length !== frameBits) throw new Error('frame size');
  const out: Buffer[] = [];
  let pending: number[] = [];
  for (let n = 0; n < packets; n++) {
    const bits: number[] = [];
    put(bits, 4, n & 15);
    put(bits, 2, 0);
    put(bits, k, pending.length);
    bits.push(...pending);
    for (;;) {
      const left = 2048 * 8 - bits.length;
      if (frame.length <= left) bits.push(...frame);
      else {
        bits.push(...frame.slice(0, left));
        pending = frame.slice(left);
        break;
      }
    }
    const b = Buffer.alloc(2048);
    for (let i = 0; i < bits.length; i++) if (bits[i]) b[i >> 3]! |= 0x80 >> (i & 7);
    out.push(b);
  }
  return Buffer.concat(out);
}

describe('round 24: WMA Pro, Lossless and Voice', () => {
  itWith(
    ['ffmpeg'],
    'WMA Pro and Lossless packets of junk at an honest byte rate count (near) nothing in ASF',
    async () => {
      for (const tag of [0x162, 0x163]) {
        const wav = wmaWav(
          `junk-${tag.toString(16)}.wav`,
          tag,
          44100,
          6000,
          2048,
          proExtra(16, 0xe0),
          junk(1 << 20, tag),
        );
        const asf = remux(wav, 'asf', 2048, 6000);
        // before: 174.8 s (the objects' steps, each its bytes at 6,000 B/s); ffmpeg decodes ~1 s of Pro
        const { r, dec } = await atMostDecoded(asf, 0.5);
        expect(dec, asf).toBeLessThan(2);
        expect(r.seconds ?? 0, JSON.stringify(r)).toBeLessThan(1);
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'WMA Pro packets ffmpeg decodes count what it decodes in ASF; a run of junk packets among them counts nothing',
    async () => {
      // frames of 1,000 bits, 2,048 samples at 44.1 kHz each: 2,691.65 B/s
      const rate = (1000 / 8) * (44100 / 2048);
      const real = proPackets(200, 1000);
      const asf = remux(
        wmaWav('pro.wav', 0x162, 44100, Math.round(rate), 2048, proExtra(16, 0x40), real),
        'asf',
        2048,
        rate,
      );
      const dec = decoded(asf);
      expect(dec).toBeGreaterThan(150); // ffmpeg decodes the frames: 3,276 of 2,048 samples, less its first
      const r = await probe(asf);
      expect(r.kind, JSON.stringify(r)).toBe('audio');
      expect(Math.abs(r.seconds! - dec), JSON.stringify(r)).toBeLessThanOrEqual(dec * 0.01);
      // packets 50 to 149 junk: ffmpeg decodes the rest (76 s); before, about 150 s counted (the play duration)
      const mixed = Buffer.from(real);
      junk(100 * 2048, 7).copy(mixed, 50 * 2048);
      const f = remux(
        wmaWav('pro-mixed.wav', 0x162, 44100, Math.round(rate), 2048, proExtra(16, 0x40), mixed),
        'asf',
        2048,
        rate,
      );
      const { r: m, dec: mdec } = await atMostDecoded(f, 0.5);
      expect(m.seconds!, JSON.stringify(m)).toBeGreaterThan(mdec * 0.95);
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'WMA Pro with extradata a decoder refuses, or without frame lengths, and WMA Voice with a broken VBM tree, are unreadable',
    async () => {
      const data = junk(200_000, 3);
      const cases = [
        // 10 bytes of extradata: ffmpeg's decoder refuses it (before: 33.3 s counted in ASF and Matroska)
        {
          wav: wmaWav('pro10.wav', 0x162, 44100, 6000, 2048, proExtra(16, 0xe0, 10), data),
          align: 2048,
          rate: 6000,
          none: true,
        },
        // frames without their length prefix: not sized (their ends only a full decode finds)
        {
          wav: wmaWav('pro-nolen.wav', 0x162, 44100, 6000, 2048, proExtra(16, 0xa0), data),
          align: 2048,
          rate: 6000,
          none: false,
        },
        // a VBM tree of 17 zero codes (a code at most 4 times): ffmpeg's decoder refuses it (before: 98 s
        // in ASF, 100 in Matroska, each object its step of 4 s held to 2)
        { wav: wmaWav('voice0.wav', 0x0a, 8000, 1000, 40, Buffer.alloc(46), data), align: 40, rate: 1000, none: true },
      ];
      for (const c of cases) {
        for (const ext of ['asf', 'mka']) {
          if (!c.none && ext === 'mka') continue; // Matroska's WMA Pro blocks are judged by the decoders' init only
          const f = remux(c.wav, ext, c.align, c.rate);
          const { r, dec } = await atMostDecoded(f, 0.5);
          if (c.none) expect(dec, f).toBe(0);
          expect(r.kind, `${f}: ${JSON.stringify(r)}`).toBe('unreadable');
          expect(r.error).toMatch(/WMA (Pro|Voice)/);
        }
      }
    },
    120_000,
  );

  it('a WMA rate under any encoder’s is judged by one rule', () => {
    // WMA 1/2: 0.45 bit a sample; WMA Voice: 3,600 bit/s or that, the lower
    expect(wmaUnderEncoders(0x161, 8000, 3599, 'WMA')).toMatch(
      /^WMA of 3599 bit\/s, under any WMA encoder's at 8000 Hz \(3600 bit\/s\)/,
    );
    expect(wmaUnderEncoders(0x161, 8000, 3600, 'WMA')).toBeUndefined();
    expect(wmaUnderEncoders(0x0a, 22050, 3599, 'WMA byte rate')).toMatch(/3600 bit\/s/);
    expect(wmaUnderEncoders(0x162, 44100, 19845, 'WMA')).toBeUndefined();
  });
});
