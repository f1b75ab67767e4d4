/**
 * Attack round 28a's WavPack, Musepack SV8 and NIST SPHERE findings, judged by ffmpeg's decoded length:
 *  - H2: WavPack's DSD flag set on the first block alone: ffmpeg's demuxer takes that block's rate
 *    times 4 as the stream's and stops at block 2 ("Sampling rate differ"); leaktally counted every
 *    later block at the DSD rate. With it: a first block of no samples at another rate (the count was
 *    at its rate, not the stream's) and a DSD multiplier over 2^8 (counted at ×4);
 *  - H3: a Musepack SV8 packet whose size is over INT_MAX ends ffmpeg's read; leaktally counted the
 *    frames of the bytes present;
 *  - H4: a SPHERE header space made 0xA0, which JavaScript's white space takes and sscanf's does not,
 *    and a value past the 255 characters ffmpeg reads of a line.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forged, varint } from './forge.js';
import { tempDir } from './helpers.js';
import { itWith, MPCENC } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r28misc-');

/** A forged file ffmpeg decodes none of: leaktally counts none of it either (unreadable). */
async function refused(path: string, why?: RegExp): Promise<void> {
  const { r, dec } = await atMostDecoded(path, 0);
  expect(dec, path).toBe(0);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
  if (why) expect(r.error).toMatch(why);
}

/** A WAV of tones and noise made by ffmpeg (speech-like enough for the encoders' real framing). */
function wav(name: string, seconds: number, rate: number, channels = 1): string {
  const out = join(dir, name);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `aevalsrc=exprs='0.3*sin(2*PI*(300+200*sin(t))*t)+0.05*(random(0)-0.5)':s=${rate}:d=${seconds}`,
    '-ac',
    String(channels),
    out,
  );
  return out;
}

function run(cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args);
  expect(r.status, `${cmd} ${args.join(' ')}: ${String(r.stderr)}`).toBe(0);
}

/** The offsets of a WavPack file's blocks ('wvpk' headers walked by their sizes). */
function blocks(b: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p + 32 <= b.length && b.toString('latin1', p, p + 4) === 'wvpk'; p += 8 + b.readUInt32LE(p + 4))
    out.push(p);
  return out;
}

/** The body offsets of every sub-block of this id in the block at `at`. */
function subBlocks(b: Buffer, at: number, want: number): number[] {
  const out: number[] = [];
  for (let q = at + 32; q < at + 8 + b.readUInt32LE(at + 4);) {
    const id = b[q]!;
    const large = id & 0x80;
    const words = large ? b.readUIntLE(q + 1, 3) : b[q + 1]!;
    const body = q + (large ? 4 : 2);
    if ((id & 0x3f) === want) out.push(body);
    q = body + words * 2;
  }
  return out;
}

describe('round 28a: WavPack (H2)', () => {
  itWith(
    ['ffmpeg', 'wavpack'],
    'H2: the DSD flag on the first block alone: ffmpeg stops at block 2 and decodes nothing; so does the count',
    async () => {
      // the wavpack CLI's hybrid lossy at 8 kHz (the report's 600 s file: 149 s counted, 0 decoded)
      const real = join(dir, 'lossy.wv');
      run('wavpack', '-q', '-y', '-b24', wav('lossy.wav', 60, 8000), '-o', real);
      await asDecoded(real, 0.01);
      const first = blocks(readFileSync(real))[0]!;
      // before: 14 s counted (the PCM blocks after the first at 32 kHz), 0 decoded
      const dsd = forged(real, 'dsd-first.wv', (c) =>
        c.writeUInt32LE((c.readUInt32LE(first + 24) | 0x80000000) >>> 0, first + 24),
      );
      await refused(dsd, /rate differ/);
      // the same bit on block 2 only: block 1 decodes, then the demuxer stops ("Bits per sample differ")
      const second = blocks(readFileSync(real))[1]!;
      const later = forged(real, 'dsd-second.wv', (c) =>
        c.writeUInt32LE((c.readUInt32LE(second + 24) | 0x80000000) >>> 0, second + 24),
      );
      const { r, dec } = await atMostDecoded(later, 0.001);
      expect(dec).toBeGreaterThan(0);
      expect(r.seconds!).toBeCloseTo(dec, 2);
    },
  );

  itWith(
    ['ffmpeg', 'wavpack'],
    "a first block of no samples at another rate: counted at the stream's rate, the first block of samples' (was 8x at 48 kHz)",
    async () => {
      const real = join(dir, 'm48.wv');
      run('wavpack', '-q', '-y', wav('m48.wav', 14, 48000), '-o', real);
      await asDecoded(real, 0.01);
      const b = readFileSync(real);
      // a bare 32-byte block of 0 samples at 6,000 Hz (rate index 0) before the encoder's blocks:
      // ffmpeg's demuxer steps over it; before, the count was at 6 kHz: 112 s of a 14 s file
      const h = Buffer.alloc(32);
      h.write('wvpk', 0, 'latin1');
      h.writeUInt32LE(24, 4);
      h.writeUInt16LE(0x410, 8);
      h.writeUInt32LE(b.readUInt32LE(12), 12);
      h.writeUInt32LE(b.readUInt32LE(24) & ~(15 << 23), 24);
      const zero = join(dir, 'zero6k.wv');
      writeFileSync(zero, Buffer.concat([h, b]));
      const { r, dec } = await atMostDecoded(zero, 0.01);
      expect(r).toMatchObject({ kind: 'audio', sampleRate: 48000 });
      expect(r.seconds!).toBeCloseTo(dec, 2);
    },
  );

  itWith(
    ['ffmpeg', 'wavpack'],
    'real files count what ffmpeg decodes: custom rates, 24-bit stereo, six channels, DSD; a DSD multiplier of 2^10 counts at it',
    async () => {
      run('wavpack', '-q', '-y', wav('c7k.wav', 10, 7350), '-o', join(dir, 'c7k.wv'));
      run('wavpack', '-q', '-y', '-b24', join(dir, 'c7k.wav'), '-o', join(dir, 'c7k-lossy.wv'));
      run('wavpack', '-q', '-y', wav('c22k.wav', 10, 22000, 2), '-o', join(dir, 'c22k.wv'));
      run('wavpack', '-q', '-y', wav('six.wav', 5, 16000, 6), '-o', join(dir, 'six.wv'));
      ffmpeg('-i', join(dir, 'c22k.wav'), '-c:a', 'wavpack', join(dir, 'ff22k.wv'));
      for (const f of ['c7k.wv', 'c7k-lossy.wv', 'c22k.wv', 'six.wv', 'ff22k.wv']) await asDecoded(join(dir, f), 0.01);
      // a DSF of DSD64 stereo, 2 s of DSD silence, packed by wavpack
      const rate = 2822400;
      const data = Buffer.alloc(Math.ceil((rate * 2) / 8 / 4096) * 4096 * 2, 0x69);
      const d = Buffer.alloc(92);
      d.write('DSD ', 0, 'latin1');
      d.writeBigUInt64LE(28n, 4);
      d.writeBigUInt64LE(BigInt(d.length + data.length), 12);
      d.write('fmt ', 28, 'latin1');
      d.writeBigUInt64LE(52n, 32);
      d.writeUInt32LE(1, 40);
      d.writeUInt32LE(2, 48);
      d.writeUInt32LE(2, 52);
      d.writeUInt32LE(rate, 56);
      d.writeUInt32LE(1, 60);
      d.writeBigUInt64LE(BigInt(rate * 2), 64);
      d.writeUInt32LE(4096, 72);
      d.write('data', 80, 'latin1');
      d.writeBigUInt64LE(BigInt(12 + data.length), 84);
      const dsf = join(dir, 's.dsf');
      writeFileSync(dsf, Buffer.concat([d, data]));
      const wv = join(dir, 'dsd.wv');
      run('wavpack', '-q', '-y', dsf, '-o', wv);
      const p = await probe(wv);
      expect(p).toMatchObject({ kind: 'audio', codec: 'WAVPACK/DSD' });
      expect(p.seconds!).toBeCloseTo(2, 3);
      expect(p.seconds!).toBeLessThanOrEqual(decoded(wv) + 0.01);
      // every DSD block's multiplier made 2^10 (its first byte 2 → 10): the decoder's rate is 1,024x
      // the flags', not 4x; before, 2 s counted where ffmpeg decodes 0.008 s (an hour of DSD silence
      // is about 4 MB)
      const big = forged(wv, 'dsd-p10.wv', (c) => {
        for (const at of blocks(c)) for (const body of subBlocks(c, at, 0x0e)) c[body] = 10;
      });
      const { r } = await atMostDecoded(big, 0.001);
      expect(r.seconds ?? 0).toBeLessThan(0.05);
    },
  );
});

/** The offsets of an SV8 file's packets ('MPCK', then a key and a base-128 size counting itself). */
function mpcPackets(b: Buffer): { at: number; key: string }[] {
  const out: { at: number; key: string }[] = [];
  for (let p = 4; p + 3 <= b.length;) {
    let size = 0;
    let q = p + 2;
    for (; b[q]! & 0x80; q++) size = size * 128 + (b[q]! & 0x7f);
    size = size * 128 + b[q]!;
    out.push({ at: p, key: b.toString('latin1', p, p + 2) });
    if (size < 3) break;
    p += size;
  }
  return out;
}

describe('round 28a: Musepack SV8 (H3)', () => {
  itWith(
    ['ffmpeg', MPCENC],
    'H3: an audio packet whose size is over INT_MAX ends the count where ffmpeg ends its read',
    async () => {
      const real = join(dir, 'mpc.mpc');
      run('mpcenc', '--silent', '--overwrite', wav('s44.wav', 14, 44100, 2), real);
      await asDecoded(real, 0.05);
      const aps = mpcPackets(readFileSync(real)).filter((p) => p.key === 'AP');
      expect(aps.length).toBeGreaterThan(3);
      // mpcenc's sizes take 3 bytes: one made a 5-byte size of 2^31 + 64 bytes (the report set bit 7 of
      // the third, running the size on to 2.8e9): ffmpeg gives no packet of it. Before: the first AP so
      // made counted 1.67 s, none decoded
      const b = readFileSync(real);
      const huge = (at: number, name: string): string => {
        expect(b[at + 2]! & b[at + 3]! & 0x80).toBe(0x80);
        expect(b[at + 4]! & 0x80).toBe(0);
        const out = join(dir, name);
        writeFileSync(out, Buffer.concat([b.subarray(0, at + 2), varint(2 ** 31 + 64), b.subarray(at + 5)]));
        return out;
      };
      await refused(huge(aps[0]!.at, 'ap1.mpc'), /2\^31/);
      // the third AP: the two before it decode (3.34 s), the count stops there too (was 5.0 s)
      const { r, dec } = await atMostDecoded(huge(aps[2]!.at, 'ap3.mpc'), 0.01);
      expect(dec).toBeGreaterThan(3);
      expect(r.seconds!).toBeCloseTo(dec, 1);
      expect(r.error).toMatch(/2\^31/);
    },
  );
});

describe('round 28a: NIST SPHERE (H4)', () => {
  itWith(
    ['ffmpeg', 'sox'],
    "H4: a header space made 0xA0, and a value past a line's 255th character, are not read, as sscanf does not",
    async () => {
      const real = join(dir, 'sox.sph');
      run('sox', wav('s8.wav', 14, 8000), real);
      await asDecoded(real, 0.01);
      const b = readFileSync(real);
      const nbsp = (at: number) => (c: Buffer) => {
        expect(c[at]).toBe(0x20);
        c[at] = 0xa0;
      };
      const n = b.indexOf('sample_n_bytes -i');
      const count = b.indexOf('sample_count -i');
      // before: each 14 s counted, none decoded (the header size not read; the sample size not read)
      await refused(forged(real, 'size.sph', nbsp(8)), /without its size/);
      await refused(forged(real, 'nbytes1.sph', nbsp(n + 14)));
      await refused(forged(real, 'nbytes2.sph', nbsp(n + 17)));
      // in sample_count, a claim ffmpeg does not decode by: all of it still decoded and counted
      await asDecoded(forged(real, 'count.sph', nbsp(count + 12)), 0.01);
      // sample_n_bytes's value moved past the 255 characters ffmpeg's line buffer holds (ff_get_line
      // reads 255 of a line): no sample size, no decoder; 237 spaces (a 255-character line) still read
      const spaced = (pad: number): string => {
        const head = b
          .subarray(0, 1024)
          .toString('latin1')
          .replace('sample_n_bytes -i 2', `sample_n_bytes -i${' '.repeat(pad)}2`);
        const out = join(dir, `pad${pad}.sph`);
        writeFileSync(out, Buffer.concat([Buffer.from(head.slice(0, 1024), 'latin1'), b.subarray(1024)]));
        return out;
      };
      await asDecoded(spaced(237), 0.01);
      await refused(spaced(238));
    },
  );
});
