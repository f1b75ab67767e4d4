/**
 * Reads back a workbook for the tests, independently of the library that wrote it: unzip (fflate) and
 * the SpreadsheetML cells (ECMA-376 part 1, 18.3.1.4): t="s" shared string, t="inlineStr", t="str"
 * formula string, t="b", no t: a number, which is a date when its style's number format is a date one.
 */
import { unzipSync, strFromU8 } from 'fflate';

export interface Cell {
  type: 'text' | 'number' | 'date' | 'bool';
  value: string | number | boolean;
}

const unxml = (s: string): string =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')
    // what Excel does with a text's _xHHHH_ (ECMA-376 ST_Xstring): the UTF-16 unit it names
    .replace(/_x([0-9a-f]{4})_/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

export function readXlsx(buf: Uint8Array): {
  sheets: string[];
  cells: Map<string, Map<string, Cell>>;
  formulas: number;
  /** each cell's number format code, where it has one other than General (sheet → ref → code) */
  numberFormats: Map<string, Map<string, string>>;
} {
  const z = unzipSync(buf);
  const text = (p: string): string => (z[p] ? strFromU8(z[p]) : '');
  const shared = [...text('xl/sharedStrings.xml').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => unxml(m[1]!));
  const styles = text('xl/styles.xml');
  const fmts = new Map(
    [...styles.matchAll(/<numFmt [^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"/g)].map((m) => [Number(m[1]), m[2]!]),
  );
  const xfs = [...(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? '').matchAll(/<xf\b([^>]*)>/g)].map((m) =>
    Number(/numFmtId="(\d+)"/.exec(m[1]!)?.[1] ?? 0),
  );
  const isDate = (s: number): boolean => {
    const id = xfs[s] ?? 0;
    return (id >= 14 && id <= 22) || /[ymdhs]/i.test((fmts.get(id) ?? '').replace(/"[^"]*"/g, ''));
  };
  const wb = text('xl/workbook.xml');
  const sheets = [...wb.matchAll(/<sheet [^>]*name="([^"]*)"/g)].map((m) => unxml(m[1]!));
  const cells = new Map<string, Map<string, Cell>>();
  let formulas = 0;
  const numberFormats = new Map<string, Map<string, string>>();
  const BUILT_IN: Record<number, string> = { 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00' };
  sheets.forEach((name, i) => {
    const nf = new Map<string, string>();
    numberFormats.set(name, nf);
    const xml = text(`xl/worksheets/sheet${i + 1}.xml`);
    formulas += (xml.match(/<f[ >]/g) ?? []).length;
    const m = new Map<string, Cell>();
    for (const c of xml.matchAll(/<c r="([A-Z]+\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[2]!;
      const inner = c[3] ?? '';
      const t = /\bt="(\w+)"/.exec(attrs)?.[1];
      const s = Number(/\bs="(\d+)"/.exec(attrs)?.[1] ?? 0);
      const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
      const code = fmts.get(xfs[s] ?? 0) ?? BUILT_IN[xfs[s] ?? 0];
      if (code) nf.set(c[1]!, code.replace(/&quot;/g, '"'));
      if (t === 's') m.set(c[1]!, { type: 'text', value: shared[Number(v)]! });
      else if (t === 'inlineStr') m.set(c[1]!, { type: 'text', value: unxml(inner) });
      else if (t === 'b') m.set(c[1]!, { type: 'bool', value: v === '1' });
      else if (v !== undefined) m.set(c[1]!, { type: isDate(s) ? 'date' : 'number', value: Number(v) });
    }
    cells.set(name, m);
  });
  return { sheets, cells, formulas, numberFormats };
}
