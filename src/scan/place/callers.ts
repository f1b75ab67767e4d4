/**
 * Who called: a captured {caller} text turned into a key that counts a caller once however the
 * number was written. The key never leaves the process (outputs hold counts only).
 */
import { normaliseCaller } from './phone.js';

/**
 * The caller key for a captured caller text, or undefined when the caller is withheld (anonymous,
 * unknown, private, empty, all zeros): such a call is not a data subject the tree can tell apart, and is
 * counted as a withheld call instead. Numbers become E.164 under `defaultRegion` (--country), so that
 * `0701740605`, `+46 70-174 06 05` and `0046701740605` are one caller (see phone.ts).
 */
export function callerKey(raw: string, defaultRegion?: string): string | undefined {
  return normaliseCaller(raw, defaultRegion);
}
