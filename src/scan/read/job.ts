/**
 * The scan's job for one batch: each file through processFile, answered as counts per row (or,
 * when every file's record is wanted, as the records). The same function runs in each reader
 * thread (created there by worker.ts) and, with --threads 0, on the main thread.
 */
import { loadFor, makeContext, placeRecord, processFile } from './record.js';
import { lstatSync } from 'node:fs';
import type { FileFacts } from '../probe/index.js';
import { IO_DEPTH, type FileRecord, type ScanConfig } from '../model.js';
import { BatchHeads, type HeadRead } from './heads.js';
import { Counts } from '../tally/counts.js';
import { rowKey, type RowCounts } from '../tally/aggregate.js';
import { parseEntry, type Batch, type Entry } from './batcher.js';
import { fileRow } from './stored.js';
import { connectionShares, DEFAULT_CONNECTIONS, isRemote, rateShare, REQUEST_TIMEOUT_MS } from '../http/url.js';
import { RemoteFiles } from '../http/remote.js';
import type { HttpStats, RequestEntry } from '../http/common.js';

export interface ScanJobData {
  config: ScanConfig;
  /** answer with every file's record (a manifest is written, or a caller wants records) */
  keepPaths: boolean;
  /** and with what reading found (FileRecord.read: a case file is written) */
  keepFacts?: boolean;
  /** reads in flight for this thread on slow storage (default: the config's ioDepth, or IO_DEPTH, over its threads) */
  ioThreads?: number;
  /** a web server's tree: the scan's shared connection slots (http/slots.ts; client 0 is the walk) */
  httpSlots?: SharedArrayBuffer;
  /** and every request kept, for the case file (ScanReply.requests) */
  keepRequests?: boolean;
}

/** This thread's share of the reads in flight. */
export function ioThreadsOf(config: ScanConfig): number {
  return Math.max(1, Math.ceil((config.ioDepth ?? IO_DEPTH) / Math.max(1, config.threads)));
}

/** a web server's batches whose heads were asked for as they arrived (ScanJob.early), until read */
const early = new Map<Batch, Promise<void>>();
/**
 * the files of a batch read over HTTP: not another name of a file read once, nor a file its listing
 * showed unchanged since an earlier run read it (taken over)
 */
const remoteRels = (entries: Entry[]): Buffer[] =>
  entries.filter((e) => !e.hardLink && !(e.known && e.listedUnchanged)).map((e) => e.rel);

/**
 * A batch's entries, and the heads of the files to read (hard links are not read), in one go: from
 * the disk (heads), or over HTTP (remote: fetched into it, then probed from there).
 */
async function readBatch(
  batch: Batch,
  heads: BatchHeads | undefined,
  remote: RemoteFiles | undefined,
): Promise<{ entries: Entry[]; opened: (HeadRead | undefined)[] }> {
  const entries = batch.map(parseEntry);
  if (remote) {
    await (early.get(batch) ?? remote.prefetch(remoteRels(entries)));
    early.delete(batch);
    return { entries, opened: [] };
  }
  if (!heads) return { entries, opened: [] };
  const rels: Buffer[] = [];
  const at: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    // another name of a file read once (or the file met again after a move), and a file an earlier run
    // read (checked by lstat first), are not read here
    if (entries[i]!.hardLink || entries[i]!.moved || entries[i]!.known) continue;
    rels.push(entries[i]!.rel);
    at.push(i);
  }
  const read = heads.read(rels);
  const opened = new Array<HeadRead | undefined>(batch.length);
  for (let k = 0; k < at.length; k++) opened[at[k]!] = read[k];
  return { entries, opened };
}

/**
 * noatimeRefused: files of the batch the kernel would not open with O_NOATIME (the probe's ProbeIo
 * count); stored: with a case file, the batch's `files` rows (stored.ts), as one JSON string
 */
export type ScanReply = ({ records: FileRecord[] } | { rows: RowCounts[] }) & {
  noatimeRefused: number;
  stored?: string;
  /** files an earlier run read that are unchanged: placed from what it found, not read */
  takenOver?: number;
  /** a tree on a web server: what this batch's requests cost it */
  http?: HttpStats;
  /** and each of them, when kept (ScanJobData.keepRequests) */
  requests?: RequestEntry[];
};

/**
 * Asked between two files when the job runs on the calling thread (--threads 0, reader.ts): a
 * promise when the event loop is due a turn (the UI, a SIGINT or SIGTERM handler), resolving to
 * false when the reading is to stop; undefined to go straight on.
 */
export type Pace = () => Promise<boolean> | undefined;

/** A batch's reading; close() lets go of what the thread holds (its folders held open, anchors.ts). */
export type ScanJob = ((batch: Batch, pace?: Pace) => Promise<ScanReply>) & {
  close(): void;
  /** told of a batch as it reaches the thread (worker.ts): over HTTP its heads are asked for at once */
  early?: (batch: Batch) => void;
};

/**
 * Whether the file at rel is the one an earlier run read: the same device, inode, size, mtime and
 * ctime (lstat: not opened, not read). A path that cannot be stat'ed (gone, past PATH_MAX) is read
 * instead. The ctime since round 24 H1: a file overwritten in place with its mtime put back (touch -r,
 * rsync --inplace -t) kept its device, inode, size and mtime, and a resumed run counted the 3,600 s it
 * held before where ffmpeg decoded nothing; a ctime cannot be set back. A case file's rows from before
 * (no ctime) are compared without it, and the run says so (store.ts knownFiles).
 */
function unchanged(root: Buffer, rel: Buffer, known: FileFacts): boolean {
  let st;
  try {
    st = lstatSync(Buffer.concat([root, rel]), { throwIfNoEntry: false });
  } catch {
    return false;
  }
  return (
    st !== undefined &&
    st.isFile() &&
    st.dev === known.dev &&
    st.ino === known.ino &&
    st.size === known.bytes &&
    st.mtimeMs === known.mtimeMs &&
    (known.ctimeMs === undefined || st.ctimeMs === known.ctimeMs)
  );
}

/**
 * Whether the file an earlier run read is the one the walk listed here (a case file's facts carry the
 * device and inode): otherwise it is read, and the reader's own check finds it changed (record.ts).
 */
const sameAsListed = (e: Entry): boolean =>
  e.listed === undefined ||
  e.known?.dev === undefined ||
  (e.known.dev === e.listed.dev && e.known.ino === e.listed.ino);

/** The job for a thread: at once where the pattern modules are loaded (or not needed), else once they are. */
export function createJob(data: unknown, index = 0, beat?: SharedArrayBuffer): ScanJob | Promise<ScanJob> {
  const { config } = data as ScanJobData;
  if (config.pattern) return loadFor(config).then(() => jobFor(data as ScanJobData, index, beat));
  return jobFor(data as ScanJobData, index, beat);
}

/** the job of reader thread `index` */
function jobFor(
  { config, keepPaths, keepFacts = false, ioThreads, httpSlots, keepRequests = false }: ScanJobData,
  index: number,
  /** the pool's progress beat of this thread (worker.ts): the fetch thread beats it as a read's bytes arrive */
  beat?: SharedArrayBuffer,
): ScanJob {
  // one context per thread: its per-thread state is never shared
  const ctx = makeContext(config, keepPaths, keepFacts);
  if (isRemote(config.root)) {
    const connections = config.http?.connections ?? DEFAULT_CONNECTIONS;
    const perThread = connectionShares(connections, config.threads).perThread;
    ctx.remote = new RemoteFiles(
      config.root,
      {
        connections: perThread,
        // (the walk is client 0 of the slots, reader thread i client i + 1)
        ...(httpSlots ? { slots: { buffer: httpSlots, client: 1 + index } } : {}),
        timeoutMs: config.http?.timeoutMs ?? REQUEST_TIMEOUT_MS,
        ...(config.http?.ca ? { ca: config.http.ca } : {}),
        ...rateShare(config.http, perThread),
      },
      keepRequests,
      beat,
    );
  }
  const remote = ctx.remote;
  const heads =
    !remote && BatchHeads.available
      ? new BatchHeads(ctx.rootBytes, ioThreads ?? ioThreadsOf(config), ctx.anchors)
      : undefined;
  const close = (): void => {
    ctx.anchors.close();
    remote?.close();
  };
  // over HTTP a batch's heads are asked for as it arrives, while the batches ahead are still probed:
  // the connections stay busy instead of waiting for each batch's probes (and its reply) in turn
  const hooks = remote
    ? {
        close,
        early: (batch: Batch): void => {
          const asked = remote.prefetch(remoteRels(batch.map(parseEntry)));
          asked.catch(() => undefined);
          early.set(batch, asked);
        },
      }
    : { close };
  let takenOver = 0;
  /** one file: taken over from an earlier run when it is the file that run read, else read */
  const one = (e: Entry, opened: HeadRead | undefined): Promise<FileRecord> | FileRecord => {
    // (a file on a web server: unchanged only where its listing gave the size and time it was read at)
    if (
      e.known &&
      (remote ? e.listedUnchanged : sameAsListed(e) && unchanged(ctx.rootBytes, e.rel, e.known)) &&
      !e.moved
    ) {
      takenOver++;
      // (its mtime is the server's Last-Modified, and dates it as such, as when it was read)
      if (remote && e.known.mtimeMs > 0) e.known.lastModified = true;
      return placeRecord(ctx, e.rel, e.known, e);
    }
    return processFile(ctx, e.rel, e, opened);
  };
  const taken = (): { takenOver?: number; http?: HttpStats; requests?: RequestEntry[] } => {
    const n = takenOver;
    takenOver = 0;
    const http = remote?.taken();
    const requests = remote?.takenRequests();
    return { ...(n ? { takenOver: n } : {}), ...(http ? { http } : {}), ...(requests ? { requests } : {}) };
  };
  /** a case file's rows, made here: the record then travels without its facts */
  const store = (r: FileRecord, out: unknown[]): void => {
    if (!keepFacts) return;
    fileRow(r, out);
    delete r.read;
  };
  const stored = (out: unknown[]): { stored?: string } => (keepFacts ? { stored: JSON.stringify(out) } : {});
  if (keepPaths) {
    return Object.assign(async (batch: Batch, pace?: Pace): Promise<ScanReply> => {
      const refused0 = ctx.io.noatimeRefused;
      const records = new Array<FileRecord>(batch.length);
      const out: unknown[] = [];
      const { entries, opened } = await readBatch(batch, heads, remote);
      try {
        for (let i = 0; i < batch.length; i++) {
          const r = await one(entries[i]!, opened[i]);
          store(r, out);
          records[i] = r;
          const turn = pace?.();
          if (turn && !(await turn)) break; // stopped: the reply is dropped
        }
      } finally {
        heads?.release();
      }
      return { records, noatimeRefused: ctx.io.noatimeRefused - refused0, ...stored(out), ...taken() };
    }, hooks);
  }
  return Object.assign(async (batch: Batch, pace?: Pace): Promise<ScanReply> => {
    const refused0 = ctx.io.noatimeRefused;
    const rows = new Map<string, RowCounts>();
    let last: RowCounts | undefined;
    const out: unknown[] = [];
    const { entries, opened } = await readBatch(batch, heads, remote);
    try {
      for (let i = 0; i < batch.length; i++) {
        const e = entries[i]!;
        const r = await one(e, opened[i]);
        store(r, out);
        // a batch is mostly one folder, so mostly one row: look the row up only when it changes
        if (last?.customer !== r.customer || last.kind !== r.row) {
          const key = rowKey(r.row, r.customer);
          last = rows.get(key);
          if (!last) rows.set(key, (last = { kind: r.row, customer: r.customer, counts: new Counts() }));
        }
        last.counts.add(r);
        const turn = pace?.();
        if (turn && !(await turn)) break; // stopped: the reply is dropped
      }
    } finally {
      heads?.release();
    }
    return { rows: [...rows.values()], noatimeRefused: ctx.io.noatimeRefused - refused0, ...stored(out), ...taken() };
  }, hooks);
}
