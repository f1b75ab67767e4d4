/*
 * The one plausibility check every length passes before it is counted (README, "Durations").
 *
 * A header's length is a claim. It is not a length when it is a sentinel ("unknown": 0xFFFFFFFF or
 * -1 samples), and it is not believable when the bytes in the file could not hold that much audio:
 * every codec has a lowest bit rate its encoders produce, so `bytes × 8 / seconds` below that floor
 * means the header lies (a 184-byte file "of 58 years") or the file was cut. Such a file is then
 * sized from its bytes where the codec allows it (constant bit rate), or counted unreadable with the
 * reason. The floors sit well under each codec's real minimum, silence included: the guard catches
 * lies and stubs, never a real quiet recording.
 */
import { fmtS } from './mp3.js';
import type { Claim, ProbeResult } from './types.js';

interface Floor {
  /** codec labels (the start of ProbeResult.codec) this row covers */
  match: RegExp;
  /** bits per second below which a length is not believed */
  bps: number;
}

/** Keep in step with README.md, "Durations". */
const FLOORS: readonly Floor[] = [
  // MPEG-1/2/2.5 audio: the smallest frame is 8 kbit/s (MPEG-2.5 layer III); a file of frames cannot go lower
  { match: /^MP[123]$/, bps: 7000 },
  // WMA: the lowest WMA 9 bit rate is 5 kbit/s (WMA Voice 4 kbit/s); ASF packets only add bytes
  { match: /^(WMA|ASF)/, bps: 2000 },
  // AMR: a NO_DATA frame is 1 byte per 20 ms (400 bit/s); speech is 4.75–23.85 kbit/s
  { match: /^AMR/, bps: 300 },
  // AAC: a silent AAC-LC frame is ~6 bytes per 1024 samples (375 bit/s at 8 kHz)
  { match: /^(AAC|M4A|MKA\/AAC|WEBM\/AAC)/, bps: 200 },
  // anything else (FLAC, Opus with DTX, Vorbis, WavPack, Monkey's, DSD …): far under any encoder's silence
  { match: /./, bps: 100 },
];

/** Sample counts that mean "unknown" in the headers that carry one (32-bit and 64-bit all-ones, 31-bit max). */
const SENTINELS = [0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000, 0x100000000];

export function floorFor(codec: string | undefined): number {
  const c = codec ?? '';
  return FLOORS.find((f) => f.match.test(c))!.bps;
}

/** What the check knows of the file: its size, and its allocated bytes when it is sparse (FileSource). */
export interface GuardInput {
  /** bytes of the file (audio and headers) */
  size: number;
  /** bytes allocated, when fewer than its size (a sparse file): a header's claim is judged on these */
  allocated?: number;
}

/**
 * The result, or the result with its length replaced (from the bytes) or withdrawn (unreadable, with
 * the reason). Every reader's answer passes here once (probe/index.ts probeContent).
 */
export function guard(c: Claim, g: GuardInput): ProbeResult {
  const { fromBytes, cbrBitrate, ...r } = c;
  if (r.kind !== 'audio') return r;
  const s = r.seconds;
  // the bytes that could hold audio: a hole holds none, except for codecs whose every byte is a sample
  const sparse = !fromBytes && g.allocated !== undefined && g.allocated < g.size;
  const bytes = sparse ? g.allocated! : g.size;
  let why: string | undefined;
  if (s === undefined || !Number.isFinite(s) || s <= 0) why = 'header gives no length';
  else if (r.sampleRate && isSentinel(s * r.sampleRate))
    why = `header length is the "unknown" marker (${Math.round(s * r.sampleRate)} samples)`;
  else if ((bytes * 8) / s < floorFor(r.codec))
    why = sparse
      ? `header claims ${fmtS(s)} in a sparse file of ${g.size} bytes with ${bytes} allocated`
      : `header claims ${fmtS(s)} in ${bytes} bytes`;
  if (!why) return r;
  if (cbrBitrate && cbrBitrate > 0) {
    const seconds = (bytes * 8) / cbrBitrate;
    if (seconds > 0)
      return { ...r, seconds, error: `${why}; sized from the bytes at ${Math.round(cbrBitrate / 1000)} kbit/s` };
  }
  return {
    kind: 'unreadable',
    codec: r.codec,
    sampleRate: r.sampleRate,
    channels: r.channels,
    embeddedDate: r.embeddedDate,
    error: why,
  };
}

function isSentinel(samples: number): boolean {
  if (samples >= 2 ** 52) return true;
  for (const v of SENTINELS) if (Math.abs(samples - v) < 2) return true;
  return false;
}
