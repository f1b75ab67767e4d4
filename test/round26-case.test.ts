/**
 * Attack round 26b H2: resuming took over a file's stored facts from any run of the same package
 * version, and the version stayed 0.1.0 through every reader fix: a case file written by a build before
 * a fix, resumed after it, kept the overcount the fix removed (an Ogg Opus whose pages fail their
 * checksums: 60 s "complete", a fresh scan 0 s, ffmpeg 0.00). Runs now keep the readers' build (a hash
 * of the reader modules: probe/build.ts), and facts are taken over only from runs of the same readers.
 * Here the older build's case file is made by hand: this build's, its run's version set to the bare
 * package version an older build wrote, and a file's seconds set to what an older reader counted.
 */
import { expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, put, runCli, tempDir, wav } from './helpers.js';
import { itWith } from './needs.js';

function sqlite(db: string, sql: string): string {
  const r = spawnSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

itWith(
  ['sqlite3'],
  'a case file of other readers: nothing taken over, every file read again, and a note says why',
  () => {
    const dir = tempDir();
    const tree = join(dir, 'tree');
    put(tree, 'acme/a.wav', wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 }));
    put(tree, 'acme/b.wav', wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 16000 }));
    const db = join(dir, 'c.case');
    const first = runCli([tree, '--case', db, '--csv', join(dir, '1.csv')]);
    expect(first.status, first.stderr).toBe(0);
    expect(sqlite(db, 'SELECT tool_version FROM runs WHERE id = 1')).toMatch(/^\d+\.\d+\.\d+\+readers\.[0-9a-f]{12}$/);
    // what an older build left: its bare version, and an hour where this build's readers count 1 s
    sqlite(db, "UPDATE runs SET tool_version = '0.1.0'; UPDATE files SET seconds = 3600 WHERE path LIKE '%a.wav'");
    const again = runCli([tree, '--case', db, '--csv', join(dir, '2.csv')]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /--case: the case file's runs of this tree were made by other readers \(0\.1\.0; this is /,
    );
    // read again: 3 s, as the first run counted; taken over, it was 3,602 s
    expect(csvObjects(readFileSync(join(dir, '2.csv'), 'utf8'))[0]).toMatchObject({
      customer: 'acme',
      audio_seconds: '3',
    });
    expect(readFileSync(join(dir, '2.csv'), 'utf8')).toBe(readFileSync(join(dir, '1.csv'), 'utf8'));
    // and a run of these readers is taken over as before
    const third = runCli([tree, '--case', db, '--csv', join(dir, '3.csv')]);
    expect(third.stderr).not.toMatch(/other readers/);
    expect(sqlite(db, 'SELECT taken_over FROM runs WHERE id = 3')).toBe('2');
  },
);

itWith(
  ['sqlite3'],
  'a run whose options are JSON null (attack round 26b M1): one line, never an internal error',
  () => {
    const dir = tempDir();
    const tree = join(dir, 'tree');
    put(tree, 'acme/a.wav', wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 }));
    const db = join(dir, 'c.case');
    expect(runCli([tree, '--case', db, '--csv', join(dir, '1.csv')]).status).toBe(0);
    sqlite(db, "UPDATE runs SET options = 'null'");
    // --from: the stored options unreadable, as text that is not JSON: the defaults, the same figures
    const from = runCli(['--from', db, '--csv', join(dir, '2.csv')]);
    expect(from.stderr).not.toMatch(/internal error|TypeError/);
    expect(from.status, from.stderr).toBe(0);
    expect(readFileSync(join(dir, '2.csv'), 'utf8')).toBe(readFileSync(join(dir, '1.csv'), 'utf8'));
    // --merge of a shard whose options are null: a damaged shard, exit 2, one line
    for (const i of [1, 2])
      expect(runCli([tree, '--shard', `${i}/2`, '--case', join(dir, `s${i}.case`)]).status).not.toBe(1);
    sqlite(join(dir, 's2.case'), "UPDATE runs SET options = 'null'");
    const merge = runCli(['--merge', join(dir, 'all.case'), join(dir, 's1.case'), join(dir, 's2.case')]);
    expect(merge.status).toBe(2);
    expect(merge.stderr).toMatch(
      /^leaktally: --merge: .*s2\.case is a damaged case file: the options of its run 1 are not JSON\n$/,
    );
  },
);
