/**
 * The languages of the statements, method.html and the workbook (--lang sv|en), and their numbers and
 * dates: `9 622,5` and `2019-02-18 14:03` in Swedish, `9,622.5` in English (Intl, one formatter each,
 * built once per language and zone: an Intl constructor costs ~20 µs, a statement has dozens of numbers).
 */
import { en, type Strings } from './en.js';
import { sv } from './sv.js';

export type Lang = 'sv' | 'en';
export const LANGS: readonly Lang[] = ['sv', 'en'];
export type { Strings };

const TABLES: Record<Lang, Strings> = { en, sv };

export function strings(lang: Lang): Strings {
  return TABLES[lang];
}

export interface Format {
  /** 1,234 / 1 234 */
  int: (n: number) => string;
  /** seconds with one decimal: 9,622.5 / 9 622,5 */
  seconds: (s: number) => string;
  /** seconds as hours with two decimals: 2.67 / 2,67 */
  hours: (s: number) => string;
  /** 2019-02-18 14:03 (the zone's wall clock; the page says which zone) */
  when: (ms: number) => string;
  /** a share as a percentage with two decimals: 0.0042 → 0.42 % */
  pct: (share: number) => string;
}

const cache = new Map<string, Format>();

export function format(lang: Lang, zone: string): Format {
  const key = `${lang} ${zone}`;
  let f = cache.get(key);
  if (f) return f;
  const locale = TABLES[lang].numberLocale;
  const INT = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const ONE = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const TWO = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // sv-SE writes dates as ISO 8601 (yyyy-MM-dd HH:mm), which English readers also read without doubt
  // (01/02 is the 1st of February or the 2nd of January depending on who reads it)
  const WHEN = new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  f = {
    int: (n) => INT.format(n),
    seconds: (s) => ONE.format(s),
    hours: (s) => TWO.format(s / 3600),
    when: (ms) => WHEN.format(ms),
    pct: (share) => `${TWO.format(share * 100)} %`,
  };
  cache.set(key, f);
  return f;
}

/** --lang's value, or an Error with a one-line message. */
export function parseLang(v: string): Lang {
  if (v === 'sv' || v === 'en') return v;
  throw new Error(`--lang must be sv or en, not "${v}"`);
}
