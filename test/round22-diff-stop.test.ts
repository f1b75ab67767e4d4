/**
 * Attack round 22 (part B), H1–H4: comparisons of a case file's runs that must not overstate, and a
 * stop while statements are written.
 *
 * - H1: two runs of different trees kept in one case file are not compared (exit 2, one line), and a
 *   --case run into a case file whose last run scanned another folder says so.
 * - H2: a row a run did not read (its folder unreadable, or the run never finished) has that run's
 *   figures empty / null / "not read", never 0 or "removed", in the CSV, the JSON, stderr and the
 *   follow-up statements.
 * - H4: a register's controllers are found by name through a Map, not a search per row.
 * - H3: a stop while statements are written leaves the set absent, and a second signal ends at once.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CLI, csvObjects, htmlText, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { itUnless, itWith } from './needs.js';
import { keysOf } from '../src/cli/diff-run.js';
import { exportPartsOf } from '../src/tui/controllers.js';
import type { Controller, Register } from '../src/report/notify/register.js';
import type { CustomerTotals } from '../src/scan/tally/aggregate.js';

// a bound against a hang, not a timing (each test runs the CLI several times on a loaded machine)
const SLOW = 240_000;

const ONE = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });

/** customers × 3 one-second calls under DIR/name/2024 */
function tree(dir: string, name: string, customers: readonly string[]): string {
  const root = join(dir, name);
  for (const c of customers) for (const i of [1, 2, 3]) put(root, `${c}/2024/call${i}.wav`, ONE);
  return root;
}

const page = (dir: string, name: string): string =>
  htmlText(readFileSync(join(dir, `${name}.html`), 'utf8'), { charts: false });

interface DiffJson {
  rows_not_read: { before: number; after: number };
  rows: {
    customer: string;
    not_read: { before: string | null; after: string | null };
    files: Record<string, number | null>;
    audio_seconds: Record<string, number | null>;
  }[];
  total: { files: Record<string, number | null> };
}

describe('H1: runs of two different trees in one case file', () => {
  it(
    'are not compared (--diff and --from --since: exit 2, one line, nothing written), and the second --case run warns',
    () => {
      const dir = tempDir();
      const a = tree(dir, 'tree', ['acme', 'beta']);
      const b = tree(dir, 'other', ['acme']);
      const db = join(dir, 'c.case');
      const first = runCli([a, '--case', db, '--csv', '/dev/null']);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).not.toMatch(/another tree/);
      const second = runCli([b, '--case', db, '--csv', '/dev/null']);
      expect(second.status, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/warning: --case: run 1 of .*c\.case scanned .*\/tree, this run scans .*\/other/);
      // the same tree again: no warning
      const third = runCli([b, '--case', db, '--csv', '/dev/null']);
      expect(third.stderr).not.toMatch(/another tree/);

      const d = runCli(['--diff', db, '--since', '1', '--run', '2', '--csv', join(dir, 'd.csv')]);
      expect(d.status, d.stderr).toBe(2);
      expect(d.stderr.trim().split('\n')).toHaveLength(1);
      expect(d.stderr).toMatch(/run 1 scanned .*\/tree, run 2 scanned .*\/other: not the same tree/);
      expect(existsSync(join(dir, 'd.csv'))).toBe(false);

      const reg = put(dir, 'reg.csv', 'key,controller\nacme,Acme AB\nbeta,Beta AB\n');
      const st = join(dir, 'st');
      const f = runCli(['--from', db, '--since', '1', '--run', '2', '--register', reg, '--statements', st]);
      expect(f.status, f.stderr).toBe(2);
      expect(f.stderr).toMatch(/--from: run 1 scanned .*\/tree, run 2 scanned .*\/other: not the same tree/);
      expect(existsSync(st)).toBe(false);
      // runs 2 and 3 scanned one tree: compared
      expect(runCli(['--diff', db]).status).toBe(0);
    },
    SLOW,
  );
});

describe('H4: a register controller found by name through a Map', () => {
  /** controllers whose elements count their reads: a search per lookup reads O(n²) of them */
  function counted(n: number): { register: Register; reads: () => number } {
    let reads = 0;
    const list: Controller[] = Array.from({ length: n }, (_, i) => ({
      controller: `C${i}`,
      org_id: '',
      contact: '',
      data_subject_categories: '',
      personal_data_categories: '',
      keys: [`k${i}`],
      entries: [],
    }));
    const controllers = new Proxy(list, {
      get(t, p, r) {
        if (typeof p === 'string' && /^\d+$/.test(p)) reads++;
        return Reflect.get(t, p, r) as unknown;
      },
    });
    const register = { file: 'r.csv', rows: n, entries: [], byKey: new Map(), controllers } as unknown as Register;
    return { register, reads: () => reads };
  }

  it('--diff: keys of every controller row in linear reads', () => {
    const n = 2000;
    const { register, reads } = counted(n);
    const of = keysOf(register)!;
    for (let i = 0; i < n; i++) expect(of(`C${i}`)).toEqual([`k${i}`]);
    expect(of('none')).toEqual([]);
    expect(reads()).toBeLessThanOrEqual(2 * n);
  });

  it("the UI's export of controller rows: linear reads", () => {
    const n = 2000;
    const { register, reads } = counted(n);
    const shown = Array.from(
      { length: n },
      (_, i) =>
        ({
          kind: 'customer',
          customer: `k${i}`,
          notify: { kind: 'controller', controller: `C${i}` },
          parts: [],
        }) as unknown as CustomerTotals,
    );
    const out = exportPartsOf(shown, [], register);
    expect(out.register.controllers).toHaveLength(n);
    expect(reads()).toBeLessThanOrEqual(2 * n);
  });
});

describe('H2: a row a run did not read', () => {
  const base = tempDir();
  const root = tree(base, 'tree', ['acme', 'beta', 'gamma']);
  const out = tempDir();
  chmodSync(out, 0o777);
  const u = unprivileged(root, out);

  itUnless(
    u.skip,
    'its folder unreadable in the later run: after and removed empty (CSV), null (JSON), "not read" (statement); stderr says how many rows',
    () => {
      if (!('run' in u)) return;
      const db = join(out, 'c.case');
      const scan = [root, '--tz', 'UTC', '--case', db, '--csv', '/dev/null'];
      expect(u.run(scan).status).toBe(0);
      const beta = join(root, 'beta/2024');
      chmodSync(beta, 0o000);
      try {
        expect(u.run(scan).status).toBe(3);
      } finally {
        chmodSync(beta, 0o755);
      }
      const d = u.run(['--diff', db, '--json', join(out, 'd.json'), '--csv', join(out, 'd.csv')]);
      expect(d.status, d.stderr).toBe(3);
      expect(d.stderr).toMatch(
        /run 2 against run 1: 0 files added, at least 0 removed, at least 0 changed \(1 row not read in run 2/,
      );
      const csv = csvObjects(readFileSync(join(out, 'd.csv'), 'utf8'));
      const b = csv.find((r) => r.customer === 'beta')!;
      expect(b).toMatchObject({ files_before: '3', files_after: '', files_removed: '', files_changed: '' });
      expect(b.audio_hours_after).toBe('');
      expect(b.completeness).toMatch(/^incomplete: not read \(1 folder of run 2 could not be read\)/);
      // a row that was read keeps its figures
      expect(csv.find((r) => r.customer === 'acme')).toMatchObject({ files_after: '3', files_removed: '0' });
      expect(csv.find((r) => r.customer === '(total)')).toMatchObject({ files_after: '6', files_removed: '' });
      const j = JSON.parse(readFileSync(join(out, 'd.json'), 'utf8')) as DiffJson;
      expect(j.rows_not_read).toEqual({ before: 0, after: 1 });
      const jb = j.rows.find((r) => r.customer === 'beta')!;
      expect(jb.files).toEqual({ before: 3, after: null, added: 0, removed: null, changed: null });
      expect(jb.audio_seconds.removed).toBeNull();
      expect(jb.not_read.after).toMatch(/could not be read/);

      const reg = join(out, 'reg.csv');
      writeFileSync(reg, 'key,controller\nacme,Acme AB\nbeta,Beta AB\ngamma,Gamma AB\n');
      chmodSync(reg, 0o644);
      const st = join(out, 'st');
      const f = u.run(['--from', db, '--since', '1', '--register', reg, '--statements', st]);
      expect(f.status, f.stderr).toBe(3);
      expect(f.stderr).toMatch(/--since: run 2 against run 1: .*at least 0 removed.*1 row not read in run 2/);
      const t = page(st, 'Beta AB');
      expect(t).toContain('Files 3 not read 0 not read not read');
      expect(t).toContain('What could hold its recordings was not read in this examination');
      expect(page(st, 'Acme AB')).toContain('Files 3 3 0 0 0');
    },
    SLOW,
  );

  itWith(
    ['sqlite3'],
    'a later run that never finished: no row "removed", stderr says "at least"',
    () => {
      const dir = tempDir();
      const t = tree(dir, 'tree', ['acme', 'beta', 'gamma']);
      const db = join(dir, 'c.case');
      for (let i = 0; i < 2; i++) expect(runCli([t, '--case', db, '--csv', '/dev/null']).status).toBe(0);
      // run 2 as a run killed after acme: never finished, beta and gamma not reached
      const sql = `UPDATE runs SET outcome = 'running', finished_at = NULL, complete = NULL WHERE id = 2;
        DELETE FROM files WHERE run = 2 AND customer <> 'acme';`;
      const q = spawnSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' });
      expect(q.status, q.stderr).toBe(0);
      const d = runCli(['--diff', db, '--since', '1', '--run', '2', '--json', join(dir, 'd.json')]);
      expect(d.status, d.stderr).toBe(3);
      expect(d.stderr).toMatch(/at least 0 removed/);
      expect(d.stderr).toMatch(/3 rows not read in run 2/);
      expect(d.stderr).not.toMatch(/[1-9]\d* removed/);
      const j = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as DiffJson;
      for (const r of j.rows) {
        expect(r.files.removed, r.customer).toBeNull();
        expect(r.not_read.after).toBe('run 2 never finished');
      }
      expect(j.rows.find((r) => r.customer === 'acme')!.files.before).toBe(3);
      expect(j.total.files.removed).toBeNull();
    },
    SLOW,
  );
});

describe('H3: signals while the statements are written', () => {
  async function until(cond: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 12_000; i++) {
      if (cond()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`waited 120 s for ${what}`);
  }
  const exitOf = (c: ChildProcess): Promise<number | null> =>
    new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.on('exit', (code) => r(code))));
  const pages = (st: string): string[] => readdirSync(st).filter((n) => n.endsWith('.html'));
  const staging = (st: string): string | undefined => readdirSync(st).find((n) => n.startsWith('.leaktally-staging-'));

  it(
    'pages are written aside, none in place before all are; two signals end the run at once, the earlier set whole, the pages written removed after',
    async () => {
      const t = tempDir();
      for (let i = 0; i < 3000; i++) put(t, `k${String(i).padStart(4, '0')}/a.ul`, Buffer.alloc(8, 0xff));
      const out = tempDir();
      const st = join(out, 'st');
      mkdirSync(st);
      const args = [CLI, t, '--csv', join(out, 's.csv'), '--statements', st, '--threads', '1'];
      const env = { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' };
      // an earlier set, whole
      const first = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 200_000 });
      expect(first.status, first.stderr).toBe(0);
      const earlier = new Map(pages(st).map((n) => [n, readFileSync(join(st, n), 'utf8')]));
      expect(earlier.size).toBe(3002);
      const index = readFileSync(join(st, 'leaktally-index.json'), 'utf8');

      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // held still once some hundreds of pages are written
      await until(() => {
        const s = existsSync(st) ? staging(st) : undefined;
        return (s !== undefined && readdirSync(join(st, s)).length > 300) || child.exitCode !== null;
      }, 'pages to be written');
      child.kill('SIGSTOP');
      expect(child.exitCode).toBeNull();
      // none of this run's pages is in place while it writes: the earlier set is there, whole
      expect(readFileSync(join(st, 'leaktally-index.json'), 'utf8')).toBe(index);
      for (const [n, text] of earlier) expect(readFileSync(join(st, n), 'utf8'), n).toBe(text);
      // two signals: the second ends the run at once
      child.kill('SIGTERM');
      child.kill('SIGINT');
      child.kill('SIGCONT');
      // both pending at SIGCONT: the kernel hands over the lower-numbered first (SIGINT), the other is the second
      const code = await exitOf(child);
      expect([130, 143]).toContain(code);
      expect(stderr).toMatch(code === 130 ? /SIGINT again/ : /SIGTERM again/);
      expect(stderr).toMatch(
        /(SIGINT|SIGTERM) again: stopped at once; .*--statements \S+st: stopped after \d+ of 3002 pages, none put in place: the folder holds the earlier run's set, whole, as it was; the pages written are removed by process \d+ as this run exits/,
      );
      expect(readFileSync(join(st, 'leaktally-index.json'), 'utf8')).toBe(index);
      expect(pages(st)).toHaveLength(3002);
      for (const [n, text] of earlier) expect(readFileSync(join(st, n), 'utf8'), n).toBe(text);
      await until(() => staging(st) === undefined, 'the staging folder to be removed');
      // a later run into the folder takes it as before
      const again = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 200_000 });
      expect(again.status, again.stderr).toBe(0);
      expect(readdirSync(st).filter((n) => n.startsWith('.'))).toEqual([]);
    },
    SLOW,
  );

  it('a staging folder a killed run left is removed by the next run into the folder, and said', () => {
    const t = tempDir();
    put(t, 'acme/a.ul', Buffer.alloc(8, 0xff));
    const out = tempDir();
    const st = join(out, 'st');
    expect(runCli([t, '--statements', st, '--csv', '/dev/null']).status).toBe(0);
    // a run killed (-9) while writing aside: its pid is gone
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const left = join(st, `.leaktally-staging-${dead.stdout}`);
    put(left, 'acme.html', '<p>half</p>');
    const r = runCli([t, '--statements', st, '--csv', '/dev/null']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/removed the unfinished statements of an earlier run that was stopped/);
    expect(existsSync(left)).toBe(false);
  });
});
