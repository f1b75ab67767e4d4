/**
 * Where a reader opens a file from: a folder it holds open (an anchor) above the file, so that opening
 * a file at depth d makes the kernel look up the few names below the anchor, not d names from the
 * root again. The walk does the same for folders (walk.ts); without this the readers were the
 * quadratic part of a deep tree: 5,000 nested folders with a file in each took 76 s, nearly all of it
 * the kernel resolving every file's path from the root (a path of d names is d lookups).
 *
 * Why the readers keep their own anchors instead of borrowing the walk's: a reader reads a file long
 * after the walk left its folder (the walk runs ahead by dozens of batches, on another thread), so a
 * borrowed descriptor would have to be kept open across threads until the last file below it was read.
 * Here each reader thread keeps a short chain of descriptors down the path it is reading: files come
 * in the walk's order (depth first), so the next file is mostly in the same folder or just below, and
 * its anchor is already open.
 *
 * A chain: anchor k is the folder `rel[0, end_k)` (rel: the path below the root), opened relative to
 * anchor k-1 (or the root) a chunk of at most ANCHOR_NAMES names or about ANCHOR_BYTES bytes below it.
 * The cut points depend on the path alone (greedy from the root), so files in the same folder, or below
 * it, reuse the same anchors. Files whose folder is fewer than ANCHOR_NAMES names (and ANCHOR_BYTES
 * bytes) below the root (any ordinary tree) are opened by their path from the root, as before: no
 * descriptor held, no extra call.
 *
 * Evidence: anchors are opened O_PATH | O_DIRECTORY | O_NOFOLLOW (reach.ts openAnchor): nothing read,
 * no access time moved, never through a symbolic link in their last name; the file below is opened
 * exactly as before (O_NOFOLLOW, O_NOATIME where allowed), and by the addon with no link followed in any
 * name below its anchor (readheads.c open_beneath, round 23b C1). An anchor's own chunk is opened a name
 * at a time, none through a link (reach.ts openFolderNoLinks, round 24). A folder renamed while a reader holds it is read where it
 * went: still the folder the walk listed.
 *
 * Descriptors: at most MAX_FILE_ANCHORS per reader thread (past it, the shallowest is closed: a file
 * above the chain is then reached from the root again; correct, slower), plus those still pinned by a
 * batch being read; closed by close(), or with the reader thread (Node closes a worker's descriptors
 * when it ends). Linux only (ANCHORS): elsewhere every file is opened by its path from the root.
 */
import { closeSync } from 'node:fs';
import { ANCHOR_BYTES, ANCHOR_NAMES, ANCHORS, openFolderNoLinks } from '../walk/reach.js';

/** descriptors one reader thread holds at most (besides the ones a batch being read still uses) */
export const MAX_FILE_ANCHORS = 32;

/**
 * Bytes of the paths this thread's readers have handed to the system to open files and their anchors
 * (each name is a lookup in the kernel): what depth costs the readers, counted for the tests, which
 * check that it grows linearly with depth (walk.ts walkCost does the same for the walk).
 */
export const readCost = { pathBytes: 0, anchorsOpened: 0 };

interface Anchor {
  fd: number;
  /** the folder it holds: rel[0, end) of the files below it */
  end: number;
  /** files of a batch being read that are to be opened through it */
  pins: number;
  /** out of the chain: closed once no file is pinned to it */
  retired: boolean;
}

/** Where to open a file: `rest` below the anchor `fd`, or (fd -1) the root's path + `rest`. */
export interface FileAt {
  fd: number;
  rest: Buffer;
  /** pinned for this file: give the FileAt back with done() once the file is open */
  anchor?: Anchor;
}

const SLASH = 0x2f;

export class FileAnchors {
  private chain: Anchor[] = [];
  /** the path of the deepest anchor's folder (bytes below the root) */
  private key = Buffer.alloc(0);
  /** every anchor open now, in the chain or pinned (for close()) */
  private readonly open = new Set<Anchor>();

  /** root: the scanned folder's path, ending in '/' */
  constructor(private readonly root: Buffer) {}

  /** descriptors held now */
  get held(): number {
    return this.open.size;
  }

  /** Where to open the file at rel (its path below the root); pinned until done(). */
  at(rel: Buffer): FileAt {
    const dirEnd = ANCHORS ? rel.lastIndexOf(SLASH) : -1;
    if (dirEnd < 0) return this.fromRoot(rel);
    // the deepest anchor that holds a folder of rel's (a prefix of rel ending at a '/')
    for (let a = this.chain.at(-1); a; a = this.chain.at(-1)) {
      if (
        a.end <= dirEnd &&
        (a.end === dirEnd || rel[a.end] === SLASH) &&
        rel.subarray(0, a.end).equals(this.key.subarray(0, a.end))
      )
        break;
      this.retire(this.chain.pop()!);
    }
    let base = this.chain.at(-1);
    let start = base ? base.end + 1 : 0;
    // more anchors while the folder is far below the deepest: one per ANCHOR_NAMES names (or ANCHOR_BYTES)
    let grew = false;
    for (let cut = this.cutAfter(rel, start, dirEnd); cut >= 0; cut = this.cutAfter(rel, start, dirEnd)) {
      let fd: number;
      try {
        fd = this.openBelow(base, rel.subarray(start, cut));
      } catch {
        // (a folder that cannot be opened: the file is left to its ordinary route from here, whose
        // open then fails with the file system's own words, as it did before anchors)
        break;
      }
      const a: Anchor = { fd, end: cut, pins: 0, retired: false };
      this.open.add(a);
      this.chain.push(a);
      if (this.chain.length > MAX_FILE_ANCHORS) this.retire(this.chain.shift()!);
      base = a;
      start = cut + 1;
      grew = true;
    }
    if (grew) this.key = Buffer.from(rel.subarray(0, base!.end));
    if (!base) return this.fromRoot(rel);
    base.pins++;
    const rest = rel.subarray(start);
    readCost.pathBytes += rest.length;
    return { fd: base.fd, rest, anchor: base };
  }

  /** The file at is open (or given up): its anchor may be closed when no longer in the chain. */
  done(at: FileAt): void {
    const a = at.anchor;
    if (!a) return;
    at.anchor = undefined;
    if (--a.pins === 0 && a.retired) this.shut(a);
  }

  /** Close every anchor (the reading is over). */
  close(): void {
    for (const a of this.open) closeSync(a.fd);
    this.open.clear();
    this.chain = [];
    this.key = Buffer.alloc(0);
  }

  private fromRoot(rel: Buffer): FileAt {
    readCost.pathBytes += this.root.length + rel.length;
    return { fd: -1, rest: rel };
  }

  /**
   * Where the next anchor below `start` ends: the '/' (or dirEnd) after ANCHOR_NAMES names, or after
   * the name that reaches ANCHOR_BYTES bytes; -1 when the folder is closer than that.
   */
  private cutAfter(rel: Buffer, start: number, dirEnd: number): number {
    let names = 0;
    let i = start;
    while (i < dirEnd) {
      let j = rel.indexOf(SLASH, i);
      if (j < 0 || j > dirEnd) j = dirEnd;
      names++;
      if (names >= ANCHOR_NAMES || j - start >= ANCHOR_BYTES) return j;
      i = j + 1;
    }
    return -1;
  }

  /**
   * open the folder `chunk` below `base` (or the root) as an anchor, a name at a time with no link
   * followed (reach.ts openFolderNoLinks; round 24: the chunk was opened as one path, so that a folder
   * swapped for a link in its middle took every file below it out of the tree)
   */
  private openBelow(base: Anchor | undefined, chunk: Buffer): number {
    readCost.pathBytes += chunk.length;
    readCost.anchorsOpened++;
    return openFolderNoLinks(chunk, base?.fd, this.root);
  }

  private retire(a: Anchor): void {
    a.retired = true;
    if (a.pins === 0) this.shut(a);
  }

  private shut(a: Anchor): void {
    if (!this.open.delete(a)) return;
    closeSync(a.fd);
  }
}
