/**
 * Attack round 23: round 22b C4's residue. A case file that is an SQLite database, copied into the
 * tree one of its runs scanned, was given to --from, --diff, --merge or --case: the SQLite library
 * made its lock folder beside it (and a journal) before the tree was known, and the file's access
 * time moved. Now the trees its runs name are read from its bytes first (O_NOATIME), and a case file
 * inside one of them is refused before anything is made beside it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { LEAK, runCli, tempDir } from './helpers.js';

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
