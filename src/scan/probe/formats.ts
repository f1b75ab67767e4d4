/*
 * Every format the probe knows, one descriptor each, in the order the dispatcher (index.ts) tries
 * them: its name, the extensions that say "meant to be a recording", the magic test on the head bytes,
 * its reader and what happens when the reader gives no answer. Why a table: a format's knowledge is
 * in one row, each magic is written once, and the precedence where magics overlap is the row order,
 * which reads top to bottom (before it was spread over four switch statements in index.ts).
 *
 * The order is today's precedence and matters where magics overlap:
 *  1. WAV, Ogg, an ID3v2 tag, FLAC: each known by its first bytes.
 *  2. the containers (Matroska, AVI, ASF, RealMedia, MP4/QuickTime): before the audio formats, so
 *     that a container whose first bytes also read as one (a crafted 'caff' + 'ftyp') is a container.
 *  3. the formats that are audio by their content (`audio`): never `other`, named when unreadable. A
 *     tracker module's signature anywhere in the head makes any of them a module (index.ts).
 *     Those known by their first four bytes first, then the later and weaker tests in today's order.
 *  4. MPEG-TS, a bare MPEG audio or ADTS frame sync (weak: µ-law silence is 0xFF too), an HTML page.
 * A file none of them claims is judged by its name (index.ts, `byName`).
 */
import { isWav, probeWav } from './wav.js';
import { probeOgg } from './ogg.js';
import { probeMpeg } from './mp3.js';
import { probeFlac } from './flac.js';
import { probeAdts } from './adts.js';
import { readId3v2 } from './id3.js';
import { probeMatroska } from './matroska.js';
import { probeAsf } from './asf.js';
import { probeAvi } from './avi.js';
import { isAc3, probeAc3 } from './ac3.js';
import { probeAmr } from './amr.js';
import { probeAiff, probeApe, probeCaf, probeTak, probeTta, probeWavPack } from './lossless.js';
import { probeMpc7Frames } from './musepack7.js';
import { modTag, moduleKind } from './module.js';
import { probeTs, tsLayout } from './mpegts.js';
import { probeShorten } from './shorten.js';
import { probeAu } from './au.js';
import { probeMpc8 } from './musepack.js';
import { isRealMedia, probeRealMedia } from './realmedia.js';
import { probeSphere } from './sphere.js';
import { probeVoc } from './voc.js';
import { probeSvx } from './svx.js';
import { probeDts } from './dts.js';
import { isFlv, probeFlv } from './flv.js';
import type { Claim, FileSource, ProbeResult } from './types.js';

/** What the dispatcher knows of a file beyond its bytes. */
export interface FileName {
  /** the extension, lower case, without the dot ('' for none) */
  ext: string;
  /** the name says "meant to be a recording" (an extension in the table, or a raw codec's) */
  audioName: boolean;
}

/**
 * What a file of a format is when its reader gives no answer (or it has none):
 *  - 'music-metadata': music-metadata's reading, its constant bit rate (where it reports one) given to
 *    the plausibility check to size a rejected length from the bytes;
 *  - 'music-metadata, no CBR': the same without the bit rate (after an ID3v2 tag);
 *  - 'other': not a recording;
 *  - 'by name': as a file without magic (index.ts `byName`);
 *  - 'by name, frame sync': the same, with the head's MPEG/ADTS frame sync as a weak hint.
 */
type Otherwise = 'music-metadata' | 'music-metadata, no CBR' | 'other' | 'by name' | 'by name, frame sync';

export interface Format {
  /** the format's name; for one that is audio by its content, the kind an unreadable file is named by (upper-cased as its codec) */
  readonly name: string;
  /** extensions (lower case, no dot) that say a file is meant to be a recording, whatever its content */
  readonly extensions: readonly string[];
  /** audio by its content: never `other`; unreadable and named when its length is not found or not believed */
  readonly audio?: true;
  /** whether the head (the first 4 KiB, or the whole file when small) is this format's; size: the file's */
  readonly magic: (h: Buffer, size: number) => boolean;
  /** the length from the head on; undefined: not found here (see otherwise) */
  readonly read?: (src: FileSource, file: FileName) => Claim | undefined;
  /**
   * the length of a stream that follows an ID3v2 tag at `at` (h: its first bytes there, on which
   * `magic` has matched); formats with this may be tagged
   */
  readonly readAt?: (src: FileSource, at: number, h: Buffer) => ProbeResult | undefined;
  /** what stands in when read gives no answer or there is none (unset: 'by name'); a reader that always answers needs none */
  readonly otherwise?: Otherwise;
}

const four = (h: Buffer, at = 0): string => h.toString('latin1', at, at + 4);

/** ftyp, or QuickTime without one: the movie header (or a free/wide box) first. */
function isMp4(h: Buffer): boolean {
  return (
    (h.length >= 8 && four(h, 4) === 'ftyp') ||
    (h.length >= 16 && /^(moov|wide|free|skip)$/.test(four(h, 4)) && /^(mvhd|moov|mdat)$/.test(four(h, 12)))
  );
}

/**
 * A FORM of another kind than AIFF or 8SVX (an IFF image) or a MIDI file is not audio, whatever its
 * later bytes read as: the module signatures at 44 and 1080 are not looked for in it.
 */
const notAudio = (h: Buffer): boolean => four(h) === 'FORM' || four(h) === 'MThd';

/** MPEG audio or ADTS at `at` (after an ID3v2 tag, or a file named as such): ADTS by its sync, else MPEG frames searched, else ADTS behind the tag. */
function mpegOrAdts(src: FileSource, at: number, h: Buffer): ProbeResult | undefined {
  if (h.length >= 2 && h[0] === 0xff && (h[1]! & 0xf6) === 0xf0) return probeAdts(src, at);
  return probeMpeg(src, at) ?? (at > 0 ? probeAdts(src, at) : undefined);
}

const FORMATS: readonly Format[] = [
  // 1. known by their first bytes
  {
    name: 'WAV',
    extensions: ['wav', 'wave', 'bwf', 'rf64', 'w64'],
    magic: isWav,
    read: probeWav,
  },
  { name: 'Ogg', extensions: ['ogg', 'oga', 'opus', 'spx'], magic: (h) => four(h) === 'OggS', read: probeOgg },
  {
    // not a format: a tag before one (MPEG audio, ADTS or any format with readAt)
    name: 'ID3v2 tag',
    extensions: [],
    magic: (h) => four(h).startsWith('ID3'),
    read(src) {
      const id3 = readId3v2(src);
      const r = afterTag(src, id3.end);
      return r && { ...r, embeddedDate: id3.embeddedDate ?? r.embeddedDate };
    },
    // neither MPEG nor ADTS nor a tagged format after the tag: music-metadata knows the rest (or says why not)
    otherwise: 'music-metadata, no CBR',
  },
  {
    name: 'FLAC',
    extensions: ['flac'],
    magic: (h) => four(h) === 'fLaC',
    read: (src) => probeFlac(src, 0),
    readAt: probeFlac,
  },
  // 2. containers
  {
    name: 'Matroska',
    extensions: ['webm', 'mka'],
    magic: (h) => h.length >= 4 && h.readUInt32BE(0) === 0x1a45dfa3, // EBML
    read: probeMatroska,
    otherwise: 'music-metadata',
  },
  {
    name: 'AVI',
    extensions: [],
    // (a RIFF whose size field reads 'ftyp' or a QuickTime box is read as AVI too: today's precedence)
    magic: (h) => h.length >= 4 && four(h) === 'RIFF' && ((h.length >= 12 && four(h, 8) === 'AVI ') || isMp4(h)),
    read: probeAvi,
    otherwise: 'other',
  },
  {
    name: 'ASF',
    extensions: ['wma', 'asf'],
    magic: (h) => h.length >= 4 && h.readUInt32BE(0) === 0x3026b275, // the header object's GUID
    read: probeAsf,
    otherwise: 'music-metadata',
  },
  {
    // recognised, never counted: kept visible, with what it holds and why it is not measured
    name: 'RealMedia',
    extensions: [],
    magic: isRealMedia,
    read: probeRealMedia,
  },
  {
    // audio tags counted, a video's frames not: an FLV without audio is `other`
    name: 'FLV',
    extensions: [],
    magic: isFlv,
    read: probeFlv,
  },
  {
    name: 'MP4',
    extensions: ['m4a', 'mp4', 'm4b', '3gp', '3g2'],
    magic: isMp4,
    otherwise: 'music-metadata', // with the MP4 box reader of mp4.ts behind it (mm.ts)
  },
  // 3. audio by content: first four bytes
  {
    name: 'AIFF',
    extensions: ['aif', 'aiff', 'aifc'],
    audio: true,
    magic: (h) => four(h) === 'FORM' && (four(h, 8) === 'AIFF' || four(h, 8) === 'AIFC'),
    read: probeAiff,
    otherwise: 'music-metadata',
  },
  {
    // (and 16SV, its 16-bit sibling: svx.ts)
    name: '8SVX',
    extensions: ['8svx', '16sv'],
    audio: true,
    magic: (h) => four(h) === 'FORM' && (four(h, 8) === '8SVX' || four(h, 8) === '16SV'),
    read: probeSvx,
  },
  { name: 'DSDIFF', extensions: ['dff'], audio: true, magic: (h) => four(h) === 'FRM8', otherwise: 'music-metadata' },
  { name: 'DSF', extensions: ['dsf'], audio: true, magic: (h) => four(h) === 'DSD ', otherwise: 'music-metadata' },
  {
    name: 'AU',
    extensions: ['au', 'snd'],
    audio: true,
    magic: (h) => four(h) === '.snd',
    read: probeAu,
    otherwise: 'music-metadata',
  },
  {
    name: 'CAF',
    extensions: ['caf'],
    audio: true,
    magic: (h) => four(h) === 'caff',
    read: probeCaf,
    otherwise: 'music-metadata',
  },
  {
    name: "Monkey's Audio",
    extensions: ['ape'],
    audio: true,
    magic: (h) => four(h) === 'MAC ',
    read: (src) => probeApe(src, 0),
    readAt: probeApe,
    otherwise: 'music-metadata',
  },
  {
    name: 'WavPack',
    extensions: ['wv'],
    audio: true,
    magic: (h) => four(h) === 'wvpk',
    read: (src) => probeWavPack(src, 0),
    readAt: probeWavPack,
    otherwise: 'music-metadata',
  },
  {
    // SV8: read by hand, never by music-metadata, which believed the stream header's count (round 22, C2)
    name: 'Musepack',
    extensions: [],
    audio: true,
    magic: (h) => four(h) === 'MPCK',
    read: probeMpc8,
  },
  {
    name: 'TTA',
    extensions: ['tta'],
    audio: true,
    magic: (h) => four(h) === 'TTA1',
    read: (src) => probeTta(src, 0),
    readAt: probeTta,
    otherwise: 'music-metadata',
  },
  {
    name: 'TAK',
    extensions: ['tak'],
    audio: true,
    magic: (h) => four(h) === 'tBaK',
    read: probeTak,
    otherwise: 'music-metadata',
  },
  {
    name: 'Shorten',
    extensions: ['shn'],
    audio: true,
    magic: (h) => four(h) === 'ajkg',
    read: probeShorten,
    otherwise: 'music-metadata',
  },
  {
    // the telephone speech corpora's format (LDC, NIST): the header is text
    name: 'NIST SPHERE',
    extensions: ['sph', 'nist'],
    audio: true,
    magic: (h) => h.toString('latin1', 0, 8) === 'NIST_1A\n',
    read: probeSphere,
  },
  // (a tracker module: audio by its content, then set apart as `other` by the module check in index.ts)
  { name: 'Impulse Tracker module', extensions: [], audio: true, magic: (h) => moduleKind(h) === 'IT' },
  {
    name: 'OptimFROG',
    extensions: ['ofr'],
    audio: true,
    magic: (h) => four(h) === 'OFR ',
    otherwise: 'music-metadata',
  },
  { name: 'LA', extensions: [], audio: true, magic: (h) => four(h) === 'LA04', otherwise: 'music-metadata' },
  {
    name: 'RealAudio',
    extensions: ['ra'],
    audio: true,
    magic: (h) => four(h) === '.ra\xfd',
    otherwise: 'music-metadata',
  },
  // 3. audio by content: later and weaker tests
  {
    // SV7 read by hand; 'MP+' of another version is unreadable (probeMpc7), never music-metadata's (round 22, H7)
    name: 'Musepack',
    extensions: ['mpc'],
    audio: true,
    magic: (h) => four(h).startsWith('MP+'),
    read: (src) => probeMpc7Frames(src, 0), // the frames ffmpeg's decoder takes (round 23 L1, again in 24)
    readAt: probeMpc7Frames,
  },
  {
    name: 'AMR',
    extensions: ['amr', 'awb'],
    audio: true,
    magic: (h) => h.toString('latin1', 0, 5) === '#!AMR',
    read: probeAmr,
    otherwise: 'music-metadata',
  },
  {
    name: 'SILK',
    extensions: ['silk'],
    audio: true,
    // the tag at the start, or after one byte (WeChat's files)
    magic: (h) => h.toString('latin1', 0, 9) === '#!SILK_V3' || h.toString('latin1', 1, 10) === '#!SILK_V3',
    otherwise: 'music-metadata',
  },
  { name: 'XM module', extensions: [], audio: true, magic: (h) => moduleKind(h) === 'XM' },
  {
    name: 'VOC',
    extensions: ['voc'],
    audio: true,
    magic: (h) => h.toString('latin1', 0, 19) === 'Creative Voice File',
    read: probeVoc,
  },
  { name: 'S3M module', extensions: [], audio: true, magic: (h) => !notAudio(h) && moduleKind(h) === 'S3M' },
  { name: 'MOD module', extensions: [], audio: true, magic: (h) => !notAudio(h) && modTag(h) === 'common' },
  {
    name: 'AC-3',
    extensions: ['ac3', 'eac3'],
    audio: true,
    // the 2-byte sync confirmed by a second frame (isAc3): alone it is chance
    magic: (h, size) => h.length >= 6 && h[0] === 0x0b && h[1] === 0x77 && isAc3(h, size),
    read: probeAc3,
    otherwise: 'music-metadata',
  },
  {
    name: 'DTS',
    extensions: ['dts'],
    audio: true,
    magic: (h) => h.length >= 4 && h.readUInt32BE(0) === 0x7ffe8001,
    read: probeDts,
  },
  // 4. the rest
  {
    name: 'MPEG-TS',
    extensions: [],
    magic: (h) => (h[0] === 0x47 || h[4] === 0x47) && tsLayout(h) !== undefined,
    read: (src) => probeTs(src, tsLayout(src.head)!),
    otherwise: 'by name',
  },
  {
    // MPEG audio or ADTS frame sync: weak (µ-law silence is 0xFF too), so it counts only without a
    // better hint; after an ID3v2 tag they are searched for, not sniffed (afterTag)
    name: 'MPEG audio or ADTS',
    extensions: ['mp3', 'mp2', 'mpga', 'aac'],
    magic: (h) => h.length >= 2 && h[0] === 0xff && (h[1]! & 0xe0) === 0xe0,
    otherwise: 'by name, frame sync',
  },
  {
    name: 'HTML',
    extensions: [],
    magic: isHtml,
    read: (_src, file) =>
      file.audioName ? { kind: 'unreadable', error: 'an HTML page, not audio' } : { kind: 'other' },
  },
];

/**
 * Extensions of bare MPEG audio or ADTS streams: a file so named is searched for frames past junk at
 * its head (a copy that started mid-stream). (mp1, mpa and adts are not among the recording names.)
 */
export const MPEG_EXT: ReadonlySet<string> = new Set(['mp3', 'mp2', 'mp1', 'mpga', 'mpa', 'aac', 'adts']);

/** An HTML page (an error page saved under a recording's name), after any byte-order mark and white space. */
function isHtml(h: Buffer): boolean {
  const text = h
    .toString('latin1', 0, Math.min(h.length, 512))
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  return (
    text.startsWith('<!doctype html') || text.startsWith('<html') || (text.startsWith('<') && text.includes('<html'))
  );
}

/** The first format whose magic the head shows, in the table's order. */
export function formatOf(h: Buffer, size: number): Format | undefined {
  for (const f of FORMATS) if (f.magic(h, size)) return f;
  return undefined;
}

const TAGGED = FORMATS.filter((f) => f.readAt);

/**
 * What follows an ID3v2 tag ending at `at` (or, at 0, starts a file without magic named as MPEG):
 * a format that may be tagged, by its magic there, else MPEG audio or ADTS frames; undefined for
 * anything else.
 */
export function afterTag(src: FileSource, at: number): ProbeResult | undefined {
  const h = at + 4 <= src.head.length ? src.head.subarray(at, at + 4) : src.read(at, 4);
  for (const f of TAGGED) {
    if (!f.magic(h, src.size)) continue;
    const r = f.readAt!(src, at, h);
    if (r) return r;
  }
  return (at > 0 ? retagged(src, at) : undefined) ?? mpegOrAdts(src, at, h);
}

/**
 * Formats read by hand from their first byte that old taggers put an ID3v2 tag in front of: ffmpeg
 * skips the tag and decodes them, where music-metadata (after the tag) did not (attack round 22, M2).
 * Their readers are given the file as it starts at the tag's end; a format read by music-metadata
 * is not among them, so no header music-metadata would believe is counted here.
 */
const RETAGGED: ReadonlySet<string> = new Set(['WAV', 'Ogg', 'Matroska', 'AIFF', 'AU']);

function retagged(src: FileSource, at: number): ProbeResult | undefined {
  if (at >= src.size) return undefined;
  const head = at < src.head.length ? src.head.subarray(at) : src.read(at, 4096);
  const f = formatOf(head, src.size - at);
  if (!f?.read || !RETAGGED.has(f.name)) return undefined;
  const view: FileSource = {
    size: src.size - at,
    allocated: src.allocated,
    work: src.work,
    head,
    read: (position, length) => src.read(at + position, length),
  };
  return f.read(view, { ext: '', audioName: true });
}

/** Extensions that say "this is meant to be a recording", whatever the content turns out to be (with the raw codecs', raw.ts). */
export const AUDIO_EXT: ReadonlySet<string> = new Set(FORMATS.flatMap((f) => f.extensions));
