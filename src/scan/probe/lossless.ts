/*
 * CAF, WavPack, TTA and Monkey's Audio by hand: music-metadata does not know CAF or TTA, fails on
 * Monkey's Audio before 3.98 and behind an ID3v2 tag, and takes WavPack's "unknown" sample count
 * (0xFFFFFFFF) as a length. Each of these states its frames or blocks in a way that gives the audio
 * present: CAF's packet size or packet table, WavPack's last block in the tail (block index + block
 * samples), TTA's and Monkey's seek tables (frames whose bytes are all in the file).
 */
import { aacConfig, aacFrameHolds, type AacConfig } from './aac.js';
import { alacConfig, alacPacketSamples } from './alac.js';
import { adpcmFormat, packetBlocks } from './adpcm.js';
import { ApeWalk, type ApePacket } from './ape.js';
import { apeTagStart, bytesAt } from './bytes.js';
import { frameHead } from './flac.js';
import {
  IMA4_BLOCK,
  IMA4_MAX_CHANNELS,
  IMA4_SAMPLES,
  MACE_MAX_CHANNELS,
  ima4Channels,
  ima4PacketSamples,
} from './ima4.js';
import { TTA_WALK_MAX, TtaFrames, ttaCrc } from './tta.js';
import { lpcmBytes } from './pcm.js';
import { opusPacketSamples } from './opus.js';
import type { FileSource, ProbeResult } from './types.js';
import type { Work } from './work.js';

function done(samples: number, total: number | undefined, rate: number, base: Base, what: string): ProbeResult {
  if (!(samples > 0)) return { kind: 'unreadable', ...base, error: `no complete ${what}` };
  const error =
    total !== undefined && samples < total
      ? `cut off: header says ${total} samples; counted the ${samples} in complete ${what}s`
      : undefined;
  return { kind: 'audio', seconds: samples / rate, ...base, error };
}

interface Base {
  codec: string;
  sampleRate?: number;
  channels?: number;
}

const MAX_TABLE = 16 * 1024 * 1024;

/**
 * The packet a CAF format fixes itself, [bytes, frames], for the formats whose every frame costs the
 * same (G.711: a byte a sample; integer PCM: its bits; IMA4: 34 bytes a channel for 64 frames; MACE;
 * GSM), as ffmpeg's caf demuxer and decoders take them whatever the description says; a string: why
 * ffmpeg decodes none of such a stream; undefined for other formats.
 */
function fixedPacket(d: CafDesc): [number, number] | string | undefined {
  // GSM: mono whatever the description says, 160 samples a 33-byte frame, as many as a packet holds;
  // GSM 6.10 in Microsoft's framing ('ms' 0x31): 320 samples a block of 41 to 65 bytes (its decoder
  // refuses another size). Taken from the description, "1 byte for 8 frames" counted 2,000 s a MB
  // (attack round 23a, C3)
  if (d.format === 'agsm')
    return d.bytesPerPacket >= 33
      ? [d.bytesPerPacket, Math.floor(d.bytesPerPacket / 33) * 160]
      : 'GSM packets under a frame (33 bytes)';
  if (d.format === 'ms\x001') {
    const b = d.bytesPerPacket;
    return b >= 41 && b <= 65 && (b - 41) % 3 === 0
      ? [b, 320]
      : `MS GSM blocks of ${b} bytes: its decoder refuses them`;
  }
  const ch = d.channels;
  const fixed = ['ulaw', 'alaw', 'lpcm', 'ima4', 'MAC3', 'MAC6'].includes(d.format);
  // (G.711 of 0 or 65 channels, counted from the description: 2,000 s a MB, none decoded; round 23a C3)
  if (fixed && !(ch >= 1 && ch <= 64)) return `CAF '${d.format}' of ${ch} channels: ffmpeg decodes none`;
  if (d.format === 'ulaw' || d.format === 'alaw') return pcmPacket(d, ch);
  if (d.format === 'lpcm') {
    // (the float flag is bit 0; ffmpeg's sizes as in MP4: lpcm of 8- or 16-bit float decodes none;
    // round 23a H2)
    const float = (d.flags & 1) === 1;
    const bytes = lpcmBytes(d.bits, float);
    return bytes
      ? pcmPacket(d, bytes * ch)
      : `CAF lpcm of ${d.bits}-bit ${float ? 'float' : 'integer'} samples: ffmpeg maps it to no PCM codec`;
  }
  // IMA4 and MACE: ffmpeg's decoders open 1 or 2 channels (3 counted 15.7-50 s of 200 KB, none
  // decoded: attack round 24, H1); IMA4's blocks are checked one by one (probeCaf)
  if (d.format === 'ima4') return ima4Channels(ch) ?? [IMA4_BLOCK * ch, IMA4_SAMPLES];
  if ((d.format === 'MAC3' || d.format === 'MAC6') && ch > MACE_MAX_CHANNELS)
    return `CAF '${d.format}' of ${ch} channels: ffmpeg's MACE decoder takes 1 or 2`;
  // MACE 3:1 and 6:1: 2 bytes a channel hold 6 samples, or a byte 6 (ffmpeg's decoder); "2 bytes for
  // 16 frames" of MAC3 counted 100 KB as 100 s, ffmpeg decoding 37.5 (attack round 14a)
  if (d.format === 'MAC3') return [2 * ch, 6];
  if (d.format === 'MAC6') return [ch, 6];
  return undefined;
}

/**
 * PCM's packet of `frame` bytes a sample frame, as ffmpeg reads it: packets of one frame are joined
 * (so the bytes count), others are handed to the decoder one by one, each its whole frames (12-bit
 * lpcm, 2 bytes a sample, "1 byte for 8 frames": none decoded, 125 s counted; round 23a C3).
 */
function pcmPacket(d: CafDesc, frame: number): [number, number] | string {
  if (d.framesPerPacket === 1) return [frame, 1];
  const n = Math.floor(d.bytesPerPacket / frame);
  return n ? [d.bytesPerPacket, n] : `CAF '${d.format}' packets of ${d.bytesPerPacket} bytes: under a sample frame`;
}

/**
 * Formats whose constant packets are counted by their description: ffmpeg's decoders of them decode
 * junk packets too (iLBC, QCELP). QDesign (QDM2, QDMC) is not among them: its packets are not read
 * here and nothing checks the description's claim; counted by it, 200 KB of junk packets "512 bytes
 * for 2,048 frames" at 22,050 Hz made 36 s (round 24's few MB, 2,000 s) that ffmpeg decodes none of.
 * They are unreadable, as variable QDesign packets already were (no encoder of them is in use).
 */
const CAF_DESCRIBED = new Set(['ilbc', 'Qclp']);

/** the chunks of a CAF walked (a writer makes under ten: desc, chan, kuki, pakt, info, free, data) */
const CAF_MAX_CHUNKS = 4096;

interface CafDesc {
  rate: number;
  format: string;
  flags: number;
  bytesPerPacket: number;
  framesPerPacket: number;
  channels: number;
  bits: number;
}

/**
 * Core Audio Format (.caf, what iOS recorders write). Constant-size packets: the bytes present over
 * the packet size; variable ones (AAC, ALAC, Opus): the packet table, which ffmpeg writes after the
 * data chunk and Apple's writers before it.
 */
export function probeCaf(src: FileSource): ProbeResult | undefined {
  let desc: CafDesc | undefined;
  let pakt: Buffer | undefined;
  /** the magic cookie (ALAC's config) */
  let kuki: Buffer | undefined;
  /** the data chunk, when its packets are of variable size and the table may still follow it */
  let data: { start: number; declared: number } | undefined;
  // ffmpeg's caf demuxer (seekable input) reads on after a data chunk of known size to the end, and the
  // LAST data chunk is the one it decodes: the first was taken here, and ffmpeg's own 10 s CAF with a
  // 1,000-byte data chunk appended counted 10 s, 0.011 s decoded (attack round 25a, C4). Its walk has
  // no bound: a file of more chunks than CAF_MAX_CHUNKS is refused (a later data chunk would stand).
  // ffmpeg takes a file as CAF only at version 1 (its probe) and refuses it unless its first chunk is
  // a `desc` of 32 bytes ("desc chunk not present"): a 4-byte `free` first, a 40-byte desc or version 2
  // were counted in full, 15 MB of IMA4 as 4,992.6 s, 0 decoded (attack round 25c C1)
  const fh = bytesAt(src, 0, 20);
  if (fh.length < 20 || fh.readUInt16BE(4) !== 1)
    return { kind: 'unreadable', codec: 'CAF', error: 'CAF of a version other than 1, which ffmpeg does not read' };
  if (fh.toString('latin1', 8, 12) !== 'desc' || fh.readBigInt64BE(12) !== 32n)
    return {
      kind: 'unreadable',
      codec: 'CAF',
      error: 'CAF whose first chunk is not a 32-byte desc, which ffmpeg refuses',
    };
  /** where the packet table's chunk ends */
  let paktEnd = 0;
  /** a `chan` chunk under the 12 bytes of its layout tag, bitmap and description count */
  let shortChan: number | undefined;
  let p = 8;
  for (let n = 0; p + 12 <= src.size; n++) {
    if (n >= CAF_MAX_CHUNKS) {
      if (!desc) return undefined;
      return {
        kind: 'unreadable',
        codec: `CAF/${desc.format.trim().toUpperCase()}`,
        error: `CAF of more than ${CAF_MAX_CHUNKS} chunks: the data chunk a decoder takes is not found`,
      };
    }
    const h = bytesAt(src, p, 12);
    if (h.length < 12) break;
    const type = h.toString('latin1', 0, 4);
    const size = Number(h.readBigInt64BE(4));
    const body = p + 12;
    // (the first desc only: a decoder reads it at the file's start and steps over any other)
    if (type === 'desc' && size >= 32 && !desc) {
      const d = bytesAt(src, body, 32);
      if (d.length < 32) break;
      desc = {
        rate: d.readDoubleBE(0),
        format: d.toString('latin1', 8, 12),
        flags: d.readUInt32BE(12),
        bytesPerPacket: d.readUInt32BE(16),
        framesPerPacket: d.readUInt32BE(20),
        channels: d.readUInt32BE(24),
        bits: d.readUInt32BE(28),
      };
    } else if (type === 'chan' && size < 12) {
      // ff_mov_read_chan fails such a chunk, and the demuxer the file ("Invalid data"): a chan of size 0
      // in ffmpeg's own 1 h ALAC CAF of silence (141 KB) counted 3,600 s, none decoded (round 26a, C10)
      shortChan ??= size;
    } else if (type === 'pakt' && size >= 24 && size <= MAX_TABLE) {
      pakt = bytesAt(src, body, size);
      paktEnd = body + size;
    } else if (type === 'kuki' && size >= 24 && size <= 4096) {
      kuki = bytesAt(src, body, size);
    } else if (type === 'data') {
      if (!desc) return undefined;
      data = { start: body + 4, declared: size < 0 ? Infinity : size - 4 }; // (after the edit count)
      // (a data chunk of unknown size, or one of under 4 bytes, ends a decoder's walk: its data_size < 0)
      if (size < 4) break;
    }
    if (size < 0) break;
    p = body + size;
  }
  if (!desc || !data) return undefined;
  const base: Base = {
    codec: `CAF/${desc.format.trim().toUpperCase()}`,
    sampleRate: Math.round(desc.rate),
    channels: desc.channels,
  };
  if (!(desc.rate > 0)) return { kind: 'unreadable', ...base, error: 'CAF without a sample rate' };
  // What ffmpeg refuses of the description before a packet is read, each counted in full before (one
  // byte of ffmpeg's own 1 h ALAC CAF of silence, 141 KB: 3,600 s, none decoded; attack round 26a, C10):
  // the caf demuxer's read_desc takes bytes and frames a packet and the channels as signed 32-bit
  // numbers and refuses a negative one; avcodec_open2 refuses any decoder more than 512 channels
  // (FF_SANE_NB_CHANNELS, "Too many channels": the ALAC cookie's own count does not save it) or a
  // negative bits_per_coded_sample (the desc's bits a channel).
  const refused =
    shortChan !== undefined
      ? `a 'chan' chunk of ${shortChan} bytes (under 12)`
      : Math.max(desc.bytesPerPacket, desc.framesPerPacket, desc.channels) >= 2 ** 31
        ? 'a description of 2^31 bytes, frames or channels or more'
        : desc.channels > 512
          ? `${desc.channels} channels (a decoder opens at most 512)`
          : desc.bits >= 2 ** 31
            ? `${desc.bits} bits a channel (negative to a decoder)`
            : undefined;
  if (refused) return { kind: 'unreadable', ...base, error: `CAF with ${refused}: ffmpeg refuses it` };
  // a format ffmpeg's caf demuxer does not map decodes to nothing: constant packets of 'zzzz' counted
  // at a bit a frame, 2,000 s a MB (attack round 20)
  if (!CAF_FORMATS.has(desc.format))
    return { kind: 'unreadable', ...base, error: `CAF format '${desc.format}': ffmpeg has no decoder for it` };
  const { start, declared } = data;
  const present = Math.max(0, Math.min(declared, src.size - start));
  if (desc.bytesPerPacket && desc.framesPerPacket) {
    // every constant-rate codec CAF holds takes at least a bit a frame (MACE 6:1, 1.33; iLBC, 1.67;
    // IMA4, 4.25 a channel): fewer is a forged packet description (1 byte "of" a million frames)
    if ((desc.bytesPerPacket * 8) / desc.framesPerPacket < 1)
      return {
        kind: 'unreadable',
        ...base,
        error: `CAF packets of ${desc.bytesPerPacket} bytes claim ${desc.framesPerPacket} frames: under a bit a frame, no codec's`,
      };
    // a codec whose packet its format fixes is sized by the format, as ffmpeg decodes it: a packet
    // description of G.711 "1 byte for 8 frames" or IMA4 "34 bytes for 272" is not believed
    const fixed = fixedPacket(desc);
    if (typeof fixed === 'string') return { kind: 'unreadable', ...base, error: fixed };
    const total = (bpp: number, fpp: number): number | undefined =>
      Number.isFinite(declared) ? Math.floor(declared / bpp) * fpp : undefined;
    // ffmpeg's caf demuxer hands the decoder packets of the description's size (only packets of one
    // frame are joined), and IMA4's decoder wants them of 34 bytes a channel: a description of 290 or
    // 16 M bytes a packet (one byte of ffmpeg's own 8 s IMA4 CAF) was counted 8 s, ffmpeg decoding 0
    // to 7.7 s (attack round 26a, C10). No writer makes another size: such a file is not sized.
    if (desc.format === 'ima4' && fixed && desc.bytesPerPacket !== fixed[0])
      return {
        kind: 'unreadable',
        ...base,
        error: `CAF IMA4 packets of ${desc.bytesPerPacket} bytes, not ${fixed[0]}: ffmpeg's decoder does not take them as blocks`,
      };
    if (desc.format === 'ima4' && fixed) {
      // each packet is one block (ffmpeg's caf demuxer joins packets only of one frame), its header checked
      const r = ima4Blocks(src, start, Math.floor(present / fixed[0]), desc.channels);
      return withNote(
        done(r.samples, present < declared ? total(fixed[0], fixed[1]) : undefined, desc.rate, base, 'packet'),
        r.note,
      );
    }
    if (fixed || CAF_DESCRIBED.has(desc.format)) {
      const [bpp, fpp] = fixed ?? [desc.bytesPerPacket, desc.framesPerPacket];
      return done(Math.floor(present / bpp) * fpp, total(bpp, fpp), desc.rate, base, 'packet');
    }
    // any other format: its packets read as the variable ones are, by its codec's reader; the
    // description's frames a packet are a claim (1 MB of junk "1 byte for 8 frames" of MP3, AC-3, AAC,
    // FLAC, ALAC, AMR or ADPCM counted 2,000 s, ffmpeg decoding none: attack round 23a, C3)
    const bpp = desc.bytesPerPacket;
    const count = Math.floor(present / bpp);
    const read = readPackets(src, desc, kuki, start, count, () => bpp);
    if (typeof read !== 'number')
      return {
        kind: 'unreadable',
        ...base,
        error:
          read ??
          `CAF packets of '${desc.format}' of constant size: not read here, and the frames a packet are a claim`,
      };
    return done(read, present < declared ? total(bpp, desc.framesPerPacket) : undefined, desc.rate, base, 'packet');
  }
  if (!pakt || pakt.length < 24 || !desc.framesPerPacket)
    return { kind: 'unreadable', ...base, error: 'variable-size CAF packets without a packet table' };
  // packet table: sizes as variable-length integers; the packets whose bytes are all present count
  const packets = Number(pakt.readBigInt64BE(0));
  // ffmpeg's read_pakt_chunk reads the table's count of sizes one after the other and refuses the file
  // when they run past the chunk (into the next chunk's bytes; at the file's end, a read at the end
  // sets EOF and the next one fails): ffmpeg's own 10 s ALAC CAF with its table's count raised by 100
  // was counted 10 s, none decoded (attack round 26a's C10 family)
  let sizes = 0;
  for (let i = 24; i < pakt.length && sizes < packets; i++) if (!(pakt[i]! & 0x80)) sizes++;
  if (packets < 0 || (sizes < packets && (paktEnd < src.size || packets - sizes > 1)))
    return {
      kind: 'unreadable',
      ...base,
      error: `CAF packet table of ${packets} packets holding ${sizes} sizes: ffmpeg refuses it`,
    };
  // the valid frames are at most what the packets hold (the table's own count is a claim)
  const valid = Math.min(Number(pakt.readBigInt64BE(8)), packets * desc.framesPerPacket);
  const priming = pakt.readInt32BE(16);
  let q = 24;
  let end = 0;
  let count = 0;
  let lastSize = 0;
  /** packets of no bytes: a demuxer hands a decoder nothing for them */
  let empty = 0;
  for (; count < packets && q < pakt.length; count++) {
    let v = 0;
    while (q < pakt.length) {
      src.work.tick();
      const b = pakt[q++]!;
      v = v * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (end + v > present) break;
    if (!v) empty++;
    end += v;
    lastSize = v;
  }
  let frames = count >= packets ? valid : Math.max(0, count * desc.framesPerPacket - priming);
  // (999,800 packets of 0 bytes counted 1,024 frames each: 38,792 s of 1 MB, 0 decoded; round 20)
  frames = Math.min(frames, (count - empty) * desc.framesPerPacket);
  const read = readPackets(src, desc, kuki, start, count, tableSizes(pakt));
  // packets of another format are not read here, and the table's count is a claim: 1 MB of zeros
  // counted 2,160 s of MP3 and 800 s of AMR, ffmpeg decoding none (attack round 21)
  if (typeof read !== 'number')
    return {
      kind: 'unreadable',
      ...base,
      error:
        read ??
        `CAF packets of '${desc.format}' of variable size: not read here, and the packet table's count is a claim`,
    };
  frames = Math.min(frames, read);
  // ffmpeg's writer gives every ALAC packet the full frame count; a short last packet says its own
  // count in its header (the "partial frame" bit and 32 bits after it): 5.12 s were 4.98
  if (count >= packets && count > 0 && desc.format === 'alac') {
    const last = alacSamples(bytesAt(src, start + end - lastSize, 7));
    if (last !== undefined) frames = Math.min(frames, (count - 1) * desc.framesPerPacket + last - Math.max(0, priming));
  }
  return done(frames, count >= packets ? undefined : valid, desc.rate, base, 'packet');
}

/**
 * The frames a decoder makes of a CAF's first `count` packets (sized by `size`, in order from the data's
 * start) for the formats whose packets are read here, or why it refuses them; undefined for a format
 * not read here. One reader for constant and variable packets alike.
 */
function readPackets(
  src: FileSource,
  desc: CafDesc,
  kuki: Buffer | undefined,
  start: number,
  count: number,
  size: () => number,
): number | string | undefined {
  const walk = (cost: number, take: (b: Buffer, p: number, e: number) => number): number =>
    cafPackets(src, start, count, size, cost, take);
  switch (desc.format) {
    case 'aac ': {
      // AAC: each packet read as a decoder reads it (aac.ts), with the cookie's AudioSpecificConfig
      const cfg = kuki && cafAacConfig(kuki);
      if (typeof cfg !== 'object') return cfg ?? 'CAF AAC without a config (kuki)';
      // A frame holds the config's samples (1,024, 960, 512 or 480) at the rate the esds reader gives
      // the decoder (the config's core, or an ER frame's output rate), whatever the description says:
      // counted at its frames a packet and rate before, 4,096 frames a packet of ER AAC-LD at 24 kHz
      // counted 341 s, 42.7 s decoded, and a description of 8 kHz 128 s (here in the description's frames)
      const held = walk(64, (b, p, e) => (e > p && aacFrameHolds(b, p, e, cfg) ? 1 : 0));
      return Math.floor((held * cfg.frame * desc.rate) / (cfg.outRate ?? cfg.rate));
    }
    case 'opus': {
      // ffmpeg 5.1's caf demuxer gives an Opus decoder no extradata (its cookie's layout is unknown to
      // it: a `kuki` is skipped, and fails the file over 2 channels), so the decoder makes a head of one
      // stream from the description's channels, and refuses more than 2 ("Multichannel configuration
      // without extradata"), as it does in Matroska and MP4 with no head. Unchecked, one byte of
      // ffmpeg's own 1 h Opus CAF (2.9 MB) counted 3,597 s, none decoded (attack round 28a, C5); a cookie
      // holding a head of family 1 (3 streams) was read as three streams a packet
      if (desc.channels > 2)
        return `Opus of ${desc.channels} channels in CAF (no OpusHead reaches a decoder): a decoder refuses it`;
      // what each packet holds (48 kHz), at the description's rate; one ffmpeg refuses holds none
      // (opus.ts: 63 frames of 60 ms a packet counted 120 ms each, round 22 C5)
      return Math.floor((walk(4096, (b, p, e) => opusPacketSamples(b, p, e - p, 1)) * desc.rate) / 48000);
    }
    case 'flac':
      // FLAC: a packet is a frame, its header's CRC-8 checked, its block size what it holds
      return walk(4096, (b, p, e) => (e > p ? (frameHead(b, p, 0)?.blockSize ?? 0) : 0));
    case 'alac': {
      // ALAC: each packet walked as a decoder walks it (alac.ts): junk packets hold nothing (no checksum)
      const cfg = alacConfig(kuki ?? Buffer.alloc(0), kuki ? alacCookieAt(kuki) : -1, kuki?.length ?? 0, desc.channels);
      if (typeof cfg === 'string') return cfg;
      return walk(4096, (b, p, e) => alacPacketSamples(b, p, e, cfg));
    }
    case 'ms\x00\x02':
    case 'ms\x00\x11': {
      // MS and IMA ADPCM: blocks of the description's packet size, each header checked as ffmpeg's
      // decoder checks it (adpcm.ts); its samples follow from the size, not the description
      const f = adpcmFormat(desc.format.charCodeAt(3), desc.channels, desc.bytesPerPacket, desc.bits);
      if (typeof f === 'string') return f;
      return walk(4096, (b, p, e) => packetBlocks(b, p, e, f)) * f.samples;
    }
    default:
      return undefined;
  }
}

/** The packet sizes of a CAF packet table, in order (variable-length integers after its 24-byte head). */
function tableSizes(pakt: Buffer): () => number {
  let q = 24;
  return () => {
    let v = 0;
    while (q < pakt.length) {
      const b = pakt[q++]!;
      v = v * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return v;
  };
}

/** The formats ffmpeg's caf demuxer maps to a decoder (libavformat/caf.c). */
const CAF_FORMATS = new Set([
  'aac ',
  'aacl',
  'ac-3',
  'ima4',
  'ms\x00\x11',
  'ms\x00\x02',
  'alac',
  'samr',
  'agsm',
  'ms\x001',
  'ilbc',
  'flac',
  'MAC3',
  'MAC6',
  '.mp1',
  '.mp2',
  '.mp3',
  'ms\x00U',
  'opus',
  'alaw',
  'ulaw',
  'Qclp',
  'QDM2',
  'QDMC',
  'lpcm',
]);

/**
 * The AudioSpecificConfig in a CAF AAC cookie (an esds box's body: an ES descriptor, tag 3, its DecoderConfig,
 * tag 4, and in that the DecoderSpecificInfo, tag 5), or why a decoder has none.
 */
function cafAacConfig(k: Buffer): AacConfig | string | undefined {
  const len = (p: number): [number, number] => {
    let n = 0;
    for (let i = 0; i < 4 && p < k.length; i++) {
      const b = k[p++]!;
      n = n * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return [n, p];
  };
  // (after the esds box's version and flags, as ffmpeg's ff_mov_read_esds reads it)
  let p = 4;
  if (k[p] !== 3) return undefined;
  [, p] = len(p + 1);
  const flags = k[p + 2] ?? 0;
  p += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + (k[p + 3] ?? 0) : 0) + (flags & 0x20 ? 2 : 0);
  if (k[p] !== 4) return undefined;
  [, p] = len(p + 1);
  p += 13;
  if (k[p] !== 5) return undefined;
  const [n, at] = len(p + 1);
  // (ffmpeg's caf demuxer reads the cookie with MP4's esds reader, which gives the decoder its rate)
  return aacConfig(k, at, at + n, true);
}

/**
 * Where a CAF's ALAC cookie holds its ALACSpecificConfig, as a decoder reads it: after 'frma' and
 * 'alac' atoms (older writers; then at least 48 bytes), else at its start (-1: too short for either).
 */
function alacCookieAt(k: Buffer): number {
  if (k.toString('latin1', 4, 12) === 'frmaalac') return k.length >= 48 ? 24 : -1;
  return 0;
}

/**
 * The first `count` packets of a CAF's data, each sized by `size` and handed to `take` where it lies
 * (read a window at a time), and the sum of what it gives; `cost`: bytes of a packet a step of work.
 */
function cafPackets(
  src: FileSource,
  start: number,
  count: number,
  size: () => number,
  cost: number,
  take: (b: Buffer, p: number, end: number) => number,
): number {
  const WINDOW = 1024 * 1024;
  let win: Buffer = Buffer.alloc(0);
  let winAt = start;
  let off = start;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const v = size();
    if (off + v > winAt + win.length) {
      winAt = off;
      win = src.read(off, Math.max(v, WINDOW));
    }
    src.work.tick(1 + Math.floor(v / cost));
    sum += take(win, off - winAt, off - winAt + v);
    off += v;
  }
  return sum;
}

/** An ALAC frame's own sample count, when its header carries one (a partial frame); 3 + 4 + 12 bits, then the flag. */
function alacSamples(b: Buffer): number | undefined {
  if (b.length < 7 || !(b[2]! & 0x10)) return undefined;
  // the count's 32 bits start at bit 23
  return Number((BigInt(b.readUIntBE(2, 5)) >> 1n) & 0xffffffffn);
}

const WV_RATES = [
  6000, 8000, 9600, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000, 192000,
];

/**
 * WavPack: the sample rate from the first block; the length is the samples of the blocks present,
 * walked from the first to the last complete one by their sizes (a 32-byte header read a block, as
 * ffmpeg's demuxer reads them). The last block's index alone is a claim: a block appended with a
 * forged index and samples (valid checksums cost nothing) counted up to 0.08 s a byte of the file.
 * A block whose index does not follow the one before (a forged or spliced file) is counted for its
 * own samples, as a decoder plays it, and said so. A block whose sub-blocks hold no bitstream holds
 * no samples (60 bare 32-byte headers of 150,000 samples each counted 1,125 s, ffmpeg decoding none:
 * attack round 9b).
 */
/** A WavPack block's INITIAL_BLOCK and FINAL_BLOCK flags: the first and last block of a time slice. */
const WV_FINAL = 0x1000;
const WV_ALONE = 0x0800 | WV_FINAL;

/**
 * The channels of a WavPack packet's frame whose first block is not alone in it, as wavpack.c sets
 * them: its ID_CHANNEL_INFO's mask (the count in it must agree), else the layout kept from before
 * (`kept`); undefined when a decoder refuses it or has none.
 */
function blockLayout(sub: Buffer, kept: number | undefined): number | undefined {
  const info = channelInfo(sub);
  if (info === 'refused') return undefined; // ("Insufficient channel information")
  if (!info?.mask) return kept;
  let count = 0;
  for (let m = info.mask >>> 0; m; m >>>= 1) count += m & 1;
  return info.chan && count !== info.chan ? undefined : count; // ("Channel mask does not match the channel count")
}

/** A block's ID_CHANNEL_INFO (0x0d) as wavpack.c and the wv demuxer read it: its channel count and mask. */
function channelInfo(sub: Buffer): { chan: number; mask: number } | 'refused' | undefined {
  for (const { kind, p, size } of metaBlocks(sub)) {
    if (kind !== 0x0d) continue;
    if (size <= 1 || p + size > sub.length) return 'refused';
    let chan = sub[p]!;
    let mask = 0;
    if (size <= 5) mask = sub.readUIntLE(p + 1, size - 1);
    else if (size <= 7) {
      chan = (chan | ((sub[p + 2]! & 0xf) << 8)) + 1;
      mask = sub.readUIntLE(p + 3, size - 3);
    }
    return { chan, mask };
  }
  return undefined;
}

/** The most samples a WavPack block holds that a decoder reads (ffmpeg's WV_MAX_SAMPLES; wvunpack refuses more). */
const WV_MAX_BLOCK_SAMPLES = 150_000;

export function probeWavPack(src: FileSource, start: number): ProbeResult | undefined {
  const h = bytesAt(src, start, 32);
  if (h.length < 32 || h.toString('latin1', 0, 4) !== 'wvpk') return undefined;
  const flags = h.readUInt32LE(24);
  const total = h.readUInt32LE(12);
  const sub = bytesAt(src, start + 32, Math.min(h.readUInt32LE(4) - 24, 4096));
  let rate = WV_RATES[(flags >>> 23) & 15] ?? customRate(sub);
  // DSD (WavPack 5, flag bit 31): samples are bytes of 8 one-bit samples, and the rate in the flags
  // is divided by 2^n, n the first byte of the DSD block (WavPack's dsd_multiplier): 4 for DSD64
  const dsd = (flags & 0x80000000) !== 0;
  if (dsd && rate) rate *= 2 ** dsdPower(sub);
  const base: Base = { codec: dsd ? 'WAVPACK/DSD' : 'WAVPACK', sampleRate: rate, channels: flags & 4 ? 1 : 2 };
  if (!rate) return { kind: 'unreadable', ...base, error: 'WavPack without a sample rate' };
  let samples = 0;
  let next = 0; // the index the next time slice should start at
  let counted = false;
  let jumps = 0;
  let oversized = 0;
  let hollow = 0;
  /** packets a decoder refuses as a whole (blocks not of one time slice, channels that do not add up) */
  let refused = 0;
  // block headers read a page at a time: 8 MiB of 32-byte blocks was 262,144 reads and 2 s
  let page: { at: number; buf: Buffer } = { at: 0, buf: Buffer.alloc(0) };
  const at = (pos: number, len: number): Buffer => {
    if (pos + len <= src.head.length) return src.head.subarray(pos, pos + len);
    if (pos < page.at || pos + len > page.at + page.buf.length) page = { at: pos, buf: src.read(pos, 4096) };
    return page.buf.subarray(pos - page.at, pos - page.at + len);
  };
  const header = (pos: number): Buffer => at(pos, 32);
  // ffmpeg's wv demuxer makes a packet of the blocks from one to the next with FINAL_BLOCK set (a time
  // slice: one block for mono or stereo, a block per channel pair, INITIAL_BLOCK on the first, for
  // more), and its decoder decodes a packet or none of it. With the two flags cleared in every block
  // the wavpack CLI's own 1 h of digital silence (55,858 B) was counted 3,600 s and ffmpeg found no
  // packet at all (attack round 26a, C11). So blocks are counted a packet at a time, as wavpack.c
  // takes one: the first block's samples are the frame's (1 to WV_MAX_SAMPLES), every block must hold
  // as many and a bitstream, and its channels must fill the frame's layout: a block alone (both flags)
  // is mono or stereo by its flags; a packet of several takes the first block's channel mask (its
  // ID_CHANNEL_INFO) or else the layout of the packet before; a block past the layout is dropped,
  // unless it is the first, and a packet whose blocks do not fill it is refused.
  let pk: { n: number; index: number; channels: number; offset: number; ok: boolean } | undefined;
  /**
   * what the demuxer takes from the first block of samples: bits, channels and its rate times the DSD
   * multiplier (wc->rate), the rate every later PCM block is checked against and the one counted at
   */
  const stream = { seen: false, bpp: 0, chan: 0, rate: 0 };
  let differs = false;
  /** why the demuxer or the decoder ends the count early where it is not a `differs` (a rate it cannot tell, another rate) */
  let ended: string | undefined;
  /** the demuxer's first packet is read (block_parsed): it parses sub-blocks of the blocks of that packet only */
  let firstDone = false;
  let layout: number | undefined;
  let started = false;
  // the demuxer's reads end at a block that starts where an APE tag does, past the first block of
  // samples (read with the stream's header, before the tag is looked for): bytes.ts apeTagStart
  const tagStart = apeTagStart(src);
  for (let pos = start; pos + 32 <= src.size;) {
    src.work.tick();
    if (stream.seen && tagStart > 0 && pos >= tagStart) break;
    const b = header(pos);
    if (b.length < 32 || b.toString('latin1', 0, 4) !== 'wvpk') break; // a tag (APE, ID3v1) or junk ends the blocks
    const ck = b.readUInt32LE(4);
    const version = b.readUInt16LE(8);
    if (version < 0x402 || version > 0x410 || ck < 24) break;
    if (pos + 8 + ck > src.size) break; // cut off: this block is not all in the file (nor its packet)
    const n = b.readUInt32LE(20);
    const blockFlags = b.readUInt32LE(24);
    const stereo = blockFlags & 4 ? 0 : 1;
    const dsdBlock = (blockFlags & 0x80000000) !== 0;
    const here = WV_RATES[(blockFlags >>> 23) & 15];
    // the demuxer's checks of a block of samples against the stream's first: bits a sample, the
    // channels of a block alone, the rate of a PCM block. One that differs ends its reading (the packet
    // being read too): ffmpeg's own 60 s WavPack with every block but the first at 16 kHz was counted
    // 60 s, 4 decoded (attack round 26a)
    if (n) {
      const bpp = dsdBlock ? 0 : ((blockFlags & 3) + 1) * 8;
      const alone = (blockFlags & WV_ALONE) === WV_ALONE;
      let chan = alone ? 1 + stereo : stream.chan;
      if (!stream.seen) {
        // (the first block of samples sets the stream: a block of several channels by its ID_CHANNEL_INFO)
        const info = alone ? undefined : channelInfo(at(pos + 32, Math.min(ck - 24, 4096)));
        if (!alone) chan = typeof info === 'object' ? info.chan : 0;
      }
      // the stream's rate is the first block's times its DSD multiplier: the DSD flag set on the
      // first block alone of the wavpack CLI's 600 s file made it 32 kHz, where ffmpeg stops at
      // block 2 ("Sampling rate differ: 8000 vs 32000") and decodes nothing; counted 149 s at the
      // DSD rate (attack round 28a, H2). In its first packet the demuxer reads the rate a custom or
      // DSD block gives in its sub-blocks, and ends the read where it cannot.
      let demuxed: number | undefined = here ?? -1;
      if (!firstDone && (here === undefined || dsdBlock || !chan))
        demuxed = demuxRate(blockFlags, at(pos + 32, Math.min(ck - 24, 4096)));
      if (demuxed === undefined) {
        ended =
          'a block whose rate the demuxer cannot tell (a custom rate missing, a DSD block too short or a rate over INT_MAX), where ffmpeg stops';
        break;
      }
      if (!stream.seen) {
        stream.rate = demuxed;
        stream.seen = true;
      }
      stream.bpp ||= bpp;
      stream.chan ||= chan;
      if (
        blockFlags &&
        (bpp !== stream.bpp ||
          (alone && chan !== stream.chan) ||
          (here !== undefined && !dsdBlock && here !== stream.rate))
      ) {
        differs = true;
        break;
      }
    }
    let holds = n > 0;
    // no decoder reads a block of more samples (ffmpeg's WV_MAX_SAMPLES, DSD blocks too: one of 640 M
    // counted 80,000 s, round 21; wvunpack refuses it too): a claim
    if (n > WV_MAX_BLOCK_SAMPLES) {
      oversized++;
      holds = false;
    } else if (n && !holdsStream(at, pos + 32, pos + 8 + ck, blockFlags, src.work)) {
      // a block whose sub-blocks do not fill it, or hold no bitstream, decodes to nothing (ffmpeg: "Packed samples not found")
      hollow++;
      holds = false;
    }
    // (the demuxer steps over the blocks of no samples before the first with some)
    if (!pk && (started || n)) {
      started = true;
      const alone = (blockFlags & WV_ALONE) === WV_ALONE;
      const channels = alone ? 1 + stereo : blockLayout(at(pos + 32, Math.min(ck - 24, 4096)), layout);
      // the decoder takes a frame's rate from its first block (the flags' rate or the custom one,
      // times the DSD multiplier) and decodes a frame at another rate than the stream's as such: the
      // demuxer checks only PCM blocks of a standard rate, so a custom or DSD block at another rate
      // ends the count here (an undercount of a forged file, never an overcount at the first rate)
      const own = n ? frameRate(blockFlags, at(pos + 32, Math.min(ck - 24, 4096))) : undefined;
      if (own === undefined)
        holds = false; // ("Custom sample rate missing", "Invalid custom sample rate")
      else if (holds && own !== stream.rate) {
        ended = `a packet at ${own} Hz, not the stream's ${stream.rate} Hz: the blocks from it on not counted`;
        break;
      }
      pk = {
        n,
        index: b[10]! * 2 ** 32 + b.readUInt32LE(16),
        channels: channels ?? 0,
        offset: 0,
        ok: holds && channels !== undefined,
      };
    } else if (pk && (n !== pk.n || !holds)) pk.ok = false; // "Mismatching number of samples", or no bitstream
    if (pk?.ok) {
      if (pk.offset + stereo < pk.channels) pk.offset += 1 + stereo;
      else if (!pk.offset) pk.ok = false; // ("Too many channels coded in a packet")
    }
    pos += 8 + ck;
    if (pk && blockFlags & WV_FINAL) {
      if (pk.ok && pk.offset === pk.channels) {
        if (counted && pk.index !== next) jumps++; // (a file cut from a stream may start anywhere)
        samples += pk.n;
        next = pk.index + pk.n;
        counted = true;
        layout = pk.channels;
      } else if (pk.n && pk.n <= WV_MAX_BLOCK_SAMPLES) refused++;
      pk = undefined;
      firstDone = true;
    }
  }
  // (a packet still open at the end: the demuxer reads to the end of the file for its last block and drops it)
  if (pk?.n && pk.n <= WV_MAX_BLOCK_SAMPLES) refused++;
  const known = total === 0xffffffff ? undefined : total;
  const big = oversized
    ? `${oversized} block${oversized > 1 ? 's' : ''} claiming more than ${WV_MAX_BLOCK_SAMPLES} samples (no decoder reads one): not counted`
    : undefined;
  const empty = hollow
    ? `${hollow} block${hollow > 1 ? 's' : ''} a decoder refuses (no bitstream, or without the decorrelation and entropy data it needs): not counted`
    : undefined;
  const stop = differs
    ? "a block whose bits, channels or rate differ from the first's, where ffmpeg's demuxer stops: the blocks from it on not counted"
    : ended;
  const whole = refused
    ? `${refused} packet${refused > 1 ? 's' : ''} a decoder refuses (blocks not closed by a final block, not of one length, or channels that do not fill its layout): not counted`
    : undefined;
  if (!samples && (big || empty || whole || stop))
    return { kind: 'unreadable', ...base, error: [big, empty, whole, stop].filter(Boolean).join('; ') };
  // counted at the stream's rate, the first block of samples' (the one at `start` may hold none)
  const r = done(samples, known, stream.rate, { ...base, sampleRate: stream.rate }, 'block');
  if (r.kind !== 'audio' || (!jumps && !big && !empty && !whole && !stop)) return r;
  const notes = [
    r.error,
    jumps
      ? `${jumps} block${jumps > 1 ? 's' : ''} whose index does not follow the block before; counted the ${samples} samples in the blocks`
      : undefined,
    big,
    empty,
    whole,
    stop,
  ].filter(Boolean);
  return { ...r, error: notes.join('; ') };
}

/**
 * The metadata sub-blocks from `from` fill the block to `to` exactly and one of them is a bitstream
 * (ID_WV_BITSTREAM 0x0a) or DSD audio (0x0e), as a decoder needs. A PCM bitstream also needs what
 * ffmpeg's decoder asks for before it reads one (wavpack.c): decorrelation terms (0x02), then weights
 * (0x03) and samples (0x04), entropy variables (0x05) of 6 bytes a channel, hybrid settings (0x06) in
 * hybrid mode, float information (0x08) for floats. 34-byte blocks of a bare bitstream counted 150,000
 * samples each: 1 MB 78,750 s, none decoded (attack round 21); Matroska's A_WAVPACK4 blocks, read by
 * the same rule since, 70,312 s (round 22, C6). `at` gives the bytes at a position (fewer at the end);
 * a block read only up to `stop` (a big Matroska block's head) is judged by the sub-blocks read.
 */
export function holdsStream(
  at: (p: number, len: number) => Buffer,
  from: number,
  to: number,
  flags: number,
  work: Work | undefined,
  stop = to,
): boolean {
  let dsdData = false;
  let pcm = false;
  const got = new Set<number>();
  const stereoIn = flags & 0x40000000 ? 0 : flags & 4 ? 0 : 1;
  let p = from;
  for (let k = 0; p < to && k < 256; k++) {
    work?.tick();
    if (p >= stop) p = to;
    if (p >= stop) break;
    const s = at(p, 4);
    if (s.length < 2) return false;
    const id = s[0]!;
    const large = (id & 0x80) !== 0;
    if (large && s.length < 4) return false;
    const words = large ? s.readUIntLE(1, 3) : s[1]!;
    const kind = id & 0x3f;
    const size = words * 2 - (id & 0x40 ? 1 : 0);
    if (kind === 0x0a) pcm = true;
    if (kind === 0x0e) dsdData = true;
    // weights and samples count only after the terms; entropy variables only of their size
    if (kind === 0x02 || ((kind === 0x03 || kind === 0x04) && got.has(0x02))) got.add(kind);
    if (kind === 0x05 && size === 6 * (stereoIn + 1)) got.add(kind);
    if (kind === 0x06) got.add(kind);
    // float information of 4 bytes whose shift is at most 31, or the decoder skips it and then refuses
    // the float block ("Invalid FLOATINFO, shift = 128 (> 31)": one byte of ffmpeg's own float WavPack,
    // 8 s counted, none decoded; attack round 26a)
    if (kind === 0x08 && size === 4 && (at(p + (large ? 4 : 2) + 1, 1)[0] ?? 255) <= 31) got.add(kind);
    p += (large ? 4 : 2) + words * 2;
  }
  if (p !== to) return false;
  // a bitstream of the other modulation than the block's DSD flag says: "Invalid PCM/DSD mix" (a DSD
  // flag set on ffmpeg's own PCM WavPack: 2 s counted, none decoded; round 26a)
  const dsd = (flags & 0x80000000) !== 0;
  if ((pcm && dsd) || (dsdData && !dsd)) return false;
  if (pcm) {
    for (const need of [0x02, 0x03, 0x04, 0x05]) if (!got.has(need)) return false;
    if (flags & 8 && !got.has(0x06)) return false;
    if (flags & 0x80 && !got.has(0x08)) return false;
    return true;
  }
  return dsdData;
}

/**
 * A block's metadata sub-blocks in order, as wavpack.c walks them: each one's id (its low 6 bits), its
 * body's offset, and its size in bytes (the odd-size flag 0x40 taking one off its words). A large
 * sub-block's header cut off by the block's end ends the walk.
 */
function* metaBlocks(sub: Buffer): Generator<{ kind: number; p: number; size: number }> {
  for (let q = 0; q + 2 <= sub.length;) {
    const id = sub[q]!;
    const large = id & 0x80;
    if (large && q + 4 > sub.length) return;
    const words = large ? sub.readUIntLE(q + 1, 3) : sub[q + 1]!;
    const p = q + (large ? 4 : 2);
    q = p + words * 2;
    yield { kind: id & 0x3f, p, size: words * 2 - (id & 0x40 ? 1 : 0) };
  }
}

/** The body offset of the first metadata sub-block with this id in a block's sub-blocks, or -1. */
function subBlock(sub: Buffer, want: number): number {
  for (const b of metaBlocks(sub)) if (b.kind === want) return b.p;
  return -1;
}

function customRate(sub: Buffer): number {
  const p = subBlock(sub, 0x27);
  return p >= 0 && p + 3 <= sub.length ? sub.readUIntLE(p, 3) : 0;
}

const INT_MAX = 2 ** 31 - 1;

/**
 * The rate the wv demuxer takes from a block of its first packet whose rate index is 15 (custom), whose
 * DSD flag is set or whose channels it does not know yet (wv_read_block_header): it walks the sub-blocks
 * for ID_CHANNEL_INFO (0x0d), the DSD block (0x0e: the rate times 1 << its first byte's low 5 bits; 4
 * without one) and ID_SAMPLE_RATE (0x27: 24 bits); undefined where it fails the read ("Insufficient
 * channel information", "Invalid channel info size", "Invalid DSD block", "Cannot determine custom
 * sampling rate": none, or the rate times the multiplier at INT_MAX or over).
 */
function demuxRate(flags: number, sub: Buffer): number | undefined {
  let rate = WV_RATES[(flags >>> 23) & 15] ?? -1;
  let times = flags & 0x80000000 ? 4 : 1;
  for (const { kind, p, size } of metaBlocks(sub)) {
    if (kind === 0x0d && (size <= 1 || size > 7)) return undefined;
    if (kind === 0x0e) {
      if (size <= 1) return undefined;
      times = 2 ** ((sub[p] ?? 0) & 0x1f);
    }
    if (kind === 0x27 && p + 3 <= sub.length) rate = sub.readUIntLE(p, 3);
  }
  return rate === -1 || rate * times >= INT_MAX ? undefined : rate * times;
}

/**
 * The rate ffmpeg's decoder gives a frame, from its first block (wavpack.c): the flags' rate, or for
 * index 15 the ID_SAMPLE_RATE sub-block's (of 3 bytes, else refused), times 1 << the first byte of
 * the DSD data (at most 30); undefined where it refuses the frame.
 */
function frameRate(flags: number, sub: Buffer): number | undefined {
  let custom = 0;
  let times = 1;
  for (const { kind, p, size } of metaBlocks(sub)) {
    if (kind === 0x27) {
      if (size !== 3 || p + 3 > sub.length) return undefined;
      custom = sub.readUIntLE(p, 3);
    }
    if (kind === 0x0e && size >= 2) {
      const power = sub[p] ?? 0;
      if (power > 30) return undefined;
      times = 2 ** power;
    }
  }
  const rate = WV_RATES[(flags >>> 23) & 15] ?? custom;
  return rate && rate * times <= INT_MAX ? rate * times : undefined;
}

/** ID_DSD_BLOCK (0x0e): its first byte is the power of two the rate is multiplied by; 2 (×4) is what encoders write. */
function dsdPower(sub: Buffer): number {
  const p = subBlock(sub, 0x0e);
  return p >= 0 && p < sub.length && sub[p]! <= 8 ? sub[p]! : 2;
}

/** A TTA frame larger than this is no encoder's (a second of 16 channels of 24 bits at 192 kHz is ~9 MB): not read. */
const TTA_FRAME_MAX = 16 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/** True Audio: a fixed frame length and a seek table of frame sizes. */
export function probeTta(src: FileSource, start: number): ProbeResult | undefined {
  const h = bytesAt(src, start, 22);
  if (h.length < 22 || h.toString('latin1', 0, 4) !== 'TTA1') return undefined;
  const format = h.readUInt16LE(4);
  const channels = h.readUInt16LE(6);
  const bits = h.readUInt16LE(8);
  const rate = h.readUInt32LE(10);
  const total = h.readUInt32LE(14);
  const base: Base = { codec: 'TTA', sampleRate: rate, channels };
  if (!rate) return { kind: 'unreadable', ...base, error: 'TTA without a sample rate' };
  // ffmpeg's tta demuxer refuses the file ("Header CRC error") when the CRC-32 of bytes 0-17 is not
  // bytes 18-21: the format context checks CRCs by default (err_detect crccheck). One bit of ffmpeg's own
  // 1 h TTA of silence (3.8 MB) was counted 3,600 s, none decoded (attack round 26a, C5)
  if (ttaCrc(h, 0, 18) !== h.readUInt32LE(18))
    return { kind: 'unreadable', ...base, error: 'TTA whose header checksum fails: ffmpeg refuses the file' };
  // its demuxer's own bound: "nonsense samplerate" over 1 MHz
  if (rate > 1_000_000) return { kind: 'unreadable', ...base, error: `TTA at ${rate} Hz: ffmpeg refuses the file` };
  // what ffmpeg's decoder refuses (tta.c): 0 bits a sample counted 990 s of 1 MB, none decoded (round 20)
  const refused =
    format > 2
      ? `TTA format ${format}`
      : format === 2
        ? 'an encrypted TTA (a decoder wants its password)'
        : !channels || channels > 16
          ? `TTA with ${channels} channels`
          : bits < 1 || bits > 24
            ? `TTA samples of ${bits} bits`
            : undefined;
  if (refused) return { kind: 'unreadable', ...base, error: `${refused}: a decoder refuses it` };
  const frameLen = Math.floor((256 * rate) / 245);
  const frames = Math.ceil(total / frameLen);
  if (frames * 4 > MAX_TABLE) return { kind: 'unreadable', ...base, error: 'TTA seek table too large' };
  // the seek table and the CRC-32 after it, checked as the demuxer checks them ("Seek table CRC error",
  // the file refused; a table cut short reads zeros there and fails too): one changed entry of a clean
  // 60 s file was counted 21.9 s, none decoded (attack round 26a, C5)
  const table = bytesAt(src, start + 22, frames * 4 + 4);
  if (table.length < frames * 4 + 4 || ttaCrc(table, 0, frames * 4) !== table.readUInt32LE(frames * 4))
    return {
      kind: 'unreadable',
      ...base,
      error:
        table.length < frames * 4 + 4
          ? 'TTA cut off inside its seek table: ffmpeg refuses the file'
          : 'TTA whose seek table checksum fails: ffmpeg refuses the file',
    };
  let end = start + 22 + frames * 4 + 4;
  let samples = 0;
  // each frame's codes walked as ffmpeg's decoder reads them (tta.ts): at a bit a sample, frames of
  // random bytes counted 1,933 s of 1 MB, none decoded (attack round 22, H12)
  const walk = new TtaFrames(channels, frameLen, total % frameLen);
  for (let i = 0; i < frames; i++) {
    const bytes = table.readUInt32LE(i * 4);
    const from = end;
    end += bytes;
    if (end > src.size) break;
    src.work.tick(1 + (walk.walking ? bytes >> 4 : 0));
    const read = walk.walking && bytes <= TTA_FRAME_MAX;
    const b = read ? bytesAt(src, from, bytes) : EMPTY;
    samples += Math.min(walk.samples(b, 0, bytes), total - i * frameLen);
  }
  const notes = [
    walk.refused
      ? `${walk.refused} frame${walk.refused > 1 ? 's' : ''} a decoder refuses (their codes run past the frame): not counted`
      : undefined,
    walk.estimated
      ? `${walk.estimated} frames past the first ${TTA_WALK_MAX} bytes counted by their size (estimate)`
      : undefined,
  ].filter(Boolean);
  const r = done(Math.max(0, samples), total, rate, base, 'frame');
  return notes.length ? { ...r, error: [r.error, ...notes].filter(Boolean).join('; ') } : r;
}

/** Monkey's Audio, old (before 3.98) and new headers; frames present from the seek table, walked (ape.ts). */
export function probeApe(src: FileSource, start: number): ProbeResult | undefined {
  const h = bytesAt(src, start, 76);
  if (h.length < 32 || h.toString('latin1', 0, 4) !== 'MAC ') return undefined;
  const version = h.readUInt16LE(4);
  let blocksPerFrame: number,
    finalBlocks: number,
    totalFrames: number,
    channels: number,
    rate: number,
    seekAt: number,
    seekBytes: number,
    compression: number,
    bits: number,
    firstFrame: number;
  let fullEnd: number | undefined;
  let tail: number;
  if (version >= 3980) {
    if (h.length < 76) return undefined;
    const descBytes = h.readUInt32LE(8);
    const headerBytes = h.readUInt32LE(12);
    seekBytes = h.readUInt32LE(16);
    const hd = bytesAt(src, start + descBytes, 24);
    if (hd.length < 24) return { kind: 'unreadable', codec: 'APE', error: "cut off inside the Monkey's Audio header" };
    compression = hd.readUInt16LE(0);
    blocksPerFrame = hd.readUInt32LE(4);
    finalBlocks = hd.readUInt32LE(8);
    totalFrames = hd.readUInt32LE(12);
    bits = hd.readUInt16LE(16);
    channels = hd.readUInt16LE(18);
    rate = hd.readUInt32LE(20);
    seekAt = start + descBytes + headerBytes;
    firstFrame = seekAt + seekBytes + h.readUInt32LE(20);
    tail = h.readUInt32LE(32);
    const frameData = h.readUInt32LE(24) + h.readUInt32LE(28) * 2 ** 32;
    fullEnd = seekAt + seekBytes + h.readUInt32LE(20) + frameData;
    // the descriptor's own byte counts: no frame data means no audio, whatever the header's frame count says
    if (frameData === 0) {
      return {
        kind: 'unreadable',
        codec: 'APE',
        sampleRate: rate || undefined,
        channels: channels || undefined,
        error: "Monkey's Audio descriptor says the frame data is 0 bytes: no audio in the file",
      };
    }
  } else {
    compression = h.readUInt16LE(6);
    const formatFlags = h.readUInt16LE(8);
    channels = h.readUInt16LE(10);
    rate = h.readUInt32LE(12);
    const wavHeaderBytes = h.readUInt32LE(16);
    tail = h.readUInt32LE(20);
    totalFrames = h.readUInt32LE(24);
    finalBlocks = h.readUInt32LE(28);
    bits = formatFlags & 1 ? 8 : formatFlags & 8 ? 24 : 16;
    blocksPerFrame =
      version >= 3950 ? 73728 * 4 : version >= 3900 || (version >= 3800 && compression >= 4000) ? 73728 : 9216;
    // optional peak level (flag 0x04) and seek element count (0x10), the stored WAV header unless 0x20
    let q = 32;
    if (formatFlags & 0x04) q += 4;
    let seekElements = totalFrames;
    if (formatFlags & 0x10) {
      const n = bytesAt(src, start + q, 4);
      seekElements = n.length === 4 ? n.readUInt32LE(0) : totalFrames;
      q += 4;
    }
    seekAt = start + q + (formatFlags & 0x20 ? 0 : wavHeaderBytes);
    seekBytes = seekElements * 4;
    // ffmpeg's demuxer puts the first frame after the WAV header's length whether it is stored or not
    // (and, before 3.81, after a byte a frame of bit offsets)
    firstFrame = start + q + seekBytes + wavHeaderBytes + (version < 3810 ? totalFrames : 0);
  }
  const base: Base = { codec: 'APE', sampleRate: rate, channels };
  // what ffmpeg refuses outright: its demuxer takes versions 3.80 to 3.99 (a 3.991 header made a
  // file it opens none of), its decoder mono or stereo of 8, 16 or 24 bits at compression levels
  // 1000-5000 (5000 from 3.93 on)
  const refused =
    version < 3800 || version > 3990
      ? `Monkey's Audio version ${version}`
      : channels > 2
        ? `Monkey's Audio of ${channels} channels`
        : bits !== 8 && bits !== 16 && bits !== 24
          ? `Monkey's Audio samples of ${bits} bits`
          : compression % 1000 || !compression || compression > 5000 || (version < 3930 && compression === 5000)
            ? `Monkey's Audio compression level ${compression}`
            : undefined;
  if (refused) return { kind: 'unreadable', ...base, error: `${refused}: ffmpeg decodes none of it` };
  // 3.80-3.89 (encoders of 2000-2002) code frames in Rice codes read bit by bit, which ape.ts does not
  // follow; counted from the seek table, or at a bit a sample of their bytes, random frames of 3.80-3.85
  // were 100,864 samples where ffmpeg decodes 0 to 27,648
  if (version < 3900)
    return {
      kind: 'unreadable',
      ...base,
      error: `Monkey's Audio ${(version / 1000).toFixed(2)} (before 3.90): its bit-coded frames are not walked here, so their length is not known`,
    };
  if (!rate || !totalFrames) return { kind: 'unreadable', ...base, error: "Monkey's Audio without a length" };
  const total = (totalFrames - 1) * blocksPerFrame + finalBlocks;
  const entries = Math.min(totalFrames, Math.floor(seekBytes / 4));
  // ffmpeg's demuxer (ape.c) refuses a seek table shorter than the frames; one past the end of the
  // file it reads as nothing. The header's count went to the guard as it was: 1 MB counted 78,410 s,
  // none decoded (attack round 20)
  if (entries < totalFrames)
    return {
      kind: 'unreadable',
      ...base,
      error: `Monkey's Audio seek table of ${entries} entries for ${totalFrames} frames: a decoder refuses it`,
    };
  if (entries * 4 > MAX_TABLE) return { kind: 'unreadable', ...base, error: "Monkey's Audio seek table too large" };
  const table = bytesAt(src, seekAt, entries * 4);
  if (table.length < entries * 4)
    return { kind: 'unreadable', ...base, error: "Monkey's Audio seek table past the end of the file" };
  // frame i is complete when frame i+1 starts inside the file (the last one: the file reaches its end);
  // a frame of no bytes (the next one at or before it) ends a decoder's reading ("invalid packet
  // size"): every entry at one offset counted 78,410 s, none decoded (round 20)
  let complete = 0;
  for (let i = 0; i + 1 < totalFrames; i++) {
    src.work.tick();
    const at = table.readUInt32LE(i * 4);
    const next = table.readUInt32LE((i + 1) * 4);
    if (next + start > src.size || next <= at) break;
    complete++;
  }
  // the last frame: whole when the file reaches the end the descriptor gives (old headers give none)
  const lastComplete =
    complete === totalFrames - 1 &&
    (fullEnd !== undefined ? src.size >= fullEnd : table.readUInt32LE((totalFrames - 1) * 4) + start < src.size);
  const frames = complete + (lastComplete ? 1 : 0);
  // each complete frame's bytes as ffmpeg's demuxer cuts them (ape.c): from its seek table position
  // (the first: where the headers end), back to a 4-byte boundary counted from the first frame,
  // rounded up to 4 bytes; the last frame runs to the end of the file less the WAV tail
  const packets: ApePacket[] = [];
  for (let i = 0; i < frames; i++) {
    const at = i === 0 ? firstFrame : table.readUInt32LE(i * 4) + start;
    const nblocks = i === totalFrames - 1 ? finalBlocks : blocksPerFrame;
    let size: number;
    if (i + 1 < totalFrames) size = table.readUInt32LE((i + 1) * 4) + start - at;
    else {
      size = src.size - at - tail;
      size -= size & 3;
      if (size <= 0) size = finalBlocks * 8;
    }
    if (size <= 0) break;
    const skip = (at - firstFrame) & 3;
    packets.push({ from: at - skip, skip, size: (size + skip + 3) & ~3, nblocks });
  }
  const walk = new ApeWalk(version, channels);
  const samples = walk.count(src, packets);
  // (the header's total is said to be cut off only when frames are missing: the walk says the rest)
  const r = done(samples, frames < totalFrames ? total : undefined, rate, base, 'frame');
  return walk.note ? { ...r, error: [r.error, walk.note].filter(Boolean).join('; ') } : r;
}

/** Bytes of IMA4 blocks checked one by one from the first; a larger stream's rest is sampled (ima4Blocks). */
const IMA4_WALK = 16 * 1024 * 1024;
/** Windows of the rest of a larger IMA4 stream checked, one drawn at random in each of this many equal stretches. */
const IMA4_SPREAD = 256;
/** Blocks in one such window. */
const IMA4_WINDOW_BLOCKS = 64;

/**
 * The samples ffmpeg decodes of `count` IMA4 blocks from `at`, each its own packet (AIFF-C's and CAF's
 * demuxers hand the decoder one block at a time): the blocks whose headers the decoder takes (ima4.ts).
 * The rule for the cost: every block of the first IMA4_WALK bytes (16 MiB, over an hour at 8 kHz mono)
 * is checked, a MiB read at a time; past that, IMA4_SPREAD windows of IMA4_WINDOW_BLOCKS blocks, one
 * drawn at random in each equal stretch of the rest (as mp4.ts draws AAC samples and mpegts.ts its
 * windows: at fixed places a forger would know where to put good blocks), and the rest counted in the
 * proportion of their blocks taken. Reads at most 16 MiB and 256 small windows whatever the size.
 */
function ima4Blocks(src: FileSource, at: number, count: number, channels: number): { samples: number; note?: string } {
  const block = IMA4_BLOCK * channels;
  const walked = Math.min(count, Math.floor(IMA4_WALK / block));
  let taken = 0;
  const per = Math.max(1, Math.floor((1024 * 1024) / block));
  for (let i = 0; i < walked; i += per) {
    const n = Math.min(per, walked - i);
    const b = src.read(at + i * block, n * block);
    src.work.tick(1 + ((n * block) >> 12));
    for (let k = 0; (k + 1) * block <= b.length; k++)
      taken += ima4PacketSamples(b, k * block, (k + 1) * block, channels) ? 1 : 0;
  }
  const rest = count - walked;
  let samples = taken * IMA4_SAMPLES;
  const notes: string[] = [];
  if (walked - taken > 0)
    notes.push(`${walked - taken} of ${walked} IMA4 blocks a decoder refuses (step index over 88): not counted`);
  if (rest > 0) {
    const stretch = rest / IMA4_SPREAD;
    const size = Math.min(IMA4_WINDOW_BLOCKS, Math.max(1, Math.floor(stretch)));
    /** each stretch's window: the share of its blocks the decoder takes */
    const shares: number[] = [];
    let seen = 0;
    for (let i = 0; i < IMA4_SPREAD && seen < rest; i++) {
      const first = walked + Math.floor(i * stretch + Math.random() * Math.max(0, stretch - size));
      const b = src.read(at + first * block, size * block);
      src.work.tick(1 + ((size * block) >> 12));
      let good = 0;
      let n = 0;
      for (; (n + 1) * block <= b.length; n++)
        good += ima4PacketSamples(b, n * block, (n + 1) * block, channels) ? 1 : 0;
      seen += n;
      shares.push(n ? good / n : 0);
    }
    // a stretch counts at the least share of its window and its neighbours': where refused blocks begin
    // or end inside a stretch its window may have fallen on either side, and counted at its own share a
    // file good to 17 MiB and refused after counted 4,212.5 s where ffmpeg decodes 4,194.3
    let share = 0;
    for (let i = 0; i < shares.length; i++) share += Math.min(shares[i]!, shares[i - 1] ?? 1, shares[i + 1] ?? 1);
    samples += Math.floor((rest * share) / Math.max(1, shares.length)) * IMA4_SAMPLES;
    notes.push(
      `estimated: the IMA4 blocks of the first ${walked * block} bytes checked, ${seen} drawn at random from the other ${rest}, those in proportion`,
    );
  }
  return { samples, note: notes.length ? notes.join('; ') : undefined };
}

/** A result with a note added to its own. */
function withNote(r: ProbeResult, note: string | undefined): ProbeResult {
  if (!note) return r;
  return { ...r, error: r.error ? `${r.error}; ${note}` : note };
}

/** AIFF-C's version (FVER), the only one whose COMM holds a compression type for ffmpeg */
const AIFC_VERSION1 = 0xa2805140;
/** Chunks walked before a file is left unsized (real writers put fewer than 20 in a file). */
const AIFF_MAX_CHUNKS = 1024;
/** Channels past which ffmpeg's filter graph takes no PCM (sphere.ts and au.ts hold the same bound). */
const AIFF_MAX_PCM_CHANNELS = 64;
/** The compressions ffmpeg decodes as PCM (their tags trimmed), which COMM gives no block alignment of its own. */
const AIFF_PCM_TAGS = ['NONE', 'TWOS', 'SOWT', 'RAW', 'IN24', 'IN32', 'FL32', 'FL64', 'ULAW', 'ALAW'];

/**
 * The sample frames ffmpeg's PCM decoders make of `present` bytes as its aiff demuxer hands them over:
 * packets of as many blocks (`blockAlign`) as fit in 4,096 bytes, the last one what is left, and of
 * each only whole frames of `frame` bytes (pcm.c drops the rest of a packet, and refuses one shorter
 * than a frame). A COMM's block alignment is its frame unless an earlier COMM's is kept; then a packet
 * may end inside a frame (a block of 3 bytes for 16-bit mono: 2,047 samples a 4,095-byte packet).
 */
function aiffPcmFrames(present: number, blockAlign: number, frame: number): number {
  const packet = Math.floor(4096 / blockAlign) * blockAlign;
  if (!packet || !frame) return 0; // a block over 4,096 bytes: the demuxer gives no packet
  const full = Math.floor(present / packet);
  return full * Math.floor(packet / frame) + Math.floor((present - full * packet) / frame);
}

/** What ffmpeg's aiff demuxer holds of the last COMM chunk it read (aiffdec.c get_aiff_header). */
interface AiffComm {
  channels: number;
  frames: number;
  bits: number;
  rate: number;
  compression: string;
  /** its block alignment: set by the compressions of fixed blocks, and otherwise kept from an earlier COMM */
  blockAlign: number;
}

/** `n` bytes from `at`, zeros past the end of the file (ffmpeg's avio reads give 0 there). */
function padded(src: FileSource, at: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  bytesAt(src, at, n).copy(b);
  return b;
}

/**
 * COMM as ffmpeg's get_aiff_header reads it over what an earlier COMM left (`before`), or why it
 * refuses the file: a size of 2^31 - 1 or more, a rate exponent outside ±63 of the mantissa's, a rate
 * not over 0 as the 32-bit integer it makes of it, a chunk under 18 bytes, a frame count of 2^31 or
 * more (returned as an int, negative). Its rate is that integer (mantissa shifted, rounded).
 */
function aiffComm(
  src: FileSource,
  body: number,
  size: number,
  version: number,
  before: AiffComm | undefined,
): AiffComm | string {
  if (size >= 0x7fffffff) return `a COMM chunk of ${size} bytes`;
  const c = padded(src, body, 22);
  const exp = c.readUInt16BE(8) - 16383 - 63;
  if (exp < -63 || exp > 63) return 'a COMM chunk whose sample rate is out of range';
  const mant = c.readBigUInt64BE(10);
  const wide = exp >= 0 ? mant << BigInt(exp) : (mant + (1n << BigInt(-exp - 1))) >> BigInt(-exp);
  const rate = Number(BigInt.asIntN(32, wide));
  if (rate <= 0) return 'a COMM chunk whose sample rate is not over 0';
  if (size < 18) return `a COMM chunk of ${size} bytes, under 18`;
  const frames = c.readUInt32BE(2);
  if (frames >= 2 ** 31) return `a COMM chunk counting ${frames} frames (ffmpeg takes it as negative)`;
  const channels = c.readUInt16BE(0);
  // a COMM of other channels than an earlier one's: ffmpeg 5.1 opens nothing ("Invalid data"; COMM of
  // 1 then 2 channels before 80,000 bytes of SSND: 5 s counted, 0 decoded)
  if (before && channels !== before.channels) return `COMM chunks of ${before.channels} and ${channels} channels`;
  const bits = c.readUInt16BE(6);
  // the compression is read only when 4 bytes of it are there (the chunk's size rounded up to even)
  // and the version is AIFF-C's first; NONE and 'twos' are then PCM by the sample size as plain AIFF is
  const tag = size + (size & 1) - 18 >= 4 && version === AIFC_VERSION1 ? c.toString('latin1', 18, 22) : 'NONE';
  const upper = tag.toUpperCase();
  const fixed: Record<string, number> = {
    IMA4: 34 * channels,
    MAC3: 2 * channels,
    G726: channels,
    ADP4: channels,
    G722: channels,
    MAC6: channels,
    SDX2: channels,
    GSM: 33,
  };
  let blockAlign = fixed[upper.trim()] ?? before?.blockAlign ?? 0;
  if (!blockAlign) {
    const pcmBits: Record<string, number> = {
      SOWT: 16,
      'RAW ': 8,
      IN24: 24,
      IN32: 32,
      FL32: 32,
      FL64: 64,
      ULAW: 8,
      ALAW: 8,
    };
    const sampleBits =
      upper === 'NONE' || upper === 'TWOS'
        ? bits <= 8
          ? 8
          : bits <= 16
            ? 16
            : bits <= 24
              ? 24
              : bits <= 32
                ? 32
                : 0
        : (pcmBits[upper] ?? 0);
    blockAlign = (sampleBits * channels) >> 3;
  }
  return { channels, frames, bits, rate, compression: tag, blockAlign };
}

/**
 * The chunks of an AIFF or AIFF-C as ffmpeg's aiffdec.c (aiff_read_header) reads them on a file it
 * can seek in: every chunk within the FORM's size, up to the end of the file, a chunk of tag 0 once
 * COMM and SSND are read, or the first COMM after an SSND. The last COMM read is the codec, the last
 * SSND the sound data; the refusals are its own. Read up to the first SSND and by the first COMM, a
 * 2.4 MB MAC6 file with a 'fl64' COMM after its SSND counted 3,600 s where ffmpeg decodes 1.56, an
 * SSND of 1,000 bytes after one of 2.4 MB counted 600 s where it decodes 0.25 (attack round 25a, C3),
 * and a COMM of 10 bytes or an SSND of 4, which ffmpeg refuses the file for, were stepped over
 * (1 MB: 125 s, 0 decoded; H4).
 */
function aiffChunks(
  src: FileSource,
  aifc: boolean,
  formSize: number,
): { comm?: AiffComm; dataStart: number; dataEnd: number } | string {
  const refuse = (why: string): string => `ffmpeg refuses the file: ${why}`;
  let version = aifc ? AIFC_VERSION1 : 0;
  let comm: AiffComm | undefined;
  let dataStart = 0;
  let dataEnd = 0;
  let left = (formSize >= 2 ** 31 ? 0x7fffffff : formSize) - 4;
  for (let p = 12, n = 0; left > 0; n++) {
    if (n >= AIFF_MAX_CHUNKS) return `more than ${AIFF_MAX_CHUNKS} chunks: not walked`;
    // at the end of the file ffmpeg reads a chunk of tag 0 (and goes on to the sound with COMM and
    // SSND read) or fails the next read: either way it is the last chunk
    if (p >= src.size) break;
    const h = padded(src, p, 8);
    const id = h.toString('latin1', 0, 4);
    const raw = h.readUInt32BE(4);
    const size = raw >= 2 ** 31 ? 0x7fffffff : raw;
    left = size >= 0x7fffffff - 8 ? 0 : left - size - 8;
    const body = p + 8;
    let next = body + size;
    if (id === 'COMM') {
      const c = aiffComm(src, body, size, version, comm);
      if (typeof c === 'string') return refuse(c);
      comm = c;
      if (dataStart > 0) break; // a COMM after the sound data ends the header
      // get_aiff_header skips to the chunk's end rounded up to even, and the loop then skips an odd
      // size's pad byte again: an odd COMM is followed two bytes past its end
      next = body + size + (size & 1);
    } else if (id === 'FVER') {
      // its version is read whatever the chunk's size, and the next chunk 4 bytes on
      version = padded(src, body, 4).readUInt32BE(0);
      next = body + 4;
    } else if (id === 'SSND') {
      if (size < 8) return refuse(`an SSND chunk of ${size} bytes, under 8`);
      dataEnd = body + size;
      dataStart = body + 8 + padded(src, body, 4).readUInt32BE(0);
    } else if (id === 'APCM') {
      // XA ADPCM, whose sound follows this chunk's 8 bytes; not read here
      return 'an APCM chunk (XA ADPCM): not read here';
    } else if (id === 'wave') {
      if (size > 2 ** 30) return refuse(`a 'wave' chunk of ${size} bytes`);
      if (body + size > src.size) return refuse("a 'wave' chunk cut off by the end of the file");
    } else if (id === 'CHAN') {
      // mov_chan.c: under 12 bytes refused; its channel descriptions (20 bytes each) are read only when
      // the chunk holds them all, refused when the file ends before one, and the next chunk then read
      // after them (after the first 12 bytes when the chunk is too small for them)
      if (size < 12) return refuse(`a CHAN chunk of ${size} bytes, under 12`);
      const count = padded(src, body + 8, 4).readUInt32BE(0);
      if (size < 12 + count * 20) next = body + 12;
      else if (count > 0 && body + 12 + (count - 1) * 20 > src.size)
        return refuse('a CHAN chunk cut off by the end of the file');
    } else if (id === 'ID3 ') {
      // ffmpeg reads the ID3 tag by its own length and goes on from its end when that is past the chunk's
      const t = padded(src, body, 10);
      if (t.toString('latin1', 0, 3) === 'ID3') {
        const len = ((t[6]! & 0x7f) << 21) | ((t[7]! & 0x7f) << 14) | ((t[8]! & 0x7f) << 7) | (t[9]! & 0x7f);
        if (10 + len + (t[5]! & 0x10 ? 10 : 0) > size) return 'an ID3 chunk whose tag runs past its end: not walked';
      }
    } else if (id === '\0\0\0\0' && dataStart > 0 && comm?.blockAlign) break;
    p = next + (size & 1);
    left -= size & 1;
    // skipped past the end of the file (an odd last chunk whose pad byte is not there) while the FORM
    // says more follows: ffmpeg's next get_tag finds end-of-file and fails with EIO, decoding nothing
    // (a streaming writer's FORM of 0xFFFFFFFF over an odd SSND counted 125 s a MB: round 25c H1)
    if (p > src.size && left > 0) return refuse('a chunk whose pad byte is past the end of the file (I/O error)');
  }
  return { comm, dataStart, dataEnd };
}

/**
 * AIFF and AIFF-C: the sample frames ffmpeg decodes of the sound data, by the COMM and SSND its
 * demuxer ends with (aiffChunks). (music-metadata takes COMM's frame count, which a cut-off copy
 * keeps, and reads IMA4's packet count as frames: 64× short.)
 */
export function probeAiff(src: FileSource): ProbeResult | undefined {
  const form = bytesAt(src, 0, 12);
  if (form.length < 12) return undefined;
  const kind = form.toString('latin1', 8, 12);
  if (form.toString('latin1', 0, 4) !== 'FORM' || (kind !== 'AIFF' && kind !== 'AIFC')) return undefined;
  const aifc = kind === 'AIFC';
  // ffmpeg's aiffdec.c reads COMM's compression type only when the version is AIFF-C's first
  // (0xA2805140): an AIFC form starts at it, an AIFF form not, and an FVER chunk before COMM sets it to
  // whatever it holds. Decided by the form alone, an AIFC with another FVER counted its IMA4 bytes
  // (4,687.7 s of 9.96 MB) where ffmpeg decodes PCM of the sample size (622.6), and an AIFF with the
  // AIFF-C version and an unknown compression counted PCM (2,490.4 s) where ffmpeg decodes nothing
  // (attack round 24c, N1)
  const walk = aiffChunks(src, aifc, form.readUInt32BE(4));
  const label = aifc ? 'AIFF-C' : 'AIFF/PCM';
  if (typeof walk === 'string') return { kind: 'unreadable', codec: label, error: walk };
  const { comm, dataStart, dataEnd } = walk;
  // without COMM ffmpeg opens nothing ("could not find COMM tag"); music-metadata, asked instead,
  // counted 10 s of a FORM of size 0 (ffmpeg's own piped AIFF has one) whose COMM ffmpeg never reads
  if (!comm) return { kind: 'unreadable', codec: label, error: 'no COMM chunk within the FORM: ffmpeg opens nothing' };
  // COMM's frame count is a claim; without the sound data chunk no frame is in the file (sox: "Missing SSND")
  if (!dataStart)
    return {
      kind: 'unreadable',
      codec: label,
      sampleRate: comm.rate || undefined,
      channels: comm.channels || undefined,
      error: `no sound data (SSND) chunk: COMM claims ${comm.frames} frames`,
    };
  // (a COMM of no block alignment, which ffmpeg opens nothing of, is one of no channels, of PCM over
  // 32 bits or of a compression not read here: each is unreadable below)
  const c = comm;
  const codec = c.compression.trim().toUpperCase();
  const base: Base = {
    codec: aifc ? `AIFF-C/${codec === 'NONE' || codec === 'SOWT' || codec === 'TWOS' ? 'PCM' : codec}` : 'AIFF/PCM',
    sampleRate: Math.round(c.rate),
    channels: c.channels,
  };
  if (!(c.rate > 0) || c.channels <= 0)
    return { kind: 'unreadable', ...base, error: 'AIFF without a sample rate or channels' };
  // the bytes from the sound's start (after SSND's offset field's count of bytes) to the chunk's end
  // that are in the file: taken to the end of the chunk from its 8th byte, an offset of 70,000 over
  // 80,000 bytes counted 10 s where ffmpeg decodes 1.25
  const present = Math.max(0, Math.min(dataEnd, src.size) - dataStart);
  // what ffmpeg's demuxer makes of COMM (aiffdec.c): plain AIFF, 'NONE' and 'twos' by the sample
  // size (up to 8 bits a byte, 16 two, 24 three, 32 four, more none); the other compressions by
  // their tag. A size of 0 made a division by 0, and COMM's count was taken: 1 MB counted 9,800 s,
  // ffmpeg decoding 250 (attack round 20)
  const bytes = c.bits <= 8 ? 1 : c.bits <= 16 ? 2 : c.bits <= 24 ? 3 : c.bits <= 32 ? 4 : 0;
  const BYTES: Record<string, number> = {
    NONE: bytes,
    TWOS: bytes,
    SOWT: 2,
    RAW: 1,
    IN24: 3,
    IN32: 4,
    FL32: 4,
    FL64: 8,
  };
  // channels the decoder refuses when it opens (attack round 24, H1: 200 KB counted 4-50 s each, none
  // decoded): G.726 of more than one (g726.c), IMA WS, SDX2, MACE and IMA4 of more than two
  const most: number =
    { G726: 1, ADP4: 2, SDX2: 2, MAC3: MACE_MAX_CHANNELS, MAC6: MACE_MAX_CHANNELS, IMA4: IMA4_MAX_CHANNELS }[codec] ??
    Infinity;
  if (c.channels > most)
    return {
      kind: 'unreadable',
      ...base,
      error: `AIFF-C '${c.compression}' of ${c.channels} channels: ffmpeg's decoder takes at most ${most}`,
    };
  // over 64 channels ffmpeg opens the file and its filter graph takes none of the samples (65 channels
  // of 8-bit PCM, 512 KB: 0.98 s counted, 0 decoded; 10 MB at 4 kHz would count 38 s)
  if (AIFF_PCM_TAGS.includes(codec) && c.channels > AIFF_MAX_PCM_CHANNELS)
    return {
      kind: 'unreadable',
      ...base,
      error: `AIFF PCM of ${c.channels} channels: ffmpeg decodes at most ${AIFF_MAX_PCM_CHANNELS}`,
    };
  let frames: number | undefined;
  if (BYTES[codec] === 0)
    return { kind: 'unreadable', ...base, error: `AIFF samples of ${c.bits} bits: a decoder takes at most 32` };
  if (BYTES[codec]) frames = aiffPcmFrames(present, c.blockAlign, c.channels * BYTES[codec]);
  else if (codec === 'ULAW' || codec === 'ALAW') frames = aiffPcmFrames(present, c.blockAlign, c.channels);
  // GSM and G.722: ffmpeg's decoders are mono whatever COMM says (gsmdec.c and g722dec.c set their
  // channel layout to mono): 160 samples a 33-byte frame, 2 samples a byte, all at COMM's rate.
  // Divided by COMM's channels, a 2-channel file counted half what ffmpeg decodes (G.722, 200 KB:
  // 6.25 s vs 12.5; round 24)
  else if (codec === 'GSM') frames = Math.floor(present / 33) * 160;
  else if (codec === 'G722') frames = present * 2;
  // MACE 3:1 and 6:1: a byte a channel holds 3 or 6 samples, as ffmpeg's decoder counts them; from
  // COMM, a count 6x the bytes' counted 100 KB of MAC6 (75 s decoded) as 450 s (attack round 14a)
  else if (codec === 'MAC3' || codec === 'MAC6')
    frames = Math.floor((present * (codec === 'MAC3' ? 3 : 6)) / c.channels);
  // IMA WS ADPCM: 2 samples a byte; G.726 (ffmpeg: 5 bits a sample); SDX2: a byte a sample
  else if (codec === 'ADP4') frames = Math.floor((present * 2) / c.channels);
  else if (codec === 'G726') frames = Math.floor((present * 8) / 5 / c.channels);
  else if (codec === 'SDX2') frames = Math.floor(present / c.channels);
  else if (codec === 'IMA4') {
    // COMM counts packets of 64 frames, 34 bytes a channel; ffmpeg's aiff demuxer hands the decoder
    // one block a packet, and each block's header is checked as it checks it (ima4.ts)
    const blocks = Math.min(c.frames, Math.floor(present / (IMA4_BLOCK * c.channels)));
    const r = ima4Blocks(src, dataStart, blocks, c.channels);
    return withNote(
      done(r.samples, blocks < c.frames ? c.frames * IMA4_SAMPLES : undefined, c.rate, base, 'packet'),
      r.note,
    );
  }
  // QDesign and QCELP packets are not read here, and COMM's count is a claim (1 MB counted 9,800 s,
  // ffmpeg decoding 0 of QDM2 and 1,143 of QCELP; round 20); a tag no decoder knows decodes to nothing.
  // DWVW too (libsndfile's variable-width words): ffmpeg has no decoder for it and does not open the
  // file, and COMM's count counted 1 MB as 9,900 s (attack round 22, H6)
  if (frames === undefined)
    return {
      kind: 'unreadable',
      ...base,
      error: ['QDMC', 'QDM2', 'QCLP'].includes(codec)
        ? `AIFF-C compression '${c.compression}': its packets are not read here, and COMM's count of ${c.frames} frames is a claim`
        : `AIFF-C compression '${c.compression}': ffmpeg has no decoder for it, and COMM's count is a claim`,
    };
  // COMM's count bounds the frames as ffmpeg's demuxer reads it: the packets of a codec it gives a
  // packet's duration (aiffdec.c: MACE 6 samples a packet, GSM 160), the frames of the others.
  // Taken as frames, a mono MAC6 file whose COMM counts 1,000,000 was cut to 125 s where ffmpeg,
  // reading to the end of SSND, decodes its 200 KB's 150 s (round 24). Other writers count frames
  // there, so a file is said to be cut off only when it holds fewer than COMM's count as frames.
  const claim = c.frames * (codec === 'MAC3' || codec === 'MAC6' ? 6 : codec === 'GSM' ? 160 : 1);
  return done(Math.min(claim, frames), c.frames, c.rate, base, 'frame');
}

/**
 * TAK (Tom's lossless Audio Kompressor): the sample count of the STREAMINFO metadata block (bit
 * fields, least significant bit first: codec 6, profile 4, frame size 4, samples 35, data type 3,
 * rate − 6000 18, bits − 8 5, channels − 1 4). A file shorter than the end of its last frame (the
 * LAST_FRAME block gives its position) was cut: sized in proportion to the frame bytes present, and
 * said so (TAK frames carry no sample count a reader could add up without decoding them).
 */
export function probeTak(src: FileSource): ProbeResult | undefined {
  if (bytesAt(src, 0, 4).toString('latin1') !== 'tBaK') return undefined;
  let info: Buffer | undefined;
  let lastEnd = 0;
  let p = 4;
  for (let n = 0; n < 64 && p + 4 <= src.size; n++) {
    const h = bytesAt(src, p, 4);
    if (h.length < 4) break;
    const type = h[0]! & 0x7f;
    const len = h[1]! | (h[2]! << 8) | (h[3]! << 16);
    p += 4;
    if (type === 0) break;
    if (type === 1 && len >= 10) info = bytesAt(src, p, 10);
    if (type === 7 && len >= 8) {
      const b = bytesAt(src, p, 8);
      if (b.length === 8) lastEnd = b.readUIntLE(0, 5) + b.readUIntLE(5, 3);
    }
    p += len;
  }
  if (!info || info.length < 10) return { kind: 'unreadable', codec: 'TAK', error: 'TAK without a STREAMINFO block' };
  let v = 0n;
  for (let i = 9; i >= 0; i--) v = (v << 8n) | BigInt(info[i]!);
  const bits = (o: number, n: number): number => Number((v >> BigInt(o)) & ((1n << BigInt(n)) - 1n));
  const total = bits(14, 35);
  const rate = bits(52, 18) + 6000;
  const channels = bits(75, 4) + 1;
  const base: Base = { codec: 'TAK', sampleRate: rate, channels };
  if (!total || total === 2 ** 35 - 1)
    return { kind: 'unreadable', ...base, error: 'TAK header gives no sample count' };
  // the frames a demuxer finds (a header whose CRC holds) hold what is counted: STREAMINFO's count
  // alone, over 1 MB of zeros, counted 78,400 s that ffmpeg decodes none of (attack round 20)
  const frameSamples = takFrameSamples(rate, bits(10, 4));
  if (!frameSamples) return { kind: 'unreadable', ...base, error: 'TAK frame size type a decoder refuses' };
  const found = takFrames(src, p, frameSamples);
  if (!found) return { kind: 'unreadable', ...base, error: 'no TAK frame header whose CRC holds' };
  if (found < total && !(lastEnd > p && src.size < lastEnd))
    return {
      kind: 'audio',
      seconds: found / rate,
      ...base,
      error: `its frames hold ${found} samples, the header says ${total}: counted the frames`,
    };
  if (lastEnd > p && src.size < lastEnd) {
    const samples = Math.floor((total * Math.max(0, src.size - p)) / (lastEnd - p));
    if (!(samples > 0)) return { kind: 'unreadable', ...base, error: 'cut off: no TAK frame present' };
    return {
      kind: 'audio',
      seconds: samples / rate,
      ...base,
      error: `cut off: ${src.size} of ${lastEnd} bytes present (header says ${total} samples); sized in proportion`,
    };
  }
  return { kind: 'audio', seconds: total / rate, ...base };
}

/** Samples a TAK frame holds by STREAMINFO's frame size type (ffmpeg's tak_get_nb_samples), 0 for one it refuses. */
function takFrameSamples(rate: number, type: number): number {
  const QUANTS = [3, 4, 6, 8, 4096, 8192, 16384, 512, 1024, 2048];
  if (type >= QUANTS.length) return 0;
  const n = type <= 3 ? (rate * QUANTS[type]!) >> 5 : QUANTS[type]!;
  const most = type <= 3 ? 16384 : (rate * 8) >> 5;
  return n > 0 && n <= most ? n : 0;
}

/** CRC-24 (OpenPGP's: polynomial 0x864CFB, initial 0xB704CE), as TAK stores it: least significant byte first. */
const CRC24 = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 16;
  for (let k = 0; k < 8; k++) c = c & 0x800000 ? ((c << 1) ^ 0x864cfb) & 0xffffff : (c << 1) & 0xffffff;
  CRC24[i] = c;
}

/**
 * The samples in a TAK's frames as ffmpeg's parser finds them: each header (sync 0xFF 0xA0, flags,
 * frame number, the last frame's sample count, a STREAMINFO when flagged, no metadata) whose CRC-24
 * holds starts a frame of `each` samples (the last its own count). Every byte is looked at once
 * (a window at a time); TAK frames carry no length, so a frame counts when the next one's header is
 * found, and the last when it says it is the last.
 */
function takFrames(src: FileSource, from: number, each: number): number {
  const WINDOW = 1024 * 1024;
  let samples = 0;
  let pending = 0;
  for (let base = from; base < src.size; base += WINDOW) {
    const win = src.read(base, Math.min(WINDOW + 64, src.size - base));
    const end = Math.min(WINDOW, win.length);
    for (let i = win.indexOf(0xff); i >= 0 && i < end; i = win.indexOf(0xff, i + 1)) {
      // the sync's second byte, and no metadata flag (refused before anything is read: a file of
      // FF A0 … was parsed bit by bit at every candidate, 9.9 MB in 54 s; round 21)
      if (win[i + 1] !== 0xa0 || win[i + 2]! & 4) continue;
      src.work.tick();
      const h = takHeader(win, i);
      if (h === undefined) continue;
      samples += pending;
      pending = h > 0 ? h : each;
      if (h > 0) {
        samples += pending;
        pending = 0;
      }
    }
  }
  return samples;
}

/** The TAK frame header at p: -1 a frame of the stream's size, n > 0 the last frame's count, undefined none (or its CRC fails). */
function takHeader(b: Buffer, p: number): number | undefined {
  // flags (3 bits after the 16 of the sync): metadata in a frame is refused
  const flags = (b[p + 2] ?? 0) & 7;
  if (flags & 4) return undefined;
  // no STREAMINFO: 5 bytes (7 with the last frame's count) and the CRC, read by bytes
  if (!(flags & 2)) {
    const n = flags & 1 ? 7 : 5;
    if (p + n + 3 > b.length) return undefined;
    let c = 0xb704ce;
    for (let i = p; i < p + n; i++) c = ((c << 8) & 0xffffff) ^ CRC24[((c >> 16) ^ b[i]!) & 0xff]!;
    if (c !== b.readUIntLE(p + n, 3)) return undefined;
    return flags & 1 ? ((b[p + 5]! | (b[p + 6]! << 8)) & 0x3fff) + 1 : -1;
  }
  // bits least significant first, up to 24 at a time from a number of at most 32 bits
  let acc = 0;
  let have = 0;
  let at = p + 2;
  const read = (n: number): number => {
    while (have < n) {
      acc += (b[at++] ?? 0) * 2 ** have;
      have += 8;
    }
    const v = acc % 2 ** n;
    acc = (acc - v) / 2 ** n;
    have -= n;
    return v;
  };
  read(3 + 21);
  let last = -1;
  if (flags & 1) {
    last = read(14) + 1;
    read(2);
  }
  if (flags & 2) {
    for (const n of [6, 4, 4, 24, 11, 3, 18, 5]) read(n);
    const channels = read(4) + 1;
    if (read(1)) {
      read(5);
      if (read(1)) for (let c = 0; c < channels; c++) read(6);
    }
    if (read(6)) read(25);
    // to the byte: the bits left in the number are the current byte's rest
    read(have % 8);
  }
  const size = at - (have >> 3) - p + 3;
  if (p + size > b.length) return undefined;
  let crc = 0xb704ce;
  for (let i = p; i < p + size - 3; i++) crc = ((crc << 8) & 0xffffff) ^ CRC24[((crc >> 16) ^ b[i]!) & 0xff]!;
  return crc === b.readUIntLE(p + size - 3, 3) ? last : undefined;
}

const MPC_RATES = [44100, 48000, 37800, 32000];

/**
 * 'MP+' of stream version 7 or 7.1 (0x07, 0x17): the only versions ffmpeg's mpc demuxer opens.
 * Any other went to music-metadata's SV7 parser, which counted up to ~1,150 s of a file ffmpeg
 * does not open (attack round 22, H7).
 */
const isMpc7 = (h: Buffer): boolean => h.length >= 4 && (h[3] === 0x07 || h[3] === 0x17);
/** Walked in memory up to this size; a larger SV7 file is sized from its header's frame count. */
const MPC_WALK_MAX = 64 * 1024 * 1024;

/**
 * Musepack SV7 ("MP+" and version 7): 1152 samples a frame, the frame count in the header
 * (music-metadata reads it ~15 % long). The frames form one bit stream of 32-bit little-endian
 * words, each frame led by its 20-bit length in bits: they are walked, and only frames whose bits
 * are all in the file count (a cut copy keeps the header's count).
 */
export function probeMpc7(src: FileSource, start: number): ProbeResult | undefined {
  const h = bytesAt(src, start, 24);
  if (h.length < 24 || h.toString('latin1', 0, 3) !== 'MP+') return undefined;
  if (!isMpc7(h))
    return {
      kind: 'unreadable',
      codec: 'MUSEPACK',
      error: `'MP+' of version byte 0x${h[3]!.toString(16)}: ffmpeg reads stream version 7 (0x07, 0x17) only`,
    };
  const frames = h.readUInt32LE(4);
  const rate = MPC_RATES[h[10]! & 3]!;
  const base: Base = { codec: 'MUSEPACK/SV7', sampleRate: rate, channels: 2 };
  if (!frames) return { kind: 'unreadable', ...base, error: 'Musepack header gives 0 frames' };
  if (src.size - start > MPC_WALK_MAX) return done(frames * 1152, undefined, rate, base, 'frame');
  const b = bytesAt(src, start, src.size - start);
  let pos = 24;
  let bits = 8; // the first frame starts 8 bits into the word after the header (as libavformat reads it)
  let complete = 0;
  for (; complete < frames && pos + 4 <= b.length; complete++) {
    let len: number;
    if (bits <= 12) len = (b.readUInt32LE(pos) >>> (12 - bits)) & 0xfffff;
    else {
      if (pos + 8 > b.length) break;
      len =
        Number(((BigInt(b.readUInt32LE(pos)) << 32n) | BigInt(b.readUInt32LE(pos + 4))) >> BigInt(44 - bits)) & 0xfffff;
    }
    const end = bits + 20 + len; // bits from pos to the frame's end
    if (pos + Math.ceil(end / 32) * 4 > b.length) break;
    pos += Math.floor(end / 32) * 4;
    bits = end % 32;
  }
  return done(complete * 1152, frames * 1152, rate, base, 'frame');
}
