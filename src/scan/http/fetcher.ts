/**
 * A reader thread's fetch thread: the HTTP requests of one reader thread (remote.ts), made here so
 * that the reader's probes, which read synchronously, can wait for a byte range (Atomics.wait) while
 * this thread's event loop does the request. Asked by message; a batch's heads are answered by
 * message, a synchronous read through the shared buffers (SyncBuffers). What the requests cost is
 * kept in a shared Float64Array the reader thread reads (remote.ts statsOf).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { contentRange, header, HttpClient, httpDate, statusReason, type Got, type Streamed } from './client.js';
import {
  HttpError,
  META_MAX,
  SYNC_MAX,
  type FetcherData,
  type Fetched,
  type RangeAsk,
  type RequestEntry,
} from './common.js';

/** One range over HTTP, as a Fetched: never throws. */
export async function fetchRange(
  client: HttpClient,
  ask: RangeAsk,
  urgent = false,
  log?: (entry: RequestEntry) => void,
): Promise<Fetched> {
  let got: Got;
  try {
    // (urgent: a probe waits for it; it goes before the heads of batches asked for ahead)
    const want = ask.rangeOnly ? ask.end - ask.start + 1 : ask.end + 1;
    got = await client.get(ask.path, want, `bytes=${ask.start}-${ask.end}`, urgent, log, ask.drain);
  } catch (e) {
    return { start: 0, mtimeMs: 0, body: new Uint8Array(0), error: e instanceof HttpError ? e.message : String(e) };
  }
  // (only an HTTP date: a value of another form leaves the file undated, as a missing header does)
  const mtimeMs = httpDate(header(got.headers, 'last-modified') ?? '') ?? 0;
  const failed = (error: string): Fetched => ({ start: 0, mtimeMs, body: new Uint8Array(0), error });
  // bytes of a compressed form are not the file's bytes, nor its Range the file's range: a server
  // that compresses though asked not to is not decoded (a gzip bomb costs nothing)
  if (got.encoding && (got.status === 200 || got.status === 206))
    return failed(`sent ${got.encoding}-encoded, though asked for identity: not decoded`);
  if (got.status === 206) {
    const cr = contentRange(got.headers);
    if (cr?.size === undefined) return failed('HTTP 206 without the size in Content-Range');
    if (cr.start !== ask.start) return failed(`the server answered another range (from ${cr.start}, not ${ask.start})`);
    // The range's bytes, all of them: what came must be the range asked for, clipped at the size the
    // server claims, and its Content-Range must say at least that much (a server may send more: what
    // was asked is read, the rest cut off). A head shorter than that (100 bytes under a Content-Range
    // of 16 KiB) left the readers a size and a head that disagree, and a fixed-rate reader counts
    // from the size.
    const end = Math.min(ask.end, cr.size - 1);
    const said = cr.end ?? -1;
    if (said < end || said >= cr.size || (got.cut && said === end) || got.body.length !== end - ask.start + 1)
      return failed(
        `the server sent ${got.cut ? 'more than ' : ''}${got.body.length} bytes for bytes ${ask.start}-${end} of ${cr.size}` +
          ` (its Content-Range: ${ask.start}-${cr.end ?? '?'})`,
      );
    return { size: cr.size, start: cr.start, mtimeMs, body: got.body };
  }
  if (got.status === 416) {
    // a range past the end: an empty file (bytes */0), or a file shorter than the start asked
    const cr = contentRange(got.headers);
    if (cr?.size === undefined) return failed('HTTP 416');
    // (a range that starts inside the size the server itself gives: the size is not the file's)
    if (ask.start < cr.size) return failed(`HTTP 416 for a range inside the ${cr.size} bytes it says the file has`);
    return { size: cr.size, start: cr.size, mtimeMs, body: new Uint8Array(0) };
  }
  if (ask.drain) {
    // the whole body of a server that ignores Range, counted against the size it claims: a claim of
    // 100 GB over 24 KiB counted 12,500,000 s (attack round 25b C3's last case, the fix-http helper's)
    if (got.status !== 200) return failed(`the server ignored Range for the file's head, then answered ${got.status}`);
    const length = Number(header(got.headers, 'content-length'));
    if (!Number.isFinite(length) || header(got.headers, 'content-length') === undefined)
      return failed('the server ignores Range and gives no size');
    if (got.received !== length)
      return failed(`the server ignores Range and sent ${got.received} of the ${length} bytes its Content-Length says`);
    return { size: length, start: 0, mtimeMs, body: got.body, ignored: true };
  }
  if (got.status === 200) {
    if (ask.rangeOnly)
      return failed('the server answered this range with the whole file, though it gave its head as a range');
    // the whole file, from its first byte: only as far as asked was read
    const length = Number(header(got.headers, 'content-length'));
    const size = Number.isFinite(length) && header(got.headers, 'content-length') !== undefined ? length : undefined;
    if (size === undefined && got.cut) return failed('the server ignores Range and gives no size');
    return {
      size: size ?? got.body.length,
      start: ask.start,
      mtimeMs,
      body: got.body.subarray(Math.min(ask.start, got.body.length)),
      ignored: true,
    };
  }
  return failed(statusReason(got));
}

/** A file's GET held open on a server that ignores Range: where its body is, and what of it is at hand. */
interface Open {
  path: string;
  s: Streamed;
  /** the file's offset of the first byte not yet handed out (of `left`, else of the next chunk) */
  pos: number;
  /** bytes received and not yet handed out, from pos */
  left?: Buffer;
  /** the last range handed out (it ends at pos): a read that steps back into it (a frame cut at its end) */
  back?: { at: number; buf: Buffer };
  /** its Content-Length, and Last-Modified (ms, 0: none) */
  size: number;
  mtimeMs: number;
}

/**
 * One range of a file on a server that ignores Range, read from the GET held open for that file
 * (`held`) when the range is at or past where its body is, else from a new GET (the one held closed).
 * A file read forward, as a frame-by-frame walk reads it, then costs its bytes once, and what is held
 * is one chunk and the range asked for (at most SYNC_MAX): each read of 1 MiB past the head was a GET
 * from byte 0, so a 57.6 MB MP3 without Xing took 59 requests and 1,673,232,189 bytes (29×), a
 * 14.4 MB one 124.6 MB (8.7×; attack round 26b H3). With `drain`, the rest of the body is read and
 * counted against its Content-Length (remote.ts: a size only claimed is not a size).
 */
export async function sequentially(
  client: HttpClient,
  held: { open?: Open },
  ask: RangeAsk,
  log?: (entry: RequestEntry) => void,
): Promise<Fetched> {
  let o = held.open;
  if (ask.close) {
    o?.s.close();
    held.open = undefined;
    return { start: 0, mtimeMs: 0, body: new Uint8Array(0) };
  }
  const fail = (error: string, mtimeMs = 0): Fetched => {
    held.open?.s.close();
    held.open = undefined;
    return { start: 0, mtimeMs, body: new Uint8Array(0), error };
  };
  const from = ask.drain ? 0 : ask.start;
  // (held for this file, and at or before where this read starts, or the read within the last range)
  const onward = o?.path === ask.path && (ask.drain || o.pos <= from || from >= (o.back?.at ?? Infinity));
  if (!o || !onward) {
    o?.s.close();
    held.open = undefined;
    let s: Streamed;
    try {
      s = await client.stream(ask.path, `bytes=${ask.start}-${ask.end}`, true, log);
    } catch (e) {
      return fail(e instanceof HttpError ? e.message : String(e));
    }
    const mtimeMs = httpDate(header(s.headers, 'last-modified') ?? '') ?? 0;
    const length = header(s.headers, 'content-length');
    if (s.status !== 200) {
      s.close();
      // (a server that answered this file's head with the whole file, and this range otherwise)
      return fail(`the server ignored Range for the file's head, then answered ${s.status}`, mtimeMs);
    }
    if (s.encoding) {
      s.close();
      return fail(`sent ${s.encoding}-encoded, though asked for identity: not decoded`, mtimeMs);
    }
    if (length === undefined || !/^\d+$/.test(length.trim())) {
      s.close();
      return fail('the server ignores Range and gives no size', mtimeMs);
    }
    o = held.open = { path: ask.path, s, pos: 0, size: Number(length), mtimeMs };
  }
  const open = o;
  /** the next bytes of the body (undefined: its end) */
  const chunk = async (): Promise<Buffer | undefined> => {
    if (open.left) {
      const b = open.left;
      delete open.left;
      return b;
    }
    return open.s.next();
  };
  try {
    if (ask.drain) {
      // the rest counted, not kept: the whole body's bytes against the size it claims
      let received = open.pos + (open.left?.length ?? 0);
      delete open.left;
      for (let b = await open.s.next(); b; b = await open.s.next()) received += b.length;
      const size = open.size;
      const mtimeMs = open.mtimeMs;
      open.s.close();
      held.open = undefined;
      if (received !== size)
        return {
          start: 0,
          mtimeMs,
          body: new Uint8Array(0),
          error: `the server ignores Range and sent ${received} of the ${size} bytes its Content-Length says`,
        };
      return { size, start: 0, mtimeMs, body: new Uint8Array(0), ignored: true };
    }
    const end = Math.min(ask.end, open.size - 1, ask.start + SYNC_MAX - 1);
    const parts: Buffer[] = [];
    /** the next byte of the range not yet had */
    let want = ask.start;
    // a read that steps back into the last range handed out (a frame cut at that range's end: a walk
    // reads on from the frame's start) is had from it, then from the body where it is
    if (open.back && want >= open.back.at && want < open.pos) {
      const b = open.back.buf.subarray(want - open.back.at, Math.min(open.back.buf.length, end + 1 - open.back.at));
      parts.push(b);
      want += b.length;
    }
    while (open.pos <= end) {
      const b = await chunk();
      if (!b) break;
      const at = open.pos;
      open.pos += b.length;
      if (open.pos <= want) continue;
      const lo = Math.max(0, want - at);
      const hi = Math.min(b.length, end + 1 - at);
      parts.push(b.subarray(lo, hi));
      if (hi < b.length) {
        // (what is past the range stays for the next read)
        open.left = b.subarray(hi);
        open.pos = at + hi;
      }
    }
    const body = Buffer.concat(parts);
    open.back = { at: ask.start, buf: body };
    return { size: open.size, start: ask.start, mtimeMs: open.mtimeMs, body, ignored: true };
  } catch (e) {
    return fail(e instanceof HttpError ? e.message : String(e), open.mtimeMs);
  }
}

/** the thread itself (started by remote.ts with FetcherData) */
if (parentPort && (workerData as { fetcher?: FetcherData } | undefined)?.fetcher) {
  const d = (workerData as { fetcher: FetcherData }).fetcher;
  const port = parentPort;
  // an answer's bytes arriving: the reader thread, waiting on them, is slow, not stuck
  const beat = d.beat ? new Float64Array(d.beat) : undefined;
  const client = new HttpClient(d.origin, {
    ...(beat
      ? {
          progress: (): void => {
            beat[0] = performance.timeOrigin + performance.now();
          },
        }
      : {}),
    connections: d.connections,
    timeoutMs: d.timeoutMs,
    ...(d.ca ? { ca: d.ca } : {}),
    ...(d.rate ? { rate: d.rate } : {}),
    ...(d.slots ? { slots: d.slots } : {}),
  });
  const ctl = new Int32Array(d.ctl);
  const data = new Uint8Array(d.data);
  const stats = new Float64Array(d.stats);
  /** the GET held open on a server that ignores Range (sequentially) */
  const held: { open?: Open } = {};
  const streamLog: RequestEntry[] = [];
  const keep = (): void => {
    const s = client.stats;
    [stats[0], stats[1], stats[2], stats[3], stats[4]] = [s.requests, s.bytes, s.rangeIgnored, s.dropped, s.retries];
  };
  port.on('message', (m: { id?: number; asks?: RangeAsk[]; sync?: RangeAsk }) => {
    if (m.sync) {
      // (its tries kept without their path, which the reader thread knows: the answer's meta is small)
      const tries: RequestEntry[] = [];
      const log = d.log
        ? (e: RequestEntry): void => void tries.push([e[0], '', ...e.slice(2)] as RequestEntry)
        : undefined;
      const ask = m.sync;
      // (a held GET's entry is made when it is closed, under another ask: kept with its own path)
      const own = d.log ? (e: RequestEntry): void => void streamLog.push(e) : undefined;
      void (ask.sequential ? sequentially(client, held, ask, own) : fetchRange(client, ask, true, log)).then((f) => {
        keep();
        tries.push(...streamLog.splice(0));
        const body = f.body.subarray(0, SYNC_MAX);
        const meta = Buffer.from(JSON.stringify({ ...f, body: undefined, ...(tries.length ? { log: tries } : {}) }));
        data.set(meta.subarray(0, META_MAX), 0);
        data.set(body, META_MAX);
        ctl[1] = Math.min(meta.length, META_MAX);
        ctl[2] = body.length;
        Atomics.store(ctl, 0, 1);
        Atomics.notify(ctl, 0);
      });
      return;
    }
    const asks = m.asks ?? [];
    const tries: RequestEntry[] = [];
    const log = d.log ? (e: RequestEntry): void => void tries.push(e) : undefined;
    void Promise.all(asks.map((a) => fetchRange(client, a, false, log))).then((all) => {
      keep();
      port.postMessage({ id: m.id, all, ...(tries.length ? { log: tries } : {}) });
    });
  });
}
