/**
 * The notification rows from per-key figures as the engine gives them (its contract: caller key sets,
 * withheld calls, past-retention counts): merging keys into controllers, de-duplicating callers,
 * retention per key, data-subject bounds. The end-to-end run on a generated tree is test/notify.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../src/scan/engine.js';
import type { CustomerTotals } from '../src/scan/tally/aggregate.js';
import { notifyReport } from '../src/report/notify/notify.js';
import { parseRegister } from '../src/report/notify/register.js';
import { retentionPlan } from '../src/report/notify/retention.js';
import {
  ROWS_PER_CHUNK,
  summaryCsv,
  summaryCsvChunks,
  summaryCsvOf,
  summaryJsonChunks,
} from '../src/report/write/summary.js';
import { parseCsv } from './helpers.js';

function row(
  customer: string,
  o: Partial<CustomerTotals> & { callerList?: string[]; pastRetentionMicros?: number },
): CustomerTotals {
  const callers = o.callerList ? new Set(o.callerList) : undefined;
  const { callerList: _l, pastRetentionMicros, ...rest } = o;
  return {
    customer,
    kind: 'customer',
    files: 0,
    audioFiles: 0,
    otherFiles: 0,
    opaqueFiles: 0,
    unreadableFiles: 0,
    unreadableFolders: 0,
    hardLinks: 0,
    sparseFiles: 0,
    unopenedFiles: 0,
    bytes: 0,
    audioMicros: 0,
    formats: [],
    months: [],
    dateSources: [],
    unreadableExamples: [],
    withheldCallerCalls: 0,
    pastRetentionFiles: 0,
    pastRetentionMicros: pastRetentionMicros ?? 0,
    distinctCallers: callers?.size,
    callers,
    ...rest,
  };
}

function result(rows: CustomerTotals[]): ScanResult {
  return {
    config: { root: '/leak', depth: 1, pattern: '*-{customer}-{caller}-*', zone: 'UTC', threads: 0 },
    startedAt: new Date(Date.UTC(2019, 1, 18)),
    finishedAt: new Date(Date.UTC(2019, 1, 18, 0, 1)),
    partial: false,
    customers: rows,
    totals: {
      // the rows' files: a tree with none would be an incomplete run (completeness.ts: the wrong folder)
      files: rows.reduce((n, r) => n + r.files, 0),
      audioFiles: 0,
      otherFiles: 0,
      unreadableFiles: 0,
      bytes: 0,
      audioMicros: 0,
      formats: [],
      distinctCallers: 0,
      customers: rows.length,
    },
    linksSkipped: 0,
    specialSkipped: 0,
    unreadableFolders: 0,
    folderErrors: [],
    unmatched: 0,
  } as unknown as ScanResult;
}

const register = parseRegister(
  'key,controller,org_id,retention_days\n001,Acme,556-1,7\n002,Acme,556-1,30\n003,Bil,556-2,\n009,Tom,556-9,30\n',
  'r.csv',
);
const rows = [
  row('001', {
    files: 3,
    audioFiles: 3,
    audioMicros: 10.5 * 1e6,
    withheldCallerCalls: 1,
    pastRetentionFiles: 2,
    pastRetentionMicros: 7_000_000,
    oldestPastRetentionMs: 1000,
    callerList: ['+46701740610', '+4915112345678'],
  }),
  // the same Swedish caller written nationally (a simpler engine key), and a new one
  row('002', {
    files: 2,
    audioFiles: 2,
    audioMicros: 4.25 * 1e6,
    pastRetentionFiles: 1,
    pastRetentionMicros: 4_250_000,
    oldestPastRetentionMs: 500,
    callerList: ['0701740610', '+358401234567'],
  }),
  row('003', { files: 1, audioFiles: 1, audioMicros: 1 * 1e6, callerList: ['+46701740610'] }),
  row('077', { files: 1, audioFiles: 1, audioMicros: 2 * 1e6, withheldCallerCalls: 1, callerList: [] }),
  row('(unmatched)', { kind: 'unmatched', files: 1, otherFiles: 1, callerList: [] }),
];

describe('notification rows', () => {
  const asOfMs = Date.UTC(2019, 1, 18);
  const plan = retentionPlan({ asOfMs, asOfIsScanStart: false, register, zone: 'UTC' }); // no --retention default
  const rep = notifyReport(result(rows), { register, retention: plan, country: 'SE' });
  const by = (label: string) => rep.rows.find((r) => r.label === label)!;

  it('one row per controller, keys merged, then unknown keys, then the built-in rows', () => {
    expect(rep.rows.map((r) => [r.kind, r.label, r.keys])).toEqual([
      ['controller', 'Acme', ['001', '002']],
      ['controller', 'Bil', ['003']],
      ['controller', 'Tom', ['009']],
      ['unregistered', '077', ['077']],
      ['unmatched', '(unmatched)', ['(unmatched)']],
    ]);
    expect(by('Acme')).toMatchObject({ files: 5, audioMicros: 14_750_000, withheldCallerCalls: 1 });
  });
  it("callers de-duplicated across a controller's keys (national and international forms are one) and in the total", () => {
    expect(by('Acme').distinctCallers).toBe(3);
    expect(by('Acme').callersDeduplicated).toBe(true);
    expect(by('Acme').callersByCountry).toEqual([
      ['DE', 1],
      ['FI', 1],
      ['SE', 1],
    ]);
    expect(rep.total.distinctCallers).toBe(3); // not 2 + 2 + 1
    expect(rep.total.withheldCallerCalls).toBe(2);
  });
  it('data subjects: bounds, precision, method', () => {
    // (077, which no key names, holds a recording that may be any controller's: their counts are lower
    // bounds, and Tom's none cannot be determined)
    expect(by('Acme').subjects).toMatchObject({ min: 3, max: 4, precision: 'lower bound' });
    expect(by('Acme').subjects.method).toMatch(/plus up to one person for each of the 1 calls/);
    expect(by('Tom').subjects).toMatchObject({ min: 0, max: 0, precision: 'cannot be determined' });
    // no caller number, one withheld call: at least one person rang
    expect(by('077').subjects).toMatchObject({ min: 1, max: 1 });
  });
  it('retention per key: days from the register; no default, so keys without retention_days have none', () => {
    expect(by('Acme')).toMatchObject({
      retentionDays: [7, 30],
      pastRetentionFiles: 3,
      pastRetentionMicros: 11_250_000,
      oldestPastRetentionMs: 500,
    });
    expect(by('Bil')).toMatchObject({ retentionDays: [], pastRetentionFiles: undefined });
    expect(by('Tom')).toMatchObject({ retentionDays: [30], pastRetentionFiles: 0, files: 0 });
    expect(rep.total).toMatchObject({ pastRetentionFiles: 3, pastRetentionMicros: 11_250_000 });
  });
  it('a register controller with no files is a row of zeros', () => {
    expect(by('Tom')).toMatchObject({
      files: 0,
      audioFiles: 0,
      audioMicros: 0,
      distinctCallers: 0,
      firstMs: undefined,
    });
  });
  it('the CSV: keys joined, (total) with de-duplicated callers, several retentions as text', () => {
    const csv = parseCsv(summaryCsv(result(rows), ',', { register, retention: plan, country: 'SE' }));
    const [head, ...body] = csv;
    const obj = body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]])));
    expect(obj[0]).toMatchObject({
      customer: '001; 002',
      controller: 'Acme',
      org_id: '556-1',
      files: '5',
      audio_seconds: '15',
      audio_hours: '0.00',
      distinct_callers: '3',
      withheld_caller_calls: '1',
      retention_days: '7; 30',
      past_retention_files: '3',
      past_retention_hours: '0.00',
    });
    expect(obj[1]).toMatchObject({
      customer: '003',
      retention_days: '',
      past_retention_files: '',
      past_retention_hours: '',
    });
    expect(obj.at(-1)).toMatchObject({
      customer: '(total)',
      files: '8',
      distinct_callers: '3',
      withheld_caller_calls: '2',
    });
  });
  it('without a register: one row per key; without caller sets, sums are said to be sums', () => {
    const noSets = rows.map((r) => ({ ...r, callers: undefined }));
    const rep2 = notifyReport(result(noSets), {});
    expect(rep2.rows.map((r) => r.label)).toEqual(['001', '002', '003', '077', '(unmatched)']);
    expect(rep2.total).toMatchObject({ distinctCallers: 5, callersDeduplicated: false });
  });
  it('without {caller}: subjects cannot be determined, at most one per recording', () => {
    const r = row('x', { files: 4, audioFiles: 3, unreadableFiles: 1 });
    const res = result([r]);
    (res.config as { pattern?: string }).pattern = undefined;
    (res.totals as { distinctCallers?: number }).distinctCallers = undefined;
    r.distinctCallers = undefined;
    const rep3 = notifyReport(res, {});
    expect(rep3.rows[0]!.subjects).toMatchObject({ min: 1, max: 4, precision: 'cannot be determined' });
  });
});

describe("the UI's export", () => {
  it('writes a workbook for a name ending in .xlsx, the CSV otherwise', async () => {
    const { scan } = await import('../src/scan/engine.js');
    const { exportSummaryFile } = await import('../src/report/write/pack.js');
    const { readXlsx } = await import('./xlsx-read.js');
    const { LEAK, tempDir } = await import('./helpers.js');
    const { readFileSync } = await import('node:fs');
    const res = await scan({ root: LEAK, depth: 1, zone: 'UTC', threads: 0 });
    const dir = tempDir();
    const x = await exportSummaryFile(res, join(dir, 'a.XLSX'), ',');
    const wb = readXlsx(readFileSync(x));
    expect(wb.sheets).toEqual(['Summary', 'Months', 'Countries', 'Facts', 'Method']);
    expect(wb.cells.get('Summary')!.get('A2')).toEqual({ type: 'text', value: '1177-vardguiden' });
    const c = await exportSummaryFile(res, join(dir, 'a.csv'), ';');
    expect(readFileSync(c, 'utf8')).toMatch(/^\uFEFFcustomer;controller;/);
    await expect(exportSummaryFile(res, join(LEAK, 'x.xlsx'), ',')).rejects.toThrow(/evidence tree/);
  });
  it('the UI export writes the workbook for a .xlsx name, scoped rows included', async () => {
    const { scan } = await import('../src/scan/engine.js');
    const { writeExport } = await import('../src/tui/export.js');
    const { readXlsx } = await import('./xlsx-read.js');
    const { LEAK, tempDir } = await import('./helpers.js');
    const { readFileSync } = await import('node:fs');
    const res = await scan({ root: LEAK, depth: 1, zone: 'UTC', threads: 0 });
    const target = join(tempDir(), 'ui.xlsx');
    const itell = res.customers.filter((c) => c.customer === 'itell');
    const out = await writeExport({
      result: res,
      scope: 'customer',
      rows: itell,
      path: target,
      overwrite: false,
      delimiter: ',',
    });
    expect(out).toMatchObject({ ok: true, message: expect.stringMatching(/^wrote .*ui\.xlsx \(XLSX/) });
    const wb = readXlsx(readFileSync(target));
    expect(wb.formulas).toBe(0);
    expect(wb.cells.get('Summary')!.get('A2')).toEqual({ type: 'text', value: 'itell' });
    // an export of part of the summary says so in its total row
    expect(wb.cells.get('Summary')!.get('A3')).toEqual({ type: 'text', value: '(total of 1 of 4 rows: one customer)' });
  });
});

describe('the summary in pieces (issue 19: a million rows are written, never held)', () => {
  // more rows than three pieces hold, seconds with fractions (the rounding spans every piece), a
  // register for some keys (its controllers first, then the keys it does not know)
  const n = ROWS_PER_CHUNK * 3 + 17;
  const many = Array.from({ length: n }, (_, i) =>
    row(String(i).padStart(5, '0'), {
      files: 1,
      audioFiles: 1,
      audioMicros: Math.round((0.37 + (i % 7) * 0.11) * 1e6),
      callerList: [],
    }),
  );
  const reg = parseRegister('key,controller\n00003,Acme\n00700,Acme\n01200,Bil\n99999,Tom\n', 'r.csv');
  // the JSON's head also says how access times were kept
  const withAtimes = (r: ScanResult): ScanResult => ({ ...r, noatime: { folders: true, filesRefused: 0 } });
  const res = withAtimes(result(many));

  it('the JSON pieces are JSON.stringify(summary, null, 2): the same text as one string', () => {
    const report = notifyReport(res, { register: reg });
    expect(report.rowCount).toBe(3 + n - 3);
    const pieces = [...summaryJsonChunks(report, res, {}, { version: '' })];
    expect(pieces.length).toBeGreaterThan(3);
    const text = pieces.join('');
    const parsed = JSON.parse(text) as { customers: { customer: string }[]; totals: { rows: number } };
    expect(text).toBe(JSON.stringify(parsed, null, 2) + '\n');
    expect(parsed.customers.map((c) => c.customer).slice(0, 4)).toEqual(['00003; 00700', '01200', '99999', '00000']);
    expect(parsed.customers).toHaveLength(report.rowCount);
    expect(parsed.totals.rows).toBe(report.rowCount);
    // the rows built one at a time are the rows built all at once
    expect([...notifyReport(res, { register: reg }).eachRow()]).toEqual(report.rows);
  });

  it('no rows: "customers": [] as JSON.stringify writes it', () => {
    const empty = withAtimes(result([]));
    const text = [...summaryJsonChunks(notifyReport(empty), empty, {}, { version: '' })].join('');
    expect(text).toContain('"customers": []\n}\n');
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2) + '\n');
  });

  it('the CSV pieces are whole lines, the header once, the seconds adding up to the total across pieces', () => {
    const report = notifyReport(res);
    const pieces = [...summaryCsvChunks(report, res, ',')];
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) expect(p.endsWith('\r\n')).toBe(true);
    expect(pieces.slice(1).every((p) => !p.includes('customer,controller') && !p.startsWith('\uFEFF'))).toBe(true);
    const text = pieces.join('');
    expect(text).toBe(summaryCsvOf(notifyReport(res), res, ','));
    const recs = parseCsv(text);
    expect(recs).toHaveLength(n + 2);
    const total = recs.at(-1)!;
    expect(total[0]).toBe('(total)');
    const col = recs[0]!.indexOf('audio_seconds');
    const sum = recs.slice(1, -1).reduce((a, r) => a + Number(r[col]), 0);
    expect(sum).toBe(Number(total[col]));
    expect(sum).toBe(Math.round(many.reduce((a, r) => a + r.audioMicros / 1e6, 0)));
  });
});
