import type { EmbeddedDate } from './types.js';

/**
 * Reads the date strings that recorders put in headers: "2019-01-14", "2019-01-14 08:30:12",
 * "2019:01:14T08:30:12", "2019-01-14T08:30:12Z", "2019-01-14T08:30:12+01:00".
 * A year alone, or a year and month, is too coarse to date a call and gives undefined.
 */
const DATE_RE =
  /^\s*(\d{4})[-:/.](\d{1,2})[-:/.](\d{1,2})(?:[ T_](\d{1,2})[:.-](\d{2})(?:[:.-](\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?/;

export function parseHeaderDate(text: string | undefined, source: EmbeddedDate['source']): EmbeddedDate | undefined {
  if (!text) return undefined;
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validFields(y, mo, d, h, mi, s)) return undefined;
  const zone = m[7];
  if (zone) {
    const off = offsetOf(zone);
    if (off === undefined) return undefined; // "+99:99": not a time stamp to believe
    return { ms: Date.UTC(y, mo - 1, d, h, mi, s) - off * 60_000, source };
  }
  return { naive: [y, mo, d, h, mi, s], source };
}

/** The largest UTC offset any zone has used: +14:00 (Kiribati); the farthest west is -12:00. */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * An ISO 8601 offset ("Z", "+01:00", "-0530", "+01") in minutes east of UTC, or undefined when it is
 * not one: minutes of 60 or more, or beyond ±14:00 (`-99:00` is not an offset, and a time stamp that
 * carries it is not a date to believe).
 */
export function offsetOf(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return undefined;
  const h = Number(m[2]);
  const mi = Number(m[3] ?? 0);
  if (mi >= 60 || h * 60 + mi > MAX_OFFSET_MINUTES) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + mi);
}

/** Plausible calendar fields for a recorded call (the range keeps phone numbers from reading as dates). */
export function validFields(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  if (y < 1980 || y > 2099 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= dim;
}
