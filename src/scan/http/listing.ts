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
 *
 * An HTML page is a listing only in a form those servers write it in (ListingCheck): nginx, Apache
 * (with a folder's index.html, or DirectoryIndex's, or Python's) serve a page in place of the listing,
 * and that page's links are not the folder's files. Taken for a listing, a folder holding an
 * index.html ("Forbidden", a web app's page: the usual way to "hide" a listing) was an empty folder:
 * 2 recordings downloadable in /acme/, its row "complete", 0 files, "Not affected" (attack round 26b C5).
 */
import { Parser } from 'htmlparser2';
import { decodePath } from './url.js';

export interface ListedEntry {
  /** the name's bytes */
  name: Buffer;
  dir: boolean;
  /** a file's size and modification time (ms, whole seconds), where the listing gives both exactly */
  listed?: { size: number; mtimeMs: number };
  /**
   * a folder's modification time (ms, whole seconds), where the listing gives it exactly (nginx's
   * JSON and XML): a folder a file left or entered has a new one (walk.ts, the end's second listing)
   */
  folderMs?: number;
  /**
   * neither a file nor a folder by the listing's word: nginx's JSON and XML say `other` of a FIFO, a
   * socket, a device or a symbolic link whose target is gone. Not a file to read, but not nothing
   * either: the walk gives it as a special file (a gap of its row), as a local walk does; dropped, a
   * folder holding only such entries was "complete", 0 files, exit 0 (attack round 27 M1)
   */
  special?: boolean;
}

/**
 * What a listing's page says of itself, filled in by parseListing: whether it is a listing at all,
 * and what of it could not be taken as the folder's entries. The walk makes the folder a gap of its
 * row when it is not a listing, or when entries are left out (walk.ts).
 */
export interface ListingCheck {
  /**
   * an HTML page in a form one of the supported servers writes its listing in: its title (or first
   * heading) `Index of /…` (nginx, Apache fancy and plain, lighttpd), `Directory listing for /…`
   * (Python's http.server), `HOST - /…` (IIS, its heading the same), or Caddy's browse page (its sort
   * links `?sort=name&order=…`). JSON and XML (nginx's autoindex_format, told by the Content-Type) are
   * listings by their form. Any other page (an index.html served in the listing's place) is not.
   */
  listing: boolean;
  /** the answer carried a Last-Modified or an ETag: a file the server holds, not a listing it made (walk.ts) */
  saved?: boolean;
  /**
   * links to another origin (host, port or scheme) that would be a child of the folder on this one: a
   * listing behind a proxy whose back end writes absolute links (`http://backend:8080/acme/c1.wav`).
   * Not read there (another host is not the tree's): the folder's content is then not known here.
   */
  offOrigin: number;
  /** an entry's name longer than any file system allows (nameTooLong), the first such, in bytes */
  tooLong?: number;
  /** the page is HTML (not nginx's JSON or XML): a file the server may serve in the listing's place */
  html?: boolean;
}

/**
 * A name longer than a file system's: over 255 bytes (Linux's NAME_MAX, ext4, XFS, ZFS), unless it is
 * UTF-8 of at most 255 UTF-16 code units (NTFS's limit, which IIS serves, and APFS's: up to 765
 * bytes of UTF-8). A listing has no such bound: a hostile server's 120,000-letter folder name cost
 * 68 s of CPU in the outputs (statement file names, look-alike forms; attack round 26b H5). Such a
 * name is no file's, and is refused before any later step pays for its length.
 */
function nameTooLong(name: Buffer): boolean {
  if (name.length <= 255) return false;
  if (name.length > 765) return true;
  const s = name.toString('utf8');
  return s.includes('\ufffd') || s.length > 255;
}

/** the title or heading forms of the supported servers' HTML listings (ListingCheck.listing) */
const LISTING_TITLE = [/^Index of \//, /^Directory listing for \//, /^[^\s/]+ - \//];

/** a size and a time that a listing gave as they are (a whole number of bytes, a readable date) */
function exact(size: unknown, mtime: unknown): { size: number; mtimeMs: number } | undefined {
  const n = typeof size === 'number' ? size : typeof size === 'string' && /^\d+$/.test(size) ? Number(size) : NaN;
  const t = typeof mtime === 'string' ? Date.parse(mtime) : NaN;
  return Number.isSafeInteger(n) && n >= 0 && Number.isFinite(t) ? { size: n, mtimeMs: t } : undefined;
}

/** a time a listing gave as a readable date, in ms (undefined: none) */
function exactTime(mtime: unknown): number | undefined {
  const t = typeof mtime === 'string' ? Date.parse(mtime) : NaN;
  return Number.isFinite(t) ? t : undefined;
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
export function parseListing(
  body: Buffer,
  contentType: string | undefined,
  folderUrl: URL,
  /** filled in: whether the page is a listing, and what of it was not taken (ListingCheck) */
  check: ListingCheck = { listing: false, offOrigin: 0 },
): ListedEntry[] {
  const format = formatOf(contentType);
  check.listing = format !== 'html';
  check.html = format === 'html';
  const text = body.toString('latin1');
  const byName = new Map<string, ListedEntry>();
  const add = (
    name: Buffer,
    dir: boolean,
    listed?: ListedEntry['listed'],
    folderMs?: number,
    special = false,
  ): void => {
    if (!name.length || name.includes(0x2f) || name.includes(0)) return;
    if (nameTooLong(name)) {
      check.tooLong ??= name.length;
      return;
    }
    const s = name.toString('latin1');
    if (s === '.' || s === '..') return;
    const had = byName.get(s);
    if (!had)
      byName.set(s, {
        name,
        dir,
        ...(listed && !dir ? { listed } : {}),
        ...(dir && folderMs !== undefined ? { folderMs } : {}),
        ...(special && !dir ? { special } : {}),
      });
    else if (dir) {
      had.dir = true;
      delete had.listed;
      delete had.folderMs;
      delete had.special;
    }
  };
  if (format === 'json') {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) throw new Error('a JSON listing that is not an array');
    for (const e of list as { name?: unknown; type?: unknown; size?: unknown; mtime?: unknown }[]) {
      if (typeof e.name !== 'string') continue;
      // (latin1 in, latin1 out: the name's bytes as the server wrote them)
      if (e.type === 'directory') add(Buffer.from(e.name, 'latin1'), true, undefined, exactTime(e.mtime));
      else if (e.type === 'file') add(Buffer.from(e.name, 'latin1'), false, exact(e.size, e.mtime));
      // 'other', or a kind this parser does not know: an entry, and not a file it can read
      else add(Buffer.from(e.name, 'latin1'), false, undefined, undefined, true);
    }
    return [...byName.values()];
  }
  if (format === 'xml') {
    // nginx: <list><directory mtime="…">name</directory><file mtime="…" size="…">name</file>
    // <other mtime="…">name</other></list>
    let open: 'directory' | 'file' | 'other' | undefined;
    let name = '';
    let listed: ListedEntry['listed'];
    let folderMs: number | undefined;
    const parser = new Parser(
      {
        onopentag(tag, attrs) {
          if (tag === 'directory' || tag === 'file' || tag === 'other')
            [open, name, listed, folderMs] = [tag, '', exact(attrs.size, attrs.mtime), exactTime(attrs.mtime)];
        },
        ontext(t) {
          if (open) name += t;
        },
        onclosetag(tag) {
          if (open && tag === open)
            add(Buffer.from(name, 'latin1'), open === 'directory', listed, folderMs, open === 'other');
          open = undefined;
        },
      },
      { xmlMode: true, decodeEntities: true },
    );
    parser.end(text);
    return [...byName.values()];
  }
  const base = decodePath(folderUrl.pathname);
  /** the text of the title, and of the first h1 or h2 (whitespace collapsed below); Caddy's sort link seen */
  const seen = {
    inside: undefined as 'title' | 'h' | undefined,
    title: '',
    heading: undefined as string | undefined,
    caddy: false,
  };
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        if (tag === 'title' && !seen.title) seen.inside = 'title';
        else if ((tag === 'h1' || tag === 'h2') && seen.heading === undefined) [seen.inside, seen.heading] = ['h', ''];
        if (tag !== 'a' || attrs.href === undefined) return;
        // Caddy's browse page: its column headings link `?sort=name&order=asc`
        if (attrs.href.startsWith('?sort=name&order=')) seen.caddy = true;
        const child = childOf(attrs.href, folderUrl, base);
        if (child === 'off origin') check.offOrigin++;
        else if (child) add(child.name, child.dir);
      },
      ontext(t) {
        // (bounded: a title is short; a hostile one is not kept past what a form needs)
        if (seen.inside === 'title' && seen.title.length < 4096) seen.title += t.slice(0, 4096);
        else if (seen.inside === 'h' && seen.heading !== undefined && seen.heading.length < 4096)
          seen.heading += t.slice(0, 4096);
      },
      onclosetag(tag) {
        if ((seen.inside === 'title' && tag === 'title') || (seen.inside === 'h' && (tag === 'h1' || tag === 'h2')))
          seen.inside = undefined;
      },
    },
    { decodeEntities: true },
  );
  parser.end(text);
  const said = [seen.title, seen.heading ?? ''].map((t) => t.replace(/\s+/g, ' ').trim());
  check.listing = seen.caddy || said.some((t) => LISTING_TITLE.some((form) => form.test(t)));
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

/**
 * The entry a link names when it is a child of the folder (base: the folder's path bytes, ending in
 * '/'); 'off origin' when it would be one but for its origin (another host, port or scheme).
 */
function childOf(href: string, folderUrl: URL, base: Buffer): ListedEntry | 'off origin' | undefined {
  let u: URL;
  try {
    u = new URL(hrefText(href), folderUrl);
  } catch {
    return undefined;
  }
  // a sort link (?C=N;O=D) or any other query: not an entry
  if (u.search) return undefined;
  const path = decodePath(u.pathname);
  if (path.length <= base.length || !path.subarray(0, base.length).equals(base)) return undefined;
  let rest = path.subarray(base.length);
  const dir = rest[rest.length - 1] === 0x2f;
  if (dir) rest = rest.subarray(0, rest.length - 1);
  // more than one level down (a link into a subfolder) is listed by that subfolder
  if (rest.includes(0x2f) || !rest.length) return undefined;
  // another host or scheme is not the tree's, and is not read; but a child's path there is what a
  // listing behind a proxy gives, and was dropped without a word (attack round 26b C5: /acme/'s two
  // recordings linked as http://backend:8080/acme/…, the folder "empty", its row complete)
  if (u.origin !== folderUrl.origin) return 'off origin';
  return { name: rest, dir };
}
