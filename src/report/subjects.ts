/**
 * Data subjects, as the notification form asks for them: bounds, a precision and the method in words,
 * and a count per country. Callers are counted by key (src/scan/phone.ts); keys stay in memory.
 */
import { countryOf, normaliseCaller } from '../scan/phone.js';

export type Precision = 'exact' | 'approximate' | 'cannot be determined';

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
  if (i.distinctCallers === undefined) {
    if (i.recordings === 0) return { min: 0, max: 0, precision: 'exact', method: 'no recordings were found' };
    return {
      min: 1,
      max: i.recordings,
      precision: 'cannot be determined',
      method:
        'the file names do not carry the caller (no {caller} in --pattern), so callers cannot be counted; at most one caller per recording (each call has at least one other party, the person answering, not counted here)',
    };
  }
  const min = i.distinctCallers;
  const max = i.distinctCallers + i.withheldCallerCalls;
  if (max === 0) return { min: 0, max: 0, precision: 'exact', method: 'no recordings with a caller were found' };
  return {
    // at least one person rang when there was any call, even if every number was withheld
    min: Math.max(min, 1),
    max,
    precision: 'approximate',
    method:
      `distinct calling numbers in the file names (${min}; the same number written nationally or with its country code counted once)` +
      (i.withheldCallerCalls
        ? `, plus up to one person for each of the ${i.withheldCallerCalls} calls whose number was withheld or unknown`
        : ', no call had a withheld number') +
      '; one number may be used by several people and one person may use several numbers, and the people answering are not counted',
  };
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
