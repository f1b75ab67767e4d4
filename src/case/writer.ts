/**
 * The main thread's side of the case file: records and folders gathered into batches and handed to
 * the writer thread (worker.ts), with back-pressure so that a slow disk slows the walk instead of
 * filling memory, and the run's row opened before the scan and closed after it.
 */
import { Worker } from 'node:worker_threads';
import type { FileRecord } from '../scan/model.js';
import { fileRow, storedPath } from '../scan/read/stored.js';
import type { RequestEntry } from '../scan/http/common.js';
import type { FromWriter, RunEnd, RunStart, ToWriter } from './messages.js';

/** Rows per message to the writer thread. */
const BATCH = 2000;
/**
 * What may be on its way to the writer thread before the walk is asked to wait, in bytes (a row of
 * `files` is ~150-300 bytes as JSON: ~16,000-28,000 rows, ~0.1 s of the writer's inserts). It was 8
 * messages: 8 of a reader's batches are 1,024 rows, 16 ms of a warm scan, less than a commit's fsync
 * on a busy disk (the profile of a 100,000-file scan: 447 ms in fsync over its commits). What that
 * saves in wall time was not measured (a loaded machine); the memory it bounds was (below).
 */
const IN_FLIGHT_BYTES = 4 << 20;
/** Rows gathered before they are sent are sent sooner than BATCH when they hold this many bytes. */
const BATCH_BYTES = 1 << 20;

/**
 * The bytes (about) of values on their way to the writer: a string's length, 12 for anything else. By
 * count alone, 2,000 rows of a tree nested 4,000 folders deep (paths of ~500 KB) were ~2 GB a message,
 * and a scan with --case took 4.65 GB (attack round 24b, H2).
 */
function weight(values: readonly unknown[]): number {
  let n = 0;
  for (const v of values)
    n += typeof v === 'string' ? v.length : typeof v === 'object' && v ? 12 + (v as { b: string }).b.length : 12;
  return n;
}

export class CaseWriter {
  private files: unknown[] = [];
  private fileRows = 0;
  /** the bytes of the paths in files and folders (BATCH_BYTES) */
  private fileBytes = 0;
  private folderBytes = 0;
  private folders: unknown[] = [];
  private stamps: unknown[] = [];
  private stampBytes = 0;
  private requestRows: unknown[] = [];
  /** the bytes (about) of the messages the writer thread has not answered, oldest first, and their sum */
  private readonly inFlight: number[] = [];
  private inFlightBytes = 0;
  private roomWaiters: (() => void)[] = [];
  private pending?: { resolve: (m: FromWriter) => void; reject: (e: Error) => void };
  /** the first error of the writer thread: the scan is to stop, and the run says the case file failed */
  failure?: Error;
  /** terminate() was called: the thread's end is no failure */
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly onError: (e: Error) => void,
  ) {
    worker.on('message', (m: FromWriter) => this.message(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (code !== 0 && !this.closing) this.fail(new Error(`the case file's writer thread ended (code ${code})`));
    });
  }

  /** The writer thread's answer to 'start': the case file open and the run's row made. */
  private started?: Promise<FromWriter>;

  /**
   * Start the writer thread, which opens the case file and makes the run's row, and return at once: the
   * scan does not wait for it (a thread's start, SQLite's WebAssembly and the schema's check took
   * 0.24–0.33 s of every run with a case file, measured). Rows sent meanwhile wait in the thread's
   * queue, behind 'start'; a case file that cannot be opened fails the writer (onError: the scan is
   * stopped, no output written), as a write that fails later does.
   */
  static start(path: string, shown: string, run: RunStart, onError: (e: Error) => void): CaseWriter {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { path, shown } });
    const w = new CaseWriter(worker, onError);
    w.started = w.ask({ t: 'start', run });
    w.started.catch(() => undefined); // a failure is also this.failure, reported through onError
    return w;
  }

  private message(m: FromWriter): void {
    if (m.t === 'ack') {
      // the thread answers its messages in order
      this.inFlightBytes -= this.inFlight.shift() ?? 0;
      if (this.inFlightBytes < IN_FLIGHT_BYTES) for (const w of this.roomWaiters.splice(0)) w();
      return;
    }
    if (m.t === 'error') {
      this.fail(new Error(m.message));
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    p?.resolve(m);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.roomWaiters.splice(0)) w();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
    this.onError(e);
  }

  private ask(m: ToWriter): Promise<FromWriter> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.pending = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  private send(m: ToWriter): void {
    if (this.failure) return;
    const bytes = m.t === 'stored' ? m.json.length : 'values' in m ? weight(m.values) : 0;
    this.inFlight.push(bytes);
    this.inFlightBytes += bytes;
    this.worker.postMessage(m);
  }

  /** One file's record (its `read` facts), written in the next batch. */
  add(r: FileRecord): void {
    if (!fileRow(r, this.files)) return;
    this.fileBytes += r.read?.rel.byteLength ?? 0;
    if (++this.fileRows >= BATCH || this.fileBytes >= BATCH_BYTES) this.flushFiles();
  }

  /** A reader's batch of rows, made there (scan/read/stored.ts): handed on as it is. */
  addStored(json: string): void {
    this.send({ t: 'stored', json });
  }

  /** A folder below the root (error: why it could not be listed). */
  folder(rel: Buffer, depth: number, error?: string): void {
    this.folders.push(storedPath(rel), depth, error ?? null);
    this.folderBytes += rel.length;
    if (this.folders.length >= BATCH * 5 || this.folderBytes >= BATCH_BYTES) this.flushFolders();
  }

  /**
   * A folder a shard listed, by its name ('' the root) and depth, in the order listed, and its stamp as
   * listed: "dev:ino:mtime_ns:ctime_ns".
   */
  stamp(name: Buffer, depth: number, stamp: string): void {
    const ctimeNs = BigInt(stamp.slice(stamp.lastIndexOf(':') + 1));
    this.stamps.push(storedPath(name), depth, stamp, Number(ctimeNs) / 1e6);
    this.stampBytes += name.length;
    if (this.stamps.length >= BATCH * 5 || this.stampBytes >= BATCH_BYTES) this.flushStamps();
  }

  private flushStamps(): void {
    if (!this.stamps.length) return;
    this.send({ t: 'stamps', values: this.stamps });
    this.stamps = [];
    this.stampBytes = 0;
  }

  /** A web server's requests (http/common.ts RequestEntry), written in the next batch. */
  requests(entries: readonly RequestEntry[]): void {
    for (const e of entries) this.requestRows.push(...e);
    if (this.requestRows.length >= BATCH * 7) this.flushRequests();
  }

  private flushRequests(): void {
    if (!this.requestRows.length) return;
    this.send({ t: 'requests', values: this.requestRows });
    this.requestRows = [];
  }

  private flushFiles(): void {
    if (!this.fileRows) return;
    this.send({ t: 'files', values: this.files });
    this.files = [];
    this.fileRows = 0;
    this.fileBytes = 0;
  }

  private flushFolders(): void {
    if (!this.folders.length) return;
    this.send({ t: 'folders', values: this.folders });
    this.folders = [];
    this.folderBytes = 0;
  }

  /** A promise while too many batches are on their way to the disk (the scan's waitForOutput). */
  waitForRoom(): Promise<void> | undefined {
    if (this.inFlightBytes < IN_FLIGHT_BYTES || this.failure) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** The rest written, the run's row closed, the case file closed. */
  async finish(end: RunEnd): Promise<void> {
    this.flushFiles();
    this.flushFolders();
    this.flushStamps();
    this.flushRequests();
    try {
      await this.started;
      await this.ask({ t: 'finish', end });
    } finally {
      this.closing = true;
      await this.worker.terminate();
    }
    if (this.failure) throw this.failure;
  }

  /** Stop the writer thread without closing the run (what was committed stays; the run reads as never finished). */
  async abandon(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}
