/**
 * A web server's folder listing read into its entries: nginx autoindex (HTML, or JSON and XML with
 * `autoindex_format`), Apache mod_autoindex (fancy and plain), lighttpd mod_dirlisting and Python's
 * http.server all link each entry from the listing's own URL. HTML and XML are parsed with
 * htmlparser2 (never regular expressions over HTML); JSON with JSON.parse.
 *
 * Only a child of the listed folder is an entry: a link with a query (Apache's sort links,
 * `?C=N;O=D`), to another host, to the parent or anywhere above, or more than one level down is not.
 * A name is its bytes: the link's %XX escapes decoded as bytes (a name that is not UTF-8 stays as it
 * is on the server's disk). Bodies are decoded as latin1, one char per byte, so that a server that
 * writes names raw (nginx's JSON and XML) gives their bytes back too.
 */
import { Parser } from 'htmlparser2';
import { decodePath } from './url.js';

export interface ListedEntry {
  /** the name's bytes */
  name: Buffer;
  dir: boolean;
  /** a file's size and modification time (ms, whole seconds), where the listing gives both exactly */
  listed?: { size: number; mtimeMs: number };
}

/** a size and a time that a listing gave as they are (a whole number of bytes, a readable date) */
function exact(size: unknown, mtime: unknown): { size: number; mtimeMs: number } | undefined {
  const n = typeof size === 'number' ? size : typeof size === 'string' && /^\d+$/.test(size) ? Number(size) : NaN;
  const t = typeof mtime === 'string' ? Date.parse(mtime) : NaN;
  return Number.isSafeInteger(n) && n >= 0 && Number.isFinite(t) ? { size: n, mtimeMs: t } : undefined;
}

/** the listing format, from the Content-Type (what nginx's autoindex_format sets) */
function formatOf(contentType: string | undefined): 'json' | 'xml' | 'html' {
  const t = (contentType ?? '').toLowerCase();
  if (t.includes('json')) return 'json';
  if (t.includes('xml') && !t.includes('xhtml')) return 'xml';
  return 'html';
}

/**
 * The entries of the listing at folderUrl (its body and Content-Type). Entries are unique by name;
 * a folder linked both with and without its trailing slash is a folder.
 */
export function parseListing(body: Buffer, contentType: string | undefined, folderUrl: URL): ListedEntry[] {
  const format = formatOf(contentType);
  const text = body.toString('latin1');
  const byName = new Map<string, ListedEntry>();
  const add = (name: Buffer, dir: boolean, listed?: ListedEntry['listed']): void => {
    if (!name.length || name.includes(0x2f) || name.includes(0)) return;
    const s = name.toString('latin1');
    if (s === '.' || s === '..') return;
    const had = byName.get(s);
    if (!had) byName.set(s, { name, dir, ...(listed && !dir ? { listed } : {}) });
    else if (dir) {
      had.dir = true;
      delete had.listed;
    }
  };
  if (format === 'json') {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) throw new Error('a JSON listing that is not an array');
    for (const e of list as { name?: unknown; type?: unknown; size?: unknown; mtime?: unknown }[]) {
      if (typeof e.name !== 'string') continue;
      // (latin1 in, latin1 out: the name's bytes as the server wrote them)
      if (e.type === 'directory') add(Buffer.from(e.name, 'latin1'), true);
      else if (e.type === 'file') add(Buffer.from(e.name, 'latin1'), false, exact(e.size, e.mtime));
    }
    return [...byName.values()];
  }
  if (format === 'xml') {
    // nginx: <list><directory mtime="…">name</directory><file mtime="…" size="…">name</file></list>
    let open: 'directory' | 'file' | undefined;
    let name = '';
    let listed: ListedEntry['listed'];
    const parser = new Parser(
      {
        onopentag(tag, attrs) {
          if (tag === 'directory' || tag === 'file') [open, name, listed] = [tag, '', exact(attrs.size, attrs.mtime)];
        },
        ontext(t) {
          if (open) name += t;
        },
        onclosetag(tag) {
          if (open && tag === open) add(Buffer.from(name, 'latin1'), open === 'directory', listed);
          open = undefined;
        },
      },
      { xmlMode: true, decodeEntities: true },
    );
    parser.end(text);
    return [...byName.values()];
  }
  const base = decodePath(folderUrl.pathname);
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        if (tag !== 'a' || attrs.href === undefined) return;
        const child = childOf(attrs.href, folderUrl, base);
        if (child) add(child.name, child.dir);
      },
    },
    { decodeEntities: true },
  );
  parser.end(text);
  return [...byName.values()];
}

/** a link's bytes made a URL: bytes a server wrote raw (not ASCII, spaces) percent-encoded as they are */
function hrefText(href: string): string {
  let s = '';
  for (const ch of href.trim()) {
    const c = ch.charCodeAt(0);
    s += c > 0x20 && c < 0x7f ? ch : '%' + (c & 0xff).toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** The entry a link names when it is a child of the folder (base: the folder's path bytes, ending in '/'). */
function childOf(href: string, folderUrl: URL, base: Buffer): ListedEntry | undefined {
  let u: URL;
  try {
    u = new URL(hrefText(href), folderUrl);
  } catch {
    return undefined;
  }
  // a sort link (?C=N;O=D) or any other query, another host or scheme: not an entry
  if (u.search || u.origin !== folderUrl.origin) return undefined;
  const path = decodePath(u.pathname);
  if (path.length <= base.length || !path.subarray(0, base.length).equals(base)) return undefined;
  let rest = path.subarray(base.length);
  const dir = rest[rest.length - 1] === 0x2f;
  if (dir) rest = rest.subarray(0, rest.length - 1);
  // more than one level down (a link into a subfolder) is listed by that subfolder
  if (rest.includes(0x2f)) return undefined;
  return { name: rest, dir };
}
