/**
 * Attack round 5 on the workbook writer (xlsx-stream.ts): names a leak can hold, read back as Excel
 * reads a cell's text (xlsx-read.ts decodes _xHHHH_ as ECMA-376 says), must come back exactly. A
 * folder named `_x0041_cme` showed as "Acme" in Excel, another customer's name.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { put, runCli, tempDir } from './helpers.js';
import { readXlsx } from './xlsx-read.js';
import { visibleBidi } from '../src/report/write/cells.js';

describe('names in the workbook (attack round 5)', () => {
  it("come back exactly: _xHHHH_ text, characters XML cannot hold, ']]>', markup, formula starts", () => {
    const dir = tempDir('leaktally-xlsx-text-');
    const tree = join(dir, 'tree');
    const names = [
      '_x0041_cme',
      'Acme',
      '_x005F_x0041_',
      'a_X004a_b',
      '_\u0001',
      'ctl\u0001\u001f\u000bx',
      'cdata]]>end',
      'amp&lt;<b>',
      '=1+1',
      'nonchar\ufffe',
    ];
    for (const n of names) put(tree, `${n}/a.raw`, 'x');
    const out = join(dir, 'w.xlsx');
    // (--allow-incomplete: a customer holding only a file that is not a recording is a gap, exit 3)
    const r = runCli([tree, '--xlsx', out, '--allow-incomplete']);
    expect(r.status, r.stderr).toBe(0);
    const x = readXlsx(readFileSync(out));
    expect(x.formulas).toBe(0);
    const summary = x.cells.get(x.sheets[0]!)!;
    const keys: string[] = [];
    for (const [ref, c] of summary) if (/^A\d+$/.test(ref) && ref !== 'A1') keys.push(String(c.value));
    // every name once, exactly, and the total row; control characters shown as visible escapes, as in
    // the CSV and the HTML (cells.ts), so `_\u0001` does not look like `_` (round 11)
    expect(keys.sort()).toEqual([...names.map(visibleBidi), '(total)'].sort());
    expect(keys).toContain('ctl\\u{1}\\u{1F}\\u{B}x');
  }, 60_000);
});

describe('a text longer than a cell holds (attack round 5)', () => {
  it("is cut to Excel's 32,767 characters with a note of what was left out; the JSON has it all", () => {
    const dir = tempDir('leaktally-xlsx-long-');
    const tree = join(dir, 'tree');
    put(tree, 'line00001/a.raw', 'x');
    // one controller of 5,000 lines: its keys joined in one cell, 54,998 characters
    const keys = Array.from({ length: 5000 }, (_, i) => `line${String(i).padStart(5, '0')}`);
    const reg = put(dir, 'reg.csv', ['key,controller', ...keys.map((k) => `${k},BigCo`)].join('\n') + '\n');
    const out = join(dir, 'w.xlsx');
    const r = runCli([tree, '--register', reg, '--xlsx', out, '--json', join(dir, 's.json'), '--allow-incomplete']);
    expect(r.status, r.stderr).toBe(0);
    const x = readXlsx(readFileSync(out));
    const cell = String(x.cells.get(x.sheets[0]!)!.get('A2')!.value);
    const whole = keys.join('; ');
    expect(whole.length).toBe(54_998);
    expect(cell.length).toBe(32_767);
    const note = /^(.*) … \(([\d,]+) more characters: a cell holds at most 32,767; the JSON has them all\)$/s.exec(
      cell,
    );
    expect(note).not.toBeNull();
    expect(whole.startsWith(note![1]!)).toBe(true);
    expect(note![1]!.length + Number(note![2]!.replace(/,/g, ''))).toBe(whole.length);
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toContain('"line04999"');
  }, 60_000);
});
