/** The engine on real trees: threads vs one thread, hostile trees, the evidence left untouched. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, statSync, utimesSync, readdirSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
// the built engine: its reader threads are dist/scan/read/worker.js
import { Scanner, scan, type ScanConfig, type ScanSnapshot, type CustomerTotals } from '../dist/scan/engine.js';
import { callerKey } from '../dist/scan/place/callers.js';
import { compilePattern } from '../dist/scan/place/pattern.js';
import { LEAK, put, tempDir, wav, runCli, csvObjects, unprivileged } from './helpers.js';
import { unavailable } from './needs.js';

const cfg = (root: string, extra: Partial<ScanConfig> = {}): ScanConfig => ({
  root,
  depth: 1,
  zone: 'Europe/Stockholm',
  threads: 2,
  ...extra,
});

/** A generated leak: customers, year/month/day folders, several codecs, some broken files. */
function generatedLeak(files: number): string {
  const root = tempDir();
  for (let i = 0; i < files; i++) {
    const c = `kund-${i % 7}`;
    const day = String((i % 28) + 1).padStart(2, '0');
    const dir = `${c}/2019/0${(i % 9) + 1}/${day}`;
    const name = `${dir}/2019${String((i % 9) + 1).padStart(2, '0')}${day}-10${String(i % 60).padStart(2, '0')}00_070174${String(i % 1000).padStart(4, '0')}`;
    if (i % 13 === 0) put(root, `${name}.wav`, '');
    else if (i % 5 === 0) put(root, `${name}.gsm`, Buffer.alloc(33 * (50 + (i % 400))));
    else put(root, `${name}.wav`, wav({ tag: i % 2 ? 7 : 6, dataBytes: 800 * (1 + (i % 50)) }));
  }
  mkdirSync(join(root, 'tom-kund'));
  return root;
}

function comparable(r: Awaited<ReturnType<typeof scan>>) {
  return { customers: r.customers, totals: r.totals };
}

describe('reader threads give exactly the single-threaded result', () => {
  it('on samples/leak', async () => {
    const [a, b] = [await scan(cfg(LEAK, { threads: 0 })), await scan(cfg(LEAK, { threads: 2 }))];
    expect(comparable(b)).toEqual(comparable(a));
    expect(a.totals.files).toBeGreaterThan(20);
  });
  it('with a pattern that captures callers and dates', async () => {
    const pattern = compilePattern('*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*');
    const root = join(LEAK, 'itell');
    const [a, b] = [await scan(cfg(root, { threads: 0, pattern })), await scan(cfg(root, { threads: 2, pattern }))];
    expect(comparable(b)).toEqual(comparable(a));
    expect(a.customers.map((c) => [c.customer, c.distinctCallers])).toEqual([
      ['(unmatched)', 0],
      ['0812345001', 2],
      ['0812345002', 1],
      ['0812345003', 2],
    ]);
    expect(b.unmatched).toBe(1);
  });
  it('on a generated leak of 3,000 files', async () => {
    const root = generatedLeak(3000);
    const [a, b, c] = [
      await scan(cfg(root, { threads: 0 })),
      await scan(cfg(root, { threads: 2 })),
      await scan(cfg(root, { threads: 3 })),
    ];
    expect(comparable(b)).toEqual(comparable(a));
    expect(comparable(c)).toEqual(comparable(a));
    expect(a.totals.files).toBe(3000);
    expect(a.totals.unreadableFiles).toBe(Math.ceil(3000 / 13));
    expect(a.customers.map((x) => x.customer)).toContain('tom-kund');
  });
});

describe('hostile trees', () => {
  it('symbolic links are never followed or counted, loops included', async () => {
    const root = tempDir();
    put(root, 'a/x.wav', wav({ tag: 7, dataBytes: 8000 }));
    symlinkSync('..', join(root, 'a/loop'));
    symlinkSync('/etc', join(root, 'a/out'));
    symlinkSync(join(root, 'a/x.wav'), join(root, 'a/link.wav'));
    const r = await scan(cfg(root));
    expect(r.totals.files).toBe(1);
    expect(r.totals.audioMicros / 1e6).toBe(1);
    expect(r.linksSkipped).toBe(3);
  });
  it('a FIFO is skipped, never opened (the scan does not hang)', async () => {
    const root = tempDir();
    put(root, 'a/x.wav', wav({ tag: 7, dataBytes: 8000 }));
    execFileSync('mkfifo', [join(root, 'a/pipe.wav')]);
    const r = await scan(cfg(root));
    expect(r.specialSkipped).toBe(1);
    expect(r.totals.files).toBe(1);
  });
  it('100,000 files in one folder', async () => {
    const root = tempDir();
    const dir = join(root, 'kund');
    mkdirSync(dir);
    for (let i = 0; i < 100_000; i++) writeFileSync(join(dir, `${i}.txt`), '');
    const r = await scan(cfg(root));
    expect(r.totals.files).toBe(100_000);
    expect(r.totals.otherFiles).toBe(100_000);
  }, 300_000); // 100,000 files made and scanned: a guard against a hang, not a timing (a busy machine is slow)
  it('a tree 300 folders deep', async () => {
    const root = tempDir();
    const rel = Array.from({ length: 300 }, (_, i) => `d${i}`).join('/');
    put(root, `${rel}/x.ul`, Buffer.alloc(8000));
    put(root, 'd0/y.ul', Buffer.alloc(4000));
    const r = await scan(cfg(root));
    expect(r.customers).toHaveLength(1);
    expect(r.customers[0]).toMatchObject({ customer: 'd0', files: 2, audioMicros: 1.5 * 1e6 });
  });
  it('file names that are not UTF-8 are read, counted and shown readably', async () => {
    const root = tempDir();
    const name = Buffer.concat([
      Buffer.from(join(root, 'kund', 'samtal_')),
      Buffer.from([0xe5, 0xe4, 0xf6]),
      Buffer.from('.ul'),
    ]);
    mkdirSync(join(root, 'kund'));
    writeFileSync(name, Buffer.alloc(8000));
    const seen: string[] = [];
    const r = await new Scanner(cfg(root), (rec) => seen.push(rec.path!)).run();
    expect(r.totals.audioFiles).toBe(1);
    // each byte that is not UTF-8 shown as \xHH: no other name can show the same (names.ts)
    expect(seen).toEqual(['kund/samtal_\\xe5\\xe4\\xf6.ul']);
  });
  it('unreadable folders and files (as an unprivileged user): counted where seen, reported, no crash', (ctx) => {
    const root = tempDir();
    put(root, 'ok/a.ul', Buffer.alloc(8000));
    put(root, 'ok/secret.ul', Buffer.alloc(8000));
    put(root, 'ok/secret.txt', 'x');
    put(root, 'locked/b.ul', Buffer.alloc(8000));
    chmodSync(join(root, 'ok/secret.ul'), 0o000);
    chmodSync(join(root, 'ok/secret.txt'), 0o000);
    chmodSync(join(root, 'locked'), 0o000);
    const user = unprivileged(root);
    if (user.skip !== undefined) {
      chmodSync(join(root, 'locked'), 0o755);
      return unavailable(ctx, user.skip);
    }
    const r = user.run([root, '--csv', '-']);
    chmodSync(join(root, 'locked'), 0o755);
    // a folder could not be read: the run is incomplete (exit 3), its row says so
    expect(r.status).toBe(3);
    const rows = csvObjects(r.stdout);
    // a file that cannot be opened is unreadable (content unknown) with its lstat size, whatever its name
    expect(rows.find((x) => x.customer === 'ok')).toMatchObject({
      files: '3',
      audio_files: '1',
      unreadable_files: '2',
      other_files: '0',
      bytes: '16001',
    });
    // not read: empty, never 0
    expect(rows.find((x) => x.customer === 'locked')).toMatchObject({ files: '', unreadable_folders: '1' });
    expect(r.stderr).toMatch(/1 folder could not be read, e\.g\. locked \(EACCES\)/);
  });
});

describe('a reader thread stuck on a file', () => {
  it('is replaced; the file counts as unreadable, every other file is read, the scan ends', async () => {
    const root = generatedLeak(600);
    put(root, 'kund-1/stuck-0701740605.wav', wav({ tag: 7, dataBytes: 8000 }));
    const clean = await scan(cfg(root));
    const seen: string[] = [];
    const readerJob = new URL('./stuck-job.mjs', import.meta.url).href;
    const r = await new Scanner(cfg(root, { stallMs: 1500, testHooks: { readerJob } }), (rec) => {
      if (rec.error?.startsWith('reading did not finish')) seen.push(rec.path!);
    }).run();
    expect(seen).toEqual(['kund-1/stuck-0701740605.wav']);
    expect(r.totals.files).toBe(601);
    expect(r.totals.unreadableFiles).toBe(clean.totals.unreadableFiles + 1);
    expect(r.totals.audioFiles).toBe(clean.totals.audioFiles - 1);
    expect(r.totals.audioMicros / 1e6).toBeCloseTo(clean.totals.audioMicros / 1e6 - 1, 6);
    const k1 = r.customers.find((c) => c.customer === 'kund-1')!;
    expect(k1.unreadableExamples.map((e) => e.error)).toContain('reading did not finish within 1.5 s; skipped');
    // what it holds is unknown: a gap of its row, as a file that cannot be read (it left the row complete)
    expect(k1.unopenedFiles).toBe(1);
  });
});

describe('the tree is evidence', () => {
  it('nothing in it is written, created, or has its access time changed', async () => {
    const root = generatedLeak(200);
    const old = new Date('2001-01-01T00:00:00Z');
    const listing = () =>
      (readdirSync(root, { recursive: true }) as string[]).sort().map((p) => {
        const s = statSync(join(root, p));
        return `${p} ${s.size} ${s.mtimeMs} ${s.ctimeMs} ${s.atimeMs}`;
      });
    for (const p of readdirSync(root, { recursive: true }) as string[]) {
      const full = join(root, p);
      // atime older than mtime: a plain read would update it even under relatime
      if (statSync(full).isFile()) utimesSync(full, old, new Date('2019-06-01T00:00:00Z'));
    }
    const before = listing();
    await scan(cfg(root));
    runCli([root, '--csv', join(tempDir(), 'out.csv')]);
    expect(listing()).toEqual(before);
  });
});

describe('stopping', () => {
  for (const threads of [0, 2]) {
    it(`stop() keeps what was counted and marks the result partial (threads ${threads})`, async () => {
      const root = generatedLeak(2000);
      // stop as soon as the first file is counted: no timing involved
      const s: Scanner = new Scanner(cfg(root, { threads }), () => {
        s.stop();
      });
      const r = await s.run();
      expect(r.partial).toBe(true);
      expect(r.totals.files).toBeGreaterThan(0);
      expect(r.totals.files).toBeLessThan(2000);
      expect(r.totals.files).toBe(s.snapshot().progress.done);
      expect(s.snapshot().progress.phase).toBe('stopped');
      expect(s.snapshot().result).toBe(r);
    });
  }
});

describe('figures for the notification: callers, retention, built-in rows', () => {
  // 60 calls under in/, named customer-caller-date; a customer folder-like name "(unmatched)"
  // among the customers; one file the pattern does not match
  const pattern = compilePattern('*/{customer}-{caller}-{date:yyyyMMdd-HHmmss}.wav');
  const root = tempDir();
  const calls = Array.from({ length: 60 }, (_, i) => {
    const customer = ['(unmatched)', 'kA', 'kB'][i % 3]!;
    const caller = i % 4 === 0 ? 'anonymous' : `07017406${i % 5}`;
    const day = 1 + (i % 20);
    put(
      root,
      `in/${customer}-${caller}-201901${String(day).padStart(2, '0')}-100000.wav`,
      wav({ tag: 7, dataBytes: 8000 }),
    );
    return { customer, caller, startMs: Date.UTC(2019, 0, day, 9) }; // 10:00 in Stockholm
  });
  put(root, 'in/junk.txt', 'x');
  const cutoff = (day: number): number => Date.UTC(2019, 0, day, -1); // midnight in Stockholm
  const retention = { cutoffMsByKey: { kA: cutoff(10) }, defaultCutoffMs: cutoff(5) };

  it('are exact, and the same for 0, 2 and 3 threads', async () => {
    const [a, b, c] = await Promise.all([0, 2, 3].map((threads) => scan(cfg(root, { threads, pattern, retention }))));
    expect(comparable(b!)).toEqual(comparable(a!));
    expect(comparable(c!)).toEqual(comparable(a!));
    const r = a!;
    // a folder-like name stays its own customer row, apart from the built-in row
    expect(r.customers.map((x) => [x.kind, x.customer, x.files])).toEqual([
      ['unmatched', '(unmatched)', 1],
      ['customer', '(unmatched)', 20],
      ['customer', 'kA', 20],
      ['customer', 'kB', 20],
    ]);
    expect(r.unmatched).toBe(1);
    for (const row of r.customers.filter((x) => x.kind === 'customer')) {
      const mine = calls.filter((x) => x.customer === row.customer);
      // the keys callerKey makes of them (normalised numbers; tested on its own in counts.test.ts)
      const callers = new Set(mine.filter((x) => x.caller !== 'anonymous').map((x) => callerKey(x.caller)));
      expect(row.callers).toEqual(callers);
      expect(row.distinctCallers).toBe(callers.size);
      expect(row.withheldCallerCalls).toBe(mine.filter((x) => x.caller === 'anonymous').length);
      const cut = row.customer === 'kA' ? retention.cutoffMsByKey.kA : retention.defaultCutoffMs;
      const past = mine.filter((x) => x.startMs < cut);
      expect(past.length).toBeGreaterThan(0);
      expect(row.pastRetentionFiles).toBe(past.length);
      expect(row.pastRetentionMicros / 1e6).toBe(past.length);
      expect(row.oldestPastRetentionMs).toBe(Math.min(...past.map((x) => x.startMs)));
    }
    // the total de-duplicates callers across customers (5 numbers in all), never sums them
    expect(r.totals.distinctCallers).toBe(
      new Set(calls.filter((x) => x.caller !== 'anonymous').map((x) => x.caller)).size,
    );
    expect(r.totals.withheldCallerCalls).toBe(15);
    expect(r.totals.pastRetentionFiles).toBe(r.customers.reduce((n, x) => n + x.pastRetentionFiles, 0));
  });
});

describe('snapshots', () => {
  it('are immutable, cached while nothing changes, and published once more when the scan ends', async () => {
    const root = generatedLeak(400);
    const s = new Scanner(cfg(root));
    const first = s.snapshot();
    expect(s.snapshot()).toBe(first); // nothing changed: the same object
    expect(Object.isFrozen(first)).toBe(true);
    expect(first.finished).toBe(false);
    const seen: ScanSnapshot[] = [];
    const finished = new Promise<ScanSnapshot>((resolve) => {
      s.subscribe((snap) => {
        seen.push(snap);
        if (snap.finished) resolve(snap);
      }, 10);
    });
    const r = await s.run();
    const last = await finished;
    expect(last.result).toBe(r);
    expect(last.progress.done).toBe(400);
    expect(last.customers.reduce((n, c) => n + c.files, 0)).toBe(400);
    expect(Object.isFrozen(last.customers[0])).toBe(true);
    expect(() => (last.customers as CustomerTotals[]).push(last.customers[0]!)).toThrow();
    // every publication is a new seq, in order, and the final one comes once
    const seqs = seen.map((x) => x.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    expect(seen.filter((x) => x.finished)).toHaveLength(1);
    // the first snapshot was not changed by the scan
    expect(first.progress.done).toBe(0);
    // after the end: one call with the final snapshot
    const late = await new Promise<ScanSnapshot>((resolve) => s.subscribe(resolve));
    expect(late.result).toBe(r);
  });
});

describe('snapshots held back', () => {
  it('are not built while the subscriber holds them (keys being pressed); the final one still comes', async () => {
    const root = generatedLeak(2000);
    const scan = async (hold?: () => boolean): Promise<{ seen: ScanSnapshot[]; last: ScanSnapshot }> => {
      const s = new Scanner(cfg(root));
      const seen: ScanSnapshot[] = [];
      const finished = new Promise<ScanSnapshot>((resolve) => {
        s.subscribe(
          (snap) => {
            seen.push(snap);
            if (snap.finished) resolve(snap);
          },
          1,
          hold,
        );
      });
      await s.run();
      return { seen, last: await finished };
    };
    // held throughout: none built before the end, the final one whole; not held (the control, the
    // same scan after it): snapshots while the scan runs
    const held = await scan(() => true);
    const free = await scan();
    expect(free.seen.filter((x) => !x.finished).length).toBeGreaterThan(0);
    expect(held.seen).toHaveLength(1);
    expect(held.last.finished).toBe(true);
    expect(held.last.progress.done).toBe(2000);
    expect(held.last.seq).toBeLessThanOrEqual(2);
    expect(held.last.customers.reduce((n, c) => n + c.files, 0)).toBe(2000);
  });
});

describe('the bench floor', () => {
  it('runs on the scan pool and visits every file the scan counts', async () => {
    const { floor } = await import('../dist/bench/floor.js');
    const root = generatedLeak(300);
    const f = await floor(root, 2);
    expect(f.files).toBe(300);
  });
});
