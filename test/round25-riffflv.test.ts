/**
 * Round 25's RIFF-family and FLV findings (attack round 25 part A), each built here (ffmpeg's own files
 * with bytes appended, or headers written byte by byte) and judged by ffmpeg's decoded length:
 *  - C4: WAV, RF64, Wave64 and CAF with a second data chunk: ffmpeg decodes the last data chunk, the
 *    first was counted (ffmpeg's own 20-minute IMA WAV + 2 KB: 1,200 s counted, 0.51 s decoded); a
 *    Wave64 fmt after the data replaces the format.
 *  - H2: a Wave64 with 16 bytes after its last chunk: ffmpeg refuses the file, 10 s was counted.
 *  - H1: NIST SPHERE `sample_sig_bits -i 0`: ffmpeg refuses the file, 0 was read as "not given".
 *  - C5: FLV PCM and Nellymoser tags whose rate changes: ffmpeg decodes each tag at its own rate, all
 *    were counted at the first tag's (8x).
 * Real encoders' files of each kind still count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { itWith } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r25rf-');

/** A sine of `seconds` at `rate` Hz encoded by ffmpeg with `args` into `name`. */
function made(name: string, seconds: number, rate: number, ...args: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=300:r=${rate}:d=${seconds}`, ...args, out);
  return out;
}

function put(name: string, ...parts: Buffer[]): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat(parts));
  return p;
}

/** A RIFF chunk (padded to an even size). */
function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
}

/** A PCM fmt body: `channels` of `bits` at `rate`. */
function fmt(channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16);
  const align = (channels * bits) / 8;
  b.writeUInt16LE(1, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(rate * align, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

const W64_SUFFIX = Buffer.from('f3acd3118cd100c04f8edb8a', 'hex');

/** A Wave64 chunk: its GUID (code + suffix), its size with the 24-byte header, padded to 8 bytes. */
function w64Chunk(code: string, body: Buffer): Buffer {
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(body.length + 24));
  const c = Buffer.concat([Buffer.from(code, 'latin1'), W64_SUFFIX, size, body]);
  return Buffer.concat([c, Buffer.alloc((8 - (c.length % 8)) % 8)]);
}

function w64(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('wave', 'latin1'), W64_SUFFIX, ...chunks]);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(body.length + 24));
  return Buffer.concat([Buffer.from('726966662e91cf11a5d628db04c10000', 'hex'), size, body]);
}

describe('round 25 C4: the last data chunk is the one ffmpeg decodes (WAV, RF64, Wave64, CAF)', () => {
  itWith(['ffmpeg'], "ffmpeg's own IMA ADPCM WAV + a 2 KB data chunk: its 0.51 s, not 120 s", async () => {
    const own = made('ima.wav', 120, 8000, '-c:a', 'adpcm_ima_wav');
    await asDecoded(own, 0.2);
    const real = readFileSync(own);
    const d = Buffer.concat([real, chunk('data', real.subarray(real.length - 2048))]);
    d.writeUInt32LE(d.length - 8, 4);
    const p = put('ima-2data.wav', d);
    const { r, dec } = await atMostDecoded(p, 0.05);
    expect(dec).toBeLessThan(1);
    expect(r.seconds!).toBeGreaterThan(dec - 0.05);
  });

  itWith(
    ['ffmpeg'],
    'PCM RIFF, RF64 and Wave64 of two data chunks count the second (250 s before, 0.25 decoded)',
    async () => {
      const data = randomBytes(1_000_000);
      const riffBody = Buffer.concat([
        Buffer.from('WAVE'),
        chunk('fmt ', fmt(1, 4000, 8)),
        chunk('data', data),
        chunk('data', data.subarray(0, 1000)),
      ]);
      const riffHead = Buffer.from('RIFF\0\0\0\0', 'latin1');
      riffHead.writeUInt32LE(riffBody.length, 4);
      const ds64 = Buffer.alloc(28);
      ds64.writeBigUInt64LE(BigInt(data.length), 8);
      const files = [
        put('pcm-2data.wav', riffHead, riffBody),
        put(
          'pcm-2data-rf64.wav',
          Buffer.from('RF64\xff\xff\xff\xffWAVE', 'latin1'),
          chunk('ds64', ds64),
          chunk('fmt ', fmt(1, 4000, 8)),
          chunk('data', data),
          chunk('data', data.subarray(0, 1000)),
        ),
        put(
          'pcm-2data.w64',
          w64(w64Chunk('fmt ', fmt(1, 4000, 8)), w64Chunk('data', data), w64Chunk('data', data.subarray(0, 1000))),
        ),
      ];
      for (const p of files) {
        const { r, dec } = await atMostDecoded(p, 0.01);
        expect(dec, p).toBeCloseTo(0.25, 2);
        expect(r.seconds!, p).toBeCloseTo(0.25, 2);
      }
    },
  );

  itWith(['ffmpeg'], 'a Wave64 fmt after the data replaces the format, as ffmpeg reads it', async () => {
    const p = put(
      'pcm-fmt2.w64',
      w64(
        w64Chunk('fmt ', fmt(1, 4000, 8)),
        w64Chunk('data', randomBytes(1_000_000)),
        w64Chunk('fmt ', fmt(2, 192000, 32)),
      ),
    );
    const { r, dec } = await atMostDecoded(p, 0.01);
    expect(dec).toBeLessThan(1);
    expect(r.seconds!).toBeGreaterThan(dec - 0.01);
  });

  itWith(
    ['ffmpeg'],
    "ffmpeg's own CAF + a 1,000-byte data chunk counts that chunk (10 s before, 0.011 decoded)",
    async () => {
      const own = made('own.caf', 10, 44100, '-c:a', 'pcm_s16le');
      await asDecoded(own, 0.01);
      const c = readFileSync(own);
      const head = Buffer.alloc(16);
      head.write('data', 0, 'latin1');
      head.writeBigInt64BE(1000n, 4);
      const p = put('own-2data.caf', c, head, c.subarray(c.length - 996));
      const { r, dec } = await atMostDecoded(p, 0.005);
      expect(dec).toBeLessThan(0.05);
      expect(r.seconds!).toBeGreaterThan(0);
    },
  );

  itWith(['ffmpeg'], "real encoders' WAV, RF64, Wave64 and CAF still count what ffmpeg decodes", async () => {
    await asDecoded(made('r.wav', 7, 8000, '-c:a', 'pcm_s16le', '-metadata', 'title=x', '-write_bext', '1'));
    await asDecoded(made('rf.wav', 7, 8000, '-c:a', 'pcm_u8', '-rf64', 'always'));
    await asDecoded(made('ms.wav', 7, 8000, '-c:a', 'adpcm_ms'));
    await asDecoded(made('r.w64', 7, 8000, '-c:a', 'pcm_s16le'));
    await asDecoded(made('a.w64', 7, 8000, '-c:a', 'pcm_alaw'));
    await asDecoded(made('r.caf', 7, 16000, '-c:a', 'alac'));
    await asDecoded(made('i.caf', 7, 16000, '-c:a', 'adpcm_ima_qt'));
  });
});

describe('round 25 H2: a Wave64 with 16 bytes after its last chunk', () => {
  itWith(
    ['ffmpeg'],
    'is refused as ffmpeg refuses it (10 s before); 8 bytes or a whole chunk after it still count',
    async () => {
      const own = readFileSync(made('own.w64', 10, 44100, '-c:a', 'pcm_s16le'));
      for (const [name, tail] of [
        ['t16.w64', randomBytes(16)],
        ['t16z.w64', Buffer.alloc(16)],
        ['t23.w64', Buffer.concat([randomBytes(16), Buffer.alloc(7)])],
      ] as const) {
        const p = put(name, own, tail);
        expect(decoded(p), name).toBe(0);
        const r = await probe(p);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
      await asDecoded(put('t8.w64', own, randomBytes(8)), 0.01);
      await asDecoded(put('t40.w64', own, w64Chunk('junk', Buffer.alloc(16))), 0.01);
    },
  );
});

describe('round 25 H1: NIST SPHERE sample_sig_bits ffmpeg refuses', () => {
  /** A SPHERE file: a 1,024-byte header of `lines`, then `body`. */
  function sphere(name: string, lines: string[], body: Buffer): string {
    const text = ['NIST_1A', '   1024', ...lines, 'end_head', ''].join('\n');
    return put(name, Buffer.from(text.padEnd(1024, ' '), 'latin1'), body);
  }
  const common = ['sample_coding -s3 pcm', 'channel_count -i 1', 'sample_rate -i 4000', 'sample_n_bytes -i 1'];

  itWith(
    ['ffmpeg', 'sox'],
    'sig_bits 0, under 0, over 32,767 or no number, and n_bytes over 4,095: unreadable (2,250 s of 9 MB before)',
    async () => {
      const body = randomBytes(200_000);
      for (const [i, line] of [
        'sample_sig_bits -i 0',
        'sample_sig_bits -i -3',
        'sample_sig_bits -i 40000',
        'sample_sig_bits -i abc',
        'sample_n_bytes -i 5000',
      ].entries()) {
        const p = sphere(`bad${i}.sph`, [...common, line], body);
        expect(decoded(p), line).toBe(0);
        const r = await probe(p);
        expect(r.kind, `${line}: ${JSON.stringify(r)}`).toBe('unreadable');
      }
      await asDecoded(sphere('ok.sph', [...common, 'sample_sig_bits -i 8'], body), 0.01);
      const sx = join(dir, 'sx.sph');
      expect(
        spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', sx, 'synth', '5', 'sine', '300']).status,
      ).toBe(0);
      await asDecoded(sx, 0.01);
    },
  );
});

describe('round 25 C5: FLV PCM and Nellymoser tags at each tag own rate', () => {
  /** An FLV of one audio tag per flags byte in `flags`, `size` random bytes each. */
  function flv(name: string, flags: number[], size: number): string {
    const parts = [Buffer.from('FLV\x01\x04\0\0\0\x09\0\0\0\0', 'latin1')];
    flags.forEach((f, i) => {
      const t = Buffer.alloc(11);
      t[0] = 8;
      t.writeUIntBE(size + 1, 1, 3);
      t.writeUIntBE((i * 10) & 0xffffff, 4, 3);
      const last = Buffer.alloc(4);
      last.writeUInt32BE(size + 12);
      parts.push(t, Buffer.from([f]), randomBytes(size), last);
    });
    return put(name, ...parts);
  }

  itWith(
    ['ffmpeg'],
    'a first tag at 5.5 kHz and the rest at 44 kHz count what ffmpeg decodes (8x before)',
    async () => {
      for (const [name, first, rest, size] of [
        ['nelly.flv', 0x60, 0x6c, 1024],
        ['pcm8.flv', 0x00, 0x0c, 1000],
        ['pcmle.flv', 0x30, 0x3c, 1000],
        ['pcm16.flv', 0x32, 0x3f, 1000],
      ] as const) {
        const p = flv(name, [first, ...Array<number>(300).fill(rest)], size);
        const { r, dec } = await atMostDecoded(p, 0.05);
        expect(r.seconds!, name).toBeGreaterThan(dec - 0.05);
      }
    },
  );

  /**
   * What ffmpeg decodes of a file whose rate changes tag by tag: the sum over its decoded frames of
   * nb_samples / that frame's rate (ashowinfo). decoded()'s resampling to 8 kHz loses ~2 ms at each
   * change (the resampler is made anew: 82.95 s of 83.60 decoded over 300 changes), and the -f null
   * time= follows the tags' timestamps, which are a claim.
   */
  function framesDecoded(path: string): number {
    const r = spawnSync('ffmpeg', ['-v', 'info', '-i', path, '-map', '0:a:0', '-af', 'ashowinfo', '-f', 'null', '-'], {
      maxBuffer: 1 << 26,
    });
    let s = 0;
    for (const m of String(r.stderr).matchAll(/rate:(\d+) nb_samples:(\d+)/g)) s += Number(m[2]) / Number(m[1]);
    return s;
  }

  itWith(['ffmpeg'], 'rates and channels changing at random count what ffmpeg decodes', async () => {
    const pick = (xs: number[]): number[] => Array.from({ length: 300 }, (_, i) => xs[(i * 7 + (i >> 3)) % xs.length]!);
    for (const [name, xs] of [
      ['nelly-mix.flv', [0x60, 0x64, 0x68, 0x6c, 0x6d]],
      ['pcm-mix.flv', [0x00, 0x04, 0x08, 0x0c, 0x01, 0x0d]],
      ['adpcm-mix.flv', [0x12, 0x16, 0x1a, 0x1e]],
    ] as const) {
      const p = flv(name, pick([...xs]), 1000);
      const r = await probe(p);
      const dec = framesDecoded(p);
      expect(dec, name).toBeGreaterThan(10);
      expect(r.seconds!, `${name}: ${JSON.stringify(r)}`).toBeCloseTo(dec, 2);
    }
  });

  itWith(['ffmpeg'], "ffmpeg's own FLV of PCM, Nellymoser and ADPCM still count what it decodes", async () => {
    await asDecoded(made('p.flv', 6, 22050, '-c:a', 'pcm_s16le'));
    await asDecoded(made('u.flv', 6, 11025, '-c:a', 'pcm_u8'));
    await asDecoded(made('n.flv', 6, 11025, '-c:a', 'nellymoser'));
    await asDecoded(made('n8.flv', 6, 8000, '-c:a', 'nellymoser'));
    await asDecoded(made('a.flv', 6, 22050, '-c:a', 'adpcm_swf'));
  });

  itWith(
    ['ffmpeg'],
    'CAF and Wave64 headers ffmpeg refuses are unreadable, not counted in full (round 25c C1)',
    async () => {
      const caf = readFileSync(made('c1.caf', 10, 8000, '-c:a', 'pcm_mulaw'));
      const w64 = readFileSync(made('c1.w64', 10, 8000, '-c:a', 'pcm_s16le'));
      const file = (name: string, b: Buffer): string => {
        const p = join(dir, name);
        writeFileSync(p, b);
        return p;
      };
      // a 4-byte free chunk before desc ("desc chunk not present"); version 2 (not probed as CAF)
      const free = Buffer.concat([
        caf.subarray(0, 8),
        Buffer.from('free'),
        Buffer.alloc(7),
        Buffer.from([4]),
        Buffer.alloc(4),
        caf.subarray(8),
      ]);
      const v2 = Buffer.from(caf);
      v2.writeUInt16BE(2, 4);
      // a riff size of 64-71 (w64_read_header wants 72)
      const rs = Buffer.from(w64);
      rs.writeBigUInt64LE(64n, 16);
      for (const [name, b] of [
        ['free.caf', free],
        ['v2.caf', v2],
        ['rs64.w64', rs],
      ] as const) {
        const { r, dec } = await atMostDecoded(file(name, b), 0);
        expect(dec, name).toBe(0);
        expect(r.kind, `${name}: ${JSON.stringify(r)}`).toBe('unreadable');
      }
      await asDecoded(join(dir, 'c1.caf'), 0.01);
      await asDecoded(join(dir, 'c1.w64'), 0.01);
    },
  );
});
