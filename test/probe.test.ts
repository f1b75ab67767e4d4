import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, openSync, ftruncateSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { probeFile } from '../src/scan/probe/index.js';
import { SAMPLES, bext, infoList, put, rawChunk, tempDir, wav } from './helpers.js';
import { itWith } from './needs.js';
import { spawnSync } from 'node:child_process';

const codecs = join(SAMPLES, 'codecs');
const ffprobe = JSON.parse(readFileSync(join(codecs, 'ffprobe.json'), 'utf8')) as Record<string, number>;
/** each sample's decoded length (ffmpeg to PCM, samples counted): the judge of a duration */
const decoded = JSON.parse(readFileSync(join(codecs, 'decoded.json'), 'utf8')) as Record<string, number>;

const expectedCodec: Record<string, string> = {
  'aac-faststart.m4a': 'M4A/AAC',
  'aac-moov-end.m4a': 'M4A/AAC',
  'alaw-stereo.wav': 'WAV/ALAW',
  'alaw.wav': 'WAV/ALAW',
  'cbr-noxing.mp3': 'MP3',
  'cbr-xing.mp3': 'MP3',
  'flac.flac': 'FLAC',
  'gsm610.wav': 'WAV/GSM610',
  'ima-adpcm.wav': 'WAV/IMA-ADPCM',
  'ms-adpcm-stereo.wav': 'WAV/MS-ADPCM',
  'opus.opus': 'OGG/OPUS',
  'pcm-s16-16k-stereo.wav': 'WAV/PCM',
  'pcm-s16-8k-mono.wav': 'WAV/PCM',
  'raw.alaw': 'ALAW',
  'raw.g729': 'G729',
  'raw.gsm': 'GSM',
  'raw.sln': 'SLN',
  'raw.sln16': 'SLN16',
  'raw.ul': 'ULAW',
  'ulaw.wav': 'WAV/ULAW',
  'vbr-xing.mp3': 'MP3',
  'vorbis.ogg': 'OGG/VORBIS',
  'wma.wma': 'WMA',
};

describe('durations of real recordings in every codec, against their decoded length', () => {
  it('has a reference for every sample file', () => {
    const files = readdirSync(codecs)
      .filter((f) => !f.endsWith('.json'))
      .sort();
    expect(files).toEqual(Object.keys(expectedCodec).sort());
    expect(Object.keys(ffprobe).sort()).toEqual(files);
    expect(Object.keys(decoded).sort()).toEqual(files);
  });
  for (const [file, ref] of Object.entries(decoded)) {
    it(`${file}: within 0.1% or 50 ms of its decoded length (${ref} s)`, async () => {
      const r = await probeFile(join(codecs, file), file);
      expect(r.probe.kind).toBe('audio');
      expect(r.probe.codec).toBe(expectedCodec[file]);
      expect(Math.abs(r.probe.seconds! - ref)).toBeLessThanOrEqual(Math.max(0.05, ref * 0.001));
      expect(r.bytes).toBe(statSync(join(codecs, file)).size);
    });
  }
  it('reads stereo as two channels and the real sample rate', async () => {
    const r = await probeFile(join(codecs, 'alaw-stereo.wav'), 'alaw-stereo.wav');
    expect([r.probe.channels, r.probe.sampleRate]).toEqual([2, 8000]);
    const o = await probeFile(join(codecs, 'opus.opus'), 'opus.opus');
    expect([o.probe.channels, o.probe.sampleRate]).toEqual([1, 16000]);
  });
});

describe('WAV headers a leak is full of', () => {
  const dir = tempDir();
  const probe = async (name: string, content: Buffer) => (await probeFile(put(dir, name, content), name)).probe;

  it('PCM, µ-law and A-law: length from the bytes present', async () => {
    expect((await probe('a.wav', wav({ dataBytes: 16000 }))).seconds).toBe(1); // 8 kHz 16-bit mono
    expect((await probe('b.wav', wav({ tag: 7, dataBytes: 24000 }))).seconds).toBe(3);
    expect((await probe('c.wav', wav({ tag: 6, channels: 2, dataBytes: 32000 }))).seconds).toBe(2);
  });
  it('a recording still being written (data size 0) counts the audio present', async () => {
    const p = await probe('rec.wav', wav({ tag: 7, dataBytes: 8000, declared: 0 }));
    expect(p.kind).toBe('audio');
    expect(p.seconds).toBe(1);
    expect(p.error).toMatch(/data size 0/);
  });
  it('data size 0xFFFFFFFF counts the audio present', async () => {
    const p = await probe('ff.wav', wav({ tag: 6, dataBytes: 4000, declared: 0xffffffff }));
    expect(p.seconds).toBe(0.5);
  });
  it('a file cut off by a copy counts what is left, not what the header promises', async () => {
    const p = await probe('cut.wav', wav({ dataBytes: 8000, declared: 160000 }));
    expect(p.seconds).toBe(0.5);
    expect(p.error).toMatch(/cut off/);
  });
  it('GSM 6.10 uses the fact chunk, unless the file is cut short', async () => {
    expect(
      (await probe('g.wav', wav({ tag: 0x31, samplesPerBlock: 320, dataBytes: 65 * 50, fact: 15950 }))).seconds,
    ).toBeCloseTo(15950 / 8000, 9);
    expect(
      (
        await probe(
          'g2.wav',
          wav({ tag: 0x31, samplesPerBlock: 320, dataBytes: 65 * 25, declared: 65 * 50, fact: 16000 }),
        )
      ).seconds,
    ).toBe(1);
    expect((await probe('g3.wav', wav({ tag: 0x31, samplesPerBlock: 320, dataBytes: 65 * 25 }))).seconds).toBe(1);
  });
  it('IMA ADPCM counts whole blocks', async () => {
    const b = wav({ tag: 0x11, blockAlign: 256, samplesPerBlock: 505, dataBytes: 256 * 16 });
    // each block's header one a decoder takes (step index 0-88; the writer's 0x55 fill is not: round 22, H13)
    for (let p = b.length - 256 * 16; p < b.length; p += 256) b.writeUInt16LE(0, p + 2);
    expect((await probe('ima.wav', b)).seconds).toBe((505 * 16) / 8000);
  });
  it('RF64 takes the data size from ds64', async () => {
    expect((await probe('rf.wav', wav({ rf64: true, tag: 7, dataBytes: 16000 }))).seconds).toBe(2);
  });
  it('header only, no data: unreadable', async () => {
    const p = await probe('h.wav', wav({ dataBytes: 0 }));
    expect(p.kind).toBe('unreadable');
    expect(p.error).toMatch(/no audio data/);
  });
  it('no fmt chunk or no data chunk: unreadable with the reason', async () => {
    const noFmt = Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVE', 'latin1'), rawChunk('data', Buffer.alloc(4))]);
    expect(await probe('nofmt.wav', noFmt)).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/fmt/) });
    const noData = wav({ dataBytes: 100 }).subarray(0, 36);
    expect(await probe('nodata.wav', noData)).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/data chunk/),
    });
  });
  it('a LIST chunk claiming 4 GB is stepped over without allocating it', async () => {
    const hostile = wav({ dataBytes: 8000, tag: 7, before: [rawChunk('LIST', Buffer.from('INFO'), 0xfffffff0)] });
    const p = await probe('hostile.wav', hostile);
    expect(p.kind).toBe('unreadable'); // the lie hides the data chunk; nothing is allocated or crashes
  });
  it('a 6 GB sparse recording is sized from its header without reading it', async () => {
    const path = put(dir, 'big.wav', wav({ tag: 7, dataBytes: 0, declared: 0 }));
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, 6 * 1024 ** 3);
    closeSync(fd);
    // what this process read (Linux /proc/self/io rchar), not how long it took: a busy machine makes
    // any time limit flaky, while a whole read would be 6 GB against a few KB for the header
    const rchar = () => Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
    const before = rchar();
    const r = await probeFile(path, 'big.wav');
    expect(rchar() - before).toBeLessThan(64 * 1024 ** 2);
    expect(r.probe.seconds).toBeCloseTo((6 * 1024 ** 3 - 44) / 8000, 3);
  });
  it('wrong extension, right content: a WAV named .mp3 is read as WAV', async () => {
    expect(await probe('x.mp3', wav({ tag: 7, dataBytes: 8000 }))).toMatchObject({
      kind: 'audio',
      codec: 'WAV/ULAW',
      seconds: 1,
    });
  });
  it('a WAV without an extension is found by its content', async () => {
    expect(await probe('1547451012.52', wav({ tag: 7, dataBytes: 8000 }))).toMatchObject({ kind: 'audio', seconds: 1 });
  });
  it('dates in the header: RIFF ICRD and BWF origination', async () => {
    expect(
      (await probe('i.wav', wav({ dataBytes: 100, before: [infoList({ ICRD: '2019-01-14 08:30:12' })] }))).embeddedDate,
    ).toEqual({ naive: [2019, 1, 14, 8, 30, 12], source: 'riff-icrd' });
    expect(
      (await probe('b.wav', wav({ dataBytes: 100, before: [bext('2019-01-15', '09:10:11')] }))).embeddedDate,
    ).toEqual({ naive: [2019, 1, 15, 9, 10, 11], source: 'bwf-origination' });
    // a LIST after the data chunk is found too
    expect(
      (await probe('after.wav', wav({ dataBytes: 100, after: [infoList({ ICRD: '2019-03-01' })] }))).embeddedDate,
    ).toEqual({ naive: [2019, 3, 1, 0, 0, 0], source: 'riff-icrd' });
  });
});

describe('files that are not what their name says', () => {
  const dir = tempDir();
  const probe = async (name: string, content: Buffer | string) =>
    (await probeFile(put(dir, name, content), name)).probe;

  it('an empty .wav is unreadable; an empty .txt is other', async () => {
    expect(await probe('e.wav', '')).toMatchObject({ kind: 'unreadable', error: 'empty file' });
    expect(await probe('e.txt', '')).toMatchObject({ kind: 'other' });
  });
  it('an HTML error page saved as .mp3 is unreadable', async () => {
    expect(await probe('e.mp3', '<!DOCTYPE html><html><body>404</body></html>')).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/HTML/),
    });
    expect(await probe('e.gsm', '\n  <html><body>500</body></html>')).toMatchObject({ kind: 'unreadable' });
  });
  it('random bytes named .mp3 are unreadable, random bytes named .bin are other', async () => {
    const junk = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251));
    expect((await probe('j.mp3', junk)).kind).toBe('unreadable');
    expect((await probe('j.bin', junk)).kind).toBe('other');
  });
  it('an MP3 cut to its first 2 KB is still sized (from its header), not crashed on', async () => {
    const full = readFileSync(join(codecs, 'cbr-noxing.mp3'));
    const p = await probe('cut.mp3', full.subarray(0, 2048));
    expect(['audio', 'unreadable']).toContain(p.kind);
  });
  it('an ID3 tag claiming 200 MB is stepped over, not read', async () => {
    const mp3 = readFileSync(join(codecs, 'cbr-noxing.mp3'));
    const id3 = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f]);
    const p = await probe('big-id3.mp3', Buffer.concat([id3, mp3]));
    expect(p.kind).toBe('unreadable');
  });
  it('headerless codecs: size and codec rate', async () => {
    expect(await probe('a.gsm', Buffer.alloc(33 * 100))).toMatchObject({ kind: 'audio', seconds: 2, codec: 'GSM' });
    expect(await probe('a.ul', Buffer.alloc(8000, 0xff))).toMatchObject({ seconds: 1, codec: 'ULAW' });
    expect(await probe('a.pcma', Buffer.alloc(4000, 0xd5))).toMatchObject({ seconds: 0.5, codec: 'ALAW' });
    expect(await probe('a.sln', Buffer.alloc(32000))).toMatchObject({ seconds: 2, codec: 'SLN' });
    expect(await probe('a.sln16', Buffer.alloc(32000))).toMatchObject({ seconds: 1, codec: 'SLN16' });
    expect(await probe('a.g729', Buffer.alloc(1000))).toMatchObject({ seconds: 1, codec: 'G729' });
    expect(await probe('short.gsm', Buffer.alloc(20))).toMatchObject({ kind: 'unreadable' });
  });
  it('a cut-off Ogg counts up to its last complete page', async () => {
    const ogg = readFileSync(join(codecs, 'opus.opus'));
    const p = await probe('cut.opus', ogg.subarray(0, Math.floor(ogg.length / 2)));
    expect(p.kind).toBe('audio');
    expect(p.seconds!).toBeGreaterThan(0.3);
    expect(p.seconds!).toBeLessThan(ffprobe['opus.opus']!);
    expect(p.error).toMatch(/cut off/);
    expect((await probe('head.ogg', ogg.subarray(0, 40))).kind).toBe('unreadable');
  });
  it('a file that vanished is unreadable (audio name) with the reason, not a crash', async () => {
    const r = await probeFile(join(dir, 'gone.wav'), 'gone.wav');
    expect(r.probe).toEqual({ kind: 'unreadable', error: 'vanished during the scan', unopened: true });
  });
  it('MP4 creation time and ID3 recording time are read as dates', async () => {
    const m = await probeFile(
      join(SAMPLES, 'leak/ambulanstransport/bestallning-0701740609.mp3'),
      'bestallning-0701740609.mp3',
    );
    expect(m.probe.embeddedDate).toEqual({ naive: [2019, 1, 16, 10, 20, 30], source: 'id3' });
    const a = await probeFile(join(codecs, 'aac-faststart.m4a'), 'aac-faststart.m4a');
    expect(a.probe.embeddedDate).toEqual({ ms: Date.UTC(2019, 0, 14, 8, 30, 12), source: 'mp4-creation' });
  });
});

describe('hostile and damaged headers never break the reader', () => {
  const dir = tempDir();
  /** a deterministic byte mangler */
  const rand = (seed: number) => () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const file of [
    'ulaw.wav',
    'gsm610.wav',
    'ms-adpcm-stereo.wav',
    'opus.opus',
    'vorbis.ogg',
    'cbr-xing.mp3',
    'aac-moov-end.m4a',
    'aac-faststart.m4a',
    'flac.flac',
    'wma.wma',
  ]) {
    it(`${file}: cut at every length up to 300 bytes, and with bytes flipped in its header`, async () => {
      const good = readFileSync(join(codecs, file));
      const variants: Buffer[] = [];
      for (let n = 0; n <= 300; n += 3) variants.push(good.subarray(0, n));
      const r = rand(file.length);
      for (let k = 0; k < 60; k++) {
        const b = Buffer.from(good);
        for (let j = 0; j < 6; j++) b[Math.floor(r() * Math.min(b.length, 512))] = Math.floor(r() * 256);
        variants.push(b);
      }
      for (const [i, v] of variants.entries()) {
        const name = `v${i}-${file}`;
        const res = await probeFile(put(dir, name, v), name);
        expect(['audio', 'unreadable']).toContain(res.probe.kind);
        expect(res.bytes).toBe(v.length);
        if (res.probe.kind === 'audio') expect(Number.isFinite(res.probe.seconds) && res.probe.seconds! > 0).toBe(true);
      }
    });
  }
});

/** A Sun/NeXT AU file: the six-word header (data size as given, or the bytes' own), then the data */
function au(encoding: number, rate: number, channels: number, data: Buffer, size = data.length): Buffer {
  const h = Buffer.alloc(24);
  h.write('.snd', 0, 'latin1');
  h.writeUInt32BE(24, 4);
  h.writeUInt32BE(size, 8);
  h.writeUInt32BE(encoding, 12);
  h.writeUInt32BE(rate, 16);
  h.writeUInt32BE(channels, 20);
  return Buffer.concat([h, data]);
}

describe('Sun AU (.au, .snd): every one was unreadable (attack round 3)', () => {
  const dir = tempDir();
  it('µ-law at 8 kHz: the data bytes are the samples', async () => {
    const r = await probeFile(put(dir, 'call.au', au(1, 8000, 1, Buffer.alloc(16000, 0xff))), 'call.au');
    expect(r.probe).toMatchObject({ kind: 'audio', codec: 'AU/ULAW', seconds: 2, sampleRate: 8000, channels: 1 });
    expect(r.probe.error).toBeUndefined();
  });
  it('16-bit stereo: four bytes a sample frame', async () => {
    const r = await probeFile(put(dir, 'pcm.snd', au(3, 16000, 2, Buffer.alloc(64000))), 'pcm.snd');
    expect(r.probe).toMatchObject({ kind: 'audio', codec: 'AU/PCM', seconds: 1 });
  });
  it('cut off (the header says more than is there): the bytes present, and said so', async () => {
    const r = await probeFile(put(dir, 'cut.au', au(27, 8000, 1, Buffer.alloc(4000), 0x7fffffff)), 'cut.au');
    expect(r.probe).toMatchObject({ kind: 'audio', codec: 'AU/ALAW', seconds: 0.5 });
    expect(r.probe.error).toMatch(/cut off: header says 2147483647 data bytes, 4000 present/);
  });
  it('size unknown (0xFFFFFFFF, written to a pipe): the bytes present; a size short of them: the size', async () => {
    const r = await probeFile(put(dir, 'pipe.au', au(1, 8000, 1, Buffer.alloc(8000), 0xffffffff)), 'pipe.au');
    expect(r.probe).toMatchObject({ kind: 'audio', seconds: 1 });
    expect(r.probe.error).toBeUndefined();
    const t = await probeFile(put(dir, 'trailer.au', au(1, 8000, 1, Buffer.alloc(8000), 4000)), 'trailer.au');
    expect(t.probe).toMatchObject({ kind: 'audio', seconds: 0.5 });
  });
  it('an encoding it does not measure is unreadable, named', async () => {
    const r = await probeFile(put(dir, 'odd.au', au(99, 8000, 1, Buffer.alloc(8000))), 'odd.au');
    expect(r.probe).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/AU encoding 99 is not measured/),
    });
  });
  itWith(['ffmpeg'], 'files ffmpeg writes (µ-law, A-law, 16-bit, G.726) are their decoded length', async () => {
    for (const [codec, file] of [
      ['pcm_mulaw', 'ff-ulaw.au'],
      ['pcm_alaw', 'ff-alaw.au'],
      ['pcm_s16be', 'ff-s16.au'],
      ['adpcm_g726le', 'ff-g726.au'],
    ] as const) {
      const path = join(dir, file);
      const made = spawnSync('ffmpeg', [
        ...['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=3'],
        ...['-c:a', codec, ...(codec === 'adpcm_g726le' ? ['-code_size', '4'] : []), path],
      ]);
      expect(made.status, made.stderr.toString()).toBe(0);
      const pcm = spawnSync('ffmpeg', ['-v', 'quiet', '-i', path, '-f', 's16le', '-ac', '1', '-ar', '8000', '-'], {
        maxBuffer: 1 << 26,
      }).stdout;
      expect(pcm.length, file).toBeGreaterThan(40000);
      const r = await probeFile(path, file);
      expect(r.probe.kind, file).toBe('audio');
      expect(Math.abs(r.probe.seconds! - pcm.length / 16000), file).toBeLessThanOrEqual(0.01);
    }
  });
});
