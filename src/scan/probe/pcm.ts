/**
 * The sample sizes (bytes, the bits rounded up) ffmpeg takes for PCM and float in a WAVEFORMATEX (WAV,
 * and Matroska's A_MS/ACM); others it refuses. A PCM WAV of 0-bit samples counted its bytes as 8-bit,
 * 30 s for 240 KB, ffmpeg decoding none (attack round 11a, high); ACM float of 8 or 16 bits counted
 * 240 and 120 s of 1 MB, none decoded (round 22, H14). A module of its own: WAV reads AVI's framing,
 * AVI Matroska's, and Matroska these sizes.
 */
export const SAMPLE_BYTES = { PCM: [1, 2, 3, 4, 8], FLOAT: [4, 8] };

/**
 * Bytes of a linear PCM sample as ffmpeg takes a QuickTime or CAF 'lpcm' description (its
 * ff_get_pcm_codec_id): float of 32 or 64 bits; integer of 1 to 64 bits, rounded up to bytes, of
 * pcm.ts's sizes. Others map to no codec: float of 8 or 16 bits counted 1 MB as 250 s and 125 s,
 * ffmpeg decoding none (attack round 23a, H2); 12-bit integer, taken as 1 byte, counted twice what
 * is decoded (M2).
 */
export function lpcmBytes(bits: number, float: boolean): number | undefined {
  if (float) return bits === 32 || bits === 64 ? bits / 8 : undefined;
  const bytes = Math.ceil(bits / 8);
  return bits >= 1 && SAMPLE_BYTES.PCM.includes(bytes) ? bytes : undefined;
}
