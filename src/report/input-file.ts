/**
 * A small input file a run is given by path (--facts, --ca), read whole before the scan: a regular file
 * of at most `max` bytes. Not a FIFO or a device: a FIFO with no writer would hold the run before the
 * scan without a word, one opened without blocking reads as empty, and a device never ends (`--facts
 * /dev/zero` grew to 8 GB before the cap). The callers put the reasons in their own words.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Why the file could not be taken: it cannot be read (code: the errno), is not a regular file, is larger
 * than max, or (atime) could be read only by moving its access time, which --strict-evidence forbids.
 */
export class InputFileError extends Error {
  constructor(
    readonly reason: 'cannot' | 'special' | 'too-big' | 'atime',
    /** for 'cannot': the errno's code, or the error's text */
    readonly code = '',
  ) {
    super(reason === 'cannot' ? `cannot read: ${code}` : reason);
  }
}

/** O_NOATIME (Linux): reading a file does not move its access time (0 where there is none) */
export const O_NOATIME = (constants as { O_NOATIME?: number }).O_NOATIME ?? 0;

/** Whether an open with O_NOATIME that failed with e may be tried again without it (strict: never). */
function retryWithoutNoatime(e: unknown, strict: boolean): boolean {
  if ((e as NodeJS.ErrnoException).code !== 'EPERM' || !O_NOATIME) return false;
  if (strict) throw new InputFileError('atime');
  return true;
}

/**
 * Open an input read-only with O_NOATIME where the kernel allows it (the file's owner, or root): a
 * register or facts file kept inside the evidence tree (the server's own customer list) keeps its
 * access time (attack round 23b C4). Refused (EPERM: not the user's) it is opened without, as the
 * readers do; with strict (--strict-evidence) an InputFileError('atime') instead.
 */
function openInputSync(path: string, flags: number, strict = false): number {
  try {
    return openSync(path, flags | O_NOATIME);
  } catch (e) {
    if (!retryWithoutNoatime(e, strict)) throw e;
    return openSync(path, flags);
  }
}

/** openInputSync for a caller that must not block the thread (a register that is a FIFO waits for a writer). */
export async function openInput(path: string, flags: number, strict = false): Promise<FileHandle> {
  try {
    return await open(path, flags | O_NOATIME);
  } catch (e) {
    if (!retryWithoutNoatime(e, strict)) throw e;
    return open(path, flags);
  }
}

/**
 * The file's bytes; an InputFileError when it cannot be read, is not a regular file or holds more than
 * max bytes. strict: --strict-evidence (openInputSync).
 */
export function readInputFile(path: string, max: number, strict = false): Buffer {
  const cannot = (e: unknown): InputFileError =>
    new InputFileError('cannot', (e as NodeJS.ErrnoException).code ?? String(e));
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below)
    fd = openInputSync(path, constants.O_RDONLY | constants.O_NONBLOCK, strict);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw cannot(e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputFileError('cannot', 'EISDIR');
    if (!st.isFile()) throw new InputFileError('special');
    if (st.size > max) throw new InputFileError('too-big');
    // one byte more than the cap is asked for: a file that grew past it since the fstat is refused too
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > max) throw new InputFileError('too-big');
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw cannot(e);
  } finally {
    closeSync(fd);
  }
}
