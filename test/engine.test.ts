/** The engine on real trees: threads vs one thread, hostile trees, the evidence left untouched. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, statSync, utimesSync, readdirSync, chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
// the built engine: its reader threads are dist/scan/worker.js
import { Scanner, scan, type ScanConfig } from '../dist/scan/engine.js';
import { LEAK, put, tempDir, wav, runCli, csvObjects, unprivileged } from './helpers.js';

const cfg = (root: string, extra: Partial<ScanConfig> = {}): ScanConfig => ({ root, depth: 1, zone: 'Europe/Stockholm', threads: 2, ...extra });

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
    const pattern = '*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';
    const root = join(LEAK, 'itell');
    const [a, b] = [await scan(cfg(root, { threads: 0, pattern })), await scan(cfg(root, { threads: 2, pattern }))];
    expect(comparable(b)).toEqual(comparable(a));
    expect(a.customers.map((c) => [c.customer, c.distinctCallers])).toEqual([['(unmatched)', 0], ['0812345001', 2], ['0812345002', 1], ['0812345003', 2]]);
    expect(b.unmatched).toBe(1);
  });
  it('on a generated leak of 3,000 files', async () => {
    const root = generatedLeak(3000);
    const [a, b, c] = [await scan(cfg(root, { threads: 0 })), await scan(cfg(root, { threads: 2 })), await scan(cfg(root, { threads: 3 }))];
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
    expect(r.totals.audioSeconds).toBe(1);
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
  });
  it('a tree 300 folders deep', async () => {
    const root = tempDir();
    const rel = Array.from({ length: 300 }, (_, i) => `d${i}`).join('/');
    put(root, `${rel}/x.ul`, Buffer.alloc(8000));
    put(root, 'd0/y.ul', Buffer.alloc(4000));
    const r = await scan(cfg(root));
    expect(r.customers).toHaveLength(1);
    expect(r.customers[0]).toMatchObject({ customer: 'd0', files: 2, audioSeconds: 1.5 });
  });
  it('file names that are not UTF-8 are read, counted and shown readably', async () => {
    const root = tempDir();
    const name = Buffer.concat([Buffer.from(join(root, 'kund', 'samtal_')), Buffer.from([0xe5, 0xe4, 0xf6]), Buffer.from('.ul')]);
    mkdirSync(join(root, 'kund'));
    writeFileSync(name, Buffer.alloc(8000));
    const seen: string[] = [];
    const r = await new Scanner(cfg(root), (rec) => seen.push(rec.path!)).run();
    expect(r.totals.audioFiles).toBe(1);
    expect(seen).toEqual(['kund/samtal_åäö.ul']);
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
      return ctx.skip(user.skip);
    }
    const r = user.run([root, '--csv', '-']);
    chmodSync(join(root, 'locked'), 0o755);
    expect(r.status).toBe(0);
    const rows = csvObjects(r.stdout);
    expect(rows.find((x) => x.customer === 'ok')).toMatchObject({ files: '3', audio_files: '1', unreadable_files: '1', other_files: '1' });
    expect(rows.find((x) => x.customer === 'locked')).toMatchObject({ files: '0' });
    expect(r.stderr).toMatch(/1 folder could not be read, e\.g\. locked \(EACCES\)/);
  });
});

describe('a reader thread stuck on a file', () => {
  it('is replaced; the file counts as unreadable, every other file is read, the scan ends', async () => {
    const root = generatedLeak(600);
    put(root, 'kund-1/stuck-0701740605.wav', wav({ tag: 7, dataBytes: 8000 }));
    const clean = await scan(cfg(root));
    process.env.LEAKTALLY_TEST_STICK_ON = 'stuck-0701740605.wav';
    const seen: string[] = [];
    let r;
    const t = performance.now();
    try {
      r = await new Scanner(cfg(root, { stallMs: 1500 }), (rec) => {
        if (rec.error?.startsWith('reading did not finish')) seen.push(rec.path!);
      }).run();
    } finally {
      delete process.env.LEAKTALLY_TEST_STICK_ON;
    }
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(seen).toEqual(['kund-1/stuck-0701740605.wav']);
    expect(r.totals.files).toBe(601);
    expect(r.totals.unreadableFiles).toBe(clean.totals.unreadableFiles + 1);
    expect(r.totals.audioFiles).toBe(clean.totals.audioFiles - 1);
    expect(r.totals.audioSeconds).toBeCloseTo(clean.totals.audioSeconds - 1, 6);
    const k1 = r.customers.find((c) => c.customer === 'kund-1')!;
    expect(k1.unreadableExamples.map((e) => e.error)).toContain('reading did not finish within 1.5 s; skipped');
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
  it('stop() keeps what was counted and marks the result partial', async () => {
    const root = generatedLeak(2000);
    const s = new Scanner(cfg(root, { threads: 0 }));
    const running = s.run();
    await new Promise((r) => setTimeout(r, 5));
    s.stop();
    const r = await running;
    expect(r.partial).toBe(true);
    expect(r.totals.files).toBeLessThan(2000);
    expect(r.totals.files).toBe(s.progress().done);
  });
});
