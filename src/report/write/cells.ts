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
export function roundToSum(values: ArrayLike<number>, total: number): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = Math.floor(values[i]! + 1e-9);
  let left = Math.round(total) - sum;
  if (left <= 0) return out;
  // the indexes with a remainder, largest remainder first (ties: the earlier row): a typed array, not
  // a pair per row (a million rows' pairs were ~50 MB)
  let m = 0;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) if (values[i]! - out[i]! > 1e-9) order[m++] = i;
  const frac = (i: number): number => values[i]! - out[i]!;
  const ranked = order.subarray(0, m).sort((a, b) => frac(b) - frac(a) || a - b);
  for (const i of ranked) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return out;
}
