/*
 * One Opus packet read as ffmpeg 5.1's decoder reads it before decoding (libavcodec/opus.c,
 * ff_opus_parse_packet, and opusdec.c for a multistream packet): the samples it holds at 48 kHz, or
 * none when the decoder refuses it. Each container read its TOC byte alone: a packet RFC 6716 forbids
 * (63 frames of 60 ms, or a code-1 packet of an odd length) still counted up to 120 ms, and 1 MB of
 * such packets counted hours in Ogg, Matroska, MP4 and CAF where ffmpeg decodes nothing (attack round
 * 22 C5). All four containers read their packets here.
 */

/** The largest frame a decoder takes, in bytes (RFC 6716, 3.4 [R2]). */
const MAX_FRAME = 1275;
/** The most frames a code-3 packet holds, and the longest packet: 120 ms at 48 kHz (3.2.5). */
const MAX_FRAMES = 48;
const MAX_PACKET = 5760;

/** A frame's samples at 48 kHz by the TOC byte's configuration (RFC 6716, 3.1: SILK, hybrid, CELT). */
function frameSamples(config: number): number {
  if (config < 12) return [480, 960, 1920, 2880][config % 4]!;
  if (config < 16) return [480, 960][config % 2]!;
  return [120, 240, 480, 960][config % 4]!;
}

/** A parsed (sub)packet: its samples and its bytes, or undefined where the decoder refuses it. */
interface Parsed {
  samples: number;
  size: number;
}

/** A frame length (RFC 6716, 3.2.1): one byte under 252, else two; -1 past the end (or past b). `at` moves past it. */
function length16(b: Buffer, at: { p: number }, end: number): number {
  if (at.p >= Math.min(end, b.length)) return -1;
  let v = b[at.p++]!;
  if (v >= 252) {
    if (at.p >= Math.min(end, b.length)) return -1;
    v += 4 * b[at.p++]!;
  }
  return v;
}

/** Code 3's padding length: bytes of 255 each add 254, the first under 255 ends it; -1 past the end. */
function paddingLength(b: Buffer, at: { p: number }, end: number): number {
  let v = 0;
  for (;;) {
    if (at.p >= Math.min(end, b.length)) return -1;
    const next = b[at.p++]!;
    v += next;
    if (next < 255) return v;
    v--;
  }
}

/**
 * The packet of `size` bytes at p, as ff_opus_parse_packet checks it: code 0 a frame of the rest,
 * code 1 two equal halves (an even payload), code 2 a first length that fits, code 3 a count of
 * 1-48 frames whose padding and lengths fit (CBR: an even split); no frame over 1,275 bytes and no
 * packet over 120 ms. `delimited`: a multistream packet's inner stream, its length coded before its
 * frames (RFC 6716, appendix B).
 */
function parse(b: Buffer, p: number, size: number, delimited: boolean): Parsed | undefined {
  if (size < 1 || p >= b.length) return undefined;
  let end = p + size;
  const at = { p: p + 1 };
  const toc = b[p]!;
  const code = toc & 3;
  if (code >= 2 && size < 2) return undefined;
  let frames = code === 0 ? 1 : 2;
  let padding = 0;
  if (code === 0 || code === 1) {
    if (delimited) {
      const len = length16(b, at, end);
      if (len < 0 || len * frames > end - at.p) return undefined;
      end = at.p + len * frames;
    }
    const bytes = end - at.p;
    if (code === 1 && bytes & 1) return undefined;
    if (bytes / frames > MAX_FRAME) return undefined;
  } else if (code === 2) {
    const first = length16(b, at, end);
    if (first < 0) return undefined;
    if (delimited) {
      const len = length16(b, at, end);
      if (len < 0 || len + first > end - at.p) return undefined;
      end = at.p + first + len;
    }
    const second = end - at.p - first;
    if (second < 0 || second > MAX_FRAME) return undefined;
  } else {
    if (at.p >= b.length) return undefined;
    const head = b[at.p++]!;
    frames = head & 0x3f;
    if (frames === 0 || frames > MAX_FRAMES) return undefined;
    if (head & 0x40) {
      padding = paddingLength(b, at, end);
      if (padding < 0) return undefined;
    }
    if (head & 0x80) {
      // VBR: every frame's length but the last is coded
      let total = 0;
      for (let i = 0; i < frames - 1; i++) {
        const len = length16(b, at, end);
        if (len < 0) return undefined;
        total += len;
      }
      if (delimited) {
        const len = length16(b, at, end);
        if (len < 0 || len + total + padding > end - at.p) return undefined;
        end = at.p + total + len + padding;
      }
      if (total > end - at.p - padding) return undefined;
    } else if (delimited) {
      const len = length16(b, at, end);
      if (len < 0 || frames * len + padding > end - at.p) return undefined;
      end = at.p + frames * len + padding;
    } else {
      const bytes = end - at.p - padding;
      if (bytes % frames || bytes / frames > MAX_FRAME) return undefined;
    }
  }
  const samples = frameSamples(toc >> 3) * frames;
  if (samples > MAX_PACKET) return undefined;
  return { samples, size: end - p };
}

/**
 * The samples at 48 kHz the Opus packet of `size` bytes at p holds, 0 where ffmpeg's decoder refuses
 * it. A packet of `streams` streams (channel mapping family 1 and up) holds one per stream, all but
 * the last self-delimited, and each must hold as many samples as the first (opusdec.c). Only the
 * packet's head need be in b (a big packet read in part): its lengths are read, never its frames, and
 * a length past what b holds refuses it.
 */
export function opusPacketSamples(b: Buffer, p: number, size: number, streams = 1): number {
  const end = p + size;
  let first: number | undefined;
  for (let i = 0, at = p; i < Math.max(1, streams); i++) {
    const got = parse(b, at, end - at, i < streams - 1);
    if (!got || (first !== undefined && got.samples !== first)) return 0;
    first ??= got.samples;
    at += got.size;
  }
  return first ?? 0;
}

/** The streams of an OpusHead (a mapping family other than 0 gives its count; family 0 is one stream). */
export function opusHeadStreams(head: Buffer): number {
  if (head.length < 19 || head.toString('latin1', 0, 8) !== 'OpusHead') return 1;
  return head[18] && head.length > 19 ? Math.max(1, head[19]!) : 1;
}

/**
 * Why ffmpeg 5.1's Opus decoder refuses an OpusHead (libavcodec/opus.c, ff_opus_parse_extradata, run
 * when the decoder opens: nothing of the stream decodes), or undefined when it takes it. Shared by
 * every container whose Opus carries an OpusHead (Ogg's first packet, Matroska's CodecPrivate, MP4's
 * dOps turned into one). One byte of ffmpeg's own 1 h Ogg Opus (2.17 MB) with 0 channels, or 3
 * channels under mapping family 0, counted 3,600 s where ffmpeg decodes nothing (attack round 26a C3).
 */
export function opusHeadRefused(head: Buffer): string | undefined {
  if (head.length < 19) return `an OpusHead of ${head.length} bytes (19 at least)`;
  if (head[8]! > 15) return `OpusHead version ${head[8]} (a decoder reads up to 15)`;
  const channels = head[9]!;
  if (!channels) return 'an OpusHead of 0 channels';
  const family = head[18]!;
  if (family === 0) {
    if (channels > 2) return `an OpusHead of ${channels} channels under mapping family 0 (at most 2)`;
    return undefined;
  }
  if (family !== 1 && family !== 2 && family !== 255)
    return `OpusHead mapping family ${family} (a decoder knows 0, 1, 2, 255)`;
  if (head.length < 21 + channels) return `an OpusHead of ${head.length} bytes, short of its channel map`;
  const streams = head[19]!;
  const coupled = head[20]!;
  if (!streams || coupled > streams || streams + coupled > 255)
    return `an OpusHead of ${streams} streams, ${coupled} coupled`;
  if (family === 1 && channels > 8) return `an OpusHead of ${channels} channels under mapping family 1 (at most 8)`;
  if (family === 2) {
    const order = Math.floor(Math.sqrt(channels)) - 1;
    const square = (order + 1) * (order + 1);
    if ((channels !== square && channels !== square + 2) || channels > 227)
      return `an OpusHead of ${channels} channels under mapping family 2 (ambisonics: (n + 1)² or (n + 1)² + 2)`;
  }
  // each output channel's index: a stream's channel, or 255 (silence)
  for (let i = 0; i < channels; i++) {
    const idx = head[21 + i]!;
    if (idx !== 255 && idx >= streams + coupled) return `an OpusHead channel map naming stream channel ${idx}`;
  }
  return undefined;
}
