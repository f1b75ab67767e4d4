/*
 * Ogg (Opus, Vorbis, FLAC, Speex) by hand: an Ogg stream's length is the granule position of its last
 * page, and music-metadata finds that page by reading every page of the file. This reads the first page
 * (codec, rate, Opus pre-skip) and the last 64 KiB, which always hold the last complete page.
 */
import type { FileSource, ProbeResult } from './types.js';
import { frameHead, type FlacInfo } from './flac.js';
import { speexHead, speexPacketMost, speexPacketSamples, type SpeexHead } from './speex.js';
import { VorbisPackets, vorbisSetup } from './vorbis.js';
import { opusHeadRefused, opusHeadStreams, opusPacketSamples } from './opus.js';

const MAX_PAGE = 27 + 255 + 255 * 255;

/**
 * Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0 (RFC 3533), by eight tables
 * ("slicing by 8": table k is a byte followed by k zero bytes), eight bytes a step: 1,210 MB/s where
 * byte by byte ran at 219 (64 MB of 64 KB pages on the loaded 2-core machine; attack round 28a H1).
 */
const CRC = Array.from({ length: 8 }, () => new Int32Array(256));
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  CRC[0]![i] = c;
}
for (let t = 1; t < 8; t++)
  for (let i = 0; i < 256; i++) CRC[t]![i] = (CRC[t - 1]![i]! << 8) ^ CRC[0]![CRC[t - 1]![i]! >>> 24]!;
const [T0, T1, T2, T3, T4, T5, T6, T7] = CRC as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
];

/** The CRC `c` carried over the bytes [from, to) of b. */
function crcRun(c: number, b: Buffer, from: number, to: number): number {
  let i = from;
  for (; i + 8 <= to; i += 8) {
    c ^= (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
    c =
      T7[c >>> 24]! ^
      T6[(c >>> 16) & 0xff]! ^
      T5[(c >>> 8) & 0xff]! ^
      T4[c & 0xff]! ^
      T3[b[i + 4]!]! ^
      T2[b[i + 5]!]! ^
      T1[b[i + 6]!]! ^
      T0[b[i + 7]!]!;
  }
  for (; i < to; i++) c = (c << 8) ^ T0[((c >>> 24) ^ b[i]!) & 0xff]!;
  return c;
}

/** The CRC of a page (len bytes at p), its own checksum field counted as zeros. */
export function oggCrc(b: Buffer, p: number, len: number): number {
  let c = crcRun(0, b, p, p + Math.min(len, 22));
  for (let i = 22; i < Math.min(len, 26); i++) c = (c << 8) ^ T0[c >>> 24]!;
  if (len > 26) c = crcRun(c, b, p + 26, p + len);
  return c >>> 0;
}

interface Stream {
  codec: string;
  serial: number;
  /** granule units per second */
  granuleRate: number;
  sampleRate: number;
  channels: number;
  /** granules to subtract (Opus pre-skip) */
  preSkip: number;
  /** the most granules one packet can hold (Opus 120 ms, Vorbis half its long block, Speex its frames, FLAC its largest block) */
  perPacket: number;
  /** Speex: what a decoder takes from the header, or why it refuses it (its packets are walked: speex.ts) */
  speex?: SpeexHead | string;
  /** Opus: the streams a packet holds (its OpusHead's channel mapping) */
  opusStreams?: number;
  /** FLAC: what STREAMINFO tells the decoder of the frames (a frame at odds with it is refused) */
  flac?: FlacInfo;
}

function crcOk(b: Buffer, p: number, len: number): boolean {
  return oggCrc(b, p, len) === b.readUInt32LE(p + 22);
}

/**
 * A page ffmpeg's ogg_read_page takes: its checksum holds and its stream structure version (byte 4) is
 * 0. It drops any other page ("CRC mismatch", "Invalid Ogg vers!") and looks for the next capture
 * pattern. The version was never read: ffmpeg's 1 h Opus with version 1 on every page but the
 * first two and the last (each checksum right) counted 3,600 s, 0.013 s decoded (attack round 26a C8).
 */
function pageOk(b: Buffer, p: number, len: number): boolean {
  return b[p + 4] === 0 && crcOk(b, p, len);
}

/** The most beginning-of-stream pages read (a file of more streams than this is none a recorder makes). */
const MAX_BOS = 64;

/**
 * The first audio stream among the streams that begin the file (a video's Theora stream may come
 * first), or why there is none. Every beginning-of-stream page is read whole, wherever it ends: a
 * header page past the 4 KiB head escaped the checksum test (one bit of the checksum of ffmpeg's
 * 1 h Opus, its OpusHead padded to 5 KB: 3,600 s counted, 0 decoded; attack round 26a C1). A header
 * ffmpeg's Ogg demuxer refuses fails the whole file, whichever stream it belongs to.
 */
function firstStream(src: FileSource): Stream | string {
  const head = src.head;
  let why = 'not an Ogg page';
  let first: Stream | undefined;
  for (let p = 0, n = 0; n < MAX_BOS && p + 27 <= src.size; n++) {
    const top = p + 282 <= head.length ? head.subarray(p, p + 282) : src.read(p, 282);
    if (top.length < 27 || top.toString('latin1', 0, 4) !== 'OggS') {
      if (p === 0) return why;
      break;
    }
    if (p > 0 && !(top[5]! & 2)) break; // past the beginning-of-stream pages
    // ffmpeg's ogg_probe takes a file as Ogg only when its first page's flags are at most 7 (a .ogg
    // may still open by its name; .oga does not: 8 s counted, 0 decoded)
    if (p === 0 && top[5]! > 7) return `a first Ogg page of flags ${top[5]} (ffmpeg does not take it as Ogg)`;
    const nsegs = top[26]!;
    if (top.length < 27 + nsegs) return 'first Ogg page cut off';
    let body = 0;
    for (let k = 0; k < nsegs; k++) body += top[27 + k]!;
    const len = 27 + nsegs + body;
    const page = p + len <= head.length ? head.subarray(p, p + len) : src.read(p, len);
    if (page.length < len) return first ?? 'first Ogg page cut off';
    src.work.tick(len >> 12);
    // a header page whose checksum fails, or of another version, is dropped: ffmpeg sets no stream up
    // from it and decodes nothing of the file (one bit of the first page's checksum: 3,600 s counted,
    // 0 decoded; 25d C2)
    if (!pageOk(page, 0, len)) {
      why = 'an Ogg header page whose checksum fails or of another version (a decoder drops it)';
      p += len;
      continue;
    }
    const s = streamAt(page);
    // a header page flagged "continued": ffmpeg drops its first packet as the tail of one it did not
    // see, and takes the next for the header (Speex: "speex packet too small", 8 s counted, 0 decoded)
    if (page[5]! & 1) return 'a beginning-of-stream Ogg page flagged continued (a decoder drops its header)';
    // more channels than ffmpeg's resampler takes (SWR_CH_MAX, 64): it decodes and can output
    // nothing (a Vorbis header's channel byte 65: 8 s counted, 0 decoded; 64 decodes)
    if (typeof s !== 'string' && s.channels > 64)
      return `${s.channels} channels, more than ffmpeg outputs (64): nothing of it is decoded`;
    if (typeof s === 'string') {
      if (s.startsWith(REFUSED)) return s.slice(REFUSED.length);
      if (!first) why = s;
    } else first ??= s;
    p += len;
  }
  return first ?? why;
}

/** Marks a header ffmpeg's Ogg demuxer refuses ("Header processing failed"): the file fails whole. */
const REFUSED = 'refused:';

/**
 * The stream a beginning-of-stream page (at 0 of `page`, whole) sets up: its first packet, by the
 * page's lacing, read as ffmpeg's Ogg demuxer reads it (oggparse*.c) and as its decoder takes it.
 */
function streamAt(page: Buffer): Stream | string {
  const serial = page.readUInt32LE(14);
  const nsegs = page[26]!;
  const p = 27 + nsegs;
  // the header packet's own length, from the page's lacing (read past it, an OpusHead of 18 bytes
  // took the next packet's bytes for its mapping)
  let len = 0;
  for (let k = 0; k < nsegs; k++) {
    len += page[27 + k]!;
    if (page[27 + k]! < 255) break;
  }
  const pkt = page.subarray(p, p + len);
  if (pkt.toString('latin1', 0, 8) === 'OpusHead') {
    // oggparseopus.c: an OpusHead under 19 bytes or of a version with its high nibble set fails the
    // file; the decoder's checks (opusHeadRefused) fail the stream
    if (pkt.length < 19 || pkt[8]! & 0xf0)
      return `${REFUSED}an OpusHead ffmpeg's Ogg demuxer refuses (version ${pkt[8] ?? '?'}, ${pkt.length} bytes)`;
    // and it reads an OpusHead only from a page flagged beginning-of-stream: elsewhere it is no header,
    // no stream is set up and nothing decodes (the first page's flags cleared: 8 s counted, 0 decoded)
    if (!(page[5]! & 2)) return 'an OpusHead on a page not flagged beginning-of-stream (no stream is set up)';
    const refused = opusHeadRefused(pkt);
    if (refused) return `${REFUSED}${refused}`;
    return {
      codec: 'OGG/OPUS',
      serial,
      granuleRate: 48000,
      sampleRate: pkt.readUInt32LE(12) || 48000,
      channels: pkt[9]!,
      preSkip: pkt.readUInt16LE(10),
      perPacket: 5760, // 120 ms at 48 kHz (RFC 6716, 3.2.5)
      opusStreams: opusHeadStreams(pkt),
    };
  }
  if (pkt[0] === 1 && pkt.toString('latin1', 1, 7) === 'vorbis') {
    // oggparsevorbis.c takes an identification header of 30 bytes, version 0, block sizes 2^6..2^13
    // (short ≤ long) and a framing byte of exactly 1, and fails the file otherwise. Matroska's Vorbis
    // is read by the decoder alone, which takes any version, so this is the Ogg demuxer's own: ffmpeg's
    // 1 h Vorbis (10.8 MB) with version 1 counted 3,600 s, 0 decoded (attack round 26a H2)
    const bs = pkt[28] ?? 0;
    if (
      pkt.length !== 30 ||
      pkt.readUInt32LE(7) !== 0 ||
      (bs & 15) > bs >> 4 ||
      (bs & 15) < 6 ||
      bs >> 4 > 13 ||
      pkt[29] !== 1
    )
      return `${REFUSED}a Vorbis identification header ffmpeg's Ogg demuxer refuses (${pkt.length} bytes, version ${pkt.length >= 11 ? pkt.readUInt32LE(7) : '?'}, framing ${pkt[29] ?? '?'})`;
    const rate = pkt.readUInt32LE(12);
    // a packet yields a quarter of the previous block and a quarter of its own: at most half the long block (2^13 at most)
    const long = 2 ** (bs >> 4);
    return {
      codec: 'OGG/VORBIS',
      serial,
      granuleRate: rate,
      sampleRate: rate,
      channels: pkt[11]!,
      preSkip: 0,
      perPacket: Math.min(long, 8192) / 2,
    };
  }
  if (pkt.toString('latin1', 0, 8) === 'Speex   ') {
    // oggparsespeex.c: a header under 68 bytes, a rate ≤ 0, other than 1 or 2 channels, or a frame
    // size × frames a packet past INT32_MAX / 256 fail the file. The frame size's high byte set
    // counted ffmpeg's 1 h Speex (7.1 MB) 3,600 s, 0 decoded (attack round 26a C8)
    if (pkt.length < 68) return `${REFUSED}a Speex header of ${pkt.length} bytes (68 at least)`;
    const rate = pkt.readInt32LE(36);
    const channels = pkt.readInt32LE(48);
    const frameSize = pkt.readInt32LE(56);
    const frames = pkt.readInt32LE(64);
    if (rate <= 0) return `${REFUSED}a Speex header of rate ${rate}`;
    if (channels < 1 || channels > 2) return `${REFUSED}a Speex header of ${channels} channels`;
    if (frameSize < 0 || frames < 0 || frameSize * frames > Math.floor(0x7fffffff / 256))
      return `${REFUSED}a Speex header of frame size ${frameSize}, ${frames} frames a packet`;
    const speex = speexHead(pkt);
    return {
      speex,
      codec: 'OGG/SPEEX',
      serial,
      granuleRate: rate,
      sampleRate: rate,
      channels,
      preSkip: 0,
      // what a decoder makes of a packet (speex.ts); a header it refuses, frame size × frames per packet
      // (at most 10 frames of 640 samples in practice; the header's own figures, capped)
      perPacket:
        typeof speex === 'object'
          ? speexPacketMost(speex)
          : Math.min(640, frameSize || 640) * Math.min(10, frames || 1),
    };
  }
  if (pkt[0] === 0x7f && pkt.toString('latin1', 1, 5) === 'FLAC') {
    // 0x7F "FLAC" major minor nheaders(2) "fLaC" block-header(4) STREAMINFO(34). oggparseflac.c fails
    // the file on a major version other than 1, a block header other than 00 00 00 22 (its "last"
    // bit set too) or a rate of 0: one byte of ffmpeg's 1 h Ogg FLAC of silence (794 KB) counted
    // 3,600 s, 0 decoded (attack round 26a C4)
    const si = 9 + 4 + 4;
    if (pkt.length < si + 34) return `${REFUSED}an Ogg FLAC header of ${pkt.length} bytes`;
    if (pkt[5] !== 1) return `${REFUSED}Ogg FLAC mapping version ${pkt[5]} (ffmpeg reads 1)`;
    if (pkt.readUInt32BE(si - 4) !== 34)
      return `${REFUSED}an Ogg FLAC STREAMINFO block header ${pkt.readUInt32BE(si - 4).toString(16)} (ffmpeg takes 22 alone)`;
    const rate = (pkt[si + 10]! << 12) | (pkt[si + 11]! << 4) | (pkt[si + 12]! >> 4);
    if (!rate) return `${REFUSED}Ogg FLAC without a sample rate`;
    const channels = ((pkt[si + 12]! >> 1) & 7) + 1;
    // the decoder's STREAMINFO checks (ff_flac_parse_streaminfo): a largest block under 16 or under 4
    // bits a sample and it does not open
    const maxBlock = pkt.readUInt16BE(si + 2);
    const bps = (((pkt[si + 12]! & 1) << 4) | (pkt[si + 13]! >> 4)) + 1;
    if (maxBlock < 16) return `${REFUSED}Ogg FLAC STREAMINFO of largest block ${maxBlock}: a decoder refuses it`;
    if (bps < 4) return `${REFUSED}Ogg FLAC STREAMINFO of ${bps} bits a sample: a decoder refuses it`;
    return {
      codec: 'OGG/FLAC',
      serial,
      granuleRate: rate,
      sampleRate: rate,
      channels,
      preSkip: 0,
      perPacket: 65535,
      flac: { bps, maxBlock },
    };
  }
  if (
    pkt.toString('latin1', 1, 7) === 'theora' ||
    pkt.toString('latin1', 0, 8) === 'fishead\0' ||
    pkt.toString('latin1', 1, 4) === 'VP8'
  )
    return 'video, no audio stream';
  return 'unknown Ogg codec';
}

export function probeOgg(src: FileSource): ProbeResult {
  let r = probeLastPage(src);
  const s = firstStream(src);
  if (typeof s === 'string') return r;
  if (src.size > WHOLE_MAX) {
    if (r.kind !== 'audio') return r;
    const estimate = "its last page's granule, the file too large to walk (estimate)";
    return { ...r, error: r.error ? `${r.error}; ${estimate}` : estimate };
  }
  // the stream ended before the tail (multiplexed with a longer one: 20 s of Opus beside 60 s was
  // unreadable; round 15): its last page with a granule, found by the walk
  const walk = r.error === NO_PAGE ? heldGranules(src, s, true) : undefined;
  if (walk?.last !== undefined && walk.last > s.preSkip)
    r = {
      kind: 'audio',
      seconds: (walk.last - s.preSkip) / s.granuleRate,
      codec: s.codec,
      sampleRate: s.sampleRate,
      channels: s.channels,
      error: walk.complete ? undefined : 'cut off: no end-of-stream page; counted up to the last complete page',
    };
  if (r.kind !== 'audio' || r.seconds === undefined) return r;
  // a Speex header a decoder refuses: none of the stream decodes
  if (typeof s.speex === 'string')
    return { kind: 'unreadable', codec: s.codec, error: `${s.speex}: a decoder refuses it` };
  const h = walk ?? heldGranules(src, s);
  if (h.walker?.refused)
    return { kind: 'unreadable', codec: s.codec, error: `${h.walker.refused}: a decoder refuses it` };
  const held = (h.held - s.preSkip) / s.granuleRate;
  if (h.ended) {
    // ffmpeg's read ends there: what the stream's packets before it hold, and no further than their
    // last granule (FLAC's frames are a bound, not a decode)
    let upTo = Math.min(r.seconds, held);
    if (!h.walker?.exact()) upTo = Math.min(upTo, ((h.reached ?? 0) - s.preSkip) / s.granuleRate);
    if (upTo <= 0) return { kind: 'unreadable', codec: s.codec, error: `${h.ended}, before any audio` };
    const note = `${h.ended}: counted what comes before it`;
    return { ...r, seconds: upTo, error: r.error ? `${note}; ${r.error}` : note };
  }
  if (h.walker?.exact()) {
    // Speex's and Vorbis's packets walked as a decoder walks them: what they hold is what it makes,
    // no bound to allow for (a last packet ffmpeg refuses, as libspeex ends a stream of 8 frames a
    // packet, or trims, 40 ms less)
    if (held <= 0) return { kind: 'unreadable', codec: s.codec, error: 'no packet of the stream decodes' };
    if (r.seconds <= held + 1) return { ...r, seconds: Math.min(r.seconds, held) };
    const note = `the last page's granule says ${r.seconds.toFixed(1)} s, more than a decoder makes of the stream's packets: counted what it makes`;
    return { ...r, seconds: held, error: r.error ? `${note}; ${r.error}` : note };
  }
  if (h.otherRate && r.seconds > held) {
    const note = `frames of a rate other than STREAMINFO's ${s.sampleRate} Hz: counted what they hold at their own`;
    return { ...r, seconds: Math.max(0, held), error: r.error ? `${note}; ${r.error}` : note };
  }
  // FLAC: each packet is one frame whose header (CRC-8 checked) gives its samples, so what the frames
  // hold is the length (an encoder's granules are their sum); frames ffmpeg refuses hold none (one
  // byte in a frame: 8 s counted by the granules, 6.9 decoded)
  if (s.codec === 'OGG/FLAC' && r.seconds > held + 0.001 && held > 0) {
    const note = `the last page's granule says ${r.seconds.toFixed(1)} s, more than a decoder makes of the stream's packets (its frames): counted what they hold`;
    return { ...r, seconds: held, error: r.error ? `${note}; ${r.error}` : note };
  }
  if (r.seconds <= SLACK * held + 1) return r;
  const note = `the last page's granule says ${r.seconds.toFixed(1)} s, more than twice what the stream's packets hold (forged granules?): counted what they hold`;
  return { ...r, seconds: Math.max(0, held), error: r.error ? `${note}; ${r.error}` : note };
}

const NO_PAGE = 'no complete Ogg page with a granule position';

/** Read whole, a window at a time, up to this size (as Matroska's blocks are). */
// (1 GiB: a file over 64 MiB, its tail's granule believed, counted 800,020 s for 9 s decoded, round 19)
const WHOLE_MAX = 1024 * 1024 * 1024;
const WINDOW = 1024 * 1024;
/** How far a length may run past what the packets hold before it is doubted. */
const SLACK = 2;

/**
 * The granules every packet of the stream holds, at most (Opus, Speex and Vorbis walked packet by packet, the others their
 * perPacket), every page of the file walked. The last page is judged against the one before it, but
 * granules forged from a page in the middle on (every later page shifted alike, each CRC right) left
 * the tail in step: 20 s of Opus or Vorbis (14-23 KB) counted 80 s, up to the guard's floor (attack
 * round 7c). A header packet counts too (a few packets over: the bound errs long). Linear: each step
 * moves past a page, or to the next capture pattern after junk.
 */
function heldGranules(
  src: FileSource,
  s: Stream,
  /** also find the stream's last page with a granule (its CRC checked): a read of every page's bytes */
  findLast = false,
): Held {
  let last: number | undefined;
  let complete = false;
  /** the stream's last granule before where ffmpeg's read would end */
  let reached: number | undefined;
  let ended: string | undefined;
  // the streams the file's first pages set up, and whether a page of data was met (ffmpeg's
  // data_packets_seen: a new serial after it replaces the stream, or ends the read)
  const serials = new Set<number>();
  let dataSeen = false;
  let base = 0;
  let buf = src.read(0, Math.min(WINDOW, src.size));
  let p = 0;
  let held = 0;
  let otherRate = false;
  const walker =
    typeof s.speex === 'object'
      ? speexWalker(s.speex)
      : s.codec === 'OGG/VORBIS'
        ? new VorbisWalker(s.perPacket, (n) => src.work.tick(n))
        : s.codec === 'OGG/OPUS'
          ? opusWalker(s.opusStreams ?? 1)
          : undefined;
  const packets = walker && new Packets(walker, (n) => src.work.tick(n));
  // ffmpeg's ogg_read_page, followed byte for byte (oggdec.c): where its next read starts (after a
  // page it took, that page's end; after one it dropped, the dropped page's fifth byte), the start of
  // the last page it took (ogg->page_pos, -1 once looked back from), and, while it looks for the next
  // "OggS", the byte its look counts from. It looks over fewer than MAX_PAGE_SIZE (65,307) bytes and
  // otherwise fails the read ("cannot find sync word"): nothing after decodes. A look starts where the
  // read stands unless the last page it took began past byte 0: then it goes back to that page's
  // fifth byte and counts from its start (so it may meet a page inside that page's body, or a dropped
  // page again). The walk went over any junk to the next page: ffmpeg's 1 h Opus with 64 KB of zeros
  // after its 4th page counted 3,597 s, 1.99 s decoded (attack round 28a C3). Measured on ffmpeg's
  // Opus, Vorbis, FLAC and Speex: an "OggS" 65,306 bytes on reads on, 65,307 ends the read
  // (test/round28-ogg.test.ts).
  let pos = 0;
  let pagePos = -1;
  let look = -1;
  /** the end of the furthest page checksummed: a page looked back to is checksummed again, a step each 32 bytes */
  let frontier = 0;
  // the stream's headers: the page on which the packet after them ends is where ffmpeg's header read
  // stops, and its ogg_get_length's save and restore set page_pos to -1 (one stream alone is followed)
  const headers = s.codec === 'OGG/VORBIS' ? 3 : 2;
  /** FLAC: 0 before its first frame, 1 in it, 2 past the page it ends on */
  let flacData = 0;
  /** FLAC: a packet of the stream is left open by its last page (ffmpeg's psize over 0) */
  let flacOpen = false;
  for (;;) {
    if (p + 27 + 255 > buf.length && base + buf.length < src.size) {
      base += p;
      buf = src.read(base, Math.min(WINDOW, src.size - base));
      p = 0;
    }
    if (p + 27 > buf.length) break;
    src.work.tick();
    if (buf.readUInt32BE(p) !== 0x4f676753) {
      let from = p + 1;
      if (look < 0) {
        look = pos; // (the walk stands at pos)
        if (pagePos > 0) {
          look = pagePos;
          pagePos = -1;
          if (look + 4 < base) {
            base = look + 4;
            buf = src.read(base, Math.min(WINDOW, src.size - base));
          }
          from = look + 4 - base;
        }
      }
      const next = buf.indexOf('OggS', from, 'latin1');
      if (next < 0) {
        if (base + buf.length >= src.size) break;
        p = Math.max(from, buf.length - 3);
      } else p = next;
      continue;
    }
    if (look >= 0) {
      if (base + p - look >= MAX_PAGE) {
        ended = `ffmpeg's read ends: no Ogg page within ${(MAX_PAGE - 1).toLocaleString('en')} bytes of byte ${look} (the next at byte ${base + p})`;
        break;
      }
      look = -1;
    }
    const nsegs = buf[p + 26]!;
    if (p + 27 + nsegs > buf.length) break;
    let body = 0;
    for (let k = 0; k < nsegs; k++) body += buf[p + 27 + k]!;
    if (base + p + 27 + nsegs + body > src.size) break; // cut off
    if (p + 27 + nsegs + body > buf.length) {
      // a page past the window: read from its start
      base += p;
      buf = src.read(base, Math.min(Math.max(WINDOW, MAX_PAGE), src.size - base));
      p = 0;
      continue;
    }
    // a page whose checksum fails (or of another version) is dropped by ffmpeg's ogg_read_page ("CRC
    // mismatch"), which then looks for the next capture pattern from the page's fifth byte: its
    // packets are none of the stream's. Every page was taken: a 1 h Opus file with one bit flipped in
    // each page's checksum counted 3,600 s, 0.013 decoded (attack round 25d C1)
    const version0 = buf[p + 4] === 0;
    if (!version0 || !crcOk(buf, p, 27 + nsegs + body)) {
      // its checksum's work by the byte (a step each 32): dropped pages may overlap (the look goes on
      // from their fifth byte), so what their checksums cost is not bounded by the file's size. At a
      // step a page and one each 4 KB, 10 MB of "OggS\0" repeated (a 7 KB candidate page every 5 bytes)
      // took 1.4 s of CPU, and the time grew with the file (attack round 28a H1's follow-up)
      if (version0) src.work.tick((27 + nsegs + body) >> 5);
      p += 4;
      pos = base + p;
      continue;
    }
    pagePos = base + p;
    pos = pagePos + 27 + nsegs + body;
    if (pagePos < frontier) src.work.tick((pos - pagePos) >> 5);
    frontier = Math.max(frontier, pos);
    const serial = buf.readUInt32LE(p + 14);
    if (!serials.has(serial)) {
      if (dataSeen) {
        // a stream no first page announced, after data: ffmpeg's ogg_replace_stream takes it as the
        // next link of a chained file when the file has one stream and the page starts a packet of
        // the same codec, and otherwise fails the read ("Cannot identify new stream"): nothing after
        // it decodes. It was passed over: one byte (and the checksum) of page 2 of ffmpeg's 1 h Opus
        // counted 3,599 s, 0 decoded (attack round 26a C9). The links of a chain are not counted.
        if (serials.size !== 1 || !sameCodec(buf.subarray(p + 27 + nsegs, p + 27 + nsegs + body), s))
          ended = `ffmpeg's read ends at byte ${base + p}: a page of a stream no header announced`;
        break;
      }
      serials.add(serial);
    }
    if (!(buf[p + 5]! & 2)) dataSeen = true;
    if (serial === s.serial) {
      const g = buf.readBigInt64LE(p + 6);
      // Opus: a page on which a data packet ends, of a granule past 2^62 (negative, or -1), fails
      // ffmpeg's read ("Unsupported huge granule pos": oggparseopus.c): nothing from it on decodes.
      // Other codecs' demuxers take it (checked: Vorbis, Speex, FLAC decode on). One byte of page 2
      // of ffmpeg's 1 h Opus counted 3,600 s, 0 decoded (attack round 26a C9)
      if (s.codec === 'OGG/OPUS' && (g < 0n || g > 1n << 62n) && packets) {
        let ends = 0;
        for (let k = 0; k < nsegs; k++) if (buf[p + 27 + k]! < 255) ends++;
        if (packets.count + ends > 2) {
          ended = `ffmpeg's read ends at byte ${base + p}: an Opus page of granule ${g}`;
          break;
        }
      }
      // the stream's last page with a granule whose checksum holds (as the tail's is read)
      if (g >= 0n) {
        reached = Number(g);
        if (findLast) {
          last = Number(g);
          complete = (buf[p + 5]! & 4) !== 0;
        }
      }
      if (packets) {
        const before = packets.count;
        packets.page(buf, p);
        if (before <= headers && packets.count > headers && serials.size === 1) pagePos = -1;
        p += 27 + nsegs + body;
        continue;
      }
      let at = p + 27 + nsegs;
      // a packet begins at the page's first lace unless it is flagged continued or a packet is open
      // (ffmpeg joins the open packet to it, flagged or not, as Packets does: FLAC pages each of a
      // whole frame and the first 255 bytes of the next counted 60 s, 30 decoded, as each page's
      // first frame went into the packet left open)
      let starts = !(buf[p + 5]! & 1) && !flacOpen;
      let inPacket: boolean = flacOpen;
      for (let k = 0; k < nsegs; k++) {
        const lace = buf[p + 27 + k]!;
        if (starts && lace > 0) {
          src.work.tick();
          const g = packetGranules(buf, at, s);
          held += g.granules;
          if (g.otherRate) otherRate = true;
          // oggparseflac.c: the first packet of byte 0xFF (a frame) ends the headers
          if (flacData === 0 && buf[at] === 0xff) flacData = 1;
        }
        if (starts && lace > 0) inPacket = true;
        if (lace < 255 && flacData === 1) {
          flacData = 2;
          if (serials.size === 1) pagePos = -1;
        }
        if (lace < 255) inPacket = false;
        starts = lace < 255;
        at += lace;
      }
      flacOpen = inPacket;
    }
    p += 27 + nsegs + body;
  }
  if (walker) return { held: walker.held(), last, complete, walker, ended, reached };
  return { held, last, complete, ended, reached, otherRate };
}

/** What the walk of every page found. */
interface Held {
  /** granules the stream's packets hold, at most (exact where the walker is) */
  held: number;
  /** the stream's last page with a granule, and whether it ends the stream (findLast) */
  last?: number;
  complete: boolean;
  walker?: Walker;
  /** where and why ffmpeg's read of the file would end before its end: nothing after decodes */
  ended?: string;
  /** the stream's last granule before that */
  reached?: number;
  /** FLAC: a frame states a rate other than STREAMINFO's (the granules are not its length) */
  otherRate?: boolean;
}

/** Whether a page's body begins the header of the stream's codec (the next link of a chained file). */
function sameCodec(body: Buffer, s: Stream): boolean {
  if (s.codec === 'OGG/OPUS') return body.toString('latin1', 0, 8) === 'OpusHead';
  if (s.codec === 'OGG/VORBIS') return body[0] === 1 && body.toString('latin1', 1, 7) === 'vorbis';
  if (s.codec === 'OGG/SPEEX') return body.toString('latin1', 0, 8) === 'Speex   ';
  return body[0] === 0x7f && body.toString('latin1', 1, 5) === 'FLAC';
}

/**
 * A codec read packet by packet, as a decoder reads it: each of the stream's packets in order, its
 * headers included; what they hold is what a decoder makes of them (exact), or, where no setup
 * header was met (a Vorbis stream of fewer than three packets), the bound.
 */
interface Walker {
  /** the packet at [from, to) of b (no copy: a subarray a packet cost 0.33 s of 1.3 s for 20 MB of 1-byte packets) */
  take(b: Buffer, from: number, to: number, index: number): void;
  held(): number;
  exact(): boolean;
  /** why a decoder refuses the stream's headers: none of it decodes */
  refused?: string;
}

/** Speex: every packet after the two headers (speex.ts). */
function speexWalker(h: SpeexHead): Walker {
  let held = 0;
  return {
    take: (b, from, to, i) => {
      if (i >= 2) held += speexPacketSamples(b.subarray(from, to), h);
    },
    held: () => held,
    exact: () => true,
  };
}

/**
 * Opus: every packet after the two headers, read as ffmpeg reads it (opus.ts): a packet it refuses
 * holds nothing. Read by its TOC byte alone, 63 frames of 60 ms a packet counted 120 ms each, and a
 * code-1 packet of an odd length 40 ms: 1 MB of them 3.5 h where ffmpeg decodes none (round 22 C5).
 */
function opusWalker(streams: number): Walker {
  let held = 0;
  const w: Walker = {
    take: (b, from, to, i) => {
      // the packet after OpusHead must be OpusTags (oggparseopus.c), else the stream is refused and
      // nothing decodes: its page dropped for a bad checksum counted 3,600 s of 0 (round 25d C2), and
      // so did its page flagged "continued", whose first packet ffmpeg drops as the tail of one it
      // did not see (the test read the page's bytes: attack round 26a C9)
      if (i === 1 && b.toString('latin1', from, Math.min(to, from + 8)) !== 'OpusTags')
        w.refused = 'no OpusTags packet after OpusHead';
      if (i >= 2) held += opusPacketSamples(b, from, to - from, streams);
    },
    held: () => held,
    exact: () => true,
  };
  return w;
}

/** Vorbis: the setup header is the third packet; the packets after it are read against it (vorbis.ts). */
class VorbisWalker implements Walker {
  private id: Buffer | undefined;
  private packets: VorbisPackets | undefined;
  private walked = 0;
  /** each packet at its bound, headers too, for a stream that cannot be walked */
  private bound = 0;
  refused?: string;
  constructor(
    private readonly most: number,
    private readonly tick: (n?: number) => void,
  ) {}
  take(b: Buffer, from: number, to: number, i: number): void {
    const p = b.subarray(from, to);
    this.bound += this.most;
    if (i === 0) this.id = Buffer.from(p);
    // oggparsevorbis.c takes the headers in the order 1, 3, 5 (identification, comments, setup), each
    // once, then a packet of even type (audio); any other packet among them fails the file (the
    // comment packet's type byte 0: 8 s counted, 0 decoded; attack round 26a's header-field fuzz)
    else if (i === 1 && p[0] !== 3) this.refused = `a Vorbis packet of type ${p[0]} where the comment header goes`;
    else if (i === 3 && (p[0]! & 1) === 1) this.refused = `a Vorbis packet of type ${p[0]} after the setup header`;
    if (i === 2) {
      const s = this.id ? vorbisSetup(this.id, p) : 'no Vorbis identification header';
      if (typeof s === 'string') this.refused = s;
      else this.packets = new VorbisPackets(s, this.tick);
    } else if (i > 2 && this.packets) this.walked += this.packets.samples(p);
  }
  held(): number {
    return this.packets ? this.walked : this.bound;
  }
  exact(): boolean {
    return this.packets !== undefined;
  }
}

/**
 * A stream's whole packets, laces gathered over pages, for a codec walked packet by packet, as ffmpeg
 * 5.1's Ogg demuxer gathers them (oggdec.c): a packet left open by a page runs on into the stream's
 * next page whether or not that page is flagged continued (os->incomplete), and only a page flagged
 * continued with no packet open has its first packet dropped (its start was not seen). An open packet
 * was dropped at a page not flagged continued, and that page's first packet taken alone: ffmpeg's
 * 60 s Opus headers and 2,000 pages each of a 120 ms packet and an open one (572 KB) counted 240 s,
 * 5.1 s decoded, as ffmpeg joins each open packet to the next 120 ms one (found in round 28).
 */
class Packets {
  /** the packet begun on an earlier page (undefined past PACKET_MAX: it is not taken) */
  private open: Buffer[] | undefined;
  /** its bytes so far: a packet is open while they are over 0 (ffmpeg's psize) */
  private openBytes = 0;
  /** the stream's packets so far, its headers included */
  count = 0;
  constructor(
    readonly walker: Walker,
    /** a step of work a packet: pages of 255 1-byte Opus packets ticked once a page, and 100 MB of them took 2.6 s (attack round 28a H1) */
    private readonly tick: (n?: number) => void,
  ) {}
  /** Takes the packets ending on the page at p. */
  page(b: Buffer, p: number): void {
    const nsegs = b[p + 26]!;
    const continued = (b[p + 5]! & 1) !== 0;
    // the tail of a packet begun where the walk did not see it
    let lost = continued && this.openBytes === 0;
    let from = p + 27 + nsegs;
    let at = from;
    for (let k = 0; k < nsegs; k++) {
      const lace = b[p + 27 + k]!;
      at += lace;
      if (lace === 255) continue;
      if (!lost) {
        this.tick();
        const index = this.count++;
        if (this.openBytes === 0) this.walker.take(b, from, at, index);
        else if (this.open) {
          const whole = Buffer.concat([...this.open, b.subarray(from, at)]);
          this.walker.take(whole, 0, whole.length, index);
        }
      }
      this.open = undefined;
      this.openBytes = 0;
      lost = false;
      from = at;
    }
    if (from < at && !lost) {
      // a packet running on: its bytes kept (a copy: the window moves), up to PACKET_MAX
      if (this.openBytes === 0) this.open = [];
      this.openBytes += at - from;
      if (this.openBytes > PACKET_MAX) this.open = undefined;
      else this.open?.push(Buffer.from(b.subarray(from, at)));
    }
  }
}
/** Bytes of one packet gathered over pages: 64 frames of the largest Speex frame take 7 KB, a Vorbis setup header a few KB. */
const PACKET_MAX = 1024 * 1024;

/**
 * The most granules one packet at p holds: FLAC by its frame header (CRC-8
 * checked; a header packet or junk holds none: 20 s of Ogg FLAC, its pages shifted, counted 140 s);
 * the others their perPacket.
 */
function packetGranules(b: Buffer, p: number, s: Stream): { granules: number; otherRate?: boolean } {
  if (s.codec === 'OGG/FLAC') {
    if (p + 16 > b.length) return { granules: s.perPacket }; // its header not in the window
    const f = frameHead(b, p, 0, b.length, s.flac);
    if (!f) return { granules: 0 };
    // a frame that states its own rate is decoded at it, whatever STREAMINFO says: its samples in
    // STREAMINFO's granules (STREAMINFO's rate byte changed: 15.6 s counted, 8 s decoded)
    if (f.rate && f.rate !== s.sampleRate) return { granules: (f.blockSize * s.sampleRate) / f.rate, otherRate: true };
    return { granules: f.blockSize };
  }
  return { granules: s.perPacket };
}

function probeLastPage(src: FileSource): ProbeResult {
  const s = firstStream(src);
  if (typeof s === 'string')
    return s.startsWith('video')
      ? { kind: 'other', codec: 'OGG', error: s }
      : { kind: 'unreadable', codec: 'OGG', error: s };
  const base = { codec: s.codec, sampleRate: s.sampleRate, channels: s.channels };
  if (!s.granuleRate) return { kind: 'unreadable', ...base, error: 'Ogg stream without a sample rate' };
  const length = (granule: number, complete: boolean): ProbeResult => {
    const samples = granule - s.preSkip;
    if (samples <= 0) return { kind: 'unreadable', ...base, error: 'no audio data' };
    return {
      kind: 'audio',
      seconds: samples / s.granuleRate,
      ...base,
      error: complete ? undefined : 'cut off: no end-of-stream page; counted up to the last complete page',
    };
  };
  const tailLen = Math.min(src.size, MAX_PAGE + 1024);
  const tailPos = src.size - tailLen;
  const tail = tailPos === 0 && src.head.length === src.size ? src.head : src.read(tailPos, tailLen);
  // Last complete page of this stream with a granule position (-1 means no packet ends on the page),
  // then the page before it: a last page whose granule runs further past that page's than its
  // packets can hold is forged (its CRC costs a forger nothing: a file of 5 s "lasted" 1.2 h), and
  // the page before it gives the length.
  let last: { granule: number; packets: number; holds: number; complete: boolean } | undefined;
  // the page after the one being read, while the pages from the last one back fail the check
  let later: { granule: number; holds: number } | undefined;
  for (let i = tail.lastIndexOf('OggS'); i >= 0; i = i > 0 ? tail.lastIndexOf('OggS', i - 1) : -1) {
    src.work.tick();
    if (i + 27 > tail.length) continue;
    const nsegs = tail[i + 26]!;
    if (i + 27 + nsegs > tail.length) continue;
    let body = 0;
    // packets that end on this page and hold a byte: lacing values under 255, an empty packet (a
    // lone 0) not counted, as it holds no audio (255 empty packets a page, each page's granule 3.5 s
    // on: 4 s of Opus counted 354 s; attack round 5). The first packet of a continued page began on
    // the page before it.
    // An Opus packet begun on this page holds what its TOC byte says (RFC 6716, 3.1), not 120 ms:
    // pages of 255 1-byte packets of 20 ms, each granule 30.6 s on, made 106 s of Opus count 616 s
    // (attack round 6); `holds` is the granules the page's packets can hold
    let packets = 0;
    let holds = 0;
    const continued = (tail[i + 5]! & 1) !== 0;
    let size = continued ? 1 : 0;
    let begun = i + 27 + nsegs;
    for (let k = 0; k < nsegs; k++) {
      const lace = tail[i + 27 + k]!;
      body += lace;
      size += lace;
      if (lace < 255) {
        if (size > 0) {
          packets++;
          const first = continued && packets === 1;
          holds += s.codec === 'OGG/OPUS' && !first ? opusPacketSamples(tail, begun, size, s.opusStreams) : s.perPacket;
        }
        size = 0;
        begun = i + 27 + nsegs + body;
      }
    }
    if (i + 27 + nsegs + body > tail.length) continue; // cut off: not a complete page
    if (tail.readUInt32LE(i + 14) !== s.serial) continue;
    // a page whose checksum fails is not a page (decoders drop it): its granule is no length
    src.work.tick(body >> 6);
    if (!pageOk(tail, i, 27 + nsegs + body)) continue;
    const g = tail.readBigInt64LE(i + 6);
    if (g < 0n) continue;
    const granule = Number(g);
    if (!last) {
      last = { granule, packets, holds, complete: (tail[i + 5]! & 4) !== 0 };
      continue;
    }
    if (!later) {
      if (last.granule - granule <= last.holds) return length(last.granule, last.complete);
      later = { granule, holds };
      continue;
    }
    // every page from the last back to `later` ran further than its packets hold (each rewritten,
    // with its checksum: 4 s of Speex counted 299 s): the first page a page before it proves counts
    if (later.granule - granule > later.holds) {
      later = { granule, holds };
      continue;
    }
    const r = length(later.granule, false);
    const why = `the last page's granule (${last.granule}) runs further than its ${last.packets} packets can hold (a forged page?)`;
    if (r.kind === 'audio') return { ...r, error: `${why}; counted to the last page the one before it leads to` };
    break;
  }
  if (later && last)
    return {
      kind: 'unreadable',
      ...base,
      error: `the last page's granule (${last.granule}) runs further than its ${last.packets} packets can hold, and so does every page before it with audio (forged pages?): no length`,
    };
  // the only page with a granule in the tail (a short file, or pages larger than the tail): as it is
  if (last) return length(last.granule, last.complete);
  return { kind: 'unreadable', ...base, error: NO_PAGE };
}
