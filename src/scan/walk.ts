/**
 * Streaming walk of the evidence tree. Depth-first with a stack of folders still to read, one folder
 * listed at a time, names as raw bytes; symbolic links are never followed (they can loop or lead out of
 * the evidence) and special files (FIFOs, sockets, devices) are never opened. Memory grows with the
 * number of folders waiting to be read, the size of the largest folder and the number of files with
 * more than one name (hard links), not with the number of files.
 *
 * Evidence: folders are listed with O_NOATIME (listdir.ts) so that their access times stay; paths of
 * any length are reached in steps (reach.ts), so depth and PATH_MAX do not matter. Each regular file
 * is lstat'ed here, on the one thread that sees every name in a fixed order: a file with several names
 * (one inode) is read once, under the first name the walk meets, and its other names are reported as
 * hard links, so that every --threads gives the same figures; a sparse file is marked.
 */
import { lstatSync, type Stats } from 'node:fs';
import { LONG_PATH, reach, release } from './reach.js';
import { EntryType, listFolder, nativeListing, prefetchFolders, StatFlag } from './listdir.js';

export interface WalkSink {
  /**
   * a regular file; rel is its path below the root ('/'-separated bytes, as a latin1 string: one
   * char per byte, what the batches carry); sparse: fewer blocks than its size
   */
  file(rel: string, sparse: boolean): void;
  /** another name of a file already given to file() (same device and inode): not to be read again */
  hardLink(rel: string): void;
  /** a folder at depth (1 = directly below the root) */
  dir(rel: Buffer, depth: number): void;
  /** a symbolic link, skipped */
  link(rel: Buffer): void;
  /** a FIFO, socket or device, skipped */
  special(rel: Buffer): void;
  /** a folder that could not be read */
  error(rel: Buffer, err: NodeJS.ErrnoException): void;
}

/** How well the walk kept access times (see ScanResult.noatime). */
export interface AtimeKeeping {
  /** every folder was listed with O_NOATIME */
  folders: boolean;
  /** regular files whose O_NOATIME open the system refuses (not the user's own, and not root) */
  filesRefused: number;
}

/** --strict-evidence: an access time would move; the scan stops before reading further. */
export class EvidenceError extends Error {}

export interface WalkOptions {
  pause: () => Promise<void> | undefined;
  aborted: () => boolean;
  yieldEvery?: number;
  /** refuse (EvidenceError) instead of listing a folder or passing on a file whose atime would move */
  strict?: boolean;
}

const SLASH = Buffer.from('/');
/** listing time per entry past which the storage is taken as cold (a cached listing takes ~1-3 µs) */
const COLD_US_PER_ENTRY = 25;
/** folders read ahead when cold */
const WALK_AHEAD = 16;
/** a path's bytes from its latin1 string */
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const euid = process.geteuid?.() ?? 0;

/**
 * Walk root. `yieldEvery` files, it awaits `pause()` so that a consumer can apply back-pressure and
 * the event loop stays responsive (each folder is listed with one synchronous call).
 */
export async function walk(root: string, sink: WalkSink, opts: WalkOptions): Promise<AtimeKeeping> {
  const keeping: AtimeKeeping = { folders: nativeListing, filesRefused: 0 };
  if (opts.strict && !nativeListing) {
    throw new EvidenceError(
      '--strict-evidence: folders cannot be listed without moving their access times here (the listing addon is not built; run `npm rebuild leaktally`)',
    );
  }
  const rootBytes = Buffer.from(root.endsWith('/') ? root : root + '/');
  // rel: the folder's path below the root, as bytes and as a latin1 string
  // rel: the folder's path below the root, as bytes and as a latin1 string; warm: prefetch asked for
  const stack: { rel: Buffer; text: string; depth: number; warm?: boolean }[] = [
    { rel: Buffer.alloc(0), text: '', depth: 0 },
  ];
  /** microseconds per entry that the listings take (moving average): high when the storage is cold */
  let perEntryUs = 0;
  let listed = 0;
  const every = opts.yieldEvery ?? 256;
  /** device:inode of the files with more than one name, once counted */
  const linked = new Set<string>();
  let sinceYield = 0;
  /** wait until the consumer has room; false: the walk is to end */
  const waitForRoom = async (): Promise<boolean> => {
    for (let p = opts.pause(); p; p = opts.pause()) {
      await p;
      if (opts.aborted()) return false;
    }
    return !opts.aborted();
  };
  /**
   * A regular file to count (its other names already set aside): passed to the sink; every `every`
   * files, the wait for room (one answer frees one batch, and the walk may not add two for it: the
   * queue would grow with the tree when the walk outruns the readers). foreign: not the user's file,
   * so O_NOATIME is refused (EPERM) and reading it moves its atime.
   */
  const found = (child: string, sparse: boolean, foreign: boolean): Promise<boolean> | undefined => {
    if (foreign && euid !== 0) {
      keeping.filesRefused++;
      if (opts.strict)
        throw new EvidenceError(
          `--strict-evidence: the file ${shown(bytes(child))} is not yours: reading it would move its access time`,
        );
    }
    sink.file(child, sparse);
    if (++sinceYield < every) return undefined;
    sinceYield = 0;
    return waitForRoom();
  };
  while (stack.length > 0) {
    if (opts.aborted()) return keeping;
    const { rel, text, depth } = stack.pop()!;
    // the folder as a short path ending in '/', and its children as that path + name
    let at;
    let list;
    try {
      at = reach(rel.length ? Buffer.concat([rootBytes, rel, SLASH]) : rootBytes);
    } catch (e) {
      sink.error(rel, e as NodeJS.ErrnoException);
      continue;
    }
    try {
      try {
        const t0 = performance.now();
        list = listFolder(at.path, opts.strict);
        // (the first listings are slow anyway: the code is not compiled yet)
        if (++listed > 8)
          perEntryUs = 0.8 * perEntryUs + (0.2 * (performance.now() - t0) * 1000) / (list.names.length + 1);
      } catch (e) {
        // strict: the folder's O_NOATIME open was refused (it is not the user's); nothing was listed
        if (opts.strict && (e as NodeJS.ErrnoException).code === 'EPERM') {
          throw new EvidenceError(
            `--strict-evidence: the folder ${shown(rel)} is not yours: listing it would move its access time`,
          );
        }
        sink.error(rel, e as NodeJS.ErrnoException);
        continue;
      }
      if (!list.noatime && nativeListing) keeping.folders = false;
      const base = at.path;
      for (let i = 0; i < list.names.length; i++) {
        const name = list.names[i]!;
        const child = text.length ? text + '/' + name : name;
        let type = list.types[i]!;
        if (type === EntryType.File && list.stats) {
          // the listing took the lstat (listdir.c): the same facts, without a path lookup per file
          const f = list.stats[i]!;
          if (f & StatFlag.Linked) {
            const key = list.ids!.get(i)!;
            if (linked.has(key)) {
              sink.hardLink(child);
              continue;
            }
            linked.add(key);
          }
          const wait = found(child, (f & StatFlag.Sparse) !== 0, (f & StatFlag.Foreign) !== 0);
          if (wait && !(await wait)) return keeping;
          continue;
        }
        let st: Stats | undefined;
        if (type === EntryType.File || type === EntryType.Unknown) {
          // DT_UNKNOWN (some network and FUSE file systems) needs the lstat for the type too
          try {
            st = lstatSync(Buffer.concat([base, Buffer.from(name, 'latin1')]));
          } catch (e) {
            if (type === EntryType.Unknown) {
              sink.error(bytes(child), e as NodeJS.ErrnoException);
              continue;
            }
          }
          if (st && type === EntryType.Unknown) {
            type = st.isFile()
              ? EntryType.File
              : st.isDirectory()
                ? EntryType.Dir
                : st.isSymbolicLink()
                  ? EntryType.Link
                  : EntryType.Fifo;
          }
        }
        if (type === EntryType.Link) sink.link(bytes(child));
        else if (type === EntryType.Dir) {
          const b = bytes(child);
          sink.dir(b, depth + 1);
          stack.push({ rel: b, text: child, depth: depth + 1 });
        } else if (type === EntryType.File) {
          // (a file that vanished between the listing and the lstat goes to the readers, who say so)
          if (st && st.nlink > 1) {
            // exact (bigint) identity: a number can round a 64-bit inode
            const big = lstatSync(Buffer.concat([base, Buffer.from(name, 'latin1')]), {
              bigint: true,
              throwIfNoEntry: false,
            });
            const key = big ? `${big.dev}:${big.ino}` : `${st.dev}:${st.ino}`;
            if (linked.has(key)) {
              sink.hardLink(child);
              continue;
            }
            linked.add(key);
          }
          const wait = found(child, st !== undefined && st.blocks * 512 < st.size, st !== undefined && st.uid !== euid);
          if (wait && !(await wait)) return keeping;
        } else sink.special(bytes(child));
      }
      // cold storage: the folders next in line are read ahead on background threads (listdir.c
      // prefetch), so that the walk is not one disk read after another; the order does not change
      if (perEntryUs > COLD_US_PER_ENTRY) {
        const ahead: Buffer[] = [];
        for (let k = stack.length - 1; k >= 0 && k >= stack.length - WALK_AHEAD; k--) {
          const next = stack[k]!;
          if (next.warm) continue;
          next.warm = true;
          if (rootBytes.length + next.rel.length + 1 < LONG_PATH)
            ahead.push(Buffer.concat([rootBytes, next.rel, SLASH]));
        }
        prefetchFolders(ahead);
      }
    } finally {
      release(at);
    }
  }
  return keeping;
}

/** a path for a one-line message: control characters shown as '?', long paths shortened */
function shown(rel: Buffer): string {
  const s = rel.toString('utf8').replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, '?');
  return (s.length > 200 ? '…' + s.slice(-200) : s) || '.';
}
