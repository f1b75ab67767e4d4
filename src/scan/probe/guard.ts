/*
 * The one plausibility check every length passes before it is counted (docs/durations.md, "The guard").
 *
 * A header's length is a claim. It is not a length when it is a sentinel ("unknown": 0xFFFFFFFF or
 * -1 samples), and it is not believable when the bytes in the file could not hold that much audio:
 * every codec has a lowest bit rate its encoders produce, so `bytes × 8 / seconds` below that floor
 * means the header lies (a 184-byte file "of 58 years", a last page or frame with a forged sample
 * number and a valid checksum) or the file was cut. Such a file is then sized from its bytes where the
 * codec allows it (constant bit rate), or counted unreadable with the reason. Each floor is what real
 * encoders write for digital silence, the cheapest input there is, halved (measured here with ffmpeg
 * 5.1, flac 1.4, wavpack 5.6 on 600 s of silence), or the codec's own structural minimum where that
 * is higher: the guard catches lies and stubs, never a real quiet recording. What a forged length
 * can still gain is `8 / floor` seconds per byte of the file: 0.001 s for MP3, 0.013 s for Opus,
 * 0.08 s under the generic floor (issue 19: every codec but four had that one); the readers cap
 * what they can from the data itself (WavPack's blocks walked, FLAC's last frame chained to the one
 * before it, Matroska's Duration checked against its last block).
 */
import { fmtS } from './bytes.js';
import type { Claim, ProbeResult } from './types.js';

interface Floor {
  /** codec labels (ProbeResult.codec: the codec alone, or container/codec) this row covers */
  match: RegExp;
  /** bits per second below which a length is not believed */
  bps: number;
  /**
   * bits per sample (per sample instant, all channels together) below which a length is not
   * believed: a lossless coder's cost grows with its sample rate; the floor is the higher of the two
   */
  perSample?: number;
  /** perSample is a channel's (an uncompressed coder: each channel costs it) */
  perChannel?: boolean;
}

/** Keep in step with docs/durations.md, "The guard". */
const FLOORS: readonly Floor[] = [
  // MPEG-1/2/2.5 audio: the smallest frame is 8 kbit/s (MPEG-2.5 layer III); a file of frames cannot go lower,
  // in any container (AVI/MP3, WAV/MP3, MPEG-TS/MPEG AUDIO: an AVI's strh scale and rate are a claim too)
  { match: /(^|\/)(MP[123]|MPEG AUDIO)$/, bps: 7000 },
  // WMA: the lowest WMA 9 bit rate is 5 kbit/s (WMA Voice 4 kbit/s); ASF packets only add bytes
  // (and Matroska's A_MS/ACM WMA, MKA/WMA, whose blocks forged the generic floor's 100; round 22, C1)
  { match: /^(WMA|ASF)|\/WMA$/, bps: 2000 },
  // AMR-WB: the cheapest stretch amr.ts counts is a SID's comfort noise, 6 bytes and 7 NO_DATA bytes
  // for the 140 ms of NO_DATA ffmpeg decodes as silence (743 bit/s, 3GPP TS 26.201/26.193)
  { match: /(^|\/)AMR-WB/, bps: 600 },
  // AMR: only speech frames count (ffmpeg decodes no comfort noise), the cheapest a 13-byte 4.75 kbit/s
  // frame per 20 ms (5,200 bit/s, 3GPP TS 26.101)
  { match: /(^|\/)AMR/, bps: 5000 },
  // AAC: a silent AAC-LC frame holds 4 bytes per 1024 samples (ffmpeg's encoder; 250 bit/s at 8 kHz
  // in MP4, 690 in ADTS), the least a single-channel element takes (ISO/IEC 14496-3, raw_data_block)
  { match: /(^|\/)AAC/, bps: 200 },
  // Opus: a packet is at least its TOC byte, and Ogg or Matroska add at least a byte to it: a DTX
  // call of 20 ms packets costs 800 bit/s (libopus on silence: 1,800). Packets of 40-120 ms with
  // DTX (opusenc --framesize) can go lower and are refused: rare, and said so in the reason.
  { match: /(^|\/)OPUS$/, bps: 600 },
  // Vorbis: libvorbis's lowest quality (-q -1) on silence at 8 kHz writes 690 bit/s of audio packets
  { match: /(^|\/)VORBIS$/, bps: 300 },
  // Speex: DTX frames are 5 bits per 20 ms (250 bit/s), a byte per packet more in Ogg (libspeex
  // with VAD and DTX on silence: 1,100 bit/s)
  { match: /(^|\/)SPEEX$/, bps: 200 },
  // FLAC: a frame of silence is ~11 bytes of header, constant subframe and CRC per block, at most
  // 4,608 samples in the Subset every encoder writes by default (flac on silence: 0.025 bit a
  // sample, 200 bit/s at 8 kHz, 1,100 at 44.1 kHz)
  { match: /(^|\/)FLAC$/, bps: 100, perSample: 0.01 },
  // ALAC: silence costs 0.04 bit a sample (ffmpeg: 315 bit/s at 8 kHz in CAF)
  { match: /(^|\/)ALAC$/, bps: 100, perSample: 0.01 },
  // WavPack (PCM; DSD has its own rates): a block of silence holds tens of thousands of samples in
  // ~40 bytes (ffmpeg's encoder: 0.007 bit a sample, 55 bit/s at 8 kHz, under the generic floor:
  // such a file of digital silence is refused, as before; wavpack's own: 0.016)
  // (in Matroska too, MKA/WAVPACK: round 22, C6)
  { match: /(^|\/)WAVPACK$/, bps: 100, perSample: 0.003 },
  // AIFF-C and CAF codecs read from the header's counts: MAC6 (1.33 bit a sample) and QDesign's
  // lowest rates (~0.3) are the cheapest; PCM, G.711, IMA4 and GSM (and AIFF-C's MACE) are counted from their bytes
  { match: /^(AIFF|CAF)/, bps: 100, perSample: 0.2 },
  // DSD uncompressed (DSF, DSDIFF's 'DSD '): a bit a sample a channel, always. Under the generic floor
  // a forged sample count counted 77,864 s of 1 MB, ffmpeg decoding 1.4 (attack round 20)
  { match: /^(DSF|DSDIFF\/DSD \(NOT COMPRESSED)/, bps: 100, perSample: 0.99, perChannel: true },
  // Musepack SV8: every frame (1,152 samples) takes at least a bit, and musepack.ts counts only the
  // frames ffmpeg's decoder gives, so that bit is the floor. mpcenc on digital silence writes 1.6 bits
  // a frame (30 min at 44.1 kHz stereo in 13,852 bytes, 62 bit/s): under the generic floor it was
  // refused, 0 s counted where ffmpeg decodes 30 min (attack round 26a, H5)
  { match: /^MUSEPACK\/SV8$/, bps: 25, perSample: 1 / 1152 },
  // anything else (Monkey's, TTA, TAK, DST, Musepack SV7 …): far under any encoder's silence
  { match: /./, bps: 100 },
];

/**
 * The lowest sample rate a recording is made at. Telephony is 8,000 Hz; the lowest rates in any use
 * are old sound effects at 5,000-6,000 Hz (VOC, Mac 5,512 Hz). A rate of 4,000 Hz carries nothing above
 * 2 kHz, too little for intelligible speech: a header giving less (13 Hz) is not a recording's, and
 * where the length is its bytes at that rate it made a few bytes hours.
 */
const MIN_SAMPLE_RATE = 4000;

/** Sample counts that mean "unknown" in the headers that carry one (32-bit and 64-bit all-ones, 31-bit max). */
const SENTINELS = [0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000, 0x100000000];

/** The floor in bits per second for a codec label, at a sample rate and channels (for the rows that scale with them). */
export function floorFor(codec: string | undefined, sampleRate?: number, channels?: number): number {
  const c = codec ?? '';
  const f = FLOORS.find((x) => x.match.test(c))!;
  const per = (f.perSample ?? 0) * (f.perChannel ? Math.max(1, channels ?? 1) : 1);
  return per && sampleRate && sampleRate > 0 ? Math.max(f.bps, per * sampleRate) : f.bps;
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
  const floor = floorFor(r.codec, r.sampleRate, r.channels);
  if (s === undefined || !Number.isFinite(s) || s <= 0) why = 'header gives no length';
  else if (r.sampleRate !== undefined && r.sampleRate > 0 && r.sampleRate < MIN_SAMPLE_RATE)
    // no sizing from the bytes either: at such a rate any byte count is a long "recording"
    return unreadable(
      r,
      `sample rate of ${r.sampleRate} Hz, below any recording's (${MIN_SAMPLE_RATE} Hz): a forged or broken header`,
    );
  else if (r.sampleRate && isSentinel(s * r.sampleRate))
    why = `header length is the "unknown" marker (${Math.round(s * r.sampleRate)} samples)`;
  else if ((bytes * 8) / s < floor)
    why = sparse
      ? `header claims ${fmtS(s)} in a sparse file of ${g.size} bytes with ${bytes} allocated`
      : `header claims ${fmtS(s)} in ${bytes} bytes`;
  if (!why) return r;
  if (cbrBitrate && cbrBitrate > 0) {
    const seconds = (bytes * 8) / cbrBitrate;
    if (seconds > 0)
      return { ...r, seconds, error: `${why}; sized from the bytes at ${Math.round(cbrBitrate / 1000)} kbit/s` };
  }
  return unreadable(r, why);
}

function unreadable(r: ProbeResult, why: string): ProbeResult {
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
