/**
 * Monkey's Audio frames judged by what ffmpeg's decoder makes of them (attack round 23: a valid header
 * and seek table over random frames counted 80,000 s where ffmpeg decodes 29,592):
 *  - random frames of the coders of 3.99 and of 3.93-3.98 count the blocks ffmpeg outputs (it drops
 *    the 4,608-block piece in which its range coder runs past the frame, and the rest of the frame);
 *  - real files made by jmac (Monkey's Audio 3.99) count what ffmpeg decodes, whole or with a byte
 *    changed, and long (more frames than the walk draws);
 *  - what ffmpeg refuses outright (a version past 3.99, 3 channels, 12-bit samples) and the bit-coded
 *    versions before 3.90 are unreadable.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, tempDir } from './helpers.js';
import { type Feature, itWith } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r24ape-');

const jmac: Feature = {
  what: 'jmac',
  apt: 'libjmac-java',
  ok: () => spawnSync('jmac', [], { stdio: 'ignore' }).status === 0,
};

/** Bytes from a fixed seed (xorshift32), the same every run. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
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

interface Ape {
  version: number;
  channels: number;
  rate?: number;
  blocksPerFrame?: number;
  finalBlocks?: number;
  bits?: number;
  compression?: number;
}

/**
 * A Monkey's Audio file of these frames: the 3.98+ descriptor and header (or, before 3.98, the old
 * 32-byte header, its WAV header not stored), a seek table giving each frame's offset, the frames.
 */
function ape(name: string, a: Ape, frames: Buffer[]): string {
  const rate = a.rate ?? 8000;
  const bpf = a.blocksPerFrame ?? (a.version >= 3950 ? 73728 * 4 : 73728);
  const final = a.finalBlocks ?? bpf;
  const n = frames.length;
  let head: Buffer;
  if (a.version >= 3980) {
    head = Buffer.alloc(52 + 24);
    head.write('MAC ', 0, 'latin1');
    head.writeUInt16LE(a.version, 4);
    head.writeUInt32LE(52, 8);
    head.writeUInt32LE(24, 12);
    head.writeUInt32LE(n * 4, 16);
    head.writeUInt32LE(
      frames.reduce((s, f) => s + f.length, 0),
      24,
    );
    head.writeUInt16LE(a.compression ?? 2000, 52);
    head.writeUInt32LE(bpf, 56);
    head.writeUInt32LE(final, 60);
    head.writeUInt32LE(n, 64);
    head.writeUInt16LE(a.bits ?? 16, 68);
    head.writeUInt16LE(a.channels, 70);
    head.writeUInt32LE(rate, 72);
  } else {
    head = Buffer.alloc(32);
    head.write('MAC ', 0, 'latin1');
    head.writeUInt16LE(a.version, 4);
    head.writeUInt16LE(a.compression ?? 2000, 6);
    head.writeUInt16LE(0x20, 8); // no WAV header stored
    head.writeUInt16LE(a.channels, 10);
    head.writeUInt32LE(rate, 12);
    head.writeUInt32LE(n, 24);
    head.writeUInt32LE(final, 28);
  }
  const table = Buffer.alloc(n * 4);
  let at = head.length + table.length;
  frames.forEach((f, i) => {
    table.writeUInt32LE(at, i * 4);
    at += f.length;
  });
  return put(dir, name, Buffer.concat([head, table, ...frames]));
}

/** The claim of a file made by ape(): its frames' blocks at its rate. */
const claim = (a: Ape, frames: number): number =>
  ((frames - 1) * (a.blocksPerFrame ?? (a.version >= 3950 ? 73728 * 4 : 73728)) +
    (a.finalBlocks ?? a.blocksPerFrame ?? (a.version >= 3950 ? 73728 * 4 : 73728))) /
  (a.rate ?? 8000);

/** A real file: jmac's Monkey's Audio 3.99 of a WAV made by ffmpeg from `lavfi`, at `level` (1-4). */
function real(name: string, lavfi: string, level: number, args: string[] = []): string {
  const wav = join(dir, `${name}.wav`);
  ffmpeg('-f', 'lavfi', '-i', lavfi, ...args, '-c:a', 'pcm_s16le', wav);
  const out = join(dir, name);
  const r = spawnSync('jmac', [`c${level}`, wav, out], { stdio: 'ignore' });
  expect(r.status).toBe(0);
  return out;
}

describe("Monkey's Audio frames counted as ffmpeg decodes them (round 23)", () => {
  itWith(
    ['ffmpeg'],
    'random frames of 3.99 count the blocks ffmpeg outputs, not every frame whose bytes are in the file',
    async () => {
      // mono and stereo, frames of 30,001-50,000 bytes for 73,728 or 294,912 blocks (the old code
      // counted all of them: 2.2-6.6x what ffmpeg decodes)
      const cases: [string, Ape, number, number][] = [
        ['r99-stereo.ape', { version: 3990, channels: 2, blocksPerFrame: 73728 }, 20, 50_000],
        ['r99-mono.ape', { version: 3990, channels: 1, blocksPerFrame: 294912 }, 8, 90_001],
        ['r99-odd.ape', { version: 3990, channels: 2, blocksPerFrame: 73728 }, 15, 30_001],
      ];
      let seed = 1;
      for (const [name, a, n, size] of cases) {
        const f = ape(
          name,
          a,
          Array.from({ length: n }, () => noise(size, seed++)),
        );
        const dec = decoded(f);
        const r = await probe(f);
        expect(dec).toBeLessThan(claim(a, n) / 2);
        // exactly ffmpeg's blocks (its judge resamples nothing at 8 kHz mono: 1/8000 s a block)
        expect(Math.abs((r.seconds ?? 0) - dec), `${name}: ${JSON.stringify(r)}, ffmpeg ${dec}`).toBeLessThan(0.001);
        expect(r.error).toMatch(/frames? a decoder stops inside/);
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'a silent first frame claiming 4 M blocks does not spend the walk: the random frames after it are walked',
    async () => {
      // a frame of 16 bytes: its CRC word's top bit set, then flags 3 (stereo silence), as the decoder
      // reads them (32-bit words, byte-swapped); ffmpeg outputs its 4 M blocks without reading it
      const silent = Buffer.alloc(16);
      silent.writeUInt32LE(0x80000000, 0);
      silent.writeUInt32LE(3, 4);
      const a: Ape = { version: 3990, channels: 2, blocksPerFrame: 4_000_000 };
      const f = ape('silent-first.ape', a, [silent, ...Array.from({ length: 5 }, (_, i) => noise(40_000, 700 + i))]);
      const { r, dec } = await atMostDecoded(f, 0.001);
      // (a random frame may carry the silence flags too: 1 in 8 do, and decode whole)
      expect(dec).toBeGreaterThanOrEqual(500);
      expect(dec).toBeLessThan(6 * 500);
      expect(Math.abs(r.seconds! - dec)).toBeLessThan(0.001);
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'one frame of zeros claiming 14 M blocks is walked to 12 M values, counted to there, and the frames after it are walked',
    async () => {
      // zeros decode at the cheapest code (4.6 blocks a byte): 3 MB hold 13.8 M, which ffmpeg outputs;
      // walked whole, 10 MB of them took 1.6 s
      const a: Ape = { version: 3990, channels: 1, blocksPerFrame: 14_000_000 };
      const f = ape('zeros.ape', a, [Buffer.alloc(3_000_000), noise(40_000, 800), noise(40_000, 801)]);
      const { r, dec } = await atMostDecoded(f, 0.001);
      expect(r.error).toMatch(/frames? longer than the 12,000,000 values walked: counted to there/);
      expect(r.seconds).toBeGreaterThan(1000);
      expect(dec).toBeGreaterThan(r.seconds!);
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'random frames of the older range coder (3.93-3.98: old and new headers) count the blocks ffmpeg outputs',
    async () => {
      const cases: [string, Ape, number, number][] = [
        ['r98.ape', { version: 3980, channels: 2 }, 6, 60_001],
        ['r97.ape', { version: 3970, channels: 1 }, 5, 60_002],
        ['r95.ape', { version: 3950, channels: 2 }, 5, 120_000],
        ['r93.ape', { version: 3930, channels: 2 }, 5, 30_001],
      ];
      let seed = 100;
      for (const [name, a, n, size] of cases) {
        const f = ape(
          name,
          a,
          Array.from({ length: n }, () => noise(size, seed++)),
        );
        const dec = decoded(f);
        const r = await probe(f);
        expect(dec).toBeLessThan(claim(a, n));
        expect(Math.abs((r.seconds ?? 0) - dec), `${name}: ${JSON.stringify(r)}, ffmpeg ${dec}`).toBeLessThan(0.001);
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'what ffmpeg refuses outright, and versions before 3.90, are unreadable with the reason',
    async () => {
      const frames = Array.from({ length: 4 }, (_, i) => noise(4000, 500 + i));
      const cases: [string, Ape, RegExp][] = [
        // ffmpeg's demuxer takes 3.80-3.99 only ("Unsupported file version - 3.99")
        ['v3991.ape', { version: 3991, channels: 2 }, /version 3991: ffmpeg decodes none/],
        ['ch3.ape', { version: 3990, channels: 3 }, /3 channels/],
        ['bits12.ape', { version: 3990, channels: 1, bits: 12 }, /12 bits/],
        ['level2500.ape', { version: 3990, channels: 1, compression: 2500 }, /compression level 2500/],
        // bit-coded Rice frames: random ones decode none of 3.80 in ffmpeg; the seek table counted them all
        ['v380.ape', { version: 3800, channels: 2 }, /3\.80 \(before 3\.90\)/],
      ];
      for (const [name, a, why] of cases) {
        const f = ape(name, a, frames);
        const r = await probe(f);
        expect(r.kind, `${name}: ${JSON.stringify(r)}`).toBe('unreadable');
        expect(r.error).toMatch(why);
        if (name !== 'v380.ape') expect(decoded(f)).toBe(0);
      }
    },
    60_000,
  );
});

describe("Monkey's Audio: jmac's real files still count what ffmpeg decodes", () => {
  itWith(
    ['ffmpeg', jmac],
    'levels 1-4, 8 kHz mono speech-like noise and 44.1 kHz stereo, within 1 %',
    async () => {
      for (const level of [1, 2, 3, 4]) {
        const f = real(`pink${level}.ape`, 'anoisesrc=d=25:c=pink:r=8000:a=0.05', level, ['-ac', '1']);
        await asDecoded(f, 0.25);
      }
      const st = real('stereo.ape', 'sine=f=300:r=44100:d=12,volume=0.3', 2, ['-ac', '2']);
      await asDecoded(st, 0.12);
    },
    120_000,
  );

  itWith(
    ['ffmpeg', jmac],
    'bytes changed in a frame: the pieces ffmpeg drops are not counted (its CRC is not checked by default)',
    async () => {
      const f = real('damaged.ape', 'anoisesrc=d=20:c=pink:r=8000:a=0.1:seed=7', 2, ['-ac', '1']);
      const b = readFileSync(f);
      // 64 bytes of the first frame's middle overwritten: the values after them are decoded from junk,
      // which takes more bytes than the frame has left (its end: the seek table's second entry)
      const seekAt = b.readUInt32LE(8) + b.readUInt32LE(12);
      const [first, second] = [b.readUInt32LE(seekAt), b.readUInt32LE(seekAt + 4)];
      noise(64, 3).copy(b, (first + second) >> 1);
      const d = put(dir, 'damaged-flip.ape', b);
      const whole = decoded(f);
      const { r, dec } = await atMostDecoded(d, 0.001);
      // ffmpeg drops the piece of 4,608 blocks (0.576 s) it ran out in and the rest of the frame; the
      // old count was the whole file
      expect(dec).toBeLessThan(whole - 0.5);
      expect(Math.abs(r.seconds! - dec)).toBeLessThan(0.001);
    },
    60_000,
  );

  itWith(
    ['ffmpeg', jmac],
    'a long file (more frames than the walk draws) counts whole; with its last frame random, what ffmpeg decodes',
    async () => {
      // jmac's first frame (73,728 blocks at level 2) repeated 150 times: 11 M blocks, past the 4 M
      // walked at random
      const f = real('tone.ape', 'sine=f=440:r=8000:d=20,volume=0.2', 2, ['-ac', '1']);
      const b = readFileSync(f);
      const seekAt = b.readUInt32LE(8) + b.readUInt32LE(12);
      const first = b.readUInt32LE(seekAt);
      // (to the next word: ffmpeg's packet of a frame, which then starts on a word of its own in each copy)
      const frame = b.subarray(first, first + ((b.readUInt32LE(seekAt + 4) - first + 3) & ~3));
      const desc = b.readUInt32LE(8);
      const bpf = b.readUInt32LE(desc + 4);
      const a: Ape = { version: 3990, channels: 1, compression: b.readUInt16LE(desc), blocksPerFrame: bpf };
      const frames = Array.from({ length: 150 }, () => frame);
      const long = ape('long.ape', a, frames);
      await asDecoded(long, 0.1);
      expect((await probe(long)).seconds).toBeCloseTo((150 * bpf) / 8000, 3);
      // the last frame random: walked always (first, last, then at random), so every frame is walked
      const bad = ape('long-bad.ape', a, [...frames.slice(0, -1), noise(frame.length, 9)]);
      const { r, dec } = await atMostDecoded(bad, 0.001);
      expect(Math.abs(r.seconds! - dec)).toBeLessThan(0.001);
      expect(dec).toBeLessThan((150 * bpf) / 8000);
    },
    120_000,
  );
});
