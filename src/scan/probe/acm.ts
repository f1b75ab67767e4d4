/*
 * Checks of a WAVEFORMATEX's format that more than one container needs (AVI's strf; Matroska's
 * A_MS/ACM makes the same judgement of WMA in its own acmFormat, round 22 C1).
 */
import { WMA_MIN_BITS_PER_SAMPLE } from './asf.js';

/**
 * WMA 1 (0x160) or 2 (0x161) without the bit reservoir, as ffmpeg's decoder reads it: a block of
 * `align` bytes is one frame of 512 samples to 16 kHz, 1,024 to 22.05 kHz (32 kHz for version 1),
 * else 2,048 (wma_common.c). The bytes a second of that, or why the stream is not counted: ffmpeg's
 * decoder refuses a rate of 0 or over 50 kHz, no channels or more than 2, no bit rate or no block
 * align (wma.c, wmadec.c); and a rate (the blocks', or the byte rate's) under any WMA encoder's is
 * forged, as asf.ts judges it: 2-byte blocks at 4 kHz made 15.6 B/s, 1 MB of junk 63,360 s in AVI
 * where ffmpeg decodes 668 (attack round 23a, C1; the same in Matroska, round 22 C1).
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
  const least = WMA_MIN_BITS_PER_SAMPLE * rate;
  if (perSecond * 8 < least || byteRate * 8 < least)
    return `WMA of ${Math.round(Math.min(perSecond, byteRate) * 8)} bit/s at ${rate} Hz, under any WMA encoder's (${Math.ceil(least)} bit/s): a forged or broken header`;
  return perSecond;
}
