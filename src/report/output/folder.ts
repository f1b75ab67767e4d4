/**
 * The folder an output is written in, held open from before the scan to the last rename. A path is
 * only a name that can be made to point elsewhere while a long scan runs (a folder renamed into the
 * evidence tree, a symbolic link swapped in, a bind mount); an open folder stays the folder that was
 * checked. Every file is created and renamed through /proc/self/fd/N/name on Linux, which the kernel
 * resolves from the open folder, never from the path; elsewhere through the folder's physical path
 * (symbolic links and `..` resolved by the system's realpath, not as text), checked again before use.
 *
 * "Into the evidence" is judged here on the open folder: its device and inode, and those of every
 * folder above it (`..` from the folder itself, as the kernel sees it), against the tree's; and its
 * place on its file system against the tree's through the mount table (a bind mount of a folder
 * inside the tree has a parent that is not the tree).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** O_PATH (Linux; not in fs.constants): a handle on a folder that may be written but not listed */
const O_PATH = process.platform === 'linux' ? 0o10000000 : 0;

let procFd: boolean | undefined;
/** /proc/self/fd/N names an open folder (Linux): paths are resolved from it, not from a name */
function hasProcFd(): boolean {
  if (procFd === undefined) {
    try {
      procFd = statSync('/proc/self/fd').isDirectory();
    } catch {
      procFd = false;
    }
  }
  return procFd;
}

const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

export class OpenFolder {
  private closed = false;

  private constructor(
    readonly fd: number,
    readonly dev: number,
    readonly ino: number,
    /** the path as given (for messages, and to tell whether the folder is still there) */
    readonly given: string,
    /** the folder's physical path when it was opened (links and `..` resolved by the system) */
    private readonly physicalAtOpen: string,
  ) {}

  /**
   * Open a folder as the kernel resolves the path (links followed, `..` taken physically). `given`:
   * the path to tell later whether the folder is still there (path itself unless it was reached
   * through another open folder). Throws errno errors.
   */
  static open(path: string, flags = 0, given = path): OpenFolder {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | flags);
    } catch (e) {
      // a folder that may be written but not listed (mode 0300): a handle is enough to write in it
      if ((e as NodeJS.ErrnoException).code !== 'EACCES' || !O_PATH) throw e;
      fd = openSync(path, O_PATH | constants.O_DIRECTORY | flags);
    }
    try {
      const st = fstatSync(fd);
      const physical = hasProcFd() ? readlinkSync(`/proc/self/fd/${fd}`) : realpathSync.native(path);
      return new OpenFolder(fd, st.dev, st.ino, given, physical);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get id(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** The path to use for `name` in this folder: resolved from the open folder where the system allows. */
  at(name: string): string {
    return hasProcFd() ? `/proc/self/fd/${this.fd}/${name}` : join(this.physicalAtOpen, name);
  }

  /** Where the folder is now (it may have been moved since it was opened). */
  physical(): string {
    if (!hasProcFd()) return this.physicalAtOpen;
    try {
      return readlinkSync(`/proc/self/fd/${this.fd}`).replace(/ \(deleted\)$/, '');
    } catch {
      return this.physicalAtOpen;
    }
  }

  /** device:inode of this folder and of every folder above it, as the kernel walks `..` from it */
  chain(): Set<string> {
    if (hasProcFd()) return folderChain(`/proc/self/fd/${this.fd}`);
    const ids = new Set<string>([this.id]);
    for (let p = this.physicalAtOpen; ; p = dirname(p)) {
      try {
        ids.add(idOf(statSync(p)));
      } catch {
        /* unreadable ancestor */
      }
      if (dirname(p) === p) return ids;
    }
  }

  /** Is the path as given still this folder? (false: moved, removed or replaced since it was opened) */
  stillAt(): boolean {
    try {
      const st = statSync(this.given);
      return st.dev === this.dev && st.ino === this.ino;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

interface Mount {
  id: string;
  root: string;
  point: string;
}

/** The mounts of this process (Linux /proc/self/mountinfo), or [] where there is no such file. */
function mounts(): Mount[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string): string =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      return { id: f[2]!, root: unescape(f[3]!), point: unescape(f[4]!) };
    });
}

const under = (p: string, dir: string): boolean => dir === '/' || p === dir || p.startsWith(dir + '/');

/**
 * Where a folder is on its file system: (device, path from the file system's root). Two paths to one
 * folder through bind mounts (of the tree, or of a folder inside it) give the same answer.
 */
function fsLocation(real: string, table: Mount[]): { id: string; path: string } | undefined {
  let best: Mount | undefined;
  for (const m of table) if (under(real, m.point) && (!best || m.point.length >= best.point.length)) best = m;
  if (!best) return undefined;
  const rest = best.point === '/' ? real : real.slice(best.point.length);
  return {
    id: best.id,
    path: (best.root === '/' ? '' : best.root) + (rest.startsWith('/') || rest === '' ? rest : '/' + rest) || '/',
  };
}

/**
 * Trees this process knows by identity (device:inode of their root folder) from a case file's runs:
 * a tree moved or renamed since, or reached through another mount, is no longer at the path the case
 * keeps, and outputs of --from, --diff and --merge went into it (attack round 22b C5). No output goes
 * into a folder one of these is, or is above.
 */
const knownTrees = new Set<string>();

/** Keep no output in the tree whose root folder was dev:ino (case/store.ts treeOf). */
export function forbidTree(id: string): void {
  knownTrees.add(id);
}

/**
 * device:inode of a folder and of every folder above it, as the kernel walks `..` from it (so a link
 * or a bind mount on the way is where it leads, not where its name is); empty when the folder cannot
 * be reached.
 */
export function folderChain(folder: string): Set<string> {
  const ids = new Set<string>();
  let p = folder;
  let last = '';
  // 4096 bytes of path: deeper than any folder a path can name
  for (let i = 0; i < 2000; i++, p += '/..') {
    let id: string;
    try {
      id = idOf(statSync(p));
    } catch {
      break; // an ancestor that cannot be searched: its identity is unknown
    }
    if (id === last) break; // / is its own parent
    ids.add(id);
    last = id;
  }
  return ids;
}

/** Is the open folder the evidence tree at root, or inside it (by any path, bind mounts included)? */
export function insideEvidence(folder: OpenFolder, root: string): boolean {
  if (knownTrees.size) {
    const chain = folder.chain();
    for (const id of knownTrees) if (chain.has(id)) return true;
  }
  let rootId: string;
  let rootReal: string;
  try {
    rootId = idOf(statSync(root));
    rootReal = realpathSync.native(root);
  } catch {
    return false; // the root is checked on its own
  }
  // the folder, or a folder above it, is the tree (another path to it, a bind mount of it)
  if (folder.chain().has(rootId)) return true;
  // a bind mount of a folder inside the tree: compare places on the file system itself
  const table = mounts();
  const a = fsLocation(folder.physical(), table);
  const b = fsLocation(rootReal, table);
  // eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- both places must be found: `a?.id === b?.id` would match two unknown ones
  return !!(a && b && a.id === b.id && under(a.path, b.path));
}
