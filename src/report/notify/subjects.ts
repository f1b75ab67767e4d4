/**
 * Data subjects, as the notification form asks for them: bounds, a precision and the method in words,
 * and a count per country. Callers are counted by key (src/scan/place/phone.ts); keys stay in memory.
 */
import { countryOf, normaliseCaller } from '../../scan/place/phone.js';
import { format, strings, type Lang } from '../lang/index.js';

/** the notification form's tags; 'lower bound': part of the tree that could hold more was not read */
export type Precision = 'exact' | 'approximate' | 'lower bound' | 'cannot be determined';

export interface Subjects {
  min: number;
  max: number;
  precision: Precision;
  method: string;
}

export interface SubjectInputs {
  /** distinct callers, or undefined when the pattern captures no caller */
  distinctCallers?: number;
  withheldCallerCalls: number;
  /** recordings: audio files + unreadable files (a file that looks like a recording may be one) */
  recordings: number;
}

export function subjects(i: SubjectInputs): Subjects {
  const method = subjectsMethod(i, 'en');
  if (i.distinctCallers === undefined) {
    if (i.recordings === 0) return { min: 0, max: 0, precision: 'exact', method };
    return { min: 1, max: i.recordings, precision: 'cannot be determined', method };
  }
  const min = i.distinctCallers;
  const max = i.distinctCallers + i.withheldCallerCalls;
  if (max === 0) return { min: 0, max: 0, precision: 'exact', method };
  // at least one person rang when there was any call, even if every number was withheld
  return { min: Math.max(min, 1), max, precision: 'approximate', method };
}

/**
 * How the data subjects were counted, in a language's words (the statements recount it in theirs).
 * read: whether everything that could hold the row was read (undefined: not known, taken as read);
 * files: the row's files (nothing found and not all read: the number is not known).
 */
export function subjectsMethod(i: SubjectInputs, lang: Lang, read?: boolean, files?: number): string {
  const L = strings(lang).subjectsMethod;
  if (read === false && files === 0) return L.notRead;
  const n = format(lang, 'UTC').int;
  let text: string;
  if (i.distinctCallers === undefined) text = i.recordings === 0 ? L.noRecordings : L.noCaller;
  else if (i.distinctCallers + i.withheldCallerCalls === 0) text = L.noCallerCalls;
  else
    text =
      L.callers(n(i.distinctCallers)) +
      (i.withheldCallerCalls ? L.withheld(n(i.withheldCallerCalls)) : L.noWithheld) +
      L.caveat;
  return read === false ? text + L.lower : text;
}

/**
 * Caller keys as counted: the engine's keys normalised again with the default region (harmless for keys
 * that are already E.164 or fallback keys), so that `0701740610` and `+46701740610` are one caller even
 * if the engine's key function was a simpler one. Withheld values drop out.
 */
export function normalisedSet(keys: Iterable<string>, region?: string): Set<string> {
  const out = new Set<string>();
  for (const k of keys) {
    const n = k.startsWith('+') || k.startsWith('?') ? k : normaliseCaller(k, region);
    if (n !== undefined) out.add(n);
  }
  return out;
}

/** country (ISO 3166-1 alpha-2, or "unknown") → distinct callers, most first */
export function byCountry(keys: Iterable<string>): [string, number][] {
  const m = new Map<string, number>();
  for (const k of keys) {
    const c = countryOf(k);
    m.set(c, (m.get(c) ?? 0) + 1);
  }
  return [...m].sort(
    (a, b) => b[1] - a[1] || (a[0] === 'unknown' ? 1 : b[0] === 'unknown' ? -1 : a[0] < b[0] ? -1 : 1),
  );
}
