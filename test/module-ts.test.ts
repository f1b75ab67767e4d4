/**
 * Tracker modules (set apart as synthesized music) and MPEG transport streams (the audio track's
 * frames): files written here byte by byte (a module) or by ffmpeg (a video-only stream).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeFile } from '../src/scan/probe/index.js';
import { csvObjects, runCli, tempDir } from './helpers.js';
import { describeWith } from './needs.js';

const dir = tempDir('leaktally-modts-');

/**
 * A minimal 4-channel ProTracker MOD ("M.K."): one 64-row pattern played `orders` times, one short
 * square-wave sample with a note on row 0, and optionally a speed command (Fxx) on row 0. Default
 * speed 6 at 125 BPM: a row is 6 ticks of 20 ms, a pattern 7.68 s.
 */
function mod(orders: number, speed?: number): Buffer {
  const sampleWords = 16;
  const b = Buffer.alloc(1084 + 1024 + sampleWords * 2);
  b.write('leaktally test', 0, 'latin1');
  // sample 1: 20 + 0*30: name(22) length(2, words) finetune volume repeat-start repeat-length
  b.write('square', 20, 'latin1');
  b.writeUInt16BE(sampleWords, 42);
  b[45] = 64;
  b.writeUInt16BE(0, 46);
  b.writeUInt16BE(sampleWords, 48);
  for (let s = 1; s < 31; s++) b.writeUInt16BE(1, 20 + s * 30 + 28); // unused samples: repeat length 1
  b[950] = orders; // song length
  b[951] = 127;
  // order table (128 bytes at 952): all pattern 0
  b.write('M.K.', 1080, 'latin1');
  // pattern 0, row 0, channel 0: sample 1, period 428 (C-2), effect F (set speed)
  const p = 1084;
  b[p] = 0x01;
  b[p + 1] = 0xac; // period 0x1AC = 428
  b[p + 2] = 0x10 | (speed ? 0x0f : 0);
  b[p + 3] = speed ?? 0;
  const sample = 1084 + 1024;
  for (let i = 0; i < sampleWords * 2; i++) b[sample + i] = i < sampleWords ? 0x40 : 0xc0;
  return b;
}

/** A minimal Scream Tracker 3 module: the 96-byte header, no orders, instruments or patterns (242 bytes with padding). */
function s3m(): Buffer {
  const b = Buffer.alloc(242);
  b.write('leaktally test', 0, 'latin1');
  b[28] = 0x1a;
  b[29] = 16; // type: ST3 module
  b.write('SCRM', 44, 'latin1');
  b[49] = 6; // initial speed
  b[50] = 125; // initial tempo
  b[51] = 0xb0;
  for (let c = 0; c < 32; c++) b[64 + c] = c < 4 ? c : 255;
  return b;
}

describe('tracker modules: synthesized music, not a recording (issue 19, finding 14)', () => {
  it('a MOD, an S3M (242 bytes, once 23.35 h), an XM and an IT are `other`, with the reason, by content or by name', async () => {
    const xm = Buffer.alloc(400);
    xm.write('Extended Module: leaktally', 0, 'latin1');
    const it = Buffer.alloc(400);
    it.write('IMPM', 0, 'latin1');
    const files: [string, Buffer, string][] = [
      ['two.mod', mod(2), 'MOD'],
      ['song.s3m', s3m(), 'S3M'],
      ['song.xm', xm, 'XM'],
      ['song.it', it, 'IT'],
      // named as anything: the module is found by its content
      ['fast.bin', mod(2, 3), 'MOD'],
      // a 15-sample Soundtracker MOD has no signature: known by its name alone
      ['old.mod', Buffer.alloc(600, 0x20), 'MOD'],
    ];
    for (const [name, bytes, kind] of files) {
      writeFileSync(join(dir, name), bytes);
      expect((await probeFile(join(dir, name), name)).probe, name).toEqual({
        kind: 'other',
        codec: `MODULE/${kind}`,
        error: `${kind} tracker module: synthesized music, not a recording`,
      });
    }
  });

  it('in a scan, modules add no hours to a customer and are listed with the reason, with 0 and 2 reader threads', () => {
    const tree = tempDir('leaktally-modthreads-');
    for (let i = 0; i < 5; i++) writeFileSync(join(tree, `m${i}.s3m`), s3m());
    const out = ['0', '2'].map((t) => {
      const files = join(dir, `files-${t}.csv`);
      // the modules lie directly in the tree, above any customer folder: --allow-incomplete (exit 0)
      const r = runCli([
        tree,
        '--files',
        files,
        '--json',
        join(dir, `sum-${t}.json`),
        '--threads',
        t,
        '--allow-incomplete',
      ]);
      expect(r.status, r.stderr).toBe(0);
      return csvObjects(readFileSync(files, 'utf8').replace(/^\uFEFF/, ''))
        .map((x) => `${x.path} ${x.kind} ${x.seconds} ${x.error}`)
        .sort();
    });
    expect(out[0]).toHaveLength(5);
    expect(out[0]!.every((l) => l.includes(' other  S3M tracker module: synthesized music'))).toBe(true);
    expect(out[1]).toEqual(out[0]);
  });
});

describeWith(['ffmpeg'], 'MPEG-TS', () => {
  it('a video-only stream is other, with the reason', async () => {
    const f = join(dir, 'video.ts');
    const r = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=d=2:s=64x48:r=10',
      '-c:v',
      'mpeg2video',
      '-f',
      'mpegts',
      f,
    ]);
    expect(r.status).toBe(0);
    expect((await probeFile(f, 'video.ts')).probe).toMatchObject({ kind: 'other', error: 'video, no audio track' });
  });

  it('video with an AAC track: the audio track is counted', async () => {
    const f = join(dir, 'av.ts');
    const r = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:d=3',
      '-f',
      'lavfi',
      '-i',
      'testsrc=d=3:s=64x48:r=10',
      '-c:a',
      'aac',
      '-c:v',
      'mpeg2video',
      '-f',
      'mpegts',
      f,
    ]);
    expect(r.status).toBe(0);
    const p = (await probeFile(f, 'av.ts')).probe;
    expect(p).toMatchObject({ kind: 'audio', codec: 'MPEG-TS/AAC' });
    expect(Math.abs(p.seconds! - 3)).toBeLessThan(0.05);
  });
});

/** A TAK head written bit by bit: STREAMINFO (+ LAST_FRAME) + END, then `body` bytes standing for frames. */
function tak(samples: number, rate: number, channels: number, body: number, lastEnd?: number): Buffer {
  let v =
    2n |
    (2n << 6n) |
    (1n << 10n) |
    (BigInt(samples) << 14n) |
    (BigInt(rate - 6000) << 52n) |
    (8n << 70n) |
    (BigInt(channels - 1) << 75n);
  const info = Buffer.alloc(13);
  for (let i = 0; i < 10; i++, v >>= 8n) info[i] = Number(v & 0xffn);
  const blocks = [Buffer.from([1, 13, 0, 0]), info];
  const headLen = 4 + 17 + (lastEnd ? 15 : 0) + 4;
  if (lastEnd) {
    const lf = Buffer.alloc(11);
    lf.writeUIntLE(lastEnd - 100, 0, 5);
    lf.writeUIntLE(100, 5, 3);
    blocks.push(Buffer.from([7, 11, 0, 0]), lf);
  }
  blocks.push(Buffer.from([0, 0, 0, 0]));
  // the frames: a header each (sync, flags, number; the last its sample count; CRC-24), spread over
  // the body; a frame is an eighth of a second (STREAMINFO's frame size type 1)
  const frames = Buffer.alloc(body, 0x55);
  const each = rate >> 3;
  const n = Math.ceil(samples / each);
  for (let k = 0; k < n && samples < 2 ** 35 - 1; k++) {
    const last = k === n - 1;
    const h = takFrameHeader(k, last ? samples - k * each : undefined);
    h.copy(frames, Math.floor((k * body) / n));
  }
  const b = Buffer.concat([Buffer.from('tBaK'), ...blocks, frames]);
  expect(b.length).toBe(headLen + body);
  return b;
}

/** A TAK frame header (bits least significant first) and its CRC-24 (OpenPGP's, stored low byte first). */
function takFrameHeader(num: number, lastSamples?: number): Buffer {
  let v = 0xa0ffn | (BigInt(lastSamples ? 1 : 0) << 16n) | (BigInt(num) << 19n);
  if (lastSamples) v |= BigInt(lastSamples - 1) << 40n;
  const len = lastSamples ? 7 : 5;
  const h = Buffer.alloc(len + 3);
  for (let i = 0; i < len; i++, v >>= 8n) h[i] = Number(v & 0xffn);
  let crc = 0xb704ce;
  for (let i = 0; i < len; i++) {
    crc ^= h[i]! << 16;
    for (let k = 0; k < 8; k++) crc = crc & 0x800000 ? ((crc << 1) ^ 0x864cfb) & 0xffffff : (crc << 1) & 0xffffff;
  }
  h.writeUIntLE(crc, len, 3);
  return h;
}

describe('TAK: the STREAMINFO sample count', () => {
  it('reads samples, rate and channels from the bit fields', async () => {
    writeFileSync(join(dir, 'a.tak'), tak(441000, 44100, 2, 20000));
    expect((await probeFile(join(dir, 'a.tak'), 'a.tak')).probe).toMatchObject({
      kind: 'audio',
      codec: 'TAK',
      seconds: 10,
      sampleRate: 44100,
      channels: 2,
    });
  });

  it('a file cut before its last frame ends is sized in proportion to the frame bytes present, and says so', async () => {
    const whole = tak(80000, 8000, 1, 10000, 0);
    const headLen = whole.length - 10000 + 15;
    // 10 s in 10,000 frame bytes; cut after 2,500 of them
    writeFileSync(join(dir, 'cut.tak'), tak(80000, 8000, 1, 10000, headLen + 10000).subarray(0, headLen + 2500));
    const r = (await probeFile(join(dir, 'cut.tak'), 'cut.tak')).probe;
    expect(r.kind).toBe('audio');
    expect(r.seconds).toBeCloseTo(2.5, 3);
    expect(r.error).toMatch(/cut off/);
  });

  it('a sample count that is the all-ones "unknown" marker is unreadable', async () => {
    writeFileSync(join(dir, 'u.tak'), tak(2 ** 35 - 1, 44100, 2, 1000));
    expect((await probeFile(join(dir, 'u.tak'), 'u.tak')).probe.kind).toBe('unreadable');
  });
});
