/**
 * --pattern templates: '/'-separated like the path below the scan root; '*' is any part of one name,
 * '**' any run of folders; {customer}, {caller} and {date:<date-fns format>} capture.
 *
 * Matched by hand, in time linear in the length of the path for a given pattern, because names are
 * attacker-chosen: the template used to be compiled to one regular expression, where each '*' became
 * a backtracking `[^/]*?` and five stars on a 255-character name took 31 s (60 stars: hours, on a
 * thread that could not be interrupted). Glob libraries do not fit: picomatch and micromatch (and
 * minimatch) compile globs to JavaScript regular expressions too, so they backtrack the same way, and
 * none captures named parts of a name. Here each name is matched by dynamic programming over
 * (template token, position in the name): every pair is decided once, whatever the number of stars.
 * The captures are then taken the way the regular expression took them (stars and captures as short
 * as possible, '**' as many folders as possible, the date as long as possible), so results are the
 * same as before on every path the old matcher finished.
 */
import { tz } from '@date-fns/tz';
import { dateFromFolders } from './date/resolve.js';
import { naiveToMs } from './date/zone.js';
import { readNumericDate } from './date/numeric.js';
import { dateFns } from './date/fns.js';
import { offsetOf } from '../probe/datestr.js';

export class PatternError extends Error {}

type Token = { t: 'lit'; text: string } | { t: 'star' } | { t: 'cap'; name: 'customer' | 'caller' } | { t: 'date' };

type Segment = { globstar: true } | { globstar: false; tokens: Token[] };

export interface CompiledPattern {
  source: string;
  segments: Segment[];
  /** some segment is '**' (then names and segments are aligned by dynamic programming too) */
  globstar: boolean;
  hasCustomer: boolean;
  hasCaller: boolean;
  dateFormat?: string;
  /** the date format, anchored at both ends */
  dateRe?: RegExp;
  /** the date format, sticky (matched at a given position) */
  dateSticky?: RegExp;
  /** the shortest and longest text the date format can match, in UTF-16 units (bounds the work per name) */
  dateMin: number;
  dateMax: number;
  /** every token of the date format has one width (yyyyMMdd-HHmmss): one test per position */
  dateFixed: boolean;
  /** the date format has a time of day but no day: the day comes from the folders (yyyy/MM/dd) */
  timeOnly: boolean;
}

export interface PatternMatch {
  customer?: string;
  caller?: string;
  /** the {date:…} capture as an instant, undefined when there is none or it does not parse */
  dateMs?: number;
  /**
   * the other values {customer} can take on the same name (the name reads two ways), at most
   * OTHER_READINGS of them; absent when the capture has one value
   */
  otherCustomers?: string[];
}

/** how many other values of {customer} a name's match keeps (they only make rows incomplete) */
const OTHER_READINGS = 8;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Letters of a date format that fix the day (anything else is a time of day, a zone or an am/pm). */
const DAY_LETTERS = new Set(['y', 'u', 'M', 'L', 'd', 't', 'T']);

/** A date-fns format as a regular expression that matches what it formats, its longest match, and its letters. */
function dateRegex(fmt: string): { re: string; min: number; max: number; letters: Set<string> } {
  let out = '';
  let min = 0;
  let max = 0;
  const w = (lo: number, hi: number): void => {
    min += lo;
    max += hi;
  };
  const letters = new Set<string>();
  for (let i = 0; i < fmt.length;) {
    const c = fmt[i]!;
    if (c === "'") {
      const end = fmt.indexOf("'", i + 1);
      if (end < 0) throw new PatternError(`unclosed quote in date format "${fmt}"`);
      const lit = end === i + 1 ? "'" : fmt.slice(i + 1, end);
      out += escape(lit);
      w(lit.length, lit.length);
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += escape(c);
      w(1, 1);
      i++;
      continue;
    }
    let n = 1;
    while (fmt[i + n] === c) n++;
    i += n;
    letters.add(c);
    switch (c) {
      case 'y':
      case 'u':
        out += n === 2 ? '\\d{2}' : n >= 4 ? `\\d{${n}}` : '\\d{1,4}';
        if (n === 2 || n >= 4) w(n, n);
        else w(1, 4);
        break;
      case 'M':
      case 'L':
        out += n === 1 ? '\\d{1,2}' : n === 2 ? '\\d{2}' : '\\p{L}+\\.?';
        if (n === 1) w(1, 2);
        else if (n === 2) w(2, 2);
        else w(1, 40);
        break;
      case 'd':
      case 'H':
      case 'h':
      case 'k':
      case 'K':
      case 'm':
      case 's':
        out += n === 1 ? '\\d{1,2}' : `\\d{${n}}`;
        if (n === 1) w(1, 2);
        else w(n, n);
        break;
      case 'D':
        // date-fns reads D as the day of the year, and only with an option: it throws otherwise
        throw new PatternError(
          `"${c.repeat(n)}" in a date format is the day of the year; use "${'d'.repeat(Math.min(n, 2))}" for the day of the month`,
        );
      case 'S':
        out += `\\d{${n}}`;
        w(n, n);
        break;
      case 'a':
        out += '(?:AM|PM|am|pm|a\\.m\\.|p\\.m\\.)';
        w(2, 4);
        break;
      case 'X':
      case 'x':
        out += '(?:Z|[+-]\\d{2}(?::?\\d{2})?)';
        w(1, 6);
        break;
      case 't':
      case 'T':
        out += '\\d+';
        w(1, 20);
        break;
      default:
        throw new PatternError(
          `date format token "${c.repeat(n)}" is not supported in --pattern (use y M d H m s S a X)`,
        );
    }
  }
  return { re: out, min, max, letters };
}

/** A sample instant every supported token can render (Monday 14 January 2019, 08:30:12.345). */
const SAMPLE = new Date(2019, 0, 14, 8, 30, 12, 345);
const REF = new Date(2000, 0, 1);
const firstLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/ to the input .*$|;? see: \S+$/, '');

/**
 * A date format must read back what it writes, or the scan would fail later in every reader thread
 * (date-fns throws on some formats only when parsing: `HH-hh`, `yy-uu`, `T-T`; `D` needs an option).
 * So a sample instant is formatted and parsed again here, before anything starts.
 */
function checkDateFormat(fmt: string, re: RegExp): void {
  const { format, parse, isValid } = dateFns();
  let text: string;
  try {
    text = format(SAMPLE, fmt);
  } catch (e) {
    throw new PatternError(`date format "${fmt}" cannot be used: ${firstLine(e)}`);
  }
  let back: Date;
  try {
    back = parse(text, fmt, REF);
  } catch (e) {
    throw new PatternError(`date format "${fmt}" cannot be read back: ${firstLine(e)}`);
  }
  if (!isValid(back) || !re.test(text)) {
    throw new PatternError(`date format "${fmt}" does not read back what it writes ("${text}")`);
  }
}

function compileSegment(
  seg: string,
  state: { hasCustomer: boolean; hasCaller: boolean; dateFormat?: string },
): Token[] {
  const tokens: Token[] = [];
  const literal = (ch: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.t === 'lit') last.text += ch;
    else tokens.push({ t: 'lit', text: ch });
  };
  for (let i = 0; i < seg.length;) {
    const c = seg[i]!;
    if (c === '*') {
      // a run of stars is one star (the same set of names, and no work per extra star)
      if (tokens[tokens.length - 1]?.t !== 'star') tokens.push({ t: 'star' });
      i++;
    } else if (c === '{') {
      const end = seg.indexOf('}', i);
      if (end < 0) throw new PatternError(`unclosed "{" in "${seg}"`);
      const inner = seg.slice(i + 1, end);
      if (inner === 'customer' || inner === 'caller') {
        if ((inner === 'customer' && state.hasCustomer) || (inner === 'caller' && state.hasCaller)) {
          throw new PatternError(`{${inner}} appears twice`);
        }
        if (inner === 'customer') state.hasCustomer = true;
        else state.hasCaller = true;
        tokens.push({ t: 'cap', name: inner });
      } else if (inner.startsWith('date:')) {
        if (state.dateFormat !== undefined) throw new PatternError('{date:…} appears twice');
        state.dateFormat = inner.slice(5);
        if (!state.dateFormat) throw new PatternError('{date:} needs a date-fns format, e.g. {date:yyyyMMdd-HHmmss}');
        tokens.push({ t: 'date' });
      } else {
        throw new PatternError(`unknown capture {${inner}}: use {customer}, {caller} or {date:FORMAT}`);
      }
      i = end + 1;
    } else if (c === '}') {
      throw new PatternError(`stray "}" in "${seg}"`);
    } else {
      const cp = String.fromCodePoint(seg.codePointAt(i)!);
      literal(cp);
      i += cp.length;
    }
  }
  return tokens;
}

export function compilePattern(source: string): CompiledPattern {
  if (!source.trim()) throw new PatternError('the pattern is empty');
  // in normal form C, as the paths it is matched against (record.ts: keyName), so that a pattern typed
  // with `Å` matches a folder copied off a Mac (`A` + combining ring)
  const parts = source.normalize('NFC').replace(/^\.\//, '').split('/');
  const state: { hasCustomer: boolean; hasCaller: boolean; dateFormat?: string } = {
    hasCustomer: false,
    hasCaller: false,
  };
  const segments: Segment[] = parts.map((seg) => {
    if (seg === '') throw new PatternError('empty folder name in the pattern (a leading, doubled or trailing "/")');
    if (seg === '**') return { globstar: true };
    return { globstar: false, tokens: compileSegment(seg, state) };
  });
  // '**' both before and after the {customer} folder: a path's folders can be aligned with it in more
  // than one way (archive/beta/acme/x.wav under `**/{customer}/**` is acme, beta or archive), and one
  // alignment was taken, the other customers' controllers "not affected" (attack round 29b C5)
  const at = segments.findIndex((g) => !g.globstar && g.tokens.some((t) => t.t === 'cap' && t.name === 'customer'));
  if (at >= 0 && segments.slice(0, at).some((g) => g.globstar) && segments.slice(at + 1).some((g) => g.globstar))
    throw new PatternError(
      '{customer} between two "**" can be more than one folder of a path; give the folders on one side (e.g. */{customer}/**)',
    );
  const out: CompiledPattern = {
    source,
    segments,
    globstar: segments.some((g) => g.globstar),
    hasCustomer: state.hasCustomer,
    hasCaller: state.hasCaller,
    dateMin: 0,
    dateMax: 0,
    dateFixed: true,
    timeOnly: false,
  };
  if (state.dateFormat !== undefined) {
    const d = dateRegex(state.dateFormat);
    out.dateFormat = state.dateFormat;
    out.dateRe = new RegExp(`^(?:${d.re})$`, 'u');
    out.dateSticky = new RegExp(`(?:${d.re})`, 'uy');
    out.dateMin = d.min;
    out.dateMax = d.max;
    out.dateFixed = d.min === d.max;
    out.timeOnly = ![...d.letters].some((l) => DAY_LETTERS.has(l));
    checkDateFormat(state.dateFormat, out.dateRe);
  }
  return out;
}

interface Captures {
  customer?: string;
  caller?: string;
  date?: string;
  /** asked for: the other values {customer} can take (matchName fills it when it has any) */
  others?: string[];
}

/** Work space for matchName, grown as needed (names are short; one table per call, no garbage). */
let table = new Uint8Array(4096);

const HIGH = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const LOW = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * Match one name against one segment's tokens, and with `caps` take the captures.
 * ok[t][i] (row t of the table): tokens t.. match name[i..]. Filled from the end, each cell once; a
 * star or a capture reads one running OR, so the work is tokens × length (the date token: one sticky
 * test per position for a fixed-width format, at most its width range otherwise). Positions are
 * UTF-16 units; no capture starts or ends inside a surrogate pair.
 */
function matchName(tokens: Token[], s: string, p: CompiledPattern, caps?: Captures): boolean {
  // the shapes most templates use: a whole-name star, a whole-name capture, a literal name
  if (tokens.length === 1) {
    const only = tokens[0]!;
    if (only.t === 'star') return true;
    if (only.t === 'lit') return s === only.text;
    if (only.t === 'cap') {
      if (caps) caps[only.name] = s;
      return s.length > 0;
    }
  }
  const n = s.length;
  const T = tokens.length;
  const W = n + 1;
  if (table.length < (T + 1) * W) table = new Uint8Array((T + 1) * W * 2);
  const ok = table;
  ok.fill(0, 0, (T + 1) * W);
  ok[T * W + n] = 1;
  const pairs = /[\uD800-\uDFFF]/.test(s);
  const inside = (i: number): boolean => pairs && i > 0 && i < n && LOW(s.charCodeAt(i)) && HIGH(s.charCodeAt(i - 1));
  const dateAt = (i: number, j: number): boolean => {
    if (p.dateFixed) {
      const re = p.dateSticky!;
      re.lastIndex = i;
      return re.test(s) && re.lastIndex === j;
    }
    return p.dateRe!.test(s.slice(i, j));
  };
  for (let t = T - 1; t >= 0; t--) {
    const tok = tokens[t]!;
    const row = t * W;
    const next = row + W;
    if (tok.t === 'lit') {
      const L = tok.text.length;
      for (let i = 0; i + L <= n; i++) if (ok[next + i + L] && s.startsWith(tok.text, i)) ok[row + i] = 1;
    } else if (tok.t === 'star') {
      let any = 0;
      for (let i = n; i >= 0; i--) {
        if (ok[next + i]) any = 1;
        ok[row + i] = any;
      }
    } else if (tok.t === 'cap') {
      let any = 0;
      for (let i = n; i >= 0; i--) {
        ok[row + i] = any;
        if (ok[next + i]) any = 1;
      }
    } else {
      for (let i = 0; i + p.dateMin <= n; i++) {
        const last = Math.min(n, i + p.dateMax);
        for (let j = i + Math.max(1, p.dateMin); j <= last; j++) {
          if (ok[next + j] && dateAt(i, j)) {
            ok[row + i] = 1;
            break;
          }
        }
      }
    }
    if (pairs) for (let i = 1; i < n; i++) if (inside(i)) ok[row + i] = 0;
  }
  if (!ok[0]) return false;
  if (!caps) return true;
  if (caps.others) {
    const c = tokens.findIndex((tok) => tok.t === 'cap' && tok.name === 'customer');
    if (c >= 0) otherValues(tokens, s, p, ok, c, caps.others, inside, dateAt);
  }
  // take the captures: lazy stars and captures (shortest that lets the rest match), greedy date
  let i = 0;
  for (let t = 0; t < T; t++) {
    const tok = tokens[t]!;
    const next = (t + 1) * W;
    if (tok.t === 'lit') i += tok.text.length;
    else if (tok.t === 'star') {
      while (!ok[next + i]) i++;
    } else if (tok.t === 'cap') {
      let j = i + 1;
      while (!ok[next + j]) j++;
      caps[tok.name] = s.slice(i, j);
      i = j;
    } else {
      let j = Math.min(n, i + p.dateMax);
      while (!(ok[next + j] && dateAt(i, j))) j--;
      caps.date = s.slice(i, j);
      i = j;
    }
  }
  return true;
}

/**
 * Every value the {customer} token (index c) can take on s, into out (at most OTHER_READINGS + 2, the
 * shortest among them: one more than are kept besides it says there are more, matchPattern):
 * from where the tokens before it can reach (forward, as ok is backward) to where the rest can match.
 * Attack round 24b C5: `in-08-1234-0701740699-…` under `*-{customer}-{caller}-…` is customer `08` (the
 * shortest, which placement keeps) and also `08-1234` (and `1234`); a register key among the other values
 * was "not affected" beside its file.
 */
function otherValues(
  tokens: Token[],
  s: string,
  p: CompiledPattern,
  ok: Uint8Array,
  c: number,
  out: string[],
  inside: (i: number) => boolean,
  dateAt: (i: number, j: number) => boolean,
): void {
  const n = s.length;
  const W = n + 1;
  // reach: the tokens before c can match s[0..i)
  let reach = new Uint8Array(W);
  reach[0] = 1;
  for (let t = 0; t < c; t++) {
    const tok = tokens[t]!;
    const next = new Uint8Array(W);
    if (tok.t === 'lit') {
      const L = tok.text.length;
      for (let i = 0; i + L <= n; i++) if (reach[i] && s.startsWith(tok.text, i)) next[i + L] = 1;
    } else if (tok.t === 'star' || tok.t === 'cap') {
      let any = 0;
      for (let i = 0; i <= n; i++) {
        if (tok.t === 'star' && reach[i]) any = 1;
        next[i] = any;
        if (tok.t === 'cap' && reach[i]) any = 1;
      }
    } else {
      for (let i = 0; i + p.dateMin <= n; i++) {
        if (!reach[i]) continue;
        const last = Math.min(n, i + p.dateMax);
        for (let j = i + Math.max(1, p.dateMin); j <= last; j++) if (dateAt(i, j)) next[j] = 1;
      }
    }
    for (let i = 1; i < n; i++) if (inside(i)) next[i] = 0;
    reach = next;
  }
  // the ends: where the tokens after c match the rest (ok's row c + 1), in order
  const row = (c + 1) * W;
  const ends: number[] = [];
  for (let j = 1; j <= n; j++) if (ok[row + j]) ends.push(j);
  const seen = new Set<string>();
  for (let i = 0; i < n && seen.size <= OTHER_READINGS + 1; i++) {
    if (!reach[i]) continue;
    // the first end past i (binary search: a long name's work stays n log n)
    let lo = 0,
      hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! <= i) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < ends.length && seen.size <= OTHER_READINGS + 1; k++) seen.add(s.slice(i, ends[k]));
  }
  if (seen.size > 1) out.push(...seen);
}

/** Match a path relative to the root ('/'-separated). undefined when the pattern does not match. */
export function matchPattern(p: CompiledPattern, relPath: string, zone: string): PatternMatch | undefined {
  const names = relPath.split('/');
  const S = p.segments;
  const P = S.length;
  const N = names.length;
  const caps: Captures = p.hasCustomer ? { others: [] } : {};
  if (!p.globstar) {
    // one name per segment: match and capture in one pass
    if (N !== P) return undefined;
    for (let q = 0; q < P; q++)
      if (!matchName((S[q] as { tokens: Token[] }).tokens, names[q]!, p, caps)) return undefined;
  } else if (!alignGlobstars(p, names, caps)) return undefined;
  const out: PatternMatch = {};
  if (caps.customer !== undefined) out.customer = caps.customer;
  if (caps.others?.length) {
    const others = caps.others.filter((v) => v !== caps.customer);
    // more values than are kept (otherValues stops past OTHER_READINGS): which customer the name is
    // cannot be told, nor whose readings were dropped; not placed, it is unmatched, a gap of every row.
    // Kept at the shortest, a key among the dropped readings was "not affected", exit 0 (attack
    // round 29b C4: the README's pattern and a name with two more dash fields before the line)
    if (others.length > OTHER_READINGS) return undefined;
    if (others.length) out.otherCustomers = others;
  }
  if (caps.caller !== undefined) out.caller = caps.caller;
  if (caps.date !== undefined && p.dateFormat) {
    const ms = dateOf(p, caps.date, names.slice(0, -1), zone);
    if (ms !== undefined) out.dateMs = ms;
  }
  return out;
}

/**
 * Align names with segments when some segment is '**': seg[q][k] says segments q.. match names k..
 * (each name against each segment at most once); then '**' takes as many folders as it can, as the
 * old `(?:[^/]+/)*` did, and the captures are taken on that alignment.
 */
function alignGlobstars(p: CompiledPattern, names: string[], caps: Captures): boolean {
  const S = p.segments;
  const P = S.length;
  const N = names.length;
  const memo = new Map<number, boolean>();
  const nameOk = (q: number, k: number): boolean => {
    const key = q * (N + 1) + k;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = matchName((S[q] as { tokens: Token[] }).tokens, names[k]!, p)));
    return v;
  };
  const seg: Uint8Array[] = Array.from({ length: P + 1 }, () => new Uint8Array(N + 1));
  seg[P]![N] = 1;
  for (let q = P - 1; q >= 0; q--) {
    const g = S[q]!;
    for (let k = N; k >= 0; k--) {
      if (g.globstar) {
        // last: the rest of the path (one name or more); elsewhere: any run of folders, none included
        seg[q]![k] = q === P - 1 ? (k < N ? 1 : 0) : seg[q + 1]![k] || (k < N - 1 && seg[q]![k + 1]) ? 1 : 0;
      } else {
        seg[q]![k] = k < N && seg[q + 1]![k + 1] && nameOk(q, k) ? 1 : 0;
      }
    }
  }
  if (!seg[0]![0]) return false;
  let k = 0;
  for (let q = 0; q < P; q++) {
    const g = S[q]!;
    if (g.globstar) {
      if (q === P - 1) break;
      let j = N;
      while (!seg[q + 1]![j]) j--;
      k = j;
    } else {
      matchName(g.tokens, names[k]!, p, caps);
      k++;
    }
  }
  return true;
}

/** The {date:…} capture as an instant; a time of day alone takes its day from the folders. */
function dateOf(p: CompiledPattern, text: string, dirs: string[], zone: string): number | undefined {
  // yyyyMMdd-HHmmss and its like: read by position (date-fns in a zone is ~100 µs a file)
  if (!p.timeOnly) {
    const fast = readNumericDate(p.dateFormat!, text, zone);
    if (fast !== undefined) return fast;
  }
  const { parse, isValid } = dateFns();
  let d: Date;
  try {
    d = parse(text, p.dateFormat!, REF, { in: tz(zone) });
  } catch {
    return undefined; // checked at start-up; never let a name make a reader thread throw
  }
  if (!isValid(d)) return undefined;
  // date-fns reads any two digits as an offset's hours and minutes (+99:99): beyond ±14:00 or with
  // minutes of 60 or more, the stamp is not a date to believe (the offset ends the stamp in practice)
  if (/[xX]/.test(p.dateFormat!.replace(/'[^']*'/g, ''))) {
    const off = /[+-]\d{2}(?::?\d{2})?(?=\D*$)/.exec(text);
    if (off && offsetOf(off[0]) === undefined) return undefined;
  }
  if (!p.timeOnly) return d.getTime();
  const day = dateFromFolders(dirs);
  if (!day) return undefined; // no day: the next date source decides
  return naiveToMs(zone, day.y, day.mo, day.d, d.getHours(), d.getMinutes(), d.getSeconds()) + d.getMilliseconds();
}

/**
 * The {customer} a file somewhere below the folder relFolder ('/'-separated below the root; '' or '.'
 * is the root) would have: the capture the folder's names fix, undefined when they fix none (a folder
 * above the {customer} segment, a pattern with '**' whose folders cannot be aligned cheaply, a
 * {customer} folder name that can be read more than one way, or no {customer}), null when no file below
 * it could match the pattern (its files would be unmatched).
 */
export function folderCustomer(p: CompiledPattern, relFolder: string): string | undefined | null {
  if (!p.hasCustomer || p.globstar) return undefined;
  const names = relFolder === '' || relFolder === '.' ? [] : relFolder.split('/');
  // a file below the folder has at least one more name
  if (names.length >= p.segments.length) return null;
  const caps: Captures = {};
  let ambiguous = false;
  for (let q = 0; q < names.length; q++) {
    const tokens = (p.segments[q] as { tokens: Token[] }).tokens;
    if (!matchName(tokens, names[q]!, p, caps)) return null;
    // {customer} beside a star, another capture or a date in one name may be read more than one way
    // (`acme_x_2019` under `{customer}_*` is acme or acme_x): the shortest alone made an unreadable
    // folder no gap of acme_x's controller, "not affected" (attack round 29b C3): any customer then
    if (
      tokens.some((t) => t.t === 'cap' && t.name === 'customer') &&
      tokens.some((t) => t.t === 'star' || t.t === 'date' || (t.t === 'cap' && t.name !== 'customer'))
    )
      ambiguous = true;
  }
  return ambiguous ? undefined : caps.customer;
}

/**
 * Whether a file somewhere below the folder relFolder could match the pattern with {customer} =
 * customer. Used to say which customers an unreadable folder may hide (report/completeness.ts): "could"
 * errs towards yes. A folder whose names already fix the capture holds only that customer; a folder
 * above the {customer} segment could hold any customer whose folders match its names; a folder the
 * pattern's folders cannot match could hold files that would be unmatched, which no customer can be
 * ruled out of (unmatched files make every row incomplete): yes (attack round 28b C3). With '**' the
 * folders cannot be aligned cheaply: yes.
 */
export function couldHoldCustomer(p: CompiledPattern, relFolder: string, customer: string): boolean {
  const c = folderCustomer(p, relFolder);
  return c === null || c === undefined || c === customer;
}
