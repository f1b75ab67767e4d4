/**
 * Names as bytes (issue 19, finding 4): a register key in normal form C matched a folder in form D
 * (a macOS copy) not at all (two rows that looked the same, the controller "Not affected"), and
 * folders `caf\xc3\xa9` (UTF-8) and `caf\xe9` (Latin-1) were one customer `café`, with two manifest
 * paths no one could tell apart.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyName, shownName, shownPath } from '../dist/scan/place/names.js';
import { Scanner, type FileRecord } from '../dist/scan/engine.js';
import { compilePattern } from '../dist/scan/place/pattern.js';
import { csvObjects, parseSummary, runCli, tempDir } from './helpers.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const NFC = 'Vårdcentralen Åre'.normalize('NFC');
const NFD = NFC.normalize('NFD');

/** a one-byte .ul file (a µ-law recording) at root/<folder bytes>/<name> */
function file(root: string, folder: Buffer, name = 'a.ul'): void {
  const dir = Buffer.concat([Buffer.from(root + '/'), folder]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(Buffer.concat([dir, Buffer.from('/' + name)]), Buffer.alloc(800));
}

describe('names shown exactly', () => {
  it('UTF-8 as it is, other bytes as \\xHH, a backslash doubled where it could be mistaken for one', () => {
    expect(shownName(Buffer.from('café'))).toBe('café');
    expect(shownName(b('caf\xe9'))).toBe('caf\\xe9');
    // the text "caf\xe9" itself is not the Latin-1 name
    expect(shownName(Buffer.from('caf\\xe9'))).toBe('caf\\\\xe9');
    expect(shownName(Buffer.from('a\\b'))).toBe('a\\b');
    expect(shownName(b('a\\b\xff'))).toBe('a\\\\b\\xff');
    // a cut UTF-8 sequence, an overlong form and a surrogate are not UTF-8
    expect(shownName(b('x\xc3'))).toBe('x\\xc3');
    expect(shownName(b('\xc0\xaf'))).toBe('\\xc0\\xaf');
    expect(shownName(b('\xed\xa0\x80'))).toBe('\\xed\\xa0\\x80');
    expect(shownName(b('\xf0\x9f\x93\x9e'))).toBe('📞');
    expect(shownPath(b('caf\xe9/caf\xc3\xa9/x.ul'))).toBe('caf\\xe9/café/x.ul');
  });

  it('no two byte strings are shown alike (20,000 random names over confusable bytes)', () => {
    const alphabet = [0x5c, 0x78, 0x65, 0x39, 0x63, 0x33, 0x61, 0xe9, 0xc3, 0xa9, 0xcc, 0x81, 0x41, 0xff];
    let seed = 19;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const byShown = new Map<string, string>();
    const clashes: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + Math.floor(rnd() * 6);
      const name = Buffer.from(Array.from({ length }, () => alphabet[Math.floor(rnd() * alphabet.length)]!));
      const shown = shownName(name);
      const hex = name.toString('hex');
      const before = byShown.get(shown);
      if (before !== undefined && before !== hex) clashes.push(`${before} and ${hex} both show as ${shown}`);
      byShown.set(shown, hex);
    }
    expect(clashes).toEqual([]);
    expect(byShown.size).toBeGreaterThan(1000);
  });

  it('keys in normal form C: a name in form D is the same key, and shown as it is on disk', () => {
    expect(NFD).not.toBe(NFC);
    expect(keyName(Buffer.from(NFD))).toBe(NFC);
    expect(shownName(Buffer.from(NFD))).toBe(NFD);
    // normalised only within the text: an escape is never composed with what follows it
    expect(keyName(b('\xe9')).normalize('NFC')).toBe('\\xe9');
    expect(keyName(Buffer.concat([b('\xff'), Buffer.from('e\u0301')]))).toBe('\\xffé');
  });
});

describe('customers by exact name (issue 19, finding 4)', () => {
  it('folders café in UTF-8 and in Latin-1 are two customers, told apart, at 0 and 2 threads, by folder and by pattern', async () => {
    const root = tempDir();
    file(root, Buffer.from('café'), 'a.ul');
    file(root, b('caf\xe9'), 'a.ul');
    file(root, b('caf\xe9'), 'b.ul');
    for (const threads of [0, 2])
      for (const pattern of [undefined, '{customer}/*.ul']) {
        const paths: string[] = [];
        const r = await new Scanner(
          { root, depth: 1, zone: 'UTC', threads, ...(pattern ? { pattern: compilePattern(pattern) } : {}) },
          (rec: FileRecord) => paths.push(rec.path!),
        ).run();
        expect(r.customers.map((c) => [c.customer, c.files])).toEqual([
          ['caf\\xe9', 2],
          ['café', 1],
        ]);
        expect(paths.sort()).toEqual(['caf\\xe9/a.ul', 'caf\\xe9/b.ul', 'café/a.ul']);
      }
  });

  it('a folder in form D matches the register key in form C (and a key in form D the folder in form C)', () => {
    const root = tempDir();
    file(root, Buffer.from(NFD));
    file(root, Buffer.from('Kund B'.normalize('NFC')));
    const reg = join(tempDir(), 'register.csv');
    writeFileSync(reg, `key,controller,org_id\n${NFC},Region Jämtland,232100-0214\nKund B,Acme,556000-0000\n`);
    const r = runCli([root, '--register', reg, '--json', '-']);
    expect(r.status).toBe(0);
    const j = parseSummary(r.stdout);
    const rows = j.customers as unknown as { controller: string; kind: string; files: number }[];
    // the controller's row has the file; no second row that looks the same
    expect(rows.filter((x) => x.kind === 'unregistered')).toEqual([]);
    expect(rows.find((x) => x.controller === 'Region Jämtland')).toMatchObject({ kind: 'controller', files: 1 });

    const reg2 = join(tempDir(), 'register.csv');
    writeFileSync(reg2, `key,controller\n${'Kund Ö'.normalize('NFD')},Region Ö\n`);
    const root2 = tempDir();
    file(root2, Buffer.from('Kund Ö'.normalize('NFC')));
    const r2 = runCli([root2, '--register', reg2, '--csv', '-']);
    expect(r2.status).toBe(0);
    const csv = csvObjects(r2.stdout);
    expect(csv.find((x) => x.controller === 'Region Ö')).toMatchObject({ files: '1' });
    expect(csv.filter((x) => x.controller === '')).toHaveLength(1); // (the total)
  });

  it('the same customer copied twice, in form C and in form D, is one row; the manifest keeps both real paths', () => {
    const root = tempDir();
    file(root, Buffer.from(NFC));
    file(root, Buffer.from(NFD));
    const out = join(tempDir(), 'files.csv');
    const r = runCli([root, '--csv', '-', '--files', out]);
    expect(r.status).toBe(0);
    const rows = csvObjects(r.stdout);
    expect(rows.map((x) => [x.customer, x.files])).toEqual([
      [NFC, '2'],
      ['(total)', '2'],
    ]);
    const paths = csvObjects(readFileSync(out, 'utf8')).map((x) => x.path);
    expect(paths.sort()).toEqual([`${NFC}/a.ul`, `${NFD}/a.ul`].sort());
  });
});
