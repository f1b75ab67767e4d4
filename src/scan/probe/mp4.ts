/*
 * MP4/M4A presentation length from the edit list. music-metadata reports the media length (mdhd),
 * which for AAC includes the encoder's priming samples (1024 at 16 kHz = 64 ms, over the 50 ms we
 * allow); players and ffprobe honour the edit list (elst), and so does this.
 */
import { aacConfig, aacFrameHolds } from './aac.js';
import { speexHead, speexPacketMost, speexPacketSamples } from './speex.js';
import { alacConfig, alacPacketSamples, type AlacConfig } from './alac.js';
import { MlpUnits } from './mlp.js';
import { checkedFrameAt as ac3Frame } from './ac3.js';
import { AMR_NB_BYTES, AMR_WB_BYTES, amrCounts, amrFrames } from './amr.js';
import { frameHead } from './flac.js';
import { DtsFrames } from './dts.js';
import { frameAt, frameSeconds } from './mp3.js';
import { opusHeadRefused, opusPacketSamples } from './opus.js';
import { lpcmBytes } from './pcm.js';
import { adpcmFormat, packetBlocks, spanBlocks } from './adpcm.js';
import { IMA4_BLOCK, IMA4_SAMPLES, MACE_MAX_CHANNELS, ima4Channels, ima4PacketSamples } from './ima4.js';
import { VorbisPackets, vorbisPrivate } from './vorbis.js';
import type { FileSource } from './types.js';

const MAX_MOOV = 16 * 1024 * 1024;
/** 50 M AAC frames is 290 h at 48 kHz: more is a forged table, and walking it would hang the reader */
const MAX_SAMPLES = 50_000_000;

interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let p = from;
  while (p + 8 <= to) {
    let size = buf.readUInt32BE(p);
    const type = buf.toString('latin1', p + 4, p + 8);
    let body = p + 8;
    if (size === 1 && p + 16 <= to) {
      size = Number(buf.readBigUInt64BE(p + 8));
      body = p + 16;
    } else if (size === 0) size = to - p;
    if (size < body - p || p + size > to) return;
    yield { type, start: p, body, end: p + size };
    p += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const b of boxes(buf, parent.body, parent.end)) if (b.type === type) return b;
  return undefined;
}

function findMoov(src: FileSource): Buffer | undefined {
  let p = 0;
  for (let n = 0; n < 64 && p + 8 <= src.size; n++) {
    const h = src.read(p, 16);
    if (h.length < 8) return undefined;
    let size = h.readUInt32BE(0);
    if (size === 1 && h.length >= 16) size = Number(h.readBigUInt64BE(8));
    else if (size === 0) size = src.size - p;
    if (size < 8) return undefined;
    if (h.toString('latin1', 4, 8) === 'moov') {
      if (size > MAX_MOOV) return undefined;
      // cut off inside the moov: what is there is read (decoders use a moov missing only its tail)
      return src.read(p, size);
    }
    p += size;
  }
  return undefined;
}

interface Fragments {
  samples: number;
  present: number;
  ticks: number;
  presentTicks: number;
  /** what the present samples hold, by the codec's reader (seconds; 0 without one) */
  held: number;
}

/** Fragment boxes (moof) read after the moov at most: a longer run is a stream that was never a phone call. */
const MAX_MOOF = 100_000;

/**
 * A fragmented MP4 (moof/traf/trun after the moov, what streaming encoders and some phones write):
 * the track's samples in the fragments, their durations (per sample, the fragment's default, or the
 * movie's trex default), and those whose bytes lie inside the file. Undefined without a moof.
 */
/**
 * The top-level moof boxes (read whole), with where each starts; at most MAX_MOOF boxes are looked at.
 * The top level is read through a window, and where the moofs are is kept for the file's later walks
 * (a fragmented file is walked two or three times): two reads a fragment on each walk made 100,000
 * small fragments take 1.8 s (attack round 19).
 */
function* moofs(src: FileSource): Generator<{ p: number; moof: Buffer }> {
  const win = new Window(src);
  const known = moofPlaces.get(src);
  if (known) {
    for (let i = 0; i < known.length; i += 2) yield { p: known[i]!, moof: win.get(known[i]!, known[i + 1]!) };
    return;
  }
  const found: number[] = [];
  let p = 0;
  for (let n = 0; n < MAX_MOOF && p + 8 <= src.size; n++) {
    src.work.tick();
    const h = win.get(p, 16);
    if (h.length < 8) break;
    let size = h.readUInt32BE(0);
    if (size === 1 && h.length >= 16) size = Number(h.readBigUInt64BE(8));
    else if (size === 0) size = src.size - p;
    if (size < 8) break;
    if (h.toString('latin1', 4, 8) === 'moof' && size <= MAX_MOOV) {
      found.push(p, size);
      yield { p, moof: win.get(p, size) };
    }
    p += size;
  }
  // kept only once the top level was walked to its end (a walk left early finds them again)
  moofPlaces.set(src, found);
}
/** Where each file's moof boxes are (start, size, …), once found. */
const moofPlaces = new WeakMap<FileSource, number[]>();

/** Reads a file through a window of WINDOW bytes: a fragmented file's top level is many small boxes. */
class Window {
  private pos = 0;
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly src: FileSource) {}
  /** len bytes at p (fewer at the end of the file) */
  get(p: number, len: number): Buffer {
    if (len > Window.SIZE) return this.src.read(p, len);
    if (p < this.pos || p + len > this.pos + this.buf.length) {
      this.pos = p;
      this.buf = this.src.read(p, Math.min(Window.SIZE, Math.max(0, this.src.size - p)));
    }
    return this.buf.subarray(p - this.pos, p - this.pos + len);
  }
  static readonly SIZE = 16 * 1024;
}

/** samples a fragment may claim beyond the bytes present (the one a cut split) */
const CUT_FRAGMENT_SAMPLES = 100_000;

/**
 * Whether a fragmented MP4's track runs claim more samples than the file could hold. A sample of
 * audio takes at least a byte, so the fragments present, and the one a cut may have split, claim at
 * most the file's bytes + CUT_FRAGMENT_SAMPLES. More is a forged table: walking it, or letting
 * music-metadata build an object per claimed sample, would hold a reader for minutes or exhaust its
 * memory (a 21 KB file claiming 50 M samples a run did both).
 */
export function forgedFragments(src: FileSource): boolean {
  let claimed = 0;
  for (const { moof } of moofs(src)) {
    for (const traf of boxes(moof, 8, moof.length)) {
      if (traf.type !== 'traf') continue;
      for (const trun of boxes(moof, traf.body, traf.end)) {
        if (trun.type !== 'trun' || trun.body + 8 > trun.end) continue;
        claimed += moof.readUInt32BE(trun.body + 4);
        if (claimed > src.size + CUT_FRAGMENT_SAMPLES) return true;
      }
    }
  }
  return false;
}

/** vetted: the caller has found forgedFragments(src) false already, so the moofs are not walked again for it */
function fragments(
  src: FileSource,
  trackId: number,
  trexDuration: number,
  vetted: boolean,
  read: Reader | undefined,
): Fragments | undefined {
  if (!vetted && forgedFragments(src)) return undefined;
  return fragmentWalk(src, trackId, trexDuration, read, false);
}

/** Spot checks drawn at random from a fragmented track's samples past the first (AAC): as many as a table's spread ones. */
const FRAGMENT_DRAWS = 32;

/**
 * A fragmented track's samples, walked (see fragments). `all`: every present sample is read (by
 * offset); else a reader with spot checks has its first samples checked as they come and
 * FRAGMENT_DRAWS drawn from the rest checked after the walk, and when one of those fails the walk
 * is made again reading every sample: only the first 32 were checked (round 18), so junk after them
 * counted up to the floor.
 */
function fragmentWalk(
  src: FileSource,
  trackId: number,
  trexDuration: number,
  read: Reader | undefined,
  all: boolean,
): Fragments | undefined {
  const draw = read?.vet && !all ? new Draw(FRAGMENT_DRAWS) : undefined;
  let gather = read && all ? new Gathered(src, read, 4096) : undefined;
  let out: Fragments | undefined;
  for (const { p, moof } of moofs(src)) {
    out ??= { samples: 0, present: 0, ticks: 0, presentTicks: 0, held: 0 };
    const root: Box = { type: 'moof', start: 0, body: 8, end: moof.length };
    // where the last trun's data ended (from the moof's start): a traf with no base of its own
    // starts there, as ffmpeg reads it (ISO/IEC 14496-12 8.8.7); taken as the moof's start, a later
    // traf pointed at real frames while ffmpeg read junk (13,932 s of 0 decoded, round 19)
    let implicit = p;
    for (const traf of boxes(moof, root.body, root.end)) {
      if (traf.type !== 'traf') continue;
      const tfhd = child(moof, traf, 'tfhd');
      if (!tfhd || tfhd.body + 8 > tfhd.end || moof.readUInt32BE(tfhd.body + 4) !== trackId) continue;
      const tf = moof.readUInt32BE(tfhd.body) & 0xffffff;
      let q = tfhd.body + 8;
      // an explicit base, the moof's start (default-base-is-moof), or where the last trun's data ended
      let base = tf & 0x020000 ? p : implicit;
      if (tf & 0x01) {
        base = Number(moof.readBigUInt64BE(q));
        q += 8;
      }
      if (tf & 0x02) q += 4;
      const defDur = tf & 0x08 && q + 4 <= tfhd.end ? moof.readUInt32BE(q) : trexDuration;
      if (tf & 0x08) q += 4;
      const defSize = tf & 0x10 && q + 4 <= tfhd.end ? moof.readUInt32BE(q) : 0;
      for (const trun of boxes(moof, traf.body, traf.end)) {
        if (trun.type !== 'trun' || trun.body + 8 > trun.end) continue;
        const rf = moof.readUInt32BE(trun.body) & 0xffffff;
        const count = moof.readUInt32BE(trun.body + 4);
        let r = trun.body + 8;
        let off = base;
        if (rf & 0x01) {
          off = base + moof.readInt32BE(r);
          r += 4;
        }
        if (rf & 0x04) r += 4;
        const per = ((rf >> 8) & 1) * 4 + ((rf >> 9) & 1) * 4 + ((rf >> 10) & 1) * 4 + ((rf >> 11) & 1) * 4;
        if (count > MAX_SAMPLES || r + count * per > trun.end) continue;
        src.work.tick(count);
        for (let i = 0; i < count; i++, r += per) {
          const dur = rf & 0x100 ? moof.readUInt32BE(r) : defDur;
          const sz = rf & 0x200 ? moof.readUInt32BE(r + (rf & 0x100 ? 4 : 0)) : defSize;
          off += sz;
          out.samples++;
          out.ticks += dur;
          // (a negative data offset points before the file: not in it, round 19)
          if (off <= src.size && off - sz >= 0) {
            out.present++;
            out.presentTicks += dur;
            // (once a sample fails, the rest are read by offset)
            if (read && !gather && read.gathers?.()) gather = new Gathered(src, read, 4096);
            if (gather) gather.take(off - sz, sz);
            else if (read) out.held += read.held(src, off - sz, sz);
            draw?.offer(off - sz, sz);
          }
        }
        implicit = off;
      }
    }
  }
  if (out && gather) out.held += gather.held();
  if (out && draw && read?.vet && !read.gathers?.()) {
    read.vet.check(
      src,
      draw.places.sort((a, b) => a[0] - b[0]),
    );
    if (read.gathers?.()) return fragmentWalk(src, trackId, trexDuration, read, true);
  }
  return out;
}

/** The default sample duration the movie gives a track's fragments (mvex/trex), or 0. */
function trexDuration(moov: Buffer, root: Box, trackId: number): number {
  const mvex = child(moov, root, 'mvex');
  if (!mvex) return 0;
  for (const trex of boxes(moov, mvex.body, mvex.end)) {
    if (trex.type === 'trex' && trex.body + 20 <= trex.end && moov.readUInt32BE(trex.body + 4) === trackId)
      return moov.readUInt32BE(trex.body + 12);
  }
  return 0;
}

/**
 * Seconds of the first sound track as its edit list presents them, or undefined without one: from
 * the moov mp4Tracks read (t undefined: the file has none), so the file is not walked again.
 */
export function mp4EditListSeconds(t: Mp4Audio | undefined): number | undefined {
  if (!t) return undefined;
  const moov = t.moov;
  const root: Box = { type: 'moov', start: 0, body: 8, end: moov.length };
  const mvhd = child(moov, root, 'mvhd');
  if (!mvhd) return undefined;
  const movieScale = moov.readUInt32BE(mvhd.body + (moov[mvhd.body] === 1 ? 20 : 12));
  if (!movieScale) return undefined;
  for (const trak of boxes(moov, root.body, root.end)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(moov, trak, 'mdia');
    const hdlr = mdia && child(moov, mdia, 'hdlr');
    if (!hdlr || moov.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'soun') continue;
    // a fragmented file's edit list covers the moov's samples at most: the samples are counted
    if (child(moov, root, 'mvex')) return t.presentSeconds;
    const edts = child(moov, trak, 'edts');
    const elst = edts && child(moov, edts, 'elst');
    if (!elst) return undefined;
    const v1 = moov[elst.body] === 1;
    const count = moov.readUInt32BE(elst.body + 4);
    const entry = v1 ? 20 : 12;
    if (elst.body + 8 + count * entry > elst.end) return undefined;
    let total = 0;
    let edits = 0;
    for (let i = 0, e = elst.body + 8; i < count; i++, e += entry) {
      const dur = v1 ? Number(moov.readBigUInt64BE(e)) : moov.readUInt32BE(e);
      const mediaTime = v1 ? Number(moov.readBigInt64BE(e + 8)) : moov.readInt32BE(e + 4);
      if (mediaTime === -1) continue; // an empty edit (a delay), not audio
      edits++;
      // an edit presents the media from its media time on: no more of it than is left there (one
      // edit from 19.5 s of 20 s of media, 20 s long, counted 20 s; ffmpeg decodes 0.5 s; round 15)
      // A negative media time other than -1 starts before the media: a decoder presents the segment
      // less that lead (its negative start grew "left": 20 s counted, 0 decoded; round 17)
      const start = t.mediaScale ? mediaTime / t.mediaScale : 0;
      const left =
        t.mediaScale && t.tableSeconds !== undefined ? Math.max(0, t.tableSeconds - Math.max(0, start)) : Infinity;
      total += Math.max(0, Math.min(dur / movieScale, left) + Math.min(0, start));
    }
    // edits that present nothing (each of 0 s) are a length of 0, not none: a decoder plays nothing of
    // the media (a real 20 s file with one edit of 0 s counted its header's 20 s; round 16)
    return total > 0 || edits ? total : undefined;
  }
  return undefined;
}

/**
 * The decoding times (stts: runs of samples of one duration), taken a number of samples at a time:
 * the sum of the next n samples' durations in one step per run, however many samples a run holds.
 * Samples past the table's end last 0.
 */
function sttsCursor(moov: Buffer, stts: number, n: number): { take(k: number): number } {
  let i = 0;
  let left = n ? moov.readUInt32BE(stts + 4) : 0;
  let delta = n ? moov.readUInt32BE(stts + 8) : 0;
  return {
    take(k: number): number {
      let sum = 0;
      while (k > 0) {
        while (left === 0 && i + 1 < n) {
          i++;
          left = moov.readUInt32BE(stts + 4 + i * 8);
          delta = moov.readUInt32BE(stts + 8 + i * 8);
        }
        if (left === 0) return sum; // past the table: no duration
        const m = Math.min(k, left);
        sum += m * delta;
        left -= m;
        k -= m;
      }
      return sum;
    },
  };
}

export interface Mp4Audio {
  /** the moov box as read from the file */
  moov: Buffer;
  /** the file has a sound track */
  sound: boolean;
  /** it has a video track */
  video: boolean;
  /** seconds of the sound track's samples whose bytes lie inside the file */
  presentSeconds?: number;
  /** seconds of all its samples (the sample tables' sum) */
  tableSeconds?: number;
  /** how many of its samples are in the file, of how many */
  present?: number;
  samples?: number;
  /** sample description: codec four-character code, channels, rate */
  fourcc?: string;
  channels?: number;
  sampleRate?: number;
  /** an mp4a entry's audio object type (its esds AudioSpecificConfig: 2 AAC-LC, 5 SBR, 42 USAC) */
  aacType?: number;
  /** an ALAC entry's magic cookie, or why a decoder refuses it */
  alac?: AlacConfig | string;
  /** why a decoder refuses the track: it decodes nothing of it */
  refused?: string;
  /** the sample durations were longer than the codec's frames can be, and were capped (said so) */
  overlong?: string;
  /** the sound track's media timescale (mdhd): an edit's media time is in it */
  mediaScale?: number;
  /** the codec's name where music-metadata names it wrong (Vorbis in mp4a: not AAC) */
  codec?: string;
}

/**
 * The most samples (at the sample entry's rate) one AAC frame decodes to: 1,024 × 2 with SBR (HE-AAC,
 * signalled or implicit); 1,024 × 4:1 SBR for USAC (audio object type 42 in the esds). A cap of 4,096
 * for every AAC let stts deltas of 4,096 and an edit list to match count 20 s of AAC-LC as 80 s.
 */
const AAC_MAX_FRAME = 2048;
/** The longest packet (s) of a codec whose samples are not read: about a second (QDM2, Vorbis at 8 kHz). */
const UNTOLD_SAMPLE_MAX = 1.1;
/** The fewest bits a second such a codec writes (Speex's lowest mode: 2.15 kbit/s). */
const UNTOLD_MIN_BPS = 2000;
/** AAC samples of an MP4 checked before the rest are taken as frames (until one fails: then every one) */
const AAC_CHECKED = 32;
/**
 * AAC samples checked spread over a track (each a read of its own bytes): one drawn at random from
 * each of AAC_SPREAD equal stretches of the track, afresh every run. Junk added after a real file's
 * first frames, or in its middle, is met. Fixed places let a forger put real frames exactly where the
 * check looked and 4-byte junk everywhere else: 2 MB counted 8.9 h (attack round 18). Drawn places
 * cannot be aimed at: junk in a share f of the samples goes unmet with a chance of (1 - f)^32 (a tenth
 * of them: 3 %; a quarter: 1 in 10,000), so what passes unmet is a small share of the count. An
 * honest file's figure does not depend on the draw (every frame holds); one with a few frames a
 * decoder refuses may count those few or not.
 */
const AAC_SPREAD = 32;
/** A track's AAC samples checked before the rest are taken: its first AAC_CHECKED and last, and one drawn in each of AAC_SPREAD stretches. */
function aacVetted(count: number): number[] {
  const at = new Set<number>();
  for (let i = 0; i < AAC_CHECKED && i < count; i++) {
    at.add(i);
    at.add(count - 1 - i);
  }
  for (let i = 0; i < AAC_SPREAD; i++) at.add(Math.floor(((i + Math.random()) * count) / AAC_SPREAD));
  return [...at].filter((i) => i >= 0 && i < count).sort((a, b) => a - b);
}
const USAC_MAX_FRAME = 4096;
/**
 * Work steps a gathered AAC sample's check costs besides its bytes: ~250 ns (a page lookup and a
 * frame's parse) where a step is ~13 ns (work.ts); 20 M steps then cover ~1 M samples, ~0.3 s.
 */
const AAC_SAMPLE_STEPS = 20;

/** Length of an MPEG-4 descriptor (1-4 bytes, 7 bits each) at p: [length, where its body starts]. */
function descLen(b: Buffer, p: number, end: number): [number, number] {
  let n = 0;
  for (let i = 0; i < 4 && p < end; i++) {
    const x = b[p++]!;
    n = n * 128 + (x & 0x7f);
    if (!(x & 0x80)) break;
  }
  return [n, p];
}

/**
 * The esds of the mp4a entry at e: its object type indication (0x40 MPEG-4 audio, 0x66-0x68 MPEG-2
 * AAC, 0x69 and 0x6B MPEG audio), its AudioSpecificConfig's audio object type and offset; each undefined
 * where the esds does not say.
 */
function esdsTypes(b: Buffer, e: number, end: number): { oti?: number; aot?: number; asc?: number; ascLen?: number } {
  const box = esdsOf(b, e, end);
  if (!box) return {};
  const esds = box.start + 4;
  end = box.end;
  if (esds + 9 > end) return {};
  let p = esds + 8; // past the type and the full box's version and flags
  if (b[p] !== 0x03) return {};
  let [, q] = descLen(b, p + 1, end);
  const flags = b[q + 2]!;
  q += 3;
  if (flags & 0x80) q += 2; // depends-on ES id
  if (flags & 0x40) q += 1 + (b[q] ?? 0); // URL
  if (flags & 0x20) q += 2; // OCR ES id
  if (b[q] !== 0x04) return {};
  [, p] = descLen(b, q + 1, end);
  const oti = p < end ? b[p] : undefined;
  p += 13; // object type indication, stream type, buffer size, max and average bit rates
  if (b[p] !== 0x05) return { oti };
  const [len, q2] = descLen(b, p + 1, end);
  p = q2;
  if (p + 2 > end) return { oti };
  const t = b[p]! >> 3;
  return {
    oti,
    aot: t === 31 ? 32 + (((b[p]! & 7) << 3) | (b[p + 1]! >> 5)) : t,
    asc: p,
    ascLen: Math.min(len, end - p),
  };
}

/**
 * The esds box of the sound sample entry at e (its size at e), as ffmpeg finds it: a child box after
 * the entry's fields (28 bytes, 16 more in version 1, 36 more in version 2), or one inside a 'wave'
 * child (QuickTime). The first 'esds' bytes anywhere in the entry were taken before: a decoy in a
 * 'free' box ahead of the real one skipped every AAC frame check (39,010 s of junk, round 19).
 */
function esdsOf(b: Buffer, e: number, end: number): Box | undefined {
  return entryChild(b, e, end, 'esds');
}

/**
 * The child box `type` of the sound sample entry at e, as ffmpeg's mov demuxer finds it: among the
 * boxes after the entry's fields, or inside its 'wave' box (QuickTime: 'frma', then the codec's box).
 * (The first 'alac' bytes in the entry were taken for ALAC's cookie: in ffmpeg's own .mov that is
 * 'frma''s body, the cookie read from the wrong place and the file unreadable; round 24, H3.)
 */
function entryChild(b: Buffer, e: number, end: number, type: string): Box | undefined {
  const entryEnd = Math.min(end, e + b.readUInt32BE(e));
  const version = e + 18 <= entryEnd ? b.readUInt16BE(e + 16) : 0;
  const children = e + 36 + (version === 1 ? 16 : version === 2 ? 36 : 0);
  const entry: Box = { type: 'entry', start: e, body: children, end: entryEnd };
  for (const c of boxes(b, entry.body, entry.end)) {
    if (c.type === type) return c;
    if (c.type === 'wave') {
      const inner = child(b, c, type);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** the page of the file last read for a packet's head, per file (packets follow each other) */
const packetPages = new WeakMap<FileSource, { at: number; buf: Buffer }>();

/** bytes of the page packets are read from: a packet up to this size is read whole from it */
const PAGE = 64 * 1024;
/**
 * A packet larger than a page is read whole, up to this many bytes of such packets a file (16 MiB:
 * ~0.1 s of reading); past that (a forged table of huge samples over the same bytes) a packet counts
 * the frames of its first page.
 * Such packets were sized at the pace of their head: one 72-byte MP3 frame and 2 MB of zeros
 * counted 2,000 s, ffmpeg decoding 0.07 s (attack round 10a).
 */
const BIG_PACKETS_MAX = 16 * 1024 * 1024;
const bigRead = new WeakMap<FileSource, number>();
/**
 * Pages read for packets, up to this many bytes a file; past that a packet not in the last page is
 * read alone (its own bytes, up to a page): chunks whose offsets jump about made every 6-byte sample
 * a read of 64 KiB, 200,000 of them 3 s (attack round 18), while an honest file's packets follow
 * each other and a page holds many.
 */
const PAGES_MAX = 16 * 1024 * 1024;
const pagesRead = new WeakMap<FileSource, number>();

/** The bytes holding the packet at `at` (all of its `size`, or its first page), and where the packet starts and ends in them. */
function packetBytes(src: FileSource, at: number, size: number): { buf: Buffer; p: number; end: number } {
  if (size > PAGE) {
    const used = bigRead.get(src) ?? 0;
    if (used + size <= BIG_PACKETS_MAX) {
      bigRead.set(src, used + size);
      src.work.tick(1 + (size >> 12));
      const buf = src.read(at, size);
      return { buf, p: 0, end: buf.length };
    }
  }
  // a packet up to a page, or one past the budget (its first page): from the page it starts in
  let w = packetPages.get(src);
  if (!w || at < w.at || at + Math.min(size, PAGE) > w.at + w.buf.length) {
    const paged = pagesRead.get(src) ?? 0;
    const want = paged + PAGE <= PAGES_MAX ? PAGE : Math.min(PAGE, Math.max(size, 1));
    pagesRead.set(src, paged + want);
    w = { at, buf: src.read(at, want) };
    packetPages.set(src, w);
  }
  const p = at - w.at;
  return { buf: w.buf, p, end: Math.min(w.buf.length, p + size) };
}

/**
 * How a sound track's samples are read for the audio they hold, by codec: `held` the seconds a
 * sample of `size` bytes at `at` holds (read from it, or from its size for PCM), `most` the most one
 * sample can hold when it is not read. Undefined for codecs not read here (AAC and ALAC are capped
 * per sample below).
 */
interface Reader {
  name: string;
  /** read from the file (else from the size alone: arithmetic for a fixed sample size) */
  reads: boolean;
  held(src: FileSource, at: number, size: number): number;
  most(size: number): number;
  /**
   * Before the table's samples are walked: the sample indexes (ascending, under `count`) to check
   * first, and, given their places (undefined: not in the file), whether every later sample must be
   * checked too. Without it, or for fragments, `held` decides as it goes.
   */
  vet?: { indexes(count: number): number[]; check(src: FileSource, places: ([number, number] | undefined)[]): void };
  /**
   * True when every sample of the table is to be read (vetting failed): the walk then gathers them
   * and gives them to `heldAll` in batches, which reads them in the file's order.
   */
  gathers?(): boolean;
  heldAll?(src: FileSource, at: Float64Array, size: Float64Array, count: Float64Array, n: number): number;
  /**
   * Bytes ffmpeg's demuxer takes for each sample when stsz gives fewer (PCM: a sample frame; its
   * index builder ignores a fixed sample size "too small" for the codec).
   */
  sampleBytes?: number;
  /**
   * In QuickTime's uncompressed-audio tables (one stts run of 1 tick a sample), where ffmpeg's
   * demuxer reads chunks, not samples: the seconds the chunk of n samples at `at` holds.
   */
  chunk?(src: FileSource, at: number, n: number): [held: number, present: number];
}

/** Bytes of IMA4 and ADPCM chunks read a file (QuickTime's uncompressed-audio tables), past which a chunk holds nothing: an honest file's are its own size. */
const IMA4_CHUNKS_MAX = 64 * 1024 * 1024;
const ima4Read = new WeakMap<FileSource, number>();
/** Reads per IMA4 chunk: memory stays bounded whatever a chunk claims. */
const IMA4_WINDOW = 1024 * 1024;

/**
 * Samples (a channel's) ffmpeg decodes of an IMA4 chunk of `bytes` at `at`, taken as one packet
 * (ffmpeg cuts it into packets of 16 blocks: stopping at the first bad block counts no more than
 * it decodes), read a window at a time within the file's budget.
 */
function ima4Chunk(src: FileSource, at: number, bytes: number, channels: number): number {
  const used = ima4Read.get(src) ?? 0;
  const want = Math.max(0, Math.min(bytes, src.size - at, IMA4_CHUNKS_MAX - used));
  ima4Read.set(src, used + want);
  const block = IMA4_BLOCK * channels;
  const win = Math.floor(IMA4_WINDOW / block) * block;
  let n = 0;
  for (let p = at; p < at + want; p += win) {
    const len = Math.min(win, at + want - p);
    src.work.tick(1 + (len >> 6));
    const buf = src.read(p, len);
    const got = ima4PacketSamples(buf, 0, buf.length, channels);
    n += got;
    if (got < Math.floor(len / block) * IMA4_SAMPLES) break;
  }
  return n;
}

/** Samples gathered for a reader's `heldAll`, at most GATHER_MAX at a time (16 bytes each). */
const GATHER_MAX = 1 << 20;

/**
 * The order (indexes into `at`) that reads samples by their offset. Chunks whose offsets jump to and
 * fro made every 6-byte sample a read of its own once the page budget was spent: 1,000,000 of them
 * took 3.7 s (attack round 18); sorted, a page holds thousands. An honest table is in order already
 * and is not sorted.
 */
function byOffset(at: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  let sorted = true;
  let most = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const a = at[i] ?? 0;
    if (i > 0 && a < (at[i - 1] ?? 0)) sorted = false;
    most = Math.max(most, a);
  }
  if (sorted) return order;
  // offset and index in one float (exact below 2^53), sorted without a comparator: 1,000,000 in
  // ~140 ms against ~350 ms with one
  if (n <= GATHER_MAX && most < 2 ** 53 / GATHER_MAX) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (at[i] ?? 0) * GATHER_MAX + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = (keys[i] ?? 0) % GATHER_MAX;
    return order;
  }
  return order.sort((a, b) => (at[a] ?? 0) - (at[b] ?? 0));
}

/**
 * Samples gathered for a reader's `heldAll`, given to it in batches of up to GATHER_MAX runs: what
 * they hold. A run is `count` samples of `size` bytes one after the other from `at` (a chunk of
 * fixed-size samples is one run).
 */
class Gathered {
  private at: Float64Array;
  private size: Float64Array;
  private count: Float64Array;
  private n = 0;
  private sum = 0;
  constructor(
    private src: FileSource,
    private read: Reader,
    room: number,
  ) {
    this.at = new Float64Array(Math.max(1, room));
    this.size = new Float64Array(Math.max(1, room));
    this.count = new Float64Array(Math.max(1, room));
  }
  take(at: number, size: number, count = 1): void {
    if (count <= 0) return;
    if (this.n === this.at.length) this.flush();
    if (this.n === this.at.length) {
      // (a batch at most GATHER_MAX; a smaller first guess grows)
      const grown = Math.min(GATHER_MAX, this.at.length * 2);
      const [a, z, c] = [new Float64Array(grown), new Float64Array(grown), new Float64Array(grown)];
      a.set(this.at);
      z.set(this.size);
      c.set(this.count);
      [this.at, this.size, this.count] = [a, z, c];
    }
    this.at[this.n] = at;
    this.size[this.n] = size;
    this.count[this.n++] = count;
  }
  /** the runs taken so far given to the reader (a full batch, or the last) */
  private give(): void {
    if (this.n) this.sum += this.read.heldAll?.(this.src, this.at, this.size, this.count, this.n) ?? 0;
    this.n = 0;
  }
  private flush(): void {
    if (this.at.length === GATHER_MAX) this.give();
  }
  /** what every sample taken holds (s) */
  held(): number {
    this.give();
    return this.sum;
  }
}

/**
 * Up to `room` of the samples offered, drawn uniformly at random (Vitter's algorithm R): a fragmented
 * track's samples are not counted before they are walked, so its spot checks are drawn as it goes.
 */
class Draw {
  readonly places: [number, number][] = [];
  private seen = 0;
  constructor(private room: number) {}
  offer(at: number, size: number): void {
    this.seen++;
    if (this.places.length < this.room) this.places.push([at, size]);
    else {
      const k = Math.floor(Math.random() * this.seen);
      if (k < this.room) this.places[k] = [at, size];
    }
  }
}

/**
 * The sound sample entries ffmpeg's mov demuxer maps to a codec it has a decoder for (libavformat/isom_tags.c's
 * audio tags, less SMV's 'ssmv' and MPEG-H's 'mhm1', which no ffmpeg 5.1 decoder takes).
 */
const MOV_AUDIO = new Set(
  (
    'mp4a|ac-3|sac3|ima4|alac|samr|sawb|dtsc|dtsh|dtsl|dtse|DTS |ec-3|vdva|dvca|agsm|ilbc|MAC3|MAC6|.mp1|.mp2|' +
    '.mp3|mp3 |nmos|NELL|alaw|fl32|fl64|ulaw|twos|sowt|lpcm|ipcm|in24|in32|raw |NONE|Qclp|Qclq|sqcp|QDM2|QDMC|' +
    'spex|SPXN|sevc|fLaC|mlpa|Opus'
  ).split('|'),
);
const QCELP = new Set(['Qclp', 'Qclq', 'sqcp']);

/** MPEG-4 audio (0x40) and MPEG-2 AAC Main, LC and SSR (0x66-0x68): the esds object types ffmpeg decodes as AAC. */
const isAacOti = (oti: number): boolean => oti === 0x40 || (oti >= 0x66 && oti <= 0x68);
/** The other esds object types ffmpeg maps to an audio decoder (isom.c's ff_mp4_obj_type): MPEG audio, AC-3, E-AC-3, DTS, Opus, FLAC, EVRC, Vorbis, QCELP. */
const MP4A_OTHER_AUDIO = new Set([0x69, 0x6b, 0xa5, 0xa6, 0xa9, 0xad, 0xc1, 0xd1, 0xdd, 0xe1]);

/**
 * Why ffmpeg decodes nothing of an mp4a entry by its esds, if it does not: an object type it maps to
 * no audio decoder (0x6C is JPEG), or Vorbis with no DecoderSpecificInfo (its decoder needs the three
 * headers there). Such tracks counted 2,048 samples a sample, 20,480 s a MB (attack round 23a, C5).
 */
function mp4aRefused(oti: number | undefined, asc: number | undefined): string | undefined {
  if (oti === undefined || isAacOti(oti)) return undefined;
  const hex = `0x${oti.toString(16)}`;
  if (!MP4A_OTHER_AUDIO.has(oti)) return `mp4a of object type ${hex}: ffmpeg maps it to no audio decoder`;
  if (oti === 0xdd && asc === undefined)
    return 'mp4a Vorbis without its headers (no DecoderSpecificInfo): a decoder refuses it';
  return undefined;
}

/**
 * Why an mp4a with no AudioSpecificConfig (no esds, or no DecoderSpecificInfo in it) is not counted:
 * its samples were read by nothing, 2,048 samples each, 1 MB of junk 20,480 s where ffmpeg decodes
 * under 4 (attack round 23a, C5). ffmpeg's decoder guesses a config from the entry's rate and channels
 * and decodes what parses under it; no encoder writes such a file, so it is refused here rather than
 * read under a guess (as a CAF's packets no reader reads are).
 */
const MP4A_NO_CONFIG =
  "mp4a with no AudioSpecificConfig: its samples are not read here (ffmpeg's decoder guesses a config), and the sample table's count is a claim";

/**
 * QuickTime PCM sample entries: bytes a channel's sample (0: the entry's sample size says, as
 * pcmDepth reads it). ('raw ' was keyed 'raw', so it never matched and 'raw ' counted under the
 * untold-codec bound, as did 'ipcm', which was missing: round 24 C1; '\0\0\0\0' is ffmpeg's format 0.)
 */
const PCM_BYTES: Record<string, number> = {
  ulaw: 1,
  alaw: 1,
  'raw ': 0,
  NONE: 0,
  '\0\0\0\0': 0,
  twos: 0,
  sowt: 0,
  ipcm: 0,
  in24: 3,
  in32: 4,
  fl32: 4,
  fl64: 8,
  lpcm: 0,
};

/**
 * Bytes a channel's sample of a PCM entry whose fourcc leaves it to the entry's sample size (bits),
 * as ffmpeg's mov demuxer maps them: 'raw ' and 'NONE' are unsigned 8-bit unless 16 bits are given
 * (then 16-bit); 'twos', 'sowt', 'lpcm' and 'ipcm' 16-bit unless 8, 24 or 32 are given (so 0, 4 and
 * 12 bits are 16-bit: taken as one byte, 1 MB of 'twos' at 0 bits counted 131 s where ffmpeg decodes
 * 65.3; round 24 M2); format 0 by 8 or 16 bits, else no codec (undefined). An 'ipcm' entry's pcmC box
 * (ISO/IEC 23003-5) gives its sample size, which ffmpeg takes over the entry's.
 */
function pcmDepth(fourcc: string, bits: number, pcmC: number): number | undefined {
  if (fourcc === '\0\0\0\0') return bits === 8 ? 1 : bits === 16 ? 2 : undefined;
  if (fourcc === 'raw ' || fourcc === 'NONE') return bits === 16 ? 2 : 1;
  if (fourcc === 'ipcm' && pcmC) return [8, 16, 24, 32].includes(pcmC) ? pcmC / 8 : undefined;
  return bits === 8 ? 1 : bits === 24 ? 3 : bits === 32 ? 4 : 2;
}

/**
 * The Opus head (OpusHead) a decoder is given for the sample entry at e, as ffmpeg's mov.c makes it
 * from the entry's dOps box (ISO/IEC 23003-5: version, then the OpusHead's fields big-endian): the
 * magic, version 1, the box's bytes after its version; undefined with no dOps. A box under 11 bytes
 * or of a version other than 0 fails the file (mov_read_dops), and the head is judged as the
 * decoder judges it (opusHeadRefused). Its streams: the count when the channel mapping family is not
 * 0, else one. Unjudged, one byte of dOps made 1 h of Opus in MP4 (2.6 MB) count 3,600 s where ffmpeg
 * decodes none (attack round 26a, C3).
 */
function opusHead(moov: Buffer, e: number, end: number, channels: number): { streams: number } | string {
  const dops = entryChild(moov, e, end, 'dOps');
  if (!dops) {
    // (no extradata: the decoder makes a head for 1 or 2 channels, the entry's, and refuses more)
    return channels > 2 ? `Opus of ${channels} channels with no dOps box: a decoder refuses it` : { streams: 1 };
  }
  const body = moov.subarray(dops.body, Math.min(dops.end, moov.length));
  if (body.length < 11) return `an Opus dOps box of ${body.length} bytes: ffmpeg refuses the file`;
  if (body[0] !== 0) return `an Opus dOps box of version ${body[0]}: ffmpeg refuses the file`;
  const head = Buffer.concat([Buffer.from('OpusHead\x01', 'latin1'), body.subarray(1)]);
  const refused = opusHeadRefused(head);
  if (refused) return refused;
  return { streams: head[18] ? Math.max(1, head[19]!) : 1 };
}

function reader(
  moov: Buffer,
  e: number,
  end: number,
  out: Mp4Audio,
  oti: number | undefined,
  asc?: number,
  ascLen = 0,
  chunked = false,
  ilbcRate?: number,
): Reader | undefined {
  let fourcc = out.fourcc ?? '';
  const rate = Math.max(out.sampleRate ?? 0, 4000);
  const chans = out.channels ?? 0;
  // a sample entry ffmpeg's mov demuxer maps to no codec decodes to nothing: 1 MB of 'zzzz' samples
  // counted 4,000 s under the untold-codec bound (attack round 23a, M4); 'enca' (encrypted) takes the
  // codec its 'frma' box names
  if (!MOV_AUDIO.has(fourcc) && !/^(ms|TS)/.test(fourcc) && fourcc !== 'enca' && fourcc !== '\0\0\0\0') {
    out.refused = `MP4 sample entry '${fourcc}': ffmpeg has no decoder for it`;
    return undefined;
  }
  // QDesign (QDM2, QDMC): no encoder of it is in use, its packets are not read here, and a sample
  // table of 1-byte junk samples counted 4,002 s of 1 MB under the untold-codec bound, ffmpeg decoding
  // none (round 24); unreadable, as in CAF and Matroska
  if (fourcc === 'QDM2' || fourcc === 'QDMC') {
    out.refused = `QDesign '${fourcc}' in MP4 is not read by leaktally: its length cannot be told from its samples`;
    return undefined;
  }
  if (fourcc === 'mp4a') {
    const why = mp4aRefused(oti, asc);
    if (why) {
      out.refused = why;
      return undefined;
    }
  }
  // Round 24 (C1): every entry below that no reader took was counted under the untold-codec bound
  // (1.1 s a sample, 2 kbit/s of the file): 4,194 s from 1 MB of junk, ffmpeg decoding 0 (AC-3 as
  // 'sac3', DTS as 'dtsh'/'DTS ', MPEG audio as '.mp1'/'.mp2', DV audio, ms-wrapped WAVE codecs, MACE
  // of 3 channels) or a share of it (GSM 610 s, MACE 6:1 786 s, Nellymoser 488 s, 8-bit 'raw ' 131 s).
  // Each is now read by its codec's framing as ffmpeg's decoder takes it, or refused: no entry is
  // counted by a bound any more.
  // Aliases of codecs read here: ffmpeg maps them to the same decoder
  if (fourcc === 'sac3') fourcc = 'ac-3';
  if (/^(dtsh|dtsl|dtse|DTS )$/.test(fourcc)) fourcc = 'dtsc';
  // ('ms'/'TS' and a WAVE format tag: ffmpeg takes the tag's codec; MPEG audio's are walked as '.mp3' is)
  const wavTag = /^(ms|TS)/.test(fourcc) ? fourcc.charCodeAt(2) * 256 + fourcc.charCodeAt(3) : -1;
  if (/^(\.mp1|\.mp2)$/.test(fourcc) || wavTag === 0x50 || wavTag === 0x55) fourcc = '.mp3';
  else if (wavTag === 2 || wavTag === 0x11) {
    // MS and IMA ADPCM (ffmpeg's mov muxer writes them so): blocks of the version 1 entry's bytes a
    // frame (ffmpeg's block size), each checked as in WAV (adpcm.ts); in QuickTime's
    // uncompressed-audio tables ffmpeg cuts a chunk into one block a packet, its samples a frame each
    const v1 = moov.readUInt16BE(e + 16) === 1 && e + 52 <= end;
    const f = adpcmFormat(wavTag, chans, v1 ? moov.readUInt32BE(e + 44) : 0, 4);
    if (typeof f === 'string') {
      out.refused = f;
      return undefined;
    }
    const perFrame = v1 ? moov.readUInt32BE(e + 36) : 0;
    return {
      name: `${wavTag === 2 ? 'MS' : 'IMA'} ADPCM blocks hold (checked)`,
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        return (packetBlocks(buf, p, stop, f) * f.samples) / rate;
      },
      most: (size) => (Math.ceil(size / f.align) * f.samples) / rate,
      chunk: (src, at, n) => {
        const used = ima4Read.get(src) ?? 0;
        const blocks = perFrame > 0 ? Math.ceil(n / perFrame) : 0;
        const room = Math.floor(Math.max(0, Math.min(src.size - at, IMA4_CHUNKS_MAX - used)) / f.align);
        const spans: [number, number][] = [];
        for (let i = 0; i < Math.min(blocks, room); i++) spans.push([at + i * f.align, f.align]);
        ima4Read.set(src, used + spans.length * f.align);
        const inFile = perFrame > 0 ? Math.min(n, Math.floor(Math.max(0, src.size - at) / f.align) * perFrame) : 0;
        return [(spanBlocks(src, spans, f) * f.samples) / rate, inFile];
      },
    };
  } else if (wavTag >= 0) {
    out.refused = `MOV entry of WAVE format 0x${wavTag.toString(16)}: its packets are not read here`;
    return undefined;
  }
  // DV audio ('vdva', 'dvca'): ffmpeg's decoder refuses to open on a QuickTime entry (no block size)
  if (fourcc === 'vdva' || fourcc === 'dvca') {
    out.refused = `DV audio '${fourcc}' in MOV: a decoder refuses it`;
    return undefined;
  }
  // encrypted ('enca'): what its samples hold cannot be read without the key
  if (fourcc === 'enca') {
    out.refused = 'encrypted MP4 audio (enca): its samples cannot be read';
    return undefined;
  }
  // Speex in MOV ('spex', 'SPXN'): ffmpeg's muxer writes the encoder's Speex header in a 'glbl' box of
  // the entry, which its demuxer hands the decoder as extradata (mode, frame size, frames a packet):
  // each packet is then read as its decoder reads it (speex.ts, every frame or none), at the higher of
  // the header's and the entry's rates. ffmpeg's own libspeex .mov was unreadable (0 of 10 s). Without
  // that header (a remux of FLV's Speex) its decoder takes one frame a packet, narrowband at 8 kHz,
  // wideband at 16, ultra-wideband at 32 (the same file without its glbl: 9.99 s decoded, and 2.49 s
  // of 4 frames a packet); other rates and QuickTime's chunk tables are refused (1-byte junk samples
  // counted 4,002 s a MB under the untold-codec bound, ffmpeg decoding 0.08 s; round 24).
  if (fourcc === 'spex' || fourcc === 'SPXN') {
    const box = entryChild(moov, e, end, 'glbl');
    const glbl = box && moov.toString('latin1', box.body, box.body + 8) === 'Speex   ' ? box : undefined;
    const entryRate = out.sampleRate ?? 0;
    const bare = [8000, 16000, 32000].indexOf(entryRate);
    const head = chunked
      ? "QuickTime's chunk tables"
      : glbl
        ? speexHead(moov.subarray(glbl.body, glbl.end))
        : bare >= 0
          ? { mode: bare, frameSize: 160 << bare, framesPerPacket: 1 }
          : `no Speex header (glbl) and a rate of ${entryRate} Hz`;
    if (typeof head === 'string') {
      out.refused = `Speex in MP4 ('${fourcc}'): ${head}: its packets' length cannot be told`;
      return undefined;
    }
    const speexRate = Math.max(glbl ? moov.readInt32LE(glbl.body + 36) : entryRate, rate);
    out.codec = 'M4A/SPEEX';
    return {
      name: 'Speex packets hold (decoded as its decoder does)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        return stop - p < size ? 0 : speexPacketSamples(buf.subarray(p, stop), head) / speexRate;
      },
      most: () => speexPacketMost(head) / speexRate,
    };
  }
  const packetCodec = /^(Qclp|Qclq|sqcp|sevc|ilbc|nmos|NELL)$/.test(fourcc) || (fourcc === 'mp4a' && oti === 0xd1);
  // QuickTime's uncompressed-audio tables (one stts run of 1 tick a sample): ffmpeg's demuxer then
  // ignores the samples and cuts each chunk into packets of up to 1,024 "samples" of the entry's
  // size, so a packet codec's stts and stsz say nothing of its packets (1-byte samples of EVRC, 1 MB
  // of them, counted 131 s where ffmpeg made 2.46 s of its packets). No encoder writes a packet
  // codec so: refused.
  if (chunked && packetCodec) {
    out.refused = `'${fourcc}' in QuickTime's uncompressed-audio sample table (every sample 1 tick): its packets cannot be told`;
    return undefined;
  }
  // QCELP (Qclp, sqcp, or mp4a whose esds says 0xE1) and EVRC ('sevc', or mp4a 0xD1): ffmpeg's
  // decoders give 20 ms for every packet, junk or not (an erasure; EVRC's decode returns the whole
  // packet); counted by the untold-codec bound, 1 MB of 25-byte packets was 4,000 s where ffmpeg
  // decodes 800 (attack round 23a, C5), EVRC's 275-byte ones 4,194 s for 76.3 (round 24)
  if (QCELP.has(fourcc) || fourcc === 'sevc' || (fourcc === 'mp4a' && (oti === 0xe1 || oti === 0xd1)))
    return {
      name: `${fourcc === 'sevc' || oti === 0xd1 ? 'EVRC' : 'QCELP'} packets hold (20 ms each)`,
      reads: false,
      held: (_src, _at, size) => (size > 0 ? 0.02 : 0),
      most: () => 0.02,
    };
  // iLBC: ffmpeg's decoder takes its mode from the block size (the version 1 entry's bytes a frame:
  // 38 for 20 ms, 50 for 30 ms), else from the stream's bit rate (30 ms up to 14,000 bit/s, 20 ms
  // over: ilbcdec.c), which the mov demuxer makes of the sample table (ilbcBitRate). It decodes one
  // frame a packet; a packet shorter than the mode's frame is not counted here (ffmpeg 5.1 decodes
  // even a 1-byte one to a frame: 90 s of 3 KB). Without either it does not open (0 decoded). When
  // the bit rate cannot be told, a packet of 50 bytes or more is taken as 20 ms, the least either
  // mode gives it. ffmpeg's mov muxer writes a version 0 entry (no block size): a 30 ms stream was
  // counted 76.3 s of 1 MB where ffmpeg decodes 114.4, a 20 ms one of 38-byte frames nothing (round 24)
  if (fourcc === 'ilbc') {
    const perFrame = moov.readUInt16BE(e + 16) === 1 && e + 52 <= end ? moov.readUInt32BE(e + 44) : 0;
    if (perFrame !== 38 && perFrame !== 50 && ilbcRate === 0) {
      out.refused = 'iLBC without a block size or a bit rate (mdhd duration 0): its decoder does not open';
      return undefined;
    }
    const [least, seconds] =
      perFrame === 38
        ? [38, 0.02]
        : perFrame === 50
          ? [50, 0.03]
          : ilbcRate === undefined
            ? [50, 0.02]
            : ilbcRate <= ILBC_30MS_MOST
              ? [50, 0.03]
              : [38, 0.02];
    return {
      name: 'iLBC packets hold (a frame of 20 or 30 ms)',
      reads: false,
      held: (_src, _at, size) => (size >= least ? seconds : 0),
      most: () => seconds,
    };
  }
  // Nellymoser ('nmos', 'NELL'): 256 samples for each whole 64-byte block of a packet (nellymoserdec.c)
  if (fourcc === 'nmos' || fourcc === 'NELL')
    return {
      name: 'Nellymoser packets hold (256 samples a 64-byte block)',
      reads: false,
      held: (_src, _at, size) => (Math.floor(size / 64) * 256) / rate,
      most: (size) => (Math.floor(size / 64) * 256) / rate,
    };
  // GSM ('agsm'): 160 samples for each whole 33-byte frame of a packet (the decoder refuses a shorter
  // packet: 1-byte samples decode 0). In QuickTime's uncompressed-audio tables a sample is one of
  // the 160 of a frame (ffmpeg cuts each chunk into 33-byte frames of 160): a sample's 1/rate.
  if (fourcc === 'agsm')
    return {
      name: 'GSM packets hold (160 samples a 33-byte frame)',
      reads: false,
      held: (_src, _at, size) => (chunked ? 1 : Math.floor(size / 33) * 160) / rate,
      most: (size) => (chunked ? 1 : Math.floor(size / 33) * 160) / rate,
    };
  // MACE 3:1 and 6:1: 6 samples for each whole 2 (MACE 3) or 1 (MACE 6) bytes a channel; ffmpeg's
  // decoder opens 1 or 2 channels only (3 channels: 4,194 s counted, 0 decoded; round 24 H1). In
  // QuickTime's uncompressed-audio tables a sample is one of the 6 of a frame: a sample's 1/rate.
  if (fourcc === 'MAC3' || fourcc === 'MAC6') {
    if (chans < 1 || chans > MACE_MAX_CHANNELS) {
      out.refused = `MACE of ${chans} channels, which ffmpeg does not decode (1 or 2)`;
      return undefined;
    }
    const frame = (fourcc === 'MAC3' ? 2 : 1) * chans;
    return {
      name: 'MACE packets hold (6 samples a frame)',
      reads: false,
      held: (_src, _at, size) => (chunked ? 1 : Math.floor(size / frame) * 6) / rate,
      most: (size) => (chunked ? 1 : Math.floor(size / frame) * 6) / rate,
    };
  }
  // Opus and FLAC in mp4a (esds object types 0xAD, 0xC1): read as their own entries are
  if (fourcc === 'mp4a' && oti === 0xad) fourcc = 'Opus';
  if (fourcc === 'mp4a' && oti === 0xc1) fourcc = 'fLaC';
  // Vorbis in mp4a (0xDD): its packets decoded as a decoder decodes them (vorbis.ts), the three
  // headers being the DecoderSpecificInfo; counted under the untold-codec bound, ffmpeg's own file
  // with its mdat replaced by random bytes was 300 s, 4.26 decoded (round 24)
  if (fourcc === 'mp4a' && oti === 0xdd) {
    const dsi = asc !== undefined ? moov.subarray(asc, asc + ascLen) : Buffer.alloc(0);
    const setup = vorbisPrivate(dsi);
    const id = dsi.indexOf('\x01vorbis', 0, 'latin1');
    const vorbisRate = id >= 0 && id + 16 <= dsi.length ? dsi.readUInt32LE(id + 12) : 0;
    if (typeof setup === 'string' || vorbisRate < 1000) {
      out.refused = `mp4a Vorbis: ${typeof setup === 'string' ? setup : 'no sample rate in its headers'}`;
      return undefined;
    }
    out.codec = 'M4A/VORBIS';
    const packets = new VorbisPackets(setup);
    return {
      name: 'Vorbis packets hold (decoded as a decoder does)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        return stop - p < size ? 0 : packets.samples(buf.subarray(p, stop)) / vorbisRate;
      },
      most: () => 8192 / vorbisRate,
    };
  }
  if (fourcc === 'Opus') {
    // (an mp4a named Opus by its esds, with no dOps, has its head in the esds: not read here)
    const head =
      out.fourcc === 'Opus' || entryChild(moov, e, end, 'dOps') ? opusHead(moov, e, end, chans) : { streams: 1 };
    if (typeof head === 'string') {
      out.refused = head;
      return undefined;
    }
    const { streams } = head;
    return {
      name: 'Opus packets hold (read as ffmpeg reads them)',
      reads: true,
      // a packet ffmpeg refuses holds nothing (opus.ts): by their TOC bytes alone, 63 frames of 60 ms
      // a packet counted 120 ms each, 1 MB 16 h where ffmpeg decodes none (round 22 C5a)
      held: (src, at, size) => {
        if (size < 1) return 0;
        const { buf, p } = packetBytes(src, at, size);
        return opusPacketSamples(buf, p, size, streams) / 48000;
      },
      most: () => 0.12,
    };
  }
  // FLAC: a sample is a frame, its header's block size (CRC-8 checked: a decoder drops a bad one)
  if (fourcc === 'fLaC')
    return {
      name: 'FLAC frames hold (their headers)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        const h = frameHead(buf.subarray(0, stop), p, 0);
        return h ? h.blockSize / Math.max(h.rate ?? rate, 4000) : 0;
      },
      most: () => 65535 / rate,
    };
  // MPEG audio (.mp3, or mp4a whose esds says MPEG-1/2 audio): the frames' samples, each header walked
  if (fourcc === '.mp3' || fourcc === 'mp3 ' || (fourcc === 'mp4a' && (oti === 0x69 || oti === 0x6b)))
    return {
      name: 'MPEG audio frames hold (their headers)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p: from, end: stop } = packetBytes(src, at, size);
        let s = 0;
        let p = from;
        for (let f = frameAt(buf, p); f && p + f.size <= stop; f = frameAt(buf, p)) {
          s += frameSeconds(buf, p, f);
          p += f.size;
        }
        // a sample longer than was read: its head's pace
        return s;
      },
      most: () => 1152 / 8000,
    };
  // AMR: a sample holds frames of 20 ms, each its header's size (a sample of several frames is walked);
  // what ffmpeg decodes of them, as in a .amr file (amr.ts): speech, and AMR-WB's NO_DATA under a SID
  if (fourcc === 'samr' || fourcc === 'sawb') {
    const sizes = fourcc === 'samr' ? AMR_NB_BYTES : AMR_WB_BYTES;
    const classify = amrFrames(fourcc === 'sawb');
    return {
      name: 'AMR frames hold (their headers)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p: from, end: stop } = packetBytes(src, at, size);
        let n = 0;
        let p = from;
        while (p < stop) {
          const type = (buf[p]! >> 3) & 15;
          p += sizes[type]!;
          if (p <= stop && amrCounts(classify(type))) n++;
        }
        return n * 0.02;
      },
      most: (size) => size * 0.02,
    };
  }
  // DTS (dtsc, or mp4a whose esds says 0xA9): its core frames' samples (blocks of 32 at the header's
  // rate), each header walked; counted as AAC's 2,048 before, 20 s of DTS as 80 s (attack round 9)
  if (fourcc === 'dtsc' || (fourcc === 'mp4a' && oti === 0xa9)) {
    // each frame checked as a decoder takes it, walked whole at first and then spot-checked (dts.ts)
    const dts = new DtsFrames();
    return {
      name: 'DTS frames hold (their headers)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p: from, end: stop } = packetBytes(src, at, size);
        let p = from;
        let s = 0;
        for (let f = dts.frame(buf, p, stop); f; f = dts.frame(buf, p, stop)) {
          s += f.seconds;
          p += f.size;
        }
        return s;
      },
      most: () => 4096 / 8000,
    };
  }
  // AC-3 and E-AC-3 (ac-3, ec-3, or mp4a whose esds says 0xA5/0xA6): their independent frames' samples (1,536 a frame at most), each header walked and each frame's CRC checked
  if (fourcc === 'ac-3' || fourcc === 'ec-3' || (fourcc === 'mp4a' && (oti === 0xa5 || oti === 0xa6)))
    return {
      name: 'AC-3 frames hold (their headers)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p: from, end: stop } = packetBytes(src, at, size);
        let s = 0;
        let p = from;
        for (let f = ac3Frame(buf, p, stop); f; f = ac3Frame(buf, p, stop)) {
          if (f.independent) s += f.samples / f.rate;
          p += f.size;
        }
        return s;
      },
      most: () => 1536 / 32000,
    };
  // AAC-LC (MPEG-4 audio, or MPEG-2 AAC LC): a sample is a frame of 1,024 (or 960) samples at the core's
  // rate, SBR or not. Its syntax is read as a decoder reads it (aac.ts) in the first AAC_CHECKED
  // samples, its last as many and AAC_SPREAD spread over it; when one fails, in every sample: a file
  // of junk frames (13 KB counted 384 s, ffmpeg decoding none; attack round 14a), or junk added after
  // a real file's first frames, counts what passes, while an honest file is read no further than those
  // 80 frames (every frame read would cost a read of the file). Fragments: the first AAC_CHECKED, then
  // every one once one fails
  const cfg =
    fourcc === 'mp4a' && (oti === undefined || isAacOti(oti))
      ? asc !== undefined
        ? // (the DecoderSpecificInfo is the decoder's extradata: a PCE running past it is refused)
          (aacConfig(moov, asc, ascLen ? asc + ascLen : end, true) ??
          'AAC AudioSpecificConfig too short: a decoder refuses it')
        : MP4A_NO_CONFIG
      : undefined;
  // (a config a decoder refuses: it decodes nothing of the track)
  if (typeof cfg === 'string') out.refused = cfg;
  else if (cfg) {
    let checked = 0;
    let failed = false;
    const frame = cfg.frame / (cfg.outRate ?? cfg.rate);
    // A sample not read whole holds nothing: no AAC frame is near a page (6,144 bits a channel), and
    // 65,537-byte samples of junk past the read budget each counted a frame (19.3 h from 2 MB, round
    // 19); nor does an empty one, which ffmpeg's demuxer never gives the decoder (0-byte ER samples,
    // silence to the ER syntax, counted 34,830 s of nothing, round 19)
    const holds = (src: FileSource, at: number, size: number): boolean => {
      if (size <= 0) return false;
      const { buf, p, end: stop } = packetBytes(src, at, size);
      return stop - p >= size && aacFrameHolds(buf, p, stop, cfg);
    };
    /** a sample far from the next one checked: its own bytes read, not a page */
    const holdsAlone = (src: FileSource, at: number, size: number): boolean => {
      if (size > PAGE || size <= 0) return holds(src, at, size);
      const buf = src.read(at, size);
      return buf.length >= size && aacFrameHolds(buf, 0, size, cfg);
    };
    return {
      name: 'AAC frames hold (their syntax)',
      reads: true,
      held: (src, at, size) => {
        // (an empty sample, or one larger than any AAC frame, holds nothing, checked or not)
        if (size <= 0 || size > PAGE) return 0;
        if (!failed && checked >= AAC_CHECKED) return frame;
        checked++;
        if (holds(src, at, size)) return frame;
        failed = true;
        return 0;
      },
      most: () => frame,
      gathers: () => failed,
      heldAll: (src, at, size, count, n) => {
        let held = 0;
        // runs in the file's order; a run the same as the one before (chunks pointed at the same bytes
        // again and again) holds what it held, not read again
        let last = -1;
        let lastHeld = 0;
        for (const i of byOffset(at, n)) {
          const a = at[i] ?? 0;
          const z = size[i] ?? 0;
          const c = count[i] ?? 0;
          if (last >= 0 && a === at[last] && z === size[last] && c === count[last]) {
            held += lastHeld;
            continue;
          }
          let h = 0;
          // (a step per 8 bytes checked: a frame's check costs ~15-20 ns a byte; and AAC_SAMPLE_STEPS
          // a sample, its page lookup and call: at 1 step, 2-byte samples of an 18.9 MB file took
          // 2.45 s of CPU within the budget, round 24 H2)
          src.work.tick(c * (AAC_SAMPLE_STEPS + (z >> 3)));
          for (let k = 0; k < c; k++) if (holds(src, a + k * z, z)) h += frame;
          held += h;
          [last, lastHeld] = [i, h];
        }
        return held;
      },
      vet: {
        indexes: aacVetted,
        check: (src, places) => {
          failed = places.some((w, i) => {
            if (!w) return false;
            const next = places[i + 1];
            return next && next[0] >= w[0] && next[0] - w[0] < PAGE ? !holds(src, ...w) : !holdsAlone(src, ...w);
          });
          checked = AAC_CHECKED;
          // (a frame laying out other channels, met among these, is met again in the file's order)
          cfg.relaid = undefined;
        },
      },
    };
  }
  // ALAC: a sample is a frame, walked as a decoder walks it with its magic cookie's config (alac.ts):
  // junk samples hold nothing (no checksum in ALAC); a sample past the read budget, its frame length
  if (fourcc === 'alac' && typeof out.alac === 'object') {
    const cfg = out.alac;
    // (a decoder takes the cookie's rate over the entry's: 20 s of 8 kHz frames under a cookie of
    // 96 kHz decode 1.7 s; round 15)
    const alacRate = cfg.rate >= 4000 ? cfg.rate : rate;
    return {
      name: 'ALAC frames hold (walked)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        // a sample not read whole (past the read budget: chunks pointed at the same 100 KB again and
        // again) is not walked, and holds nothing: counted by its frame length, 105 KB of zeros
        // counted 7,094 s (round 16); real ALAC packets are well under a page (4,096 stereo samples)
        return (stop - p < size ? 0 : alacPacketSamples(buf, p, stop, cfg)) / alacRate;
      },
      most: () => cfg.frameLength / alacRate,
    };
  }
  // TrueHD ('mlpa'): its access units, each checked as a decoder checks it (mlp.ts), in sample order;
  // counted from stts alone, junk samples made 108 KB count 7,200 s (round 16)
  if (fourcc === 'mlpa') {
    // (not joined across samples: ffmpeg's demuxer gives a decoder each sample alone; round 17)
    const units = new MlpUnits(false, false);
    return {
      name: 'TrueHD access units hold (checked)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        return stop - p < size ? 0 : units.seconds(buf, p, stop);
      },
      most: () => 0.1,
    };
  }
  // IMA4 (QuickTime's IMA ADPCM): 34 bytes a channel hold 64 samples, each block's header checked as
  // ffmpeg's decoder checks it (ima4.ts); counted by size alone, 1 MB of blocks whose step index
  // was 127 counted 246.72 s, 0 decoded, and 3 channels 61 s (round 24 C3, H1). In QuickTime's
  // uncompressed-audio tables (a sample a frame) a chunk of n samples is n / 64 blocks, read so.
  if (fourcc === 'ima4') {
    const refused = ima4Channels(chans);
    if (refused) {
      out.refused = refused;
      return undefined;
    }
    const block = IMA4_BLOCK * chans;
    return {
      name: 'IMA4 blocks hold (64 samples each, checked)',
      reads: true,
      held: (src, at, size) => {
        const { buf, p, end: stop } = packetBytes(src, at, size);
        return ima4PacketSamples(buf, p, stop, chans) / rate;
      },
      most: (size) => (Math.floor(size / block) * IMA4_SAMPLES) / rate,
      chunk: (src, at, n) => {
        // (n samples are n / 64 blocks; those whose bytes are in the file are present)
        const inFile = Math.min(n, Math.floor(Math.max(0, src.size - at) / block) * IMA4_SAMPLES);
        return [ima4Chunk(src, at, Math.floor(n / IMA4_SAMPLES) * block, chans) / rate, inFile];
      },
    };
  }
  // PCM: every byte is a sample's, at the entry's rate, channels and depth (4,000 Hz is the guard's lowest)
  if (fourcc in PCM_BYTES) {
    const version = moov.readUInt16BE(e + 16);
    const pcmC = fourcc === 'ipcm' ? entryChild(moov, e, end, 'pcmC') : undefined;
    const pcmBits = pcmC && pcmC.body + 6 <= pcmC.end ? moov[pcmC.body + 5]! : 0;
    let depth = PCM_BYTES[fourcc]! || pcmDepth(fourcc, moov.readUInt16BE(e + 26), pcmBits);
    if (depth === undefined) {
      out.refused = `PCM entry '${fourcc}' of ${pcmBits || moov.readUInt16BE(e + 26)}-bit samples: ffmpeg maps it to no PCM codec`;
      return undefined;
    }
    let channels = out.channels ?? 0;
    let pcmRate = rate;
    // a version 2 entry (lpcm) gives its rate as a double, its channels and bits past the version 0 fields
    if (version === 2 && e + 36 + 28 <= end) {
      pcmRate = Math.max(moov.readDoubleBE(e + 36 + 4), 4000);
      channels = moov.readUInt32BE(e + 36 + 12);
      if (fourcc === 'lpcm') {
        const bits = moov.readUInt32BE(e + 36 + 20);
        const float = (moov.readUInt32BE(e + 36 + 24) & 1) === 1;
        const bytes = lpcmBytes(bits, float);
        if (bytes === undefined) {
          out.refused = `lpcm of ${bits}-bit ${float ? 'float' : 'integer'} samples: ffmpeg maps it to no PCM codec`;
          return undefined;
        }
        depth = bytes;
      }
    }
    // a rate of 0 in the entry (16.16 fixed point, or version 2's double): ffmpeg refuses the track;
    // taken as the lowest rate, 1 MB counted 125-250 s (round 23a's re-probe after its fixes)
    const entryRate =
      version === 2 && e + 36 + 28 <= end ? moov.readDoubleBE(e + 36 + 4) : moov.readUInt32BE(e + 32) / 65536;
    if (!(entryRate > 0)) {
      out.refused = 'PCM sample entry with a sample rate of 0: a decoder refuses it';
      return undefined;
    }
    // (no channels: ffmpeg's decoder refuses the track; taken as 1, 1 MB counted 125-250 s; round 23a, H2)
    if (!channels) {
      out.refused = 'PCM sample entry of 0 channels: a decoder refuses it';
      return undefined;
    }
    // a sample is at least a frame (a sample of each channel): QuickTime's own files give PCM a
    // sample size of 1 whatever its depth, the samples being frames (ffmpeg reads them so)
    const frame = channels * Math.max(depth, 1);
    const perSecond = pcmRate * frame;
    return {
      name: 'PCM bytes hold (its rate, channels and depth)',
      reads: false,
      sampleBytes: frame,
      // (whole frames: ffmpeg's PCM decoder drops a packet's odd bytes; 275-byte samples of 16-bit
      // mono counted 65.536 s of 1 MB where it decodes 65.30, round 24)
      held: (_src, _at, size) => (Math.max(Math.floor(size / frame), 1) * frame) / perSecond,
      most: (size) => (Math.max(Math.floor(size / frame), 1) * frame) / perSecond,
    };
  }
  return undefined;
}

function fullBox(moov: Buffer, b: Box | undefined): number {
  return b ? b.body + 4 : -1;
}

/** ilbcdec.c: 30 ms frames up to this bit rate, 20 ms over it */
const ILBC_30MS_MOST = 14_000;
/** the band around it where the rate (av_rescale's rounding, an edit list) decides nothing here */
const ILBC_RATE_BAND = 0.02;

/**
 * The bit rate ffmpeg's mov demuxer gives a track without one in its entry, as iLBC's decoder reads
 * it for its mode: the sample sizes' sum in bits over mdhd's duration (0 when that is 0: the decoder
 * then does not open); undefined where it is not told here (an edit list, tables past moov, a rate
 * within 2 % of 14,000 bit/s).
 */
function ilbcBitRate(moov: Buffer, mdia: Box, stbl: Box, mdhd: Box, scale: number): number | undefined {
  if (child(moov, mdia, 'edts') || !scale) return undefined;
  const v1 = moov[mdhd.body] === 1;
  const at = mdhd.body + (v1 ? 24 : 16);
  if (at + (v1 ? 8 : 4) > mdhd.end) return undefined;
  const duration = v1 ? Number(moov.readBigUInt64BE(at)) : moov.readUInt32BE(at);
  if (duration === 0) return 0;
  const stsz = fullBox(moov, child(moov, stbl, 'stsz'));
  if (stsz < 0 || stsz + 8 > moov.length) return undefined;
  const fixed = moov.readUInt32BE(stsz);
  const n = moov.readUInt32BE(stsz + 4);
  let bytes = fixed * n;
  if (!fixed) {
    if (n > MAX_SAMPLES || stsz + 8 + n * 4 > moov.length) return undefined;
    for (let i = 0; i < n; i++) bytes += moov.readUInt32BE(stsz + 8 + i * 4);
  }
  const rate = (bytes * 8 * scale) / duration;
  return Math.abs(rate - ILBC_30MS_MOST) <= ILBC_30MS_MOST * ILBC_RATE_BAND ? undefined : rate;
}

/**
 * The sound track's sample tables (stts, stsc, stsz, stco/co64): the samples whose bytes lie inside
 * the file and how long they last. A copy cut inside mdat keeps its moov (at the front) but loses
 * the samples at the end; the header lengths (mvhd, mdhd, edit list) still claim them.
 * fragmentsVetted: the caller has found forgedFragments(src) false (else the fragments are checked here).
 */
export function mp4Tracks(src: FileSource, fragmentsVetted = false): Mp4Audio | undefined {
  const moov = findMoov(src);
  if (!moov) return undefined;
  const root: Box = { type: 'moov', start: 0, body: 8, end: moov.length };
  const out: Mp4Audio = { moov, sound: false, video: false };
  for (const trak of boxes(moov, root.body, root.end)) {
    if (trak.type !== 'trak') continue;
    const mdia = child(moov, trak, 'mdia');
    const hdlr = mdia && child(moov, mdia, 'hdlr');
    if (!mdia || !hdlr) continue;
    const handler = moov.toString('latin1', hdlr.body + 8, hdlr.body + 12);
    if (handler === 'vide') out.video = true;
    if (handler !== 'soun' || out.sound) continue;
    out.sound = true;
    let read: Reader | undefined;
    const mdhd = child(moov, mdia, 'mdhd');
    const minf = child(moov, mdia, 'minf');
    const stbl = minf && child(moov, minf, 'stbl');
    if (!mdhd || !stbl) return out;
    const scale = moov.readUInt32BE(mdhd.body + (moov[mdhd.body] === 1 ? 20 : 12));
    out.mediaScale = scale;
    const stsd = child(moov, stbl, 'stsd');
    if (stsd && stsd.body + 8 + 36 <= stsd.end) {
      const e = stsd.body + 8; // first sample entry
      out.fourcc = moov.toString('latin1', e + 4, e + 8);
      out.channels = moov.readUInt16BE(e + 24);
      // (TrueHD's entry gives its rate as a whole 32-bit number, not 16.16: 48 kHz read as 0)
      out.sampleRate = (out.fourcc === 'mlpa' ? moov.readUInt32BE(e + 32) : moov.readUInt32BE(e + 32) >>> 16) || scale;
      const types = out.fourcc === 'mp4a' ? esdsTypes(moov, e, stsd.end) : {};
      if (out.fourcc === 'mp4a') out.aacType = types.aot;
      // ALAC's magic cookie: an 'alac' box in the entry, whole (a decoder takes its 36 bytes or refuses it)
      if (out.fourcc === 'alac') {
        const box = entryChild(moov, e, stsd.end, 'alac');
        const cookie = box && box.end - box.body >= 28 ? box : undefined;
        // A cookie box of 36 bytes (ffmpeg's extradata) gives the stream its channels (mov.c's
        // mov_finalize_stsd_codec), so a decoder has no container count to fall back on: a cookie of 0
        // channels opens none. Taken from the entry as CAF's are, one byte made 1 h of ALAC (162 KB)
        // count 3,600 s, none decoded (attack round 26a, C6)
        const channels = cookie && cookie.end - cookie.start === 36 ? moov[cookie.body + 4 + 9] : out.channels;
        out.alac = cookie ? alacConfig(moov, cookie.body + 4, cookie.end, channels) : alacConfig(moov, -1, 0);
        if (typeof out.alac === 'string') out.refused = out.alac;
      }
      // QuickTime's uncompressed-audio tables: one stts run of 1 tick a sample (ffmpeg then reads chunks)
      const sttsAt = fullBox(moov, child(moov, stbl, 'stts'));
      const chunked =
        sttsAt >= 0 &&
        sttsAt + 12 <= moov.length &&
        moov.readUInt32BE(sttsAt) === 1 &&
        moov.readUInt32BE(sttsAt + 8) === 1;
      const ilbcRate = out.fourcc === 'ilbc' ? ilbcBitRate(moov, mdia, stbl, mdhd, scale) : undefined;
      read = reader(moov, e, stsd.end, out, types.oti, types.asc, types.ascLen, chunked, ilbcRate);
      if (!chunked && read) read.chunk = undefined;
      // an entry no reader reads (none is left: each is read or refused above) is not counted
      if (!read && !out.refused) out.refused = `MP4 sample entry '${out.fourcc}': its samples are not read here`;
    }
    const stts = fullBox(moov, child(moov, stbl, 'stts'));
    const stsc = fullBox(moov, child(moov, stbl, 'stsc'));
    const stsz = fullBox(moov, child(moov, stbl, 'stsz'));
    const co64 = child(moov, stbl, 'co64');
    const stco = fullBox(moov, co64 ?? child(moov, stbl, 'stco'));
    if (!scale || stts < 0 || stsc < 0 || stsz < 0 || stco < 0) return out;
    const fits = (p: number, n: number, w: number): boolean => p + 4 + n * w <= moov.length;
    const sttsN = moov.readUInt32BE(stts);
    const stscN = moov.readUInt32BE(stsc);
    const fixedSize = moov.readUInt32BE(stsz);
    const sampleN = moov.readUInt32BE(stsz + 4);
    const chunkN = moov.readUInt32BE(stco);
    const offW = co64 ? 8 : 4;
    if (
      !fits(stts, sttsN, 8) ||
      !fits(stsc, stscN, 12) ||
      !fits(stco, chunkN, offW) ||
      (!fixedSize && !fits(stsz + 4, sampleN, 4))
    )
      return out;
    // a sample count no recording has (a fixed-size stsz may claim 2^32): not walked
    if (sampleN > MAX_SAMPLES) return out;
    /** Chunk n's (from 1, in order) file offset and its samples by stsc, each call past the last. */
    const chunkCursor = (): ((chunk: number) => [number, number]) => {
      let ci = 0;
      return (chunk) => {
        while (ci + 1 < stscN && moov.readUInt32BE(stsc + 4 + (ci + 1) * 12) <= chunk) ci++;
        const perChunk = stscN ? moov.readUInt32BE(stsc + 4 + ci * 12 + 4) : 0;
        const off = co64
          ? Number(moov.readBigUInt64BE(stco + 4 + (chunk - 1) * 8))
          : moov.readUInt32BE(stco + 4 + (chunk - 1) * 4);
        return [off, perChunk];
      };
    };
    // (a fragmented file's table has no samples: its fragments' are checked as they come; round 18)
    if (read?.vet && sampleN > 0) {
      // the samples to check first, found by a walk of the tables that reads nothing
      const want = read.vet.indexes(sampleN);
      const places: ([number, number] | undefined)[] = [];
      const at = chunkCursor();
      for (let chunk = 1, s = 0; chunk <= chunkN && s < sampleN && places.length < want.length; chunk++) {
        src.work.tick();
        const [off, perChunk] = at(chunk);
        const n = Math.min(perChunk, sampleN - s);
        if (fixedSize) {
          // every sample the same size: a wanted one's place is arithmetic
          for (let i = want[places.length]; i !== undefined && i < s + n; i = want[places.length]) {
            const o = off + (i - s) * fixedSize;
            places.push(o + fixedSize <= src.size ? [o, fixedSize] : undefined);
          }
          s += n;
          continue;
        }
        for (let k = 0, o = off; k < n && places.length < want.length; k++, s++) {
          const size = moov.readUInt32BE(stsz + 8 + s * 4);
          if (want[places.length] === s) places.push(o + size <= src.size ? [o, size] : undefined);
          o += size;
        }
      }
      read.vet.check(src, places);
    }
    const times = sttsCursor(moov, stts, sttsN);
    let total = 0;
    let present = 0;
    let presentDur = 0;
    let s = 0;
    const chunkAt = chunkCursor();
    // what the present samples hold, by the codec's reader (seconds)
    let held = 0;
    // every sample to be read: gathered, then read in the file's order
    const gather = read?.gathers?.() ? new Gathered(src, read, Math.min(GATHER_MAX, sampleN)) : undefined;
    for (let chunk = 1; chunk <= chunkN && s < sampleN; chunk++) {
      src.work.tick();
      const [first, perChunk] = chunkAt(chunk);
      let off = first;
      const n = Math.min(perChunk, sampleN - s);
      if (fixedSize) {
        // every sample the same size: how many of the chunk's lie inside the file is arithmetic, not
        // a walk (a 564-byte file claiming 50 M samples in one chunk took 440 ms walked)
        // (a PCM sample is a frame's bytes whatever stsz says, as ffmpeg reads it: 12-bit lpcm in
        // 1-byte samples, 2 bytes a frame, counted 1 MB as 250 s where ffmpeg decodes 125; round 23a M2)
        const step = Math.max(fixedSize, read?.sampleBytes ?? 0);
        // (a chunk read as ffmpeg reads it says which of its samples are in the file: their bytes are not stsz's)
        const chunk = read?.chunk?.(src, off, n);
        const fit = chunk ? chunk[1] : off >= src.size ? 0 : Math.min(n, Math.floor((src.size - off) / step));
        const inFile = times.take(fit);
        if (chunk) held += chunk[0];
        else if (read && !read.reads) held += fit * read.held(src, off, fixedSize);
        else if (gather) {
          src.work.tick(fit);
          gather.take(off, fixedSize, fit);
        } else if (read) {
          src.work.tick(fit);
          for (let k = 0; k < fit; k++, off += fixedSize) held += read.held(src, off, fixedSize);
        }
        present += fit;
        presentDur += inFile;
        total += inFile + times.take(n - fit);
        s += n;
        continue;
      }
      src.work.tick(n);
      for (let k = 0; k < n; k++, s++) {
        const size = moov.readUInt32BE(stsz + 8 + s * 4);
        const at = off;
        off += size;
        const d = times.take(1);
        total += d;
        if (off <= src.size) {
          present++;
          presentDur += d;
          if (gather) gather.take(at, size);
          else if (read) held += read.held(src, at, size);
        }
      }
    }
    if (gather) held += gather.held();
    const tkhd = child(moov, trak, 'tkhd');
    const trackId = tkhd ? moov.readUInt32BE(tkhd.body + (moov[tkhd.body] === 1 ? 20 : 12)) : 0;
    const frag = child(moov, root, 'mvex')
      ? fragments(src, trackId, trexDuration(moov, root, trackId), fragmentsVetted, read)
      : undefined;
    if (frag) {
      s += frag.samples;
      present += frag.present;
      // fragments' samples read as the tables' are (each taken at the codec's largest, 20 s of Opus
      // with trun durations forged 16x counted 120 s; attack round 13a)
      held += frag.held;
      total += frag.ticks;
      presentDur += frag.presentTicks;
    }
    out.samples = s;
    out.present = present;
    out.tableSeconds = total / scale;
    // the edit list's first media time is the encoder's priming, which decoders drop
    const edts = child(moov, trak, 'edts');
    const elst = edts && child(moov, edts, 'elst');
    let skip = 0;
    if (elst && elst.body + 8 + 12 <= elst.end) {
      const v1 = moov[elst.body] === 1;
      const count = moov.readUInt32BE(elst.body + 4);
      for (let i = 0, e = elst.body + 8; i < count && e + (v1 ? 20 : 12) <= elst.end; i++, e += v1 ? 20 : 12) {
        const mt = v1 ? Number(moov.readBigInt64BE(e + 8)) : moov.readInt32BE(e + 4);
        if (mt !== -1) {
          skip = Math.max(0, mt);
          break;
        }
      }
    }
    out.presentSeconds = Math.max(0, presentDur - skip) / scale;
    // an AAC sample is one frame: 1,024 samples of its rate, 2,048 with SBR, 4,096 at most (USAC with
    // 4:1 SBR). Durations longer than that (stts, trun, tfhd, trex, or the timescale) are claims: a
    // fragment's forged durations counted 255 s from 14 frames of a 9.5 KB file (decoded 1.8 s)
    if (out.fourcc === 'mp4a' && !read && out.sampleRate && out.sampleRate >= 1000) {
      const frame = out.aacType === 42 ? USAC_MAX_FRAME : AAC_MAX_FRAME;
      const most = frame / out.sampleRate;
      if (out.tableSeconds > s * most || out.presentSeconds > present * most) {
        out.tableSeconds = Math.min(out.tableSeconds, s * most);
        out.presentSeconds = Math.min(out.presentSeconds, present * most);
        out.overlong = `sample durations claim more than ${frame} samples an AAC frame: counted at most that`;
      }
    }
    // an ALAC packet holds at most its cookie's frame length (4,096 from every encoder): stts deltas
    // of 20,000 at 8 kHz with an edit list to match counted 20 s of ALAC in 126 KB as 100 s
    if (out.fourcc === 'alac' && out.sampleRate && out.sampleRate >= 1000) {
      const frame = typeof out.alac === 'object' && out.alac.frameLength <= 65536 ? out.alac.frameLength : 4096;
      const most = frame / out.sampleRate;
      if (out.tableSeconds > s * most || out.presentSeconds > present * most) {
        out.tableSeconds = Math.min(out.tableSeconds, s * most);
        out.presentSeconds = Math.min(out.presentSeconds, present * most);
        out.overlong = `sample durations claim more than ${frame} samples an ALAC packet (its frame length): counted at most that`;
      }
    }
    // a codec whose samples no reader here reads (Speex, QCELP, EVRC, iLBC, GSM, an unknown
    // fourcc): a sample is one packet, and no audio codec's packet lasts more than about a second
    // (QDM2's and Vorbis's longest frames at 8 kHz): 600 samples of junk "of 12 s" each counted
    // 7,200 s from 108 KB (round 16). Junk packets of such a codec still count up to that.
    // Nor does any such codec write under 2 kbit/s (Speex's lowest mode is 2.15; none of these has
    // silence frames in MP4): the file's bytes at that rate bound them too (2,200 s → 434 s there).
    // (an mp4a read by no reader is now one of those: Opus, FLAC, EVRC or Vorbis by its esds; round 23a C5)
    // (since round 24 every sample entry is read or refused: only a track without one comes here)
    if (!read && out.fourcc !== 'alac') {
      const bytes = (src.size * 8) / UNTOLD_MIN_BPS;
      const table = Math.min(s * UNTOLD_SAMPLE_MAX, bytes);
      const held = Math.min(present * UNTOLD_SAMPLE_MAX, bytes);
      if (out.tableSeconds > table || out.presentSeconds > held) {
        out.tableSeconds = Math.min(out.tableSeconds, table);
        out.presentSeconds = Math.min(out.presentSeconds, held);
        out.overlong = `sample durations claim more than a codec whose packets are not read can hold (${UNTOLD_SAMPLE_MAX} s a packet, ${UNTOLD_MIN_BPS / 1000} kbit/s): counted at most that`;
      }
    }
    // a sample holds what its codec's frames say (an Opus packet's TOC byte, a FLAC, MPEG or AMR
    // frame's header, PCM's bytes): stts deltas forged with an edit list to match counted 20 s of
    // Opus in 46 KB as 400 s, and 20 s of µ-law, PCM, FLAC, MP3 or AMR ten times over (attack round 9)
    if (read) {
      const mostTable = held + (s - present) * read.most(Number.MAX_SAFE_INTEGER);
      if (out.presentSeconds > held + 1e-6 || out.tableSeconds > mostTable + 1e-6) {
        out.presentSeconds = Math.min(out.presentSeconds, held);
        out.tableSeconds = Math.min(out.tableSeconds, mostTable);
        out.overlong = `sample durations claim more than the ${read.name}: counted what they hold`;
      }
    }
  }
  return out;
}
