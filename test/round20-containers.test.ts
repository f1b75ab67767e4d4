/**
 * Attack round 20's findings in the WAV, AVI and ASF readers: lengths counted from a header where the
 * frames or packets hold none (ASF play duration, MPEG audio in WAV at its byte rate, an AVI's AAC
 * chunks unread), a WAV tag no decoder knows, fact chunks believed past a fixed-rate codec's bytes and
 * G.726's code size taken from strf's bits where ffmpeg takes it from the bit rate. Each hostile file
 * is built here (from a real file ffmpeg makes where one is needed) and judged by what ffmpeg decodes;
 * a real file of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { put, tempDir } from './helpers.js';
import { itWith } from './needs.js';
import { ffmpeg, decoded, probe } from './decoded.js';

const dir = tempDir('leaktally-r20-');

/** 20 s of a tone, made by ffmpeg into name with the codec arguments given. */
function made(name: string, rate: number, ...codec: string[]): string {
  const path = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=20`, ...codec, path);
  return path;
}

/** What leaktally counts (0 when the file is not audio). */
async function counted(path: string): Promise<number> {
  const p = await probe(path);
  return p.kind === 'audio' ? (p.seconds ?? 0) : 0;
}

/** Never more than ffmpeg decodes (within tol seconds). */
async function atMostDecoded(path: string, tol = 0.1): Promise<{ sec: number; dec: number }> {
  const sec = await counted(path);
  const dec = decoded(path);
  expect(sec, `${path}: counted ${sec}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(dec + tol);
  return { sec, dec };
}

/** What ffmpeg decodes, within tol seconds. */
async function asDecoded(path: string, tol = 0.1): Promise<void> {
  const sec = await counted(path);
  const dec = decoded(path);
  expect(dec).toBeGreaterThan(1);
  expect(Math.abs(sec - dec), `${path}: counted ${sec}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(tol);
}

/** A WAV of one fmt (WAVEFORMATEX, cbSize 0), an optional fact count, and data. */
function wav(
  tag: number,
  rate: number,
  byteRate: number,
  align: number,
  bits: number,
  data: Buffer,
  fact?: number,
): Buffer {
  const fmt = Buffer.alloc(18);
  fmt.writeUInt16LE(tag, 0);
  fmt.writeUInt16LE(1, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(byteRate, 8);
  fmt.writeUInt16LE(align, 12);
  fmt.writeUInt16LE(bits, 14);
  const chunk = (id: string, body: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
  };
  const factBody = Buffer.alloc(4);
  if (fact !== undefined) factBody.writeUInt32LE(fact, 0);
  const body = Buffer.concat([
    Buffer.from('WAVE'),
    chunk('fmt ', fmt),
    fact !== undefined ? chunk('fact', factBody) : Buffer.alloc(0),
    chunk('data', data),
  ]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

/** Where each chunk of an AVI's movi list whose id ends in `wb` starts (its body) and its size. */
function aviAudioChunks(avi: Buffer): [number, number][] {
  const out: [number, number][] = [];
  const movi = avi.indexOf('movi', 0, 'latin1');
  const walk = (from: number, to: number): void => {
    for (let p = from; p + 8 <= to;) {
      const id = avi.toString('latin1', p, p + 4);
      const size = avi.readUInt32LE(p + 4);
      if (id === 'LIST') walk(p + 12, p + 8 + size);
      else if (id.endsWith('wb')) out.push([p + 8, size]);
      p += 8 + size + (size & 1);
    }
  };
  walk(movi + 4, avi.readUInt32LE(movi - 4) + movi - 4);
  return out;
}

/** The File Properties object's body in an ASF header. */
function fileProperties(asf: Buffer): number {
  return asf.indexOf(Buffer.from('a1dcab8c47a9cf118ee400c00c205365', 'hex')) + 24;
}

describe('round 20: ASF/WMA counts nothing its data packets do not show (C5)', () => {
  itWith(['ffmpeg'], 'packets of zeros under a real header with its play duration forged: none counted', async () => {
    const real = made('w8.wma', 8000, '-c:a', 'wmav2', '-b:a', '24k');
    await asDecoded(real);
    const d = Buffer.from(readFileSync(real));
    const b = fileProperties(d);
    const hs = Number(d.readBigUInt64LE(16));
    const ps = d.readUInt32LE(b + 68);
    const n = Math.floor(200_000 / ps);
    const claim = BigInt(Math.round((((hs + 50 + n * ps) * 8) / 2000 - 1) * 1e7));
    d.writeBigUInt64LE(claim, b + 40);
    d.writeBigUInt64LE(claim, b + 48);
    d.writeBigUInt64LE(BigInt(n), b + 32);
    const head = d.subarray(0, hs + 50);
    head.writeBigUInt64LE(BigInt(n), hs + 40);
    head.writeBigUInt64LE(BigInt(50 + n * ps), hs + 16);
    const forged = put(dir, 'asf_zero.wma', Buffer.concat([head, Buffer.alloc(n * ps)]));
    await atMostDecoded(forged);
    expect((await probe(forged)).kind).toBe('unreadable');
  });

  itWith(['ffmpeg'], 'a minimum packet size other than the maximum: the play duration is not counted', async () => {
    const real = made('w8v.wma', 8000, '-c:a', 'wmav2', '-b:a', '24k');
    const d = Buffer.from(readFileSync(real));
    const b = fileProperties(d);
    const claim = BigInt(Math.round((200_000 * 8) / 2000 - 1) * 1e7);
    d.writeBigUInt64LE(claim, b + 40);
    d.writeBigUInt64LE(claim, b + 48);
    d.writeUInt32LE(d.readUInt32LE(b + 68) + 1, b + 72);
    const forged = put(dir, 'asf_varpkt.wma', Buffer.concat([d, Buffer.alloc(200_000 - d.length)]));
    await atMostDecoded(forged);
  });
});

describe('round 20: WAV', () => {
  itWith(
    ['ffmpeg'],
    'MPEG audio (0x50, 0x55) is counted by its frames: a data chunk of zeros counts none (C4, H7)',
    async () => {
      for (const tag of [0x50, 0x55]) {
        // the byte rate at the lowest taken (300 B/s), a fact chunk at twice what that holds
        const f = put(dir, `mpeg_${tag}.wav`, wav(tag, 8000, 300, 1, 0, Buffer.alloc(200_000), 2 * 8000 * 666));
        await atMostDecoded(f);
        expect((await probe(f)).kind).toBe('unreadable');
      }
      await asDecoded(made('mp3.wav', 8000, '-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'wav'));
      await asDecoded(made('mp2.wav', 16000, '-c:a', 'mp2', '-b:a', '64k', '-f', 'wav'));
    },
  );

  itWith(['ffmpeg'], 'tag 0x0133, which no ffmpeg table maps, is a codec leaktally cannot size (H1)', async () => {
    const data = randomBytes(100_000);
    const f = put(dir, 'tag_0133.wav', wav(0x133, 8000, 1000, 10, 0, data, 2 * 100_000 * 8));
    await atMostDecoded(f);
    expect((await probe(f)).kind).toBe('unreadable');
    // G.729 under its own tag (0x0083) decodes, random bytes and all
    await asDecoded(put(dir, 'tag_0083.wav', wav(0x83, 8000, 1000, 10, 0, data)));
  });

  itWith(
    ['ffmpeg'],
    'a fact chunk never adds to a fixed-rate codec: G.726 and G.729A count their bytes (M1)',
    async () => {
      const real = made('g726.wav', 8000, '-c:a', 'g726', '-b:a', '40k');
      await asDecoded(real);
      // the same data with a fact chunk claiming twice the samples
      const d = readFileSync(real);
      const data = d.subarray(d.indexOf('data', 12, 'latin1') + 8);
      const g726 = put(dir, 'g726_fact.wav', wav(0x45, 8000, 5000, 1, 5, data, 2 * 20 * 8000));
      await atMostDecoded(g726);
      await asDecoded(g726);
      const g729 = put(dir, 'g729a_fact.wav', wav(0x83, 8000, 1000, 10, 0, randomBytes(50_000), 2 * 50_000 * 8));
      await atMostDecoded(g729);
      // a byte rate that gives G.726 codes of 1 or 6 bits: ffmpeg's decoder refuses the stream
      for (const br of [1000, 6000]) await atMostDecoded(put(dir, `g726_${br}.wav`, wav(0x45, 8000, br, 1, 4, data)));
    },
  );
});

describe('round 20: AVI', () => {
  itWith(
    ['ffmpeg'],
    "AAC chunks are read as frames with the stream's config: junk and zeros count what ffmpeg decodes (H2)",
    async () => {
      const real = made('aac.avi', 8000, '-c:a', 'aac', '-b:a', '32k');
      await asDecoded(real);
      const d = readFileSync(real);
      const chunks = aviAudioChunks(d);
      expect(chunks.length).toBeGreaterThan(100);
      const junk = Buffer.from(d);
      const zero = Buffer.from(d);
      for (const [at, size] of chunks) {
        randomBytes(size).copy(junk, at);
        zero.fill(0, at, at + size);
      }
      // (aac.ts may take a junk frame ffmpeg, reconfigured by a PCE, does not: one frame's leeway)
      await atMostDecoded(put(dir, 'aac_junk.avi', junk), 0.3);
      const z = put(dir, 'aac_zero.avi', zero);
      await atMostDecoded(z);
      expect((await probe(z)).kind).toBe('unreadable');
      // ADTS copied into AVI (no config in strf: ffmpeg's ADTS parser splits the chunks)
      const adts = made('x.aac', 16000, '-c:a', 'aac', '-b:a', '32k', '-f', 'adts');
      const avi = join(dir, 'adts.avi');
      ffmpeg('-i', adts, '-c', 'copy', avi);
      await asDecoded(avi);
    },
  );

  itWith(['ffmpeg'], "G.726 is sized at ffmpeg's code size, bit rate / sample rate, not strf's bits (H3)", async () => {
    const real = made('g726.avi', 8000, '-c:a', 'g726', '-b:a', '40k');
    await asDecoded(real);
    const d = Buffer.from(readFileSync(real));
    const strf = d.indexOf('strf', 0, 'latin1') + 8;
    expect(d.readUInt16LE(strf)).toBe(0x45);
    d.writeUInt16LE(2, strf + 14);
    const forged = put(dir, 'g726_bits2.avi', d);
    await atMostDecoded(forged);
    await asDecoded(forged);
  });
});
