/**
 * Statements (--statements <dir>): one self-contained HTML page per row (a controller, or a key the
 * register does not know), for the processor to send each controller what was found of theirs
 * (Art. 33(2)), and two pages for the processor only: index.html (every row) and method.html (the full
 * method). Printable on A4; no scripts, no external files. The pages are rendered in statement/
 * (React's server renderer: every name is escaped by default); this file names and writes them.
 *
 * File names are made safe on every OS (safeFileName).
 */
import type { ScanResult } from '../../scan/engine.js';
import type { Method } from '../notify/method.js';
import type { NotifyReport } from '../notify/notify.js';

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
const MAX_BYTES = 120;

/**
 * A file name (without extension) that is safe on Linux, macOS and Windows: no path separators or
 * characters Windows forbids (<>:"/\|?*), no control characters, no leading dot or trailing dot/space,
 * not a reserved device name (CON, NUL, COM1, … with any extension), at most 120 UTF-8 bytes (255 is
 * the limit; the rest is headroom for a suffix and .html), and unique ignoring case and Unicode
 * normalisation (macOS and Windows folders are case-insensitive). `used` holds the names taken so far
 * (lower-cased, NFC).
 */
export function safeFileName(label: string, used: Set<string>): string {
  let s = label
    .normalize('NFC')
    // bidi controls and zero-width characters (names.ts's list) are removed: ok\u202Egnp.exe would
    // show as okexe.png in a file manager, and an invisible character makes two names look alike
    .replace(/[\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"/\\|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    // a leading dot hides the file; a leading dash makes it an option to `rm *`, `cp *` (round 22 L4)
    .replace(/^[.-]+/, '_')
    .replace(/[. ]+$/, '');
  if (!s) s = '_';
  // bytes, not UTF-16 units: cut on a code point boundary, in one pass (a code point at a time off the
  // end, copying the name each time, took 4.5 s for one 30,000-letter name: attack round 26b M2)
  if (Buffer.byteLength(s) > MAX_BYTES) {
    let bytes = 0;
    let end = 0;
    for (const ch of s) {
      const b = Buffer.byteLength(ch);
      if (bytes + b > MAX_BYTES) break;
      bytes += b;
      end += ch.length;
    }
    s = s.slice(0, end);
  }
  s = s.replace(/[. ]+$/, '') || '_';
  if (RESERVED.test(s.split('.')[0]!)) s = `_${s}`;
  // the next number to try for this name: from where the last one like it stopped, not from 2 each
  // time (20,000 names equal but for case took 29.8 s)
  let next = nextNumber.get(used);
  if (!next) nextNumber.set(used, (next = new Map<string, number>()));
  const base = s.toLowerCase();
  let name = s;
  let i = next.get(base) ?? 2;
  if (used.has(base)) {
    while (used.has(`${base}-${i}`)) i++;
    name = `${s}-${i}`;
    next.set(base, i + 1);
  }
  used.add(name.toLowerCase());
  return name;
}

/** per set of names used: the number each name's next copy tries first (safeFileName) */
const nextNumber = new WeakMap<Set<string>, Map<string, number>>();

/** The file name of each row's page, in row order (index.html and method.html are never one of them). */
function statementFileNames(report: NotifyReport): string[] {
  const used = new Set(['index', 'method']);
  const names: string[] = [];
  for (const r of report.eachRow())
    names.push(`${safeFileName(r.kind === 'controller' ? r.controller : r.label, used)}.html`);
  return names;
}

/** A page of the set: its file name and its text (index.html's in pieces). */
type StatementPage = readonly [name: string, text: string | Iterable<string>];

/** The statements folder's files: every name first (for its index), then each page as it is made. */
export interface StatementSet {
  /** the rows' pages in row order, then method.html, then index.html */
  readonly names: readonly string[];
  /** the pages in that order, each rendered when it is taken and not kept */
  pages(): Iterable<StatementPage>;
}

/**
 * Every page, method.html and the index, index.html last: what the statements folder receives
 * (statements-folder.ts writes them, in this order). A page is rendered when the writer takes it, so
 * a million controllers' pages (~9 KB each) are never held together; the rows are made afresh for
 * each pass (report.eachRow), not kept.
 */
export async function statementSet(report: NotifyReport, result: ScanResult, m: Method): Promise<StatementSet> {
  // loaded here: a run without --statements never loads React's server renderer; and after NODE_ENV
  // is set, as the UI does (tui/load.ts): React's development build took 18 ms a statement, not ~1
  process.env.NODE_ENV ??= 'production';
  const { indexHtmlPieces, methodHtml, statementHtml } = await import('./statement/render.js');
  const rowNames = statementFileNames(report);
  return {
    names: [...rowNames, 'method.html', 'index.html'],
    *pages() {
      let i = 0;
      for (const r of report.eachRow()) yield [rowNames[i++]!, statementHtml(r, report, result, m)];
      yield ['method.html', methodHtml(report, result, m)];
      yield ['index.html', indexHtmlPieces(report, result, report.eachRow(), rowNames)];
    },
  };
}
