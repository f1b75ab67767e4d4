/*
 * Flash Video (.flv: Flash's and RTMP servers' recordings, ffmpeg's flv muxer), read by hand: no
 * reader knew it, so a real FLV of AAC, MP3, Nellymoser, Speex or ADPCM was `other`, counted 0 while
 * ffmpeg decodes it whole (attack round 24a, H5: 30 s of each counted 0).
 *
 * An FLV file is a 9-byte header ("FLV", a version under 5, flags, the header's size) and then tags,
 * each followed by its own size + 11 (PreviousTagSize): a type (8 audio, 9 video, 18 script data), a
 * 24-bit data size, a timestamp and a stream id, then the data. An audio tag's first byte says its
 * codec (the top four bits), its rate (5.5, 11, 22 or 44 kHz), its sample size and channels; the rest
 * is one packet for the decoder. The timestamps are never the length (a claim like any header's):
 * the packets are, read as ffmpeg 5.1's demuxer (libavformat/flvdec.c) hands them to its decoders:
 *  - the first audio tag's codec and sample size make the stream; a tag of another codec or size
 *    makes a second stream, and ffmpeg decodes the audio stream of the most channels (a tie: the
 *    first): one stereo tag of a codec it lacks after 30 s of mono Nellymoser left it decoding
 *    nothing, so a file of two audio streams (no encoder writes one) is not measured;
 *  - a tag whose PreviousTagSize does not match its size is dropped by ffmpeg, which then searches
 *    on from its second byte for the first place two tags end that each are followed by their size
 *    (resync): so here, and where none follows, the walk ends there (said so);
 *  - MP3: the payloads end to end through ffmpeg's MPEG audio parser: the frames in them (avi.ts's
 *    framedSeconds, mp3.ts's frame check); AAC: the first "sequence header" tag's
 *    AudioSpecificConfig (a later one replaces it), then each raw frame checked against it (aac.ts)
 *    at its 1,024 (or 960) samples; Nellymoser: 256 samples a whole 64-byte block (nellymoserdec.c),
 *    at 16 kHz (codec 4), 8 kHz (codec 5) or the tag's rate; Speex: one frame a packet, wideband at
 *    16 kHz, counted when it decodes (speex.ts; ffmpeg's decoder without a header decodes one frame
 *    a packet: an FLV of 2 frames a packet decodes half its frames); SWF ADPCM by its blocks
 *    (adpcm.c: 2 bits of code size, then per block 22 bits a channel of header and 4,095 codes);
 *    PCM, A-law and µ-law by their bytes (A-law and µ-law at 8 kHz);
 *  - script data (onMetaData's duration, "audiosamplerate", "stereo", "audiocodecid") changes
 *    nothing ffmpeg 5.1 decodes, before the audio or after it (tried on its own PCM FLV: 30 s decoded
 *    with each set otherwise), so it is not read.
 */
import { aacConfig, aacFrameHolds, type AacConfig } from './aac.js';
import { MPEG_FRAMER, framedSeconds } from './framed.js';
import { speexPacketSamples, type SpeexHead } from './speex.js';
import type { FileSource, ProbeResult } from './types.js';
import { Window } from './window.js';

/** ffmpeg's FLV codec ids (the top four bits of an audio tag's first byte) and their labels */
const CODECS: Record<number, string> = {
  0: 'PCM',
  1: 'ADPCM',
  2: 'MP3',
  3: 'PCM',
  4: 'NELLYMOSER',
  5: 'NELLYMOSER',
  6: 'NELLYMOSER',
  7: 'ALAW',
  8: 'ULAW',
  10: 'AAC',
  11: 'SPEEX',
};

/** Speex in FLV as ffmpeg's decoder sets itself up without a header: wideband, one 320-sample frame a packet */
const FLV_SPEEX: SpeexHead = { mode: 1, frameSize: 320, framesPerPacket: 1 };

/** how far back ffmpeg's resync looks for two tags (its RESYNC_BUFFER_SIZE) */
const RESYNC_SPAN = 1 << 20;

/** The FLV header as ffmpeg's probe knows it: "FLV", a version under 5, and a header of more than 8 bytes. */
export function isFlv(h: Buffer): boolean {
  return h.length >= 9 && h.toString('latin1', 0, 3) === 'FLV' && h[3]! < 5 && h[5] === 0 && h.readUInt32BE(5) > 8;
}

/** SWF ADPCM samples in one packet (adpcm.c get_nb_samples): its blocks of 4,096, and what a last short block holds. */
function swfSamples(first: number, bytes: number, channels: number): number {
  const bits = bytes * 8 - 2;
  const nbits = (first >> 6) + 2;
  const header = 22 * channels;
  const block = header + nbits * channels * 4095;
  const blocks = Math.floor(bits / block);
  const left = bits - blocks * block;
  return blocks * 4096 + (left >= header ? 1 + Math.floor((left - header) / (nbits * channels)) : 0);
}

/**
 * ffmpeg's resync (flvdec.c) from `from` on: the first end of two tags one after the other, each
 * followed by its size + 11, within a MiB and after `from`; the first one's start, or -1.
 */
function resync(src: FileSource, from: number): number {
  // a MiB of ends at a time, read with the MiB before them that a pair of tags may reach back over
  for (let e0 = from + 23; e0 <= src.size; e0 += RESYNC_SPAN) {
    const e1 = Math.min(src.size, e0 + RESYNC_SPAN - 1);
    const base = Math.max(from, e0 - RESYNC_SPAN - 16);
    const b = src.read(base, e1 - base);
    src.work.tick(RESYNC_SPAN >> 6);
    for (let e = e0; e <= e1 && e - base <= b.length; e++) {
      const i = e - from;
      const most = Math.min(i, RESYNC_SPAN);
      const k = e - base; // where the second tag's PreviousTagSize ends, in b
      const lsize2 = b.readUInt32BE(k - 4);
      if (lsize2 < 11 || lsize2 + 8 >= most) continue;
      const lsize1 = b.readUInt32BE(k - lsize2 - 8);
      if (lsize1 < 11 || lsize1 + 8 + lsize2 >= most) continue;
      const size2 = b.readUIntBE(k - lsize2 - 3, 3);
      const size1 = b.readUIntBE(k - lsize2 - lsize1 - 7, 3);
      if (size1 === lsize1 - 11 && size2 === lsize2 - 11) return e - lsize1 - lsize2 - 8;
    }
  }
  return -1;
}

export function probeFlv(src: FileSource): ProbeResult | undefined {
  if (!isFlv(src.head)) return undefined;
  const w = new Window(src);
  let p = src.head.readUInt32BE(5) + 4; // the header, then PreviousTagSize0
  let sum = 0;
  let flags: number | undefined;
  let cfg: AacConfig | string | undefined;
  let seconds = 0;
  const mp3: [number, number][] = [];
  let stopped: string | undefined;
  let dropped = 0;
  let other: number | undefined;
  let cut = false;
  while (p + 11 <= src.size) {
    src.work.tick();
    const t = w.get(p, 13);
    const type = t[0]! & 0x1f;
    const size = t.readUIntBE(1, 3);
    sum += size + 11;
    const next = p + 11 + size;
    // the PreviousTagSize after the tag, as ffmpeg checks it (none at the end of the file)
    if (next + 4 <= src.size) {
      const last = w.get(next, 4).readUInt32BE(0);
      if (last !== size + 11 && last !== size + 10 && (last !== size || !last) && last !== sum) {
        // ffmpeg drops the tag and goes on where two tags chain
        const q = resync(src, p + 1);
        if (q < 0) {
          stopped = `the tag at byte ${p} is not followed by its size, nor any two tags after it: not counted from there`;
          break;
        }
        dropped++;
        p = q;
        continue;
      }
    }
    const present = Math.min(next, src.size) - (p + 11);
    if (next > src.size) cut = true;
    if (type === 8 && present > 1) {
      const f = t[11]!;
      flags ??= f;
      // another codec or sample size: another stream
      if ((f & 0xf2) === (flags & 0xf2))
        seconds += packet(w, p + 12, present - 1, flags, tagRate(flags, f), mp3, (c) => (cfg = c), cfg);
      else other ??= f;
    }
    p = next + 4;
  }
  if (flags === undefined) return { kind: 'other' }; // a video without audio: not a recording
  const id = flags >> 4;
  const channels = flags & 1 ? 2 : 1;
  const codec = `FLV/${CODECS[id] ?? id}`;
  const rate = id === 10 ? (typeof cfg === 'object' ? cfg.rate : undefined) : id === 2 ? undefined : rateOf(flags);
  const base = { codec, sampleRate: rate, channels: id === 2 || id === 10 ? undefined : channels };
  if (!CODECS[id]) return { kind: 'unreadable', ...base, error: `FLV audio codec ${id}: ffmpeg has no decoder for it` };
  if (typeof cfg === 'string') return { kind: 'unreadable', ...base, error: cfg };
  if (other !== undefined)
    return {
      kind: 'unreadable',
      ...base,
      error: `FLV of two audio streams (${CODECS[id]} and ${CODECS[other >> 4] ?? other >> 4}): which one ffmpeg decodes is not measured`,
    };
  if (id === 2) seconds = framedSeconds(src, mp3, MPEG_FRAMER);
  const notes =
    [
      dropped ? `${dropped} tags not followed by their size dropped, as ffmpeg drops them` : undefined,
      stopped,
      cut ? 'cut off: the last tag is not whole' : undefined,
    ]
      .filter(Boolean)
      .join('; ') || undefined;
  if (!(seconds > 0)) return { kind: 'unreadable', ...base, error: notes ?? `no ${CODECS[id]} packet a decoder takes` };
  return { kind: 'audio', seconds, ...base, error: notes };
}

/** The rate a stream's decoder runs at: the tag's (5.5, 11, 22 or 44 kHz) but where ffmpeg sets its own. */
function rateOf(flags: number): number {
  const id = flags >> 4;
  if (id === 4 || id === 11) return 16000;
  if (id === 5 || id === 7 || id === 8) return 8000;
  return 44100 >> (3 - ((flags >> 2) & 3));
}

/**
 * The rate one tag of the stream is decoded at. ffmpeg's flvdec takes each audio tag's rate (after
 * flv_set_audio_codec, which fixes Nellymoser 8/16 kHz, Speex, A-law and µ-law) and, where it differs
 * from the last tag's, sends the decoder a parameter change; the decoders that take one (the PCM
 * decoders of codecs 0 and 3, Nellymoser's of codec 6: AV_CODEC_CAP_PARAM_CHANGE) decode the tag at
 * its own rate, the others (SWF ADPCM) stay at the first tag's. Counted at the first tag's rate, a
 * first tag at 5.5 kHz and 5 MB of Nellymoser at 44 kHz after it made 3,716 s where ffmpeg decodes
 * 465 (attack round 25a, C5). (A channel change it sends too is not followed by ffmpeg 5.1's decoders:
 * a stereo tag after mono ones decodes as mono, so channels stay the first tag's.)
 */
function tagRate(flags: number, f: number): number {
  const id = flags >> 4;
  return id === 0 || id === 3 || id === 6 ? rateOf(f) : rateOf(flags);
}

/**
 * The seconds of one audio packet (bytes at `at`) of the stream whose first tag's flags are `flags`
 * (MP3: its span noted for the frame walk; AAC: a sequence header sets the config).
 */
function packet(
  w: Window,
  at: number,
  bytes: number,
  flags: number,
  rate: number,
  mp3: [number, number][],
  setCfg: (c: AacConfig | string) => void,
  cfg: AacConfig | string | undefined,
): number {
  const id = flags >> 4;
  const channels = flags & 1 ? 2 : 1;
  switch (id) {
    case 0:
    case 3:
      return Math.floor(bytes / ((flags & 2 ? 2 : 1) * channels)) / rate;
    case 7:
    case 8:
      return Math.floor(bytes / channels) / rate;
    case 1:
      return swfSamples(w.get(at, 1)[0]!, bytes, channels) / rate;
    case 2:
      mp3.push([at, bytes]);
      return 0;
    case 4:
    case 5:
    case 6:
      return (Math.floor(bytes / 64) * 256) / rate;
    case 10: {
      // the AACPacketType byte: 0 a sequence header (the AudioSpecificConfig), anything else a frame
      const b = w.get(at, bytes);
      if (b[0] === 0) {
        setCfg(aacConfig(b, 1, b.length) ?? 'FLV AAC sequence header leaktally cannot read');
        return 0;
      }
      if (typeof cfg !== 'object' || b.length < 2) return 0;
      return aacFrameHolds(b, 1, b.length, cfg) ? cfg.frame / cfg.rate : 0;
    }
    case 11:
      return speexPacketSamples(w.get(at, bytes), FLV_SPEEX) / rate;
    default:
      return 0;
  }
}
