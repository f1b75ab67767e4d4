/**
 * Attack round 28a's AAC config and CAF Opus findings: a field ffmpeg 5.1 refuses at the decoder's
 * opening, which the reader did not check, so one byte of an hour's file counted 3,597 s where ffmpeg
 * decodes none. Each file is ffmpeg's own (10 s), one or two bytes changed, judged by what ffmpeg decodes:
 *  - C4: AAC's AudioSpecificConfig. In M4A and CAF, whose demuxer gives the decoder the config's SBR
 *    rate (explicit, or by the sync extension after the config), a rate over 96 kHz; in MKA, an
 *    escaped object type (32-34, 36), which the AAC decoder refuses, and a track rate over 96 kHz.
 *  - C5: Opus in CAF of more than 2 channels (the demuxer gives the decoder no head).
 * Held: the values ffmpeg takes (SBR rate indexes 3, 13, 14, a rate of 96 kHz, index 15 in MKA, whose
 * rate is the track's, an empty CodecPrivate, Opus CAF of 0 or 2 channels and with a cookie) still
 * count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, tempDir } from './helpers.js';
import { forged } from './forge.js';
import { itWith, ffmpegEncoder } from './needs.js';
import { ffmpeg, decoded, probe, asDecoded } from './decoded.js';

const dir = tempDir('leaktally-r28aaccaf-');

/** 10 s of noise at 16 kHz mono encoded with `args` into `name`; its path. */
function noise(name: string, ...args: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=10:r=16000:a=0.2', ...args, out);
  return out;
}

/** ffmpeg decodes nothing of the file, and it is unreadable with a reason (was: the whole length counted). */
async function refused(path: string, why: RegExp): Promise<void> {
  expect(decoded(path), `${path}: ffmpeg decodes it`).toBe(0);
  const r = await probe(path);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
  expect(r.error).toMatch(why);
}

/** ffmpeg's encoder's AudioSpecificConfig at 16 kHz mono: AAC-LC, then a sync extension (SBR, sbrPresentFlag 0) */
const ASC = Buffer.from('140856e500', 'hex');

/** A copy of `from` with its AudioSpecificConfig's bytes replaced by `asc` (as long). */
function withAsc(from: string, name: string, asc: Buffer): string {
  return forged(from, name, (b) => {
    const at = b.indexOf(ASC);
    expect(at, `${name}: no config`).toBeGreaterThan(0);
    asc.copy(b, at);
  });
}

/** Bits ('0'/'1') as bytes, zero-padded at the end. */
function bits(s: string): Buffer {
  const all = s.padEnd(Math.ceil(s.length / 8) * 8, '0');
  return Buffer.from(Array.from({ length: all.length / 8 }, (_, i) => parseInt(all.slice(i * 8, i * 8 + 8), 2)));
}
const field = (v: number, n: number): string => v.toString(2).padStart(n, '0');

const be64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const cafChunk = (t: string, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(t, 'latin1'), be64(body.length), body]);
const vint = (n: number): Buffer => {
  const out = [n & 0x7f];
  for (n = Math.floor(n / 128); n; n = Math.floor(n / 128)) out.unshift(0x80 | (n & 0x7f));
  return Buffer.from(out);
};

/** The AAC frames of an ADTS file. */
function adtsFrames(adts: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let p = 0; p + 7 <= adts.length;) {
    const len = ((adts[p + 3]! & 3) << 11) | (adts[p + 4]! << 3) | (adts[p + 5]! >> 5);
    frames.push(adts.subarray(p + 7, p + len));
    p += len;
  }
  return frames;
}

/** A CAF of AAC frames, its cookie an esds holding `asc` (as Apple's writers make it), its description's rate and frames a packet. */
function cafAac(frames: Buffer[], asc: Buffer, rate = 16000, perPacket = 1024): Buffer {
  const desc = Buffer.alloc(32);
  desc.writeDoubleBE(rate, 0);
  desc.write('aac ', 8, 'latin1');
  desc.writeUInt32BE(perPacket, 20);
  desc.writeUInt32BE(1, 24);
  const dsi = Buffer.concat([Buffer.from([5, asc.length]), asc]);
  const dcd = Buffer.concat([Buffer.from([4, 13 + dsi.length, 0x40, 0x15]), Buffer.alloc(11), dsi]);
  const es = Buffer.concat([Buffer.from([3, 3 + dcd.length + 3, 0, 1, 0]), dcd, Buffer.from([6, 1, 2])]);
  const table = Buffer.alloc(24);
  table.writeBigInt64BE(BigInt(frames.length), 0);
  table.writeBigInt64BE(BigInt(frames.length * perPacket), 8);
  return Buffer.concat([
    Buffer.from('caff\x00\x01\x00\x00', 'latin1'),
    cafChunk('desc', desc),
    cafChunk('kuki', Buffer.concat([Buffer.alloc(4), es])),
    cafChunk('pakt', Buffer.concat([table, ...frames.map((f) => vint(f.length))])),
    cafChunk('data', Buffer.concat([Buffer.alloc(4), ...frames])),
  ]);
}

describe('round 28a: the SBR rate an MP4 or CAF demuxer gives the AAC decoder (C4)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    "a sync extension's SBR rate over 96 kHz is unreadable in M4A and CAF; the rates ffmpeg takes count",
    async () => {
      const own = noise('aac.m4a', '-c:a', 'aac', '-b:a', '16k');
      await asDecoded(own, 0.1);
      // the last byte: sbrPresentFlag 1 and index 15, whose 24-bit rate runs past the config (zeros:
      // 14,680,064 Hz); ffmpeg: "Failed to open codec" (aac_decode_init: a rate over 96 kHz)
      const with15 = Buffer.concat([ASC.subarray(0, 4), Buffer.from([0xff])]);
      await refused(withAsc(own, 'sbr15.m4a', with15), /SBR rate is 14680064 Hz/);
      // held: index 13 and 14 (a rate of 0: the core's is given), 3 (48 kHz)
      for (const [name, last] of [
        ['sbr13', 0xe8],
        ['sbr14', 0xf0],
        ['sbr3', 0x98],
      ] as const)
        await asDecoded(withAsc(own, `${name}.m4a`, Buffer.concat([ASC.subarray(0, 4), Buffer.from([last])])), 0.1);

      // CAF reads its cookie with MP4's esds reader: the same rule, for an explicit (hierarchical) SBR
      // rate and a sync extension's, found wherever it starts after the channel configuration
      const adts = join(dir, 'aac.aac');
      ffmpeg('-i', own, '-c', 'copy', adts);
      const frames = adtsFrames(readFileSync(adts));
      const lc = '00010' + '1000' + '0001' + '000';
      const hier = (rate: number): Buffer =>
        bits('00101' + '1000' + '0001' + '1111' + field(rate, 24) + '00010' + '000');
      const sync = (rate: number, skip = ''): Buffer =>
        bits(lc + skip + '01010110111' + '00101' + '1' + '1111' + field(rate, 24));
      await refused(put(dir, 'hier96001.caf', cafAac(frames, hier(96001))), /SBR rate is 96001 Hz/);
      await refused(put(dir, 'sync200k.caf', cafAac(frames, sync(200000))), /SBR rate is 200000 Hz/);
      await refused(put(dir, 'sync200k-later.caf', cafAac(frames, sync(200000, '1011'))), /SBR rate is 200000 Hz/);
      await asDecoded(put(dir, 'own.caf', cafAac(frames, ASC)), 0.1);
      await asDecoded(put(dir, 'hier96000.caf', cafAac(frames, hier(96000))), 0.1);
      await asDecoded(put(dir, 'sync32k.caf', cafAac(frames, sync(32000))), 0.1);
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    "CAF AAC: a frame is the config's samples at the rate the decoder is given, not the description's",
    async () => {
      const adts = join(dir, 'lc.aac');
      ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=10:r=16000:a=0.2', '-c:a', 'aac', '-b:a', '16k', adts);
      const frames = adtsFrames(readFileSync(adts));
      // the description's 4,096 frames a packet, or a rate of 8 kHz: counted 40 s and 20 s before
      await asDecoded(put(dir, 'fpp4096.caf', cafAac(frames, ASC, 16000, 4096)), 0.1);
      await asDecoded(put(dir, 'desc8k.caf', cafAac(frames, ASC, 8000)), 0.1);
      // ER AAC-LD at 24 kHz (frames of zeros: silence its decoder takes), with a sync extension's SBR
      // rate of 96 kHz, at which ffmpeg's ER path plays its 512 samples a frame: 42.7 s counted, 10.7 s
      // decoded; index 13 (a rate of 0) leaves the core's
      const ld = '10111' + '0110' + '0001' + '000' + '00';
      const zeros = Array.from({ length: 2000 }, () => Buffer.alloc(12));
      for (const [name, sync] of [
        ['ld', ''],
        ['ld-sync96k', '01010110111' + '00101' + '1' + '0000'],
        ['ld-sync13', '01010110111' + '00101' + '1' + '1101'],
      ] as const) {
        const path = put(dir, `${name}.caf`, cafAac(zeros, bits(ld + sync), 24000, 512));
        expect(decoded(path)).toBeGreaterThan(10);
        await asDecoded(path, 0.05);
      }
    },
    60_000,
  );
});

describe("round 28a: an ER frame plays at the rate the demuxer gives (M4A: a sync extension's; MKA: the track's)", () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    'ER AAC-LC at the rate its demuxer gives (a sync extension in M4A, the track in MKA) counts what ffmpeg decodes',
    async () => {
      // no ER encoder is packaged: ffmpeg's AAC-LC frames (no TNS, mono) lose their 3-bit element ID and
      // become ER AAC-LC frames, in place (ffmpeg's M4A: the samples in order from the first chunk)
      const own = join(dir, 'er.m4a');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=16000:d=10', '-c:a', 'aac', '-aac_tns', '0', '-b:a', '32k', own);
      const er = (name: string, asc: Buffer): string =>
        forged(own, name, (b) => {
          const stsz = b.indexOf('stsz', 0, 'latin1');
          const stco = b.indexOf('stco', 0, 'latin1');
          let p = b.readUInt32BE(stco + 12);
          for (let k = 0; k < b.readUInt32BE(stsz + 12); k++) {
            const size = b.readUInt32BE(stsz + 16 + 4 * k);
            const f = Buffer.from(b.subarray(p, p + size));
            for (let i = 0; i < size; i++) b[p + i] = ((f[i]! << 3) | ((i + 1 < size ? f[i + 1]! : 0) >> 5)) & 255;
            p += size;
          }
          const at = b.indexOf(ASC);
          expect(at).toBeGreaterThan(0);
          Buffer.concat([asc, Buffer.alloc(5)]).copy(b, at, 0, 5);
        });
      // ER AAC-LC, 16 kHz mono, epConfig 0; then the sync extension: SBR, sbrPresentFlag 1, index 0 (96 kHz)
      const base = '10001' + '1000' + '0001' + '000' + '00';
      const plain = er('er-lc.m4a', bits(base));
      const judge = decoded(plain);
      expect(judge).toBeGreaterThan(9.5);
      await asDecoded(plain, 0.1);
      // (9.98 s counted before, 1.66 decoded: the core's rate, not the 96 kHz ffmpeg plays it at)
      const sync = er('er-sync96k.m4a', bits(base + '01010110111' + '00101' + '1' + '0000'));
      expect(decoded(sync)).toBeLessThan(judge / 5);
      await asDecoded(sync, 0.1);
      // in Matroska, the track's rate is the one given (10.06 s counted before at the core's, 1.67 decoded)
      const mka = join(dir, 'er.mka');
      ffmpeg('-i', plain, '-c', 'copy', mka);
      await asDecoded(mka, 0.15);
      const fast = forged(mka, 'er-96k.mka', (b) => {
        const at = b.indexOf(Buffer.from('b588', 'hex'));
        expect(b.readDoubleBE(at + 2)).toBe(16000);
        b.writeDoubleBE(96000, at + 2);
      });
      expect(decoded(fast)).toBeLessThan(judge / 5);
      await asDecoded(fast, 0.1);
    },
    60_000,
  );
});

describe('round 28a: AAC in Matroska the AAC decoder refuses (C4)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    'an escaped object type (32-34, 36) and a track rate over 96 kHz (MKA, AVI) are unreadable; index 15 counts',
    async () => {
      const own = noise('aac.mka', '-c:a', 'aac', '-b:a', '16k');
      // (AAC's priming frame: MKA counts a frame, 0.064 s, under ffmpeg's decode, as before)
      await asDecoded(own, 0.15);
      // object type 31 + 6 bits, then the same index 8 and channel configuration 1: ffmpeg's MP4
      // demuxer maps these to MPEG audio or ALS, its Matroska demuxer leaves them to the AAC decoder
      for (const aot of [32, 33, 34, 36]) {
        const asc = Buffer.concat([bits('11111' + field(aot - 32, 6) + '1000' + '0001' + '000'), Buffer.alloc(2)]);
        await refused(withAsc(own, `aot${aot}.mka`, asc.subarray(0, 5)), /object type the AAC decoder refuses/);
      }
      // the track's SamplingFrequency (a double after b5 88) is the decoder's rate in Matroska
      const rated = (rate: number): string =>
        forged(own, `rate${rate}.mka`, (b) => {
          const at = b.indexOf(Buffer.from('b588', 'hex'));
          expect(b.readDoubleBE(at + 2)).toBe(16000);
          b.writeDoubleBE(rate, at + 2);
        });
      await refused(rated(192000), /AAC track at 192000 Hz/);
      await asDecoded(rated(96000), 0.15);
      // the same in AVI, whose strf gives the rate (nSamplesPerSec, 4 bytes after the format tag 0xff)
      const avi = join(dir, 'aac.avi');
      ffmpeg('-i', own, '-c', 'copy', avi);
      await asDecoded(avi, 0.15);
      const aviRated = (rate: number): string =>
        forged(avi, `rate${rate}.avi`, (b) => {
          const at = b.indexOf('strf', 0, 'latin1') + 8;
          expect(b.readUInt16LE(at)).toBe(0xff);
          expect(b.readUInt32LE(at + 4)).toBe(16000);
          b.writeUInt32LE(rate, at + 4);
        });
      await refused(aviRated(192000), /AAC at 192000 Hz/);
      await asDecoded(aviRated(96000), 0.15);
      // held: the sync extension's index 15 (the rate is the track's, not the config's)
      await asDecoded(withAsc(own, 'sbr15.mka', Buffer.concat([ASC.subarray(0, 4), Buffer.from([0xff])])), 0.15);
      // an empty CodecPrivate: ffmpeg makes a config from the codec ID and the track (A_AAC: LTP), whose
      // syntax an LC frame's (no prediction) passes; the 5 bytes left a Void element
      const empty = forged(own, 'empty.mka', (b) => {
        const at = b.indexOf(Buffer.concat([Buffer.from('63a285', 'hex'), ASC]));
        expect(at).toBeGreaterThan(0);
        Buffer.from('63a280ec83000000', 'hex').copy(b, at);
      });
      await asDecoded(empty, 0.15);
    },
    60_000,
  );
});

describe('round 28a: Opus in CAF (C5)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libopus')],
    "over 2 channels is unreadable (ffmpeg's CAF gives the decoder no head); 0 or 2, or a cookie, count",
    async () => {
      const own = noise('opus.caf', '-c:a', 'libopus', '-b:a', '16k');
      await asDecoded(own, 0.05);
      const b = readFileSync(own);
      expect(b.toString('latin1', 8, 12)).toBe('desc');
      const channels = (n: number, kuki?: Buffer): string => {
        const c = Buffer.from(b);
        c.writeUInt32BE(n, 44);
        // (a cookie after the description: ffmpeg's demuxer skips it for Opus, and fails the file over 2 channels)
        const out = kuki ? Buffer.concat([c.subarray(0, 52), cafChunk('kuki', kuki), c.subarray(52)]) : c;
        return put(dir, `opus-ch${n}${kuki ? '-kuki' : ''}.caf`, out);
      };
      await refused(channels(3), /Opus of 3 channels in CAF/);
      await refused(channels(8), /Opus of 8 channels in CAF/);
      await asDecoded(channels(0), 0.05);
      await asDecoded(channels(2), 0.05);
      // an OpusHead of family 1 (3 channels, 3 streams) as a cookie: not the decoder's, which reads
      // each packet as one stream (read as three before, a packet held nothing)
      const head = Buffer.concat([
        Buffer.from('OpusHead', 'latin1'),
        Buffer.from([1, 3, 0x38, 1, 0x80, 0x3e, 0, 0]),
        Buffer.from([0, 0, 1, 3, 0, 0, 1, 2]),
      ]);
      await asDecoded(channels(2, head), 0.05);
      await refused(channels(3, head), /Opus of 3 channels in CAF/);
    },
    60_000,
  );
});
