/**
 * The UI's widgets (ink-testing-library) and journeys through the whole app: a real scan of
 * samples/leak or of a tree made here, driven by key presses as a user would, checked on the frames.
 */
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { readFileSync, existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from '../src/tui/App.js';
import { CustomerTable, Lines, Status } from '../src/tui/widgets.js';
import { initialState } from '../src/tui/state.js';
import { detailLines } from '../src/tui/format.js';
import type { ScanResult } from '../src/scan/engine.js';
import { compilePattern } from '../src/scan/place/pattern.js';
import { totalOf } from '../src/scan/tally/aggregate.js';
import { LEAK, csvObjects, put, tempDir } from './helpers.js';
import { KEY, ZONE, cust, fits, fixedSource, flatTree, startApp, until } from './tui-helpers.js';

const none = { unmatched: 0, mtimeDated: 0, unreadableFolders: 0, linksSkipped: 0, specialSkipped: 0 };
const progress = {
  phase: 'reading' as const,
  found: 1000,
  done: 250,
  walkDone: true,
  audioMicros: 7200 * 1e6,
  audioFiles: 240,
  unreadable: 3,
  bytes: 0,
  elapsedMs: 1000,
  unreadableFolders: 0,
  linksSkipped: 0,
  specialSkipped: 0,
  unmatched: 0,
};

describe('widgets', () => {
  it('the table: header with the sort mark, selection, totals, long names cut with …', () => {
    const rows = [
      cust('a-very-long-customer-name-that-does-not-fit-anywhere', 1200, { firstMs: Date.UTC(2019, 0, 14) }),
      cust('b', 3, { unreadableFiles: 1 }),
    ];
    const { lastFrame } = render(
      <CustomerTable
        rows={rows}
        totals={cust('TOTAL (2)', 1203)}
        cursor={1}
        top={0}
        height={4}
        width={80}
        zone={ZONE}
        state={initialState()}
      />,
    );
    const f = lastFrame()!;
    expect(f).toMatch(/CUSTOMER\s+FILES▼\s+AUDIO\s+DURATION FIRST\s+LAST\s+UNREAD/);
    expect(f).toMatch(/ a-very-long-cust…\s+1,200\s+1,200\s+1,200.00 h 2019-01-14/);
    expect(f).toMatch(/>b\s+3\s+3\s+3\.00 h\s+1/);
    expect(f).toMatch(/TOTAL \(2\)\s+1,203/);
    expect(fits(f, 80, 24)).toBe(true);
  });
  it('wide (CJK, emoji) names: every row is one line of at most the terminal width', () => {
    const rows = [
      cust('東京コールセンター株式会社の顧客データ', 5),
      cust('📞📞📞📞📞📞📞📞📞📞📞📞', 2),
      cust('plain', 1),
    ];
    const f = render(
      <CustomerTable
        rows={rows}
        totals={cust('TOTAL (3)', 8)}
        cursor={0}
        top={0}
        height={3}
        width={80}
        zone={ZONE}
        state={initialState()}
      />,
    ).lastFrame()!;
    expect(f.split('\n')).toHaveLength(1 + 3 + 2);
    expect(fits(f, 80, 24)).toBe(true);
    expect(f).toMatch(/>東京.*…/);
  });
  it('narrow terminals drop the date columns first', () => {
    const { lastFrame } = render(
      <CustomerTable
        rows={[cust('x', 1)]}
        totals={cust('T', 1)}
        cursor={0}
        top={0}
        height={2}
        width={50}
        zone={ZONE}
        state={initialState()}
      />,
    );
    expect(lastFrame()).not.toMatch(/FIRST|LAST/);
    expect(lastFrame()).toMatch(/UNREAD/);
  });
  it('a stopped scan shows the customers it never reached as not read, not as zeros', () => {
    const f = render(
      <CustomerTable
        rows={[cust('reached', 3), cust('later', 0, { audioMicros: 0 })]}
        totals={cust('TOTAL (2)', 3)}
        cursor={0}
        top={0}
        height={2}
        width={80}
        zone={ZONE}
        state={initialState()}
        partial
      />,
    ).lastFrame()!;
    expect(f).toMatch(/ later\s+–\s+–\s+– not read\s+–/);
    expect(f).toMatch(/>reached\s+3\s+3\s+3\.00 h/);
  });
  it('only the rows on screen are drawn, however many there are', () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => cust(`c${i}`, 50_000 - i));
    const f = render(
      <CustomerTable
        rows={rows}
        totals={cust('TOTAL (50,000)', 1)}
        cursor={30_000}
        top={29_995}
        height={10}
        width={80}
        zone={ZONE}
        state={initialState()}
      />,
    ).lastFrame()!;
    expect(f.split('\n')).toHaveLength(13);
    expect(f).toMatch(/>c30000 /);
  });
  it('the status: zone, phase, bar with percent and ETA once the total is known, rate, duration, unreadable, completeness', () => {
    const f = render(
      <Status root="/mnt/leak" zone={ZONE} progress={progress} width={80} stopped={false} completeness={none} />,
    ).lastFrame()!;
    expect(f).toMatch(/leaktally \/mnt\/leak\s+zone Europe\/Stockholm\s+reading 25%\s+ETA 0:03/);
    expect(f).toMatch(/█+░+\s+25%\s+250 \/ 1,000 files\s+250 files\/s\s+0:01/);
    expect(f).toMatch(/audio 2\.00 h in 240 recordings\s+unreadable 3/);
    expect(f).toMatch(/every folder read; no link or special file skipped/);
    const walking = render(
      <Status
        root="/mnt/leak"
        zone={ZONE}
        progress={{ ...progress, walkDone: false }}
        width={80}
        stopped={false}
        completeness={none}
      />,
    ).lastFrame()!;
    // no total until the walk has found every file: read and found counts, no percentage
    expect(walking).toMatch(/250 read \/ 1,000 found\+/);
    expect(walking).not.toMatch(/ETA|%/);
    const stopped = render(
      <Status root="/x" zone={ZONE} progress={progress} width={80} stopped completeness={none} />,
    ).lastFrame()!;
    expect(stopped).toMatch(/stopped \(partial\)/);
    expect(stopped).not.toMatch(/ETA/);
    const warned = render(
      <Status
        root="/x"
        zone={ZONE}
        progress={progress}
        width={80}
        stopped={false}
        completeness={{ ...none, unreadableFolders: 2, unmatched: 5 }}
      />,
    ).lastFrame()!;
    expect(warned).toMatch(/! 2 unreadable folders NOT COUNTED · 5 files unmatched/);
  });
  it('the customer view: per year, a bar per month with the empty months, codecs, date sources, unreadable files and folders', () => {
    const c = cust('itell', 1, {
      audioMicros: 16 * 1e6,
      unreadableFiles: 1,
      unreadableExamples: [{ path: 'itell/x.wav', error: 'empty file' }],
      months: [
        ['2018-11', { audio: 1, micros: 60e6 }],
        ['2019-01', { audio: 2, micros: 120e6 }],
      ],
      formats: [['WAV/GSM610', 3]],
      dateSources: [['filename', 3]],
      firstMs: Date.UTC(2018, 10, 5),
      lastMs: Date.UTC(2019, 0, 14),
    });
    const lines = detailLines(c, ZONE, 79, { folderErrors: [{ path: 'itell/2017', error: 'EACCES' }] });
    const f = render(<Lines title="itell" lines={lines} width={80} height={30} top={0} />).lastFrame()!;
    expect(f).toMatch(/1 folder here could not be read: NOT COUNTED/);
    expect(f).toMatch(/1 file: 1 recording \(16 s\)/);
    expect(f).toMatch(/2018\s+1 recording\s+1.0 min/);
    expect(f).toMatch(/2018-11 █+\s+1/);
    expect(f).toMatch(/2018-12\s+0\s+0/);
    expect(f).toMatch(/2019-01 █+\s+2/);
    expect(f).toMatch(/Codecs: WAV\/GSM610 3/);
    expect(f).toMatch(/Date sources: filename 3/);
    expect(f).toMatch(/itell\/2017: EACCES/);
    expect(f).toMatch(/itell\/x\.wav: empty file/);
  });
  it('built-in rows by their kind: a folder named "(unmatched)" is a customer, shown as ./(unmatched)', () => {
    const rows = [cust('(unmatched)', 3), cust('(unmatched)', 2, { kind: 'customer' }), cust('(top level)', 1)];
    const f = render(
      <CustomerTable
        rows={rows}
        totals={cust('TOTAL (3)', 6)}
        cursor={5}
        top={0}
        height={3}
        width={80}
        zone={ZONE}
        state={initialState()}
      />,
    ).lastFrame()!;
    expect(f).toMatch(/^ \(unmatched\)\s+3/m);
    expect(f).toMatch(/^ \.\/\(unmatched\)\s+2/m);
    expect(f).toMatch(/^ \(top level\)\s+1/m);
  });
  it('the notification figures: callers withheld, recordings past retention', () => {
    const c = cust('acme', 4, {
      distinctCallers: 2,
      withheldCallerCalls: 1,
      pastRetentionFiles: 3,
      pastRetentionMicros: 90 * 1e6,
      oldestPastRetentionMs: Date.UTC(2015, 0, 2, 8),
    });
    const text = detailLines(c, ZONE, 79).join('\n');
    expect(text).toMatch(/2 distinct callers \(\+ 1 call with the caller withheld\)/);
    expect(text).toMatch(/Past retention: 3 recordings \(1\.5 min\), oldest 2015-01-02T09:00:00\+01:00/);
  });
  it('(unmatched) says what it is and shows example paths when the engine keeps them', () => {
    const plain = detailLines(cust('(unmatched)', 3), ZONE, 79).join('\n');
    expect(plain).toMatch(/did not match/);
    const withEx = detailLines(
      cust('(unmatched)', 3, { unmatchedExamples: ['a/out-1.wav', 'a/out-\x1b[2J.wav'] }),
      ZONE,
      79,
    ).join('\n');
    // the paths as the terminal can show them: an escape sequence in a name is not sent to it
    expect(withEx).toMatch(
      /Example paths \(the first 2 of 3, by path\)\n {2}a\/out-1\.wav\n {2}a\/out-\uFFFD\[2J\.wav/,
    );
  });
});

/** A finished scan's snapshot built by hand: an unreadable folder, unmatched files (a root run cannot make an unreadable folder). */
function finishedWith(customers: ReturnType<typeof cust>[], extra: Partial<ScanResult>) {
  const result = {
    config: { root: '/leak', depth: 1, zone: ZONE, threads: 0 },
    startedAt: new Date(),
    finishedAt: new Date(),
    partial: false,
    customers,
    totals: { ...totalOf(customers), customers: customers.length },
    linksSkipped: 0,
    specialSkipped: 0,
    unreadableFolders: 0,
    folderErrors: [],
    unmatched: customers.filter((c) => c.kind === 'unmatched').reduce((n, c) => n + c.files, 0),
    ...extra,
  } as ScanResult;
  return fixedSource({ progress: { ...progress, phase: 'done', done: 1000 }, customers, finished: true, result });
}

describe('journeys', () => {
  it('watch the scan finish, open a customer, go back, export, then q quits at once', async () => {
    const app = startApp(LEAK);
    const { lastFrame, stdin, out, done } = app;
    const table = await until(lastFrame, (f) => f.includes('done 100%'), 'the scan to finish');
    expect(table).toMatch(/zone Europe\/Stockholm/);
    expect(table).toMatch(/>trasiga-filer\s+10\s+5/);
    expect(table).toMatch(/TOTAL \(4\)\s+24\s+19\s+51 s/);
    expect(table).toMatch(/! 5 recordings dated by mtime/);
    stdin.write(KEY.down);
    await until(lastFrame, (f) => />itell\s/.test(f), 'the selection on itell');
    stdin.write(KEY.enter);
    const detail = await until(lastFrame, (f) => f.includes('Recordings per month'), 'the customer view');
    expect(detail).toMatch(/^itell/m);
    expect(detail).toMatch(/6 files: 6 recordings \(15 s\)/);
    stdin.write(KEY.escape);
    await until(lastFrame, (f) => f.includes('CUSTOMER'), 'the table again');
    stdin.write('e');
    await until(lastFrame, (f) => f.includes('Export the summary'), 'the export prompt');
    expect(lastFrame()).toMatch(/everything \(4 rows\)/);
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('wrote '), 'the export');
    const [name] = readdirSync(out);
    expect(name).toMatch(/^leaktally-leak-\d{8}-\d{6}\.csv$/);
    const rows = csvObjects(readFileSync(join(out, name!), 'utf8'));
    expect(rows.map((r) => r.customer)).toEqual([
      '1177-vardguiden',
      'ambulanstransport',
      'itell',
      'trasiga-filer',
      '(total)',
    ]);
    stdin.write('q');
    await until(
      () => String(app.quitCode()),
      (c) => c === '0',
      'the quit',
    );
    await done;
  });

  it('q before any export asks: another key stays, y quits', async () => {
    const app = startApp(LEAK);
    await until(app.lastFrame, (f) => f.includes('done 100%'), 'the scan');
    app.stdin.write('q');
    await until(
      app.lastFrame,
      (f) => f.includes('Quit? nothing has been exported. y quits, any other key stays'),
      'the question',
    );
    app.stdin.write('n');
    await until(app.lastFrame, (f) => f.includes('q quit') && !f.includes('Quit?'), 'the table again');
    expect(app.quitCode()).toBeUndefined();
    app.stdin.write('q');
    await until(app.lastFrame, (f) => f.includes('Quit?'), 'the question again');
    app.stdin.write('y');
    await until(
      () => String(app.quitCode()),
      (c) => c === '0',
      'the quit',
    );
  });

  it('q during a scan asks and the scan goes on; y stops it and quits', async () => {
    const app = startApp(flatTree(4, 2500), { redrawMs: 50, held: true });
    await until(app.lastFrame, (f) => /[1-9][\d,]* (read )?\/ /.test(f), 'the scan to start');
    app.stdin.write('q');
    await until(app.lastFrame, (f) => f.includes('Quit? the scan is still running'), 'the question');
    app.stdin.write(KEY.escape);
    await until(app.lastFrame, (f) => !f.includes('Quit?'), 'the question gone');
    expect(app.quitCode()).toBeUndefined();
    const before = Number(/([\d,]+) (?:read )?\/ /.exec(app.lastFrame()!)![1]!.replace(/,/g, ''));
    app.release();
    await until(
      app.lastFrame,
      (f) => Number(/([\d,]+) (?:read )?\/ /.exec(f)?.[1]?.replace(/,/g, '')) > before,
      'the scan to go on',
    );
    app.stdin.write('q');
    await until(app.lastFrame, (f) => f.includes('Quit?'), 'the question again');
    app.stdin.write('y');
    // the scan, let go, may end on its own before the key is taken: wait for the quit, not the scan
    await until(
      () => String(app.quitCode()),
      (c) => c === '0',
      'the quit',
    );
    await app.done;
  });

  it('sort, reverse, filter (its total says so), Backspace clears it, / starts afresh, and the help explains the columns', async () => {
    const { lastFrame, stdin } = startApp(LEAK);
    await until(lastFrame, (f) => f.includes('done 100%'), 'the scan');
    stdin.write('s');
    stdin.write('s');
    stdin.write('s'); // customer
    // the arrow says the direction the rows are in: names A→Z first, ▲
    await until(lastFrame, (f) => f.includes('CUSTOMER▲'), 'sort by customer');
    expect(lastFrame()).toMatch(/>1177-vardguiden/);
    stdin.write('r');
    await until(lastFrame, (f) => f.includes('CUSTOMER▼'), 'reversed');
    expect(lastFrame()).toMatch(/>trasiga-filer/);
    stdin.write('/');
    for (const ch of 'TELL') stdin.write(ch);
    const filtered = await until(lastFrame, (f) => f.includes('/TELL'), 'the filter');
    expect(filtered).toMatch(/itell/);
    expect(filtered).not.toMatch(/1177-vardguiden/);
    stdin.write(KEY.enter);
    const kept = await until(lastFrame, (f) => f.includes('filter "TELL": 1 of 4'), 'the kept filter');
    expect(kept).toMatch(/SHOWN \(1 of 4\)\s+6\s+6/);
    stdin.write('/');
    await until(lastFrame, (f) => /^\/█/m.test(f), 'a new, empty filter');
    stdin.write('a');
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('filter "a": 3 of 4'), 'the new filter');
    stdin.write(KEY.backspace);
    await until(lastFrame, (f) => f.includes('TOTAL (4)'), 'the filter cleared by Backspace');
    stdin.write('?');
    const help = await until(lastFrame, (f) => f.includes('Keys'), 'help');
    expect(help).toMatch(/Ctrl-C\s+stop the scan/);
    stdin.write(KEY.end);
    const cols = await until(lastFrame, (f) => f.includes('(unmatched)'), 'the columns explained');
    expect(cols).toMatch(/UNREAD\s+files that could not be read/);
    expect(cols).toMatch(/\(top level\)\s+files above the customer level/);
    expect(cols).toMatch(/partial\s+the scan was stopped/);
    stdin.write(KEY.escape);
    await until(lastFrame, (f) => f.includes('CUSTOMER'), 'back from help');
  });

  it('export: from a customer view, only that customer; a second export is not written over the first; .json; .xlsx', async () => {
    const { lastFrame, stdin, out } = startApp(LEAK);
    await until(lastFrame, (f) => f.includes('done 100%'), 'the scan');
    stdin.write(KEY.down);
    await until(lastFrame, (f) => />itell\s/.test(f), 'itell');
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('Recordings per month'), 'the customer view');
    stdin.write('e');
    // everything by default, from a customer's view too; Tab chooses the customer
    await until(lastFrame, (f) => f.includes('[everything (4 rows)]'), 'the prompt, everything chosen');
    stdin.write(KEY.tab);
    await until(lastFrame, (f) => f.includes('[this customer (itell)]'), 'this customer chosen');
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('wrote '), 'the export');
    expect(lastFrame()).toMatch(/one customer: 1 row/);
    stdin.write(' ');
    await until(
      lastFrame,
      (f) => f.includes('Recordings per month') && !f.includes('wrote'),
      'back in the customer view',
    );
    stdin.write('e');
    await until(lastFrame, (f) => f.includes('[everything (4 rows)]'), 'the prompt again');
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('every row: 4 rows'), 'the second export');
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2); // the default name is the time of the export, and never an existing file
    const sizes = files.map((f) => csvObjects(readFileSync(join(out, f), 'utf8')).length).sort();
    expect(sizes).toEqual([2, 5]); // one customer or four, each with the (total) row
    stdin.write(' ');
    await until(lastFrame, (f) => f.includes('Recordings per month'), 'back in the customer view again');
    stdin.write('e');
    await until(lastFrame, (f) => f.includes('Export the summary') && !f.includes('wrote'), 'a third prompt');
    stdin.write(KEY.tab);
    stdin.write(KEY.ctrlU);
    for (const ch of join(out, 'summary.json')) stdin.write(ch);
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('wrote '), 'the JSON export');
    const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      customers: unknown[];
      options: { scope: string };
      scope: { chosen: string; rows: number; of: number };
    };
    expect([json.customers.length, json.options.scope]).toEqual([1, 'customer']);
    // the file says it is part of the summary
    expect(json.scope).toEqual({ chosen: 'one row of the table: itell', rows: 1, of: 4 });
    stdin.write(' ');
    await until(lastFrame, (f) => f.includes('Recordings per month'), 'back in the customer view once more');
    stdin.write('e');
    await until(lastFrame, (f) => f.includes('Export the summary') && !f.includes('wrote'), 'a fourth prompt');
    stdin.write(KEY.ctrlU);
    for (const ch of join(out, 'x.xlsx')) stdin.write(ch);
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('wrote') && f.includes('XLSX'), 'the workbook written');
    expect(readFileSync(join(out, 'x.xlsx')).subarray(0, 2).toString('latin1')).toBe('PK'); // a zip: the workbook
  });

  it('export: an existing file is replaced only after y; ~ is the home folder; a long error wraps, whole', async () => {
    const home = tempDir();
    const old = process.env.HOME;
    process.env.HOME = home;
    try {
      const { lastFrame, stdin, out } = startApp(LEAK);
      await until(lastFrame, (f) => f.includes('done 100%'), 'the scan');
      writeFileSync(join(out, 'keep.csv'), 'precious');
      stdin.write('e');
      await until(lastFrame, (f) => f.includes('Export the summary'), 'the prompt');
      stdin.write(KEY.ctrlU);
      for (const ch of join(out, 'keep.csv')) stdin.write(ch);
      stdin.write(KEY.enter);
      await until(lastFrame, (f) => f.includes('exists: y replaces it'), 'the question');
      stdin.write('n');
      await until(lastFrame, (f) => !f.includes('exists:'), 'back to the name');
      expect(readFileSync(join(out, 'keep.csv'), 'utf8')).toBe('precious');
      stdin.write(KEY.enter);
      await until(lastFrame, (f) => f.includes('exists: y replaces it'), 'the question again');
      stdin.write('y');
      await until(lastFrame, (f) => f.includes('wrote '), 'the replacement');
      expect(csvObjects(readFileSync(join(out, 'keep.csv'), 'utf8'))).toHaveLength(5); // 4 customers and (total)
      stdin.write(' ');
      await until(lastFrame, (f) => f.includes('CUSTOMER'), 'the table');
      stdin.write('e');
      await until(lastFrame, (f) => f.includes('Export the summary') && !f.includes('wrote'), 'the prompt again');
      stdin.write(KEY.ctrlU);
      for (const ch of '~/home.csv') stdin.write(ch);
      stdin.write(KEY.enter);
      await until(lastFrame, (f) => f.includes('wrote '), 'the export to ~');
      expect(existsSync(join(home, 'home.csv'))).toBe(true);
      stdin.write(' ');
      await until(lastFrame, (f) => f.includes('CUSTOMER'), 'the table again');
      stdin.write('e');
      await until(lastFrame, (f) => f.includes('Export the summary') && !f.includes('wrote'), 'a third prompt');
      stdin.write(KEY.ctrlU);
      const missing = join(out, 'a-folder-with-a-long-name-that-does-not-exist', 'summary.csv');
      for (const ch of missing) stdin.write(ch);
      stdin.write(KEY.enter);
      const f = await until(lastFrame, (fr) => fr.includes('not written'), 'the error');
      // longer than a line: wrapped at spaces, nothing cut
      const lines = f.split('\n');
      const at = lines.findIndex((l) => l.startsWith('not written'));
      expect(lines[at]).not.toMatch(/does not exist/);
      expect(lines[at + 1]).toMatch(/not exist/);
      expect(f.replace(/\n/g, ' ')).toContain(
        `the folder ${join(out, 'a-folder-with-a-long-name-that-does-not-exist')} does not exist`,
      );
      expect(fits(f, 100, 24)).toBe(true);
    } finally {
      process.env.HOME = old;
    }
  });

  it('Ctrl-C during a scan stops it, keeps the counts, marks them partial (no ETA) on screen and in the export; Ctrl-C again exits 130', async () => {
    const app = startApp(flatTree(3, 3000), { redrawMs: 50, held: true });
    const { lastFrame, stdin, out } = app;
    await until(lastFrame, (f) => /[1-9][\d,]* (read )?\/ /.test(f), 'the scan to start');
    stdin.write(KEY.ctrlC);
    const f = await until(lastFrame, (fr) => fr.includes('stopped (partial)'), 'the stop');
    const r = await app.done;
    expect(r.partial).toBe(true);
    expect(r.totals.files).toBeLessThan(9000);
    expect(f).not.toMatch(/done 100%|ETA/);
    // never "every folder read" under a stop (attack round 24b L1); the line says what is missing
    const stoppedFrame = await until(lastFrame, (fr) => fr.includes('not reached NOT COUNTED'), 'the stop line');
    expect(stoppedFrame).not.toMatch(/every folder read/);
    stdin.write('e');
    await until(lastFrame, (fr) => fr.includes('marked PARTIAL'), 'the prompt');
    stdin.write(KEY.enter);
    await until(lastFrame, (fr) => fr.includes('wrote'), 'the export');
    const csv = readFileSync(join(out, readdirSync(out)[0]!), 'utf8');
    expect(csv).toMatch(/PARTIAL SCAN/);
    // every row says the scan was stopped; a row with nothing read is empty, never 0
    const rows = csvObjects(csv).filter((x) => !x.customer!.startsWith('(PARTIAL'));
    for (const x of rows) expect(x.completeness).toMatch(/^incomplete: the scan was stopped before the end/);
    expect(rows.some((x) => x.files === '0')).toBe(false);
    expect(app.quitCode()).toBeUndefined();
    // Ctrl-C in the prompt closes the prompt; the next one quits
    stdin.write(KEY.ctrlC);
    await until(lastFrame, (fr) => fr.includes('CUSTOMER') && !fr.includes('wrote'), 'the prompt closed');
    expect(app.quitCode()).toBeUndefined();
    stdin.write(KEY.ctrlC);
    await until(
      () => String(app.quitCode()),
      (c) => c === '130',
      'the exit code',
    );
  });

  it('browsing works while the scan runs, and Enter opens the row highlighted on screen', async () => {
    const app = startApp(flatTree(4, 2000), { redrawMs: 50, held: true });
    await until(app.lastFrame, (f) => /[1-9][\d,]* (read )?\/ /.test(f), 'the scan to start');
    app.stdin.write(KEY.down);
    // the highlight off the first row: the key was taken, the selection is now a customer, not a position
    const moved = await until(
      app.lastFrame,
      (f) => /CUSTOMER.*\n [^\n]*\n(?: [^\n]*\n)*>k\d+/.test(f),
      'the highlight on a later row',
    );
    const highlighted = /^>(k\d+)/m.exec(moved)![1]!;
    app.stdin.write(KEY.enter);
    const during = await until(
      app.lastFrame,
      (f) => f.includes('Recordings per month'),
      'a customer view during the scan',
    );
    expect(during).toMatch(new RegExp(`^${highlighted}\\b`, 'm'));
    expect(during).not.toMatch(/done 100%/);
    app.stdin.write(KEY.escape);
    await until(app.lastFrame, (f) => f.includes('CUSTOMER'), 'the table');
    app.stdin.write(KEY.ctrlC);
    await until(app.lastFrame, (f) => f.includes('stopped (partial)'), 'the stop');
    app.stdin.write(KEY.ctrlC);
    await app.done;
    await until(
      () => String(app.quitCode()),
      (c) => c === '130',
      'the exit code',
    );
    expect(app.quitCode()).toBe(130);
  });

  it('an unreadable folder and unmatched files are on the main screen, and the folder in its customer view', async () => {
    const customers = [cust('acme', 3), cust('beta', 2), cust('(unmatched)', 7)];
    const source = finishedWith(customers, {
      unreadableFolders: 1,
      folderErrors: [{ path: 'acme/2017', error: 'EACCES' }],
      linksSkipped: 2,
    });
    const { lastFrame, stdin } = render(
      <App source={source} root="/leak" zone={ZONE} delimiter="," size={{ columns: 80, rows: 24 }} />,
    );
    const main = await until(lastFrame, (f) => f.includes('NOT COUNTED'), 'the warning');
    expect(main).toMatch(/! 1 unreadable folder NOT COUNTED · 7 files unmatched · 2 links skipped$/m);
    stdin.write(KEY.down);
    await until(lastFrame, (f) => f.includes('>acme'), 'acme');
    stdin.write(KEY.enter);
    const view = await until(lastFrame, (f) => f.includes('Per year'), 'acme');
    expect(view).toMatch(/1 folder here could not be read: NOT COUNTED/);
    expect(view).toMatch(/acme\/2017: EACCES/);
    expect(fits(view, 80, 24)).toBe(true);
  });

  it('while the scan runs: an unreadable folder met so far is on the main screen and in its customer view', async () => {
    const customers = [cust('acme', 3, { unreadableFolders: 1 }), cust('beta', 2)];
    const source = fixedSource({
      progress: { ...progress, walkDone: false, unreadableFolders: 1, linksSkipped: 1 },
      customers,
      finished: false,
      folderErrors: [{ path: 'acme/2017', error: 'EACCES' }],
    });
    const { lastFrame, stdin } = render(
      <App source={source} root="/leak" zone={ZONE} delimiter="," size={{ columns: 80, rows: 24 }} />,
    );
    const main = await until(lastFrame, (f) => f.includes('NOT COUNTED'), 'the warning');
    expect(main).toMatch(/! 1 unreadable folder NOT COUNTED · 1 link skipped \(so far\)$/m);
    expect(main).toMatch(/^>acme/m); // most files first
    stdin.write(KEY.enter);
    const view = await until(lastFrame, (f) => f.includes('Per year'), 'acme');
    expect(view).toMatch(/1 folder here could not be read: NOT COUNTED/);
    expect(view).toMatch(/acme\/2017: EACCES/);
  });

  it('a real scan with a pattern: unmatched files and the skipped link on the main screen, their first paths in (unmatched)', async () => {
    const root = tempDir();
    put(root, 'calls/in-acme-1.ul', Buffer.alloc(80));
    put(root, 'calls/in-beta-1.ul', Buffer.alloc(80));
    for (let i = 0; i < 7; i++) put(root, `calls/out-0701740${i}-\x1b[31m.ul`, Buffer.alloc(80));
    symlinkSync('/etc/hostname', join(root, 'calls', 'a-link'));
    const app = startApp(root, {
      config: { pattern: compilePattern('*/in-{customer}-*') },
      size: { columns: 80, rows: 24 },
    });
    const main = await until(app.lastFrame, (f) => f.includes('done 100%'), 'the scan');
    expect(main).toMatch(/^! 7 files unmatched · 1 link skipped/m);
    app.stdin.write('/');
    app.stdin.write('unm');
    app.stdin.write(KEY.enter);
    await until(app.lastFrame, (f) => f.includes('>(unmatched)'), 'the (unmatched) row highlighted');
    app.stdin.write(KEY.enter);
    expect(await until(app.lastFrame, (f) => f.includes('did not match'), 'the (unmatched) view')).toMatch(
      /^\(unmatched\)/m,
    );
    app.stdin.write(KEY.end);
    const view = await until(app.lastFrame, (f) => f.includes('↑ more'), 'the end of the (unmatched) view');
    // the first five by path, the escape in the names shown as � (never sent to the terminal)
    expect(view).toMatch(/Example paths \(the first 5 of 7, by path\)\n {2}calls\/out-07017400-\uFFFD\[31m\.ul\n/);
    expect(view).toContain('calls/out-07017404-');
    expect(view).not.toContain('calls/out-07017405-');
    expect(view).not.toContain('\x1b[31m');
    expect(fits(view, 80, 24)).toBe(true);
  });

  it('every screen fits 80×24 and 120×40', async () => {
    for (const [columns, rows] of [
      [80, 24],
      [120, 40],
    ] as const) {
      const { lastFrame, stdin } = startApp(LEAK, { size: { columns, rows } });
      await until(lastFrame, (f) => f.includes('done 100%'), 'the scan');
      const ok = (f: string): boolean => fits(f, columns, rows) && f.split('\n').length === rows - 1;
      expect(ok(lastFrame()!)).toBe(true);
      stdin.write(KEY.enter);
      await until(lastFrame, (f) => f.includes('Per year') && ok(f), `the customer view at ${columns}×${rows}`);
      expect(lastFrame()).toMatch(/^leaktally /);
      stdin.write('?');
      await until(lastFrame, (f) => f.includes('Keys') && ok(f), `the help at ${columns}×${rows}`);
      stdin.write(KEY.escape);
      await until(lastFrame, (f) => f.includes('Per year'), 'back from the help');
      stdin.write('e');
      await until(lastFrame, (f) => f.includes('Export the summary') && ok(f), `the export at ${columns}×${rows}`);
    }
  });
});
