/**
 * The scan's shared vocabulary: what a run is configured with (ScanConfig), what one file becomes
 * (FileRecord) and which row it counts in (RowKind). Walking, reading and tallying all speak it, so it
 * stands apart from each of them.
 */
import type { FileFacts, FileKind } from './probe/index.js';
import type { DateSource } from './place/date/resolve.js';
import type { CompiledPattern } from './place/pattern.js';
import type { Shard } from './place/shard.js';

/**
 * What a row is: a customer (a folder at --depth, or a {customer} capture), or one of the two
 * built-in rows: files the pattern did not match, and files above the customer level.
 */
export type RowKind = 'customer' | 'unmatched' | 'top-level';

/** The built-in rows' names (what `customer` holds for them; shown through rowLabel). */
export const TOP_LEVEL = '(top level)';
export const UNMATCHED = '(unmatched)';

export interface ScanConfig {
  /** the folder to scan, as given */
  root: string;
  /** customer = the folder this many levels below the root */
  depth: number;
  /**
   * --pattern, compiled once where the command line is read (cli/args.ts) and handed to the reader
   * threads as data (a structured clone: tokens and regular expressions); its facts (hasCustomer,
   * hasCaller) are read from it, never from the text
   */
  pattern?: CompiledPattern;
  /** IANA zone for naive times */
  zone: string;
  /** worker threads; 0 scans on the calling thread */
  threads: number;
  /**
   * Reads in flight in all when the storage is slow (default IO_DEPTH), shared among the threads:
   * a reader thread reads a batch's files with several reads at once once they stop coming from the
   * cache (read/heads.ts), while parsing stays one file at a time per thread.
   */
  ioDepth?: number;
  /**
   * A reader thread that has not finished a file after this long is replaced and the file counted
   * as unreadable (default STALL_MS). On the calling thread (--threads 0) the reader gives the file
   * up itself after this long (probe/work.ts), wherever it checks; a read the system holds cannot be
   * cut short there.
   */
  stallMs?: number;
  /** ISO 3166 region for caller numbers written without a country code (callers.ts) */
  country?: string;
  /**
   * Retention: an audio file whose start (ms) is before its customer key's cutoff, or else the
   * default cutoff, is past retention. The cutoffs are computed by the caller (from the retention
   * periods and the as-of date); the engine only compares.
   */
  retention?: { cutoffMsByKey?: Record<string, number>; defaultCutoffMs?: number };
  /**
   * Seams for tests, never set in use: readerJob is the URL of a module to run in the reader threads
   * instead of scan-job.js (it must export createJob like it; the watchdog test wraps the real job in
   * one that sticks on a file).
   */
  testHooks?: { readerJob?: string };
  /**
   * Refuse to go on (the run rejects with an EvidenceError, walk.ts) when an access time in the tree
   * would move: folders cannot be listed with O_NOATIME, or a file is not the user's.
   */
  strictEvidence?: boolean;
  /**
   * --shard: only the files whose row's key falls in this slice (place/shard.ts) are counted, and the
   * links and special files likewise; folders above the customer level are walked by every shard
   */
  shard?: Shard;
  /**
   * A tree on a web server (root an http(s) URL, scan/http): connections to it at most (shared by the
   * walk and the reader threads: http/url.ts connectionShares), and one request's timeout
   */
  http?: {
    connections: number;
    timeoutMs: number;
    /** --ca: certificates (PEM) trusted besides Node's own roots, for a server of a private CA */
    ca?: string;
    /** --rate: requests a second to the server at most, the whole scan's (shared as the connections are) */
    rate?: number;
  };
}

export const STALL_MS = 60_000;

/**
 * A regular file as its folder's listing gave it (walk.ts): its device and inode, and its size and
 * mtime where the walk stat'ed it itself (without the addon; the addon's listing gives only the
 * identity). A reader counts a file only when the one it opens is this file (read/record.ts): a name
 * replaced after the listing (link + rename) was read as the listing's file, and an hour already
 * counted under its other name counted again in another customer's row (attack round 24c N0).
 */
export interface ListedId {
  dev: number;
  ino: number;
  size?: number;
  mtimeMs?: number;
}

/**
 * Reads in flight on slow storage (cold disk, network mount). Measured on a cold virtual disk here
 * (docs/performance.md, "Cold disks and network mounts"): the I/O floor gains up to 8 and levels off beyond 16.
 */
export const IO_DEPTH = 16;

export interface FileRecord {
  /**
   * path below the root, '/'-separated, names decoded for display. Left out (to spare the threads'
   * messages) when nothing asks for every file's path: it is always there for unreadable files.
   */
  path?: string;
  /** the row's name: customer folder or capture, or a built-in row's label */
  customer: string;
  row: RowKind;
  kind: FileKind;
  bytes: number;
  seconds?: number;
  codec?: string;
  sampleRate?: number;
  channels?: number;
  startMs?: number;
  dateSource?: DateSource;
  /** yyyy-MM of the start in the zone */
  month?: string;
  /** the caller key (callers.ts), when the pattern captures one that is not withheld */
  caller?: string;
  /** the pattern captured a caller, and it was withheld (anonymous, unknown, empty…) */
  withheldCaller?: boolean;
  /** an audio file started before its row's retention cutoff */
  pastRetention?: boolean;
  /**
   * the other values the pattern's {customer} can take on this file's name (it reads two ways): placed
   * by the shortest, as ever, but a register key among these is not "not affected" (round 24b C5)
   */
  otherCustomers?: string[];
  /**
   * another name of a file the walk already gave under its first name (same device and inode): not
   * read, not a file of its own; counted only as a hard link of its row
   */
  hardLink?: boolean;
  /** fewer bytes allocated than its size (sparse, or compressed by the file system): counted at its size */
  sparse?: boolean;
  /** could not be opened or read (probe/types.ts): its content is unknown */
  unopened?: boolean;
  /**
   * an other file that may hold recordings: an archive, an encrypted copy, an unknown format (read/
   * record.ts mayHoldRecordings); a row with recordings and such a file is a lower bound (round 24)
   */
  opaque?: boolean;
  error?: string;
  /**
   * What reading the file found, apart from where this run placed it: kept when a case file is written
   * (the engine's `keepFacts`), so that the file can be placed again with another pattern, depth, zone or
   * retention (read/record.ts placeRecord) and known again when a scan resumes.
   */
  read?: ReadFacts;
}

/** A file as read: its path below the root as bytes, and the facts (none for another name of a file read once). */
interface ReadFacts {
  /** a Buffer where it was made; a Uint8Array once it has crossed from a reader thread */
  rel: Uint8Array;
  facts?: FileFacts;
  sparse?: boolean;
  hardLink?: boolean;
}
