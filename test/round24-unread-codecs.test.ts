/**
 * Round 24's codecs whose packets no reader here walked, built here (Matroska written element by
 * element, CAF byte by byte, MP4 forged from a real file) and judged by ffmpeg's decoded length:
 *  - Matroska tracks of a codec ffmpeg decodes but leaktally does not read (RealAudio cook, ATRAC3,
 *    SIPR, QuickTime QDM2/QDMC, ACM WMA with the bit reservoir, ACM AAC): their blocks were counted
 *    by their steps (2 s each), junk blocks made hours; now unreadable. TrueSpeech, G.723.1 and Speex
 *    in ACM are counted as their decoders count them, as are 64-bit PCM and DFPWM (extensible).
 *  - Matroska PCM and ACM decoded at the track's OutputSamplingFrequency (or SamplingFrequency), not
 *    at the SamplingFrequency alone or the WAVEFORMATEX's rate; A_PCM without a BitDepth.
 *  - CAF and MP4 QDM2/QDMC: counted by the description or the untold-codec bound, ffmpeg decoding none.
 * A real file of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forged, junk } from './forge.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg } from './decoded.js';

const dir = tempDir('leaktally-r24u-');

/** An EBML element: its id's bytes, then its size as an 8-byte vint, then its body. */
function el(id: number[], ...body: Buffer[]): Buffer {
  const data = Buffer.concat(body);
  const size = Buffer.alloc(8);
  size.writeUIntBE(data.length, 2, 6);
  size[0] = 0x01;
  return Buffer.concat([Buffer.from(id), size, data]);
}

const uint = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const f64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b;
};

interface Mka {
  codec: string;
  priv?: Buffer;
  rate?: number;
  outRate?: number;
  channels?: number;
  bitDepth?: number;
  /** each block's payload, one a `stepMs` apart */
  blocks: Buffer[];
  stepMs: number;
}

/** A Matroska file of one audio track, no Duration, its blocks in clusters of 30 s. */
function mka(name: string, m: Mka): string {
  const audio = [
    ...(m.rate !== undefined ? [el([0xb5], f64(m.rate))] : []),
    ...(m.outRate !== undefined ? [el([0x78, 0xb5], f64(m.outRate))] : []),
    el([0x9f], uint(m.channels ?? 1)),
    ...(m.bitDepth !== undefined ? [el([0x62, 0x64], uint(m.bitDepth))] : []),
  ];
  const entry = el(
    [0xae],
    el([0xd7], Buffer.from([1])),
    el([0x83], Buffer.from([2])),
    el([0x86], Buffer.from(m.codec, 'latin1')),
    ...(m.priv ? [el([0x63, 0xa2], m.priv)] : []),
    el([0xe1], ...audio),
  );
  const clusters: Buffer[] = [];
  const per = Math.max(1, Math.floor(30000 / m.stepMs));
  for (let i = 0; i < m.blocks.length; i += per) {
    const tc = i * m.stepMs;
    const blocks = m.blocks.slice(i, i + per).map((payload, k) => {
      const head = Buffer.from([0x81, 0, 0, 0x80]);
      head.writeInt16BE(k * m.stepMs, 1);
      return el([0xa3], head, payload);
    });
    clusters.push(el([0x1f, 0x43, 0xb6, 0x75], el([0xe7], uint(tc)), ...blocks));
  }
  const file = Buffer.concat([
    el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], Buffer.from('matroska'))),
    el(
      [0x18, 0x53, 0x80, 0x67],
      el([0x15, 0x49, 0xa9, 0x66], el([0x2a, 0xd7, 0xb1], uint(1_000_000))),
      el([0x16, 0x54, 0xae, 0x6b], entry),
      ...clusters,
    ),
  ]);
  const out = join(dir, name);
  writeFileSync(out, file);
  return out;
}

/** A WAVEFORMATEX: tag, channels, rate, byte rate, block align, bits, then `extra` (its size before it). */
function wfx(
  tag: number,
  ch: number,
  rate: number,
  byteRate: number,
  align: number,
  bits: number,
  extra = Buffer.alloc(0),
): Buffer {
  const b = Buffer.alloc(18);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(ch, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(byteRate, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(bits, 14);
  b.writeUInt16LE(extra.length, 16);
  return Buffer.concat([b, extra]);
}

/** `n` blocks of `size` random bytes. */
function junkBlocks(n: number, size: number, seed: number): Buffer[] {
  const next = junk(seed);
  return Array.from({ length: n }, () => Buffer.from(Array.from({ length: size }, next)));
}

describe('round 24: codecs whose packets no reader here walks', () => {
  itWith(
    ['ffmpeg'],
    'Matroska of a codec ffmpeg decodes but no reader here reads is unreadable, never its blocks steps',
    async () => {
      // 2,000 blocks of 25 random bytes 2 s apart (~90 KB): counted ~4,000 s each before (round 23: 900 KB, 56,000 s)
      const blocks = junkBlocks(2000, 25, 24);
      const qdm2 = Buffer.concat([uint(36), Buffer.from('QDM2'), Buffer.alloc(28)]);
      const cases: [string, Mka][] = [
        ['cook.mka', { codec: 'A_REAL/COOK', rate: 8000, blocks, stepMs: 2000 }],
        ['atrc.mka', { codec: 'A_REAL/ATRC', rate: 44100, channels: 2, blocks, stepMs: 2000 }],
        ['sipr.mka', { codec: 'A_REAL/SIPR', rate: 8000, blocks, stepMs: 2000 }],
        ['qdm2.mka', { codec: 'A_QUICKTIME/QDM2', rate: 22050, blocks, stepMs: 2000 }],
        ['qdmc.mka', { codec: 'A_QUICKTIME/QDMC', rate: 22050, blocks, stepMs: 2000 }],
        ['qt-qdm2.mka', { codec: 'A_QUICKTIME', priv: qdm2, rate: 22050, blocks, stepMs: 2000 }],
        // WMA 2 with the bit reservoir (flags 0x0f): each superframe's frame count is a claim
        [
          'wma-reservoir.mka',
          {
            codec: 'A_MS/ACM',
            priv: wfx(0x161, 1, 16000, 2000, 25, 16, Buffer.from([0, 0, 0, 0, 0x0f, 0, 0, 0, 0, 0])),
            rate: 16000,
            blocks,
            stepMs: 2000,
          },
        ],
        [
          'acm-aac.mka',
          { codec: 'A_MS/ACM', priv: wfx(0xff, 1, 8000, 1000, 25, 16), rate: 8000, blocks, stepMs: 2000 },
        ],
      ];
      for (const [name, m] of cases) {
        const f = mka(name, m);
        const { r, dec } = await atMostDecoded(f, 1);
        expect(r.kind, `${name}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBe('unreadable');
        expect(r.error).toMatch(/in Matroska is not read by leaktally/);
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'TrueSpeech in Matroska counts 240 samples for every whole 32 bytes of a block, as ffmpeg decodes it',
    async () => {
      const priv = wfx(0x22, 1, 8000, 1067, 32, 1, Buffer.alloc(32));
      // 25-byte blocks hold no frame: ffmpeg decodes none ("need at least 32 bytes"); their steps made 4,000 s
      const short = mka('ts-short.mka', {
        codec: 'A_MS/ACM',
        priv,
        rate: 8000,
        blocks: junkBlocks(2000, 25, 1),
        stepMs: 2000,
      });
      const { r, dec } = await atMostDecoded(short, 1);
      expect(dec).toBe(0);
      expect(r.seconds ?? 0, JSON.stringify(r)).toBeLessThanOrEqual(1);
      // 100-byte blocks (3 frames, 90 ms) 2 s apart: 18 s decoded, their steps counted 400 s
      const sparse = mka('ts-sparse.mka', {
        codec: 'A_MS/ACM',
        priv,
        rate: 8000,
        blocks: junkBlocks(200, 100, 2),
        stepMs: 2000,
      });
      const s = await atMostDecoded(sparse, 0.1);
      expect(s.dec).toBeCloseTo(18, 1);
      expect(s.r.seconds, JSON.stringify(s.r)).toBeGreaterThan(17.9);
      // 96-byte blocks 90 ms apart, at a track rate of 16 kHz (the decoder's, not the WAVEFORMATEX's 8 kHz)
      const timed = mka('ts-16k.mka', {
        codec: 'A_MS/ACM',
        priv,
        rate: 16000,
        blocks: junkBlocks(500, 96, 3),
        stepMs: 45,
      });
      await asDecoded(timed, 0.1);
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'Matroska PCM and ACM are counted at the rate ffmpeg decodes them at: the OutputSamplingFrequency, the track rate',
    async () => {
      const bytes = junkBlocks(160, 1000, 5);
      // 160,000 bytes of µ-law: 20 s at 8 kHz, 3.33 s at an OutputSamplingFrequency of 48 kHz
      const ulaw = wfx(7, 1, 8000, 8000, 1, 8);
      for (const [name, m] of [
        ['ulaw-out48k.mka', { codec: 'A_MS/ACM', priv: ulaw, rate: 8000, outRate: 48000, blocks: bytes, stepMs: 125 }],
        ['ulaw-track48k.mka', { codec: 'A_MS/ACM', priv: ulaw, rate: 48000, blocks: bytes, stepMs: 125 }],
        // no BitDepth: 16-bit integers, 32-bit floats (they were counted by their steps, 2x and 4x)
        ['s16-out48k.mka', { codec: 'A_PCM/INT/LIT', rate: 8000, outRate: 48000, blocks: bytes, stepMs: 125 }],
        ['f32-nodepth.mka', { codec: 'A_PCM/FLOAT/IEEE', rate: 8000, blocks: bytes, stepMs: 125 }],
      ] as const) {
        const f = mka(name, { ...m, blocks: [...m.blocks] });
        const dec = decoded(f);
        const expected = {
          'ulaw-out48k.mka': 3.33,
          'ulaw-track48k.mka': 3.33,
          's16-out48k.mka': 1.67,
          'f32-nodepth.mka': 5,
        }[name];
        expect(dec, name).toBeCloseTo(expected, 1);
        await asDecoded(f, 0.1);
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'CAF QDM2 and QDMC of constant packets are unreadable: the description is a claim nothing checks',
    async () => {
      const next = junk(11);
      for (const format of ['QDM2', 'QDMC']) {
        // "512 bytes for 2,048 frames" at 22,050 Hz, 200 KB of random packets: counted 36 s before
        const desc = Buffer.alloc(32);
        desc.writeDoubleBE(22050, 0);
        desc.write(format, 8, 'latin1');
        desc.writeUInt32BE(512, 16);
        desc.writeUInt32BE(2048, 20);
        desc.writeUInt32BE(1, 24);
        const data = Buffer.from(Array.from({ length: 200_000 }, next));
        const chunk = (type: string, body: Buffer): Buffer => {
          const h = Buffer.alloc(12);
          h.write(type, 0, 'latin1');
          h.writeBigInt64BE(BigInt(body.length), 4);
          return Buffer.concat([h, body]);
        };
        const f = join(dir, `${format}.caf`);
        writeFileSync(
          f,
          Buffer.concat([
            Buffer.from('caff\0\x01\0\0', 'latin1'),
            chunk('desc', desc),
            chunk('data', Buffer.concat([Buffer.alloc(4), data])),
          ]),
        );
        const { r, dec } = await atMostDecoded(f, 1);
        expect(dec).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('g723_1'), ffmpegEncoder('libspeex'), ffmpegEncoder('dfpwm')],
    'real Matroska of the ACM formats ffmpeg writes counts what ffmpeg decodes; G.723.1 and Speex junk what it decodes of it',
    async () => {
      const make = (name: string, rate: number, ...opts: string[]): string => {
        const out = join(dir, name);
        ffmpeg('-f', 'lavfi', '-i', `anoisesrc=d=10:c=pink:r=${rate}:a=0.3`, '-ac', '1', ...opts, out);
        return out;
      };
      const speex = make('speex.mka', 8000, '-c:a', 'libspeex');
      for (const f of [
        make('g723.mka', 8000, '-c:a', 'g723_1'),
        speex,
        make('speex16.mka', 16000, '-c:a', 'libspeex'),
        make('speex32.mka', 32000, '-c:a', 'libspeex', '-frames_per_packet', '4'),
        // WAVE_FORMAT_EXTENSIBLE: 64-bit PCM by the KSDATAFORMAT GUID, DFPWM by its own
        make('s64.mka', 8000, '-c:a', 'pcm_s64le'),
        make('dfpwm.mka', 48000, '-c:a', 'dfpwm'),
      ])
        await asDecoded(f, 0.05);
      // 2,000 blocks of 25 random bytes 2 s apart: counted 4,000 s before; ffmpeg decodes 119 s of the
      // G.723.1 frames their first bytes tell, and 14 s of the Speex packets it takes
      const b = readFileSync(speex);
      const at = b.indexOf(Buffer.from([0x63, 0xa2]));
      const speexPriv = b.subarray(at + 3, at + 3 + (b[at + 2]! & 0x7f));
      for (const [name, priv] of [
        ['g723-junk.mka', wfx(0x42, 1, 8000, 800, 24, 0)],
        ['speex-junk.mka', speexPriv],
      ] as const) {
        const f = mka(name, { codec: 'A_MS/ACM', priv, rate: 8000, blocks: junkBlocks(2000, 25, 9), stepMs: 2000 });
        const { r, dec } = await atMostDecoded(f, 0.05);
        expect(dec, name).toBeGreaterThan(5);
        expect(r.seconds, JSON.stringify(r)).toBeGreaterThan(dec - 0.05);
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'MP4 QDM2 and QDMC are unreadable: 1-byte junk samples counted 4,002 s of 1 MB under the untold-codec bound',
    async () => {
      const mov = join(dir, 'u8.mov');
      ffmpeg(
        '-f',
        'lavfi',
        '-i',
        'anoisesrc=d=125:c=pink:r=8000:a=0.3',
        '-ac',
        '1',
        '-c:a',
        'pcm_u8',
        '-f',
        'mov',
        mov,
      );
      for (const format of ['QDM2', 'QDMC']) {
        // a million 1-byte samples "of a second each": the movie's and the track's time scale 1, duration 1e6
        const f = forged(mov, `${format}.mov`, (b) => {
          const moov = b.lastIndexOf('moov');
          for (const atom of ['mvhd', 'mdhd']) {
            const a = b.indexOf(atom, moov);
            b.writeUInt32BE(1, a + 16);
            b.writeUInt32BE(1_000_000, a + 20);
          }
          b.write(format, b.indexOf('raw ', moov), 'latin1');
        });
        const { r, dec } = await atMostDecoded(f, 1);
        expect(dec).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
    60_000,
  );
});
