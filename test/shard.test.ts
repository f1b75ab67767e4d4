/**
 * Shards and merge (--shard i/n, --merge): four shards run side by side through xargs -P (as GNU
 * parallel or a batch system would run them), merged, and reported with --from, give the summary of
 * one scan byte for byte — customers named by folders and by a pattern (distinct callers exact across
 * shards); the shards never overlap; a merge missing a shard says incomplete. Real CLI, real files.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, LEAK, put, runCli, tempDir, wav } from './helpers.js';
import { itWith } from './needs.js';
import { parseShard, shardOf } from '../src/scan/place/shard.js';

const PATTERN = 'itell/*/*/*/*-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';

function sqlite(db: string, sql: string): string {
  const r = spawnSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** 40 customers (one empty), files above the customer level, links: what every shard must split. */
function tree(dir: string): string {
  const root = join(dir, 'tree');
  const one = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });
  const two = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 16000 });
  for (let i = 0; i < 400; i++) put(root, `kund-${i % 39}/2019/call-${i}.wav`, i % 3 ? one : two);
  mkdirSync(join(root, 'kund-tom'));
  put(root, 'readme.txt', 'not a recording');
  symlinkSync('kund-1', join(root, 'link-to-kund-1'));
  symlinkSync('call-1.wav', join(root, 'kund-1/2019/again.wav'));
  return root;
}

/** The four shards run at once by xargs -P 4, each into its own case file; their exit codes. */
function shards(root: string, dir: string, extra: string[]): number[] {
  const args = [root, '--tz', 'UTC', '--allow-incomplete', ...extra].map((a) => `'${a}'`).join(' ');
  const r = spawnSync(
    'sh',
    [
      '-c',
      `printf '1\\n2\\n3\\n4\\n' | xargs -P 4 -I{} sh -c "'${process.execPath}' '${CLI}' ${args} --shard {}/4 --case '${dir}/s{}.case' 2>/dev/null; echo {}:\\$? >> '${dir}/codes'"`,
    ],
    { encoding: 'utf8', env: { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' }, timeout: 120_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(join(dir, 'codes'), 'utf8')
    .trim()
    .split('\n')
    .sort()
    .map((l) => Number(l.split(':')[1]));
}

describe('--shard and --merge', () => {
  it('slices by a stable hash: every key in exactly one shard, the same on every run', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '4', '1/0', '-1/4', '1/4x']) expect(typeof parseShard(bad)).toBe('string');
    // FNV-1a of the key's UTF-8: fixed values (a change would split one leak's shards differently)
    expect(shardOf('customer\0itell', 4)).toBe(2);
    expect(shardOf('customer\0ambulanstransport', 4)).toBe(2);
    expect(shardOf('top-level\0(top level)', 4)).toBe(4);
    expect(shardOf('customer\0kund-1', 16)).toBe(12);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`customer\0kund-${i}`, 4) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  itWith(['sqlite3'], 'four shards merged report what one scan reports (customers by folder)', () => {
    const dir = tempDir();
    const root = tree(dir);
    const one = runCli([root, '--tz', 'UTC', '--allow-incomplete', '--csv', join(dir, 'one.csv')]);
    expect(one.status, one.stderr).toBe(0);
    expect(shards(root, dir, [])).toEqual([0, 0, 0, 0]);
    // disjoint and covering: each file in one shard, each customer folder listed by its shard only
    const perShard = [1, 2, 3, 4].map((i) => Number(sqlite(join(dir, `s${i}.case`), 'SELECT count(*) FROM files')));
    expect(perShard.reduce((a, b) => a + b)).toBe(401);
    for (const n of perShard) expect(n).toBeGreaterThan(0);
    const folders = [1, 2, 3, 4].map((i) =>
      sqlite(join(dir, `s${i}.case`), 'SELECT path FROM folders WHERE depth = 1')
        .split('\n')
        .filter(Boolean),
    );
    expect(new Set(folders.flat()).size).toBe(folders.flat().length);
    expect(folders.flat().length).toBe(40);
    const merge = runCli(['--merge', join(dir, 'all.case'), ...[1, 2, 3, 4].map((i) => join(dir, `s${i}.case`))]);
    expect(merge.status, merge.stderr).toBe(0);
    expect(merge.stderr).toMatch(/merged 4 of 4 shards .* 401 files/);
    const from = runCli(['--from', join(dir, 'all.case'), '--allow-incomplete', '--csv', join(dir, 'merged.csv')]);
    expect(from.status, from.stderr).toBe(0);
    expect(readFileSync(join(dir, 'merged.csv'), 'utf8')).toBe(readFileSync(join(dir, 'one.csv'), 'utf8'));
    // the empty customer is a row (its shard listed it; blank, not 0, beside the tree's gaps), the links counted once
    expect(readFileSync(join(dir, 'merged.csv'), 'utf8')).toMatch(/^"kund-tom",/m);
    expect(sqlite(join(dir, 'all.case'), 'SELECT outcome, complete, links_skipped FROM runs')).toBe('done|0|2');
  });

  itWith(['sqlite3'], 'four shards merged report what one scan reports (customers and callers by a pattern)', () => {
    const dir = tempDir();
    const args = ['--pattern', PATTERN, '--country', 'SE'];
    const one = runCli([LEAK, '--tz', 'UTC', '--allow-incomplete', ...args, '--json', join(dir, 'one.json')]);
    expect(one.status, one.stderr).toBe(0);
    shards(LEAK, dir, args);
    const inputs = [1, 2, 3, 4].map((i) => join(dir, `s${i}.case`));
    expect(runCli(['--merge', join(dir, 'all.case'), ...inputs]).status).toBe(0);
    const from = runCli(['--from', join(dir, 'all.case'), '--allow-incomplete', '--json', join(dir, 'm.json')]);
    expect(from.status, from.stderr).toBe(0);
    const strip = (p: string): unknown => {
      const j = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
      // the command line and the run's times
      delete j.method;
      delete j.scannedAt;
      delete j.finishedAt;
      return j;
    };
    const want = strip(join(dir, 'one.json')) as { totals: { distinct_callers: number } };
    expect(strip(join(dir, 'm.json'))).toEqual(want);
    expect(want.totals.distinct_callers).toBeGreaterThan(0);
  });

  itWith(
    ['sqlite3'],
    'a merge without every shard, or of shards of different scans, never passes for whole',
    () => {
      const dir = tempDir();
      const root = tree(dir);
      shards(root, dir, []);
      const part = runCli(['--merge', join(dir, 'part.case'), join(dir, 's1.case'), join(dir, 's3.case')]);
      expect(part.status).toBe(3);
      expect(part.stderr).toMatch(/incomplete: shards 2, 4 of 4 not given/);
      const rep = runCli(['--from', join(dir, 'part.case'), '--csv', join(dir, 'p.csv')]);
      expect(rep.status).toBe(3);
      expect(readFileSync(join(dir, 'p.csv'), 'utf8')).toMatch(
        /"\(total\)",,,"incomplete: shards 2, 4 of 4 were not merged: the customers of those slices were not read",/,
      );
      // a shard alone is no report; a shard is no place for a report's outputs
      expect(runCli(['--from', join(dir, 's1.case'), '--csv', join(dir, 'x.csv')]).stderr).toMatch(/is shard 1\/4/);
      expect(runCli([root, '--shard', '1/4', '--case', join(dir, 'y.case'), '--csv', '-']).status).toBe(2);
      expect(runCli([root, '--shard', '1/4']).stderr).toMatch(/--shard needs --case/);
      // another depth in one shard: not one scan
      const other = runCli([root, '--tz', 'UTC', '--depth', '2', '--shard', '2/4', '--case', join(dir, 'd2.case')]);
      expect(other.status).not.toBe(2);
      const mixed = runCli(['--merge', join(dir, 'mixed.case'), join(dir, 's1.case'), join(dir, 'd2.case')]);
      expect(mixed.status).toBe(2);
      expect(mixed.stderr).toMatch(/different --depth/);
      expect(runCli(['--merge', join(dir, 'x.case'), join(dir, 's1.case'), join(dir, 's1.case')]).stderr).toMatch(
        /given twice/,
      );
      // a shard's run whose options were edited to "0/0" (no shard at all): a merge of it is no whole scan
      spawnSync('sqlite3', [join(dir, 's2.case'), `UPDATE runs SET options = json_set(options, '$.shard', '0/0')`]);
      const forged = runCli(['--merge', join(dir, 'f.case'), join(dir, 's2.case')]);
      expect(forged.status).toBe(2);
      expect(forged.stderr).toMatch(/names no shard leaktally makes/);
      // a dozen scans and merges in fresh processes: 17 s idle, 80 s at load 16 (ci57); a guard against a hang
    },
    240_000,
  );
  itWith(['sqlite3'], 'shards that scanned different folders merge whole but never complete', () => {
    const dir = tempDir();
    const a = tree(dir);
    // the same files at another path (another machine's mount), or another tree: the case files cannot tell
    const b = join(dir, 'elsewhere');
    expect(spawnSync('cp', ['-a', a, b]).status).toBe(0);
    for (const [root, i] of [
      [a, 1],
      [a, 2],
      [b, 3],
      [b, 4],
    ] as const) {
      const r = runCli([
        root,
        '--tz',
        'UTC',
        '--allow-incomplete',
        '--shard',
        `${i}/4`,
        '--case',
        join(dir, `s${i}.case`),
      ]);
      expect(r.status, r.stderr).toBe(0);
    }
    const shardsOf = [1, 2, 3, 4].map((i) => join(dir, `s${i}.case`));
    const m = runCli(['--merge', join(dir, 'm.case'), ...shardsOf]);
    expect(m.stderr).toMatch(/the shards scanned 2 different folders/);
    expect(m.stderr).toMatch(/incomplete: the shards scanned different folders/);
    expect(m.status).toBe(3);
    const rep = runCli(['--from', join(dir, 'm.case'), '--csv', join(dir, 'm.csv')]);
    expect(rep.status).toBe(3);
    const total = readFileSync(join(dir, 'm.csv'), 'utf8')
      .split('\r\n')
      .find((l) => l.startsWith('"(total)"'));
    expect(total).toMatch(/"incomplete: the shards scanned different folders \(.*tree, .*elsewhere\)/);
    // the same shards of one folder: complete
    expect(
      runCli([a, '--tz', 'UTC', '--allow-incomplete', '--shard', '3/4', '--case', join(dir, 't3.case')]).status,
    ).toBe(0);
    expect(
      runCli([a, '--tz', 'UTC', '--allow-incomplete', '--shard', '4/4', '--case', join(dir, 't4.case')]).status,
    ).toBe(0);
    const one = runCli([
      '--merge',
      join(dir, 'one.case'),
      shardsOf[0]!,
      shardsOf[1]!,
      join(dir, 't3.case'),
      join(dir, 't4.case'),
    ]);
    expect(one.status, one.stderr).toBe(0);
  });

  it('a merge into a case file holding runs of another tree is refused; into one of the same tree it is one run more', () => {
    const dir = tempDir();
    const root = tree(dir);
    // two shards of the tree, and another tree (two customers) scanned into a case file of its own
    for (const i of [1, 2])
      expect(
        runCli([root, '--tz', 'UTC', '--allow-incomplete', '--shard', `${i}/2`, '--case', join(dir, `s${i}.case`)])
          .status,
      ).toBe(0);
    const other = join(dir, 'other');
    put(other, 'anna/a.wav', wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 }));
    put(other, 'bert/b.wav', wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 }));
    const foreign = join(dir, 'other.case');
    expect(runCli([other, '--tz', 'UTC', '--case', foreign]).status).toBe(0);
    const before = readFileSync(foreign);
    // before: exit 0, the merge became the case file's last run and --from reported the shards' tree
    const into = runCli(['--merge', foreign, join(dir, 's1.case'), join(dir, 's2.case')]);
    expect(into.status).toBe(2);
    expect(into.stderr).toMatch(
      /^leaktally: --merge: .*other\.case already holds run 1, of another tree \(.*other, not .*tree\).*merge into a new case file\n$/,
    );
    expect(readFileSync(foreign).equals(before)).toBe(true);
    expect(sqlite(foreign, 'SELECT count(*) FROM runs')).toBe('1');
    // merged again into the case file of an earlier (partial) merge of the same shards: one run more
    const all = join(dir, 'all.case');
    expect(runCli(['--merge', all, join(dir, 's1.case')]).status).toBe(3);
    expect(runCli(['--merge', all, join(dir, 's1.case'), join(dir, 's2.case'), '--allow-incomplete']).status).toBe(0);
    expect(sqlite(all, 'SELECT group_concat(outcome) FROM runs')).toBe('incomplete,done');
  });
});
