/*
 * MPEG transport streams (.ts, .m2ts: broadcast captures, some recorders) by hand: no library here
 * reads them, and a TS has no length header at all. The audio track is found as a player finds it
 * (PAT → PMT → the first audio elementary stream), its PES payload is gathered, and the complete
 * frames in it are counted with the ADTS and MPEG audio frame readers: the audio present, also in a
 * cut copy. A stream larger than WHOLE_MAX is sized by the span of its audio PES timestamps (first
 * at the head, last at the tail) plus the frames of the last PES, unless that span is more than
 * STAMPS_SLACK times what the audio frames hold in the head and the tail, and between them in proportion
 * to what SAMPLES windows there hold (an estimate, marked): a tail PES's timestamp is a claim, and 10 s
 * of MP3, 2 MiB of null packets, a hole to 70 MiB and a tail whose timestamps were 2,000 s on counted
 * 2,010 s (attack round 9b, high).
 */
import { frameAt as ac3FrameAt, checkedFrameAt } from './ac3.js';
import { AAC_RATES } from './aac.js';
import { adtsFrame } from './adts.js';
import { frameAt, frameSeconds, type Frame } from './mp3.js';
import type { FileSource, ProbeResult } from './types.js';

const WHOLE_MAX = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const WINDOW = 2 * 1024 * 1024;
/**
 * Windows read between the head and the tail of a large stream, and the bytes of each: one drawn at
 * random in each of SAMPLES equal strata of the gap. At fixed places a forger knows where to put the
 * audio: MP2 in the 16 windows then read, null packets between (not sparse) and the tail's timestamps
 * matched counted 8,400 s of an 81 MB file, 16,600 s with the tail moved on, where ffmpeg decodes 867
 * (attack round 22 H1). Drawn at random (as mp4.ts draws AAC samples), such audio is found in
 * proportion to what it fills; 64 windows of 64 KiB read as many bytes as 16 of 256 KiB did.
 */
const SAMPLES = 64;
const SAMPLE_BYTES = 64 * 1024;
/**
 * How far the timestamps may run past what the frames read hold before the frames are the count. A
 * stream whose audio is muxed evenly (a recorder's, a broadcast's) holds it in every window alike, so
 * the two agree within a few per cent; twice (before round 22) let a forger's tail claim double it.
 */
const STAMPS_SLACK = 1.25;

/** Packet size and the offset of the first sync byte (188-byte TS, or 192-byte M2TS with a 4-byte time code), or undefined. */
export function tsLayout(h: Buffer): { size: 188 | 192; first: number } | undefined {
  for (const [size, first] of [
    [188, 0],
    [192, 4],
  ] as const) {
    if (
      h.length >= first + 2 * size + 1 &&
      h[first] === 0x47 &&
      h[first + size] === 0x47 &&
      h[first + 2 * size] === 0x47
    )
      return { size, first };
  }
  return undefined;
}

type AudioType = 'AAC' | 'MPEG' | 'AC3' | 'other';
const AUDIO_TYPES: Record<number, AudioType> = {
  0x03: 'MPEG',
  0x04: 'MPEG',
  0x0f: 'AAC',
  0x11: 'other',
  // ATSC AC-3 and E-AC-3 (ffmpeg's MISC_types, in any TS): ffmpeg's muxer writes them so
  0x81: 'AC3',
  0x87: 'AC3',
  0x82: 'other',
  0x86: 'other',
};
const VIDEO_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24, 0x42, 0xea]);
/**
 * Blu-ray and AVCHD audio (192-byte M2TS packets only: in ATSC 0x80 is video): LPCM, TrueHD, E-AC-3,
 * DTS-HD and the secondary streams. A camera's M2TS with LPCM was "video, no audio track".
 */
const BD_AUDIO_TYPES = new Set([0x80, 0x83, 0x84, 0x85, 0xa1, 0xa2]);
/**
 * Blu-ray E-AC-3 (primary, secondary), read when the program is registered as HDMV or HDPR as ffmpeg
 * then maps them (its HDMV_types; `-mpegts_m2ts_mode 1` writes E-AC-3 so), else not read.
 */
const BD_EAC3_TYPES = new Set([0x84, 0xa1]);
/**
 * What ffmpeg makes of a private-data stream (0x06) from its ES descriptors: the first descriptor
 * whose tag is in its DESC_types (AC-3 0x6a, E-AC-3 0x7a, DTS 0x7b, teletext 0x56, DVB subtitles 0x59),
 * or registration descriptor (0x05) whose format is in its REGD_types, names the codec and later ones
 * change nothing. 'AC3': AC-3 or E-AC-3 (DVB's, and `-mpegts_flags system_b`), read; 'other': audio not
 * read (DTS, Opus, AC-4, SMPTE 302M; AAC's 0x7c, which ffmpeg probes); 'none': not audio (subtitles,
 * video, data), as ffmpeg does not probe it; undefined: no codec named, ffmpeg probes the first PES.
 */
type Named = AudioType | 'none';
const DESCRIPTOR_CODECS: Record<number, Named> = {
  0x6a: 'AC3',
  0x7a: 'AC3',
  0x7b: 'other',
  0x7c: 'other',
  0x56: 'none',
  0x59: 'none',
};
const REGISTERED: Record<string, Named> = {
  'AC-3': 'AC3',
  EAC3: 'AC3',
  'AC-4': 'other',
  BSSD: 'other',
  DTS1: 'other',
  DTS2: 'other',
  DTS3: 'other',
  Opus: 'other',
  mlpa: 'other',
  drac: 'none',
  HEVC: 'none',
  'VVC ': 'none',
  KLVA: 'none',
  VANC: 'none',
  'ID3 ': 'none',
  'VC-1': 'none',
};

/** The program's descriptors hold a registration descriptor (0x05) of HDMV or HDPR (Blu-ray). */
function hdmvProgram(d: Buffer): boolean {
  for (let i = 0; i + 2 <= d.length; i += 2 + d[i + 1]!) {
    if (d[i] === 0x05 && d[i + 1]! >= 4 && ['HDMV', 'HDPR'].includes(d.toString('latin1', i + 2, i + 6))) return true;
  }
  return false;
}

function privateCodec(d: Buffer): Named | undefined {
  for (let i = 0; i + 2 <= d.length; i += 2 + d[i + 1]!) {
    const named =
      DESCRIPTOR_CODECS[d[i]!] ??
      (d[i] === 0x05 && d[i + 1]! >= 4 ? REGISTERED[d.toString('latin1', i + 2, i + 6)] : undefined);
    if (named) return named;
  }
  return undefined;
}

interface Packet {
  pid: number;
  start: boolean;
  payload: Buffer;
}

function* packets(b: Buffer, size: number, first: number): Generator<Packet> {
  for (let p = first; p + 188 <= b.length; p += size) {
    if (b[p] !== 0x47) continue;
    const pid = ((b[p + 1]! & 0x1f) << 8) | b[p + 2]!;
    const afc = (b[p + 3]! >> 4) & 3;
    if (!(afc & 1)) continue;
    let o = p + 4;
    if (afc & 2) o += 1 + b[p + 4]!;
    if (o >= p + 188) continue;
    yield { pid, start: (b[p + 1]! & 0x40) !== 0, payload: b.subarray(o, p + 188) };
  }
}

/** The section after the pointer field, or undefined. */
function section(pl: Buffer): Buffer | undefined {
  const s = 1 + pl[0]!;
  if (s + 3 > pl.length) return undefined;
  const len = ((pl[s + 1]! & 0x0f) << 8) | pl[s + 2]!;
  return pl.subarray(s, Math.min(pl.length, s + 3 + len));
}

/**
 * PES stream_ids whose packets carry no header extension (ISO 13818-1 2.4.3.7: program_stream_map,
 * private_stream_2, ECM, EMM, program_stream_directory, DSMCC, H.222.1 type E): ffmpeg's demuxer takes
 * their payload from byte 6, where leaktally read byte 8 as a header length and dropped up to 255 bytes.
 */
const NO_EXTENSION = new Set([0xbc, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff]);
/** padding_stream: ffmpeg's demuxer skips such a PES whole ("goto skip") */
const PADDING_STREAM = 0xbe;

/** One PES as the demuxer hands it on: its timestamp (when its header has one) and its payload. */
interface Pes {
  pts?: number;
  data: Buffer[];
}

const SKIP = 0;
const HEADER = 1;
const PAYLOAD = 2;

/**
 * One PID's PES packets assembled as ffmpeg's demuxer assembles them (libavformat/mpegts.c,
 * mpegts_push_data), so that the bytes counted are the bytes its decoder is given:
 * - a PES whose stream_id is 0xBE (padding_stream) is skipped whole: its payload is no audio. Read as
 *   audio, one byte changed in each audio PES of ffmpeg's own 600 s MP2 TS left 600 s counted where
 *   ffmpeg decodes none (attack round 24 C2); the stream_ids in NO_EXTENSION have their payload at byte 6;
 * - the header (6 bytes, then 9, then 9 + its length byte) may run on into the next packets of the PID;
 * - PES_packet_length bounds the payload: what the first packet holds past it is dropped, and a PES
 *   that ends exactly where its length says skips the packets after it up to the next start; a PES
 *   that runs on past its length (not ending exactly) keeps the rest, as ffmpeg emits it and goes on
 *   unbounded. ffmpeg skips that check in the packet that started the PES when its start emitted the PES
 *   before (its stop_parse flag), and so does this;
 * - a packet before the first PES start is nothing.
 * The continuity counter is not looked at: ffmpeg's demuxer only flags a PES whose counter repeats or
 * jumps as corrupt (not a discontinuity_indicator's), and decodes it, duplicates and all (attack round 24
 * H6: each audio packet sent twice, ffmpeg decodes 75 s of 600; dropping the duplicates would count
 * 600). What its parser makes of such bytes is mpegPayloadSeconds's business.
 */
class PesReader {
  readonly pes: Pes[] = [];
  private state = SKIP;
  private readonly header = Buffer.alloc(9 + 255);
  private have = 0;
  private headerSize = 0;
  private length = 0;
  /** payload bytes of the current PES since ffmpeg last emitted it */
  private index = 0;

  push(pl: Buffer, start: boolean): void {
    let emitted = false;
    if (start) {
      emitted = this.state === PAYLOAD && this.index > 0;
      this.state = HEADER;
      this.have = 0;
      this.index = 0;
    }
    let p = 0;
    while (p < pl.length) {
      if (this.state === SKIP) return;
      if (this.state === HEADER) {
        // 6 bytes (start code, stream_id, length), then 9, then 9 + the header's length byte
        const h = this.header;
        const need = this.have < 6 ? 6 : this.have < 9 ? 9 : this.headerSize;
        const n = Math.min(need - this.have, pl.length - p);
        pl.copy(h, this.have, p, p + n);
        this.have += n;
        p += n;
        if (this.have < need) return;
        if (need === 6) {
          if (h[0] !== 0 || h[1] !== 0 || h[2] !== 1 || h[3] === PADDING_STREAM) {
            this.state = SKIP;
            return;
          }
          this.length = h.readUInt16BE(4);
          if (NO_EXTENSION.has(h[3]!)) this.open(6, undefined);
        } else if (need === 9 && h[8]! > 0) this.headerSize = 9 + h[8]!;
        else if (need === 9 && p === pl.length) {
          // ffmpeg reads an empty header extension only when more bytes follow in the packet
          this.headerSize = 9;
        } else {
          const pts =
            h[7]! & 0x80 && need >= 14
              ? ((h[9]! >> 1) & 7) * 2 ** 30 +
                ((h[10]! << 7) | (h[11]! >> 1)) * 2 ** 15 +
                ((h[12]! << 7) | (h[13]! >> 1))
              : undefined;
          this.open(need, pts);
        }
        continue;
      }
      // the payload: bounded by PES_packet_length when it says more than the header
      const max = this.length && this.length + 6 > this.headerSize ? this.length + 6 - this.headerSize : Infinity;
      let n = pl.length - p;
      if (this.index > 0 && this.index + n > max) {
        // ffmpeg emits what it has and goes on, unbounded
        this.length = 0;
        this.index = 0;
        emitted = true;
      } else if (this.index === 0 && n > max) n = max;
      this.pes[this.pes.length - 1]!.data.push(pl.subarray(p, p + n));
      this.index += n;
      if (!emitted && this.length && this.headerSize + this.index === this.length + 6) this.state = SKIP;
      return;
    }
  }

  private open(headerSize: number, pts: number | undefined): void {
    this.headerSize = headerSize;
    this.state = PAYLOAD;
    this.index = 0;
    this.pes.push({ pts, data: [] });
  }

  /** every payload byte, in order */
  bytes(from = 0): Buffer {
    return Buffer.concat(this.pes.slice(from).flatMap((e) => e.data));
  }
}

/**
 * The payload of a PES start packet alone, as PesReader would begin it (a header cut by the packet's
 * end gives none): what a private-data stream's first PES is sniffed by.
 */
function pesHead(pl: Buffer): Buffer | undefined {
  const r = new PesReader();
  r.push(pl, true);
  return r.pes[0]?.data[0];
}

interface Counted {
  seconds: number;
  sampleRate: number;
  /** not read from an AC-3 header */
  channels?: number;
  /** AC-3's or E-AC-3's, by the first frame counted (ffmpeg's parser names the codec so too) */
  codec?: string;
}

/** a header of the same stream: sync, version, layer and sample rate */
const MPEG_STREAM = 0xfffe0c00;
const EMPHASIS_CLEARED = Buffer.alloc(4);

/**
 * The frame ffmpeg's MPEG audio parser takes at p: any header its check passes (libavcodec
 * mpegaudiodecheader: sync, version, layer, bit rate index 1-14, sample rate), the reserved emphasis
 * too, which frameAt refuses (such a frame is taken, not counted).
 */
function parsedFrame(b: Buffer, p: number): { f: Frame; counts: boolean } | undefined {
  const f = frameAt(b, p);
  if (f) return { f, counts: true };
  if (p + 4 > b.length || (b[p + 3]! & 3) !== 2) return undefined;
  b.copy(EMPHASIS_CLEARED, 0, p, p + 4);
  EMPHASIS_CLEARED[3]! &= 0xfc;
  const g = frameAt(EMPHASIS_CLEARED, 0);
  return g && { f: g, counts: false };
}

/**
 * Seconds of the MPEG audio frames in a PID's payload that ffmpeg decodes. Its parser takes the first
 * header at or after where the last frame ended, and the frame whole (it does not look for headers
 * inside it); its decoder is handed the bytes from the last frame's end to this one's, and when they
 * do not begin with a header ("Header missing") the frame is lost. So a frame after junk is not
 * counted, nor one inside a frame taken before. Resynchronising into every frame found after junk
 * counted 525 s of ffmpeg's 600 s MP2 TS with each audio packet sent twice, where ffmpeg decodes
 * 75 s (attack round 24 H6). `mid`: the bytes begin somewhere in a stream (a window, the tail), where
 * a decoder reading from the start was in step: the first frame found counts.
 */
function mpegPayloadSeconds(b: Buffer, mid = false): Counted | undefined {
  let samples = 0;
  let rate = 0;
  let ch = 0;
  // the first counted frame's sync, version, layer and rate (unsigned: `&` gives a signed number, and
  // before round 24 a "stream < 0" test on it took every frame for the first)
  let stream: number | undefined;
  for (let p = 0; p + 4 <= b.length;) {
    let k = b.indexOf(0xff, p);
    let t: ReturnType<typeof parsedFrame>;
    while (k >= 0 && k + 4 <= b.length && !(t = parsedFrame(b, k))) k = b.indexOf(0xff, k + 1);
    if (!t || k < 0 || k + t.f.size > b.length) break;
    const f = t.f;
    let ok = t.counts && (k === p || (mid && stream === undefined));
    if (ok && stream === undefined) {
      // the first frame is believed when the next one follows it (or the buffer ends there)
      const n = k + f.size + 4 <= b.length ? frameAt(b, k + f.size) : f;
      ok = !!n && (n.header & MPEG_STREAM) === (f.header & MPEG_STREAM);
    } else if (ok) ok = (f.header & MPEG_STREAM) >>> 0 === stream;
    if (ok) {
      if (stream === undefined) {
        stream = (f.header & MPEG_STREAM) >>> 0;
        rate = f.sampleRate;
        ch = f.channels;
      }
      // a frame whose side information no decoder accepts holds nothing (frameSeconds)
      if (frameSeconds(b, k, f) > 0) samples += f.samples;
    }
    p = k + f.size;
  }
  return samples ? { seconds: samples / rate, sampleRate: rate, channels: ch } : undefined;
}

/**
 * The length of the ADTS frame whose header is at p as ffmpeg's parser takes it (libavcodec
 * adts_header.c: the 12-bit sync word, a sample rate index under 13, a length of at least 7; the
 * layer bits are not looked at), or 0.
 */
function adtsParsedLength(b: Buffer, p: number): number {
  if (p + 7 > b.length || b[p] !== 0xff || (b[p + 1]! & 0xf0) !== 0xf0 || ((b[p + 2]! >> 2) & 15) > 12) return 0;
  const len = ((b[p + 3]! & 3) << 11) | (b[p + 4]! << 3) | (b[p + 5]! >> 5);
  return len >= 7 ? len : 0;
}

/**
 * Seconds of the ADTS AAC frames in a PID's payload that ffmpeg decodes. Its parser (aac_ac3_parser.c)
 * takes the first header at or after where the last frame ended and the frame whole; a frame counts
 * here when it has the first counted frame's fixed header and its raw data blocks are a decoder's
 * (adtsFrame). The ADTS walk resynchronised inside frames ffmpeg takes whole: each audio packet of
 * ffmpeg's own 120 s AAC TS sent twice counted 40.8 s, ffmpeg decoding 16.9 (attack round 24, H6's AAC).
 */
function adtsParsedSeconds(b: Buffer): Counted | undefined {
  let seconds = 0;
  let fixed: number | undefined;
  for (let p = 0; p + 7 <= b.length;) {
    let k = b.indexOf(0xff, p);
    while (k >= 0 && k + 7 <= b.length && !adtsParsedLength(b, k)) k = b.indexOf(0xff, k + 1);
    const len = k >= 0 ? adtsParsedLength(b, k) : 0;
    if (!len || k + len > b.length) break;
    const head = ((b[k + 1]! << 16) | (b[k + 2]! << 8) | (b[k + 3]! & 0xc0)) >>> 0;
    const f = fixed === undefined || head === fixed ? adtsFrame(b, k, k + len) : undefined;
    if (f?.seconds) {
      fixed ??= head;
      seconds += f.seconds;
    }
    p = k + len;
  }
  if (fixed === undefined) return undefined;
  const cc = (fixed >> 6) & 7;
  const rate = AAC_RATES[(fixed >> 10) & 15]!;
  // (whole samples: a sum of frames' seconds drifts in the last digits)
  return { seconds: Math.round(seconds * rate) / rate, sampleRate: rate, channels: cc === 7 ? 8 : cc || undefined };
}

/**
 * Seconds of the AC-3 and E-AC-3 frames in a PID's payload that ffmpeg decodes. Its parser
 * (libavcodec/aac_ac3_parser.c) takes the first header at or after where the last frame ended, the
 * frame whole, and does not look inside it; a frame counts here when its CRC holds too (ac3.ts), and
 * only an independent frame of the first program adds time. Until round 24 a stream of these in a TS
 * (as ffmpeg's muxer writes them, stream type 0x81 or 0x87) was unreadable (attack round 24 H5).
 */
function ac3PayloadSeconds(b: Buffer): Counted | undefined {
  const samples = new Map<number, number>();
  let first: { rate: number; eac3: boolean } | undefined;
  for (let p = 0; p + 6 <= b.length;) {
    let k = b.indexOf(0x0b, p);
    while (k >= 0 && k + 6 <= b.length && !ac3FrameAt(b, k)) k = b.indexOf(0x0b, k + 1);
    const f = k >= 0 ? ac3FrameAt(b, k) : undefined;
    if (!f || k + f.size > b.length) break;
    if (f.independent && checkedFrameAt(b, k, b.length)) {
      samples.set(f.rate, (samples.get(f.rate) ?? 0) + f.samples);
      first ??= f;
    }
    p = k + f.size;
  }
  let seconds = 0;
  for (const [r, n] of samples) seconds += n / r;
  return first ? { seconds, sampleRate: first.rate, codec: first.eac3 ? 'E-AC-3' : 'AC-3' } : undefined;
}

export function probeTs(src: FileSource, layout: { size: 188 | 192; first: number }): ProbeResult | undefined {
  const { size, first } = layout;
  const whole = src.size <= WHOLE_MAX;
  let pmtPids = new Set<number>();
  let audio: { pid: number; type: AudioType; streamType: number } | undefined;
  let sawPmt = false;
  let sawVideo = false;
  /** the stream type of a second audio stream in the PMT (attack round 25a, M1) */
  let another: number | undefined;
  // private-data streams (0x06) with no descriptor naming a codec: ffmpeg's M2TS muxer writes AAC and
  // MP3 so, and players tell them by their first PES (sniffed below); else 5 s of AAC was "no audio track"
  const privates = new Set<number>();
  const head = new PesReader();
  const limit = whole ? src.size : WINDOW;
  // chunks aligned to whole packets
  const step = Math.floor(CHUNK / size) * size;
  for (let pos = 0; pos < limit; pos += step) {
    const b = pos === 0 && src.head.length === src.size ? src.head : src.read(pos, Math.min(step + first, limit - pos));
    for (const pk of packets(b, size, first)) {
      if (!audio) {
        if (pk.pid === 0 && pk.start) {
          const s = section(pk.payload);
          if (s?.[0] === 0x00) {
            const ids = new Set<number>();
            for (let i = 8; i + 4 <= s.length - 4; i += 4) {
              if (s.readUInt16BE(i) !== 0) ids.add(s.readUInt16BE(i + 2) & 0x1fff);
            }
            pmtPids = ids;
          }
        } else if (privates.has(pk.pid) && pk.start) {
          const type = sniff(pesHead(pk.payload));
          if (type) audio = { pid: pk.pid, type, streamType: 0x06 };
        } else if (pmtPids.has(pk.pid) && pk.start) {
          const s = section(pk.payload);
          if (s?.[0] === 0x02 && s.length >= 12) {
            sawPmt = true;
            let i = 12 + (s.readUInt16BE(10) & 0x0fff);
            const hdmv = hdmvProgram(s.subarray(12, Math.min(i, s.length - 4)));
            while (i + 5 <= s.length - 4) {
              const st = s[i]!;
              const pid = s.readUInt16BE(i + 1) & 0x1fff;
              const info = s.readUInt16BE(i + 3) & 0x0fff;
              const named =
                AUDIO_TYPES[st] ??
                (size === 192 && BD_AUDIO_TYPES.has(st)
                  ? hdmv && BD_EAC3_TYPES.has(st)
                    ? 'AC3'
                    : 'other'
                  : st === 0x06
                    ? privateCodec(s.subarray(i + 5, Math.min(s.length - 4, i + 5 + info)))
                    : undefined);
              const type = named === 'none' ? undefined : named;
              if (type && audio && pid !== audio.pid) another ??= st;
              if (type && !audio) audio = { pid, type, streamType: st };
              else if (st === 0x06 && !named) privates.add(pid);
              if (VIDEO_TYPES.has(st)) sawVideo = true;
              i += 5 + info;
            }
          }
        }
        if (!audio) continue;
      }
      if (pk.pid === audio.pid) head.push(pk.payload, pk.start);
    }
    if (!audio && pos + step >= WINDOW) break; // no PMT naming an audio track in the first 2 MiB
  }
  if (!sawPmt) return undefined;
  if (!audio)
    return {
      kind: 'other',
      codec: 'MPEG-TS',
      error: sawVideo ? 'video, no audio track' : 'MPEG-TS without an audio track',
    };
  const codec = `MPEG-TS/${audio.type === 'AAC' ? 'AAC' : audio.type === 'MPEG' ? 'MPEG AUDIO' : audio.type === 'AC3' ? 'AC-3' : `0x${audio.streamType.toString(16)}`}`;
  // ffmpeg decodes the audio stream with the most channels (the first of those): a 600 s mono MP3
  // stream before a 1 s stereo MP2 one counted 600 s, ffmpeg -i F decoding 1 s (attack round 25a, M1);
  // as in flv.ts, which one it takes is not measured here (channels are the frames' to tell)
  if (another !== undefined)
    return {
      kind: 'unreadable',
      codec,
      error: `MPEG-TS of two audio streams (types 0x${audio.streamType.toString(16)} and 0x${another.toString(16)}): which one ffmpeg decodes is not measured`,
    };
  if (audio.type === 'other')
    return {
      kind: 'unreadable',
      codec,
      error: `MPEG-TS audio of stream type 0x${audio.streamType.toString(16)}: its frames are not read`,
    };
  const type = audio.type;
  const count = (b: Buffer, mid = false): Counted | undefined =>
    type === 'AAC' ? adtsParsedSeconds(b) : type === 'AC3' ? ac3PayloadSeconds(b) : mpegPayloadSeconds(b, mid);
  if (whole) {
    const r = count(head.bytes());
    if (!r) return { kind: 'unreadable', codec, error: 'MPEG-TS: no complete audio frame' };
    return {
      kind: 'audio',
      codec: r.codec ? `MPEG-TS/${r.codec}` : codec,
      seconds: r.seconds,
      sampleRate: r.sampleRate,
      channels: r.channels,
    };
  }
  // large: the PTS span from the first audio PES to the last one in the tail, plus that last PES's frames
  const tailPos = Math.max(0, Math.floor((src.size - WINDOW - first) / size) * size);
  const tail = src.read(tailPos, src.size - tailPos);
  const ending = pidPayload(tail, audio.pid, size, first);
  // the last PES with a timestamp, and its frames (and those of any PES after it without one)
  let lastAt = ending.pes.length - 1;
  while (lastAt >= 0 && ending.pes[lastAt]!.pts === undefined) lastAt--;
  const firstPts = head.pes.find((e) => e.pts !== undefined)?.pts;
  const lastPts = lastAt >= 0 ? ending.pes[lastAt]!.pts : undefined;
  const last = lastAt >= 0 ? count(ending.bytes(lastAt), true) : undefined;
  if (firstPts === undefined || lastPts === undefined || !last)
    return { kind: 'unreadable', codec, error: 'MPEG-TS: audio timestamps not found at the head and tail' };
  let span = lastPts - firstPts;
  if (span < 0) span += 2 ** 33; // the 33-bit clock wrapped once
  const byStamps = span / 90000 + last.seconds;
  // what the frames hold: in the head (up to where it was read), the tail and windows between
  const headBytes = Math.min(limit, src.size);
  const ends = (count(head.bytes())?.seconds ?? 0) + (count(ending.bytes(), true)?.seconds ?? 0);
  // the bytes between: their audio in proportion to what the windows in them hold
  const gap = Math.max(0, tailPos - headBytes);
  let sampled = 0;
  let read = 0;
  for (let i = 0; gap > SAMPLES * SAMPLE_BYTES && i < SAMPLES; i++) {
    const within = Math.random() * (gap / SAMPLES - SAMPLE_BYTES);
    const at = first + Math.floor((headBytes + (i * gap) / SAMPLES + within - first) / size) * size;
    const w = src.read(at, Math.floor(SAMPLE_BYTES / size) * size);
    sampled += count(pidPayload(w, audio.pid, size, 0).bytes(), true)?.seconds ?? 0;
    read += w.length;
  }
  // in a sparse file the gap holds no more audio than its allocated bytes can (a hole holds none): 16
  // windows of real MP3 where they are read, holes between, and tail timestamps forged to match the
  // proportion counted 9,400 s of a 100 MiB file of 8.4 MB allocated, 1,527 s decoded (attack round 13a)
  const gapLive =
    src.allocated !== undefined ? Math.min(gap, Math.max(read, src.allocated - headBytes - tail.length)) : gap;
  const byFrames = ends + (read ? (sampled * gapLive) / read : 0);
  const stamps = 'MPEG-TS: sized from the audio timestamps at the head and tail';
  return {
    kind: 'audio',
    codec: last.codec ? `MPEG-TS/${last.codec}` : codec,
    seconds: byStamps > STAMPS_SLACK * byFrames ? byFrames : byStamps,
    sampleRate: last.sampleRate,
    channels: last.channels,
    error:
      byStamps > STAMPS_SLACK * byFrames
        ? `MPEG-TS: the audio timestamps span ${Math.round(byStamps)} s, more than the frames read hold (the head, the tail, ${SAMPLES} windows drawn between, in proportion): estimated from those`
        : stamps,
  };
}

/**
 * What a private-data stream's first PES holds, as ffmpeg's demuxer probes it: ADTS AAC (its sync word
 * and layer 0), or MPEG audio (a frame header that the next frame's confirms); else not audio we read.
 */
function sniff(data: Buffer | undefined): AudioType | undefined {
  if (!data || data.length < 7) return undefined;
  if (data[0] === 0xff && (data[1]! & 0xf6) === 0xf0) return 'AAC';
  const f = frameAt(data, 0);
  if (f && (f.size + 4 > data.length || frameAt(data, f.size))) return 'MPEG';
  return undefined;
}

/**
 * One PID's PES in a buffer of whole packets read somewhere in a stream (the tail, a window): as
 * ffmpeg's demuxer after a seek, nothing until the first PES start. Before round 24 every packet's
 * payload was taken, a padding_stream PES's and the bytes past a PES's length too.
 */
function pidPayload(b: Buffer, pid: number, size: number, first: number): PesReader {
  const r = new PesReader();
  for (const pk of packets(b, size, first)) if (pk.pid === pid) r.push(pk.payload, pk.start);
  return r;
}
