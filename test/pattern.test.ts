import { describe, expect, it } from 'vitest';
import { compilePattern, matchPattern, PatternError } from '../src/scan/pattern.js';

const ITELL = '*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';

describe('--pattern templates', () => {
  it('captures customer, caller and date from the Itell-style name', () => {
    const p = compilePattern(ITELL);
    const m = matchPattern(p, '2019/01/14/in-0812345001-0701740611-20190114-083012-1547451012.52.wav', 'Europe/Stockholm');
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
    expect(matchPattern(p, 'acme/14.01.2019 kl 08.30.wav', 'UTC')).toEqual({ customer: 'acme', dateMs: Date.UTC(2019, 0, 14, 8, 30) });
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
  ] as const) {
    it(`rejects "${bad}"`, () => {
      expect(() => compilePattern(bad)).toThrow(PatternError);
      expect(() => compilePattern(bad)).toThrow(msg);
    });
  }
});
