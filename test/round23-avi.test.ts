/**
 * Attack round 23a's AVI findings, each built here from an AVI ffmpeg makes, then forged, and judged
 * by ffmpeg's decoded length:
 *  - C1: WMA 2 whose block align (and byte rate) is under any WMA encoder's rate: a 2-byte block taken
 *    as a 512-sample frame counted 1 MB as 63,360 s; and chunks of a block and a part of one, the part
 *    counted though ffmpeg's decoder drops it;
 *  - C2: an 'Og' Vorbis ACM tag (0x674f … 0x6771), which ffmpeg maps to no decoder, counted a chunk a frame;
 *  - C8: PCM or µ-law with a sample rate of 0, counted by strh's scale, rate and sample size;
 *  - H2: PCM or µ-law with 0 channels, PCM of 0 bits a sample, which ffmpeg opens no decoder for.
 * A real AVI of each kind (PCM, µ-law, IMA ADPCM, MP3, WMA 2) still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { ffmpeg, decoded, probe, asDecoded } from './decoded.js';

const dir = tempDir('leaktally-r23avi-');

/** An AVI of a tone (audio only) made by ffmpeg with these codec options. */
function tone(name: string, seconds: number, rate: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:d=${seconds}:r=${rate}`, ...opts, '-f', 'avi', out);
  return out;
}

/** Where the audio stream's WAVEFORMATEX (strf's body) and strh's body start. */
function headers(b: Buffer): { strf: number; strh: number } {
  return { strf: b.indexOf('strf') + 8, strh: b.indexOf('strh') + 8 };
}

/** strh's scale and rate set to claim scale/rate seconds a sample, and a sample of one byte. */
function claimStrh(b: Buffer, scale: number, rate: number): void {
  const { strh } = headers(b);
  b.writeUInt32LE(scale, strh + 20);
  b.writeUInt32LE(rate, strh + 24);
  b.writeUInt32LE(1, strh + 44);
}

/** The file with its first audio stream's chunks ('01wb' or '00wb' under 'movi') rebuilt by `make` from their bodies, no idx1. */
function rechunk(b: Buffer, make: (bodies: Buffer[]) => Buffer[]): Buffer {
  const movi = b.indexOf('movi') - 8;
  const end = movi + 8 + b.readUInt32LE(movi + 4);
  const bodies: Buffer[] = [];
  for (let p = movi + 12; p + 8 <= end;) {
    const size = b.readUInt32LE(p + 4);
    if (b.toString('latin1', p + 2, p + 4) === 'wb') bodies.push(b.subarray(p + 8, p + 8 + size));
    p += 8 + size + (size & 1);
  }
  const id = b.toString('latin1', movi + 12, movi + 16);
  const chunks = make(bodies).map((c) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(c.length, 4);
    return Buffer.concat([h, c, Buffer.alloc(c.length & 1)]);
  });
  const list = Buffer.concat([Buffer.from('LIST\0\0\0\0movi', 'latin1'), ...chunks]);
  list.writeUInt32LE(list.length - 8, 4);
  const out = Buffer.concat([b.subarray(0, movi), list]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

function save(name: string, b: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

describe('round 23a: AVI audio ffmpeg refuses or decodes less of is not counted past what it decodes', () => {
  itWith(['ffmpeg'], 'real AVIs of PCM, G.711 and IMA ADPCM count what ffmpeg decodes', async () => {
    for (const [name, ar, opts] of [
      ['s16.avi', 8000, ['-c:a', 'pcm_s16le']],
      ['s16st.avi', 16000, ['-ac', '2', '-c:a', 'pcm_s16le']],
      ['u8.avi', 8000, ['-c:a', 'pcm_u8']],
      ['ulaw.avi', 8000, ['-c:a', 'pcm_mulaw']],
      ['alaw.avi', 8000, ['-c:a', 'pcm_alaw']],
      ['ima.avi', 8000, ['-c:a', 'adpcm_ima_wav']],
    ] as const)
      await asDecoded(tone(name, 20, ar, ...opts), 0.05);
  });

  itWith(['ffmpeg', ffmpegEncoder('libmp3lame')], 'a real AVI of MP3 counts what ffmpeg decodes', async () => {
    await asDecoded(tone('mp3.avi', 20, 8000, '-c:a', 'libmp3lame', '-b:a', '16k'), 0.1);
  });

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    "C1: WMA 2 whose blocks' rate is under any WMA encoder's is unreadable; a real one counts what ffmpeg decodes",
    async () => {
      const real = tone('wma.avi', 20, 16000, '-c:a', 'wmav2', '-b:a', '24k');
      // block align 2 and its byte rate (2 bytes a 512-sample frame at 16 kHz: 62.5 B/s): the 20 s counted
      // ~1,000 times over; ffmpeg decodes what it conceals of 2-byte frames
      const b = readFileSync(real);
      const { strf } = headers(b);
      b.writeUInt32LE(62, strf + 8);
      b.writeUInt16LE(2, strf + 12);
      const forged = save('wma-a2.avi', b);
      const p = await probe(forged);
      expect(p.seconds ?? 0).toBeLessThanOrEqual(decoded(forged) + 1);
      expect(p).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/under any WMA encoder's/) });
      // the real one, labelled for the guard's WMA row (ffmpeg drops its decoder's delay, 32 ms)
      const r = await probe(real);
      expect(r).toMatchObject({ kind: 'audio', codec: 'AVI/WMA' });
      expect(Math.abs(r.seconds! - decoded(real))).toBeLessThanOrEqual(0.1);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'C1: WMA 2 chunks of a block and most of another count the one block ffmpeg decodes of each',
    async () => {
      const real = readFileSync(tone('wma-cut.avi', 20, 16000, '-c:a', 'wmav2', '-b:a', '24k'));
      const align = real.readUInt16LE(headers(real).strf + 12);
      // each chunk: one of the real blocks, then align - 1 zero bytes, which ffmpeg's decoder drops as a
      // packet too small for a block (counted as bytes, nearly twice what ffmpeg decodes)
      const path = save(
        'wma-cut2.avi',
        rechunk(real, (bodies) => {
          const all = Buffer.concat(bodies);
          const out: Buffer[] = [];
          for (let p = 0; p + align <= all.length; p += align)
            out.push(Buffer.concat([all.subarray(p, p + align), Buffer.alloc(align - 1)]));
          return out;
        }),
      );
      const p = await probe(path);
      const dec = decoded(path);
      expect(dec).toBeGreaterThan(15);
      expect(p.kind).toBe('audio');
      expect(p.seconds!).toBeLessThanOrEqual(dec + 0.1);
      expect(p.seconds!).toBeGreaterThanOrEqual(dec - 0.1);
    },
  );

  itWith(['ffmpeg'], "C2: Vorbis under an 'Og' ACM tag ffmpeg maps to no decoder is unreadable", async () => {
    for (const tag of [0x674f, 0x6750, 0x6751, 0x676f, 0x6770, 0x6771]) {
      // 20 s of PCM under the tag, strh "2 s a chunk": counted a chunk a frame, capped at 300 B/s (1,067 s)
      const b = readFileSync(tone('og.avi', 20, 8000, '-c:a', 'pcm_s16le'));
      b.writeUInt16LE(tag, headers(b).strf);
      claimStrh(b, 2, 1);
      b.writeUInt32LE(0, headers(b).strh + 44);
      const path = save(`og-${tag.toString(16)}.avi`, b);
      const p = await probe(path);
      expect(decoded(path)).toBe(0);
      expect(p.seconds ?? 0).toBe(0);
      expect(p, tag.toString(16)).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/no decoder/) });
    }
  });

  itWith(['ffmpeg'], 'C8: PCM or µ-law with a sample rate of 0 is unreadable, not sized by strh', async () => {
    for (const codec of ['pcm_s16le', 'pcm_mulaw']) {
      // strh: 0.08 s a byte (scale 2, rate 25, a sample a byte): 320 KB counted as 25,600 s
      const b = readFileSync(tone(`${codec}-r0.avi`, 20, 8000, '-c:a', codec));
      b.writeUInt32LE(0, headers(b).strf + 4);
      claimStrh(b, 2, 25);
      const path = save(`${codec}-rate0.avi`, b);
      const p = await probe(path);
      expect(decoded(path)).toBe(0);
      expect(p.seconds ?? 0).toBe(0);
      expect(p, codec).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/sample rate of 0/) });
    }
  });

  itWith(['ffmpeg'], 'H2: PCM or µ-law of 0 channels, and PCM of 0 bits a sample, are unreadable', async () => {
    for (const [codec, field, what] of [
      ['pcm_s16le', 2, /no channels/],
      ['pcm_u8', 2, /no channels/],
      ['pcm_mulaw', 2, /no channels/],
      ['pcm_s16le', 14, /0-bit samples/],
    ] as const) {
      // counted by strf's block align (0 channels: 247.5 s of 1 MB; 0 bits: 61.9 s), none decoded
      const b = readFileSync(tone(`${codec}-z.avi`, 20, 8000, '-c:a', codec));
      b.writeUInt16LE(0, headers(b).strf + field);
      const path = save(`${codec}-${field}-zero.avi`, b);
      const p = await probe(path);
      expect(decoded(path)).toBe(0);
      expect(p.seconds ?? 0).toBe(0);
      expect(p, `${codec} ${field}`).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(what) });
    }
  });
});
