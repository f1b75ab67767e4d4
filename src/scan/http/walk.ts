/**
 * The walk of a tree on a web server: the same findings as the walk of a folder (walk/walk.ts: files,
 * folders, unreadable folders, to the same WalkSink), from the server's folder listings (listing.ts).
 * A few listings are fetched at a time (the walk's share of --connections); a folder is listed once
 * (by its path's bytes), never above the root, never on another host. What it cost the server is
 * added to `stats`.
 */
import { inShard, shardKey } from '../place/shard.js';
import { keyName } from '../place/names.js';
import type { AtimeKeeping, WalkOptions, WalkSink } from '../walk/walk.js';
import { HttpClient, header } from './client.js';
import { addStats, HttpError, type HttpStats } from './common.js';
import { parseListing } from './listing.js';
import { pathOf } from './url.js';

/** a listing longer than this is not read (a hostile or endless one): its folder is unreadable */
const MAX_LISTING_BYTES = 64 << 20;
/** folders deeper than this are not listed (server-side links can nest a folder in itself for ever) */
const MAX_DEPTH = 128;

export interface HttpWalkOptions {
  connections: number;
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
}

const folderError = (message: string, code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

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
    if (got.status !== 200) {
      const where = header(got.headers, 'location');
      sink.error(
        bytes(folder.text),
        folderError(`HTTP ${got.status}${where ? ` (to ${where}, not followed)` : ''}`, `HTTP ${got.status}`),
      );
      return;
    }
    if (got.cut) {
      sink.error(bytes(folder.text), folderError('listing longer than 64 MiB; not read', 'listing too long'));
      return;
    }
    let entries;
    try {
      entries = parseListing(got.body, header(got.headers, 'content-type'), new URL(url, rootUrl));
    } catch (e) {
      sink.error(bytes(folder.text), folderError(`listing not readable: ${(e as Error).message}`, 'listing'));
      return;
    }
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
        stack.push({ text: child, depth });
        continue;
      }
      sink.file(child, false);
      if (++sinceYield >= every) {
        sinceYield = 0;
        await waitForRoom();
      }
    }
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
  try {
    await Promise.all(Array.from({ length: Math.max(1, http.connections) }, worker));
  } finally {
    addStats(http.stats, client.stats);
    await client.close();
  }
  if (fatal !== undefined) throw fatal;
  return { folders: true, filesRefused: 0 };
}
