/**
 * Everything with a real container (MP3, AAC/M4A, FLAC, WMA, AIFF, AMR, Matroska …) goes to
 * music-metadata, through a tokenizer over the already-open file: the head comes from memory, other
 * bytes by positioned reads, and a read budget keeps a hostile header from pulling in the whole file.
 */
import { AbstractTokenizer, type IRandomAccessFileInfo, type IReadChunkOptions } from 'strtok3';
import { parseFromTokenizer, type IAudioMetadata } from 'music-metadata';
import { parseHeaderDate } from './datestr.js';
import { forgedFragments, mp4EditListSeconds, mp4Tracks, type Mp4Audio } from './mp4.js';
import type { EmbeddedDate, FileSource, ProbeResult } from './types.js';

/** Most bytes music-metadata may read beyond the head, and the largest single read it may ask for. */
export const READ_BUDGET = 16 * 1024 * 1024;

/**
 * Most reads music-metadata may make beyond the head. Its parsers read box by box (MP4 atoms, AIFF
 * chunks, EBML elements), a read and a promise each (~40 µs): 8 MiB of empty 8-byte boxes was a
 * million reads and a minute of a reader's time (issue 19, third attack round). A real file's header
 * takes a few hundred (an hour of MP4 fragments, one a second: 7,200).
 */
export const READ_LIMIT = 20_000;

/** The page read around a small read past the head: box headers of a few bytes share one read. */
const PAGE = 4096;

class BudgetExceeded extends Error {}

class SourceTokenizer extends AbstractTokenizer {
  fileInfo: IRandomAccessFileInfo;
  private budget = READ_BUDGET;
  private reads = READ_LIMIT;
  private page: { at: number; buf: Buffer } | undefined;

  constructor(
    private readonly src: FileSource,
    private readonly start: number,
    path: string,
  ) {
    super({ maxBufferSize: READ_BUDGET });
    this.fileInfo = { size: src.size - start, path };
  }

  supportsRandomAccess(): boolean {
    return true;
  }

  setPosition(position: number): void {
    this.position = position;
  }

  private fill(target: Uint8Array, options: IReadChunkOptions | undefined, advance: boolean): number {
    const o = this.normalizeOptions(target, options);
    const abs = this.start + o.position;
    let n: number;
    if (abs + o.length <= this.src.head.length) {
      target.set(this.src.head.subarray(abs, abs + o.length));
      n = o.length;
    } else {
      this.budget -= o.length;
      if (this.budget < 0)
        throw new BudgetExceeded(`needs more than ${READ_BUDGET >> 20} MiB of header to find the length`);
      if (--this.reads < 0)
        throw new BudgetExceeded(
          `needs more than ${READ_LIMIT.toLocaleString('en')} reads of header to find the length`,
        );
      this.src.work.tick();
      const b = o.length <= PAGE ? this.paged(abs, o.length) : this.src.read(abs, o.length);
      target.set(b);
      n = b.length;
    }
    if (n < o.length && !o.mayBeLess) {
      // EndOfStreamError is what the parsers expect at the end of a file.
      throw Object.assign(new Error('End-Of-Stream'), { name: 'EndOfStreamError' });
    }
    if (advance) this.position = o.position + n;
    return n;
  }

  /** length bytes at abs (fewer at the end of the file), from the page around them */
  private paged(abs: number, length: number): Buffer {
    let p = this.page;
    if (!p || abs < p.at || abs + length > p.at + p.buf.length) {
      p = { at: abs, buf: this.src.read(abs, Math.max(PAGE, length)) };
      this.page = p;
    }
    return p.buf.subarray(abs - p.at, Math.min(p.buf.length, abs - p.at + length));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a throw from fill reaches the tokenizer as a rejection
  async readBuffer(target: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    return this.fill(target, options, true);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a throw from fill reaches the tokenizer as a rejection
  async peekBuffer(target: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    return this.fill(target, options, false);
  }
}

/** ID3v2 tags larger than this are stepped over instead of read (cover art, or a forged size field). */
const MAX_ID3 = 1024 * 1024;

function id3End(head: Buffer): number {
  if (head.length < 10 || head.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
  const footer = head[5]! & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

function label(meta: IAudioMetadata, src: FileSource): string {
  const container = (meta.format.container ?? '').toUpperCase();
  const codec = (meta.format.codec ?? '').toUpperCase();
  if (isMp4(meta, src)) return `M4A/${codec.replace(/^MPEG-4\//, '').replace(/[^A-Z0-9]+/g, '-') || 'UNKNOWN'}`;
  if (container === 'MPEG' || codec.startsWith('MPEG')) {
    const layer = /LAYER (\d)/.exec(codec)?.[1];
    return layer === '2' ? 'MP2' : layer === '1' ? 'MP1' : 'MP3';
  }
  if (container.startsWith('ASF')) return codec.includes('WINDOWS MEDIA AUDIO') ? 'WMA' : `ASF/${codec}`;
  if (container === 'FLAC') return 'FLAC';
  if (container === 'ADTS' || (codec === 'AAC' && !container)) return 'AAC';
  const c = container.split('/')[0] || 'UNKNOWN';
  return codec && codec !== c ? `${c}/${codec}` : c;
}

/**
 * An ISO media file, read by its own sample tables: music-metadata's container is the major brand,
 * and one not listed (ffmpeg's fragmented MP4 is `iso5`; `iso6`, `dash`, `avc1` …) took its duration
 * as the length, every check on the tables skipped: trun durations forged 16x counted 20 s of Opus
 * in a 90 KB fragmented MP4 as 320 s (attack round 13a). Any file opening with an ftyp box is one.
 */
function isMp4(meta: IAudioMetadata, src: FileSource): boolean {
  const container = (meta.format.container ?? '').toUpperCase();
  return /^(M4A|M4B|MP4|MP42|ISOM|3GP|3G2|QT|F4A)/.test(container) || src.head.toString('latin1', 4, 8) === 'ftyp';
}

function tagDate(meta: IAudioMetadata): EmbeddedDate | undefined {
  if (meta.format.creationTime && meta.format.creationTime.getTime() > Date.UTC(1980, 0, 1)) {
    return { ms: meta.format.creationTime.getTime(), source: 'mp4-creation' };
  }
  const d = meta.common.date;
  if (!d) return undefined;
  return parseHeaderDate(
    d,
    meta.native['ID3v2.3'] || meta.native['ID3v2.4'] || meta.native['ID3v2.2'] ? 'id3' : 'tag-date',
  );
}

/** the box types an MP4 or QuickTime file starts with */
const MP4_BOXES = new Set(['ftyp', 'moov', 'moof', 'mdat', 'free', 'skip', 'wide']);

export async function probeWithMusicMetadata(
  src: FileSource,
  name: string,
): Promise<ProbeResult & { bitrate?: number; cbr?: boolean }> {
  // before music-metadata, which builds an object per sample a track run claims; the sample-table
  // reader below is told so, and does not walk the fragments again for it
  const vetted = MP4_BOXES.has(src.head.toString('latin1', 4, 8));
  if (vetted && forgedFragments(src)) {
    return { kind: 'unreadable', error: 'MP4 fragments claim more samples than the file can hold (a forged table)' };
  }
  const skip = id3End(src.head);
  const start = skip > MAX_ID3 && skip < src.size ? skip : 0;
  let meta: IAudioMetadata;
  try {
    meta = await parseFromTokenizer(new SourceTokenizer(src, start, name), {
      duration: false,
      skipCovers: true,
      skipPostHeaders: true,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const r = mp4Fallback(src);
    if (r) return r;
    return { kind: 'unreadable', error: `not decodable: ${msg.split('\n')[0]}` };
  }
  const f = meta.format;
  const base = {
    codec: label(meta, src),
    sampleRate: f.sampleRate,
    channels: f.numberOfChannels,
    embeddedDate: tagDate(meta),
  };
  if (isMp4(meta, src)) return mp4Length(mp4Tracks(src, vetted), f.duration, base);
  if (f.duration === undefined || !Number.isFinite(f.duration) || f.duration <= 0) {
    return {
      kind: 'unreadable',
      ...base,
      error: f.container ? `${f.container} without a determinable duration` : 'no audio stream found',
    };
  }
  return { kind: 'audio', seconds: f.duration, ...base, bitrate: f.bitrate, cbr: f.codecProfile === 'CBR' };
}

type Base = Pick<ProbeResult, 'codec' | 'sampleRate' | 'channels' | 'embeddedDate'>;

/**
 * MP4/M4A/3GP: the samples present, from the sample tables. The edit list's presentation length
 * when every sample is in the file; the present samples' length when it was cut; the tables' sum
 * when the headers give no length (3GP from phones: music-metadata's "Missing sampleDuration").
 */
function mp4Length(t: Mp4Audio | undefined, mmSeconds: number | undefined, base: Base): ProbeResult {
  // TrueHD, which music-metadata does not name (and whose rate it reads as 16.16: 4.8 Hz)
  if (t?.fourcc === 'mlpa') base = { ...base, codec: 'M4A/TRUEHD', sampleRate: t.sampleRate };
  // Opus, which music-metadata does not name either: as M4A/UNKNOWN the guard's generic floor let junk
  // packets count 16 h where Opus's row allows a tenth of it (round 22 C5a)
  if (t?.fourcc === 'Opus') base = { ...base, codec: 'M4A/OPUS' };
  // Vorbis in mp4a, which music-metadata names AAC (round 24 L4)
  if (t?.codec) base = { ...base, codec: t.codec };
  if (t && !t.sound) {
    // only a file shown to be video is `other`; one with no track we know is unreadable
    return t.video
      ? { kind: 'other', codec: base.codec, error: 'video, no audio track' }
      : { kind: 'unreadable', ...base, error: 'MP4 without an audio track' };
  }
  if (t?.refused) return { kind: 'unreadable', ...base, error: t.refused };
  if (t?.samples !== undefined && t.present! < t.samples) {
    if (!t.present)
      return { kind: 'unreadable', ...base, error: `cut off: none of the ${t.samples} audio samples is in the file` };
    return {
      kind: 'audio',
      seconds: t.presentSeconds!,
      ...base,
      error: [`cut off: ${t.present} of ${t.samples} audio samples present`, t.overlong].filter(Boolean).join('; '),
    };
  }
  // samples that last nothing (stts) or hold nothing (their frames read, none valid): no length a
  // header gives is theirs (forged E-AC-3 frames whose CRCs fail counted the edit list's 480 s)
  if (t?.samples && t.tableSeconds === 0)
    return {
      kind: 'unreadable',
      ...base,
      error: t.overlong ? `no audio: ${t.overlong}` : `its ${t.samples} audio samples last 0 s (stts)`,
    };
  const edited = mp4EditListSeconds(t);
  if (edited === 0) return { kind: 'unreadable', ...base, error: 'its edit list presents none of its audio' };
  const seconds = edited ?? (mmSeconds && Number.isFinite(mmSeconds) && mmSeconds > 0 ? mmSeconds : t?.tableSeconds);
  if (!seconds) return { kind: 'unreadable', ...base, error: 'MP4 without a determinable duration' };
  // the edit list (or the header) presents the samples, never more than they last: a forged edit of
  // 430 s over 4.3 s of AAC was counted (the plausibility check alone allows 200 bit/s)
  // (every sample is in the file here: presentSeconds is their length less the encoder's priming)
  const table = t?.presentSeconds ?? t?.tableSeconds;
  if (table && table > 0 && seconds > (t?.tableSeconds ?? table) + 0.001)
    return {
      kind: 'audio',
      seconds: table,
      ...base,
      error: [`the header says ${seconds.toFixed(3)} s; the samples last ${table.toFixed(3)} s`, t?.overlong]
        .filter(Boolean)
        .join('; '),
    };
  return { kind: 'audio', seconds, ...base, ...(t?.overlong ? { error: t.overlong } : {}) };
}

/** An MP4 that music-metadata cannot parse, read from its sample tables alone (its fragments vetted: it starts with ftyp). */
function mp4Fallback(src: FileSource): ProbeResult | undefined {
  if (src.head.length < 8 || src.head.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  const t = mp4Tracks(src, true);
  if (!t) return undefined;
  const fourcc = (t.fourcc ?? '').trim().toUpperCase();
  const codec = `M4A/${fourcc === 'MP4A' ? 'AAC' : fourcc === 'SAMR' ? 'AMR' : fourcc === 'SAWB' ? 'AMR-WB' : fourcc || 'UNKNOWN'}`;
  return mp4Length(t, undefined, { codec, sampleRate: t.sampleRate, channels: t.channels });
}
