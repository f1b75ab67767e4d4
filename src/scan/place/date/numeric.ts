/**
 * A fast reader for the common pattern dates: formats made only of fixed-width numeric fields (yyyy MM
 * dd HH mm ss SSS) and literal separators, e.g. `yyyyMMdd-HHmmss`. date-fns' parse in a zone (TZDate)
 * cost ~100 µs a file: a report without rescanning (--from) of a million files by a pattern spent
 * most of its 4 minutes there, on one thread. Here the digits are read by position and the wall time
 * is placed in the zone by naiveToMs (cached per day, pinned to TZDate). A format with anything else
 * (names of months, a 12-hour clock, offsets, quoted text, variable widths) is left to date-fns, and
 * so is any text this reader is not sure of: it answers only where date-fns gives the same instant
 * (numeric.test.ts compares the two on random and edge inputs).
 */
import { naiveToMs } from './zone.js';

type Field = 'y' | 'M' | 'd' | 'H' | 'm' | 's' | 'S';

interface Layout {
  /** the text's length */
  length: number;
  /** [field, start, width] */
  fields: [Field, number, number][];
  /** literal characters by position */
  literals: [number, string][];
}

const WIDTHS: Record<string, [Field, number]> = {
  yyyy: ['y', 4],
  MM: ['M', 2],
  dd: ['d', 2],
  HH: ['H', 2],
  mm: ['m', 2],
  ss: ['s', 2],
  SSS: ['S', 3],
};

const layouts = new Map<string, Layout | null>();

/** The layout of a format this reader can read, or null. */
function layoutOf(format: string): Layout | null {
  let l = layouts.get(format);
  if (l !== undefined) return l;
  l = { length: 0, fields: [], literals: [] };
  const seen = new Set<Field>();
  for (let i = 0; i < format.length && l;) {
    const c = format[i]!;
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (format[j] === c) j++;
      const w = WIDTHS[format.slice(i, j)];
      if (!w || seen.has(w[0])) l = null;
      else {
        seen.add(w[0]);
        l.fields.push([w[0], l.length, w[1]]);
        l.length += w[1];
      }
      i = j;
    } else if (c === "'" || /[0-9]/.test(c)) {
      l = null; // quoted text, or digits as literals: date-fns
    } else {
      l.literals.push([l.length, c]);
      l.length++;
      i++;
    }
  }
  // a date needs its day: a time alone takes its day from the folders (pattern.ts, through date-fns)
  if (l && !(seen.has('y') && seen.has('M') && seen.has('d'))) l = null;
  // two fields side by side are told apart by their widths: fine; the literal separators must not be
  // digits (excluded above)
  layouts.set(format, l);
  return l;
}

const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * The instant text shows in zone, read by format; undefined when this reader cannot tell (the caller
 * then asks date-fns). Only years 1900-2999 are read here.
 */
export function readNumericDate(format: string, text: string, zone: string): number | undefined {
  const l = layoutOf(format);
  if (l?.length !== text.length) return undefined;
  for (const [at, ch] of l.literals) if (text[at] !== ch) return undefined;
  const v: Record<Field, number> = { y: 0, M: 1, d: 1, H: 0, m: 0, s: 0, S: 0 };
  for (const [f, start, width] of l.fields) {
    let n = 0;
    for (let k = start; k < start + width; k++) {
      const c = text.charCodeAt(k) - 48;
      if (c < 0 || c > 9) return undefined;
      n = n * 10 + c;
    }
    v[f] = n;
  }
  if (v.y < 1900 || v.y > 2999 || v.M < 1 || v.M > 12 || v.d < 1 || v.d > daysIn(v.y, v.M)) return undefined;
  if (v.H > 23 || v.m > 59 || v.s > 59) return undefined;
  return naiveToMs(zone, v.y, v.M, v.d, v.H, v.m, v.s) + v.S;
}
