/**
 * Round 24's undercounts and one overcount in the rarer readers, each built here and judged by
 * ffmpeg's decoded length (test/decoded.ts):
 *  - AIFF-C G.722 and GSM of 2+ channels: ffmpeg's decoders are mono whatever COMM says, so a byte
 *    holds 2 G.722 samples and 33 bytes 160 GSM ones; divided by the channels, half or a third was
 *    counted. MACE 6:1 mono whose COMM counts fewer frames than the bytes hold: ffmpeg's aiff demuxer
 *    reads COMM's count as packets of 6 and decodes to the end of SSND (125 s counted of 150);
 *  - iLBC in MOV without a block size (ffmpeg's muxer writes a version 1 entry of zeros): the decoder
 *    takes its mode from the bit rate the mov demuxer makes of the tables; 20 ms frames counted 0,
 *    30 ms ones 2/3, and with mdhd's duration 0 (no bit rate: the decoder does not open) 60 s of none;
 *  - Musepack SV7 over zeros: every frame counted, where ffmpeg's decoder refuses those whose codes do
 *    not end in their last word (1,044.6 s counted, 783.4 decoded);
 *  - Speex in MOV (ffmpeg's libspeex .mov, its header in a glbl box) was unreadable (0 of 10 s);
 *  - AAC in MP4: a junk frame passing the syntax check with a PCE of 30 or 43 channels, which ffmpeg
 *    takes as the stream's layout and the judge's decode stops at (part of round 24's 13.95 s counted
 *    of 0.90 decoded; 6.40 now).
 * The forged files are written by the demuxers' rules (aiffdec.c, mov.c, mpc.c), since no encoder at
 * hand writes MACE, GSM/G.722 of 2 channels, iLBC or SV7.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { box, fullBox, ieeeExtended, junkBytes, movie, type SoundTrack, u16be, u32be } from './forge.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r25rare-');

function write(name: string, b: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

const bytes = junkBytes;
const u32 = u32be;
const u16 = u16be;

const full = fullBox;

// ---- AIFF-C: FORM/AIFC, FVER of AIFF-C's version, COMM with a compression type, SSND

function aifc(name: string, compression: string, channels: number, rate: number, frames: number, data: Buffer): string {
  const chunk = (id: string, body: Buffer): Buffer =>
    Buffer.concat([Buffer.from(id, 'latin1'), u32(body.length), body]);
  const comm = Buffer.concat([
    u16(channels),
    u32(frames),
    u16(16),
    ieeeExtended(rate),
    Buffer.from(compression, 'latin1'),
    u16(0),
  ]);
  const form = Buffer.concat([
    Buffer.from('AIFC', 'latin1'),
    chunk('FVER', u32(0xa2805140)),
    chunk('COMM', comm),
    chunk('SSND', Buffer.concat([u32(0, 0), data])),
  ]);
  return write(name, Buffer.concat([Buffer.from('FORM', 'latin1'), u32(form.length), form]));
}

// ---- MOV: one sound track of `sizes` samples, each `delta` ticks of `scale`, in one chunk

function mov(name: string, t: SoundTrack, payload: Buffer): string {
  return write(name, movie({ brand: 'qt  ', ...t }, payload));
}

/** A version 0 sound sample entry (no block size), mono 16-bit at `rate` */
function entry(fourcc: string, rate = 8000): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 6);
  b.writeUInt16BE(1, 16);
  b.writeUInt16BE(16, 18);
  b.writeUInt32BE(rate * 65536, 24);
  return box(fourcc, b);
}

// ---- Musepack SV7: a 24-byte header ('MP+', version 0x17, frames, max band 0), then frames of a
// 20-bit length and that many bits, in 32-bit little-endian words read from their high bit

function sv7(name: string, frames: number, body: Buffer): string {
  const h = Buffer.alloc(24);
  h.write('MP+\x17', 'latin1');
  h.writeUInt32LE(frames, 4);
  return write(name, Buffer.concat([h, body]));
}

/** SV7 frames of `bits` zero bits each (8: an empty frame, band 0's two resolutions 0) */
function sv7Frames(name: string, frames: number, bits: number): string {
  const total = 8 + frames * (20 + bits);
  const words = new Uint32Array(Math.ceil(total / 32) + 1);
  let at = 8;
  for (let f = 0; f < frames; f++) {
    for (let i = 19; i >= 0; i--, at++) if ((bits >>> i) & 1) words[at >>> 5]! |= 1 << (31 - (at & 31));
    at += bits;
  }
  const b = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => b.writeUInt32LE(w >>> 0, i * 4));
  return sv7(name, frames, b);
}

/** An ADTS stream's raw frames (their headers dropped) */
function adtsFrames(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 7 <= b.length;) {
    const len = ((b[i + 3]! & 3) << 11) | (b[i + 4]! << 3) | (b[i + 5]! >> 5);
    out.push(b.subarray(i + (b[i + 1]! & 1 ? 7 : 9), i + len));
    i += len;
  }
  return out;
}

/** An 'mp4a' entry whose esds holds this AudioSpecificConfig */
function mp4a(asc: Buffer): Buffer {
  const dsi = Buffer.concat([Buffer.from([5, asc.length]), asc]);
  const dcd = Buffer.concat([Buffer.from([4, 13 + dsi.length, 0x40, 0x15]), Buffer.alloc(11), dsi]);
  const es = Buffer.concat([Buffer.from([3, 3 + dcd.length + 3, 0, 1, 0]), dcd, Buffer.from([6, 1, 2])]);
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 6);
  b.writeUInt16BE(1, 16);
  b.writeUInt16BE(16, 18);
  b.writeUInt32BE(8000 * 65536, 24);
  return box('mp4a', b, full('esds', es));
}

/**
 * Two 64-byte junk AAC-LC frames (from a seeded random stream, round 24's 19.9 MB file) that pass the
 * syntax check and carry a PCE: ffmpeg's decoder takes each as a new layout of 30 and 43 channels.
 */
const PCE_FRAMES = [
  '1c7780606c54dd647bab32b4f4a98c3882ab0a6a9bebda4cee60e8d9daee85cc4dfa165711f400b47d24f56b5c0cb2f286c4068e934382696bf08be8bebd01fc',
  '0877a1bde4682e3c1844139748c3c306bf090076daca89391debc2a3fd78ecc83cee8fd6c05d099ac76aac9015cae62ceab82acd613a2a9451a7d2b442030631',
];

describe('round 25: rare readers count what ffmpeg decodes', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('aac')],
    "AAC in MP4: a frame whose PCE lays out other channels than the config's ends what ffmpeg decodes",
    async () => {
      const adts = join(dir, 'mono.aac');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=300:d=5:r=8000', '-c:a', 'aac', '-b:a', '24k', '-f', 'adts', adts);
      const real = adtsFrames(readFileSync(adts));
      const asc = Buffer.from([0x15, 0x88]); // AAC-LC, 8 kHz, mono
      for (const [k, hex] of PCE_FRAMES.entries()) {
        // 10 real frames, the junk one, the rest: ffmpeg decodes the 10 (1.28 s); 5.38 s counted before
        const frames = [...real.slice(0, 10), Buffer.from(hex, 'hex'), ...real.slice(10)];
        const f = mov(
          `aac-pce${k}.mov`,
          { entry: mp4a(asc), sizes: frames.map((x) => x.length), delta: 1024 },
          Buffer.concat(frames),
        );
        const { r, dec } = await atMostDecoded(f, 0.05);
        expect(dec).toBeCloseTo(1.28, 2);
        expect(r.seconds!).toBeCloseTo(dec, 2);
      }
      // the real frames alone count what ffmpeg decodes
      await asDecoded(
        mov('aac-real.mov', { entry: mp4a(asc), sizes: real.map((x) => x.length), delta: 1024 }, Buffer.concat(real)),
        0.01,
      );
    },
  );

  itWith(['ffmpeg'], 'AIFF-C G.722 and GSM of 2 and 3 channels count what their mono decoders decode', async () => {
    for (const ch of [1, 2, 3]) {
      // 100 KB of G.722: 200,000 samples at 16 kHz (12.5 s) whatever COMM's channels (2 ch: 6.25 counted)
      const g722 = aifc(`g722-${ch}.aifc`, 'G722', ch, 16000, 200_000, bytes(100_000, 1));
      await asDecoded(g722, 0.01);
      expect((await probe(g722)).seconds!).toBeCloseTo(12.5, 2);
      // 33 KB of GSM: 1,000 frames of 160 samples at 8 kHz (20 s); COMM counting packets, as ffmpeg reads it
      const gsm = aifc(`gsm-${ch}.aifc`, 'GSM ', ch, 8000, 1000, bytes(33_000, 2));
      await asDecoded(gsm, 0.01);
      expect((await probe(gsm)).seconds!).toBeCloseTo(20, 2);
    }
  });

  itWith(
    ['ffmpeg'],
    "AIFF-C MACE 6:1 mono: COMM's count is packets of 6 samples, not a cut (125 s counted of 150)",
    async () => {
      // round 24's file: 200 KB, COMM 1,000,000; ffmpeg decodes the 1,200,000 samples the bytes hold
      const mono = aifc('mac6-mono.aifc', 'MAC6', 1, 8000, 1_000_000, bytes(200_000, 3));
      await asDecoded(mono, 0.01);
      expect((await probe(mono)).seconds!).toBeCloseTo(150, 2);
      // a COMM counting frames, as other writers do: the same count, no "cut off"
      const frames = aifc('mac6-frames.aifc', 'MAC6', 1, 8000, 1_200_000, bytes(200_000, 3));
      expect(await probe(frames)).toMatchObject({ kind: 'audio', error: undefined });
      // a copy cut short of COMM's count as frames still says so, and counts its bytes only
      const cut = aifc('mac6-cut.aifc', 'MAC6', 1, 8000, 2_000_000, bytes(200_000, 3));
      await asDecoded(cut, 0.01);
      expect((await probe(cut)).error).toMatch(/cut off/);
      // stereo and MACE 3:1 as before
      await asDecoded(aifc('mac6-stereo.aifc', 'MAC6', 2, 8000, 1_000_000, bytes(200_000, 4)), 0.01);
      await asDecoded(aifc('mac3-mono.aifc', 'MAC3', 1, 8000, 1_000_000, bytes(200_000, 5)), 0.01);
    },
  );

  itWith(['ffmpeg'], "iLBC in ffmpeg's own .mov (no block size) counts its 20 and 30 ms frames", async () => {
    for (const [mode, frame] of [
      [20, 38],
      [30, 50],
    ] as const) {
      // iLBC's raw format (ffmpeg's ilbc demuxer): "#!iLBC20\n" or "#!iLBC30\n", then the frames;
      // ffmpeg's mov muxer copies them into a version 1 entry whose block size is 0
      const lbc = write(`ilbc${mode}.lbc`, Buffer.concat([Buffer.from(`#!iLBC${mode}\n`), bytes(frame * 3000, mode)]));
      const out = join(dir, `ilbc${mode}.mov`);
      ffmpeg('-i', lbc, '-c', 'copy', out);
      await asDecoded(out, 0.01);
      expect((await probe(out)).seconds!).toBeCloseTo((3000 * mode) / 1000, 2);
    }
  });

  itWith(['ffmpeg'], "iLBC in MOV: the mode from the tables' bit rate, none without one", async () => {
    // 38-byte samples of 20 ms: 15,200 bit/s, 20 ms frames (counted 0 before)
    await asDecoded(
      mov('ilbc-38.mov', { entry: entry('ilbc'), sizes: Array(3000).fill(38), delta: 160 }, bytes(38 * 3000, 6)),
      0.01,
    );
    // 50-byte samples of 30 ms: 13,333 bit/s, 30 ms frames (60 s counted of 90)
    await asDecoded(
      mov('ilbc-50.mov', { entry: entry('ilbc'), sizes: Array(3000).fill(50), delta: 240 }, bytes(50 * 3000, 7)),
      0.01,
    );
    // 275-byte samples of 1.1 s (round 24's C1 file): 2,000 bit/s, 30 ms a frame
    const c1 = mov(
      'ilbc-c1.mov',
      { entry: entry('ilbc'), sizes: Array(3000).fill(275), delta: 8800 },
      bytes(275 * 3000, 8),
    );
    await asDecoded(c1, 0.01);
    // mdhd's duration 0: no bit rate, and ffmpeg's decoder does not open (60 s counted of none)
    const none = mov(
      'ilbc-nodur.mov',
      { entry: entry('ilbc'), sizes: Array(3000).fill(50), delta: 160, duration: 0 },
      bytes(50 * 3000, 9),
    );
    const { r, dec } = await atMostDecoded(none, 0);
    expect(dec).toBe(0);
    expect(r.kind).toBe('unreadable');
  });

  itWith(['ffmpeg'], "Musepack SV7 counts only the frames ffmpeg's decoder takes", async () => {
    // round 22's repro at 100 kB: a header over zeros (1,044.6 s counted before, ffmpeg decodes 783.4)
    const zeros = sv7('sv7-zeros.mpc', Math.floor(((100_000 - 24) * 8) / 20) - 2, Buffer.alloc(100_000 - 24));
    await atMostDecoded(zeros, 0.05);
    expect((await probe(zeros)).seconds!).toBeLessThan(800);
    // empty frames, each ending where its codes end: all taken
    await asDecoded(sv7Frames('sv7-empty.mpc', 2000, 8), 0.01);
  });

  itWith(['ffmpeg', ffmpegEncoder('libspeex')], "Speex in ffmpeg's .mov counts what its decoder decodes", async () => {
    for (const rate of [8000, 16000, 32000]) {
      const out = join(dir, `speex-${rate}.mov`);
      ffmpeg('-f', 'lavfi', '-i', `sine=f=300:d=10:r=${rate}`, '-c:a', 'libspeex', out);
      await asDecoded(out, 0.01);
      expect((await probe(out)).seconds!).toBeGreaterThan(9.9);
    }
    // four frames a packet, and VBR with DTX
    const fpp = join(dir, 'speex-fpp4.mov');
    ffmpeg('-f', 'lavfi', '-i', 'sine=f=300:d=10:r=16000', '-c:a', 'libspeex', '-frames_per_packet', '4', fpp);
    await asDecoded(fpp, 0.01);
    const vbr = join(dir, 'speex-vbr.mov');
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=f=300:d=10:r=16000',
      '-c:a',
      'libspeex',
      '-vbr',
      'on',
      '-vad',
      '1',
      '-dtx',
      '1',
      vbr,
    );
    await asDecoded(vbr, 0.01);
    // FLV's Speex remuxed: no header, one wideband frame a packet as the decoder takes it
    const flv = join(dir, 'speex.flv');
    ffmpeg('-f', 'lavfi', '-i', 'sine=f=300:d=10:r=16000', '-c:a', 'libspeex', flv);
    const remux = join(dir, 'speex-flv.mov');
    ffmpeg('-i', flv, '-c', 'copy', remux);
    await asDecoded(remux, 0.01);
  });

  itWith(
    ['ffmpeg'],
    'Speex in MOV: junk packets count no more than ffmpeg decodes, an odd rate without a header none',
    async () => {
      // 1-byte samples of 20 ms: ffmpeg's decoder makes a frame of each
      await atMostDecoded(
        mov('spex-1b.mov', { entry: entry('spex'), sizes: Array(20_000).fill(1), delta: 160 }, bytes(20_000, 10)),
        0.05,
      );
      // 275-byte junk samples 1.1 s apart (round 24's C1 file)
      await atMostDecoded(
        mov('spex-c1.mov', { entry: entry('spex'), sizes: Array(2000).fill(275), delta: 8800 }, bytes(275 * 2000, 11)),
        0.05,
      );
      // no header at 11,025 Hz: which mode the decoder takes is not followed here
      const odd = mov(
        'spex-11k.mov',
        { entry: entry('spex', 11025), sizes: Array(2000).fill(20), delta: 160, scale: 11025 },
        bytes(40_000, 12),
      );
      expect((await probe(odd)).kind).toBe('unreadable');
    },
  );
});
