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
import { readdirSync, type Dirent } from 'node:fs';

/** d_type values (dirent.h) */
export const EntryType = { Unknown: 0, Fifo: 1, Char: 2, Dir: 4, Block: 6, File: 8, Link: 10, Socket: 12 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Listing {
  names: Buffer[];
  types: EntryType[];
  /** the folder was opened with O_NOATIME (false: refused, or no addon) */
  noatime: boolean;
}

interface Native {
  listdir(path: Buffer, strict: boolean): Buffer;
}

function load(): Native | undefined {
  if (process.env.LEAKTALLY_NO_ADDON) return undefined; // tests: the pure-Node path
  try {
    return createRequire(import.meta.url)('../../build/Release/listdir.node') as Native;
  } catch {
    return undefined;
  }
}

const native = load();

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
    const out = native.listdir(path, strict);
    const names: Buffer[] = [];
    const types: EntryType[] = [];
    let i = 1;
    while (i < out.length) {
      types.push(out[i] as EntryType);
      const n = out[i + 1]!;
      names.push(out.subarray(i + 2, i + 2 + n));
      i += 2 + n;
    }
    return { names, types, noatime: out[0] === 1 };
  }
  const entries = readdirSync(path, {
    withFileTypes: true,
    encoding: 'buffer',
  }) as unknown as Dirent<Buffer>[];
  return {
    names: entries.map((d) => d.name),
    types: entries.map((d) => typeOf(d as unknown as Dirent)),
    noatime: false,
  };
}
