/**
 * The walk of a tree on a web server: the same findings as the walk of a folder (walk/walk.ts: files,
 * folders, unreadable folders, to the same WalkSink), from the server's folder listings (listing.ts).
 * A few listings are fetched at a time (the walk's share of --connections); a folder is listed once
 * (by its path's bytes), never above the root, never on another host. What it cost the server is
 * added to `stats`.
 */
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { inShard, shardKey } from '../place/shard.js';
import { keyName } from '../place/names.js';
import { CHANGED, type AtimeKeeping, type WalkOptions, type WalkSink } from '../walk/walk.js';
import { HttpClient, header, httpDate, statusReason, type Got } from './client.js';
import { addStats, HttpError, type HttpStats, type RequestEntry } from './common.js';
import { parseListing, type ListedEntry, type ListingCheck } from './listing.js';
import { pathOf } from './url.js';

/** a listing longer than this is not read (a hostile or endless one): its folder is unreadable */
const MAX_LISTING_BYTES = 64 << 20;
/** folders deeper than this are not listed (server-side links can nest a folder in itself for ever) */
const MAX_DEPTH = 128;

export interface HttpWalkOptions {
  /** listings asked for at once (each on a connection of its own) */
  connections: number;
  /** the scan's shared connection slots (slots.ts) and the walk's client number */
  slots?: { buffer: SharedArrayBuffer; client: number };
  /** told of every request (a case file keeps them) */
  log?: (entry: RequestEntry) => void;
  timeoutMs: number;
  ca?: string;
  /** the walk's part of --rate (requests a second) */
  rate?: number;
  /** what the walk's requests cost, added to as they are made */
  stats: HttpStats;
}

interface Pending {
  /** the folder's path bytes below the root ('' the root), as a latin1 string */
  text: string;
  depth: number;
  /** the folders above it, nearest first, with what their listings held (a loop's evidence) */
  above?: Listed;
  /** its modification time as its parent's listing gave it (nginx's JSON and XML only) */
  folderMs?: number;
}

/** A folder listed: its path and its entries' fingerprint (names and kinds, in order of name). */
interface Listed {
  text: string;
  print: string;
  above?: Listed;
}

/**
 * The fingerprint of a folder's entries: the same for the same names and kinds, in any order; with
 * `sizes`, the same sizes and times too where the listing gives them exactly (nginx's JSON and XML).
 */
function fingerprint(entries: ListedEntry[], sizes = false): string {
  const h = createHash('sha256');
  const sorted = entries.map((e) =>
    Buffer.concat([
      e.name,
      Buffer.from(
        e.dir ? '/\0' : e.special ? '|\0' : sizes && e.listed ? `\0${e.listed.size}:${e.listed.mtimeMs}\0` : '\0',
      ),
    ]),
  );
  sorted.sort((a, b) => Buffer.compare(a, b));
  for (const b of sorted) h.update(b);
  return h.digest('base64');
}

/**
 * A listing's body decoded, when the server compressed it though asked not to: gzip, deflate or br,
 * up to MAX_LISTING_BYTES once decoded (a gzip bomb stops there). Throws a reason.
 */
function decoded(got: Got): Buffer {
  const encoding = got.encoding;
  if (encoding === undefined) return got.body;
  const opts = { maxOutputLength: MAX_LISTING_BYTES };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(got.body, opts);
    if (encoding === 'deflate') return inflateSync(got.body, opts);
    if (encoding === 'br') return brotliDecompressSync(got.body, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw folderError(`listing longer than 64 MiB once ${encoding}-decoded; not read`, 'listing too long');
    throw folderError(`listing sent ${encoding}-encoded, not decodable: ${(e as Error).message}`, 'listing');
  }
  throw folderError(`listing sent ${encoding}-encoded (identity asked for); not decoded`, 'listing');
}

const folderError = (message: string, code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

/**
 * The reason of a folder that could not be listed again at the end of the walk (relist): its files
 * as first listed are counted, but a move in or out during the scan cannot be ruled out.
 */
export const NOT_RELISTED =
  'not listed again at the end of the scan: its files as listed are counted; one moved in or out during the scan cannot be ruled out';

/**
 * The index pages the supported servers serve in place of a folder's listing by default (nginx's
 * `index`, Apache's DirectoryIndex, lighttpd's index-file.names, Caddy's and Python's): the page
 * answered for a folder that holds one is that file, whatever it looks like (walk.ts servedIndex).
 * Other names a server is configured with are not asked for: the method says what listings show.
 */
const INDEX_NAMES = ['index.html', 'index.htm'];

/** what the server answered with a listing's status and form (C5) */
export const NOT_A_LISTING =
  'the server answered with a page that is not a listing of the folder (an index.html?): what it holds is not known';

/**
 * Why a folder's content is not known from its listing (check: what parseListing found), or undefined
 * when it is: a page that is not a listing, links to another origin (a proxy's back end), or a name
 * longer than any file system allows (listing.ts nameTooLong).
 */
/**
 * A listing answered with a Last-Modified or an ETag is a file the server holds, not a listing it made
 * of the folder now: none of the supported servers' listings carries either (nginx, Apache, lighttpd,
 * Caddy, Python, checked), every one of them sends both or one with a file. A listing saved by `wget
 * -m` as the folder's index.html passed as the folder's listing, the files beside it never seen: a
 * recording in beta/ "complete", 0 files, "Not affected", exit 0 (attack round 27 C2).
 */
const SAVED_PAGE =
  "the server answered with a file of its own (a Last-Modified or ETag, which no server's listing of a folder carries: a saved listing, an index.html), not its listing of the folder now: what it holds is not known";

/** Whether an answer to a folder's URL is a file the server holds (SAVED_PAGE). */
const savedPage = (headers: Parameters<typeof header>[0]): boolean =>
  header(headers, 'last-modified') !== undefined || header(headers, 'etag') !== undefined;

function unknownContent(check: ListingCheck): NodeJS.ErrnoException | undefined {
  if (check.saved) return folderError(SAVED_PAGE, NOT_A_LISTING);
  if (!check.listing) return folderError(NOT_A_LISTING, NOT_A_LISTING);
  if (check.offOrigin)
    return folderError(
      `its listing links ${check.offOrigin} entries at another host or scheme (a listing behind a proxy?), not read there: what it holds is not known`,
      'listing links entries at another host',
    );
  if (check.tooLong !== undefined)
    return folderError(
      `its listing names an entry of ${check.tooLong} bytes, longer than any file system allows: not a file's name; the folder not read`,
      'a name longer than any file system allows',
    );
  return undefined;
}

/**
 * Walk the tree at root (an http(s) URL ending in '/'). Access times are the server's business:
 * nothing here moves one that a local walk would keep, so the keeping is reported as whole.
 */
export async function httpWalk(
  root: string,
  sink: WalkSink,
  opts: WalkOptions,
  http: HttpWalkOptions,
): Promise<AtimeKeeping> {
  const rootUrl = new URL(root);
  const client = new HttpClient(rootUrl.origin, {
    connections: http.connections,
    timeoutMs: http.timeoutMs,
    ...(http.ca ? { ca: http.ca } : {}),
    ...(http.rate ? { rate: http.rate } : {}),
    ...(http.slots ? { slots: http.slots } : {}),
    ...(http.log ? { log: http.log } : {}),
  });
  const stack: Pending[] = [{ text: '', depth: 0 }];
  const seen = new Set<string>(['']);
  const every = opts.yieldEvery ?? 256;
  let sinceYield = 0;
  let active = 0;
  let fatal: Error | undefined;
  const wakers: (() => void)[] = [];
  const wake = (): void => {
    for (const w of wakers.splice(0)) w();
  };
  const waitForRoom = async (): Promise<void> => {
    for (let p = opts.pause(); p; p = opts.pause()) {
      await p;
      if (opts.aborted()) return;
    }
  };
  const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
  /** every folder listed, with its entries' fingerprint (sizes included): what the end listed again */
  const listedFolders: { text: string; print: string; folderMs?: number }[] = [];
  /**
   * when the walk started, by the server's clock (its Date header on the first listing, whole
   * seconds): a folder whose time a listing gives as later (a second on at least) changed during the scan
   */
  let startMs: number | undefined;

  /**
   * Why an HTML page answered for a folder may be a file of the folder rather than the server's
   * listing of it, or undefined: the folder holds an index page (INDEX_NAMES), or whether it does
   * cannot be told. Every supported server serves a folder's index.html in place of its listing; the
   * page is then that file — a listing saved by `wget -m` looks like the server's own. The Last-Modified and
   * ETag that tell a file (SAVED_PAGE) are dropped by nginx's ssi and sub_filter (their defaults):
   * beta's saved `Index of /beta/` passed as its listing, its recording never seen, Beta AB "not
   * affected", exit 0 (attack round 28b C1). One small Range request for each name, at once; an
   * answer other than 404 or 410, or none, is a gap too (whether the page is the folder's listing is
   * then not known).
   */
  const servedIndex = async (url: string): Promise<NodeJS.ErrnoException | undefined> => {
    // asked whether or not the page lists them: a saved listing names what the folder held when it was
    // saved, an index.html among it (attack round 29b C1). Only "not found" says there is none: a
    // redirect, 401, 403 or 5xx for it says nothing of whether the folder's page is that file (29b C2)
    const answers = await Promise.all(
      INDEX_NAMES.map(async (name) => {
        try {
          const got = await client.get(url + name, 1, 'bytes=0-0');
          if (got.status === 404 || got.status === 410) return undefined;
          return got.status === 200 || got.status === 206 ? name : `? HTTP ${got.status} for ${name}`;
        } catch (e) {
          if (e instanceof HttpError && e.code === 'TLS') throw e;
          return `? ${(e as Error).message}`;
        }
      }),
    );
    const found = answers.find((a) => a !== undefined);
    if (found === undefined) return undefined;
    return found.startsWith('? ')
      ? folderError(
          `whether the folder holds an index page served in place of its listing could not be checked (${found.slice(2)}): what it holds is not known`,
          NOT_A_LISTING,
        )
      : folderError(
          `the server serves ${found} in this folder: the page answered for the folder may be that file (a saved listing), not the server's listing of it; what it holds is not known`,
          NOT_A_LISTING,
        );
  };

  const list = async (folder: Pending): Promise<void> => {
    const url = pathOf(rootUrl, folder.text.length ? folder.text + '/' : '');
    let got;
    try {
      got = await client.get(url, MAX_LISTING_BYTES);
    } catch (e) {
      if (e instanceof HttpError && e.code === 'TLS') throw e;
      sink.error(bytes(folder.text), folderError((e as Error).message, (e as HttpError).code || 'error'));
      return;
    }
    startMs ??= httpDate(header(got.headers, 'date') ?? '') ?? Math.floor(Date.now() / 1000) * 1000;
    if (got.status !== 200) {
      sink.error(bytes(folder.text), folderError(statusReason(got), `HTTP ${got.status}`));
      return;
    }
    if (got.cut) {
      sink.error(bytes(folder.text), folderError('listing longer than 64 MiB; not read', 'listing too long'));
      return;
    }
    let entries;
    const check: ListingCheck = { listing: false, offOrigin: 0, saved: savedPage(got.headers) };
    try {
      entries = parseListing(decoded(got), header(got.headers, 'content-type'), new URL(url, rootUrl), check);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      sink.error(bytes(folder.text), err.code ? err : folderError(`listing not readable: ${err.message}`, 'listing'));
      return;
    }
    const unknown = unknownContent(check) ?? (check.html ? await servedIndex(url) : undefined);
    if (unknown) {
      sink.error(bytes(folder.text), unknown);
      return;
    }
    // A folder listing the same entries as a folder above it is a server-side link back up (Apache
    // with FollowSymLinks, a web root linked into itself): its files are that folder's files again,
    // and two such links would be walked 2^depth times. Not read, and said; a listing without
    // subfolders cannot go round, so only one with subfolders is taken for a loop.
    const print = fingerprint(entries);
    if (entries.some((e) => e.dir))
      for (let a = folder.above; a; a = a.above)
        if (a.print === print) {
          const where = a.text.length ? `${Buffer.from(a.text, 'latin1').toString()}/` : 'the root';
          sink.error(
            bytes(folder.text),
            folderError(`lists the same entries as ${where} (a link back up?); not read again`, 'loop'),
          );
          return;
        }
    const here: Listed = { text: folder.text, print, ...(folder.above ? { above: folder.above } : {}) };
    listedFolders.push({
      text: folder.text,
      print: fingerprint(entries, true),
      ...(folder.folderMs === undefined ? {} : { folderMs: folder.folderMs }),
    });
    for (const e of entries) {
      if (opts.aborted()) return;
      const name = e.name.toString('latin1');
      const child = folder.text.length ? folder.text + '/' + name : name;
      if (e.dir) {
        if (seen.has(child)) continue;
        seen.add(child);
        const depth = folder.depth + 1;
        if (opts.shard?.depth === depth && !inShard(opts.shard, shardKey('customer', keyName(e.name)))) continue;
        if (depth > MAX_DEPTH) {
          sink.error(bytes(child), folderError(`deeper than ${MAX_DEPTH} folders; not listed`, 'too deep'));
          continue;
        }
        if (opts.dirsAt === undefined || opts.dirsAt === depth) sink.dir(bytes(child), depth);
        stack.push({ text: child, depth, above: here, ...(e.folderMs === undefined ? {} : { folderMs: e.folderMs }) });
        continue;
      }
      if (e.special) sink.special(bytes(child));
      else sink.file(child, false, e.listed);
      if (++sinceYield >= every) {
        sinceYield = 0;
        await waitForRoom();
      }
    }
    sink.listed?.();
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.aborted() || fatal !== undefined) return;
      const folder = stack.pop();
      if (!folder) {
        if (active === 0) return;
        await new Promise<void>((r) => wakers.push(r));
        continue;
      }
      active++;
      try {
        await list(folder);
      } catch (e) {
        fatal ??= e instanceof Error ? e : new Error(String(e));
      } finally {
        active--;
        wake();
      }
    }
  };
  /**
   * Every folder listed is listed again once the walk has ended, and a folder whose listing differs
   * (names, kinds, and sizes and times where the listing gives them) is a gap of its row, as the walk
   * of a folder on this machine makes one whose stamp or ctime moved (walk/walk.ts changedSince, with
   * the same reason, CHANGED): the files its first listing gave are counted, but it held others
   * during the scan. A recorder filing a recording on a live server moved it from a folder not yet
   * listed into one already listed, where no listing had it: 60 s in z/ moved to a/, z "complete",
   * 0 files, "Not affected", exit 0 (attack round 26b C6). A folder that cannot be listed again is a
   * gap too (a move cannot be ruled out). One request a folder, as many at once as the walk's.
   */
  const relist = async (): Promise<void> => {
    const byText = new Map(listedFolders.map((f) => [f.text, f]));
    /** the folders made gaps here (a folder is said once: by its own listing or by its parent's) */
    const said = new Set<string>();
    const gap = (text: string, why: NodeJS.ErrnoException): void => {
      if (said.has(text)) return;
      said.add(text);
      sink.error(bytes(text), why);
    };
    let next = 0;
    const again = async (): Promise<void> => {
      while (next < listedFolders.length) {
        if (opts.aborted()) return;
        const f = listedFolders[next++]!;
        const url = pathOf(rootUrl, f.text.length ? f.text + '/' : '');
        let entries: ListedEntry[] | undefined;
        try {
          const got = await client.get(url, MAX_LISTING_BYTES);
          if (got.status !== 200) gap(f.text, folderError(`listed again: ${statusReason(got)}`, NOT_RELISTED));
          else if (got.cut) gap(f.text, folderError('listed again: longer than 64 MiB', NOT_RELISTED));
          else {
            const check: ListingCheck = { listing: false, offOrigin: 0, saved: savedPage(got.headers) };
            entries = parseListing(decoded(got), header(got.headers, 'content-type'), new URL(url, rootUrl), check);
            if (unknownContent(check)) gap(f.text, folderError('listed again: not a listing now', CHANGED));
            else if (fingerprint(entries, true) !== f.print)
              gap(f.text, folderError('its listing at the end of the walk differs from its first', CHANGED));
          }
        } catch (e) {
          if (e instanceof HttpError && e.code === 'TLS') throw e;
          gap(f.text, folderError(`listed again: ${(e as Error).message}`, NOT_RELISTED));
        }
        // A folder's own time, where its parent's listing gives it (nginx's JSON and XML), tells what
        // names alone cannot: a folder a file left before its first listing (C6's z/, listed empty
        // twice) has a time from after the walk started, as the walk of a folder on this machine
        // tells by its ctime. Compared with the first listing's too (a clock behind the server's).
        for (const e of entries ?? []) {
          if (!e.dir || e.folderMs === undefined) continue;
          const child = f.text.length ? f.text + '/' + e.name.toString('latin1') : e.name.toString('latin1');
          const first = byText.get(child);
          if (!first) continue;
          if (e.folderMs > (startMs ?? Infinity) || (first.folderMs !== undefined && first.folderMs !== e.folderMs))
            gap(child, folderError('its time, as its parent lists it, is from after the scan started', CHANGED));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, http.connections) }, again));
    // A folder that changed held files its first listing did not show, and they came from somewhere:
    // where the listings give every folder's time (nginx's JSON and XML) the folder they left is a gap
    // above; where they give names alone, any folder may have lost them, one listed empty twice (C6's
    // z/) as well, and its controller was "not affected". The tree's root is then a gap, which every
    // row is incomplete by, as a folder above the customers that could not be read.
    const untimed = listedFolders.some((f) => f.text.length && f.folderMs === undefined);
    if (untimed && [...said].some((t) => t.length) && !said.has(''))
      sink.error(
        bytes(''),
        folderError(
          "a folder's listing changed during the scan, and the server's listings give no folder times: the files it gained may have left any folder",
          CHANGED,
        ),
      );
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, http.connections) }, worker));
    if (fatal === undefined && !opts.aborted()) await relist();
  } finally {
    addStats(http.stats, client.stats);
    await client.close();
  }
  if (fatal !== undefined) throw fatal;
  return { folders: true, filesRefused: 0 };
}
