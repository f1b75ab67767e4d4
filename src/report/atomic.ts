/**
 * Output files. A regular file is written under a temporary name beside the target (created 0600: a
 * manifest holds evidence paths), fsynced, given its mode, renamed into place and its folder fsynced,
 * so a crash, a full disk or Ctrl-C never leaves half a CSV. Anything else that exists (a device, a
 * FIFO, /dev/stdout, a process substitution) is written directly and never replaced (see target.ts).
 * Temporary files still open when the process ends are removed by removeTemporaryFiles(), which runs
 * on every exit Node can intercept (the 'exit' event; the CLI also calls it on signals).
 */
import {
  closeSync,
  constants,
  createWriteStream,
  fsyncSync,
  openSync,
  chmodSync,
  renameSync,
  unlinkSync,
  type WriteStream,
} from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeError, planOutput, type OutputPlan } from './target.js';

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
  readonly stream: WriteStream;
  /** the first write error, if any (kept here: never an uncaught 'error' event) */
  readonly failure: Error | undefined;
  write(text: string): void;
  /** Finish: flush (and for a file: fsync, rename, fsync the folder). Throws OutputWriteError. */
  commit(): Promise<void>;
  /** Give up: a temporary file is removed; a direct output is closed. */
  abort(): void;
}

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
    readonly stream: WriteStream,
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
    private readonly path: string,
    readonly tmp: string,
    stream: WriteStream,
    private readonly mode: number,
  ) {
    super(target, stream);
  }

  /**
   * Create the temporary file now, so that a bad output path fails before a long scan, not after.
   * Fails with "cannot write <target>: <reason>". `path` is the file to create or replace (target
   * with links resolved; target itself when not given).
   */
  static async create(
    target: string,
    opts: OutputOptions & { path?: string; existingMode?: number } = {},
  ): Promise<AtomicFile> {
    const path = opts.path ?? target;
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    let stream: WriteStream;
    try {
      stream = await openStream(tmp, 'wx', 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`cannot write ${target}: ${code === 'ENOENT' ? 'no such folder' : describeError(e)}`, {
        cause: e,
      });
    }
    // a replaced file keeps its mode; a new one gets the usual mode less the umask (0600 if private)
    const mode = opts.private
      ? 0o600
      : (opts.existingMode ??
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- no other API reads the umask; the race it warns of (a file created by another thread while the umask is briefly reset) cannot happen: the reader threads never create files
        0o666 & ~process.umask());
    const file = new AtomicFile(target, path, tmp, stream, mode);
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
      const fd = openSync(this.tmp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(this.tmp, this.mode);
      renameSync(this.tmp, this.path);
    } catch (e) {
      this.abort();
      throw new OutputWriteError(`cannot write ${this.target}: ${describeError(e)}; nothing was written to it`);
    }
    this.done = true;
    open.delete(this);
    syncFolder(dirname(this.path));
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    open.delete(this);
    this.stream.destroy();
    try {
      unlinkSync(this.tmp);
    } catch {
      /* already gone */
    }
  }
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
export class DirectOutput extends BaseOutput implements Output {
  readonly direct = true;

  static async create(target: string, path = target): Promise<DirectOutput> {
    const fd = descriptorOf(path);
    if (fd !== undefined) {
      // an open descriptor of this process: written to as it is (opening /proc/self/fd/N again fails
      // for a socket, ENXIO, and would lose a shell's file offset)
      return new DirectOutput(target, createWriteStream('', { fd, autoClose: false }));
    }
    try {
      // no O_CREAT (never make a file in /dev) and no O_TRUNC; O_APPEND keeps what a shell's >> holds
      return new DirectOutput(target, await openStream(path, constants.O_WRONLY | constants.O_APPEND, 0o600));
    } catch (e) {
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

/** The descriptor a path names: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (this process). */
export function descriptorOf(path: string): number | undefined {
  if (path === '/dev/stdout') return 1;
  if (path === '/dev/stderr') return 2;
  const m = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/.exec(path);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return undefined;
  return Number(m[2]);
}

/** Open an output as planned (see target.ts). Fails with "cannot write <target>: <reason>". */
export function openOutput(plan: OutputPlan, opts: OutputOptions = {}): Promise<Output> {
  if (plan.kind === 'direct') return DirectOutput.create(plan.target, plan.path);
  return AtomicFile.create(plan.target, {
    ...opts,
    path: plan.path,
    existingMode: opts.private ? undefined : plan.existingMode,
  });
}

/** Plan and open target for a scan of root (the UI's export: one output, no other to collide with). */
export async function openTarget(target: string, root: string, opts: OutputOptions = {}): Promise<Output> {
  const plan = planOutput(target, root);
  if (typeof plan === 'string') throw new Error(plan);
  return openOutput(plan, opts);
}

export function removeTemporaryFiles(): void {
  for (const f of [...open]) f.abort();
}
