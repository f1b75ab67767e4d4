/**
 * A reader thread's fetch thread: the HTTP requests of one reader thread (remote.ts), made here so
 * that the reader's probes, which read synchronously, can wait for a byte range (Atomics.wait) while
 * this thread's event loop does the request. Asked by message; a batch's heads are answered by
 * message, a synchronous read through the shared buffers (SyncBuffers). What the requests cost is
 * kept in a shared Float64Array the reader thread reads (remote.ts statsOf).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { contentRange, header, HttpClient, httpDate, statusReason, type Got } from './client.js';
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
      void fetchRange(client, m.sync, true, log).then((f) => {
        keep();
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
