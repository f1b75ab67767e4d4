/**
 * The case file's folder is the folder checked before the scan: a link in --case's path swapped to the
 * evidence tree after the check (while the run waits, here for a reader of a FIFO) sends neither the
 * case file nor SQLite's journal or lock folder into the tree. Real CLI, real files; the run's wait is
 * a FIFO without a reader, so the swap happens at a known moment, not after a guessed delay. And a
 * case file that does not exist leaves no journal beside its name.
 */
import { expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, put, runCli, tempDir, wav } from './helpers.js';

it('--case through a link swapped into the tree after the check writes nothing in the tree', async () => {
  const dir = tempDir();
  const tree = join(dir, 'tree');
  put(tree, 'acme/a.wav', wav({ dataBytes: 16000 }));
  const out = join(dir, 'out');
  mkdirSync(out);
  const link = join(dir, 'lnk');
  symlinkSync(out, link);
  const fifo = join(dir, 'm.fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const child = spawn(
    process.execPath,
    [CLI, tree, '--case', join(link, 'c.case'), '--files', fifo, '--csv', join(dir, 's.csv')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // the case file is checked and locked, the run waits for a reader of the FIFO: swap the link now
  await new Promise<void>((resolve) =>
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (stderr.includes('waiting for a reader')) resolve();
    }),
  );
  symlinkSync(tree, join(dir, 'lnk.new'));
  renameSync(join(dir, 'lnk.new'), link);
  const manifest = createReadStream(fifo);
  manifest.resume();
  const code = await exited;
  expect(code, stderr).toBe(0);
  expect(readdirSync(tree)).toEqual(['acme']);
  expect(readdirSync(out).sort()).toEqual(['c.case', 'c.case-journal']);
});

it('--from, --diff and --merge with a case file that does not exist leave nothing beside it', () => {
  const dir = tempDir();
  const shard = join(dir, 'nope.case');
  for (const args of [
    ['--from', shard, '--csv', '-'],
    ['--diff', shard],
    ['--merge', join(dir, 'all.case'), shard],
  ]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(readdirSync(dir)).toEqual([]);
});

it("an output that is the case file's journal (by name, whether it exists yet or not) is refused, exit 2", () => {
  // before: written over CASE-journal (exit 0), the journal SQLite holds open renamed away (attack round 13b)
  const dir = tempDir();
  const tree = join(dir, 'tree');
  put(tree, 'acme/a.wav', wav({ dataBytes: 16000 }));
  const db = join(dir, 'c.case');
  const fresh = runCli([tree, '--case', db, '--csv', `${db}-journal`]);
  expect(fresh.status, fresh.stderr).toBe(2);
  expect(fresh.stderr).toMatch(/is the journal of the case file .*c\.case \(--case\)/);
  expect(runCli([tree, '--case', db, '--csv', join(dir, 's.csv')]).status).toBe(0);
  const before = readFileSync(`${db}-journal`);
  for (const args of [
    ['--from', db, '--csv', join(dir, '.', `c.case-journal`)],
    ['--from', db, '--xlsx', `${db}-journal`],
    ['--diff', db, '--since', '1', '--run', '1', '--json', `${db}-journal`],
  ]) {
    const r = runCli(args);
    expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(/is the journal of the case file/);
  }
  expect(readFileSync(`${db}-journal`)).toEqual(before);
});
