/**
 * Attack round 24's MPEG-TS findings, each file made here from a stream ffmpeg writes and judged by
 * ffmpeg's decoded length:
 *  - C2: the audio PES given stream_id 0xBE (padding_stream), which ffmpeg's demuxer skips: every
 *    frame was counted; 0xBF (private_stream_2) has no header extension, its payload from byte 6;
 *    a PES_packet_length that ends inside the payload: ffmpeg drops the rest of the PES;
 *  - H6: every audio packet that is not a PES start sent twice (same continuity counter): ffmpeg keeps
 *    the duplicates, and its parser and decoder make little of the bytes; the frame walk found frames
 *    after every junk run;
 *  - H5 (its MPEG-TS row): AC-3 and E-AC-3 in a TS as ffmpeg writes them were unreadable.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { itWith } from './needs.js';
import { ffmpeg, decoded, probe, asDecoded, atMostDecoded } from './decoded.js';

const dir = tempDir('leaktally-r24ts-');

const TS = 188;
/** The PID of ffmpeg's first elementary stream in a TS it writes. */
const AUDIO_PID = 0x100;
const pid = (b: Buffer, p: number): number => ((b[p + 1]! & 0x1f) << 8) | b[p + 2]!;
/** where a packet's payload starts (past its adaptation field) */
const payloadAt = (b: Buffer, p: number): number => p + 4 + ((b[p + 3]! >> 4) & 2 ? 1 + b[p + 4]! : 0);

/** A tone of `seconds` encoded with `args` (codec and its options) into a TS ffmpeg writes; its path. */
function ts(name: string, seconds: number, rate: number, ...args: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=${seconds}`, '-ac', '1', ...args, '-f', 'mpegts', out);
  return out;
}

/** A copy of the TS at `from` with `forge` applied to the payload offset of each audio PES start packet. */
function eachAudioPes(from: string, name: string, forge: (b: Buffer, o: number) => void): string {
  const b = readFileSync(from);
  let n = 0;
  for (let p = 0; p + TS <= b.length; p += TS) {
    if (pid(b, p) !== AUDIO_PID || !(b[p + 1]! & 0x40)) continue;
    const o = payloadAt(b, p);
    expect(b.readUIntBE(o, 3)).toBe(1); // a PES start code
    forge(b, o);
    n++;
  }
  expect(n).toBeGreaterThan(10);
  const out = join(dir, name);
  writeFileSync(out, b);
  return out;
}

/** A copy with every audio packet that does not start a PES written twice, counter and all. */
function duplicated(from: string, name: string): string {
  const b = readFileSync(from);
  const parts: Buffer[] = [];
  for (let p = 0; p + TS <= b.length; p += TS) {
    const k = b.subarray(p, p + TS);
    parts.push(k);
    if (pid(b, p) === AUDIO_PID && !(b[p + 1]! & 0x40)) parts.push(k);
  }
  const out = join(dir, name);
  writeFileSync(out, Buffer.concat(parts));
  return out;
}

describe('attack round 24 C2: PES that ffmpeg skips or cuts', () => {
  itWith(['ffmpeg'], 'padding_stream (0xBE) PES hold nothing: 120 s counted before, ffmpeg decodes none', async () => {
    const real = ts('mp2.ts', 120, 24000, '-c:a', 'mp2', '-b:a', '32k');
    await asDecoded(real);
    const path = eachAudioPes(real, 'padding.ts', (b, o) => (b[o + 3] = 0xbe));
    const { r, dec } = await atMostDecoded(path);
    expect(dec).toBe(0);
    // before: { kind: 'audio', seconds: 120 }
    expect(r.kind).toBe('unreadable');
  });

  itWith(
    ['ffmpeg'],
    'private_stream_2 (0xBF) PES have no header extension: their payload is taken from byte 6, as ffmpeg takes it',
    async () => {
      const real = ts('mp2-bf.ts', 120, 24000, '-c:a', 'mp2', '-b:a', '32k');
      const path = eachAudioPes(real, 'bf.ts', (b, o) => (b[o + 3] = 0xbf));
      // the 8 header bytes from byte 6 break the first frame of each PES for ffmpeg's decoder
      const { r, dec } = await atMostDecoded(path);
      expect(dec).toBeGreaterThan(60);
      // before: 120 s (the header's length byte at 8 was believed), ffmpeg about 105
      expect(r.seconds!).toBeGreaterThan(0.95 * dec);
    },
  );

  itWith(
    ['ffmpeg'],
    "a PES_packet_length ending with its first packet: ffmpeg skips the PES's other packets, and so does the count",
    async () => {
      const real = ts('mp2-len.ts', 120, 24000, '-c:a', 'mp2', '-b:a', '32k');
      // the length of what the start packet holds after the 6 bytes of start code, stream_id and length
      // (a length that ends in a later packet is not exact there, and ffmpeg then keeps all that follows)
      const path = eachAudioPes(real, 'peslen.ts', (b, o) => b.writeUInt16BE(TS - (o % TS) - 6, o + 4));
      // ffmpeg decodes one frame: 170 bytes of each PES reach its decoder, joined; before: 120 s counted
      const { dec } = await atMostDecoded(path, 0.1);
      expect(dec).toBeLessThan(0.1);
    },
  );
});

describe('attack round 24 H6: audio packets sent twice', () => {
  itWith(['ffmpeg'], 'MP2: counted what ffmpeg decodes of the doubled bytes (before: 7 times that)', async () => {
    const real = ts('mp2-dup-src.ts', 600, 24000, '-c:a', 'mp2', '-b:a', '32k');
    const path = duplicated(real, 'mp2-dup.ts');
    const { r, dec } = await atMostDecoded(path, 0.1);
    // before: 525 s counted, ffmpeg 75
    expect(dec).toBeLessThan(100);
    expect(r.seconds!).toBeGreaterThan(dec - 0.1);
  });

  itWith(['ffmpeg'], 'AC-3: counted what ffmpeg decodes of the doubled bytes', async () => {
    const real = ts('ac3-dup-src.ts', 120, 48000, '-c:a', 'ac3', '-b:a', '64k');
    const path = duplicated(real, 'ac3-dup.ts');
    const { r, dec } = await atMostDecoded(path, 0.1);
    expect(dec).toBeLessThan(30);
    expect(r.seconds!).toBeGreaterThan(dec - 0.1);
  });
});

describe('attack round 24 H5: AC-3 and E-AC-3 in MPEG-TS', () => {
  for (const [codec, rate, flags] of [
    ['ac3', 48000, []],
    ['ac3', 44100, []],
    ['eac3', 48000, []],
    ['eac3', 32000, []],
    ['ac3', 48000, ['-mpegts_flags', 'system_b']],
    ['eac3', 48000, ['-mpegts_flags', 'system_b']],
    // Blu-ray's stream type 0x84 in an HDMV program (192-byte packets)
    ['eac3', 48000, ['-mpegts_m2ts_mode', '1']],
  ] as const) {
    itWith(
      ['ffmpeg'],
      `${codec} at ${rate} Hz ${flags.join(' ')}: counted as decoded (before: unreadable)`,
      async () => {
        const path = ts(`${codec}-${rate}-${flags.join('')}.ts`, 30, rate, '-c:a', codec, ...flags);
        await asDecoded(path, 0.01 * decoded(path));
        expect((await probe(path)).codec).toBe(`MPEG-TS/${codec === 'ac3' ? 'AC-3' : 'E-AC-3'}`);
      },
    );
  }

  itWith(['ffmpeg'], 'AC-3 frames whose bodies are junk count nothing', async () => {
    const real = ts('ac3-junk-src.ts', 30, 48000, '-c:a', 'ac3');
    const b = readFileSync(real);
    // every audio payload byte past the PES header and the frames' 7-byte headers turned over
    for (let p = 0; p + TS <= b.length; p += TS) {
      if (pid(b, p) !== AUDIO_PID) continue;
      let o = payloadAt(b, p);
      if (b[p + 1]! & 0x40) o += 9 + b[o + 8]!;
      for (let i = o; i < p + TS; i++) if (b[i] !== 0x0b && b[i - 1]! !== 0x0b) b[i] = b[i]! ^ 0x5a;
    }
    const path = join(dir, 'ac3-junk.ts');
    writeFileSync(path, b);
    const { r } = await atMostDecoded(path);
    expect(r.seconds ?? 0).toBeLessThan(1);
  });
});
