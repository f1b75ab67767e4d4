/**
 * The files the walk has handed to the readers, by device and inode: a file met again under another
 * name is not read again. That is the hard-link rule (one inode, several names, read once) and, since
 * attack round 24b C2, the rule for a file moved during the scan: a recording moved on from a folder
 * already listed into one not yet listed was in both listings and counted once in each (1 h counted
 * 4x along four customer folders). The walk meets every name on one thread in a fixed order, so the
 * first name wins on every --threads.
 *
 * Every file is in it (before, only files with more than one link, in a Set of "dev:ino" strings: about
 * 100 bytes a file, which at 2.7 M files would be 270 MB): one float64 a file in an open-addressing table
 * at most 70 % full, 8-12 bytes a file and 16 MB at 1 M files, doubled when it fills. Written by hand,
 * as case/known.ts: no library keeps millions of pairs in a typed array.
 *
 * The key is exact for the usual device and inode numbers (a device below 2^20, an inode below 2^32:
 * dev × 2^32 + ino); others are folded to a 52-bit hash kept apart from the exact ones. Two files whose
 * hashes collide are taken as one: the second is not counted, and its row is a gap, never an overstatement.
 */

const EXACT_DEV = 2 ** 20;
const EXACT_INO = 2 ** 32;
const HASHED = 2 ** 52;

/** a 32-bit mix (murmur3's finaliser) */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** the low and high 32 bits of a whole number below 2^64 held in a double */
const lo = (x: number): number => (x % EXACT_INO) >>> 0;
const hi = (x: number): number => Math.floor(x / EXACT_INO) >>> 0;

/** the table's key of a device and inode, in [0, 2^53) */
function inodeKey(dev: number, ino: number): number {
  if (dev >= 0 && ino >= 0 && dev < EXACT_DEV && ino < EXACT_INO && Number.isInteger(dev) && Number.isInteger(ino))
    return dev * EXACT_INO + ino;
  const a = mix(lo(ino) ^ Math.imul(hi(ino), 0x9e3779b1) ^ mix(lo(dev)));
  const b = mix(a ^ Math.imul(hi(dev) + 1, 0x27d4eb2f) ^ lo(ino));
  return HASHED + a * 2 ** 20 + (b >>> 12);
}

export class InodeSet {
  /** key + 1 of each slot; 0 an empty slot */
  private table = new Float64Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** bytes the table holds (for the measures of its cost) */
  get bytes(): number {
    return this.table.byteLength;
  }

  /** Add a file; false when it was in already (met before under another name). */
  add(dev: number, ino: number): boolean {
    if ((this.count + 1) * 10 > this.table.length * 7) this.grow();
    return this.put(this.table, inodeKey(dev, ino) + 1);
  }

  private put(table: Float64Array, k: number): boolean {
    const mask = table.length - 1;
    for (let at = mix(lo(k) ^ Math.imul(hi(k), 0x9e3779b1)) & mask; ; at = (at + 1) & mask) {
      const v = table[at]!;
      if (v === k) return false;
      if (v === 0) {
        table[at] = k;
        if (table === this.table) this.count++;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.table;
    const table = new Float64Array(old.length * 2);
    for (const k of old) if (k !== 0) this.put(table, k);
    this.table = table;
  }
}
