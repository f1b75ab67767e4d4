/**
 * File names are bytes. Names copied off old Windows shares are often Windows-1252, not UTF-8: those
 * are shown in Windows-1252 (a mapping that loses no byte), valid UTF-8 is shown as it is.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

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
    return cp1252.decode(bytes);
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
