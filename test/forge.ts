/**
 * Builders the forged-file tests share: a copy of a real file changed in place, Matroska's EBML sizes,
 * and Musepack SV8's packets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A copy of the file at `from`, changed by `forge`, written as `name` beside it. */
export function forged(from: string, name: string, forge: (b: Buffer) => void): string {
  const b = readFileSync(from);
  forge(b);
  const out = join(dirname(from), name);
  writeFileSync(out, b);
  return out;
}

/** An EBML element's size at p: its value and length. */
export function vint(b: Buffer, p: number): { value: number; len: number } {
  let len = 1;
  while (!(b[p]! & (0x100 >> len))) len++;
  let value = b[p]! & (0xff >> len);
  for (let i = 1; i < len; i++) value = value * 256 + b[p + i]!;
  return { value, len };
}

/** A base-128 number, high bit set on every byte but the last (Musepack SV8's sizes). */
export function varint(x: number): Buffer {
  const out = [x % 128];
  for (x = Math.floor(x / 128); x > 0; x = Math.floor(x / 128)) out.unshift(0x80 | (x % 128));
  return Buffer.from(out);
}

/** A Musepack SV8 packet: its two-letter key, then a size counting the key and the size bytes too. */
export function packet(key: string, body: Buffer): Buffer {
  for (let n = 1; ; n++) {
    const size = varint(2 + n + body.length);
    if (size.length === n) return Buffer.concat([Buffer.from(key, 'latin1'), size, body]);
  }
}

/** A seeded stream of bytes (xorshift), for junk that is the same on every run. */
export function junk(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x & 0xff;
  };
}

/** n seeded junk bytes (junk()). */
export function junkBytes(n: number, seed: number): Buffer {
  const next = junk(seed);
  return Buffer.from(Array.from({ length: n }, next));
}

/** Big-endian 32-bit words (IFF, MP4 boxes). */
export const u32be = (...v: number[]): Buffer =>
  Buffer.concat(v.map((x) => Buffer.from([x >>> 24, x >>> 16, x >>> 8, x])));
/** A big-endian 16-bit word. */
export const u16be = (x: number): Buffer => Buffer.from([x >> 8, x & 255]);

/** An MP4/MOV box: its size, its type, its parts. */
export function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32be(8 + body.length), Buffer.from(type, 'latin1'), body]);
}
/** A full box: version 0, no flags. */
export const fullBox = (type: string, ...parts: Buffer[]): Buffer => box(type, u32be(0), ...parts);

/** One sound track's sample table, for movie(). */
export interface SoundTrack {
  /** the stsd's sample entry */
  entry: Buffer;
  /** every sample's size (stsz's table), or one size for `count` samples */
  sizes: number[] | { size: number; count: number };
  /** each sample's ticks */
  delta: number;
  /** ticks a second (8000) */
  scale?: number;
  /** mdhd's duration (the samples', capped at 32 bits, by default) */
  duration?: number;
  /** ftyp's brand: an MP4's 'isom' (default) or QuickTime's 'qt  ' */
  brand?: 'isom' | 'qt  ';
}

/** An MP4 (or MOV) of one sound track, its samples in one chunk: `payload`, in the mdat after the moov. */
export function movie(t: SoundTrack, payload: Buffer): Buffer {
  const scale = t.scale ?? 8000;
  const n = Array.isArray(t.sizes) ? t.sizes.length : t.sizes.count;
  const dur = t.duration ?? Math.min(n * t.delta, 0xffffffff);
  const brand = t.brand ?? 'isom';
  const u32 = u32be;
  const full = fullBox;
  const matrix = u32(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);
  const ftyp = box(
    'ftyp',
    Buffer.from(brand, 'latin1'),
    u32(512),
    Buffer.from(brand === 'isom' ? 'isomiso2mp41' : 'qt  ', 'latin1'),
  );
  const stsz = Array.isArray(t.sizes) ? full('stsz', u32(0, n), u32(...t.sizes)) : full('stsz', u32(t.sizes.size, n));
  const moov = (mdat: number): Buffer => {
    const stbl = box(
      'stbl',
      full('stsd', u32(1), t.entry),
      full('stts', u32(1, n, t.delta)),
      full('stsc', u32(1, 1, n, 1)),
      stsz,
      full('stco', u32(1, mdat)),
    );
    const hdlr = full('hdlr', Buffer.alloc(4), Buffer.from('soun', 'latin1'), Buffer.alloc(12), Buffer.from('snd\0'));
    const mdia = box(
      'mdia',
      full('mdhd', u32(0, 0, scale, dur), Buffer.from([0x55, 0xc4, 0, 0])),
      hdlr,
      box('minf', full('smhd', Buffer.alloc(4)), box('dinf', full('dref', u32(1), full('url '))), stbl),
    );
    const tkhd = full(
      'tkhd',
      u32(0, 0, 1, 0, dur),
      Buffer.alloc(8),
      Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]),
      matrix,
      u32(0, 0),
    );
    const mvhd = full(
      'mvhd',
      u32(0, 0, scale, dur, 0x10000),
      Buffer.from([1, 0]),
      Buffer.alloc(10),
      matrix,
      Buffer.alloc(24),
      u32(2),
    );
    return box('moov', mvhd, box('trak', tkhd, mdia));
  };
  const at = ftyp.length + moov(0).length + 8;
  return Buffer.concat([ftyp, moov(at), u32(8 + payload.length), Buffer.from('mdat', 'latin1'), payload]);
}

/** A mono WAV of format `tag` with `extra` (the extradata after cbSize) and `data` as its data chunk. */
export function extendedWav(
  tag: number,
  rate: number,
  byteRate: number,
  align: number,
  extra: Buffer,
  data: Buffer,
): Buffer {
  const fmt = Buffer.alloc(18);
  fmt.writeUInt16LE(tag, 0);
  fmt.writeUInt16LE(1, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(byteRate, 8);
  fmt.writeUInt16LE(align, 12);
  fmt.writeUInt16LE(16, 14);
  fmt.writeUInt16LE(extra.length, 16);
  const chunk = (id: string, body: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
  };
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', Buffer.concat([fmt, extra])), chunk('data', data)]);
  return Buffer.concat([Buffer.from('RIFF'), Buffer.from(Uint32Array.of(body.length).buffer), body]);
}

/** 80-bit IEEE extended, as AIFF's COMM stores its sample rate (any positive rate). */
export function ieeeExtended(x: number): Buffer {
  const b = Buffer.alloc(10);
  const e = Math.floor(Math.log2(x));
  b.writeUInt16BE(e + 16383, 0);
  b.writeBigUInt64BE(BigInt(Math.round(x * 2 ** (63 - e))), 2);
  return b;
}

/** Where a WAVEFORMATEX of this tag, channels and rate starts in b (after the first byte); throws where none does. */
export function waveFormat(b: Buffer, tag: number, channels: number, rate: number): number {
  const key = Buffer.alloc(8);
  key.writeUInt16LE(tag, 0);
  key.writeUInt16LE(channels, 2);
  key.writeUInt32LE(rate, 4);
  const at = b.indexOf(key);
  if (at <= 0) throw new Error(`no WAVEFORMATEX of tag 0x${tag.toString(16)}, ${channels} channels, ${rate} Hz`);
  return at;
}
