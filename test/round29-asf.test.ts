/**
 * Round 29 (left by round 28a's ASF fix): WMA 1/2 in ASF with the bit reservoir flag set and a block
 * align of 4 to 16 bytes passed the superframe header check and was counted at the stream's byte rate,
 * though ffmpeg's decoder fails the frames inside (ffmpeg's own 10 min WMA: 599.6 s counted, 0 to 0.54
 * decoded). A superframe under one frame's bytes at the byte rate is now unreadable; ffmpeg's own WMA
 * files (no reservoir) count as before, within 1 % of what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { waveFormat } from './forge.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r29-asf-');

/** ffmpeg's own 60 s WMA 2 of noise at 16 kHz, 24 kbit/s (no bit reservoir), as name: its bytes. */
function ownWma(name: string): Buffer {
  const own = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=r=16000:d=60:a=0.3', '-c:a', 'wmav2', '-b:a', '24k', own);
  return readFileSync(own);
}

describe('ASF WMA with the bit reservoir in superframes under one frame (round 28a note, round 29)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'the reservoir flag and block align 4 to 16 on ffmpeg own 24 kbit/s WMA: unreadable, at most decoded',
    async () => {
      const b = ownWma('w.wma');
      const at = waveFormat(b, 0x161, 1, 16000);
      // ffmpeg's encoder writes no reservoir; its frames are 96 bytes (3,000 B/s, 512 samples at 16 kHz)
      expect(b.readUInt16LE(at + 22) & 2).toBe(0);
      expect(b.readUInt32LE(at + 8)).toBe(3000);
      b.writeUInt16LE(b.readUInt16LE(at + 22) | 2, at + 22);
      for (const ba of [4, 8, 12, 16]) {
        b.writeUInt16LE(ba, at + 12);
        const path = join(dir, `w-res-ba${ba}.wma`);
        writeFileSync(path, b);
        // (before: 60 s counted at the byte rate, ffmpeg decoding 0)
        const { r } = await atMostDecoded(path, 0.5);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
        expect(r.error).toMatch(/under one frame at its byte rate/);
      }
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'the byte rate forged down to a frame of the block align (900 B/s, 29 or 48 B): frame counts past the bytes, unreadable',
    async () => {
      const b = ownWma('w2.wma');
      const at = waveFormat(b, 0x161, 1, 16000);
      b.writeUInt16LE(b.readUInt16LE(at + 22) | 2, at + 22);
      // at 900 B/s (the encoders' floor at 16 kHz) a frame is 28.8 bytes: block align 29 and 48 pass the
      // superframe-under-a-frame check; each superframe's low nibble then claims frames its bytes lack
      b.writeUInt32LE(900, at + 8);
      for (const ba of [29, 48]) {
        b.writeUInt16LE(ba, at + 12);
        const path = join(dir, `w-res-a900-ba${ba}.wma`);
        writeFileSync(path, b);
        // (before: 60 s counted, ffmpeg decoding about 6; 1,812 to 2,000 s of the 10 min file, times x6)
        const { r } = await atMostDecoded(path, 0.5);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
        expect(r.error).toMatch(/not an encoder's frame counts/);
      }
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'ffmpeg own WMA 2 (no reservoir) at 6 rates, mono and stereo: still within 1 % of decoded',
    async () => {
      // (all 48 of 6 rates x 24/32/64/128 kbit/s x mono/stereo were checked by hand; these 12 stand for them)
      for (const rate of [8000, 11025, 16000, 22050, 32000, 44100])
        for (const [kbps, ch] of [
          [24, 1],
          [128, 2],
        ] as const) {
          const path = join(dir, `own-${rate}-${kbps}-${ch}.wma`);
          ffmpeg(
            '-f',
            'lavfi',
            '-i',
            `sine=f=440:r=${rate}:d=10`,
            '-ac',
            String(ch),
            '-c:a',
            'wmav2',
            '-b:a',
            `${kbps}k`,
            path,
          );
          const r = await probe(path);
          const dec = decoded(path);
          expect(dec, path).toBeGreaterThan(9);
          expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('audio');
          expect(
            Math.abs(r.seconds! - dec),
            `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`,
          ).toBeLessThanOrEqual(dec / 100);
        }
    },
  );
});
