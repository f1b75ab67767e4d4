import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseRegister, RegisterError } from '../src/report/notify/register.js';
import { cutoffMs, parseAsOf, parseRetention, retentionDays, RetentionError } from '../src/report/notify/retention.js';
import { LEAK, runCli, tempDir } from './helpers.js';

const err = (text: string): string => {
  try {
    parseRegister(text, 'r.csv');
  } catch (e) {
    if (e instanceof RegisterError) return e.message;
    throw e;
  }
  throw new Error('no error');
};

describe('register', () => {
  it('reads , and ; (sniffed from the header), with and without a BOM, keys as text with their leading zeros', () => {
    for (const text of [
      'key,controller,org_id,retention_days\r\n0812345001,Acme AB,556000-0001,30\r\n0812345002,Acme AB,,30\r\n0812345010,"Bil, i Norr",,\r\n',
      '\uFEFFkey;controller;org_id;retention_days\n0812345001;Acme AB;556000-0001;30\n0812345002;Acme AB;;30\n0812345010;Bil, i Norr;;\n',
    ]) {
      const r = parseRegister(text, 'r.csv');
      expect(r.entries.map((e) => e.key)).toEqual(['0812345001', '0812345002', '0812345010']);
      expect(r.controllers.map((c) => [c.controller, c.keys, c.org_id])).toEqual([
        ['Acme AB', ['0812345001', '0812345002'], '556000-0001'],
        ['Bil, i Norr', ['0812345010'], ''],
      ]);
      expect(r.byKey.get('0812345001')!.retention_days).toBe(30);
      expect(r.byKey.get('0812345010')!.retention_days).toBeUndefined();
      expect(r.rows).toBe(3);
    }
  });
  it('column names in any case and order; optional columns may be absent', () => {
    const r = parseRegister('Controller,KEY\nAcme,001\n');
    expect(r.entries[0]).toMatchObject({ key: '001', controller: 'Acme', org_id: '', retention_days: undefined });
  });
  it("the two categories columns; an older register's one `categories` column reads as the data's", () => {
    const r = parseRegister(
      'key,controller,data_subject_categories,personal_data_categories\n001,Acme,callers,voice\n002,Acme,,\n',
    );
    expect(r.controllers[0]).toMatchObject({ data_subject_categories: 'callers', personal_data_categories: 'voice' });
    const old = parseRegister('key,controller,categories\n001,Acme,voice; health data\n');
    expect(old.controllers[0]).toMatchObject({
      data_subject_categories: '',
      personal_data_categories: 'voice; health data',
    });
    expect(err('key,controller,categories,personal_data_categories\n1,A,x,y\n')).toMatch(
      /^r\.csv line 1: both "categories" and "personal_data_categories"/,
    );
  });
  it('errors name the line', () => {
    expect(err('key,org_id\n1,x\n')).toBe(
      'r.csv line 1: no "controller" column (columns: key, controller, and optionally org_id, contact, retention_days, data_subject_categories, personal_data_categories; separated by , or ;)',
    );
    expect(err('controller\nx\n')).toMatch(/^r\.csv line 1: no "key" column/);
    expect(err('key,controller\n001,Acme\n002,Bil\n\n001,Bil\n')).toBe(
      'r.csv line 5: key 001 is given to "Bil" but line 2 gives it to "Acme"',
    );
    expect(err('key,controller,retention_days\n001,Acme,30\n002,Acme,30 days\n')).toMatch(
      /^r\.csv line 3: retention_days must be a whole number of days/,
    );
    expect(err('key,controller,retention_days\n001,Acme,0\n')).toMatch(/^r\.csv line 2: retention_days/);
    expect(err('key,controller,retention_days\n001,Acme,-5\n')).toMatch(/^r\.csv line 2: retention_days/);
    expect(err('key,controller\n001,\n')).toBe('r.csv line 2: key 001 has no controller');
    expect(err('key,controller\n,Acme\n')).toBe('r.csv line 2: no key');
    expect(err('key,controller\n001,Acme,extra\n')).toBe('r.csv line 2: 3 values for 2 columns');
    expect(err('')).toMatch(/line 1: empty/);
    expect(err('key,controller\n"001,Acme\n')).toMatch(/^r\.csv line \d: not a readable CSV/);
  });
  it('the same key twice for the same controller is harmless', () => {
    expect(parseRegister('key,controller\n001,Acme\n001,Acme\n').entries).toHaveLength(1);
  });
});

describe('a bad register: exit 2 with the line, before the scan, nothing written', () => {
  const dir = tempDir();
  const cases: [string, string | null, RegExp][] = [
    ['missing column', 'key,org\n001,x\n', /--register: r\.csv line 1: no "controller" column/],
    [
      'duplicate key',
      'key,controller\n001,A\n001,B\n',
      /--register: r\.csv line 3: key 001 is given to "B" but line 2 gives it to "A"/,
    ],
    ['bad retention_days', 'key,controller,retention_days\n001,A,x\n', /--register: r\.csv line 2: retention_days/],
    ['unreadable file', null, /--register: cannot read the register .*r\.csv: no such file/],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const d = join(dir, name.replace(/ /g, '-'));
      const reg = join(d, 'r.csv');
      mkdirSync(d);
      if (text !== null) writeFileSync(reg, text);
      const r = runCli([LEAK, '--register', reg, '--csv', join(d, 's.csv'), '--xlsx', join(d, 's.xlsx')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(existsSync(join(d, 's.csv'))).toBe(false);
      expect(readdirSync(d).filter((f) => f !== 'r.csv')).toEqual([]);
    });
  }
  it('bad --retention, --as-of, --country: exit 2', () => {
    for (const [args, re] of [
      [['--retention', '30x'], /--retention must be/],
      [['--retention', '0d'], /--retention must be/],
      [['--as-of', '2019-02-30'], /--as-of must be/],
      [['--as-of', '18/02/2019'], /--as-of must be/],
      [['--country', 'XX'], /--country must be an ISO 3166/],
      [['--xlsx', '-'], /--xlsx needs a file name/],
      [['--statements', join(LEAK, 'st')], /--statements: refusing to write into the evidence tree/],
    ] as [string[], RegExp][]) {
      const r = runCli([LEAK, ...args, '--csv', '-']);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });
});

describe('retention arithmetic', () => {
  it('--retention units', () => {
    expect(parseRetention('30d')).toMatchObject({ n: 30, unit: 'd', text: '30d' });
    expect(parseRetention('30')).toMatchObject({ n: 30, unit: 'd' });
    expect(parseRetention('6M')).toMatchObject({ n: 6, unit: 'm' });
    expect(() => parseRetention('1.5y')).toThrow(RetentionError);
  });
  it('--as-of: a date is the start of that day in the zone; date-times with and without offsets', () => {
    expect(new Date(parseAsOf('2019-02-18', 'Europe/Stockholm')).toISOString()).toBe('2019-02-17T23:00:00.000Z');
    expect(new Date(parseAsOf('2019-07-01T09:30', 'Europe/Stockholm')).toISOString()).toBe('2019-07-01T07:30:00.000Z');
    expect(new Date(parseAsOf('2019-02-18T09:30:00+05:30', 'Europe/Stockholm')).toISOString()).toBe(
      '2019-02-18T04:00:00.000Z',
    );
    expect(new Date(parseAsOf('2019-02-18T09:30Z', 'Europe/Stockholm')).toISOString()).toBe('2019-02-18T09:30:00.000Z');
  });
  it('cutoffs are calendar days in the zone, across a DST change', () => {
    const asOf = parseAsOf('2019-04-10', 'Europe/Stockholm'); // CEST
    const cut = cutoffMs(asOf, { n: 30, unit: 'd' }, 'Europe/Stockholm');
    expect(new Date(cut).toISOString()).toBe('2019-03-10T23:00:00.000Z'); // 2019-03-11 00:00 CET
    expect(asOf - cut).toBe(30 * 86_400_000 - 3_600_000); // one day of the thirty had 23 hours
    expect(retentionDays(asOf, cut, 'Europe/Stockholm')).toBe(30);
    const m = cutoffMs(parseAsOf('2019-03-31', 'UTC'), { n: 1, unit: 'm' }, 'UTC');
    expect(new Date(m).toISOString()).toBe('2019-02-28T00:00:00.000Z'); // date-fns clamps to the month's end
    expect(retentionDays(parseAsOf('2019-03-31', 'UTC'), m, 'UTC')).toBe(31);
  });
});
