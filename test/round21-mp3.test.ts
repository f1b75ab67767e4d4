/**
 * Attack round 21's MP3 findings, each built here from real MP3 frames ffmpeg makes, then forged, and
 * judged by ffmpeg's decoded length:
 *  - H1: CBR frames at the head and the tail, zeros between (no length header): sized from the bytes;
 *  - H2: one frame carrying a Xing or Info count, then zeros: handed to music-metadata, which took the count;
 *  - H3: a Xing byte count one past the file ("cut off") over 1 MiB: the count scaled by the bytes.
 * A real file of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameAt } from '../src/scan/probe/mp3.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { ffmpeg, decoded, probe, atMostDecoded } from './decoded.js';

const dir = tempDir('leaktally-r21mp3-');
const needs = ['ffmpeg' as const, ffmpegEncoder('libmp3lame')];

/** An MP3 of pink noise made by libmp3lame (no ID3v2 tag), with its encoder options. */
function encode(name: string, seconds: number, rate: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `anoisesrc=d=${seconds}:c=pink:r=${rate}:a=0.3`,
    '-ac',
    '1',
    '-c:a',
    'libmp3lame',
    ...opts,
    '-id3v2_version',
    '0',
    out,
  );
  return out;
}

/** The file's MPEG audio frames, in order (it starts with one, and holds nothing else). */
function frames(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + 4 <= b.length;) {
    const f = frameAt(b, p);
    if (!f || p + f.size > b.length) break;
    out.push(b.subarray(p, p + f.size));
    p += f.size;
  }
  return out;
}

/** Where the Xing or Info tag of a first frame starts. */
function xingAt(frame: Buffer): number {
  const x = Math.max(frame.indexOf('Xing'), frame.indexOf('Info'));
  if (x < 0) throw new Error('no Xing/Info tag in the first frame');
  return x;
}

async function asDecoded(path: string, tolerance = 0.1): Promise<void> {
  const r = await probe(path);
  const dec = decoded(path);
  expect(r.kind).toBe('audio');
  expect(Math.abs(r.seconds! - dec), `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(
    tolerance,
  );
}

describe('round 21: MP3 frames a decoder would take, not the bytes or a header', () => {
  itWith(
    needs,
    'H1: CBR frames at the head and the tail, zeros between, count the frames, not the bytes',
    async () => {
      // MPEG-2.5 layer III at 8 kbit/s: 72-byte frames, the floor's own pace (1 s a KB)
      const real = encode('cbr8k.mp3', 70, 8000, '-b:a', '8k', '-write_xing', '0');
      await asDecoded(real);
      const fr = frames(readFileSync(real));
      const head = Buffer.concat(fr.slice(0, Math.floor(40_000 / fr[0]!.length)));
      const tail = Buffer.concat(fr.slice(fr.length - Math.floor(20_000 / fr[0]!.length)));
      for (const size of [1_000_000, 3_000_000]) {
        const forged = join(dir, `cbr_sampled_${size}.mp3`);
        writeFileSync(forged, Buffer.concat([head, Buffer.alloc(size - head.length - tail.length), tail]));
        const { r, dec } = await atMostDecoded(forged);
        expect(dec).toBeGreaterThan(50);
        expect(r.seconds).toBeGreaterThan(dec - 1);
      }
    },
    60_000,
  );

  itWith(
    needs,
    'H2: one frame with a Xing or Info count, then zeros, counts nothing',
    async () => {
      // Info: CBR; Xing: VBR
      for (const [name, opts] of [
        ['info.mp3', ['-b:a', '8k']],
        ['xing.mp3', ['-q:a', '5']],
      ] as const) {
        const real = encode(name, 20, 8000, ...opts);
        await asDecoded(real);
        const first = Buffer.from(frames(readFileSync(real))[0]!);
        const x = xingAt(first);
        const size = 999_000;
        first.writeUInt32BE(3, x + 4); // flags: frames and bytes
        first.writeUInt32BE(15_800, x + 8); // 19 minutes of 72 ms frames
        first.writeUInt32BE(size, x + 12);
        const forged = join(dir, `lone_${name}`);
        writeFileSync(forged, Buffer.concat([first, Buffer.alloc(size - first.length)]));
        const { r } = await atMostDecoded(forged);
        expect(r.kind).toBe('unreadable');
      }
    },
    60_000,
  );

  itWith(
    needs,
    'H3: a Xing byte count past the end of a file over 1 MiB counts the frames present',
    async () => {
      const real = encode('xing_long.mp3', 150, 44100, '-q:a', '2');
      const bytes = readFileSync(real);
      expect(bytes.length).toBeGreaterThan(1.5 * 1024 * 1024);
      await asDecoded(real);
      // the forger's: the Xing frame, three real frames, then zeros, the byte count one past the file
      const fr = frames(bytes);
      const first = Buffer.from(fr[0]!);
      const x = xingAt(first);
      const size = 1_100_000;
      first.writeUInt32BE(3, x + 4);
      first.writeUInt32BE(16_000, x + 8);
      first.writeUInt32BE(size + 1, x + 12);
      const head = Buffer.concat([first, ...fr.slice(1, 4)]);
      const forged = join(dir, 'xing_cut_forged.mp3');
      writeFileSync(forged, Buffer.concat([head, Buffer.alloc(size - head.length)]));
      await atMostDecoded(forged);
      // a real cut copy over 1 MiB: the complete frames present (it had been an estimate, 0.6 s under)
      const cut = join(dir, 'xing_long_cut.mp3');
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
      await asDecoded(cut);
    },
    60_000,
  );
});
