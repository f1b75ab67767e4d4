/**
 * A batch's files opened, stat'ed and their heads read in one call to the addon (native/readheads.c),
 * with several reads in flight when the storage is slow: one reader thread's I/O for a batch.
 *
 * Every file it reads is exactly what probeFile would read (the same open flags, one read of the same
 * length), so probeOpen gives the same result; every file it does not read (an error, not a regular
 * file, a long path) is left to probeFile, which then says why in its own words. Without the addon
 * (not built, or LEAKTALLY_NO_ADDON) nothing is read here and every file goes through probeFile.
 */
import { addon } from '../walk/listdir.js';
import { FileAnchors, type FileAt } from './anchors.js';
import { WHOLE_FILE_MAX, type OpenFile } from '../probe/index.js';

const META = 12;
const NUL = Buffer.from([0]);
/**
 * Share of a batch's files whose reading blocked (the addon times each file) from which the next
 * batch starts with its reads in parallel; below it the data is taken as cached, and the next batch
 * is read on the calling thread (which calls in the helpers by itself when its first files block).
 */
const BLOCKED_SHARE = 0.25;

export interface HeadRead extends OpenFile {
  /** opened without O_NOATIME (refused by the kernel: not the owner) */
  refused: boolean;
  /**
   * not opened: a name on its path is now a symbolic link (a folder swapped for one after the walk
   * listed it, round 23b C1); not left to probeFile, whose open by path would follow it
   */
  linked?: true;
}

const LINKED: Omit<HeadRead, 'head'> = { fd: -1, size: 0, mtimeMs: 0, allocated: 0, refused: false, linked: true };

/** Close a descriptor read() handed out (for probeOpen). */
export const closeHead = (fd: number): void => addon!.closefd(fd);

export class BatchHeads {
  private heads = Buffer.alloc(0);
  private meta = new Float64Array(0);
  private dirfds = new Int32Array(0);
  /** the last batch's reads blocked: start the next one in parallel */
  private slow = false;
  /** descriptors handed out and not yet closed by probeOpen (closed by release() if a batch fails) */
  private open: HeadRead[] = [];

  /**
   * root: the scanned folder's path ending in '/'; ioThreads: reads in flight for this thread when the
   * storage is slow; anchors: the thread's folders held open in a deep tree (anchors.ts), shared with
   * its other reads of files
   */
  constructor(
    private readonly root: Buffer,
    private readonly ioThreads: number,
    private readonly anchors = new FileAnchors(root),
  ) {}

  static get available(): boolean {
    return addon !== undefined;
  }

  /** Read rels (the paths' bytes below the root); undefined where probeFile must do it. */
  read(rels: Buffer[]): (HeadRead | undefined)[] {
    const n = rels.length;
    if (!addon || n === 0) return [];
    if (this.meta.length < n * META) {
      this.heads = Buffer.allocUnsafe(n * WHOLE_FILE_MAX);
      this.meta = new Float64Array(n * META);
      this.dirfds = new Int32Array(n);
    }
    // each file's path below its anchor, or below the root; the anchors stay open until the call returns
    const ats: FileAt[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.anchors.at(rels[i]!);
      ats.push(at);
      this.dirfds[i] = at.fd;
      if (i) parts.push(NUL);
      parts.push(at.rest);
    }
    // every slot "left to probeFile" first: a slot the addon does not fill (its count of the paths
    // differs, e.g. an empty path) is never read from a previous batch's figures and descriptor
    for (let i = 0; i < n; i++) this.meta[i * META] = 1;
    let answer: [number, boolean, number];
    try {
      answer = addon.readheadsat(
        this.root,
        Buffer.concat(parts),
        this.heads,
        this.meta,
        this.ioThreads,
        this.slow,
        this.dirfds,
      );
    } finally {
      for (const at of ats) this.anchors.done(at);
    }
    const [, parallel, blocked] = answer;
    this.slow = parallel && blocked > n * BLOCKED_SHARE;
    const out = new Array<HeadRead | undefined>(n);
    const m = this.meta;
    for (let i = 0; i < n; i++) {
      const k = i * META;
      if (m[k] === 2) out[i] = { ...LINKED, head: this.heads.subarray(0, 0) };
      if (m[k] !== 0) continue;
      const r: HeadRead = {
        fd: m[k + 1]!,
        size: m[k + 2]!,
        // as Node's fs.Stats computes mtimeMs from the seconds and nanoseconds
        mtimeMs: m[k + 3]! * 1e3 + m[k + 4]! / 1e6,
        allocated: m[k + 7]!,
        dev: m[k + 8]!,
        ino: m[k + 9]!,
        ctimeMs: m[k + 10]! * 1e3 + m[k + 11]! / 1e6,
        head: this.heads.subarray(i * WHOLE_FILE_MAX, i * WHOLE_FILE_MAX + m[k + 5]!),
        refused: m[k + 6] === 1,
      };
      out[i] = r;
      if (r.fd >= 0) this.open.push(r);
    }
    return out;
  }

  /** After a batch: close what no probeOpen took (a batch that failed half-way). */
  release(): void {
    for (const r of this.open) {
      if (r.fd >= 0) addon!.closefd(r.fd);
      r.fd = -1;
    }
    this.open = [];
  }
}
