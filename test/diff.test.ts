/**
 * --diff: two runs of a case file compared per row — files, hours and callers added, removed and
 * changed — after the tree changed between them (the server kept writing). Real files, the real CLI:
 * the figures are exactly the changes made, every row adds up, and a run with gaps makes the diff say
 * incomplete.
 */
import { describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { LEAK, SAMPLES, put, runCli, tempDir, wav } from './helpers.js';
import { itWith } from './needs.js';

const PATTERN = 'itell/*/*/*/*-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';
const DAY = 'itell/2019/02/01';
const REGISTER = join(SAMPLES, 'itell-register.csv');

interface Figures {
  before: number;
  after: number;
  added: number;
  removed: number;
  changed?: number;
}
interface Row {
  customer: string;
  files: Figures;
  audio_seconds: Figures;
  callers: Figures;
}
interface Diff {
  completeness: string;
  before: { run: number };
  after: { run: number };
  rows: Row[];
  total: Row;
}

function leakCopy(dir: string): string {
  const tree = join(dir, 'tree');
  const r = spawnSync('cp', ['-a', LEAK, tree]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return tree;
}

/**
 * A copy of samples/leak at DIR/tree scanned from DIR by its relative path: twice into c.case, once
 * as the one shard of one into s.case. Returns DIR.
 */
function casesOfCopy(): string {
  const dir = tempDir();
  leakCopy(dir);
  for (const a of [
    ['--case', 'c.case'],
    ['--case', 'c.case'],
    ['--shard', '1/1', '--case', 's.case'],
  ])
    expect(runCli(['tree', '--tz', 'UTC', '--allow-incomplete', ...a], { cwd: dir }).status).toBe(0);
  return dir;
}

// a bound against a hang, not a timing: each test runs the CLI six to ten times, 30-40 s on a loaded
// 2-core machine (CI's Node 24 pass once went past the 60 s default)
const SLOW = 240_000;

describe('--diff', () => {
  it(
    'counts exactly the files, hours and callers added, removed and changed between two runs',
    () => {
      const dir = tempDir();
      const tree = leakCopy(dir);
      const db = join(dir, 'c.case');
      const scan = ['--pattern', PATTERN, '--country', 'SE', '--tz', 'UTC', '--case', db, '--allow-incomplete'];
      expect(runCli([tree, ...scan]).status).toBe(0);
      // the server wrote on: a new call from a new caller (2 s), one from a known caller (1 s); a call
      // deleted; a recording that grew
      put(
        tree,
        `${DAY}/in-0812345003-0709999999-20190219-080000-1.wav`,
        wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 16000 }),
      );
      put(
        tree,
        `${DAY}/in-0812345003-0701740613-20190219-090000-2.wav`,
        wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 }),
      );
      rmSync(join(tree, 'itell/2019/01/14/in-0812345002-0701740612-20190114-090000-1547452800.13.gsm'));
      const grown = join(tree, `${DAY}/in-0812345003-0701740613-20190201-120000-1549018800.2.ul`);
      appendFileSync(grown, Buffer.alloc(8000, 0xff)); // one more second of µ-law
      expect(runCli([tree, ...scan]).status).toBe(0);

      const r = runCli(['--diff', db, '--json', join(dir, 'd.json'), '--csv', join(dir, 'd.csv')]);
      // the runs had files the pattern did not match: incomplete, and said
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/run 2 against run 1: 2 files added, 1 removed, 1 changed/);
      const d = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as Diff;
      expect(d.before.run).toBe(1);
      expect(d.after.run).toBe(2);
      expect(d.completeness).toMatch(/^incomplete: run 1: .*could not be attributed/);
      const row = (c: string): Row => d.rows.find((x) => x.customer === c)!;
      const c3 = row('0812345003');
      expect(c3.files).toMatchObject({ added: 2, removed: 0, changed: 1 });
      expect(c3.files.after - c3.files.before).toBe(2);
      expect(c3.audio_seconds.added).toBeCloseTo(3, 6);
      expect(c3.audio_seconds.changed).toBeCloseTo(1, 3);
      expect(c3.callers).toMatchObject({ added: 1, removed: 0 });
      const c2 = row('0812345002');
      expect(c2.files).toMatchObject({ added: 0, removed: 1, changed: 0, after: c2.files.before - 1 });
      expect(c2.callers).toMatchObject({ added: 0, removed: 1, after: 0 });
      expect(row('0812345001').files).toMatchObject({ added: 0, removed: 0, changed: 0 });
      // every row and the total add up
      for (const x of [...d.rows, d.total]) {
        expect(x.files.after).toBe(x.files.before + x.files.added - x.files.removed);
        expect(x.audio_seconds.after).toBeCloseTo(
          x.audio_seconds.before + x.audio_seconds.added - x.audio_seconds.removed + x.audio_seconds.changed!,
          6,
        );
      }
      expect(d.total.callers).toMatchObject({ added: 1, removed: 1 });
      // per controller (the register's): a file moving between two keys of one controller would be the
      // same file; callers distinct across its keys
      const byReg = runCli(['--diff', db, '--register', REGISTER, '--json', join(dir, 'r.json'), '--allow-incomplete']);
      expect(byReg.status, byReg.stderr).toBe(0);
      const r2 = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Omit<Diff, 'rows'> & {
        rows: (Row & { controller: string | null })[];
      };
      const acme = r2.rows.find((x) => x.controller === 'Acme Försäkring AB')!;
      expect(acme.customer).toBe('0812345001; 0812345002');
      expect(acme.files).toMatchObject({ added: 0, removed: 1, changed: 0 });
      expect(acme.callers).toMatchObject({ added: 0, removed: 1 });
      expect(r2.rows.find((x) => x.controller === 'Tandläkarna Syd')!.files).toMatchObject({ before: 0, after: 0 });
      expect(r2.rows.find((x) => x.customer === '0812345003')!.files).toMatchObject({ added: 2, changed: 1 });
      expect(r2.total).toEqual(d.total);
      const csv = readFileSync(join(dir, 'd.csv'), 'utf8');
      expect(csv.split('\r\n')[0]).toMatch(
        /^\ufeffcustomer,controller,completeness,files_before,files_after,files_added/,
      );
      expect(csv).toMatch(/^"0812345003",,"incomplete: [^"]*",\d+,\d+,2,0,1,/m);
    },
    SLOW,
  );

  it(
    'names a customer folder safely in the CSV, and refuses what cannot be compared',
    () => {
      const dir = tempDir();
      const tree = join(dir, 'tree');
      const one = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });
      put(tree, 'acme/a.wav', one);
      const db = join(dir, 'c.case');
      expect(runCli([tree, '--case', db]).status).toBe(0);
      // one run: nothing to compare with
      const alone = runCli(['--diff', db]);
      expect(alone.status).toBe(2);
      expect(alone.stderr).toMatch(/no finished run before run 1/);
      put(tree, '=HYPERLINK("x")/b.wav', one);
      copyFileSync(join(tree, 'acme/a.wav'), join(tree, 'acme/c.wav'));
      expect(runCli([tree, '--case', db]).status).toBe(0);
      const r = runCli(['--diff', db]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^"'=HYPERLINK\(""x""\)",,"complete",0,1,1,0,0,/m);
      expect(r.stdout).toMatch(/^"acme",,"complete",1,2,1,0,0,/m);
      expect(r.stdout).toMatch(/^"\(total\)",,"complete",1,3,2,0,0,/m);
      expect(runCli(['--diff', db, '--since', '2', '--run', '2']).stderr).toMatch(/the same run/);
      expect(runCli(['--diff', db, '--since', '9']).stderr).toMatch(/has no run 9/);
      expect(runCli(['--diff', db, '--pattern', '*/{customer}']).status).toBe(2);
      expect(runCli(['--diff', db, '--csv', db]).status).toBe(2);
      expect(runCli(['--diff', db, tree]).stderr).toMatch(/not a folder/);
    },
    SLOW,
  );

  it(
    'no output of a case file (--diff, --from, --merge, a link) goes into the tree it scanned, from any working folder',
    () => {
      // scanned by a relative path: the tree is found again from another working folder
      const dir = casesOfCopy();
      const tree = join(dir, 'tree');
      const inTree = join(tree, 'itell');
      const before = statSync(inTree);
      const refused = (args: string[]): string => {
        const r = runCli(args, { cwd: '/' });
        expect(r.status, r.stderr).toBe(2);
        return r.stderr;
      };
      const db = join(dir, 'c.case');
      expect(refused(['--diff', db, '--csv', join(inTree, 'd.csv')])).toMatch(
        /refusing to write into the evidence tree/,
      );
      expect(refused(['--diff', db, '--json', join(tree, '../tree/itell/d.json')])).toMatch(/evidence tree/);
      expect(refused(['--from', db, '--csv', join(inTree, 'f.csv')])).toMatch(/evidence tree/);
      expect(refused(['--merge', join(inTree, 'm.case'), join(dir, 's.case')])).toMatch(/evidence tree/);
      // a link to a case file not there yet: SQLite would make the file where it points
      symlinkSync(join(inTree, 'l.case'), join(dir, 'link.case'));
      expect(refused(['--merge', join(dir, 'link.case'), join(dir, 's.case')])).toMatch(
        /a link to a file that does not exist/,
      );
      expect(refused([tree, '--case', join(dir, 'link.case')])).toMatch(/a link to a file that does not exist/);
      expect(readdirSync(inTree).sort()).toEqual(['2016', '2017', '2018', '2019']);
      const after = statSync(inTree);
      expect([after.mtimeMs, after.ctimeMs]).toEqual([before.mtimeMs, before.ctimeMs]);
      expect(runCli(['--merge', join(dir, 'm.case'), join(dir, 's.case')], { cwd: '/' }).status).toBe(0);
    },
    SLOW,
  );

  itWith(
    ['sqlite3'],
    'a case file whose run holds its tree as a relative path (before the absolute one was kept) is refused, not guessed',
    () => {
      const dir = casesOfCopy();
      // as such a case file held it: the tree as given on the command line
      for (const f of ['c.case', 's.case']) {
        const r = spawnSync('sqlite3', ['-batch', join(dir, f), "UPDATE runs SET root = CAST('tree' AS BLOB)"], {
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
      }
      const inTree = join(dir, 'tree', 'itell');
      // from another working folder 'tree' names another folder: an output into the real tree would pass
      for (const cwd of ['/', dir]) {
        for (const args of [
          ['--from', join(dir, 'c.case'), '--csv', join(inTree, 'f.csv')],
          ['--diff', join(dir, 'c.case'), '--csv', join(dir, 'd.csv')],
          ['--merge', join(dir, 'm.case'), join(dir, 's.case')],
        ]) {
          const r = runCli(args, { cwd });
          expect(r.status, r.stderr).toBe(2);
          expect(r.stderr).toMatch(/run [12] holds its tree as a relative path \("tree"\)/);
        }
      }
      expect(readdirSync(inTree).sort()).toEqual(['2016', '2017', '2018', '2019']);
      // nothing made beside them either (each case file's journal is kept between runs: docs/case.md)
      expect(readdirSync(dir).sort()).toEqual(['c.case', 'c.case-journal', 's.case', 's.case-journal', 'tree']);
    },
    SLOW,
  );
});
