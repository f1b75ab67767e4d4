/*
 * AVI (RIFF 'AVI ', and the OpenDML 'AVIX' parts that follow it) by hand: music-metadata does not
 * read AVI, and its headers state lengths (avih, strh dwLength, OpenDML indexes) that a cut copy
 * or a stub keeps. The audio counted is the audio stream's chunks ('NNwb') whose bytes are all in
 * the file, walked chunk by chunk (or listed by an idx1 whose every audio entry is checked against
 * the chunk at its offset), sized by the stream's own format: MPEG audio, AC-3 and DTS by the frames
 * in them, PCM by its channels and bits, block codecs by strf; strh's scale, rate and sample size
 * never (a codec sized by nothing else is not counted: ffmpeg checks that claim for none of them).
 */
import { FRAMED_MAX, MPEG_FRAMER, framedSeconds, type Framer } from './framed.js';
import { DtsFrames } from './dts.js';
import { AC3_FRAMER, DFPWM_TAG, extensibleTag } from './wav.js';
import { aacConfig, aacFrameHolds, type AacConfig } from './aac.js';
import { adtsFrame } from './adts.js';
import { adpcmFormat, spanBlocks } from './adpcm.js';
import { gsmMsBlock, tooManyChannels, wmaBlockBytesPerSecond } from './acm.js';
import { SAMPLE_BYTES } from './pcm.js';
import type { FileSource, ProbeResult } from './types.js';

/** Chunks walked at most (a 10 h film at 30 frames/s has ~2.2 M). */
const MAX_CHUNKS = 4_000_000;

interface Stream {
  type: string;
  scale: number;
  rate: number;
  length: number;
  sampleSize: number;
  tag?: number;
  channels?: number;
  sampleRate?: number;
  avgBytes?: number;
  blockAlign?: number;
  bits?: number;
  /** strf's bytes after cbSize (AAC: its AudioSpecificConfig) */
  extra?: Buffer;
  /** why ffmpeg's avi_read_header fails the file on this stream's strf (ff_get_wav_header refuses it) */
  strfRefused?: string;
}

const CODECS: Record<number, string> = {
  0x0001: 'PCM',
  0x0003: 'FLOAT',
  0x0006: 'ALAW',
  0x0007: 'ULAW',
  0x0011: 'IMA-ADPCM',
  0x0031: 'GSM610',
  0x0050: 'MP2',
  0x0055: 'MP3',
  0x2000: 'AC3',
  0x00ff: 'AAC',
  // the guard's WMA row is found by this name (AVI/0x0161 had the generic floor; attack round 23a, C1)
  0x0160: 'WMA',
  0x0161: 'WMA',
  [DFPWM_TAG]: 'DFPWM',
};

/**
 * Vorbis under the 'Og' ACM tags of the old Vorbis ACM codec: ffmpeg 5.1's riff.c maps none of them
 * (its one Vorbis tag is 0x566f), so it decodes nothing of such a stream. Taken as a chunk a frame,
 * 1 MB of junk chunks counted 3,241 s (attack round 23a, C2).
 */
const OG_VORBIS = new Set([0x674f, 0x6750, 0x6751, 0x676f, 0x6770, 0x6771]);

/**
 * How a stream's length follows from its chunks' bytes, as ffmpeg's decoder takes them: whole units
 * of `unit` bytes in each packet (a PCM sample frame, a WMA block; a packet's remainder is dropped),
 * each `seconds` long; or a byte rate (of whole blocks of `block` bytes over the chunks, when a parser
 * joins them: GSM's); or why ffmpeg decodes none of it (or leaktally cannot tell).
 */
type Sizing = { unit: number; seconds: number } | { perSecond: number; block?: number } | string;

function sizing(s: Stream): Sizing {
  const tag = s.tag ?? -1;
  if (tag === 1 || tag === 3 || tag === 6 || tag === 7) return pcmSizing(s);
  if (tag === 0x0160 || tag === 0x0161) return wmaSizing(s);
  // DFPWM (wav.ts): 8 samples a channel a byte; units of a byte a channel (a packet's bits that do not
  // divide among the channels make its decoder refuse it: their remainder dropped, never counted)
  if (tag === DFPWM_TAG) {
    if (!s.sampleRate || !s.channels) return 'DFPWM with no sample rate or channels: ffmpeg opens no decoder for it';
    return { unit: s.channels, seconds: 8 / s.sampleRate };
  }
  if (tag === 0x0020 && (s.channels ?? 0) > 2)
    return `Yamaha ADPCM of ${s.channels} channels: ffmpeg's decoder opens 1 or 2 (adpcm.c)`;
  if (tag === 0x0031) {
    // GSM 6.10: 320 samples a block of the block align ffmpeg's decoder takes (0 is 65; 41 to 62 the
    // MSN blocks), mono whatever strf says; one it refuses, refused. Sized at 65 bytes whatever strf
    // said, a block align of 64 counted ffmpeg's own 1 h AVI (8.1 MB) in full, none decoded, and 44
    // counted 20 s of ffmpeg's 29.5 (attack round 26a, H1)
    const block = gsmMsBlock(s.blockAlign ?? 0, s.channels ?? 0);
    if (typeof block === 'string') return block;
    // (its parser cuts the chunks' bytes end to end into blocks: a last one cut short decodes nothing)
    return { perSecond: (block * Math.max(s.sampleRate ?? 0, 4000)) / 320, block };
  }
  const perSecond = codedBytesPerSecond(s);
  if (perSecond) return { perSecond };
  if (OG_VORBIS.has(tag))
    return `Vorbis under ACM tag 0x${tag.toString(16)}: ffmpeg maps that tag to no decoder and decodes none of it`;
  // a codec outside what is sized here: its length could only be strh's claim, which ffmpeg checks
  // for none of them; 329 KB of an unknown tag counted 24,615 s, then 1,067 s at the lowest speech
  // byte rate, for nothing ffmpeg decodes (attack round 12a, high)
  return 'audio of a codec leaktally cannot size from its bytes';
}

/**
 * PCM, float and G.711: a sample frame of the channels' samples, at strf's rate, whatever its block
 * align says (a block align of 1 on 16-bit stereo counted 20 s as 80 s, attack round 12). ffmpeg
 * opens no decoder for a rate or channels of 0 (79,200 s and 247.5 s counted of 1 MB, none decoded;
 * attack round 23a, C8 and H2), and maps PCM of no sample size it knows (0 bits: 61.9 s) to no codec.
 * strh's scale, rate and sample size are never the length: ffmpeg does not read them for PCM.
 */
function pcmSizing(s: Stream): Sizing {
  const name = CODECS[s.tag!]!;
  if (!s.sampleRate || !s.channels)
    return `${name} with ${s.sampleRate ? 'no channels' : 'a sample rate of 0'}: ffmpeg opens no decoder for it`;
  // G.711 is a byte a sample whatever its bits; PCM and float as WAV takes them (pcm.ts), and float
  // only of whole bytes (ffmpeg's ff_get_pcm_codec_id takes 32 or 64 bits, not rounded up)
  const bits = s.bits ?? 0;
  const size = s.tag === 6 || s.tag === 7 ? 1 : Math.ceil(bits / 8);
  if (!SAMPLE_BYTES[s.tag === 3 ? 'FLOAT' : 'PCM'].includes(size) || (s.tag === 3 && bits % 8))
    return `${name} of ${bits}-bit samples: ffmpeg maps it to no decoder`;
  return { unit: s.channels * size, seconds: 1 / s.sampleRate };
}

/**
 * WMA 1 and 2 without the bit reservoir (its extradata's flags, 0 when the extradata is too short, as
 * ffmpeg's decoder reads them): a block of block-align bytes is one frame (acm.ts). With the
 * reservoir a block holds no fixed count of frames, and is not sized here.
 */
function wmaSizing(s: Stream): Sizing {
  const at = s.tag === 0x0160 ? 2 : 4;
  const flags = s.extra && s.extra.length >= at + 2 ? s.extra.readUInt16LE(at) : 0;
  if (flags & 2) return 'WMA with the bit reservoir: leaktally cannot size it from its bytes';
  const r = s.sampleRate ?? 0;
  const perSecond = wmaBlockBytesPerSecond(s.tag!, s.channels ?? 0, r, s.avgBytes ?? 0, s.blockAlign ?? 0);
  if (typeof perSecond === 'string') return perSecond;
  return { unit: s.blockAlign!, seconds: s.blockAlign! / perSecond };
}

/**
 * Bytes a second of a codec whose every block holds a fixed count of samples, from strf as ffmpeg's
 * decoders take it (GSM 6.10 is sizing's; MS and IMA ADPCM's blocks are checked one by one,
 * adpcmChunks), or undefined: strh's scale, rate and sample size are then not believed (a GSM
 * stream's rate forged counted 20 s in 50 KB as 200 s, attack round 8).
 */
function codedBytesPerSecond(s: Stream): number | undefined {
  const rate = Math.max(s.sampleRate ?? 0, 4000);
  const ch = s.channels ?? 0;
  // G.726 (its bits a sample, ffmpeg's code size), G.722 and Yamaha ADPCM (4 bits a sample): not in the
  // table, strh was believed, and scale forged tenfold counted 20 s of each as 80-200 s (attack round 9)
  // ffmpeg's riffdec takes G.726's code size as strf's bit rate / sample rate, not its bits a sample,
  // and its decoder refuses codes outside 2-5 bits and more than one channel: strf's 2 bits where the
  // byte rate gave 5 counted 1 MB as 1,000 s, ffmpeg decoding 400 (attack round 20, high)
  if (s.tag === 0x0045 || s.tag === 0x0064) {
    const bits = s.sampleRate ? Math.floor(((s.avgBytes ?? 0) * 8) / s.sampleRate) : 0;
    return ch === 1 && bits >= 2 && bits <= 5 ? (rate * bits) / 8 : undefined;
  }
  // ffmpeg's Yamaha decoder opens for 1 or 2 channels only (3 counted 40 s of 497 KB, none decoded:
  // attack round 24, H1); its G.722 decoder is mono whatever strf says, two samples a byte
  if (s.tag === 0x0020 && ch >= 1 && ch <= 2) return (rate * ch) / 2;
  if (s.tag === 0x028f && ch >= 1) return rate / 2;
  return undefined;
}

/**
 * The bytes of one packet ffmpeg's avidec cuts from a chunk (Infinity: the chunk whole): strh's
 * sample size, or strf's block align when the two differ; under 2 none, under 32 1,024 of them (and
 * AAC's 1,024 or 4,096 of both taken as none). A chunk's last packet is what is left of it.
 */
function packetBytes(s: Stream): number {
  let size = s.sampleSize && s.blockAlign && s.sampleSize !== s.blockAlign ? s.blockAlign : s.sampleSize;
  if (s.tag === 0x00ff && (size === 1024 || size === 4096) && s.blockAlign === size) size = 0;
  // (read as a signed 32-bit number: a negative one is taken as none)
  if (size >= 2 ** 31) size = 0;
  return size <= 1 ? Infinity : size < 32 ? 1024 * size : size;
}

/** Whole units of `unit` bytes in a chunk of `size` bytes cut into packets of `packet` bytes. */
function unitsIn(size: number, packet: number, unit: number): number {
  if (packet >= size) return Math.floor(size / unit);
  return Math.floor(size / packet) * Math.floor(packet / unit) + Math.floor((size % packet) / unit);
}

/** the page read around the last chunk header past the head, per file (chunks of a few bytes share it) */
const windows = new WeakMap<FileSource, { at: number; buf: Buffer }>();
const WINDOW = 4096;

/**
 * A chunk header (id, size, and a LIST's type). Past the file's head, read a page at a time: a file
 * of tiny chunks (8 bytes each) cost a system call per chunk, millions for a hostile 32 MB file; a
 * page costs what a 12-byte read of it costs the disk.
 */
function head8(src: FileSource, p: number): Buffer {
  if (p + 12 <= src.head.length) return src.head.subarray(p, p + 12);
  let w = windows.get(src);
  if (!w || p < w.at || p + 12 > w.at + w.buf.length) {
    w = { at: p, buf: src.read(p, WINDOW) };
    windows.set(src, w);
  }
  return w.buf.subarray(p - w.at, p - w.at + 12);
}

export function probeAvi(src: FileSource): ProbeResult | undefined {
  const h = src.head;
  if (h.length < 12 || h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'AVI ')
    return undefined;
  const streams: Stream[] = [];
  const hdr = { mustUseIndex: false, odml: false };
  let headerWhole = false;
  let index1: [number, number] | undefined;
  const movi: [number, number][] = [];
  // top level: the first RIFF's chunks, then any RIFF 'AVIX' parts (OpenDML files over 1 GB)
  const riffs: [number, number][] = [[12, Math.min(src.size, 8 + h.readUInt32LE(4))]];
  for (let p = 8 + h.readUInt32LE(4) + (h.readUInt32LE(4) & 1); p + 12 <= src.size && riffs.length < 1024;) {
    const c = head8(src, p);
    if (c.length < 12 || c.toString('latin1', 0, 4) !== 'RIFF') break;
    const size = c.readUInt32LE(4);
    riffs.push([p + 12, Math.min(src.size, p + 8 + size)]);
    p += 8 + size + (size & 1);
  }
  for (const [from, to] of riffs) {
    for (let p = from, n = 0; p + 8 <= to && n < 4096; n++) {
      const c = head8(src, p);
      if (c.length < 8) break;
      const id = c.toString('latin1', 0, 4);
      const size = c.readUInt32LE(4);
      if (id === 'LIST' && c.length >= 12 && c.toString('latin1', 8, 12) === 'hdrl') {
        readHdrl(src, p + 12, Math.min(to, p + 8 + size), streams, hdr);
        headerWhole = p + 8 + size <= src.size;
      } else if (id === 'LIST' && c.length >= 12 && c.toString('latin1', 8, 12) === 'movi')
        movi.push([p + 12, Math.min(to, p + 8 + size)]);
      else if (id === 'idx1' && !index1) index1 = [p + 8, size];
      p += 8 + size + (size & 1);
    }
  }
  // an audio stream's strf ff_get_wav_header refuses (a rate of 0, or past 2^31 - 1 read signed; under
  // 14 bytes) fails the whole file, whichever stream is decoded: ffmpeg's own 60 s MP3 AVI with strf's
  // rate zeroed counted 60.08 s, none decoded
  const strf = streams.find((s) => s.type === 'auds' && s.strfRefused)?.strfRefused;
  if (strf) return { kind: 'unreadable', codec: 'AVI', error: `${strf}: ffmpeg's demuxer refuses the file` };
  // the audio stream ffmpeg decodes when told nothing (fftools' choice: the most channels, the first of
  // those; AVI has no default flag): a 600 s mono stream before a 1 s stereo one counted 600 s, ffmpeg
  // decoding 1 s (attack round 25a, M1)
  let index = -1;
  streams.forEach((s, i) => {
    if (s.type === 'auds' && (index < 0 || (s.channels ?? 0) > (streams[index]!.channels ?? 0))) index = i;
  });
  const audio = streams[index];
  if (!audio) {
    if (!headerWhole)
      return {
        kind: 'unreadable',
        codec: 'AVI',
        error: 'cut off inside the AVI header: its streams are not all there',
      };
    return streams.some((s) => s.type === 'vids')
      ? { kind: 'other', codec: 'AVI', error: 'video, no audio stream' }
      : { kind: 'unreadable', codec: 'AVI', error: 'AVI without a stream we know' };
  }
  const codec = `AVI/${audio.tag === undefined ? 'UNKNOWN' : (CODECS[audio.tag] ?? `0x${audio.tag.toString(16).padStart(4, '0')}`)}`;
  const base = { codec, sampleRate: audio.sampleRate || undefined, channels: audio.channels || undefined };
  const claim = audio.rate > 0 && audio.scale > 0 ? (audio.length * audio.scale) / audio.rate : undefined;
  const said = claim !== undefined ? ` (its stream header says ${claim.toFixed(1)} s)` : '';
  // the audio stream's chunks present: 'NNwb', NN its number in two decimal digits
  const want = `${String(index).padStart(2, '0')}wb`;
  let bytes = 0;
  let chunks = 0;
  let walked = 0;
  // the stream's sizing, and the whole units its chunks hold (a PCM frame or WMA block cut by a
  // packet's end is dropped by ffmpeg's decoder)
  const z = sizing(audio);
  const unit = typeof z === 'object' && 'unit' in z ? z.unit : 0;
  const packet = packetBytes(audio);
  let units = 0;
  // the audio chunks' places, for a codec whose frames are counted (up to FRAMED_MAX bytes of them)
  const isDts = audio.tag === 0x2001;
  const framer = isDts ? dtsFramer(new DtsFrames()) : FRAMERS[audio.tag ?? -1];
  const aac = audio.tag === 0x00ff;
  const adpcm = audio.tag === 0x0002 || audio.tag === 0x0011;
  const spans: [number, number][] = [];
  let spanBytes = 0;
  const keep = (p: number, size: number): void => {
    if ((!framer && !aac && !adpcm) || spanBytes >= FRAMED_MAX) return;
    spans.push([p + 8, size]);
    spanBytes += size;
  };
  const take = (p: number, size: number): void => {
    bytes += size;
    chunks++;
    if (unit) units += unitsIn(size, packet, unit);
    keep(p, size);
  };
  /** the seconds the frames of the chunks walked hold; where not every chunk was walked, the rest in proportion */
  const inProportion = (seconds: number): ProbeResult =>
    spanBytes >= bytes
      ? { kind: 'audio', seconds, ...base }
      : {
          kind: 'audio',
          seconds: (seconds * bytes) / spanBytes,
          ...base,
          error: `estimated: the frames of the first ${spanBytes} bytes of audio counted, the rest in proportion`,
        };
  /** the audio the chunks taken hold, sized by the stream's codec */
  const measure = (): ProbeResult => {
    if (!chunks || !bytes) return { kind: 'unreadable', ...base, error: `no audio chunk in the file${said}` };
    const many = tooManyChannels(audio.channels ?? 0);
    if (many) return { kind: 'unreadable', ...base, error: `${many}${said}` };
    if (framer) {
      // MPEG audio, AC-3, DTS: the frames the chunks hold, their headers walked over the chunks' bytes
      // end to end (a frame may straddle two chunks), as ffmpeg's parser reads them. strh's scale, rate
      // and sample size and strf's sample rate are claims: AC-3 at a sample size of 1 and a rate of 13
      // counted 20 s as 36,923 s, MP3 at a rate of 900 bytes a second or strf's rate forged to 4 kHz
      // 20 s as 80-90 s (attack round 12a)
      // (DTS: a frame checker afresh for each reading, by the walk and by the index, as it keeps state;
      // less the frames in doubt: those not walked whole before one that was and was refused; dts.ts)
      const dts = isDts ? new DtsFrames() : undefined;
      const held = dts ? framedSeconds(src, spans, dtsFramer(dts)) - dts.retracted : framedSeconds(src, spans, framer);
      if (!(held > 0)) return { kind: 'unreadable', ...base, error: `no ${framer.name} frame in its chunks${said}` };
      return inProportion(held);
    }
    if (aac) {
      // AAC: the frames a decoder takes from the chunks (aac.ts, as Matroska reads an A_AAC block), at
      // the config's frame length, not a chunk a frame unread: 1 MB of junk chunks counted 1,580-3,159 s,
      // ffmpeg decoding 0-0.26 (attack round 20, high)
      const r = aacChunks(src, spans, audio);
      if (typeof r === 'string') return { kind: 'unreadable', ...base, error: `${r}${said}` };
      if (!(r > 0)) return { kind: 'unreadable', ...base, error: `no AAC frame a decoder takes in its chunks${said}` };
      return inProportion(r);
    }
    if (adpcm) {
      const r = adpcmChunks(src, spans, spanBytes, bytes, audio);
      return typeof r === 'string' ? { kind: 'unreadable', ...base, error: `${r}${said}` } : { ...r, ...base };
    }
    // PCM, G.711, WMA and the block codecs by their bytes (sizing); strh's claim is never the length
    if (typeof z === 'string') return { kind: 'unreadable', ...base, error: `${z}${said}` };
    const seconds =
      'unit' in z ? units * z.seconds : (z.block ? Math.floor(bytes / z.block) * z.block : bytes) / z.perSecond;
    if (!(seconds > 0)) return { kind: 'unreadable', ...base, error: `no whole sample in its chunks${said}` };
    return { kind: 'audio', seconds, ...base };
  };
  const reset = (): void => {
    bytes = 0;
    chunks = 0;
    units = 0;
    spans.length = 0;
    spanBytes = 0;
  };
  const walk = (from: number, to: number): void => {
    for (let p = from; p + 8 <= to && walked < MAX_CHUNKS; walked++) {
      const c = head8(src, p);
      if (c.length < 8) return;
      const id = c.toString('latin1', 0, 4);
      const size = c.readUInt32LE(4);
      if (id === 'LIST') walk(p + 12, Math.min(to, p + 8 + size));
      else if (id === want && p + 8 + size <= src.size) take(p, size);
      p += 8 + size + (size & 1);
    }
  };
  /** the audio as ffmpeg reads it sequentially: the chunks of movi walked */
  const byWalk = (): ProbeResult => {
    reset();
    for (const [from, to] of movi) walk(from, to);
    if (walked >= MAX_CHUNKS)
      return { kind: 'unreadable', ...base, error: `more than ${MAX_CHUNKS} chunks: audio not sized` };
    return measure();
  };
  // A whole single-RIFF file's idx1, read as ffmpeg's avi_read_idx1 reads it (an OpenDML file's indx
  // is read instead, and not here). ffmpeg reads packets where it says (each entry's size from its
  // offset + 8, whatever the chunk there) when it takes the file as non-interleaved; else it reads movi
  // on. leaktally believed idx1 only when every audio entry matched its chunk, and walked movi
  // otherwise: entries all at the first chunk, or the first one's offset past the end of the file
  // (4 bytes of ffmpeg's own 600 s PCM AVI), counted 600 s where ffmpeg, reading by the index, decodes
  // 0.128 (attack round 25a, H5).
  const idx1 = riffs.length === 1 && 8 + h.readUInt32LE(4) <= src.size && !hdr.odml ? index1 : undefined;
  const ix =
    idx1 && idx1[1] <= 64 * 1024 * 1024 && movi.length
      ? readIdx1(src, src.read(idx1[0], idx1[1]), movi[0]![0], streams, hdr.mustUseIndex)
      : undefined;
  if (!ix || ix.streams === 0) return byWalk();
  /** the audio as ffmpeg reads it by the index: the entries in order, up to one it cannot read whole */
  const byIndex = (): ProbeResult => {
    reset();
    // ffmpeg's ni_prepare_read: the stream whose next entry is earliest (the first of those) is read
    // next, and an entry it cannot read whole ends every stream (a video entry past the end of the
    // file left 7.2 s of 20 decoded)
    const next = ix.entries.map(() => 0);
    for (;;) {
      let best = -1;
      ix.entries.forEach((e, i) => {
        if (next[i]! < e.length && (best < 0 || e[next[i]!]![2] < ix.entries[best]![next[best]!]![2])) best = i;
      });
      if (best < 0) break;
      const [pos, len] = ix.entries[best]![next[best]!]!;
      next[best]!++;
      if (pos < 0 || pos + 8 + len > src.size) break;
      if (best === index) take(pos, len);
    }
    const r = measure();
    const why = 'read by its idx1 index, as ffmpeg reads a file it takes as non-interleaved';
    return { ...r, error: r.error ? `${r.error}; ${why}` : why };
  };
  if (ix.nonInterleaved) return byIndex();
  // one stream indexed: ffmpeg reads movi on (its drift test needs two)
  if (ix.streams === 1) return byWalk();
  // two or more: whether ffmpeg's drift test (check_stream_max_drift) takes the file as
  // non-interleaved is not worked out here; the lesser of the two readings is counted
  const w = byWalk();
  const i = byIndex();
  return (i.seconds ?? 0) < (w.seconds ?? 0) ? i : w;
}

/**
 * MS and IMA ADPCM: the blocks ffmpeg decodes in the chunks (each chunk a packet, its blocks up to the
 * first a decoder refuses; adpcm.ts), at strf's rate; past FRAMED_MAX bytes of chunks, the rest in
 * proportion. Sized by their bytes alone, blocks of junk counted as audio (attack round 22, H13).
 */
function adpcmChunks(
  src: FileSource,
  spans: readonly [number, number][],
  spanBytes: number,
  bytes: number,
  s: Stream,
): { kind: 'audio'; seconds: number; error?: string } | string {
  const f = adpcmFormat(s.tag!, s.channels ?? 0, s.blockAlign ?? 0, s.bits ?? 0);
  if (typeof f === 'string') return f;
  const rate = Math.max(s.sampleRate ?? 0, 4000);
  const blocks = spanBlocks(src, spans, f);
  if (!blocks) return "no ADPCM block a decoder takes in its chunks (their headers are not ADPCM's)";
  const seconds = (blocks * f.samples) / rate;
  if (spanBytes >= bytes) return { kind: 'audio', seconds };
  return {
    kind: 'audio',
    seconds: (seconds * bytes) / spanBytes,
    error: `estimated: the blocks of the first ${spanBytes} bytes of audio checked, the rest in proportion`,
  };
}

const FRAMERS: Record<number, Framer> = {
  0x0050: MPEG_FRAMER,
  0x0055: MPEG_FRAMER,
  0x2000: AC3_FRAMER,
};

/** DTS (0x2001): a framer of its own for each stream, its frames checked in order (walked whole at first, then spot-checked: dts.ts). */
function dtsFramer(dts: DtsFrames): Framer {
  return { name: 'DTS', sync: 0x7f, frame: (b, p, stop) => dts.frame(b, p, stop) };
}

/** An AVI stream's AAC chunks to ffmpeg's decoder: the stream's config, split as ffmpeg's parser splits them when there is none. */
const ADTS_FRAMER: Framer = { name: 'AAC (ADTS)', sync: 0xff, frame: adtsFrame };

/**
 * The seconds of AAC the chunks at spans hold, as ffmpeg reads them, or why it decodes none. With an
 * AudioSpecificConfig in strf, a chunk goes to the decoder as it is (in packets of the stream's sample
 * size, when it has one): a packet is a frame checked against the config (aac.ts), or ADTS frames read
 * by their headers, which the decoder takes over the config. Without one, ffmpeg's ADTS parser splits
 * the chunks end to end, and a stream that carries no ADTS decodes nothing.
 */
function aacChunks(src: FileSource, spans: readonly [number, number][], s: Stream): number | string {
  // the strf's rate is the decoder's, and aac_decode_init refuses one over 96 kHz (round 28a, as in
  // Matroska: ffmpeg's 10 s AAC in AVI at 192,000 Hz counted 10.1 s, none decoded)
  if ((s.sampleRate ?? 0) > 96000) return `AAC at ${s.sampleRate} Hz (over 96 kHz): a decoder refuses it`;
  if (!s.extra?.length) return framedSeconds(src, spans, ADTS_FRAMER);
  const cfg: AacConfig | string | undefined = aacConfig(s.extra, 0, s.extra.length);
  if (typeof cfg === 'string') return cfg;
  if (!cfg) return 'AAC whose AudioSpecificConfig leaktally cannot read';
  // a chunk goes to the decoder in ffmpeg avidec's packets
  const packet = packetBytes(s);
  let seconds = 0;
  let win: Buffer = Buffer.alloc(0);
  let winAt = 0;
  for (const [at, len] of spans) {
    if (at < winAt || at + len > winAt + win.length) {
      winAt = at;
      win = src.read(at, Math.max(len, 1024 * 1024));
    }
    src.work.tick();
    const chunk = win.subarray(at - winAt, at - winAt + len);
    for (let q = 0; q < chunk.length; q += packet) {
      const pk = chunk.subarray(q, Math.min(chunk.length, q + packet));
      if (pk.length >= 2 && pk[0] === 0xff && (pk[1]! & 0xf0) === 0xf0) {
        // ADTS in the packet: its frames one after another, each by its own header
        for (let p = 0, f = adtsFrame(pk, 0, pk.length); f; f = adtsFrame(pk, p, pk.length)) {
          seconds += f.seconds;
          p += f.size;
        }
      } else if (aacFrameHolds(pk, 0, pk.length, cfg)) seconds += cfg.frame / cfg.rate;
    }
  }
  return seconds;
}

/** A chunk id's stream number (its first two characters as decimal digits), or 100 (ffmpeg's get_stream_idx). */
function streamIdx(b: Buffer, p: number): number {
  const d0 = b[p]! - 48;
  const d1 = b[p + 1]! - 48;
  return d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 ? d0 * 10 + d1 : 100;
}

/**
 * Where ffmpeg's avi_sync finds the first packet in movi (from its first chunk, LISTs entered, JUNK,
 * idx1, indx and ix## stepped over): the first chunk of a stream's number; 0 for none.
 */
function firstPacket(src: FileSource, from: number, to: number, streams: number): number {
  for (let p = from, n = 0; p + 8 <= to && n < 64; n++) {
    const c = head8(src, p);
    if (c.length < 8) return 0;
    const id = c.toString('latin1', 0, 4);
    const size = c.readUInt32LE(4);
    if (id === 'LIST') {
      p += 12;
      continue;
    }
    const ix = id.startsWith('ix') || id.endsWith('ix');
    if (!ix && id !== 'JUNK' && id !== 'idx1' && id !== 'indx' && streamIdx(c, 0) < streams) return p;
    p += 8 + size + (size & 1);
  }
  return 0;
}

/**
 * An idx1 as ffmpeg's avi_read_idx1 reads it: each entry of a stream's number (its first two
 * characters; 'pc' palette entries left out) at its offset plus data_offset, which maps the first
 * entry to the first packet in movi unless it already is there; an entry at the same offset as the
 * last one kept is dropped, and makes ffmpeg take the file as non-interleaved, as AVIF_MUSTUSEINDEX
 * does. Then guess_ni_flag: a stream whose first chunk runs past its second entry's offset, or whose
 * first chunk is 8 bytes larger than its entry says, or streams whose indexed ranges do not overlap.
 * (Its drift test across two streams or more is not worked out: the caller counts the lesser reading.)
 */
function readIdx1(
  src: FileSource,
  t: Buffer,
  moviStart: number,
  streams: readonly Stream[],
  mustUseIndex: boolean,
): { entries: [number, number, number][][]; streams: number; nonInterleaved: boolean } {
  // each entry's offset, size and time (its stream's units before it, as get_duration counts them:
  // bytes for a stream of a sample size, else one an entry; at strh's scale and rate)
  const entries: [number, number, number][][] = streams.map(() => []);
  const cum = streams.map(() => 0);
  const first = firstPacket(src, moviStart, src.size, streams.length);
  let nonInterleaved = mustUseIndex;
  let dataOffset = 0;
  let firstEntry = true;
  let lastPos = -1;
  let lastKept = -1;
  for (let q = 0; q + 16 <= t.length; q += 16) {
    src.work.tick();
    const n = streamIdx(t, q);
    if (n >= streams.length || (t[q + 2] === 0x70 && t[q + 3] === 0x63)) continue;
    let pos = t.readUInt32LE(q + 8);
    const len = t.readUInt32LE(q + 12);
    if (firstEntry && first) {
      if (moviStart !== pos || pos + 500 > first) dataOffset = first - pos;
      firstEntry = false;
    }
    pos += dataOffset;
    if (lastPos === pos) nonInterleaved = true;
    // (av_add_index_entry refuses a size over 0x3FFFFFFF)
    const st = streams[n]!;
    const ts = (cum[n]! * (st.scale || 1)) / (st.rate || 1) / Math.max(1, st.sampleSize);
    if (lastKept !== pos && len && len <= 0x3fffffff) {
      entries[n]!.push([pos, len, ts]);
      lastKept = pos;
    }
    cum[n]! += st.sampleSize ? len : 1;
    lastPos = pos;
  }
  let lastStart = 0;
  let firstEnd = Infinity;
  let indexed = 0;
  entries.forEach((e, i) => {
    if (!e.length) return;
    indexed++;
    if (e.length >= 2 && e[0]![0] >= 0 && e[0]![0] + 8 <= src.size) {
      const c = head8(src, e[0]![0]);
      const size = c.readUInt32LE(4);
      if (streamIdx(c, 0) === i && (e[0]![0] + size > e[1]![0] || size === e[0]![1] + 8)) lastStart = Infinity;
    }
    lastStart = Math.max(lastStart, e[0]![0]);
    firstEnd = Math.min(firstEnd, e[e.length - 1]![0]);
  });
  if (lastStart > firstEnd) nonInterleaved = true;
  return { entries, streams: indexed, nonInterleaved };
}

function readHdrl(
  src: FileSource,
  from: number,
  to: number,
  streams: Stream[],
  hdr: { mustUseIndex: boolean; odml: boolean },
): void {
  for (let p = from, n = 0; p + 8 <= to && n < 256; n++) {
    const c = head8(src, p);
    if (c.length < 8) return;
    const size = c.readUInt32LE(4);
    // avih's flags (its fourth field): AVIF_MUSTUSEINDEX makes ffmpeg read by the index
    if (c.toString('latin1', 0, 4) === 'avih' && size >= 16) {
      const f = src.read(p + 20, 4);
      hdr.mustUseIndex = f.length === 4 && !!(f.readUInt32LE(0) & 0x20);
    }
    if (c.toString('latin1', 0, 4) === 'LIST' && c.length >= 12 && c.toString('latin1', 8, 12) === 'strl') {
      const body = src.read(p + 12, Math.min(size - 4, 4096));
      const s: Stream = { type: '', scale: 0, rate: 0, length: 0, sampleSize: 0 };
      let q = 0;
      for (; q + 8 <= body.length;) {
        const id = body.toString('latin1', q, q + 4);
        const len = body.readUInt32LE(q + 4);
        const b = q + 8;
        if (id === 'strh' && b + 48 <= body.length) {
          s.type = body.toString('latin1', b, b + 4);
          s.scale = body.readUInt32LE(b + 20);
          s.rate = body.readUInt32LE(b + 24);
          s.length = body.readUInt32LE(b + 32);
          s.sampleSize = body.readUInt32LE(b + 44);
        } else if (id === 'indx') hdr.odml = true;
        else if (id === 'strf' && s.type === 'auds' && len > 0 && len < 14)
          s.strfRefused = `an AVI audio format of ${len} bytes (under 14)`;
        else if (id === 'strf' && s.type === 'auds' && len >= 14 && b + 14 <= body.length) {
          s.tag = body.readUInt16LE(b);
          s.channels = body.readUInt16LE(b + 2);
          s.sampleRate = body.readUInt32LE(b + 4);
          // ff_get_wav_header reads the rate signed and refuses 0 or less (XMA's is in its extradata)
          if (s.tag !== 0x165 && body.readInt32LE(b + 4) <= 0)
            s.strfRefused = `an AVI audio stream with a sample rate of ${body.readInt32LE(b + 4)}`;
          s.avgBytes = body.readUInt32LE(b + 8);
          s.blockAlign = body.readUInt16LE(b + 12);
          // (a 14-byte WAVEFORMAT has no bits a sample: ffmpeg's riffdec takes 8)
          if (len === 14) s.bits = 8;
          else if (b + 16 <= body.length) s.bits = body.readUInt16LE(b + 14);
          // (ffmpeg takes cbSize bytes at most, and no more than strf holds)
          if (len >= 18 && b + 18 <= body.length) {
            const cb = Math.min(body.readUInt16LE(b + 16), len - 18);
            if (cb > 0) s.extra = Buffer.from(body.subarray(b + 18, Math.min(body.length, b + 18 + cb)));
          }
          // WAVE_FORMAT_EXTENSIBLE: the codec is its sub-format's, as riffdec takes it in AVI as in WAV.
          // ffmpeg writes it for audio of more than two channels: its own 6-channel PCM and DTS AVIs
          // were unreadable here ("a codec leaktally cannot size"), 5 s decoded
          if (s.tag === 0xfffe) {
            const sub = extensibleTag(body.subarray(b, Math.min(body.length, b + len)));
            // riffdec reads the extension's 22 bytes and takes the cbSize - 22 after them as the codec's
            // extradata: ffmpeg's own AAC AVI at 64-96 kHz or of more than 2 channels (written extensible)
            // has its AudioSpecificConfig there, and was counted 0 s of 30.46 decoded without it (round 29a, H1)
            if (typeof sub === 'number') {
              s.tag = sub;
              s.extra = s.extra && s.extra.length > 22 ? s.extra.subarray(22) : undefined;
            }
          }
        }
        q = b + len + (len & 1);
      }
      // ffmpeg reads the header's chunks one after another, not by the LIST's size: a chunk running
      // past its strl (strf's size made odd, 31 for 30) has it read the next chunk's bytes as chunk
      // headers, and ffmpeg's own 8 s MP3 AVI was refused whole, 8.2 s counted (round 26a's header-field
      // fuzzer on this branch). (A pad byte the LIST does not count is let be.)
      if (q > size - 4 + 1 && s.type === 'auds')
        s.strfRefused = `an AVI stream header chunk running past its list (${q} of ${size - 4} bytes)`;
      streams.push(s);
    }
    p += 8 + size + (size & 1);
  }
}
