/*
 * Tracker modules (MOD, S3M, XM, IT, MPTM …) are recognised and set apart as `other`: a module is a
 * score (patterns, an order list, a few short instrument samples) that a player synthesizes into
 * music. It is not a recording of anyone's voice, so it is no hour of a leak of recorded calls,
 * whatever its play time (a 242-byte S3M plays for 23 hours). It is named, so that a reader of the
 * manifest sees why a file with an audio name was not counted.
 */
import type { ProbeResult } from './types.js';

/** The tags a MOD carries at byte 1080 that also make a file audio by its content (formats.ts). */
const MOD_TAG = /^(M\.K\.|M!K!|FLT[48]|[2-9]CHN|[1-3][0-9]CH)$/;
/** Rarer tags (ProTracker's M&K!, Octalyser's CD81, Oktalyzer's OKTA/OCTA): a module, when another magic has said audio. */
const MOD_TAG_RARE = /^(M&K!|CD81|OKTA|OCTA)$/;

/** The MOD tag at byte 1080: one of the common ones, a rare one, or none. */
export function modTag(h: Buffer): 'common' | 'rare' | undefined {
  if (h.length < 1084) return undefined;
  const tag = h.toString('latin1', 1080, 1084);
  return MOD_TAG.test(tag) ? 'common' : MOD_TAG_RARE.test(tag) ? 'rare' : undefined;
}

/** The module kind by content (undefined when the bytes are not a module's). */
export function moduleKind(h: Buffer): string | undefined {
  const four = h.toString('latin1', 0, 4);
  if (four === 'IMPM') return 'IT';
  if (h.toString('latin1', 0, 17) === 'Extended Module: ') return 'XM';
  if (h.length >= 48 && h.toString('latin1', 44, 48) === 'SCRM') return 'S3M';
  if (modTag(h)) return 'MOD';
  return undefined;
}

/** Extensions of tracker modules, some of which carry no signature (a 15-sample Soundtracker MOD): known by name alone. */
export const MODULE_EXT: ReadonlySet<string> = new Set([
  'mod',
  'xm',
  'it',
  's3m',
  'stk',
  'nst',
  'm15',
  '669',
  'mtm',
  'ult',
  'far',
  'med',
  'okt',
  'dbm',
  'amf',
  'ams',
  'dmf',
  'dsm',
  'mdl',
  'psm',
  'ptm',
  'umx',
  'mo3',
  'mptm',
]);

/** The reason a module is not counted: the same words in the manifest's error column for every kind. */
const MODULE_REASON = 'synthesized music, not a recording';

/** A module of this kind: `other`, with the reason. */
export function notARecording(kind: string): ProbeResult {
  return { kind: 'other', codec: `MODULE/${kind}`, error: `${kind} tracker module: ${MODULE_REASON}` };
}
