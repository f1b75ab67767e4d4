/*
 * QuickTime IMA ADPCM ("ima4": AIFF-C, CAF, MOV), as ffmpeg's adpcm_ima_qt decodes it (adpcm.c), and
 * the channel limits of the QuickTime decoders that are counted from their bytes.
 *
 * Why: a block is 34 bytes a channel for 64 samples, but its 2-byte header is a claim the decoder
 * checks first. Its low 7 bits are the step index; over 88 the decoder fails the packet ("ERROR:
 * step_index[0] = 127") and ffmpeg's decode loop drops the rest of it. (The decoder keeps the previous
 * block's state when the header repeats it, but that state's index is always 0-88, so a header over 88
 * is refused whatever came before.) Counted by their size alone, 1 MB of blocks with index 127 was
 * 246.72 s where ffmpeg decodes nothing, 3,602 s from 7.3 MB at 4 kHz (attack round 24, C3).
 */

/** Bytes one channel's part of a block takes: a 2-byte header (predictor, step index), 32 bytes of codes. */
export const IMA4_BLOCK = 34;
/** Samples a channel's 34 bytes decode to. */
export const IMA4_SAMPLES = 64;
/**
 * Channels ffmpeg's adpcm_ima_qt opens (adpcm_decode_init: 1 to 2 for all but a few other ADPCM
 * codecs; "Invalid number of channels" above). 200 KB of 3-channel ima4 counted 15.7 s, 0 decoded
 * (attack round 24, H1). (Exported for the AIFF-C and CAF readers.)
 * @public
 */
export const IMA4_MAX_CHANNELS = 2;
/** Channels ffmpeg's MACE 3:1 and 6:1 decoder opens (mace.c's init refuses more than 2). */
export const MACE_MAX_CHANNELS = 2;

/** Why ffmpeg's decoder refuses IMA4 of this many channels, or undefined when it opens it. */
export function ima4Channels(channels: number): string | undefined {
  if (Number.isInteger(channels) && channels >= 1 && channels <= IMA4_MAX_CHANNELS) return undefined;
  return `IMA4 of ${channels} channels, which ffmpeg does not decode (1 or 2)`;
}

/**
 * Samples (a channel's) ffmpeg decodes of one packet b[from, to) of IMA4 at `channels`: 64 for each
 * whole block (34 bytes a channel) before the first whose header, in any channel, has a step index
 * over 88 (that block and the rest of the packet are dropped). A tail shorter than a block decodes
 * nothing ("invalid number of samples in packet"), and neither does a packet of a channel count the
 * decoder refuses (0).
 */
export function ima4PacketSamples(b: Uint8Array, from: number, to: number, channels: number): number {
  if (ima4Channels(channels) !== undefined) return 0;
  const block = IMA4_BLOCK * channels;
  const end = Math.min(to, b.length);
  let n = 0;
  for (let p = from; p + block <= end; p += block) {
    for (let c = 0; c < channels; c++) if ((b[p + IMA4_BLOCK * c + 1]! & 0x7f) > 88) return n;
    n += IMA4_SAMPLES;
  }
  return n;
}
