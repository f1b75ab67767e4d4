/**
 * Reading files on a web server in a reader thread: the read side's one more implementation (the
 * folder's is probe/index.ts probeFile). A batch's heads are fetched at once (Range: bytes=0-N, a few
 * requests in flight: the thread's share of --connections) before its files are probed; a probe that
 * reads further (a tail, a window) reads synchronously, as it does on a disk: the read waits
 * (Atomics.wait) while this thread's fetch thread (fetcher.ts) does the request. Each such read asks
 * for at least READ_AHEAD bytes, so that a reader stepping through a file costs few requests.
 */
import { Worker } from 'node:worker_threads';
import { probeFetched, WHOLE_FILE_MAX, type FileFacts } from '../probe/index.js';
import { noStats, type HttpStats, type RequestEntry } from './common.js';
import { META_MAX, SYNC_MAX, type Fetched, type FetcherData, type RangeAsk } from './common.js';
import { decodePath, inodeOf, pathOf } from './url.js';
import type { ClientOptions } from './client.js';

/** the least a read past the head asks for */
const READ_AHEAD = 64 << 10;
/**
 * the last bytes of a file longer than its head, read with the head: the size a server gives is its
 * word, and a length counted from it (a WAV's data bytes present, a CBR stream's bytes) rests on
 * bytes no one has read. A server that claimed 100 GB for a 16 KiB WAV head and refused every later
 * range had 3,472 h counted, row complete (attack round 25b C3; ffmpeg decodes 2.04 s of it). Its
 * last bytes read back, at the size claimed, make the size the file's; not read, the file is a gap.
 * 1 KiB: an MP3's ID3v1 and APE footer, the readers' usual reads at the end, come from it too.
 */
const TAIL = 1024;
/** a synchronous read is given up after this long (the pool's watchdog replaces a stuck thread sooner) */
const SYNC_WAIT_MS = 10 * 60_000;

/**
 * The range of a file's last TAIL bytes past its head, when its head (a 206) is not the whole file.
 * A head the server sent whole (200, Range ignored) has none: reading the end of such a file costs
 * the file, and its size (Content-Length) stays the server's word (docs/http.md, what it leaves out).
 */
function tailAsk(path: string, head: Fetched): RangeAsk | undefined {
  if (head.error !== undefined || head.size === undefined || head.ignored) return undefined;
  const have = head.body.byteLength;
  if (head.size <= have) return undefined;
  return { path, start: Math.max(have, head.size - TAIL), end: head.size - 1, rangeOnly: true };
}

/**
 * The reason of a file whose size or Last-Modified differs between two answers, with both (a test on a
 * loaded machine saw this once on a file nothing wrote: the figures say which differed, and how).
 */
function changed(head: Fetched, now: Fetched): string {
  const what = [
    ...(now.size !== head.size ? [`size ${head.size ?? '?'}, then ${now.size ?? '?'}`] : []),
    ...(now.mtimeMs !== head.mtimeMs ? [`Last-Modified ${head.mtimeMs}, then ${now.mtimeMs} ms`] : []),
  ];
  return `the file changed on the server while it was read (${what.join('; ')})`;
}

export class RemoteFiles {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  private readonly shared: Float64Array;
  private readonly rootUrl: URL;
  private readonly rootPath: Buffer;
  private readonly heads = new Map<string, Fetched>();
  /** the last TAIL bytes of the prefetched heads' files that are longer than their heads */
  private readonly tails = new Map<string, Fetched>();
  private readonly waiting = new Map<number, (all: Fetched[]) => void>();
  private nextId = 1;
  /** the stats as last handed on (taken() gives what was added since) */
  private last = noStats();
  /** the requests made since last handed on (when they are kept: a case file) */
  private requests: RequestEntry[] = [];

  constructor(root: string, opts: Omit<ClientOptions, 'log'>, keepRequests = false, beat?: SharedArrayBuffer) {
    this.rootUrl = new URL(root);
    this.rootPath = decodePath(this.rootUrl.pathname);
    const data: FetcherData = {
      origin: this.rootUrl.origin,
      ...opts,
      ...(keepRequests ? { log: true } : {}),
      ctl: new SharedArrayBuffer(12),
      data: new SharedArrayBuffer(META_MAX + SYNC_MAX),
      stats: new SharedArrayBuffer(8 * 5),
      ...(beat ? { beat } : {}),
    };
    this.ctl = new Int32Array(data.ctl);
    this.data = new Uint8Array(data.data);
    this.shared = new Float64Array(data.stats);
    this.worker = new Worker(new URL('./fetcher.js', import.meta.url), { workerData: { fetcher: data } });
    this.worker.on('message', (m: { id: number; all: Fetched[]; log?: RequestEntry[] }) => {
      if (m.log) for (const e of m.log) this.requests.push(e);
      const done = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      done?.(m.all);
    });
    this.worker.unref();
  }

  /** Fetch the heads of a batch's files (rels: their paths' bytes below the root), all at once. */
  async prefetch(rels: Buffer[]): Promise<void> {
    if (!rels.length) return;
    const asks: RangeAsk[] = rels.map((rel) => ({
      path: pathOf(this.rootUrl, rel),
      start: 0,
      end: WHOLE_FILE_MAX - 1,
    }));
    this.worker.ref();
    try {
      const all = await this.batch(asks);
      // then the tails of those longer than their heads, the batch's all at once (one request each,
      // in flight together, rather than one at a time as each file is probed)
      const long = all.flatMap((h, i) => {
        const ask = tailAsk(asks[i]!.path, h);
        return ask ? [{ i, ask }] : [];
      });
      const tails = await this.batch(long.map((l) => l.ask));
      for (let i = 0; i < rels.length; i++) this.heads.set(rels[i]!.toString('latin1'), all[i]!);
      long.forEach((l, j) => this.tails.set(rels[l.i]!.toString('latin1'), tails[j]!));
    } finally {
      this.worker.unref();
    }
  }

  /** Ranges fetched all at once by the fetch thread. */
  private async batch(asks: RangeAsk[]): Promise<Fetched[]> {
    if (!asks.length) return [];
    const id = this.nextId++;
    return new Promise<Fetched[]>((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, asks });
    });
  }

  /** One range, synchronously (the calling thread waits for the fetch thread). */
  private fetchSync(ask: RangeAsk): Fetched {
    Atomics.store(this.ctl, 0, 0);
    this.worker.postMessage({ sync: ask });
    if (Atomics.wait(this.ctl, 0, 0, SYNC_WAIT_MS) === 'timed-out')
      return { start: 0, mtimeMs: 0, body: new Uint8Array(0), error: 'no answer from the fetch thread' };
    const meta = JSON.parse(Buffer.from(this.data.subarray(0, this.ctl[1])).toString()) as Fetched;
    meta.body = Buffer.from(this.data.slice(META_MAX, META_MAX + this.ctl[2]!));
    // (its tries come without their path: it is this ask's)
    // (a GET held open on a server that ignores Range comes with its own, made when it was closed)
    for (const e of meta.log ?? []) this.requests.push([e[0], e[1] || ask.path, ...e.slice(2)] as RequestEntry);
    return meta;
  }

  /** What reading the file at rel finds: its head (prefetched, or fetched now) through the probes. */
  async facts(rel: Buffer, name: string, fileMs: number): Promise<FileFacts> {
    const key = rel.toString('latin1');
    const path = pathOf(this.rootUrl, rel);
    const head = this.heads.get(key) ?? this.fetchSync({ path, start: 0, end: WHOLE_FILE_MAX - 1 });
    this.heads.delete(key);
    const prefetched = this.tails.get(key);
    this.tails.delete(key);
    const ino = inodeOf(Buffer.concat([this.rootPath, rel]));
    if (head.error !== undefined || head.size === undefined)
      return probeFetched({ error: head.error ?? 'no size' }, name);
    const size = head.size;
    // (a head given as a range: every later read must be one too, never the whole file from its start)
    const rangeOnly = !head.ignored;
    /** why a range could not be had as asked (the first such): the file is then a gap, not content */
    let failed: string | undefined;
    const check = (f: Fetched, at: number): Buffer => {
      let why: string | undefined;
      if (f.error !== undefined) why = `reading at ${at} over HTTP: ${f.error}`;
      // (its size or Last-Modified now other than the head's: the server is still writing it)
      else if (f.size !== size || (f.mtimeMs && head.mtimeMs && f.mtimeMs !== head.mtimeMs)) why = changed(head, f);
      else if (f.start !== at) why = `the server answered another range (from ${f.start}, not ${at})`;
      if (why !== undefined) {
        failed ??= why;
        throw new Error(why);
      }
      return Buffer.from(f.body.buffer, f.body.byteOffset, f.body.byteLength);
    };
    /** what is at hand: the head, its file's last bytes, then the last window read */
    const first = Buffer.from(head.body.buffer, head.body.byteOffset, head.body.byteLength);
    const windows = [{ at: 0, buf: first }];
    const tailWanted = tailAsk(path, head);
    let sizeUnchecked: string | undefined;
    if (tailWanted) {
      try {
        windows.push({ at: tailWanted.start, buf: check(prefetched ?? this.fetchSync(tailWanted), tailWanted.start) });
      } catch (e) {
        sizeUnchecked = (e as Error).message;
        failed = undefined; // (a gap only where the file holds audio, below)
      }
    }
    let window = windows[0]!;
    const read = (position: number, length: number): Buffer => {
      const end = Math.min(size, position + length);
      if (end <= position) return Buffer.alloc(0);
      for (const w of [...windows, window])
        if (position >= w.at && end <= w.at + w.buf.length)
          return Buffer.from(w.buf.subarray(position - w.at, end - w.at));
      const last = Math.min(size, position + Math.max(length, READ_AHEAD)) - 1;
      const parts: Buffer[] = [];
      for (let at = position; at <= last; at += SYNC_MAX) {
        // (a server that ignores Range: read through one GET held open, not from byte 0 each time)
        const f = this.fetchSync({
          path,
          start: at,
          end: Math.min(last, at + SYNC_MAX - 1),
          rangeOnly,
          ...(head.ignored ? { sequential: true } : {}),
        });
        const got = check(f, at);
        parts.push(got);
        if (got.byteLength < Math.min(last, at + SYNC_MAX - 1) - at + 1) break;
      }
      window = { at: position, buf: Buffer.concat(parts) };
      return Buffer.from(window.buf.subarray(0, end - position));
    };
    let facts: FileFacts;
    try {
      facts = await probeFetched(
        { size, head: first, mtimeMs: head.mtimeMs, dev: 0, ino, lastModified: head.mtimeMs > 0, read },
        name,
        fileMs,
      );
    } catch (e) {
      // (the GET held open for a server that ignores Range, if any, closed: it holds a connection)
      if (head.ignored) this.fetchSync({ path, start: 0, end: -1, sequential: true, close: true });
      throw e;
    }
    // A read that failed (500 or 503 after the retries, 403, 416, a reset), or a file that changed
    // between reads, leaves its content unknown: the file is a gap of its row, as a local file that
    // cannot be opened or read is (unopened), not content that does not parse. Filed as `header not
    // readable`, a 1-hour MP3 whose read past its head got a 503 gave a row "complete", 0 h, exit 0
    // (attack round 25b C6). The same for a size not borne out by the file's last bytes, unless what
    // the head shows is not audio (its size is then no one's hours).
    // A server that ignores Range sent the head as the start of a whole file, and its size is its
    // Content-Length, a claim: a file whose head shows audio is read to its end (its bytes counted,
    // not kept) and the count must be that size. Reading the whole file costs what the server sends
    // anyway when asked for a range; before, the claim was believed (100 GB claimed, 24 KiB sent:
    // 12,500,000 s counted, 3.06 s decoded).
    if (head.ignored && size > first.length && facts.probe.kind !== 'other' && failed === undefined) {
      // (read on from where the reads left the GET held open, when they did: the file's bytes once)
      const whole = this.fetchSync({ path, start: 0, end: TAIL - 1, drain: true, sequential: true });
      if (whole.error !== undefined) sizeUnchecked = `reading the whole file over HTTP: ${whole.error}`;
      else if (whole.size !== size || (whole.mtimeMs && head.mtimeMs && whole.mtimeMs !== head.mtimeMs))
        sizeUnchecked = changed(head, whole);
    } else if (head.ignored) this.fetchSync({ path, start: 0, end: -1, sequential: true, close: true });
    const gap = failed ?? (facts.probe.kind === 'other' ? undefined : sizeUnchecked);
    if (gap === undefined) return facts;
    return {
      // (its size and time as unknown as its content: a resumed scan reads it again)
      bytes: sizeUnchecked === undefined ? size : 0,
      mtimeMs: 0,
      dev: 0,
      ino,
      probe: { kind: facts.probe.kind === 'other' ? 'other' : 'unreadable', error: gap, unopened: true },
    };
  }

  /** The requests made since the last call (kept only with keepRequests). */
  takenRequests(): RequestEntry[] | undefined {
    if (!this.requests.length) return undefined;
    const r = this.requests;
    this.requests = [];
    return r;
  }

  /** What this thread's requests cost since the last call. */
  taken(): HttpStats | undefined {
    const s = this.shared;
    const now: HttpStats = { requests: s[0]!, bytes: s[1]!, rangeIgnored: s[2]!, dropped: s[3]!, retries: s[4]! };
    const d: HttpStats = {
      requests: now.requests - this.last.requests,
      bytes: now.bytes - this.last.bytes,
      rangeIgnored: now.rangeIgnored - this.last.rangeIgnored,
      dropped: now.dropped - this.last.dropped,
      retries: now.retries - this.last.retries,
    };
    this.last = now;
    // (bytes may come without a request: one counted at its start by an earlier call, still arriving
    // then, as a batch's heads asked for ahead are; dropping such a delta lost them from the method)
    return d.requests || d.bytes || d.rangeIgnored || d.dropped || d.retries ? d : undefined;
  }

  close(): void {
    void this.worker.terminate();
  }
}
