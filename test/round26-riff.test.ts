/**
 * Attack round 26a: header fields ffmpeg 5.1 refuses at the start, which the ASF, WAV, AVI and AU
 * readers never checked, so that a file ffmpeg decodes none of was counted in full.
 * - C2: ASF's header objects walked as asf_read_header walks them (a Data GUID inside the header, a
 *   stream type it does not know, a WAVEFORMATEX under 14 bytes, junk in the Header Extension, the
 *   Header Object's GUID past its first 4 bytes): ffmpeg's own 1 h MP3-in-ASF, 3,600 s counted, 0 decoded.
 * - H3: WMA in ASF with block align 0 (its decoder: "block_align is not set").
 * - H1: GSM 6.10 with a block align its decoder refuses (41 to 65 in steps of 3 only), WAV and AVI.
 * - H6: AU whose data size has bit 31 set ("Invalid negative data size").
 * Each forged file is one of ffmpeg's (or sox's) with bytes changed; ffmpeg's decoded length judges.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { forged } from './forge.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r26-riff-');

/** A GUID as ASF stores it (the first three groups little-endian). */
function guid(s: string): Buffer {
  const h = s.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}
const DATA = guid('75b22636-668e-11cf-a6d9-00aa0062ce6c');
const STREAM = guid('b7dc0791-a9b7-11cf-8ee6-00c00c205365');
const AUDIO = guid('f8699e40-5b4d-11cf-a8fd-00805f5c442b');
const NO_EC = guid('20fb5700-5b55-11cf-a8fd-00805f5c442b');
const HEADER_EXT = guid('5fbf03b5-a92e-11cf-8ee3-00c00c205365');
const EXT_STREAM = guid('14e6a5cb-c672-4332-8399-a96952065b5a');
const PADDING = guid('1806d474-cadf-4509-a4ba-9aabcb96aae8');

interface Obj {
  at: number;
  id: Buffer;
  bytes: Buffer;
}

/** The Header Object's objects, in order. */
function objects(b: Buffer): Obj[] {
  const size = Number(b.readBigUInt64LE(16));
  const out: Obj[] = [];
  for (let p = 30; p < size;) {
    const n = Number(b.readBigUInt64LE(p + 16));
    out.push({ at: p, id: b.subarray(p, p + 16), bytes: b.subarray(p, p + n) });
    p += n;
  }
  return out;
}

/** The file with its Header Object made of `objs` (its size and count set to match), the data as it was. */
function withObjects(b: Buffer, objs: Buffer[]): Buffer {
  const head = Buffer.from(b.subarray(0, 30));
  const body = Buffer.concat(objs);
  head.writeBigUInt64LE(BigInt(30 + body.length), 16);
  head.writeUInt32LE(objs.length, 24);
  return Buffer.concat([head, body, b.subarray(Number(b.readBigUInt64LE(16)))]);
}

/** An ASF object: its GUID, its size (counting these 24 bytes), its body. */
const obj = (id: Buffer, ...body: Buffer[]): Buffer => {
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(24 + Buffer.concat(body).length));
  return Buffer.concat([id, size, ...body]);
};

/** The Header Extension Object holding `inner` (its reserved GUID and field kept). */
function headerExt(old: Buffer, inner: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(inner.length);
  return obj(HEADER_EXT, old.subarray(24, 42), len, inner);
}

const u16 = (x: number): Buffer => Buffer.from([x & 255, x >> 8]);
const u32 = (x: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(x);
  return b;
};

/** Write `b` as `name` in the test's directory. */
function put(name: string, b: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

/** A file ffmpeg refuses: it decodes none of it, and leaktally counts none (unreadable). */
async function refused(path: string): Promise<string> {
  const { r, dec } = await atMostDecoded(path, 0);
  expect(dec, path).toBe(0);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
  return r.error ?? '';
}

describe('ASF header objects as ffmpeg walks them (round 26a C2, H3)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2', 'libmp3lame')],
    "one object added or one byte changed in ffmpeg's WMA and MP3-in-ASF: refused as ffmpeg refuses the file",
    async () => {
      for (const [name, codec] of [
        ['w.wma', ['-c:a', 'wmav2', '-b:a', '32k']],
        ['m.asf', ['-c:a', 'libmp3lame', '-b:a', '8k']],
      ] as const) {
        const own = join(dir, name);
        ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=30:r=8000:a=0.2', ...codec, '-f', 'asf', own);
        await asDecoded(own, 0.1);
        const b = readFileSync(own);
        const objs = objects(b);
        const all = objs.map((o) => o.bytes);
        const sp = objs.findIndex((o) => o.id.equals(STREAM));
        const he = objs.findIndex((o) => o.id.equals(HEADER_EXT));
        expect(sp).toBeGreaterThanOrEqual(0);
        expect(he).toBeGreaterThanOrEqual(0);
        // a 50-byte object with the Data Object's GUID first in the header, or last
        const fakeData = obj(DATA, Buffer.alloc(26));
        // a second Stream Properties Object whose type GUID is zeroed
        const unknown = Buffer.from(all[sp]!);
        unknown.fill(0, 24, 40);
        unknown.writeUInt16LE(2, 24 + 48);
        // a second audio stream whose WAVEFORMATEX is 10 bytes
        const small = obj(
          STREAM,
          AUDIO,
          NO_EC,
          Buffer.alloc(8),
          u32(10),
          u32(0),
          u16(5),
          u32(0),
          Buffer.from('01000100401f0000803e', 'hex'),
        );
        const insert = (at: number, o: Buffer): Buffer[] => [...all.slice(0, at), o, ...all.slice(at)];
        const replace = (at: number, o: Buffer): Buffer[] => all.map((x, i) => (i === at ? o : x));
        const cases: [string, Buffer][] = [
          ['data-first', withObjects(b, insert(0, fakeData))],
          ['data-last', withObjects(b, insert(all.length, fakeData))],
          ['unknown-type', withObjects(b, insert(sp + 1, unknown))],
          ['wav-10', withObjects(b, insert(sp + 1, small))],
          // the Header Extension's body: 24 zero bytes, or an object of 16 bytes
          ['ext-zeros', withObjects(b, replace(he, headerExt(all[he]!, Buffer.alloc(24))))],
          [
            'ext-16',
            withObjects(b, replace(he, headerExt(all[he]!, Buffer.concat([Buffer.alloc(16, 0x11), u32(16), u32(0)])))),
          ],
        ];
        // byte 10 of the Header Object's own GUID
        const hguid = Buffer.from(b);
        hguid[10]! ^= 1;
        cases.push(['header-guid', hguid]);
        // the audio stream's sample rate with bit 31 set (ff_get_wav_header: "Invalid sample rate")
        const rate = Buffer.from(b);
        const wave = objs[sp]!.at + 24 + 54;
        rate.writeUInt32LE((rate.readUInt32LE(wave + 4) | 0x80000000) >>> 0, wave + 4);
        cases.push(['rate-negative', rate]);
        // the Header Extension's size with its top bit set: negative, as ffmpeg reads it
        const negative = Buffer.from(b);
        negative[objs[he]!.at + 23]! |= 0x80;
        cases.push(['ext-size-negative', negative]);
        for (const [what, c] of cases) await refused(put(`${what}-${name}`, c));
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'a Stream Properties Object held in an Extended Stream Properties Object in the Header Extension: counted, as ffmpeg decodes it',
    async () => {
      // the layout Windows Media encoders write (the stream's names and payload extensions, padding
      // after): ffmpeg reads the Stream Properties Object it holds as a header object of its own
      const own = join(dir, 'x.wma');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=30', '-c:a', 'wmav2', '-b:a', '32k', own);
      const b = readFileSync(own);
      const objs = objects(b);
      const sp = objs.find((o) => o.id.equals(STREAM))!.bytes;
      const he = objs.find((o) => o.id.equals(HEADER_EXT))!.bytes;
      const name = Buffer.from('e\0n\0', 'latin1');
      const fixed = Buffer.alloc(64);
      fixed.writeUInt32LE(32000, 16);
      fixed.writeUInt16LE(sp.readUInt16LE(24 + 48) & 0x7f, 48);
      fixed.writeUInt16LE(1, 60); // one stream name
      fixed.writeUInt16LE(1, 62); // one payload extension system
      const ext = obj(
        EXT_STREAM,
        fixed,
        u16(0),
        u16(name.length),
        name,
        guid('399595ec-8667-4e2d-8fdb-98814ce76c1e'),
        u16(0xffff),
        u32(0),
        sp,
      );
      const layout = objs
        .filter((o) => !o.id.equals(STREAM))
        .map((o) =>
          o.id.equals(HEADER_EXT) ? headerExt(he, Buffer.concat([ext, obj(PADDING, Buffer.alloc(16))])) : o.bytes,
        );
      const path = put('x-ext-stream.wma', withObjects(b, layout));
      await asDecoded(path, 0.1);
      // the same with the Extended Stream Properties Object's names running past it: refused
      const past = Buffer.from(fixed);
      past.writeUInt16LE(40, 60);
      const bad = objs
        .filter((o) => !o.id.equals(STREAM))
        .map((o) => (o.id.equals(HEADER_EXT) ? headerExt(he, obj(EXT_STREAM, past)) : o.bytes));
      const r = await probe(put('x-ext-past.wma', withObjects(b, bad)));
      expect(r.kind, JSON.stringify(r)).toBe('unreadable');
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'WMA with block align 0, 3 channels, at 96 kHz or at a byte rate past 2^31: refused as its decoder refuses it',
    async () => {
      const own = join(dir, 'b.wma');
      ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=30:r=8000:a=0.2', '-c:a', 'wmav2', '-b:a', '32k', own);
      const wave = objects(readFileSync(own)).find((o) => o.id.equals(STREAM))!.at + 24 + 54;
      expect(readFileSync(own).readUInt16LE(wave)).toBe(0x161);
      const ba0 = forged(own, 'b-ba0.wma', (b) => b.writeUInt16LE(0, wave + 12));
      expect(await refused(ba0)).toMatch(/no block align/);
      await refused(forged(own, 'b-ch3.wma', (b) => b.writeUInt16LE(3, wave + 2)));
      await refused(forged(own, 'b-96k.wma', (b) => b.writeUInt32LE(96000, wave + 4)));
      // the byte rate's top bit set: byte offsets of 29 bits ("byte_offset_bits 29 is too large")
      await refused(
        forged(own, 'b-rate-top.wma', (b) => b.writeUInt32LE((b.readUInt32LE(wave + 8) | 0x80000000) >>> 0, wave + 8)),
      );
    },
  );
});

describe('GSM 6.10 block align (round 26a H1)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libgsm_ms')],
    "ffmpeg's GSM WAV, AVI and ASF with a block align its decoder refuses, or 513 channels: refused; the MSN block sizes counted as decoded",
    async () => {
      for (const ext of ['wav', 'avi', 'asf']) {
        const own = join(dir, `g.${ext}`);
        ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=20:r=8000:a=0.2', '-c:a', 'libgsm_ms', '-f', ext, own);
        await asDecoded(own, 0.05);
        // the WAVEFORMATEX: tag 0x31, 1 channel, 8 kHz
        const fmt = readFileSync(own).indexOf(Buffer.from('31000100401f0000', 'hex'));
        expect(fmt).toBeGreaterThan(0);
        for (const ba of [64, 40, 66]) {
          const error = await refused(forged(own, `g-ba${ba}.${ext}`, (b) => b.writeUInt16LE(ba, fmt + 12)));
          expect(error).toMatch(new RegExp(`block align ${ba}`));
        }
        await refused(forged(own, `g-ch513.${ext}`, (b) => b.writeUInt16LE(513, fmt + 2)));
        // the block align 0 is 65; 41 and 44 (MSN blocks, 320 samples each) decode more of the bytes
        await asDecoded(
          forged(own, `g-ba0.${ext}`, (b) => b.writeUInt16LE(0, fmt + 12)),
          0.05,
        );
        if (ext === 'avi')
          for (const ba of [41, 44]) {
            const path = forged(own, `g-ba${ba}.${ext}`, (b) => b.writeUInt16LE(ba, fmt + 12));
            expect(decoded(path)).toBeGreaterThan(29);
            await asDecoded(path, 0.05);
            await atMostDecoded(path, 0);
          }
      }
    },
    120_000,
  );

  itWith(['ffmpeg', 'sox'], "sox's GSM WAV counts what ffmpeg decodes", async () => {
    const src = join(dir, 's16.wav');
    ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=25:r=8000:a=0.2', '-c:a', 'pcm_s16le', src);
    const out = join(dir, 'sox-gsm.wav');
    const r = spawnSync('sox', [src, '-e', 'gsm-full-rate', out]);
    expect(r.status, String(r.stderr)).toBe(0);
    await asDecoded(out, 0.05);
  });
});

describe("AVI: an audio strf ffmpeg's ff_get_wav_header refuses", () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libmp3lame')],
    "a rate of 0 or past 2^31 - 1, or a strf of 12, 0 or one more bytes, in ffmpeg's MP3 AVI: refused, as ffmpeg refuses the file",
    async () => {
      const own = join(dir, 'm.avi');
      ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=20:r=16000:a=0.2', '-c:a', 'libmp3lame', '-b:a', '32k', own);
      await asDecoded(own, 0.1);
      const strf = readFileSync(own).indexOf('strf');
      expect(strf).toBeGreaterThan(0);
      await refused(forged(own, 'm-rate0.avi', (b) => b.writeUInt32LE(0, strf + 12)));
      await refused(forged(own, 'm-rate-neg.avi', (b) => b.writeUInt32LE(0x80003e80, strf + 12)));
      await refused(forged(own, 'm-strf12.avi', (b) => b.writeUInt32LE(12, strf + 4)));
      // strf's size 0 (ffmpeg reads no format, and its body as chunks) or made odd (the chunks after
      // it read 2 bytes off): ffmpeg finds no stream it can decode
      const len = readFileSync(own).readUInt32LE(strf + 4);
      await refused(forged(own, 'm-strf0.avi', (b) => b.writeUInt32LE(0, strf + 4)));
      await refused(forged(own, 'm-strf-odd.avi', (b) => b.writeUInt32LE(len + 1, strf + 4)));
    },
  );
});

describe('AU data size with bit 31 set (round 26a H6)', () => {
  itWith(['ffmpeg', 'sox'], 'refused as ffmpeg refuses it; 0xFFFFFFFF (unknown) still counted', async () => {
    const own = join(dir, 'u.au');
    ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=20:r=8000:a=0.2', '-c:a', 'pcm_mulaw', own);
    await asDecoded(own, 0.01);
    const src = join(dir, 's.wav');
    ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=12:r=8000:a=0.2', '-c:a', 'pcm_s16le', src);
    const sox = join(dir, 'sox.au');
    expect(spawnSync('sox', [src, sox]).status).toBe(0);
    await asDecoded(sox, 0.01);
    for (const [name, path] of [
      ['ffmpeg', own],
      ['sox', sox],
    ]) {
      // (0x80027100: the data size of 20 s of µ-law with bit 31 set, as the attack's file had it)
      for (const size of [0x80000000, 0x80027100, 0xfffffffe])
        expect(await refused(forged(path!, `neg-${size}-${name}.au`, (b) => b.writeUInt32BE(size, 8)))).toMatch(
          /negative/,
        );
      await asDecoded(
        forged(path!, `unknown-${name}.au`, (b) => b.writeUInt32BE(0xffffffff, 8)),
        0.01,
      );
    }
  });
});
