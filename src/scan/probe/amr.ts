/*
 * AMR and AMR-WB storage files (.amr, .awb: what phones and call recorders write), by hand:
 * music-metadata does not read them. The file is a magic line and then frames of 20 ms, each sized
 * by the frame type in its first byte. Every frame is walked, 1 MiB at a time: the count is exact at
 * any size. A larger file was once sized from the mean frame of its first bytes (an estimate), and
 * whatever frames came after them were believed to be like them: 256 KiB of speech and 9 MB of 1-byte
 * NO_DATA frames counted 14,400 s where ffmpeg decodes 400 (round 9b); with the walk at 16 MiB, 16 MiB
 * of speech then NO_DATA to 40 MB counted 25,000 s (ffmpeg 10,486), and 16 MiB of comfort noise
 * 492,307 s (round 22 H2). The walk is linear, 1 MiB a read and a work tick a 4 KiB: 16 MiB of
 * 1-byte frames take ~0.4 s, real speech (13-61 bytes a frame) far less; a file that costs more than
 * a file's share stops being read and is counted unreadable (work.ts), never estimated.
 *
 * Silence (discontinuous transmission, DTX): the encoder sends a SID frame (comfort-noise
 * parameters, 6 bytes) and then NO_DATA frames (1 byte, nothing in them), a SID again every 8th frame
 * (3GPP TS 26.093/26.193). A 3GPP decoder plays comfort noise for the SID and the NO_DATA frames
 * after it; ffmpeg, the judge of a length here, lacks DTX: its AMR-NB decoder outputs nothing for a SID
 * or a NO_DATA frame, its AMR-WB decoder nothing for a SID and 20 ms of silence for a NO_DATA frame.
 * Until round 23 a SID and the 7 NO_DATA frames after it counted 20 ms each in both, as a 3GPP
 * decoder plays them: 16 MiB of forged AMR-NB comfort noise after one speech frame counted 206,488 s
 * where ffmpeg decodes 0.02. Now a file counts what ffmpeg decodes of it, at most: AMR-NB its speech
 * frames, AMR-WB its speech frames and the NO_DATA frames a SID covers (7 after each); the comfort
 * noise not counted is given in the row's note (the call may be up to that much longer). A NO_DATA
 * frame anywhere else (after speech, at the start, or an eighth one in a row) is named as carrying
 * nothing and never counted, though ffmpeg's AMR-WB decoder makes 20 ms of silence of it: a file of
 * NO_DATA frames is no recording (500 bytes counted 10 s once). A file with no speech frame at all is
 * `unreadable` (comfort noise or NO_DATA alone is no call).
 */
import type { FileSource, ProbeResult } from './types.js';

const CHUNK = 1024 * 1024;

/**
 * Bytes of a frame, its type byte included, by frame type (3GPP TS 26.101 / 26.201, RFC 4867 5.3;
 * ffmpeg's amr demuxer): 20 ms each, in a .amr file and in MP4's samr/sawb samples alike.
 */
export const AMR_NB_BYTES = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1];
export const AMR_WB_BYTES = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1];
/** frame types: the SID (comfort noise) frame and NO_DATA; types between are other systems' SIDs and reserved (nothing) */
const SID_NB = 8;
const SID_WB = 9;
const NO_DATA = 15;
/** NO_DATA frames a SID covers: the encoder sends a SID every 8th frame while the caller is silent */
const SID_SPAN = 7;

/**
 * What a frame holds, by its type: speech; comfort noise ffmpeg decodes (an AMR-WB NO_DATA frame a SID
 * covers: 20 ms of silence); comfort noise it does not (a SID, an AMR-NB NO_DATA frame a SID covers);
 * or nothing. Only 'speech' and 'silence' count.
 */
export type AmrFrame = 'speech' | 'silence' | 'comfort' | 'empty';

/**
 * A classifier for one stream's frames in order, the rule above. MP4's samr/sawb reader counts with
 * it too: it counted every NO_DATA frame 20 ms, 40 KB of them 800 s, ffmpeg decoding 0 (attack round 10).
 */
export function amrFrames(wb: boolean): (type: number) => AmrFrame {
  const sid = wb ? SID_WB : SID_NB;
  let afterSid = SID_SPAN;
  return (type) => {
    if (type < sid) {
      afterSid = SID_SPAN;
      return 'speech';
    }
    if (type === sid) {
      afterSid = 0;
      return 'comfort';
    }
    if (type === NO_DATA && afterSid < SID_SPAN) {
      afterSid++;
      return wb ? 'silence' : 'comfort';
    }
    return 'empty';
  };
}

/** whether a frame of this class counts its 20 ms (what ffmpeg decodes of it) */
export const amrCounts = (f: AmrFrame): boolean => f === 'speech' || f === 'silence';

export function probeAmr(src: FileSource): ProbeResult | undefined {
  const magic = src.head.toString('latin1', 0, 9);
  const wb = magic === '#!AMR-WB\n';
  if (!wb && !magic.startsWith('#!AMR\n')) return undefined;
  const start = wb ? 9 : 6;
  const sizes = wb ? AMR_WB_BYTES : AMR_NB_BYTES;
  const base = { codec: wb ? 'AMR-WB' : 'AMR', sampleRate: wb ? 16000 : 8000, channels: 1 };
  const end = src.size;
  const classify = amrFrames(wb);
  /** the file offset the next frame starts at */
  let p = start;
  const n = { speech: 0, silence: 0, comfort: 0, empty: 0 };
  // a chunk at a time from the frame the last one stopped at (a frame is at most 61 bytes)
  for (let cut = false; p < end && !cut;) {
    const at = p;
    const want = Math.min(CHUNK, end - at);
    const buf = at + want <= src.head.length ? src.head.subarray(at, at + want) : src.read(at, want);
    const stop = at + buf.length;
    src.work.tick(1 + (buf.length >> 12));
    while (p < stop) {
      const type = (buf[p - at]! >> 3) & 15;
      const size = sizes[type]!;
      if (p + size > stop) {
        cut = stop >= end || buf.length < want; // cut off inside a frame at the end; else on in the next chunk
        break;
      }
      p += size;
      n[classify(type)]++;
    }
    if (p === at) break; // nothing read: a short read
  }
  const frames = n.speech + n.silence + n.comfort + n.empty;
  if (!frames) return { kind: 'unreadable', ...base, error: 'no complete AMR frame' };
  if (!n.speech && !n.silence && !n.comfort)
    return { kind: 'unreadable', ...base, error: `no AMR frame with audio: ${frames} NO_DATA frames carry nothing` };
  // comfort noise with no speech frame at all is no call's silence: 104 KB of SID and NO_DATA frames
  // alone counted 1,280 s, which no decoder without DTX (ffmpeg's) plays (attack round 11a)
  if (!n.speech)
    return {
      kind: 'unreadable',
      ...base,
      error: `no AMR speech frame: ${frames} comfort-noise (SID) and NO_DATA frames alone are not counted`,
    };
  const notes = [
    n.comfort &&
      `${(n.comfort * 0.02).toFixed(2)} s of comfort noise (DTX silence: ${wb ? 'SID frames' : 'SID frames and the NO_DATA frames they cover'}) not counted, as ffmpeg decodes none of it; the call may be up to that much longer`,
    n.empty && `${n.empty} NO_DATA frames outside comfort noise carry nothing: not counted`,
  ].filter(Boolean);
  return {
    kind: 'audio',
    seconds: (n.speech + n.silence) * 0.02,
    ...base,
    error: notes.length ? notes.join('; ') : undefined,
  };
}
