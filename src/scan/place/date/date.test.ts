import { describe, expect, it } from 'vitest';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { dateFromFolders, dateFromName, resolveStart } from './resolve.js';
import { formatIso, monthKey, naiveToMs } from './zone.js';

const STHLM = 'Europe/Stockholm';
const iso = (ms: number | undefined, zone = STHLM) => (ms === undefined ? undefined : formatIso(zone, ms));

describe('time stamps in file names', () => {
  const cases: [string, string][] = [
    ['20190114-083012_0701740605.wav', '2019-01-14T08:30:12+01:00'],
    ['rec_20190114_083012.wav', '2019-01-14T08:30:12+01:00'],
    ['2019-01-14_08-30-12-in.wav', '2019-01-14T08:30:12+01:00'],
    ['call 2019-07-14T08:30:12.wav', '2019-07-14T08:30:12+02:00'],
    ['call 2019-07-14T08:30:12Z.wav', '2019-07-14T10:30:12+02:00'],
    ['call 2019-07-14T08:30:12+05:30.wav', '2019-07-14T05:00:12+02:00'],
    ['20190114083012.gsm', '2019-01-14T08:30:12+01:00'],
    ['1547451012.52.wav', '2019-01-14T08:30:12+01:00'],
    ['in-0812345001-0701740611-20190114-083012-1547451012.52.wav', '2019-01-14T08:30:12+01:00'],
  ];
  for (const [name, want] of cases) {
    it(name, () => {
      const d = dateFromName(name, STHLM);
      expect(d?.source).toBe('filename');
      expect(iso(d?.ms)).toBe(want);
    });
  }
  it('phone numbers and impossible dates are not time stamps', () => {
    expect(dateFromName('0701740605.wav', STHLM)).toBeUndefined();
    expect(dateFromName('46701740605123.wav', STHLM)).toBeUndefined(); // 14 digits, year 4670
    expect(dateFromName('20191332-083012.wav', STHLM)).toBeUndefined(); // month 13
    expect(dateFromName('20190230-083012.wav', STHLM)).toBeUndefined(); // 30 February
    expect(dateFromName('0701740605.12.wav', STHLM)).toBeUndefined(); // not an epoch
  });
  it('naive times are read in --tz', () => {
    expect(dateFromName('20190114-083012.wav', 'UTC')!.ms).toBe(Date.UTC(2019, 0, 14, 8, 30, 12));
    expect(dateFromName('20190114-083012.wav', 'America/New_York')!.ms).toBe(Date.UTC(2019, 0, 14, 13, 30, 12));
  });
});

describe('folders', () => {
  it('yyyy/MM/dd and yyyy-MM-dd', () => {
    expect(dateFromFolders(['1177', '2019', '01', '14'])).toEqual({ y: 2019, mo: 1, d: 14 });
    expect(dateFromFolders(['kund', '2019-02-03'])).toEqual({ y: 2019, mo: 2, d: 3 });
    expect(dateFromFolders(['kund', '2019', '13', '01'])).toBeUndefined();
    expect(dateFromFolders(['itell', '2019'])).toBeUndefined();
  });
});

describe('the order of date sources', () => {
  const base = { zone: STHLM, dirs: ['c', '2019', '01', '14'], mtimeMs: Date.UTC(2019, 0, 14, 12, 0, 0), seconds: 60 };
  it('pattern first', () => {
    expect(resolveStart({ ...base, name: '20180101-000000.wav', patternMs: Date.UTC(2017, 5, 1) })).toEqual({
      ms: Date.UTC(2017, 5, 1),
      source: 'pattern',
    });
  });
  it('then the name', () => {
    expect(
      resolveStart({
        ...base,
        name: '20180101-000000.wav',
        embedded: { naive: [2016, 1, 1, 0, 0, 0], source: 'riff-icrd' },
      })!.source,
    ).toBe('filename');
  });
  it('then the header', () => {
    const r = resolveStart({
      ...base,
      name: 'x.wav',
      embedded: { naive: [2016, 1, 1, 10, 0, 0], source: 'riff-icrd' },
    })!;
    expect([iso(r.ms), r.source]).toEqual(['2016-01-01T10:00:00+01:00', 'riff-icrd']);
    const m = resolveStart({ ...base, name: 'x.m4a', embedded: { ms: Date.UTC(2016, 0, 1), source: 'mp4-creation' } })!;
    expect([m.ms, m.source]).toEqual([Date.UTC(2016, 0, 1), 'mp4-creation']);
  });
  it('then the folder, with the time of day from mtime when the days agree', () => {
    const r = resolveStart({ ...base, name: 'x.wav' })!;
    expect([iso(r.ms), r.source]).toEqual(['2019-01-14T12:59:00+01:00', 'folder+mtime']);
    const far = resolveStart({ ...base, name: 'x.wav', mtimeMs: Date.UTC(2020, 5, 5) })!;
    expect([iso(far.ms), far.source]).toEqual(['2019-01-14T00:00:00+01:00', 'folder']);
  });
  it('last, mtime less the length of the call', () => {
    const r = resolveStart({ ...base, dirs: ['c'], name: 'x.wav' })!;
    expect([r.ms, r.source]).toEqual([Date.UTC(2019, 0, 14, 11, 59, 0), 'mtime']);
  });
  it('an mtime of 0 (a bad copy) is no date at all', () => {
    expect(resolveStart({ ...base, dirs: ['c'], name: 'x.wav', mtimeMs: 0 })).toBeUndefined();
  });
});

describe('zone arithmetic agrees with TZDate across DST changes', () => {
  for (const zone of ['Europe/Stockholm', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC']) {
    it(zone, () => {
      // every 5 minutes over the days around both 2019 changes
      for (const [mo, d0] of [
        [3, 8],
        [3, 29],
        [10, 25],
        [11, 1],
        [4, 5],
        [10, 4],
      ] as const) {
        for (let day = d0; day < d0 + 4; day++) {
          for (let min = 0; min < 24 * 60; min += 5) {
            const [h, mi] = [Math.floor(min / 60), min % 60];
            const want = new TZDate(2019, mo - 1, day, h, mi, 17, zone).getTime();
            expect(naiveToMs(zone, 2019, mo, day, h, mi, 17)).toBe(want);
          }
        }
      }
    });
  }
  it('formatIso gives what date-fns formats from a TZDate, every 7 minutes across DST changes', () => {
    for (const zone of [
      'Europe/Stockholm',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'America/St_Johns',
      'UTC',
    ]) {
      for (const start of [
        Date.UTC(2019, 2, 8),
        Date.UTC(2019, 2, 29),
        Date.UTC(2019, 3, 5),
        Date.UTC(2019, 9, 4),
        Date.UTC(2019, 9, 25),
        Date.UTC(2019, 10, 1),
      ]) {
        for (let ms = start; ms < start + 4 * 86_400_000; ms += 7 * 60_000 + 13_457) {
          expect(formatIso(zone, ms)).toBe(format(new TZDate(ms, zone), "yyyy-MM-dd'T'HH:mm:ssxxx"));
        }
      }
    }
  });
  it('formats with the offset in force and buckets months in the zone', () => {
    const ms = Date.UTC(2019, 0, 31, 23, 30);
    expect(formatIso(STHLM, ms)).toBe('2019-02-01T00:30:00+01:00');
    expect(monthKey(STHLM, ms)).toBe('2019-02');
    expect(monthKey('UTC', ms)).toBe('2019-01');
  });
});
