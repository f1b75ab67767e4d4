/**
 * Follow-up statements (issue 22): `--from CASE --since M --statements DIR` after the server kept
 * writing between two scans into one case file. Real files, the real CLI: each controller's statement
 * says exactly what `--diff CASE --since M --run N --register R` says of its row (files, hours, callers
 * then, now, added, removed, changed), a controller with no change says so in one sentence, in English
 * and Swedish, and a run with a gap (a folder the user cannot read) makes every section say the
 * comparison is incomplete, never "no change".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { LEAK, csvObjects, htmlText, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { itUnless } from './needs.js';

const REGISTER = [
  'key,controller,org_id,contact,retention_days,data_subject_categories,personal_data_categories',
  '1177-vardguiden,Inera AB,556559-4230,,,,',
  'ambulanstransport,Ambulans Syd AB,,,,,',
  'itell,Itell AB,,,,,',
  'tandvard,Tandläkarna Syd,,,,,',
  // (every folder of the tree assigned: one no key names leaves every controller a lower bound)
  'trasiga-filer,Okänd AB,,,,,',
].join('\n');

/** the text a reader sees: tags removed, entities read, white space as one space */
const textOf = (h: string): string => htmlText(h, { charts: false });

interface Figures {
  before: number;
  after: number;
  added: number;
  removed: number;
  changed?: number;
}
interface DiffJson {
  before: { run: number; finished_at: string };
  rows: { controller: string | null; customer: string; files: Figures; audio_seconds: Figures; callers: Figures }[];
}

function leakCopy(dir: string): string {
  const tree = join(dir, 'tree');
  const r = spawnSync('cp', ['-a', LEAK, tree]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return tree;
}

const page = (dir: string, name: string): string => textOf(readFileSync(join(dir, `${name}.html`), 'utf8'));

/** "2019-02-18 14:03": a stored end time in UTC as the statements write it (the runs' zone is UTC) */
const minute = (iso: string): string => {
  expect(iso).toMatch(/\+00:00$/);
  return iso.slice(0, 16).replace('T', ' ');
};

/**
 * The statement's row of the follow-up table for a figure, as the diff gives it: files as counts,
 * hours as the diff's CSV cells with the JSON's seconds to one decimal.
 */
function expectRow(text: string, diffRow: DiffJson['rows'][number], csvRow: Record<string, string>): void {
  const f = diffRow.files;
  expect(text).toContain(`Files ${f.before} ${f.after} ${f.added} ${f.removed} ${f.changed}`);
  const s = diffRow.audio_seconds;
  const h = (k: string, sec: number): string => `${csvRow[`audio_hours_${k}`]} (${sec.toFixed(1)} s)`;
  expect(text).toContain(
    `Hours of audio ${h('before', s.before)} ${h('after', s.after)} ${h('added', s.added)} ${h('removed', s.removed)} ${h('changed', s.changed!)}`,
  );
}

/** each test spawns the CLI several times: room for a loaded machine (no timing is asserted) */
const SLOW = 240_000;

describe('--from CASE --since M --statements: follow-up statements', () => {
  const dir = tempDir();
  const tree = leakCopy(dir);
  const db = join(dir, 'c.case');
  const reg = put(dir, 'register.csv', REGISTER);
  const st = join(dir, 'st');
  let follow: { status: number | null; stderr: string };
  let diff: DiffJson;
  let csv: Record<string, string>[];
  let since: string;
  const row = (c: string) => diff.rows.find((x) => x.controller === c)!;
  const csvRow = (c: string) => csv.find((x) => x.controller === c)!;

  beforeAll(() => {
    expect(runCli([tree, '--tz', 'UTC', '--case', db, '--csv', join(dir, 's1.csv')]).status).toBe(0);
    // the server wrote on: a new call for 1177 (a real sample under a new name); one of the ambulance
    // company's calls deleted
    const day = join(tree, '1177-vardguiden/2019/02/03');
    copyFileSync(join(day, 'samtal-4711.wav'), join(day, 'samtal-4712.wav'));
    rmSync(join(tree, 'ambulanstransport/1547454612.53.mp3'));
    expect(runCli([tree, '--tz', 'UTC', '--case', db, '--csv', join(dir, 's2.csv')]).status).toBe(0);
    follow = runCli(['--from', db, '--since', '1', '--statements', st, '--register', reg]);
    const d = runCli(['--diff', db, '--since', '1', '--run', '2', '--register', reg, '--json', join(dir, 'd.json')]);
    expect(d.status, d.stderr).toBe(0);
    diff = JSON.parse(readFileSync(join(dir, 'd.json'), 'utf8')) as DiffJson;
    csv = csvObjects(runCli(['--diff', db, '--since', '1', '--register', reg]).stdout);
    since = minute(diff.before.finished_at);
  }, SLOW);

  it('tell each controller exactly what --diff counts for it; one with no change says so in one sentence', () => {
    expect(follow.status, follow.stderr).toBe(0);
    expect(follow.stderr).toMatch(/--since: run 2 against run 1: 1 file added, 1 removed, 0 changed/);
    const inera = page(st, 'Inera AB');
    expect(inera).toContain('Since the initial notification');
    expect(row('Inera AB').files).toMatchObject({ added: 1, removed: 0, changed: 0 });
    expect(row('Inera AB').audio_seconds.added).toBeGreaterThan(0);
    expectRow(inera, row('Inera AB'), csvRow('Inera AB'));
    expect(inera).toContain(`(ended ${since})`);
    expect(inera).not.toMatch(/no recordings added or removed/i);
    expect(inera).not.toMatch(/INCOMPLETE/);
    // the run's own figures are run 2's: the new file is in "Files in all"
    expect(inera).toMatch(/Files in all 6 \(/);

    const amb = page(st, 'Ambulans Syd AB');
    expect(row('Ambulans Syd AB').files).toMatchObject({ before: 3, after: 2, added: 0, removed: 1 });
    expectRow(amb, row('Ambulans Syd AB'), csvRow('Ambulans Syd AB'));

    // unchanged, and a controller with no file in either run: one sentence each, no table
    for (const c of ['Itell AB', 'Tandläkarna Syd']) {
      const t = page(st, c);
      expect(t).toContain(
        `No recordings added or removed since the initial notification of ${since}: the figures are those given then.`,
      );
      expect(t).not.toContain('Hours of audio');
    }
    const index = page(st, 'index');
    expect(index).toContain(
      `These statements are follow-ups to the notification of ${since} (run 1 of the case file; the figures are run 2's)`,
    );
    // the statement says it is a follow-up even with no facts file
    expect(inera).toContain('Kind of notification follow-up of an earlier notification');
  });

  it(
    "say the same in Swedish; without --since the statements are the run's own",
    () => {
      const sv = join(dir, 'sv');
      const r = runCli(['--from', db, '--since', '1', '--statements', sv, '--register', reg, '--lang', 'sv']);
      expect(r.status, r.stderr).toBe(0);
      const ineraSv = page(sv, 'Inera AB');
      expect(ineraSv).toContain('Sedan den första anmälan');
      const f = row('Inera AB').files;
      expect(ineraSv).toContain(`Filer ${f.before} ${f.after} ${f.added} ${f.removed} ${f.changed}`);
      expect(page(sv, 'Itell AB')).toContain(
        `Inga inspelningar har tillkommit eller tagits bort sedan den första anmälan den ${since}`,
      );
      expect(page(sv, 'index')).toContain(`Dessa redogörelser kompletterar anmälan den ${since}`);

      const plain = join(dir, 'plain');
      expect(runCli(['--from', db, '--statements', plain, '--register', reg]).status).toBe(0);
      expect(page(plain, 'Inera AB')).not.toContain('Since the initial notification');
    },
    SLOW,
  );

  it(
    'refuse what cannot be a follow-up in one line, exit 2',
    () => {
      const refused = (args: string[], why: RegExp): void => {
        const x = runCli(args);
        expect(x.status, x.stderr).toBe(2);
        expect(x.stderr).toMatch(why);
        expect(x.stderr.trim().split('\n')).toHaveLength(1);
      };
      refused(['--from', db, '--since', '1', '--csv', join(dir, 'x.csv')], /give --statements DIR .*--diff/);
      refused(['--from', db, '--since', '1'], /give --statements DIR .*--diff/);
      refused([tree, '--since', '1', '--csv', join(dir, 'y.csv')], /--since needs --diff CASE/);
      refused(['--from', db, '--since', '2', '--run', '1', '--statements', join(dir, 'z')], /later than the run/);
      refused(['--from', db, '--since', '2', '--statements', join(dir, 'z')], /the same run/);
      refused(['--from', db, '--since', '9', '--statements', join(dir, 'z')], /has no run 9/);
      refused(['--from', db, '--since', 'x', '--statements', join(dir, 'z')], /--since must be a whole number/);
      refused(['--from', db, '--since', '1', '--depth', '2', '--statements', join(dir, 'z')], /--depth does not apply/);
    },
    SLOW,
  );
});

describe('follow-up statements with callers (a pattern with {caller})', () => {
  it(
    'count callers added and removed per controller, as --diff does',
    () => {
      const dir = tempDir();
      const tree = join(dir, 'tree');
      mkdirSync(tree);
      expect(spawnSync('cp', ['-a', join(LEAK, 'itell'), tree]).status).toBe(0);
      const reg = put(
        dir,
        'register.csv',
        [
          'key,controller,org_id,contact,retention_days,data_subject_categories,personal_data_categories',
          '0812345001,Acme Försäkring AB,556000-0001,,,,',
          '0812345002,Acme Försäkring AB,556000-0001,,,,',
        ].join('\n'),
      );
      const scan = [
        '--pattern',
        'itell/*/*/*/*-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*',
        '--country',
        'SE',
        '--tz',
        'UTC',
        '--case',
        join(dir, 'c.case'),
      ];
      expect(runCli([tree, ...scan]).status).toBe(0);
      // a new caller for 0812345003 (not in the register); Acme's only call on its second key deleted
      put(
        tree,
        'itell/2019/02/01/in-0812345003-0709999999-20190219-080000-1.wav',
        wav({ tag: 7, rate: 8000, bits: 8, dataBytes: 16000 }),
      );
      rmSync(join(tree, 'itell/2019/01/14/in-0812345002-0701740612-20190114-090000-1547452800.13.gsm'));
      expect(runCli([tree, ...scan]).status).toBe(0);
      const st = join(dir, 'st');
      const r = runCli(['--from', join(dir, 'c.case'), '--since', '1', '--statements', st, '--register', reg]);
      // (keys the register does not know hold recordings: whose they are is unknown, exit 3)
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/that no key of the register names/);
      const csv = csvObjects(runCli(['--diff', join(dir, 'c.case'), '--register', reg]).stdout);
      const acme = csv.find((x) => x.controller === 'Acme Försäkring AB')!;
      expect(acme).toMatchObject({ files_removed: '1', callers_removed: '1', callers_added: '0' });
      expect(page(st, 'Acme Försäkring AB')).toContain(
        `Distinct calling numbers ${acme.callers_before} ${acme.callers_after} 0 1 –`,
      );
      // a key the register does not know: its own statement, its own row of the comparison
      const key = csv.find((x) => x.customer === '0812345003')!;
      expect(key).toMatchObject({ files_added: '1', callers_added: '1' });
      const keyPage = page(st, '0812345003');
      expect(keyPage).toContain(`Files ${key.files_before} ${key.files_after} 1 0 0`);
      expect(keyPage).toContain(`Distinct calling numbers ${key.callers_before} ${key.callers_after} 1 0 –`);
    },
    SLOW,
  );
});

describe('a follow-up where a run had a gap (a folder the user cannot read)', () => {
  const base = tempDir();
  const tree = leakCopy(base);
  const out = tempDir();
  chmodSync(out, 0o777);
  const reg = put(out, 'register.csv', REGISTER);
  chmodSync(reg, 0o644);
  const u = unprivileged(tree, out);
  const db = join(out, 'c.case');
  const scan = [tree, '--tz', 'UTC', '--case', db, '--csv', '/dev/null'];

  itUnless(
    u.skip,
    'says incomplete in every section, never "no change", and exits 3 as --diff',
    () => {
      if (!('run' in u)) return;
      expect(u.run(scan).status).toBe(0);
      // 1177's January calls cannot be read in run 2; nothing else changed
      const january = join(tree, '1177-vardguiden/2019/01');
      chmodSync(january, 0o000);
      try {
        expect(u.run(scan).status).toBe(3);
      } finally {
        chmodSync(january, 0o755);
      }
      const st = join(out, 'st');
      const r = u.run(['--from', db, '--since', '1', '--statements', st, '--register', reg]);
      expect(r.status, r.stderr).toBe(3);
      const diff = csvObjects(u.run(['--diff', db, '--since', '1', '--register', reg, '--allow-incomplete']).stdout);
      const inera = diff.find((x) => x.controller === 'Inera AB')!;
      expect(inera.completeness).toMatch(/^incomplete: not read \(1 folder of run 2 could not be read\)/);
      // the unread files are not "removed": not read in run 2, the row's later figures are empty (round 22 H2)
      expect(inera).toMatchObject({ files_after: '', files_removed: '', files_changed: '' });
      for (const c of ['Inera AB', 'Itell AB', 'Tandläkarna Syd']) {
        const t = page(st, c);
        expect(t, c).toContain(
          'This comparison is INCOMPLETE: this examination could not read or attribute every file.',
        );
        expect(t, c).not.toMatch(/no recordings added or removed/i);
      }
      // the figures are still the diff's, under the warning, "not read" where it has none
      expect(page(st, 'Inera AB')).toContain(
        `Files ${inera.files_before} not read ${inera.files_added} not read not read`,
      );
      expect(page(st, 'index')).toContain(
        'The comparison is incomplete: this examination could not read or attribute every file.',
      );
      // run 3 reads everything again; compared with run 2 (the gap), it is still incomplete: exit 3
      expect(u.run(scan).status).toBe(0);
      const st3 = join(out, 'st3');
      const r3 = u.run(['--from', db, '--since', '2', '--statements', st3, '--register', reg]);
      expect(r3.status, r3.stderr).toBe(3);
      expect(r3.stderr).toMatch(/run 2 \(the earlier, --since\) had gaps/);
      // run 3's own figures are whole: only the comparison is incomplete
      expect(r3.stderr).not.toMatch(/lower bound/);
      expect(page(st3, 'Itell AB')).toContain(
        'This comparison is INCOMPLETE: the earlier examination could not read or attribute every file.',
      );
      expect(
        u.run(['--from', db, '--since', '2', '--statements', join(out, 'st4'), '--register', reg, '--allow-incomplete'])
          .status,
      ).toBe(0);
    },
    SLOW,
  );
});
