/**
 * The files an earlier run read, held for a resumed scan until the walk reaches each (the engine's
 * KnownFiles), in memory that does not grow with the length of their paths: a Map from each path to
 * its row (or to its facts as JSON) made a resume of 1 M files peak at 625-670 MB against 220 MB for
 * the scan that wrote them. Here a file is a slot of typed arrays (its numbers) and an index into the
 * distinct rest (kind, codec, error, embedded date: a few hundred in a leak), found by a 53-bit hash
 * of its path in an open-addressing table: about 90 bytes a file.
 *
 * A path is not kept: a path added again (a later run's row of the file) replaces the earlier facts,
 * and so would another path with the same 53-bit hash (about one pair in 10^4 among a million paths).
 * That is safe: a file handed facts is read again unless it is the file those facts were read from
 * (same device, inode, size, mtime and ctime: read/job.ts), and two paths are two files; the other path is
 * then read again. Written by hand: no library keeps a million records in typed arrays keyed by a
 * string hash.
 */
import type { FileFacts } from '../scan/probe/index.js';
import type { ProbeResult } from '../scan/probe/types.js';

/** What a file's facts hold besides their numbers: one of the distinct ones, by index. */
interface Shape {
  kind: ProbeResult['kind'];
  codec?: string;
  embeddedDate?: ProbeResult['embeddedDate'];
  error?: string;
  unopened?: boolean;
}

/** a slot of the table no file is in */
const EMPTY = -1;
/** a slot of a file taken: none is handed out again */
const GONE = -2;

export class KnownStore {
  private readonly n: number;
  private count = 0;
  // a file's numbers, NaN where its facts have none
  private readonly bytes: Float64Array;
  private readonly mtime: Float64Array;
  private readonly seconds: Float64Array;
  private readonly sampleRate: Float64Array;
  private readonly channels: Float64Array;
  private readonly allocated: Float64Array;
  private readonly dev: Float64Array;
  private readonly ino: Float64Array;
  private readonly ctime: Float64Array;
  private readonly shapeOf: Uint32Array;
  private readonly shapes: Shape[] = [];
  private readonly shapeIds = new Map<string, number>();
  // the table: a path's hash and the file's index (EMPTY, GONE)
  private readonly keys: Float64Array;
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** Room for n files. */
  constructor(n: number) {
    this.n = n;
    const col = (): Float64Array => new Float64Array(n);
    this.bytes = col();
    this.mtime = col();
    this.seconds = col();
    this.sampleRate = col();
    this.channels = col();
    this.allocated = col();
    this.dev = col();
    this.ino = col();
    this.ctime = col();
    this.shapeOf = new Uint32Array(n);
    let size = 16;
    while (size < n * 2) size *= 2; // at most half full: short probes
    this.keys = new Float64Array(size);
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
  }

  /** A file's facts, by its path's bytes as a latin1 string (as the walk gives it). */
  add(rel: string, f: FileFacts): void {
    if (this.count >= this.n) throw new Error('KnownStore: more files than it was made for');
    const i = this.count++;
    const p = f.probe;
    const shape: Shape = { kind: p.kind };
    if (p.codec !== undefined) shape.codec = p.codec;
    if (p.embeddedDate !== undefined) shape.embeddedDate = p.embeddedDate;
    if (p.error !== undefined) shape.error = p.error;
    if (p.unopened) shape.unopened = true;
    const key = JSON.stringify(shape);
    let s = this.shapeIds.get(key);
    if (s === undefined) {
      s = this.shapes.length;
      this.shapes.push(shape);
      this.shapeIds.set(key, s);
    }
    this.shapeOf[i] = s;
    const or = (v: number | undefined): number => v ?? NaN;
    this.bytes[i] = f.bytes;
    this.mtime[i] = f.mtimeMs;
    this.seconds[i] = or(p.seconds);
    this.sampleRate[i] = or(p.sampleRate);
    this.channels[i] = or(p.channels);
    this.allocated[i] = or(f.allocated);
    this.dev[i] = or(f.dev);
    this.ino[i] = or(f.ino);
    this.ctime[i] = or(f.ctimeMs);
    const h = hash53(rel);
    for (let at = h & this.mask; ; at = (at + 1) & this.mask) {
      if (this.slots[at] === EMPTY) {
        this.keys[at] = h;
        this.slots[at] = i;
        return;
      }
      if (this.keys[at] === h) {
        this.slots[at] = i; // the same path again (a later run's row), or another with its hash: the later
        return;
      }
    }
  }

  /** The facts of the file at rel as JSON (what FileFacts' JSON.stringify gives), once; else undefined. */
  take(rel: string): string | undefined {
    const h = hash53(rel);
    for (let at = h & this.mask; ; at = (at + 1) & this.mask) {
      const i = this.slots[at]!;
      if (i === EMPTY) return undefined;
      if (this.keys[at] !== h) continue;
      if (i === GONE) return undefined;
      this.slots[at] = GONE;
      return JSON.stringify(this.facts(i));
    }
  }

  /** The facts as storedFacts (rows.ts) made them, fields in the same order. */
  private facts(i: number): FileFacts {
    const shape = this.shapes[this.shapeOf[i]!]!;
    const probe: ProbeResult = { kind: shape.kind };
    const set = (v: number, put: (x: number) => void): void => {
      if (!Number.isNaN(v)) put(v);
    };
    set(this.seconds[i]!, (x) => (probe.seconds = x));
    if (shape.codec !== undefined) probe.codec = shape.codec;
    set(this.sampleRate[i]!, (x) => (probe.sampleRate = x));
    set(this.channels[i]!, (x) => (probe.channels = x));
    if (shape.embeddedDate !== undefined) probe.embeddedDate = shape.embeddedDate;
    if (shape.error !== undefined) probe.error = shape.error;
    if (shape.unopened) probe.unopened = true;
    const facts: FileFacts = { bytes: this.bytes[i]!, mtimeMs: this.mtime[i]!, probe };
    set(this.allocated[i]!, (x) => (facts.allocated = x));
    set(this.dev[i]!, (x) => (facts.dev = x));
    set(this.ino[i]!, (x) => (facts.ino = x));
    set(this.ctime[i]!, (x) => (facts.ctimeMs = x));
    return facts;
  }
}

/**
 * A 53-bit hash of a string's char codes (cyrb53, public domain: two 32-bit multiply-xorshift lanes,
 * mixed), a number a Float64Array holds exactly.
 */
function hash53(s: string): number {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
