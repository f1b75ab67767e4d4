/*
 * Sun/NeXT audio (.au, .snd: what Asterisk's `au` format, sox and ffmpeg write), by hand: music-metadata
 * does not read it, so every AU file was counted unreadable ("Failed to determine audio format"),
 * a 4-second µ-law call included. The header is six big-endian words (magic, data offset, data size,
 * encoding, sample rate, channels); every encoding measured here codes each sample in a fixed number of
 * bits, so the length is the data bytes present at that rate, as ffmpeg's au demuxer decodes them.
 */
import type { Claim, FileSource } from './types.js';

/** bits per sample of the encodings ffmpeg's au demuxer decodes (libavformat/au.c) */
const BITS: Record<number, [codec: string, bits: number]> = {
  1: ['ULAW', 8],
  2: ['PCM', 8],
  3: ['PCM', 16],
  4: ['PCM', 24],
  5: ['PCM', 32],
  6: ['FLOAT', 32],
  7: ['FLOAT', 64],
  23: ['G721', 4],
  24: ['G722', 4],
  25: ['G723-3', 3],
  26: ['G723-5', 5],
  27: ['ALAW', 8],
};

/** the encodings ffmpeg reads as G.726 (libavformat/au.c) */
const G726 = new Set([23, 25, 26]);

/** the data size that means "not known" (a recording written to a pipe or still being written) */
const UNKNOWN_SIZE = 0xffffffff;

export function probeAu(src: FileSource): Claim | undefined {
  const h = src.head;
  if (h.length < 24 || h.toString('latin1', 0, 4) !== '.snd') return undefined;
  const offset = h.readUInt32BE(4);
  const declared = h.readUInt32BE(8);
  const encoding = h.readUInt32BE(12);
  const sampleRate = h.readUInt32BE(16);
  const channels = h.readUInt32BE(20);
  const known = BITS[encoding];
  const base = { codec: `AU/${known?.[0] ?? encoding}`, sampleRate, channels };
  if (!known) return { kind: 'unreadable', ...base, error: `AU encoding ${encoding} is not measured` };
  if (!sampleRate || !channels || channels > 64)
    return { kind: 'unreadable', ...base, error: 'AU header without a sample rate or channels' };
  // G.721 and G.723 (23, 25, 26) go to ffmpeg's G.726 decoder, which decodes one channel only ("Decoding
  // more than one channel is not implemented"): a stereo file decodes nothing (attack round 22, H10)
  if (G726.has(encoding) && channels !== 1)
    return {
      kind: 'unreadable',
      ...base,
      error: `${known[0]} of ${channels} channels: ffmpeg decodes it in mono only`,
    };
  // ffmpeg's au demuxer reads the data size as a signed number and refuses a negative one that is not
  // the "unknown" marker ("Invalid negative data size"): taken as unsigned, it read as more than the
  // file holds and the bytes present were counted as a cut-off file, 600 s of a 4.8 MB µ-law file
  // with one bit set, none decoded (attack round 26a, H6)
  if (declared >= 0x80000000 && declared !== UNKNOWN_SIZE)
    return {
      kind: 'unreadable',
      ...base,
      error: `data size 0x${declared.toString(16)}, negative as ffmpeg reads it: its demuxer refuses the file`,
    };
  if (offset < 24 || offset > src.size)
    return { kind: 'unreadable', ...base, error: `AU data offset ${offset} outside the file` };
  const available = src.size - offset;
  let present = available;
  let error: string | undefined;
  if (declared !== UNKNOWN_SIZE && declared < available) present = declared;
  else if (declared !== UNKNOWN_SIZE && declared > available)
    error = `cut off: header says ${declared} data bytes, ${available} present`;
  const samples = Math.floor((present * 8) / (known[1] * channels));
  if (samples <= 0) return { kind: 'unreadable', ...base, error: error ? `no audio data (${error})` : 'no audio data' };
  // every sample is a fixed number of bits: the bytes present are the length, as for PCM in a WAV
  return { kind: 'audio', seconds: samples / sampleRate, ...base, error, fromBytes: true };
}
