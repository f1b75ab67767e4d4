/**
 * Output files are written under a temporary name beside the target and renamed into place when
 * complete, so a crash, a full disk or Ctrl-C never leaves half a CSV. Temporary files still open when
 * the process is interrupted are removed by removeTemporaryFiles() (the CLI calls it on SIGINT/SIGTERM).
 */
import { createWriteStream, fsyncSync, openSync, closeSync, renameSync, unlinkSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const open = new Set<AtomicFile>();

export class AtomicFile {
  private done = false;
  /** a write error (a full disk): kept here and thrown by commit(), never an uncaught 'error' event */
  private failure?: Error;

  private constructor(
    readonly target: string,
    readonly tmp: string,
    readonly stream: WriteStream,
  ) {}

  /**
   * Create the temporary file now, so that a bad output path fails before a long scan, not after.
   * Fails with "cannot write <target>: <reason>".
   */
  static async create(target: string): Promise<AtomicFile> {
    const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const stream = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    const file = new AtomicFile(target, tmp, stream);
    await new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException): void => {
        const why = e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOENT' ? 'no such folder' : e.code ?? e.message;
        reject(new Error(`cannot write ${target}: ${why}`));
      };
      stream.once('error', fail);
      stream.once('open', () => {
        stream.off('error', fail);
        resolve();
      });
    });
    stream.on('error', (e) => {
      file.failure ??= e;
    });
    open.add(file);
    return file;
  }

  write(text: string): void {
    this.stream.write(text);
  }

  /** Flush, fsync and rename into place. */
  async commit(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
    const fd = openSync(this.tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.tmp, this.target);
    this.done = true;
    open.delete(this);
  }

  /** Throw the temporary file away. */
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

export function removeTemporaryFiles(): void {
  for (const f of [...open]) f.abort();
}
