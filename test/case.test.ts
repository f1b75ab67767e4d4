/**
 * The case file (--case, --from): what a scan keeps, what a second run takes over instead of reading,
 * what a report from it gives without the tree, and that a run killed at any moment leaves a case file a
 * later run resumes to the same figures. Real trees (samples/leak, and generated WAVs), the real CLI.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, LEAK, SAMPLES, put, runCli, tempDir, wav } from './helpers.js';
import { itWith } from './needs.js';

const PATTERN = 'itell/*/*/*/*-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*';

/** A copy of a tree, names as bytes (samples/leak has names that are not UTF-8) and times kept. */
function copyTree(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', from, to]);
  if (r.status !== 0) throw new Error(`cp: ${String(r.stderr)}`);
}

/** A copy of samples/leak (the tree is never written by leaktally; the tests change their copy). */
function leakCopy(dir: string): string {
  const tree = join(dir, 'tree');
  copyTree(LEAK, tree);
  return tree;
}

function sqlite(db: string, sql: string): string {
  const r = spawnSync('sqlite3', ['-batch', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
}

/** A run's row of the case file, read by the sqlite3 shell. */
function runRow(db: string, id: number): Record<string, string> {
  const cols = ['id', 'outcome', 'files', 'taken_over', 'resumed_from', 'complete'];
  const line = sqlite(db, `SELECT ${cols.join(', ')} FROM runs WHERE id = ${id}`);
  const values = line.split('|');
  return Object.fromEntries(cols.map((c, i) => [c, values[i] ?? '']));
}

describe('the case file', () => {
  itWith(['sqlite3'], 'keeps every file and folder of a scan, 0600, and opens in the sqlite3 shell', () => {
    const dir = tempDir();
    const tree = leakCopy(dir);
    const db = join(dir, 'leak.case');
    const scan = runCli([tree, '--case', db, '--json', join(dir, 's.json')]);
    expect(scan.status, scan.stderr).toBe(0);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(statSync(`${db}-journal`).mode & 0o777).toBe(0o600);
    // the schema is SQLite's own: tables, version, format
    expect(sqlite(db, 'PRAGMA user_version')).toBe('4');
    expect(sqlite(db, "SELECT value FROM case_info WHERE key = 'format'")).toBe('leaktally case');
    expect(sqlite(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").split('\n')).toEqual([
      'case_info',
      'files',
      'folder_stamps',
      'folders',
      'requests',
      'runs',
    ]);
    // (a folder's scan makes no requests)
    expect(sqlite(db, 'SELECT count(*) FROM requests')).toBe('0');
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as { totals: { files: number } };
    expect(runRow(db, 1)).toMatchObject({ outcome: 'done', files: String(summary.totals.files), taken_over: '0' });
    expect(Number(sqlite(db, 'SELECT count(*) FROM files WHERE run = 1'))).toBe(summary.totals.files);
    // the folders, the two empty year folders of itell included
    expect(sqlite(db, "SELECT count(*) FROM folders WHERE path IN ('itell/2016', 'itell/2017')")).toBe('2');
    // a path is its text where its bytes are UTF-8, else its bytes (samtal_\xe5\xe4\xf6.wav, Latin-1)
    expect(sqlite(db, "SELECT hex(path) FROM files WHERE typeof(path) = 'blob'")).toBe(
      Buffer.from('trasiga-filer/samtal_\xe5\xe4\xf6.wav', 'latin1').toString('hex').toUpperCase(),
    );
    // a file's facts: an 8 kHz µ-law recording of itell's
    const ul = sqlite(
      db,
      "SELECT kind, codec, round(seconds, 3), customer FROM files WHERE path LIKE 'itell/2019/02/01/%.ul'",
    );
    expect(ul).toMatch(/^audio\|ULAW\|\d+\.\d+\|itell$/);
  });

  it('a second run takes over the unchanged files and reads the changed, the new and not the removed', () => {
    const dir = tempDir();
    const tree = leakCopy(dir);
    const db = join(dir, 'leak.case');
    expect(runCli([tree, '--case', db, '--csv', join(dir, '1.csv')]).status).toBe(0);
    // one file touched (a new mtime), one removed, one added
    const wavs = spawnSync('find', [tree, '-name', '*.wav'], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
    utimesSync(wavs[0]!, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    unlinkSync(wavs[1]!);
    put(
      tree,
      'itell/2019/02/01/in-0812345003-0701740699-20190201-130000-1.wav',
      wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 16000 }),
    );
    const second = runCli([tree, '--case', db, '--csv', join(dir, '2.csv')]);
    expect(second.status, second.stderr).toBe(0);
    const files = Number(sqlite(db, 'SELECT files FROM runs WHERE id = 1'));
    // the same number of files (one gone, one new); all but the touched and the new taken over
    expect(runRow(db, 2)).toMatchObject({
      outcome: 'done',
      files: String(files),
      taken_over: String(files - 2),
      resumed_from: '1',
    });
    expect(second.stderr).toContain(`${files - 2} files taken over unchanged from run 1`);
    // and the figures are a fresh scan's
    const fresh = runCli([tree, '--csv', join(dir, 'fresh.csv')]);
    expect(fresh.status).toBe(0);
    expect(readFileSync(join(dir, '2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'fresh.csv'), 'utf8'));
    expect(readFileSync(join(dir, '2.csv'), 'utf8')).not.toBe(readFileSync(join(dir, '1.csv'), 'utf8'));
  });

  itWith(
    ['sqlite3'],
    'made by an older leaktally (schema 1, before requests were kept) is migrated forward when opened',
    () => {
      const dir = tempDir();
      const tree = leakCopy(dir);
      const db = join(dir, 'old.case');
      const scan = runCli([tree, '--case', db, '--csv', join(dir, '1.csv')]);
      expect(scan.status, scan.stderr).toBe(0);
      // what schema 1 was: no requests table (and, as schema 2, no files.ctime_ms)
      sqlite(
        db,
        'ALTER TABLE files DROP COLUMN ctime_ms; DROP TABLE requests; DROP TABLE folder_stamps; PRAGMA user_version = 1;',
      );
      const from = runCli(['--from', db, '--csv', join(dir, '2.csv')]);
      expect(from.status, from.stderr).toBe(0);
      expect(readFileSync(join(dir, '2.csv'), 'utf8')).toBe(readFileSync(join(dir, '1.csv'), 'utf8'));
      expect(sqlite(db, 'PRAGMA user_version')).toBe('4');
      expect(sqlite(db, 'SELECT count(*) FROM requests')).toBe('0');
    },
  );

  itWith(
    ['sqlite3'],
    'a run after killed ones takes over the files of the last finished run and of every run since',
    () => {
      const dir = tempDir();
      const tree = wavTree(dir, 60);
      const db = join(dir, 'k.case');
      expect(runCli([tree, '--case', db, '--csv', join(dir, '1.csv')]).status).toBe(0);
      // two runs killed after it, as kill -9 leaves them: one with a third of the files, one before its
      // first commit (no rows)
      const copyRun = `INSERT INTO runs (started_at, zone, tool_version, host, root, root_shown, options, argv, outcome)
      SELECT started_at, zone, tool_version, host, root, root_shown, options, argv, 'running' FROM runs WHERE id = 1`;
      const columns = sqlite(db, "SELECT group_concat(name, ', ') FROM pragma_table_info('files') WHERE name != 'run'");
      sqlite(
        db,
        `${copyRun}; INSERT INTO files (run, ${columns}) SELECT 2, ${columns} FROM files WHERE run = 1 AND rowid % 3 = 0; ${copyRun}`,
      );
      expect(
        sqlite(
          db,
          'SELECT group_concat(n) FROM (SELECT (SELECT count(*) FROM files f WHERE f.run = r.id) n FROM runs r)',
        ),
      ).toBe('60,20,0');
      // before: the last run alone (no rows): every file read again
      const next = runCli([tree, '--case', db, '--csv', join(dir, '4.csv')]);
      expect(next.status, next.stderr).toBe(0);
      expect(next.stderr).toContain('60 files taken over unchanged from runs 1 to 3');
      expect(runRow(db, 4)).toMatchObject({ outcome: 'done', files: '60', taken_over: '60', resumed_from: '3' });
      expect(readFileSync(join(dir, '4.csv'), 'utf8')).toBe(readFileSync(join(dir, '1.csv'), 'utf8'));
    },
  );
  itWith(
    ['sqlite3'],
    'a case file damaged in its middle (pages overwritten) is one line and exit 2, nothing written',
    () => {
      const dir = tempDir();
      const tree = wavTree(dir, 2000);
      const whole = join(dir, 'whole.case');
      expect(runCli([tree, '--case', whole]).status).toBe(0);
      const shards = [1, 2].map((i) => join(dir, `s${i}.case`));
      for (const [i, s] of shards.entries())
        expect(runCli([tree, '--shard', `${i + 1}/2`, '--case', s]).status).toBe(0);
      const damage = (c: string): void => {
        const bytes = readFileSync(c);
        // 16 KiB of garbage from the middle on: the schema's first page is whole, the rows' pages are not
        bytes.fill(0xde, bytes.length >> 1, (bytes.length >> 1) + 16384);
        writeFileSync(c, bytes);
      };
      damage(whole);
      damage(shards[1]!);
      // before: an internal error and a stack, exit 1
      for (const [args, msg] of [
        [
          ['--from', whole, '--csv', join(dir, 'out.csv')],
          /^leaktally: --from: the case file is damaged: database disk image is malformed/,
        ],
        [[tree, '--case', whole, '--csv', join(dir, 'out.csv')], /^leaktally: --case: the case file is damaged: /],
        [['--merge', join(dir, 'm.case'), ...shards], /^leaktally: --merge: .*s2\.case: the case file is damaged: /],
      ] as const) {
        const r = runCli([...args]);
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(existsSync(join(dir, 'out.csv'))).toBe(false);
      }
      // the merge failed at its second shard, after the first was copied: before, m.case was left with
      // a run stuck 'merging' (and the first shard's rows); now it is not made at all, and a case file
      // that existed keeps only what it held
      expect(existsSync(join(dir, 'm.case'))).toBe(false);
      expect(existsSync(join(dir, 'm.case-journal'))).toBe(false);
      const kept = join(dir, 'kept.case');
      writeFileSync(kept, readFileSync(shards[0]!));
      const before = sqlite(kept, 'SELECT count(*) FROM runs; SELECT count(*) FROM files;');
      const r = runCli(['--merge', kept, shards[1]!]);
      expect(r.status, r.stderr).toBe(2);
      expect(sqlite(kept, 'SELECT count(*) FROM runs; SELECT count(*) FROM files;')).toBe(before);
    },
  );
  it('--from rebuilds every output without the tree, with its own options or new ones (pattern, depth, register, retention)', () => {
    const dir = tempDir();
    const tree = leakCopy(dir);
    const db = join(dir, 'leak.case');
    const register = join(SAMPLES, 'itell-register.csv');
    const opts = ['--pattern', PATTERN, '--tz', 'Europe/Stockholm', '--as-of', '2019-02-18', '--allow-incomplete'];
    expect(runCli([tree, '--case', db, ...opts, '--csv', join(dir, 'scan.csv')]).status).toBe(0);
    // the tree gone: a report of the stored run with its own options is the scan's CSV, byte for byte
    const moved = join(dir, 'gone');
    copyTree(tree, moved);
    rmSync(tree, { recursive: true });
    const same = runCli(['--from', db, '--csv', join(dir, 'from.csv')]);
    expect(same.status, same.stderr).toBe(3); // incomplete as the scan was (files the pattern does not match)
    expect(readFileSync(join(dir, 'from.csv'), 'utf8')).toBe(readFileSync(join(dir, 'scan.csv'), 'utf8'));
    copyTree(moved, tree);
    // new options: each report equals a fresh scan with them (options not given are the stored run's:
    // --tz and --as-of are given to both here, since a scan's own defaults are this machine's zone and now)
    for (const [extra = [], inherited = []] of [
      [
        [
          ...['--depth', '2', '--pattern', PATTERN.replace('itell/', '*/'), '--register', register],
          ...['--retention', '30d', '--tz', 'Europe/Stockholm', '--as-of', '2019-02-18'],
        ],
      ],
      [['--depth', '2', '--tz', 'UTC', '--as-of', '2019-02-18']],
      // no --depth or --pattern: the stored run's pattern places the files
      [
        ['--tz', 'America/New_York', '--retention', '1y', '--as-of', '2019-06-01'],
        ['--pattern', PATTERN],
      ],
    ]) {
      const args = [...extra, '--allow-incomplete', '--json', join(dir, 'x.json'), '--files', join(dir, 'x-files.csv')];
      const from = runCli(['--from', db, ...args, '--csv', join(dir, 'r.csv')]);
      expect(from.status, from.stderr).toBe(0);
      const scan = runCli([tree, ...inherited, ...args, '--csv', join(dir, 's.csv')]);
      expect(scan.status, scan.stderr).toBe(0);
      expect(readFileSync(join(dir, 'r.csv'), 'utf8'), extra.join(' ')).toBe(readFileSync(join(dir, 's.csv'), 'utf8'));
    }
  });

  itWith(
    ['sqlite3'],
    'a row edited to NaN or negative seconds or bytes, or a case file that is a FIFO, is refused in one line',
    () => {
      const dir = tempDir();
      const tree = leakCopy(dir);
      const db = join(dir, 'c.case');
      expect(runCli([tree, '--tz', 'UTC', '--case', db, '--allow-incomplete']).status).toBe(0);
      for (const [n, set, why] of [
        [1, "seconds = 'NaN'", /has seconds NaN: not a row leaktally wrote/],
        [2, 'seconds = -5', /has seconds -5:/],
        [3, 'bytes = -1', /has bytes -1:/],
        [4, "embedded_date = '{x', kind = 'audio'", /embedded date that is not JSON/],
      ] as const) {
        const forged = join(dir, `f${n}.case`);
        writeFileSync(forged, readFileSync(db));
        sqlite(forged, `UPDATE files SET ${set} WHERE rowid = (SELECT min(rowid) FROM files)`);
        const r = runCli(['--from', forged, '--csv', join(dir, `f${n}.csv`), '--allow-incomplete']);
        expect(r.stderr).toMatch(why);
        expect(r.stderr).not.toMatch(/internal error| {4}at /);
        expect(r.status).toBe(2);
        expect(existsSync(join(dir, `f${n}.csv`))).toBe(false);
      }
      // opening a FIFO to read waits for a writer, deaf to signals: it is no case file
      const fifo = join(dir, 'fifo.case');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      for (const args of [
        ['--from', fifo, '--csv', join(dir, 'x.csv')],
        ['--merge', join(dir, 'm.case'), fifo],
      ]) {
        const r = runCli(args, { timeout: 20_000 });
        expect(r.stderr).toMatch(/not a regular file/);
        expect(r.status).toBe(2);
      }
    },
  );

  it('a case file of another kind, a missing run and --run without --from are one line and exit 2', () => {
    const dir = tempDir();
    const notCase = put(dir, 'x.csv', 'a,b\n1,2\n');
    for (const [args, msg] of [
      [['--from', notCase, '--csv', '-'], /is not a case file|not a leaktally case file/],
      [['--from', join(dir, 'missing.case'), '--csv', '-'], /does not exist/],
      [[LEAK, '--run', '1'], /--run needs --from/],
      [[LEAK, '--from', notCase], /not both/],
    ] as const) {
      const r = runCli([...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const dbDir = tempDir();
    const db = join(dbDir, 'leak.case');
    expect(runCli([LEAK, '--case', db, '--csv', join(dbDir, 'a.csv')]).status).toBe(0);
    const r = runCli(['--from', db, '--run', '7', '--csv', '-']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no run 7 \(runs: 1 \(done, /);
  });
  it('a case file SQLite cannot open stops the scan: one line, exit 1, no output, and the process ends', () => {
    const dir = tempDir();
    const db = join(dir, 'x.case');
    // its rollback journal's name taken by a folder: SQLite's first transaction fails. Before, the line
    // was printed and the process never ended (the writer thread was left running: a 60 s timeout here)
    mkdirSync(`${db}-journal`);
    const csv = join(dir, 'a.csv');
    const r = runCli([LEAK, '--case', db, '--csv', csv], { timeout: 30_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/--case: cannot write .*x\.case: .*the scan was stopped and no output written/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(csv)).toBe(false);
  });
  itWith(
    ['sqlite3'],
    'a case file damaged by another program (a table or a column dropped, options not JSON) is one line and exit 2',
    () => {
      const dir = tempDir();
      const good = join(dir, 'good.case');
      expect(runCli([LEAK, '--case', good, '--allow-incomplete']).status).toBe(0);
      const shard = join(dir, 's1.case');
      expect(runCli([LEAK, '--shard', '1/2', '--case', shard, '--allow-incomplete']).status).toBe(0);
      // before: an internal error and a stack (exit 1); --merge also left a half-made run in its output
      for (const [base, sql, args, msg] of [
        [
          good,
          'DROP TABLE folders',
          (c: string) => ['--from', c, '--csv', '-'],
          /damaged case file: its table folders is missing/,
        ],
        [
          good,
          'ALTER TABLE files DROP COLUMN seconds',
          (c: string) => ['--from', c, '--csv', '-'],
          /its table files lacks the column seconds/,
        ],
        [
          good,
          'UPDATE files SET seconds = 1e308 WHERE rowid = 1',
          (c: string) => ['--from', c, '--csv', '-'],
          /seconds 1e\+308 in \d+ bytes, more than any audio they hold/,
        ],
        [
          good,
          "UPDATE files SET kind = 'music' WHERE rowid = 1",
          (c: string) => ['--from', c, '--csv', '-'],
          /has kind "music": not a row leaktally wrote/,
        ],
        [
          shard,
          'DROP TABLE folders',
          (c: string) => ['--merge', join(dir, 'm.case'), c],
          /its table folders is missing/,
        ],
        [
          shard,
          "UPDATE runs SET options = '{'",
          (c: string) => ['--merge', join(dir, 'm.case'), c],
          /the options of its run 1 are not JSON/,
        ],
      ] as const) {
        const c = join(dir, 'damaged.case');
        writeFileSync(c, readFileSync(base));
        sqlite(c, sql);
        const r = runCli(args(c));
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(existsSync(join(dir, 'm.case'))).toBe(false);
      }
    },
  );
});

/**
 * A generated tree big enough that a scan can be killed in its middle: n WAV files of a second each
 * in 20 customer folders.
 */
function wavTree(dir: string, n: number): string {
  const tree = join(dir, 'tree');
  const one = wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 8000 });
  for (let i = 0; i < n; i++) put(tree, `customer-${i % 20}/day-${i % 7}/call-${i}.wav`, one);
  return tree;
}

/**
 * Run the CLI and SIGKILL it `ms` after the case file first grows past `grown` bytes (a commit: the
 * writer writes pages to it only when it commits, its cache holding ~2 MB), or let it finish.
 */
function killAfterCommit(args: string[], db: string, grown: number, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' },
      stdio: 'ignore',
    });
    const poll = setInterval(() => {
      if ((statSync(db, { throwIfNoEntry: false })?.size ?? 0) <= grown) return;
      clearInterval(poll);
      setTimeout(() => child.kill('SIGKILL'), ms);
    }, 20);
    child.on('exit', () => {
      clearInterval(poll);
      resolve();
    });
  });
}

describe('a scan killed at any moment', () => {
  itWith(
    ['sqlite3'],
    'resumes with the same case file to the figures of a scan never killed (kill -9 five times)',
    async () => {
      const dir = tempDir();
      const tree = wavTree(dir, 20_000);
      const db = join(dir, 'k.case');
      const clean = runCli([tree, '--threads', '0', '--csv', join(dir, 'clean.csv')]);
      expect(clean.status).toBe(0);
      // each run killed at a spread moment after its first commit: while rows are written, between two
      // commits, near the end (or not at all, if it finishes first)
      for (const ms of [0, 150, 300, 600, 900]) {
        const size = statSync(db, { throwIfNoEntry: false })?.size ?? 0;
        await killAfterCommit(
          [tree, '--threads', '0', '--case', db, '--csv', join(dir, 'k.csv')],
          db,
          size + 64 * 1024,
          ms,
        );
      }
      const last = runCli([tree, '--threads', '0', '--case', db, '--csv', join(dir, 'resumed.csv')]);
      expect(last.status, last.stderr).toBe(0);
      expect(readFileSync(join(dir, 'resumed.csv'), 'utf8')).toBe(readFileSync(join(dir, 'clean.csv'), 'utf8'));
      // the case file is whole: SQLite's own check, and the last run done with every file, part of
      // them taken over from the killed run before it (its committed rows)
      expect(sqlite(db, 'PRAGMA integrity_check')).toBe('ok');
      const id = Number(sqlite(db, 'SELECT max(id) FROM runs'));
      const row = runRow(db, id);
      expect(row).toMatchObject({ outcome: 'done', files: '20000', resumed_from: String(id - 1) });
      expect(Number(row.taken_over)).toBeGreaterThan(0);
      expect(Number(sqlite(db, `SELECT count(*) FROM files WHERE run = ${id}`))).toBe(20_000);
      // no library lock left by the last run; a killed run reads as never finished ('running')
      expect(existsSync(`${db}.lock`)).toBe(false);
      const outcomes = sqlite(db, `SELECT DISTINCT outcome FROM runs WHERE id < ${id}`).split('\n');
      expect(outcomes).toContain('running');
      for (const o of outcomes) expect(['running', 'done']).toContain(o);
    },
    300_000,
  );
});
