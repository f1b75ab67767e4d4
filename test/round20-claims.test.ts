/**
 * Attack round 20: header claims that reached the guard unchecked, each a file under 1 MB counted as
 * hours (CAF, AIFF, Monkey's Audio, TTA, TAK, DSF, DSDIFF). Each file is built here as the round built
 * it; the figure asserted is what ffmpeg 5.1 decodes of it (the judge).
 */
import { describe, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, tempDir } from './helpers.js';
import { itWith } from './needs.js';
import { decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-round20-');

const N = 1_000_000;
const u32le = (...v: number[]): Buffer => Buffer.concat(v.map((x) => Buffer.from(Uint32Array.of(x).buffer)));
const u16le = (...v: number[]): Buffer => Buffer.concat(v.map((x) => Buffer.from(Uint16Array.of(x).buffer)));
const be64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const cafChunk = (t: string, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(t, 'latin1'), be64(body.length), body]);

function cafDesc(format: string, rate: number, bytesPerPacket: number, framesPerPacket: number): Buffer {
  const d = Buffer.alloc(32);
  d.writeDoubleBE(rate, 0);
  d.write(format, 8, 'latin1');
  d.writeUInt32BE(bytesPerPacket, 16);
  d.writeUInt32BE(framesPerPacket, 20);
  d.writeUInt32BE(1, 24);
  return cafChunk('desc', d);
}

/** A CAF packet table of the given sizes (variable-length integers). */
function pakt(sizes: number[], valid: number): Buffer {
  const head = Buffer.alloc(24);
  head.writeBigInt64BE(BigInt(sizes.length), 0);
  head.writeBigInt64BE(BigInt(valid), 8);
  const vints = sizes.map((n) => {
    const out = [n & 0x7f];
    for (n = Math.floor(n / 128); n; n = Math.floor(n / 128)) out.unshift(0x80 | (n & 0x7f));
    return Buffer.from(out);
  });
  return cafChunk('pakt', Buffer.concat([head, ...vints]));
}

/** The AAC frames of an ADTS file ffmpeg makes, and its AudioSpecificConfig. */
function aacFrames(): { frames: Buffer[]; asc: Buffer } {
  const path = join(dir, 'tone.aac');
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=5,volume=0.5', '-c:a', 'aac', '-b:a', '16k', path);
  const b = readFileSync(path);
  const frames: Buffer[] = [];
  for (let p = 0; p + 7 <= b.length;) {
    const len = ((b[p + 3]! & 3) << 11) | (b[p + 4]! << 3) | (b[p + 5]! >> 5);
    frames.push(b.subarray(p + 7, p + len));
    p += len;
  }
  const profile = (b[2]! >> 6) + 1;
  const sri = (b[2]! >> 2) & 15;
  const ch = ((b[2]! & 1) << 2) | (b[3]! >> 6);
  return { frames, asc: Buffer.from([(profile << 3) | (sri >> 1), ((sri & 1) << 7) | (ch << 3)]) };
}

/** A CAF of AAC packets with its cookie (an esds box's body), as Apple's writers make it. */
function cafAac(frames: Buffer[], asc: Buffer): Buffer {
  const dsi = Buffer.concat([Buffer.from([5, asc.length]), asc]);
  const dcd = Buffer.concat([Buffer.from([4, 13 + dsi.length, 0x40, 0x15]), Buffer.alloc(11), dsi]);
  const es = Buffer.concat([Buffer.from([3, 3 + dcd.length + 3, 0, 1, 0]), dcd, Buffer.from([6, 1, 2])]);
  return Buffer.concat([
    Buffer.from('caff\x00\x01\x00\x00', 'latin1'),
    cafDesc('aac ', 8000, 0, 1024),
    cafChunk('kuki', Buffer.concat([Buffer.alloc(4), es])),
    pakt(
      frames.map((f) => f.length),
      frames.length * 1024,
    ),
    cafChunk('data', Buffer.concat([Buffer.alloc(4), ...frames])),
  ]);
}

describe('header claims reach the guard checked (attack round 20)', () => {
  itWith(['ffmpeg'], 'CAF: packets of 0 bytes, AAC junk and a format no decoder knows count nothing', async () => {
    // 999,800 packets of 0 bytes "of" 1,024 frames each: 38,792 s counted before
    const empty = put(
      dir,
      'empty.caf',
      Buffer.concat([
        Buffer.from('caff\x00\x01\x00\x00', 'latin1'),
        cafDesc('aac ', 8000, 0, 1024),
        pakt(new Array<number>(999_800).fill(0), 310_000_000),
        cafChunk('data', Buffer.alloc(4)),
      ]),
    );
    expect(decoded(empty)).toBe(0);
    expect((await probe(empty)).kind).toBe('unreadable');
    // real AAC packets count what ffmpeg decodes; the same packets of junk, nothing
    const { frames, asc } = aacFrames();
    const real = put(dir, 'real.caf', cafAac(frames, asc));
    const r = await probe(real);
    expect(r.kind).toBe('audio');
    expect(Math.abs(r.seconds! - decoded(real))).toBeLessThan(0.2);
    let seed = 5;
    const junk = frames.map((f) =>
      Buffer.from(f.map(() => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24)),
    );
    const forged = put(dir, 'junk.caf', cafAac(junk, asc));
    expect(decoded(forged)).toBeLessThan(0.3);
    expect((await probe(forged)).seconds ?? 0).toBeLessThanOrEqual(decoded(forged) + 0.13);
    // constant packets of a format ffmpeg's demuxer does not map: 2,000 s a MB before
    const zzzz = put(
      dir,
      'zzzz.caf',
      Buffer.concat([
        Buffer.from('caff\x00\x01\x00\x00', 'latin1'),
        cafDesc('zzzz', 4000, 1, 8),
        cafChunk('data', Buffer.alloc(100_004)),
      ]),
    );
    expect(decoded(zzzz)).toBe(0);
    expect(await probe(zzzz)).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/'zzzz': ffmpeg has no decoder for it/),
    });
  });

  itWith(
    ['ffmpeg'],
    'AIFF: a sample size of 0 bits is a byte a sample; an AIFF-C compression not read is no length',
    async () => {
      const aiff = (bits: number, compression?: string): Buffer => {
        const comm = Buffer.alloc(compression ? 22 : 18);
        comm.writeInt16BE(1, 0);
        comm.writeUInt32BE(39_200_000, 2); // 2.7 h at 4 kHz: COMM's claim
        comm.writeUInt16BE(bits, 6);
        comm.writeUInt16BE(16383 + 11, 8); // 4,000 Hz: 2^11 x 1.953125
        comm.writeUInt32BE(0xfa000000, 10);
        if (compression) comm.write(compression, 18, 'latin1');
        const data = Buffer.alloc(N - 80);
        const ssnd = Buffer.concat([Buffer.from('SSND'), Buffer.from(u32be(8 + data.length)), Buffer.alloc(8), data]);
        const body = Buffer.concat([
          Buffer.from(compression ? 'AIFC' : 'AIFF'),
          Buffer.from('COMM'),
          Buffer.from(u32be(comm.length)),
          comm,
          ssnd,
        ]);
        return Buffer.concat([Buffer.from('FORM'), Buffer.from(u32be(body.length)), body]);
      };
      // 9,800 s counted before (a division by 0 took COMM's count); ffmpeg reads 8-bit samples
      const zero = put(dir, 'bits0.aiff', aiff(0));
      const z = await probe(zero);
      expect(Math.abs(z.seconds! - decoded(zero))).toBeLessThan(0.01);
      for (const c of ['zzzz', 'QDM2']) {
        const f = put(dir, `untold-${c}.aifc`, aiff(16, c));
        expect(decoded(f)).toBe(0);
        expect((await probe(f)).kind).toBe('unreadable');
      }
    },
  );

  itWith(
    ['ffmpeg'],
    "Monkey's Audio, TTA and TAK: a seek table, sample size or frames a decoder refuses count nothing",
    async () => {
      const rate = 8000;
      const bpf = 73728 * 4;
      const frames = 2127;
      const hdr = Buffer.concat([u16le(2000, 0), u32le(bpf, bpf, frames), u16le(16, 1), u32le(rate)]);
      const descOf = (seekBytes: number, frameBytes: number): Buffer =>
        Buffer.concat([
          Buffer.from('MAC '),
          u16le(3990, 0),
          u32le(52, 24, seekBytes, 0, frameBytes, 0, 0),
          Buffer.alloc(16),
        ]);
      // a seek table of 1 entry for 2,127 frames, or every entry at one offset: 78,410 s counted before
      const short = Buffer.concat([descOf(4, N - 100), hdr, u32le(80)]);
      const same = Buffer.concat([
        descOf(4 * frames, 1000),
        hdr,
        u32le(...new Array<number>(frames).fill(76 + 4 * frames)),
      ]);
      const tta = Buffer.concat([Buffer.from('TTA1'), u16le(1, 1, 0), u32le(rate, 7_920_000), Buffer.alloc(4)]);
      // TAK: STREAMINFO of 7.8 M samples (zeros after it: no frame)
      let v = 2n | (7_840_000n << 14n) | (BigInt(rate - 6000) << 52n) | (8n << 70n);
      const info = Buffer.alloc(13);
      for (let i = 0; i < 10; i++, v >>= 8n) info[i] = Number(v & 0xffn);
      const tak = Buffer.concat([Buffer.from('tBaK'), Buffer.from([1, 13, 0, 0]), info, Buffer.alloc(4)]);
      for (const [name, head] of [
        ['short.ape', short],
        ['same.ape', same],
        ['bits0.tta', tta],
        ['claim.tak', tak],
      ] as const) {
        const f = put(dir, name, Buffer.concat([head, Buffer.alloc(N - head.length)]));
        expect(decoded(f)).toBe(0);
        expect((await probe(f)).kind).toBe('unreadable');
      }
    },
  );

  itWith(
    ['ffmpeg'],
    'WavPack (round 21): a block of too many samples, DSD too, and PCM blocks without the data a decoder needs count nothing',
    async () => {
      const real = join(dir, 'tone.wv');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=5,volume=0.5', '-c:a', 'wavpack', real);
      const b = readFileSync(real);
      const first = b.subarray(0, 32);
      // blocks of the real header, each a bare bitstream sub-block of 0 words: 150,000 samples "each"
      const bare = Array.from({ length: 200 }, (_, i) => {
        const h = Buffer.concat([Buffer.from(first), Buffer.from([0x0a, 0])]);
        h.writeUInt32LE(26, 4);
        h.writeUInt32LE(i * 150_000, 16);
        h.writeUInt32LE(150_000, 20);
        return h;
      });
      // (zeros after them: 1 MB, so the guard's floor lets the 3,750 s claimed through, as round 21 did)
      const forged = put(dir, 'bare-stream.wv', Buffer.concat([...bare, Buffer.alloc(N - 200 * 34)]));
      expect(decoded(forged)).toBe(0);
      expect((await probe(forged)).kind).toBe('unreadable');
      // a DSD block (flag bit 31) claiming 640,000,000 samples, its DSD sub-block present
      const dsd = Buffer.concat([Buffer.from(first), Buffer.from([0x0e, 1, 2, 0])]);
      dsd.writeUInt32LE(28, 4);
      dsd.writeUInt32LE(0, 16);
      dsd.writeUInt32LE(640_000_000, 20);
      dsd.writeUInt32LE((dsd.readUInt32LE(24) | 0x80000000) >>> 0, 24);
      const big = put(dir, 'dsd-huge.wv', Buffer.concat([dsd, Buffer.alloc(N - 36)]));
      expect(decoded(big)).toBe(0);
      expect((await probe(big)).kind).toBe('unreadable');
      // the real file still counts what ffmpeg decodes
      expect(Math.abs((await probe(real)).seconds! - decoded(real))).toBeLessThan(0.01);
    },
  );

  itWith(['ffmpeg'], 'CAF (round 21): variable packets of FLAC or MP3, all zeros, count nothing', async () => {
    // (AMR's zero bytes are frames ffmpeg decodes: packets of 'samr' are now unreadable, an undercount)
    for (const [format, fpp] of [
      ['flac', 4608],
      ['.mp3', 576],
    ] as const) {
      // 4,000 packets of 200 zero bytes; the table's valid frames all of them
      const f = put(
        dir,
        `zeros-${format.replace('.', '')}.caf`,
        Buffer.concat([
          Buffer.from('caff\x00\x01\x00\x00', 'latin1'),
          cafDesc(format, 8000, 0, fpp),
          pakt(new Array<number>(4000).fill(200), 4000 * fpp),
          cafChunk('data', Buffer.alloc(4 + 4000 * 200)),
        ]),
      );
      expect(decoded(f)).toBe(0);
      expect((await probe(f)).kind).toBe('unreadable');
    }
  });

  itWith(['ffmpeg'], 'DSF: a forged sample count is sized from the bytes at a bit a sample a channel', async () => {
    const n = 8192 * 120;
    const rate = 2_822_400;
    const total = n + 28 + 52 + 12;
    const fmt = Buffer.alloc(40);
    fmt.writeUInt32LE(1, 0);
    fmt.writeUInt32LE(2, 8);
    fmt.writeUInt32LE(2, 12);
    fmt.writeUInt32LE(rate, 16);
    fmt.writeUInt32LE(1, 20);
    fmt.writeBigUInt64LE(BigInt(Math.floor(((total * 8) / 100) * 0.99 * rate)), 24);
    fmt.writeUInt32LE(4096, 32);
    const le64 = (x: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(x));
      return b;
    };
    const dsf = put(
      dir,
      'forged.dsf',
      Buffer.concat([
        Buffer.from('DSD '),
        le64(28),
        le64(total),
        le64(0),
        Buffer.from('fmt '),
        le64(52),
        fmt,
        Buffer.from('data'),
        le64(12 + n),
        Buffer.alloc(n, 0x69),
      ]),
    );
    // 21.6 h counted before; ffmpeg decodes 1.39 s
    const p = await probe(dsf);
    expect(p.error).toMatch(/sized from the bytes/);
    expect(Math.abs(p.seconds! - decoded(dsf))).toBeLessThan(0.01);
  });
});

function u32be(v: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}
