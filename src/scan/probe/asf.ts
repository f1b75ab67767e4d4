/*
 * ASF / WMA by hand: music-metadata takes the length from the File Properties object (play duration
 * less preroll), which a cut-off copy still carries whole (a 35 KB WMA counted as 243 s), and counts
 * a video-only ASF as audio. The play duration is also the longest stream's, so a WMV's is the
 * video's. The length counted is the audio stream's own: its media objects (payloads carry each
 * object's presentation time and size) in the whole data packets present, read from the last
 * packets back; the play duration only for a whole audio-only file.
 */
import type { FileSource, ProbeResult } from './types.js';
import { SAMPLE_BYTES } from './pcm.js';
import {
  WmaProPackets,
  gsmMsBlock,
  tooManyChannels,
  wmaProFormat,
  wmaOpenRefused,
  wmaBlockBytesPerSecond,
  wmaUnderEncoders,
  type WmaProFormat,
} from './acm.js';
import { WmaVoicePackets, wmaVoiceFormat, type WmaVoiceFormat } from './wmavoice.js';
import { adpcmFormat, packetBlocks } from './adpcm.js';
import { FRAMED_MAX, MPEG_FRAMER, framedSeconds, type Framer } from './framed.js';
import { checkedFrameAt } from './ac3.js';
import { DtsFrames } from './dts.js';
import { aacConfig, aacFrameHolds, type AacConfig } from './aac.js';
import { adtsFrame } from './adts.js';
import { speexHead, speexPacketSamples } from './speex.js';
import { extensibleTag } from './wav.js';

const guid = (hex: string): Buffer => Buffer.from(hex, 'hex');
const HEADER = guid('3026b2758e66cf11a6d900aa0062ce6c');
const HEADER_EXTENSION = guid('b503bf5f2ea9cf118ee300c00c205365');
const EXT_STREAM_PROPERTIES = guid('cba5e61472c632438399a96952065b5a');
const FILE_PROPERTIES = guid('a1dcab8c47a9cf118ee400c00c205365');
const STREAM_PROPERTIES = guid('9107dcb7b7a9cf118ee600c00c205365');
const AUDIO_MEDIA = guid('409e69f84d5bcf11a8fd00805f5c442b');
const VIDEO_MEDIA = guid('c0ef19bc4d5bcf11a8fd00805f5c442b');
const JFIF_MEDIA = guid('00e11bb64e5bcf11a8fd00805f5c442b');
const COMMAND_MEDIA = guid('c0cfda59e659d011a3ac00a0c90348f6');
/** a stream whose type follows (dvr-ms): audio when that type is EXT_AUDIO_MEDIA */
const EMBEDDED_MEDIA = guid('e265fb3aef47f240ac2c70a90d71d343');
const EXT_AUDIO_MEDIA = guid('9d8c1731e1032845b5823df9db22f503');
const DATA = guid('3626b2758e66cf11a6d900aa0062ce6c');

const MAX_HEADER = 1024 * 1024;

export function probeAsf(src: FileSource): ProbeResult | undefined {
  const h0 = src.head;
  if (h0.length < 30) return undefined;
  // ffmpeg's asf demuxer takes a file whose first 16 bytes are the Header Object's GUID, all of them
  // (asf_probe, asf_read_header); the format table names ASF by its first 4. One byte of the other 12
  // changed, ffmpeg's own 1 h MP3-in-ASF (4.57 MB) was counted in full, none decoded (attack round 26a, C2)
  if (!h0.subarray(0, 16).equals(HEADER))
    return {
      kind: 'unreadable',
      codec: 'ASF',
      error: 'an ASF Header Object GUID wrong past its first 4 bytes: ffmpeg takes no such file',
    };
  const headerSize = Number(h0.readBigUInt64LE(16));
  if (headerSize < 30 || headerSize > MAX_HEADER) return undefined;
  const h = headerSize + 50 <= h0.length ? h0 : src.read(0, Math.min(src.size, headerSize + 50));
  let playDuration: number | undefined;
  let preroll = 0;
  let packets = 0;
  let packetSize = 0;
  let packetSizes: [number, number] | undefined;
  let audio:
    | {
        tag: number;
        channels: number;
        rate: number;
        avgBytes: number;
        blockAlign: number;
        bits: number;
        stream: number;
        wma?: Wma;
        pro?: WmaProFormat | WmaVoiceFormat | string;
        extra: Buffer;
      }
    | undefined;
  let video = false;
  /**
   * ffmpeg's asf_read_header walks object after object from byte 30 until it reads the Data Object's
   * GUID, whatever the Header Object's size says: an object of under 24 bytes, or one running past the
   * header into the packets (it then reads a GUID and a size out of the audio), fails the file. The
   * walk stopped there and read the Data Object at the header's end: an object's size changed by 8
   * bytes counted ffmpeg's own 1 h WMA in full, 0 decoded (attack round 25d H1)
   */
  /*
   * It also stops at the first Data Object GUID it meets, wherever that is, and takes the data to
   * start there; it steps into the Header Extension Object (22 bytes of its own, then its body read
   * as objects of the header) and past an Extended Stream Properties Object's own fields only (a Stream
   * Properties Object it holds is read next); and it fails the file on a Stream Properties Object of a
   * type it does not know or whose WAVEFORMATEX it refuses (streamRefused). The walk stepped over every
   * object by its size to the header's end: a Data GUID in the header, a stream of unknown type, a
   * second audio stream's format of 10 bytes, 24 zero bytes in the Header Extension, each counted
   * ffmpeg's own 1 h MP3-in-ASF (4.57 MB) in full, none decoded (attack round 26a, C2)
   */
  let astray: string | undefined;
  let streams = 0;
  let p = 30;
  for (; p + 24 <= Math.min(h.length, headerSize);) {
    const id = h.subarray(p, p + 16);
    // (read signed, as ffmpeg reads it: a size with its top bit set is under 24, and refused)
    const size = Number(h.readBigInt64LE(p + 16));
    if (id.equals(DATA)) {
      astray = 'an ASF Data Object GUID inside the header';
      break;
    }
    if (size < 24) {
      astray = `an ASF header object of ${size} bytes`;
      break;
    }
    if (id.equals(HEADER_EXTENSION)) {
      // (its reserved GUID, 2 bytes and its data size, which ffmpeg does not read)
      p += 24 + 22;
      continue;
    }
    if (p + size > headerSize) {
      astray = 'an ASF header object running past the header into the data';
      break;
    }
    if (p + size > h.length) break;
    const body = p + 24;
    if (id.equals(EXT_STREAM_PROPERTIES)) {
      const next = extStreamFieldsEnd(h, body, p + size);
      if (typeof next === 'string') {
        astray = next;
        break;
      }
      p = next;
      continue;
    }
    if (id.equals(STREAM_PROPERTIES)) {
      const why = ++streams > MAX_STREAMS ? `more than ${MAX_STREAMS} ASF streams` : streamRefused(h, body, p + size);
      if (why) {
        astray = why;
        break;
      }
    }
    if (id.equals(FILE_PROPERTIES) && size >= 24 + 80 && h.readUInt32LE(body + 68) >= 2 ** 29) {
      astray = `an ASF least packet size of ${h.readUInt32LE(body + 68)} bytes`;
      break;
    }
    if (id.equals(FILE_PROPERTIES) && size >= 24 + 80) {
      packets = Number(h.readBigUInt64LE(body + 32));
      playDuration = Number(h.readBigUInt64LE(body + 40)) / 1e7;
      preroll = Number(h.readBigUInt64LE(body + 56)) / 1000;
      const minP = h.readUInt32LE(body + 68);
      const maxP = h.readUInt32LE(body + 72);
      packetSizes = [minP, maxP];
      // a packet larger than the whole scan window (real files use a few KB) is a forged field: taken
      // as unknown, or reading "one packet" would read as much as the file holds
      packetSize = minP === maxP && minP <= SCAN_BYTES ? minP : 0;
    } else if (id.equals(STREAM_PROPERTIES) && size >= 24 + 54) {
      const type = h.subarray(body, body + 16);
      if (type.equals(VIDEO_MEDIA)) video = true;
      else if (type.equals(AUDIO_MEDIA) && !audio && size >= 24 + 54 + 8) {
        audio = {
          tag: formatTag(h.subarray(body + 54, p + size)),
          channels: h.readUInt16LE(body + 56),
          rate: h.readUInt32LE(body + 58),
          avgBytes: h.readUInt32LE(body + 62),
          blockAlign: h.readUInt16LE(body + 66),
          bits: h.readUInt16LE(body + 68),
          stream: h.readUInt16LE(body + 48) & 0x7f,
          wma: wmaLayout(h, body + 54, p + size),
          pro: proLayout(h, body + 54, p + size),
          extra: extraData(h, body + 54, p + size),
        };
      }
    }
    p += size;
  }
  if (astray === undefined && p !== headerSize && p + 24 > headerSize)
    astray = 'an ASF header whose objects do not end where it does';
  if (astray !== undefined) return { kind: 'unreadable', codec: 'ASF', error: `${astray}: a decoder refuses the file` };
  if (playDuration === undefined) return undefined;
  // only a file shown to be video is `other`; one with no stream we know is unreadable
  if (!audio && headerSize > src.size)
    return { kind: 'unreadable', codec: 'ASF', error: 'cut off inside the ASF header: its streams are not all there' };
  if (!audio)
    return video
      ? { kind: 'other', codec: 'ASF', error: 'video, no audio track' }
      : { kind: 'unreadable', codec: 'ASF', error: 'no audio stream found' };
  const codec = [0x160, 0x161, 0x162, 0x163, 0x0a].includes(audio.tag)
    ? 'WMA'
    : `ASF/0x${audio.tag.toString(16).padStart(4, '0')}`;
  const base = { codec, sampleRate: audio.rate || undefined, channels: audio.channels || undefined };
  const total = playDuration - preroll;
  if (!(total > 0)) return { kind: 'unreadable', ...base, error: 'ASF header gives no length' };
  const reader = objectReader(src, audio);
  const refused =
    asfRefused(audio) ??
    (typeof audio.pro === 'string' ? audio.pro : undefined) ??
    (typeof reader === 'string' ? reader : undefined);
  if (refused)
    return { kind: 'unreadable', ...base, error: `${refused}: the header's ${total.toFixed(1)} s not counted` };
  // the data object follows the header: 24-byte object header, file id, packet count, 2 reserved
  const d = headerSize + 50 <= h.length ? h.subarray(headerSize, headerSize + 50) : src.read(headerSize, 50);
  if (d.length < 50 || !d.subarray(0, 16).equals(DATA)) {
    return { kind: 'unreadable', ...base, error: 'cut off: no ASF data object' };
  }
  // Packets of no one size (the spec has min = max, ffmpeg steps by the max and searches for the next
  // packet's start when that misses) or larger than any real file's are not walked here, and nothing
  // else shows the audio: min != max, the packets unread, counted the play duration, 1 MB 3,995 s where
  // ffmpeg decodes 10.4 or 0 (attack round 20, critical)
  if (!packetSize)
    return {
      kind: 'unreadable',
      ...base,
      error:
        packetSizes && packetSizes[0] !== packetSizes[1]
          ? `ASF data packets of varying size (${packetSizes[0]} to ${packetSizes[1]} bytes), which leaktally does not walk: the header's ${total.toFixed(1)} s not counted`
          : `ASF data packet size of ${packetSizes?.[0] ?? 0} bytes, which leaktally does not walk: the header's ${total.toFixed(1)} s not counted`,
    };
  const dataPackets = Number(d.readBigUInt64LE(40)) || packets;
  const dataStart = headerSize + 50;
  const dataBytes = src.size - dataStart;
  const cut = packetSize > 0 && dataPackets > 0 && dataBytes < dataPackets * packetSize;
  const frame = audio.rate ? 2048 / audio.rate : 0.128;
  const whole = Math.min(dataPackets || Infinity, Math.floor(dataBytes / packetSize));
  const end = audioEnd(src, dataStart, packetSize, whole, audio.stream, preroll, audio.avgBytes, cut ? frame : 0);
  // the objects' steps walked from the first packet: presentation times forged in the last packets
  // (the play duration to match) counted 20 s of WMA in 96 KB as 320 s (attack round 9); a second
  // over is let be (a cut file's last object, split, is counted whole by the steps)
  const held = whole
    ? heldSeconds(
        src,
        dataStart,
        packetSize,
        whole,
        audio.stream,
        preroll,
        audio.wma ?? byteRate(audio),
        typeof audio.pro === 'object' && 'log2FrameSize' in audio.pro ? new WmaProPackets(audio.pro) : undefined,
        typeof reader === 'object' ? reader : undefined,
      )
    : undefined;
  // MPEG audio, ADPCM, WMA with the bit reservoir … whose objects hold no frame or block a decoder
  // takes: nothing, whatever the objects' times say
  const none = typeof reader === 'object' ? reader.name : audio.wma ? 'WMA superframe' : undefined;
  if (none && held?.seconds === 0)
    return {
      kind: 'unreadable',
      ...base,
      error: held.note.includes('not an encoder')
        ? `ASF ${held.note}`
        : `no ${none} a decoder takes in the audio objects: the header's ${total.toFixed(1)} s not counted`,
    };
  // no audio object in the packets, the play duration all there is: packets of zeros under a real
  // header, the duration forged, counted 1 MB as 3,995 s, ffmpeg decoding none (attack round 20, critical)
  if (end === undefined && held === undefined)
    return {
      kind: 'unreadable',
      ...base,
      error: `no audio object in the ${whole} data packets${cut ? ` present of ${dataPackets}` : ''}: the header's ${total.toFixed(1)} s not counted`,
    };
  // objects in the first packets, none in the last ones read back: what the objects hold, no more
  if (end === undefined) {
    const note = `no audio object in the last data packets; ${held!.note}`;
    return {
      kind: 'audio',
      seconds: Math.min(total, held!.seconds),
      ...base,
      error: cut ? `cut off: ${whole} of ${dataPackets} data packets present; ${note}` : note,
    };
  }
  if (held !== undefined && end > held.seconds + 1) {
    const note = `${held.note}; the last audio object says ${end.toFixed(1)} s`;
    if (!cut && !video && total <= held.seconds + 0.001) return { kind: 'audio', seconds: total, ...base };
    return {
      kind: 'audio',
      seconds: Math.min(total, held.seconds),
      ...base,
      error: cut ? `cut off: ${whole} of ${dataPackets} data packets present; ${note}` : note,
    };
  }
  if (!cut && !video) {
    // audio alone: the play duration is a claim (a 20 s WMA of 96 KB said 380 s, under the guard's
    // floor), so it is counted up to where the audio's last object ends, when one is found
    if (end > 0 && end < total)
      return {
        kind: 'audio',
        seconds: end,
        ...base,
        error: `header says ${total.toFixed(1)} s; counted to the last audio object`,
      };
    return { kind: 'audio', seconds: total, ...base };
  }
  if (!cut) {
    // video and audio: the audio stream's last object, not the file's duration (set by the video)
    if (end > 0) return { kind: 'audio', seconds: Math.min(end, total), ...base };
    return { kind: 'unreadable', ...base, error: `no audio in the audio stream's objects` };
  }
  const note = `cut off: ${whole} of ${dataPackets} data packets present (header says ${total.toFixed(1)} s)`;
  if (!(end > 0)) return { kind: 'unreadable', ...base, error: `no complete audio (${note})` };
  return { kind: 'audio', seconds: Math.min(end, total), ...base, error: note };
}

/**
 * The WAVEFORMATEX format tags ffmpeg 5.1 maps to a codec (libavformat/riff.c's table), each of which
 * it has a decoder for; 0xFFFE (WAVE_FORMAT_EXTENSIBLE) names its codec by a GUID, not judged here.
 * ffmpeg compares tags upper-cased as four characters (avpriv_toupper4): 0x65 ('e') is 0x45's G.726.
 * A tag outside it is a codec no ffmpeg decodes: WAV and AVI refuse it (round 12a), ASF and Matroska's
 * A_MS/ACM counted its objects' or blocks' steps, 1,800 s of 1 MB (round 23 C4) and 56,000 s of 900 KB
 * (C6), ffmpeg decoding none.
 */
const FFMPEG_WAV_TAGS = new Set(
  [
    0x0001, 0x0002, 0x0003, 0x0006, 0x0007, 0x000a, 0x0010, 0x0011, 0x0014, 0x0017, 0x0020, 0x0022, 0x0031, 0x0032,
    0x0038, 0x0040, 0x0042, 0x0045, 0x0050, 0x0055, 0x0057, 0x0058, 0x0061, 0x0062, 0x0064, 0x0069, 0x0075, 0x0083,
    0x00ff, 0x0111, 0x0130, 0x0135, 0x0160, 0x0161, 0x0162, 0x0163, 0x0165, 0x0166, 0x0200, 0x0215, 0x0216, 0x0270,
    0x028e, 0x028f, 0x0401, 0x0402, 0x0500, 0x0501, 0x1500, 0x1501, 0x1600, 0x1602, 0x2000, 0x2001, 0x2048, 0x4143,
    0x594a, 0x6c75, 0x706d, 0x729a, 0xa100, 0xa106, 0xa109, 0xf1ac, 0xfffe,
  ].map(upper4),
);

/** A format tag's bytes upper-cased as ffmpeg compares them (a-z to A-Z). */
function upper4(tag: number): number {
  let out = 0;
  for (let i = 3; i >= 0; i--) {
    const c = (tag >>> (8 * i)) & 0xff;
    out = out * 256 + (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
  }
  return out;
}

/** Whether ffmpeg maps this WAVEFORMATEX format tag to a codec it decodes. */
export function ffmpegWavTag(tag: number): boolean {
  return FFMPEG_WAV_TAGS.has(upper4(tag));
}

/**
 * Why ffmpeg decodes none of the ASF audio stream whatever its packets hold, or undefined. A format
 * tag it has no decoder for (0x1234); PCM, float or G.711 of no channels or no rate, or of a sample
 * size it has no decoder for (round 23 C4b: channels 0 made the byte rate 0, and the objects' steps,
 * stretched 15x, counted 1,800 s of 120); a WMA stream of no channels or rate, or of a byte rate
 * under any of its encoders'. WMA 1 and 2 take their framing from that rate, and it bounds their
 * frame counts (heldSeconds): forged low with the counts and times to match, 93 KB of 32 kbit/s WMA
 * counted 300 s, ffmpeg decoding 1.7 (attack round 13a). WMA Pro, Lossless and Voice (whose packets
 * are walked, WmaProPackets and voiceReader) are bounded by it too, object by object: forged to 1 B/s,
 * junk objects counted their forged steps, 1,800 s of 1 MB that ffmpeg decodes none of (round 23 C4).
 */
function asfRefused(a: {
  tag: number;
  channels: number;
  rate: number;
  avgBytes: number;
  blockAlign: number;
  bits: number;
  wma?: Wma;
}): string | undefined {
  const hex = `0x${a.tag.toString(16).padStart(4, '0')}`;
  if (!ffmpegWavTag(a.tag)) return `ASF audio of codec ${hex} (its format tag), which ffmpeg has no decoder for`;
  const many = tooManyChannels(a.channels);
  if (many) return `ASF ${many}`;
  // GSM 6.10: a block align its decoder refuses (as in WAV and AVI, attack round 26a H1)
  const gsm = a.tag === 0x31 ? gsmMsBlock(a.blockAlign, a.channels) : undefined;
  if (typeof gsm === 'string') return `ASF ${gsm}`;
  const pcm = [1, 3, 6, 7].includes(a.tag);
  const wma = [0x160, 0x161, 0x162, 0x163, 0x0a].includes(a.tag);
  if ((pcm || wma) && (!a.channels || !a.rate))
    return `ASF audio format ${hex} of ${a.channels} channels at ${a.rate} Hz: a decoder refuses it`;
  if ((a.tag === 1 || a.tag === 3) && !SAMPLE_BYTES[a.tag === 3 ? 'FLOAT' : 'PCM'].includes(Math.ceil(a.bits / 8)))
    return `ASF ${a.tag === 3 ? 'float' : 'PCM'} of ${a.bits}-bit samples, which ffmpeg has no decoder for`;
  if (!wma) return undefined;
  // WMA 1 and 2: ffmpeg's decoder refuses no block align ("block_align is not set"), and (wma.c) a
  // rate over 50 kHz, more than 2 channels or a bit rate past its byte offsets' bits (acm.ts). Block
  // align 0 counted ffmpeg's own 60 s WMA (276 KB) 60 s and its 1 h (12 MB) 3,600, none decoded; AVI,
  // WAV and Matroska refused it (attack round 26a, H3)
  const open =
    a.tag === 0x160 || a.tag === 0x161
      ? wmaOpenRefused(a.tag, a.channels, a.rate, a.avgBytes, a.blockAlign)
      : undefined;
  if (open) return `ASF ${open}`;
  // WMA 1 and 2 without the bit reservoir (ffmpeg's own encoder writes it so): a block of block-align
  // bytes is one frame, so the blocks' rate is the stream's, held to the encoders' floor as AVI and
  // Matroska hold it (acm.ts). Block align 1 made every byte a frame of 512 samples, bounded only by the
  // objects' times: ffmpeg's own 10 min WMA (2.14 MB) counted 599.6 s and, its times x6, 3,597 s,
  // ffmpeg failing every object and decoding none (attack round 28a, C1)
  if ((a.tag === 0x160 || a.tag === 0x161) && !a.wma?.reservoir) {
    const blocks = wmaBlockBytesPerSecond(a.tag, a.channels, a.rate, a.avgBytes, a.blockAlign);
    if (typeof blocks === 'string') return `ASF ${blocks}`;
  }
  // with the bit reservoir, a superframe shorter than its header (8 bits, then the last frame's bit
  // offset) fails every time in ffmpeg's decoder (heldSeconds reads each one's header)
  if (a.wma?.reservoir && a.blockAlign * 8 < 8 + a.wma.offsetBits + 3)
    return `ASF WMA with the bit reservoir in superframes of ${a.blockAlign} bytes, under their header's ${8 + a.wma.offsetBits + 3} bits: ffmpeg's decoder fails every one`;
  // and one under a frame's bytes at the stream's byte rate: ffmpeg's decoder keeps in its reservoir
  // only what the superframe before left (wma_decode_superframe copies that superframe's tail), so a
  // frame spans at most two superframes, and the frames that fit such scraps are not the encoder's. No
  // encoder writes a superframe under one frame (ffmpeg's holds one exactly, Windows' one to eight),
  // and the frames' insides fail only a full decode: block align 4 to 16 with the flag set on ffmpeg's
  // own 10 min WMA (24 kbit/s, 96 B a frame) counted 599.6 s at its byte rate, 0 to 0.54 decoded
  // (round 28a's fix's note, asked in round 29). A byte rate forged lower to shrink the frame meets the
  // encoders' floor below (at it a frame is 29 B at 16 kHz, 115 B at 44.1)
  if (a.wma?.reservoir && a.rate > 0) {
    const frameBytes = (a.avgBytes * a.wma.frameLen) / a.rate;
    if (a.blockAlign < Math.floor(frameBytes))
      return `ASF WMA with the bit reservoir in superframes of ${a.blockAlign} bytes, under one frame at its byte rate (${Math.floor(frameBytes)} bytes): no encoder writes them, and ffmpeg's decoder fails the frames they break`;
  }
  return wmaUnderEncoders(a.tag, a.rate, a.avgBytes * 8, 'WMA byte rate');
}

/** ffmpeg's asf demuxer takes at most this many streams (ASF_MAX_STREAMS) and fails the file past them. */
const MAX_STREAMS = 127;

/**
 * Why ffmpeg's asf_read_stream_properties fails the file on this Stream Properties Object (its body
 * from `body`, the object ending at `end`), or undefined: a stream type it does not know; an audio
 * stream's WAVEFORMATEX that ff_get_wav_header refuses (a type-specific size under 14, a sample rate
 * of 0 or over 2^31 - 1, XMA's under 32 bytes or its streams past them); a video stream's bitmap size
 * past the object. The fields are read where ffmpeg reads them; an object too short to hold them is
 * refused rather than read into the next one.
 */
function streamRefused(h: Buffer, body: number, end: number): string | undefined {
  const short = (n: number): string | undefined =>
    n > end ? `an ASF Stream Properties Object of ${end - body + 24} bytes, shorter than its fields` : undefined;
  const fixed = short(body + 54);
  if (fixed) return fixed;
  const type = h.subarray(body, body + 16);
  const size = h.readInt32LE(body + 40);
  let wave = body + 54;
  if (type.equals(EMBEDDED_MEDIA)) {
    // dvr-ms: audio when the type that follows says so, its WAVEFORMATEX after 64 more bytes
    if (body + 70 > end || !h.subarray(body + 54, body + 70).equals(EXT_AUDIO_MEDIA)) return undefined;
    wave = body + 118;
  } else if (type.equals(VIDEO_MEDIA) || type.equals(JFIF_MEDIA)) {
    if (end - (body + 54) < 51) return undefined;
    const sizeX = h.readInt32LE(body + 65);
    if (sizeX > 40 && (end - body + 24 < sizeX - 40 || sizeX - 40 > 2 ** 31 - 1 - 64))
      return `an ASF video stream's format of ${sizeX} bytes, past its object`;
    return undefined;
  } else if (type.equals(COMMAND_MEDIA)) return undefined;
  else if (!type.equals(AUDIO_MEDIA)) return 'an ASF stream of a type ffmpeg does not know';
  if (size < 14) return `an ASF audio stream's format of ${size} bytes (under 14)`;
  const past = short(wave + size);
  if (past) return past;
  const tag = h.readUInt16LE(wave);
  let rate = h.readInt32LE(wave + 4);
  if (tag === 0x165 && size >= 32) {
    // XMA: its rate and streams in the bytes that follow the tag and bits
    const streams = h.readUInt16LE(wave + 8);
    if (size - 4 < 8 + streams * 20) return `an ASF XMA stream's format of ${size} bytes, under its ${streams} streams`;
    rate = h.readInt32LE(wave + 16);
  } else if (tag === 0x165) rate = 0;
  if (rate <= 0) return `an ASF audio stream at ${rate} Hz`;
  return undefined;
}

/**
 * Where ffmpeg's walk goes on after an Extended Stream Properties Object (its body from `body`, the
 * object ending at `end`): past its fixed fields, its stream names and payload extension systems, to
 * the Stream Properties Object it may hold, or its end; or why the file is refused (those fields
 * running past the object, which ffmpeg would read the next objects' bytes as).
 */
function extStreamFieldsEnd(h: Buffer, body: number, end: number): number | string {
  const past = 'an ASF Extended Stream Properties Object whose fields run past it';
  if (body + 64 > end) return past;
  const names = h.readUInt16LE(body + 60);
  const systems = h.readUInt16LE(body + 62);
  let q = body + 64;
  for (let i = 0; i < names; i++) {
    if (q + 4 > end) return past;
    q += 4 + h.readUInt16LE(q + 2);
  }
  for (let i = 0; i < systems; i++) {
    if (q + 22 > end) return past;
    q += 22 + h.readUInt32LE(q + 18);
  }
  return q > end ? past : q;
}

/** Packets read back from the last whole one when looking for the audio stream's end (and at most 4 MiB of them). */
const SCAN_PACKETS = 256;
const SCAN_BYTES = 4 * 1024 * 1024;

/** The least byte rate of a codec whose objects are not read: 2.4 kbit/s, LPC-10's (as wav.ts's and avi.ts's). */
const MIN_BYTE_RATE = 300;

/** The longest a media object is taken to play, whatever the stream's byte rate says. */
const MAX_OBJECT_S = 2;

const lenOf = (type: number): number => [0, 1, 2, 4][type & 3]!;

function readVar(b: Buffer, p: number, type: number): number {
  const n = lenOf(type);
  return n === 0 ? 0 : n === 1 ? b[p]! : n === 2 ? b.readUInt16LE(p) : b.readUInt32LE(p);
}

/**
 * Where the audio stream ends, in seconds from the start (preroll taken off), from the media objects
 * in the last whole data packets: the end of the last whole object (its presentation time plus its
 * bytes at the stream's byte rate, less `cutFrame` when the file was cut after it), or, when the cut
 * split an object, that object's start. Undefined when no audio object is found.
 */
function audioEnd(
  src: FileSource,
  dataStart: number,
  packetSize: number,
  whole: number,
  stream: number,
  prerollS: number,
  avgBytes: number,
  cutFrame: number,
): number | undefined {
  const first = Math.max(0, whole - Math.max(1, Math.min(SCAN_PACKETS, Math.floor(SCAN_BYTES / packetSize))));
  // the whole packets, and (in a cut file) the start of the packet the cut split: its payload headers
  // name the objects that are not all there
  const buf = src.read(dataStart + first * packetSize, (whole - first) * packetSize + (cutFrame > 0 ? packetSize : 0));
  const n = Math.floor(buf.length / packetSize);
  const preroll = prerollS * 1000;
  let lastWhole: { pres: number; size: number } | undefined;
  let split: number | undefined;
  // the presentation times seen, to find the object before the last whole one (its step)
  const seen: number[] = [];
  let prev: number | undefined;
  for (let k = buf.length > n * packetSize ? n : n - 1; k >= 0; k--) {
    const objs = payloads(buf.subarray(k * packetSize, Math.min(buf.length, (k + 1) * packetSize)), stream, packetSize);
    for (const o of objs) {
      seen.push(o.pres);
      if (o.complete) {
        if (!lastWhole || o.pres > lastWhole.pres) lastWhole = o;
      } else if (k >= n - 1 && (split === undefined || o.pres < split)) split = o.pres;
    }
    if (lastWhole) {
      const last = lastWhole.pres;
      prev = seen.reduce<number | undefined>((m, t) => (t < last && (m === undefined || t > m) ? t : m), undefined);
      if (prev !== undefined || cutFrame > 0) break;
    }
  }
  // the object the cut split starts where the whole ones end (WMA objects follow each other)
  if (split !== undefined && cutFrame > 0 && (!lastWhole || split > lastWhole.pres))
    return Math.max(0, (split - preroll) / 1000);
  if (!lastWhole) return split !== undefined ? 0 : undefined;
  // an object is a few codec frames (WMA: under half a second); a byte rate forged low made one hours.
  // A variable-rate codec's objects play longer than their bytes at the nominal byte rate (WMA
  // Lossless: 13,375 bytes 0.557 s apart at a nominal 144,000 B/s, so taglib's lossless.wma counted
  // 3.436 s of 3.55): an object is taken to last up to the step from the one before, at most 2 s
  const step = prev !== undefined ? (lastWhole.pres - prev) / 1000 : 0;
  const dur = Math.min(MAX_OBJECT_S, Math.max(avgBytes > 0 ? lastWhole.size / avgBytes : 0, step));
  return Math.max(0, (lastWhole.pres - preroll) / 1000 + dur - cutFrame);
}

/**
 * A codec other than WMA 1/2: how many bytes it plays a second, at most (attack round 22, H11: PCM
 * objects' times stretched 15× with the play duration counted 1,800 s of 120). PCM and G.711 (format
 * tags 1, 6, 7) at the rate ffmpeg decodes them at, whatever the byte rate field says (`fixed`: their
 * bytes are their length). Any other codec: an object lasts no longer than its bytes at the byte rate
 * field, or at a bit a sample when that is lower (ffmpeg's muxer writes MS ADPCM's byte rate as 16-bit
 * PCM's, four times its real one).
 */
interface ByteRate {
  bytesPerSecond: number;
  fixed: boolean;
}

function byteRate(a: { tag: number; channels: number; rate: number; avgBytes: number; bits: number }): ByteRate {
  const fixed = a.tag === 1 || a.tag === 3 ? Math.ceil(a.bits / 8) : a.tag === 6 || a.tag === 7 ? 1 : 0;
  if (fixed > 0) return { bytesPerSecond: a.rate * a.channels * fixed, fixed: true };
  const bitASample = (a.rate * Math.max(1, a.channels)) / 8;
  // no codec of these is under 2.4 kbit/s (wav.ts's and avi.ts's least): a byte rate forged lower
  // (1 B/s) let each object last its whole step (round 23 C4)
  return {
    bytesPerSecond: Math.max(MIN_BYTE_RATE, Math.min(a.avgBytes || Infinity, bitASample || Infinity)),
    fixed: false,
  };
}

/** WMA 1 and 2 (0x160, 0x161), as ffmpeg's decoder reads them: block align, bit reservoir, frame length */
interface Wma {
  blockAlign: number;
  reservoir: boolean;
  frameLen: number;
  rate: number;
  /** the stream's byte rate (WAVEFORMATEX): WMA 1 and 2 are constant bit rate, a superframe plays blockAlign / avgBytes s */
  avgBytes: number;
  /** ffmpeg's byte_offset_bits (wma.c): a superframe's last frame bit offset is 3 more bits */
  offsetBits: number;
}

/** The WMA 1/2 stream's superframe layout from its WAVEFORMATEX (h at the tag), or undefined for other codecs. */
function wmaLayout(h: Buffer, p: number, end: number): Wma | undefined {
  const tag = h.readUInt16LE(p);
  if ((tag !== 0x160 && tag !== 0x161) || p + 18 > end) return undefined;
  const rate = h.readUInt32LE(p + 4);
  const blockAlign = h.readUInt16LE(p + 12);
  const cb = h.readUInt16LE(p + 16);
  const version = tag === 0x160 ? 1 : 2;
  const flagsAt = p + 18 + (version === 1 ? 2 : 4);
  if (!rate || rate > 50000 || !blockAlign || cb < (version === 1 ? 4 : 6) || flagsAt + 2 > end) return undefined;
  const flags2 = h.readUInt16LE(flagsAt);
  // ffmpeg's wma.c: 512 samples to 16 kHz, 1,024 to 22.05 kHz (32 kHz for version 1), else 2,048
  const frameLen = rate <= 16000 ? 512 : rate <= 22050 || (rate <= 32000 && version === 1) ? 1024 : 2048;
  const avgBytes = h.readUInt32LE(p + 8);
  // (ffmpeg: av_log2((int)(bits a sample a channel × frame length / 8 + 0.5)) + 2; av_log2(0) is 0)
  const perFrame = Math.trunc(((avgBytes * 8) / (Math.max(1, h.readUInt16LE(p + 2)) * rate)) * (frameLen / 8) + 0.5);
  const offsetBits = (perFrame > 0 ? Math.floor(Math.log2(perFrame)) : 0) + 2;
  return { blockAlign, reservoir: (flags2 & 2) !== 0, frameLen, rate, avgBytes, offsetBits };
}

/**
 * The WMA Pro, Lossless or Voice stream's framing from its WAVEFORMATEX (h at the tag; its extradata,
 * as ffmpeg's riffdec takes it, cbSize bytes or what the object holds of them), why ffmpeg's decoder
 * refuses it (wmaProFormat, wmaVoiceFormat), or undefined for other codecs.
 */
function proLayout(h: Buffer, p: number, end: number): WmaProFormat | WmaVoiceFormat | string | undefined {
  const tag = h.readUInt16LE(p);
  if (tag !== 0x162 && tag !== 0x163 && tag !== 0x0a) return undefined;
  const extra = extraData(h, p, end);
  const rate = h.readUInt32LE(p + 4);
  if (tag === 0x0a) return wmaVoiceFormat(rate, h.readUInt16LE(p + 12), extra);
  return wmaProFormat(tag, h.readUInt16LE(p + 2), rate, h.readUInt16LE(p + 12), extra);
}

/**
 * The WAVEFORMATEX's format tag as ffmpeg's riffdec takes it: WAVE_FORMAT_EXTENSIBLE (0xFFFE) by its
 * sub-format (wav.ts), as ffmpeg writes PCM of more than 16 bits, 2 channels or 48 kHz in ASF; 0xFFFE
 * itself when that is not one ffmpeg decodes (a codec not read here: unreadable).
 */
function formatTag(fmt: Buffer): number {
  const tag = fmt.readUInt16LE(0);
  if (tag !== 0xfffe) return tag;
  const sub = extensibleTag(fmt);
  if (typeof sub === 'number') return sub;
  // ffmpeg's own sub-format GUIDs (riff.c ff_codec_wav_guids): AC-3 and E-AC-3 (ffmpeg writes E-AC-3
  // so), both walked by the AC-3 framer, and MPEG audio
  const guid = fmt.length >= 40 && fmt.readUInt16LE(16) >= 22 ? fmt.toString('hex', 24, 40) : '';
  const known: Record<string, number> = {
    '2c806de046dbcf11b4d100805f6cbbea': 0x2000,
    af87fba7022dfb42a4d405cd93843bdd: 0x2000,
    '2b806de046dbcf11b4d100805f6cbbea': 0x50,
  };
  return known[guid] ?? tag;
}

/** A WAVEFORMATEX's extradata (h at the tag), as ffmpeg's riffdec takes it: cbSize bytes, or what the object holds of them. */
function extraData(h: Buffer, p: number, end: number): Buffer {
  const cb = p + 18 <= end ? h.readUInt16LE(p + 16) : 0;
  return h.subarray(Math.min(p + 18, end), Math.min(p + 18 + cb, end));
}

/**
 * A codec whose frames or blocks are read in the objects (attack round 24, C4): its objects' times and
 * byte rate alone counted ffmpeg's own MP3 ASF with every frame's sync zeroed as 300 s (384 KB; an hour
 * from ~4.6 MB) and IMA / MS ADPCM blocks ffmpeg refuses, remuxed by ffmpeg, as 120 s, none decoded.
 * MPEG audio: the fragments' bytes end to end, walked as ffmpeg's parser splits them (avi.ts's walk,
 * as WAV, AVI and Matroska read it). MS and IMA ADPCM: each object is a packet to the decoder, its blocks
 * up to the first it refuses (adpcm.ts, as WAV, AVI and CAF read them).
 */
interface ObjectReader {
  /** what it counts, for the notes */
  name: string;
  /** a fragment of an audio object in the file, in order */
  fragment?: (at: number, len: number) => void;
  /** an audio object put together whole */
  object?: (b: Buffer) => void;
  /** the seconds what was given holds */
  seconds: () => number;
}

/** The stream's WAVEFORMATEX as the object readers use it. */
interface StreamFormat {
  tag: number;
  channels: number;
  rate: number;
  blockAlign: number;
  avgBytes: number;
  extra: Buffer;
}

/** The reader of the stream's codec, why a decoder refuses the stream, or undefined for a codec not read so. */
function objectReader(
  src: FileSource,
  a: StreamFormat & { bits: number; pro?: WmaProFormat | WmaVoiceFormat | string },
): ObjectReader | string | undefined {
  if (a.tag === 0x0a) return typeof a.pro === 'object' && 'spillBits' in a.pro ? voiceReader(src, a.pro) : undefined;
  // MPEG audio, AC-3 and DTS: ffmpeg's demuxer hands them to its parser (need_parsing full), which
  // splits the objects' bytes end to end into frames
  if (a.tag === 0x50 || a.tag === 0x55) return framedReader(src, () => MPEG_FRAMER);
  if (a.tag === 0x2000) return framedReader(src, () => AC3_FRAMER);
  if (a.tag === 0x2001) return framedReader(src, dtsFramer);
  if (AAC_TAGS.has(a.tag)) return aacReader(src, a);
  if (a.tag === 0x02 || a.tag === 0x11) return adpcmReader(src, a);
  // PCM, float and G.711 (their bytes at a fixed rate: byteRate), WMA 1/2 (its superframes), WMA Pro and
  // Lossless (their packets), walked in heldSeconds
  if ([0x01, 0x03, 0x06, 0x07, 0x160, 0x161, 0x162, 0x163].includes(a.tag)) return undefined;
  return packetReader(src, a);
}

/**
 * The format tags of AAC in ffmpeg 5.1's table (riff.c): each goes to its AAC decoder, the objects as
 * packets (the demuxer asks no parser for AAC).
 */
const AAC_TAGS = new Set([0x00ff, 0x1600, 0x4143, 0x706d, 0xa106]);

/** A codec whose frames are counted in the objects' bytes end to end (framed.ts), as avi.ts counts them in its chunks. */
function framedReader(src: FileSource, framer: () => Framer & { retracted?: () => number }): ObjectReader {
  const spans: [number, number][] = [];
  let bytes = 0;
  const f = framer();
  return {
    name: `${f.name} frame`,
    fragment(at, len) {
      if (bytes >= FRAMED_MAX) return;
      const last = spans[spans.length - 1];
      // (fragments that follow each other in the file are one span: fewer reads)
      if (last && last[0] + last[1] === at) last[1] += len;
      else spans.push([at, len]);
      bytes += len;
    },
    // (a DTS checker keeps state: a fresh one for the walk, less the frames it took back; dts.ts)
    seconds() {
      const g = framer();
      return framedSeconds(src, spans, g) - (g.retracted?.() ?? 0);
    },
  };
}

/** AC-3 (and E-AC-3): a frame counts when its CRC holds (ac3.ts), an E-AC-3 dependent frame no samples. */
const AC3_FRAMER: Framer = {
  name: 'AC-3',
  sync: 0x0b,
  frame(b, p, stop) {
    const f = checkedFrameAt(b, p, stop);
    return f && { size: f.size, seconds: f.independent ? f.samples / f.rate : 0 };
  },
};

/** DTS: a checker of its own for each walk, its frames checked in order (dts.ts). */
function dtsFramer(): Framer & { retracted: () => number } {
  const dts = new DtsFrames();
  return { name: 'DTS', sync: 0x7f, frame: (b, p, stop) => dts.frame(b, p, stop), retracted: () => dts.retracted };
}

/**
 * AAC: each object is a packet to the decoder, as avi.ts reads a chunk: ADTS frames by their headers,
 * which the decoder takes over the config, or one frame checked against the AudioSpecificConfig
 * (aac.ts); with no config, only ADTS decodes.
 */
function aacReader(src: FileSource, a: { extra: Buffer }): ObjectReader | string {
  const cfg: AacConfig | string | undefined = a.extra.length ? aacConfig(a.extra, 0, a.extra.length) : undefined;
  if (typeof cfg === 'string') return `ASF ${cfg}`;
  if (a.extra.length && !cfg) return 'ASF AAC whose AudioSpecificConfig leaktally cannot read';
  let seconds = 0;
  return {
    name: 'AAC frame',
    object(b) {
      src.work.tick(1 + (b.length >> 8));
      if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf0) === 0xf0) {
        for (let p = 0, f = adtsFrame(b, 0, b.length); f; f = adtsFrame(b, p, b.length)) {
          seconds += f.seconds;
          p += f.size;
        }
      } else if (cfg && aacFrameHolds(b, 0, b.length, cfg)) seconds += cfg.frame / cfg.rate;
    },
    seconds: () => seconds,
  };
}

/** G.723.1's frame sizes by the low two bits of a frame's first byte (6.3 kbit/s, 5.3, SID, untransmitted). */
const G723_FRAME = [24, 20, 4, 1];

/**
 * The codecs whose every packet (an object: no parser splits them) decodes to a count its bytes tell,
 * as their ffmpeg decoders take them (Matroska's A_MS/ACM reads them so): GSM 6.10 and TrueSpeech
 * whole frames of a packet, G.726, G.722 and Yamaha ADPCM every byte, G.723.1 frames sized by their
 * first byte, Speex every frame of a packet or none (speex.ts, against its header). Any other codec is
 * not read: AAC, AC-3 and DTS were counted by their objects' time steps, PCM bytes under those tags
 * 485 s (6 MB) and, times x8, 3,792 s, ffmpeg decoding none (attack round 28a, C2), and so ATRAC3,
 * IMC, the DK ADPCMs and 8 more tags; G.726 of 8-bit codes, which ffmpeg refuses, counted too.
 */
function packetReader(src: FileSource, a: StreamFormat): ObjectReader | string {
  const hex = `0x${a.tag.toString(16).padStart(4, '0')}`;
  const per = (name: string, samples: (b: Buffer) => number, rate = a.rate): ObjectReader | string => {
    if (!(rate > 0)) return `ASF ${name} at 0 Hz: a decoder refuses it`;
    let n = 0;
    return {
      name,
      object(b) {
        src.work.tick(1 + (b.length >> 6));
        n += samples(b);
      },
      seconds: () => n / rate,
    };
  };
  if (a.tag === 0x31 || a.tag === 0x1500) {
    // (a block align ffmpeg refuses is asfRefused's; 0 is taken as 65)
    const block = gsmMsBlock(a.blockAlign, a.channels);
    if (typeof block === 'string') return `ASF ${block}`;
    return per('GSM 6.10 block', (b) => Math.floor(b.length / block) * 320);
  }
  if (a.tag === 0x22 || a.tag === 0x1501) {
    if (a.channels !== 1) return `ASF TrueSpeech of ${a.channels} channels: a decoder refuses it`;
    return per('TrueSpeech frame', (b) => Math.floor(b.length / 32) * 240);
  }
  if (a.tag === 0x45 || a.tag === 0x64) {
    // ffmpeg's riffdec takes the code size from the byte rate, and its decoder is mono, 2 to 5 bits
    const code = a.rate ? Math.floor((a.avgBytes * 8) / a.rate) : 0;
    if (a.channels !== 1 || code < 2 || code > 5)
      return `ASF G.726 ${a.channels !== 1 ? `of ${a.channels} channels` : `whose byte rate gives ${code}-bit codes`}: a decoder refuses it`;
    return per('G.726 code', (b) => Math.floor((b.length * 8) / code));
  }
  // G.722: ffmpeg's decoder is mono whatever the header says, two samples a byte
  if (a.tag === 0x28f) return per('G.722 byte', (b) => b.length * 2);
  if (a.tag === 0x20) {
    if (a.channels < 1 || a.channels > 2) return `ASF Yamaha ADPCM of ${a.channels} channels: a decoder refuses it`;
    return per('Yamaha ADPCM byte', (b) => Math.floor((b.length * 2) / a.channels));
  }
  if (a.tag === 0x42 || a.tag === 0xa100) {
    const ch = a.channels;
    if (ch !== 1 && ch !== 2) return `ASF G.723.1 of ${ch} channels: a decoder refuses it`;
    return per('G.723.1 frame', (b) => {
      let frames = 0;
      for (let p = 0, size; p < b.length && p + (size = G723_FRAME[b[p]! & 3]! * ch) <= b.length; p += size) frames++;
      return frames * 240;
    });
  }
  if (a.tag === 0xa109) {
    const head = speexHead(a.extra);
    if (typeof head === 'string') return `ASF ${head}`;
    // (at the header's rate or the stream's, whichever is higher: never more than either says)
    const rate = Math.max(a.extra.readInt32LE(36), a.rate);
    return per('Speex packet', (b) => speexPacketSamples(b, head), rate);
  }
  return `ASF audio of codec ${hex} is not read by leaktally: its length cannot be told from its objects`;
}

/** MS and IMA ADPCM: each object a packet, its blocks up to the first a decoder refuses (adpcm.ts). */
function adpcmReader(
  src: FileSource,
  a: { tag: number; channels: number; rate: number; blockAlign: number; bits: number },
): ObjectReader | string {
  const f = adpcmFormat(a.tag, a.channels, a.blockAlign, a.bits);
  if (typeof f === 'string') return `ASF ${f}`;
  if (!a.rate) return `ASF ${a.tag === 2 ? 'MS' : 'IMA'} ADPCM at 0 Hz: a decoder refuses it`;
  let blocks = 0;
  return {
    name: 'ADPCM block',
    object(b) {
      src.work.tick(1 + (b.length >> 12));
      blocks += packetBlocks(b, 0, b.length, f);
    },
    seconds: () => (blocks * f.samples) / a.rate,
  };
}

/** Bytes of a WMA Voice stream's objects walked whole from the first; past them, windows of VOICE_WINDOW bytes. */
const VOICE_FULL = 4 * 1024 * 1024;
const VOICE_WINDOW = 16 * 1024;
const VOICE_WINDOWS = 64;

/**
 * WMA Voice: each object is a packet to the decoder, its superframes walked as the decoder walks them
 * (wmavoice.ts); junk packets behind a valid header counted their objects' steps at the byte rate,
 * 98 s of 200 KB where ffmpeg decodes 0.06 (attack round 24). A forger's least superframe is 81 bits,
 * walked at ~18 MiB a second: the first VOICE_FULL bytes of objects are walked whole, then windows
 * of VOICE_WINDOW bytes, one drawn at random in each of VOICE_WINDOWS stretches of the rest (as far
 * as the walk of the objects goes, WALK_BYTES). Their superframes count for the bytes not walked in
 * proportion, but only in a stream the decoder fails no more than 1 superframe in 100 of (a real
 * one, none): junk decodes a few superframes by chance (8.2 s of 2 MB of random bytes), and scaled
 * by windows that chance overstated it (18.8 s counted of 4 MB, ffmpeg 15.3). At a window's start
 * the decoder's state is not known: its first packet counts nothing, nor the superframe it begins,
 * and their bits are left out of the proportion, as the superframe begun at a window's end.
 */
function voiceReader(src: FileSource, f: WmaVoiceFormat): ObjectReader {
  const w = new WmaVoicePackets(f);
  const stride = Math.max(VOICE_WINDOW, (Math.min(src.size, WALK_BYTES) - VOICE_FULL) / VOICE_WINDOWS);
  const starts = Array.from({ length: VOICE_WINDOWS }, (_, i) => i * stride + Math.random() * (stride - VOICE_WINDOW));
  /** object bytes walked whole, and the samples in them; bytes past them, and those and their samples in windows */
  let full = 0;
  let fullSamples = 0;
  let rest = 0;
  let windowBytes = 0;
  let windowSamples = 0;
  /** in a window now; the next object follows the last one walked (the first window may follow the bytes walked whole) */
  let inWindow = false;
  let follows = true;
  let skipped = 0;
  /** a window ends: the bits it did not count (after its resync, and the superframe it leaves begun) are not its bytes */
  const close = (): void => {
    if (inWindow) windowBytes -= (w.skippedBits - skipped + w.keptBits) / 8;
    inWindow = false;
    follows = false;
  };
  return {
    name: 'WMA Voice superframe',
    object(b) {
      if (full < VOICE_FULL) {
        src.work.tick(1 + (b.length >> 6));
        w.object(b);
        full += b.length;
        fullSamples = w.samples;
        return;
      }
      const at = rest;
      rest += b.length;
      const i = Math.floor(at / stride);
      if (!(i < VOICE_WINDOWS && at >= starts[i]! && at < starts[i]! + VOICE_WINDOW)) {
        close();
        return;
      }
      if (!inWindow) {
        if (!follows) w.resync();
        inWindow = true;
        skipped = w.skippedBits;
      }
      src.work.tick(1 + (b.length >> 6));
      const before = w.samples;
      w.object(b);
      windowSamples += w.samples - before;
      windowBytes += b.length;
    },
    seconds() {
      if (rest === 0) return w.seconds();
      close();
      // the proportion a little under (0.5 %): drawn windows of a real stream came within ±0.05 % of
      // ffmpeg's count, over it as often as under
      const clean = w.failed <= w.superframes / 100;
      const scale = clean && windowBytes > 0 ? Math.max(1, (0.995 * rest) / windowBytes) : 1;
      return (fullSamples + windowSamples * scale) / f.rate;
    },
  };
}

/** A media object larger than this is not put together to walk WMA Pro's packets (real ones are a few KB). */
const MAX_PRO_OBJECT = 1024 * 1024;

/** Bytes of data packets walked from the first for the objects' steps: a larger file's are taken in proportion. */
const WALK_BYTES = 64 * 1024 * 1024;

/**
 * The audio the stream's objects hold, walked from the first data packet: each step between one
 * object's presentation time and the next counts at most twice the median step and MAX_OBJECT_S
 * (the Matroska rule for codecs whose frames are not read), the last object its step before. A
 * forged time in the last packets is a step of its own; uniform forgery is not seen here.
 */
function heldSeconds(
  src: FileSource,
  dataStart: number,
  packetSize: number,
  whole: number,
  stream: number,
  prerollS: number,
  layout: Wma | ByteRate,
  pro?: WmaProPackets,
  reader?: ObjectReader,
): { seconds: number; note: string } | undefined {
  const wma = 'frameLen' in layout ? layout : undefined;
  const bps = wma ? 0 : (layout as ByteRate).bytesPerSecond;
  // a larger file is walked for its first WALK_BYTES of packets, and what they hold taken in proportion
  // to the packets that can hold data, with a quarter more for a variable rate: unwalked, a sparse
  // 100 MiB of 104 KB allocated (20 s of WMA, a hole, two packets with times forged) counted 380 s
  // (attack round 13a)
  const walk = Math.min(whole, Math.max(1, Math.floor(WALK_BYTES / packetSize)));
  const times: number[] = [];
  /** each object's size, and the bytes of the fragments walked (what a fixed-rate codec plays) */
  const sizes: number[] = [];
  let bytes = 0;
  let frames = 0;
  let superframes = 0;
  /** WMA with the bit reservoir: the superframe before left a frame begun in it */
  let carry = false;
  let live = 0;
  /** the WMA Pro object being put together from its fragments, and how many of its bytes are in */
  let obj: { pres: number; buf: Buffer; got: number } | undefined;
  const per = Math.max(1, Math.floor((1024 * 1024) / packetSize));
  for (let k0 = 0; k0 < walk; k0 += per) {
    const buf = src.read(dataStart + k0 * packetSize, Math.min(per, walk - k0) * packetSize);
    src.work.tick(per);
    for (let k = 0; (k + 1) * packetSize <= buf.length; k++) {
      const pk = buf.subarray(k * packetSize, (k + 1) * packetSize);
      // a packet opens with its flags (error correction, length types), never a zero byte in a real file
      if (pk[0] !== 0) live++;
      for (const o of payloads(pk, stream, packetSize)) {
        if (times.length === 0 || o.pres !== times[times.length - 1]) {
          times.push(o.pres);
          sizes.push(o.size);
        }
        bytes += o.len ?? 0;
        if (reader?.fragment && o.at !== undefined && o.at + o.len! <= pk.length)
          reader.fragment(dataStart + (k0 + k) * packetSize + o.at, o.len!);
        const whole = pro ? (b: Buffer): void => pro.object(b) : reader?.object;
        if (whole && o.at !== undefined) {
          // WMA Pro / Lossless: each object put together whole, then its packets walked in order (a
          // fragment out of place breaks the run: a decoder is given no whole object there)
          if (o.offset === 0)
            obj = o.size <= MAX_PRO_OBJECT ? { pres: o.pres, buf: Buffer.alloc(o.size), got: 0 } : undefined;
          if (obj?.pres === o.pres && obj.got === o.offset && o.at + o.len! <= pk.length) {
            obj.got += pk.copy(obj.buf, o.offset, o.at, o.at + o.len!);
            if (obj.got >= obj.buf.length) {
              whole(obj.buf);
              obj = undefined;
            }
          } else obj = undefined;
          continue;
        }
        if (!wma || o.at === undefined) continue;
        // the superframes starting in this fragment (a superframe is block align bytes of the object):
        // one frame each, or, with the bit reservoir, the count in its header's low nibble (ffmpeg decodes
        // that less one, and one the superframe before left in the reservoir)
        const ba = wma.blockAlign;
        for (
          let x = Math.ceil(o.offset! / ba) * ba;
          x + ba <= o.offset! + o.len! + (o.complete ? 0 : ba) && x < o.size;
          x += ba
        ) {
          const q = o.at + (x - o.offset!);
          superframes++;
          if (!wma.reservoir) frames++;
          else if (q + 4 < pk.length) {
            // ffmpeg's wma_decode_superframe: 4 bits of index, 4 of frame count (less one with nothing
            // left in the reservoir: 0 then fails, 1 only fills it), then the last frame's bit offset in
            // byteOffsetBits + 3 bits, which must fit what is left of the superframe; a superframe that
            // fails decodes nothing and empties the reservoir. Unread, a block align of 1 to 16 with the
            // reservoir flag counted ffmpeg's own 10 min WMA at its byte rate, 599.6 s, 0 to 0.5 s
            // decoded (the round 28a C1 block align with the flag set)
            const count = (pk[q]! & 0x0f) - (carry ? 0 : 1);
            const bits = wma.offsetBits + 3;
            const left = wma.blockAlign * 8 - 8;
            if (count < 0 || (count === 0 && left <= 8)) carry = false;
            else if (count === 0) carry = true;
            else if (pk.readUInt32BE(q + 1) >>> (32 - bits) > left - bits) carry = false;
            else {
              frames += count;
              carry = true;
            }
          } else if (q < pk.length) frames += pk[q]! & 0x0f;
        }
      }
    }
  }
  // WMA 1 and 2: a superframe's frames hold frame length samples each (times forged alike throughout
  // keep their steps in proportion, 20 s in 96 KB counted 320 s; attack round 9)
  const fixed = !wma && (layout as ByteRate).fixed && bps > 0;
  let framed = wma
    ? (frames * wma.frameLen) / wma.rate
    : fixed
      ? bytes / bps
      : pro
        ? pro.seconds()
        : reader
          ? reader.seconds()
          : Infinity;
  let note2 = wma
    ? `its WMA superframes hold ${frames} frames, ${framed.toFixed(1)} s`
    : pro
      ? `its WMA Pro packets hold ${pro.frames} frames in step, ${framed.toFixed(1)} s`
      : reader
        ? `its ${reader.name}s hold ${framed.toFixed(1)} s`
        : `its objects hold ${bytes} bytes, ${framed.toFixed(1)} s`;
  // with the bit reservoir the frame counts are each superframe's low nibble, a claim like the times:
  // forged to 15 with the times (and the reservoir flag set on a stream encoded without it), 20 s of
  // WMA in 93 KB counted 300 s that ffmpeg decodes none of (attack round 13). WMA 1 and 2 are constant
  // bit rate (a superframe plays block align / byte rate s, a Windows encoder's frame counts sum to
  // that), so counts past half as much again as the byte rate gives are not believed,
  if (wma?.reservoir && wma.avgBytes > 0) {
    const byRate = (superframes * wma.blockAlign) / wma.avgBytes;
    if (framed > 1.5 * byRate + (2 * wma.frameLen) / wma.rate) {
      // and such counts are none of an encoder's: capped at the byte rate, a byte rate forged down to a
      // frame of the block align (900 B/s, block align 29 or 48, the flag set) counted ffmpeg's own 10
      // min WMA 600 s and, its times x6, 1,812 to 2,000 s, ffmpeg decoding 61 to 73 (round 29); so
      // nothing is counted of them
      note2 = `its WMA superframes claim ${frames} frames (${framed.toFixed(1)} s), past their bytes at the stream's byte rate (${byRate.toFixed(1)} s): not an encoder's frame counts`;
      framed = 0;
    }
  }
  // a file too large to walk holds its audio from its first packets: a hole there (a sparse file
  // whose forged packets follow it) holds none
  if (times.length < 3 && walk < whole)
    return { seconds: 0, note: `no audio objects in the first ${walk} of ${whole} packets` };
  // two objects or fewer, or all at one time: no steps to judge them by, what their bytes or frames
  // hold when the codec tells it. Unbounded, the last object's time was the end: ffmpeg's own PCM ASF
  // of two 500,000-sample objects (1 MB, 125 s), its times x50 by its stock setts filter, counted 3,127 s
  const few = Number.isFinite(framed) && walk === whole ? { seconds: framed, note: note2 } : undefined;
  if (times.length < 3) return few;
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) steps.push(Math.max(0, times[i]! - times[i - 1]!) / 1000);
  const sorted = steps.filter((x) => x > 0).sort((a, b) => a - b);
  if (!sorted.length) return few;
  const cap = Math.min(MAX_OBJECT_S, 2 * sorted[sorted.length >> 1]!);
  // a codec other than WMA: an object plays no longer than its bytes at the byte rate
  const most = (i: number): number => Math.min(cap, bps > 0 && bps < Infinity ? sizes[i]! / bps : Infinity);
  // from the stream's start (the preroll), the first object's time a step like the others
  let seconds = Math.min(most(0), Math.max(0, times[0]! / 1000 - prerollS));
  steps.forEach((x, i) => (seconds += Math.min(most(i), x)));
  seconds += Math.min(most(times.length - 1), steps[steps.length - 1]!);
  const note = `the objects' steps hold ${seconds.toFixed(1)} s (each at most ${cap.toFixed(3)} s)`;
  const held = framed < seconds ? { seconds: framed, note: note2 } : { seconds, note };
  if (walk === whole) return held;
  // the packets not walked that can hold data: in a sparse file, no more than its allocated bytes
  // past the ones walked (a hole holds no packet; in round 13a's 100 MiB, 32,738 were hole)
  const rest = whole - walk;
  const restLive =
    src.allocated !== undefined
      ? Math.min(rest, Math.max(0, src.allocated - dataStart - live * packetSize) / packetSize)
      : rest;
  const part = (1.25 * (live + restLive)) / Math.max(1, live);
  return {
    seconds: held.seconds * part,
    note: `${held.note} in the first ${walk} of ${whole} packets, ${(held.seconds * part).toFixed(1)} s in proportion`,
  };
}

interface Obj {
  pres: number;
  size: number;
  complete: boolean;
  /** where this fragment's bytes start in the packet, its offset in the object and its length */
  at?: number;
  offset?: number;
  len?: number;
}

/** The audio stream's media objects (or their last fragments) in one data packet. */
function payloads(pk: Buffer, stream: number, packetSize: number): Obj[] {
  const out: Obj[] = [];
  let p = 0;
  if (pk[0]! & 0x80) {
    if (pk[0]! & 0x60) return out; // error correction data of a length type we do not know
    p = 1 + (pk[0]! & 0x0f);
  }
  if (p + 2 > pk.length) return out;
  const lt = pk[p]!;
  const pf = pk[p + 1]!;
  p += 2;
  p += lenOf(lt >> 5) + lenOf(lt >> 1); // packet length, sequence
  const padding = p + 4 <= pk.length ? readVar(pk, p, lt >> 3) : 0;
  p += lenOf(lt >> 3) + 6; // padding length, send time, duration
  const multiple = lt & 1;
  let count = 1;
  let payloadLenType = 0;
  if (multiple) {
    if (p >= pk.length) return out;
    count = pk[p]! & 0x3f;
    payloadLenType = pk[p]! >> 6;
    p++;
  }
  for (let i = 0; i < count; i++) {
    const head = 1 + lenOf(pf >> 4) + lenOf(pf >> 2) + lenOf(pf);
    if (p + head > pk.length) break;
    const sn = pk[p]! & 0x7f;
    p += 1 + lenOf(pf >> 4);
    const offset = readVar(pk, p, pf >> 2);
    p += lenOf(pf >> 2);
    const repl = readVar(pk, p, pf);
    p += lenOf(pf);
    if (p + repl > pk.length) break;
    const objSize = repl >= 8 ? pk.readUInt32LE(p) : 0;
    const objPres = repl >= 8 ? pk.readUInt32LE(p + 4) : 0;
    const delta = repl === 1 ? pk[p]! : 0;
    p += repl;
    let len: number;
    if (multiple) {
      if (p + lenOf(payloadLenType) > pk.length) break;
      len = readVar(pk, p, payloadLenType);
      p += lenOf(payloadLenType);
    } else len = packetSize - padding - p;
    if (len < 0) break;
    if (p + len > pk.length) {
      // the packet was cut inside this payload: its object is not whole
      if (sn === stream && repl >= 8) out.push({ pres: objPres, size: objSize, complete: false });
      break;
    }
    if (sn === stream) {
      if (repl === 1) {
        // compressed payload: whole objects of up to 255 bytes, `offset` is the first one's presentation time
        for (let q = p, n = 0; q < p + len; n++) {
          const size = pk[q]!;
          out.push({
            pres: offset + n * delta,
            size,
            complete: q + 1 + size <= p + len,
            at: q + 1,
            offset: 0,
            len: size,
          });
          q += 1 + size;
        }
      } else if (repl >= 8)
        out.push({ pres: objPres, size: objSize, complete: offset + len >= objSize, at: p, offset, len });
    }
    p += len;
  }
  return out;
}
