/**
 * What the UI gets from the engine, and what it does with it per snapshot: rows shared between
 * snapshots (a changed row is a new object, an unchanged one the same), the table's order kept up to
 * date by merging what changed (the same order as a full sort, every time), the walk's skips and the
 * unmatched files' example paths while the scan runs.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aggregator, type CustomerTotals } from '../src/scan/tally/aggregate.js';
// the built engine: its reader threads (--threads 2) run the built worker
import { Scanner, type ScanConfig } from '../dist/scan/engine.js';
import { compilePattern } from '../dist/scan/place/pattern.js';
import type { FileRecord } from '../src/scan/model.js';
import { SORT_KEYS, sortRows } from '../src/tui/state.js';
import { SortedRows, tableTotals } from '../src/tui/view.js';
import { completeness, completenessLine } from '../src/tui/format.js';
import { tempDir } from './helpers.js';
import { ZONE, cust } from './tui-helpers.js';

const rec = (customer: string, seconds: number, startMs?: number): FileRecord => ({
  customer,
  row: 'customer',
  kind: 'audio',
  bytes: 10,
  seconds,
  startMs,
  month: startMs === undefined ? undefined : '2019-01',
});

describe('the engine’s rows between snapshots', () => {
  it('an unchanged row is the same object, a changed one a new one, a new row comes last', () => {
    const agg = new Aggregator(false);
    agg.add(rec('b', 1));
    agg.add(rec('a', 1));
    agg.add(rec('c', 1));
    const one = agg.live();
    expect(one.map((r) => r.customer)).toEqual(['b', 'a', 'c']); // the order they first appeared
    expect(agg.live()).toEqual(one); // nothing changed: equal rows…
    expect(agg.live()[0]).toBe(one[0]); // …and the same objects
    agg.add(rec('a', 2));
    agg.add(rec('0-new', 5));
    const two = agg.live();
    expect(two.map((r) => r.customer)).toEqual(['b', 'a', 'c', '0-new']);
    expect(two[0]).toBe(one[0]);
    expect(two[2]).toBe(one[2]);
    expect(two[1]).not.toBe(one[1]);
    expect(two[1]!.audioMicros / 1e6).toBe(3);
    expect(one[1]!.audioMicros / 1e6).toBe(1); // the old snapshot's row did not change
    expect(Object.isFrozen(two)).toBe(true);
    expect(Object.isFrozen(two[1])).toBe(true);
    // the result's rows are still by name
    expect(agg.customers().map((r) => r.customer)).toEqual(['0-new', 'a', 'b', 'c']);
  });
});

describe('the table’s order, kept up to date', () => {
  /** a deterministic pseudo-random sequence (no flaky seeds) */
  function rng(seed: number): () => number {
    let x = seed;
    return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  }
  it('is what a full sort gives, for every column and direction, through many snapshots', () => {
    const r = rng(7);
    const make = (i: number): CustomerTotals =>
      cust(`c${Math.floor(r() * 50)}-${i}`, Math.floor(r() * 20), {
        firstMs: r() < 0.2 ? undefined : Math.floor(r() * 1000),
        lastMs: Math.floor(r() * 1000),
        unreadableFiles: Math.floor(r() * 3),
      });
    let rows: CustomerTotals[] = Array.from({ length: 300 }, (_, i) => make(i));
    const merges: string[] = [];
    for (const sort of SORT_KEYS) {
      for (const reverse of [false, true]) {
        const view = new SortedRows();
        for (let step = 0; step < 25; step++) {
          const got = view.update(rows, sort, reverse);
          const want = sortRows(rows, sort, reverse);
          expect(
            got.map((x) => x.customer),
            `${sort} ${reverse} step ${step}`,
          ).toEqual(want.map((x) => x.customer));
          merges.push(view.lastUpdate);
          // the next snapshot: a few rows changed (new objects, same place), a few new rows at the end
          rows = rows.map((x) =>
            r() < 0.03 ? { ...x, files: x.files + Math.floor(r() * 5), firstMs: Math.floor(r() * 1000) } : x,
          );
          if (step % 3 === 0) rows.push(make(rows.length), make(rows.length + 1));
        }
      }
    }
    expect(merges).toContain('merge');
    expect(merges).toContain('full');
  });
  it('gives the same array while the snapshot is the same', () => {
    const rows = [cust('a', 1), cust('b', 2)];
    const view = new SortedRows();
    const first = view.update(rows, 'files', false);
    expect(view.update(rows, 'files', false)).toBe(first);
    expect(view.update([...rows], 'files', false)).toBe(first); // a copy with the same rows: nothing changed
    expect(view.lastUpdate).toBe('same');
  });
  it('a filtered total adds up the rows shown, and leaves callers out (a sum would count a caller twice)', () => {
    const t = tableTotals([
      cust('a', 2, { firstMs: 5, lastMs: 9, distinctCallers: 3 }),
      cust('b', 1, { firstMs: 2, lastMs: 4, unreadableFiles: 1, distinctCallers: 3 }),
    ]);
    expect(t).toEqual({
      files: 3,
      audioFiles: 3,
      audioMicros: 3 * 3600 * 1e6,
      firstMs: 2,
      lastMs: 9,
      unreadableFiles: 1,
      distinctCallers: undefined,
    });
  });
});

describe('what was not counted, while the scan runs', () => {
  const cfg = (root: string, extra: Partial<ScanConfig> = {}): ScanConfig => ({
    root,
    depth: 1,
    zone: ZONE,
    threads: 0,
    ...extra,
  });

  it('links and special files skipped are in the progress as the walk meets them, before the scan ends', async () => {
    const root = tempDir();
    symlinkSync('/etc/hostname', join(root, 'a-link'));
    execFileSync('mkfifo', [join(root, 'a-fifo')]);
    mkdirSync(join(root, 'k'));
    for (let i = 0; i < 600; i++) writeFileSync(join(root, 'k', `${i}.ul`), Buffer.alloc(80));
    // the walk waits on its output at its first pause (after 256 files): the scan is held mid-way
    let held!: () => void;
    let pausedAt: (() => void) | undefined;
    const paused = new Promise<void>((resolve) => (pausedAt = resolve));
    let first = true;
    const s = new Scanner(cfg(root), undefined, () => {
      if (!first) return undefined;
      first = false;
      pausedAt?.();
      return new Promise<void>((resolve) => (held = resolve));
    });
    const done = s.run();
    await paused;
    const mid = s.snapshot();
    expect(mid.finished).toBe(false);
    expect(mid.progress.walkDone).toBe(false);
    expect(mid.progress).toMatchObject({ linksSkipped: 1, specialSkipped: 1, unreadableFolders: 0 });
    const line = completenessLine(completeness(mid.totals, mid.result, mid.progress));
    expect(line.warn).toBe(true);
    expect(line.text).toMatch(/^! 1 link skipped · 1 special file skipped\b.*\(so far\)$/);
    held();
    const r = await done;
    const end = s.snapshot();
    expect(end.progress).toMatchObject({
      linksSkipped: r.linksSkipped,
      specialSkipped: r.specialSkipped,
      unreadableFolders: r.unreadableFolders,
    });
    const final = completenessLine(completeness(end.totals, end.result, end.progress)).text;
    expect(final).toMatch(/^! 1 link skipped · 1 special file skipped\b/);
    expect(final).not.toMatch(/so far/);
  });

  it('unmatched files: counted live, and the first five paths (by path, whatever the threads) kept for the (unmatched) view', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'calls'));
    for (let i = 0; i < 12; i++) writeFileSync(join(root, 'calls', `in-acme-${i}.ul`), Buffer.alloc(80));
    for (let i = 0; i < 9; i++) writeFileSync(join(root, 'calls', `out-0701740${i}-x.ul`), Buffer.alloc(80));
    const examples: string[][] = [];
    for (const threads of [0, 2]) {
      const s = new Scanner(cfg(root, { threads, pattern: compilePattern('*/in-{customer}-*') }));
      const r = await s.run();
      const snap = s.snapshot();
      expect(snap.progress.unmatched).toBe(9);
      expect(r.unmatched).toBe(9);
      const row = snap.customers.find((c) => c.kind === 'unmatched')!;
      examples.push([...(row.unmatchedExamples ?? [])]);
      // only the unmatched row keeps paths
      expect(snap.customers.filter((c) => c.unmatchedExamples)).toHaveLength(1);
    }
    expect(examples[0]).toEqual([
      'calls/out-07017400-x.ul',
      'calls/out-07017401-x.ul',
      'calls/out-07017402-x.ul',
      'calls/out-07017403-x.ul',
      'calls/out-07017404-x.ul',
    ]);
    expect(examples[1]).toEqual(examples[0]);
  });
});
