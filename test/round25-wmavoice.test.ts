/**
 * WMA Voice (ASF codec 0x000A), walked as ffmpeg's decoder walks it (src/scan/probe/wmavoice.ts).
 * Round 24 (high): packets of junk behind a valid header counted at their objects' steps and byte
 * rate, 98.04 s of 200 KB where ffmpeg decodes 0.06 s. ffmpeg has no WMA Voice encoder and no real
 * file could be had here, so the streams are written bit by bit: superframes of every frame type with
 * random fields (ffmpeg decodes them all: the test checks it), packets as an encoder cuts them
 * (header, spill-over, the superframes starting in each), put in a WAV and copied into ASF by ffmpeg
 * with honest times (each object's bytes at the byte rate). Judged by ffmpeg's decoded length.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { itWith } from './needs.js';
import { ffmpeg, decoded, probe, atMostDecoded } from './decoded.js';
import { extendedWav, junk } from './forge.js';
import { WmaVoicePackets, wmaVoiceFormat, type WmaVoiceFormat } from '../src/scan/probe/wmavoice.js';

const dir = tempDir('leaktally-r25voice-');

/** A growing buffer written a bit at a time, most significant first. */
class BitWriter {
  buf = new Uint8Array(1 << 16);
  n = 0;
  put(width: number, v: number): void {
    for (let i = width - 1; i >= 0; i--) {
      if (this.n >> 3 >= this.buf.length) {
        const b = new Uint8Array(this.buf.length * 2);
        b.set(this.buf);
        this.buf = b;
      }
      if (Math.floor(v / 2 ** i) & 1) this.buf[this.n >> 3]! |= 0x80 >> (this.n & 7);
      this.n++;
    }
  }
  bit(i: number): number {
    return (this.buf[i >> 3]! >> (7 - (i & 7))) & 1;
  }
}

/** Extradata: flags (0x1000: 16 LSPs) and the VBM tree's 17 codes (frame type n has code n / 3, 15 and 16 code 5). */
function voiceExtra(flags = 0): Buffer {
  const e = Buffer.alloc(46);
  e.writeUInt32LE(flags, 18);
  const w = new BitWriter();
  for (let n = 0; n < 17; n++) w.put(3, Math.min(5, Math.floor(n / 3)));
  Buffer.from(w.buf.subarray(0, 7)).copy(e, 22);
  return e;
}

/**
 * Frame type n's VLC index under voiceExtra's tree, and the bits the decoder
 * reads after it (wmavoice.c's synth_frame and its blocks), worked out here from the decoder for the
 * stream's pitch fields; `aw` marks the pitch-adaptive type, whose 6-bit position takes 2 bits more
 * from 54 on (and its first block's first pulse set 2 less).
 */
function frameTypes(f: WmaVoiceFormat): { vlc: number; bits: number; aw: boolean }[] {
  const types: [number, number, number, number][] = [
    [1, 0, 0, 0],
    [2, 0, 1, 0],
    [2, 1, 2, 0],
    [2, 1, 3, 2],
    [2, 1, 3, 5],
    [4, 1, 3, 0],
    [4, 1, 3, 2],
    [4, 1, 3, 5],
    [2, 2, 3, 0],
    [2, 2, 3, 2],
    [2, 2, 3, 5],
    [4, 2, 3, 0],
    [4, 2, 3, 2],
    [4, 2, 3, 5],
    [8, 2, 3, 0],
    [8, 2, 3, 2],
    [8, 2, 3, 5],
  ];
  return types.map(([blocks, acb, fcb, dbl], n) => {
    let bits = acb === 1 ? f.pitchBits : 0;
    if (fcb === 0) bits += 8;
    if (fcb === 2) bits += 6;
    for (let b = 0; b < blocks; b++) {
      if (acb === 2) bits += b === 0 ? f.blockPitchBits : f.deltaBits;
      if (fcb === 1) bits += 8 + 6;
      if (fcb === 2) bits += 12 + (b === 0 ? 5 : 3) + 1 + 7;
      const pos = 5 - Math.log2(blocks);
      if (fcb === 3) bits += 5 * (1 + pos) + dbl * pos + 7;
    }
    // type n has code n / 3 (15 and 16: 5), in its code's n % 3rd place: VLC index 3 × code + place, n
    return { vlc: n, bits, aw: fcb === 2 };
  });
}

/** The VLC of index i: 00, 01, 10, or 11 before it for each 3 (12 ones then two bits from 18 on). */
function putVlc(w: BitWriter, i: number): void {
  for (let k = 0; k < Math.min(6, Math.floor(i / 3)); k++) w.put(2, 3);
  w.put(2, i >= 18 ? i - 18 : i % 3);
}

interface Stream {
  f: WmaVoiceFormat;
  extra: Buffer;
  data: Buffer;
  /** samples the superframes hold */
  samples: number;
  byteRate: number;
}

/**
 * `count` superframes of random frame types (from `types`) and fields, a sample count on one in
 * five (any of 0-480), statistics on one in four, in packets of `align` bytes at `rate` Hz.
 */
function voiceStream(
  count: number,
  opts: { rate?: number; align?: number; lsps16?: boolean; residual?: boolean; types?: number[]; seed?: number },
): Stream {
  const { rate = 8000, align = 200, lsps16 = false, residual = false, seed = 1 } = opts;
  const extra = voiceExtra(lsps16 ? 0x1000 : 0);
  const f = wmaVoiceFormat(rate, align, extra);
  if (typeof f === 'string') throw new Error(f);
  const types = frameTypes(f);
  const pick = opts.types ?? types.map((_, n) => n);
  const rnd = junk(seed);
  const rbits = (w: BitWriter, n: number): void => {
    for (let i = 0; i < n; i++) w.put(1, rnd() & 1);
  };
  const s = new BitWriter();
  const starts: number[] = [];
  let samples = 0;
  for (let k = 0; k < count; k++) {
    starts.push(s.n);
    s.put(1, 1);
    if (rnd() % 5 === 0) {
      const n = ((rnd() << 8) | rnd()) % 481;
      s.put(1, 1);
      s.put(12, n);
      samples += n;
    } else {
      s.put(1, 0);
      samples += 480;
    }
    if (residual) rbits(s, lsps16 ? 60 : 48);
    for (let fr = 0; fr < 3; fr++) {
      if (!residual) rbits(s, lsps16 ? 34 : 24);
      const t = types[pick[rnd() % pick.length]!]!;
      putVlc(s, t.vlc);
      if (t.aw) {
        // the 6-bit position: 54 or over takes 2 bits more, and the first pulse set 2 less
        const at = rnd() & 63;
        s.put(6, at);
        rbits(s, t.bits - 6);
      } else rbits(s, t.bits);
    }
    if (rnd() % 4 === 0) {
      const n = rnd() & 15;
      s.put(1, 1);
      s.put(4, n);
      rbits(s, 10 * (n + 1));
    } else s.put(1, 0);
  }
  // packets: a header (sequence, residual LSPs, superframes starting here in 6-bit pieces, 63 meaning
  // more follow, spill-over), then the bits; a superframe fits a packet (`align` of 200 bytes or more)
  const out = new BitWriter();
  let si = 0;
  for (let pos = 0, k = 0; pos < s.n; k++) {
    let pieces = 0;
    let payload: number;
    let next: number;
    for (;;) {
      payload = align * 8 - (11 + 6 * pieces + f.spillBits);
      next = si;
      while (next < starts.length && starts[next]! < pos + payload) next++;
      if (Math.floor((next - si) / 63) === pieces) break;
      pieces = Math.floor((next - si) / 63);
    }
    const spill = si < starts.length ? Math.min(starts[si]!, pos + payload) - pos : Math.min(payload, s.n - pos);
    out.put(4, k & 15);
    out.put(1, residual ? 1 : 0);
    let c = next - si;
    for (; c >= 63; c -= 63) out.put(6, 63);
    out.put(6, c);
    out.put(f.spillBits, spill);
    for (let i = pos; i < pos + payload; i++) out.put(1, i < s.n ? s.bit(i) : 0);
    si = next;
    pos += payload;
  }
  const data = Buffer.from(out.buf.subarray(0, out.n >> 3));
  return { f, extra, data, samples, byteRate: Math.round(data.length / (samples / rate)) };
}

/** A WAV of WMA Voice (mono): format tag 0x0A, the extradata after cbSize, the packets as its data. */
function voiceWav(name: string, rate: number, byteRate: number, align: number, extra: Buffer, data: Buffer): string {
  const out = join(dir, name);
  writeFileSync(out, extendedWav(0x0a, rate, byteRate, align, extra, data));
  return out;
}

/**
 * The WAV copied into ASF by ffmpeg, its demuxer's packets (at most `max` bytes of whole packets,
 * 1,024 at least) stamped at their bytes' time at the byte rate: objects of a second or so.
 */
function asf(wav: string, bytesPerSecond: number, align: number, max = 1024): string {
  const out = wav.replace(/\.wav$/, '.asf');
  const packet = Math.floor(max / align) * align;
  ffmpeg(
    '-max_size',
    String(max),
    '-i',
    wav,
    '-c',
    'copy',
    '-bsf:a',
    `setts=ts=N*${packet}/${bytesPerSecond}*1000`,
    out,
  );
  return out;
}

/** Samples ffmpeg decodes of a WAV of WMA Voice, at its own rate. */
function decodedSamples(path: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'quiet', '-i', path, '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
  return r.stdout.length / 4;
}

/** Overwrite packets [from, to) of `align` bytes with junk. */
function junkPackets(data: Buffer, align: number, from: number, to: number, seed: number): Buffer {
  const b = Buffer.from(data);
  const rnd = junk(seed);
  for (let i = from * align; i < Math.min(b.length, to * align); i++) b[i] = rnd();
  return b;
}

describe('round 25: WMA Voice superframes walked as ffmpeg walks them', () => {
  itWith(
    ['ffmpeg'],
    "the walk counts ffmpeg's samples exactly: every frame type, sample counts, statistics, 10 and 16 LSPs, forged headers and junk packets",
    () => {
      const cases = [
        { rate: 8000, align: 200 },
        { rate: 8000, align: 256, residual: true },
        { rate: 11025, align: 371, lsps16: true },
        { rate: 16000, align: 500, lsps16: true, residual: true },
        { rate: 22050, align: 1000 },
        { rate: 22050, align: 1500, residual: true },
      ];
      let n = 0;
      for (const c of cases) {
        for (const broken of [false, true]) {
          const s = voiceStream(150, { ...c, seed: ++n });
          // broken: every 7th packet junk, every 5th one's superframe count forged (a header's 6 bits)
          let data = s.data;
          if (broken) {
            const packets = data.length / c.align;
            for (let p = 3; p < packets; p += 7) data = junkPackets(data, c.align, p, p + 1, n * 100 + p);
            for (let p = 1; p < packets; p += 5) data[p * c.align]! ^= 0x03;
          }
          const wav = voiceWav(`walk-${n}-${broken ? 'b' : 'v'}.wav`, c.rate, s.byteRate, c.align, s.extra, data);
          const dec = decodedSamples(wav);
          if (!broken) expect(dec, wav).toBe(s.samples); // ffmpeg decodes every superframe written
          // the WAV demuxer's packets: 4,096 bytes' worth of whole blocks
          const w = new WmaVoicePackets(s.f);
          const step = Math.max(1, Math.floor(4096 / c.align)) * c.align;
          for (let o = 0; o < data.length; o += step) w.object(data.subarray(o, o + step));
          w.seconds();
          expect(w.samples, `${wav}: ${w.superframes} superframes, ${w.failed} failed`).toBe(dec);
        }
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'packets of junk behind a valid header count what ffmpeg decodes (round 24: 98.04 s of 200 KB, ffmpeg 0.06 s)',
    async () => {
      const rnd = junk(24);
      const data = Buffer.alloc(5000 * 40);
      for (let i = 0; i < data.length; i++) data[i] = rnd();
      const wav = voiceWav('junk.wav', 16000, 2000, 40, voiceExtra(), data);
      const out = wav.replace(/\.wav$/, '.asf');
      ffmpeg('-i', wav, '-c', 'copy', '-bsf:a', `setts=ts=N*4080/2000*1000`, out);
      const { r, dec } = await atMostDecoded(out, 0.1);
      expect(dec).toBeLessThan(0.5);
      expect(r.seconds ?? 0, JSON.stringify(r)).toBeLessThan(0.5);
      // and 2 MB of junk at an honest 16 kbit/s: ffmpeg decodes a few seconds of chance superframes
      const big = Buffer.alloc(50_000 * 40);
      for (let i = 0; i < big.length; i++) big[i] = rnd();
      const bigAsf = asf(voiceWav('junk-big.wav', 8000, 2000, 40, voiceExtra(), big), 2000, 40, 4096);
      const b = await atMostDecoded(bigAsf, 0.1);
      expect(b.r.seconds ?? 0).toBeLessThan(b.dec + 0.1);
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'superframes ffmpeg decodes count what it decodes in ASF (within 1 %), and a run of junk packets among them what it decodes of the rest',
    async () => {
      for (const [i, c] of [
        { rate: 8000, align: 200 },
        { rate: 16000, align: 300, lsps16: true, residual: true },
        { rate: 22050, align: 150, types: [2, 3, 8, 16] },
      ].entries()) {
        const s = voiceStream(2000, { ...c, seed: 50 + i });
        const wav = voiceWav(`real-${i}.wav`, c.rate, s.byteRate, c.align, s.extra, s.data);
        const f = asf(wav, s.byteRate, c.align);
        const dec = decoded(f);
        expect(dec, f).toBeCloseTo(s.samples / c.rate, 1);
        const r = await probe(f);
        expect(r.kind, JSON.stringify(r)).toBe('audio');
        expect(r.seconds!, JSON.stringify(r)).toBeLessThanOrEqual(dec + 0.1);
        expect(r.seconds!, JSON.stringify(r)).toBeGreaterThanOrEqual(dec * 0.99);
        // the middle third junk: before, every object's step counted (the whole length)
        const packets = s.data.length / c.align;
        const mixed = junkPackets(s.data, c.align, Math.floor(packets / 3), Math.floor((2 * packets) / 3), 9 + i);
        const m = asf(voiceWav(`mixed-${i}.wav`, c.rate, s.byteRate, c.align, s.extra, mixed), s.byteRate, c.align);
        const { r: mr, dec: mdec } = await atMostDecoded(m, 0.1);
        expect(mdec).toBeLessThan(dec * 0.75);
        expect(mr.seconds!, JSON.stringify(mr)).toBeGreaterThan(mdec * 0.95);
      }
    },
    120_000,
  );

  itWith(
    ['ffmpeg'],
    'past the first 4 MiB, windows count in proportion: a valid stream within 1 %, one of junk after a third only what is walked',
    async () => {
      const s = voiceStream(50_000, { rate: 8000, align: 200, types: [13, 14, 15, 16], seed: 77 });
      expect(s.data.length).toBeGreaterThan(5_000_000);
      const f = asf(voiceWav('long.wav', 8000, s.byteRate, 200, s.extra, s.data), s.byteRate, 200);
      const dec = decoded(f);
      const r = await probe(f);
      expect(r.seconds!, JSON.stringify(r)).toBeLessThanOrEqual(dec + 0.1);
      expect(r.seconds!, JSON.stringify(r)).toBeGreaterThanOrEqual(dec * 0.99);
      const packets = s.data.length / 200;
      const tail = junkPackets(s.data, 200, Math.floor(packets / 3), packets, 5);
      const t = asf(voiceWav('long-tail.wav', 8000, s.byteRate, 200, s.extra, tail), s.byteRate, 200);
      const { r: tr, dec: tdec } = await atMostDecoded(t, 0.1);
      expect(tr.seconds!, JSON.stringify(tr)).toBeGreaterThan(tdec * 0.95);
    },
    240_000,
  );

  itWith(['ffmpeg'], 'WMA Voice in Matroska, AVI and WAV, not walked there, stays unreadable', async () => {
    const s = voiceStream(300, { seed: 3 });
    const wav = voiceWav('other.wav', 8000, s.byteRate, 200, s.extra, s.data);
    for (const ext of ['mka', 'avi']) {
      const out = wav.replace(/\.wav$/, `.${ext}`);
      ffmpeg('-i', wav, '-c', 'copy', out);
      expect(decoded(out)).toBeGreaterThan(10);
      const r = await probe(out);
      expect(r.kind, `${out}: ${JSON.stringify(r)}`).toBe('unreadable');
    }
    expect((await probe(wav)).kind).toBe('unreadable');
  });
});
