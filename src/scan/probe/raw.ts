/*
 * Headerless telephony formats, as call recorders (Asterisk, FreeSWITCH) write them: no header at all,
 * so the length follows from the file size and the codec's fixed rate. No library reads these, since
 * there is nothing to parse: this table is the whole job.
 */
import type { Claim, FileSource } from './types.js';

interface RawCodec {
  codec: string;
  sampleRate: number;
  /** bytes per frame and frames per second: duration = floor(size / frameBytes) / framesPerSecond */
  frameBytes: number;
  framesPerSecond: number;
}

const G711U: RawCodec = { codec: 'ULAW', sampleRate: 8000, frameBytes: 1, framesPerSecond: 8000 };
const G711A: RawCodec = { codec: 'ALAW', sampleRate: 8000, frameBytes: 1, framesPerSecond: 8000 };

const RAW: Record<string, RawCodec> = {
  gsm: { codec: 'GSM', sampleRate: 8000, frameBytes: 33, framesPerSecond: 50 },
  ul: G711U,
  ulaw: G711U,
  pcmu: G711U,
  mu: G711U,
  al: G711A,
  alaw: G711A,
  pcma: G711A,
  g729: { codec: 'G729', sampleRate: 8000, frameBytes: 10, framesPerSecond: 100 },
  g722: { codec: 'G722', sampleRate: 16000, frameBytes: 1, framesPerSecond: 8000 },
  g726: { codec: 'G726', sampleRate: 8000, frameBytes: 1, framesPerSecond: 4000 },
  vox: { codec: 'VOX', sampleRate: 8000, frameBytes: 1, framesPerSecond: 4000 },
};

/** The codec of a headerless file, by its extension (lower case, no dot). sln, sln16, sln48 … are 16-bit PCM at N kHz. */
export function rawCodec(ext: string): RawCodec | undefined {
  const known = RAW[ext];
  if (known) return known;
  const m = /^sln(\d{0,3})$/.exec(ext);
  if (!m) return undefined;
  const khz = m[1] ? Number(m[1]) : 8;
  if (![8, 12, 16, 24, 32, 44, 48, 96, 192].includes(khz)) return undefined;
  const rate = khz === 44 ? 44100 : khz * 1000;
  return { codec: khz === 8 ? 'SLN' : `SLN${khz}`, sampleRate: rate, frameBytes: 2, framesPerSecond: rate };
}

/**
 * Heads of files that are not audio, whatever they are named (attack round 22, H8): a zip, PDF,
 * image or archive saved as .vox or .g726 counted as its bytes at the codec's rate. (JPEG needs its
 * JFIF or Exif name too: µ-law bytes may start FF D8 FF.)
 */
const NOT_AUDIO: readonly [string, number][] = [
  ['PK\x03\x04', 0],
  ['%PDF-', 0],
  ['\x89PNG\r\n\x1a\n', 0],
  ['GIF8', 0],
  ['JFIF\0', 6],
  ['Exif\0', 6],
  ['\x1f\x8b\x08', 0], // gzip
  ['BZh', 0],
  ['\xfd7zXZ\0', 0],
  ["7z\xbc\xaf'\x1c", 0],
  ['Rar!\x1a\x07', 0],
  ['\x7fELF', 0],
  ['OggS', 0],
  ['RIFF', 0],
  ['<?xml', 0],
  ['{\\rtf', 0],
  ['%!PS', 0],
];

/** The name of the non-audio format the head shows, if any. */
function notAudio(head: Buffer): string | undefined {
  for (const [magic, at] of NOT_AUDIO)
    if (head.toString('latin1', at, at + magic.length) === magic) return magic.replace(/[^ -~]/g, '').trim();
  return undefined;
}

/**
 * A headerless file: its bytes at the codec's rate. Notes on what ffmpeg would do instead:
 *  - .ul and .al are counted at 8 kHz, the telephony rate every recorder writes them at; ffmpeg's
 *    demuxers for these names assume 44.1 kHz (5.5 times shorter). The rate is kept: it is the
 *    recording's.
 *  - ffmpeg has no demuxer for .g726, .vox, .ulaw, .alaw, .pcmu, .pcma, .mu or .sln16 and up: these
 *    are Asterisk's and other recorders' names, read here by the table above.
 *  - a sparse file counts only its allocated bytes (round 22, H8): ffmpeg would decode a hole as
 *    zeros, but no recorder writes one, and 1 GB of nothing named .g726 counted 250,000 s; a file
 *    with no block at all that reads as zeros is a hole too (index.ts allocatedOf), not counted.
 */
export function probeRaw(c: RawCodec, src: FileSource): Claim {
  const base = { codec: c.codec, sampleRate: c.sampleRate, channels: 1 };
  const other = notAudio(src.head);
  if (other) return { kind: 'other', error: `named as ${c.codec} audio, but a ${other} file` };
  const bytes = Math.min(src.size, src.allocated ?? src.size);
  if (bytes === 0 && src.size > 0)
    return { kind: 'unreadable', ...base, error: `sparse: none of its ${src.size} bytes is allocated (a hole)` };
  const frames = Math.floor(bytes / c.frameBytes);
  if (frames <= 0)
    return { kind: 'unreadable', ...base, error: src.size === 0 ? 'empty file' : 'shorter than one frame' };
  const note = bytes < src.size ? `sparse: counted its ${bytes} allocated bytes of ${src.size}` : undefined;
  // every byte is part of a frame: the length is the bytes at the codec's rate
  return { kind: 'audio', seconds: frames / c.framesPerSecond, ...base, error: note, fromBytes: true };
}
