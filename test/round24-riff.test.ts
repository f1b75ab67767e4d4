/**
 * Round 24's RIFF-family findings (attack round 24 part A), each built here (ffmpeg's own files, some
 * changed in place, or headers written byte by byte) and judged by ffmpeg's decoded length:
 *  - C3: QuickTime IMA4 blocks in AIFF-C and CAF whose step index is over 88 (ffmpeg's adpcm_ima_qt
 *    refuses them) were counted by their bytes: 1 MB 246.7 s, none decoded.
 *  - C4: MP3/MP2 and IMA/MS ADPCM in ASF were counted by the objects' times, no frame or block read:
 *    ffmpeg's own MP3 ASF with its frame syncs zeroed 300 s, ADPCM blocks it refuses 120 s, none decoded.
 *  - H1/M3: channel counts the decoders refuse (AIFF-C G.726 2, IMA4/MACE 3; CAF MACE/IMA4 3; WAV
 *    TrueSpeech 2, G.729 3; AVI Yamaha 3) were counted; G.729 stereo counted twice what it decodes.
 *  - H4/H5: ffmpeg's own G.722 WAV counted half, its Yamaha ADPCM WAV not at all.
 *  - H7: a Wave64 whose chunk after the data steps past the largest offset ext4 seeks to, which ffmpeg
 *    then reads on from (and refuses), was counted whole.
 * Real encoders' files of each kind still count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forged, ieeeExtended } from './forge.js';
import { tempDir, wavHeader } from './helpers.js';
import { itWith } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r24r-');

/** A sine of `seconds` at `rate` Hz, `channels` channels, encoded by ffmpeg with `args` into `name`. */
function made(name: string, seconds: number, rate: number, channels: number, ...args: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=${seconds}`, '-ac', String(channels), ...args, out);
  return out;
}

/** An AIFF-C of one compression over `body`, COMM's frame count `frames`. */
function aifc(
  name: string,
  comp: string,
  channels: number,
  frames: number,
  body: Buffer,
  rate = 8000,
  { form: kind = 'AIFC', version = 0xa2805140 } = {},
): string {
  const comm = Buffer.alloc(24);
  comm.writeInt16BE(channels, 0);
  comm.writeUInt32BE(frames, 2);
  comm.writeUInt16BE(16, 6);
  ieeeExtended(rate).copy(comm, 8);
  comm.write(comp, 18, 'latin1');
  const chunk = (id: string, b: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32BE(b.length, 4);
    return Buffer.concat([h, b, Buffer.alloc(b.length & 1)]);
  };
  const fver = Buffer.alloc(4);
  fver.writeUInt32BE(version);
  const data = Buffer.concat([
    Buffer.from(kind),
    chunk('FVER', fver),
    chunk('COMM', comm),
    chunk('SSND', Buffer.concat([Buffer.alloc(8), body])),
  ]);
  const form = Buffer.alloc(8);
  form.write('FORM', 0, 'latin1');
  form.writeUInt32BE(data.length, 4);
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([form, data]));
  return p;
}

/** A CAF of constant packets (`bytes` for `frames`) over `body`. */
function caf(name: string, format: string, channels: number, bytes: number, frames: number, body: Buffer): string {
  const desc = Buffer.alloc(32);
  desc.writeDoubleBE(8000, 0);
  desc.write(format, 8, 'latin1');
  desc.writeUInt32BE(bytes, 16);
  desc.writeUInt32BE(frames, 20);
  desc.writeUInt32BE(channels, 24);
  const head = (type: string, size: number): Buffer => {
    const h = Buffer.alloc(12);
    h.write(type, 0, 'latin1');
    h.writeBigInt64BE(BigInt(size), 4);
    return h;
  };
  const p = join(dir, name);
  writeFileSync(
    p,
    Buffer.concat([
      Buffer.from('caff\x00\x01\x00\x00', 'latin1'),
      head('desc', 32),
      desc,
      head('data', body.length + 4),
      Buffer.alloc(4),
      body,
    ]),
  );
  return p;
}

/** IMA4 blocks (34 bytes a channel) whose every header has a step index of 127, random codes after it. */
function badIma4(blocks: number): Buffer {
  const b = randomBytes(blocks * 34);
  for (let i = 0; i < blocks; i++) {
    b[i * 34] = 0;
    b[i * 34 + 1] = 0x7f;
  }
  return b;
}

describe('round 24 C3: QuickTime IMA4 blocks checked as ffmpeg decodes them', () => {
  itWith(['ffmpeg'], 'AIFF-C and CAF of blocks ffmpeg refuses count nothing (246.7 s of 1 MB before)', async () => {
    const blocks = Math.floor((1024 * 1024) / 34);
    for (const p of [
      aifc('bad.aifc', 'ima4', 1, blocks, badIma4(blocks)),
      caf('bad.caf', 'ima4', 1, 34, 64, badIma4(blocks)),
    ]) {
      const r = await probe(p);
      expect(decoded(p)).toBe(0);
      expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      expect(r.error).toMatch(/step index over 88/);
    }
  });

  itWith(['ffmpeg'], 'random blocks count those ffmpeg takes, not all (47.1 s vs 32.4 before)', async () => {
    const blocks = Math.floor(200_000 / 34);
    const { r, dec } = await atMostDecoded(aifc('random.aifc', 'ima4', 1, blocks, randomBytes(blocks * 34)), 0.05);
    expect(r.seconds!).toBeGreaterThan(dec - 0.05);
  });

  itWith(['ffmpeg'], "ffmpeg's own IMA4 AIFF-C and CAF, mono and stereo, still count what it decodes", async () => {
    for (const ch of [1, 2]) {
      await asDecoded(made(`ima4-${ch}.aifc`, 7.3, 16000, ch, '-c:a', 'adpcm_ima_qt'), 0.01);
      await asDecoded(made(`ima4-${ch}.caf`, 7.3, 8000, ch, '-c:a', 'adpcm_ima_qt'), 0.01);
    }
  });

  itWith(
    ['ffmpeg'],
    'a larger stream: its refused blocks past the first 16 MiB are found by the windows drawn',
    async () => {
      // 40 MB of ffmpeg's IMA4 at 8 kHz (9,600 s), the blocks past 17 MiB given a step index of 127
      const real = made('long.aifc', 5000, 8000, 1, '-c:a', 'adpcm_ima_qt');
      const bad = forged(real, 'long-bad.aifc', (b) => {
        const at = b.indexOf('SSND') + 16;
        for (let k = Math.floor((17 * 1024 * 1024) / 34); at + k * 34 + 34 <= b.length; k++) b[at + k * 34 + 1] = 0x7f;
      });
      await asDecoded(real, 0.01);
      const r = await probe(bad);
      const dec = decoded(bad);
      expect(dec).toBeCloseTo(4194.3, 0);
      // an estimate from windows drawn at random: never over, and short by at most the two stretches (of
      // 256) around the change
      const stretch = (5000 - (Math.floor((16 * 1024 * 1024) / 34) * 64) / 8000) / 256;
      expect(r.seconds!, JSON.stringify(r)).toBeLessThanOrEqual(dec + 0.01);
      expect(r.seconds!, JSON.stringify(r)).toBeGreaterThan(dec - 2 * stretch - 0.1);
      expect(r.error).toMatch(/drawn at random/);
    },
    300_000,
  );
});

describe("round 24c N1: AIFF's FVER decides whether COMM's compression is read, as ffmpeg's aiffdec", () => {
  itWith(['ffmpeg'], "an AIFC of another version is PCM of its sample size; an AIFF of AIFF-C's reads it", async () => {
    // before: the IMA4 bytes counted (246.7 s of 1 MB at 8 kHz) where ffmpeg decodes 16-bit PCM (65.5)
    const body = Buffer.concat(Array.from({ length: 30000 }, () => Buffer.from([0, 0, ...randomBytes(32)])));
    for (const version of [0, 0x12345678])
      await atMostDecoded(aifc(`ima4-v${version}.aifc`, 'ima4', 1, 30000 * 64, body, 8000, { version }), 0.01);
    // before: 8-bit PCM counted where ffmpeg knows no 'ZZZZ' and decodes nothing
    const f = aifc('zzzz.aiff', 'ZZZZ', 1, body.length, body, 8000, { form: 'AIFF' });
    const { r, dec } = await atMostDecoded(f, 0.01);
    expect(dec).toBe(0);
    expect(r.kind, JSON.stringify(r)).toBe('unreadable');
  });
});

describe('round 24 C4: MPEG audio and ADPCM in ASF read, not counted by the objects', () => {
  itWith(['ffmpeg'], "ffmpeg's MP3 and MP2 ASF with every frame sync zeroed: nothing (300 s before)", async () => {
    for (const [codec, rate] of [
      ['libmp3lame', 8000],
      ['mp2', 16000],
    ] as const) {
      const real = made(`${codec}.asf`, 120, rate, 1, '-c:a', codec, '-f', 'asf');
      await asDecoded(real, 0.1);
      const wiped = forged(real, `${codec}-wiped.asf`, (b) => {
        const from = b.indexOf(Buffer.from('3626b2758e66cf11a6d900aa0062ce6c', 'hex')) + 50;
        for (let i = from; i + 1 < b.length; i++)
          if (b[i] === 0xff && b[i + 1]! >= 0xe0) {
            b[i] = 0;
            b[i + 1] = 0;
          }
      });
      const r = await probe(wiped);
      expect(decoded(wiped)).toBe(0);
      expect(r.kind, JSON.stringify(r)).toBe('unreadable');
    }
  });

  itWith(
    ['ffmpeg'],
    'IMA and MS ADPCM blocks ffmpeg refuses, remuxed into ASF by ffmpeg: nothing (120 s before)',
    async () => {
      for (const [codec, tag] of [
        ['adpcm_ima_wav', 0x11],
        ['adpcm_ms', 0x02],
      ] as const) {
        const src = made(`${codec}.wav`, 60, 8000, 1, '-c:a', codec);
        const bad = forged(src, `${codec}-bad.wav`, (b) => {
          const fmt = b.indexOf('fmt ') + 8;
          const align = b.readUInt16LE(fmt + 12);
          const data = b.indexOf('data') + 8;
          // IMA: the step index (byte 2 of the block) 127; MS: the predictor (byte 0) 9
          for (let p = data; p + align <= b.length; p += align) b[p + (tag === 0x11 ? 2 : 0)] = tag === 0x11 ? 127 : 9;
        });
        const asf = join(dir, `${codec}-bad.asf`);
        ffmpeg('-i', bad, '-c:a', 'copy', '-f', 'asf', asf);
        await asDecoded(made(`${codec}.asf`, 60, 8000, 1, '-c:a', codec, '-f', 'asf'), 0.1);
        const r = await probe(asf);
        expect(decoded(asf)).toBe(0);
        expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      }
    },
  );
});

/** A WAV header of `tag` over random bytes (ffmpeg's decoders of these take any codes). */
function wavOf(
  name: string,
  tag: number,
  channels: number,
  byteRate: number,
  blockAlign: number,
  bytes: number,
): string {
  const p = join(dir, name);
  writeFileSync(
    p,
    Buffer.concat([
      wavHeader({ tag, rate: 8000, channels, bits: 0, byteRate, blockAlign, dataBytes: bytes }),
      randomBytes(bytes),
    ]),
  );
  return p;
}

describe('round 24 H1/M3: channel counts the decoders refuse', () => {
  itWith(['ffmpeg'], 'AIFF-C, CAF, WAV and AVI of channels ffmpeg does not decode are unreadable', async () => {
    const body = randomBytes(200_000);
    const files = [
      aifc('g726-2ch.aifc', 'G726', 2, 10 ** 6, body),
      aifc('adp4-3ch.aifc', 'ADP4', 3, 10 ** 6, body),
      aifc('sdx2-3ch.aifc', 'SDX2', 3, 10 ** 6, body),
      aifc('mac6-3ch.aifc', 'MAC6', 3, 10 ** 6, body),
      aifc('ima4-3ch.aifc', 'ima4', 3, 10 ** 6, body),
      caf('mac3-3ch.caf', 'MAC3', 3, 6, 6, body),
      caf('ima4-3ch.caf', 'ima4', 3, 102, 64, body),
      wavOf('truespeech-2ch.wav', 0x22, 2, 2134, 64, 192_000),
      wavOf('g729-3ch.wav', 0x83, 3, 3000, 30, 200_000),
      forged(made('yamaha.avi', 30, 8000, 1, '-c:a', 'adpcm_yamaha'), 'yamaha-3ch.avi', (b) => {
        const strf = b.indexOf('strf', b.indexOf('auds')) + 8;
        b.writeUInt16LE(3, strf + 2);
      }),
    ];
    for (const p of files) {
      const r = await probe(p);
      expect(decoded(p), p).toBe(0);
      expect(r.kind, `${p}: ${JSON.stringify(r)}`).toBe('unreadable');
      expect(r.error).toMatch(/channels/);
    }
  });

  itWith(['ffmpeg'], 'G.729 stereo WAV counts what ffmpeg decodes (200 s of 200 KB before, 100 decoded)', async () => {
    // (a byte rate of 1,000: ffmpeg's parser cuts 10 bytes a channel from 8 kbit/s up, the old sizing
    // took the byte rate for both channels together)
    const p = wavOf('g729-2ch.wav', 0x83, 2, 1000, 20, 200_000);
    await asDecoded(p, 0.05);
    await asDecoded(wavOf('g729-1ch.wav', 0x83, 1, 1000, 10, 100_000), 0.05);
  });
});

describe("round 24 H4/H5: ffmpeg's G.722 and Yamaha ADPCM WAV", () => {
  itWith(['ffmpeg'], 'G.722 counts what ffmpeg decodes (15 s of 30 before)', async () => {
    await asDecoded(made('g722.wav', 30, 16000, 1, '-c:a', 'g722'), 0.01);
  });

  itWith(['ffmpeg'], 'Yamaha ADPCM WAV, mono and stereo, counts what ffmpeg decodes (unreadable before)', async () => {
    for (const [rate, ch] of [
      [8000, 1],
      [8000, 2],
      [22050, 2],
    ] as const)
      await asDecoded(made(`yamaha-${rate}-${ch}.wav`, 7.3, rate, ch, '-c:a', 'adpcm_yamaha'), 0.01);
  });
});

describe('round 24 H7: Wave64 walked as ffmpeg walks it', () => {
  itWith(
    ['ffmpeg'],
    "a chunk after the data stepping past ext4's largest offset, zeros after it: refused as ffmpeg refuses it",
    async () => {
      const real = made('real.w64', 60, 8000, 1, '-c:a', 'pcm_s16le');
      const junk = (size: number, tail: number): Buffer => {
        const h = Buffer.alloc(24);
        h.write('junk', 0, 'latin1');
        Buffer.from('f3acd3118cd100c04f8edb8a', 'hex').copy(h, 4);
        h.writeBigUInt64LE(BigInt(size), 16);
        return Buffer.concat([h, Buffer.alloc(tail)]);
      };
      const refusedFile = join(dir, 'appended-40000.w64');
      writeFileSync(refusedFile, Buffer.concat([readFileSync(real), junk(10 ** 15, 40_000)]));
      const r = await probe(refusedFile);
      expect(decoded(refusedFile)).toBe(0);
      expect(r.kind, JSON.stringify(r)).toBe('unreadable');
      // with only 8 bytes after it (ffmpeg reads no whole chunk header there) and a chunk it can seek
      // past, the file is decoded, and counted
      for (const [name, size, tail] of [
        ['appended-8.w64', 10 ** 15, 8],
        ['appended-1e12.w64', 10 ** 12, 40_000],
      ] as const) {
        const p = join(dir, name);
        writeFileSync(p, Buffer.concat([readFileSync(real), junk(size, tail)]));
        await asDecoded(p, 0.01);
      }
    },
  );
});
