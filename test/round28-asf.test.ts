/**
 * Attack round 28a, C1 and C2: ASF audio counted where ffmpeg decodes nothing.
 *
 * C1: WMA 1/2 without the bit reservoir (as ffmpeg's own encoder writes it) whose block align is 1:
 * every byte a frame of 512 samples, bounded only by the objects' times. ffmpeg's decoder fails every
 * object; AVI and Matroska refuse such a stream by the encoders' block-rate floor, which ASF lacked
 * (ffmpeg's 10 min WMA, 2.14 MB: 599.6 s counted, 0 decoded).
 *
 * C2: a codec leaktally neither walked nor sized by its bytes (AAC, AC-3, DTS, G.726 of 8-bit codes,
 * ATRAC3, the DK ADPCMs …) was counted by its objects' time steps: ffmpeg's own PCM ASF with its
 * format tag changed (2 bytes) counted 485 s of 6 MB, none decoded. Now AC-3 and DTS frames are walked,
 * AAC packets checked, the codecs whose packets' bytes tell their samples counted so, and any other
 * tag is unreadable; real encoders' files of each still count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { waveFormat } from './forge.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r28-asf-');

/** A real encoder's file: counted within 1 % of what ffmpeg decodes. */
async function withinOnePercent(path: string): Promise<void> {
  const r = await probe(path);
  const dec = decoded(path);
  expect(dec, path).toBeGreaterThan(1);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('audio');
  expect(Math.abs(r.seconds! - dec), `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(
    dec / 100,
  );
}

describe('ASF WMA 1/2 without the bit reservoir: the encoders block-rate floor (round 28a C1)', () => {
  itWith(['ffmpeg', ffmpegEncoder('wmav2')], 'block align 1: unreadable, as ffmpeg decodes none of it', async () => {
    const own = join(dir, 'w.wma');
    ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=16000:d=30', '-c:a', 'wmav2', '-b:a', '24k', own);
    await withinOnePercent(own);
    const b = readFileSync(own);
    const at = waveFormat(b, 0x161, 1, 16000);
    // (no bit reservoir: ffmpeg's encoder writes flags2 without it)
    expect(b.readUInt16LE(at + 22) & 2).toBe(0);
    b.writeUInt16LE(1, at + 12);
    const path = join(dir, 'w-ba1.wma');
    writeFileSync(path, b);
    const { r, dec } = await atMostDecoded(path, 0);
    expect(dec).toBe(0);
    expect(r.kind, JSON.stringify(r)).toBe('unreadable');
    expect(r.error).toMatch(/under any WMA encoder's/);
  });

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'the bit reservoir flag set and block align 1 or 2: every superframe fails its header, unreadable',
    async () => {
      const own = join(dir, 'w-res.wma');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=16000:d=30', '-c:a', 'wmav2', '-b:a', '24k', own);
      const b = readFileSync(own);
      const at = waveFormat(b, 0x161, 1, 16000);
      b.writeUInt16LE(b.readUInt16LE(at + 22) | 2, at + 22);
      for (const ba of [1, 2]) {
        b.writeUInt16LE(ba, at + 12);
        const path = join(dir, `w-res-ba${ba}.wma`);
        writeFileSync(path, b);
        const { r, dec } = await atMostDecoded(path, 0);
        expect(dec).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
  );
});

describe('ASF audio of a codec not read: unreadable; the codecs real encoders write, counted (round 28a C2)', () => {
  itWith(
    ['ffmpeg'],
    'PCM objects under an AAC, AC-3, DTS, G.726 (8-bit codes), ATRAC3 or DK4 tag: unreadable, ffmpeg decodes none',
    async () => {
      const own = join(dir, 'u8.asf');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=20', '-c:a', 'pcm_u8', own);
      await withinOnePercent(own);
      const b = readFileSync(own);
      const at = waveFormat(b, 1, 1, 8000);
      for (const tag of [0x00ff, 0x2000, 0x2001, 0x0045, 0x0270, 0x0061]) {
        const c = Buffer.from(b);
        c.writeUInt16LE(tag, at);
        const path = join(dir, `u8-${tag.toString(16)}.asf`);
        writeFileSync(path, c);
        const { r } = await atMostDecoded(path, 0);
        expect(r.kind, `${tag.toString(16)}: ${JSON.stringify(r)}`).toBe('unreadable');
      }
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('aac', 'ac3', 'eac3', 'dca', 'g722', 'g726', 'g723_1', 'adpcm_yamaha')],
    "ffmpeg's own AAC, AC-3, E-AC-3, DTS, G.722, G.726, G.723.1, Yamaha ADPCM and extensible PCM in ASF: counted within 1 %",
    async () => {
      const at8 = ['-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=20'];
      const cases: [string, string[]][] = [
        ['aac.asf', ['-f', 'lavfi', '-i', 'sine=f=440:r=16000:d=20', '-c:a', 'aac', '-b:a', '32k']],
        ['ac3.asf', ['-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=20', '-c:a', 'ac3', '-b:a', '64k']],
        ['dts.asf', ['-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=5', '-c:a', 'dca', '-strict', '-2']],
        ['g722.asf', ['-f', 'lavfi', '-i', 'sine=f=440:r=16000:d=20', '-c:a', 'g722']],
        ['g726-16k.asf', [...at8, '-c:a', 'g726', '-b:a', '16k']],
        ['g726-40k.asf', [...at8, '-c:a', 'g726', '-b:a', '40k']],
        ['g723.asf', [...at8, '-c:a', 'g723_1', '-b:a', '6300']],
        ['yamaha.asf', [...at8, '-c:a', 'adpcm_yamaha']],
        // WAVE_FORMAT_EXTENSIBLE, as ffmpeg writes E-AC-3 and PCM of 24 bits or 96 kHz: by its sub-format
        ['eac3.asf', ['-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=20', '-c:a', 'eac3', '-b:a', '64k']],
        ['s24.asf', [...at8, '-c:a', 'pcm_s24le']],
        ['pcm96k.asf', ['-f', 'lavfi', '-i', 'sine=f=440:r=96000:d=10', '-c:a', 'pcm_s16le']],
      ];
      for (const [name, args] of cases) {
        const path = join(dir, name);
        ffmpeg(...args, path);
        await withinOnePercent(path);
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libgsm_ms', 'libspeex')],
    "ffmpeg's GSM 6.10 (Microsoft's framing) and Speex in ASF: counted within 1 %",
    async () => {
      for (const [name, codec] of [
        ['gsm.asf', 'libgsm_ms'],
        ['speex.asf', 'libspeex'],
      ] as const) {
        const path = join(dir, name);
        ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=20', '-c:a', codec, path);
        await withinOnePercent(path);
      }
    },
  );
});

describe('ASF of two objects or fewer: what their bytes hold, not the last one’s time (found fixing round 28a)', () => {
  itWith(['ffmpeg'], "ffmpeg's own PCM in two 500,000-sample objects, its times x50: 125 s, not 3,127", async () => {
    const own = join(dir, 'two.asf');
    ffmpeg('-f', 'lavfi', '-i', 'sine=f=300:r=8000:d=125', '-af', 'asetnsamples=n=500000', '-c:a', 'pcm_u8', own);
    const path = join(dir, 'two-x50.asf');
    ffmpeg('-i', own, '-c', 'copy', '-bsf:a', 'setts=ts=TS*50', path);
    const { r, dec } = await atMostDecoded(path, 0.5);
    expect(dec).toBeGreaterThan(124);
    expect(r.kind, JSON.stringify(r)).toBe('audio');
  });
});
