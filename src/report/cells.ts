/**
 * Spreadsheet safety. A cell that starts with = + - @ (or a tab, CR or LF) is a formula to Excel and
 * LibreOffice; a customer folder or file name in a leak is attacker-chosen. OWASP's advice: prefix a
 * single quote so the cell is text. csv-stringify's escape_formulas does this but misses LF, so it is
 * done here, for every text cell of every CSV leaktally writes.
 */
const FORMULA_START = /^[=+\-@\t\r\n]/;

export function safeText(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Numbers for a CSV: with ';' as the delimiter, a decimal comma (Excel in comma-decimal locales). */
export function numberCell(value: number, digits: number, delimiter: string): string {
  const s = digits > 0 ? value.toFixed(digits) : String(value);
  return delimiter === ';' ? s.replace('.', ',') : s;
}
