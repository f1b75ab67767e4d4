/**
 * Attack round 23: round 22b C4's residue. A case file that is an SQLite database, copied into the
 * tree one of its runs scanned, was given to --from, --diff, --merge or --case: the SQLite library
 * made its lock folder beside it (and a journal) before the tree was known, and the file's access
 * time moved. Now the trees its runs name are read from its bytes first (O_NOATIME), and a case file
 * inside one of them is refused before anything is made beside it.
 *
 * Round 23b M5: `--files - > m.csv` put the manifest, the tree's paths, in the 0644 file the shell
 * made, where `--files m.csv` is made 0600: stdout that is a regular file is made owner-only.
 *
 * Round 23b M4: an output named as a case file's journal (`--merge s1.case-journal s1.case …`) was
 * written, then emptied by SQLite when that case file was closed: refused.
 *
 * Round 22 L4 (still so in 23b): statement pages named `--csv.html`, `-2+3.html`, options to `rm *`.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, openSync, readFileSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { LEAK, runCli, tempDir } from './helpers.js';
import { safeFileName } from '../src/report/write/statements.js';

describe('a case file inside the tree its runs scanned', () => {
  it('is refused by --from, --diff, --merge and --case, with nothing made beside it and its access time kept', () => {
    const dir = tempDir('leaktally-r23o-');
    const tree = join(dir, 'tree');
    // (names that are not UTF-8: copied by cp, not through a string)
    expect(spawnSync('cp', ['-a', LEAK, tree]).status).toBe(0);
    const made = runCli([tree, '--case', join(dir, 'c.case'), '--csv', join(dir, 's.csv')]);
    expect(made.status, made.stderr).toBe(0);
    const inTree = join(tree, 'itell', 'c.case');
    cpSync(join(dir, 'c.case'), inTree);
    // an access time before the modification time: any read moves it (relatime)
    const mtime = statSync(inTree).mtime;
    utimesSync(inTree, new Date(mtime.getTime() - 3_600_000), mtime);
    const atime = statSync(inTree).atimeMs;
    const listing = readdirSync(join(tree, 'itell')).sort();
    const folder = statSync(join(tree, 'itell'));
    for (const args of [
      ['--from', inTree, '--csv', join(dir, 'o1.csv')],
      ['--diff', inTree, '--csv', join(dir, 'o2.csv')],
      ['--merge', join(dir, 'm.case'), inTree],
      [tree, '--case', inTree, '--csv', join(dir, 'o3.csv')],
    ]) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(
        /inside the (tree one of its runs scanned|evidence tree)|into the evidence tree/,
      );
      expect(readdirSync(join(tree, 'itell')).sort(), args.join(' ')).toEqual(listing);
      expect(statSync(join(tree, 'itell')).mtimeMs, args.join(' ')).toBe(folder.mtimeMs);
      expect(statSync(inTree).atimeMs, args.join(' ')).toBe(atime);
    }
    // the case file copied out of the tree is read as before
    const out = join(dir, 'copy.case');
    cpSync(inTree, out);
    const ok = runCli(['--from', out, '--csv', join(dir, 'o4.csv')]);
    expect(ok.status, ok.stderr).toBe(0);
  }, 120_000);
});

describe('--files - into a file the shell made', () => {
  it('makes that file owner-only, as --files FILE is (round 23b M5)', () => {
    const dir = tempDir('leaktally-r23m-');
    const tree = join(dir, 'tree');
    expect(spawnSync('cp', ['-a', LEAK, tree]).status).toBe(0);
    const out = join(dir, 'm.csv');
    const fd = openSync(out, 'w', 0o644);
    try {
      expect(statSync(out).mode & 0o777).toBe(0o644);
      const r = runCli([tree, '--files', '-'], { stdio: ['ignore', fd, 'pipe'] });
      expect(r.status, r.stderr).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toMatch(/^\uFEFFpath,customer,/);
  }, 120_000);
});

describe("an output named as a case file's journal", () => {
  it('is refused, exit 2, the journal untouched (round 23b M4)', () => {
    const dir = tempDir('leaktally-r23j-');
    const tree = join(dir, 'tree');
    expect(spawnSync('cp', ['-a', LEAK, tree]).status).toBe(0);
    const c = join(dir, 's1.case');
    expect(runCli([tree, '--case', c]).status).toBe(0);
    for (const args of [
      ['--merge', `${c}-journal`, c],
      ['--from', c, '--csv', `${c}-journal`],
    ]) {
      const before = statSync(`${c}-journal`);
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/is the journal of the case file/);
      expect(statSync(`${c}-journal`).mtimeMs).toBe(before.mtimeMs);
    }
    // any other name ending in -journal is an output as any other
    expect(runCli(['--from', c, '--csv', join(dir, 'x-journal')]).status).toBe(0);
  }, 120_000);
});

describe('statement file names', () => {
  it('never start with a dash (round 22 L4)', () => {
    const used = new Set<string>();
    expect(safeFileName('--csv', used)).toBe('_csv');
    expect(safeFileName('-2+3', used)).toBe('_2+3');
    expect(safeFileName('.hidden', used)).toBe('_hidden');
    expect(safeFileName('a-b', used)).toBe('a-b');
  });
});
