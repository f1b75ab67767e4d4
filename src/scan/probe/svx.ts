/*
 * Amiga IFF sound (FORM 8SVX, and its 16-bit sibling 16SV), read by hand: music-metadata refuses it
 * ("Unsupported AIFF type: 8SVX"), so sox's 8SVX files were unreadable, counted 0 while ffmpeg decodes
 * them whole (attack round 24a, H5: 30 s counted 0).
 *
 * ffmpeg 5.1's iff demuxer (libavformat/iff.c) walks every chunk of the FORM to the file's end (a
 * chunk's size, padded to even, leads to the next): VHDR gives the sample rate (a 16-bit field at 12)
 * and, when it has 16 bytes or more, the compression (the byte at 15: 0 none, 1 Fibonacci-delta,
 * 2 exponential-delta; anything else, or a VHDR too short to hold it, is refused); CHAN (4 bytes)
 * says stereo when its value is 6 or more, else mono; BODY (the last one) is the samples. The whole
 * BODY is one packet, its bytes present (a BODY of 0 bytes, or over 2 GiB, is refused).
 *
 * Uncompressed (and 16SV, 16-bit big-endian) is the bytes at a byte (two) a sample a channel, the
 * channels one after the other. The delta codecs (libavcodec/8svx.c) take, per channel, a 2-byte
 * header (a pad byte and the first value) and then two samples a byte: 2 × (bytes / channels − 2).
 */
import type { Claim, FileSource } from './types.js';
import { Window } from './window.js';

const COMPRESSION = ['PCM_S8', '8SVX_FIB', '8SVX_EXP'];

export function probeSvx(src: FileSource): Claim | undefined {
  const h = src.head;
  if (h.length < 12 || h.toString('latin1', 0, 4) !== 'FORM') return undefined;
  const form = h.toString('latin1', 8, 12);
  if (form !== '8SVX' && form !== '16SV') return undefined;
  let rate: number | undefined;
  let compression = -1;
  let channels = 1;
  let body: { at: number; size: number } | undefined;
  let p = 12;
  const w = new Window(src);
  while (p + 8 <= src.size) {
    src.work.tick();
    const b = w.get(p, 24);
    if (b.length < 8) break;
    const id = b.toString('latin1', 0, 4);
    const size = b.readUInt32BE(4);
    const at = p + 8;
    if (id === 'VHDR') {
      // ffmpeg refuses the file for a VHDR under 14 bytes
      if (size < 14) return { kind: 'unreadable', codec: form, error: `${form} VHDR of ${size} bytes` };
      if (b.length < 22) break;
      rate = b.readUInt16BE(20);
      compression = size >= 16 && b.length >= 24 ? b[23]! : -1;
    } else if (id === 'CHAN') {
      if (size < 4) return { kind: 'unreadable', codec: form, error: `${form} CHAN of ${size} bytes` };
      if (b.length < 12) break;
      channels = b.readUInt32BE(8) < 6 ? 1 : 2;
    } else if (id === 'BODY') body = { at, size };
    p = at + size + (size & 1);
  }
  // 16SV is 16-bit PCM whatever the VHDR's compression byte says
  const codecName = form === '16SV' ? 'PCM_S16BE' : COMPRESSION[compression];
  const named = { codec: `${form}/${codecName ?? compression}`, sampleRate: rate, channels };
  if (rate === undefined) return { kind: 'unreadable', codec: form, error: `${form} without a VHDR chunk` };
  if (!codecName)
    return { kind: 'unreadable', ...named, error: `${form} compression ${compression}: ffmpeg decodes none` };
  if (!body || body.size === 0 || body.size > 0x7fffffff)
    return { kind: 'unreadable', ...named, error: `${form} without a BODY chunk ffmpeg reads` };
  const present = Math.max(0, Math.min(body.size, src.size - body.at));
  let samples: number;
  if (form === '16SV') samples = Math.floor(present / (2 * channels));
  else if (compression === 0) samples = Math.floor(present / channels);
  // the delta decoder refuses a packet under 3 bytes a channel
  else samples = present < 3 * channels ? 0 : 2 * (Math.floor(present / channels) - 2);
  const error = present < body.size ? `cut off: BODY of ${body.size} bytes, ${present} present` : undefined;
  if (samples <= 0 || !rate) return { kind: 'unreadable', ...named, error: `${form} without samples or a sample rate` };
  return { kind: 'audio', seconds: samples / rate, ...named, error, fromBytes: true };
}
