/**
 * The UI's widgets (ink-testing-library) and journeys through the whole app: a real scan of
 * samples/leak, driven by key presses as a user would, checked on the frames drawn.
 */
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scanner } from '../src/scan/engine.js';
import { App } from '../src/tui/App.js';
import { CustomerTable, CustomerDetail, Status } from '../src/tui/widgets.js';
import { initialState } from '../src/tui/state.js';
import { defaultExportName } from '../src/tui/run.js';
import type { CustomerTotals } from '../src/scan/aggregate.js';
import { LEAK, csvObjects, tempDir } from './helpers.js';

const ZONE = 'Europe/Stockholm';
const KEY = { enter: '\r', escape: '\x1b', down: '\x1b[B', up: '\x1b[A', backspace: '\x7f', end: '\x1b[F', home: '\x1b[H', pageDown: '\x1b[6~', ctrlC: '\x03', ctrlU: '\x15' };

async function until(frame: () => string | undefined, test: (f: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const f = frame() ?? '';
    if (test(f)) return f;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
}

const cust = (customer: string, files: number, extra: Partial<CustomerTotals> = {}): CustomerTotals => ({
  customer, kind: 'customer', withheldCallerCalls: 0, pastRetentionFiles: 0, pastRetentionSeconds: 0, files, audioFiles: files, otherFiles: 0, unreadableFiles: 0, unreadableFolders: 0, hardLinks: 0, sparseFiles: 0, bytes: 0, audioSeconds: files * 3600,
  formats: [], months: [], dateSources: [], unreadableExamples: [], ...extra,
});

describe('widgets', () => {
  it('the table: header with the sort mark, selection, totals, long names cut with …', () => {
    const rows = [cust('a-very-long-customer-name-that-does-not-fit-anywhere', 1200, { firstMs: Date.UTC(2019, 0, 14) }), cust('b', 3, { unreadableFiles: 1 })];
    const { lastFrame } = render(
      <CustomerTable rows={rows} totals={cust('TOTAL (2)', 1203)} cursor={1} top={0} height={4} width={80} zone={ZONE} state={initialState()} />,
    );
    const f = lastFrame()!;
    expect(f).toMatch(/CUSTOMER\s+FILES▼\s+AUDIO\s+HOURS FIRST\s+LAST\s+UNREAD/);
    expect(f).toMatch(/ a-very-long-cust…\s+1,200\s+1,200\s+1,200\.00 2019-01-14/);
    expect(f).toMatch(/>b\s+3\s+3\s+3\.00\s+1/);
    expect(f).toMatch(/TOTAL \(2\)\s+1,203/);
    for (const line of f.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
  });
  it('narrow terminals drop the date columns first', () => {
    const { lastFrame } = render(<CustomerTable rows={[cust('x', 1)]} totals={cust('T', 1)} cursor={0} top={0} height={2} width={50} zone={ZONE} state={initialState()} />);
    expect(lastFrame()).not.toMatch(/FIRST|LAST/);
    expect(lastFrame()).toMatch(/UNREAD/);
  });
  it('the status: phase, bar with percent and ETA once the total is known, rate, hours, unreadable', () => {
    const p = { phase: 'reading' as const, found: 1000, done: 250, walkDone: true, audioSeconds: 7200, audioFiles: 240, unreadable: 3, bytes: 0, elapsedMs: 1000 };
    const f = render(<Status root="/mnt/leak" progress={p} width={80} stoppedByUser={false} />).lastFrame()!;
    expect(f).toMatch(/reading 25%\s+ETA 0:03/);
    expect(f).toMatch(/█+░+\s+25%\s+250 \/ 1,000 files\s+250 files\/s\s+0:01/);
    expect(f).toMatch(/audio 2\.00 h in 240 recordings\s+unreadable 3/);
    const walking = render(<Status root="/mnt/leak" progress={{ ...p, walkDone: false }} width={80} stoppedByUser={false} />).lastFrame()!;
    expect(walking).toMatch(/250 \/ 1,000\+ files/);
    expect(walking).not.toMatch(/ETA|%/);
    expect(render(<Status root="/x" progress={p} width={80} stoppedByUser />).lastFrame()).toMatch(/stopped \(partial\)/);
  });
  it('the customer view: per year, a bar per month, codecs, date sources, unreadable files with reasons', () => {
    const c = cust('itell', 4, {
      unreadableFiles: 1, unreadableExamples: [{ path: 'itell/x.wav', error: 'empty file' }],
      months: [['2018-11', { audio: 1, seconds: 60 }], ['2019-01', { audio: 2, seconds: 120 }]],
      formats: [['WAV/GSM610', 3]], dateSources: [['filename', 3]], firstMs: Date.UTC(2018, 10, 5), lastMs: Date.UTC(2019, 0, 14),
    });
    const f = render(<CustomerDetail customer={c} zone={ZONE} width={80} height={30} top={0} />).lastFrame()!;
    expect(f).toMatch(/2018\s+1 recordings/);
    expect(f).toMatch(/2018-11 █+\s+1/);
    expect(f).toMatch(/2019-01 █+\s+2/);
    expect(f).toMatch(/Codecs: WAV\/GSM610 3/);
    expect(f).toMatch(/Date sources: filename 3/);
    expect(f).toMatch(/itell\/x\.wav: empty file/);
  });
  it('the default export name: leaktally-<root folder>-<yyyyMMdd-HHmm>.csv', () => {
    expect(defaultExportName('/mnt/leak copy/', ZONE, new Date(Date.UTC(2019, 1, 3, 8, 5)))).toBe('leaktally-leak_copy-20190203-0905.csv');
  });
});

/** customers k0…k(n-1), each with perCustomer tiny µ-law files: a scan that takes a moment */
function flatTree(customers: number, perCustomer: number): string {
  const root = tempDir();
  for (let k = 0; k < customers; k++) {
    mkdirSync(join(root, `k${k}`));
    for (let i = 0; i < perCustomer; i++) writeFileSync(join(root, `k${k}`, `${i}.ul`), Buffer.alloc(80));
  }
  return root;
}

function startApp() {
  const scanner = new Scanner({ root: LEAK, depth: 1, zone: ZONE, threads: 0 });
  const done = scanner.run();
  const out = tempDir();
  const app = render(
    <App scanner={scanner} done={done} root={LEAK} zone={ZONE} delimiter="," defaultExportPath={join(out, 'summary.csv')} size={{ columns: 100, rows: 24 }} />,
  );
  return { ...app, scanner, done, out };
}

describe('journeys', () => {
  it('watch the scan finish, open a customer, go back, export, quit', async () => {
    const { lastFrame, stdin, out, done } = startApp();
    const table = await until(lastFrame, (f) => f.includes('done 100%'), 'the scan to finish');
    expect(table).toMatch(/>trasiga-filer\s+10\s+5/);
    expect(table).toMatch(/TOTAL \(4\)\s+24\s+19/);
    stdin.write(KEY.down);
    await until(lastFrame, (f) => />itell\s/.test(f), 'the selection on itell');
    stdin.write(KEY.enter);
    const detail = await until(lastFrame, (f) => f.includes('Recordings per month'), 'the customer view');
    expect(detail).toMatch(/^itell\s*$/m);
    expect(detail).toMatch(/2019-02 █+\s+3/);
    stdin.write(KEY.escape);
    await until(lastFrame, (f) => f.includes('CUSTOMER'), 'the table again');
    stdin.write('e');
    await until(lastFrame, (f) => f.includes('Export the summary CSV'), 'the export prompt');
    expect(lastFrame()).toContain(join(out, 'summary.csv'));
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('wrote '), 'the export');
    const rows = csvObjects(readFileSync(join(out, 'summary.csv'), 'utf8'));
    expect(rows.map((r) => r.customer)).toEqual(['1177-vardguiden', 'ambulanstransport', 'itell', 'trasiga-filer', '(total)']);
    await done;
  });

  it('sort, reverse, filter and the help screen', async () => {
    const { lastFrame, stdin } = startApp();
    await until(lastFrame, (f) => f.includes('done 100%'), 'the scan');
    stdin.write('s');
    stdin.write('s');
    stdin.write('s'); // customer
    await until(lastFrame, (f) => /CUSTOMER▼/.test(f), 'sort by customer');
    expect(lastFrame()).toMatch(/>1177-vardguiden/);
    stdin.write('r');
    await until(lastFrame, (f) => /CUSTOMER▲/.test(f), 'reversed');
    expect(lastFrame()).toMatch(/>trasiga-filer/);
    stdin.write('/');
    for (const ch of 'TELL') stdin.write(ch);
    const filtered = await until(lastFrame, (f) => f.includes('/TELL'), 'the filter');
    expect(filtered).toMatch(/itell/);
    expect(filtered).not.toMatch(/1177-vardguiden/);
    stdin.write(KEY.enter);
    await until(lastFrame, (f) => f.includes('filter "TELL": 1 of 4'), 'the kept filter');
    stdin.write('?');
    await until(lastFrame, (f) => f.includes('Keys'), 'help');
    stdin.write(KEY.escape);
    await until(lastFrame, (f) => f.includes('CUSTOMER'), 'back from help');
  });

  it('an export to a folder that does not exist shows the error and writes nothing', async () => {
    const { lastFrame, stdin, out } = startApp();
    await until(lastFrame, (f) => f.includes('done 100%'), 'the scan');
    stdin.write('e');
    await until(lastFrame, (f) => f.includes('Export'), 'the prompt');
    stdin.write(KEY.ctrlU);
    for (const ch of join(out, 'missing', 'x.csv')) stdin.write(ch);
    stdin.write(KEY.enter);
    const f = await until(lastFrame, (fr) => fr.includes('not written'), 'the error');
    expect(f).toMatch(/does not exist/);
    expect(existsSync(join(out, 'missing'))).toBe(false);
  });

  it('Ctrl-C during a scan stops it, keeps the counts, and marks them partial on screen and in the export', async () => {
    const root = flatTree(3, 5000);
    const scanner = new Scanner({ root, depth: 1, zone: ZONE, threads: 0 });
    const done = scanner.run();
    const out = tempDir();
    const { lastFrame, stdin } = render(
      <App scanner={scanner} done={done} root={root} zone={ZONE} delimiter="," defaultExportPath={join(out, 's.csv')} size={{ columns: 100, rows: 24 }} redrawMs={50} />,
    );
    await until(lastFrame, (f) => /[1-9][\d,]* \/ /.test(f), 'the scan to start');
    stdin.write(KEY.ctrlC);
    const f = await until(lastFrame, (fr) => fr.includes('stopped (partial)'), 'the stop');
    const r = await done;
    expect(r.partial).toBe(true);
    expect(r.totals.files).toBeLessThan(15000);
    expect(f).not.toContain('done 100%');
    stdin.write('e');
    await until(lastFrame, (fr) => fr.includes('will be marked partial'), 'the prompt');
    stdin.write(KEY.enter);
    await until(lastFrame, (fr) => fr.includes('wrote'), 'the export');
    const csv = readFileSync(join(out, 's.csv'), 'utf8');
    expect(csv).toMatch(/PARTIAL SCAN/);
  });

  it('browsing works while the scan runs', async () => {
    const root = flatTree(6, 4000);
    const scanner = new Scanner({ root, depth: 1, zone: ZONE, threads: 0 });
    const done = scanner.run();
    const { lastFrame, stdin } = render(
      <App scanner={scanner} done={done} root={root} zone={ZONE} delimiter="," defaultExportPath="x.csv" size={{ columns: 100, rows: 24 }} redrawMs={50} />,
    );
    await until(lastFrame, (f) => /[1-9][\d,]* \/ /.test(f), 'the scan to start');
    stdin.write(KEY.enter);
    const during = await until(lastFrame, (f) => f.includes('Recordings per month'), 'a customer view during the scan');
    expect(during).not.toMatch(/done 100%/);
    stdin.write(KEY.escape);
    stdin.write('q');
    const r = await done;
    expect(r.partial).toBe(true); // q during the scan stops it
  });
});
