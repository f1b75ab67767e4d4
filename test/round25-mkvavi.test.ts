/**
 * Attack round 25a's Matroska, AVI and two-stream findings, each file made here from one ffmpeg writes
 * and judged by what ffmpeg decodes of it:
 *  - C2: Matroska in which no Cluster is found (its IDs damaged, or junk after the header): the
 *    Duration was counted; ffmpeg opens nothing. Every Cluster ID but the last damaged: the Duration
 *    stood, ffmpeg decoding the last cluster (it resyncs at the next top-level ID);
 *  - H5: an AVI whose idx1 leaktally did not believe was walked by movi; ffmpeg reads a file it takes
 *    as non-interleaved where idx1 says (entries all at one chunk; the first one's offset past the end);
 *  - M1: two audio streams (AVI, MPEG-TS, Matroska with neither flagged default): the first was
 *    counted; `ffmpeg -i F` decodes the one with the most channels.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { itWith, ffmpegEncoder } from './needs.js';
import { ffmpeg, decoded, probe, asDecoded, atMostDecoded } from './decoded.js';
import { junk } from './forge.js';

const dir = tempDir('leaktally-r25mkvavi-');
const CLUSTER = Buffer.from('1f43b675', 'hex');

/** A tone of `seconds` at `rate` Hz, mono, encoded with `args` into `name`; its path. */
function tone(name: string, seconds: number, rate: number, ...args: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=${seconds}`, '-ac', '1', ...args, out);
  return out;
}

/** Where each Cluster ID starts (past the SeekHead's mention of one near the head). */
function clusters(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = b.indexOf(CLUSTER, 100); i >= 0; i = b.indexOf(CLUSTER, i + 1)) out.push(i);
  return out;
}

/** ffmpeg's decoded length of the audio stream it picks when told nothing (no -map), 8 kHz mono. */
function decodedDefault(path: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'quiet', '-i', path, '-vn', '-f', 's16le', '-ac', '1', '-ar', '8000', '-'], {
    maxBuffer: 1 << 28,
  });
  return r.stdout.length / 2 / 8000;
}

describe('round 25a: Matroska with no Cluster found, or all but the last damaged (C2)', () => {
  itWith(['ffmpeg'], 'a Duration with no Cluster behind it counts nothing, as ffmpeg opens nothing', async () => {
    const own = tone('seed.mka', 10, 8000, '-c:a', 'pcm_s16le');
    const b = readFileSync(own);
    const first = clusters(b)[0]!;
    const head = Buffer.from(b.subarray(0, first));
    // the Duration (an 8-byte float in ms) raised to 20 h; the Segment's 8-byte size made to end at the file's end
    const dur = head.indexOf(Buffer.from([0x44, 0x89, 0x88]));
    head.writeDoubleBE(72_000_000, dur + 3);
    const next = junk(25);
    const body = Buffer.alloc(1_000_000);
    for (let i = 0; i < body.length; i++) body[i] = next();
    for (let i = body.indexOf(CLUSTER); i >= 0; i = body.indexOf(CLUSTER, i)) body[i] = 0;
    const seg = head.indexOf(Buffer.from('18538067', 'hex'));
    expect(head[seg + 4]).toBe(0x01);
    head.writeUIntBE(head.length + body.length - (seg + 12), seg + 6, 6);
    const rnd = join(dir, 'junk-1MB.mka');
    writeFileSync(rnd, Buffer.concat([head, body]));
    // ffmpeg's own 10 s file with every Cluster ID's first byte zeroed
    const dmg = Buffer.from(b);
    for (const c of clusters(dmg)) dmg[c] = 0;
    dmg.writeDoubleBE(11_000_000, dmg.indexOf(Buffer.from([0x44, 0x89, 0x88])) + 3);
    const damaged = join(dir, 'damaged.mka');
    writeFileSync(damaged, dmg);
    for (const path of [rnd, damaged]) {
      const r = await probe(path);
      expect(decoded(path), path).toBe(0);
      // was: 72,037 s and 11,603 s counted
      expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
      expect(r.error).toMatch(/no Cluster found/);
    }
  });

  itWith(
    ['ffmpeg'],
    'every Cluster ID but the last damaged: the last cluster counted, as ffmpeg decodes it',
    async () => {
      const own = tone('own120.mka', 120, 8000, '-c:a', 'pcm_s16le');
      const b = readFileSync(own);
      const all = clusters(b);
      expect(all.length).toBeGreaterThan(2);
      for (const c of all.slice(0, -1)) b[c] = 0;
      const last = join(dir, 'lastonly.mka');
      writeFileSync(last, b);
      // ... and the first one only, as the round found it first (10 s counted of 5.03 decoded)
      const c = readFileSync(own);
      c[all[0]!] = 0x00;
      const firstOnly = join(dir, 'first-damaged.mka');
      writeFileSync(firstOnly, c);
      for (const path of [last, firstOnly]) {
        const r = await probe(path);
        const dec = decoded(path);
        expect(dec, path).toBeGreaterThan(0);
        // was: 120 s counted for both
        expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('audio');
        expect(Math.abs(r.seconds! - dec), `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(
          0.05,
        );
      }
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libvorbis', 'aac', 'flac')],
    "real encoders' Matroska still counts what ffmpeg decodes",
    async () => {
      for (const [name, codec, rate] of [
        ['opus.mka', 'libopus', 48000],
        ['vorbis.mka', 'libvorbis', 44100],
        ['aac.mka', 'aac', 44100],
        ['pcm.mka', 'pcm_s16le', 8000],
        ['flac.mka', 'flac', 16000],
        ['opus.webm', 'libopus', 48000],
      ] as const)
        await asDecoded(tone(name, 30, rate, '-c:a', codec), 0.3);
    },
  );
});

describe('round 25a: AVI read by idx1 where ffmpeg reads by it (H5)', () => {
  itWith(
    ['ffmpeg'],
    'an idx1 of repeated offsets, or a first entry past the end: what ffmpeg reads by it',
    async () => {
      const own = tone('own.avi', 60, 8000, '-c:a', 'pcm_u8');
      const d = readFileSync(own);
      const i = d.indexOf('idx1');
      const n = d.readUInt32LE(i + 4) / 16;
      // every entry the first one's copy: ffmpeg keeps one, and takes the file as non-interleaved
      const same = Buffer.concat([d.subarray(0, i + 8), ...Array.from({ length: n }, () => d.subarray(i + 8, i + 24))]);
      same.writeUInt32LE(same.length - 8, 4);
      const samePath = join(dir, 'idx-same.avi');
      writeFileSync(samePath, same);
      // one field: the first entry's offset past the end of the file (4 bytes of ffmpeg's own file)
      const past = Buffer.from(d);
      past.writeUInt32LE(0x7f000000, i + 16);
      const pastPath = join(dir, 'idx-first-past-eof.avi');
      writeFileSync(pastPath, past);
      for (const path of [samePath, pastPath]) {
        const r = await probe(path);
        const dec = decoded(path);
        // was: 60 s counted, ffmpeg decoding 0.128
        expect(dec, path).toBeLessThan(1);
        expect(r.seconds ?? 0, `${path}: ${JSON.stringify(r)}`).toBeLessThanOrEqual(dec + 0.01);
        expect(r.seconds ?? 0, `${path}: ${JSON.stringify(r)}`).toBeGreaterThanOrEqual(dec - 0.01);
      }
      await asDecoded(own, 0.05);
    },
  );

  itWith(['ffmpeg'], 'video and audio: a video entry past the end ends what ffmpeg reads by the index', async () => {
    const out = join(dir, 'av.avi');
    ffmpeg(
      ...['-f', 'lavfi', '-i', 'testsrc=d=20:s=160x120:r=10', '-f', 'lavfi', '-i', 'sine=d=20:r=8000'],
      ...['-c:v', 'mpeg4', '-c:a', 'pcm_s16le', out],
    );
    const b = readFileSync(out);
    const i = b.indexOf('idx1');
    // the 60th video entry's offset moved far past the end of the file (ffmpeg takes the file as
    // non-interleaved, and stops there)
    let seen = 0;
    for (let q = i + 8; q + 16 <= i + 8 + b.readUInt32LE(i + 4); q += 16)
      if (b.toString('latin1', q, q + 4) === '00dc' && ++seen === 60) b.writeUInt32LE(0x0c000000, q + 8);
    const path = join(dir, 'av-video-past-eof.avi');
    writeFileSync(path, b);
    const r = await probe(path);
    const dec = decoded(path);
    expect(dec).toBeLessThan(15);
    // was: 20 s
    expect(Math.abs((r.seconds ?? 0) - dec), `${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(0.05);
    await asDecoded(out, 0.05);
  });

  itWith(
    ['ffmpeg', ffmpegEncoder('libmp3lame')],
    "real encoders' AVI (PCM, MP3, ADPCM, A-law; with video) still counts what ffmpeg decodes",
    async () => {
      for (const codec of ['pcm_s16le', 'libmp3lame', 'adpcm_ima_wav', 'adpcm_ms', 'pcm_alaw'])
        await asDecoded(tone(`${codec}.avi`, 20, 8000, '-c:a', codec), 0.05);
      const av = join(dir, 'av-mp3.avi');
      ffmpeg(
        ...['-f', 'lavfi', '-i', 'testsrc=d=20:s=160x120:r=10', '-f', 'lavfi', '-i', 'sine=d=20:r=8000'],
        ...['-c:v', 'mpeg4', '-c:a', 'libmp3lame', av],
      );
      await asDecoded(av, 0.05);
    },
  );
});

describe('round 25a: two audio streams (M1)', () => {
  /** A 600 s mono stream, then a 1 s stereo one, in `name`, with `codecs` for each */
  const two = (name: string, ...args: string[]): string => {
    const out = join(dir, name);
    ffmpeg(
      ...['-f', 'lavfi', '-i', 'sine=d=600:r=8000', '-f', 'lavfi', '-i', 'sine=d=1:r=48000'],
      ...['-filter_complex', '[1]aformat=channel_layouts=stereo[b]', '-map', '0', '-map', '[b]', ...args, out],
    );
    return out;
  };

  itWith(['ffmpeg'], 'AVI and Matroska count the stream ffmpeg decodes when told nothing', async () => {
    for (const path of [
      two('two.avi', '-c:a:0', 'pcm_u8', '-c:a:1', 'pcm_s16le'),
      two('two0.mka', '-c:a:0', 'pcm_u8', '-c:a:1', 'pcm_s16le', '-disposition:a:0', '0', '-disposition:a:1', '0'),
    ]) {
      const r = await probe(path);
      const dec = decodedDefault(path);
      expect(dec, path).toBeLessThan(2);
      // was: 600 s
      expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('audio');
      expect(Math.abs(r.seconds! - dec), `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(
        0.05,
      );
    }
    // the first track flagged default (ffmpeg's own choice when writing): that one, and counted whole
    const flagged = two('two-default.mka', '-c:a:0', 'pcm_u8', '-c:a:1', 'pcm_s16le', '-disposition:a:0', 'default');
    const r = await probe(flagged);
    expect(Math.abs(r.seconds! - decodedDefault(flagged)), JSON.stringify(r)).toBeLessThanOrEqual(0.05);
    expect(r.seconds).toBeGreaterThan(599);
  });

  itWith(['ffmpeg', ffmpegEncoder('libmp3lame', 'mp2')], 'MPEG-TS of two audio streams is not measured', async () => {
    const path = two('two.ts', '-c:a:0', 'libmp3lame', '-b:a:0', '8k', '-c:a:1', 'mp2');
    expect(decodedDefault(path)).toBeLessThan(2);
    const r = await probe(path);
    // was: 600 s
    expect(r.kind, JSON.stringify(r)).toBe('unreadable');
    expect(r.error).toMatch(/two audio streams/);
  });

  itWith(
    ['ffmpeg', ffmpegEncoder('dca')],
    "AVI's WAVE_FORMAT_EXTENSIBLE (ffmpeg writes it past two channels) is read by its sub-format: 4- and 6-channel PCM, 6-channel DTS",
    async () => {
      // they were unreadable ("a codec leaktally cannot size from its bytes"), 5 s decoded
      const made = (name: string, ch: number, ...args: string[]): string => {
        const out = join(dir, name);
        ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=5', '-ac', String(ch), ...args, out);
        return out;
      };
      await asDecoded(made('ext4.avi', 4, '-c:a', 'pcm_s16le'), 0.01);
      await asDecoded(made('ext6.avi', 6, '-c:a', 'pcm_s24le'), 0.01);
      await asDecoded(made('ext6dts.avi', 6, '-c:a', 'dca', '-strict', '-2'), 0.02);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus')],
    "a block of no track's number loses ffmpeg the rest of its cluster (round 25c C2)",
    async () => {
      const own = tone('c2.webm', 120, 48000, '-c:a', 'libopus', '-b:a', '6k', '-cluster_time_limit', '5000');
      const b = readFileSync(own);
      let changed = 0;
      for (const at of clusters(b)) {
        // the cluster's first SimpleBlock (0xA3 and its size vint): its track number 0x81 → 0x90
        const blk = b.indexOf(0xa3, at + 4);
        if (blk < 0) continue;
        let n = 1;
        while (n <= 8 && !(b[blk + 1]! & (0x100 >> n))) n++;
        if (b[blk + 1 + n] === 0x81) {
          b[blk + 1 + n] = 0x90;
          changed++;
        }
      }
      expect(changed).toBeGreaterThan(5);
      const bad = join(dir, 'c2-bad.webm');
      writeFileSync(bad, b);
      // was: 120 s counted, a few seconds decoded
      const { dec } = await atMostDecoded(bad, 0.1);
      expect(dec).toBeLessThan(60);
      await asDecoded(own, 0.1);
    },
  );
});
