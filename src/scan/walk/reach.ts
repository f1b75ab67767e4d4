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
 * (In a deep tree each reader thread holds its own chain of folders instead: anchors.ts.)
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

function openDir(path: Buffer, extra = 0): number {
  if (O_PATH) {
    try {
      return openSync(path, O_PATH | DIR_FLAGS | extra);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    }
  }
  return openSync(path, constants.O_RDONLY | DIR_FLAGS | extra);
}

const viaFd = (fd: number, rest: Buffer): Buffer => Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), rest]);

/**
 * A short path to `abs` (bytes; '/'-separated), or to `abs` below the open folder `from` (a descriptor
 * the caller keeps open: never closed here; the walk's anchors, walk.ts). Throws the file system's
 * error if a leading folder cannot be opened.
 */
export function reach(abs: Buffer, from?: number): Reached {
  if (abs.length + (from === undefined ? 0 : 24) < LONG_PATH)
    return { path: from === undefined ? abs : viaFd(from, abs) };
  // fd: the folder rest is relative to; own: opened here (to be closed), not the caller's
  let fd = from;
  let own = false;
  let rest = abs;
  try {
    while (true) {
      const prefix = fd === undefined ? 0 : 24; // "/proc/self/fd/NNNNNNNNN/"
      if (rest.length + prefix < LONG_PATH)
        return { path: fd === undefined ? rest : viaFd(fd, rest), fd: own ? fd : undefined };
      // the longest leading run of folders that fits
      let cut = rest.lastIndexOf(SLASH, LONG_PATH - prefix - 1);
      if (cut <= 0) throw Object.assign(new Error('a name in the path is too long'), { code: 'ENAMETOOLONG' });
      const next = openDir(fd === undefined ? rest.subarray(0, cut) : viaFd(fd, rest.subarray(0, cut)));
      if (own) closeSync(fd!);
      fd = next;
      own = true;
      while (rest[cut] === SLASH) cut++;
      rest = rest.subarray(cut);
    }
  } catch (e) {
    if (own) closeSync(fd!);
    throw e;
  }
}

/**
 * Whether folders can be held open as anchors (walk.ts): a path relative to one goes through
 * /proc/self/fd, which only Linux has.
 */
export const ANCHORS = process.platform === 'linux';

/**
 * A folder this many names (or bytes) below an anchor becomes an anchor for what is below it: for the
 * walk's folders (walk.ts) and the readers' files (anchors.ts). A path below an anchor stays short,
 * and a tree holds depth / ANCHOR_NAMES anchors along one path.
 */
export const ANCHOR_NAMES = 32;
export const ANCHOR_BYTES = 1024;

/**
 * Open the folder at `path` (short) as an anchor for the paths below it: O_PATH (no read permission,
 * nothing read, no atime touched), never through a symbolic link in its last name.
 */
export function openAnchor(path: Buffer): number {
  return openDir(path, constants.O_NOFOLLOW);
}

/**
 * Open the folder `rel` ('/'-separated names) below the open folder `from`, or below the folder at the
 * path `root`, one name at a time, each O_PATH | O_DIRECTORY | O_NOFOLLOW through /proc/self/fd (Node
 * has no openat): a symbolic link in any of its names is never followed. A name that is a link (or no
 * longer a folder) throws ELOOP. Round 24: the readers' anchors (a deep tree's chunks of 32 names) and
 * the readers without the addon opened a path whole, so that a folder swapped for a link in its
 * middle during the scan was followed out of the tree; only the last name was O_NOFOLLOW. Linux only
 * (ANCHORS). The caller closes the descriptor.
 */
export function openFolderNoLinks(rel: Buffer, from: number | undefined, root: Buffer): number {
  let fd = from ?? openDir(root);
  let own = from === undefined;
  try {
    for (let i = 0; i < rel.length;) {
      let j = rel.indexOf(SLASH, i);
      if (j < 0) j = rel.length;
      if (j > i) {
        let next: number;
        try {
          next = openDir(viaFd(fd, rel.subarray(i, j)), constants.O_NOFOLLOW);
        } catch (e) {
          // O_PATH | O_NOFOLLOW on a link opens the link itself, and O_DIRECTORY then refuses it: ENOTDIR
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOTDIR' || code === 'ELOOP')
            throw Object.assign(new Error('a symbolic link on the path'), { code: 'ELOOP' });
          throw e;
        }
        if (own) closeSync(fd);
        fd = next;
        own = true;
      }
      i = j + 1;
    }
  } catch (e) {
    if (own) closeSync(fd);
    throw e;
  }
  // (rel empty, from given: the caller's own descriptor, which it keeps; a copy to close instead)
  if (own) return fd;
  return openDir(viaFd(fd, Buffer.from('.')));
}

export function release(r: Reached): void {
  if (r.fd !== undefined) closeSync(r.fd);
}
