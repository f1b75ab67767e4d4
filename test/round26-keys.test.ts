/**
 * Attack round 26b, C1-C4 and H1: controllers told "not affected", or counts "exact", beside folders of
 * their own recordings written in a form the look-alike rule does not list — another code page (CP1251
 * bytes, UTF-8 read as CP1251), `?` for every letter, a transliteration, `Copy of X`, `X (copy)`,
 * `X.bak`, HTML entities, a Cyrillic homoglyph, a second copy beside the key's own folder. Each round
 * added forms and the next found more; the rule now makes no guess: while a customer no key names
 * holds what may be recordings, no controller is "not affected" and no count is exact, until the
 * processor assigns it in the register. And H1: that closing line named a folder raw, escapes included.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, htmlText, runCli, tempDir, wav } from './helpers.js';

const call = (): Buffer => wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });

/** Folders (as bytes) each holding one 1 s recording. */
function tree(folders: (string | Buffer)[]): string {
  const root = join(tempDir('leaktally-r26keys-'), 'tree');
  mkdirSync(root);
  for (const f of folders) {
    const dir = Buffer.concat([Buffer.from(root + '/'), typeof f === 'string' ? Buffer.from(f) : f]);
    mkdirSync(dir);
    writeFileSync(Buffer.concat([dir, Buffer.from('/call.wav')]), call());
  }
  return root;
}

/** The CLI with a register of these keys (controller C<i> AB each), its summary rows and statements. */
function run(root: string, keys: string[]) {
  const out = tempDir();
  const reg = join(out, 'r.csv');
  writeFileSync(reg, `key,controller\n${keys.map((k, i) => `"${k.replace(/"/g, '""')}",C${i} AB`).join('\n')}\n`);
  const r = runCli([root, '--register', reg, '--csv', join(out, 's.csv'), '--statements', join(out, 'st')]);
  const rows = csvObjects(readFileSync(join(out, 's.csv'), 'utf8'));
  return {
    r,
    row: (i: number) => rows.find((x) => x.controller === `C${i} AB`)!,
    statement: (i: number) => htmlText(readFileSync(join(out, 'st', `C${i} AB.html`), 'utf8')),
  };
}

// each key not found, beside its recordings in a folder the look-alike forms of round 25 did not meet
const MISSED: [string, string | Buffer][] = [
  ['Клиника София', Buffer.from([0xca, 0xeb, 0xe8, 0xed, 0xe8, 0xea, 0xe0, 0x20, 0xd1, 0xee, 0xf4, 0xe8, 0xff])],
  ['Клиника Варна', '??????? ?????'],
  ['Клиника Бургас', 'Klinika Burgas'],
  ['Smith & Söner AB', 'Smith &amp; Söner AB'],
  ['Acme Bygg AB', '\u0410cme Bygg AB'],
  ['Gamma Transport AB', 'Copy (2) of Gamma Transport AB'],
  ['Delta Data AB', 'Delta Data AB (copy)'],
  ['Iota Invest AB', 'Iota Invest AB.bak'],
];

describe('a controller beside its recordings under a name no rule lists (attack round 26b C1, C3, C4)', () => {
  it('is never "not affected": every controller cannot be ruled out while those folders are no one\'s; exit 3', () => {
    // (Anchor AB found: a register none of whose keys is found is refused, exit 2)
    const root = tree([...MISSED.map(([, f]) => f), 'Anchor AB']);
    const keys = MISSED.map(([k]) => k);
    const { r, row, statement } = run(root, [...keys, 'Anchor AB']);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /^leaktally: warning: 8 customers that no key of the register names \(e\.g\. "[^"]*"\) hold 8 files that are or may be recordings: no controller is told "not affected"/m,
    );
    keys.forEach((k, i) => {
      expect(row(i).completeness, k).toMatch(
        /^incomplete: (.*; )?8 customer folders that no key of the register names hold 8 files that are or may be recordings: until each is assigned to its controller in the register, some may be this controller's$/,
      );
      expect(row(i).files, k).toBe('');
      expect(statement(i), k).toMatch(/CANNOT BE RULED OUT/);
      expect(statement(i), k).not.toMatch(/Not affected/);
    });
  });

  it('once each folder is assigned in the register, the run is complete and a controller with none is "not affected"', () => {
    const root = tree(MISSED.map(([, f]) => f));
    // the folders' names as keys (a name that is not UTF-8 as leaktally shows it: \xHH)
    const names = MISSED.map(([, f]) =>
      typeof f === 'string' ? f : '\\xca\\xeb\\xe8\\xed\\xe8\\xea\\xe0 \\xd1\\xee\\xf4\\xe8\\xff',
    );
    const { r, row, statement } = run(root, [...names, 'Tom AB']);
    expect(r.status, r.stderr).toBe(0);
    names.forEach((_, i) => expect(row(i)).toMatchObject({ completeness: 'complete', files: '1' }));
    expect(row(names.length)).toMatchObject({ completeness: 'complete', files: '0' });
    expect(statement(names.length)).toContain('Not affected by this breach');
  });
});

describe('a key found, beside a second copy of its folder (attack round 26b C2)', () => {
  it('its count is a lower bound, not "exact", and its row is incomplete', () => {
    const root = tree(['Acme AB', 'Acme AB - Copy', 'Beta Vård AB', 'BETA VÅRD AB', '0812345001', '+46812345001']);
    const { r, row, statement } = run(root, ['Acme AB', 'Beta Vård AB', '0812345001']);
    expect(r.status, r.stderr).toBe(3);
    for (const i of [0, 1, 2]) {
      expect(row(i).files).toBe('1');
      expect(row(i).completeness).toMatch(
        /^incomplete: 3 customer folders that no key of the register names hold 3 files/,
      );
      expect(statement(i)).toMatch(/LOWER BOUNDS/);
      expect(statement(i)).not.toMatch(/Precision of the number of recordings exact/);
    }
  });
});

describe('the closing line on stderr (attack round 26b H1)', () => {
  it('shows a folder named with escapes as text, never the escapes themselves', () => {
    // a folder whose look-alike forms meet the key acme (its letters the final bytes of CSI sequences)
    const root = tree(['\x1b[A\x1b[C\x1b[M\x1b[E', 'ok']);
    const { r } = run(root, ['acme', 'ok']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^leaktally: incomplete: /m);
    expect(r.stderr).not.toContain('\x1b');
  });
});

describe("statements' file names (attack round 26b M2: their cost was quadratic; the names must stay as they were)", () => {
  it('a long name is cut on a code point within 120 bytes; names equal but for case are numbered in turn', async () => {
    const { safeFileName } = await import('../src/report/write/statements.js');
    const used = new Set(['index', 'method']);
    const long = safeFileName('Å'.repeat(30_000), used);
    expect(Buffer.byteLength(long)).toBe(120);
    expect(long).toBe('Å'.repeat(60));
    expect(safeFileName('a😀'.repeat(40), used)).toBe('a😀'.repeat(24)); // 5 bytes each: 120
    const names = ['Acme', 'ACME', 'acme', 'Acme-2', 'aCme', 'Index'].map((n) => safeFileName(n, used));
    expect(names).toEqual(['Acme', 'ACME-2', 'acme-3', 'Acme-2-2', 'aCme-4', 'Index-2']);
  });
});

describe('a customer no key names whose files are no recordings by their look (attack round 27 C1)', () => {
  it('a zip named calls.txt, or a hard link of a recording counted elsewhere, leaves every controller uncertain', async () => {
    const { linkSync } = await import('node:fs');
    const root = tree(['acme']);
    // an archive's bytes under a text name, in a folder no key names
    mkdirSync(join(root, 'Beta (copy)'));
    writeFileSync(
      join(root, 'Beta (copy)', 'calls.txt'),
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200)]),
    );
    // a hard link of acme's recording, in another folder no key names
    mkdirSync(join(root, 'zzz'));
    linkSync(join(root, 'acme', 'call.wav'), join(root, 'zzz', 'call.wav'));
    const { r, row, statement } = run(root, ['acme', 'Beta AB']);
    expect(r.status).toBe(3);
    expect(row(1).completeness).toMatch(
      /^incomplete: 2 customer folders that no key of the register names hold 2 files/,
    );
    expect(statement(1)).toMatch(/CANNOT BE RULED OUT/);
    expect(statement(1)).not.toMatch(/Not affected/);
    // (acme's own cell may name the hard link first: which name the walk met first is the file system's order)
    expect(row(0).completeness).toMatch(/^incomplete: .*2 customer folders that no key/);
  });
});
