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
import { adtsPayloadSeconds } from './adts.js';
import { frameAt, frameSeconds } from './mp3.js';
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

type AudioType = 'AAC' | 'MPEG' | 'other';
const AUDIO_TYPES: Record<number, AudioType> = {
  0x03: 'MPEG',
  0x04: 'MPEG',
  0x0f: 'AAC',
  0x11: 'other',
  0x81: 'other',
  0x87: 'other',
  0x82: 'other',
  0x86: 'other',
};
const VIDEO_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24, 0x42, 0xea]);
/**
 * Blu-ray and AVCHD audio (192-byte M2TS packets only: in ATSC 0x80 is video): LPCM, TrueHD, E-AC-3,
 * DTS-HD and the secondary streams. A camera's M2TS with LPCM was "video, no audio track".
 */
const BD_AUDIO_TYPES = new Set([0x80, 0x83, 0x84, 0x85, 0xa1, 0xa2]);
/** descriptors that make a private-data stream (0x06) audio: DVB's AC-3, E-AC-3, DTS and AAC */
const AUDIO_DESCRIPTORS = new Set([0x6a, 0x7a, 0x7b, 0x7c]);
/** registration descriptor (0x05) formats of audio carried as private data */
const AUDIO_FORMATS = new Set(['AC-3', 'EAC3', 'Opus', 'DTS1', 'DTS2', 'DTS3', 'BSSD', 'mlpa']);

/** A private-data stream's ES descriptors name an audio codec. */
function privateAudio(d: Buffer): boolean {
  for (let i = 0; i + 2 <= d.length; i += 2 + d[i + 1]!) {
    if (AUDIO_DESCRIPTORS.has(d[i]!)) return true;
    if (d[i] === 0x05 && d[i + 1]! >= 4 && AUDIO_FORMATS.has(d.toString('latin1', i + 2, i + 6))) return true;
  }
  return false;
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

interface Pes {
  pts?: number;
  data: Buffer;
}

function pes(pl: Buffer): Pes | undefined {
  if (pl.length < 9 || pl[0] !== 0 || pl[1] !== 0 || pl[2] !== 1) return undefined;
  const hdl = pl[8]!;
  let pts: number | undefined;
  if (pl[7]! & 0x80 && pl.length >= 14) {
    pts =
      ((pl[9]! >> 1) & 7) * 2 ** 30 + ((pl[10]! << 7) | (pl[11]! >> 1)) * 2 ** 15 + ((pl[12]! << 7) | (pl[13]! >> 1));
  }
  return { pts, data: pl.subarray(Math.min(pl.length, 9 + hdl)) };
}

/** Seconds of complete MPEG audio frames in a buffer of bare frames (resynchronising past damage). */
function mpegPayloadSeconds(b: Buffer): { seconds: number; sampleRate: number; channels: number } | undefined {
  let samples = 0;
  let rate = 0;
  let ch = 0;
  let stream = -1;
  const MASK = 0xfffe0c00;
  for (let p = b.indexOf(0xff); p >= 0 && p + 4 <= b.length;) {
    const f = frameAt(b, p);
    let ok = !!f && p + f.size <= b.length;
    if (ok && stream < 0) {
      // the first frame is believed when the next one follows it (or the buffer ends there)
      const n = p + f!.size + 4 <= b.length ? frameAt(b, p + f!.size) : f;
      ok = !!n && (n.header & MASK) === (f!.header & MASK);
    } else if (ok) ok = (f!.header & MASK) === stream;
    if (!ok) {
      p = b.indexOf(0xff, p + 1);
      continue;
    }
    if (stream < 0) {
      stream = f!.header & MASK;
      rate = f!.sampleRate;
      ch = f!.channels;
    }
    // a frame whose side information no decoder accepts holds nothing (frameSeconds)
    if (frameSeconds(b, p, f!) > 0) samples += f!.samples;
    p += f!.size;
  }
  return samples ? { seconds: samples / rate, sampleRate: rate, channels: ch } : undefined;
}

export function probeTs(src: FileSource, layout: { size: 188 | 192; first: number }): ProbeResult | undefined {
  const { size, first } = layout;
  const whole = src.size <= WHOLE_MAX;
  let pmtPids = new Set<number>();
  let audio: { pid: number; type: AudioType; streamType: number } | undefined;
  let sawPmt = false;
  let sawVideo = false;
  // private-data streams (0x06) with no descriptor naming a codec: ffmpeg's M2TS muxer writes AAC and
  // MP3 so, and players tell them by their first PES (sniffed below); else 5 s of AAC was "no audio track"
  const privates = new Set<number>();
  const chunks: Buffer[] = [];
  let firstPts: number | undefined;
  let lastPes: Buffer[] = [];
  let lastPts: number | undefined;
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
          const type = sniff(pes(pk.payload)?.data);
          if (type) audio = { pid: pk.pid, type, streamType: 0x06 };
        } else if (pmtPids.has(pk.pid) && pk.start) {
          const s = section(pk.payload);
          if (s?.[0] === 0x02 && s.length >= 12) {
            sawPmt = true;
            let i = 12 + (s.readUInt16BE(10) & 0x0fff);
            while (i + 5 <= s.length - 4) {
              const st = s[i]!;
              const pid = s.readUInt16BE(i + 1) & 0x1fff;
              const info = s.readUInt16BE(i + 3) & 0x0fff;
              const type =
                AUDIO_TYPES[st] ??
                ((size === 192 && BD_AUDIO_TYPES.has(st)) ||
                (st === 0x06 && privateAudio(s.subarray(i + 5, Math.min(s.length - 4, i + 5 + info))))
                  ? 'other'
                  : undefined);
              if (type && !audio) audio = { pid, type, streamType: st };
              else if (st === 0x06 && !type) privates.add(pid);
              if (VIDEO_TYPES.has(st)) sawVideo = true;
              i += 5 + info;
            }
          }
        }
        if (!audio) continue;
      }
      if (pk.pid !== audio.pid) continue;
      if (pk.start) {
        const e = pes(pk.payload);
        if (!e) continue;
        firstPts ??= e.pts;
        chunks.push(e.data);
      } else if (chunks.length) {
        chunks.push(pk.payload);
      }
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
  const codec = `MPEG-TS/${audio.type === 'AAC' ? 'AAC' : audio.type === 'MPEG' ? 'MPEG AUDIO' : `0x${audio.streamType.toString(16)}`}`;
  if (audio.type === 'other')
    return {
      kind: 'unreadable',
      codec,
      error: `MPEG-TS audio of stream type 0x${audio.streamType.toString(16)}: its frames are not read`,
    };
  const count = (b: Buffer) => (audio.type === 'AAC' ? adtsPayloadSeconds(b) : mpegPayloadSeconds(b));
  if (whole) {
    const r = count(Buffer.concat(chunks));
    if (!r) return { kind: 'unreadable', codec, error: 'MPEG-TS: no complete audio frame' };
    return { kind: 'audio', codec, seconds: r.seconds, sampleRate: r.sampleRate, channels: r.channels };
  }
  // large: the PTS span from the first audio PES to the last one in the tail, plus that last PES's frames
  const tailPos = Math.max(0, Math.floor((src.size - WINDOW - first) / size) * size);
  const tail = src.read(tailPos, src.size - tailPos);
  for (const pk of packets(tail, size, first)) {
    if (pk.pid !== audio.pid) continue;
    if (pk.start) {
      const e = pes(pk.payload);
      if (e?.pts === undefined) continue;
      lastPts = e.pts;
      lastPes = [e.data];
    } else if (lastPes.length) lastPes.push(pk.payload);
  }
  const last = lastPes.length ? count(Buffer.concat(lastPes)) : undefined;
  if (firstPts === undefined || lastPts === undefined || !last)
    return { kind: 'unreadable', codec, error: 'MPEG-TS: audio timestamps not found at the head and tail' };
  let span = lastPts - firstPts;
  if (span < 0) span += 2 ** 33; // the 33-bit clock wrapped once
  const byStamps = span / 90000 + last.seconds;
  // what the frames hold: in the head (up to where it was read), the tail and windows between
  const headBytes = Math.min(limit, src.size);
  const ends =
    (count(Buffer.concat(chunks))?.seconds ?? 0) + (count(audioPayload(tail, audio.pid, size, first))?.seconds ?? 0);
  // the bytes between: their audio in proportion to what the windows in them hold
  const gap = Math.max(0, tailPos - headBytes);
  let sampled = 0;
  let read = 0;
  for (let i = 0; gap > SAMPLES * SAMPLE_BYTES && i < SAMPLES; i++) {
    const within = Math.random() * (gap / SAMPLES - SAMPLE_BYTES);
    const at = first + Math.floor((headBytes + (i * gap) / SAMPLES + within - first) / size) * size;
    const w = src.read(at, Math.floor(SAMPLE_BYTES / size) * size);
    sampled += count(audioPayload(w, audio.pid, size, 0))?.seconds ?? 0;
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
    codec,
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

/** The payload of every packet of one PID in a buffer of whole packets (PES headers and all: the frame readers resynchronise). */
function audioPayload(b: Buffer, pid: number, size: number, first: number): Buffer {
  const parts: Buffer[] = [];
  for (const pk of packets(b, size, first)) {
    if (pk.pid !== pid) continue;
    const e = pk.start ? pes(pk.payload) : undefined;
    parts.push(e ? e.data : pk.payload);
  }
  return Buffer.concat(parts);
}
