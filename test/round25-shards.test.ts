/**
 * Attack round 24b C1b: a recording moved between two shard runs. Shards run one after another (or on
 * several machines), each over its slice of the customers; a recording moved, after shard 1 had run,
 * from a customer of shard 2 (not yet run) into one of shard 1 was in no shard. `--merge` exited 0,
 * `--from` said "complete" for both rows (the source 0 files), the source's controller was told "Not
 * affected", with 6 recordings in the tree and 5 counted. Now each shard keeps every folder it listed
 * with its stamp (folder_stamps), and the merge takes a folder changed after the first shard started,
 * and every customer folder of a shard that ran before such a change, as gaps "changed between shard
 * runs": exit 3, those rows incomplete. A tree that stands still merges complete, as before. Real CLI,
 * real files, the shards run as a responder runs them (one process each, one after another).
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, htmlText, put, runCli, tempDir, wav } from './helpers.js';
import { itWith } from './needs.js';
import { shardOf } from '../src/scan/place/shard.js';

/** one recording of 1 s (8 kHz, 8-bit PCM) */
const ONE = wav({ tag: 1, rate: 8000, bits: 8, dataBytes: 8000 });
const NAMES = ['alfa', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
/** the customers of each of two shards (place/shard.ts): a folder's row key is 'customer\0' + its name */
const inShard = (i: number): string[] => NAMES.filter((n) => shardOf(`customer\0${n}`, 2) === i);

function sqlite(db: string, sql: string): string {
  const r = spawnSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** Every customer a folder holding one recording, and one below it in a year folder (A/2019/x.wav). */
async function tree(dir: string): Promise<string> {
  const root = join(dir, 'tree');
  for (const n of NAMES) {
    put(root, `${n}/a.wav`, ONE);
    put(root, `${n}/2019/b.wav`, ONE);
  }
  // the tree made before the first shard's start, by more than a kernel tick (the merge allows 20 ms)
  await new Promise((r) => setTimeout(r, 100));
  return root;
}

const shard = (root: string, dir: string, i: number): void => {
  const r = runCli([root, '--tz', 'UTC', '--shard', `${i}/2`, '--case', join(dir, `s${i}.case`)]);
  expect(r.status, r.stderr).toBe(0);
};

const merge = (dir: string) => runCli(['--merge', join(dir, 'm.case'), join(dir, 's1.case'), join(dir, 's2.case')]);

/** --from the merge with a register of every customer: the CSV's rows by customer, and the run's exit */
function report(dir: string): { rows: Map<string, Record<string, string>>; status: number | null; stderr: string } {
  const reg = join(dir, 'reg.csv');
  writeFileSync(reg, 'key,controller\n' + NAMES.map((n) => `${n},${n} AB`).join('\n') + '\n');
  const r = runCli([
    '--from',
    join(dir, 'm.case'),
    '--register',
    reg,
    '--csv',
    join(dir, 'm.csv'),
    '--statements',
    join(dir, 'st'),
  ]);
  const rows = new Map(csvObjects(readFileSync(join(dir, 'm.csv'), 'utf8')).map((o) => [o.customer!, o]));
  return { rows, status: r.status, stderr: r.stderr };
}

const statement = (dir: string, who: string): string =>
  htmlText(
    readFileSync(
      join(
        dir,
        'st',
        readdirSync(join(dir, 'st')).find((f) => f.startsWith(who))!,
      ),
      'utf8',
    ),
  );

describe('shards of a tree that changed between their runs (attack round 24b C1b)', () => {
  itWith(
    ['sqlite3'],
    'a recording moved between two shard runs into a slice already run: exit 3, both rows incomplete',
    async () => {
      const dir = tempDir();
      const root = await tree(dir);
      const [dst] = inShard(1);
      const [src] = inShard(2);
      expect(dst && src).toBeTruthy();
      shard(root, dir, 1);
      // the recorder's archive job, or anyone on the share: from a customer of shard 2 into one of shard 1
      renameSync(join(root, src!, 'a.wav'), join(root, dst!, 'moved.wav'));
      shard(root, dir, 2);
      const m = merge(dir);
      // before: exit 0, "merged 2 of 2 shards", nothing else
      expect(m.status, m.stderr).toBe(3);
      expect(m.stderr).toMatch(/incomplete: the tree changed between shard runs: \d+ folders? changed/);
      const { rows, status } = report(dir);
      expect(status).toBe(3);
      // 16 recordings in the tree, 15 counted: the source row (1 of its 2 left) and the destination row
      // (3 now, 2 counted) are incomplete; before, both "complete"
      expect(rows.get(src!)!.completeness).toMatch(/^incomplete/);
      expect(rows.get(dst!)!.completeness).toMatch(/^incomplete/);
      expect(rows.get('(total)')!.completeness).toMatch(/^incomplete/);
      expect(Number(rows.get('(total)')!.files)).toBe(15);
      // the source's controller: not "Not affected" (its recording is in the copy, counted nowhere)
      expect(statement(dir, `${src} AB`)).not.toMatch(/Not affected/);
      // a customer of shard 2 whose folders did not change keeps its figures and "complete"
      const still = inShard(2).find((n) => n !== src)!;
      expect(rows.get(still)!.completeness).toBe('complete');
      expect(rows.get(still)!.files).toBe('2');
      // every shard kept the folders it listed, the root too, and its own customers' folders only
      expect(sqlite(join(dir, 's1.case'), "SELECT count(*) FROM folder_stamps WHERE depth = 0 AND name = ''")).toBe(
        '1',
      );
      expect(sqlite(join(dir, 's1.case'), 'SELECT name FROM folder_stamps WHERE depth = 1 ORDER BY name')).toBe(
        inShard(1).sort().join('\n'),
      );
    },
  );

  itWith(
    ['sqlite3'],
    'a tree that stands still between the shard runs merges complete, with one scan’s figures',
    async () => {
      const dir = tempDir();
      const root = await tree(dir);
      shard(root, dir, 1);
      shard(root, dir, 2);
      const m = merge(dir);
      expect(m.status, m.stderr).toBe(0);
      expect(m.stderr).not.toMatch(/changed/);
      const { rows, status } = report(dir);
      expect(status).toBe(0);
      for (const n of NAMES) expect([n, rows.get(n)!.completeness, rows.get(n)!.files]).toEqual([n, 'complete', '2']);
      expect(rows.get('(total)')!.completeness).toBe('complete');
      expect(rows.get('(total)')!.files).toBe(String(2 * NAMES.length));
    },
  );

  itWith(
    ['sqlite3'],
    'a recording moved deep inside the customers (A/2019 to B/2019): the rows of both sides incomplete',
    async () => {
      const dir = tempDir();
      const root = await tree(dir);
      const [b] = inShard(1);
      const [a] = inShard(2);
      shard(root, dir, 1);
      // only A's shard lists A/2019, after the move: its ctime, from after the first shard's start, tells;
      // B/2019 changed after B's shard had run and checked it: B's shard ran before that change
      renameSync(join(root, a!, '2019', 'b.wav'), join(root, b!, '2019', 'from-a.wav'));
      shard(root, dir, 2);
      const m = merge(dir);
      expect(m.status, m.stderr).toBe(3);
      expect(m.stderr).toMatch(/every customer folder of shard 1 of 2 among them/);
      const { rows, status } = report(dir);
      expect(status).toBe(3);
      expect(rows.get(a!)!.completeness).toMatch(/^incomplete/);
      expect(rows.get(b!)!.completeness).toMatch(/^incomplete/);
      // the merged run's folder gaps say why
      const why = sqlite(join(dir, 'm.case'), `SELECT DISTINCT error FROM folders WHERE path = '${a}/2019'`);
      expect(why).toMatch(/^changed between shard runs/);
    },
  );

  itWith(
    ['sqlite3'],
    'a recording moved the other way (counted by both shards): the row it reached is incomplete',
    async () => {
      const dir = tempDir();
      const root = await tree(dir);
      const [from] = inShard(1);
      const [to] = inShard(2);
      shard(root, dir, 1);
      renameSync(join(root, from!, 'a.wav'), join(root, to!, 'again.wav'));
      shard(root, dir, 2);
      expect(merge(dir).status).toBe(3);
      const { rows } = report(dir);
      // 16 recordings, 17 counted (the moved one twice): the row that counted it again says incomplete
      expect(Number(rows.get('(total)')!.files)).toBe(17);
      expect(rows.get(to!)!.completeness).toMatch(/^incomplete/);
      expect(rows.get('(total)')!.completeness).toMatch(/^incomplete/);
    },
  );

  itWith(
    ['sqlite3'],
    'customers by a {customer} pattern: every shard lists every folder, and every row says incomplete',
    async () => {
      const dir = tempDir();
      const root = await tree(dir);
      const [dst] = inShard(1);
      const [src] = inShard(2);
      const scan = (i: number): void => {
        const r = runCli([
          root,
          '--allow-incomplete',
          '--tz',
          'UTC',
          '--pattern',
          '{customer}/*.wav',
          '--shard',
          `${i}/2`,
          '--case',
          join(dir, `s${i}.case`),
        ]);
        expect(r.status, r.stderr).toBe(0);
      };
      scan(1);
      renameSync(join(root, src!, 'a.wav'), join(root, dst!, 'moved.wav'));
      scan(2);
      const m = merge(dir);
      expect(m.status, m.stderr).toBe(3);
      // the customers are no folders: the root is the gap, and it holds every row (the year folders'
      // recordings the pattern does not match are "(unmatched)", hence --allow-incomplete above)
      expect(m.stderr).toMatch(/the root among them/);
      const { rows } = report(dir);
      for (const n of NAMES) expect(rows.get(n)!.completeness).toMatch(/^incomplete/);
    },
  );

  itWith(
    ['sqlite3'],
    'a shard that kept no folder stamps (an older leaktally) is no merge a report vouches for',
    async () => {
      const dir = tempDir();
      const root = await tree(dir);
      shard(root, dir, 1);
      shard(root, dir, 2);
      sqlite(join(dir, 's2.case'), 'DELETE FROM folder_stamps');
      const m = merge(dir);
      expect(m.status).toBe(3);
      expect(m.stderr).toMatch(/shard 2 kept no folder stamps/);
      const { rows } = report(dir);
      for (const n of NAMES) expect(rows.get(n)!.completeness).toMatch(/^incomplete/);
    },
  );
});
