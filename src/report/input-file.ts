/**
 * A small input file a run is given by path (--facts, --ca), read whole before the scan: a regular file
 * of at most `max` bytes. Not a FIFO or a device: a FIFO with no writer would hold the run before the
 * scan without a word, one opened without blocking reads as empty, and a device never ends (`--facts
 * /dev/zero` grew to 8 GB before the cap). The callers put the reasons in their own words.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Why the file could not be taken: it cannot be read (code: the errno), is not a regular file, or is larger than max. */
export class InputFileError extends Error {
  constructor(
    readonly reason: 'cannot' | 'special' | 'too-big',
    /** for 'cannot': the errno's code, or the error's text */
    readonly code = '',
  ) {
    super(reason === 'cannot' ? `cannot read: ${code}` : reason);
  }
}

/** The file's bytes; an InputFileError when it cannot be read, is not a regular file or holds more than max bytes. */
export function readInputFile(path: string, max: number): Buffer {
  const cannot = (e: unknown): InputFileError =>
    new InputFileError('cannot', (e as NodeJS.ErrnoException).code ?? String(e));
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below)
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
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
