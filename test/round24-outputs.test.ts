/**
 * Attack round 24b, M3: an output named as a lock (`--case x.case --csv x.case.lock`, SQLite's lock
 * folder beside the case file; `.x.case.lock` or `.s.csv.lock`, leaktally's own lock beside a case file
 * or an output) was written, exit 0; from then on every run on that case file or output was refused
 * with a false reason ("database is locked", "is another run starting?") until the file was deleted.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LEAK, runCli, tempDir } from './helpers.js';

describe('an output named as a lock', () => {
  it('is refused, exit 2, nothing written; the case file and the outputs stay usable', () => {
    const dir = tempDir('leaktally-r24o-');
    const c = join(dir, 'x.case');
    for (const args of [
      [LEAK, '--case', c, '--csv', `${c}.lock`],
      [LEAK, '--case', c, '--csv', join(dir, '.x.case.lock')],
      [LEAK, '--csv', join(dir, 's.csv'), '--json', join(dir, '.s.csv.lock')],
      [LEAK, '--csv', join(dir, 'summary.lock')],
    ]) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/is named as a lock/);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(readdirSync(dir)).toEqual([]);
    // and the runs those names would have broken work
    const made = runCli([LEAK, '--case', c, '--csv', join(dir, 's.csv')]);
    expect(made.status, made.stderr).toBe(0);
    const again = runCli(['--from', c, '--csv', join(dir, 't.csv')]);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(dir, 't.csv'))).toBe(true);
  }, 120_000);
});
