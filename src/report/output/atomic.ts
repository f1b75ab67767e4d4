/**
 * Output files. A regular file is written under a temporary name beside the target (created 0600: a
 * manifest holds evidence paths), fsynced, given its mode, renamed into place and its folder fsynced,
 * so a crash, a full disk or Ctrl-C never leaves half a CSV. Anything else that exists (a device, a
 * FIFO, /dev/stdout, a process substitution) is written directly and never replaced (see target.ts).
 * The file is made in its folder as opened before the scan (folder.ts), never through the path again.
 * Temporary files still open when the process ends are removed by removeTemporaryFiles(), which runs
 * on every exit Node can intercept (the 'exit' event; the CLI also calls it on signals); those a
 * killed process left are found by the next run (lock.ts).
 */
import {
  closeSync,
  constants,
  createWriteStream,
  fsync,
  fsyncSync,
  openSync,
  chmodSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type WriteStream,
} from 'node:fs';
import { finished } from 'node:stream/promises';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { basename, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeError, planOutput, type OutputPlan } from './target.js';
import { insideEvidence, OpenFolder } from './folder.js';

/** A write that failed (a full disk, an I/O error, a reader gone): one line, never a stack. */
export class OutputWriteError extends Error {}

export interface OutputOptions {
  /** the output holds evidence paths (the manifest): 0600 whatever the umask or an old file's mode */
  private?: boolean;
}

export interface Output {
  readonly target: string;
  /** written in place (a device, a FIFO, a descriptor) rather than renamed into place */
  readonly direct: boolean;
  readonly stream: OutStream;
  /** the first write error, if any (kept here: never an uncaught 'error' event) */
  readonly failure: Error | undefined;
  write(text: string): void;
  /**
   * Write and wait while the stream's buffer is full (until 'drain'), so that a writer of a million
   * rows holds a piece at a time, not the whole output queued in memory. After a write error it does
   * nothing (see failure; commit throws).
   */
  send(text: string): Promise<void>;
  /** Finish: flush (and for a file: fsync, rename, fsync the folder). Throws OutputWriteError. */
  commit(): Promise<void>;
  /** Give up: a temporary file is removed; a direct output is closed. */
  abort(): void;
}

/** Where AtomicFile.create puts the file, and how. */
type AtomicOptions = OutputOptions & {
  path?: string;
  folder?: OpenFolder;
  /** the folder is this file's alone: closed when the file is committed or given up */
  ownsFolder?: boolean;
  name?: string;
  existingMode?: number;
  root?: string;
};

/** A file's stream, or a pipe's (a FIFO, a pipe on a descriptor: written in the event loop, see pipeStream). */
type OutStream = Writable & { readonly bytesWritten: number };

const open = new Set<AtomicFile>();
let exitHook = false;

const openStream = (path: string, flags: string | number, mode: number): Promise<WriteStream> =>
  new Promise((resolve, reject) => {
    // fs.open takes numeric flags too (the typings of createWriteStream say string only)
    const stream = createWriteStream(path, { flags: flags as string, mode });
    const fail = (e: Error): void => reject(e);
    stream.once('error', fail);
    stream.once('open', () => {
      stream.off('error', fail);
      resolve(stream);
    });
  });

abstract class BaseOutput {
  protected error?: Error;

  constructor(
    readonly target: string,
    readonly stream: OutStream,
  ) {
    stream.on('error', (e) => {
      this.error ??= e;
    });
  }

  get failure(): Error | undefined {
    return this.error;
  }

  write(text: string): void {
    if (!this.error && !this.stream.destroyed) this.stream.write(text);
  }

  async send(text: string): Promise<void> {
    if (this.error || this.stream.destroyed) return;
    if (this.stream.write(text)) return;
    const stream = this.stream;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('error', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('error', done);
      stream.on('close', done);
    });
  }

  protected async flush(): Promise<void> {
    if (!this.error) {
      this.stream.end();
      try {
        await finished(this.stream);
      } catch (e) {
        this.error ??= e as Error;
      }
    }
  }
}

export class AtomicFile extends BaseOutput implements Output {
  readonly direct = false;
  private done = false;

  private constructor(
    target: string,
    private readonly folder: OpenFolder,
    private readonly ownsFolder: boolean,
    private readonly name: string,
    readonly tmp: string,
    stream: WriteStream,
    private readonly mode: number,
    private readonly root: string | undefined,
  ) {
    super(target, stream);
  }

  /**
   * Create the temporary file now, so that a bad output path fails before a long scan, not after.
   * Fails with "cannot write <target>: <reason>". The file goes in `folder` (open: see folder.ts) as
   * `name`; without a folder, in the folder of `path` (target when not given), opened now. With
   * `root`, the folder is checked again before the rename: not moved into that evidence tree, and
   * still at its path.
   */
  static create(target: string, opts: AtomicOptions = {}): Promise<AtomicFile> {
    // the executor runs now: the temporary file is made and known before create returns (a throw rejects)
    return new Promise((resolve) => resolve(AtomicFile.make(target, opts)));
  }

  private static make(target: string, opts: AtomicOptions): AtomicFile {
    const path = opts.path ?? target;
    let folder = opts.folder;
    let owns = opts.ownsFolder ?? false;
    if (!folder) {
      try {
        folder = OpenFolder.open(dirname(path));
        owns = true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(`cannot write ${target}: ${code === 'ENOENT' ? 'no such folder' : describeError(e)}`, {
          cause: e,
        });
      }
    }
    const name = opts.name ?? basename(path);
    const tmpName = temporaryName(name);
    let stream: WriteStream;
    try {
      // opened synchronously, so that it is in `open` (below) the moment it exists: opened on the thread
      // pool, a second stop signal that came while the open was pending or its callback queued removed
      // the temporary files it knew and exited, and this one stayed (--from … --csv, SIGINT twice in the
      // first second: 9 runs of 14 left one; attack round 11b). A new file (O_EXCL) is never a FIFO.
      const tmpPath = folder.at(tmpName);
      stream = createWriteStream(tmpPath, { fd: openSync(tmpPath, 'wx', 0o600) });
    } catch (e) {
      if (owns) folder.close();
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`cannot write ${target}: ${code === 'ENOENT' ? 'no such folder' : describeError(e)}`, {
        cause: e,
      });
    }
    // a replaced file keeps its mode; a new one gets the usual mode less the umask (0600 if private)
    const mode = opts.private ? 0o600 : (opts.existingMode ?? defaultMode());
    const file = new AtomicFile(target, folder, owns, name, tmpName, stream, mode, opts.root);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', removeTemporaryFiles);
    }
    open.add(file);
    return file;
  }

  async commit(): Promise<void> {
    await this.flush();
    try {
      if (this.error) throw this.error;
      const fd = openSync(this.folder.at(this.tmp), 'r');
      let ino: number;
      try {
        fsyncSync(fd);
        ino = fstatSync(fd).ino;
      } finally {
        closeSync(fd);
      }
      chmodSync(this.folder.at(this.tmp), this.mode);
      if (this.root !== undefined) checkFolder(this.folder, this.root);
      renameSync(this.folder.at(this.tmp), this.folder.at(this.name));
      // the name now is the file written (a rename inside one open folder: nothing else can be there)
      if (lstatSync(this.folder.at(this.name)).ino !== ino) throw new Error('the file was replaced as it was renamed');
    } catch (e) {
      this.abort();
      throw new OutputWriteError(`cannot write ${this.target}: ${describeError(e)}; nothing was written to it`);
    }
    this.done = true;
    open.delete(this);
    syncFolder(this.folder.at('.'));
    if (this.ownsFolder) this.folder.close();
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    open.delete(this);
    this.stream.destroy();
    try {
      unlinkSync(this.folder.at(this.tmp));
    } catch {
      /* already gone */
    }
    if (this.ownsFolder) this.folder.close();
  }
}

/** `.<name>.tmp-<pid>-<8 hex>`: hidden, and known by its pid as a run's own (lock.ts finds those left behind) */
const temporaryName = (name: string): string => `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** The mode of a new file: the usual 0666 less the umask. */
export function defaultMode(): number {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- no other API reads the umask; the race it warns of (a file created by another thread while the umask is briefly reset) cannot happen: the reader threads never create files
  return 0o666 & ~process.umask();
}

/** The folder moved into the evidence tree, or away from its path, while the scan ran: write nothing. */
export class FolderMovedError extends Error {}

/** Throws FolderMovedError when the open folder is now inside the evidence or no longer at its path. */
export function checkFolder(folder: OpenFolder, root: string): void {
  if (insideEvidence(folder, root))
    throw new FolderMovedError(`the folder ${folder.given} was moved into the evidence tree ${root} during the run`);
  if (!folder.stillAt())
    throw new FolderMovedError(`the folder ${folder.given} was moved, removed or replaced during the run`);
}

/** fsync a folder so that a rename in it survives a crash (some file systems refuse: nothing to do then). */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    /* EINVAL on file systems without directory fsync */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An output that already exists and is not a regular file: written in place, never replaced. */
class DirectOutput extends BaseOutput implements Output {
  readonly direct = true;

  constructor(target: string, stream: OutStream) {
    super(target, stream);
    live.add(this);
    stream.once('close', () => live.delete(this));
  }

  static async create(target: string, path = target, wait: WaitOptions = {}): Promise<DirectOutput> {
    const fd = descriptorOf(path);
    if (fd !== undefined) {
      // an open descriptor of this process: written to as it is (opening /proc/self/fd/N again fails
      // for a socket, ENXIO, and would lose a shell's file offset), or, a pipe, through a descriptor
      // of its own (a file offset means nothing there)
      const pipe = pipeOf(fd);
      return new DirectOutput(target, pipe ?? createWriteStream('', { fd, autoClose: false }));
    }
    try {
      const held = await waitForReader(path, wait);
      // a FIFO with its reader: the non-blocking descriptor the wait opened is the output
      if (held !== undefined) return new DirectOutput(target, pipeStream(held));
      // no O_CREAT (never make a file in /dev) and no O_TRUNC; O_APPEND keeps what a shell's >> holds
      return new DirectOutput(target, await openStream(path, constants.O_WRONLY | constants.O_APPEND, 0o600));
    } catch (e) {
      if (e instanceof OutputInterrupted) throw e;
      throw new Error(`cannot write ${target}: ${describeError(e)}`, { cause: e });
    }
  }

  async commit(): Promise<void> {
    await this.flush();
    if (this.error) {
      const some = this.stream.bytesWritten > 0;
      throw new OutputWriteError(
        `cannot write ${this.target}: ${describeError(this.error)}${some ? `; what reached it (${this.stream.bytesWritten} bytes) is incomplete` : ''}`,
      );
    }
  }

  abort(): void {
    this.stream.destroy();
  }
}

/** A stop signal came while an output waited for a reader (a FIFO): nothing was opened. */
export class OutputInterrupted extends Error {}

/** How an output that is a FIFO waits for its reader. */
export interface WaitOptions {
  /** aborted by a stop signal: the wait ends at once with OutputInterrupted */
  signal?: AbortSignal;
  /** called once when the wait begins (to say so: a silent wait looks like a hang) */
  onWait?: () => void;
}

/** How often a FIFO is tried for a reader. */
const READER_POLL_MS = 100;

/**
 * A FIFO (a named pipe) given as an output: wait in the event loop until it has a reader. Opening a
 * FIFO for writing blocks until one comes, and an open on the thread pool cannot be cancelled: the
 * run, held there, ignored SIGTERM (its handler ran, but the pending open kept the process alive).
 * So a non-blocking open is tried (ENXIO: no reader yet) every READER_POLL_MS, and the stop signal
 * ends the wait at once. The non-blocking descriptor it returns is the output (pipeStream).
 * Undefined for anything but a FIFO. A FIFO stays an output (as /dev/stdout or a pipe of the
 * shell are: written directly, never whole-or-absent): `mkfifo p; gzip < p > m.gz & leaktally --files p`.
 */
async function waitForReader(path: string, { signal, onWait }: WaitOptions): Promise<number | undefined> {
  // abandonOutputs() ends this wait too: the UI quit while its export waited for a reader
  const quit = quitting.signal;
  let fifo: boolean;
  try {
    fifo = statSync(path).isFIFO();
  } catch {
    return undefined;
  }
  if (!fifo) return undefined;
  for (let first = true; ; first = false) {
    if (signal?.aborted || quit.aborted) throw new OutputInterrupted('stopped while waiting for a reader of the FIFO');
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
    }
    if (first) onWait?.();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        quit.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, READER_POLL_MS);
      signal?.addEventListener('abort', done, { once: true });
      quit.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * A pipe (a FIFO with its reader, a pipe on a descriptor) written in the event loop, on a
 * non-blocking descriptor. fs.WriteStream writes on libuv's thread pool with a blocking write: a
 * reader that stops reading (`mkfifo p; exec 3<p`) held that thread in write(2), and process.exit
 * waits for the pool's threads: SIGTERM, SIGINT, a second signal, any number of them, and the run
 * never ended (only SIGKILL did). A net.Socket over the descriptor is closed at once instead.
 */
function pipeStream(fd: number): OutStream {
  return new Socket({ fd, readable: false, writable: true });
}

/** A descriptor of this process that is a pipe: opened again, non-blocking, as a stream of its own. */
function pipeOf(fd: number): OutStream | undefined {
  try {
    if (!fstatSync(fd).isFIFO()) return undefined;
    return pipeStream(openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    return undefined;
  }
}

/** The descriptor a path names: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (this process). */
function descriptorOf(path: string): number | undefined {
  if (path === '/dev/stdout') return 1;
  if (path === '/dev/stderr') return 2;
  const m = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/.exec(path);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return undefined;
  return Number(m[2]);
}

/**
 * Open an output as planned (see target.ts); the file takes over the plan's open folder. With root,
 * the folder is checked again before the rename (see AtomicFile.create). Fails with "cannot write
 * <target>: <reason>", or OutputInterrupted when a stop signal ends a wait for a FIFO's reader.
 */
export function openOutput(
  plan: OutputPlan,
  opts: OutputOptions & WaitOptions & { root?: string } = {},
): Promise<Output> {
  if (plan.kind === 'direct') return DirectOutput.create(plan.target, plan.path, opts);
  return AtomicFile.create(plan.target, {
    ...opts,
    folder: plan.folder,
    ownsFolder: true,
    name: plan.name,
    existingMode: opts.private ? undefined : plan.existingMode,
  });
}

/** Plan and open target for a scan of root (the UI's export: one output, no other to collide with). */
export async function openTarget(target: string, root: string, opts: OutputOptions = {}): Promise<Output> {
  const plan = planOutput(target, root);
  if (typeof plan === 'string') throw new Error(plan);
  return openOutput(plan, { ...opts, root });
}

export function removeTemporaryFiles(): void {
  for (const f of [...open]) f.abort();
}

/** Ended by abandonOutputs(): the waits for a FIFO's reader begun so far. */
let quitting = new AbortController();
/** Direct outputs not yet committed or given up (a FIFO whose reader may have stopped reading). */
const live = new Set<DirectOutput>();

/**
 * The process is quitting (the UI's q or Ctrl-C with an export under way): every wait for a FIFO's
 * reader ends, every direct output not yet finished is closed, every temporary file removed. A wait
 * polls on a timer and a full pipe waits for 'drain': left, either kept the process alive after the
 * UI had gone (attack round 13b: an export to a FIFO with no reader, then Ctrl-C: a blank screen and
 * a process that never ended).
 */
export function abandonOutputs(): void {
  const q = quitting;
  quitting = new AbortController();
  q.abort();
  for (const d of [...live]) d.abort();
  removeTemporaryFiles();
}

/**
 * Write a small file atomically and synchronously: a temporary file in the open folder, written,
 * fsynced, given its mode, renamed over name; the name is then checked to be the file written. For
 * the statements: one page at a time with nothing in flight between pages, so that a stop between
 * two pages leaves whole files only and knows exactly which.
 */
export function writeFileAtomicSync(folder: OpenFolder, name: string, data: string, mode: number): void {
  const tmp = temporaryName(name);
  const fd = openSync(folder.at(tmp), 'wx', 0o600);
  let ino: number;
  try {
    writeFullSync(fd, Buffer.from(data));
    fsyncSync(fd);
    fchmodSync(fd, mode);
    ino = fstatSync(fd).ino;
  } catch (e) {
    closeSync(fd);
    unlinkQuiet(folder.at(tmp));
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(folder.at(tmp), folder.at(name));
    if (lstatSync(folder.at(name)).ino !== ino) throw new Error(`${name} was replaced as it was renamed`);
  } catch (e) {
    unlinkQuiet(folder.at(tmp));
    throw e;
  }
}

/**
 * writeFileAtomicSync's steps with the fsync on libuv's threads, so that several pages' fsyncs are in
 * flight together (one at a time cost 8.7 ms a page here: a million statements 2.4 hours; four
 * together 0.5 ms): written and given its mode now, fsynced, then renamed over name and checked.
 * `data` may come in pieces (index.html's rows), the event loop let in between them. The temporary
 * name is in `inFlight` from its creation until it is renamed or removed, so that a run ended at once
 * can remove what is in flight.
 */
export async function writeFileAtomic(
  folder: OpenFolder,
  name: string,
  data: string | Iterable<string>,
  mode: number,
  inFlight: Set<string>,
): Promise<void> {
  const tmp = temporaryName(name);
  inFlight.add(tmp);
  let fd: number | undefined;
  try {
    fd = openSync(folder.at(tmp), 'wx', 0o600);
    if (typeof data === 'string') writeFullSync(fd, Buffer.from(data));
    else
      for (const piece of data) {
        writeFullSync(fd, Buffer.from(piece));
        await new Promise((r) => setImmediate(r));
      }
    fchmodSync(fd, mode);
    const ino = fstatSync(fd).ino;
    const f = fd;
    await new Promise<void>((resolve, reject) => fsync(f, (e) => (e ? reject(e) : resolve())));
    fd = undefined;
    closeSync(f);
    renameSync(folder.at(tmp), folder.at(name));
    inFlight.delete(tmp);
    if (lstatSync(folder.at(name)).ino !== ino) throw new Error(`${name} was replaced as it was renamed`);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (inFlight.delete(tmp)) unlinkQuiet(folder.at(tmp));
    throw e;
  }
}

function writeFullSync(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

export { syncFolder };
