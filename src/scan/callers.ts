/**
 * Who called: a captured {caller} text turned into a key that counts a caller once however the
 * number was written. The key never leaves the process (outputs hold counts only).
 */

/**
 * Texts call recorders write for a caller they could not see. Compared after lower-casing and
 * dropping spaces, dashes, dots and underscores.
 */
const WITHHELD = new Set([
  'anonymous', 'anon', 'withheld', 'unknown', 'unavailable', 'private', 'privatenumber', 'restricted',
  'hidden', 'blocked', 'none', 'null', 'undefined', 'na', 'nocallerid', 'callerid', 'clip', 'clir',
]);

/**
 * The caller key for a captured caller text, or undefined when the caller is withheld (anonymous,
 * unknown, private, empty, all zeros, or no digits at all): such a call is not a data subject the
 * tree can tell apart, and is counted as a withheld call instead.
 *
 * The key is the digits of the number, with a leading + kept (`+46 70-174 06 05` → `+46701740605`).
 * `defaultRegion` (an ISO 3166 code) is for numbers written without a country code; this simple
 * version does not use it yet (a normalisation that knows national prefixes will).
 */
export function callerKey(raw: string, defaultRegion?: string): string | undefined {
  void defaultRegion;
  const text = raw.trim();
  if (text === '' || WITHHELD.has(text.toLowerCase().replace(/[\s._-]+/g, ''))) return undefined;
  const plus = text.startsWith('+') || text.startsWith('00');
  const digits = text.replace(/\D+/g, '');
  if (digits === '' || /^0+$/.test(digits)) return undefined;
  if (plus) return '+' + (text.startsWith('00') ? digits.slice(2) : digits);
  return digits;
}
