/*
 * Ogg (Opus, Vorbis, FLAC, Speex) by hand: an Ogg stream's length is the granule position of its last
 * page, and music-metadata finds that page by reading every page of the file. This reads the first page
 * (codec, rate, Opus pre-skip) and the last 64 KiB, which always hold the last complete page.
 */
import type { FileSource, ProbeResult } from './types.js';
import { frameHead } from './flac.js';
import { speexHead, speexPacketMost, speexPacketSamples, type SpeexHead } from './speex.js';
import { VorbisPackets, vorbisSetup } from './vorbis.js';
import { opusHeadStreams, opusPacketSamples } from './opus.js';

const MAX_PAGE = 27 + 255 + 255 * 255;

/** Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0 (RFC 3533). */
const CRC = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  CRC[i] = c;
}

/** The CRC of a page (len bytes at p), its own checksum field counted as zeros. */
export function oggCrc(b: Buffer, p: number, len: number): number {
  let c = 0;
  for (let i = 0; i < len; i++) {
    const x = i >= 22 && i < 26 ? 0 : b[p + i]!;
    c = (c << 8) ^ CRC[((c >>> 24) ^ x) & 0xff]!;
  }
  return c >>> 0;
}

function crcOk(b: Buffer, p: number, len: number): boolean {
  return oggCrc(b, p, len) === b.readUInt32LE(p + 22);
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
}

/** The first audio stream among the streams that begin the file (a video's Theora stream may come first). */
function firstStream(head: Buffer): Stream | string {
  let why = 'not an Ogg page';
  for (let p = 0; p + 27 <= head.length && head.toString('latin1', p, p + 4) === 'OggS';) {
    if (p > 0 && !(head[p + 5]! & 2)) break; // past the beginning-of-stream pages
    const nsegs = head[p + 26]!;
    let body = 0;
    for (let k = 0; k < nsegs && p + 27 + k < head.length; k++) body += head[p + 27 + k]!;
    // a header page whose checksum fails is dropped: ffmpeg sets no stream up from it and decodes
    // nothing of the file (one bit of the first page's checksum: 3,600 s counted, 0 decoded; 25d C2)
    if (p + 27 + nsegs + body <= head.length && !crcOk(head, p, 27 + nsegs + body)) {
      why = 'an Ogg header page whose checksum fails (a decoder drops it)';
      p += 27 + nsegs + body;
      continue;
    }
    const s = streamAt(head, p);
    if (typeof s !== 'string') return s;
    why = s;
    p += 27 + nsegs + body;
  }
  return why;
}

function streamAt(head: Buffer, at: number): Stream | string {
  const serial = head.readUInt32LE(at + 14);
  const nsegs = head[at + 26]!;
  const p = at + 27 + nsegs;
  if (head.length < p + 20) return 'first Ogg page cut off';
  const pkt = head.subarray(p);
  if (pkt.toString('latin1', 0, 8) === 'OpusHead') {
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
    const rate = pkt.readUInt32LE(12);
    // a packet yields a quarter of the previous block and a quarter of its own: at most half the long block (2^13 at most)
    const long = pkt.length > 28 ? 2 ** (pkt[28]! >> 4) : 8192;
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
  if (pkt.toString('latin1', 0, 8) === 'Speex   ' && pkt.length >= 52) {
    const rate = pkt.readUInt32LE(36);
    // the header packet's own length, from the page's lacing
    let len = 0;
    for (let k = 0; k < nsegs; k++) {
      len += head[at + 27 + k]!;
      if (head[at + 27 + k]! < 255) break;
    }
    const speex = speexHead(pkt.subarray(0, len));
    return {
      speex,
      codec: 'OGG/SPEEX',
      serial,
      granuleRate: rate,
      sampleRate: rate,
      channels: pkt.readUInt32LE(48),
      preSkip: 0,
      // what a decoder makes of a packet (speex.ts); a header it refuses, frame size × frames per packet
      // (at most 10 frames of 640 samples in practice; the header's own figures, capped)
      perPacket:
        typeof speex === 'object'
          ? speexPacketMost(speex)
          : Math.min(640, pkt.length >= 60 ? pkt.readUInt32LE(56) || 640 : 640) *
            Math.min(10, pkt.length >= 68 ? pkt.readUInt32LE(64) || 1 : 10),
    };
  }
  if (pkt[0] === 0x7f && pkt.toString('latin1', 1, 5) === 'FLAC' && pkt.length >= 9 + 4 + 4 + 18) {
    // 0x7F "FLAC" major minor nheaders(2) "fLaC" block-header(4) STREAMINFO: rate is 20 bits at byte 10
    const si = 9 + 4 + 4;
    const rate = (pkt[si + 10]! << 12) | (pkt[si + 11]! << 4) | (pkt[si + 12]! >> 4);
    const channels = ((pkt[si + 12]! >> 1) & 7) + 1;
    return { codec: 'OGG/FLAC', serial, granuleRate: rate, sampleRate: rate, channels, preSkip: 0, perPacket: 65535 };
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
  const s = firstStream(src.head);
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
  if (h.walker?.exact()) {
    // Speex's and Vorbis's packets walked as a decoder walks them: what they hold is what it makes,
    // no bound to allow for (a last packet ffmpeg refuses, as libspeex ends a stream of 8 frames a
    // packet, or trims, 40 ms less)
    if (held <= 0) return { kind: 'unreadable', codec: s.codec, error: 'no packet of the stream decodes' };
    if (r.seconds <= held + 1) return { ...r, seconds: Math.min(r.seconds, held) };
    const note = `the last page's granule says ${r.seconds.toFixed(1)} s, more than a decoder makes of the stream's packets: counted what it makes`;
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
): { held: number; last?: number; complete: boolean; walker?: Walker } {
  let last: number | undefined;
  let complete = false;
  let base = 0;
  let buf = src.read(0, Math.min(WINDOW, src.size));
  let p = 0;
  let held = 0;
  let tagsSeen = false;
  const walker =
    typeof s.speex === 'object'
      ? speexWalker(s.speex)
      : s.codec === 'OGG/VORBIS'
        ? new VorbisWalker(s.perPacket, (n) => src.work.tick(n))
        : s.codec === 'OGG/OPUS'
          ? opusWalker(s.opusStreams ?? 1)
          : undefined;
  const packets = walker && new Packets(walker);
  for (;;) {
    if (p + 27 + 255 > buf.length && base + buf.length < src.size) {
      base += p;
      buf = src.read(base, Math.min(WINDOW, src.size - base));
      p = 0;
    }
    if (p + 27 > buf.length) break;
    src.work.tick();
    if (buf.readUInt32BE(p) !== 0x4f676753) {
      const next = buf.indexOf('OggS', p + 1, 'latin1');
      if (next < 0) {
        if (base + buf.length >= src.size) break;
        p = Math.max(p + 1, buf.length - 3);
      } else p = next;
      continue;
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
    // a page whose checksum fails is dropped by ffmpeg's ogg_read_page ("CRC mismatch"), which then
    // looks for the next capture pattern from the page's body: its packets are none of the stream's.
    // Every page was taken: a 1 h Opus file with one bit flipped in each page's checksum counted
    // 3,600 s, 0.013 decoded (attack round 25d C1)
    if (!crcOk(buf, p, 27 + nsegs + body)) {
      src.work.tick(body >> 12);
      p += 27 + nsegs;
      continue;
    }
    if (buf.readUInt32LE(p + 14) === s.serial) {
      // Opus: the packet after OpusHead must be OpusTags (oggparseopus.c), else the stream is refused
      // and nothing decodes: its page dropped for a bad checksum counted 3,600 s of 0 (round 25d C2)
      if (s.codec === 'OGG/OPUS' && !tagsSeen && !(buf[p + 5]! & 2)) {
        if (buf.toString('latin1', p + 27 + nsegs, p + 35 + nsegs) !== 'OpusTags') return { held: 0, complete: false };
        tagsSeen = true;
      }
      // the stream's last page with a granule whose checksum holds (as the tail's is read)
      const g = buf.readBigInt64LE(p + 6);
      if (findLast && g >= 0n && crcOk(buf, p, 27 + nsegs + body)) {
        last = Number(g);
        complete = (buf[p + 5]! & 4) !== 0;
      }
      if (packets) {
        packets.page(buf, p);
        p += 27 + nsegs + body;
        continue;
      }
      let at = p + 27 + nsegs;
      let starts = !(buf[p + 5]! & 1); // a packet begins at the page's first lace unless continued
      for (let k = 0; k < nsegs; k++) {
        const lace = buf[p + 27 + k]!;
        if (starts && lace > 0) held += packetGranules(buf, at, s);
        starts = lace < 255;
        at += lace;
      }
    }
    p += 27 + nsegs + body;
  }
  if (walker) return { held: walker.held(), last, complete, walker };
  return { held, last, complete };
}

/**
 * A codec read packet by packet, as a decoder reads it: each of the stream's packets in order, its
 * headers included; what they hold is what a decoder makes of them (exact), or, where no setup
 * header was met (a Vorbis stream of fewer than three packets), the bound.
 */
interface Walker {
  take(p: Buffer, index: number): void;
  held(): number;
  exact(): boolean;
  /** why a decoder refuses the stream's headers: none of it decodes */
  refused?: string;
}

/** Speex: every packet after the two headers (speex.ts). */
function speexWalker(h: SpeexHead): Walker {
  let held = 0;
  return {
    take: (p, i) => {
      if (i >= 2) held += speexPacketSamples(p, h);
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
  return {
    take: (p, i) => {
      if (i >= 2) held += opusPacketSamples(p, 0, p.length, streams);
    },
    held: () => held,
    exact: () => true,
  };
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
  take(p: Buffer, i: number): void {
    this.bound += this.most;
    if (i === 0) this.id = Buffer.from(p);
    else if (i === 2) {
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
 * A stream's whole packets, laces gathered over pages, for a codec walked packet by packet. A packet
 * whose start was not seen, or left open by a page that does not continue it, is not taken, as a
 * demuxer drops it.
 */
class Packets {
  /** the packet begun on an earlier page */
  private open: Buffer[] | undefined;
  private openBytes = 0;
  /** the stream's packets so far, its headers included */
  private count = 0;
  constructor(readonly walker: Walker) {}
  /** Takes the packets ending on the page at p. */
  page(b: Buffer, p: number): void {
    const nsegs = b[p + 26]!;
    const continued = (b[p + 5]! & 1) !== 0;
    if (!continued) {
      this.open = undefined;
      this.openBytes = 0;
    }
    // the tail of a packet begun where the walk did not see it
    let lost = continued && !this.open;
    let from = p + 27 + nsegs;
    let at = from;
    for (let k = 0; k < nsegs; k++) {
      const lace = b[p + 27 + k]!;
      at += lace;
      if (lace === 255) continue;
      if (!lost) {
        const part = b.subarray(from, at);
        this.walker.take(this.open ? Buffer.concat([...this.open, part]) : part, this.count++);
      }
      this.open = undefined;
      this.openBytes = 0;
      lost = false;
      from = at;
    }
    if (from < at && !lost) {
      // a packet running on: its bytes kept (a copy: the window moves), up to PACKET_MAX
      this.openBytes += at - from;
      if (this.openBytes > PACKET_MAX) this.open = undefined;
      else (this.open ??= []).push(Buffer.from(b.subarray(from, at)));
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
function packetGranules(b: Buffer, p: number, s: Stream): number {
  if (s.codec === 'OGG/FLAC') {
    if (p + 16 > b.length) return s.perPacket; // its header not in the window
    return frameHead(b, p, 0)?.blockSize ?? 0;
  }
  return s.perPacket;
}

function probeLastPage(src: FileSource): ProbeResult {
  const s = firstStream(src.head);
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
    if (!crcOk(tail, i, 27 + nsegs + body)) continue;
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
