/*
 * Checks of a WAVEFORMATEX's format that more than one container needs: AVI's strf, Matroska's
 * A_MS/ACM (acmFormat) and ASF's stream properties (asfRefused) judge a WMA stream's rate by one rule
 * (wmaUnderEncoders), which was written three times (rounds 13a, 22 C1, 23a C1).
 */

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
  if (!(rate > 0 && rate <= 50000)) return `WMA at ${rate} Hz: ffmpeg's decoder refuses it`;
  if (channels < 1 || channels > 2) return `WMA of ${channels} channels: ffmpeg's decoder refuses it`;
  if (!byteRate || !align) return `WMA with no ${byteRate ? 'block align' : 'bit rate'}: ffmpeg's decoder refuses it`;
  const frame = rate <= 16000 ? 512 : rate <= 22050 || (rate <= 32000 && tag === 0x160) ? 1024 : 2048;
  const perSecond = (align * rate) / frame;
  return wmaUnderEncoders(tag, rate, Math.min(perSecond, byteRate) * 8, 'WMA') ?? perSecond;
}
