/**
 * Attack round 22's Musepack findings (C2 and L1), judged by ffmpeg's decoded length:
 *  - C2 (SV8): audio packets of junk, each counted as its 4^blockPower frames where ffmpeg's decoder
 *    stops at the first frame whose codes are impossible (a band count over the stream's, a frame past
 *    the packet): a megabyte of random packets counted the stream header's 62,500 s;
 *  - a real file made by mpcenc, and the same with one packet in the middle overwritten, still count
 *    what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { packet, varint } from './forge.js';
import { tempDir } from './helpers.js';
import { itWith, MPCENC } from './needs.js';
import { asDecoded, ffmpeg, atMostDecoded } from './decoded.js';

const dir = tempDir('leaktally-r23mpc-');

const mpcenc = MPCENC;

// ---- Musepack SV8, by hand: 'MPCK', then packets of a two-letter key and a size counting its header

/** A stream of audio packets under a stream header of 2e9 samples at 32 kHz (62,500 s): bands - 1, block power, mid/side. */
function sv8(name: string, bands: number, blockPower: number, audio: Buffer[], ms = 0): string {
  const fields = Buffer.concat([
    Buffer.from([8]),
    varint(2_000_000_000),
    varint(0),
    Buffer.from([(3 << 5) | bands, (ms << 3) | blockPower]),
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(fields));
  const out = join(dir, name);
  writeFileSync(
    out,
    Buffer.concat([
      Buffer.from('MPCK'),
      packet('SH', Buffer.concat([crc, fields])),
      packet('RG', Buffer.alloc(9)),
      packet('EI', Buffer.alloc(2)),
      ...audio.map((a) => packet('AP', a)),
      packet('SE', Buffer.alloc(0)),
    ]),
  );
  return out;
}

/** Bytes from a fixed xorshift generator: the same junk on every run. */
function junk(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** The byte ranges of a real SV8 file's audio packets (their bodies, after key and size). */
function audioPackets(b: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 4; p + 3 <= b.length;) {
    const key = b.toString('latin1', p, p + 2);
    let size = 0;
    let i = p + 2;
    for (;;) {
      const c = b[i++]!;
      size = size * 128 + (c & 0x7f);
      if (!(c & 0x80)) break;
    }
    if (key === 'AP') out.push([i, p + size]);
    if (key === 'SE' || size < i - p) break;
    p += size;
  }
  return out;
}

/** A real SV8 file made by mpcenc from a noise of seconds, with its options. */
function encode(name: string, seconds: number, channels: number, rate: number, ...opts: string[]): string {
  const wav = join(dir, `${name}.wav`);
  ffmpeg('-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=pink:a=0.3`, '-ac', `${channels}`, '-ar', `${rate}`, wav);
  const out = join(dir, name);
  const r = spawnSync('mpcenc', ['--silent', '--overwrite', ...opts, wav, out]);
  if (r.status !== 0) throw new Error(`mpcenc: ${String(r.stderr)}`);
  return out;
}

describe('round 23: Musepack counts the frames ffmpeg decodes', () => {
  itWith(
    ['ffmpeg'],
    "C2: SV8 packets of junk count the frames ffmpeg's decoder gives, not 4^blockPower frames each",
    async () => {
      // 1 MB of packets of 16,384 frames each (block power 7): random payloads of 200 and 2,000 bytes
      // with 31 and 1 bands, all 0xFF and all zeros; each counted the header's 62,500 s before round 23
      const fill = (n: number, size: number, f: (i: number) => Buffer): Buffer[] =>
        Array.from({ length: Math.floor(1_000_000 / (size + 5)) }, (_, i) => f(i)).slice(0, n);
      const files = [
        sv8(
          'rand31_200.mpc',
          30,
          7,
          fill(5000, 200, (i) => junk(200, i + 1)),
        ),
        sv8(
          'rand31_2k.mpc',
          30,
          7,
          fill(500, 2000, (i) => junk(2000, i + 1)),
        ),
        sv8(
          'rand1_200.mpc',
          0,
          7,
          fill(5000, 200, (i) => junk(200, i + 7)),
        ),
        sv8(
          'rand1_20_ms.mpc',
          0,
          7,
          fill(50_000, 20, (i) => junk(20, i + 3)),
          1,
        ),
        sv8(
          'ff31.mpc',
          30,
          7,
          fill(5000, 200, () => Buffer.alloc(200, 0xff)),
        ),
        sv8(
          'zero31.mpc',
          30,
          7,
          fill(5000, 200, () => Buffer.alloc(200)),
        ),
        sv8(
          'zero1.mpc',
          0,
          7,
          fill(5000, 200, () => Buffer.alloc(200)),
        ),
      ];
      for (const f of files) {
        const { r } = await atMostDecoded(f);
        expect(r.seconds ?? 0, f).toBeLessThan(5000);
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg', mpcenc],
    'C2: real SV8 files made by mpcenc still count what ffmpeg decodes, and one junk packet among them costs only its frames',
    async () => {
      const real = [
        encode('stereo.mpc', 40, 2, 44100),
        encode('stereo_insane.mpc', 20, 2, 44100, '--insane'),
        encode('mono_tel.mpc', 30, 1, 48000, '--telephone'),
        encode('radio32.mpc', 25, 2, 32000, '--radio'),
      ];
      for (const f of real) await asDecoded(f);
      // a packet in the middle overwritten with junk: ffmpeg drops what of it it cannot decode and
      // decodes the next packets (each starts with a key frame)
      const b = readFileSync(real[0]!);
      const aps = audioPackets(b);
      const [from, to] = aps[Math.floor(aps.length / 2)]!;
      junk(to - from, 99).copy(b, from);
      const hurt = join(dir, 'stereo_hurt.mpc');
      writeFileSync(hurt, b);
      const { r, dec } = await atMostDecoded(hurt);
      expect(r.seconds!).toBeGreaterThan(dec - 0.5);
    },
    120_000,
  );
});
