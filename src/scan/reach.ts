/**
 * Reaching a file or folder whatever the length of its path. open(2), lstat(2) and opendir(3) refuse
 * a path of PATH_MAX (4,096) bytes or more (ENAMETOOLONG), and a leaked tree can be deeper than that:
 * Node has no openat/fstatat/fdopendir. So a long path is reached in steps: its leading folders are
 * opened (O_PATH: no read permission needed, nothing read, no atime touched) a chunk at a time, each
 * chunk relative to the last through `/proc/self/fd/<fd>/<chunk>`, and what is left is short. A path
 * that fits (all but the deepest of trees) is used as it is, with no extra system call.
 *
 * Why not keep every folder's descriptor open from the walk and open files relative to it: the
 * descriptor would have to outlive the walk's visit until every file of the folder's batches is read
 * on another thread, coupling the walk to the readers (and the walk is meant to run ahead of them);
 * re-reaching the rare long path in the thread that reads it costs a few opens and couples nothing.
 */
import { closeSync, constants, openSync } from 'node:fs';

/** Paths from this length on are reached in steps (room below PATH_MAX for a name and a NUL). */
export const LONG_PATH = 4096 - 256 - 2;

/** O_PATH (Linux; not in fs.constants): a handle on a folder, no read permission needed */
const O_PATH = process.platform === 'linux' ? 0o10000000 : 0;
const DIR_FLAGS = constants.O_DIRECTORY;

export interface Reached {
  /** a path to use now (short) */
  path: Buffer;
  /** a folder descriptor that path goes through: close it (release) when done */
  fd?: number;
}

const SLASH = 0x2f;

function openDir(path: Buffer): number {
  if (O_PATH) {
    try {
      return openSync(path, O_PATH | DIR_FLAGS);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    }
  }
  return openSync(path, constants.O_RDONLY | DIR_FLAGS);
}

const viaFd = (fd: number, rest: Buffer): Buffer => Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), rest]);

/**
 * A short path to `abs` (bytes; '/'-separated). Throws the file system's error if a leading folder
 * cannot be opened.
 */
export function reach(abs: Buffer): Reached {
  if (abs.length < LONG_PATH) return { path: abs };
  let fd: number | undefined;
  let rest = abs;
  try {
    while (true) {
      const prefix = fd === undefined ? 0 : 24; // "/proc/self/fd/NNNNNNNNN/"
      if (rest.length + prefix < LONG_PATH) return { path: fd === undefined ? rest : viaFd(fd, rest), fd };
      // the longest leading run of folders that fits
      let cut = rest.lastIndexOf(SLASH, LONG_PATH - prefix - 1);
      if (cut <= 0) throw Object.assign(new Error('a name in the path is too long'), { code: 'ENAMETOOLONG' });
      const next = openDir(fd === undefined ? rest.subarray(0, cut) : viaFd(fd, rest.subarray(0, cut)));
      if (fd !== undefined) closeSync(fd);
      fd = next;
      while (rest[cut] === SLASH) cut++;
      rest = rest.subarray(cut);
    }
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    throw e;
  }
}

export function release(r: Reached): void {
  if (r.fd !== undefined) closeSync(r.fd);
}
