/**
 * Attack round 26a's Matroska and MP4 findings: a header field ffmpeg 5.1's demuxer or decoder refuses
 * at start, which the reader never checked, so one byte of an hour's file counted 3,600 s where ffmpeg
 * decodes none. Each file is ffmpeg's own (10 s), one byte changed, judged by what ffmpeg decodes:
 *  - C12: the EBML header (EBMLReadVersion > 1, EBMLMaxSizeLength > 8, EBMLMaxIDLength > 4,
 *    DocTypeReadVersion > 3, an ID byte of 0x00, a field over 8 bytes);
 *  - C3: Opus heads (WebM's CodecPrivate, MP4's dOps): 0 channels, family 0 over 2 channels, version
 *    over 15, an unknown family, a dOps of version 1;
 *  - C7: AAC's AudioSpecificConfig of channel configuration 0 with no PCE, 8-10, 14 or 15 (M4A, MKA);
 *  - C6: ALAC in M4A whose cookie says 0 channels (and 9 channels in M4A and MKA);
 *  - C4: Matroska FLAC's STREAMINFO (max block size under 16 or under the frames', rate 0, another depth);
 *  - H1: GSM 6.10 in Matroska's ACM with a block align ffmpeg refuses.
 * Held: the fields' values ffmpeg takes (DocTypeReadVersion 3, another DocType, Opus version 15, a
 * 5.1 Opus of family 1, AAC configurations 11-13 and a PCE ffmpeg's encoder writes, stereo ALAC in
 * MOV, FLAC from the flac tool, GSM block align 0 and 65) still count what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { forged } from './forge.js';
import { itWith, ffmpegEncoder } from './needs.js';
import { ffmpeg, decoded, probe, asDecoded } from './decoded.js';

const dir = tempDir('leaktally-r26mkvmp4-');

/** 10 s of noise at `rate` Hz encoded with `args` into `name` (mono unless the args say); its path. */
function noise(name: string, rate: number, ...args: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `anoisesrc=d=10:r=${rate}:a=0.2`, ...args, out);
  return out;
}

/** A copy of `from` with bytes at `at` (offsets from the pattern's start, or absolute) set. */
function withBytes(from: string, name: string, pattern: Buffer | undefined, edits: Record<number, number>): string {
  return forged(from, name, (b) => {
    const base = pattern ? b.indexOf(pattern) : 0;
    expect(base, `${name}: ${pattern?.toString('hex')} not found`).toBeGreaterThanOrEqual(0);
    for (const [k, v] of Object.entries(edits)) b[base + Number(k)] = v;
  });
}

/** ffmpeg decodes nothing of the file, and it is unreadable with a reason (was: the whole length counted). */
async function refused(path: string, why: RegExp): Promise<void> {
  expect(decoded(path), `${path}: ffmpeg decodes it`).toBe(0);
  const r = await probe(path);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
  expect(r.error).toMatch(why);
}

/** The offset just past the EBML header's child element `id` and its 1-byte size (its value's first byte). */
const field = (id: string): Buffer => Buffer.from(`${id}81`, 'hex');

describe('round 26a: the EBML header ffmpeg refuses (C12)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'aac')],
    'header fields over what matroska_read_header takes are unreadable; the values it takes count',
    async () => {
      for (const [own, ext] of [
        [noise('ebml.webm', 8000, '-c:a', 'libopus', '-b:a', '6k'), 'webm'],
        [noise('ebml.mka', 8000, '-c:a', 'aac', '-b:a', '8k'), 'mka'],
      ] as const) {
        // (AAC's priming frame: MKA counts a frame, 0.128 s, under ffmpeg's decode, as before)
        await asDecoded(own, 0.15);
        const at = (id: string, v: number, name: string): string =>
          withBytes(own, `${name}.${ext}`, field(id), { 3: v });
        await refused(at('42f7', 2, `readver2-${ext}`), /EBMLReadVersion 2/);
        await refused(at('42f3', 9, `maxsize9-${ext}`), /EBMLMaxSizeLength 9/);
        await refused(at('42f2', 5, `maxid5-${ext}`), /EBMLMaxIDLength 5/);
        await refused(at('4285', 4, `docread4-${ext}`), /DocTypeReadVersion 4/);
        // byte 5, the header's first child's ID: "0x00 at pos 5 invalid as first byte of an EBML number"
        await refused(withBytes(own, `id00.${ext}`, undefined, { 5: 0 }), /0x00 ID byte/);
        // an ID byte of 0x08 (a 5-byte ID: over the 4 ffmpeg reads)
        await refused(withBytes(own, `id5.${ext}`, undefined, { 5: 0x08 }), /ID longer than 4 bytes/);
        // byte 7, the first child's size: 0x00 ("invalid as first byte"), and DocTypeReadVersion's size
        // unknown (all ones) inside the header's known size
        await refused(withBytes(own, `size00.${ext}`, undefined, { 7: 0 }), /size longer than 8 bytes/);
        await refused(withBytes(own, `unknown.${ext}`, field('4285'), { 2: 0xff }), /unknown size/);
        // held: DocTypeReadVersion 3 (a warning), EBMLReadVersion 0, another DocType (a warning)
        await asDecoded(at('4285', 3, `docread3-${ext}`), 0.15);
        await asDecoded(at('42f7', 0, `readver0-${ext}`), 0.15);
        await asDecoded(withBytes(own, `doctype.${ext}`, Buffer.from('4282', 'hex'), { 3: 0x58 }), 0.15);
      }
    },
    60_000,
  );
});

describe('round 26a: Opus heads in WebM and MP4 (C3)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libopus')],
    "a CodecPrivate OpusHead ffmpeg's decoder refuses is unreadable",
    async () => {
      const own = noise('opus.webm', 8000, '-c:a', 'libopus', '-b:a', '6k');
      const head = Buffer.from('OpusHead');
      await refused(withBytes(own, 'ch0.webm', head, { 9: 0 }), /0 channels/);
      await refused(withBytes(own, 'ch3.webm', head, { 9: 3 }), /family 0 of 3 channels/);
      await refused(withBytes(own, 'ver16.webm', head, { 8: 16 }), /version 16/);
      await refused(withBytes(own, 'fam3.webm', head, { 18: 3 }), /family 3/);
      // family 1 in a 19-byte head: no room for its channel map ("Invalid extradata size")
      await refused(withBytes(own, 'fam1.webm', head, { 18: 1 }), /19 bytes/);
      // held: version 15, stereo (a mono stream decodes as stereo), the magic (not read by ffmpeg)
      await asDecoded(withBytes(own, 'ver15.webm', head, { 8: 15 }), 0.05);
      await asDecoded(withBytes(own, 'ch2.webm', head, { 9: 2 }), 0.05);
      await asDecoded(withBytes(own, 'magic.webm', head, { 0: 0x58 }), 0.05);
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus')],
    'a dOps box ffmpeg refuses, or whose head its decoder refuses, is unreadable; 5.1 Opus still counts',
    async () => {
      const webm = noise('opus-mp4.webm', 8000, '-c:a', 'libopus', '-b:a', '6k');
      const own = join(dir, 'opus.mp4');
      ffmpeg('-i', webm, '-c', 'copy', own);
      // dOps: version, channels, pre-skip, rate, gain, family (offsets from 'dOps' + 4)
      const dops = Buffer.from('dOps');
      await refused(withBytes(own, 'dops-ch0.mp4', dops, { 5: 0 }), /0 channels/);
      await refused(withBytes(own, 'dops-ch3.mp4', dops, { 5: 3 }), /family 0 of 3 channels/);
      await refused(withBytes(own, 'dops-ver1.mp4', dops, { 4: 1 }), /dOps box of version 1/);
      await refused(withBytes(own, 'dops-fam3.mp4', dops, { 14: 3 }), /family 3/);
      expect((await probe(own)).kind).toBe('audio');
      // ffmpeg's 5.1 Opus (channel mapping family 1, four streams and two coupled) in WebM, MKA and MP4
      const six = join(dir, 'six.webm');
      ffmpeg(
        ...['-f', 'lavfi', '-i', 'anoisesrc=d=10:r=48000:a=0.2', '-af', 'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0'],
        ...['-c:a', 'libopus', '-b:a', '64k', six],
      );
      expect(readFileSync(six)[readFileSync(six).indexOf('OpusHead') + 18]).toBe(1);
      await asDecoded(six, 0.05);
      for (const ext of ['mka', 'mp4']) {
        const out = join(dir, `six.${ext}`);
        ffmpeg('-i', six, '-c', 'copy', out);
        expect((await probe(out)).seconds).toBeGreaterThan(9.9);
        expect((await probe(out)).seconds).toBeLessThanOrEqual(decoded(out) + 0.05);
      }
    },
    60_000,
  );
});

/** Where an AAC file's AudioSpecificConfig starts: after the esds DecoderSpecificInfo tag, or the CodecPrivate's size. */
function ascAt(b: Buffer, ext: string): number {
  if (ext === 'm4a') return b.indexOf(Buffer.from([0x05, 0x80, 0x80, 0x80]), b.indexOf('esds')) + 5;
  const p = b.indexOf(Buffer.from([0x63, 0xa2]));
  return p + 3;
}

describe('round 26a: AAC channel configurations ffmpeg refuses (C7)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    'configuration 0 with no PCE, 8-10, 14 and 15 are unreadable in M4A and MKA; 11-13 and a real PCE count',
    async () => {
      const m4a = noise('aac.m4a', 8000, '-c:a', 'aac', '-b:a', '8k');
      const mka = join(dir, 'aac.mka');
      ffmpeg('-i', m4a, '-c', 'copy', mka);
      for (const [own, ext] of [
        [m4a, 'm4a'],
        [mka, 'mka'],
      ] as const) {
        const b = readFileSync(own);
        const asc = ascAt(b, ext);
        // AAC-LC at 8 kHz, mono: the channel configuration is bits 1-4 of the second byte
        expect(b.subarray(asc, asc + 2).toString('hex')).toBe('1588');
        const config = (n: number): string =>
          withBytes(own, `cfg${n}.${ext}`, undefined, { [asc + 1]: (b[asc + 1]! & 0x87) | (n << 3) });
        await refused(config(0), /PCE runs past/);
        for (const n of [8, 9, 10, 14, 15]) await refused(config(n), new RegExp(`channel configuration ${n}`));
        for (const n of [11, 12, 13]) {
          const path = config(n);
          expect((await probe(path)).seconds).toBeLessThanOrEqual(decoded(path) + 0.05);
          expect((await probe(path)).seconds).toBeGreaterThan(9.9);
        }
      }
      // ffmpeg's encoder writes a PCE (configuration 0) for a layout with no configuration: quad
      const quad = join(dir, 'quad.m4a');
      ffmpeg(
        ...['-f', 'lavfi', '-i', 'anoisesrc=d=10:r=16000:a=0.2', '-af', 'pan=quad|c0=c0|c1=c0|c2=c0|c3=c0'],
        ...['-c:a', 'aac', '-b:a', '96k', quad],
      );
      const q = readFileSync(quad);
      expect(q[ascAt(q, 'm4a') + 1]! & 0x78).toBe(0);
      await asDecoded(quad, 0.1);
    },
    60_000,
  );
});

describe('round 26a: ALAC cookies ffmpeg refuses (C6)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('alac')],
    "an M4A cookie of 0 channels, or 9 in M4A and MKA, is unreadable; CAF's 0 and MOV's stereo count",
    async () => {
      const m4a = noise('alac.m4a', 8000, '-c:a', 'alac');
      const mka = join(dir, 'alac.mka');
      const caf = join(dir, 'alac.caf');
      ffmpeg('-i', m4a, '-c', 'copy', mka);
      ffmpeg('-i', m4a, '-c', 'copy', caf);
      // the ALACSpecificConfig's pb 40, mb 10, kb 14 (ffmpeg's encoder), then its channel count
      const cfg = Buffer.from('280a0e', 'hex');
      await refused(withBytes(m4a, 'ch0.m4a', cfg, { 3: 0 }), /ALAC of 0 channels/);
      await refused(withBytes(m4a, 'ch9.m4a', cfg, { 3: 9 }), /ALAC of 9 channels/);
      await refused(withBytes(mka, 'ch9.mka', cfg, { 3: 9 }), /ALAC of 9 channels/);
      // held: CAF's 0 (ffmpeg's decoder takes desc's channels), MKA's 0 (the track's)
      await asDecoded(withBytes(caf, 'ch0.caf', cfg, { 3: 0 }), 0.05);
      await asDecoded(withBytes(mka, 'ch0.mka', cfg, { 3: 0 }), 0.05);
      const mov = join(dir, 'stereo.mov');
      ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=10:r=44100:a=0.2', '-ac', '2', '-c:a', 'alac', mov);
      await asDecoded(mov, 0.05);
    },
    60_000,
  );
});

describe("round 26a: Matroska FLAC's STREAMINFO (C4)", () => {
  itWith(
    ['ffmpeg', 'flac', ffmpegEncoder('flac')],
    'a STREAMINFO the decoder refuses, or that refuses every frame, is unreadable; real files count',
    async () => {
      const own = noise('flac.mka', 8000, '-c:a', 'flac');
      // STREAMINFO after 'fLaC' and its block header: min and max block size, frame sizes, rate, channels, depth
      const si = Buffer.from('fLaC');
      const b = readFileSync(own);
      const p = b.indexOf(si) + 8;
      await refused(withBytes(own, 'maxbs8.mka', si, { 10: 0, 11: 8 }), /max block size 8/);
      await refused(withBytes(own, 'rate0.mka', si, { 18: 0, 19: 0, 20: b[p + 10]! & 0x0f }), /sample rate 0/);
      // a max block size under the frames' (ffmpeg's 576), another depth: every frame refused
      for (const [name, edits] of [
        ['maxbs64.mka', { 10: 0, 11: 64 }],
        ['bps.mka', { 20: b[p + 12]! ^ 1 }],
      ] as const) {
        const path = withBytes(own, name, si, edits);
        expect(decoded(path)).toBe(0);
        expect((await probe(path)).seconds ?? 0, name).toBe(0);
      }
      await asDecoded(own, 0.05);
      // the flac tool's 16-bit stereo and 24-bit files, copied into Matroska
      for (const [args, name] of [
        [['-ac', '2', '-ar', '44100', '-c:a', 'pcm_s16le'], 'tool16'],
        [['-ac', '1', '-ar', '48000', '-c:a', 'pcm_s24le'], 'tool24'],
      ] as const) {
        const wav = join(dir, `${name}.wav`);
        ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=10:a=0.2', ...args, wav);
        const flac = join(dir, `${name}.flac`);
        expect(spawnSync('flac', ['-s', '-f', '-o', flac, wav]).status).toBe(0);
        const out = join(dir, `${name}.mka`);
        ffmpeg('-i', flac, '-c', 'copy', out);
        await asDecoded(out, 0.05);
      }
    },
    60_000,
  );
});

describe('round 26a: GSM 6.10 in Matroska with a block align ffmpeg refuses (H1)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libgsm_ms')],
    'block align 64 or 66 is unreadable; 0 and 65 count',
    async () => {
      const own = noise('gsm.mka', 8000, '-c:a', 'libgsm_ms');
      // the WAVEFORMATEX in the CodecPrivate: tag 0x31, 1 channel, 8 kHz, 1,625 B/s, block align 65
      const fmt = Buffer.from('31000100401f000059060000', 'hex');
      const align = (v: number, name: string): string => withBytes(own, name, fmt, { 12: v, 13: 0 });
      await refused(align(64, 'ba64.mka'), /block align 64/);
      await refused(align(66, 'ba66.mka'), /block align 66/);
      await asDecoded(align(0, 'ba0.mka'), 0.05);
      await asDecoded(own, 0.05);
      // 41-62 in steps of 3 decode (more frames of fewer bytes): never counted over what ffmpeg decodes
      const ba44 = align(44, 'ba44.mka');
      expect((await probe(ba44)).seconds).toBeLessThanOrEqual(decoded(ba44) + 0.05);
    },
    60_000,
  );
});
