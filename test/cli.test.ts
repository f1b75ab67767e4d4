/** The headless CLI as a user runs it: the built binary, real trees, exit codes, files written. */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import {
  CLI,
  LEAK,
  csvObjects as allRows,
  parseCsv,
  parseSummary,
  put,
  runCli,
  tempDir,
  unprivileged,
  wav,
} from './helpers.js';
import { unavailable } from './needs.js';

/** the summary's rows without its last row, (total) */
const csvObjects = (text: string, delimiter?: string): Record<string, string>[] =>
  allRows(text, delimiter).filter((x) => x.customer !== '(total)');

const STHLM = ['--tz', 'Europe/Stockholm'];

describe('leaktally samples/leak --csv -', () => {
  const r = runCli([LEAK, '--csv', '-', ...STHLM]);
  const rows = csvObjects(r.stdout);
  const by = (c: string) => rows.find((x) => x.customer === c)!;

  it('exits 0 with a UTF-8 BOM, CRLF rows and the columns in order', () => {
    expect(r.status).toBe(0);
    expect(
      r.stdout.startsWith(
        '\uFEFFcustomer,controller,org_id,completeness,files,audio_files,other_files,unreadable_files,bytes,audio_seconds,audio_hours,first_recording,last_recording,distinct_callers,withheld_caller_calls,retention_days,past_retention_files,past_retention_hours,formats,unreadable_folders,hard_links\r\n',
      ),
    ).toBe(true);
    expect(rows.map((x) => x.customer)).toEqual(['1177-vardguiden', 'ambulanstransport', 'itell', 'trasiga-filer']);
  });
  it('counts files, recordings and dates per customer', () => {
    expect(by('1177-vardguiden')).toMatchObject({
      files: '5',
      audio_files: '5',
      other_files: '0',
      unreadable_files: '0',
      first_recording: '2018-12-31T23:59:30+01:00',
      last_recording: '2019-02-03T16:05:00+01:00',
      formats: 'WAV/ULAW 2; WAV/ALAW 1; WAV/GSM610 1; WAV/PCM 1',
      distinct_callers: '',
    });
    expect(by('ambulanstransport')).toMatchObject({
      audio_files: '3',
      formats: 'MP3 3',
      first_recording: '2019-01-14T08:30:12+01:00',
      last_recording: '2019-01-16T10:20:30+01:00',
    });
    expect(by('itell')).toMatchObject({ files: '6', audio_files: '6', first_recording: '2018-11-05T10:15:00+01:00' });
    expect(by('trasiga-filer')).toMatchObject({
      files: '10',
      audio_files: '5',
      other_files: '1',
      unreadable_files: '4',
    });
  });
  it('audio_seconds in whole seconds, audio_hours with 2 decimals, and each column adds up to its total as written', () => {
    for (const x of rows) {
      expect(x.audio_seconds).toMatch(/^\d+$/);
      expect(x.audio_hours).toMatch(/^\d+\.\d{2}$/);
      // rounded so that the rows add up: at most one unit (0.01 h) from the row's own rounding
      expect(Math.abs(Number(x.audio_hours) - Number(x.audio_seconds) / 3600)).toBeLessThan(0.0101);
      expect(Number(x.files)).toBe(Number(x.audio_files) + Number(x.other_files) + Number(x.unreadable_files));
      expect(x.completeness).toBe('complete');
    }
    const total = allRows(r.stdout).find((x) => x.customer === '(total)')!;
    const sum = (k: string): number => rows.reduce((n, x) => n + Math.round(Number(x[k]) * 100), 0);
    expect(sum('audio_seconds')).toBe(Math.round(Number(total.audio_seconds) * 100));
    expect(sum('audio_hours')).toBe(Math.round(Number(total.audio_hours) * 100));
    // samples/leak: 51 s in all, so 0.01 h; the rows of a few seconds each are 0.00 but one
    expect(total.audio_hours).toBe('0.01');
  });
  it('prints no progress when stderr is not a terminal', () => {
    expect(r.stderr).toBe('');
  });
});

describe('output formats', () => {
  it('no flags and stdout not a terminal: the summary CSV on stdout', () => {
    const r = runCli([LEAK]);
    expect(r.status).toBe(0);
    expect(csvObjects(r.stdout)).toHaveLength(4);
  });
  it('--json: root, scannedAt, options, totals, customers with the same fields', () => {
    const r = runCli([LEAK, '--json', '-', ...STHLM]);
    const j = parseSummary(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['root', 'scannedAt', 'options', 'totals', 'customers']));
    expect(j.options).toEqual({
      depth: 1,
      pattern: null,
      tz: 'Europe/Stockholm',
      delimiter: ',',
      register: null,
      retention: null,
      as_of: null,
      country: null,
      facts: null,
      lang: 'en',
    });
    expect(j.totals).toMatchObject({
      customers: 4,
      files: 24,
      audio_files: 19,
      unreadable_files: 4,
      unreadable_folders: 0,
      unmatched_files: 0,
    });
    expect(j.totals.formats).toMatchObject({ 'WAV/ULAW': 7, MP3: 3 });
    expect(j.totals).not.toHaveProperty('customer');
    const itell = j.customers.find((c) => c.customer === 'itell');
    expect(itell).toMatchObject({
      files: 6,
      audio_files: 6,
      first_recording: '2018-11-05T10:15:00+01:00',
      distinct_callers: null,
    });
    expect(itell?.months).toMatchObject({
      '2018-11': { audio_files: 1 },
      '2019-01': { audio_files: 2 },
      '2019-02': { audio_files: 3 },
    });
    const csv = csvObjects(runCli([LEAK, '--csv', '-', ...STHLM]).stdout).find((c) => c.customer === 'itell')!;
    expect(String(Math.round(itell?.audio_seconds ?? NaN))).toBe(csv.audio_seconds);
    expect(JSON.stringify(j)).not.toMatch(/0701740/); // counts, not callers' numbers
  });
  it('--files: one manifest row per file, with kind, codec, date source and error', () => {
    const out = join(tempDir(), 'files.csv');
    const r = runCli([LEAK, '--files', out, '--csv', join(tempDir(), 's.csv'), ...STHLM]);
    expect(r.status).toBe(0);
    const rows = csvObjects(readFileSync(out, 'utf8'));
    expect(rows).toHaveLength(24);
    expect(Object.keys(rows[0]!)).toEqual([
      'path',
      'customer',
      'kind',
      'bytes',
      'seconds',
      'codec',
      'sample_rate',
      'channels',
      'recorded_at',
      'date_source',
      'error',
    ]);
    expect(rows.find((x) => x.path === 'trasiga-filer/still-recording.wav')).toMatchObject({
      kind: 'audio',
      codec: 'WAV/ULAW',
      error: expect.stringMatching(/data size 0/),
    });
    expect(rows.find((x) => x.path === 'trasiga-filer/error-page.mp3')).toMatchObject({
      kind: 'unreadable',
      error: 'an HTML page, not audio',
    });
    // a Latin-1 name: each byte that is not UTF-8 shown as \xHH (scan/place/names.ts)
    expect(rows.find((x) => x.path === 'trasiga-filer/samtal_\\xe5\\xe4\\xf6.wav')).toMatchObject({ kind: 'audio' });
    expect(rows.find((x) => x.path?.endsWith('samtal-4711.wav'))).toMatchObject({
      date_source: 'riff-icrd',
      recorded_at: '2019-02-03T16:05:00+01:00',
    });
    expect(rows.find((x) => x.path?.endsWith('1547451012.52.mp3'))).toMatchObject({
      date_source: 'filename',
      sample_rate: '8000',
      channels: '1',
    });
  });
  it('--files - alone: the manifest on stdout, and nothing else', () => {
    const r = runCli([LEAK, '--files', '-']);
    expect(r.status).toBe(0);
    const rows = csvObjects(r.stdout);
    expect(rows).toHaveLength(24);
    expect(Object.keys(rows[0]!)[0]).toBe('path');
  });
  it("--delimiter ';' writes decimal commas", () => {
    const r = runCli([LEAK, '--csv', '-', '--delimiter', ';']);
    const rows = csvObjects(r.stdout, ';');
    expect(rows[0]!.audio_hours).toMatch(/^\d+,\d{2}$/);
    expect(r.stdout.split('\r\n')[0]).toContain('customer;controller;org_id;completeness;files;');
  });
});

describe('--pattern and --depth', () => {
  it('the Itell example: customers and callers from names, the rest (unmatched)', () => {
    const r = runCli([
      join(LEAK, 'itell'),
      '--csv',
      '-',
      ...STHLM,
      '--pattern',
      '*/*/*/in-{customer}-{caller}-{date:yyyyMMdd-HHmmss}-*',
    ]);
    // the out-… file is not matched: it may be any customer's, so no row is complete (exit 3)
    expect(r.status).toBe(3);
    const rows = csvObjects(r.stdout);
    expect(rows.find((x) => x.customer === '0812345001')!.completeness).toBe(
      'incomplete: 1 file could not be attributed to any customer (the pattern did not match, or above the customer folders)',
    );
    expect(rows.map((x) => [x.customer, x.files, x.distinct_callers])).toEqual([
      ['(unmatched)', '1', '0'],
      ['0812345001', '2', '2'],
      ['0812345002', '1', '1'],
      ['0812345003', '2', '2'],
    ]);
    expect(rows.find((x) => x.customer === '0812345003')!.first_recording).toBe('2019-02-01T12:00:00+01:00');
    expect(r.stderr).toMatch(/1 file did not match --pattern/);
  });
  it('a pattern that matches nothing is reported', () => {
    const r = runCli([LEAK, '--csv', '-', '--pattern', 'nothing/{customer}.wav']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/--pattern matched none of the 24 files/);
  });
  it('--depth 2 makes the year folders customers, empty ones included', () => {
    const root = tempDir();
    for (const y of ['2016', '2017']) mkdirSync(join(root, 'itell', y), { recursive: true });
    put(root, 'itell/2019/01/14/20190114-083012.ul', Buffer.alloc(8000));
    put(root, 'itell/README.txt', 'x');
    const rows = csvObjects(runCli([root, '--csv', '-', '--depth', '2', '--allow-incomplete']).stdout);
    // itell/README.txt is above the customer folders: it may be anyone's, so the empty years are not
    // known to be empty of recordings (written empty, not 0)
    expect(rows.map((x) => [x.customer, x.files, x.audio_files])).toEqual([
      ['(top level)', '1', '0'],
      ['2016', '', ''],
      ['2017', '', ''],
      ['2019', '1', '1'],
    ]);
    expect(rows[1]).toMatchObject({ first_recording: '', last_recording: '', audio_seconds: '', formats: '' });
    expect(rows[1]!.completeness).toMatch(/^incomplete: 1 file could not be attributed to any customer/);
  });
});

describe('spreadsheet safety', () => {
  it('cells starting with = + - @ are neutralised, tab, CR and LF shown as escapes; the rest are kept verbatim', () => {
    const root = tempDir();
    const hostile = [
      '=HYPERLINK("evil.example","y")',
      '+46701740605',
      '-2+3',
      '@SUM(A1)',
      '\tTAB',
      '\nLF',
      '\rCR',
      'a,b"c',
      'ok',
    ];
    for (const h of hostile) put(root, `${h}/x.ul`, Buffer.alloc(800));
    const r = runCli([root, '--csv', '-']);
    const cells = parseCsv(r.stdout)
      .slice(1, -1)
      .map((row) => row[0]); // without the (total) row
    expect(cells.sort()).toEqual(
      [
        '\'=HYPERLINK("evil.example","y")',
        "'+46701740605",
        "'-2+3",
        "'@SUM(A1)",
        // control characters are visible escapes (cells.ts), so none starts a formula
        '\\u{9}TAB',
        '\\u{A}LF',
        '\\u{D}CR',
        'a,b"c',
        'ok',
      ].sort(),
    );
    const files = join(tempDir(), 'm.csv');
    runCli([root, '--files', files, '--csv', join(tempDir(), 's.csv')]);
    const paths = parseCsv(readFileSync(files, 'utf8'))
      .slice(1)
      .map((row) => row[0]!);
    expect(paths.filter((p) => /^[=+\-@\t\r\n]/.test(p))).toEqual([]);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown flag', [LEAK, '--bogus'], /unknown option '--bogus'/],
    ['no folder', [], /missing required argument 'dir'/],
    ['a missing folder', ['/no/such/folder'], /no such folder: \/no\/such\/folder/],
    ['a file instead of a folder', [join(LEAK, 'trasiga-filer/LÄSMIG.txt')], /is not a folder/],
    ['a bad pattern', [LEAK, '--pattern', '{client}'], /bad --pattern: unknown capture \{client\}/],
    ['an unknown zone', [LEAK, '--tz', 'Mars/Olympus'], /unknown time zone "Mars\/Olympus"/],
    ['a bad depth', [LEAK, '--depth', '0'], /--depth must be a whole number/],
    ['a bad delimiter', [LEAK, '--delimiter', '|'], /--delimiter must be/],
    [
      'an output folder that does not exist',
      [LEAK, '--csv', '/no/such/dir/x.csv'],
      /--csv: the folder \/no\/such\/dir does not exist/,
    ],
    ['an output inside the evidence', [LEAK, '--csv', join(LEAK, 'x.csv')], /refusing to write into the evidence tree/],
    ['two outputs on stdout', [LEAK, '--csv', '-', '--json', '-'], /only one of/],
  ];
  for (const [what, args, msg] of cases) {
    it(what, () => {
      const r = runCli(args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^leaktally: /);
    });
  }
  it('an output file that cannot be created: exit 2 before scanning', (ctx) => {
    const dir = tempDir();
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const root = tempDir();
    put(root, 'kund/a.ul', Buffer.alloc(8000));
    const user = unprivileged(root, locked);
    if (user.skip !== undefined) return unavailable(ctx, user.skip);
    const r = user.run([root, '--csv', join(locked, 'x.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--csv: cannot write .*permission denied/);
  });
  it('--help and --version exit 0', () => {
    expect(runCli(['--help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/--pattern <template>/) });
    expect(runCli(['--version'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });
});

describe('atomic output', () => {
  it('replaces an existing file whole and leaves no temporary file', () => {
    const dir = tempDir();
    const out = join(dir, 'summary.csv');
    writeFileSync(out, 'old');
    expect(runCli([LEAK, '--csv', out]).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^\uFEFFcustomer,/);
    expect(readdirSync(dir)).toEqual(['summary.csv']);
  });
  it('Ctrl-C during a scan: exit 130, no CSV, no temporary file', async () => {
    const root = tempDir();
    for (let i = 0; i < 4_000; i++) put(root, `k${i % 4}/${i}.wav`, wav({ tag: 7, dataBytes: 80 }));
    const dir = tempDir();
    // The manifest goes to a stdout nobody reads: once the pipe is full the walk waits for it
    // (back-pressure), so the scan cannot finish before the signal, however fast the machine.
    const child = spawn(process.execPath, [CLI, root, '--csv', join(dir, 's.csv'), '--files', '-'], {
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // wait until the CSV's temporary file exists (the handlers are installed before it), then interrupt
    while (readdirSync(dir).length < 1 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(130);
    // before the first manifest row reached stdout, or after: either way it says what was written
    expect(stderr).toMatch(
      /interrupted \(SIGINT\) after [\d,]+ files?; (no output written|the manifest on stdout is partial \([\d,]+ rows? handed to it, the rest not\); no other output written)\n$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
