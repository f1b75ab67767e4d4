/*
 * Headerless telephony formats, as call recorders (Asterisk, FreeSWITCH) write them: no header at all,
 * so the length follows from the file size and the codec's fixed rate. No library reads these, since
 * there is nothing to parse: this table is the whole job.
 */
import type { Claim } from './types.js';

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

export function probeRaw(c: RawCodec, size: number): Claim {
  const frames = Math.floor(size / c.frameBytes);
  const base = { codec: c.codec, sampleRate: c.sampleRate, channels: 1 };
  if (frames <= 0) return { kind: 'unreadable', ...base, error: size === 0 ? 'empty file' : 'shorter than one frame' };
  // every byte is part of a frame: the length is the bytes at the codec's rate, holes included (as silence)
  return { kind: 'audio', seconds: frames / c.framesPerSecond, ...base, fromBytes: true };
}
