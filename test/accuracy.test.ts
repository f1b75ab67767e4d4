/**
 * Lengths a header cannot be trusted for (sentinels, absurd claims), video-only containers, audio
 * that is audio by its content, and the reader's per-thread state. Files are made here with ffmpeg
 * (skipped with a message when it is absent) or written byte by byte.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProbeIo, probeFile } from '../src/scan/probe/index.js';
import { guard, floorFor } from '../src/scan/probe/guard.js';
import { SAMPLES, put, tempDir } from './helpers.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('accuracy.test.ts: the ffmpeg cases are skipped, ffmpeg is not on PATH');

const dir = tempDir('leaktally-acc-');
const probe = async (name: string, content?: Buffer) =>
  (await probeFile(content ? put(dir, name, content) : join(dir, name), name)).probe;

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${String(r.stderr)}`);
}

function decoded(file: string): number {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'quiet', '-i', file, '-map', '0:a:0', '-f', 's16le', '-ac', '1', '-ar', '48000', '-'],
    { maxBuffer: 1 << 28 },
  );
  return r.stdout.length / 2 / 48000;
}

describe('the guard', () => {
  it('never takes a sentinel for a length', () => {
    const r = guard(
      { kind: 'audio', seconds: 0xffffffff / 44100, sampleRate: 44100, codec: 'WAVPACK' },
      { bytes: 10_000_000 },
    );
    expect(r).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/unknown/) });
  });
  it('rejects a length the bytes cannot hold, with the claim in the reason', () => {
    const r = guard({ kind: 'audio', seconds: 1_825_620_915, sampleRate: 44100, codec: 'APE' }, { bytes: 184 });
    expect(r).toMatchObject({ kind: 'unreadable', error: 'header claims 58 years in 184 bytes' });
  });
  it('sizes a rejected constant-bit-rate stream from its bytes', () => {
    const r = guard(
      { kind: 'audio', seconds: 1887, sampleRate: 44100, codec: 'WMA' },
      { bytes: 32_000, cbrBitrate: 64_000 },
    );
    expect(r).toMatchObject({ kind: 'audio', seconds: 4, error: expect.stringMatching(/sized from the bytes/) });
  });
  it('lets a quiet real recording through: the floors sit under every codec minimum', () => {
    // 8 kbit/s MP3 (the lowest MPEG rate), a silent 8 kHz AAC stream, a DTX Opus call
    expect(guard({ kind: 'audio', seconds: 10, codec: 'MP3' }, { bytes: 10_000 }).kind).toBe('audio');
    expect(guard({ kind: 'audio', seconds: 10, codec: 'AAC' }, { bytes: 470 }).kind).toBe('audio');
    expect(guard({ kind: 'audio', seconds: 60, codec: 'OGG/OPUS' }, { bytes: 1000 }).kind).toBe('audio');
    expect(floorFor('MP3')).toBeGreaterThan(floorFor('FLAC'));
  });
});

describe('absurd and sentinel headers in real files', () => {
  it("a Monkey's Audio stub claiming 58 years in 184 bytes is unreadable with the reason", async () => {
    const h = Buffer.alloc(184);
    h.write('MAC ', 0, 'latin1');
    h.writeUInt16LE(3960, 4); // old header
    h.writeUInt16LE(2000, 6);
    h.writeUInt16LE(0x20, 8); // no WAV header stored
    h.writeUInt16LE(2, 10);
    h.writeUInt32LE(44100, 12);
    h.writeUInt32LE(0x10000000, 24); // total frames
    h.writeUInt32LE(1000, 28);
    const p = await probe('longloop.ape', h);
    expect(p.kind).toBe('unreadable');
    expect(p.error).toMatch(/header claims .* in 184 bytes/);
  });
  it.skipIf(!hasFfmpeg)('a WavPack whose header says "length unknown" is counted from its blocks', async () => {
    const wv = join(dir, 'unknown.wv');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=3', '-c:a', 'wavpack', wv]);
    const b = readFileSync(wv);
    b.writeUInt32LE(0xffffffff, 12); // total_samples of the first block: unknown
    writeFileSync(wv, b);
    const p = await probe('unknown.wv');
    expect(p.kind).toBe('audio');
    expect(Math.abs(p.seconds! - 3)).toBeLessThan(0.01);
  });
  it.skipIf(!hasFfmpeg)(
    "an MP3 cut to 4 KiB is given the frames it holds, not its Xing header's half hour",
    async () => {
      const mp3 = join(dir, 'long.mp3');
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=300:sample_rate=22050:duration=60',
        '-c:a',
        'libmp3lame',
        '-q:a',
        '6',
        mp3,
      ]);
      const cut = join(dir, 'cut4k.mp3');
      writeFileSync(cut, readFileSync(mp3).subarray(0, 4096));
      const p = await probe('cut4k.mp3');
      const d = decoded(cut);
      expect(p.kind).toBe('audio');
      expect(p.seconds!).toBeLessThanOrEqual(d + 1152 / 22050);
      expect(p.error).toMatch(/cut off/);
    },
  );
  it.skipIf(!hasFfmpeg)(
    'a VBR MP3 without a Xing header is counted frame by frame, not as CBR from its first frame',
    async () => {
      const mp3 = join(dir, 'vbr-noxing.mp3');
      // silence then a tone: the first frames are tiny, the rest are not (sized as CBR it would be far over)
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'anullsrc=r=44100:cl=mono',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=1000:sample_rate=44100:duration=20',
        '-filter_complex',
        '[0]atrim=0:5[a];[a][1]concat=n=2:v=0:a=1',
        '-c:a',
        'libmp3lame',
        '-q:a',
        '0',
        '-write_xing',
        '0',
        mp3,
      ]);
      const p = await probe('vbr-noxing.mp3');
      expect(Math.abs(p.seconds! - decoded(mp3))).toBeLessThan(0.05);
    },
  );
  it.skipIf(!hasFfmpeg)(
    'a WebM with no Duration element (as browser recorders write) is counted to its last block',
    async () => {
      const webm = join(dir, 'live.webm');
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=48000:duration=7',
        '-c:a',
        'libopus',
        '-live',
        '1',
        '-f',
        'webm',
        webm,
      ]);
      const p = await probe('live.webm');
      expect(p.kind).toBe('audio');
      expect(Math.abs(p.seconds! - decoded(webm))).toBeLessThan(0.05);
    },
  );
});

describe.skipIf(!hasFfmpeg)('containers without audio are not recordings', () => {
  beforeAll(() => {
    const src = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=2'];
    ffmpeg([...src, '-c:v', 'libvpx', join(dir, 'video.webm')]);
    ffmpeg([...src, '-c:v', 'mpeg4', join(dir, 'video.mp4')]);
    ffmpeg([...src, '-c:v', 'wmv2', join(dir, 'video.wmv')]);
    ffmpeg([...src, '-c:v', 'libtheora', join(dir, 'video.ogv')]);
    ffmpeg([
      ...src,
      '-f',
      'lavfi',
      '-i',
      'sine=duration=2',
      '-c:v',
      'libtheora',
      '-c:a',
      'libvorbis',
      '-shortest',
      join(dir, 'theora-vorbis.ogg'),
    ]);
    ffmpeg([...src, '-f', 'lavfi', '-i', 'sine=duration=2', '-c:v', 'libvpx', '-c:a', 'libopus', join(dir, 'av.webm')]);
  }, 120_000);
  for (const f of ['video.webm', 'video.mp4', 'video.wmv', 'video.ogv']) {
    it(`${f}: other, "video, no audio track"`, async () => {
      expect(await probe(f)).toMatchObject({ kind: 'other', error: expect.stringMatching(/^video, no audio/) });
    });
  }
  it('an Ogg whose first stream is Theora counts its Vorbis stream', async () => {
    const p = await probe('theora-vorbis.ogg');
    expect(p).toMatchObject({ kind: 'audio', codec: 'OGG/VORBIS' });
    expect(Math.abs(p.seconds! - decoded(join(dir, 'theora-vorbis.ogg')))).toBeLessThan(0.05);
  });
  it('a WebM with video and audio counts the audio', async () => {
    const p = await probe('av.webm');
    expect(p.kind).toBe('audio');
    expect(Math.abs(p.seconds! - decoded(join(dir, 'av.webm')))).toBeLessThan(0.1);
  });
});

describe('audio by its content is never other', () => {
  it.skipIf(!hasFfmpeg)('raw AC-3 and E-AC-3, even named .bin, are audio by their frames', async () => {
    for (const [codec, f] of [
      ['ac3', 'stream.bin'],
      ['eac3', 'stream.eac3'],
    ] as const) {
      ffmpeg(['-f', 'lavfi', '-i', 'sine=sample_rate=48000:duration=2.5', '-c:a', codec, '-f', codec, join(dir, f)]);
      const p = await probe(f);
      expect(p.kind).toBe('audio');
      expect(Math.abs(p.seconds! - decoded(join(dir, f)))).toBeLessThan(0.04);
    }
  });
  it('a frame sync alone on a file not named as audio is not audio', async () => {
    const junk = Buffer.alloc(3000, 0x11);
    junk[0] = 0x0b;
    junk[1] = 0x77;
    expect((await probe('x.dat', junk)).kind).not.toBe('audio');
  });
  it.skipIf(!hasFfmpeg)('CAF (what iOS recorders write) is read, cut or whole', async () => {
    const caf = join(dir, 'memo.caf');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=sample_rate=8000:duration=4', '-c:a', 'pcm_s16le', caf]);
    expect(await probe('memo.caf')).toMatchObject({ kind: 'audio', codec: 'CAF/LPCM', seconds: 4 });
    const b = readFileSync(caf);
    const p = await probe('cut.caf', b.subarray(0, b.length - 16000));
    expect(p.seconds).toBe(3);
  });
  it.skipIf(!hasFfmpeg)(
    'AMR (phones, call recorders) is counted frame by frame, cut or whole, as ffmpeg decodes it',
    async () => {
      const frames: Buffer[] = [Buffer.from('#!AMR\n', 'latin1')];
      for (let i = 0; i < 300; i++) frames.push(Buffer.alloc(32, (i * 37) & 0xff).fill((7 << 3) | 4, 0, 1)); // 12.2 kbit/s
      const amr = Buffer.concat(frames);
      for (const n of [amr.length, amr.length - 10, Math.floor(amr.length / 3)]) {
        const name = `call-${n}.amr`;
        const p = await probe(name, amr.subarray(0, n));
        expect(p).toMatchObject({ kind: 'audio', codec: 'AMR' });
        expect(Math.abs(p.seconds! - decoded(join(dir, name)))).toBeLessThanOrEqual(0.02 + 1e-9);
      }
    },
  );
  it('AMR NO_DATA frames (discontinuous transmission) are 20 ms of the call each', async () => {
    // ffmpeg outputs nothing for them, but the call went on: 3GPP TS 26.101 frame type 15 is 20 ms
    const amr = Buffer.concat([Buffer.from('#!AMR-WB\n', 'latin1'), Buffer.alloc(50, (15 << 3) | 4)]);
    expect(await probe('dtx.awb', amr)).toMatchObject({ kind: 'audio', codec: 'AMR-WB', seconds: 1 });
  });
  it('a tracker module libopenmpt cannot open is unreadable, named; an empty one plays one empty pattern', async () => {
    const bad = Buffer.alloc(2000, 0xee);
    bad.write('M.K.', 1080, 'latin1');
    expect(await probe('song.mod', bad)).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/^MOD module/),
    });
    const empty = Buffer.alloc(2000);
    empty.write('M.K.', 1080, 'latin1');
    // 64 rows × 6 ticks × 20 ms: what a player (and ffmpeg) renders
    expect(await probe('empty.mod', empty)).toMatchObject({
      kind: 'audio',
      codec: 'MODULE/MOD',
      seconds: expect.closeTo(7.68, 3),
    });
  });
});

describe('per-thread reader state', () => {
  it('probes with their own ProbeIo give the same answers concurrently as one by one', async () => {
    const files = [
      'cbr-xing.mp3',
      'vbr-xing.mp3',
      'flac.flac',
      'opus.opus',
      'wma.wma',
      'aac-faststart.m4a',
      'ulaw.wav',
    ];
    const one = createProbeIo();
    const serial = [];
    for (const f of files) serial.push((await probeFile(join(SAMPLES, 'codecs', f), f, one)).probe);
    const parallel = await Promise.all(
      files.map(async (f) => (await probeFile(join(SAMPLES, 'codecs', f), f, createProbeIo())).probe),
    );
    expect(parallel).toEqual(serial);
    expect(one.noatimeRefused).toBe(0); // our own files: O_NOATIME is allowed
  });
});

describe.skipIf(!hasFfmpeg)('hostile and damaged headers never break the hand readers', () => {
  const made: [string, string[]][] = [
    ['noxing.mp3', ['-c:a', 'libmp3lame', '-q:a', '5', '-write_xing', '0']],
    ['xing.mp3', ['-c:a', 'libmp3lame', '-q:a', '5']],
    ['s.flac', ['-c:a', 'flac']],
    ['s.aac', ['-c:a', 'aac', '-f', 'adts']],
    ['s.webm', ['-c:a', 'libopus']],
    ['s.mka', ['-c:a', 'libvorbis']],
    ['s.wma', ['-c:a', 'wmav2']],
    ['s.m4a', ['-c:a', 'aac', '-movflags', '+faststart']],
    ['s.caf', ['-c:a', 'pcm_s16le']],
    ['s.aiff', ['-c:a', 'pcm_s16be']],
    ['s.wv', ['-c:a', 'wavpack']],
    ['s.ac3', ['-c:a', 'ac3']],
    ['s.tta', ['-c:a', 'tta']],
  ];
  const rand = (seed: number) => () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const [file, args] of made) {
    it(`${file}: cut short and with bytes flipped in its first 4 KiB`, async () => {
      const path = join(dir, `fuzz-${file}`);
      ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=16000:duration=3', ...args, path]);
      const good = readFileSync(path);
      const r = rand(file.length * 7919);
      const variants: Buffer[] = [];
      for (let n = 1; n <= 12; n++) variants.push(good.subarray(0, Math.floor((good.length * n) / 13)));
      for (let k = 0; k < 60; k++) {
        const b = Buffer.from(good);
        for (let j = 0; j < 8; j++) b[Math.floor(r() * Math.min(b.length, 4096))] = Math.floor(r() * 256);
        if (k % 3 === 0) b.writeUInt32BE(0xffffffff, Math.floor(r() * Math.min(b.length - 4, 600))); // a forged all-ones field
        variants.push(b);
      }
      for (const [i, v] of variants.entries()) {
        const name = `f${i}-${file}`;
        const res = await probeFile(put(dir, name, v), name);
        expect(['audio', 'unreadable'], `${name}: ${JSON.stringify(res.probe)}`).toContain(res.probe.kind);
        if (res.probe.kind === 'audio') {
          expect(Number.isFinite(res.probe.seconds) && res.probe.seconds! > 0).toBe(true);
          // never more than the bytes could hold at the codec's floor
          expect((v.length * 8) / res.probe.seconds!).toBeGreaterThanOrEqual(floorFor(res.probe.codec));
        }
      }
    });
  }
});
