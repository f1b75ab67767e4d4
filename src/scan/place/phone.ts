/**
 * Caller numbers → stable keys, and keys → countries, for counting data subjects. The numbering plans
 * are libphonenumber-js's (Google's libphonenumber metadata, 'max' set so that a number is placed in
 * the right country of a shared calling code such as +1 or +7): no hand-written prefix tables.
 *
 * A key never leaves the process: only counts made from keys are written.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';

/**
 * Values recorders and exchanges write where the caller's number was withheld or not delivered
 * (Asterisk "anonymous"/"unknown", SIP "Anonymous", "Restricted", "Private", "Unavailable", and the same
 * words in Swedish, German, French). Compared after lower-casing and dropping spaces, dots, dashes and
 * underscores. Such a call has no caller we can count: it is a withheld call, not a caller.
 */
const WITHHELD = new Set([
  'anonymous',
  'anon',
  'anonym',
  'anonyme',
  'unknown',
  'unkown',
  'private',
  'privatenumber',
  'privat',
  'privé',
  'prive',
  'withheld',
  'numberwithheld',
  'restricted',
  'unavailable',
  'notavailable',
  'na',
  'blocked',
  'hidden',
  'none',
  'null',
  'nocallerid',
  'nocli',
  'unbekannt',
  'unterdrückt',
  'unterdrueckt',
  'okänd',
  'okand',
  'dolt',
  'hemligt',
  'hemlignummer',
  'skyddat',
  'inconnu',
  'masqué',
  'masque',
  'undefined',
]);

const SEPARATORS = /[\s._\-()/]+/g;

const KNOWN_COUNTRIES = new Set<string>(getCountries());

/** An ISO 3166-1 alpha-2 code libphonenumber knows (for --country). */
export function isRegion(code: string): boolean {
  return KNOWN_COUNTRIES.has(code.toUpperCase());
}

/** parse results per (region, raw): a caller rings many times, and a parse costs tens of µs */
const cache = new Map<string, string | undefined>();
const CACHE_MAX = 100_000;

/**
 * The key a caller is counted by, or undefined when the call has no caller to count (withheld,
 * anonymous, unknown, private, empty, or only zeros).
 *
 * - A number libphonenumber can read as a possible number, with its own country code or under `region`
 *   (ISO 3166 code, the default for numbers written nationally, e.g. `0701740610` under SE), becomes
 *   E.164 (`+46701740610`), so that `0701740610`, `+46701740610` and `0046701740610` are one caller.
 * - Anything else (an extension, a SIP user name, a number too short for its plan) is kept as a fallback
 *   key `?<text>` (lower-cased, separators dropped): the same text is the same caller, and it is never
 *   placed in a country.
 */
export function normaliseCaller(raw: string, region?: string): string | undefined {
  const id = `${region ?? ''}\u0000${raw}`;
  if (cache.has(id)) return cache.get(id);
  const key = compute(raw, region);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(id, key);
  return key;
}

function compute(raw: string, region?: string): string | undefined {
  if (raw.startsWith('?')) return raw; // already a fallback key
  const compact = raw.trim().toLowerCase().replace(SEPARATORS, '');
  if (compact === '' || WITHHELD.has(compact) || /^[+0]*$/.test(compact)) return undefined;
  if (/^\+?[0-9]+$/.test(compact)) {
    const r = region && isRegion(region) ? (region.toUpperCase() as CountryCode) : undefined;
    const p = parsePhoneNumberFromString(compact, r ? { defaultCountry: r } : undefined);
    if (p?.isPossible()) return p.number;
  }
  return `?${compact}`;
}

/** The national significant number of an E.164 key from normaliseCaller (`+46812345001` → `812345001`), or undefined. */
export function nationalNumber(key: string): string | undefined {
  if (!key.startsWith('+')) return undefined;
  return parsePhoneNumberFromString(key)?.nationalNumber;
}

/** calling code → the countries that share it (from libphonenumber's metadata) */
const BY_CALLING_CODE = new Map<string, string[]>();
for (const c of getCountries()) {
  const cc = getCountryCallingCode(c);
  BY_CALLING_CODE.set(cc, [...(BY_CALLING_CODE.get(cc) ?? []), c]);
}

/**
 * The ISO 3166-1 alpha-2 country of a key from normaliseCaller, or "unknown" when it cannot be placed.
 * A calling code that belongs to one country (+46, +49) places the number at once (a parse costs ~25 µs,
 * and a leak may have a million callers); inside a shared calling code (+1, +7, +44, +358 …) the
 * number's own prefix decides, as libphonenumber reads it.
 */
export function countryOf(key: string): string {
  if (!key.startsWith('+')) return 'unknown';
  // calling codes are prefix-free: the first one that matches is the number's
  for (let len = 1; len <= 3; len++) {
    const countries = BY_CALLING_CODE.get(key.slice(1, 1 + len));
    if (!countries) continue;
    if (countries.length === 1) return countries[0]!;
    return parsePhoneNumberFromString(key)?.country ?? 'unknown';
  }
  return 'unknown';
}
