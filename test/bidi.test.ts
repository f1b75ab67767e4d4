/**
 * Issue 19's F5: bidi controls in folder names (U+202E and its kin) were written raw into CSV cells,
 * the workbook and the HTML pages: a folder `‮emca` read as `acme`, and in running text a name
 * reversed the words and figures after it. Every output people read now shows them as visible
 * escapes (`\u{202E}`), names stay exact (two folders stay two), and HTML isolates each name in <bdi>.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { safeText, visibleBidi } from '../src/report/write/cells.js';
import { put, runCli, tempDir, wav } from './helpers.js';
import { readXlsx } from './xlsx-read.js';

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x1b\x07]/;

describe('bidi controls in names (issue 19, F5)', () => {
  it('are shown as visible escapes; text without them is unchanged; no two texts show alike', () => {
    expect(visibleBidi('\u202Eemca')).toBe('\\u{202E}emca');
    expect(visibleBidi('ab\u2067c\u2069d\u200F')).toBe('ab\\u{2067}c\\u{2069}d\\u{200F}');
    for (const plain of ['acme', 'Vårdcentralen Åre', 'שלום 12', 'C:\\users', 'caf\\xe9'])
      expect(visibleBidi(plain)).toBe(plain);
    // a name that holds the escape's own text: its backslashes doubled, so it is not taken for a control
    expect(visibleBidi('\\u{202E}emca')).toBe('\\\\u{202E}emca');
    expect(visibleBidi('a\\b\u202E')).toBe('a\\\\b\\u{202E}');
    // and the formula guard still applies after it
    expect(safeText('=1+1\u202E')).toBe("'=1+1\\u{202E}");
    // control characters too (round 11: ESC and BEL reached a CSV raw, and a terminal that cat it):
    // C0 including tab and line breaks, DEL, C1 (U+009B is a one-character CSI), zero-width, the BOM
    expect(visibleBidi('a\x1b[2Jb\x07')).toBe('a\\u{1B}[2Jb\\u{7}');
    expect(visibleBidi('x\ny\r\tz\x7f\x9b\u200b\ufeff')).toBe('x\\u{A}y\\u{D}\\u{9}z\\u{7F}\\u{9B}\\u{200B}\\u{FEFF}');
    expect(safeText('\t=1')).toBe('\\u{9}=1');
  });

  it('reach no CSV, manifest, JSON, workbook or HTML page raw', () => {
    const dir = tempDir('leaktally-bidi-');
    const tree = join(dir, 'tree');
    for (const c of ['acme', '\u202Eemca', 'ab\u2067c\u2069d', 'esc\x1b[31mred\x07'])
      put(tree, `${c}/call-20240105-101500.wav`, wav({ tag: 7, dataBytes: 8000 }));
    const out = (n: string): string => join(dir, n);
    const r = runCli([
      tree,
      '--csv',
      out('s.csv'),
      '--files',
      out('m.csv'),
      '--json',
      out('s.json'),
      '--xlsx',
      out('s.xlsx'),
      '--statements',
      out('st'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const csv = readFileSync(out('s.csv'), 'utf8');
    expect(csv).not.toMatch(BIDI);
    // two customers that look alike on screen stay two rows, told apart
    expect(csv).toContain('"\\u{202E}emca"');
    expect(csv).toContain('"acme"');
    expect(readFileSync(out('m.csv'), 'utf8')).not.toMatch(BIDI);
    expect(readFileSync(out('m.csv'), 'utf8')).toContain('\\u{202E}emca/call-20240105-101500.wav');
    // JSON keeps the exact name, escaped as JSON does (the same value to a reader)
    const json = readFileSync(out('s.json'), 'utf8');
    expect(json).not.toMatch(BIDI);
    expect(json).toContain('"\\u202eemca"');
    const xlsx = readXlsx(readFileSync(out('s.xlsx')));
    const texts = [...xlsx.cells.values()].flatMap((s) => [...s.values()]).map((c) => String(c.value));
    expect(texts.some((t) => BIDI.test(t))).toBe(false);
    expect(texts).toContain('\\u{202E}emca');
    for (const f of readdirSync(out('st'))) {
      const html = readFileSync(join(out('st'), f), 'utf8');
      expect(html, f).not.toMatch(BIDI);
      if (f.endsWith('.html') && f !== 'method.html')
        expect(html, f).toMatch(
          /<bdi>(\\u\{202E\}emca|acme|ab\\u\{2067\}c\\u\{2069\}d|esc\\u\{1B\}\[31mred\\u\{7\})<\/bdi>/,
        );
    }
    expect(readFileSync(join(out('st'), 'index.html'), 'utf8')).toContain('<bdi>\\u{202E}emca</bdi>');
    expect(csv).toContain('"esc\\u{1B}[31mred\\u{7}"');
    expect(texts).toContain('esc\\u{1B}[31mred\\u{7}');
  }, 60_000);
});
