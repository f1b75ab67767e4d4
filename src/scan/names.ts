/**
 * File names are bytes. Names copied off old Windows shares are often Windows-1252, not UTF-8: those
 * are shown in Windows-1252 (a mapping that loses no byte), valid UTF-8 is shown as it is.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

export function decodeName(bytes: Uint8Array): string {
  // ASCII fast path: most names in a leak are plain digits and dashes
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) { ascii = false; break; }
  if (ascii) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return cp1252.decode(bytes);
  }
}

/** For a terminal: control characters (a newline or ESC in a name) are shown as U+FFFD, never sent. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}
