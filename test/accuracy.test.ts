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
import { describeWith, itWith } from './needs.js';

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
      { size: 10_000_000 },
    );
    expect(r).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/unknown/) });
  });
  it('rejects a length the bytes cannot hold, with the claim in the reason', () => {
    const r = guard({ kind: 'audio', seconds: 1_825_620_915, sampleRate: 44100, codec: 'APE' }, { size: 184 });
    expect(r).toMatchObject({ kind: 'unreadable', error: 'header claims 58 years in 184 bytes' });
  });
  it('sizes a rejected constant-bit-rate stream from its bytes', () => {
    const r = guard(
      { kind: 'audio', seconds: 1887, sampleRate: 44100, codec: 'WMA', cbrBitrate: 64_000 },
      { size: 32_000 },
    );
    expect(r).toMatchObject({ kind: 'audio', seconds: 4, error: expect.stringMatching(/sized from the bytes/) });
  });
  it('lets a quiet real recording through: the floors sit under every codec minimum', () => {
    // 8 kbit/s MP3 (the lowest MPEG rate), a silent 8 kHz AAC stream, a DTX Opus call (a TOC byte
    // and a lacing byte per 20 ms), FLAC of silence at 8 and 44.1 kHz (flac 1.4: 0.025 bit a sample)
    expect(guard({ kind: 'audio', seconds: 10, codec: 'MP3' }, { size: 10_000 }).kind).toBe('audio');
    expect(guard({ kind: 'audio', seconds: 10, codec: 'AAC' }, { size: 470 }).kind).toBe('audio');
    expect(guard({ kind: 'audio', seconds: 60, codec: 'OGG/OPUS' }, { size: 6000 + 12 * 282 }).kind).toBe('audio');
    expect(guard({ kind: 'audio', seconds: 600, codec: 'FLAC', sampleRate: 8000 }, { size: 15_108 }).kind).toBe(
      'audio',
    );
    expect(guard({ kind: 'audio', seconds: 600, codec: 'FLAC', sampleRate: 44100 }, { size: 82_976 }).kind).toBe(
      'audio',
    );
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
    // (its seek table, 2^28 entries, is not in the file: the guard said "58 years" before)
    expect(p.error).toMatch(/Monkey's Audio seek table too large/);
  });
  itWith(['ffmpeg'], 'a WavPack whose header says "length unknown" is counted from its blocks', async () => {
    const wv = join(dir, 'unknown.wv');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=3', '-c:a', 'wavpack', wv]);
    const b = readFileSync(wv);
    b.writeUInt32LE(0xffffffff, 12); // total_samples of the first block: unknown
    writeFileSync(wv, b);
    const p = await probe('unknown.wv');
    expect(p.kind).toBe('audio');
    expect(Math.abs(p.seconds! - 3)).toBeLessThan(0.01);
  });
  itWith(['ffmpeg'], "an MP3 cut to 4 KiB is given the frames it holds, not its Xing header's half hour", async () => {
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
  });
  itWith(
    ['ffmpeg'],
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
  itWith(
    ['ffmpeg'],
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

describeWith(['ffmpeg'], 'containers without audio are not recordings', () => {
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
  itWith(['ffmpeg'], 'raw AC-3 and E-AC-3, even named .bin, are audio by their frames', async () => {
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
  itWith(['ffmpeg'], 'CAF (what iOS recorders write) is read, cut or whole', async () => {
    const caf = join(dir, 'memo.caf');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=sample_rate=8000:duration=4', '-c:a', 'pcm_s16le', caf]);
    expect(await probe('memo.caf')).toMatchObject({ kind: 'audio', codec: 'CAF/LPCM', seconds: 4 });
    const b = readFileSync(caf);
    const p = await probe('cut.caf', b.subarray(0, b.length - 16000));
    expect(p.seconds).toBe(3);
  });
  itWith(
    ['ffmpeg'],
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
  itWith(
    ['ffmpeg'],
    'AMR-WB comfort noise counts what ffmpeg decodes of it (the NO_DATA frames a SID covers, not the SID), named in the note',
    async () => {
      // a 3GPP decoder plays comfort noise for them (TS 26.193: a SID every 8th frame while silent);
      // ffmpeg's AMR-WB decoder, the judge, lacks DTX: 20 ms of silence for a NO_DATA frame, nothing for a
      // SID. Until round 23 the SID counted too (AMR-NB's comfort noise, which ffmpeg decodes none of,
      // counted 206,488 s of 16 MiB: forged-lengths.test.ts).
      const sid = Buffer.concat([Buffer.from([(9 << 3) | 4]), Buffer.alloc(5, 0x5a)]);
      const period = Buffer.concat([sid, Buffer.alloc(7, (15 << 3) | 4)]); // 160 ms
      // a call: a speech frame (23.85 kbit/s, 61 bytes), then 4 s of silence
      const speech = Buffer.concat([Buffer.from([(8 << 3) | 4]), Buffer.alloc(60, 0x33)]);
      const amr = Buffer.concat([Buffer.from('#!AMR-WB\n', 'latin1'), speech, ...Array<Buffer>(25).fill(period)]);
      writeFileSync(join(dir, 'dtx.awb'), amr);
      const p = await probe('dtx.awb', amr);
      expect(p).toMatchObject({ kind: 'audio', codec: 'AMR-WB' });
      expect(p.seconds).toBeCloseTo(decoded(join(dir, 'dtx.awb')), 6);
      expect(p.seconds).toBeCloseTo(0.02 + 25 * 7 * 0.02, 6);
      expect(p.error).toMatch(/0\.50 s of comfort noise \(DTX silence: SID frames\) not counted/);
    },
  );
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

describeWith(['ffmpeg'], 'hostile and damaged headers never break the hand readers', () => {
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

/**
 * A Musepack SV7 stream: the 24-byte header, then `frames` frames of `bits` zero bits each (20-bit length
 * first, in 32-bit little-endian words read from the top bit). 8 zero bits are an empty frame (band 0's
 * two resolutions 0), which ffmpeg's decoder takes; longer frames of other bits it refuses unless its
 * codes end in their last word (musepack7.ts): 1,000-bit frames of every third bit set were counted
 * here, and ffmpeg decodes none of them.
 */
function mpc7(frames: number, bits: number): Buffer {
  const total = 24 * 8 + 8 + frames * (20 + bits);
  const words = new Uint32Array(Math.ceil(total / 32) + 1);
  let at = 24 * 8 + 8;
  const put = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--, at++) if ((v >>> i) & 1) words[at >>> 5]! |= 1 << (31 - (at & 31));
  };
  for (let f = 0; f < frames; f++) {
    put(bits, 20);
    at += bits;
  }
  const b = Buffer.alloc(words.length * 4);
  for (let i = 6; i < words.length; i++) b.writeUInt32LE(words[i]! >>> 0, i * 4);
  b.write('MP+', 0, 'latin1');
  b[3] = 0x07;
  b.writeUInt32LE(frames, 4);
  b[10] = 0; // 44.1 kHz
  return b;
}

/** Top-level boxes of an MP4 file, by type. */
function mp4Boxes(b: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let p = 0; p + 8 <= b.length;) {
    const size = b.readUInt32BE(p);
    out.set(b.toString('latin1', p + 4, p + 8), b.subarray(p, p + size));
    if (size < 8) break;
    p += size;
  }
  return out;
}

describe('headers that claim audio the file does not hold', () => {
  it("Monkey's Audio whose descriptor gives 0 bytes of frame data is unreadable, with the reason", async () => {
    const b = Buffer.alloc(52 + 24);
    b.write('MAC ', 0, 'latin1');
    b.writeUInt16LE(3990, 4);
    b.writeUInt32LE(52, 8); // descriptor bytes
    b.writeUInt32LE(24, 12); // header bytes; seek table, header data and frame data: 0
    b.writeUInt16LE(2000, 52);
    b.writeUInt32LE(73728, 56); // blocks per frame
    b.writeUInt32LE(40000, 60); // final frame blocks
    b.writeUInt32LE(2, 64); // total frames: 2.6 s claimed in 76 bytes (8 kbit/s: over every floor)
    b.writeUInt16LE(16, 68);
    b.writeUInt16LE(2, 70);
    b.writeUInt32LE(44100, 72);
    const p = await probe('noframes.ape', b);
    expect(p).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/frame data is 0 bytes/) });
  });

  itWith(
    ['ffmpeg'],
    'an AIFF without its SSND chunk is unreadable, with the reason; one cut inside SSND counts the frames present',
    async () => {
      const aif = join(dir, 'full.aiff');
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=22050:duration=1',
        '-c:a',
        'pcm_u8',
        '-f',
        'aiff',
        aif,
      ]);
      const b = readFileSync(aif);
      const ssnd = b.indexOf('SSND', 12, 'latin1');
      expect(ssnd).toBeGreaterThan(12);
      const head = Buffer.from(b.subarray(0, ssnd));
      head.writeUInt32BE(head.length - 8, 4);
      const p = await probe('nossnd.aif', head);
      expect(p).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/no sound data \(SSND\) chunk/) });
      const cut = join(dir, 'cut.aif');
      writeFileSync(cut, b.subarray(0, ssnd + 16 + 11025));
      const c = await probe('cut.aif');
      expect(c.kind).toBe('audio');
      expect(c.seconds!).toBeCloseTo(0.5, 3);
      expect(c.seconds!).toBeLessThanOrEqual(decoded(cut) + 1 / 22050);
    },
  );

  itWith(
    ['ffmpeg', 'wavpack'],
    'a DSD WavPack is its DSD length, not 4x (the rate multiplier in its DSD block)',
    async () => {
      // a DSF file (DSD64 stereo, 0.5 s of DSD silence) written here, then packed by wavpack
      const rate = 2822400;
      const perChannel = (rate * 0.5) / 8;
      const data = Buffer.alloc(Math.ceil(perChannel / 4096) * 4096 * 2, 0x69);
      const h = Buffer.alloc(92);
      h.write('DSD ', 0, 'latin1');
      h.writeBigUInt64LE(28n, 4);
      h.writeBigUInt64LE(BigInt(h.length + data.length), 12);
      h.write('fmt ', 28, 'latin1');
      h.writeBigUInt64LE(52n, 32);
      h.writeUInt32LE(1, 40);
      h.writeUInt32LE(2, 48); // stereo
      h.writeUInt32LE(2, 52);
      h.writeUInt32LE(rate, 56);
      h.writeUInt32LE(1, 60);
      h.writeBigUInt64LE(BigInt(rate * 0.5), 64);
      h.writeUInt32LE(4096, 72);
      h.write('data', 80, 'latin1');
      h.writeBigUInt64LE(BigInt(12 + data.length), 84);
      const dsf = put(dir, 'silence.dsf', Buffer.concat([h, data]));
      const wv = join(dir, 'dsd.wv');
      const r = spawnSync('wavpack', ['-q', '-y', dsf, '-o', wv]);
      expect(r.status, String(r.stderr)).toBe(0);
      const p = await probe('dsd.wv');
      expect(p).toMatchObject({ kind: 'audio', codec: 'WAVPACK/DSD' });
      expect(p.seconds!).toBeCloseTo(0.5, 3);
      expect(p.seconds!).toBeLessThanOrEqual(decoded(wv) + 0.01);
    },
  );

  it('Musepack SV7 is its frames × 1152 samples; a cut copy counts the frames whose bits are all present', async () => {
    const b = mpc7(39, 8);
    const p = await probe('sv7.mpc', b);
    expect(p).toMatchObject({ kind: 'audio', codec: 'MUSEPACK/SV7' });
    expect(p.seconds!).toBeCloseTo((39 * 1152) / 44100, 6);
    // cut inside frame 21: 20 frames are whole
    const cutBits = 24 * 8 + 8 + 20 * 28 + 14;
    const c = await probe('sv7cut.mpc', b.subarray(0, Math.ceil(cutBits / 8)));
    expect(c.seconds!).toBeCloseTo((20 * 1152) / 44100, 6);
    expect(c.error).toMatch(/cut off/);
  });

  itWith(
    ['ffmpeg'],
    'a QuickTime movie header without its media data is unreadable with a reason, never other',
    async () => {
      const mov = join(dir, 'full.mov');
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=16000:duration=2',
        '-c:a',
        'aac',
        '-movflags',
        '+faststart',
        mov,
      ]);
      const moov = mp4Boxes(readFileSync(mov)).get('moov');
      expect(moov).toBeDefined();
      const p = await probe('header.mov', moov);
      expect(p.kind).toBe('unreadable');
      expect(p.error ?? '').not.toBe('');
    },
  );

  itWith(
    ['ffmpeg'],
    'an AVI is its audio stream (not other); one with its headers and no audio chunk is unreadable, naming the claim',
    async () => {
      const avi = join(dir, 'call.avi');
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'testsrc=d=4:s=64x48:r=5',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=8000:duration=3',
        '-c:v',
        'mjpeg',
        '-c:a',
        'pcm_s16le',
        avi,
      ]);
      const p = await probe('call.avi');
      expect(p).toMatchObject({ kind: 'audio', codec: 'AVI/PCM' });
      expect(p.seconds!).toBeCloseTo(decoded(avi), 3);
      const b = readFileSync(avi);
      const movi = b.indexOf('movi', 12, 'latin1');
      const s = await probe('stub.avi', b.subarray(0, movi + 4));
      expect(s).toMatchObject({
        kind: 'unreadable',
        error: expect.stringMatching(/no audio chunk in the file \(its stream header says 3\.0 s\)/),
      });
    },
  );
});

describe('forged tables are refused, not walked', () => {
  itWith(
    ['ffmpeg'],
    'a fragmented MP4 whose track runs claim 50 M samples each: unreadable at once, and its real twin counted',
    async () => {
      const m4a = join(dir, 'frag.m4a');
      ffmpeg(
        [
          '-f',
          'lavfi',
          '-i',
          'sine=frequency=440:sample_rate=16000:duration=2',
          '-c:a',
          'aac',
          '-b:a',
          '32k',
          '-movflags',
          '+frag_keyframe+empty_moov',
          '-frag_duration',
          '200000',
        ].concat([m4a]),
      );
      const real = await probe('frag.m4a');
      expect(real).toMatchObject({ kind: 'audio' });
      expect(real.seconds!).toBeCloseTo(decoded(m4a), 1);
      // every trun: no per-sample fields, 50,000,000 samples (16 bytes each claim 50 M objects)
      const b = Buffer.from(readFileSync(m4a));
      let runs = 0;
      for (let at = b.indexOf('trun', 0, 'latin1'); at >= 0; at = b.indexOf('trun', at + 4, 'latin1')) {
        b.writeUInt32BE(0, at + 4); // version 0, flags 0
        b.writeUInt32BE(50_000_000, at + 8);
        runs++;
      }
      expect(runs).toBeGreaterThan(3);
      // before the fix: 41 s for one such run, out of memory for all of them (music-metadata, then the walk)
      const p = await probe('forged.m4a', b);
      expect(p).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/forged/) });
    },
  );
});
