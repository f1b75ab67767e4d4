/*
 * Speex packets read as a decoder reads them, without making a sample. A Speex frame has no
 * checksum, so an Ogg Speex stream was counted by its packets at the header's frames a packet,
 * whatever their bits: 1 MB of junk packets counted 37,944 s where ffmpeg decodes none (attack round
 * 19). The walk follows ffmpeg 5.1's decoder (libavcodec/speexdec.c, the judge of every length here):
 * a packet is frames_per_packet frames, each a narrowband frame (wideband blocks before it skipped by
 * their sub-mode, in-band requests read past, sub-modes 9-12 and the terminator refused) and, in
 * wideband and ultra-wideband, a layer above it per mode; every frame must decode or the packet gives
 * nothing; one that does gives frame_size × frames_per_packet samples, whatever is left in it. The
 * frame's coded bits (LSPs, pitch, gains, codebook indexes) take a fixed number of bits per
 * sub-mode and no value is refused, so they are skipped by count. No library reads Speex's bit layout
 * without decoding it, so this is by hand; checked against ffmpeg packet by packet (real packets,
 * flipped bits, cut ones, random ones).
 */

/** What a decoder takes from the header packet (parse_speex_extradata's checks). */
export interface SpeexHead {
  /** 0 narrowband, 1 wideband, 2 ultra-wideband */
  mode: number;
  /** samples a frame and frames a packet, as the header says */
  frameSize: number;
  framesPerPacket: number;
}

/** The header's fields a decoder checks, or why it refuses them. */
export function speexHead(h: Buffer): SpeexHead | string {
  // under 80 bytes ffmpeg takes defaults from the stream (the Ogg demuxer wants 68): one frame a packet
  if (h.length < 68) return 'Speex header cut off';
  const rate = h.readInt32LE(36);
  if (h.length < 80) {
    const mode = rate === 8000 ? 0 : rate === 16000 ? 1 : 2;
    return rate > 0 ? { mode, frameSize: 160 << mode, framesPerPacket: 1 } : 'Speex header: no sample rate';
  }
  const mode = h.readInt32LE(40);
  const channels = h.readInt32LE(48);
  const frameSize = h.readInt32LE(56);
  const framesPerPacket = h.readInt32LE(64);
  if (rate <= 0) return 'Speex header: no sample rate';
  if (mode < 0 || mode > 2) return `Speex header: mode ${mode} (a decoder knows 0-2)`;
  if (h.readInt32LE(44) !== 4) return `Speex header: bit-stream version ${h.readInt32LE(44)} (a decoder reads 4)`;
  if (channels < 1 || channels > 2) return `Speex header: ${channels} channels`;
  if (frameSize < 160 << mode) return `Speex header: frame size ${frameSize}`;
  if (framesPerPacket <= 0 || framesPerPacket > 64 || framesPerPacket >= Math.floor(0x7fffffff / channels / frameSize))
    return `Speex header: ${framesPerPacket} frames a packet`;
  return { mode, frameSize, framesPerPacket };
}

/** Bits a narrowband frame takes after its 5-bit head, by sub-mode (libspeex's bits per frame less 5). */
const NB_BITS = [0, 38, 114, 155, 215, 295, 359, 487, 74];
/** Bits a wideband layer takes after its 4-bit head, by sub-mode. */
const WB_BITS = [0, 32, 108, 188, 348];
/** ffmpeg 5.1's wb_skip_table: a wideband block met where a narrowband frame is looked for, skipped whole (0: refused). */
const WB_SKIP = [0, 36, 112, 192, 352, 0, 0, 0];
/** Bits an in-band request of the decoder's (sub-mode 14) carries, by its 4-bit id; 9 (stereo) 8. */
const INBAND = [1, 1, 4, 4, 4, 4, 4, 4, 8, 8, 16, 16, 32, 32, 64, 64];

/**
 * ffmpeg's checked bit reader: bits past the end read as zeros (the packet's padding), and the
 * position stops 8 bits past it.
 */
class Reader {
  pos = 0;
  readonly size: number;
  constructor(private readonly b: Buffer) {
    this.size = b.length * 8;
  }
  left(): number {
    return this.size - this.pos;
  }
  read(n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const at = this.pos + k;
      v = v * 2 + (at < this.size ? (this.b[at >> 3]! >> (7 - (at & 7))) & 1 : 0);
    }
    this.skip(n);
    return v;
  }
  skip(n: number): void {
    this.pos = Math.min(this.pos + n, this.size + 8);
  }
}

/** A narrowband frame (nb_decode): false where a decoder refuses it. */
function narrow(r: Reader): boolean {
  let m: number;
  do {
    if (r.left() < 5) return false;
    if (r.read(1)) {
      // wideband blocks for a narrowband decoder: at most two, each skipped by its sub-mode
      const skip = WB_SKIP[r.read(3)]! - 4;
      if (skip < 0) return false;
      r.skip(skip);
      if (r.left() < 5) return false;
      if (r.read(1)) {
        const again = WB_SKIP[r.read(3)]! - 4;
        if (again < 0) return false;
        r.skip(again);
        if (r.read(1)) return false; // more than two wideband layers
      }
    }
    if (r.left() < 4) return false;
    m = r.read(4);
    if (m === 15) return false; // a terminator where a frame was wanted
    if (m === 14) r.skip(INBAND[r.read(4)]!);
    else if (m === 13) r.skip(5 + 8 * r.read(4));
    else if (m > 8) return false;
  } while (m > 8);
  r.skip(NB_BITS[m]!);
  return true;
}

/** A frame of `mode` (sb_decode over the modes below it); `left` the packet's frames still to come. */
function frame(r: Reader, mode: number, h: SpeexHead, left: number): boolean {
  if (mode === 0) return narrow(r);
  // the decoder's own check that the packet's frames leave room for the band's two halves
  if (left * h.frameSize < 2 * (mode === 1 ? 160 : 320)) return false;
  if (!frame(r, mode - 1, h, left)) return false;
  let sub = 0;
  if (r.left() > 0) {
    if (r.read(1)) sub = r.read(3);
    else r.pos--; // a narrowband frame's bit, only looked at
  }
  if (sub === 0) return true;
  // ultra-wideband has one sub-mode, wideband four
  if (sub > (mode === 1 ? 4 : 1)) return false;
  r.skip(WB_BITS[sub]!);
  return true;
}

/**
 * The samples a decoder makes of one packet: every frame or none. A frame is synthesized as 160
 * samples a band (160, 320, 640); ffmpeg hands out the header's frame size a frame, and a header
 * claiming more (640 at 8 kHz, round 19's file) fills the rest with nothing decoded: not counted.
 */
export function speexPacketSamples(p: Buffer, h: SpeexHead): number {
  const r = new Reader(p);
  for (let i = 0; i < h.framesPerPacket; i++) if (!frame(r, h.mode, h, h.framesPerPacket - i)) return 0;
  return speexPacketMost(h);
}

/** What a packet that decodes gives. */
export function speexPacketMost(h: SpeexHead): number {
  return (160 << h.mode) * h.framesPerPacket;
}
