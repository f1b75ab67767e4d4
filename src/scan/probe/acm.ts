/*
 * Checks of a WAVEFORMATEX's format that more than one container needs: AVI's strf, Matroska's
 * A_MS/ACM (acmFormat) and ASF's stream properties (asfRefused) judge a WMA stream's rate by one rule
 * (wmaUnderEncoders), which was written three times (rounds 13a, 22 C1, 23a C1); WAV, AVI and ASF
 * judge a GSM 6.10 block align by one (gsmMsBlock).
 */
import { wmaVoiceFormat } from './wmavoice.js';

/**
 * The least a WMA 1/2 stream's bit rate can be, in bits a second per sample a second (mono). The
 * Windows Media Format SDK's encoder table goes no lower than 5 kbit/s at 8 kHz, 8 at 11.025, 10 at 16,
 * 16 at 22.05, 22 at 32 and 32 at 44.1 kHz (mono; stereo asks more): 0.62 to 0.73 bits a sample.
 * ffmpeg's encoder asks 24 kbit/s whatever the rate. Taken with room to spare below all of them.
 */
const WMA_MIN_BITS_PER_SAMPLE = 0.45;

/** WMA Voice's least bit rate: its encoders go no lower than 4 kbit/s; taken with room to spare. */
const WMA_VOICE_MIN_BITS = 3600;

/**
 * Why a WMA stream (format tag `tag`: 0x160-0x163, or 0x0A for Voice) of `bitsPerSecond` at `rate` Hz
 * is not counted, or undefined: a rate under any WMA encoder's is a forged or broken header. `what`
 * names the rate judged (the byte rate, or a block rate). WMA 1 and 2 take their framing from it, and
 * every other count of WMA is bounded by it: forged low, 93 KB of 32 kbit/s WMA counted 300 s in ASF
 * (ffmpeg decoding 1.7, round 13a), 2-byte blocks at 4 kHz 62,400 s of 1 MB in Matroska (611 decoded,
 * round 22 C1) and 63,360 s in AVI (668, round 23a C1), WMA Pro or Voice at 1 B/s 1,800 s of 1 MB of
 * junk objects in ASF (none decoded, round 23 C4).
 */
export function wmaUnderEncoders(tag: number, rate: number, bitsPerSecond: number, what: string): string | undefined {
  const least =
    tag === 0x0a ? Math.min(WMA_VOICE_MIN_BITS, WMA_MIN_BITS_PER_SAMPLE * rate) : WMA_MIN_BITS_PER_SAMPLE * rate;
  if (!(bitsPerSecond < least)) return undefined;
  return `${what} of ${Math.round(bitsPerSecond)} bit/s, under any WMA encoder's at ${rate} Hz (${Math.ceil(least)} bit/s): a forged or broken header`;
}

/**
 * The most channels ffmpeg opens any decoder for: avcodec_open2 refuses more than FF_SANE_NB_CHANNELS
 * (512) before the codec's own init ("Too many channels"), whatever the codec does with them. GSM 6.10,
 * whose decoder is mono whatever the header says, counted ffmpeg's own 8 s WAV with the channel
 * count's high byte set (32,769) in full, none decoded (attack round 26a, H1).
 */
export function tooManyChannels(channels: number): string | undefined {
  return channels > 512 ? `audio of ${channels} channels: ffmpeg opens no decoder for more than 512` : undefined;
}

/** GSM 6.10 in Microsoft's framing (format tag 0x31): 320 samples a block, two frames in 65 bytes. */
const GSM_MS_BLOCK = 65;

/**
 * The bytes of one GSM 6.10 block in Microsoft's framing (0x31), as ffmpeg's decoder opens it
 * (gsmdec.c gsm_init), or why it refuses it. A block align of 0 is taken as 65; otherwise 65, or one
 * of the shorter MSN blocks of 41 to 62 bytes in steps of 3, each decoded to 320 samples as well. Any
 * other fails the decoder's open ("Invalid block alignment"). WAV, AVI and Matroska read 65 whatever
 * the field said: a block align of 64 counted ffmpeg's own 1 h GSM WAV (5.85 MB) in full, none
 * decoded, and 44 counted 60 s where ffmpeg decodes 88.6 (attack round 26a, H1).
 */
export function gsmMsBlock(blockAlign: number, channels: number): number | string {
  const many = tooManyChannels(channels);
  if (many) return `GSM 6.10 ${many}`;
  if (blockAlign === 0) return GSM_MS_BLOCK;
  if (blockAlign < 41 || blockAlign > GSM_MS_BLOCK || (blockAlign - 41) % 3)
    return `GSM 6.10 of block align ${blockAlign} (its decoder takes 41 to 65 in steps of 3): ffmpeg's decoder refuses it`;
  return blockAlign;
}

/** WMA 1 (0x160) or 2 (0x161): a frame's samples (wma_common.c), 512 to 16 kHz, 1,024 to 22.05 kHz (32 for version 1), else 2,048. */
function wmaFrameLen(tag: number, rate: number): number {
  return rate <= 16000 ? 512 : rate <= 22050 || (rate <= 32000 && tag === 0x160) ? 1024 : 2048;
}

/**
 * Why ffmpeg's WMA 1 or 2 decoder refuses to open (wma.c ff_wma_init, wmadec.c), or undefined: a rate
 * of 0 or over 50 kHz, no channels or more than 2, no bit rate or no block align; and a bit rate so high
 * that a superframe's byte offsets would take over 22 bits ("byte_offset_bits is too large"; real
 * streams take under 10). The byte rate's top byte set in ffmpeg's own 8 s WMA: counted 8 s in ASF,
 * none decoded (found fuzzing its header in round 26a's fix).
 */
export function wmaOpenRefused(
  tag: number,
  channels: number,
  rate: number,
  byteRate: number,
  align: number,
): string | undefined {
  if (!(rate > 0 && rate <= 50000)) return `WMA at ${rate} Hz: ffmpeg's decoder refuses it`;
  if (channels < 1 || channels > 2) return `WMA of ${channels} channels: ffmpeg's decoder refuses it`;
  if (!byteRate || !align) return `WMA with no ${byteRate ? 'block align' : 'bit rate'}: ffmpeg's decoder refuses it`;
  // (byte_offset_bits = av_log2(bits a sample a channel × frame length / 8 + 0.5) + 2, at most 22)
  if (((byteRate * 8) / (channels * rate)) * (wmaFrameLen(tag, rate) / 8) + 0.5 >= 2 ** 21)
    return `WMA at a byte rate of ${byteRate} B/s (${rate} Hz, ${channels} channels): ffmpeg's decoder refuses it`;
  return undefined;
}

/**
 * WMA 1 (0x160) or 2 (0x161) without the bit reservoir, as ffmpeg's decoder reads it: a block of
 * `align` bytes is one frame of 512 samples to 16 kHz, 1,024 to 22.05 kHz (32 kHz for version 1),
 * else 2,048 (wma_common.c). The bytes a second of that, or why the stream is not counted: ffmpeg's
 * decoder refuses a rate of 0 or over 50 kHz, no channels or more than 2, no bit rate or no block
 * align (wma.c, wmadec.c); and a rate (the blocks', or the byte rate's) under any WMA encoder's is
 * forged (wmaUnderEncoders): 2-byte blocks at 4 kHz made 15.6 B/s, 1 MB of junk 63,360 s in AVI
 * where ffmpeg decodes 668 (attack round 23a, C1).
 */
export function wmaBlockBytesPerSecond(
  tag: number,
  channels: number,
  rate: number,
  byteRate: number,
  align: number,
): number | string {
  const refused = wmaOpenRefused(tag, channels, rate, byteRate, align);
  if (refused) return refused;
  const perSecond = (align * rate) / wmaFrameLen(tag, rate);
  return wmaUnderEncoders(tag, rate, Math.min(perSecond, byteRate) * 8, 'WMA') ?? perSecond;
}

/**
 * WMA Pro (0x162) and WMA Lossless (0x163) as ffmpeg's decoders take them (wmaprodec.c,
 * wmalosslessdec.c): a stream of block-align packets, each opening with a 4-bit sequence number, 2
 * bits, and the bits of the frame the packet before began (log2FrameSize bits); then frames, each
 * led by its own length in bits (the len_prefix flag, 0x40 of the decode flags), frames crossing
 * from one packet into the next.
 */
export interface WmaProFormat {
  blockAlign: number;
  /** av_log2(block align) + 4: the bits of a packet's spill-over count and of a frame's length */
  log2FrameSize: number;
  samplesPerFrame: number;
  rate: number;
  /** the least bits a frame the decoder takes can be: its length, and a mono frame of silence */
  minFrameBits: number;
}

/**
 * A WMA Pro or Lossless stream's framing from its WAVEFORMATEX (the extradata after cbSize), or why
 * ffmpeg decodes none of it, as its decoders' init refuses it: extradata under 18 bytes, no block
 * align, no rate, no channels or more than 8, a sample size Pro takes not (1-32 bits) or Lossless
 * not (16 or 24), more than 32 subframes, and for Pro frames of more than 8,192 samples or subframes
 * under 64. A stream without the frames' length prefix has frames whose ends only a full decode
 * finds: it is not sized here (1 in 16 packets of junk would pass the sequence check alone).
 */
export function wmaProFormat(
  tag: number,
  channels: number,
  rate: number,
  blockAlign: number,
  extra: Buffer,
): WmaProFormat | string {
  const name = tag === 0x163 ? 'WMA Lossless' : 'WMA Pro';
  if (extra.length < 18)
    return `${name} with ${extra.length} bytes of extradata (under 18): ffmpeg's decoder refuses it`;
  if (!(rate > 0) || channels < 1 || channels > 8 || !blockAlign || blockAlign >= 1 << 21)
    return `${name} of ${channels} channels at ${rate} Hz, block align ${blockAlign}: ffmpeg's decoder refuses it`;
  const bits = extra.readUInt16LE(0);
  const flags = extra.readUInt16LE(14);
  if (tag === 0x163 ? bits !== 16 && bits !== 24 : bits < 1 || bits > 32)
    return `${name} of ${bits}-bit samples: ffmpeg's decoder refuses it`;
  let lenBits = rate <= 16000 ? 9 : rate <= 22050 ? 10 : rate <= 48000 ? 11 : rate <= 96000 ? 12 : 13;
  lenBits += [0, 1, -1, -2][(flags >> 1) & 3]!;
  const subframes = 1 << ((flags >> 3) & 7);
  if (subframes > 32 || (tag === 0x162 && (lenBits > 13 || (1 << lenBits) / subframes < 64)))
    return `${name} of decode flags 0x${flags.toString(16)} at ${rate} Hz: ffmpeg's decoder refuses it`;
  if (!(flags & 0x40))
    return `${name} without its frames' length prefix (decode flags 0x${flags.toString(16)}): leaktally cannot find its frames without decoding them`;
  const log2FrameSize = Math.floor(Math.log2(blockAlign)) + 4;
  return { blockAlign, log2FrameSize, samplesPerFrame: 1 << lenBits, rate, minFrameBits: log2FrameSize + 6 };
}

/**
 * Why ffmpeg's WMA Voice decoder (0x0A, wmavoice.c) refuses the stream at init, or undefined
 * (wmavoice.ts reads its extradata as the decoder does, and walks its superframes in ASF).
 */
export function wmaVoiceRefused(rate: number, blockAlign: number, extra: Buffer): string | undefined {
  const f = wmaVoiceFormat(rate, blockAlign, extra);
  return typeof f === 'string' ? f : undefined;
}

/** `n` bits (0 to 25) of b from bit p, most significant first; bytes past the end read as 0. */
function bitsAt(b: Buffer, p: number, n: number): number {
  // one 32-bit word (a frame's length is at most 19 bits, and 7 more of the first byte): a forger's
  // frames of 21 bits are 780 to a 2 KB packet, 25 million in the 64 MiB walked, 7.8 s read a bit at a
  // time, 1.2 s so
  if (n === 0) return 0;
  const q = p >> 3;
  let w: number;
  if (q + 4 <= b.length) w = b.readUInt32BE(q);
  else {
    w = 0;
    for (let i = 0; i < 4; i++) w = w * 256 + (q + i < b.length ? b[q + i]! : 0);
  }
  return ((w << (p & 7)) >>> 0) >>> (32 - n);
}

/**
 * Frames read at most, a stream's: 64 MiB of a real stream's (at least 0.45 bit a sample, 920 bits a
 * 2,048-sample frame) are under 600,000. A forger's frames of 21 bits, 25 million in 64 MiB, took 1.1 s
 * to read; past this many (~0.2 s) no more packets are read, and the frames counted so far (hours of
 * them) bound nothing: the stream is held to its objects' steps and their bytes at its byte rate, as
 * one whose framing is forged right is.
 */
const WALK_FRAMES = 4_000_000;

/**
 * A WMA Pro or Lossless stream's packets walked in order, as ffmpeg's decode_packet walks them, for
 * the frames a decoder can take whole. A packet counts its frames only when it follows the packet
 * before as a real stream's does: its sequence number the one before's plus one (ffmpeg's packet
 * loss check), and its spill-over count exactly what the frame the packet before began lacks of
 * the length that frame's header gives (or 0 with nothing begun). Junk passes both 1 time in 16 ×
 * 2^15 or so; frames are then each led by a length that fits the packet and is at least a frame's
 * least. Before, objects of random bytes at an honest 48 kbit/s counted their bytes at that rate:
 * 1 MB of junk 166.6 s in ASF, ffmpeg decoding 1.0 (round 24). The frames' contents are not read
 * (only a full decode tells a frame ffmpeg drops): a forger who writes the framing right is bounded
 * by the stream's byte rate, as before.
 */
export class WmaProPackets {
  /** frames in packets that followed their packet before */
  frames = 0;
  /** frames read, counted or not: past WALK_FRAMES no more packets are read */
  private read = 0;
  private seq = -1;
  /** the frame the last packet began: bits of it there, and its first bits (up to its length's) */
  private begun: { bits: number; head: number } | undefined;

  constructor(private readonly f: WmaProFormat) {}

  /** One packet of block-align bytes (a shorter one ffmpeg's Pro decoder refuses: it breaks the run). */
  packet(b: Buffer): void {
    const k = this.f.log2FrameSize;
    const total = b.length * 8;
    if (this.read >= WALK_FRAMES) return;
    if (b.length < this.f.blockAlign || total < 6 + k) {
      this.seq = -1;
      this.begun = undefined;
      return;
    }
    const seq = bitsAt(b, 0, 4);
    const spill = bitsAt(b, 6, k);
    let pos = 6 + k;
    // the first packet of a run has nothing to follow (ffmpeg decodes no frame it spills into); later
    // ones must follow it
    const first = this.seq < 0;
    let follows = first || seq === ((this.seq + 1) & 15);
    this.seq = seq;
    const begun = this.begun;
    this.begun = undefined;
    if (spill > 0) {
      if (spill >= total - pos) return; // a frame longer than a packet: the decoder drops it and what it held
      if (begun) {
        const have = Math.min(begun.bits, k);
        const len = begun.head * 2 ** (k - have) + bitsAt(b, pos, k - have);
        if (begun.bits + spill === len && len >= this.f.minFrameBits) {
          if (follows) this.frames++;
        } else follows = false;
      } else if (!first) follows = false;
      pos += spill;
    }
    // the frames that start in this packet, each led by its length; the last one's last bit says
    // whether another follows (ffmpeg's trailer bit)
    for (;;) {
      const left = total - pos;
      if (left <= k) break;
      const len = bitsAt(b, pos, k);
      if (len === 0 || len > left) break;
      if (len < this.f.minFrameBits) return; // the decoder fails on it, and keeps nothing of the packet
      this.read++;
      if (follows) this.frames++;
      pos += len;
      if (!bitsAt(b, pos - 1, 1)) break;
    }
    const left = total - pos;
    if (left > 0) this.begun = { bits: left, head: bitsAt(b, pos, Math.min(left, k)) };
  }

  /** A demuxer's packet (an ASF media object): its block-align packets in order. */
  object(b: Buffer): void {
    for (let x = 0; x < b.length; x += this.f.blockAlign) this.packet(b.subarray(x, x + this.f.blockAlign));
  }

  /** The seconds ffmpeg outputs of the frames counted: the first decoded frame is dropped (skip_frame). */
  seconds(): number {
    return (Math.max(0, this.frames - 1) * this.f.samplesPerFrame) / this.f.rate;
  }
}
