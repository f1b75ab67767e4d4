/**
 * The fast numeric date reader gives date-fns' instant wherever it answers: random wall times, every
 * quarter hour of DST-change days (gaps and repeats) in zones with odd offsets, and texts date-fns
 * refuses (month 13, 30 February, hour 24), which it refuses too.
 */
import { describe, expect, it } from 'vitest';
import { isValid, parse } from 'date-fns';
import { tz } from '@date-fns/tz';
import { readNumericDate } from './numeric.js';

const FORMATS = ['yyyyMMdd-HHmmss', 'yyyy-MM-dd_HH.mm.ss', 'yyyyMMddHHmmssSSS', 'dd.MM.yyyy HH:mm', 'yyyyMMdd'];
const ZONES = ['Europe/Stockholm', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
const REF = new Date(2000, 0, 1);

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function text(format: string, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): string {
  return format
    .replace('yyyy', pad(y, 4))
    .replace('MM', pad(mo, 2))
    .replace('dd', pad(d, 2))
    .replace('HH', pad(h, 2))
    .replace('mm', pad(mi, 2))
    .replace('SSS', pad(ms, 3))
    .replace('ss', pad(s, 2));
}

function dateFns(format: string, t: string, zone: string): number | undefined {
  const d = parse(t, format, REF, { in: tz(zone) });
  return isValid(d) ? d.getTime() : undefined;
}

describe('readNumericDate', () => {
  it('gives date-fns’ instant on random times and on every quarter hour of DST-change days', () => {
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let answered = 0;
    const check = (
      f: string,
      zone: string,
      y: number,
      mo: number,
      d: number,
      h: number,
      mi: number,
      s: number,
      ms: number,
    ) => {
      const t = text(f, y, mo, d, h, mi, s, ms);
      const fast = readNumericDate(f, t, zone);
      if (fast === undefined) return;
      answered++;
      expect(fast, `${f} ${t} ${zone}`).toBe(dateFns(f, t, zone));
    };
    for (const f of FORMATS)
      for (const zone of ZONES) {
        for (let i = 0; i < 300; i++)
          check(f, zone, 1990 + rnd(40), 1 + rnd(12), 1 + rnd(28), rnd(24), rnd(60), rnd(60), rnd(1000));
        // the DST changes of 2019 (Europe, North America, Lord Howe's half hour)
        for (const [mo, d] of [
          [3, 31],
          [10, 27],
          [3, 10],
          [11, 3],
          [4, 7],
          [10, 6],
        ] as const)
          for (let q = 0; q < 96; q++) check(f, zone, 2019, mo, d, Math.floor(q / 4), (q % 4) * 15, 30, 0);
      }
    expect(answered).toBeGreaterThan(10_000);
  });

  it('refuses what date-fns refuses, and leaves other formats to it', () => {
    for (const t of ['20191301-120000', '20190230-120000', '20190101-240000', '20190101-126000', '2019010-1120000'])
      expect(readNumericDate('yyyyMMdd-HHmmss', t, 'UTC')).toBeUndefined();
    expect(dateFns('yyyyMMdd-HHmmss', '20190230-120000', 'UTC')).toBeUndefined();
    expect(readNumericDate('yyyyMMdd-HHmmss', '20190228-120000', 'UTC')).toBe(Date.UTC(2019, 1, 28, 12));
    expect(readNumericDate('yyyyMMdd-HHmmss', '20200229-120000', 'UTC')).toBe(Date.UTC(2020, 1, 29, 12));
    for (const f of ['MMM d yyyy', "yyyyMMdd'T'HHmmss", 'yyyyMMdd hh:mm a', 'yyyyMMddHHmmssxx', 'HHmmss', 'yyMMdd'])
      expect(readNumericDate(f, '20190101-120000', 'UTC')).toBeUndefined();
  });
});
