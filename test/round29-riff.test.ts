/**
 * Attack round 29a: ffmpeg's own files in WAV and AVI that the RIFF readers counted 0 (a real encoder's
 * file counted short, high).
 * - H1: AAC in AVI at 64-96 kHz or of more than 2 channels, which ffmpeg writes WAVE_FORMAT_EXTENSIBLE:
 *   its AudioSpecificConfig follows the extension's 22 bytes, and was dropped (0 of 30.46 s).
 * - H2: E-AC-3 in WAV and AVI, written under ffmpeg's own sub-format GUID (riff.c's ff_codec_wav_guids),
 *   which extensibleTag did not know (0 of 40.6 s); AC-3's and MP2's GUIDs alike.
 * - H3 (part): AC-3 and DTS in WAV, which AVI counted and WAV did not (its data chunk's frames); DFPWM
 *   in WAV and AVI, under ffmpeg's own GUID (0 of 10 s).
 * ffmpeg's decoded length judges each; a forged data chunk of zeros under those tags counts nothing.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r29-riff-');

/** A few seconds of tone and noise ffmpeg encodes, at a rate and channel count. */
function made(name: string, codec: string, rate: number, channels: number, seconds = 6): string {
  const out = join(dir, name);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=${rate}:duration=${seconds}`,
    '-ac',
    String(channels),
    '-ar',
    String(rate),
    '-strict',
    '-2',
    '-c:a',
    codec,
    out,
  );
  return out;
}

/** The offset of a chunk's body in a RIFF file (its id searched for). */
function chunkBody(b: Buffer, id: string): number {
  const at = b.indexOf(id, 12, 'latin1');
  if (at < 0) throw new Error(`no ${id} chunk`);
  return at + 8;
}

describe('round 29a: RIFF codecs ffmpeg writes', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    'H1: AAC in AVI written extensible (64 kHz, 6 channels) counts as decoded',
    async () => {
      for (const [rate, ch] of [
        [64000, 1],
        [96000, 2],
        [48000, 6],
      ] as const) {
        const f = made(`aac-${rate}-${ch}.avi`, 'aac', rate, ch);
        // (the file is extensible: strf's tag is 0xFFFE)
        const b = readFileSync(f);
        expect(b.readUInt16LE(chunkBody(b, 'strf'))).toBe(0xfffe);
        await asDecoded(f, 0.06);
      }
    },
  );

  itWith(['ffmpeg', ffmpegEncoder('eac3')], 'H2: E-AC-3 in WAV and AVI (its own GUID) counts as decoded', async () => {
    for (const name of ['eac3.wav', 'eac3.avi', 'eac3-6ch.wav']) {
      const f = made(name, 'eac3', 48000, name.includes('6ch') ? 6 : 2);
      await asDecoded(f, 0.06);
    }
  });

  itWith(['ffmpeg', ffmpegEncoder('ac3', 'dca')], 'H3: AC-3 and DTS in WAV count as decoded', async () => {
    await asDecoded(made('ac3.wav', 'ac3', 48000, 1), 0.06);
    await asDecoded(made('ac3-6ch.wav', 'ac3', 48000, 6), 0.06);
    await asDecoded(made('dts.wav', 'dca', 48000, 2), 0.06);
  });

  itWith(['ffmpeg', ffmpegEncoder('dfpwm')], 'H3: DFPWM in WAV and AVI (its own GUID) counts as decoded', async () => {
    await asDecoded(made('dfpwm.wav', 'dfpwm', 16000, 1), 0.06);
    await asDecoded(made('dfpwm-2ch.wav', 'dfpwm', 16000, 2), 0.06);
    await asDecoded(made('dfpwm.avi', 'dfpwm', 8000, 1, 3), 0.06);
  });

  itWith(['ffmpeg', ffmpegEncoder('eac3', 'dca')], 'a forged E-AC-3 or DTS WAV of zeros counts nothing', async () => {
    for (const [name, codec] of [
      ['z-eac3.wav', 'eac3'],
      ['z-dts.wav', 'dca'],
    ] as const) {
      const f = made(name, codec, 48000, 2, 3);
      const b = readFileSync(f);
      b.fill(0, chunkBody(b, 'data'));
      writeFileSync(f, b);
      const { r } = await atMostDecoded(f, 0);
      expect(r.kind).toBe('unreadable');
      expect((await probe(f)).seconds ?? 0).toBe(0);
    }
  });
});
