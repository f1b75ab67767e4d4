/**
 * Attack round 24b's findings on register keys the tree spells otherwise, each reproduced on a tree
 * made here and the built CLI:
 *  - C4: a key's folder in another phone form (+46…, 0046…, 46…, 08-123 450 04), mangled by a copy
 *    (CP1252 or CP437 mojibake, raw CP437 bytes, percent escapes), without its accents, upper-cased
 *    with ß as SS, or with _ for spaces, left the key's controller "not affected", exit 0;
 *  - C5: a name a {customer} pattern reads two ways (customer 08 or 08-1234) went to the shortest value
 *    silently: the key 08-1234 "not affected", exit 0;
 *  - C6: with a {customer} pattern, an unreadable folder whose capture is only like a key (2018/ACME for
 *    acme) was no gap of the key's row: "complete", "not affected" (--depth caught it).
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, htmlText, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { unavailable } from './needs.js';
import { looseName, looseNames } from '../src/report/notify/completeness.js';
import { compilePattern, matchPattern } from '../src/scan/place/pattern.js';

/** A WAV of 8-bit PCM at 8 kHz, mono, of n bytes (n / 8,000 s). */
const pcm8 = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 8, dataBytes: n });

/** A register of these keys, each its own controller ("C<i> AB": keys may hold any character). */
function register(dir: string, keys: string[]): string {
  return put(dir, 'reg.csv', `key,controller\n${keys.map((k, i) => `${k},C${i} AB`).join('\n')}\n`);
}

/** A customer folder of these name bytes (any bytes), holding one 1 s recording. */
function folder(root: string, name: Buffer | string): void {
  const d = Buffer.concat([Buffer.from(root + '/'), Buffer.from(name)]);
  mkdirSync(d, { recursive: true });
  writeFileSync(Buffer.concat([d, Buffer.from('/c.wav')]), pcm8(8000));
}

/** The CSV's row of a key, the key's controller's statement, and the exit code. */
function run(root: string, keys: string[], extra: string[] = []) {
  const out = tempDir();
  const reg = register(out, keys);
  const r = runCli([root, '--register', reg, '--csv', join(out, 's.csv'), '--statements', join(out, 'st'), ...extra]);
  const rows = r.status === 0 || r.status === 3 ? csvObjects(readFileSync(join(out, 's.csv'), 'utf8')) : [];
  return {
    r,
    row: (key: string) => rows.find((x) => x.customer === key),
    statement: (key: string) => htmlText(readFileSync(join(out, 'st', `C${keys.indexOf(key)} AB.html`), 'utf8')),
  };
}

/** Each key's row names its look-alike and its controller is never told "not affected"; the run exits 3. */
function expectLookalikes(res: ReturnType<typeof run>, pairs: [string, string][], found: string): void {
  expect(res.r.status).toBe(3);
  // (the look-alike folders, which no key names, may be anyone's: the found key's figures are lower bounds)
  expect(res.row(found)!.completeness).toMatch(
    /^incomplete: \d+ customer (folders? )?that no key of the register names/,
  );
  for (const [like, key] of pairs) {
    expect(res.row(key)!.completeness, key).toMatch(/^incomplete: a customer folder named like its key/);
    expect(res.row(key)!.completeness, key).toContain(like.replace(/"/g, '""'));
    expect(res.statement(key), key).toMatch(/CANNOT BE RULED OUT/);
    expect(res.statement(key), key).not.toMatch(/Not affected/);
  }
}

describe('C4: the forms a copy gives a key', () => {
  /** before: every one "complete", 0 files, "Not affected"; only 812345008 (round 23's rule) was caught */
  it('phone forms of the customer line (--country SE): E.164, 00, the calling code, grouped', () => {
    const root = join(tempDir(), 'tree');
    const forms = ['+46812345001', '0046812345002', '46812345003', '08-123 450 04', '(08) 12345007'];
    const keys = ['0812345001', '0812345002', '0812345003', '0812345004', '0812345007'];
    for (const f of forms) folder(root, f);
    folder(root, '0812345009');
    const res = run(root, [...keys, '0812345009'], ['--country', 'SE']);
    expectLookalikes(
      res,
      forms.map((f, i) => [f, keys[i]!]),
      '0812345009',
    );
  });

  /** the same numbers are other customers' when they are other numbers: no look-alike */
  it('other numbers are not alike', () => {
    expect(looseNames('0812345001', 'SE')).not.toEqual(expect.arrayContaining([...looseNames('+46812345002', 'SE')]));
    const a = new Set(looseNames('0812345001', 'SE'));
    expect(looseNames('+46812345002', 'SE').some((f) => a.has(f))).toBe(false);
    expect(looseNames('0046812345001', 'SE').some((f) => a.has(f))).toBe(true);
  });

  /** before: all "complete", "Not affected", exit 0 (the Latin-1 control alone was caught) */
  it('names mangled by a copy: mojibake, CP437 (unpacked and raw bytes), percent escapes', () => {
    const root = join(tempDir(), 'tree');
    const mojibake = Buffer.from('FÃ¶rsÃ¤kring VÃ¤st'); // UTF-8 read as CP1252, written as UTF-8
    const cp437 = Buffer.from('Tandl├ñkarna Syd'); // a zip's UTF-8 names read as CP437
    const raw437 = Buffer.from([...Buffer.from('Sj'), 0x94, ...Buffer.from('bo Tr'), 0x84]); // DOS bytes: Sjöbo Trä
    const percent = Buffer.from('%C3%85keri%20%C3%96st');
    for (const n of [mojibake, cp437, raw437, percent]) folder(root, n);
    folder(root, 'found');
    const res = run(root, ['Försäkring Väst', 'Tandläkarna Syd', 'Sjöbo Trä', 'Åkeri Öst', 'found']);
    expectLookalikes(
      res,
      [
        ['FÃ¶rsÃ¤kring VÃ¤st', 'Försäkring Väst'],
        ['Tandl├ñkarna Syd', 'Tandläkarna Syd'],
        ['Sj\\x94bo Tr\\x84', 'Sjöbo Trä'],
        ['%C3%85keri%20%C3%96st', 'Åkeri Öst'],
      ],
      'found',
    );
  });

  /** before: "complete", exit 0 */
  it('accents stripped, capitals with ß as SS, _ for spaces', () => {
    const root = join(tempDir(), 'tree');
    for (const n of ['Forsakring Vast', 'STRASSE', 'Acme_Forsakring_AB', 'found']) folder(root, n);
    const res = run(root, ['Försäkring Väst', 'Straße', 'Acme Forsakring AB', 'found']);
    expectLookalikes(
      res,
      [
        ['Forsakring Vast', 'Försäkring Väst'],
        ['STRASSE', 'Straße'],
        ['Acme_Forsakring_AB', 'Acme Forsakring AB'],
      ],
      'found',
    );
    expect(looseName('STRASSE')).toBe(looseName('Straße'));
    expect(looseName('acme')).not.toBe(looseName('acne'));
  });

  /** round 24c N2, before: "complete", "Not affected", exit 0 */
  it('a slash or colon a folder cannot hold (A:S, A_S, Samba private-use), curly apostrophes', () => {
    const root = join(tempDir(), 'tree');
    for (const n of ['Nordic A:S', 'Acme\uF03A Sales', 'O’Brien Taxi', 'found']) folder(root, n);
    const res = run(root, ['Nordic A/S', 'Acme: Sales', "O'Brien Taxi", 'found']);
    expectLookalikes(
      res,
      [
        ['Nordic A:S', 'Nordic A/S'],
        ['Acme\uF03A Sales', 'Acme: Sales'],
        ['O’Brien Taxi', "O'Brien Taxi"],
      ],
      'found',
    );
    for (const n of ['Nordic A_S', 'Nordic A\uF02FS', 'nordic a s']) expect(looseName(n)).toBe(looseName('Nordic A/S'));
    expect(looseName('O´Brien')).toBe(looseName("O'Brien"));
    expect(looseName('Nordic AS')).not.toBe(looseName('Nordic A/S'));
  });
});

describe('C6: an unreadable folder whose {customer} capture is only like a key', () => {
  /** before: acme "complete", its statement "Not affected", the gap charged to (top level) alone */
  it('counts against the key, as with --depth, and in a replay of the case file', (ctx) => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, '2018/ACME/c.wav', pcm8(8000));
    put(root, '2019/beta/c.wav', pcm8(8000));
    chmodSync(join(root, '2018/ACME'), 0o000);
    const out = join(base, 'out');
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    const reg = put(base, 'reg.csv', 'key,controller\nacme,A AB\nbeta,B AB\n');
    const u = unprivileged(root, base);
    if (u.skip !== undefined) return unavailable(ctx, u.skip);
    const pattern = ['--pattern', '*/{customer}/*', '--register', reg];
    const scan = u.run([root, ...pattern, '--csv', join(out, 'p.csv'), '--statements', join(out, 'st')]);
    expect(scan.status, scan.stderr).toBe(3);
    const rows = csvObjects(readFileSync(join(out, 'p.csv'), 'utf8'));
    expect(rows.find((x) => x.customer === 'acme')!.completeness).toMatch(
      /^incomplete: 1 folder that could hold its files could not be read/,
    );
    // the folder's capture is ACME, a customer no key names: whose it is is not known until it is
    // assigned, a gap of beta's too (round 28b C2; before, "complete")
    expect(rows.find((x) => x.customer === 'beta')!.completeness).toMatch(
      /^incomplete: 1 customer that no key of the register names holds 1 folder that could not be read/,
    );
    const st = htmlText(readFileSync(join(out, 'st', 'A AB.html'), 'utf8'));
    expect(st).toMatch(/CANNOT BE RULED OUT/);
    expect(st).not.toMatch(/Not affected/);
    // the same from a case file
    const kase = u.run([root, ...pattern, '--case', join(out, 'x.case'), '--csv', join(out, 'c.csv')]);
    expect(kase.status, kase.stderr).toBe(3);
    const from = u.run(['--from', join(out, 'x.case'), ...pattern, '--csv', join(out, 'f.csv')]);
    expect(from.status, from.stderr).toBe(3);
    const replayed = csvObjects(readFileSync(join(out, 'f.csv'), 'utf8'));
    expect(replayed.find((x) => x.customer === 'acme')!.completeness).toMatch(/^incomplete: 1 folder/);
  });
});

describe('C5: a name the {customer} pattern reads two ways', () => {
  const ITELL = '*/*/*-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';

  /** before: 08-1234 "complete", 0 files, "Not affected", exit 0 (its file in the row 08) */
  it('a register key among the other values is incomplete, also replayed from a case file', () => {
    const base = tempDir();
    const root = join(base, 'tree');
    put(root, '2019/01/in-08-1234-0701740699-20190101-101010-x.wav', pcm8(8000));
    put(root, '2019/01/in-0812345002-0701740698-20190101-101010-x.wav', pcm8(8000));
    const keys = ['08-1234', '0812345002'];
    const res = run(root, keys, ['--pattern', ITELL]);
    expect(res.r.status, res.r.stderr).toBe(3);
    // placed as before: the shortest value
    expect(res.row('08')!.files).toBe('1');
    expect(res.row('08-1234')!.completeness).toMatch(
      /^incomplete: 1 file whose name the pattern reads two ways could be its \(placed under another \{customer\} value\); 2 customers that no key/,
    );
    // (08, which no key names, may be anyone's; and 1234, another reading no key names: round 29b M1)
    expect(res.row('0812345002')!.completeness).toMatch(
      /^incomplete: \d+ customers? (folders? )?that no key of the register names/,
    );
    expect(res.statement('08-1234')).toMatch(/CANNOT BE RULED OUT/);
    expect(res.statement('08-1234')).not.toMatch(/Not affected/);
    // the case file keeps the paths: --from places them again, and reads them two ways again
    const out = tempDir();
    const reg = register(out, keys);
    const kase = join(out, 'x.case');
    expect(runCli([root, '--pattern', ITELL, '--case', kase, '--csv', join(out, 'a.csv')]).status).toBe(0);
    const from = runCli(['--from', kase, '--pattern', ITELL, '--register', reg, '--csv', join(out, 'f.csv')]);
    expect(from.status, from.stderr).toBe(3);
    const rows = csvObjects(readFileSync(join(out, 'f.csv'), 'utf8'));
    expect(rows.find((x) => x.customer === '08-1234')!.completeness).toMatch(/reads two ways/);
  });

  it('the other values: every split the name matches, a few at most, the placement unchanged', () => {
    const m = matchPattern(compilePattern(ITELL), '2019/01/in-08-1234-0701740699-20190101-101010-x.wav', 'UTC')!;
    expect(m.customer).toBe('08');
    expect(m.otherCustomers).toEqual(['08-1234', '1234']);
    expect(
      matchPattern(compilePattern(ITELL), '2019/01/in-0812345002-0701740698-20190101-101010-x.wav', 'UTC'),
    ).not.toHaveProperty('otherCustomers');
    // a hostile name of 241 characters: read more ways than are kept (~14,000 splits), it is unmatched,
    // a gap of every row, not placed at the shortest with its other readings dropped (round 29b C4)
    expect(matchPattern(compilePattern('*-{customer}-*'), 'x-'.repeat(120) + 'y', 'UTC')).toBeUndefined();
    // nine readings (x, x-x, … eight others): every one kept; ten: unmatched
    const nine = matchPattern(compilePattern('*-{customer}-*'), 'x-'.repeat(10) + 'y', 'UTC')!;
    expect(nine.customer).toBe('x');
    expect(nine.otherCustomers).toHaveLength(8);
    expect(matchPattern(compilePattern('*-{customer}-*'), 'x-'.repeat(11) + 'y', 'UTC')).toBeUndefined();
  });
});
