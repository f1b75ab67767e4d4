/**
 * Streaming walk of the evidence tree. Depth-first with a stack of folders still to read, one folder
 * listed at a time, names as raw bytes; symbolic links are never followed (they can loop or lead out of
 * the evidence) and special files (FIFOs, sockets, devices) are never opened. Memory grows with the
 * number of folders waiting to be read and the size of the largest folder, and by 8-16 bytes a file
 * for the device and inode of every file handed on (inodes.ts: 16.8 MB at 1 M files).
 *
 * Evidence: folders are listed with O_NOATIME (listdir.ts) so that their access times stay; paths of
 * any length are reached in steps (reach.ts), so depth and PATH_MAX do not matter.
 *
 * Depth costs linear time: a folder is opened relative to an anchor, a descriptor held on one of its
 * ancestors at most ANCHOR_NAMES names (or ANCHOR_BYTES bytes) above it, never from the root again
 * (the kernel resolves every name of a path: from the root, 30,000 nested folders took 281 s). An
 * anchor is closed once no folder waiting to be listed is below it, so descriptors grow with depth
 * / ANCHOR_NAMES, capped at MAX_ANCHORS (beyond, paths grow from the deepest anchor: correct, slower).
 * A folder's path below the root is not built as bytes unless it is reported (see dirsAt). Each regular file
 * is lstat'ed here, on the one thread that sees every name in a fixed order: a file with several names
 * (one inode) is read once, under the first name the walk meets, and its other names are reported as
 * hard links, so that every --threads gives the same figures; a file with one name met twice was moved
 * during the scan, and is counted once; a sparse file is marked. Each file goes to the readers with its
 * device and inode, which the reader compares with the file it opens (read/record.ts).
 */
import { closeSync, lstatSync, readFileSync, realpathSync, type BigIntStats } from 'node:fs';
import { ANCHOR_BYTES, ANCHOR_NAMES, ANCHORS, LONG_PATH, openAnchor, reach, release } from './reach.js';
import { EntryType, idOf, listFolder, nativeListing, prefetchFolders, StatFlag, stampOf } from './listdir.js';
import { keyName } from '../place/names.js';
import { InodeSet } from './inodes.js';
import type { ListedId } from '../model.js';
import { inShard, shardKey, type Shard } from '../place/shard.js';

/** What a web server's listing says of a file, where it says it exactly (nginx's JSON and XML). */
interface Listed {
  size: number;
  /** its modification time, whole seconds, in ms */
  mtimeMs: number;
}

export interface WalkSink {
  /**
   * a regular file; rel is its path below the root ('/'-separated bytes, as a latin1 string: one
   * char per byte, what the batches carry); sparse: fewer blocks than its size; id: the file its
   * listing gave (a reader counts it only if the file it opens is that one)
   */
  file(rel: string, sparse: boolean, listed?: Listed, id?: ListedId): void;
  /**
   * another name of a file already given to file() (same device and inode): not to be read again.
   * moved: the file has one link, so this is not a second name of it but the same file met again,
   * moved here during the scan after its first listing (round 24b C2): not counted here, a gap here.
   */
  hardLink(rel: string, moved?: boolean): void;
  /** a folder at depth (1 = directly below the root) */
  dir(rel: Buffer, depth: number): void;
  /** a symbolic link, skipped */
  link(rel: Buffer): void;
  /** a FIFO, socket or device, skipped */
  special(rel: Buffer): void;
  /** a folder that could not be read */
  error(rel: Buffer, err: NodeJS.ErrnoException): void;
  /**
   * a folder listed, by its name (the root: '') and depth, with its stamp when listed (listdir.ts
   * stampOf), in the order listed (depth first: its parent is the last folder given a level above),
   * once the walk has ended, with WalkOptions.stamps only. Names, not paths: a deep tree's paths would
   * cost the square of its depth (a 1,500-deep tree of 255-byte names: 290 MB more in the case file)
   */
  stamp?(name: Buffer, depth: number, stamp: string): void;
  /**
   * a folder's files all given (a web server's walk, after each listing): what was found may go to
   * the readers now, not once a batch is full; another listing may take long (a server that drips)
   */
  listed?(): void;
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
  /**
   * report folders (sink.dir) only at this depth (0: none, the root is never reported); undefined:
   * every folder. A folder's path costs its depth to build and to send: the engine only needs the
   * customer level, and a deep tree would cost the square of its depth.
   */
  dirsAt?: number;
  /**
   * --shard, customers named by the folders at `depth`: a customer folder of another shard is neither
   * reported nor listed (its files are another machine's). A pattern's customers are known only per
   * file: the engine sets them aside there.
   */
  shard?: Shard & { depth: number };
  /**
   * when the scan started (Date.now(); default: when walk() is called): a folder whose ctime is from
   * the next millisecond on changed during the scan (see changedSince)
   */
  since?: number;
  /**
   * give every folder listed, with its stamp as listed, to sink.stamp at the end (a shard's case file
   * keeps them: --merge tells from them a tree that changed between two shard runs, case/merge.ts)
   */
  stamps?: boolean;
}

/** an open folder that paths of folders below it are resolved from */
interface Anchor {
  fd: number;
  /** folders waiting to be listed through it */
  refs: number;
}

/** a folder waiting to be listed */
interface Pending {
  /** its path below the root, as a latin1 string (built by concatenation: cheap, shared with its parent) */
  text: string;
  depth: number;
  /** the anchor its path starts from (undefined: the root) */
  anchor?: Anchor;
  /** its path below the anchor (or the root), '/'-separated bytes, and how many names that holds */
  below: Buffer;
  names: number;
  /** prefetch asked for */
  warm?: boolean;
  /** "dev:ino" its parent's listing gave it: the folder listed must be this one (round 23b C1) */
  id?: string;
  /** its own name, as its parent's listing gave it (latin1; '' for the root) */
  name: string;
}

/**
 * The folders listed, in the order listed (depth first: a folder's parent is the last one listed a
 * level above it), each with its stamp at its listing (listdir.ts stamp): what the end of the walk
 * stats again. Names rather than paths: a deep tree's paths would cost the square of its depth.
 */
interface Stamps {
  depths: number[];
  names: string[];
  stamps: string[];
}

/** descriptors the walk holds at most (the readers need theirs; the limit may be 1,024) */
const MAX_ANCHORS = 256;

const SLASH = Buffer.from('/');
/** listing time per entry past which the storage is taken as cold (a cached listing takes ~1-3 µs) */
const COLD_US_PER_ENTRY = 25;
/** folders read ahead when cold */
const WALK_AHEAD = 16;
/** a path's bytes from its latin1 string */
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const euid = process.geteuid?.() ?? 0;

/**
 * Bytes of the paths this thread's walks have handed to the system to list or anchor a folder (each
 * name of a path is a lookup in the kernel): what depth costs, counted for the tests, which check that
 * it grows linearly with depth (wall-clock time would fail on a busy machine).
 */
export const walkCost = { pathBytes: 0 };

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
  const stack: Pending[] = [{ text: '', depth: 0, below: Buffer.alloc(0), names: 0, name: '' }];
  const seen: Stamps = { depths: [], names: [], stamps: [] };
  // a folder whose ctime is from here on changed during the scan, before its listing or after (see
  // changedSince). From the next millisecond: a file time is never later than the change (the kernel's
  // coarse clock lags, by one tick at most), so a tree made before the scan never counts as changed.
  // A change within that first millisecond, or one tick after (a kernel before 6.13, without fine
  // file times), can bear an earlier time: the engine gives its own start, before its threads start.
  const since = (BigInt(Math.floor(opts.since ?? Date.now())) + 1n) * 1_000_000n;
  /** the anchors open now (closed at the end, whatever ends the walk) */
  const anchors = new Set<Anchor>();
  const unref = (a: Anchor | undefined): void => {
    if (a && --a.refs === 0) {
      anchors.delete(a);
      closeSync(a.fd);
    }
  };
  /** microseconds per entry that the listings take (moving average): high when the storage is cold */
  let perEntryUs = 0;
  let listed = 0;
  const every = opts.yieldEvery ?? 256;
  const dirsAt = opts.dirsAt;
  /**
   * every file given to the readers (inodes.ts): another name of one of them is a hard link (more than
   * one link, or a bind mount's second path), or the file moved here since its first listing (one link)
   */
  const handed = new InodeSet();
  /** a file met again: its other name, or (one link, no mount below the root) the same name moved */
  const again = (child: string, links: boolean): void => sink.hardLink(child, !links && !allIds);
  /**
   * device:inode of every folder met (round 23b C2), with the path it was first met at: a folder met
   * again under another path (a bind mount, a loop) is not walked again, and said as a repeat of that
   * path (REPEAT_FOLDER), so that its files, counted there, are not called unread (round 24). One
   * entry per folder.
   */
  const folders = new Map<string, string>();
  /**
   * a mount point below the root: a bind mount can show one file at two paths with one link, so every
   * file is checked by its device and inode, as a hard link is (round 23b C2; one entry per file then)
   */
  const allIds = mountsBelow(root);
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
  const found = (child: string, sparse: boolean, foreign: boolean, id?: ListedId): Promise<boolean> | undefined => {
    if (foreign && euid !== 0) {
      keeping.filesRefused++;
      if (opts.strict)
        throw new EvidenceError(
          `--strict-evidence: the file ${shown(bytes(child))} is not yours: reading it would move its access time`,
        );
    }
    sink.file(child, sparse, undefined, id);
    if (++sinceYield < every) return undefined;
    sinceYield = 0;
    return waitForRoom();
  };
  try {
    while (stack.length > 0) {
      if (opts.aborted()) return keeping;
      const folder = stack.pop()!;
      const { text, depth } = folder;
      // the folder as a short path ending in '/', and its children as that path + name
      let at;
      let list;
      /** the anchor for the folders below this one: this folder itself when far enough below its own */
      let own: Anchor | undefined;
      try {
        const from = folder.anchor?.fd;
        if (
          ANCHORS &&
          (folder.names >= ANCHOR_NAMES || folder.below.length >= ANCHOR_BYTES) &&
          anchors.size < MAX_ANCHORS
        ) {
          const r = reach(from === undefined ? Buffer.concat([rootBytes, folder.below]) : folder.below, from);
          walkCost.pathBytes += r.path.length;
          try {
            own = { fd: openAnchor(r.path), refs: 1 };
          } finally {
            release(r);
          }
          anchors.add(own);
          at = reach(Buffer.alloc(0), own.fd);
        } else {
          // (from the root the path is the root's bytes + below; from an anchor, /proc/self/fd/N/below)
          at =
            from === undefined
              ? reach(Buffer.concat([rootBytes, folder.below, SLASH]))
              : reach(Buffer.concat([folder.below, SLASH]), from);
        }
      } catch (e) {
        unref(own);
        unref(folder.anchor);
        sink.error(bytes(text), e as NodeJS.ErrnoException);
        continue;
      }
      try {
        try {
          const t0 = performance.now();
          walkCost.pathBytes += at.path.length;
          list = listFolder(at.path, opts.strict);
          // (the first listings are slow anyway: the code is not compiled yet)
          if (++listed > 8)
            perEntryUs = 0.8 * perEntryUs + (0.2 * (performance.now() - t0) * 1000) / (list.names.length + 1);
        } catch (e) {
          // strict: the folder's O_NOATIME open was refused (it is not the user's); nothing was listed
          if (opts.strict && (e as NodeJS.ErrnoException).code === 'EPERM') {
            throw new EvidenceError(
              `--strict-evidence: the folder ${shown(bytes(text))} is not yours: listing it would move its access time`,
            );
          }
          sink.error(bytes(text), e as NodeJS.ErrnoException);
          continue;
        }
        if (!list.noatime && nativeListing) keeping.folders = false;
        // the folder listed is not the one its parent listed under that name: the name (or one above
        // it) was swapped since, e.g. for a link out of the tree (round 23b C1). Not counted: a gap.
        if (folder.id !== undefined && list.self !== undefined && list.self !== folder.id) {
          sink.error(bytes(text), walkError('changed during the scan: now a link'));
          continue;
        }
        if (depth === 0 && list.self !== undefined) folders.set(list.self, '');
        if (list.stamp !== undefined) {
          seen.depths.push(depth);
          seen.names.push(folder.name);
          seen.stamps.push(list.stamp);
        }
        const base = at.path;
        for (let i = 0; i < list.names.length; i++) {
          const name = list.names[i]!;
          const child = text.length ? text + '/' + name : name;
          let type = list.types[i]!;
          if (type === EntryType.File && list.stats) {
            // the listing took the lstat (listdir.c): the same facts, without a path lookup per file
            const f = list.stats[i]!;
            const dev = list.devs![i]!;
            const ino = list.inos![i]!;
            const id = Number.isNaN(dev) ? undefined : { dev, ino };
            if (id && !handed.add(dev, ino)) {
              again(child, (f & StatFlag.Linked) !== 0);
              continue;
            }
            const wait = found(child, (f & StatFlag.Sparse) !== 0, (f & StatFlag.Foreign) !== 0, id);
            if (wait && !(await wait)) return keeping;
            continue;
          }
          let st: BigIntStats | undefined;
          if (type === EntryType.File || type === EntryType.Unknown || (type === EntryType.Dir && !list.stats)) {
            // DT_UNKNOWN (some network and FUSE file systems) needs the lstat for the type too; a folder
            // without the addon, for its identity (exact: bigint, a number can round a 64-bit inode)
            try {
              st = lstatSync(Buffer.concat([base, Buffer.from(name, 'latin1')]), { bigint: true });
            } catch (e) {
              if (type === EntryType.Unknown) {
                sink.error(bytes(child), e as NodeJS.ErrnoException);
                continue;
              }
            }
            if (st) {
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
            if (opts.shard?.depth === depth + 1 && !inShard(opts.shard, shardKey('customer', keyName(bytes(name)))))
              continue;
            if (dirsAt === undefined || dirsAt === depth + 1) sink.dir(bytes(child), depth + 1);
            const id = list.ids?.get(i) ?? (st ? idOf(st) : undefined);
            if (id !== undefined) {
              const first = folders.get(id);
              if (first !== undefined) {
                sink.error(bytes(child), Object.assign(new Error(first), { code: REPEAT_FOLDER }));
                continue;
              }
              folders.set(id, child);
            }
            const nameBytes = Buffer.from(name, 'latin1');
            const next: Pending = own
              ? { text: child, depth: depth + 1, anchor: own, below: nameBytes, names: 1, id, name }
              : {
                  text: child,
                  depth: depth + 1,
                  anchor: folder.anchor,
                  below: folder.names ? Buffer.concat([folder.below, SLASH, nameBytes]) : nameBytes,
                  names: folder.names + 1,
                  id,
                  name,
                };
            if (next.anchor) next.anchor.refs++;
            stack.push(next);
          } else if (type === EntryType.File) {
            // (a file that vanished between the listing and the lstat goes to the readers, who say so)
            const id: ListedId | undefined = st && {
              dev: Number(st.dev),
              ino: Number(st.ino),
              size: Number(st.size),
              mtimeMs: msOf(st.mtimeNs),
            };
            if (st && id && !handed.add(id.dev, id.ino)) {
              again(child, st.nlink > 1n);
              continue;
            }
            const wait = found(
              child,
              st !== undefined && st.blocks * 512n < st.size,
              st !== undefined && st.uid !== BigInt(euid),
              id,
            );
            if (wait && !(await wait)) return keeping;
          } else sink.special(bytes(child));
        }
        // cold storage: the folders next in line are read ahead on background threads (listdir.c
        // prefetch), so that the walk is not one disk read after another; the order does not change.
        // Only folders whose path from the root is short (no anchor): a hint, not worth a deep path.
        if (perEntryUs > COLD_US_PER_ENTRY) {
          const ahead: Buffer[] = [];
          for (let k = stack.length - 1; k >= 0 && k >= stack.length - WALK_AHEAD; k--) {
            const next = stack[k]!;
            if (next.warm || next.anchor) continue;
            next.warm = true;
            if (rootBytes.length + next.below.length + 1 < LONG_PATH)
              ahead.push(Buffer.concat([rootBytes, next.below, SLASH]));
          }
          prefetchFolders(ahead);
        }
      } finally {
        release(at);
        // this folder no longer needs its anchor; its own is kept while a folder below waits for it
        unref(folder.anchor);
        unref(own);
      }
    }
  } finally {
    for (const a of anchors) closeSync(a.fd);
    anchors.clear();
  }
  // Every folder listed is stat'ed again now that the walk has ended (round 24 C1/C2). A file moved
  // from a folder not yet listed into one already listed was in no listing (before: never counted, its
  // row "complete", its controller "not affected"); one moved on from a folder listed into one not yet
  // listed was in two (counted twice, "complete"). A move sets the mtime and ctime of both folders: the
  // folder listed before it differs from its listing's stamp, and the folder listed after it bears a
  // ctime from after the walk started. So does a file created, removed or replaced under the same
  // name. Such a folder is a gap of its row, "changed during the scan": the files its listing gave
  // were read and are counted, but the folder held others during the scan. One lstat per folder,
  // through a path of at most ANCHOR_NAMES names (access times do not move).
  // (a shard's stamps: one a folder, paced as the files are)
  const stamps = opts.stamps === true && sink.stamp !== undefined;
  for (const f of changedSince(rootBytes, seen, since, stamps)) {
    if (f.rel) sink.error(f.rel, walkError(CHANGED));
    if (!stamps) continue;
    sink.stamp!(bytes(f.name), f.depth, f.stamp);
    if (++sinceYield >= every) {
      sinceYield = 0;
      if (!(await waitForRoom())) return keeping;
    }
  }
  return keeping;
}

/**
 * A time in ns as fstat's mtimeMs makes it (seconds × 1e3 + nanoseconds / 1e6, the nanoseconds of a
 * timespec in [0, 1e9)), so that the listing's and the reader's compare equal for one file.
 */
function msOf(ns: bigint): number {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  return Number(sec) * 1e3 + Number(nsec) / 1e6;
}

/** a folder not walked, and why: the code is what the manifest and the warnings say of it */
/**
 * The code of sink.error for a folder met again under another path (a bind mount, a loop): its
 * message is the path it was first met at (below the root, bytes as latin1; '' the root itself).
 */
export const REPEAT_FOLDER = 'the same folder as another path: a bind mount or a loop';

function walkError(reason: string): NodeJS.ErrnoException {
  return Object.assign(new Error(reason), { code: reason });
}

/**
 * Whether a file system is mounted below root (/proc/self/mountinfo, Linux): a bind mount there can
 * show one file at two paths, each with one link (round 23b C2). Where it cannot be told, true.
 */
function mountsBelow(root: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const real = realpathSync(root).replace(/\/+$/, '') + '/';
    // field 5 is the mount point, with space, tab, newline and backslash as octal escapes
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => {
        const at = line.split(' ')[4];
        if (at === undefined) return false;
        const point = at.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) + '/';
        return point.length > real.length && point.startsWith(real);
      });
  } catch {
    return true;
  }
}

/** a path for a one-line message: control characters shown as '?', long paths shortened */
function shown(rel: Buffer): string {
  const s = rel.toString('utf8').replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, '?');
  return (s.length > 200 ? '…' + s.slice(-200) : s) || '.';
}

/**
 * what a folder changed during the scan is said to be (the manifest's and the outputs' reason): unlike
 * every other folder error, its listing's files were counted (cli/headless.ts says so)
 */
export const CHANGED =
  'changed during the scan: its files as listed are counted; one moved in or out after its listing may be missed or counted twice';

/**
 * The folders of `seen` whose stamp differs now (or that are gone, or no longer folders), or whose
 * ctime is `since` or later (changed before their listing: a file may have left them for a folder
 * already listed), as paths below the root. Paths are built from the names of the folders above, from the root or, past
 * ANCHOR_NAMES names, from a folder held open (O_PATH, never through a link) at every ANCHOR_NAMES-th
 * level: each stat resolves at most that many names, so the recheck is linear in the tree's depth.
 */
function* changedSince(
  rootBytes: Buffer,
  seen: Stamps,
  since: bigint,
  /** every folder, changed or not, with its stamp as listed (WalkOptions.stamps); else the changed ones */
  all = false,
): Generator<{ rel?: Buffer; name: string; depth: number; stamp: string }> {
  /** the names from the root down to the folder being checked (chain[0]: the root, '') */
  const chain: string[] = [];
  /** descriptors held on the folders at depths ANCHOR_NAMES, 2 × ANCHOR_NAMES, … (-1: could not be opened) */
  const held = new Map<number, number>();
  const drop = (from: number): void => {
    for (const [d, fd] of held)
      if (d >= from) {
        if (fd >= 0) closeSync(fd);
        held.delete(d);
      }
  };
  /** the folder at depth d of the chain, reached (throws when it cannot be) */
  const path = (d: number): { r: ReturnType<typeof reach> } => {
    if (d === 0) return { r: reach(rootBytes) };
    const a = ANCHORS ? Math.floor((d - 1) / ANCHOR_NAMES) * ANCHOR_NAMES : 0;
    const names = Buffer.from(chain.slice(a + 1, d + 1).join('/'), 'latin1');
    if (a === 0) return { r: reach(Buffer.concat([rootBytes, names])) };
    let fd = held.get(a);
    if (fd === undefined) {
      try {
        const { r } = path(a);
        try {
          fd = openAnchor(r.path);
        } finally {
          release(r);
        }
      } catch {
        fd = -1;
      }
      held.set(a, fd);
    }
    if (fd < 0) throw walkError('gone');
    return { r: reach(names, fd) };
  };
  try {
    for (let k = 0; k < seen.depths.length; k++) {
      const d = seen.depths[k]!;
      chain.length = d;
      chain.push(seen.names[k]!);
      drop(d);
      let same = false;
      try {
        const { r } = path(d);
        try {
          const st = lstatSync(r.path, { bigint: true });
          same = stampOf(st) === seen.stamps[k] && st.ctimeNs < since;
        } finally {
          release(r);
        }
      } catch {
        same = false;
      }
      // rel: the path below the root of a folder that changed (undefined: it did not)
      if (!same || all)
        yield {
          ...(same ? {} : { rel: Buffer.from(chain.slice(1).join('/'), 'latin1') }),
          name: seen.names[k]!,
          depth: d,
          stamp: seen.stamps[k]!,
        };
    }
  } finally {
    drop(0);
  }
}
