/**
 * A workbook written as it is made: SpreadsheetML (ECMA-376) sheets, their rows taken one at a time
 * and deflated into the ZIP as they come, so that a million customers' Summary sheet (~2 GB of XML,
 * more than a JavaScript string holds) is never held whole.
 *
 * Why the sheets' XML is written here: no maintained library streams rows into an xlsx. write-excel-file
 * (used before) builds every part as one string and then zips it, which at 1,000,000 rows cannot work;
 * ExcelJS's WorkbookWriter streams, but ExcelJS has had no release since 4.4.0 (2023) and brings 194
 * packages (archiver, unzipper, jszip, tmp, uuid, …) for what is here ~200 lines of XML. The ZIP
 * container is yazl's (one dependency, maintained): deflate, data descriptors, ZIP64 when a part passes
 * 4 GiB.
 *
 * Only what xlsx.ts uses: text cells (inline strings, bold for headings), numbers and dates with a
 * number format, column widths, the first row kept in view, one font (Arial 10). No formula is ever
 * written. A sheet longer than `maxRows` (Excel's limit, its header row included) goes on into
 * "Name (2)", "Name (3)", … each with the header again.
 */
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/** A cell as xlsx.ts makes them (the shapes write-excel-file took): text, number or date; null empty. */
type XlsxCell =
  | { readonly type: StringConstructor; readonly value: string; readonly fontWeight?: 'bold' }
  | { readonly type: NumberConstructor; readonly value: number; readonly format: string }
  | { readonly type: DateConstructor; readonly value: Date; readonly format: string }
  | null;
export type XlsxRow = readonly XlsxCell[];

export interface XlsxSheet {
  sheet: string;
  /** the first row, repeated on every part of a split sheet (only a sheet with a header is split) */
  header?: XlsxRow;
  rows: Iterable<XlsxRow>;
  /** column widths in characters */
  columns?: readonly { width: number }[];
  /** the header kept in view while scrolling */
  stickyRowsCount?: number;
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * XML text: & < > escaped (and quotes in attributes); characters XML 1.0 cannot hold as _xHHHH_. In
 * a cell's text, a name's own `_xHHHH_` has its underscore written `_x005F_`: Excel decodes every
 * `_xHHHH_` in a cell's text (ECMA-376 ST_Xstring), so a folder named `_x0041_cme` showed as "Acme",
 * another customer's name, and LibreOffice showed `_x005F_x0041_` as `_x0041_` (attack round 5).
 */
function esc(s: string, attr = false): string {
  let out = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attr) out = out.replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  else out = out.replace(/_(?=x[0-9a-f]{4}_)/gi, '_x005F_');
  return out.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
  );
}

function columnName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** the number formats used, each its own style (cellXfs 2…); 0 is plain, 1 bold */
class Styles {
  private readonly formats: string[] = [];
  style(format: string): number {
    let i = this.formats.indexOf(format);
    if (i < 0) i = this.formats.push(format) - 1;
    return i + 2;
  }
  xml(font: { name: string; size: number }): string {
    const f = (bold: boolean) =>
      `<font>${bold ? '<b/>' : ''}<sz val="${font.size}"/><name val="${esc(font.name, true)}"/></font>`;
    const numFmts = this.formats.map((c, i) => `<numFmt numFmtId="${164 + i}" formatCode="${esc(c, true)}"/>`).join('');
    const xfs = this.formats
      .map((_, i) => `<xf numFmtId="${164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`)
      .join('');
    return (
      `${HEAD}<styleSheet xmlns="${MAIN}">` +
      (this.formats.length ? `<numFmts count="${this.formats.length}">${numFmts}</numFmts>` : '') +
      `<fonts count="2">${f(false)}${f(true)}</fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${2 + this.formats.length}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
      `<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>${xfs}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
      '</styleSheet>'
    );
  }
}

/** A spreadsheet's day number of a Date's UTC fields (1900 date system) */
const serial = (d: Date): number => d.getTime() / 86_400_000 + 25_569;

/**
 * The most characters (UTF-16 units) a cell holds in Excel: a longer text makes Excel find the
 * workbook damaged and "repair" it. Names are short, but a controller's keys are joined in one cell
 * (a controller of 5,000 lines: 55,000 characters; attack round 5).
 */
const CELL_CHARS = 32_767;

/** The text, or as much of it as a cell holds with a note of what was left out (the JSON has all). */
function fit(v: string, cut: (left: number) => string): string {
  if (v.length <= CELL_CHARS) return v;
  let keep = CELL_CHARS - cut(v.length).length;
  if (/[\ud800-\udbff]/.test(v[keep - 1]!)) keep--; // not half of a character
  return v.slice(0, keep) + cut(v.length - keep);
}

function cellXml(c: XlsxCell, ref: string, styles: Styles, cut: (left: number) => string): string {
  if (c === null) return '';
  if (c.type === String) {
    const v = fit(c.value as string, cut);
    if (v === '') return ''; // an empty text is an empty cell (as write-excel-file wrote it)
    const s = 'fontWeight' in c && c.fontWeight === 'bold' ? ' s="1"' : '';
    return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${esc(v)}</t></is></c>`;
  }
  const n = c.type === Date ? serial(c.value as Date) : (c.value as number);
  if (!Number.isFinite(n)) return '';
  return `<c r="${ref}" s="${styles.style((c as { format: string }).format)}"><v>${n}</v></c>`;
}

/** pieces of a part's XML are joined to about this many characters before they go to the ZIP */
const PIECE_CHARS = 64 * 1024;
/** every entry's time: fixed, so the same report gives the same bytes */
const MTIME = new Date(1980, 0, 1);

/** A part's text as a byte stream, its pieces joined to ~64 KB (made only as the ZIP takes them). */
function partStream(pieces: Iterable<string>): Readable {
  return Readable.from(
    (function* (): Generator<Buffer> {
      let text = '';
      for (const piece of pieces) {
        text += piece;
        if (text.length >= PIECE_CHARS) {
          yield Buffer.from(text);
          text = '';
        }
      }
      if (text) yield Buffer.from(text);
    })(),
    { objectMode: false },
  );
}

/**
 * The ZIP container (yazl: deflate, data descriptors, ZIP64 where a part passes 4 GiB), written into
 * `out` as it is made, one part at a time: a part is added when the one before has been taken, so a
 * sheet's rows are made only as fast as `out` takes the bytes.
 */
class Zip {
  private readonly zip = new ZipFile();
  private failure?: Error;
  private readonly done: Promise<void>;

  constructor(out: Writable) {
    const o = this.zip.outputStream;
    this.done = new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => {
        this.failure ??= e;
        reject(e);
      };
      this.zip.on('error', fail);
      o.on('error', fail);
      out.on('error', fail);
      o.on('end', resolve);
    });
    // the promise is awaited in end(); a failure before that is also thrown by the next file()
    this.done.catch(() => undefined);
    o.pipe(out, { end: false });
  }

  /** one part, its text in pieces; resolves when the ZIP has taken all of it */
  async file(name: string, pieces: Iterable<string>): Promise<void> {
    this.check();
    const input = partStream(pieces);
    const taken = finished(input);
    this.zip.addReadStreamLazy(name, { mtime: MTIME, compressionLevel: 6 }, (cb) => cb(null, input));
    await Promise.race([taken, this.done]);
    this.check();
  }

  /** a failure of the ZIP or of `out` so far, thrown */
  private check(): void {
    if (this.failure) throw this.failure;
  }

  async end(): Promise<void> {
    this.zip.end();
    await this.done;
  }
}

/** The workbook was given up between two rows because the run was asked to stop (a signal). */
export class WorkbookStopped extends Error {
  constructor() {
    super('the workbook was stopped before it was whole');
  }
}

/** One sheet's XML in pieces: its rows from `rows`, at most `max` (header included), the rest left. */
function* sheetXml(
  s: XlsxSheet,
  rows: Iterator<XlsxRow>,
  max: number,
  styles: Styles,
  left: { more: boolean; pending?: XlsxRow },
  stopped: () => boolean,
  cut: (left: number) => string,
): Generator<string> {
  const sticky = s.stickyRowsCount ?? 0;
  yield (
    `${HEAD}<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetViews><sheetView workbookViewId="0">` +
    (sticky ? `<pane ySplit="${sticky}" topLeftCell="A${sticky + 1}" activePane="bottomLeft" state="frozen"/>` : '') +
    '</sheetView></sheetViews>' +
    (s.columns?.length
      ? `<cols>${s.columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"/>`).join('')}</cols>`
      : '') +
    '<sheetData>'
  );
  let r = 0;
  const row = (cells: XlsxRow): string => {
    r++;
    return `<row r="${r}">${cells.map((c, i) => cellXml(c, `${columnName(i)}${r}`, styles, cut)).join('')}</row>`;
  };
  if (s.header) yield row(s.header);
  left.more = false;
  while (r < max) {
    if (stopped()) throw new WorkbookStopped();
    const next = rows.next();
    if (next.done) break;
    yield row(next.value);
  }
  if (r >= max) {
    const next = rows.next();
    if (!next.done) {
      left.more = true;
      left.pending = next.value;
    }
  }
  yield '</sheetData></worksheet>';
}

/**
 * Write the workbook into `out` (not ended): every sheet, split where longer than maxRows, rows taken
 * from each sheet's iterable as they are written.
 */
export async function writeXlsxStream(
  out: Writable,
  sheets: readonly XlsxSheet[],
  opts: {
    font: { name: string; size: number };
    maxRows: number;
    stopped?: () => boolean;
    /** the note ending a text cut to what a cell holds, given the characters left out */
    cut?: (left: number) => string;
  },
): Promise<void> {
  const cut = opts.cut ?? ((n: number) => ` … (${n} more characters)`);
  const zip = new Zip(out);
  const styles = new Styles();
  const names: string[] = [];
  for (const s of sheets) {
    const it = s.rows[Symbol.iterator]();
    const left: { more: boolean; pending?: XlsxRow } = { more: false };
    let source: Iterator<XlsxRow> = it;
    let part = 0;
    do {
      names.push(part++ ? `${s.sheet} (${part})` : s.sheet);
      // a sheet without a header (Facts, Method: a few dozen rows) is never split
      const max = s.header ? opts.maxRows : Infinity;
      await zip.file(
        `xl/worksheets/sheet${names.length}.xml`,
        sheetXml(s, source, max, styles, left, opts.stopped ?? (() => false), cut),
      );
      if (left.more) {
        // the row that was found past the limit opens the next part
        const first = left.pending!;
        let given = false;
        source = { next: () => (given ? it.next() : ((given = true), { done: false, value: first })) };
      }
    } while (left.more);
  }
  await zip.file('xl/styles.xml', [styles.xml(opts.font)]);
  const sheetsXml = names
    .map((n, i) => `<sheet name="${esc(n, true)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('');
  await zip.file('xl/workbook.xml', [
    `${HEAD}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><bookViews><workbookView/></bookViews><sheets>${sheetsXml}</sheets></workbook>`,
  ]);
  await zip.file('xl/_rels/workbook.xml.rels', [
    `${HEAD}<Relationships xmlns="${PKG_REL}">` +
      names
        .map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
        .join('') +
      `<Relationship Id="rId${names.length + 1}" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
  ]);
  await zip.file('_rels/.rels', [
    `${HEAD}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  ]);
  const ct = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
  await zip.file('[Content_Types].xml', [
    `${HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      `<Override PartName="/xl/workbook.xml" ContentType="${ct}.sheet.main+xml"/>` +
      `<Override PartName="/xl/styles.xml" ContentType="${ct}.styles+xml"/>` +
      names
        .map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${ct}.worksheet+xml"/>`)
        .join('') +
      '</Types>',
  ]);
  await zip.end();
}
