/**
 * Streaming walk of the evidence tree. Depth-first with a stack of folders still to read, one folder
 * listed at a time, names as raw bytes; symbolic links are never followed (they can loop or lead out of
 * the evidence) and special files (FIFOs, sockets, devices) are never opened. Memory grows with the
 * number of folders waiting to be read and the size of the largest folder, not with the number of
 * files. (readdirSync lists a folder in one call: ~8x less CPU per entry than fs.Dir.readSync here.)
 */
import { lstatSync, readdirSync, type Dirent } from 'node:fs';

export interface WalkSink {
  /** a regular file; rel is its path below the root ('/'-separated bytes) */
  file(rel: Buffer): void;
  /** a folder at depth (1 = directly below the root) */
  dir(rel: Buffer, depth: number): void;
  /** a symbolic link, skipped */
  link(rel: Buffer): void;
  /** a FIFO, socket or device, skipped */
  special(rel: Buffer): void;
  /** a folder that could not be read */
  error(rel: Buffer, err: NodeJS.ErrnoException): void;
}

const SLASH = Buffer.from('/');

type DirentB = Dirent<Buffer>;

/**
 * Walk root. `yieldEvery` files, it awaits `pause()` so that a consumer can apply back-pressure and
 * the event loop stays responsive (each folder is listed with one synchronous call).
 */
export async function walk(
  root: string,
  sink: WalkSink,
  opts: { pause: () => Promise<void> | undefined; aborted: () => boolean; yieldEvery?: number },
): Promise<void> {
  const rootBytes = Buffer.from(root.endsWith('/') ? root : root + '/');
  const stack: Array<{ rel: Buffer; depth: number }> = [{ rel: Buffer.alloc(0), depth: 0 }];
  const every = opts.yieldEvery ?? 256;
  let sinceYield = 0;
  while (stack.length > 0) {
    if (opts.aborted()) return;
    const { rel, depth } = stack.pop()!;
    let entries: DirentB[];
    try {
      entries = readdirSync(Buffer.concat([rootBytes, rel]) as unknown as string, { withFileTypes: true, encoding: 'buffer' }) as unknown as DirentB[];
    } catch (e) {
      sink.error(rel, e as NodeJS.ErrnoException);
      continue;
    }
    for (const d of entries) {
      const name = d.name as unknown as Buffer;
      const child = rel.length ? Buffer.concat([rel, SLASH, name]) : Buffer.from(name);
      let isFile = d.isFile();
      let isDir = d.isDirectory();
      let isLink = d.isSymbolicLink();
      if (!isFile && !isDir && !isLink && !d.isFIFO() && !d.isSocket() && !d.isCharacterDevice() && !d.isBlockDevice()) {
        // DT_UNKNOWN (some network and FUSE file systems): ask lstat
        try {
          const st = lstatSync(Buffer.concat([rootBytes, child]) as unknown as string);
          isFile = st.isFile();
          isDir = st.isDirectory();
          isLink = st.isSymbolicLink();
        } catch (e) {
          sink.error(child, e as NodeJS.ErrnoException);
          continue;
        }
      }
      if (isLink) sink.link(child);
      else if (isDir) {
        sink.dir(child, depth + 1);
        stack.push({ rel: child, depth: depth + 1 });
      } else if (isFile) {
        sink.file(child);
        if (++sinceYield >= every) {
          sinceYield = 0;
          const p = opts.pause();
          if (p) await p;
          if (opts.aborted()) return;
        }
      } else sink.special(child);
    }
  }
}
