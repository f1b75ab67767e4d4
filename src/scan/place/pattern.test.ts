import { describe, expect, it } from 'vitest';
import { compilePattern, matchPattern, PatternError } from './pattern.js';

const ITELL = '*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';

describe('--pattern templates', () => {
  it('captures customer, caller and date from the Itell-style name', () => {
    const p = compilePattern(ITELL);
    const m = matchPattern(
      p,
      '2019/01/14/in-0812345001-0701740611-20190114-083012-1547451012.52.wav',
      'Europe/Stockholm',
    );
    expect(m).toEqual({ customer: '0812345001', caller: '0701740611', dateMs: Date.UTC(2019, 0, 14, 7, 30, 12) });
  });
  it('does not match other folder depths or names', () => {
    const p = compilePattern(ITELL);
    expect(matchPattern(p, '2019/01/in-1-2-20190114-083012-x.wav', 'UTC')).toBeUndefined();
    expect(matchPattern(p, '2019/01/14/out-1-2-20190114-083012-x.wav', 'UTC')).toBeUndefined();
  });
  it('* stays inside one name; ** spans folders', () => {
    expect(matchPattern(compilePattern('{customer}/*.wav'), 'acme/x/y.wav', 'UTC')).toBeUndefined();
    expect(matchPattern(compilePattern('{customer}/**/*.wav'), 'acme/x/y/z.wav', 'UTC')).toEqual({ customer: 'acme' });
    expect(matchPattern(compilePattern('{customer}/**/*.wav'), 'acme/z.wav', 'UTC')).toEqual({ customer: 'acme' });
    expect(matchPattern(compilePattern('{customer}/**'), 'acme/a/b/c', 'UTC')).toEqual({ customer: 'acme' });
  });
  it('regular-expression characters in the template are literal', () => {
    const p = compilePattern('(a+b)/{customer}.[x]');
    expect(matchPattern(p, '(a+b)/k.[x]', 'UTC')).toEqual({ customer: 'k' });
    expect(matchPattern(p, 'aab/k.x', 'UTC')).toBeUndefined();
  });
  it('a date that matches the shape but not the calendar is left for the next date source', () => {
    const p = compilePattern('{date:yyyyMMdd}-*');
    expect(matchPattern(p, '20191399-a.wav', 'UTC')).toEqual({});
  });
  it('other date-fns formats: quoted literals and dots', () => {
    const p = compilePattern("{customer}/{date:dd.MM.yyyy' kl 'HH.mm}.wav");
    expect(matchPattern(p, 'acme/14.01.2019 kl 08.30.wav', 'UTC')).toEqual({
      customer: 'acme',
      dateMs: Date.UTC(2019, 0, 14, 8, 30),
    });
  });
  for (const [bad, msg] of [
    ['', /empty/],
    ['a//b', /empty folder/],
    ['{customer', /unclosed/],
    ['{client}/*', /unknown capture \{client\}/],
    ['{customer}/{customer}', /twice/],
    ['{date:}', /needs a date-fns format/],
    ['{date:yyyyQQ}', /not supported/],
    ['a}/b', /stray/],
    // formats date-fns writes but cannot read back (they used to fail every reader thread mid-scan)
    ['{date:yyyy-D}', /day of the year/],
    ['{date:DD}', /day of the year/],
    ['{date:HH-hh}', /cannot be read back: .*HH.*hh/],
    ['{date:yy-uu}', /cannot be read back/],
    ['{date:MM-LL}', /cannot be read back/],
    ['{date:kk-HH}', /cannot be read back/],
    ['{date:T-T}', /cannot be read back/],
  ] as const) {
    it(`rejects "${bad}"`, () => {
      expect(() => compilePattern(bad)).toThrow(PatternError);
      expect(() => compilePattern(bad)).toThrow(msg);
    });
  }

  it('a run of stars is one star, and 60 stars on a 255-character name match at once', () => {
    const name = 'a'.repeat(254) + 'b';
    const p = compilePattern('{customer}/' + '*a'.repeat(60) + '*c');
    // the old regular expression backtracked over this for hours; this returns (no timing asserted)
    expect(matchPattern(p, `k/${name}`, 'UTC')).toBeUndefined();
    expect(matchPattern(compilePattern('{customer}/' + '*a'.repeat(60) + '*b'), `k/${name}`, 'UTC')).toEqual({
      customer: 'k',
    });
    expect(matchPattern(compilePattern('{customer}/x****y'), 'k/x-anything-y', 'UTC')).toEqual({ customer: 'k' });
    expect(matchPattern(compilePattern('{customer}/x****y'), 'k/x/y', 'UTC')).toBeUndefined();
  });
  it('captures are as short as they can be, ** takes as many folders as it can (as the regular expression did)', () => {
    // the other values the name can be read with are kept beside (round 24b C5), the placement is the shortest
    expect(matchPattern(compilePattern('{customer}-{caller}.wav'), 'a-b-c.wav', 'UTC')).toEqual({
      customer: 'a',
      otherCustomers: ['a-b'],
      caller: 'b-c',
    });
    expect(matchPattern(compilePattern('**/{customer}/*'), 'x/y/z/f', 'UTC')).toEqual({ customer: 'z' });
    expect(matchPattern(compilePattern('*-{customer}'), 'a-b-c', 'UTC')).toEqual({
      customer: 'b-c',
      otherCustomers: ['c'],
    });
    expect(matchPattern(compilePattern('{customer}/**'), 'acme', 'UTC')).toBeUndefined();
    expect(matchPattern(compilePattern('**'), 'acme/x', 'UTC')).toEqual({});
    // names are code points: a capture never splits a character outside the BMP
    expect(matchPattern(compilePattern('{customer}{caller}'), '\u{1F4DE}\u{1F4DE}', 'UTC')).toEqual({
      customer: '\u{1F4DE}',
      caller: '\u{1F4DE}',
    });
  });
  it('a time of day alone takes its day from the yyyy/MM/dd folders', () => {
    const p = compilePattern('{customer}/*/*/*/{date:HHmmss}.wav');
    expect(matchPattern(p, 'acme/2019/01/14/083012.wav', 'Europe/Stockholm')).toEqual({
      customer: 'acme',
      dateMs: Date.UTC(2019, 0, 14, 7, 30, 12),
    });
    // no day in the folders: no pattern date (the next date source decides), never 2000-01-01
    expect(matchPattern(compilePattern('{customer}/{date:HHmmss}.wav'), 'acme/083012.wav', 'UTC')).toEqual({
      customer: 'acme',
    });
  });
});
