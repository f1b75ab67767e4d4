/**
 * File names are bytes. Two ways to show them:
 *
 * - shownName / keyName (names in the tree: customers, manifest paths): text that tells every two
 *   byte strings apart. Valid UTF-8 is shown as it is; a byte that is not part of valid UTF-8 is shown
 *   as \xHH, and in such a name (or one that holds the text "\x" itself) every backslash is doubled,
 *   so no name can pass for another: folders `caf\xc3\xa9` (UTF-8) and `caf\xe9` (Latin-1) are
 *   `café` and `caf\xe9`, two customers (shown in Windows-1252 both were `café`, one row, and the
 *   manifest listed two paths no one could tell apart). keyName is the same text in Unicode normal form
 *   C, the form customers and register keys are matched in: a folder copied off a Mac is in form D
 *   (`A` + combining ring), which looks the same as the register's `Å` and is the same customer.
 * - decodeName (the scan root on the terminal): UTF-8, else Windows-1252, readable rather than exact.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Loose = new TextDecoder('utf-8');
/**
 * Windows-1252's characters for the bytes 0x80–0x9F (the five it leaves unassigned stay Latin-1's C1
 * controls, as the WHATWG decoder has them); 0xA0–0xFF are Latin-1's. Written out by hand: Node 20's
 * TextDecoder('windows-1252') decodes these 32 bytes as Latin-1 and Node 24's as Windows-1252, so a
 * folder named with a byte 0x96 was customer `\u0096…` on one and `–…` on the other, and the skeletons'
 * CP1252 inverse missed `Ã–`, `Ã…`, `Ã„` (Ö, Å, Ä read as CP1252) on Node 20.
 */
const CP1252_80 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** Bytes as Windows-1252 text, the same on every Node version. */
export function decodeCp1252(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x80 && b < 0xa0 ? CP1252_80[b - 0x80]! : String.fromCharCode(b);
  return s;
}

/** the length of the valid UTF-8 sequence at b[i] (RFC 3629: no overlong form, no surrogate), or 0 */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const ok1 = c === 0xe0 ? cont(1, 0xa0) : c === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const ok1 = c === 0xf0 ? cont(1, 0x90) : c === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

const BACKSLASH = /\\/g;

function exactName(bytes: Uint8Array, nfc: boolean): string {
  let ascii = true;
  // eslint-disable-next-line @typescript-eslint/prefer-for-of -- per-file hot path: an index, no iterator
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  if (ascii) {
    const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    return s.includes('\\x') ? s.replace(BACKSLASH, '\\\\') : s;
  }
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    if (nfc) text = text.normalize('NFC');
    return text.includes('\\x') ? text.replace(BACKSLASH, '\\\\') : text;
  }
  // not UTF-8: its valid runs as text (normalised each, so that no composition crosses an escape),
  // every other byte as \xHH
  let out = '';
  let run = 0;
  const flush = (end: number): void => {
    if (end > run) {
      let t = utf8Loose.decode(bytes.subarray(run, end));
      if (nfc) t = t.normalize('NFC');
      out += t.replace(BACKSLASH, '\\\\');
    }
  };
  for (let i = 0; i < bytes.length;) {
    const n = utf8Length(bytes, i);
    if (n) {
      i += n;
      continue;
    }
    flush(i);
    out += '\\x' + bytes[i]!.toString(16).padStart(2, '0');
    run = ++i;
  }
  flush(bytes.length);
  return out;
}

/** A name as shown in the manifest and the examples: exact (see above), in the form it has on disk. */
export function shownName(bytes: Uint8Array): string {
  return exactName(bytes, false);
}

/** A name as a customer key: exact (see above), in normal form C. */
export function keyName(bytes: Uint8Array): string {
  return exactName(bytes, true);
}

/** A path's bytes ('/'-separated) as shown: each name by shownName. */
export function shownPath(bytes: Uint8Array): string {
  const names: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x2f) continue;
    names.push(shownName(bytes.subarray(start, i)));
    start = i + 1;
  }
  return names.join('/');
}

export function decodeName(bytes: Uint8Array): string {
  // ASCII fast path: most names in a leak are plain digits and dashes
  let ascii = true;
  // eslint-disable-next-line @typescript-eslint/prefer-for-of -- per-file hot path: an index, no iterator
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  if (ascii) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeCp1252(bytes);
  }
}

/**
 * Characters that must never reach a terminal raw: C0 controls (ESC starts every escape sequence, CR
 * and BS overwrite what was shown), DEL, C1 controls (U+009B is a one-character CSI on many
 * terminals), bidi embeddings/overrides/isolates and the Arabic letter mark (they reorder what is
 * shown: a name can display as another), zero-width characters and the BOM (invisible: two names that
 * look alike), and the line/paragraph separators (a line break to some terminals and viewers).
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * The one sanitiser for text shown on a terminal (stderr, progress, warnings, echoed arguments, the
 * UI, stdout when it is a terminal): every character above is shown as U+FFFD, never sent.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, '\uFFFD');
}

/**
 * A CSV for a terminal: every cell through printable(), the record ends (CRLF, and LF inside a quoted
 * cell) kept as line breaks, the BOM left out (it is for spreadsheets; on a terminal it is noise).
 */
export function printableLines(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .map((line) => line.split('\n').map(printable).join('\n'))
    .join('\r\n');
}

/**
 * JSON text with the characters above that JSON.stringify leaves raw (DEL, C1, bidi, zero-width,
 * U+2028/2029; it escapes C0 itself) written as \uXXXX escapes: the same value to a JSON reader,
 * nothing raw for a terminal or a JavaScript eval. They can only occur inside strings, where an
 * escape means the same character.
 */
const JSON_RAW = /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export function escapeJson(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
