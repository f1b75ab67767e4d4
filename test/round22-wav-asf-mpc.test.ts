/**
 * Attack round 22's findings in WAV, AU, raw telephony, AIFF-C, ASF and Musepack, each file built
 * here (real audio from ffmpeg, forged with Buffer writes, or a format's packets by hand) and judged
 * by ffmpeg's decoded length:
 *  - C2: Musepack SV8 whose stream header claims 17 hours over packets of nothing;
 *  - H5: WAVE_FORMAT_EXTENSIBLE without its extension, or with a GUID ffmpeg does not take;
 *  - H3: MP3 in a WAV over 64 MiB, sparse: the estimate judged on the allocated bytes;
 *  - H8: raw telephony names: a zip named .vox, a sparse .g726;
 *  - H11: ASF holding PCM, every object's time stretched 15×;
 *  - H6: AIFF-C 'DWVW' (no ffmpeg decoder);
 *  - H7: 'MP+' of a version other than SV7;
 *  - H10: AU G.721/G.723 of two channels (ffmpeg's G.726 decoder is mono only);
 *  - M2: an ID3v2 tag in front of WAV, AIFF, AU, Ogg or Matroska (ffmpeg skips it).
 * A real file of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { packet, varint } from './forge.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, ffmpeg, probe, atMostDecoded } from './decoded.js';

const dir = tempDir('leaktally-r22w-');

/** A sine made by ffmpeg, in the given codec and container. */
function make(name: string, seconds: number, rate: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:d=${seconds}:r=${rate}`, '-ac', '1', ...opts, out);
  return out;
}

// ---- Musepack SV8, by hand: 'MPCK', then packets of a two-letter key and a size counting its header

interface Sv8 {
  samples: number;
  /** index into 44.1, 48, 37.8, 32 kHz */
  rate: number;
  /** bands - 1 (31 is refused by ffmpeg's decoder) */
  bands: number;
  /** 4^blockPower frames an audio packet */
  blockPower: number;
  audio: Buffer[];
}

function mpc8(name: string, s: Sv8): string {
  const fields = Buffer.concat([
    Buffer.from([8]),
    varint(s.samples),
    varint(0),
    Buffer.from([(s.rate << 5) | s.bands, s.blockPower]),
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(fields));
  const out = join(dir, name);
  writeFileSync(
    out,
    Buffer.concat([
      Buffer.from('MPCK'),
      packet('SH', Buffer.concat([crc, fields])),
      packet('RG', Buffer.alloc(9)),
      packet('EI', Buffer.alloc(2)),
      ...s.audio.map((a) => packet('AP', a)),
      packet('SE', Buffer.alloc(0)),
    ]),
  );
  return out;
}

// ---- WAV and AIFF-C chunks

function chunk(id: string, body: Buffer, le = true): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 'latin1');
  if (le) h.writeUInt32LE(body.length, 4);
  else h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
}

/** A WAV of the given fmt chunk and data size (the data's bytes follow, or are a hole). */
function wavHead(fmt: Buffer, dataSize: number): Buffer {
  const data = Buffer.alloc(8);
  data.write('data', 'latin1');
  data.writeUInt32LE(dataSize, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 'latin1');
  riff.writeUInt32LE(Math.min(0xffffffff, 4 + 8 + fmt.length + 8 + dataSize), 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, chunk('fmt ', fmt), data]);
}

/** The chunks of a RIFF file, with where each body starts. */
function riffChunks(b: Buffer): Map<string, number> {
  const out = new Map<string, number>();
  for (let p = 12; p + 8 <= b.length; p += 8 + b.readUInt32LE(p + 4) + (b.readUInt32LE(p + 4) & 1))
    out.set(b.toString('latin1', p, p + 4), p + 8);
  return out;
}

// ---- ASF: the audio objects' presentation time fields in a data packet (single or multiple payloads)

const lenOf = (t: number): number => [0, 1, 2, 4][t & 3]!;
const readVar = (b: Buffer, p: number, t: number): number =>
  [0, b[p]!, b.readUInt16LE(p), b.readUInt32LE(p)][lenOf(t) === 4 ? 3 : lenOf(t)]!;

function presFields(b: Buffer, at: number, packetSize: number): number[] {
  const out: number[] = [];
  let p = at;
  if (b[p]! & 0x80) p += 1 + (b[p]! & 0x0f);
  const lt = b[p]!;
  const pf = b[p + 1]!;
  p += 2 + lenOf(lt >> 5) + lenOf(lt >> 1);
  const padding = readVar(b, p, lt >> 3);
  p += lenOf(lt >> 3) + 6;
  const multiple = lt & 1;
  let count = 1;
  let plt = 0;
  if (multiple) {
    count = b[p]! & 0x3f;
    plt = b[p]! >> 6;
    p++;
  }
  for (let i = 0; i < count; i++) {
    p += 1 + lenOf(pf >> 4) + lenOf(pf >> 2);
    const repl = readVar(b, p, pf);
    p += lenOf(pf);
    if (repl >= 8) out.push(p + 4);
    p += repl;
    let len: number;
    if (multiple) {
      len = readVar(b, p, plt);
      p += lenOf(plt);
    } else len = at + packetSize - padding - p;
    p += len;
  }
  return out;
}

const FILE_PROPERTIES = Buffer.from('a1dcab8c47a9cf118ee400c00c205365', 'hex');

describe('round 22: WAV, AU, raw telephony, AIFF-C, ASF and Musepack counted as ffmpeg decodes them', () => {
  itWith(
    ['ffmpeg'],
    'C2: Musepack SV8 counts its audio packets, never the stream header alone',
    async () => {
      // 1,000 packets of one frame each (block power 0), zeros: ffmpeg decodes a silent frame of each
      const real = mpc8('sv8_zeros.mpc', {
        samples: 1152 * 1000,
        rate: 0,
        bands: 10,
        blockPower: 0,
        audio: Array.from({ length: 1000 }, () => Buffer.alloc(4)),
      });
      await asDecoded(real);
      // round 22's repro: 2e9 samples at 32 kHz (62,500 s) claimed over one packet of zeros, with 32
      // bands (ffmpeg's decoder refuses the stream), with a valid header, and with no audio packet
      const claim = { samples: 2_000_000_000, rate: 3, blockPower: 0 };
      const forged = [
        mpc8('sv8_claim_32bands.mpc', { ...claim, bands: 31, audio: [Buffer.alloc(990_000)] }),
        mpc8('sv8_claim.mpc', { ...claim, bands: 10, audio: [Buffer.alloc(990_000)] }),
        mpc8('sv8_claim_noap.mpc', { ...claim, bands: 10, audio: [] }),
      ];
      for (const f of forged) await atMostDecoded(f);
      expect((await probe(forged[0]!)).kind).toBe('unreadable');
      expect((await probe(forged[2]!)).kind).toBe('unreadable');
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'H5: WAV extensible counts its sub-format only when ffmpeg takes it (cbSize >= 22, base GUID)',
    async () => {
      // ffmpeg writes 24-bit PCM as WAVE_FORMAT_EXTENSIBLE with the base GUID
      const real = make('ext_pcm24.wav', 60, 8000, '-c:a', 'pcm_s24le');
      const b = readFileSync(real);
      const fmt = riffChunks(b).get('fmt ')!;
      expect(b.readUInt16LE(fmt)).toBe(0xfffe);
      await asDecoded(real);
      // the extension's size under 22: ffmpeg takes no sub-format
      const short = Buffer.from(b);
      short.writeUInt16LE(8, fmt + 16);
      // a GUID that is not the base one (its 5th and 6th bytes changed)
      const guid = Buffer.from(b);
      guid.writeUInt16LE(0xbeef, fmt + 28);
      for (const [name, bytes] of [
        ['ext_short.wav', short],
        ['ext_guid.wav', guid],
      ] as const) {
        const f = join(dir, name);
        writeFileSync(f, bytes);
        const { r } = await atMostDecoded(f);
        expect(r.kind).toBe('unreadable');
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libmp3lame')],
    'H3: MP3 in a sparse WAV over 64 MiB is judged on its allocated bytes',
    async (ctx) => {
      const mp3 = make(
        '8k.mp3',
        200,
        8000,
        '-c:a',
        'libmp3lame',
        '-b:a',
        '8k',
        '-write_xing',
        '0',
        '-id3v2_version',
        '0',
      );
      const frames = readFileSync(mp3);
      // MPEGLAYER3WAVEFORMAT: tag 0x55, mono, 8 kHz, 1,000 B/s, block align 1, then its 12-byte extension
      const fmt = Buffer.alloc(30);
      fmt.writeUInt16LE(0x55, 0);
      fmt.writeUInt16LE(1, 2);
      fmt.writeUInt32LE(8000, 4);
      fmt.writeUInt32LE(1000, 8);
      fmt.writeUInt16LE(1, 12);
      fmt.writeUInt16LE(12, 16);
      fmt.writeUInt16LE(1, 18);
      fmt.writeUInt32LE(2, 20);
      fmt.writeUInt16LE(72, 24);
      fmt.writeUInt16LE(1, 26);
      fmt.writeUInt16LE(1393, 28);
      const real = join(dir, 'mp3.wav');
      writeFileSync(real, Buffer.concat([wavHead(fmt, frames.length), frames]));
      await asDecoded(real, 0.5);
      // the same frames, then a hole to 1 GiB (the data size to match)
      const size = 1024 * 1024 * 1024;
      const sparse = join(dir, 'mp3_sparse.wav');
      const head = wavHead(fmt, size - 58);
      writeFileSync(sparse, Buffer.concat([head, frames]));
      truncateSync(sparse, size);
      if (statSync(sparse).blocks * 512 >= size / 2) ctx.skip('this file system does not keep sparse files');
      const r = await probe(sparse);
      expect(r.seconds ?? 0, JSON.stringify(r)).toBeLessThanOrEqual(201);
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'H8: a raw telephony name counts its allocated bytes, and a zip so named is not audio',
    async (ctx) => {
      // real: G.722, whose raw demuxer ffmpeg has
      await asDecoded(make('real.g722', 30, 16000, '-c:a', 'g722', '-f', 'g722'));
      // a zip archive named .vox
      const zip = join(dir, 'archive.vox');
      const body = Buffer.alloc(100_000, 0x5a);
      body.write('PK\x03\x04', 'latin1');
      writeFileSync(zip, body);
      expect((await probe(zip)).kind).toBe('other');
      // 100 KB of G.726 then a hole to 1 GB: 25 s of bytes, not 250,000
      const hole = join(dir, 'hole.g726');
      writeFileSync(hole, Buffer.alloc(100_000, 0x55));
      truncateSync(hole, 1_000_000_000);
      const allocated = statSync(hole).blocks * 512;
      if (!allocated || allocated >= 500_000_000) ctx.skip('this file system does not keep sparse files');
      const r = await probe(hole);
      expect(r.kind).toBe('audio');
      expect(r.seconds!).toBeLessThanOrEqual(allocated / 4000);
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    "H11: ASF holding PCM counts its objects' bytes, not their stretched times",
    async () => {
      const real = make('pcm.asf', 120, 8000, '-c:a', 'pcm_u8', '-f', 'asf');
      await asDecoded(real);
      for (const c of ['adpcm_ms', 'pcm_mulaw']) await asDecoded(make(`${c}.asf`, 30, 8000, '-c:a', c, '-f', 'asf'));
      // every object's presentation time and the play duration stretched 15×
      const b = Buffer.from(readFileSync(real));
      const headerSize = Number(b.readBigUInt64LE(16));
      let fp = 30;
      while (!b.subarray(fp, fp + 16).equals(FILE_PROPERTIES)) fp += Number(b.readBigUInt64LE(fp + 16));
      fp += 24;
      const packetSize = b.readUInt32LE(fp + 68);
      const preroll = Number(b.readBigUInt64LE(fp + 56));
      for (let p = headerSize + 50; p + packetSize <= b.length; p += packetSize)
        for (const at of presFields(b, p, packetSize))
          b.writeUInt32LE(preroll + (b.readUInt32LE(at) - preroll) * 15, at);
      const play = b.readBigUInt64LE(fp + 40) - BigInt(preroll) * 10000n;
      b.writeBigUInt64LE(BigInt(preroll) * 10000n + play * 15n, fp + 40);
      b.writeBigUInt64LE(play * 15n, fp + 48);
      const forged = join(dir, 'pcm_stretched.asf');
      writeFileSync(forged, b);
      const { dec } = await atMostDecoded(forged, 1);
      expect(dec).toBeGreaterThan(100);
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    "H6: AIFF-C 'DWVW' (no ffmpeg decoder) is unreadable, not COMM's count",
    async () => {
      await asDecoded(make('real.aifc', 30, 8000, '-c:a', 'pcm_s16be', '-f', 'aiff'));
      // COMM: 1 channel, 39.6 M frames, 16 bits, 4 kHz (80-bit float), 'DWVW'; SSND of zeros
      const comm = Buffer.alloc(24);
      comm.writeUInt16BE(1, 0);
      comm.writeUInt32BE(39_600_000, 2);
      comm.writeUInt16BE(16, 6);
      comm.writeUInt16BE(16383 + 11, 8); // 4000 = 1.953125 × 2^11: exponent 11, the mantissa's leading 1 at bit 63
      comm.writeBigUInt64BE(4000n << 52n, 10);
      comm.write('DWVW', 18, 'latin1');
      const fver = Buffer.alloc(4);
      fver.writeUInt32BE(0xa2805140);
      const body = Buffer.concat([
        Buffer.from('AIFC'),
        chunk('FVER', fver, false),
        chunk('COMM', comm, false),
        chunk('SSND', Buffer.alloc(999_000), false),
      ]);
      const form = Buffer.alloc(8);
      form.write('FORM', 'latin1');
      form.writeUInt32BE(body.length, 4);
      const f = join(dir, 'dwvw.aifc');
      writeFileSync(f, Buffer.concat([form, body]));
      const { r } = await atMostDecoded(f);
      expect(r.kind).toBe('unreadable');
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    "H7: 'MP+' of a version other than SV7 is unreadable",
    async () => {
      for (const version of [0x08, 0x27]) {
        const h = Buffer.alloc(24);
        h.write('MP+', 'latin1');
        h[3] = version;
        h.writeUInt32LE(31_000, 4);
        h[10] = 0xc0;
        const f = join(dir, `mpplus_${version}.mpc`);
        writeFileSync(f, Buffer.concat([h, Buffer.alloc(77_504)]));
        const { r } = await atMostDecoded(f);
        expect(r.kind).toBe('unreadable');
      }
    },
    60_000,
  );

  itWith(
    ['ffmpeg'],
    'H10: AU G.721/G.723 of two channels is unreadable (ffmpeg decodes G.726 in mono only)',
    async () => {
      const data = Buffer.alloc(200_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 3)) & 0xff;
      for (const [enc, ch] of [
        [23, 1],
        [23, 2],
        [25, 2],
        [26, 2],
      ] as const) {
        const h = Buffer.alloc(24);
        h.write('.snd', 'latin1');
        h.writeUInt32BE(24, 4);
        h.writeUInt32BE(0xffffffff, 8);
        h.writeUInt32BE(enc, 12);
        h.writeUInt32BE(8000, 16);
        h.writeUInt32BE(ch, 20);
        const f = join(dir, `g72x_${enc}_${ch}.au`);
        writeFileSync(f, Buffer.concat([h, data]));
        if (ch === 1) await asDecoded(f);
        else expect((await atMostDecoded(f)).r.kind).toBe('unreadable');
      }
    },
    60_000,
  );
  itWith(
    ['ffmpeg'],
    'M2: an ID3v2 tag in front of WAV, AIFF, AU, Ogg or Matroska is skipped, as ffmpeg does',
    async () => {
      // an empty ID3v2.3 tag: 10 bytes, size 0
      const tag = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
      for (const [name, opts] of [
        ['t.wav', ['-c:a', 'pcm_s16le']],
        ['t.aiff', ['-c:a', 'pcm_s16be']],
        ['t.au', ['-c:a', 'pcm_s16be']],
        ['t.ogg', ['-c:a', 'flac']],
        ['t.mka', ['-c:a', 'pcm_s16le']],
      ] as const) {
        const real = make(name, 20, 8000, ...opts);
        await asDecoded(real);
        const f = join(dir, `id3_${name}`);
        writeFileSync(f, Buffer.concat([tag, readFileSync(real)]));
        await asDecoded(f);
      }
    },
    60_000,
  );
});
