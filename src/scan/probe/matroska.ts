/*
 * Matroska / WebM by hand. Browser recorders (MediaRecorder) write WebM with no Duration element and
 * a segment of unknown size, and a cut-off copy keeps a Duration it no longer holds; music-metadata
 * reads only the Duration element, and counts a video-only file as audio. This reads the EBML head
 * (Info: scale and Duration; Tracks: is there an audio track) and, where the Duration is missing or
 * the file is shorter than its segment says, the last cluster in the tail: its timecode plus its last
 * complete block of the audio track, plus that block's length.
 */
import type { FileSource, ProbeResult } from './types.js';
import type { Work } from './work.js';
import { frameAt, frameSeconds } from './mp3.js';
import { frameHead, type FlacInfo } from './flac.js';
import { checkedFrameAt as ac3Frame } from './ac3.js';
import { MlpUnits } from './mlp.js';
import { alacConfig, alacPacketSamples, type AlacConfig } from './alac.js';
import { AAC_RATES, aacConfig, aacFrameHolds, type AacConfig } from './aac.js';
import { adpcmFormat, packetBlocks, type Adpcm } from './adpcm.js';
import { ffmpegWavTag } from './asf.js';
import { wmaProFormat, wmaUnderEncoders, wmaVoiceRefused } from './acm.js';
import { SAMPLE_BYTES } from './pcm.js';
import { holdsStream } from './lossless.js';
import { TtaFrames } from './tta.js';
import { opusHeadRefused, opusPacketSamples } from './opus.js';
import { VorbisPackets, vorbisPrivate, type VorbisSetup } from './vorbis.js';
import { speexHead, speexPacketSamples, type SpeexHead } from './speex.js';
import { DtsFrames } from './dts.js';

const ID = {
  Segment: 0x18538067,
  Info: 0x1549a966,
  Tracks: 0x1654ae6b,
  Cluster: 0x1f43b675,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  FlagDefault: 0x88,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  OutputSamplingFrequency: 0x78b5,
  BitDepth: 0x6264,
  Channels: 0x9f,
  DefaultDuration: 0x23e383,
  CodecDelay: 0x56aa,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  BlockDuration: 0x9b,
} as const;

const UNKNOWN = -1;

interface El {
  start: number;
  id: number;
  size: number;
  data: number;
  end: number;
}

/** The element header at p (id with its marker bits, size; size UNKNOWN for all-ones), or undefined. */
function element(b: Buffer, p: number): El | undefined {
  if (p >= b.length) return undefined;
  const f = b[p]!;
  const il = f >= 0x80 ? 1 : f >= 0x40 ? 2 : f >= 0x20 ? 3 : f >= 0x10 ? 4 : 0;
  if (!il || p + il >= b.length) return undefined;
  let id = 0;
  for (let i = 0; i < il; i++) id = id * 256 + b[p + i]!;
  const s0 = b[p + il]!;
  let sl = 1;
  while (sl <= 8 && !(s0 & (0x100 >> sl))) sl++;
  if (sl > 8 || p + il + sl > b.length) return undefined;
  let size = s0 & (0xff >> sl);
  let allOnes = size === 0xff >> sl;
  for (let i = 1; i < sl; i++) {
    const x = b[p + il + i]!;
    size = size * 256 + x;
    allOnes &&= x === 0xff;
  }
  const data = p + il + sl;
  if (allOnes) return { start: p, id, size: UNKNOWN, data, end: UNKNOWN };
  return { start: p, id, size, data, end: data + size };
}

function uint(b: Buffer, e: El): number {
  let v = 0;
  // an unsigned integer has at most 8 bytes; a forged size is not walked
  for (let i = e.data; i < e.end && i < e.data + 8 && i < b.length; i++) v = v * 256 + b[i]!;
  return v;
}

function float(b: Buffer, e: El): number {
  if (e.end > b.length) return NaN;
  return e.size === 4 ? b.readFloatBE(e.data) : e.size === 8 ? b.readDoubleBE(e.data) : NaN;
}

interface Track {
  number: number;
  type: number;
  codec: string;
  rate?: number;
  /**
   * The rate ffmpeg's demuxer gives the decoder (its out_samplerate): the OutputSamplingFrequency when
   * one is given, else the SamplingFrequency. PCM and ACM tracks are decoded at it: µ-law blocks counted
   * at a SamplingFrequency of 8 kHz beside an OutputSamplingFrequency of 48 kHz made 20 s of what ffmpeg
   * decodes as 3.3 s, and at an ACM header's 8 kHz beside a track's 16 kHz 20 s of 10
   */
  outRate?: number;
  channels?: number;
  bitDepth?: number;
  /** Vorbis: the setup its CodecPrivate gives, or why a decoder refuses it; its packets read in order against it */
  vorbis?: VorbisSetup | string;
  vorbisPackets?: VorbisPackets;
  /** Opus: the streams a packet holds (its OpusHead's channel mapping) */
  opusStreams?: number;
  /** Opus: why a decoder refuses its OpusHead (opusHeadRefused), or its channels with none */
  opusRefused?: string;
  /** FLAC: what its CodecPrivate's STREAMINFO tells the decoder of the frames, or why it refuses it */
  flac?: FlacInfo | string;
  /** ALAC: its whole ALACSpecificConfig, to walk each packet (alac.ts), or why a decoder refuses it */
  alac?: AlacConfig | string;
  /** DTS: its core frames checked in stream order (dts.ts) */
  dts?: DtsFrames;
  /** AAC-LC or Main: its AudioSpecificConfig, to check each frame (aac.ts), or why a decoder refuses it */
  aac?: AacConfig | string;
  /** TTA: its frames walked in stream order as a decoder reads them (tta.ts), or why a decoder refuses the track */
  tta?: TtaFrames | string;
  /** TrueHD and MLP: the units checked in stream order (mlp.ts) */
  mlp?: MlpUnits;
  /**
   * A_MS/ACM: the samples its bytes hold when the format fixes them (PCM, float, G.711, GSM, G.726,
   * G.722, Yamaha ADPCM, TrueSpeech, WMA 1/2 without the bit reservoir): `samples` for every `bytes`,
   * at the track's rate (outRate); `whole` when a decoder takes only whole frames of a packet
   */
  acmBytes?: { bytes: number; samples: number; whole?: boolean };
  /** A_MS/ACM G.723.1: its channels (a frame's size is told by its first byte: packetNs) */
  acmG723?: number;
  /** A_MS/ACM Speex: the header packet after the WAVEFORMATEX, and its rate */
  acmSpeex?: { head: SpeexHead; rate: number };
  /** A_MS/ACM: its format tag's name (the codec label: the guard's rows are found by it) */
  acmName?: string;
  /** A_MS/ACM: MS or IMA ADPCM, each block's header checked as ffmpeg's decoder checks it (adpcm.ts) */
  adpcm?: Adpcm;
  /** A_MS/ACM: why ffmpeg refuses the format (no length is counted) */
  acmRefused?: string;
  /** A_QUICKTIME: its sample description's format, as ffmpeg's demuxer finds it (quickTimeFormat) */
  qtFormat?: string;
  defaultNs?: number;
  delayNs?: number;
  /** FlagDefault 0 (its default is 1) */
  notDefault?: boolean;
}

/**
 * The audio track ffmpeg decodes when told nothing (fftools' choice: a track flagged default before
 * one that is not, then the most channels, the first of those). The first audio track was counted: a
 * 600 s mono track before a 1 s stereo one, neither flagged default, counted 600 s, ffmpeg decoding
 * 0.99 s (attack round 25a, M1).
 */
function ffmpegsTrack(tracks: readonly Track[]): Track | undefined {
  const score = (t: Track): number => (t.notDefault ? 0 : 5_000_000) + (t.channels ?? 1);
  let best: Track | undefined;
  for (const t of tracks) if (t.type === 2 && (!best || score(t) > score(best))) best = t;
  return best;
}

/** Children of [from, to): each element once; stops at the end of the buffer. */
function* children(b: Buffer, from: number, to: number): Generator<El> {
  let p = from;
  while (p < to) {
    const e = element(b, p);
    if (!e) return;
    yield e;
    if (e.end === UNKNOWN) return;
    p = e.end;
  }
}

function readTracks(b: Buffer, t: El): Track[] {
  const out: Track[] = [];
  for (const te of children(b, t.data, Math.min(t.end, b.length))) {
    if (te.id !== ID.TrackEntry) continue;
    const tr: Track = { number: 0, type: 0, codec: '' };
    let alacAt: El | undefined;
    let aacAt: El | undefined;
    let vorbisAt: El | undefined;
    let acmAt: El | undefined;
    let opusAt: El | undefined;
    let flacAt: El | undefined;
    let outRate: number | undefined;
    for (const c of children(b, te.data, Math.min(te.end, b.length))) {
      if (c.end > b.length) break;
      if (c.id === ID.TrackNumber) tr.number = uint(b, c);
      else if (c.id === ID.TrackType) tr.type = uint(b, c);
      else if (c.id === ID.FlagDefault) tr.notDefault = uint(b, c) === 0;
      // (a C string to ffmpeg's demuxer: what follows a NUL is not part of it)
      else if (c.id === ID.CodecID) tr.codec = b.toString('latin1', c.data, c.end).split('\0')[0]!;
      else if (c.id === ID.CodecPrivate) {
        if (tr.codec === 'A_VORBIS') vorbisAt = c;
        if (tr.codec.startsWith('A_OPUS') && c.size > 0) opusAt = c;
        if (tr.codec === 'A_FLAC') flacAt = c;
        // ALAC's ALACSpecificConfig, bare (a decoder puts its own atom header before it: an 'alac'
        // atom here is read 12 bytes early, and refused); read once the track's channels are known
        if (tr.codec === 'A_ALAC') alacAt = c;
        if (tr.codec.startsWith('A_AAC')) aacAt = c;
        // ACM's WAVEFORMATEX (acmFormat), read once the track's rate is known
        if (tr.codec === 'A_MS/ACM' && c.data + 16 <= Math.min(c.end, b.length)) acmAt = c;
        if (tr.codec === 'A_QUICKTIME') tr.qtFormat = quickTimeFormat(b.subarray(c.data, c.end));
      } else if (c.id === ID.DefaultDuration) tr.defaultNs = uint(b, c);
      else if (c.id === ID.CodecDelay) tr.delayNs = uint(b, c);
      else if (c.id === ID.Audio) {
        for (const a of children(b, c.data, c.end)) {
          if (a.id === ID.SamplingFrequency) tr.rate = float(b, a);
          else if (a.id === ID.OutputSamplingFrequency) outRate = float(b, a);
          else if (a.id === ID.Channels) tr.channels = uint(b, a);
          else if (a.id === ID.BitDepth) tr.bitDepth = uint(b, a);
        }
      }
    }
    // (ffmpeg's matroskadec: an OutputSamplingFrequency under 0.01 is none)
    tr.outRate = outRate !== undefined && outRate >= 0.01 ? outRate : tr.rate;
    if (acmAt) Object.assign(tr, acmFormat(b, acmAt, tr.outRate));
    if (tr.codec === 'A_TRUEHD' || tr.codec === 'A_MLP') tr.mlp = new MlpUnits(tr.codec === 'A_MLP');
    if (tr.codec.startsWith('A_AAC')) tr.aac = aacTrack(tr, b, aacAt);
    if (tr.codec === 'A_ALAC')
      tr.alac = alacAt ? alacConfig(b, alacAt.data, alacAt.end, tr.channels) : alacConfig(b, -1, 0);
    if (tr.codec === 'A_VORBIS') vorbisTrack(tr, vorbisAt ? b.subarray(vorbisAt.data, vorbisAt.end) : undefined);
    if (tr.codec === 'A_FLAC' && flacAt) tr.flac = flacStreamInfo(b.subarray(flacAt.data, flacAt.end));
    if (tr.codec.startsWith('A_OPUS')) {
      // the CodecPrivate is the decoder's extradata, judged as ffmpeg's decoder judges it; with none
      // it makes one for 1 or 2 channels (the track's, 1 when not given) and refuses more
      const head = opusAt && b.subarray(opusAt.data, opusAt.end);
      // (its streams by the family and count, the magic unread, as the decoder reads them)
      tr.opusStreams = head && head.length > 19 && head[18] ? Math.max(1, head[19]!) : 1;
      tr.opusRefused = head
        ? opusHeadRefused(head)
        : (tr.channels ?? 1) > 2
          ? `Opus of ${tr.channels} channels with no OpusHead (CodecPrivate): a decoder refuses it`
          : undefined;
    }
    out.push(tr);
  }
  return out;
}

/**
 * The Matroska codec IDs ffmpeg 5.1 maps to a decoder (libavformat/matroska.c), matched as prefixes as
 * its demuxer matches them (A_AAC/MPEG4/LC is A_AAC); A_MS/ACM and A_QUICKTIME name theirs in their
 * CodecPrivate (acmFormat, quickTimeFormat).
 */
const MKV_DECODED = [
  'A_AAC',
  'A_AC3',
  'A_ALAC',
  'A_DTS',
  'A_EAC3',
  'A_FLAC',
  'A_MLP',
  'A_MPEG/L1',
  'A_MPEG/L2',
  'A_MPEG/L3',
  'A_OPUS',
  'A_PCM/FLOAT/IEEE',
  'A_PCM/INT/BIG',
  'A_PCM/INT/LIT',
  'A_QUICKTIME/QDMC',
  'A_QUICKTIME/QDM2',
  'A_REAL/14_4',
  'A_REAL/28_8',
  'A_REAL/ATRC',
  'A_REAL/COOK',
  'A_REAL/SIPR',
  'A_TRUEHD',
  'A_TTA1',
  'A_VORBIS',
  'A_WAVPACK4',
];

/**
 * The QuickTime sound formats ffmpeg 5.1 maps to a decoder (libavformat/isom_tags.c's audio table, less
 * SMV and MPEG-H, which it has no decoder for), upper-cased: ffmpeg matches them so when no exact match.
 */
const QT_DECODED = new Set(
  [
    'mp4a',
    'ac-3',
    'sac3',
    'ima4',
    'alac',
    'samr',
    'sawb',
    'dtsc',
    'dtsh',
    'dtsl',
    'dtse',
    'DTS ',
    'ec-3',
    'vdva',
    'dvca',
    'agsm',
    'ilbc',
    'MAC3',
    'MAC6',
    '.mp1',
    '.mp2',
    '.mp3',
    'mp3 ',
    'nmos',
    'NELL',
    'alaw',
    'fl32',
    'fl64',
    'ulaw',
    'twos',
    'sowt',
    'lpcm',
    'ipcm',
    'in24',
    'in32',
    'raw ',
    'NONE',
    'Qclp',
    'Qclq',
    'sqcp',
    'QDM2',
    'QDMC',
    'spex',
    'SPXN',
    'sevc',
    'fLaC',
    'mlpa',
    'Opus',
  ].map((x) => x.toUpperCase()),
);

/**
 * A_QUICKTIME's sound format as ffmpeg's demuxer finds it in the CodecPrivate (a sample description:
 * its size, then its format; one that starts with a known format is taken without the size), or
 * undefined when ffmpeg maps it to no decoder. Under 32 bytes: none. A format of zeros is raw or twos
 * PCM by its sample size (8 or 16 bits).
 */
function quickTimeFormat(priv: Buffer): string | undefined {
  if (priv.length < 32) return undefined;
  const known = (x: string): boolean => QT_DECODED.has(x.toUpperCase());
  const first = priv.toString('latin1', 0, 4);
  const format = known(first) ? first : priv.toString('latin1', 4, 8);
  if (known(format)) return format;
  if (format !== '\0\0\0\0') return undefined;
  const size = priv.readUInt16BE(known(first) ? 22 : 26);
  return size === 8 ? 'raw ' : size === 16 ? 'twos' : undefined;
}

/**
 * Why ffmpeg decodes nothing of the track whatever its blocks hold, or undefined: a codec it has no
 * decoder for (an unknown codec ID, an ACM format tag or QuickTime format it maps to none, which
 * acmFormat and quickTimeFormat find), or PCM of no rate or channels (a SamplingFrequency of 0: no
 * decoder opens; 1 MB counted 247.5 s at 4 kHz, none decoded; round 23 H2). Every other container
 * refuses a codec with no decoder; Matroska counted its blocks' steps, at most 2 s each: 25-byte blocks
 * 2 s apart, 56,000 s of 900 KB (round 23 C6).
 */
function trackRefused(tr: Track): string | undefined {
  if (tr.acmRefused) return tr.acmRefused;
  if (tr.opusRefused) return tr.opusRefused;
  if (typeof tr.flac === 'string') return tr.flac;
  const known =
    tr.codec === 'A_MS/ACM'
      ? tr.acmName !== undefined
      : tr.codec === 'A_QUICKTIME'
        ? tr.qtFormat !== undefined
        : MKV_DECODED.some((x) => tr.codec.startsWith(x));
  if (!known) return `no decoder for codec ${tr.codec || 'none'}${tr.codec === 'A_MS/ACM' ? ' (no WAVEFORMATEX)' : ''}`;
  const pcm = tr.codec.startsWith('A_PCM/') || (tr.codec === 'A_MS/ACM' && !!tr.acmBytes);
  if (pcm && (tr.outRate === 0 || tr.channels === 0))
    return `PCM of ${tr.channels ?? 1} channels at ${tr.outRate ?? 8000} Hz: a decoder refuses it`;
  return undefined;
}

/**
 * Why the track's blocks are not read here, or undefined when packetNs tells what each holds. Such a
 * track (RealAudio cook, ATRAC3 and SIPR, QuickTime QDM2 and QDMC, an ACM format other than those
 * acmFormat sizes: WMA with the bit reservoir, AAC, AC-3…) was counted by its blocks' steps, each at
 * most twice the median and 2 s: 25-byte junk blocks 2 s apart made 56,000 s of 900 KB that ffmpeg
 * decodes none of (attack round 23). A timeline is a claim no decoder checks; with no reader of the
 * blocks there is no honest count, so the track is unreadable. Asked of a block of two zero bytes,
 * before any walk: the readers that keep state across blocks (Vorbis, TTA, TrueHD) read every packet.
 */
function notRead(tr: Track): string | undefined {
  if (tr.vorbisPackets || tr.mlp || typeof tr.tta === 'object') return undefined;
  if (packetNs(Buffer.from([0, 0]), 0, 2, 0, tr) !== undefined) return undefined;
  const name =
    tr.codec === 'A_MS/ACM'
      ? `ACM format ${tr.acmName ?? 'none'}`
      : tr.codec === 'A_QUICKTIME'
        ? `QuickTime '${tr.qtFormat ?? ''}'`
        : tr.codec;
  return `${name} in Matroska is not read by leaktally: its length cannot be told from the blocks`;
}

/**
 * A_TTA1: ffmpeg's demuxer makes the decoder's header from the track's channels, BitDepth and rate,
 * and its decoder refuses samples of no whole 1 to 3 bytes (no BitDepth: nothing decoded; round 22, H12).
 */
function ttaTrack(tr: Track, durationNs: number): TtaFrames | string {
  const ch = tr.channels ?? 1;
  const rate = tr.rate ?? 8000;
  if (!tr.bitDepth || tr.bitDepth > 24) return `TTA of ${tr.bitDepth ?? 'no'} BitDepth: a decoder refuses it`;
  if (ch < 1 || ch > 16) return `TTA of ${ch} channels: a decoder refuses it`;
  if (rate < 4000 || rate > 0x7fffff) return `TTA at ${rate} Hz: a decoder refuses it`;
  // the stream's last, shorter frame, from the length ffmpeg writes in that header: the Duration's samples
  const frameLen = Math.floor((256 * rate) / 245);
  const length = Math.round((durationNs * Math.floor(rate)) / 1e9) % 2 ** 32;
  return new TtaFrames(ch, frameLen, length % frameLen);
}

/** A_MS/ACM format tags by name, as the label shows them (the guard's WMA row is found by it). */
const ACM_NAMES: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'MS-ADPCM',
  0x0003: 'FLOAT',
  0x0006: 'ALAW',
  0x0007: 'ULAW',
  0x0011: 'IMA-ADPCM',
  0x0020: 'YAMAHA-ADPCM',
  0x0022: 'TRUESPEECH',
  0x0031: 'GSM610',
  0x0042: 'G723.1',
  0x0045: 'G726',
  0x0050: 'MP2',
  0x0055: 'MP3',
  0x0064: 'G726',
  0x0160: 'WMA',
  0x0161: 'WMA',
  0x028f: 'G722',
  0xa109: 'SPEEX',
};

/**
 * WAVE_FORMAT_EXTENSIBLE's (0xFFFE) sub-format tag, as ffmpeg's riffdec takes it (wav.ts reads it so
 * too): with an extension of 22 bytes or more, from a sub-format GUID of the KSDATAFORMAT base (its
 * first two bytes the tag). ffmpeg writes 64-bit PCM in Matroska so; its other GUIDs (DFPWM's …) are
 * not read here. Undefined for any other format.
 */
function extensibleTag(b: Buffer, c: El): number | undefined {
  if (!extensibleGuid(b, c)?.endsWith('00001000800000aa00389b71')) return undefined;
  const tag = b.readUInt32LE(c.data + 24);
  return tag <= 0xffff ? tag : undefined;
}

/** An extensible format's sub-format GUID (hex, as stored), when its extension holds one. */
function extensibleGuid(b: Buffer, c: El): string | undefined {
  if (b.readUInt16LE(c.data) !== 0xfffe || c.data + 40 > Math.min(c.end, b.length)) return undefined;
  return b.readUInt16LE(c.data + 16) < 22 ? undefined : b.toString('hex', c.data + 24, c.data + 40);
}

/**
 * ACM's WAVEFORMATEX (tag, channels, rate, byte rate, block align, bits a sample, as ffmpeg's riffdec
 * reads it): the samples the bytes of a format whose bytes fix its length hold (PCM, float, G.711,
 * GSM, G.726, G.722, Yamaha ADPCM, TrueSpeech, WMA 1/2 without the bit reservoir), MS and IMA ADPCM's
 * blocks, or why ffmpeg refuses it. `trackRate` is the track's (outRate): ffmpeg's demuxer sets the
 * decoder's rate from it, not from the WAVEFORMATEX (whose rate only sizes G.726's codes).
 */
function acmFormat(
  b: Buffer,
  c: El,
  trackRate: number | undefined,
): Pick<Track, 'acmBytes' | 'acmName' | 'adpcm' | 'acmRefused' | 'acmG723' | 'acmSpeex'> {
  const tag = extensibleTag(b, c) ?? b.readUInt16LE(c.data);
  const ch = b.readUInt16LE(c.data + 2);
  const bits = tag === 6 || tag === 7 ? 8 : b.readUInt16LE(c.data + 14);
  const given = b.readUInt32LE(c.data + 4);
  const rate = Math.max(trackRate ?? 8000, 4000);
  const byteRate = b.readUInt32LE(c.data + 8);
  const align = b.readUInt16LE(c.data + 12);
  const acmName = ACM_NAMES[tag] ?? `0x${tag.toString(16).padStart(4, '0')}`;
  const refused = (why: string): ReturnType<typeof acmFormat> => ({
    acmName,
    acmRefused: `${why}: a decoder refuses it`,
  });
  // DFPWM (ffmpeg writes it as an extensible format of its own GUID): every bit a sample of a channel,
  // whatever it holds (dfpwmdec.c); counted in whole bytes a channel
  if (b.readUInt16LE(c.data) === 0xfffe && ch >= 1 && extensibleGuid(b, c) === '3ac1fa38811d4361a40dce53ca607cd1')
    return { acmName: 'DFPWM', acmBytes: { bytes: ch, samples: 8, whole: true } };
  // a tag ffmpeg maps to no decoder: its blocks were counted by their steps, 56,000 s of 900 KB that
  // ffmpeg decodes none of (round 23 C6)
  if (!ffmpegWavTag(tag)) return { acmName, acmRefused: `no decoder for codec ${acmName} (its ACM format tag)` };
  if ([1, 3, 6, 7].includes(tag) && ch >= 1) {
    // the sample sizes ffmpeg takes, the bits rounded up, as in WAV: float of 8 or 16 bits (no such
    // decoder) counted, 9-bit PCM counted at a byte a sample, twice what ffmpeg decodes (round 22, H14, M1)
    const size = Math.ceil(bits / 8);
    if (!SAMPLE_BYTES[tag === 3 ? 'FLOAT' : 'PCM'].includes(size)) return refused(`${acmName} of ${bits}-bit samples`);
    return { acmName, acmBytes: { bytes: ch * size, samples: 1 } };
  }
  if (tag === 2 || tag === 0x11) {
    // MS and IMA ADPCM: the blocks ffmpeg decodes, each header checked (adpcm.ts): blocks of random bytes
    // counted by their size, 484.7 s of 1 MB, ffmpeg decoding 1 (attack round 22, H13)
    const f = adpcmFormat(tag, ch, align, bits);
    return typeof f === 'string' ? { acmName, acmRefused: f } : { acmName, adpcm: f };
  }
  // GSM 6.10 (Microsoft's framing): a frame of block align bytes (65 when 0) holds 320 samples; a
  // decoder takes a packet's whole frames only. Counted as an untold codec by its steps, 65-byte
  // blocks 2 s apart made 20 s (36 KB) 1,000 s. ffmpeg's gsm_init refuses a block align outside 41-65
  // in steps of 3 (MSN's sizes): 64 was counted as 65, 1 h of 6.4 MB counted 3,600 s, none decoded
  // (attack round 26a, H1)
  if (tag === 0x31 && ch === 1) {
    if (align && (align < 41 || align > 65 || (align - 41) % 3)) return refused(`GSM 6.10 of block align ${align}`);
    return { acmName, acmBytes: { bytes: align || 65, samples: 320, whole: true } };
  }
  // TrueSpeech (truespeech.c): every 32 bytes of a packet are a frame of 240 samples, whatever they
  // hold (no checksum, no field refused), mono only; a packet's bytes past its last whole frame make
  // nothing. Counted by its blocks' steps (2 s each), 25-byte blocks made 56,000 s of 900 KB that ffmpeg
  // decodes none of (round 23); 1,024-byte blocks 0.128 s apart, 150 s decoded, counted 20
  if (tag === 0x22) {
    if (ch !== 1) return refused(`TrueSpeech of ${ch} channels`);
    return { acmName, acmBytes: { bytes: 32, samples: 240, whole: true } };
  }
  // G.723.1 (ffmpeg's g723_1dec): mono or stereo; a frame's size by its first byte (below)
  if (tag === 0x42) return ch === 1 || ch === 2 ? { acmName, acmG723: ch } : refused(`G.723.1 of ${ch} channels`);
  if (tag === 0xa109) {
    // Speex (ffmpeg's libspeex encoder writes it so): the header packet follows the WAVEFORMATEX, and
    // each block is a packet, walked as in Ogg (speex.ts)
    const extra = b.subarray(c.data + 18, Math.min(c.data + 18 + b.readUInt16LE(c.data + 16), c.end, b.length));
    const head = speexHead(extra);
    if (typeof head === 'string') return refused(head);
    return { acmName, acmSpeex: { head, rate: extra.readInt32LE(36) } };
  }
  if (tag === 0x45 || tag === 0x64) {
    // G.726: ffmpeg's riffdec takes the code size from the byte rate, not the bits a sample, and its
    // decoder is mono, 2 to 5 bits (wav.ts, avi.ts): the fmt's 2 bits where the byte rate gave 5 counted
    // 2.5x what ffmpeg decodes (attack round 22, H9)
    const code = given ? Math.floor((byteRate * 8) / given) : 0;
    if (ch !== 1 || code < 2 || code > 5)
      return refused(ch !== 1 ? `G.726 of ${ch} channels` : `G.726 whose byte rate gives ${code}-bit codes`);
    return { acmName, acmBytes: { bytes: code, samples: 8 } };
  }
  // G.722 and Yamaha ADPCM: a byte holds two samples (ffmpeg's decoders)
  if ((tag === 0x28f || tag === 0x20) && ch >= 1) return { acmName, acmBytes: { bytes: ch, samples: 2 } };
  if ((tag === 0x160 || tag === 0x161) && align > 0 && rate <= 50000) {
    // WMA 1/2 without the bit reservoir (its extradata's flags): a block of align bytes is a frame,
    // 512 samples to 16 kHz, 1,024 to 22.05 kHz (32 kHz for version 1), else 2,048 (ffmpeg's wma.c, at
    // the decoder's rate: the track's). Untold, 128-byte blocks 2 s apart counted 20 s (85 KB) as 1,250 s
    // (attack round 9). With the reservoir a superframe's frames are a count in its header that no
    // checksum backs: not read (below)
    const flagsAt = c.data + 18 + (tag === 0x160 ? 2 : 4);
    if (flagsAt + 2 > Math.min(c.end, b.length) || b.readUInt16LE(flagsAt) & 2) return { acmName };
    const frame = rate <= 16000 ? 512 : rate <= 22050 || (rate <= 32000 && tag === 0x160) ? 1024 : 2048;
    const perSecond = (align * rate) / frame;
    // a rate (the blocks', or the fmt's) under any WMA encoder's (acm.ts): 2-byte blocks at 4 kHz made
    // 15.6 B/s, 1 MB of junk 62,400 s where ffmpeg decodes 611 (attack round 22, C1)
    const under = wmaUnderEncoders(tag, rate, Math.min(perSecond, byteRate) * 8, 'WMA');
    if (under) return { acmName, acmRefused: under };
    return { acmName, acmBytes: { bytes: align, samples: frame, whole: true } };
  }
  if (tag === 0x162 || tag === 0x163 || tag === 0x0a) {
    // WMA Pro, Lossless and Voice: what their decoders' init refuses (acm.ts), said as in ASF; a stream
    // that passes is not read here either (its packets are walked in ASF only): notRead below
    const end = Math.min(c.end, b.length);
    const cb = c.data + 18 <= end ? b.readUInt16LE(c.data + 16) : 0;
    const extra = b.subarray(Math.min(c.data + 18, end), Math.min(c.data + 18 + cb, end));
    const f = tag === 0x0a ? wmaVoiceRefused(given, align, extra) : wmaProFormat(tag, ch, given, align, extra);
    if (typeof f === 'string') return { acmName, acmRefused: f };
  }
  // MPEG audio (MP2, MP3): its frames, read as A_MPEG's are (packetNs); any other format ffmpeg
  // decodes is not read here (notRead)
  return { acmName };
}

/**
 * A Vorbis track's setup from its CodecPrivate (x; undefined: the one read before, its walk begun
 * anew), its packets walked against it from the first; `work` is charged for the bits read.
 */
function vorbisTrack(tr: Track, x: Buffer | undefined, work?: (n?: number) => void): void {
  if (tr.codec !== 'A_VORBIS') return;
  if (x) tr.vorbis = vorbisPrivate(x);
  else tr.vorbis ??= 'a Vorbis track without its headers (CodecPrivate)';
  tr.vorbisPackets = typeof tr.vorbis === 'object' ? new VorbisPackets(tr.vorbis, work) : undefined;
}

/**
 * An A_FLAC CodecPrivate's STREAMINFO as ffmpeg 5.1 takes it: its demuxer (matroska_parse_flac) gives
 * the decoder the 34 bytes after 'fLaC' and a block header when the private data holds 42 or more and
 * its first block is STREAMINFO (the magic unread), and none otherwise (undefined: the frames alone).
 * The decoder then refuses a max block size under 16 or a depth under 4 bits, a rate of 0 decodes
 * nothing, and each frame is judged against it (a larger block or another depth: frameHead). Unread,
 * one byte made 1 h of FLAC silence in MKA (975 KB) count 3,600 s, none decoded (attack round 26a, C4).
 */
function flacStreamInfo(priv: Buffer): FlacInfo | string | undefined {
  if (priv.length < 42 || priv[4]! & 0x7f) return undefined;
  const si = priv.subarray(8, 42);
  const maxBlock = si.readUInt16BE(2);
  const rate = (si[10]! << 12) | (si[11]! << 4) | (si[12]! >> 4);
  const bps = (((si[12]! & 1) << 4) | (si[13]! >> 4)) + 1;
  if (maxBlock < 16) return `FLAC STREAMINFO max block size ${maxBlock}: a decoder refuses it`;
  if (bps < 4) return `FLAC STREAMINFO of ${bps}-bit samples: a decoder refuses it`;
  if (!rate) return 'FLAC STREAMINFO of sample rate 0: ffmpeg decodes nothing of it';
  return { bps, maxBlock };
}

/**
 * An AAC track's config as ffmpeg's Matroska demuxer hands it to the AAC decoder, whatever its object
 * type, or why that decoder refuses it: the CodecPrivate, or one made from the codec ID when there is
 * none or it is empty (matroskadec: `!track->codec_priv.size`), and the track's rate (its
 * OutputSamplingFrequency, else SamplingFrequency), which aac_decode_init refuses over 96 kHz.
 * MP4 maps the object types 32-34 and 36 (MPEG layers 1-3, ALS) to other decoders; Matroska does not,
 * and the AAC decoder refuses them: such a config counted 1 h of AAC in MKA (6.3 MB) 3,597 s, none
 * decoded (attack round 28a, C4), as did a track rate of 192 kHz (10 s of 10).
 */
function aacTrack(tr: Track, b: Buffer, at: El | undefined): AacConfig | string | undefined {
  // (ffmpeg's codecpar sample_rate is an int: the double's whole part)
  const rate = Math.trunc(tr.outRate ?? tr.rate ?? 8000);
  if (rate > 96000) return `AAC track at ${rate} Hz (over 96 kHz): a decoder refuses it`;
  if (!at || at.size <= 0) return aacByCodecId(tr);
  return aacConfig(b, at.data, at.end) ?? 'AAC config of an object type the AAC decoder refuses (or too short)';
}

/**
 * The AudioSpecificConfig a decoder makes for an AAC track with no CodecPrivate, from its codec ID
 * (A_AAC/MPEG4/LC, …/MAIN, …/LC/SBR: the profile), its rate and channels, as ffmpeg's demuxer makes
 * it: such tracks' frames were counted unchecked (round 15: 56 KB of junk counted 512 s).
 */
function aacByCodecId(tr: Track): AacConfig | string | undefined {
  const profile = tr.codec.includes('MAIN') ? 1 : tr.codec.includes('LC') ? 2 : tr.codec.includes('SSR') ? 3 : 4;
  const sri = AAC_RATES.indexOf(tr.rate ?? 0);
  // (a rate not in the table: a decoder is given an index it refuses)
  if (sri < 0) return `AAC at ${tr.rate ?? 'no'} Hz with no AudioSpecificConfig: a decoder refuses it`;
  const asc = Buffer.from([(profile << 3) | (sri >> 1), ((sri & 1) << 7) | ((tr.channels ?? 1) << 3)]);
  return aacConfig(asc, 0, 2);
}

const HEAD = 256 * 1024;
const TAIL_MAX = 4 * 1024 * 1024;

function codecLabel(doc: string, track: Track): string {
  const codec = track.codec;
  // ACM by its format tag, WavPack by its name: the guard's WMA and WavPack rows are found by them
  // (MKA/MS and MKA/WAVPACK4 had the generic floor; attack round 22, C1 and C6)
  if (codec === 'A_MS/ACM' && track.acmName) return `${doc}/${track.acmName}`;
  if (codec === 'A_WAVPACK4') return `${doc}/WAVPACK`;
  // MPEG audio by its layer (A_MPEG/L3 is MP3): the guard's floor for MPEG audio is found by that name
  const layer = /^A_MPEG\/L([123])$/.exec(codec);
  if (layer) return `${doc}/MP${layer[1]}`;
  const c = codec
    .replace(/^A_/, '')
    .split('/')[0]!
    .replace(/[^A-Z0-9]+/gi, '-')
    .toUpperCase();
  return `${doc}/${c || 'UNKNOWN'}`;
}

interface Blocks {
  lastEnd: number;
  firstStart?: number;
  gaps: number[];
  /** consecutive blocks whose time step was judged against the audio they hold */
  pairs: number;
  /** of those, the steps no longer than the earlier block's audio (and one unit of rounding) */
  inStep: number;
  /** the timeline's ns per ns of audio, from the steps judged (its smallest) */
  ratio?: number;
  /** the audio the track's blocks hold (packetNs), and those blocks' bytes */
  audioNs: number;
  audioBytes: number;
  /** blocks of the track whose audio could not be told (laced, or a codec not read) */
  untold: number;
  /** where the cluster ends (its size, or the next cluster of an unknown-size one) */
  end: number;
}

/**
 * The audio one block of the track holds, in ns, read from the packet itself where the codec
 * says it cheaply (at most, where it cannot be told exactly): an Opus packet's TOC byte (RFC 6716,
 * 3.1), an AAC frame's samples at the track's rate, PCM's bytes at its rate, channels and depth,
 * MPEG audio's, AC-3's and DTS's frame headers, a FLAC frame's header, ALAC's frame length, a WavPack
 * block's count, a TTA frame's length (at most a sample a bit), TrueHD's access units; undefined for other codecs and for laced blocks
 * whose lacing does not fit.
 */
function packetNs(b: Buffer, data: number, end: number, flags: number, track: Track): number | undefined {
  if (data >= b.length) return undefined;
  if (flags & 0x06) {
    // laced: each frame's own audio (a lace of one frame made a block's audio untold, and a forged
    // timeline was believed; attack round 6); PCM's bytes are its samples whatever the frames
    if (bytesAreSamples(track)) return packetNs(b, data + 1, end, 0, track);
    const frames = laceFrames(b, data, end, flags & 0x06);
    if (!frames) return undefined;
    let ns = 0;
    for (const [from, to] of frames) {
      const one = from < to ? packetNs(b, from, to, 0, track) : 0;
      if (one === undefined) return undefined;
      ns += one;
    }
    return ns;
  }
  // Opus: what the packet holds as ffmpeg reads it (opus.ts), none where it refuses it: a packet of
  // 63 frames of 60 ms (attack round 7) or a code-1 packet of an odd length (round 22 C5d)
  // (A_OPUS/EXPERIMENTAL too, early mkvmerge's: ffmpeg's demuxer matches codec IDs as prefixes)
  if (track.codec.startsWith('A_OPUS'))
    return (opusPacketSamples(b, data, end - data, track.opusStreams) / 48000) * 1e9;
  // MPEG audio: its frames' samples, each header walked (a block holds one or a few frames); a block
  // read only in part counts the frames read (at the pace of that part, one frame and 600 KB of zeros
  // counted 75 s; attack round 11a). MP2 and MP3 in ACM (tags 0x50, 0x55) are ffmpeg's same decoders
  if (/^A_MPEG\/L[123]$/.test(track.codec) || (track.codec === 'A_MS/ACM' && /^MP[23]$/.test(track.acmName ?? ''))) {
    let p = data;
    let s = 0;
    for (let f = frameAt(b, p); f && p + f.size <= Math.min(end, b.length); f = frameAt(b, p)) {
      s += frameSeconds(b, p, f);
      p += f.size;
    }
    return s * 1e9;
  }
  // AC-3 and E-AC-3: their frames' samples (independent frames), each header walked as MPEG's are and each frame's CRC checked
  // (A_AC3/BSID9 and /BSID10, mkvmerge's half- and quarter-rate AC-3, too: ffmpeg matches the prefix)
  if (track.codec.startsWith('A_AC3') || track.codec === 'A_EAC3') {
    let p = data;
    let s = 0;
    for (let f = ac3Frame(b, p, end); f; f = ac3Frame(b, p, end)) {
      if (f.independent) s += f.samples / f.rate;
      p += f.size;
    }
    return s * 1e9;
  }
  // ALAC: a packet is a frame, walked as a decoder walks it (alac.ts): its samples, or none when a
  // decoder refuses it (junk packets of a 65,536-sample frame length counted 6.8 h from 356 KB;
  // attack round 14a). A packet read only in part (a block past packetAudio's budget) is counted as
  // before: its config's frame length, or a partial frame's count, none under 8 + 8 bytes a channel
  if (track.codec === 'A_ALAC' && typeof track.alac === 'object' && track.alac.frameLength <= 65536) {
    const rate = Math.max(track.rate ?? 0, 4000);
    if (end <= b.length) return (alacPacketSamples(b, data, end, track.alac) / rate) * 1e9;
    if (end - data < 8 + 8 * (track.channels || 1)) return 0;
    let n = track.alac.frameLength;
    const bit = (i: number): number => (b[data + (i >> 3)]! >> (7 - (i & 7))) & 1;
    if (data + 7 <= Math.min(end, b.length) && bit(19)) {
      let count = 0;
      for (let i = 23; i < 55; i++) count = count * 2 + bit(i);
      n = Math.min(n, count);
    }
    return (n / rate) * 1e9;
  }
  // DTS: its core frames' samples (blocks of 32 at the header's rate), each header walked; a frame
  // must fit its packet and be one a decoder takes (at least 6 blocks, 96 bytes). A DTS-HD packet's
  // extension substream follows its core and adds no samples; a packet of a substream alone (DTS
  // Express) is not read here: untold, it holds nothing (a track of such packets alone is unreadable,
  // probeTimeline). Anything else holds nothing
  if (track.codec.startsWith('A_DTS')) {
    const stop = Math.min(end, b.length);
    let p = data;
    let s = 0;
    // (each frame checked as a decoder takes it, walked whole at first and then spot-checked: dts.ts)
    const dts = (track.dts ??= new DtsFrames());
    for (let f = dts.frame(b, p, stop); f; f = dts.frame(b, p, stop)) {
      s += f.seconds;
      p += f.size;
    }
    if (p === data && p + 4 <= stop && b.readUInt32BE(p) === 0x64582025) return undefined;
    return s * 1e9;
  }
  // WavPack (Matroska strips each block's 'wvpk' header down to its sample count, then flags and CRC):
  // the block's samples, when its first block's metadata (id, size in words) fills it exactly and
  // holds a bitstream (or DSD) as a decoder needs; a count over ffmpeg's WV_MAX_SAMPLES, or junk, holds nothing
  if (track.codec === 'A_WAVPACK4') {
    const stop = Math.min(end, b.length);
    if (data + 12 > stop) return 0;
    const samples = b.readUInt32LE(data);
    const flags = b.readUInt32LE(data + 4);
    let p = data + 12;
    let to = end;
    if ((flags & 0x1800) !== 0x1800) {
      if (p + 4 > stop) return 0;
      to = p + 4 + b.readUInt32LE(p);
      p += 4;
    }
    if (to > end || samples > 150_000) return 0;
    // its sub-blocks as a decoder needs them (lossless.ts's rule for .wv files: a bitstream alone, with
    // no decorrelation terms, weights, samples or entropy variables, counted 70,312 s of 950 KB where
    // ffmpeg decodes none; attack round 22, C6)
    const at = (q: number, len: number): Buffer => b.subarray(q, Math.min(q + len, stop));
    return holdsStream(at, p, to, flags, undefined, Math.min(to, stop))
      ? (samples / Math.max(track.rate ?? 0, 4000)) * 1e9
      : 0;
  }
  // TTA: a frame is 256/245 s of samples (the last shorter), its codes walked as a decoder reads
  // them (tta.ts): at a bit a sample, blocks of random bytes counted 940 s of 950 KB, none decoded (round 22, H12)
  if (track.codec === 'A_TTA1' && typeof track.tta === 'object')
    return (track.tta.samples(b, data, end) / Math.max(track.rate ?? 8000, 4000)) * 1e9;
  // TrueHD and MLP: access units of 1/1,200 s each (40 samples at 48 kHz, 1/1,102.5 s at 44.1 kHz's
  // family, as the major sync says), each its 12-bit length in 16-bit words walked and checked as a
  // decoder checks it (mlp.ts): none counts before a major sync whose CRC and fields hold
  if (track.mlp) return track.mlp.seconds(b, data, Math.min(end, b.length)) * 1e9;
  // FLAC: a frame a block, its header's block size (its CRC-8 checked: a decoder drops a bad one)
  if (track.codec === 'A_FLAC') {
    const h = frameHead(b, data, 0, b.length, typeof track.flac === 'object' ? track.flac : undefined);
    return h ? (h.blockSize / Math.max(h.rate ?? track.rate ?? 0, 4000)) * 1e9 : 0;
  }
  // AAC without a config: 1,024 samples a frame at the core rate; a muxer may write HE-AAC's doubled
  // output rate, so 2,048 (the most a frame can be at the rate given): a forged timeline is then counted at most 2x
  // AAC-LC with its AudioSpecificConfig: a frame is 1,024 (or 960) samples at the core's rate, with
  // SBR or without, and one a decoder refuses holds nothing (aac.ts)
  if (typeof track.aac === 'object' && track.codec.startsWith('A_AAC')) {
    if (end <= b.length && !aacFrameHolds(b, data, end, track.aac)) return 0;
    // (an error-resilient frame is played at the rate the demuxer gives the decoder, here the track's,
    // not the core's: ER AAC-LC of 16 kHz in a track of 96 kHz counted 10.06 s, 1.67 s decoded)
    const rate = track.aac.er ? Math.trunc(track.outRate ?? 8000) || track.aac.rate : track.aac.rate;
    return (track.aac.frame / rate) * 1e9;
  }
  if (track.codec.startsWith('A_AAC') && track.rate && track.rate >= 4000) return (2048 / track.rate) * 1e9;
  // Vorbis: each packet read as the decoder reads it, in order (vorbis.ts): what it makes of it; a
  // packet read only in part (past packetAudio's budget) holds nothing
  if (track.vorbisPackets) {
    if (end > b.length) return 0;
    return (track.vorbisPackets.samples(b.subarray(data, end)) / Math.max(track.rate ?? 0, 4000)) * 1e9;
  }
  // PCM: every byte is a sample's; 4,000 Hz is the guard's lowest rate (a forged lower one is refused there)
  const size = pcmSampleBytes(track);
  if (size) {
    const perSecond = Math.max(track.outRate ?? 0, 4000) * (track.channels || 1) * size;
    return ((end - data) / perSecond) * 1e9;
  }
  // RealAudio 1.0 (14_4) and 2.0 (28_8): frames of 20 and 38 bytes, 160 samples at 8 kHz each (ffmpeg's
  // decoders): 1,001 blocks of 20 bytes 2 s apart counted 20 s (27 KB) as 2,002 s, an untold codec's steps
  if (track.codec === 'A_REAL/14_4' || track.codec === 'A_REAL/28_8')
    return ((end - data) / (track.codec === 'A_REAL/14_4' ? 20 : 38)) * 0.02 * 1e9;
  // PCM, G.711 or ADPCM in ACM (ffmpeg writes µ-law, A-law, ADPCM so): its bytes at the track's rate
  // (whole frames of a packet for GSM, TrueSpeech and WMA). Counted by their steps, blocks of 80 bytes
  // 2 s apart made 20 s of µ-law (174 KB) 4,000 s (attack round 8)
  if (track.codec === 'A_MS/ACM' && track.acmBytes) {
    const { bytes, samples, whole } = track.acmBytes;
    const frames = whole ? Math.floor((end - data) / bytes) : (end - data) / bytes;
    return ((frames * samples) / Math.max(track.outRate ?? 8000, 4000)) * 1e9;
  }
  // G.723.1 in ACM: a block's frames as ffmpeg's decoder takes them, 240 samples each, a frame's size
  // (times the channels) told by its first byte's low bits (24, 20, 4 or 1 bytes; a SID or an
  // untransmitted frame decodes too): a block's bytes past its last whole frame make nothing
  if (track.codec === 'A_MS/ACM' && track.acmG723) {
    const stop = Math.min(end, b.length);
    let frames = 0;
    for (let p = data, size; p < stop && p + (size = G723_FRAME[b[p]! & 3]! * track.acmG723) <= stop; p += size)
      frames++;
    return ((frames * 240) / Math.max(track.outRate ?? 8000, 4000)) * 1e9;
  }
  // Speex in ACM: what its decoder makes of the packet (every frame or none), at the header's rate or
  // the track's, whichever is higher (never more than either says)
  if (track.codec === 'A_MS/ACM' && track.acmSpeex) {
    const { head, rate } = track.acmSpeex;
    if (end > b.length) return 0;
    const samples = speexPacketSamples(b.subarray(data, end), head);
    return (samples / Math.max(rate, track.outRate ?? 8000, 4000)) * 1e9;
  }
  // MS and IMA ADPCM in ACM: a block is a packet, its ADPCM blocks decoded up to the first a decoder refuses (adpcm.ts)
  if (track.codec === 'A_MS/ACM' && track.adpcm) {
    const blocks = packetBlocks(b, data, Math.min(end, b.length), track.adpcm);
    // (at the track's SamplingFrequency, 8 kHz when none, as ffmpeg's demuxer sets the stream's rate)
    return ((blocks * track.adpcm.samples) / Math.max(track.outRate ?? 8000, 4000)) * 1e9;
  }
  return undefined;
}

/** G.723.1's frame sizes by the low two bits of a frame's first byte (6.3 kbit/s, 5.3, SID, untransmitted). */
const G723_FRAME = [24, 20, 4, 1];

/**
 * Bytes of an A_PCM sample as ffmpeg's demuxer takes it: float is 32-bit (64 at BitDepth 64)
 * whatever BitDepth says; integers are 8, 24 or 32 bits by BitDepth, 16 for any other. BitDepth 8
 * float counted 4x, and 12-bit integers (sized at a byte) 2x, what ffmpeg decodes (round 22, H14, M1).
 * No BitDepth is any other (16 bits, float 32): such blocks were counted by their steps, 2x and 4x
 * what ffmpeg decodes of 1,000-byte blocks 125 ms apart (round 24).
 */
function pcmSampleBytes(track: Track): number | undefined {
  if (!track.codec.startsWith('A_PCM/')) return undefined;
  if (track.codec === 'A_PCM/FLOAT/IEEE') return track.bitDepth === 64 ? 8 : 4;
  return ({ 8: 1, 24: 3, 32: 4 } as Record<number, number>)[track.bitDepth ?? 16] ?? 2;
}

/**
 * The frames of a laced block ([start, end) each), data at its frame count: Xiph lacing (sizes as
 * runs of 255), EBML (a size, then signed differences), fixed (equal sizes); undefined when the sizes
 * do not fit the block.
 */
function laceFrames(b: Buffer, data: number, end: number, lacing: number): [number, number][] | undefined {
  const n = b[data]! + 1;
  const sizes: number[] = [];
  let p = data + 1;
  if (lacing === 0x02) {
    for (let i = 0; i < n - 1; i++) {
      let size = 0;
      for (;;) {
        if (p >= Math.min(end, b.length)) return undefined;
        const x = b[p++]!;
        size += x;
        if (x !== 255) break;
      }
      sizes.push(size);
    }
  } else if (lacing === 0x06) {
    for (let i = 0; i < n - 1; i++) {
      const v = p < end ? trackNumber(b, p) : undefined; // a vint, read as the track number is
      if (!v || v.next > end) return undefined;
      const len = v.next - p;
      const value = i === 0 ? v.value : sizes[i - 1]! + v.value - (2 ** (7 * len - 1) - 1);
      if (value < 0) return undefined;
      sizes.push(value);
      p = v.next;
    }
  } else {
    if ((end - p) % n) return undefined;
    for (let i = 0; i < n - 1; i++) sizes.push((end - p) / n);
  }
  const out: [number, number][] = [];
  for (const size of sizes) {
    if (p + size > end) return undefined;
    out.push([p, p + size]);
    p += size;
  }
  out.push([p, end]);
  return out;
}

/**
 * The search for the last cluster, kept linear. Each place where a Cluster ID occurs in the tail is
 * tried, from the end, and parsed forward; a hostile tail hides a Cluster ID in every small Void
 * (`EC 85 1F 43 B6 75 FF` repeated), so that each try walks the same elements to the end again:
 * quadratic (1 MiB took a minute). Every element is marked when first parsed; the elements parsed
 * again by a later try are counted, and once they outnumber the tail's bytes the tail is taken for
 * what it is. A real file's tries meet a parsed element only when a false start inside a block
 * happens to fall in step with the real elements, so it never comes near the limit. Total work:
 * at most twice the tail's bytes in element steps.
 */
interface Search {
  seen: Uint8Array;
  again: number;
  work: Work;
}

class FalseStarts extends Error {}

/** One element parsed at q by the search: counted, and counted again when an earlier try parsed it. */
function step(search: Search, q: number): void {
  search.work.tick();
  if (!search.seen[q]) search.seen[q] = 1;
  else if (++search.again > search.seen.length) throw new FalseStarts();
}

/**
 * Blocks of the track in the cluster at p: the end time (in timecode units) of its last complete
 * block. Returns undefined when p is not a cluster with a timecode.
 */
function clusterBlocks(b: Buffer, p: number, track: Track, scale: number, search?: Search): Blocks | undefined {
  const cl = element(b, p);
  if (cl?.id !== ID.Cluster) return undefined;
  const to = cl.end === UNKNOWN ? b.length : Math.min(cl.end, b.length);
  let tc: number | undefined;
  const out: Blocks = { lastEnd: -1, gaps: [], pairs: 0, inStep: 0, audioNs: 0, audioBytes: 0, untold: 0, end: to };
  let prev: number | undefined;
  let prevNs: number | undefined;
  const defaultUnits = track.defaultNs ? track.defaultNs / scale : undefined;
  for (let q = cl.data; q < to;) {
    if (search) step(search, q);
    const e = element(b, q);
    if (!e || e.end === UNKNOWN) break;
    if (e.id === ID.Cluster) {
      out.end = q; // next cluster of an unknown-size one
      break;
    }
    if (e.end > b.length) break; // cut off: this element is incomplete
    if (e.id === ID.Timecode) tc = uint(b, e);
    else if ((e.id === ID.SimpleBlock || e.id === ID.BlockGroup) && tc !== undefined) {
      let blk = e;
      let dur: number | undefined;
      if (e.id === ID.BlockGroup) {
        let found: El | undefined;
        for (const c of children(b, e.data, e.end)) {
          if (search) step(search, c.start);
          if (c.id === ID.Block) found = c;
          else if (c.id === ID.BlockDuration) dur = uint(b, c);
        }
        if (!found) {
          q = e.end;
          continue;
        }
        blk = found;
      }
      const num = trackNumber(b, blk.data);
      if (num?.value === track.number && num.next + 2 <= b.length) {
        const t = tc + b.readInt16BE(num.next);
        out.firstStart ??= t;
        if (prev !== undefined && t > prev) {
          out.gaps.push(t - prev);
          if (prevNs !== undefined) {
            const stepNs = (t - prev) * scale;
            out.pairs++;
            if (stepNs <= prevNs * 1.5 + scale) out.inStep++;
            out.ratio = Math.min(out.ratio ?? Infinity, stepNs / prevNs);
          }
        }
        prev = t;
        prevNs = num.next + 3 < blk.end ? packetNs(b, num.next + 3, blk.end, b[num.next + 2]!, track) : undefined;
        if (prevNs === undefined) out.untold++;
        else {
          out.audioNs += prevNs;
          out.audioBytes += blk.end - blk.start;
        }
        const d = dur ?? defaultUnits ?? (out.gaps.length ? out.gaps[out.gaps.length - 1]! : 0);
        out.lastEnd = Math.max(out.lastEnd, t + d);
      }
    }
    q = e.end;
  }
  return tc === undefined ? undefined : out;
}

function trackNumber(b: Buffer, p: number): { value: number; next: number } | undefined {
  const f = b[p];
  if (f === undefined) return undefined;
  let l = 1;
  while (l <= 8 && !(f & (0x100 >> l))) l++;
  if (l > 4 || p + l > b.length) return undefined;
  let v = f & (0xff >> l);
  for (let i = 1; i < l; i++) v = v * 256 + b[p + i]!;
  return { value: v, next: p + l };
}

export function probeMatroska(src: FileSource): ProbeResult | undefined {
  const r = probeTimeline(src);
  if (!r) return r;
  const { timeline, held, ...out } = r;
  if (out.kind !== 'audio' || out.seconds === undefined) return out;
  const notes: string[] = [];
  let seconds = out.seconds;
  if (timeline !== undefined) {
    seconds /= timeline;
    notes.push(
      `the block times step ${timeline.toFixed(1)}x the audio the blocks hold (a forged TimecodeScale or timecodes): counted at the audio's pace`,
    );
  }
  const bytes = held && heldByBytes(src, held, seconds);
  if (bytes?.note === NO_CLUSTER) return { kind: 'unreadable', codec: out.codec, error: NO_CLUSTER };
  if (bytes) {
    seconds = bytes.seconds;
    notes.push(bytes.note);
  }
  if (!notes.length) return out;
  const note = notes.join('; ');
  return { ...out, seconds, error: out.error ? `${note}; ${out.error}` : note };
}

/**
 * A file in which ffmpeg finds no Cluster opens nothing (matroska_read_header resyncs to the end of the
 * file looking for one), whatever its Duration says.
 */
const NO_CLUSTER = 'no Cluster found in the file (ffmpeg finds none to decode): its Duration is a claim';

/** What the blocks read hold, to judge the timeline by the bytes (heldByBytes). */
interface Held {
  /** where the first cluster starts */
  from: number;
  track: Track;
  /** every TrackEntry's number: a block of another is ffmpeg's error, and a resync (packetAudio) */
  numbers: ReadonlySet<number>;
  scale: number;
  /** the audio the blocks read (first and last cluster) hold, and their bytes */
  ns: number;
  bytes: number;
}

/**
 * Read whole (a window at a time), to count what the packets hold, up to this size; a larger file
 * (a film with an audio track) is estimated from the rate of its first and last clusters.
 */
// (1 GiB: a file over 64 MiB, judged by its first and last clusters, counted 750 h for 64 s, round 19)
const WHOLE_MAX = 1024 * 1024 * 1024;
/** How far a large file's timeline may run past what its bytes hold at its blocks' rate before it is doubted. */
const SLACK = 2;
/** A file too large to read whole is counted at most this many times what its bytes hold at that rate. */
const SLACK_LARGE = 8;

/**
 * A timeline the file's audio cannot hold. With no Duration the length is the last cluster's
 * timecode, and a Duration is a claim too: a timecode forged in the tail (2 bytes) made 20 s of Opus
 * (48 KB) count 600 s with every block step in step (attack round 5); the first and last clusters are
 * the forger's to fill, so their byte rate is no measure of the file (a second of 1-byte packets at
 * each end made 45 KB seem to hold 129 s, and 25.7 s counted 252 s; attack round 6). So a file up to
 * WHOLE_MAX is walked block by block, as a decoder would, and a timeline more than a second past the
 * audio its packets hold is counted by those packets, as a decoder makes no more (a block of a codec
 * not read counts its step, capped: packetAudio). Twice that was allowed until round 19 put a junk
 * block between real ones: 16,718 s counted, 8,359 decoded. The cost is one read of
 * the file (an honest 14 MiB live WebM: ~15 ms more; docs/durations.md). A larger one is judged by the bytes a second of audio takes
 * in the blocks seen: more than SLACK times what the file's bytes hold at that rate, it is counted at
 * most SLACK_LARGE times that.
 */
function heldByBytes(src: FileSource, h: Held, seconds: number): { seconds: number; note: string } | undefined {
  if (src.size <= WHOLE_MAX) {
    const { seconds: whole, clusters } = packetAudio(src, h);
    if (!clusters) return { seconds: 0, note: NO_CLUSTER };
    if (seconds <= whole + 1) return undefined;
    return {
      seconds: whole,
      note: `the block times say ${seconds.toFixed(1)} s, more than the audio its packets hold (gaps, junk blocks or forged timecodes?): counted the audio its packets hold`,
    };
  }
  // too little seen to judge
  if (h.ns < 1e9 || h.bytes <= 0) return { seconds, note: 'the block times, the file too large to walk (estimate)' };
  const perSecond = h.bytes / (h.ns / 1e9);
  // a sparse file's holes hold no blocks: its allocated bytes are what can, and no more than what they
  // hold is counted (20 s of Opus, a hole to 100 MiB and a last cluster 1,200 s on, 110 KB allocated,
  // counted 1,202 s; attack round 13a). A partial download is such a file.
  const sparse = src.allocated !== undefined && src.allocated < src.size;
  const capacity = Math.max(0, (sparse ? src.allocated : src.size) - h.from) / perSecond;
  const estimate = `the block times, the file too large to walk (estimate: its bytes hold about ${capacity.toFixed(1)} s at its first and last clusters' rate)`;
  if (seconds <= (sparse ? capacity : SLACK * capacity) + 1) return { seconds, note: estimate };
  const bound = sparse ? capacity : SLACK_LARGE * capacity + 1;
  if (seconds <= bound) return { seconds, note: estimate };
  return {
    seconds: bound,
    note: sparse
      ? `the block times say ${seconds.toFixed(1)} s, more than the file's ${src.allocated} allocated bytes hold at its blocks' rate: counted that, about ${capacity.toFixed(1)} s`
      : `the block times say ${seconds.toFixed(1)} s, more than the file's bytes hold at its blocks' rate (about ${capacity.toFixed(1)} s; forged timecodes?): counted at most ${SLACK_LARGE}x that`,
  };
}

/** What packetAudio reads at a time: memory stays bounded whatever the file's size. */
const WINDOW = 1024 * 1024;
/** A block larger than this is read on its own, not from the window. */
const BIG_BLOCK = WINDOW / 2;
/**
 * Such blocks are read whole, up to this many bytes of them a file (~0.1 s of reading); past that a
 * block counts the frames of its first BLOCK_HEAD bytes. They were sized at the pace of their head:
 * one MP3 frame and 600 KB of zeros counted 75 s a block, 2.4 MB 300 s, ffmpeg decoding 0.13 s
 * (attack round 11a; MP4's samples had the same flaw, round 10a).
 */
const BIG_BLOCKS_MAX = 16 * 1024 * 1024;
const BLOCK_HEAD = 64 * 1024;

/**
 * The Segment's top-level elements (4-byte IDs) ffmpeg's matroskadec looks for when it resyncs
 * (matroska_resync): Info, Tracks, Cues, Tags, SeekHead, Attachments, Cluster, Chapters.
 */
const LEVEL1 = [ID.Info, ID.Tracks, 0x1c53bb6b, 0x1254c367, 0x114d9b74, 0x1941a469, ID.Cluster, 0x1043a770];
const LEVEL1_IDS = LEVEL1.map((id) => Buffer.from([id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]));
/** The elements matroskadec knows inside a Cluster (Timecode, Position, PrevSize, blocks, Void, CRC-32): its last good place moves to them. */
const CLUSTER_KNOWN = new Set([ID.Timecode, 0xa7, 0xab, ID.SimpleBlock, ID.BlockGroup, 0xec, 0xbf]);

/**
 * Where the next top-level ID starts at or after `from` (a file offset), or -1: ffmpeg's resync scans
 * the bytes for one after an element it cannot read, wherever it is (in a block's data too), and reads
 * on from there. Each window is searched once per ID; the scans of one walk do not overlap (each starts
 * past the place the one before found), so the walk stays linear.
 */
function nextLevel1(src: FileSource, from: number): number {
  for (let at = from; at + 4 <= src.size; at += WINDOW - 3) {
    const buf = src.read(at, WINDOW);
    src.work.tick(buf.length >> 12);
    let found = -1;
    for (const id of LEVEL1_IDS) {
      const i = buf.indexOf(id);
      if (i >= 0 && (found < 0 || i < found)) found = i;
    }
    if (found >= 0) return at + found;
    if (buf.length < WINDOW) break;
  }
  return -1;
}

/**
 * The audio every block of the track holds (packetNs), the file walked from its first cluster (or,
 * when none is found in the head, from the Segment's first element) a window at a time, as ffmpeg's
 * matroskadec reads it: top-level elements stepped over by their size, clusters entered, a child
 * that runs past its cluster's size ends it in error, a known-size cluster ends at its size, an
 * unknown-size one at the next top-level ID; a block counted once its cluster's Timecode is seen and
 * all of it is in the file. Where an element cannot be read (an ID or a size that is not one, an
 * element past the end of the file or of its cluster) ffmpeg scans on from just past the last element
 * it read well for the next top-level ID (matroska_resync), skipping what lies between: so does this.
 * It gave up at the first such element, and only when a first cluster was found in the head, so a
 * file whose Cluster IDs were damaged had its Duration counted: ffmpeg's 10 s header before 1 MB of
 * random bytes 72,037 s, none decoded; ffmpeg's own 600 s file with every Cluster ID but the last
 * damaged 600 s, 0.96 s decoded (attack round 25a, C2). Linear: each step moves past an element's
 * header, and the resync scans do not overlap. A block whose audio packetNs cannot tell (lacing that
 * does not fit, a DTS Express packet) holds nothing: its step to the next block was counted, at most
 * twice the median step and 2 s, until round 23's 25-byte junk blocks 2 s apart made 56,000 s of
 * 900 KB (a track of a codec not read is now unreadable: notRead). Written by hand for the same reason
 * as the rest of this file: no library walks Matroska's blocks.
 */
function packetAudio(src: FileSource, h: Held): { seconds: number; clusters: number } {
  // the file offset of buf[0]; a file the head holds whole is not read again
  const inHead = src.head.length === src.size;
  let base = inHead ? 0 : h.from;
  let buf = inHead ? src.head : src.read(base, WINDOW);
  let p = inHead ? h.from : 0;
  let tc: number | undefined;
  let ns = 0;
  let steps = 0;
  let clusters = 0;
  /** the cluster entered (its end: a file offset, Infinity for an unknown size), or undefined at the top level */
  let clusterEnd: number | undefined;
  /** where the last element read well starts (ffmpeg's resync_pos) */
  let good = base + p;
  // a stream's units are checked in order from its first (mlp.ts), as are Vorbis's packets
  h.track.mlp?.reset();
  if (typeof h.track.tta === 'object') h.track.tta.reset();
  vorbisTrack(h.track, undefined, (n) => src.work.tick(n));
  let bigRead = 0;
  const at = (q: number): void => {
    src.work.tick(steps);
    steps = 0;
    base += q;
    buf = src.read(base, WINDOW);
    p = 0;
  };
  /** an element not read: on at the next top-level ID past the last good element, or the end */
  const resync = (): boolean => {
    const next = nextLevel1(src, good + 1);
    if (next < 0) return false;
    clusterEnd = undefined;
    good = next;
    at(next - base);
    return true;
  };
  for (;;) {
    // an element's header (at most 12 bytes) and a block's own header are always in the window
    if (p > 0 && buf.length - p < 64 && base + buf.length < src.size) at(p);
    if (base + p >= src.size) break;
    const e = element(buf, p);
    steps++;
    if (!e) {
      if (resync()) continue;
      break;
    }
    if (clusterEnd === undefined) {
      if (e.id === ID.Cluster) {
        // a cluster's size may be unknown (a live recording's): entered whatever its size says
        clusters++;
        good = base + e.start;
        clusterEnd = e.end === UNKNOWN ? Infinity : base + e.end;
        tc = undefined;
        p = e.data;
        continue;
      }
      if (LEVEL1.includes(e.id) || e.id === 0xec || e.id === 0xbf) good = base + e.start;
      if (e.end === UNKNOWN || base + e.end > src.size) {
        if (resync()) continue;
        break;
      }
      p = e.end;
    } else {
      // an unknown-size cluster ends at the next top-level element (read again at the top level)
      if (clusterEnd === Infinity && LEVEL1.includes(e.id)) {
        clusterEnd = undefined;
        continue;
      }
      if (CLUSTER_KNOWN.has(e.id)) good = base + e.start;
      // a child of unknown size, past the file or past its cluster: matroskadec's error, and a resync
      if (e.end === UNKNOWN || base + e.end > Math.min(src.size, clusterEnd)) {
        if (resync()) continue;
        break;
      }
      if (e.id === ID.Timecode) tc = uint(buf, e);
      else if ((e.id === ID.SimpleBlock || e.id === ID.BlockGroup) && tc !== undefined) {
        let b = buf;
        let el = e;
        if (e.size > BIG_BLOCK) {
          // read whole up to the budget, then its first bytes (the element at 0, its end beyond them)
          const whole = bigRead + e.end - e.start <= BIG_BLOCKS_MAX;
          if (whole) bigRead += e.end - e.start;
          src.work.tick(whole ? (e.end - e.start) >> 12 : 1);
          b = src.read(base + e.start, whole ? e.end - e.start : BLOCK_HEAD);
          el = { ...e, start: 0, data: e.data - e.start, end: e.end - e.start };
        } else if (e.end > buf.length) {
          if (e.start === 0) break; // the file is shorter than it was (a window starting here ends before the block)
          at(e.start);
          continue;
        }
        // A block of a track no TrackEntry has, or of this track with lacing ffmpeg cannot parse, is
        // matroska_parse_block's error: ffmpeg resyncs at the next top-level ID and the rest of the
        // cluster is lost. It was stepped over as another track's, the rest counted: one byte changed
        // a cluster of a 1 h WebM counted 3,585.7 s, 15.0 decoded (attack round 25c C2)
        if (blockRefused(b, el, h)) {
          if (resync()) continue;
          break;
        }
        // a block whose audio packetNs cannot tell (a DTS Express packet) is one a demuxer drops, and
        // holds nothing; one such block made the whole walk give up (attack round 7)
        ns += groupAudio(b, el, h.track)?.ns ?? 0;
      }
      p = e.end;
      // a known-size cluster's last child ends it
      if (base + p === clusterEnd) clusterEnd = undefined;
    }
    if (p >= buf.length) {
      if (base + p >= src.size) break;
      at(p);
    }
  }
  src.work.tick(steps);
  return { seconds: ns / 1e9, clusters };
}

/** A SimpleBlock itself, or a BlockGroup's Block (undefined: a group with none). */
function blockOf(b: Buffer, e: El): El | undefined {
  if (e.id !== ID.BlockGroup) return e;
  return [...children(b, e.data, Math.min(e.end, b.length))].find((c) => c.id === ID.Block);
}

/** A block ffmpeg's matroska_parse_block refuses (its cluster then lost): of no TrackEntry's number, or of the track with lacing it cannot parse. */
function blockRefused(b: Buffer, e: El, h: Held): boolean {
  const blk = blockOf(b, e);
  if (!blk) return false;
  const num = trackNumber(b, blk.data);
  if (!num || num.next + 3 > b.length) return false;
  if (!h.numbers.has(num.value) || blk.end - num.next < 3) return true;
  if (num.value !== h.track.number) return false;
  const lacing = b[num.next + 2]! & 0x06;
  const data = num.next + 3;
  // (only what was read of a block larger than the window: its lacing is judged when whole)
  return lacing !== 0 && blk.end <= b.length && data < blk.end && !laceFrames(b, data, blk.end, lacing);
}

/** PCM (A_PCM/..., or PCM and G.711 in ACM): a block's bytes are its samples, laced or not, read or not. */
function bytesAreSamples(track: Track): boolean {
  return track.codec.startsWith('A_PCM/') || (track.codec === 'A_MS/ACM' && !!track.acmBytes && !track.acmBytes.whole);
}

/**
 * The track's block in a SimpleBlock or BlockGroup: its relative timecode and audio (packetNs);
 * undefined for another track's, or a group with no block.
 */
function groupAudio(b: Buffer, e: El, track: Track): { rel: number; ns: number | undefined } | undefined {
  const blk = blockOf(b, e);
  if (!blk) return undefined;
  const num = trackNumber(b, blk.data);
  if (num?.value !== track.number || num.next + 3 > b.length) return undefined;
  const rel = b.readInt16BE(num.next);
  const flags = b[num.next + 2]!;
  if (num.next + 3 >= blk.end) return { rel, ns: 0 };
  if (blk.end <= b.length) return { rel, ns: packetNs(b, num.next + 3, blk.end, flags, track) };
  // a block larger than what was read of it (past packetAudio's budget): PCM by its bytes; another
  // codec's by the frames read (a lace's frames that were read whole), never at the pace of its head
  if (bytesAreSamples(track) || !(flags & 0x06)) return { rel, ns: packetNs(b, num.next + 3, blk.end, 0, track) };
  const frames = laceFrames(b, num.next + 3, blk.end, flags & 0x06);
  if (!frames) return { rel, ns: undefined };
  let ns = 0;
  for (const [from, to] of frames) {
    const one = from < to && to <= b.length ? packetNs(b, from, to, 0, track) : 0;
    if (one === undefined) return { rel, ns: undefined };
    ns += one;
  }
  return { rel, ns };
}

/** The EBML header's unsigned fields ffmpeg's matroska_read_header judges, and the most it takes of each. */
const EBML_LIMITS: Record<number, { name: string; most: number; given: number }> = {
  0x42f7: { name: 'EBMLReadVersion', most: 1, given: 1 },
  0x42f3: { name: 'EBMLMaxSizeLength', most: 8, given: 8 },
  0x42f2: { name: 'EBMLMaxIDLength', most: 4, given: 4 },
  0x4285: { name: 'DocTypeReadVersion', most: 3, given: 1 },
};

/**
 * Why ffmpeg 5.1 refuses the file by its EBML header, or undefined. matroska_read_header parses the
 * header's children (ebml_parse) and opens nothing ("Not yet implemented in FFmpeg") when
 * EBMLReadVersion > 1, EBMLMaxSizeLength > 8, EBMLMaxIDLength > 4 or DocTypeReadVersion > 3; nor when
 * a child cannot be parsed: an ID whose first byte is 0x00 or that is longer than 4 bytes, a size
 * whose first byte is 0x00 or that is unknown (all ones) inside the header's known size, a child
 * running past the header's end, an unsigned field over 8 bytes or a string over 16 MiB. An empty
 * field takes its default. The header was not read: one byte of ffmpeg's 1 h WebM (3.0 MB) or AAC
 * MKA (3.8 MB) counted 3,600 s, none decoded (attack round 26a, C12). A DocType other than matroska
 * or webm is only a warning to ffmpeg (it decodes the file), and so is none here.
 */
function ebmlHeaderRefused(b: Buffer, ebml: El): string | undefined {
  const end = Math.min(ebml.end, b.length);
  const refused = (why: string): string => `an EBML header ffmpeg refuses (${why})`;
  const values = new Map<number, number>();
  for (let p = ebml.data; p < end;) {
    const f = b[p]!;
    if (f < 0x10) return refused(f ? `an element ID longer than 4 bytes at ${p}` : `a 0x00 ID byte at ${p}`);
    const il = f >= 0x80 ? 1 : f >= 0x40 ? 2 : f >= 0x20 ? 3 : 4;
    if (b[p + il] === 0) return refused(`a size longer than 8 bytes at ${p + il}`);
    const e = element(b, p);
    if (!e) return refused(`an element at ${p} that runs past the header`);
    if (e.end === UNKNOWN) return refused(`an element of unknown size at ${p}`);
    if (e.end > ebml.end) return refused(`an element at ${p} that runs past the header`);
    const limit = EBML_LIMITS[e.id];
    if (limit) {
      if (e.size > 8) return refused(`${limit.name} of ${e.size} bytes`);
      // (a field given twice: the last is ffmpeg's)
      values.set(e.id, e.size ? uint(b, e) : limit.given);
    } else if (e.id === 0x4282 && e.size > 0x1000000) return refused(`a DocType of ${e.size} bytes`);
    p = e.end;
  }
  for (const [id, v] of values) if (v > EBML_LIMITS[id]!.most) return refused(`${EBML_LIMITS[id]!.name} ${v}`);
  return undefined;
}

/**
 * The length by the file's timeline, and, when that timeline is shown not to be the audio's, by how
 * much it runs ahead: every step between consecutive blocks seen (first and last cluster) longer
 * than the audio of the block before it. A TimecodeScale forged 16x made 3 s of Opus count 50 s;
 * the guard's floor let it through. A real file's steps equal its packets' audio (a gap of DTX
 * lasts a few packets; the first and last clusters hold some in step); a few steps judged are needed.
 */
function probeTimeline(src: FileSource): (ProbeResult & { timeline?: number; held?: Held }) | undefined {
  const head =
    src.head.length === src.size || HEAD <= src.head.length ? src.head : src.read(0, Math.min(src.size, HEAD));
  const ebml = element(head, 0);
  if (!ebml || ebml.end === UNKNOWN || ebml.id !== 0x1a45dfa3) return undefined;
  let doc = 'MKA';
  for (const c of children(head, ebml.data, Math.min(ebml.end, head.length))) {
    if (c.id === 0x4282)
      doc = head.toString('latin1', c.data, Math.min(c.end, head.length)) === 'webm' ? 'WEBM' : 'MKA';
  }
  const header = ebmlHeaderRefused(head, ebml);
  if (header) return { kind: 'unreadable', codec: doc, error: header };
  const seg = element(head, ebml.end);
  if (seg?.id !== ID.Segment) return undefined;
  let scale = 1_000_000;
  let durationUnits: number | undefined;
  let tracks: Track[] | undefined;
  let firstCluster = -1;
  for (const e of children(head, seg.data, head.length)) {
    if (e.id === ID.Info && e.end <= head.length) {
      for (const c of children(head, e.data, e.end)) {
        if (c.id === ID.TimecodeScale) scale = uint(head, c) || scale;
        else if (c.id === ID.Duration) durationUnits = float(head, c);
      }
    } else if (e.id === ID.Tracks && e.end <= head.length) tracks = readTracks(head, e);
    else if (e.id === ID.Cluster) {
      firstCluster = e.start;
      break;
    }
  }
  if (!tracks) return undefined; // Tracks not near the head (after a big SeekHead target): music-metadata's job
  const audio = ffmpegsTrack(tracks);
  if (audio?.codec === 'A_TTA1') audio.tta = ttaTrack(audio, Math.floor((durationUnits ?? 0) * scale) || 0);
  if (!audio) {
    const video = tracks.some((t) => t.type === 1);
    // only a file shown to be video is `other`; one with no track we know is unreadable
    return video
      ? { kind: 'other', codec: doc, error: 'video, no audio track' }
      : { kind: 'unreadable', codec: doc, error: 'no audio track' };
  }
  const base = {
    codec: codecLabel(doc, audio),
    sampleRate: audio.rate ? Math.round(audio.rate) : undefined,
    channels: audio.channels,
  };
  // a config a decoder refuses: it decodes nothing of the track (round 15: junk counted by the frame length)
  if (typeof audio.alac === 'string') return { kind: 'unreadable', ...base, error: audio.alac };
  if (typeof audio.aac === 'string') return { kind: 'unreadable', ...base, error: audio.aac };
  const refused = trackRefused(audio);
  if (refused) return { kind: 'unreadable', ...base, error: refused };
  if (typeof audio.tta === 'string') return { kind: 'unreadable', ...base, error: audio.tta };
  if (typeof audio.vorbis === 'string')
    return { kind: 'unreadable', ...base, error: `${audio.vorbis}: a decoder refuses it` };
  const unread = notRead(audio);
  if (unread) return { kind: 'unreadable', ...base, error: unread };
  const segEnd = seg.end;
  const whole = segEnd !== UNKNOWN && segEnd <= src.size;
  const delaySec = (audio.delayNs ?? 0) / 1e9;
  const claimed =
    durationUnits && Number.isFinite(durationUnits) && durationUnits > 0 ? (durationUnits * scale) / 1e9 : undefined;
  // the first block's time (recorders may not start at 0), then the last cluster in the tail
  let start = 0;
  let first: Blocks | undefined;
  if (firstCluster >= 0) {
    first = clusterBlocks(head, firstCluster, audio, scale);
    if (first?.firstStart !== undefined) start = first.firstStart;
    // DTS of substream packets alone (DTS Express, no core): not read here, and they count nothing
    // (packetAudio); its steps were counted, at most 2 s a block, as for codecs not read (notRead)
    if (audio.codec.startsWith('A_DTS') && first?.untold && !first.audioNs)
      return {
        kind: 'unreadable',
        ...base,
        error: `DTS Express (an extension substream with no core) in Matroska is not read by leaktally: its length cannot be told from the blocks`,
      };
  }
  const last = lastBlockEnd(src, head, audio, scale);
  const blocks = typeof last === 'object' ? last.lastEnd : last;
  const judged = [first, typeof last === 'object' ? last : undefined].filter((x): x is Blocks => x !== undefined);
  const pairs = judged.reduce((n, x) => n + x.pairs, 0);
  const ratio = Math.min(...judged.map((x) => x.ratio ?? Infinity));
  const timeline =
    pairs >= MIN_PAIRS && judged.every((x) => x.inStep === 0) && Number.isFinite(ratio) && ratio > 1.5
      ? ratio
      : undefined;
  const r = byTimeline();
  if (r.kind !== 'audio') return r;
  // walked from the first cluster, or from the Segment's first element when the head holds none (a
  // file of damaged Cluster IDs, or of a big attachment before its clusters)
  const held: Held = {
    from: firstCluster >= 0 ? firstCluster : seg.data,
    track: audio,
    numbers: new Set(tracks.map((t) => t.number)),
    scale,
    ns: judged.reduce((n, x) => n + x.audioNs, 0),
    bytes: judged.reduce((n, x) => n + x.audioBytes, 0),
  };
  return { ...r, timeline, held };
  function byTimeline(): ProbeResult {
    if (whole && claimed !== undefined) {
      // A whole file's Duration, unless its blocks end well before it: a Duration is a header's claim
      // (a file of 5 s of clusters whose Duration said 1.2 h counted 1.2 h). When the tail holds no
      // cluster (clusters of video further apart than the tail), the Duration stands, judged by the guard.
      const duration = Math.max(0, claimed - delaySec);
      // no cluster in the head or the tail of a file too large to walk (heldByBytes walks a smaller
      // one): nothing shows that any is there, and the Duration alone was 72,037 s of 1 MB of junk
      // (attack round 25a, C2)
      if (typeof blocks !== 'number' && firstCluster < 0 && src.size > WHOLE_MAX)
        return { kind: 'unreadable', ...base, error: `no Cluster found in its first and last MiB: ${NO_CLUSTER}` };
      if (typeof blocks !== 'number') return { kind: 'audio', seconds: duration, ...base };
      const seconds = ((blocks - start) * scale) / 1e9 - delaySec;
      if (seconds > 0 && seconds < duration - Math.max(1, duration * 0.01))
        return {
          kind: 'audio',
          seconds,
          ...base,
          error: `Duration says ${claimed.toFixed(1)} s; the audio blocks end at ${seconds.toFixed(1)} s`,
        };
      return { kind: 'audio', seconds: duration, ...base };
    }
    if (blocks === FALSE_STARTS)
      return {
        kind: 'unreadable',
        ...base,
        error: 'no Duration, and the tail is full of false cluster starts (a hostile file?): length not found',
      };
    if (typeof blocks === 'number') {
      const seconds = ((blocks - start) * scale) / 1e9 - delaySec;
      if (seconds > 0) {
        const note = claimed
          ? `cut off: Duration says ${claimed.toFixed(1)} s; counted to the last complete block`
          : 'no Duration element: counted to the last complete block';
        return { kind: 'audio', seconds: claimed ? Math.min(seconds, claimed) : seconds, ...base, error: note };
      }
    }
    return { kind: 'unreadable', ...base, error: 'no complete audio block found' };
  }
}

const FALSE_STARTS = 'false starts';
/** Steps between blocks judged before a timeline is called another pace than its audio's. */
const MIN_PAIRS = 4;

/**
 * The end (in timecode units) of the last complete block of the track, from the last cluster in the
 * tail (256 KiB, grown to 4 MiB while no cluster is found); undefined when there is none, or
 * FALSE_STARTS when the tail is a hostile run of false cluster starts.
 */
function lastBlockEnd(
  src: FileSource,
  head: Buffer,
  audio: Track,
  scale: number,
): Blocks | undefined | typeof FALSE_STARTS {
  for (let len = Math.min(src.size, 256 * 1024); ; len = Math.min(src.size, len * 4)) {
    const pos = src.size - len;
    const tail = pos === 0 && head.length === src.size ? head : src.read(pos, len);
    const pat = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);
    const search: Search = { seen: new Uint8Array(tail.length), again: 0, work: src.work };
    for (let i = tail.lastIndexOf(pat); i >= 0; i = i > 0 ? tail.lastIndexOf(pat, i - 1) : -1) {
      let r: Blocks | undefined;
      try {
        r = clusterBlocks(tail, i, audio, scale, search);
      } catch (e) {
        if (!(e instanceof FalseStarts)) throw e;
        return FALSE_STARTS;
      }
      if (!r || r.lastEnd < 0) continue;
      return r;
    }
    if (pos === 0 || len >= TAIL_MAX) return undefined;
  }
}
