/**
 * Attack round 22's Matroska ACM/PCM/WavPack/TTA and ADPCM findings, each built here from real audio
 * ffmpeg makes, then forged with Buffer writes, and judged by ffmpeg's decoded length:
 *  - C1: WMA 2 in Matroska's A_MS/ACM with a block align of 2 (and a byte rate to match): a rate no
 *    WMA encoder writes, so every block of it counted hours;
 *  - C6: Matroska WavPack blocks whose decorrelation sub-blocks are made dummies (a bitstream alone);
 *  - H13: MS and IMA ADPCM blocks whose headers ffmpeg refuses (step index over 88, predictor over 6),
 *    in WAV, AVI and Matroska's ACM;
 *  - H12: TTA frames of random bytes, in .tta and in Matroska;
 *  - H9: Matroska ACM G.726 whose fmt says 2 bits where its byte rate says 5;
 *  - H14, M1: Matroska ACM float of 16 bits, A_PCM/FLOAT/IEEE of BitDepth 8, ACM PCM of 9 bits and
 *    A_PCM/INT/LIT of BitDepth 12.
 * A real file of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forged, vint } from './forge.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, ffmpeg, decoded, probe, atMostDecoded } from './decoded.js';

/** the judge's bound with a second of slack */
const atMostDecoded1 = (path: string) => atMostDecoded(path, 1);

const dir = tempDir('leaktally-r22m-');

/** 20 s of a 440 Hz tone at `rate`, encoded by ffmpeg with `codec` into `name` (its extension the container). */
function encode(name: string, codec: string, rate = 8000, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=20`, '-ac', '1', '-c:a', codec, ...opts, out);
  return out;
}

/** The payload ([start, end)) of every SimpleBlock of a file ffmpeg made (one track), past its 4-byte block header. */
function mkaBlocks(b: Buffer): [number, number][] {
  const out: [number, number][] = [];
  const walk = (from: number, to: number): void => {
    for (let p = from; p < to;) {
      let idLen = 1;
      while (!(b[p]! & (0x100 >> idLen))) idLen++;
      const id = b.readUIntBE(p, idLen);
      const size = vint(b, p + idLen);
      const data = p + idLen + size.len;
      const allOnes = size.value === 2 ** (7 * size.len) - 1;
      const end = allOnes ? to : data + size.value;
      if (id === 0x18538067 || id === 0x1f43b675) walk(data, Math.min(end, to));
      else if (id === 0xa3) out.push([data + 4, end]);
      p = end;
    }
  };
  walk(0, b.length);
  return out;
}

/** Where the track's CodecPrivate's bytes start (the WAVEFORMATEX of an A_MS/ACM track). */
function codecPrivate(b: Buffer): number {
  const at = b.indexOf(Buffer.from([0x63, 0xa2]));
  return at + 2 + vint(b, at + 2).len;
}

/** The BitDepth element's one-byte value. */
function bitDepthAt(b: Buffer): number {
  const at = b.indexOf(Buffer.from([0x62, 0x64, 0x81]));
  if (at < 0) throw new Error('no BitDepth');
  return at + 3;
}

/** ADPCM blocks of `align` bytes from `from` to `to`: each one's header spoiled as ffmpeg refuses it. */
function spoil(b: Buffer, from: number, to: number, align: number, tag: 'ima' | 'ms', every = 1): void {
  for (let p = from, n = 0; p + align <= to; p += align, n++) {
    if (n % every) continue;
    if (tag === 'ima') b.writeUInt16LE(0x00ff, p + 2);
    else b[p] = 7;
  }
}

/** The data chunk of a WAV ffmpeg made: [start, end) and its fmt's block align. */
function wavData(b: Buffer): { from: number; to: number; align: number } {
  const fmt = b.indexOf('fmt ');
  const data = b.indexOf('data');
  return { from: data + 8, to: data + 8 + b.readUInt32LE(data + 4), align: b.readUInt16LE(fmt + 8 + 12) };
}

describe('round 22: Matroska ACM, PCM, WavPack and TTA, and ADPCM blocks, as ffmpeg decodes them', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    "C1: WMA 2 in A_MS/ACM with a block align of 2 is no encoder's: not sized at 15.6 B/s; a real one counts as decoded",
    async () => {
      const real = encode('wma.mka', 'wmav2', 16000, '-b:a', '32k');
      await asDecoded(real, 0.1);
      const bad = forged(real, 'wma-align2.mka', (b) => {
        const w = codecPrivate(b);
        expect(b.readUInt16LE(w)).toBe(0x161);
        b.writeUInt32LE(4, w + 8); // byte rate, as align 2 gives it at 16 kHz
        b.writeUInt16LE(2, w + 12);
      });
      const { r } = await atMostDecoded1(bad);
      expect(r.codec).toBe('MKA/WMA');
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wavpack')],
    'C6: Matroska WavPack blocks with a bitstream but no decorrelation data count nothing; a real one counts as decoded',
    async () => {
      const real = encode('wv.mka', 'wavpack');
      await asDecoded(real);
      const bad = forged(real, 'wv-bare.mka', (b) => {
        for (const [from, to] of mkaBlocks(b)) {
          // past the sample count, flags and CRC: each sub-block but the bitstream made a dummy (id 0)
          for (let p = from + 12; p + 2 <= to;) {
            const id = b[p]!;
            const large = id & 0x80;
            const words = large ? b.readUIntLE(p + 1, 3) : b[p + 1]!;
            if ((id & 0x3f) !== 0x0a) b[p] = id & 0xc0;
            p += (large ? 4 : 2) + words * 2;
          }
        }
      });
      expect(decoded(bad)).toBe(0);
      await atMostDecoded1(bad);
    },
  );

  for (const [codec, tag] of [
    ['adpcm_ima_wav', 'ima'],
    ['adpcm_ms', 'ms'],
  ] as const) {
    itWith(
      ['ffmpeg', ffmpegEncoder(codec)],
      `H13: ${codec} blocks whose headers ffmpeg refuses count nothing in WAV, AVI and MKA; real ones count as decoded`,
      async () => {
        const wav = encode(`${tag}.wav`, codec);
        const avi = encode(`${tag}.avi`, codec);
        const mka = encode(`${tag}.mka`, codec);
        for (const f of [wav, avi, mka]) await asDecoded(f, 0.1);
        const align = wavData(readFileSync(wav)).align;
        // every block spoiled, and every other one (a refused block drops the rest of its WAV packet)
        for (const every of [1, 2]) {
          const w = forged(wav, `${tag}-${every}.wav`, (b) => {
            const d = wavData(b);
            spoil(b, d.from, d.to, align, tag, every);
          });
          const a = forged(avi, `${tag}-${every}.avi`, (b) => {
            for (let p = b.indexOf('00wb'); p >= 0; p = b.indexOf('00wb', p + 8)) {
              const size = b.readUInt32LE(p + 4);
              spoil(b, p + 8, p + 8 + size, align, tag, every);
            }
          });
          const m = forged(mka, `${tag}-${every}.mka`, (b) => {
            for (const [from, to] of mkaBlocks(b)) spoil(b, from, to, align, tag, every);
          });
          for (const f of [w, a, m]) await atMostDecoded1(f);
        }
      },
      60_000,
    );
  }

  itWith(
    ['ffmpeg', ffmpegEncoder('tta')],
    'H12: TTA frames of random bytes count nothing in .tta and MKA; real ones count as decoded',
    async () => {
      const tta = encode('t.tta', 'tta');
      const mka = encode('t.mka', 'tta');
      await asDecoded(tta);
      await asDecoded(mka);
      // a fixed pseudo-random fill (a test must not differ from run to run)
      let x = 12345;
      const junk = (b: Buffer, from: number, to: number): void => {
        for (let p = from; p < to; p++) {
          x = (x * 1103515245 + 12345) >>> 0;
          b[p] = x >>> 24;
        }
      };
      const t = forged(tta, 't-junk.tta', (b) => {
        const rate = b.readUInt32LE(10);
        const frames = Math.ceil(b.readUInt32LE(14) / Math.floor((256 * rate) / 245));
        junk(b, 22 + frames * 4 + 4, b.length);
      });
      const m = forged(mka, 't-junk.mka', (b) => {
        for (const [from, to] of mkaBlocks(b)) junk(b, from, to);
      });
      for (const f of [t, m]) {
        expect(decoded(f)).toBe(0);
        await atMostDecoded1(f);
      }
      // without a BitDepth ffmpeg does not open the track
      const nobits = forged(mka, 't-nobits.mka', (b) => {
        const at = bitDepthAt(b);
        b[at - 3] = 0xec; // the BitDepth element made a Void of the same size
        b[at - 2] = 0x81;
      });
      expect((await probe(nobits)).kind).toBe('unreadable');
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('g726')],
    "H9: Matroska ACM G.726 takes its code size from the byte rate (5 bits), not the fmt's 2",
    async () => {
      const real = encode('g726.mka', 'g726', 8000, '-b:a', '40k');
      await asDecoded(real);
      const bad = forged(real, 'g726-2bits.mka', (b) => {
        const w = codecPrivate(b);
        expect(b.readUInt16LE(w)).toBe(0x45);
        b.writeUInt16LE(2, w + 14);
        // and the timeline stretched to match 2 bits (a TimecodeScale of 2.5 ms), as the fmt's claim would have it
        const scale = b.indexOf(Buffer.from([0x2a, 0xd7, 0xb1, 0x83, 0x0f, 0x42, 0x40]));
        expect(scale).toBeGreaterThan(0);
        b.writeUIntBE(2_500_000, scale + 4, 3);
      });
      await atMostDecoded1(bad);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('pcm_mulaw'), ffmpegEncoder('pcm_f32le'), ffmpegEncoder('pcm_s16le')],
    'H14, M1: Matroska PCM sized as ffmpeg takes it: ACM float of 16 bits refused, float of BitDepth 8 at 4 bytes, 9 and 12 bits at 2',
    async () => {
      const ulaw = encode('ulaw.mka', 'pcm_mulaw');
      const float = encode('float.mka', 'pcm_f32le');
      const int = encode('int.mka', 'pcm_s16le');
      for (const f of [ulaw, float, int]) await asDecoded(f);
      const acmFloat16 = forged(ulaw, 'acm-float16.mka', (b) => {
        const w = codecPrivate(b);
        b.writeUInt16LE(3, w);
        b.writeUInt16LE(16, w + 14);
      });
      const acmPcm9 = forged(ulaw, 'acm-pcm9.mka', (b) => {
        const w = codecPrivate(b);
        b.writeUInt16LE(1, w);
        b.writeUInt16LE(9, w + 14);
      });
      const float8 = forged(float, 'float8.mka', (b) => {
        b[bitDepthAt(b)] = 8;
      });
      const int12 = forged(int, 'int12.mka', (b) => {
        b[bitDepthAt(b)] = 12;
      });
      for (const f of [acmFloat16, acmPcm9, float8, int12]) await atMostDecoded1(f);
      expect((await probe(acmFloat16)).kind).toBe('unreadable');
      for (const f of [acmPcm9, float8, int12]) await asDecoded(f);
    },
    60_000,
  );
});
