/**
 * When did a call start? The first of: the pattern's {date:…}; a time stamp in the file name; a date in
 * the file's header; a yyyy/MM/dd folder path; the file's mtime less the call's length (a recorder
 * closes the file when the call ends). Naive times are wall-clock times in the --tz zone. A file on a web
 * server has no mtime of its own here: its Last-Modified stands in for it, named as its own source
 * (`last-modified`, `folder+last-modified`), since a server may give the time it last copied the file.
 */
import type { EmbeddedDate } from '../../probe/types.js';
import { offsetOf, validFields } from '../../probe/datestr.js';
import { dayKey, naiveToMs } from './zone.js';

export type DateSource =
  | 'pattern'
  | 'filename'
  | EmbeddedDate['source']
  | 'folder'
  | 'folder+mtime'
  | 'mtime'
  | 'folder+last-modified'
  | 'last-modified';

export interface Dated {
  ms: number;
  source: DateSource;
}

/** Instants before this or after this are not believed (mtime 0 after a bad copy, a clock reset). */
const MIN_MS = Date.UTC(1980, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);
const plausible = (ms: number): boolean => Number.isFinite(ms) && ms >= MIN_MS && ms < MAX_MS;

// Time stamps recorders put in names, most specific first. (?<!\d)/(?!\d) keep them out of longer numbers.
const NAME_RES: RegExp[] = [
  // ISO 8601 with colons, optional fraction and offset
  /(?<!\d)(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})?(?!\d)/g,
  // 2019-01-14_08-30-12 (also with a space or a T, and dots in the time)
  /(?<!\d)(\d{4})-(\d{2})-(\d{2})[_ T](\d{2})[-.](\d{2})[-.](\d{2})(?!\d)/g,
  // 20190114-083012, 20190114_083012, 20190114T083012
  /(?<!\d)(\d{4})(\d{2})(\d{2})[-_T](\d{2})(\d{2})(\d{2})(?!\d)/g,
  // 20190114083012
  /(?<!\d)(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?!\d)/g,
];
// Asterisk uniqueid: epoch seconds, a dot, a sequence number (1547451012.52)
const EPOCH_RE = /(?<![\d.])(\d{10})\.\d{1,6}(?![\d])/g;

export function dateFromName(name: string, zone: string): Dated | undefined {
  // exec over the shared /g expressions (matchAll would clone each one per call: one per file and pattern)
  let m: RegExpExecArray | null;
  for (const re of NAME_RES) {
    re.lastIndex = 0;
    while ((m = re.exec(name)) !== null) {
      const y = Number(m[1]),
        mo = Number(m[2]),
        d = Number(m[3]),
        h = Number(m[4]),
        mi = Number(m[5]),
        s = Number(m[6]);
      if (!validFields(y, mo, d, h, mi, s)) continue;
      let ms: number;
      if (m[7]) {
        // an offset out of range (-99:00, +05:75) makes the whole stamp doubtful: not a date at all
        const off = offsetOf(m[7]);
        if (off === undefined) continue;
        ms = Date.UTC(y, mo - 1, d, h, mi, s) - off * 60_000;
      } else ms = naiveToMs(zone, y, mo, d, h, mi, s);
      if (plausible(ms)) return { ms, source: 'filename' };
    }
  }
  EPOCH_RE.lastIndex = 0;
  while ((m = EPOCH_RE.exec(name)) !== null) {
    const ms = Number(m[1]) * 1000;
    if (ms >= Date.UTC(2000, 0, 1) && plausible(ms)) return { ms, source: 'filename' };
  }
  return undefined;
}

/** A date from the folders: …/2019/01/14/… or …/2019-01-14/… (the deepest one wins). */
export function dateFromFolders(dirs: readonly string[]): { y: number; mo: number; d: number } | undefined {
  for (let i = dirs.length - 1; i >= 0; i--) {
    if (!dirs[i]) continue; // (no date ends in an empty name: record.ts blanks those that cannot be one)
    const one = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dirs[i]!);
    if (one) {
      const [y, mo, d] = [Number(one[1]), Number(one[2]), Number(one[3])];
      if (validFields(y, mo, d)) return { y, mo, d };
    }
    if (i >= 2 && /^\d{2}$/.test(dirs[i]!) && /^\d{2}$/.test(dirs[i - 1]!) && /^\d{4}$/.test(dirs[i - 2]!)) {
      const [y, mo, d] = [Number(dirs[i - 2]), Number(dirs[i - 1]), Number(dirs[i])];
      if (validFields(y, mo, d)) return { y, mo, d };
    }
  }
  return undefined;
}

export interface DateInputs {
  zone: string;
  /** instant parsed from the pattern's {date:…}, if it captured one */
  patternMs?: number;
  name: string;
  /** folder names between the scan root and the file (asked for only when the folders are needed) */
  dirs: readonly string[] | (() => readonly string[]);
  embedded?: EmbeddedDate;
  mtimeMs: number;
  /** mtimeMs is a web server's Last-Modified (scan/http) */
  lastModified?: boolean;
  seconds?: number;
}

export function resolveStart(i: DateInputs): Dated | undefined {
  if (i.patternMs !== undefined && plausible(i.patternMs)) return { ms: i.patternMs, source: 'pattern' };
  const fromName = dateFromName(i.name, i.zone);
  if (fromName) return fromName;
  if (i.embedded) {
    const e = i.embedded;
    const ms = e.ms ?? (e.naive ? naiveToMs(i.zone, ...e.naive) : NaN);
    if (plausible(ms)) return { ms, source: e.source };
  }
  const fromMtime = i.mtimeMs > 0 ? i.mtimeMs - Math.round((i.seconds ?? 0) * 1000) : NaN;
  const folder = dateFromFolders(typeof i.dirs === 'function' ? i.dirs() : i.dirs);
  if (folder) {
    // The folder gives the day; the mtime gives the time when it agrees with that day.
    const day = `${folder.y}-${String(folder.mo).padStart(2, '0')}-${String(folder.d).padStart(2, '0')}`;
    if (plausible(fromMtime) && dayKey(i.zone, fromMtime) === day)
      return {
        ms: Math.floor(fromMtime / 1000) * 1000,
        source: i.lastModified ? 'folder+last-modified' : 'folder+mtime',
      };
    return { ms: naiveToMs(i.zone, folder.y, folder.mo, folder.d), source: 'folder' };
  }
  if (plausible(fromMtime))
    return { ms: Math.floor(fromMtime / 1000) * 1000, source: i.lastModified ? 'last-modified' : 'mtime' };
  return undefined;
}
