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

/**
 * Whole numbers (of some unit) for each value, adding up to the total rounded: the largest-remainder
 * method (each value rounded down, the units left over given to the largest remainders). So the rows
 * of a written column add up to the total row as written: 50 s of rows under a total of 51 s, or rows
 * of 0.00 h under a total of 0.01 h, cannot happen. total: the exact sum of the values.
 */
export function roundToSum(values: readonly number[], total: number): number[] {
  const out = values.map((v) => Math.floor(v + 1e-9));
  let left = Math.round(total) - out.reduce((a, b) => a + b, 0);
  const order = values
    .map((v, i) => [v - out[i]!, i] as const)
    .filter(([frac]) => frac > 1e-9)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return out;
}
