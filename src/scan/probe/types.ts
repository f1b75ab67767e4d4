/* The types every reader shares: what a file source offers and what a reader answers. */
import type { Work } from './work.js';

/** What reading one file's header tells us. */
export type FileKind = 'audio' | 'other' | 'unreadable';

/** A date found inside the file: either an absolute instant or a wall-clock time to read in --tz. */
export interface EmbeddedDate {
  /** absolute instant in ms since the epoch, when the source carries a zone (MP4 creation time) */
  ms?: number;
  /** naive wall-clock fields, read in --tz */
  naive?: [year: number, month: number, day: number, hour: number, minute: number, second: number];
  source: 'riff-icrd' | 'bwf-origination' | 'id3' | 'mp4-creation' | 'tag-date';
}

export interface ProbeResult {
  kind: FileKind;
  /** audio seconds actually present (audio only) */
  seconds?: number;
  /** codec label used in the formats column, e.g. WAV/GSM610, MP3, GSM */
  codec?: string;
  sampleRate?: number;
  channels?: number;
  embeddedDate?: EmbeddedDate;
  /** why a file is unreadable, or a note on an audio file whose header was repaired */
  error?: string;
  /**
   * the file could not be opened or read (permission denied, an I/O error, gone): nothing of its
   * content is known, not even whether it is audio, so its row cannot be called complete
   */
  unopened?: true;
}

/**
 * A reader's answer before the one plausibility check every length goes through (guard.ts), with
 * what that check needs to know of how the length was found.
 */
export interface Claim extends ProbeResult {
  /**
   * the length is the data bytes present at the codec's fixed rate (PCM, G.711, ADPCM blocks, raw
   * telephony): every byte decodes to samples, a sparse file's holes included (as silence), so the
   * file's size and not its allocated bytes is what it is judged on
   */
  fromBytes?: boolean;
  /** bits per second of a constant-bit-rate stream: a rejected length is then sized from the bytes */
  cbrBitrate?: number;
}

/**
 * Random access to one open file: the head is already in memory, anything else is a positioned read.
 * Every reader is given this instead of a path so that each file is opened exactly once, read-only.
 */
export interface FileSource {
  readonly size: number;
  /**
   * bytes the file system has allocated to it (st_blocks × 512), when fewer than its size: a sparse
   * file's holes hold no audio, so a header's length is judged on these (guard.ts). Undefined when
   * the file is not sparse or the file system does not say (0 blocks: inline data, some FUSE mounts).
   */
  readonly allocated?: number;
  /** the work this file may cost (work.ts): every loop that may run long ticks it */
  readonly work: Work;
  /** the first bytes of the file (at most the head size, less for small files) */
  readonly head: Buffer;
  /** read up to length bytes at position; returns the bytes actually read (short at end of file) */
  read(position: number, length: number): Buffer;
}
