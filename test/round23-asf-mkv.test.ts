/**
 * Attack round 23's ASF, Matroska and DTS findings, each built here from real audio ffmpeg makes, then
 * forged with Buffer writes, and judged by ffmpeg's decoded length:
 *  - C4: ASF whose audio stream's format tag is a codec ffmpeg has no decoder for (0x1234), or WMA Pro
 *    or Voice with a byte rate of 1 B/s; C4b: ASF PCM of 0 channels or a rate of 0;
 *  - C6: Matroska tracks of a codec ffmpeg has no decoder for: an ACM format tag of none (0x1234), an
 *    A_QUICKTIME with no sample description, a codec ID no demuxer knows;
 *  - H1: DTS core frames ffmpeg refuses (a deficit sample count, PCM blocks not a multiple of 8) or whose
 *    bodies are random, in Matroska, AVI and MP4;
 *  - H2: Matroska PCM (A_PCM and ACM) whose SamplingFrequency is 0.
 * A real file of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { join } from 'node:path';
import { forged, junk, vint } from './forge.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, ffmpeg, decoded, probe, atMostDecoded } from './decoded.js';

/** the judge's bound with a second of slack */
const atMostDecoded1 = (path: string) => atMostDecoded(path, 1);

const dir = tempDir('leaktally-r23am-');

/** `seconds` of pink noise at `rate`, mono, encoded by ffmpeg with `opts` into `name` (its extension the container). */
function make(name: string, seconds: number, rate: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=pink:r=${rate}:a=0.3`, '-ac', '1', ...opts, out);
  return out;
}

/** Where the bytes of the first element with this id (its bytes as written) start, and their size. */
function elementAt(b: Buffer, id: number[]): { at: number; size: number } {
  const p = b.indexOf(Buffer.from(id));
  if (p < 0) throw new Error(`no element ${Buffer.from(id).toString('hex')}`);
  const s = vint(b, p + id.length);
  return { at: p + id.length + s.len, size: s.value };
}

/** Where the track's SamplingFrequency (a float of 4 or 8 bytes equal to `rate`) starts, and its size. */
function rateAt(b: Buffer, rate: number): { at: number; size: number } {
  for (let p = b.indexOf(0xb5); p >= 0; p = b.indexOf(0xb5, p + 1)) {
    if (b[p + 1] === 0x88 && b.readDoubleBE(p + 2) === rate) return { at: p + 2, size: 8 };
    if (b[p + 1] === 0x84 && b.readFloatBE(p + 2) === rate) return { at: p + 2, size: 4 };
  }
  throw new Error('no SamplingFrequency');
}

/** Overwrite the codec ID `from` with `to` (as many bytes). */
function recodec(b: Buffer, from: string, to: string): void {
  const at = b.indexOf(from, 0, 'latin1');
  if (at < 0 || to.length !== from.length) throw new Error(`no codec ID ${from}`);
  b.write(to, at, 'latin1');
}

/** An ASF's audio stream's WAVEFORMATEX (its Stream Properties object's type-specific data). */
function asfFormat(b: Buffer): number {
  const at = b.indexOf(Buffer.from('9107dcb7b7a9cf118ee600c00c205365', 'hex'));
  if (at < 0) throw new Error('no Stream Properties object');
  return at + 24 + 54;
}

/** Every DTS core frame's header in the file (its sync word's place): each frame of ffmpeg's encoder. */
function dtsFrames(b: Buffer): number[] {
  const out: number[] = [];
  for (let p = b.indexOf(Buffer.from('7ffe8001', 'hex')); p >= 0; p = b.indexOf(Buffer.from('7ffe8001', 'hex'), p + 4))
    out.push(p);
  return out;
}

describe('round 23: ASF and Matroska codecs ffmpeg cannot decode, and DTS frames it refuses', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('wmav1'), ffmpegEncoder('wmav2')],
    'C4: ASF of a format tag with no decoder, or WMA Pro/Voice at 1 B/s, is unreadable; real ASF counts what ffmpeg decodes',
    async () => {
      const pcm = make('pcm.asf', 20, 8000, '-c:a', 'pcm_u8', '-f', 'asf');
      await asDecoded(pcm);
      await asDecoded(make('s16.asf', 20, 8000, '-c:a', 'pcm_s16le', '-f', 'asf'));
      await asDecoded(make('wmav1.wma', 20, 22050, '-c:a', 'wmav1'), 0.2);
      await asDecoded(make('wmav2.wma', 20, 16000, '-c:a', 'wmav2', '-b:a', '32k'), 0.2);
      await asDecoded(make('wmav2-44.wma', 20, 44100, '-c:a', 'wmav2', '-b:a', '64k'), 0.2);
      for (const [tag, name] of [
        [0x1234, 'unknown'],
        [0x0162, 'wmapro'],
        [0x000a, 'wmavoice'],
      ] as const) {
        const f = forged(pcm, `asf-${name}.asf`, (b) => {
          const wfx = asfFormat(b);
          b.writeUInt16LE(tag, wfx);
          b.writeUInt32LE(1, wfx + 8);
        });
        const { r, dec } = await atMostDecoded1(f);
        expect(dec).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'C4b: ASF PCM of 0 channels or a sample rate of 0 is unreadable',
    async () => {
      const pcm = make('pcm-b.asf', 20, 8000, '-c:a', 'pcm_u8', '-f', 'asf');
      for (const [field, name] of [
        [2, 'ch0'],
        [4, 'rate0'],
      ] as const) {
        const f = forged(pcm, `asf-pcm-${name}.asf`, (b) => {
          const wfx = asfFormat(b);
          if (field === 2) b.writeUInt16LE(0, wfx + 2);
          else b.writeUInt32LE(0, wfx + 4);
        });
        const { r } = await atMostDecoded1(f);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'C6: Matroska of an ACM tag, a QuickTime format or a codec ID with no decoder is unreadable',
    async () => {
      const ulaw = make('ulaw.mka', 20, 8000, '-c:a', 'pcm_mulaw');
      const s16 = make('s16.mka', 20, 8000, '-c:a', 'pcm_s16le');
      await asDecoded(ulaw);
      await asDecoded(s16);
      const cases = [
        // A_MS/ACM of format tag 0x1234 (ffmpeg's riff table maps it to nothing)
        forged(ulaw, 'acm1234.mka', (b) => b.writeUInt16LE(0x1234, elementAt(b, [0x63, 0xa2]).at)),
        // the same 8 bytes of codec ID, one no demuxer knows
        forged(ulaw, 'foobar.mka', (b) => recodec(b, 'A_MS/ACM', 'A_FOOBAR')),
        // A_QUICKTIME (padded with NULs to A_PCM/INT/LIT's 13 bytes) and no sample description
        forged(s16, 'qt.mka', (b) => recodec(b, 'A_PCM/INT/LIT', 'A_QUICKTIME\0\0')),
      ];
      for (const f of cases) {
        const { r, dec } = await atMostDecoded1(f);
        expect(dec, f).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
        expect(r.error).toMatch(/no decoder for codec/);
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'H2: Matroska PCM whose SamplingFrequency is 0 is unreadable',
    async () => {
      const u8 = make('u8.mka', 20, 8000, '-c:a', 'pcm_u8');
      await asDecoded(u8);
      const ulaw = make('ulaw-h2.mka', 20, 8000, '-c:a', 'pcm_mulaw');
      for (const [from, name] of [
        [u8, 'pcm-rate0.mka'],
        [ulaw, 'acm-rate0.mka'],
      ] as const) {
        const f = forged(from, name, (b) => {
          const { at, size } = rateAt(b, 8000);
          b.fill(0, at, at + size); // a float of +0.0
        });
        const { r, dec } = await atMostDecoded1(f);
        expect(dec).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('dca')],
    'H1: DTS core frames ffmpeg refuses count nothing in Matroska, AVI and MP4; real DTS counts what ffmpeg decodes',
    async () => {
      const dts = ['-c:a', 'dca', '-strict', '-2', '-b:a', '320k'];
      const real = [
        make('dts.mka', 10, 48000, ...dts),
        make('dts.avi', 4, 48000, ...dts),
        make('dts.mp4', 10, 48000, ...dts),
        make('dts44.mka', 10, 44100, ...dts),
      ];
      for (const f of real) await asDecoded(f);
      // each frame header: deficit samples 1 (SHORT 0: "Deficit samples are not supported"), or
      // 15 PCM blocks (NBLKS 14: not a multiple of 8)
      const forge = {
        deficit: (b: Buffer, p: number): void => void (b[p + 4]! &= 0x83),
        blocks15: (b: Buffer, p: number): void => {
          const n = 14;
          b[p + 4] = (b[p + 4]! & 0xfe) | (n >> 6);
          b[p + 5] = (b[p + 5]! & 0x03) | ((n & 0x3f) << 2);
        },
      };
      for (const f of real.slice(0, 3))
        for (const [name, spoil] of Object.entries(forge)) {
          const out = forged(f, `${name}-${f.slice(f.lastIndexOf('/') + 1)}`, (b) => {
            for (const p of dtsFrames(b)) spoil(b, p);
          });
          const { dec } = await atMostDecoded1(out);
          expect(dec, out).toBe(0);
        }
    },
    180_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('dca')],
    'H1a: DTS core frames whose headers ffmpeg takes over random bodies count next to nothing',
    async () => {
      const real = make('dts-a.mka', 20, 48000, '-c:a', 'dca', '-strict', '-2', '-b:a', '320k');
      const claimed = (await probe(real)).seconds!;
      const next = junk(23);
      // the frame header (13 bytes, no header CRC) kept, the coding header and all after it random
      const out = forged(real, 'dts-junk.mka', (b) => {
        for (const p of dtsFrames(b)) {
          const size = (((b[p + 5]! & 3) << 12) | (b[p + 6]! << 4) | (b[p + 7]! >> 4)) + 1;
          for (let q = p + 13; q < p + size && q < b.length; q++) b[q] = next();
        }
      });
      const r = await probe(out);
      const dec = decoded(out);
      expect(dec).toBe(0);
      // about one random coding header in forty passes ffmpeg's checks (the body behind it is not read)
      expect(r.seconds ?? 0, JSON.stringify(r)).toBeLessThanOrEqual(0.05 * claimed);
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus'), ffmpegEncoder('libvorbis'), ffmpegEncoder('libmp3lame')],
    'real Matroska of each codec leaktally reads still counts what ffmpeg decodes',
    async () => {
      for (const [name, opts] of [
        ['flac.mka', ['-c:a', 'flac']],
        ['opus.mka', ['-c:a', 'libopus']],
        ['vorbis.mka', ['-c:a', 'libvorbis']],
        ['aac.mka', ['-c:a', 'aac']],
        ['mp3.mka', ['-c:a', 'libmp3lame']],
        ['ac3.mka', ['-c:a', 'ac3']],
        ['f32.mka', ['-c:a', 'pcm_f32le']],
        ['alaw.mka', ['-c:a', 'pcm_alaw']],
        ['adpcm.mka', ['-c:a', 'adpcm_ms']],
      ] as const)
        await asDecoded(make(name, 10, name === 'opus.mka' ? 48000 : 44100, ...opts), 0.1);
    },
    120_000,
  );
});
