/**
 * Attack round 23a's MP4 and CAF findings, each built here from a file ffmpeg makes (or a CAF written
 * by hand), then forged, and judged by ffmpeg's decoded length:
 *  - C3: CAF constant-size packets ("1 byte for 8 frames") of a codec whose packets were not read
 *    (MP3, AMR, ADPCM, G.711 of 0 channels, 12-bit lpcm): counted from the description;
 *  - C5: MP4 'mp4a' with no AudioSpecificConfig (its samples then junk), or an esds object type ffmpeg
 *    maps to no audio decoder: counted by the sample table (now refused);
 *  - M4: an MP4 sample entry of a fourcc ffmpeg maps to no codec: counted under the untold-codec bound;
 *  - H2: MP4 'lpcm' of 16-bit float, MP4 PCM of 0 channels or a rate of 0, CAF 'lpcm' of 16-bit float: ffmpeg
 *    refuses them;
 *  - M2: MOV 'lpcm' of 12-bit integers, which ffmpeg reads as 2 bytes a sample whatever stsz says.
 * Real files of each kind made by ffmpeg still count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mp4Tracks } from '../src/scan/probe/mp4.js';
import type { FileSource, ProbeResult } from '../src/scan/probe/types.js';
import { Work } from '../src/scan/probe/work.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r23mp4caf-');

/** Noise made by ffmpeg into `name` with the given codec options. */
function encode(name: string, seconds: number, rate: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=pink:r=${rate}:a=0.3`, '-ac', '1', ...opts, out);
  return out;
}

/** Bytes from a fixed seed (junk that is the same every run). */
function junk(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A source over a buffer, as probe/index.ts gives a reader. */
function source(b: Buffer): FileSource {
  return {
    size: b.length,
    head: b.subarray(0, Math.min(b.length, 4096)),
    work: new Work(),
    read: (p, n) => Buffer.from(b.subarray(p, Math.min(b.length, p + n))),
  };
}

/** The judge's bound: at most what ffmpeg decodes, and a little. */
async function atMostDecoded(path: string): Promise<ProbeResult> {
  const r = await probe(path);
  const dec = decoded(path);
  expect(r.seconds ?? 0, `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(dec + 1);
  return r;
}

/** A CAF of one 'desc' and one 'data' chunk (Apple's layout, as attack round 23a's repro writes it). */
function caf(
  format: string,
  bpp: number,
  fpp: number,
  opts: { ch?: number; bits?: number; flags?: number },
  body: Buffer,
): Buffer {
  const desc = Buffer.alloc(32);
  desc.writeDoubleBE(4000, 0);
  desc.write(format, 8, 'latin1');
  desc.writeUInt32BE(opts.flags ?? 0, 12);
  desc.writeUInt32BE(bpp, 16);
  desc.writeUInt32BE(fpp, 20);
  desc.writeUInt32BE(opts.ch ?? 1, 24);
  desc.writeUInt32BE(opts.bits ?? 0, 28);
  const head = (type: string, size: number): Buffer => {
    const h = Buffer.alloc(12);
    h.write(type, 0, 'latin1');
    h.writeBigInt64BE(BigInt(size), 4);
    return h;
  };
  const file = Buffer.from('caff\x00\x01\x00\x00', 'latin1');
  return Buffer.concat([file, head('desc', 32), desc, head('data', body.length + 4), Buffer.alloc(4), body]);
}

/** Where the first sample entry of a file's stsd starts (its size field). */
function entryAt(b: Buffer): number {
  const stsd = b.indexOf('stsd');
  if (stsd < 0) throw new Error('no stsd');
  return stsd + 12;
}

/** The file with its mdat's payload overwritten by junk. */
function junkMdat(b: Buffer): void {
  const at = b.indexOf('mdat');
  const size = b.readUInt32BE(at - 4);
  junk(size - 8).copy(b, at + 4);
}

describe('round 23a: MP4 and CAF packets a decoder takes, not a header', () => {
  itWith(
    ['ffmpeg'],
    'C3: CAF constant packets of MP3, AMR, MS ADPCM, G.711 of 0 channels, 12-bit lpcm count none',
    async () => {
      const data = junk(200_000);
      const cases: [string, string, Parameters<typeof caf>[3]][] = [
        ['mp3', '.mp3', {}],
        ['amr', 'samr', {}],
        ['adpcm', 'ms\x00\x02', {}],
        ['ulaw0', 'ulaw', { ch: 0 }],
        ['lpcm12', 'lpcm', { bits: 12 }],
      ];
      for (const [name, format, opts] of cases) {
        const path = join(dir, `const-${name}.caf`);
        writeFileSync(path, caf(format, 1, 8, opts, data));
        const r = await atMostDecoded(path);
        expect(r.kind, `${name}: ${JSON.stringify(r)}`).toBe('unreadable');
      }
    },
  );

  itWith(
    ['ffmpeg'],
    'C3: CAF from ffmpeg of PCM, µ-law, IMA4 and MS/IMA ADPCM (constant packets) count what ffmpeg decodes',
    async () => {
      await asDecoded(encode('pcm.caf', 5, 8000, '-c:a', 'pcm_s16le'));
      await asDecoded(encode('ulaw.caf', 5, 8000, '-c:a', 'pcm_mulaw'));
      await asDecoded(encode('ima4.caf', 5, 8000, '-c:a', 'adpcm_ima_qt'), 0.2);
      await asDecoded(encode('msadpcm.caf', 5, 8000, '-c:a', 'adpcm_ms'), 0.3);
      await asDecoded(encode('imawav.caf', 5, 8000, '-c:a', 'adpcm_ima_wav'), 0.3);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('alac')],
    'C3: CAF from ffmpeg of ALAC (a packet table) still counts what ffmpeg decodes',
    async () => {
      await asDecoded(encode('alac.caf', 5, 8000, '-c:a', 'alac'));
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus')],
    'C3: CAF from ffmpeg of Opus still counts what ffmpeg decodes',
    async () => {
      await asDecoded(encode('opus.caf', 5, 48000, '-c:a', 'libopus'), 0.1);
    },
  );

  itWith(['ffmpeg'], 'H2: CAF lpcm of 16-bit float is refused; 16-bit integer counts its bytes', async () => {
    const data = junk(200_000);
    const float = join(dir, 'lpcm-f16.caf');
    writeFileSync(float, caf('lpcm', 2, 1, { bits: 16, flags: 1 }, data));
    expect((await atMostDecoded(float)).kind).toBe('unreadable');
    const int = join(dir, 'lpcm-s16.caf');
    writeFileSync(int, caf('lpcm', 2, 1, { bits: 16, flags: 2 }, data));
    await asDecoded(int);
  });

  itWith(['ffmpeg'], 'C5: an mp4a with no AudioSpecificConfig is refused, junk samples or real', async () => {
    // (tag 5, the DecoderSpecificInfo, renamed: ffmpeg then has no config, as with none written; its
    // samples are not read under a guessed config, so even real frames are refused: no encoder writes
    // such a file)
    const real = encode('aac.m4a', 20, 8000, '-c:a', 'aac');
    const b = readFileSync(real);
    const esds = b.indexOf('esds');
    const dsi = b.indexOf(Buffer.from([0x05]), b.indexOf(Buffer.from([0x04]), esds + 8) + 2);
    b[dsi] = 0x06;
    junkMdat(b);
    const forged = join(dir, 'aac-noasc-junk.m4a');
    writeFileSync(forged, b);
    const r = await atMostDecoded(forged);
    expect(r.kind).toBe('unreadable');
    expect(r.error).toMatch(/no AudioSpecificConfig/);
  });

  itWith(
    ['ffmpeg'],
    'C5: an mp4a whose esds says an object type of no audio decoder (0x6C, JPEG) is refused',
    async () => {
      const real = encode('aac2.m4a', 20, 8000, '-c:a', 'aac');
      await asDecoded(real, 0.1);
      const b = readFileSync(real);
      const dcd = b.indexOf(Buffer.from([0x04]), b.indexOf('esds') + 8);
      // (the DecoderConfigDescriptor: its tag, a length of 1 to 4 bytes, then the object type)
      let p = dcd + 1;
      while (b[p]! & 0x80) p++;
      expect(b[p + 1]).toBe(0x40);
      b[p + 1] = 0x6c;
      const forged = join(dir, 'oti6c.m4a');
      writeFileSync(forged, b);
      expect((await atMostDecoded(forged)).kind).toBe('unreadable');
    },
  );

  itWith(['ffmpeg'], 'M4: an MP4 sample entry of an unknown fourcc is refused', async () => {
    const b = readFileSync(encode('aac3.m4a', 20, 8000, '-c:a', 'aac'));
    b.write('zzzz', entryAt(b) + 4, 'latin1');
    const forged = join(dir, 'zzzz.m4a');
    writeFileSync(forged, b);
    const r = await atMostDecoded(forged);
    expect(r.kind).toBe('unreadable');
    expect(r.error).toMatch(/no decoder/);
  });

  itWith(
    ['ffmpeg'],
    'H2: MOV PCM of 0 channels or a rate of 0, and lpcm of 16-bit float, are refused; the real ones count',
    async () => {
      const twos = encode('twos.mov', 5, 8000, '-c:a', 'pcm_s16be');
      await asDecoded(twos);
      const b = readFileSync(twos);
      b.writeUInt16BE(0, entryAt(b) + 24);
      const ch0 = join(dir, 'twos-ch0.mov');
      writeFileSync(ch0, b);
      expect((await atMostDecoded(ch0)).kind).toBe('unreadable');
      // a sample rate of 0 in the entry (ffmpeg refuses the track): taken as the lowest rate before
      const r0 = readFileSync(twos);
      r0.writeUInt32BE(0, entryAt(r0) + 32);
      const rate0 = join(dir, 'twos-rate0.mov');
      writeFileSync(rate0, r0);
      expect(await atMostDecoded(rate0)).toMatchObject({
        kind: 'unreadable',
        error: expect.stringMatching(/sample rate of 0/),
      });
      // ffmpeg writes 'lpcm' (a version 2 entry) for a rate over 65,535
      const lpcm = encode('lpcm.mov', 2, 96000, '-c:a', 'pcm_s16le');
      await asDecoded(lpcm);
      const l = readFileSync(lpcm);
      const e = entryAt(l);
      expect(l.toString('latin1', e + 4, e + 8)).toBe('lpcm');
      l.writeUInt32BE(l.readUInt32BE(e + 36 + 24) | 1, e + 36 + 24); // the float flag
      const f16 = join(dir, 'lpcm-f16.mov');
      writeFileSync(f16, l);
      expect((await atMostDecoded(f16)).kind).toBe('unreadable');
    },
  );

  itWith(
    ['ffmpeg'],
    'M2: MOV lpcm of 12-bit integers in 1-byte samples: those present are 2 bytes each, as ffmpeg reads them',
    () => {
      // (the moov first, so that a copy cut inside the mdat keeps it)
      const lpcm = encode('lpcm12.mov', 4, 96000, '-c:a', 'pcm_s16le', '-movflags', '+faststart');
      const l = readFileSync(lpcm);
      l.writeUInt32BE(12, entryAt(l) + 36 + 20); // constBitsPerChannel
      // a sample size of 1 byte, as QuickTime writes PCM's (ffmpeg takes a frame's 2 bytes whatever it
      // says): taken at 1 byte, the samples of a cut copy lay twice as far into the file as they do.
      // (Read by the sample tables: music-metadata takes the version 2 entry's rate field, 1 Hz, and the
      // whole probe refuses a cut copy by it)
      l.writeUInt32BE(1, l.indexOf('stsz') + 8);
      const path = join(dir, 'lpcm-s12-cut.mov');
      const cut = l.subarray(0, l.indexOf('mdat') + 4 + Math.floor((l.length - l.indexOf('mdat')) * 0.4));
      writeFileSync(path, cut);
      const t = mp4Tracks(source(cut), true)!;
      const dec = decoded(path);
      expect(dec).toBeGreaterThan(1);
      expect(Math.abs(t.presentSeconds! - dec), `${t.presentSeconds} s, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(
        0.1,
      );
    },
  );

  itWith(['ffmpeg'], 'real MP4s from ffmpeg (AAC, ALAC, µ-law, IMA4) count what ffmpeg decodes', async () => {
    await asDecoded(encode('real.m4a', 10, 44100, '-c:a', 'aac'), 0.1);
    await asDecoded(encode('real-alac.m4a', 5, 8000, '-c:a', 'alac'));
    await asDecoded(encode('real-ulaw.mov', 5, 8000, '-c:a', 'pcm_mulaw'));
    await asDecoded(encode('real-ima4.mov', 5, 8000, '-c:a', 'adpcm_ima_qt'), 0.2);
  });
});
