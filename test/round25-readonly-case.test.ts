/**
 * A case file handed over read-only — chmod 400 in a folder its reader may not write, a lawyer's copy,
 * write-blocked or read-only media — is reported from (--from, --diff, --since, --merge of shards) as a
 * writable one is; before, every one of them said "Could not open the database" (attack round 24b M2):
 * SQLite's library makes a lock folder beside the file at every read, and rolls back a hot journal only
 * where it may write. The file and its folder are left as they were, and the private copy read instead
 * is removed.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { csvObjects, put, runCli, tempDir, unprivileged, wav } from './helpers.js';

const SLOW = 240_000;
const isRoot = process.getuid?.() === 0;
const require = createRequire(import.meta.url);

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
/** the folder's entries with their sizes, modes and times: what a run may not change */
const state = (dir: string): string =>
  readdirSync(dir)
    .sort()
    .map((n) => {
      const s = statSync(join(dir, n));
      return `${n} ${s.size} ${s.mode.toString(8)} ${s.mtimeMs} ${s.ctimeMs}`;
    })
    .join('\n') + `\n. ${statSync(dir).mtimeMs} ${statSync(dir).ctimeMs}`;
const copiesLeft = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('leaktally-case-'));

/** a tree of two customers, scanned twice into out/x.case (a file added between the runs) */
function caseOfTwoRuns(): { dir: string; tree: string; out: string; cse: string } {
  const dir = tempDir();
  const tree = join(dir, 'tree');
  const out = join(dir, 'out');
  mkdirSync(out, { mode: 0o755 });
  put(tree, 'acme/2019/a.wav', wav({ dataBytes: 16_000 * 2 }));
  put(tree, 'beta/2019/b.wav', wav({ dataBytes: 16_000 * 3 }));
  const cse = join(out, 'x.case');
  expect(runCli([tree, '--case', cse, '--csv', join(dir, 'one.csv')]).status).toBe(0);
  put(tree, 'beta/2019/c.wav', wav({ dataBytes: 16_000 * 5 }));
  expect(runCli([tree, '--case', cse, '--csv', join(dir, 'two.csv')]).status).toBe(0);
  return { dir, tree, out, cse };
}

/** `folder` mounted read-only at dir/ro (write-blocked media), or why it cannot be here; umount it after */
function readOnlyMount(dir: string, folder: string): string | { skip: string } {
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  if (spawnSync('mount', ['--bind', folder, ro]).status !== 0) return { skip: 'cannot bind-mount here' };
  if (spawnSync('mount', ['-o', 'remount,ro,bind', ro]).status !== 0) {
    spawnSync('umount', [ro]);
    return { skip: 'cannot make a bind mount read-only here' };
  }
  return ro;
}

const rows = (csv: string): string[] =>
  csvObjects(csv).map((r) => `${r.customer} ${r.completeness} ${r.files} ${r.audio_seconds}`);

describe('a read-only case file is reported from, and left as it was', () => {
  it(
    'chmod 400 in a folder its reader may not write: --from, --diff and --since as from a writable copy',
    (ctx) => {
      const { dir, tree, out, cse } = caseOfTwoRuns();
      const writableFrom = runCli(['--from', cse, '--csv', '-']);
      expect(writableFrom.status).toBe(0);
      const writableDiff = runCli(['--diff', cse, '--csv', '-']);
      expect(writableDiff.status).toBe(0);

      const reports = join(dir, 'reports');
      mkdirSync(reports, { mode: 0o777 });
      chmodSync(reports, 0o777);
      const user = unprivileged(out, reports);
      if (user.skip !== undefined) return ctx.skip(user.skip);
      if (isRoot) for (const p of [out, cse, `${cse}-journal`]) chownSync(p, 65534, 65534);
      chmodSync(cse, 0o400);
      chmodSync(out, 0o555);
      const before = state(out);
      const hash = sha(cse);
      const copies = copiesLeft();

      const from = user.run(['--from', cse, '--csv', join(reports, 'from.csv')]);
      expect(from.stderr).toMatch(/read-only\): read from a private copy/);
      expect(from.status).toBe(0);
      expect(rows(readFileSync(join(reports, 'from.csv'), 'utf8'))).toEqual(rows(writableFrom.stdout));
      expect(rows(writableFrom.stdout)).toContain('beta complete 2 8');

      const diff = user.run(['--diff', cse, '--csv', join(reports, 'diff.csv')]);
      expect(diff.status).toBe(0);
      expect(readFileSync(join(reports, 'diff.csv'), 'utf8')).toBe(writableDiff.stdout);

      const since = user.run(['--from', cse, '--since', '1', '--statements', join(reports, 'st')]);
      expect(since.status).toBe(0);
      expect(readdirSync(join(reports, 'st')).length).toBeGreaterThan(0);

      // to be written (--case), refused in one line before the scan, not after hours of it
      const write = user.run([tree, '--case', cse, '--csv', join(reports, 'scan.csv')]);
      expect(write.status).toBe(2);
      expect(write.stderr).toMatch(/^leaktally: --case: .* may not be written \(read-only\): give a new case file/);
      expect(write.stderr.trimEnd().split('\n')).toHaveLength(1);

      // the file, its journal and its folder untouched; no copy left behind
      expect(sha(cse)).toBe(hash);
      expect(state(out)).toBe(before);
      chmodSync(out, 0o755);
      expect(copiesLeft()).toEqual(copies);
    },
    SLOW,
  );

  it(
    'the private copy is never made in the tree (TMPDIR inside it), and a TMPDIR that cannot be written is one line, exit 2',
    (ctx) => {
      if (!isRoot) return ctx.skip('a read-only bind mount needs root');
      const { dir, tree, out } = caseOfTwoRuns();
      const ro = readOnlyMount(dir, out);
      if (typeof ro !== 'string') return ctx.skip(ro.skip);
      try {
        const at = join(ro, 'x.case');
        // TMPDIR a folder of the scanned tree (as /var/tmp is of a tree /var): refused, the tree untouched
        const inTree = join(tree, 'acme');
        const before = state(inTree);
        const r = runCli(['--from', at, '--csv', '-'], {
          env: { ...process.env, CI: '1', TZ: 'UTC', TMPDIR: inTree },
        });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(
          /^leaktally: --from: .*temporary folder .* is inside the tree one of its runs scanned/,
        );
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(state(inTree)).toBe(before);
        // TMPDIR missing: one line, not an internal error with a stack
        const gone = runCli(['--diff', at, '--csv', '-'], {
          env: { ...process.env, CI: '1', TZ: 'UTC', TMPDIR: join(dir, 'no-such-folder') },
        });
        expect(gone.status).toBe(2);
        expect(gone.stderr).toMatch(/no private copy can be made in the temporary folder .*ENOENT/);
        expect(gone.stderr).not.toMatch(/internal error|\n\s+at /);
      } finally {
        spawnSync('umount', [ro]);
      }
    },
    SLOW,
  );

  it(
    'on a read-only mount, with the hot journal of a run killed in a transaction: rolled back in the copy, as SQLite would in place',
    (ctx) => {
      if (!isRoot) return ctx.skip('a read-only bind mount needs root');
      const { dir, out, cse } = caseOfTwoRuns();
      const writableFrom = runCli(['--from', cse, '--csv', '-']);
      expect(writableFrom.status).toBe(0);
      // a writer killed in the middle of a transaction whose pages spilled into the file: a hot journal,
      // and a database file that, read as it is, holds a table no case file has (and rows half-written)
      const killer = join(dir, 'kill.cjs');
      writeFileSync(
        killer,
        `const { Database } = require(${JSON.stringify(require.resolve('node-sqlite3-wasm'))});
const db = new Database(process.argv[2]);
db.exec('PRAGMA journal_mode=TRUNCATE; PRAGMA cache_size=1; BEGIN; CREATE TABLE junk (x BLOB);');
for (let i = 0; i < 400; i++) db.run('INSERT INTO junk VALUES (?)', [Buffer.alloc(4000, i)]);
db.exec('UPDATE files SET seconds = seconds + 1000');
process.kill(process.pid, 'SIGKILL');`,
      );
      spawnSync(process.execPath, [killer, cse]);
      expect(statSync(`${cse}-journal`).size).toBeGreaterThan(0);
      const hash = sha(cse);
      const journal = sha(`${cse}-journal`);

      const ro = readOnlyMount(dir, out);
      if (typeof ro !== 'string') return ctx.skip(ro.skip);
      try {
        const at = join(ro, 'x.case');
        const copies = copiesLeft();
        const from = runCli(['--from', at, '--csv', '-']);
        expect(from.stderr).toMatch(/private copy/);
        expect(from.status).toBe(0);
        expect(rows(from.stdout)).toEqual(rows(writableFrom.stdout));
        const diff = runCli(['--diff', at, '--csv', '-']);
        expect(diff.status).toBe(0);
        expect(csvObjects(diff.stdout).find((r) => r.customer === 'beta')?.files_added).toBe('1');
        expect(copiesLeft()).toEqual(copies);
      } finally {
        spawnSync('umount', [ro]);
      }
      expect(sha(cse)).toBe(hash);
      expect(sha(`${cse}-journal`)).toBe(journal);
    },
    SLOW,
  );
});
