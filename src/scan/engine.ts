/**
 * The scan engine: walk → batcher → reader (read metadata → date → customer, job.ts) → aggregate.
 * Plain TypeScript, no UI: the headless CLI and the Ink UI both drive it and watch it through
 * immutable snapshots (snapshot(), subscribe()).
 */
import { Aggregator, totalsOf, type CustomerTotals, type RowCounts, type Totals } from './tally/aggregate.js';
import { type FileRecord, type ScanConfig } from './model.js';
import { createReader, DEFAULT_THREADS, type Reader } from './read/reader.js';
import { Batcher, HTTP_BATCH_SIZE } from './read/batcher.js';
import { walk, EvidenceError, REPEAT_FOLDER, type AtimeKeeping, type WalkSink } from './walk/walk.js';
import { walkOnThread } from './walk/thread.js';
import { TOP_LEVEL } from './model.js';
import { keyName, shownPath } from './place/names.js';
import { loadFor, makeContext, placeRecord, rowKeyOf } from './read/record.js';
import { inShard } from './place/shard.js';
import type { FileFacts } from './probe/index.js';
import { addStats, noStats, type HttpStats, type RequestEntry } from './http/common.js';

import { connectionShares, DEFAULT_CONNECTIONS, isRemote, rateShare, REQUEST_TIMEOUT_MS } from './http/url.js';
import { slotsBuffer } from './http/slots.js';

export type { ScanConfig, FileRecord } from './model.js';
export type { CustomerTotals, RowKind, Totals } from './tally/aggregate.js';
export { rowLabel, totalOf } from './tally/aggregate.js';
export { DEFAULT_THREADS, EvidenceError, type AtimeKeeping };

export type Phase = 'scanning' | 'reading' | 'done' | 'stopped';

export interface Progress {
  phase: Phase;
  /** regular files the walk has found so far */
  found: number;
  /** files read and counted */
  done: number;
  /** true once the walk has finished: `found` is then the total */
  walkDone: boolean;
  /** audio counted so far, in µs */
  audioMicros: number;
  audioFiles: number;
  unreadable: number;
  bytes: number;
  elapsedMs: number;
  /** folders the walk could not list so far (their files are not counted) */
  unreadableFolders: number;
  /** symbolic links and special files (devices, sockets, FIFOs) skipped so far */
  linksSkipped: number;
  specialSkipped: number;
  /** files the pattern did not match so far (the "(unmatched)" row) */
  unmatched: number;
}

export interface ScanResult {
  config: ScanConfig;
  startedAt: Date;
  finishedAt: Date;
  /** stopped before the end: every figure is a lower bound */
  partial: boolean;
  /** every row; in a finished scan's result each carries its caller keys (`callers`) */
  customers: CustomerTotals[];
  /** every file's figures (distinctCallers de-duplicated across rows), and the number of rows */
  totals: Totals & { customers: number };
  linksSkipped: number;
  specialSkipped: number;
  /** folders that could not be read (their contents are not counted) */
  unreadableFolders: number;
  /** the first 100 of them, with the reason */
  folderErrors: { path: string; error: string }[];
  /**
   * the first 100 folders met again under another path of the same customer (a bind mount, a loop),
   * with the path they were counted at (repeatNote): not walked again, and no gap (round 24)
   */
  repeatedFolders?: { path: string; first: string }[];
  /** files the pattern did not match */
  unmatched: number;
  /**
   * Whether access times were kept: folders all listed with O_NOATIME, and the number of files whose
   * O_NOATIME open the system refuses (not the user's own): reading those moved their atime.
   */
  noatime: AtimeKeeping;
  /** files taken over from an earlier run of the case file, unchanged since, not read again (resume) */
  takenOver?: number;
  /** a merge of shards (a case file's run) without some of them; every row is incomplete */
  shardsMissing?: ShardsMissing;
  /** a tree on a web server (sized in place): what the scan's requests cost it */
  http?: HttpEvidence;
}

/** What sizing a tree on a web server cost it: the requests, and the bytes they brought. */
export interface HttpEvidence extends HttpStats {
  /** connections at most (--connections) */
  connections: number;
}

/**
 * What a merge of shards cannot vouch for: the shards (1-based) of `count` it did not have, and the
 * folders its shards scanned when they were not one path (each machine's mount of the tree, or shards
 * of two different trees: the case files cannot tell which).
 */
export interface ShardsMissing {
  missing: number[];
  count: number;
  roots?: string[];
}

/** What the engine publishes: immutable, one per change. */
export interface ScanSnapshot {
  /** +1 per published change */
  readonly seq: number;
  readonly progress: Progress;
  /**
   * every row, frozen (without caller keys: see ScanResult), in the order the rows first appeared. A
   * row that did not change since the previous snapshot is the same object in both (and at the same
   * index): a reader finds what changed by identity, without comparing figures.
   */
  readonly customers: readonly CustomerTotals[];
  /** every file's figures so far (callers de-duplicated across rows; no caller keys) */
  readonly totals: Totals;
  /** the first 100 folders that could not be read so far, with the reason (as ScanResult's) */
  readonly folderErrors: readonly { readonly path: string; readonly error: string }[];
  readonly finished: boolean;
  /** once finished (stopped or done) */
  readonly result?: ScanResult;
}

export const SNAPSHOT_EVERY_MS = 500;

/**
 * Files read before (a case file's, when a scan resumes): what reading found, handed back for a file
 * that is the one it was read from, so that it is placed again without being read.
 */
export interface KnownFiles {
  /**
   * rel: the path below the root, its bytes as a latin1 string (as the walk gives it). What an earlier
   * run found in the file there, as JSON of its FileFacts (with device, inode, size, mtime), or
   * undefined. The reader takes it over when the file is unchanged (an lstat), else reads the file.
   */
  take(rel: string): string | undefined;
}

export interface ScannerOptions {
  /** every record carries what reading found (FileRecord.read), for a case file */
  keepFacts?: boolean;
  /** files read before, not read again when unchanged (resume) */
  known?: KnownFiles;
  /**
   * every folder below the root as the walk meets it (depth 1 is the root's child), with the reason
   * when it could not be listed: a case file keeps them, so that a report with another --depth finds
   * its empty customer folders and places the folders not read
   */
  onFolder?: (rel: Buffer, depth: number, error?: string) => void;
  /**
   * every folder the walk listed, by its name ('' the root) and depth in the order listed, with its
   * stamp as listed (walk.ts WalkSink.stamp), once the walk has ended: a shard's case file keeps them
   * for --merge (case/between.ts)
   */
  onStamp?: (name: Buffer, depth: number, stamp: string) => void;
  /**
   * the case file's rows: a batch read by a reader, as one JSON string (read/stored.ts); and a file
   * placed here (taken over unchanged, or whose reading never finished), as its record
   */
  onStored?: (json: string) => void;
  onFile?: (r: FileRecord) => void;
  /** a tree on a web server: every request the scan made (the case file keeps them) */
  onRequests?: (entries: RequestEntry[]) => void;
}

export class Scanner {
  private readonly agg: Aggregator;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private phase: Phase = 'scanning';
  private found = 0;
  private walkDone = false;
  private links = 0;
  private special = 0;
  private readonly folderErrors: { path: string; error: string }[] = [];
  /** ScanResult.repeatedFolders */
  private readonly repeated: { path: string; first: string }[] = [];
  private folderErrorCount = 0;
  private stopped = false;
  private finished = false;
  private atimes: AtimeKeeping = { folders: true, filesRefused: 0 };
  /** files the readers opened without O_NOATIME (the kernel refused it) */
  private probeRefused = 0;
  private endMs?: number;
  private reader?: Reader;
  private final?: ScanResult;
  private readonly customerFromFolders: boolean;
  private readonly withCallers: boolean;
  private readonly keepPaths: boolean;
  /** whether anything changed since the last snapshot, and the last snapshot */
  private dirty = true;
  private seq = 0;
  private last?: ScanSnapshot;
  private readonly listeners = new Set<() => void>();
  /** folderErrors as the last snapshot gave them (made again when one is added) */
  private folderErrorsShown?: readonly { readonly path: string; readonly error: string }[];

  /** files taken over from a case file without being read (resume) */
  private reused = 0;
  /** a tree on a web server: what the walk's and the readers' requests cost it so far */
  private readonly http?: HttpEvidence;

  constructor(
    readonly config: ScanConfig,
    private readonly onRecord?: (r: FileRecord) => void,
    /** back-pressure from onRecord's consumer (a manifest behind its output): the walk waits for it */
    private readonly waitForOutput?: () => Promise<void> | undefined,
    private readonly options: ScannerOptions = {},
  ) {
    this.keepPaths = onRecord !== undefined;
    this.withCallers = config.pattern?.hasCaller ?? false;
    this.agg = new Aggregator(this.withCallers);
    this.customerFromFolders = !config.pattern?.hasCustomer;
    if (isRemote(config.root))
      this.http = { ...noStats(), connections: config.http?.connections ?? DEFAULT_CONNECTIONS };
  }

  /** Stop early: what was counted so far is kept and the result is marked partial. */
  stop(): void {
    if (this.finished) return;
    this.stopped = true;
    this.reader?.stop();
  }

  /** The state as of the last change; the same object until something changes. */
  snapshot(): ScanSnapshot {
    if (this.last && !this.dirty) return this.last;
    this.dirty = false;
    this.last = Object.freeze({
      seq: ++this.seq,
      progress: Object.freeze(this.progressNow()),
      customers: this.agg.live(),
      totals: Object.freeze(totalsOf(this.agg.total, this.withCallers)),
      folderErrors: (this.folderErrorsShown ??= Object.freeze(this.folderErrors.map((e) => Object.freeze({ ...e })))),
      finished: this.finished,
      result: this.final,
    });
    return this.last;
  }

  /**
   * Call fn with a snapshot at most every everyMs while the scan runs (when something changed; the
   * elapsed time counts as a change), and once when it has finished. `hold`, asked at each turn:
   * true skips that turn, so no snapshot is built (a UI whose user is pressing keys: building one of
   * 50,000 rows holds the thread 40-120 ms). Returns the unsubscribe.
   */
  subscribe(fn: (s: ScanSnapshot) => void, everyMs = SNAPSHOT_EVERY_MS, hold?: () => boolean): () => void {
    let lastSeq = -1;
    const publish = (): void => {
      const s = this.snapshot();
      if (s.seq === lastSeq) return;
      lastSeq = s.seq;
      fn(s);
    };
    if (this.finished) {
      queueMicrotask(publish);
      return () => {};
    }
    const timer = setInterval(() => {
      this.dirty = true; // the elapsed time moves
      if (!hold?.()) publish();
    }, everyMs);
    timer.unref();
    const onFinish = (): void => {
      clearInterval(timer);
      publish();
    };
    this.listeners.add(onFinish);
    return () => {
      clearInterval(timer);
      this.listeners.delete(onFinish);
    };
  }

  /** @deprecated use snapshot().progress (this one is taken now, with the elapsed time of now) */
  progress(): Progress {
    return this.progressNow();
  }

  /** Whether run() has returned. */
  get isFinished(): boolean {
    return this.finished;
  }

  private progressNow(): Progress {
    const t = this.agg.total;
    return {
      phase: this.phase,
      found: this.found,
      done: t.files,
      walkDone: this.walkDone,
      audioMicros: t.audioMicros,
      audioFiles: t.audioFiles,
      unreadable: t.unreadableFiles,
      bytes: t.bytes,
      elapsedMs: (this.endMs ?? performance.now()) - this.t0,
      unreadableFolders: this.folderErrorCount,
      linksSkipped: this.links,
      specialSkipped: this.special,
      unmatched: this.agg.filesOf('unmatched'),
    };
  }

  private record(r: FileRecord): void {
    this.agg.add(r);
    this.dirty = true;
    // the case file's row: a record placed here still carries its facts (a reader's has handed them on)
    if (r.read) {
      this.options.onFile?.(r);
      delete r.read;
    }
    // another name of a file counted once is a count of its row, not a file of the manifest
    if (!r.hardLink) this.onRecord?.(r);
  }

  private rows(rows: RowCounts[]): void {
    for (const rc of rows) this.agg.merge(rc);
    this.dirty = true;
  }

  /**
   * --shard: whether a path's row falls in this shard (place/shard.ts); a customer folder of another
   * shard is not even listed when folders name the customers (walk.ts)
   */
  private mine(): (rel: string | Buffer) => boolean {
    const shard = this.config.shard;
    if (!shard) return () => true;
    const ctx = makeContext(this.config, false);
    return (rel) => inShard(shard, rowKeyOf(typeof rel === 'string' ? Buffer.from(rel, 'latin1') : rel, ctx));
  }

  private walkSink(batcher: Batcher): WalkSink {
    const mine = this.mine();
    return {
      listed: () => batcher.flush(),
      file: (rel, sparse, listed, id) => {
        if (!mine(rel)) return;
        this.found++;
        const known = this.options.known?.take(rel);
        // a web server's file an earlier run read, at the size and time its listing gives now: taken
        // over without a request (over HTTP, knowing it unchanged otherwise costs the request itself)
        if (listed && known !== undefined) {
          const k = JSON.parse(known) as { bytes?: number; mtimeMs?: number };
          if (k.bytes === listed.size && k.mtimeMs === listed.mtimeMs) {
            batcher.add(rel, 'u', known);
            return;
          }
        }
        batcher.add(rel, sparse ? 's' : '', known, id);
      },
      // sent to the readers, who place it in its row (by folder or by pattern) like any file; a file
      // met again after a move is a file of its row there, not counted: a gap (read/record.ts)
      hardLink: (rel, moved) => {
        if (!mine(rel)) return;
        if (moved) this.found++;
        batcher.add(rel, moved ? 'm' : 'h');
      },
      dir: (rel, depth) => {
        this.options.onFolder?.(rel, depth);
        if (this.customerFromFolders && depth === this.config.depth) ensureCustomer(this.agg, rel);
      },
      stamp: (name, depth, stamp) => this.options.onStamp?.(name, depth, stamp),
      link: (rel) => {
        if (!mine(rel)) return;
        this.links++;
        this.dirty = true;
      },
      special: (rel) => {
        if (!mine(rel)) return;
        this.special++;
        this.dirty = true;
      },
      error: (rel, err) => {
        if (err.code === REPEAT_FOLDER) {
          // a folder met again (a bind mount, a loop): its files were counted at the first path
          const path = shownPath(rel) || '.';
          const first = shownPath(Buffer.from(err.message, 'latin1')) || '.';
          const note = repeatNote(first);
          if (sameCustomer(this.config, path, first)) {
            this.options.onFolder?.(rel, depthOf(rel), note);
            if (this.repeated.length < 100) this.repeated.push({ path, first });
            return;
          }
          err = Object.assign(new Error(note), { code: note });
        }
        this.folderErrorCount++;
        this.dirty = true;
        this.options.onFolder?.(rel, depthOf(rel), err.code ?? err.message);
        unreadableFolder(this.agg, this.config, rel);
        if (this.folderErrors.length < 100) {
          this.folderErrors.push({ path: shownPath(rel) || '.', error: err.code ?? err.message });
          this.folderErrorsShown = undefined;
        }
      },
    };
  }

  /** The walk's pause, after any wait for the output (so that records never pile up without bound). */
  private paced(pause: () => Promise<void> | undefined): () => Promise<void> | undefined {
    const wait = this.waitForOutput;
    if (!wait) return pause;
    return () => {
      const w = wait();
      return w ? w.then(() => pause()) : pause();
    };
  }

  async run(): Promise<ScanResult> {
    // a folder changed from here on changed during the scan (walk.ts changedSince): taken before the
    // reader and walk threads start, so that a change during their start is one too
    const since = Date.now();
    const http = this.http;
    const shares = http ? connectionShares(http.connections, this.config.threads) : undefined;
    // the connections, shared by the walk (client 0) and the reader threads (1…), each using what the
    // others leave (http/slots.ts)
    const httpSlots = http && shares ? slotsBuffer(http.connections, 1 + Math.max(1, shares.threads)) : undefined;
    const onRequests = http ? this.options.onRequests : undefined;
    const reader = createReader({
      ...(httpSlots ? { httpSlots } : {}),
      ...(onRequests ? { keepRequests: true } : {}),
      // over HTTP no more reader threads than connections for them
      config: shares ? { ...this.config, threads: shares.threads } : this.config,
      keepPaths: this.keepPaths,
      keepFacts: this.options.keepFacts,
      sink: {
        rows: (rows) => this.rows(rows),
        record: (r) => this.record(r),
        noatimeRefused: (n) => void (this.probeRefused += n),
        stored: (json) => this.options.onStored?.(json),
        takenOver: (n) => void (this.reused += n),
        http: (s) => {
          if (http) addStats(http, s);
        },
        requests: (entries) => onRequests?.(entries),
      },
    });
    this.reader = reader;
    if (this.stopped) reader.stop();
    // a shard's files are told by their rows, placed here by the pattern when there is one
    if (this.config.shard) await loadFor(this.config);
    const batcher = new Batcher((b) => reader.read(b), http ? HTTP_BATCH_SIZE : undefined);
    try {
      // with reader threads the walk has its own too (the calling thread, often the UI's, only
      // replays its findings); --threads 0 does everything on the calling thread
      // a web server's tree is walked from its listings (http/walk.ts), on this thread: its work is waiting
      // (its client, undici, loaded only for a web server's tree)
      const httpWalk = http && shares ? (await import('./http/walk.js')).httpWalk : undefined;
      const walker: typeof walk =
        httpWalk && http && shares
          ? (root, sink, opts) =>
              httpWalk(root, sink, opts, {
                // (as many listings at once as there are connections: slots it cannot take wait)
                connections: http.connections,
                ...(httpSlots ? { slots: { buffer: httpSlots, client: 0 } } : {}),
                ...(onRequests ? { log: (e: RequestEntry) => onRequests([e]) } : {}),
                timeoutMs: this.config.http?.timeoutMs ?? REQUEST_TIMEOUT_MS,
                ...(this.config.http?.ca ? { ca: this.config.http.ca } : {}),
                ...rateShare(this.config.http, shares.walk),
                stats: http,
              })
          : this.config.threads > 0
            ? walkOnThread
            : walk;
      this.atimes = await walker(this.config.root, this.walkSink(batcher), {
        pause: this.paced(() => reader.pause()),
        aborted: () => this.stopped,
        strict: this.config.strictEvidence,
        since,
        // only the customer folders matter here (each folder's path costs its depth to send), unless a
        // case file keeps every folder
        dirsAt: this.options.onFolder ? undefined : this.customerFromFolders ? this.config.depth : 0,
        shard:
          this.config.shard && !this.config.pattern ? { ...this.config.shard, depth: this.config.depth } : undefined,
        stamps: this.options.onStamp !== undefined,
      });
      // a walk cut short by stop() found only part of the files: `found` is then no total, and no
      // percentage may be made of it
      this.walkDone = !this.stopped;
      this.phase = 'reading';
      this.dirty = true;
      batcher.flush();
      await reader.drain();
    } finally {
      await reader.close();
    }
    // every row's final totals, and the counters behind them let go (a finished scan's memory)
    this.agg.finish();
    this.phase = this.stopped ? 'stopped' : 'done';
    this.endMs = performance.now();
    this.finished = true;
    this.final = this.result();
    this.dirty = true;
    for (const fn of this.listeners) fn();
    this.listeners.clear();
    return this.final;
  }

  /**
   * The result as it stands: the final one after run(), or one built now while the scan is under
   * way (then partial, like the result of a stopped scan).
   */
  result(): ScanResult {
    if (this.final) return this.final;
    const customers = this.agg.customers();
    return {
      config: this.config,
      startedAt: this.startedAt,
      finishedAt: new Date(),
      partial: this.stopped || !this.finished,
      customers,
      totals: { ...totalsOf(this.agg.total, this.withCallers, this.finished), customers: customers.length },
      linksSkipped: this.links,
      specialSkipped: this.special,
      unreadableFolders: this.folderErrorCount,
      folderErrors: [...this.folderErrors],
      repeatedFolders: [...this.repeated],
      unmatched: this.agg.filesOf('unmatched'),
      // files: what the readers met (the probe's ProbeIo count). The walk's own prediction (a file not
      // the user's, euid not root) is what --strict-evidence refuses on, before the file is read.
      noatime: { folders: this.atimes.folders, filesRefused: this.probeRefused },
      takenOver: this.reused,
      ...(this.http ? { http: { ...this.http } } : {}),
    };
  }
}

/** A folder's depth below the root from its path (1: the root's child; 0: the root itself). */
const depthOf = (rel: Buffer): number => {
  if (!rel.length) return 0;
  let n = 1;
  for (let i = rel.indexOf(0x2f); i >= 0; i = rel.indexOf(0x2f, i + 1)) n++;
  return n;
};

/** A customer folder (at --depth, customers named by folders) is a row even when it holds nothing. */
function ensureCustomer(agg: Aggregator, rel: Buffer): void {
  const slash = rel.lastIndexOf(0x2f);
  agg.ensure(keyName(rel.subarray(slash + 1)));
}

/**
 * Count an unreadable folder in the row its files would have gone to: the customer folder it is
 * (or is in); above the customer level, or when a pattern names the customers (its files' names are
 * unknown), the top-level row.
 */
function unreadableFolder(agg: Aggregator, config: ScanConfig, rel: Buffer): void {
  const depth = config.depth;
  if (!config.pattern?.hasCustomer && rel.length) {
    let start = 0;
    for (let level = 1; level <= depth; level++) {
      const slash = rel.indexOf(0x2f, start);
      if (level === depth) {
        agg.unreadableFolder('customer', keyName(rel.subarray(start, slash < 0 ? rel.length : slash)));
        return;
      }
      if (slash < 0) break;
      start = slash + 1;
    }
  }
  agg.unreadableFolder('top-level', TOP_LEVEL);
}

/**
 * What the outputs (the manifest, a case file's folders) say of a folder met again under another
 * path: the path whose files were counted. A case file keeps it as the folder's error, and a replay
 * reads the path back from it (repeatOf).
 */
export const REPEAT_PREFIX = 'the same folder as ';
const REPEAT_SUFFIX = ', counted there (a bind mount or a loop)';
const repeatNote = (first: string): string => REPEAT_PREFIX + first + REPEAT_SUFFIX;
const repeatOf = (error: string): string | undefined =>
  error.startsWith(REPEAT_PREFIX) && error.endsWith(REPEAT_SUFFIX)
    ? error.slice(REPEAT_PREFIX.length, error.length - REPEAT_SUFFIX.length)
    : undefined;

/**
 * Whether two folders (shown paths below the root) are in one customer's folder: then a folder met
 * again at the second is no gap of any row, its files being counted at the first, in the same row
 * (round 24: it was a folder not read, the row "incomplete"). Folders above the customer level, or
 * customers named by a {customer} pattern (a file's customer is in its path, which differs), are not:
 * the second path's row does not hold the files counted under the first, and stays incomplete.
 */
function sameCustomer(config: ScanConfig, path: string, first: string): boolean {
  if (config.pattern?.hasCustomer) return false;
  const a = path.split('/');
  const b = first.split('/');
  const d = config.depth;
  return a.length >= d && b.length >= d && first !== '.' && a[d - 1] === b[d - 1];
}

/** Files a replay places between two turns of the event loop (~50 ms): a signal is heard between them. */
const REPLAY_TURN = 5000;

/** What a stored scan (a case file's run) holds: its files as read, its folders, what the walk saw. */
export interface StoredScan {
  startedAt: Date;
  finishedAt: Date;
  /** the stored run did not finish (stopped, killed): every figure is a lower bound */
  partial: boolean;
  /** a merge of shards without some of them (ScanResult.shardsMissing) */
  shardsMissing?: ShardsMissing;
  /** a web server's tree: what the stored run's requests cost it (ScanResult.http) */
  http?: HttpEvidence;
  files: Iterable<{ rel: Buffer; facts?: FileFacts; sparse?: boolean; hardLink?: boolean }>;
  folders: Iterable<{ rel: Buffer; depth: number; error?: string }>;
  linksSkipped: number;
  specialSkipped: number;
  noatime: AtimeKeeping;
}

/**
 * A stored scan placed again with this config (its depth, pattern, zone, retention, country): the
 * result a scan of the same files with these options gives, without reading a file. onRecord sees
 * every file's record (a manifest).
 */
export async function replayScan(
  config: ScanConfig,
  stored: StoredScan,
  onRecord?: (r: FileRecord) => void,
  /** asked every REPLAY_TURN files, after a turn of the event loop (a signal's handler runs there): true ends the replay, partial */
  stopped?: () => boolean,
): Promise<ScanResult> {
  await loadFor(config);
  const withCallers = config.pattern?.hasCaller ?? false;
  const agg = new Aggregator(withCallers);
  const ctx = makeContext(config, onRecord !== undefined);
  const fromFolders = !config.pattern?.hasCustomer;
  const folderErrors: { path: string; error: string }[] = [];
  const repeatedFolders: { path: string; first: string }[] = [];
  let unreadable = 0;
  for (const f of stored.folders) {
    if (f.error === undefined) {
      if (fromFolders && f.depth === config.depth) ensureCustomer(agg, f.rel);
      continue;
    }
    // a folder met again: judged again with this config's depth and pattern, as the scan does
    const first = repeatOf(f.error);
    const path = shownPath(f.rel) || '.';
    if (first !== undefined && sameCustomer(config, path, first)) {
      if (repeatedFolders.length < 100) repeatedFolders.push({ path, first });
      continue;
    }
    unreadable++;
    unreadableFolder(agg, config, f.rel);
    if (folderErrors.length < 100) folderErrors.push({ path: shownPath(f.rel) || '.', error: f.error });
  }
  let partial = stored.partial;
  let n = 0;
  for (const f of stored.files) {
    const r = placeRecord(ctx, f.rel, f.facts, { sparse: f.sparse, hardLink: f.hardLink });
    agg.add(r);
    if (!r.hardLink) onRecord?.(r);
    if (++n % REPLAY_TURN === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped?.()) {
        partial = true;
        break;
      }
    }
  }
  agg.finish();
  const customers = agg.customers();
  return {
    config,
    startedAt: stored.startedAt,
    finishedAt: stored.finishedAt,
    partial,
    customers,
    totals: { ...totalsOf(agg.total, withCallers, true), customers: customers.length },
    linksSkipped: stored.linksSkipped,
    specialSkipped: stored.specialSkipped,
    unreadableFolders: unreadable,
    folderErrors,
    repeatedFolders,
    unmatched: agg.filesOf('unmatched'),
    noatime: stored.noatime,
    ...(stored.http ? { http: stored.http } : {}),
    takenOver: 0,
    shardsMissing: stored.shardsMissing,
  };
}

/**
 * The one snapshot of a scan already made (a case file's run, replayed): finished, its figures the
 * result's. What a face that shows a live scan shows for a stored one (the UI on --from).
 */
export function finishedSnapshot(result: ScanResult): ScanSnapshot {
  const t = result.totals;
  return Object.freeze({
    seq: 1,
    progress: Object.freeze({
      phase: result.partial ? 'stopped' : 'done',
      found: t.files,
      done: t.files,
      walkDone: !result.partial,
      audioMicros: t.audioMicros,
      audioFiles: t.audioFiles,
      unreadable: t.unreadableFiles,
      bytes: t.bytes,
      elapsedMs: result.finishedAt.getTime() - result.startedAt.getTime(),
      unreadableFolders: result.unreadableFolders,
      linksSkipped: result.linksSkipped,
      specialSkipped: result.specialSkipped,
      unmatched: result.unmatched,
    } satisfies Progress),
    customers: Object.freeze(result.customers.map((c) => Object.freeze({ ...c }))),
    totals: Object.freeze({ ...t }),
    folderErrors: Object.freeze(result.folderErrors.map((e) => Object.freeze({ ...e }))),
    finished: true,
    result,
  });
}

/** Scan a tree and return the result (the whole engine in one call). */
export function scan(config: ScanConfig, onRecord?: (r: FileRecord) => void): Promise<ScanResult> {
  return new Scanner(config, onRecord).run();
}

/**
 * Lines for stderr on what the scan could not keep or count as one file: said once, after the scan
 * (the same figures are in the result, for the reports).
 */
export function evidenceWarnings(r: Pick<ScanResult, 'noatime' | 'totals'>): string[] {
  const w: string[] = [];
  if (!r.noatime.folders) {
    w.push(
      'folders were listed without O_NOATIME (not yours, or the listing addon is not built): their access times may have moved; --strict-evidence refuses instead',
    );
  }
  if (r.noatime.filesRefused) {
    const n = r.noatime.filesRefused;
    w.push(
      `${n} ${n === 1 ? 'file is' : 'files are'} not yours, so O_NOATIME was refused and reading moved ${n === 1 ? 'its access time' : 'their access times'}; run as the owner or root, or --strict-evidence to refuse`,
    );
  }
  if (r.totals.hardLinks) {
    w.push(
      `${r.totals.hardLinks} hard ${r.totals.hardLinks === 1 ? 'link' : 'links'}: extra names of files counted once (column hard_links)`,
    );
  }
  return w;
}
