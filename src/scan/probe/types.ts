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
}

/**
 * Random access to one open file: the head is already in memory, anything else is a positioned read.
 * Every reader is given this instead of a path so that each file is opened exactly once, read-only.
 */
export interface FileSource {
  readonly size: number;
  /** the first bytes of the file (at most the head size, less for small files) */
  readonly head: Buffer;
  /** read up to length bytes at position; returns the bytes actually read (short at end of file) */
  read(position: number, length: number): Buffer;
}
