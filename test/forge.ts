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
