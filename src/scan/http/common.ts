/**
 * What the parts of a web server scan share without loading the HTTP client (undici, ~15 MB and
 * 0.1 s at every start): the cost counters, the one error type, and the messages between a reader
 * thread and its fetch thread. The engine, the reader threads and the command line import these; the
 * client is loaded only when the tree is a web server's.
 */

/** What the requests of a scan cost the server: the evidence of a scan made in place. */
export interface HttpStats {
  /** requests sent (retries included) */
  requests: number;
  /** response body bytes received (listings and reads) */
  bytes: number;
  /** requests with a Range the server answered with the whole body (200) */
  rangeIgnored: number;
  /** of those, the responses cut off once enough was read (the connection dropped) */
  dropped: number;
  /** requests sent again after a transient failure */
  retries: number;
}

export const noStats = (): HttpStats => ({ requests: 0, bytes: 0, rangeIgnored: 0, dropped: 0, retries: 0 });

export function addStats(to: HttpStats, d: HttpStats): void {
  to.requests += d.requests;
  to.bytes += d.bytes;
  to.rangeIgnored += d.rangeIgnored;
  to.dropped += d.dropped;
  to.retries += d.retries;
}

/**
 * One request as the case file keeps it (schema.ts `requests`, without the run): when it was sent (ms
 * since 1970), the path as sent, the Range (null: a listing), the status (null: no answer), body
 * bytes received, ms taken, and the error when there was no answer. A tuple: they travel between
 * threads by the hundred thousand.
 */
export type RequestEntry = [number, string, string | null, number | null, number, number, string | null];

/** A failure no retry mends, with a one-line reason (an HTTP status is a Got, not this). */
export class HttpError extends Error {
  constructor(
    message: string,
    /** short, for a folder's or file's reason: `TLS`, `timeout`, an errno */
    readonly code: string,
  ) {
    super(message);
  }
}

export interface FetcherData {
  origin: string;
  connections: number;
  timeoutMs: number;
  /** --ca's certificates (PEM) */
  ca?: string;
  /** this fetch thread's part of --rate (requests a second) */
  rate?: number;
  /** the scan's shared connection slots (slots.ts) and this thread's client number */
  slots?: { buffer: SharedArrayBuffer; client: number };
  /** keep every request's RequestEntry (a case file is written) */
  log?: boolean;
  /** Int32Array: [0] 1 once a synchronous answer is written, [1] its meta bytes, [2] its body bytes */
  ctl: SharedArrayBuffer;
  /** a synchronous answer: its meta (JSON) then its body */
  data: SharedArrayBuffer;
  /** Float64Array: requests, bytes, rangeIgnored, dropped, retries */
  stats: SharedArrayBuffer;
  /**
   * Float64Array(1): the reader thread's progress beat (read/worker.ts), set as its requests' answers
   * arrive: the pool's watchdog does not take a slow read for a stuck one
   */
  beat?: SharedArrayBuffer;
}

/** A range asked for: [start, end] inclusive, or the last `suffix` bytes. */
export interface RangeAsk {
  path: string;
  start: number;
  end: number;
  /**
   * the server answered this file's head with a 206: an answer with the whole file (200) is not read
   * (a read near the end of a file claimed to be 100 GB would read the 100 GB from its start)
   */
  rangeOnly?: boolean;
  /**
   * a server that ignores Range (its answer a 200 with the whole file): its body read to the end, the
   * bytes past `end` counted and dropped, and their count held against its Content-Length
   */
  drain?: boolean;
  /**
   * a file of a server that ignores Range, read through one GET held open (fetcher.ts sequentially)
   * while the reads move forward: each read from the file's first byte cost the square of its size
   * (attack round 26b H3: a 57.6 MB MP3 without Xing, 1.67 GB received)
   */
  sequential?: boolean;
  /** (with sequential) done with the file: its GET held open is closed */
  close?: boolean;
}

/** What came back for a range. */
export interface Fetched {
  /** the file's size (Content-Range, or Content-Length of a whole body) */
  size?: number;
  /** where body starts in the file */
  start: number;
  /** Last-Modified, in ms (0: none) */
  mtimeMs: number;
  body: Uint8Array;
  /** the server ignored the Range and sent the whole file (cut off once enough was read) */
  ignored?: boolean;
  /** why the range could not be had: an HTTP status, a timeout, a TLS failure */
  error?: string;
  /** (a synchronous read's) the requests it took, when they are kept */
  log?: RequestEntry[];
}

/** Bytes a synchronous answer may carry (a longer read is asked for in pieces). */
export const SYNC_MAX = 1 << 20;
export const META_MAX = 4096;
