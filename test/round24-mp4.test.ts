/**
 * Attack round 24 (part A), the MP4/MOV findings, each built here (a sample table written by hand, or
 * a file ffmpeg makes, then forged) and judged by ffmpeg's decoded length:
 *  - C1: sample entries no reader walked ('sac3', 'dtsh', 'DTS ', '.mp1', '.mp2', 'vdva', 'ms\0U',
 *    'raw ', 'ipcm', GSM, MACE, Nellymoser, EVRC, iLBC, Speex) counted 1.1 s a sample: 4,194 s a MB;
 *  - C3/H1: IMA4 blocks counted by size, their step index unchecked (0 decoded), and IMA4/MACE of
 *    3 channels, which ffmpeg does not open;
 *  - H2: 2-byte AAC samples cost ~250 ns each for one work step;
 *  - H3: ALAC in ffmpeg's .mov unreadable (the cookie read from 'frma');
 *  - M2: 'twos' of 0, 4 or 12 bits counted as 8-bit (ffmpeg: 16-bit);
 *  - L4: Vorbis in MP4 labelled AAC (and read by nothing).
 * Real files of each kind made by ffmpeg still count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mp4Tracks } from '../src/scan/probe/mp4.js';
import type { FileSource } from '../src/scan/probe/types.js';
import { Work } from '../src/scan/probe/work.js';
import { tempDir } from './helpers.js';
import { box, movie } from './forge.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r24mp4-');

/** Bytes from a fixed seed (junk that is the same every run). */
function junk(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A version 0 sound sample entry: its fourcc, channels, sample size (bits) and rate. */
function entry(fourcc: string, channels = 1, bits = 16, rate = 8000): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 6); // data reference
  b.writeUInt16BE(channels, 16);
  b.writeUInt16BE(bits, 18);
  b.writeUInt32BE(rate * 65536, 24);
  return box(fourcc, b);
}

/**
 * An MP4 of one sound track: `count` samples of `size` bytes each (one chunk), each lasting `delta`
 * ticks of 8 kHz, over `payload`.
 */
const mp4 = (entry: Buffer, size: number, count: number, delta: number, payload: Buffer): Buffer =>
  movie({ entry, sizes: { size, count }, delta }, payload);

function write(name: string, b: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

/** Noise made by ffmpeg into `name` with the given options. */
function encode(name: string, seconds: number, rate: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=pink:r=${rate}:a=0.3`, ...opts, out);
  return out;
}

/** The payload of a file's mdat: where it starts and how long it is. */
function mdatOf(b: Buffer): [number, number] {
  const at = b.indexOf('mdat') + 4;
  return [at, b.readUInt32BE(at - 8) - 8];
}

/** A source over a buffer, as probe/index.ts gives a reader. */
function source(b: Buffer): FileSource {
  return {
    size: b.length,
    head: b.subarray(0, Math.min(b.length, 4096)),
    work: new Work(),
    read: (p, n) => Buffer.from(b.subarray(p, Math.min(b.length, p + n))),
  };
}

describe('round 24: MP4/MOV sample entries are read by their codec or refused', () => {
  itWith(
    ['ffmpeg'],
    'C1: junk samples "of 1.1 s" count at most what ffmpeg decodes of them, for every entry',
    async () => {
      // 275-byte samples of junk, 1.1 s each by stts (the attack's 1 MB counted 4,194 s for each)
      const n = 1200;
      const payload = junk(275 * n);
      const cases: [string, number, number][] = [
        ['sac3', 1, 16],
        ['dtsh', 1, 16],
        ['DTS ', 1, 16],
        ['.mp2', 1, 16],
        ['.mp1', 1, 16],
        ['vdva', 1, 16],
        ['ms\0U', 1, 16],
        ['raw ', 1, 8],
        ['ipcm', 1, 16],
        ['agsm', 1, 16],
        ['MAC6', 1, 16],
        ['MAC6', 3, 16],
        ['MAC3', 3, 16],
        ['NELL', 1, 16],
        ['sevc', 1, 16],
        ['ilbc', 1, 16],
        ['spex', 1, 16],
        ['twos', 1, 0],
        ['twos', 1, 4],
        ['twos', 1, 12],
      ];
      for (const [fourcc, ch, bits] of cases) {
        const path = write(
          `untold-${fourcc.replace(/[^a-z0-9]/gi, '_')}-${ch}-${bits}.mp4`,
          mp4(entry(fourcc, ch, bits), 275, n, 8800, payload),
        );
        const { r, dec } = await atMostDecoded(path, 0.05);
        // (what ffmpeg decodes of a codec without checks, PCM's bytes, GSM's frames, is counted in full)
        if (['raw ', 'ipcm', 'agsm', 'NELL', 'sevc', 'twos'].includes(fourcc) || (fourcc === 'MAC6' && ch === 1))
          expect(r.seconds!, `${fourcc}: ${JSON.stringify(r)}`).toBeGreaterThanOrEqual(dec * 0.99);
        if (ch === 3) expect(r.kind, `${fourcc} ${ch} ch: ${JSON.stringify(r)}`).toBe('unreadable');
      }
    },
  );

  itWith(
    ['ffmpeg'],
    'C1: a packet codec in QuickTime uncompressed-audio tables (1 tick a sample) is refused',
    async () => {
      // 1-byte EVRC samples, 1 tick each: ffmpeg cuts the chunk into packets of 1,024 (2.46 s of 1 MB)
      const path = write('evrc-ticks.mp4', mp4(entry('sevc'), 1, 200_000, 1, junk(200_000)));
      const { r } = await atMostDecoded(path, 0.05);
      expect(r.kind, JSON.stringify(r)).toBe('unreadable');
    },
  );

  itWith(
    ['ffmpeg'],
    'C3/H1: MOV IMA4 blocks are checked (step index over 88: refused), 3 channels refused',
    async () => {
      const real = encode('ima4.mov', 7.3, 8000, '-ac', '1', '-c:a', 'adpcm_ima_qt');
      await asDecoded(real, 0.01);
      await asDecoded(encode('ima4-stereo.mov', 7.3, 16000, '-ac', '2', '-c:a', 'adpcm_ima_qt'), 0.01);
      const b = readFileSync(real);
      const [at, len] = mdatOf(b);
      // every block's step index 127 (its header's low 7 bits): 7.3 s counted, ffmpeg decodes none
      const bad = Buffer.from(b);
      for (let p = at; p + 34 <= at + len; p += 34) bad[p + 1] = bad[p + 1]! | 0x7f;
      const { r, dec } = await atMostDecoded(write('ima4-bad.mov', bad), 0.01);
      expect(dec).toBe(0);
      expect(r.kind).toBe('unreadable');
      // half the blocks bad: the good ones count
      const half = Buffer.from(b);
      for (let p = at, i = 0; p + 34 <= at + len; p += 34, i++) if (i % 2) half[p + 1] = half[p + 1]! | 0x7f;
      const h = await atMostDecoded(write('ima4-half.mov', half), 0.01);
      expect(h.r.seconds!).toBeGreaterThanOrEqual(h.dec * 0.99);
      // the entry's channels set to 3: ffmpeg's decoder does not open it (61 s of 1 MB counted before)
      const three = Buffer.from(b);
      const e = three.indexOf('ima4');
      three.writeUInt16BE(3, e - 4 + 24);
      const t = await atMostDecoded(write('ima4-3ch.mov', three), 0.01);
      expect(t.r.kind, JSON.stringify(t.r)).toBe('unreadable');
      // QuickTime's own layout (a sample a frame, 1 tick each): the chunk's blocks are read
      const blocks = b.subarray(at, at + Math.floor(len / 34) * 34);
      const qt = write('ima4-qt.mov', mp4(entry('ima4', 1, 16), 1, (blocks.length / 34) * 64, 1, blocks));
      await asDecoded(qt, 0.01);
      const qtBad = write(
        'ima4-qt-bad.mov',
        mp4(entry('ima4', 1, 16), 1, (len / 34) * 64, 1, bad.subarray(at, at + len)),
      );
      expect((await atMostDecoded(qtBad, 0.01)).dec).toBe(0);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('alac')],
    'H3: ALAC in ffmpeg\'s .mov (cookie in "wave" after "frma") counts',
    async () => {
      await asDecoded(encode('alac8.mov', 7.3, 8000, '-ac', '1', '-c:a', 'alac'), 0.01);
      await asDecoded(encode('alac16.mov', 7.3, 16000, '-ac', '2', '-c:a', 'alac'), 0.01);
      await asDecoded(encode('alac.m4a', 7.3, 16000, '-ac', '1', '-c:a', 'alac'), 0.01);
    },
  );

  itWith(['ffmpeg'], 'H2: a gathered AAC sample is ticked for its check, not one step', () => {
    const m4a = readFileSync(encode('aac.m4a', 2, 8000, '-ac', '1', '-c:a', 'aac'));
    const e = m4a.indexOf('stsd') + 12;
    const aacEntry = m4a.subarray(e, e + m4a.readUInt32BE(e));
    // 200,000 samples of 2 junk bytes: each read and checked (~250 ns) for 1 step a sample before
    const n = 200_000;
    const src = source(mp4(aacEntry, 2, n, 1024, junk(2 * n)));
    const t = mp4Tracks(src, true)!;
    expect(t.presentSeconds ?? 0).toBe(0);
    expect(src.work.steps).toBeGreaterThanOrEqual(n * 20);
  });

  itWith(
    ['ffmpeg', ffmpegEncoder('libvorbis')],
    'L4/C1: Vorbis in MP4 is read and named Vorbis; junk counts what decodes',
    async () => {
      const real = encode('vorbis.mp4', 20, 8000, '-ac', '1', '-c:a', 'libvorbis', '-strict', '-2');
      const r = await probe(real);
      expect(r.codec).toBe('M4A/VORBIS');
      await asDecoded(real, 0.1);
      const b = readFileSync(real);
      const [at, len] = mdatOf(b);
      junk(len, 3).copy(b, at);
      await atMostDecoded(write('vorbis-junk.mp4', b), 0.1);
    },
  );

  itWith(
    ['ffmpeg'],
    'real MOVs from ffmpeg (PCM, GSM, MPEG audio, MS/IMA ADPCM) count what ffmpeg decodes',
    async () => {
      for (const c of [
        'pcm_s16be',
        'pcm_s16le',
        'pcm_u8',
        'pcm_s8',
        'pcm_s24be',
        'gsm',
        'mp2',
        'adpcm_ms',
        'adpcm_ima_wav',
      ])
        await asDecoded(encode(`${c}.mov`, 7.3, 8000, '-ac', '1', '-c:a', c), 0.01);
      await asDecoded(encode('adpcm_ms2.mov', 7.3, 16000, '-ac', '2', '-c:a', 'adpcm_ms'), 0.01);
    },
  );
});
