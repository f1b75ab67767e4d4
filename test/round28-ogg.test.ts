/**
 * Attack round 28a, the Ogg part.
 *  - C3: junk between two pages. ffmpeg 5.1's ogg_read_page looks for the next "OggS" over fewer than
 *    MAX_PAGE_SIZE (65,307) bytes, from where its read stands or, after a page it took that began past
 *    byte 0, from that page's start; past that its read ends. The page walk skipped any amount of junk
 *    and the tail's granule was believed: ffmpeg's 1 h Opus with 64 KB of zeros after its 4th page
 *    counted 3,597 s, 1.99 s decoded (Vorbis, Ogg FLAC and Speex the same).
 *  - H1: the packet walk ticked the work counter once a page: 100 MB of pages of 255 1-byte Opus
 *    packets took 2.6-2.7 s of CPU, the budget never reached. And a dropped page's checksum was ticked
 *    a step each 4 KB while dropped pages may overlap (ffmpeg looks on from their fifth byte).
 * Each file is ffmpeg's own with bytes inserted (or a checksum bit flipped), judged against what
 * ffmpeg decodes of it; the work is judged by the steps it ticks, not by a clock.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oggCrc, probeOgg } from '../src/scan/probe/ogg.js';
import { Work, WorkExceeded } from '../src/scan/probe/work.js';
import type { FileSource } from '../src/scan/probe/types.js';
import { junkBytes } from './forge.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r28ogg-');

/** ffmpeg's MAX_PAGE_SIZE: an "OggS" this far from where the look starts is not found. */
const MAX_PAGE_SIZE = 65307;

/** Each page's start and length, by walking their lengths. */
function pages(b: Buffer): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  for (let p = 0; p + 27 <= b.length;) {
    const nsegs = b[p + 26]!;
    let len = 27 + nsegs;
    for (let k = 0; k < nsegs; k++) len += b[p + 27 + k]!;
    out.push({ at: p, len });
    p += len;
  }
  return out;
}

/** `junk` inserted at byte `at` of the file `src`, written as `name`. */
function inserted(src: Buffer, at: number, junk: Buffer, name: string): string {
  const out = join(dir, name);
  writeFileSync(out, Buffer.concat([src.subarray(0, at), junk, src.subarray(at)]));
  return out;
}

/** What the probe counts, and what ffmpeg decodes. */
async function judged(path: string): Promise<{ seconds: number; dec: number; error?: string }> {
  const r = await probe(path);
  return { seconds: r.kind === 'audio' ? (r.seconds ?? 0) : 0, dec: decoded(path), error: r.error };
}

/** ffmpeg decodes the whole file past the junk, and leaktally counts it (within 50 ms). */
async function whole(path: string, length: number): Promise<void> {
  const j = await judged(path);
  expect(j.dec, `${path}: ffmpeg`).toBeGreaterThan(length - 0.1);
  expect(Math.abs(j.seconds - j.dec), `${path}: ${JSON.stringify(j)}`).toBeLessThanOrEqual(0.05);
}

/** ffmpeg's read ends at the junk: it decodes what comes before, and leaktally counts that (never more). */
async function cut(path: string, length: number): Promise<void> {
  const j = await judged(path);
  expect(j.dec, `${path}: ffmpeg`).toBeLessThan(length / 4);
  expect(j.seconds, `${path}: ${JSON.stringify(j)}`).toBeLessThanOrEqual(j.dec + 0.02);
  expect(j.seconds, `${path}: ${JSON.stringify(j)}`).toBeGreaterThan(j.dec - 0.05);
  expect(j.error ?? '').toMatch(/no Ogg page within 65,306 bytes/);
}

const noise = (d: number, rate: number): string[] => ['-f', 'lavfi', '-i', `anoisesrc=d=${d}:r=${rate}:a=0.2`];

describe("junk between Ogg pages ends the count where it ends ffmpeg's read (round 28a C3)", () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libvorbis', 'libspeex')],
    'Opus, Vorbis, FLAC and Speex: the threshold byte for byte',
    async () => {
      const length = 30;
      for (const [codec, ext] of [
        ['libopus', 'opus'],
        ['libvorbis', 'ogg'],
        ['flac', 'oga'],
        ['libspeex', 'spx'],
      ] as const) {
        const own = join(dir, `own.${ext}`);
        ffmpeg(...noise(length, 16000), '-c:a', codec, '-f', 'ogg', own);
        const b = readFileSync(own);
        const ps = pages(b);
        const zeros = (n: number) => Buffer.alloc(n);
        // after a data page past the first: ffmpeg looks again from that page's start, so the next
        // "OggS" must begin fewer than 65,307 bytes from it (counted 30 s at any distance)
        const a = ps[4]!;
        const end = a.at + a.len;
        await whole(inserted(b, end, zeros(MAX_PAGE_SIZE - 1 - a.len), `p4-in.${ext}`), length);
        await cut(inserted(b, end, zeros(MAX_PAGE_SIZE - a.len), `p4-out.${ext}`), length);
        // the report's case: 70,000 bytes of junk (random, then zeros)
        await cut(inserted(b, end, junkBytes(70_000, 28), `p4-rand.${ext}`), length);
        // after the page on which the first packet of audio ends (the last page ffmpeg's header read
        // takes: its save and restore leave no page to look again from), the look starts at its end
        const first = ps.findIndex((p) => b.readBigInt64LE(p.at + 6) > 0n);
        expect(first, ext).toBe(2);
        const f = ps[first]!;
        await whole(inserted(b, f.at + f.len, zeros(MAX_PAGE_SIZE - 1), `first-in.${ext}`), length);
        await cut(inserted(b, f.at + f.len, zeros(MAX_PAGE_SIZE), `first-out.${ext}`), length);
        // after a page it drops (one bit of its checksum): it meets that page again and looks on from
        // its fifth byte
        const bad = Buffer.from(b);
        const d = ps[5]!;
        bad[d.at + 22]! ^= 1;
        const dend = d.at + d.len;
        const inside = inserted(bad, dend, zeros(MAX_PAGE_SIZE - 1 - (d.len - 4)), `drop-in.${ext}`);
        const j = await judged(inside);
        expect(j.dec, inside).toBeGreaterThan(length - 2);
        expect(j.seconds, `${inside}: ${JSON.stringify(j)}`).toBeLessThanOrEqual(j.dec + 0.02);
        expect(j.seconds, `${inside}: ${JSON.stringify(j)}`).toBeGreaterThan(j.dec - 0.05);
        await cut(inserted(bad, dend, zeros(MAX_PAGE_SIZE - (d.len - 4)), `drop-out.${ext}`), length);
        // junk among the header pages: ffmpeg opens nothing
        const h = ps[1]!;
        const early = inserted(b, h.at + h.len, zeros(MAX_PAGE_SIZE), `hdr.${ext}`);
        expect(decoded(early), early).toBe(0);
        const r = await probe(early);
        expect(r.kind, `${early}: ${JSON.stringify(r)}`).toBe('unreadable');
      }
    },
  );
});

/** A source over a buffer, as probe/index.ts gives a reader (the test reads its work counter). */
function source(b: Buffer, work = new Work()): FileSource {
  return {
    size: b.length,
    head: b.subarray(0, Math.min(b.length, 4096)),
    work,
    read: (p, n) => Buffer.from(b.subarray(p, Math.min(b.length, p + n))),
  };
}

/** A page of the given packets (each under 255 bytes), its checksum right. */
function page(flags: number, granule: number, seq: number, packets: Buffer[]): Buffer {
  const h = Buffer.alloc(27 + packets.length);
  h.write('OggS', 0, 'latin1');
  h[5] = flags;
  h.writeBigInt64LE(BigInt(granule), 6);
  h.writeUInt32LE(28, 14);
  h.writeUInt32LE(seq, 18);
  h[26] = packets.length;
  packets.forEach((p, k) => (h[27 + k] = p.length));
  const b = Buffer.concat([h, ...packets]);
  b.writeUInt32LE(oggCrc(b, 0, b.length), 22);
  return b;
}

/** A page of the given lacing values over `body`, its checksum right. */
function lacedPage(flags: number, granule: number, seq: number, laces: number[], body: Buffer, serial = 28): Buffer {
  const h = Buffer.alloc(27 + laces.length);
  h.write('OggS', 0, 'latin1');
  h[5] = flags;
  h.writeBigInt64LE(BigInt(granule), 6);
  h.writeUInt32LE(serial, 14);
  h.writeUInt32LE(seq, 18);
  h[26] = laces.length;
  laces.forEach((l, k) => (h[27 + k] = l));
  const b = Buffer.concat([h, body]);
  b.writeUInt32LE(oggCrc(b, 0, b.length), 22);
  return b;
}

/** OpusHead (mono, 48 kHz, pre-skip 0) and OpusTags pages. */
function opusHeaders(): Buffer[] {
  const head = Buffer.concat([Buffer.from('OpusHead'), Buffer.from([1, 1, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
  const tags = Buffer.concat([Buffer.from('OpusTags'), Buffer.alloc(8)]);
  return [page(2, 0, 0, [head]), page(0, 0, 1, [tags])];
}

/** An Ogg Opus of `n` pages of 255 1-byte packets (a TOC byte alone: CELT, 2.5 ms), every page valid. */
function tinyPackets(n: number): Buffer {
  const packets = Array.from({ length: 255 }, () => Buffer.from([16 << 3]));
  const out = opusHeaders();
  for (let k = 0; k < n; k++) out.push(page(k === n - 1 ? 4 : 0, (k + 1) * 255 * 120, k + 2, packets));
  return Buffer.concat(out);
}

describe('the Ogg walk ticks its work (round 28a H1)', () => {
  it('a step a packet: 1-byte packets reach the budget, and a file at it is not counted', () => {
    const n = 400;
    const b = tinyPackets(n);
    const src = source(b);
    const r = probeOgg(src);
    // every packet counted, 2.5 ms each (ffmpeg decodes such a file whole: 6:54:56 of the attack's 20 MB)
    expect(r).toMatchObject({ kind: 'audio', codec: 'OGG/OPUS' });
    expect(r.seconds).toBeCloseTo((n * 255 * 120) / 48000, 3);
    // a step a packet at least (it was one a page: 400 steps and a few for 102,000 packets)
    expect(src.work.steps).toBeGreaterThanOrEqual(n * 255);
    // a budget under that stops the read (probe/index.ts makes the file unreadable with the reason)
    expect(() => probeOgg(source(b, new Work(Infinity, n * 100)))).toThrow(WorkExceeded);
  });

  it("a dropped page's checksum costs a step each 32 bytes: overlapping candidates reach the budget", () => {
    // 100 KB of "OggS\0" repeated after the headers: a candidate page of version 0 every 5 bytes,
    // each about 7 KB long by its lacing, each checksummed and dropped (the walk went on 27 bytes and
    // the lacing past each and ticked a step a candidate and one each 4 KB: 14,595 steps; 10 MB took
    // 1.4 s of CPU and the time grew with the file)
    const pattern = Buffer.alloc(100_000);
    for (let i = 0; i + 5 <= pattern.length; i += 5) pattern.write('OggS\0', i, 'latin1');
    const audio = page(
      4,
      255 * 120,
      2,
      Array.from({ length: 255 }, () => Buffer.from([16 << 3])),
    );
    const src = source(Buffer.concat([...opusHeaders(), pattern, audio]));
    probeOgg(src);
    expect(src.work.steps).toBeGreaterThan(2_000_000);
  });

  it('the checksum by eight tables is the checksum byte by byte', () => {
    const table = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i << 24;
      for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
      table[i] = c;
    }
    const byByte = (b: Buffer, p: number, len: number): number => {
      let c = 0;
      for (let i = 0; i < len; i++) c = (c << 8) ^ table[((c >>> 24) ^ (i >= 22 && i < 26 ? 0 : b[p + i]!)) & 0xff]!;
      return c >>> 0;
    };
    const b = junkBytes(70_000, 7);
    for (const len of [0, 1, 7, 21, 22, 23, 25, 26, 27, 33, 34, 281, 4096, 65307])
      for (const p of [0, 1, 3, 5]) expect(oggCrc(b, p, len), `${len} at ${p}`).toBe(byByte(b, p, len));
    // and a real page of ffmpeg's: the tiny file's pages are read as valid above
  });
});

describe("Ogg packets gathered as ffmpeg's demuxer gathers them (found in round 28)", () => {
  itWith(['ffmpeg'], 'a packet left open runs on into a page not flagged continued', async () => {
    // each page: a 120 ms packet (code 3, two empty 60 ms SILK frames) and an open packet of 255
    // bytes (a 2.5 ms CELT TOC). ffmpeg joins each open packet to the next page's first packet
    // (os->incomplete) and decodes 2.5 ms of it; the walk dropped the open packet and took the 120 ms
    // one alone: 240 s counted, 5.1 s decoded
    const out = opusHeaders();
    const n = 500;
    for (let k = 0; k < n; k++) {
      const body = Buffer.concat([Buffer.from([0x1b, 0x02, 0x80]), Buffer.alloc(254)]);
      out.push(lacedPage(k === n - 1 ? 4 : 0, (k + 1) * 5760, k + 2, [2, 255], body));
    }
    const path = join(dir, 'open.opus');
    writeFileSync(path, Buffer.concat(out));
    const j = await judged(path);
    expect(j.dec).toBeLessThan(5);
    expect(j.seconds, JSON.stringify(j)).toBeLessThanOrEqual(j.dec + 0.02);
    expect(j.seconds, JSON.stringify(j)).toBeGreaterThan(j.dec - 0.05);
  });

  itWith(['ffmpeg'], 'Ogg FLAC: the same, the frame after an open packet is no frame of its own', async () => {
    // ffmpeg's FLAC frames, repacked: each page a whole frame and the first 255 bytes of the next,
    // left open. ffmpeg joins each page's first frame to the packet left open and decodes one frame
    // a page; the walk counted both frames of each page by their headers: 60 s counted, 30 decoded
    const own = join(dir, 'join.oga');
    ffmpeg(...noise(20, 16000), '-c:a', 'flac', '-f', 'ogg', own);
    const b = readFileSync(own);
    const ps = pages(b);
    const packets: Buffer[] = [];
    let open: Buffer[] = [];
    for (const { at } of ps) {
      const nsegs = b[at + 26]!;
      let q = at + 27 + nsegs;
      for (let k = 0; k < nsegs; k++) {
        const lace = b[at + 27 + k]!;
        open.push(b.subarray(q, q + lace));
        q += lace;
        if (lace < 255) {
          packets.push(Buffer.concat(open));
          open = [];
        }
      }
    }
    const frames = packets.filter((p) => p[0] === 0xff);
    const serial = b.readUInt32LE(14);
    const laces = (p: Buffer) => [...Array<number>(Math.floor(p.length / 255)).fill(255), p.length % 255];
    const out: Buffer[] = [b.subarray(0, ps[2]!.at)];
    let k = 0;
    for (; k + 2 < frames.length; k += 2) {
      const body = Buffer.concat([frames[k]!, frames[k + 1]!.subarray(0, 255)]);
      out.push(lacedPage(0, (k + 1) * 1152, 2 + k, [...laces(frames[k]!), 255], body, serial));
    }
    out.push(lacedPage(4, (k + 1) * 1152, 2 + k, laces(frames[k]!), frames[k]!, serial));
    const path = join(dir, 'join-repacked.oga');
    writeFileSync(path, Buffer.concat(out));
    const j = await judged(path);
    expect(j.dec, 'ffmpeg').toBeLessThan(12);
    expect(j.seconds, JSON.stringify(j)).toBeLessThanOrEqual(j.dec + 0.02);
    expect(j.seconds, JSON.stringify(j)).toBeGreaterThan(j.dec - 0.1);
  });

  itWith(['ffmpeg'], "the look back from the last page's start meets a page inside its body", async () => {
    // page A holds, inside its second packet, the header of a valid page N whose body runs over A's
    // end, 575 bytes of junk and 120 pages of 255 20-ms packets (612 s) to the last page. The junk
    // makes ffmpeg look back from A's start: it meets N, reads it, and goes on from N's end: the 120
    // pages are never read. The walk went on from A's end to them: 612 s counted, 0.24 s decoded
    const silk = Buffer.from([0x18]);
    const silk20 = Buffer.from([0x08]);
    const out = opusHeaders();
    out.push(lacedPage(0, 2 * 2880, 2, [1, 1], Buffer.from([0x18, 0x18])));
    const g = 3 * 2880;
    const pagesB: Buffer[] = [];
    let gb = g;
    for (let k = 0; k < 120; k++) {
      gb += 255 * 960;
      pagesB.push(lacedPage(0, gb, 4 + k, Array<number>(255).fill(1), Buffer.concat(Array<Buffer>(255).fill(silk20))));
    }
    const junk = Buffer.alloc(575);
    const nBody = Buffer.concat([Buffer.alloc(10), junk, ...pagesB]);
    expect(nBody.length).toBe(255 * 255);
    const n = lacedPage(0, gb, 999, Array<number>(255).fill(255), nBody);
    const nHead = n.subarray(0, 27 + 255);
    out.push(lacedPage(0, g, 3, [1, 255, 27 + 255 + 10 - 255], Buffer.concat([silk, nHead, Buffer.alloc(10)])));
    out.push(junk, ...pagesB, lacedPage(4, gb + 2 * 2880, 124, [1, 1], Buffer.from([0x18, 0x18])));
    const path = join(dir, 'nested.opus');
    writeFileSync(path, Buffer.concat(out));
    const j = await judged(path);
    expect(j.dec, 'ffmpeg').toBeLessThan(1);
    expect(j.seconds, JSON.stringify(j)).toBeLessThanOrEqual(j.dec + 0.02);
    expect(j.seconds, JSON.stringify(j)).toBeGreaterThan(j.dec - 0.05);
  });
});
