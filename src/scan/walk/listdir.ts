/**
 * Listing one folder, with its access time kept where the system allows it.
 *
 * Pure Node cannot list a folder opened with O_NOATIME (fs.readdir/opendir take a path and open it
 * without the flag; there is no fdopendir), so the walk uses a small Node-API addon (native/listdir.c,
 * built by node-gyp at install: open(O_NOATIME) + fdopendir + readdir). Where the addon is missing
 * (not built, another platform) the listing falls back to fs.readdirSync, and the scan says that
 * folders' access times may move (ScanResult.noatime.folders = false).
 */
import { createRequire } from 'node:module';
import { closeSync, constants, fstatSync, openSync, readdirSync, type Dirent } from 'node:fs';

/** d_type values (dirent.h) */
export const EntryType = { Unknown: 0, Fifo: 1, Char: 2, Dir: 4, Block: 6, File: 8, Link: 10, Socket: 12 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

/** What the walk needs of a regular file's lstat (flags of Listing.stats). */
export const StatFlag = { Taken: 1, Linked: 2, Sparse: 4, Foreign: 8, Id: 16 } as const;

export interface Listing {
  /** the names' bytes as latin1 strings (one char per byte: lossless, and cheaper than a Buffer each) */
  names: string[];
  types: EntryType[];
  /**
   * With the addon, per entry: for a regular file or a folder, StatFlag bits of its lstat taken while
   * listing (0: the lstat failed), else 0; `ids` holds "dev:ino" of every folder; `devs` and `inos`
   * the device and inode of every regular file whose lstat was taken (NaN elsewhere), as numbers as
   * fstat gives them (a reader compares them with the file it opens: read/record.ts). Without it,
   * undefined: the walk lstats each file and folder itself.
   */
  stats?: Uint8Array;
  ids?: Map<number, string>;
  devs?: Float64Array;
  inos?: Float64Array;
  /** "dev:ino" of the folder listed (fstat of what was opened: round 23b C1); undefined: not known */
  self?: string;
  /**
   * "dev:ino:mtime_ns:ctime_ns" of the folder listed, from the fstat taken before its entries were
   * read (round 24 C1/C2): the walk stats each folder again once it has ended, and any difference
   * means a file may have been moved in or out after the listing. Undefined: not known.
   */
  stamp?: string;
  /** the folder was opened with O_NOATIME (false: refused, or no addon) */
  noatime: boolean;
}

interface Native {
  listdir(path: Buffer, strict: boolean, allIds: boolean): Buffer;
  /** 3: a listing carries the folder's mtime and ctime (bytes 17-32), readheads' meta a file's ctime */
  layout: number;
  /** native/readheads.c: a batch of files opened, stat'ed and their heads read (read/heads.ts) */
  readheads(
    root: Buffer,
    rels: Buffer,
    heads: Buffer,
    meta: Float64Array,
    ioThreads: number,
    parallelNow: boolean,
  ): [ns: number, parallel: boolean, blocked: number];
  /**
   * readheads with, per file, the folder descriptor its path is below (openat; -1: below root): the
   * readers' anchors in a deep tree (anchors.ts)
   */
  readheadsat(
    root: Buffer,
    rels: Buffer,
    heads: Buffer,
    meta: Float64Array,
    ioThreads: number,
    parallelNow: boolean,
    dirfds: Int32Array,
  ): [ns: number, parallel: boolean, blocked: number];
  /** close a descriptor readheads left open */
  closefd(fd: number): void;
  /** native/prefetch.c: warm the caches for these folders (short paths) on background threads; returns how many were queued */
  prefetch(paths: Buffer[]): number;
}

/**
 * the layout this code reads: a listing with the folder's times after its identity (listdir.c), 12
 * numbers a file in readheads' meta, its ctime last (readheads.c)
 */
const LAYOUT = 3;
/** bytes before a listing's first entry: the O_NOATIME flag, the folder's device, inode, mtime, ctime */
const HEADER = 33;

function load(): Native | undefined {
  if (process.env.LEAKTALLY_NO_ADDON) return undefined; // tests: the pure-Node path
  try {
    const m = createRequire(import.meta.url)('../../../build/Release/listdir.node') as Partial<Native>;
    // an addon built from older sources (a checkout updated without `npm rebuild`) lacks functions:
    // used as if it were not built (said once), rather than failing a reader thread mid-scan
    const whole =
      (['listdir', 'readheads', 'readheadsat', 'closefd', 'prefetch'] as const).every(
        (k) => typeof m[k] === 'function',
      ) && m.layout === LAYOUT;
    return whole ? (m as Native) : undefined;
  } catch {
    return undefined;
  }
}

const native = load();

/** the addon (undefined where it is not built, or LEAKTALLY_NO_ADDON is set) */
export const addon: Native | undefined = native;

/** Warm the caches for folders about to be listed (a hint: nothing happens without the addon). */
export function prefetchFolders(paths: Buffer[]): void {
  if (native && paths.length) native.prefetch(paths);
}

/** whether folders can be listed with O_NOATIME at all (the addon is built) */
export const nativeListing = native !== undefined;

function typeOf(d: Dirent): EntryType {
  if (d.isFile()) return EntryType.File;
  if (d.isDirectory()) return EntryType.Dir;
  if (d.isSymbolicLink()) return EntryType.Link;
  if (d.isFIFO()) return EntryType.Fifo;
  if (d.isSocket()) return EntryType.Socket;
  if (d.isCharacterDevice()) return EntryType.Char;
  if (d.isBlockDevice()) return EntryType.Block;
  return EntryType.Unknown;
}

/**
 * List a folder (path: short, see reach.ts). Throws the file system's error (with its code); strict:
 * throws EPERM rather than list a folder whose O_NOATIME open is refused.
 */
export function listFolder(path: Buffer, strict = false): Listing {
  if (native) {
    // every file's identity (allIds): the walk keeps every file it hands on (inodes.ts), and a reader
    // checks that the file it opens is the one listed; 16 bytes a file more from the addon
    const out = native.listdir(path, strict, true);
    const names: string[] = [];
    const types: EntryType[] = [];
    const flags: number[] = [];
    // (an entry is 3 bytes at least: as many numbers as there can be entries, no array grown per file)
    const most = Math.max(0, Math.floor((out.length - HEADER) / 3));
    const devs = new Float64Array(most).fill(NaN);
    const inos = new Float64Array(most);
    let ids: Map<number, string> | undefined;
    let i = HEADER;
    while (i < out.length) {
      const type = out[i] as EntryType;
      types.push(type);
      const n = out[i + 1]!;
      // a string of its own (a slice of one string of the whole listing would keep that alive for as
      // long as any one name is queued)
      names.push(out.toString('latin1', i + 2, i + 2 + n));
      i += 2 + n;
      if (type !== EntryType.File && type !== EntryType.Dir) {
        flags.push(0);
        continue;
      }
      const f = out[i++]!;
      flags.push(f);
      const k = names.length - 1;
      if (f & StatFlag.Id) {
        if (type === EntryType.Dir) (ids ??= new Map()).set(k, idAt(out, i));
        else {
          // (as C converts st_dev and st_ino to a double: one rounding of the whole 64-bit value)
          devs[k] = out.readUInt32LE(i) + out.readUInt32LE(i + 4) * 2 ** 32;
          inos[k] = out.readUInt32LE(i + 8) + out.readUInt32LE(i + 12) * 2 ** 32;
        }
        i += 16;
      }
    }
    const self = idAt(out, 1);
    const stamp = `${self}:${out.readBigInt64LE(17)}:${out.readBigInt64LE(25)}`;
    return {
      names,
      types,
      stats: Uint8Array.from(flags),
      ids,
      devs,
      inos,
      noatime: out[0] === 1,
      self,
      stamp,
    };
  }
  // without the addon: the folder opened (never through a link in its last name) and fstat'ed, then
  // listed through its descriptor, so that what is listed is what was identified (round 23b C1)
  const fd =
    process.platform === 'linux'
      ? openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
      : -1;
  try {
    const st = fd < 0 ? undefined : fstatSync(fd, { bigint: true });
    const self = st && idOf(st);
    const entries = readdirSync(fd < 0 ? path : `/proc/self/fd/${fd}`, {
      withFileTypes: true,
      encoding: 'buffer',
    }) as unknown as Dirent<Buffer>[];
    return {
      names: entries.map((d) => d.name.toString('latin1')),
      types: entries.map((d) => typeOf(d as unknown as Dirent)),
      noatime: false,
      self,
      stamp: st && stampOf(st),
    };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** the device and inode at byte i of a listing, as "dev:ino" */
const idAt = (out: Buffer, i: number): string => `${out.readBigUInt64LE(i)}:${out.readBigUInt64LE(i + 8)}`;

/** a file's or folder's identity, "dev:ino" (exact: bigint, a number can round a 64-bit inode) */
export const idOf = (st: { dev: bigint; ino: bigint }): string => `${st.dev}:${st.ino}`;

/**
 * a folder's identity and times, "dev:ino:mtime_ns:ctime_ns": a file moved in or out, created or
 * removed changes the folder's mtime and ctime (a rename changes both folders'), and ctime cannot be
 * set back from user space
 */
export const stampOf = (st: { dev: bigint; ino: bigint; mtimeNs: bigint; ctimeNs: bigint }): string =>
  `${st.dev}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}`;
