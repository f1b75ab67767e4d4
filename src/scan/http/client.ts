/**
 * The one HTTP client of a scan of a web server (undici: a keep-alive Client per connection, each on
 * a slot of the scan's shared connections, slots.ts): connections bounded for the whole scan, a
 * timeout per request, retries with backoff for transient failures (429 and 503 after their
 * Retry-After), bodies read only as far as wanted (a server that ignores Range is cut off there, its
 * connection dropped, and counted), and what it cost the server counted (HttpStats). The walk has one
 * on the calling thread, each reader thread one on its fetch thread (fetcher.ts).
 */
import { rootCertificates } from 'node:tls';
import { Client, errors } from 'undici';
import { HttpError, noStats, type HttpStats, type RequestEntry } from './common.js';
import { Slots, slotsBuffer } from './slots.js';
import { authorization } from './url.js';

/** A response, its body read as far as wanted. */
export interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** the body went on past what was wanted and was cut off */
  cut: boolean;
  /** the body's bytes received in all (with drain: read to its end, only `want` of them kept) */
  received: number;
  /**
   * the Content-Encoding the server used anyway (identity is asked for), lower case: `body` is as
   * sent, not decoded (undefined: none, or identity)
   */
  encoding?: string;
}

/**
 * A response whose body is read as the caller asks for it (HttpClient.stream): one GET of a file from
 * a server that ignores Range, read through once instead of from its first byte at every read.
 */
export interface Streamed {
  status: number;
  headers: Got['headers'];
  /** as Got.encoding */
  encoding?: string;
  /** the body's next chunk; undefined at its end. Throws an HttpError (reset, timeout, too slow) */
  next(): Promise<Buffer | undefined>;
  /** the body's bytes received so far */
  received: number;
  /** done with it: the rest of the body is not read (the connection dropped), its connection given back */
  close(): void;
}

/** The codes Node's TLS gives a certificate it does not trust. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
]);

/** failures worth another try: the connection went, or the server said "later" */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
/**
 * A body that comes slower than LOW_SPEED_BYTES a second over LOW_SPEED_MS is given up (as curl's
 * --speed-limit and --speed-time): the timeout between two chunks alone lets a server that drips a
 * byte every 29 s hold a request, and its thread, for ever. Not tried again.
 */
const LOW_SPEED_BYTES = 1024;
const LOW_SPEED_MS = 30_000;
const ATTEMPTS = 4;
const BACKOFF_MS = 250;
/** a Retry-After longer than this is not waited for: the request fails with the status */
const MAX_RETRY_AFTER_MS = 120_000;

export interface ClientOptions {
  /** connections at most: without `slots`, this client's own; with them, their number is the bound */
  connections: number;
  /** the scan's shared connection slots (slots.ts) and this client's number among them */
  slots?: { buffer: SharedArrayBuffer; client: number };
  timeoutMs: number;
  /** certificates (PEM) trusted besides Node's own roots (--ca) */
  ca?: string;
  /** requests a second this client sends at most (its part of --rate); retries included */
  rate?: number;
  /** told of every request made, retries included (a case file keeps them) */
  log?: (entry: RequestEntry) => void;
  /**
   * told as each answer's head and each chunk of its body arrive: this client's reads are slow but
   * moving (the reader thread's beat, read/pool.ts's watchdog)
   */
  progress?: () => void;
}

/** The wait a Retry-After asks for (seconds or an HTTP date), in ms; undefined when it says nothing usable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = httpDate(v);
  return at !== undefined ? Math.max(0, at - now) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MON = `(${MONTHS.join('|')})`;
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
/** RFC 9110 §5.6.7's IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d\\d) ${MON} (\\d{4}) ${TIME} GMT$`);
/** the obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d\\d)-${MON}-(\\d\\d) ${TIME} GMT$`);
/** the obsolete asctime form: `Sun Nov  6 08:49:37 1994` */
const ASCTIME = new RegExp(`^${DAY} ${MON} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * An HTTP date (Last-Modified, Retry-After) in ms since 1970, or undefined when the value is none of
 * the three forms RFC 9110 §5.6.7 has a recipient accept. Not Date.parse: V8's parser takes nearly
 * anything and makes a date of it (attack round 25b L1: `Sat, 01 Jan 0000 00:00:00 GMT` gave
 * 2000-01-01, `-1` 2001-01-01, an offset of `+2400` was applied), so a server's odd value dated its
 * files, and past retention, instead of leaving them undated as a missing header does.
 */
export function httpDate(value: string, now = Date.now()): number | undefined {
  const v = value.trim();
  let f: { day: string; mon: string; year: number; h: string; mi: string; s: string };
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(v))) f = { day: m[1]!, mon: m[2]!, year: Number(m[3]), h: m[4]!, mi: m[5]!, s: m[6]! };
  else if ((m = RFC850.exec(v))) {
    // a two-digit year more than 50 years ahead is the most recent past year with those digits (§5.6.7)
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    f = { day: m[1]!, mon: m[2]!, year, h: m[4]!, mi: m[5]!, s: m[6]! };
  } else if ((m = ASCTIME.exec(v))) f = { mon: m[1]!, day: m[2]!, h: m[3]!, mi: m[4]!, s: m[5]!, year: Number(m[6]) };
  else return undefined;
  const [day, month, h, mi, s] = [Number(f.day.trim()), MONTHS.indexOf(f.mon), Number(f.h), Number(f.mi), Number(f.s)];
  // (a day, hour, minute or second out of range would roll over in Date: not a date, as 31 Feb is not)
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(f.year, month, day); // (not Date.UTC, which takes years 0-99 for 1900-1999)
  d.setUTCHours(h, mi, s, 0);
  return d.getUTCDate() === day && d.getUTCMonth() === month ? d.getTime() : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** a connection held idle this long is closed and its slot given back (the home slot's excepted) */
const IDLE_MS = 100;

/** One connection: an undici Client (keep-alive, one request at a time) on a slot this client holds. */
interface Lane {
  slot: number;
  client: Client;
  idle?: NodeJS.Timeout;
}

export class HttpClient {
  readonly stats: HttpStats = noStats();
  /**
   * Every request's headers: identity bodies, and the credentials of LEAKTALLY_HTTP_AUTH when set
   * (read here, in each thread's client, so that they never travel in the scan's config, which
   * outputs describe; the command line checked the variable's form before the scan)
   */
  private readonly headers: Record<string, string>;
  /** --rate: the time between two requests' starts (ms), and when the next may start */
  private readonly gapMs: number;
  private nextAt = 0;
  private readonly slots: Slots;
  private readonly connect: () => Client;
  /** connections held and not in use */
  private readonly free: Lane[] = [];
  /** requests waiting for a connection: a probe's read (urgent) before the heads asked for ahead */
  private readonly urgent: ((lane: Lane) => void)[] = [];
  private readonly later: ((lane: Lane) => void)[] = [];
  private watching = false;
  private closed = false;
  private readonly log?: (entry: RequestEntry) => void;
  private readonly progress?: () => void;

  constructor(
    readonly origin: string,
    opts: ClientOptions,
  ) {
    this.gapMs = opts.rate ? 1000 / opts.rate : 0;
    if (opts.log) this.log = opts.log;
    if (opts.progress) this.progress = opts.progress;
    const auth = authorization();
    this.headers = { 'accept-encoding': 'identity', ...(typeof auth === 'string' ? { authorization: auth } : {}) };
    this.slots = opts.slots
      ? new Slots(opts.slots.buffer, opts.slots.client)
      : new Slots(slotsBuffer(opts.connections, 1), 0);
    this.connect = () =>
      new Client(origin, {
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        // --ca adds to the roots Node trusts, it does not replace them; the check itself is never skipped
        connect: { timeout: opts.timeoutMs, ...(opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}) },
      });
    const home = this.slots.home;
    if (home !== undefined) this.free.push({ slot: home, client: this.connect() });
  }

  /** A connection to send on: one held and free, a slot taken now, or the first one given back. */
  private lane(urgent: boolean): Promise<Lane> | Lane {
    const held = this.free.pop();
    if (held) {
      clearTimeout(held.idle);
      return held;
    }
    const slot = this.slots.tryTake();
    if (slot >= 0) return { slot, client: this.connect() };
    return new Promise<Lane>((resolve) => {
      (urgent ? this.urgent : this.later).push(resolve);
      void this.watch();
    });
  }

  /** While requests wait, take slots as other clients give them back. */
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      while (!this.closed && (this.urgent.length || this.later.length)) {
        const version = this.slots.version;
        const slot = this.slots.tryTake();
        if (slot >= 0) this.done({ slot, client: this.connect() });
        else await this.slots.changed(version, 1000);
      }
    } finally {
      this.watching = false;
    }
  }

  /** A connection done with: to the next request waiting, else kept a while, then closed and its slot given back. */
  private done(lane: Lane): void {
    const next = this.urgent.shift() ?? this.later.shift();
    if (next) {
      next(lane);
      return;
    }
    if (this.closed) {
      void lane.client.close().finally(() => this.slots.release(lane.slot));
      return;
    }
    this.free.push(lane);
    if (lane.slot === this.slots.home) return;
    lane.idle = setTimeout(() => {
      const i = this.free.indexOf(lane);
      if (i < 0) return;
      this.free.splice(i, 1);
      void lane.client.close().finally(() => this.slots.release(lane.slot));
    }, IDLE_MS);
    lane.idle.unref();
  }

  /**
   * GET path (already encoded), with `range` as a Range header's value when given; the body read up
   * to `want` bytes (the rest cut off, the connection dropped). Transient failures are tried again.
   */
  async get(
    path: string,
    want: number,
    range?: string,
    urgent = false,
    /** told of this request's tries (instead of the client's log) */
    log = this.log,
    /** a 200's whole body read, only `want` bytes of it kept (Got.received: how many came) */
    drain = false,
  ): Promise<Got> {
    for (let attempt = 1; ; attempt++) {
      let got: Got | undefined;
      let failure: unknown;
      try {
        got = await this.once(path, want, range, urgent, log, drain);
      } catch (e) {
        failure = e;
      }
      if (got) {
        const wait = this.retryAfterStatus(got.status, got.headers, attempt);
        if (wait === undefined) return got;
        await sleep(wait);
        continue;
      }
      await sleep(this.retryAfterFailure(failure, attempt));
    }
  }

  /**
   * An answer of `status` (get() and stream() alike): the retry counted and the wait before it, or
   * undefined when it is not tried again (not a transient status, the last attempt, a Retry-After
   * longer than MAX_RETRY_AFTER_MS).
   */
  private retryAfterStatus(status: number, headers: Got['headers'], attempt: number): number | undefined {
    if (!TRANSIENT_STATUS.has(status) || attempt >= ATTEMPTS) return undefined;
    let wait = BACKOFF_MS * 2 ** (attempt - 1);
    if (status === 429 || status === 503) {
      const asked = retryAfterMs(headers['retry-after']);
      if (asked !== undefined) {
        if (asked > MAX_RETRY_AFTER_MS) return undefined;
        wait = Math.max(wait, asked);
      }
    }
    this.stats.retries++;
    return wait;
  }

  /**
   * A request that failed before its answer (get() and stream() alike): an HttpError thrown when the
   * failure is not worth another try (an untrusted certificate, a failure that is not transient, the
   * last attempt), else the retry counted and the wait before it.
   */
  private retryAfterFailure(failure: unknown, attempt: number): number {
    const code = (failure as NodeJS.ErrnoException).code ?? '';
    if (TLS_CODES.has(code))
      throw new HttpError(
        `TLS: ${this.origin}'s certificate is not trusted (${code}); the check is never skipped (a private CA: --ca FILE)`,
        'TLS',
      );
    if (!TRANSIENT_CODES.has(code) || attempt >= ATTEMPTS) throw new HttpError(describe(failure), code || 'error');
    this.stats.retries++;
    return BACKOFF_MS * 2 ** (attempt - 1);
  }

  /** Wait for this request's turn under --rate (turns handed out in the order asked: no burst). */
  private async turn(): Promise<void> {
    if (!this.gapMs) return;
    const now = performance.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.gapMs;
    if (at > now) await sleep(at - now);
  }

  private async once(
    path: string,
    want: number,
    range: string | undefined,
    urgent: boolean,
    log: ((entry: RequestEntry) => void) | undefined,
    drain: boolean,
  ): Promise<Got> {
    await this.turn();
    const lane = await this.lane(urgent);
    const at = Date.now();
    const t0 = performance.now();
    /** this request's answer: its status once known, the body bytes received */
    const meter = { status: null as number | null, bytes: 0 };
    try {
      const got = await this.on(lane.client, path, want, range, meter, drain);
      log?.([at, path, range ?? null, got.status, meter.bytes, performance.now() - t0, null]);
      return got;
    } catch (e) {
      log?.([at, path, range ?? null, meter.status, meter.bytes, performance.now() - t0, describe(e)]);
      throw e;
    } finally {
      this.done(lane);
    }
  }

  private async on(
    client: Client,
    path: string,
    wanted: number,
    range: string | undefined,
    meter: { status: number | null; bytes: number },
    drain: boolean,
  ): Promise<Got> {
    this.stats.requests++;
    const res = await client.request({
      path,
      method: 'GET',
      headers: range ? { ...this.headers, range } : this.headers,
    });
    meter.status = res.statusCode;
    this.progress?.();
    // A 206's body is the range alone: no more than its length is read. `want` counts from the file's
    // first byte (what a 200 with the whole file needs), so a hostile 206 to a read near the end of a
    // file claimed to be 100 GB could push 100 GB before it was cut off.
    const asked = range === undefined ? null : /^bytes=(\d+)-(\d+)$/.exec(range);
    const want = res.statusCode === 206 && asked ? Math.min(wanted, Number(asked[2]) - Number(asked[1]) + 1) : wanted;
    const parts: Buffer[] = [];
    let have = 0;
    let cut = false;
    let slow = false;
    // a 200 to a Range asked to be drained: read to its end (the size it claims is checked by the
    // bytes it sends), `want` of them kept
    const draining = drain && res.statusCode === 200;
    let kept = 0;
    // the current window of the low-speed check: since when, and the bytes had at its start
    let windowAt = performance.now();
    let windowHad = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        this.stats.bytes += chunk.length;
        meter.bytes += chunk.length;
        have += chunk.length;
        this.progress?.();
        if (draining) {
          if (kept < want) {
            const part = chunk.subarray(0, want - kept);
            parts.push(part);
            kept += part.length;
          }
        } else {
          parts.push(chunk);
          if (have > want) {
            cut = true;
            break;
          }
        }
        // (a chunk comes at least every timeoutMs, or the body times out: the check runs that often)
        const now = performance.now();
        if (now - windowAt >= LOW_SPEED_MS) {
          if (((have - windowHad) * 1000) / (now - windowAt) < LOW_SPEED_BYTES) {
            slow = true;
            break;
          }
          windowAt = now;
          windowHad = have;
        }
      }
    } finally {
      // a body left unread would hold its connection: cut off, the connection is dropped
      if (cut || slow) res.body.destroy();
    }
    if (slow)
      throw new HttpError(
        `the server sent under ${LOW_SPEED_BYTES} bytes a second for ${LOW_SPEED_MS / 1000} s (${have} bytes in all): given up`,
        `under ${LOW_SPEED_BYTES / 1024} KiB/s for ${LOW_SPEED_MS / 1000} s`,
      );
    // a Range answered with more than it asked (the whole file): an empty or short file's whole body is not
    if (range && res.statusCode === 200 && (cut || Number(res.headers['content-length']) > want)) {
      this.stats.rangeIgnored++;
      if (cut) this.stats.dropped++;
    }
    const body = Buffer.concat(parts, draining ? kept : have);
    const encoding = header(res.headers, 'content-encoding')?.trim().toLowerCase();
    return {
      status: res.statusCode,
      headers: res.headers,
      body: cut ? body.subarray(0, want) : body,
      cut,
      received: have,
      ...(encoding && encoding !== 'identity' ? { encoding } : {}),
    };
  }

  /**
   * GET path with `range` (a server known to ignore it answers 200 with the whole file), its body
   * handed out a chunk at a time as the caller asks (Streamed.next), the connection held until
   * close(). Failures before the body are tried again as get()'s are; a failure in the body is the
   * caller's (an HttpError from next()). The low-speed check counts only the time spent waiting for
   * a chunk: the caller may take its time between two.
   */
  async stream(path: string, range: string, urgent = false, log = this.log): Promise<Streamed> {
    for (let attempt = 1; ; attempt++) {
      await this.turn();
      const lane = await this.lane(urgent);
      const at = Date.now();
      const t0 = performance.now();
      this.stats.requests++;
      let res;
      try {
        res = await lane.client.request({ path, method: 'GET', headers: { ...this.headers, range } });
      } catch (e) {
        this.done(lane);
        log?.([at, path, range, null, 0, performance.now() - t0, describe(e)]);
        await sleep(this.retryAfterFailure(e, attempt));
        continue;
      }
      this.progress?.();
      if (TRANSIENT_STATUS.has(res.statusCode) && attempt < ATTEMPTS) {
        res.body.destroy();
        this.done(lane);
        log?.([at, path, range, res.statusCode, 0, performance.now() - t0, null]);
        const wait = this.retryAfterStatus(res.statusCode, res.headers, attempt);
        if (wait === undefined) throw new HttpError(`HTTP ${res.statusCode}`, 'HTTP');
        await sleep(wait);
        continue;
      }
      const body = (res.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const stats = this.stats;
      const progress = this.progress;
      let closed = false;
      let ended = false;
      let failed: string | undefined;
      // the low-speed window: the time spent waiting for chunks in it, and the bytes they brought
      let waited = 0;
      let came = 0;
      const encoding = header(res.headers, 'content-encoding')?.trim().toLowerCase();
      const streamed: Streamed = {
        status: res.statusCode,
        headers: res.headers,
        ...(encoding && encoding !== 'identity' ? { encoding } : {}),
        received: 0,
        next: async () => {
          if (closed || ended) return undefined;
          const w0 = performance.now();
          let step;
          try {
            step = await body.next();
          } catch (e) {
            failed = describe(e);
            streamed.close();
            throw new HttpError(failed, (e as NodeJS.ErrnoException).code || 'error');
          }
          if (step.done) {
            ended = true;
            return undefined;
          }
          const chunk = step.value;
          stats.bytes += chunk.length;
          streamed.received += chunk.length;
          progress?.();
          waited += performance.now() - w0;
          came += chunk.length;
          if (waited >= LOW_SPEED_MS) {
            if ((came * 1000) / waited < LOW_SPEED_BYTES) {
              failed = `the server sent under ${LOW_SPEED_BYTES} bytes a second for ${LOW_SPEED_MS / 1000} s`;
              streamed.close();
              throw new HttpError(`${failed} (${streamed.received} bytes in all): given up`, 'slow');
            }
            [waited, came] = [0, 0];
          }
          return chunk;
        },
        close: () => {
          if (closed) return;
          closed = true;
          // (a body left unread would hold its connection: dropped, as get() drops a cut-off one)
          if (!ended) {
            res.body.destroy();
            if (res.statusCode === 200) stats.dropped++;
          }
          if (res.statusCode === 200) stats.rangeIgnored++;
          this.done(lane);
          log?.([at, path, range, res.statusCode, streamed.received, performance.now() - t0, failed ?? null]);
        },
      };
      return streamed;
    }
  }

  /** Close every connection and give back every slot (the home slot too: another client may use it now). */
  async close(): Promise<void> {
    this.closed = true;
    const lanes = this.free.splice(0);
    for (const l of lanes) clearTimeout(l.idle);
    await Promise.all(lanes.map((l) => l.client.close().finally(() => this.slots.release(l.slot))));
  }
}

function describe(e: unknown): string {
  if (e instanceof HttpError) return e.message;
  if (e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError)
    return 'the server did not answer in time';
  if (e instanceof errors.ConnectTimeoutError) return 'could not connect in time';
  const err = e as NodeJS.ErrnoException;
  // (a server that closes before the bytes its Content-Length promised, after every retry)
  if (err.code === 'UND_ERR_SOCKET') return `the connection closed mid-answer (${err.message})`;
  return err.code ? `${err.code}: ${err.message}` : String(e);
}

/** The Content-Range of a 206 or 416 response: its first byte and the file's size (undefined: not given). */
export function contentRange(h: Got['headers']): { start: number; end?: number; size?: number } | undefined {
  const v = h['content-range'];
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(String(Array.isArray(v) ? v[0] : (v ?? '')).trim());
  if (!m) return undefined;
  return {
    start: m[1] === undefined ? 0 : Number(m[1]),
    ...(m[2] === undefined ? {} : { end: Number(m[2]) }),
    size: m[3] === '*' ? undefined : Number(m[3]),
  };
}

/**
 * Why an answer other than the one wanted is not the content: its status, and where a redirect
 * pointed (redirects are never followed: another host, or a loop, is not the tree's).
 */
export function statusReason(got: Got): string {
  const where = header(got.headers, 'location');
  return `HTTP ${got.status}${where ? ` (to ${where}, not followed)` : ''}`;
}

/** A header's one value. */
export const header = (h: Got['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};
