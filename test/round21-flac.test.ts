/**
 * Attack round 21's FLAC findings, each file built here from a real FLAC ffmpeg makes, judged by
 * ffmpeg's decoded length: C3, two chained frames numbered far out at the end of a native .flac (the
 * tail scan counted 79,873 s of 1 MB, ffmpeg decodes the frames' own 8,192 samples or nothing); C4,
 * FLAC packets in Ogg, Matroska and MP4 whose subframe type is reserved (counted by their frame headers,
 * ffmpeg decodes none: "invalid coding type").
 */
import { describe, expect } from 'vitest';
import { appendFileSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeResult } from '../src/scan/probe/types.js';
import { oggCrc } from '../src/scan/probe/ogg.js';
import { put, tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { ffmpeg, decoded, probe } from './decoded.js';

const dir = tempDir('leaktally-r21flac-');

/** 20 s of a tone, mono 8 kHz, 4,096-sample frames, in the container ext says */
function real(name: string, ...extra: string[]): string {
  const out = join(dir, name);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:r=8000:d=20',
    '-ac',
    '1',
    '-c:a',
    'flac',
    '-frame_size',
    '4096',
    ...extra,
    out,
  );
  return out;
}

const CRC8 = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  return c;
});
const crc8 = (b: Buffer): number => b.reduce((c, x) => CRC8[c ^ x]!, 0);
function crc16(b: Buffer): number {
  let c = 0;
  for (const x of b) {
    c ^= x << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

function utf8num(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const out: number[] = [];
  let extra = 1;
  while (n >= 2 ** (6 * extra + 6 - extra)) extra++;
  out.push(((0xff00 >> (extra + 1)) & 0xff) | Math.floor(n / 2 ** (6 * extra)));
  for (let k = extra - 1; k >= 0; k--) out.push(0x80 | (Math.floor(n / 2 ** (6 * k)) & 0x3f));
  return Buffer.from(out);
}

/** a mono 16-bit frame of 4,096 samples (fixed block), numbered num: a constant subframe, CRC-8 and CRC-16 right */
function constFrame(num: number): Buffer {
  const h = Buffer.concat([Buffer.from([0xff, 0xf8, 0xc0, 0x08]), utf8num(num)]);
  const body = Buffer.concat([h, Buffer.from([crc8(h), 0x00, 0x00, 0x00])]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16BE(crc16(body));
  return Buffer.concat([body, crc]);
}

/**
 * Every frame header of a mono stream (numbered 0, 1, 2… in order, its CRC-8 right) found in b: its
 * first subframe's type set to 2, reserved (padding bit and wasted bits left 0). Returns how many.
 */
function reserveSubframes(b: Buffer): number {
  let want = 0;
  for (let i = 0; i + 16 < b.length; i++) {
    if (b[i] !== 0xff || (b[i + 1]! & 0xfe) !== 0xf8) continue;
    const num = utf8num(want);
    if (!b.subarray(i + 4, i + 4 + num.length).equals(num)) continue;
    for (let len = 4 + num.length; len <= 4 + num.length + 4; len++)
      if (crc8(b.subarray(i, i + len)) === b[i + len]) {
        b[i + len + 1] = 0x04;
        want++;
        break;
      }
  }
  return want;
}

/** every Ogg page's CRC written afresh */
function fixOggCrcs(b: Buffer): void {
  for (let i = b.indexOf('OggS'); i >= 0 && i + 27 <= b.length; i = b.indexOf('OggS', i + 1)) {
    const nsegs = b[i + 26]!;
    let len = 27 + nsegs;
    for (let k = 0; k < nsegs; k++) len += b[i + 27 + k]!;
    b.writeUInt32LE(oggCrc(b, i, len), i + 22);
  }
}

function expectAtMost(p: ProbeResult, dec: number, tolerance: number): void {
  expect(p.seconds ?? 0).toBeLessThanOrEqual(dec + tolerance);
}

describe('attack round 21: FLAC', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('flac')],
    'C3: two chained frames numbered far out at the end count their own blocks, not their numbers',
    async () => {
      const src = real('c3.flac');
      const bytes = readFileSync(src);
      const honest = await probe(src);
      expect(honest.seconds).toBeCloseTo(decoded(src), 2);
      const tail = Buffer.concat([constFrame(156_000), constFrame(156_001)]);
      // STREAMINFO's total set to match the forged numbers (no note to give it away)
      const total = (156_002 * 4096) >>> 0;
      const withTotal = (b: Buffer): Buffer => {
        const c = Buffer.from(b);
        c[21] = (c[21]! & 0xf0) | Math.floor((156_002 * 4096) / 2 ** 32);
        c.writeUInt32BE(total, 22);
        return c;
      };
      // C3b: the real frames, zeros to 1 MB, the two frames
      const b3 = withTotal(Buffer.concat([bytes, Buffer.alloc(1_000_000 - bytes.length - tail.length), tail]));
      const f3b = put(dir, 'c3b.flac', b3);
      const p3b = await probe(f3b);
      expectAtMost(p3b, decoded(f3b), 0.5);
      expect(p3b.seconds).toBeGreaterThanOrEqual(honest.seconds! - 0.01);
      // C3a: the metadata, zeros, the two frames (ffmpeg decodes nothing; at most their 8,192 samples count)
      const audioStart = bytes.indexOf(Buffer.from([0xff, 0xf8]), 42);
      const head = bytes.subarray(0, audioStart);
      const b3a = withTotal(Buffer.concat([head, Buffer.alloc(1_000_000 - head.length - tail.length), tail]));
      const f3a = put(dir, 'c3a.flac', b3a);
      expectAtMost(await probe(f3a), decoded(f3a), 8192 / 8000 + 0.1);
      // round 22 H4: the same past 1 GiB, sparse (the real frames, a hole, the two frames): a file that
      // size was judged by its tail's last frames: 77,825 s counted of the repro (marked an estimate),
      // where ffmpeg decodes the real frames alone
      const big = put(dir, 'c3-big.flac', withTotal(bytes));
      truncateSync(big, 1_100_000_000 - tail.length);
      appendFileSync(big, tail);
      const pBig = await probe(big);
      expect(pBig.seconds).toBeGreaterThanOrEqual(honest.seconds! - 0.01);
      expectAtMost(pBig, honest.seconds!, 8192 / 8000 + 0.1);
    },
  );

  for (const [ext, extra] of [
    ['oga', []],
    ['mka', ['-write_crc32', '0']],
    ['mp4', ['-strict', '-2']],
  ] as const)
    itWith(
      ['ffmpeg', ffmpegEncoder('flac')],
      `C4: FLAC in .${ext} whose subframes are of a reserved type counts none`,
      async () => {
        const src = real(`c4.${ext}`, ...extra);
        const honest = await probe(src);
        expect(honest.seconds).toBeCloseTo(decoded(src), 1);
        const b = Buffer.from(readFileSync(src));
        expect(reserveSubframes(b)).toBeGreaterThan(30);
        if (ext === 'oga') fixOggCrcs(b);
        const forged = put(dir, `c4-forged.${ext}`, b);
        const dec = decoded(forged);
        expect(dec).toBeLessThan(1);
        expectAtMost(await probe(forged), dec, 0.5);
      },
    );
});
