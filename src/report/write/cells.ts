/**
 * Text cells people read, made safe. Spreadsheet safety: a cell that starts with = + - @ (or a tab, CR
 * or LF, which visibleBidi below writes as escapes first) is a formula to Excel and LibreOffice; a customer folder or file name in a leak is attacker-chosen. OWASP's advice: prefix a
 * single quote so the cell is text. csv-stringify's escape_formulas does this but misses LF, so it is
 * done here, for every text cell of every CSV leaktally writes. Bidi and control characters in names
 * (issue 19, F5; ESC and BEL raw in a CSV, round 11): shown as visible escapes in CSV and workbook
 * cells and in the HTML pages (visibleBidi).
 */
const FORMULA_START = /^[=+\-@]/;

/** A CSV text cell: bidi and control characters made visible (below), then a formula's start made text. */
export function safeText(value: string): string {
  const v = visibleBidi(value);
  return FORMULA_START.test(v) ? `'${v}` : v;
}

/**
 * Characters a reader must see, not have acted on. Bidi format characters: the embeddings and
 * overrides (U+202A-202E), the isolates (U+2066-2069), the marks (U+200E/F, U+061C). A folder name is
 * attacker-chosen: one holding U+202E shows its letters reversed, so that `\u202Eemca` reads as another
 * customer's `acme`, and in running text (a statement's sentence, a method line listing folders) it
 * reverses what follows it, figures included. Control characters (C0, DEL, C1): ESC starts a terminal
 * escape sequence when a responder `cat`s a CSV, CR and BS overwrite what was shown, a line break
 * inside a name splits a manifest line for every line-based tool (grep, wc -l), and XML (xlsx, HTML)
 * cannot hold most of them. Zero-width characters, the BOM and the line separators: invisible, so two
 * names look alike. The same set names.ts's printable() keeps off the terminal.
 */
const VISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const VISIBLE_ALL = new RegExp(VISIBLE.source, 'g');
const BACKSLASH = /\\/g;

/**
 * Text with every character above written as a visible escape, `\u{202E}`, `\u{1B}`, for the outputs
 * people read (CSV and workbook cells, HTML). Why visible, not removed or replaced: names stay exact,
 * as names.ts keeps them (two folders that differ by such a character are two customers and must look
 * like two), and a reader sees that the name holds one. In such a text (or one that holds the text
 * `\u{` itself) every backslash is doubled first, so no escape can be taken for a name's own
 * characters, as names.ts does for `\xHH`. Other text is returned as it is: names with none of them,
 * Arabic or Hebrew letters included (HTML isolates those with <bdi>, statement/page.tsx). JSON needs
 * none of this: JSON.stringify and escapeJson write them as \uXXXX, the same value to any JSON reader.
 */
export function visibleBidi(value: string): string {
  if (!VISIBLE.test(value) && !value.includes('\\u{')) return value;
  return value
    .replace(BACKSLASH, '\\\\')
    .replace(VISIBLE_ALL, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase()}}`);
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
