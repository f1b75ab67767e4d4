/*
 * The frame walk of codecs whose frames are counted in a container's chunks or objects (MPEG audio,
 * AC-3, DTS, ADTS), as ffmpeg's parsers split them: AVI's chunks, WAV's data chunk and ASF's objects
 * share it. (Moved out of avi.ts so that asf.ts can use it: avi.ts imports matroska.ts, which imports
 * asf.ts.)
 */
import { frameAt as mpegFrame, frameSeconds } from './mp3.js';
import type { FileSource } from './types.js';

/** A codec whose frames are counted: the frame at p (inside stop) as its size and seconds, or undefined. */
export interface Framer {
  name: string;
  /** the byte every frame starts with (the sync searched for) */
  sync: number;
  frame: (b: Buffer, p: number, stop: number) => { size: number; seconds: number } | undefined;
}

export const MPEG_FRAMER: Framer = {
  name: 'MPEG audio',
  sync: 0xff,
  frame(b, p, stop) {
    const f = mpegFrame(b, p);
    return f && p + f.size <= stop ? { size: f.size, seconds: frameSeconds(b, p, f) } : undefined;
  },
};

/** Bytes kept from one read for the next: more than any frame (DTS's largest is 16 KiB). */
const CARRY = 64 * 1024;

/** Bytes of audio chunks whose frames are counted; a stream beyond is sized in proportion (over an hour of 128 kbit/s MP3). */
export const FRAMED_MAX = 64 * 1024 * 1024;

/**
 * The seconds the frames in the chunks at spans hold, read end to end, a MiB at a time. A frame
 * counts when its header is valid, it fits the bytes read, and (after junk) the next frame's header
 * follows it or the bytes end: a lone sync in junk is not a frame.
 */
export function framedSeconds(src: FileSource, spans: readonly [number, number][], framer: Framer): number {
  let seconds = 0;
  let carry = Buffer.alloc(0);
  let synced = true;
  let i = 0;
  while (i < spans.length || carry.length) {
    const parts: Buffer[] = [carry];
    let n = carry.length;
    for (; i < spans.length && n < 1024 * 1024; i++) {
      const [at, size] = spans[i]!;
      const b = src.read(at, size);
      parts.push(b);
      n += b.length;
    }
    const b = Buffer.concat(parts, n);
    const last = i >= spans.length;
    let p = 0;
    while (p < b.length) {
      // the last bytes of a read wait for the next one (a frame may go on there)
      if (!last && b.length - p < CARRY) break;
      src.work.tick();
      const f = framer.frame(b, p, b.length);
      if (f && (synced || p + f.size === b.length || framer.frame(b, p + f.size, b.length))) {
        seconds += f.seconds;
        p += f.size;
        synced = true;
        continue;
      }
      synced = false;
      const q = b.indexOf(framer.sync, p + 1);
      p = q < 0 ? b.length : q;
    }
    carry = last ? Buffer.alloc(0) : Buffer.from(b.subarray(p));
    if (last) break;
  }
  return seconds;
}
