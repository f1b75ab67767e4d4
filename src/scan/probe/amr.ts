/*
 * AMR and AMR-WB storage files (.amr, .awb: what phones and call recorders write), by hand:
 * music-metadata does not read them. The file is a magic line and then frames of 20 ms, each sized
 * by the frame type in its first byte. A file up to WALK_MAX is walked (exact); a larger one sized
 * from the mean frame of its head (estimate, marked).
 *
 * Silence (discontinuous transmission, DTX): the encoder sends a SID frame (comfort-noise
 * parameters, 6 bytes) and then NO_DATA frames (1 byte, nothing in them), a SID again every 8th frame
 * (3GPP TS 26.093). A 3GPP decoder plays comfort noise for the SID and for the NO_DATA frames that
 * follow it: that is the call going on, so a SID and up to 7 NO_DATA frames after it count 20 ms
 * each. A NO_DATA frame anywhere else (after speech, at the start, or an eighth one in a row) carries
 * nothing and no decoder plays anything for it: not counted, so a file of NO_DATA frames alone is no
 * audio (it counted 20 ms a byte: 500 bytes were 10 s; ffmpeg decodes 0). ffmpeg's own AMR decoder
 * outputs nothing for SID frames either (it lacks DTX, "dtx mode" unsupported): on a DTX recording
 * leaktally is longer than ffmpeg's decode by the comfort noise, as opencore's decoder plays it.
 */
import { WALK_MAX } from './bytes.js';
import type { FileSource, ProbeResult } from './types.js';

/** bytes of a frame, its type byte included, by frame type (3GPP TS 26.101 / 26.201; ffmpeg's amr demuxer) */
const NB = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1];
const WB = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 1, 1, 1, 1, 1, 1];
/** frame types: the SID (comfort noise) frame and NO_DATA; types between are other systems' SIDs and reserved (nothing) */
const SID_NB = 8;
const SID_WB = 9;
const NO_DATA = 15;
/** NO_DATA frames a SID covers: the encoder sends a SID every 8th frame while the caller is silent */
const SID_SPAN = 7;

export function probeAmr(src: FileSource): ProbeResult | undefined {
  const magic = src.head.toString('latin1', 0, 9);
  const wb = magic === '#!AMR-WB\n';
  if (!wb && !magic.startsWith('#!AMR\n')) return undefined;
  const start = wb ? 9 : 6;
  const sizes = wb ? WB : NB;
  const base = { codec: wb ? 'AMR-WB' : 'AMR', sampleRate: wb ? 16000 : 8000, channels: 1 };
  const small = src.size <= WALK_MAX;
  const buf = src.head.length === src.size ? src.head : src.read(0, small ? src.size : 256 * 1024);
  const sid = wb ? SID_WB : SID_NB;
  let p = start;
  let frames = 0;
  /** frames that count: speech, SID, and the NO_DATA frames a SID covers */
  let counted = 0;
  let afterSid = SID_SPAN;
  while (p < buf.length) {
    const type = (buf[p]! >> 3) & 15;
    const size = sizes[type]!;
    if (p + size > buf.length) break; // cut off inside a frame
    frames++;
    p += size;
    if (type < sid) {
      counted++;
      afterSid = SID_SPAN;
    } else if (type === sid) {
      counted++;
      afterSid = 0;
    } else if (type === NO_DATA && afterSid < SID_SPAN) {
      counted++;
      afterSid++;
    }
  }
  if (!frames) return { kind: 'unreadable', ...base, error: 'no complete AMR frame' };
  const empty = frames - counted;
  if (!counted)
    return { kind: 'unreadable', ...base, error: `no AMR frame with audio: ${frames} NO_DATA frames carry nothing` };
  const note = empty ? `${empty} NO_DATA frames outside comfort noise carry nothing: not counted` : undefined;
  if (small) return { kind: 'audio', seconds: counted * 0.02, ...base, error: note };
  const n = Math.floor(((src.size - start) / (p - start)) * counted);
  const est = `estimated from the mean of the first ${frames} frames`;
  return { kind: 'audio', seconds: n * 0.02, ...base, error: note ? `${est}; ${note}` : est };
}
