/**
 * Groups the walk's files into batches: one message to a reader thread carries a batch, not a file.
 * Paths are carried as latin1 strings of their raw bytes (lossless, and cheap to send); what the walk
 * learnt of a file rides after a NUL (a path holds none): 's' sparse, 'h' another name of a file
 * already counted (a hard link: not read again, only counted as one), 'm' a file already counted met
 * again under this name (moved here during the scan: not read, a gap), 'u' a web server's file whose
 * listing gave the size and time an earlier run read it at (taken over unread); after a second NUL,
 * the file its listing gave (ListedId: 'i' and the device and inode, or 'I' and the device, inode, size
 * and mtime, each number as the 8 bytes of its float64, one char a byte; nothing: not known); and after
 * a NUL again, what an earlier run of the case file found in it (JSON of its FileFacts), for the
 * reader to take over when the file is unchanged (resume).
 */
import type { FileFacts } from '../probe/index.js';
import type { ListedId } from '../model.js';

/** entries: paths below the root, each a latin1 string of the path's bytes, maybe with "\0flags" */
export type Batch = string[];

const BATCH_SIZE = 128;
/**
 * A web server's files, fewer a batch: a reader thread asks for a batch's heads as it arrives, so
 * smaller batches start requests sooner after their folder is listed and leave fewer connections
 * idle at the walk's end (npm run bench -- --http, 2,000 files at 20 ms: 0.83 of the floor with
 * 128, 0.87 with 16); what a batch costs besides is small beside a round trip.
 */
export const HTTP_BATCH_SIZE = 16;
/**
 * A batch also ends once its paths reach this length (chars of latin1: bytes): in a deep tree one path
 * can be hundreds of kilobytes, and the readers' queue holds dozens of batches.
 */
const BATCH_BYTES = 256 << 10;

export type EntryFlag = '' | 's' | 'h' | 'm' | 'u';

export interface Entry {
  rel: Buffer;
  sparse: boolean;
  hardLink: boolean;
  /** a file counted under another name, met again here with one link: moved during the scan ('m') */
  moved?: boolean;
  /** the file the walk's listing gave (device, inode; size and mtime where the walk stat'ed it) */
  listed?: ListedId;
  /** what an earlier run found in it (resume): taken over when the file is unchanged (job.ts) */
  known?: FileFacts;
  /** a web server's file whose listing says it is unchanged since `known` was read ('u') */
  listedUnchanged?: boolean;
}

/** A batch entry read back. */
export function parseEntry(item: string): Entry {
  const nul = item.indexOf('\0');
  if (nul < 0) return { rel: Buffer.from(item, 'latin1'), sparse: false, hardLink: false };
  const rel = Buffer.from(item.slice(0, nul), 'latin1');
  const nul2 = item.indexOf('\0', nul + 1);
  const flags = nul2 < 0 ? item.slice(nul + 1) : item.slice(nul + 1, nul2);
  const e: Entry = { rel, sparse: flags.includes('s'), hardLink: flags.includes('h') };
  if (flags.includes('m')) e.moved = true;
  if (flags.includes('u')) e.listedUnchanged = true;
  if (nul2 < 0) return e;
  // (its bytes may be NUL: its length is fixed by its tag)
  let at = nul2 + 1;
  const tag = item.charCodeAt(at);
  if (tag === ID || tag === ID_STAT) {
    e.listed = { dev: numberAt(item, at + 1), ino: numberAt(item, at + 9) };
    if (tag === ID_STAT) {
      e.listed.size = numberAt(item, at + 17);
      e.listed.mtimeMs = numberAt(item, at + 25);
    }
    at += tag === ID ? 17 : 33;
  }
  if (at < item.length) e.known = JSON.parse(item.slice(at + 1)) as FileFacts;
  return e;
}

/**
 * A ListedId as an entry carries it (parseEntry reads it back): each number as the 8 bytes of its
 * float64, exact. As decimal text ("dev:ino") the walk's and the readers' work for it cost 1.6 µs a
 * file (npm run build; 1 M entries made and parsed), a tenth of a scan's CPU; this way 0.2 µs.
 */
const ID = 0x69; // 'i'
const ID_STAT = 0x49; // 'I'
const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);
function bytesOf(x: number): string {
  f64[0] = x;
  return String.fromCharCode(u8[0]!, u8[1]!, u8[2]!, u8[3]!, u8[4]!, u8[5]!, u8[6]!, u8[7]!);
}
function numberAt(s: string, at: number): number {
  for (let i = 0; i < 8; i++) u8[i] = s.charCodeAt(at + i);
  return f64[0]!;
}
const idText = (id: ListedId | undefined): string =>
  id === undefined
    ? ''
    : id.size === undefined
      ? 'i' + bytesOf(id.dev) + bytesOf(id.ino)
      : 'I' + bytesOf(id.dev) + bytesOf(id.ino) + bytesOf(id.size) + bytesOf(id.mtimeMs ?? NaN);

export class Batcher {
  private current: Batch = [];
  private chars = 0;

  constructor(
    private readonly out: (batch: Batch) => void,
    private readonly size = BATCH_SIZE,
  ) {}

  /**
   * rel: the path's bytes as a latin1 string (walk.ts); known: JSON of what an earlier run found in it;
   * id: the file its listing gave
   */
  add(rel: string, flag: EntryFlag = '', known?: string, id?: ListedId): void {
    this.current.push(
      known !== undefined
        ? `${rel}\0${flag}\0${idText(id)}\0${known}`
        : id !== undefined
          ? `${rel}\0${flag}\0${idText(id)}`
          : flag
            ? `${rel}\0${flag}`
            : rel,
    );
    this.chars += rel.length;
    if (this.current.length >= this.size || this.chars >= BATCH_BYTES) this.flush();
  }

  /** hand over what is collected, even if the batch is not full */
  flush(): void {
    if (!this.current.length) return;
    const b = this.current;
    this.current = [];
    this.chars = 0;
    this.out(b);
  }
}
