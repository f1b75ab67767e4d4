/*
 * ALAC (Apple Lossless) packets, walked as a decoder walks them, to tell the samples a packet holds.
 *
 * A packet is a frame: elements (a 3-bit tag; SCE and LFE one channel, CPE two), each a header (the
 * partial-frame count, the shift of uncompressed low bits, the predictors), then each channel's
 * residuals in adaptive Rice codes with runs of zeros, then the END tag within the packet's last
 * byte. Nothing in it is a checksum: what a decoder refuses is a frame whose codes run past the
 * packet (a decoder checks before each residual), that has no END tag, or whose elements do not
 * make the channels; bits left after END are only warned of. Junk packets
 * of a frame length of 65,536 counted 6.8 h from 356 KB, ffmpeg decoding none (attack round 14a);
 * counted by this walk, a packet holds what a decoder would make of it, or nothing. Written by hand:
 * no library reads ALAC (music-metadata takes the container's count), and the walk is the algorithm
 * Apple published (ALAC, 2011) as ffmpeg's decoder follows it, without the prediction.
 */

/** ALACSpecificConfig (the magic cookie): what a decoder needs before the first packet. */
export interface AlacConfig {
  /** samples a channel in a full frame */
  frameLength: number;
  /** bits a sample */
  bitDepth: number;
  /** pb, mb, kb: the Rice coder's history multiplier, initial history and parameter limit */
  pb: number;
  mb: number;
  kb: number;
  channels: number;
  /** its sample rate (0: not given), which a decoder takes over the container's */
  rate: number;
}

/**
 * The 24-byte ALACSpecificConfig at `at` (frameLength, compatibleVersion, bitDepth, pb, mb, kb,
 * numChannels, maxRun, maxFrameBytes, avgBitRate, sampleRate) as a decoder takes it (ffmpeg's
 * alac_set_info and init): the config, or why a decoder refuses it, when it decodes nothing of the
 * file (a bit depth of 8, 24 bytes missing; round 15: such cookies over valid frames counted 1,024 s).
 * Channels of 0 are the container's, as a decoder takes them.
 */
export function alacConfig(b: Buffer, at: number, end: number, containerChannels?: number): AlacConfig | string {
  if (at < 0 || at + 24 > Math.min(end, b.length)) return 'ALAC without its 24-byte magic cookie: a decoder refuses it';
  const frameLength = b.readUInt32BE(at);
  const bitDepth = b[at + 5]!;
  let channels = b[at + 9]!;
  if (!frameLength || frameLength > 4096 * 4096)
    return `ALAC frame length of ${frameLength} samples: a decoder refuses it`;
  if (![16, 20, 24, 32].includes(bitDepth)) return `ALAC sample depth of ${bitDepth} bits: a decoder refuses it`;
  // (over 8 is refused whatever the container says: ffmpeg's alac_decode_init falls back to the
  // container's count for 0 only; 9 in the cookie counted its file in M4A, MKA and CAF, none decoded)
  if (channels < 1) channels = containerChannels ?? 0;
  if (channels < 1 || channels > 8) return `ALAC of ${b[at + 9]} channels: a decoder refuses it`;
  return {
    frameLength,
    bitDepth,
    pb: b[at + 6]!,
    mb: b[at + 7]!,
    kb: b[at + 8]!,
    channels,
    rate: b.readUInt32BE(at + 20),
  };
}

/** Where each element of a frame goes, by channel count and channels before it (ffmpeg's alac_data.c). */
const LAYOUT_OFFSETS = [
  [0],
  [0, 1],
  [2, 0, 1],
  [2, 0, 1, 3],
  [2, 0, 1, 3, 4],
  [2, 0, 1, 4, 5, 3],
  [2, 0, 1, 4, 5, 6, 3],
  [2, 6, 7, 0, 1, 4, 5, 3],
];

/** floor(log2(v)), 0 for 0 (as a decoder's av_log2). */
const log2 = (v: number): number => (v ? 31 - Math.clz32(v) : 0);

/** The 32 bits of b from bit i, unsigned; bytes at or past `stop` read as zeros (a decoder's padding). */
function peek(b: Buffer, stop: number, i: number): number {
  const at = i >> 3;
  const sh = i & 7;
  let hi: number;
  let lo: number;
  if (at + 5 <= stop) {
    hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
    lo = b[at + 4]!;
  } else {
    const y = (k: number): number => (k < stop ? b[k]! : 0);
    hi = ((y(at) << 24) | (y(at + 1) << 16) | (y(at + 2) << 8) | y(at + 3)) >>> 0;
    lo = y(at + 4);
  }
  return sh ? ((hi << sh) | (lo >>> (8 - sh))) >>> 0 : hi;
}

/**
 * One channel's n residuals from bit `pos`: where they end, or -1 where a decoder refuses them
 * (no bit left before a residual). Each is a Rice code with parameter k: up to 9 ones, the stop bit
 * (under 9), then k bits (k - 1 when they say 0 or 1); 9 ones: `bps` bits plain. After a residual
 * that leaves the history under 128, a run of zeros follows, its length coded alike (16 bits plain).
 * The bits are read through a 32-bit window refilled a byte at a time: this loop is a walk's time
 * (10 MB of 1-bit codes: 80 M residuals; round 15 timed 1.3-2.2 s reading each code's bytes anew).
 */
function rice(b: Buffer, stop: number, pos: number, n: number, c: AlacConfig, m: number, bps: number): number {
  const last = stop * 8;
  // the window: `have` bits of w (MSB first) are the stream's from bit at * 8 - have
  let at = pos >> 3;
  let w = 0;
  let have = 0;
  // (filled inline below: closures over the window cost it its registers)
  while (have <= 24) {
    w = (w | ((at < stop ? b[at]! : 0) << (24 - have))) >>> 0;
    at++;
    have += 8;
  }
  w = (w << (pos & 7)) >>> 0;
  have -= pos & 7;
  let history = c.mb;
  // after a run of zeros the next residual is one more than its code says (it cannot be a zero)
  let sign = 0;
  for (let i = 0; i < n; i++) {
    while (have <= 24) {
      w = (w | ((at < stop ? b[at]! : 0) << (24 - have))) >>> 0;
      at++;
      have += 8;
    }
    if (at * 8 - have >= last) return -1;
    // k is at most 16 here (the history stays under 2^25), so it fits what the window holds
    let k = 31 - Math.clz32((history >>> 9) + 3);
    if (k > c.kb) k = c.kb;
    let ones = Math.clz32(~w);
    let x: number;
    if (ones > 8) {
      w = (w << 9) >>> 0;
      have -= 9;
      if (bps <= 16) {
        x = bps ? w >>> (32 - bps) : 0;
        w = (w << bps) >>> 0;
        have -= bps;
      } else {
        // over 16 bits: read where it stands, and the window begun again after it
        const bit = at * 8 - have;
        x = peek(b, stop, bit) >>> (32 - bps);
        const next = bit + bps;
        at = next >> 3;
        w = 0;
        have = 0;
        while (have <= 24) {
          w = (w | ((at < stop ? b[at]! : 0) << (24 - have))) >>> 0;
          at++;
          have += 8;
        }
        w = (w << (next & 7)) >>> 0;
        have -= next & 7;
      }
    } else {
      w = (w << (ones + 1)) >>> 0;
      have -= ones + 1;
      if (k === 1) x = ones;
      else {
        const extra = w >>> (32 - k);
        x = ones * 2 ** k - ones;
        const used = extra > 1 ? k : k - 1;
        if (extra > 1) x += extra - 1;
        w = (w << used) >>> 0;
        have -= used;
      }
    }
    x += sign;
    sign = 0;
    if (x > 0xffff) history = 0xffff;
    else history = (history + x * m - (Math.imul(history, m) >>> 9)) >>> 0;
    if (history < 128 && i + 1 < n) {
      // a run of zeros, Rice-coded as the residual above (16 bits plain after 9 ones): the same steps
      // written again, not a function, as a call over the window's variables halved the walk's speed
      while (have <= 24) {
        w = (w | ((at < stop ? b[at]! : 0) << (24 - have))) >>> 0;
        at++;
        have += 8;
      }
      k = 7 - log2(history) + ((history + 16) >> 6);
      if (k > c.kb) k = c.kb;
      ones = Math.clz32(~w);
      let run: number;
      if (ones > 8) {
        w = (w << 9) >>> 0;
        run = w >>> 16;
        w = (w << 16) >>> 0;
        have -= 25;
      } else {
        w = (w << (ones + 1)) >>> 0;
        have -= ones + 1;
        if (k === 1) run = ones;
        else {
          const extra = w >>> (32 - k);
          run = ones * 2 ** k - ones;
          const used = extra > 1 ? k : k - 1;
          if (extra > 1) run += extra - 1;
          w = (w << used) >>> 0;
          have -= used;
        }
      }
      if (run > 0) i += Math.min(run, n - i - 1);
      // (a run's length is at most 16 bits: always so)
      sign = 1;
      history = 0;
    }
  }
  return at * 8 - have;
}

/**
 * The samples (a channel) the packet [p, end) of `b` decodes to, 0 when a decoder refuses it. Cost
 * is linear in the packet: every residual but a run of zeros takes at least a bit.
 */
export function alacPacketSamples(b: Buffer, p: number, end: number, c: AlacConfig): number {
  const stop = Math.min(end, b.length);
  const first = p * 8;
  const last = stop * 8;
  let pos = first;
  /** n bits (0 to 32), unsigned. */
  const read = (n: number): number => {
    if (!n) return 0;
    const v = peek(b, stop, pos) >>> (32 - n);
    pos += n;
    return v;
  };
  const left = (): number => last - pos;
  let channelsDone = 0;
  let samples = 0;
  let ended = false;
  while (left() >= 3) {
    const tag = read(3);
    if (tag === 7) {
      ended = true;
      break;
    }
    if (tag > 1 && tag !== 3) return 0; // other elements: no decoder takes them
    const channels = tag === 1 ? 2 : 1;
    if (channelsDone + channels > c.channels || LAYOUT_OFFSETS[c.channels - 1]![channelsDone]! + channels > c.channels)
      return 0;
    pos += 4 + 12; // instance tag, unused
    const hasSize = read(1);
    const extraBits = read(2) * 8;
    const bps = c.bitDepth - extraBits + channels - 1;
    if (bps > 32 || bps < 1) return 0;
    const compressed = !read(1);
    const n = hasSize ? read(32) : c.frameLength;
    if (!n || n > c.frameLength || (samples && n !== samples)) return 0;
    samples = n;
    if (compressed) {
      if (!c.kb) return 0;
      const shift = read(8);
      const weight = read(8);
      if (channels === 2 && weight && shift > 31) return 0; // the stereo decorrelation's
      const mult: number[] = [];
      for (let ch = 0; ch < channels; ch++) {
        pos += 4; // prediction type
        const quant = read(4);
        mult.push(read(3));
        const order = read(5);
        if (order >= c.frameLength || !quant) return 0;
        pos += 16 * order;
      }
      // the uncompressed low bits of every sample: a decoder checks for bits left before each
      if (extraBits) {
        const step = extraBits * channels;
        if (pos + (n - 1) * step >= last) return 0;
        pos += n * step;
      }
      for (let ch = 0; ch < channels; ch++) {
        pos = rice(b, stop, pos, n, c, Math.floor((mult[ch]! * c.pb) / 4), bps);
        if (pos < 0) return 0;
      }
    } else {
      // uncompressed: every sample's bits, checked as above
      const step = c.bitDepth * channels;
      if (pos + (n - 1) * step >= last) return 0;
      pos += n * step;
    }
    channelsDone += channels;
  }
  // (bits left after END are only warned of: the frame is decoded)
  if (!ended) return 0;
  return channelsDone === c.channels ? samples : 0;
}
