/** Counts, caller keys and row labels: the pure parts of the aggregation. */
import { describe, expect, it } from 'vitest';
import { Counts } from './counts.js';
import { callerKey } from '../place/callers.js';
import { rowLabel, totalOf, totalsOf } from './aggregate.js';
import type { FileRecord } from '../model.js';

/** a deterministic mix of records: every kind, callers withheld or not, past retention or not */
function records(n: number): FileRecord[] {
  return Array.from({ length: n }, (_, i): FileRecord => {
    const kind = i % 11 === 0 ? 'unreadable' : i % 7 === 0 ? 'other' : 'audio';
    const r: FileRecord = {
      customer: 'c',
      row: 'customer',
      kind,
      bytes: 1000 + i,
      path: `p/${String(n - i).padStart(4, '0')}`,
    };
    if (i % 5 === 0) r.withheldCaller = true;
    else r.caller = `+46${i % 17}`;
    if (kind === 'unreadable') r.error = `e${i}`;
    if (kind === 'audio') {
      r.seconds = i / 3; // not a whole number of microseconds: rounding happens per file
      r.codec = i % 2 ? 'WAV/ULAW' : 'MP3';
      r.startMs = 1_500_000_000_000 + ((i * 7919) % 100) * 86_400_000;
      r.month = `2017-${String((i % 12) + 1).padStart(2, '0')}`;
      r.dateSource = i % 3 ? 'filename' : 'pattern';
      if (i % 4 === 0) r.pastRetention = true;
    }
    return r;
  });
}

const plain = (c: Counts) => ({ ...totalsOf(c, true, true), callers: [...(c.callers ?? [])].sort() });

describe('Counts', () => {
  const all = records(300);
  const oneByOne = new Counts();
  for (const r of all) oneByOne.add(r);

  it('adds every figure', () => {
    expect(oneByOne.files).toBe(300);
    expect(oneByOne.audioFiles + oneByOne.otherFiles + oneByOne.unreadableFiles).toBe(300);
    expect(oneByOne.withheldCallerCalls).toBe(60);
    expect(oneByOne.callers?.size).toBe(17);
    expect(oneByOne.pastRetentionFiles).toBeGreaterThan(0);
    expect(oneByOne.pastRetentionFiles).toBeLessThan(oneByOne.audioFiles);
    expect(oneByOne.oldestPastRetentionMs).toBeGreaterThanOrEqual(oneByOne.firstMs!);
    expect(oneByOne.unreadableExamples).toHaveLength(20);
    // examples in path order, whatever the order of arrival
    const paths = oneByOne.unreadableExamples.map((e) => e.path);
    expect(paths).toEqual([...paths].sort());
  });

  it('merging parts in any order gives exactly what adding one by one gives', () => {
    for (const [size, seed] of [
      [1, 1],
      [7, 2],
      [128, 3],
      [299, 4],
    ] as const) {
      const parts: Counts[] = [];
      for (let i = 0; i < all.length; i += size) {
        const p = new Counts();
        for (const r of all.slice(i, i + size)) p.add(r);
        parts.push(p);
      }
      // a fixed shuffle per case
      let s = seed;
      parts.sort(() => ((s = (s * 1103515245 + 12345) % 2 ** 31) % 3) - 1);
      const merged = new Counts();
      for (const p of parts) merged.merge(structuredClone<Counts>(p)); // as a thread's message
      expect(plain(merged)).toEqual(plain(oneByOne));
    }
  });

  it('revives a structured clone', () => {
    const c = Counts.revive(structuredClone<Counts>(oneByOne));
    expect(c).toBeInstanceOf(Counts);
    c.add(all[1]!);
    expect(c.files).toBe(301);
  });
});

describe('totalOf', () => {
  it('de-duplicates callers across rows when the rows carry their keys, and never sums them', () => {
    const a = new Counts();
    const b = new Counts();
    for (const k of ['1', '2', '3'])
      a.add({ customer: 'a', row: 'customer', kind: 'audio', bytes: 1, seconds: 1, caller: k });
    for (const k of ['3', '4'])
      b.add({ customer: 'b', row: 'customer', kind: 'audio', bytes: 1, seconds: 1, caller: k });
    b.add({ customer: 'b', row: 'customer', kind: 'audio', bytes: 1, seconds: 1, withheldCaller: true });
    const rows = [totalsOf(a, true, true), totalsOf(b, true, true)];
    const t = totalOf(rows, true);
    expect(t.distinctCallers).toBe(4);
    expect(t.withheldCallerCalls).toBe(1);
    expect(t.files).toBe(6);
    expect(t.audioMicros / 1e6).toBe(6);
    // without the keys (live snapshots) a sum would count caller 3 twice: it is left out instead
    expect(totalOf([totalsOf(a, true), totalsOf(b, true)], true).distinctCallers).toBeUndefined();
  });
});

describe('callerKey', () => {
  it('one caller however the number is written (E.164 under --country)', () => {
    for (const raw of ['0701740605', '+46 70-174 06 05', '0046701740605', '(070) 174.06.05']) {
      expect(callerKey(raw, 'SE'), raw).toBe('+46701740605');
    }
    // without a country a national number cannot be placed: the same text is still the same caller
    expect(callerKey('0701740605')).toBe('?0701740605');
    expect(callerKey('070-174 06 05')).toBe('?0701740605');
  });
  it('withheld, anonymous, unknown, private, empty and all-zero callers are no caller', () => {
    for (const raw of [
      '',
      '  ',
      'anonymous',
      'Anonymous',
      'WITHHELD',
      'unknown',
      'private',
      'Private-Number',
      'restricted',
      '0',
      '0000000',
      '+000',
    ]) {
      expect(callerKey(raw, 'SE'), raw).toBeUndefined();
    }
  });
});

describe('rowLabel', () => {
  it('shows built-in rows by their label and a folder that looks like one as itself, distinguishably', () => {
    expect(rowLabel({ customer: '(unmatched)', kind: 'unmatched' })).toBe('(unmatched)');
    expect(rowLabel({ customer: '(top level)', kind: 'top-level' })).toBe('(top level)');
    expect(rowLabel({ customer: '(unmatched)', kind: 'customer' })).toBe('./(unmatched)');
    expect(rowLabel({ customer: '(total)', kind: 'customer' })).toBe('./(total)');
    expect(rowLabel({ customer: 'kund-1', kind: 'customer' })).toBe('kund-1');
  });
});
