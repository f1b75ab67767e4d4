/**
 * A tree on a web server (`leaktally http://host/path/`): telling such a root from a folder, the URL
 * of a file from its path below the root (names kept as bytes, percent-encoded byte by byte), the
 * identity a case file keeps for it (no device, no inode: a hash of its URL path), and how the
 * connections allowed (--connections) are shared between the walk and the reader threads.
 */
import { createHash } from 'node:crypto';

/** Whether the scan's root is a web server's folder rather than a folder on this machine. */
export const isRemote = (root: string): boolean => /^https?:\/\//i.test(root);

/**
 * The environment variable holding credentials for the server: `user:password` (HTTP Basic) or
 * `Bearer TOKEN`. Never an option (a command line is seen by every user of the machine, and kept in
 * the case file's runs and the outputs' method); never written anywhere by leaktally.
 */
const AUTH_VARIABLE = 'LEAKTALLY_HTTP_AUTH';

/**
 * The Authorization header's value for the credentials in AUTH_VARIABLE, undefined when it is unset or
 * empty; a one-line problem when it is neither form (the value itself is never shown).
 */
export function authorization(value = process.env[AUTH_VARIABLE]): string | undefined | { problem: string } {
  if (!value) return undefined;
  if (/[\r\n\0]/.test(value)) return { problem: `${AUTH_VARIABLE} holds a line break or a NUL` };
  const bearer = /^Bearer +(\S+)$/i.exec(value);
  if (bearer) return `Bearer ${bearer[1]}`;
  if (!value.includes(':') || value.startsWith(':'))
    return { problem: `${AUTH_VARIABLE} is neither user:password nor "Bearer TOKEN"` };
  return `Basic ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/** connections to one server at most, by default (--connections) */
export const DEFAULT_CONNECTIONS = 8;
/** one request's time to its first byte, and between two chunks of its body, at most */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The root as the scan keeps it: http(s), no credentials, no query or fragment, the path ending in
 * '/' (a folder). A one-line reason when it cannot be one.
 */
export function remoteRoot(arg: string): string | { problem: string } {
  let u: URL;
  try {
    u = new URL(arg);
  } catch {
    return { problem: `not a URL: ${arg}` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { problem: `not an http(s) URL: ${arg}` };
  if (u.username || u.password)
    return {
      problem: `credentials in the URL are refused (they would end up in the outputs): give them in ${AUTH_VARIABLE}`,
    };
  if (u.search || u.hash) return { problem: 'give the folder URL without a query (?…) or fragment (#…)' };
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.href;
}

/** unreserved characters (RFC 3986) are sent as they are, every other byte as %XX */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** A path's bytes ('/'-separated) as a URL path: every byte but the unreserved and '/' percent-encoded. */
export function encodePath(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    s += b === 0x2f || (b < 0x80 && UNRESERVED.test(c)) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** A URL path's bytes with its %XX escapes decoded (a name that is not UTF-8 stays its bytes). */
export function decodePath(path: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(path.slice(i + 1, i + 3))) {
      out.push(parseInt(path.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else for (const b of Buffer.from(path[i]!, 'utf8')) out.push(b);
  }
  return Buffer.from(out);
}

/** The URL path (what a request names) of rel, the path's bytes below the root (a latin1 string or bytes). */
export function pathOf(root: URL, rel: Buffer | string): string {
  return root.pathname + encodePath(typeof rel === 'string' ? Buffer.from(rel, 'latin1') : rel);
}

/**
 * What a case file keeps as a file's inode when it has none (a file on a web server): 48 bits of the
 * SHA-1 of its URL path's bytes, stable from run to run; its device is 0 (docs/case.md).
 */
export function inodeOf(urlPathBytes: Buffer): number {
  return createHash('sha1').update(urlPathBytes).digest().readUIntBE(0, 6);
}

/**
 * How --connections is shared: the walk lists folders on a quarter of them (at least one), the
 * reader threads share the rest (each thread its own pool; no more threads than connections). At
 * most `connections` in all, or 2 when it is 1 (the walk and the readers each need one).
 */
/**
 * A client's part of --rate (requests a second for the whole scan): as its part of the connections,
 * so that the walk's and the readers' parts add up to at most the rate. Undefined: no bound.
 */
export function rateShare(
  http: { rate?: number; connections: number } | undefined,
  connections: number,
): { rate: number } | Record<string, never> {
  return http?.rate ? { rate: (http.rate * connections) / http.connections } : {};
}

export function connectionShares(
  connections: number,
  threads: number,
): { walk: number; threads: number; perThread: number } {
  const walk = Math.max(1, Math.floor(connections / 4));
  const readers = Math.max(1, connections - walk);
  const t = threads <= 0 ? 0 : Math.min(threads, readers);
  return { walk, threads: t, perThread: Math.max(1, Math.floor(readers / Math.max(1, t))) };
}
