/*
 * MS ADPCM (format tag 0x02) and IMA ADPCM (0x11) blocks, as ffmpeg's adpcm.c decodes them from WAV,
 * AVI and Matroska's A_MS/ACM alike: one checker for the three readers.
 *
 * Why: a block's samples follow from its size, but its header is a claim a decoder checks first. An IMA
 * block whose step index (per channel) is over 88, or an MS block whose predictor index is over 6, is
 * refused, and with it the rest of its packet (ffmpeg's decode loop drops a packet its decoder fails
 * on). Counted by their size alone, 1 MB of random bytes was 196-498 s where ffmpeg decodes under a
 * second (attack round 22, H13).
 */
import type { FileSource } from './types.js';

/** An ADPCM stream as its WAVEFORMATEX gives it, checked as ffmpeg's decoder checks it when it opens. */
export interface Adpcm {
  /** 0x02 (MS) or 0x11 (IMA) */
  tag: number;
  channels: number;
  /** bytes of a block */
  align: number;
  /** samples (a channel's) one block decodes to */
  samples: number;
}

/** IMA ADPCM at 2 to 5 bits: bytes and samples of one group a channel (ffmpeg's block sizes and samples) */
const IMA_GROUP: Record<number, [bytes: number, samples: number]> = { 2: [4, 16], 3: [12, 32], 4: [4, 8], 5: [20, 32] };

/**
 * The stream, or why ffmpeg's decoder refuses it: IMA of 1 or 2 channels at 2 to 5 bits, MS of 1 to
 * 6 channels, a block that holds its headers. A block's samples come from its size as the decoder
 * counts them (a header, then the codes), not from the fmt's samples-per-block field, which a decoder
 * ignores and a forger sets to 65535.
 */
export function adpcmFormat(tag: number, channels: number, align: number, bits: number): Adpcm | string {
  const name = tag === 2 ? 'MS ADPCM' : 'IMA ADPCM';
  if (channels < 1 || channels > (tag === 2 ? 6 : 2))
    return `${name} of ${channels} channels, which ffmpeg does not decode`;
  if (tag === 0x11 && !IMA_GROUP[bits]) return `IMA ADPCM of ${bits}-bit codes, which ffmpeg does not decode`;
  let samples = 0;
  if (tag === 2 && align >= 7 * channels) samples = 2 + Math.floor(((align - 7 * channels) * 2) / channels);
  else if (tag === 0x11 && align >= 4 * channels) {
    const [gb, gs] = IMA_GROUP[bits]!;
    samples = 1 + Math.floor((align - 4 * channels) / (gb * channels)) * gs;
  }
  if (!samples) return `${name} with an impossible block size (${align})`;
  return { tag, channels, align, samples };
}

/** Whether ffmpeg's decoder takes the block at p: each channel's step index 0-88 (IMA), predictor 0-6 (MS). */
function blockTaken(b: Buffer, p: number, f: Adpcm): boolean {
  for (let i = 0; i < f.channels; i++) {
    if (f.tag === 0x11) {
      // (a 16-bit predictor, then the step index, read signed and compared unsigned: a negative one fails)
      if (b.readUInt16LE(p + 4 * i + 2) > 88) return false;
    } else if (b[p + (f.channels > 2 ? 7 * i : i)]! > 6) return false;
  }
  return true;
}

/**
 * Whole blocks of one packet [from, to) that ffmpeg decodes: those before the first it refuses (the
 * rest of the packet is dropped with it). A packet's tail shorter than a block is not counted.
 */
export function packetBlocks(b: Buffer, from: number, to: number, f: Adpcm): number {
  let n = 0;
  for (let p = from; p + f.align <= to && blockTaken(b, p, f); p += f.align) n++;
  return n;
}

/** What spanBlocks reads at a time: memory stays bounded whatever the data's size. */
const WINDOW = 1024 * 1024;

/**
 * Blocks ffmpeg decodes in the packets at spans ([offset, size], in file order), read a window at a
 * time (spans that fit one are read together; a larger one alone): linear in the bytes read, which
 * the callers bound (their first FRAMED_MAX bytes, the rest in proportion).
 */
export function spanBlocks(src: FileSource, spans: readonly [number, number][], f: Adpcm): number {
  let n = 0;
  for (let i = 0; i < spans.length;) {
    const from = spans[i]![0];
    let j = i + 1;
    while (j < spans.length && spans[j]![0] + spans[j]![1] - from <= WINDOW && spans[j]![0] >= from) j++;
    const last = spans[j - 1]!;
    const buf = src.read(from, Math.max(last[0] + last[1] - from, spans[i]![1]));
    for (; i < j; i++) {
      const [at, size] = spans[i]!;
      src.work.tick(1 + (size >> 12));
      n += packetBlocks(buf, at - from, Math.min(at - from + size, buf.length), f);
    }
  }
  return n;
}
