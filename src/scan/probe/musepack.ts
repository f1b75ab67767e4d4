/*
 * Musepack SV8 ('MPCK'), read by hand (attack round 22, C2): music-metadata believed the stream
 * header's sample count without looking at one audio packet, so 1 MB of zeros counted 62,500 s where
 * ffmpeg decodes nothing.
 *
 * The format, as ffmpeg's mpc8 demuxer and decoder take it: after 'MPCK', packets of a two-letter key
 * and a size (a big-endian base-128 number, high bit = more bytes) that counts the key and the size
 * bytes too. The stream header 'SH' holds a CRC, the stream version (8), the sample count, the
 * leading silence and two bytes the decoder is set up from: sample rate index (3 bits), bands - 1
 * (5 bits); channels - 1 (4 bits), mid/side (1 bit), block power (3 bits). Each audio packet 'AP'
 * holds 4^blockPower frames of 1152 samples; 'SE' ends the stream.
 */
import type { Claim, FileSource } from './types.js';

const RATES = [44100, 48000, 37800, 32000];
const FRAME = 1152;
/** the packet headers are read through a window of this many bytes (one read per window, not per packet) */
const WINDOW = 1024 * 1024;
/** a size number longer than this is not a packet's (ffmpeg's reader would overflow past 9) */
const MAX_SIZE_BYTES = 8;

const key = (k: string): number => k.charCodeAt(0) | (k.charCodeAt(1) << 8);
const SH = key('SH');
const AP = key('AP');
const SE = key('SE');

/** A packet's key, its size (with its header) and its header's length; undefined past the end or for a size no reader takes. */
interface Packet {
  tag: number;
  size: number;
  header: number;
}

/** Reads packet headers at any position through a window, so that a file of tiny packets costs one read a MiB. */
class Headers {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  constructor(private readonly src: FileSource) {}

  packet(pos: number): Packet | undefined {
    const need = 2 + MAX_SIZE_BYTES;
    if (pos < this.at || pos + need > this.at + this.buf.length) {
      this.at = pos;
      this.buf = this.src.read(pos, Math.min(WINDOW, this.src.size - pos));
    }
    const b = this.buf;
    const p = pos - this.at;
    if (p + 3 > b.length) return undefined;
    const tag = b.readUInt16LE(p);
    let size = 0;
    for (let i = 0; i < MAX_SIZE_BYTES; i++) {
      if (p + 2 + i >= b.length) return undefined;
      const c = b[p + 2 + i]!;
      size = size * 128 + (c & 0x7f);
      if (!(c & 0x80)) return { tag, size, header: 3 + i };
    }
    return undefined;
  }
}

/** A base-128 number in a buffer at i: [value, next position], or undefined when it runs off the end. */
function varint(b: Buffer, i: number): [number, number] | undefined {
  let v = 0;
  for (let n = 0; n < MAX_SIZE_BYTES && i < b.length; n++) {
    const c = b[i++]!;
    v = v * 128 + (c & 0x7f);
    if (!(c & 0x80)) return [v, i];
  }
  return undefined;
}

interface Stream {
  samples: number;
  rate: number;
  channels: number;
  /** frames an audio packet holds */
  frames: number;
}

/**
 * The stream header's body as ffmpeg's demuxer and decoder accept it (version 8, a known sample rate,
 * at most 31 bands, one or two channels); a string: why not.
 */
function streamHeader(body: Buffer): Stream | string {
  if (body.length < 5 || body[4] !== 8) return `stream version ${body[4] ?? '?'} (ffmpeg reads 8)`;
  const n = varint(body, 5);
  const silence = n && varint(body, n[1]);
  if (!n || !silence || silence[1] + 2 > body.length) return 'SV8 stream header cut off';
  const [a, b] = [body[silence[1]]!, body[silence[1] + 1]!];
  const rate = RATES[a >> 5];
  if (!rate) return `SV8 sample rate index ${a >> 5} (ffmpeg knows 0-3)`;
  if ((a & 0x1f) + 1 >= 32) return 'SV8 with 32 bands (ffmpeg\'s decoder refuses it: "maxbands too high")';
  const channels = (b >> 4) + 1;
  if (channels > 2) return `SV8 with ${channels} channels (ffmpeg's decoder takes 1 or 2)`;
  return { samples: n[0], rate, channels, frames: 1 << ((b & 7) * 2) };
}

/**
 * Musepack SV8: the audio packets present, walked. A packet counts its frames, but never more than
 * it has bits: ffmpeg's decoder reads at least one code a frame and gives no frame when the packet's
 * bits have run out (an encoder's digital silence costs 1.25 bits a frame). The stream header's count
 * bounds the total, as the end of the last packet is padding. No audio packet, no audio. The walk is
 * linear: every packet moves on by at least its header, and a size smaller than its header ends it
 * (ffmpeg would seek back and read the same packets again).
 *
 * A limit: the frames are not decoded, so a packet of junk counts up to a frame a bit where ffmpeg's
 * decoder gives up sooner (on 0xFF bytes it decodes a frame per ~60 bits; on zeros, a packet's first
 * frame only); the generic floor of the guard (100 bit/s) bounds what is left. Walking each frame's
 * codes as the decoder does would close it.
 */
export function probeMpc8(src: FileSource): Claim {
  const headers = new Headers(src);
  let pos = 4;
  let stream: Stream | undefined;
  let frames = 0;
  let packets = 0;
  for (;;) {
    src.work.tick();
    const p = headers.packet(pos);
    if (!p || p.size < p.header) break;
    if (!stream) {
      if (p.tag === SH) {
        const s = streamHeader(src.read(pos + p.header, Math.min(p.size - p.header, 64)));
        if (typeof s === 'string') return { kind: 'unreadable', codec: 'MUSEPACK/SV8', error: s };
        stream = s;
      }
    } else if (p.tag === AP) {
      const bytes = Math.min(p.size, src.size - pos) - p.header;
      frames += Math.min(stream.frames, Math.max(0, bytes) * 8);
      packets++;
    } else if (p.tag === SE) break;
    pos += p.size;
  }
  if (!stream) return { kind: 'unreadable', codec: 'MUSEPACK/SV8', error: 'SV8 without a stream header' };
  const base = { codec: 'MUSEPACK/SV8', sampleRate: stream.rate, channels: stream.channels };
  if (!packets || !frames) return { kind: 'unreadable', ...base, error: 'SV8 without an audio packet' };
  const held = frames * FRAME;
  const samples = stream.samples > 0 ? Math.min(held, stream.samples) : held;
  return { kind: 'audio', seconds: samples / stream.rate, ...base };
}
