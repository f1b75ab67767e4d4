/**
 * Attack round 26a's TTA, CAF, WavPack and Musepack findings, judged by ffmpeg's decoded length:
 *  - C5: a TTA whose header CRC or seek-table CRC fails is refused by ffmpeg's demuxer (its default
 *    err_detect checks CRCs); leaktally counted it in full;
 *  - H4: a TTA of digital silence (a bit a sample) is walked in time linear in its bytes; the counts
 *    of silent and nearly silent frames stay what ffmpeg decodes (the figures are in the commit);
 *  - C10: CAF description fields and a `chan` chunk ffmpeg refuses;
 *  - C11: WavPack blocks whose INITIAL_BLOCK/FINAL_BLOCK flags are cleared, a FLOATINFO shift over 31
 *    and a DSD flag on a PCM block;
 *  - H5: mpcenc's digital silence (about 60 bit/s) is counted, not refused under the generic floor.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { forged } from './forge.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith, MPCENC } from './needs.js';
import { asDecoded, atMostDecoded, decoded, ffmpeg } from './decoded.js';

const dir = tempDir('leaktally-r26lossless-');

/** A forged file ffmpeg decodes none of: leaktally counts none of it either (unreadable). */
async function refused(path: string, why?: RegExp): Promise<void> {
  const { r, dec } = await atMostDecoded(path, 0);
  expect(dec, path).toBe(0);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
  if (why) expect(r.error).toMatch(why);
}

/** A lavfi source encoded by ffmpeg into `name`. */
function made(name: string, source: string, ...codec: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', source, ...codec, out);
  return out;
}

describe('round 26a: TTA (C5, H4)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('tta')],
    'C5: a header or seek-table CRC that fails, or a changed seek-table entry, is refused as ffmpeg refuses it',
    async () => {
      const real = made('s.tta', 'anullsrc=r=8000:cl=mono', '-t', '600', '-c:a', 'tta');
      await asDecoded(real, 0.01);
      const b = readFileSync(real);
      const frames = Math.ceil(b.readUInt32LE(14) / Math.floor((256 * 8000) / 245));
      expect(crc32(b.subarray(0, 18))).toBe(b.readUInt32LE(18));
      // before: each counted 600 s (one bit of the header's CRC, of the table's CRC, of an entry)
      await refused(
        forged(real, 's-hdrcrc.tta', (c) => (c[18]! ^= 1)),
        /header checksum fails/,
      );
      await refused(
        forged(real, 's-stcrc.tta', (c) => (c[22 + frames * 4]! ^= 1)),
        /seek table checksum fails/,
      );
      await refused(forged(real, 's-entry.tta', (c) => (c[22 + 4 * 3]! ^= 0x10)));
      // the header's fields changed with its CRC made right again: still what ffmpeg decodes
      const rate = forged(real, 's-rate.tta', (c) => {
        c.writeUInt32LE(16000, 10);
        c.writeUInt32LE(crc32(c.subarray(0, 18)), 18);
      });
      await atMostDecoded(rate, 0.01);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('tta')],
    'H4: TTAs of silence, mono and stereo, silence with sounds in it and quiet noise count what ffmpeg decodes',
    async () => {
      // the frames of digital silence go by the walk's run of zero bits, the others by the codes
      await asDecoded(made('z1.tta', 'anullsrc=r=8000:cl=mono', '-t', '1200', '-c:a', 'tta'), 0.01);
      await asDecoded(made('z2.tta', 'anullsrc=r=8000:cl=stereo', '-t', '600', '-c:a', 'tta'), 0.01);
      const clicks = made(
        'clicks.tta',
        "aevalsrc=exprs='if(lt(mod(t,20),2),0.3*sin(2*PI*300*t),0)':s=8000:d=300",
        '-c:a',
        'tta',
      );
      await asDecoded(clicks, 0.01);
      await asDecoded(made('quiet.tta', 'anoisesrc=d=120:r=8000:a=0.0001', '-c:a', 'tta'), 0.01);
      // frames of silence whose bits are then cut or turned to junk: as before, none of them counted
      const b = readFileSync(join(dir, 'z1.tta'));
      const frames = Math.ceil(b.readUInt32LE(14) / Math.floor((256 * 8000) / 245));
      const first = 22 + frames * 4 + 4;
      const junk = forged(join(dir, 'z1.tta'), 'z1-junk.tta', (c) => {
        for (let p = first; p < c.length; p++) c[p] = p % 7 === 0 ? 0xff : 0;
      });
      await atMostDecoded(junk, 0.5);
    },
  );
});

describe('round 26a: CAF (C10)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('alac'), ffmpegEncoder('adpcm_ima_qt')],
    'C10: desc fields and a chan chunk ffmpeg refuses make the file unreadable; the edges it takes still count',
    async () => {
      const real = made('z.caf', 'anullsrc=r=8000:cl=mono', '-t', '600', '-c:a', 'alac');
      await asDecoded(real, 0.01);
      const b = readFileSync(real);
      const d = b.indexOf('desc') + 12; // rate(8) id(4) flags(4) bytes a packet, frames a packet, channels, bits (4 each)
      const chan = b.indexOf('chan');
      expect(chan).toBeGreaterThan(0);
      const set = (name: string, at: number, v: number): string => forged(real, name, (c) => c.writeUInt32BE(v, at));
      // before: each counted 600 s of 1 MB (ffmpeg's own 1 h of silence: 3,600 s of 141 KB)
      for (const f of [
        set('fpp.caf', d + 20, 0x80001000), // frames a packet negative: read_desc refuses it
        set('ch1.caf', d + 24, 0x01000001), // 16,777,217 channels: avcodec_open2, "Too many channels"
        set('ch513.caf', d + 24, 513),
        set('chneg.caf', d + 24, 0x80000001),
        set('bits.caf', d + 28, 0x80000010), // bits a channel negative: avcodec_open2 fails
        forged(real, 'chan0.caf', (c) => c.writeBigInt64BE(0n, chan + 4)), // ff_mov_read_chan: under 12 bytes
      ])
        await refused(f, /ffmpeg refuses it/);
      // what ffmpeg still decodes: 512 channels in the desc (the cookie's 1 is decoded), bits 2^31 - 1
      for (const f of [set('ch512.caf', d + 24, 512), set('bits-max.caf', d + 28, 0x7fffffff)])
        await asDecoded(f, 0.01);
      // a packet table whose count runs past its chunk (ffmpeg reads that many sizes and refuses the
      // file; at the file's end one size may be missing): before, 600 s counted of the +100 one
      const pakt = b.indexOf('pakt') + 12;
      const count = Number(b.readBigInt64BE(pakt));
      const more = (name: string, n: number): string =>
        forged(real, name, (c) => c.writeBigInt64BE(BigInt(count + n), pakt));
      await refused(more('pakt100.caf', 100), /packet table/);
      await refused(more('pakt2.caf', 2), /packet table/);
      await asDecoded(more('pakt1.caf', 1), 0.01);
      // IMA4 whose description's packet is not the 34-byte block ffmpeg's decoder wants: none counted
      const ima = made('i.caf', 'anoisesrc=d=20:r=8000:a=0.2', '-c:a', 'adpcm_ima_qt');
      await asDecoded(ima, 0.01);
      const di = readFileSync(ima).indexOf('desc') + 12;
      for (const [name, v] of [
        ['i-290.caf', 290],
        ['i-16m.caf', 0x01000022],
      ] as const) {
        const { r } = await atMostDecoded(
          forged(ima, name, (c) => c.writeUInt32BE(v, di + 16)),
          0,
        );
        expect(r.kind).toBe('unreadable');
      }
    },
  );
});

/** The positions of a WavPack file's block headers. */
function blocks(b: Buffer): number[] {
  const out: number[] = [];
  for (let p = 0; p + 32 <= b.length && b.toString('latin1', p, p + 4) === 'wvpk'; p += 8 + b.readUInt32LE(p + 4))
    out.push(p);
  return out;
}

/** The body offset of each metadata sub-block of id `want` in the block at p. */
function subBlocks(b: Buffer, p: number, want: number): number[] {
  const out: number[] = [];
  const end = p + 8 + b.readUInt32LE(p + 4);
  for (let q = p + 32; q < end;) {
    const id = b[q]!;
    const large = id & 0x80;
    const words = large ? b.readUIntLE(q + 1, 3) : b[q + 1]!;
    const body = q + (large ? 4 : 2);
    if ((id & 0x3f) === want) out.push(body);
    q = body + words * 2;
  }
  return out;
}

/** A WAV of `seconds` of zeros (digital silence), 16-bit. */
function silence(name: string, seconds: number, channels: number, rate: number): string {
  const data = Buffer.alloc(seconds * rate * channels * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([h, data]));
  return path;
}

/** `wav` packed by the wavpack CLI as `name`. */
function wavpack(wav: string, name: string): string {
  const out = join(dir, name);
  const r = spawnSync('wavpack', ['-q', '-y', wav, '-o', out]);
  if (r.status !== 0) throw new Error(`wavpack: ${String(r.stderr)}`);
  return out;
}

describe('round 26a: WavPack (C11)', () => {
  itWith(
    ['ffmpeg', 'wavpack'],
    "C11: blocks whose INITIAL/FINAL flags are cleared count what ffmpeg's demuxer and decoder make of them",
    async () => {
      const real = wavpack(silence('z.wav', 600, 1, 8000), 'z.wv');
      await asDecoded(real, 0.01);
      const at = blocks(readFileSync(real));
      expect(at.length).toBeGreaterThan(20);
      const clear = (name: string, which: number[], bits: number): string =>
        forged(real, name, (c) => {
          for (const p of which) c[p + 25]! &= ~bits;
        });
      // before: 600 s each where ffmpeg finds no packet (no block closes one) or decodes none
      await refused(clear('all.wv', at, 0x18));
      await refused(clear('no-final.wv', at, 0x10));
      await refused(clear('no-initial.wv', at, 0x08));
      // one block: ffmpeg loses a block's worth there, and leaktally counts no more than it decodes
      for (const f of [clear('first.wv', at.slice(0, 1), 0x18), clear('mid.wv', [at[10]!], 0x18)]) {
        const { r, dec } = await atMostDecoded(f, 0.001);
        expect(dec).toBeGreaterThan(500);
        expect(r.seconds).toBeGreaterThan(dec - 10);
      }
      // blocks whose rate, bits or channels differ from the first's: ffmpeg's demuxer stops at the first
      // of them (before: 600 s counted of each, 4 decoded of the first one)
      const flags = (name: string, which: number[], f: (x: number) => number): string =>
        forged(real, name, (c) => {
          for (const p of which) c.writeUInt32LE(f(c.readUInt32LE(p + 24)) >>> 0, p + 24);
        });
      for (const f of [
        flags('rate16k.wv', at.slice(1), (x) => (x & ~(15 << 23)) | (5 << 23)),
        flags('stereo.wv', at.slice(1), (x) => x & ~4),
        flags('bits32.wv', at.slice(1), (x) => x | 3),
      ]) {
        const { r, dec } = await atMostDecoded(f, 0.001);
        expect(dec, f).toBeLessThan(60);
        expect(r.error ?? '').toMatch(/differ from the first's/);
      }
      // real files of a block per channel pair (4 and 6 channels) still count what ffmpeg decodes
      const four = join(dir, 'four.wav');
      ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=20:r=8000:a=0.2', '-ac', '4', '-c:a', 'pcm_s16le', four);
      await asDecoded(wavpack(four, 'four.wv'), 0.01);
      const six = join(dir, 'six.wav');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=44100:d=10', '-ac', '6', '-c:a', 'pcm_s16le', six);
      await asDecoded(wavpack(six, 'six.wv'), 0.01);
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('wavpack')],
    'a FLOATINFO shift over 31 or a DSD flag on a PCM block: every block refused, as ffmpeg refuses it',
    async () => {
      const float = made('f.wv', 'anoisesrc=d=10:r=8000:a=0.2', '-c:a', 'wavpack', '-sample_fmt', 'fltp');
      const pcm = made('p.wv', 'anoisesrc=d=10:r=8000:a=0.2', '-c:a', 'wavpack');
      await asDecoded(float, 0.01);
      await asDecoded(pcm, 0.01);
      // before: 10 s counted each, none decoded
      await refused(
        forged(float, 'f-shift.wv', (c) => {
          for (const p of blocks(c)) for (const body of subBlocks(c, p, 0x08)) c[body + 1] = 0x80;
        }),
      );
      await refused(
        forged(pcm, 'p-dsd.wv', (c) => {
          for (const p of blocks(c)) c[p + 27]! |= 0x80;
        }),
      );
    },
  );
});

const mpcenc = MPCENC;

describe('round 26a: Musepack (H5)', () => {
  itWith(['ffmpeg', mpcenc], "H5: mpcenc's digital silence (about 60 bit/s) counts what ffmpeg decodes", async () => {
    for (const [name, channels, rate, seconds] of [
      ['z44.mpc', 2, 44100, 600],
      ['z32.mpc', 1, 32000, 300],
    ] as const) {
      const out = join(dir, name);
      const r = spawnSync('mpcenc', ['--silent', '--overwrite', silence(`${name}.wav`, seconds, channels, rate), out]);
      expect(r.status).toBe(0);
      // before: "header claims 10.0 min in 4,7xx bytes", unreadable: 0 s where ffmpeg decodes 600
      expect((readFileSync(out).length * 8) / seconds).toBeLessThan(100);
      await asDecoded(out, 0.1);
      expect(decoded(out)).toBeGreaterThan(seconds - 1);
    }
  });
});
