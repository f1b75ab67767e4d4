/** The per-customer summary as CSV (for the notification spreadsheet) and as JSON. */
import { stringify } from 'csv-stringify/sync';
import type { ScanResult } from '../scan/engine.js';
import { numberCell, safeText } from './cells.js';
import { SUMMARY_COLUMNS, summaryRow, summaryRows } from './rows.js';
import { formatIso } from '../scan/date/zone.js';

export type Delimiter = ',' | ';';

/** The row added at the end of a CSV of a scan that was stopped early. */
export const PARTIAL_MARK = '(PARTIAL SCAN: stopped before the end; every figure is a lower bound)';

export function summaryCsv(result: ScanResult, delimiter: Delimiter = ','): string {
  const rows = summaryRows(result).map((r) => [
    safeText(r.customer),
    String(r.files),
    String(r.audio_files),
    String(r.other_files),
    String(r.unreadable_files),
    String(r.bytes),
    numberCell(r.audio_seconds, 3, delimiter),
    numberCell(r.audio_hours, 2, delimiter),
    r.first_recording,
    r.last_recording,
    r.distinct_callers === null ? '' : String(r.distinct_callers),
    safeText(r.formats),
    String(r.unreadable_folders),
    String(r.hard_links),
  ]);
  if (result.partial) rows.push([PARTIAL_MARK, ...SUMMARY_COLUMNS.slice(1).map(() => '')]);
  return stringify(rows, { bom: true, delimiter, header: true, columns: [...SUMMARY_COLUMNS], record_delimiter: 'windows' });
}

export function summaryJson(result: ScanResult, options: Record<string, unknown>): string {
  const zone = result.config.zone;
  const t = result.totals;
  const { customer: _all, ...totalsRow } = summaryRow({ ...t, customer: '' }, zone);
  const obj = {
    root: result.config.root,
    scannedAt: formatIso(zone, result.startedAt.getTime()),
    finishedAt: formatIso(zone, result.finishedAt.getTime()),
    partial: result.partial,
    options,
    totals: {
      customers: t.customers,
      ...totalsRow,
      formats: Object.fromEntries(t.formats),
      symbolic_links_skipped: result.linksSkipped,
      special_files_skipped: result.specialSkipped,
      unreadable_folders: result.unreadableFolders,
      unmatched_files: result.unmatched,
      sparse_files: t.sparseFiles,
    },
    atimes_kept: { folders: result.noatime.folders, files_not_kept: result.noatime.filesRefused },
    customers: result.customers.map((c) => ({
      ...summaryRow(c, zone),
      formats: Object.fromEntries(c.formats),
      months: Object.fromEntries(c.months.map(([m, v]) => [m, { audio_files: v.audio, audio_seconds: Number(v.seconds.toFixed(3)) }])),
      date_sources: Object.fromEntries(c.dateSources),
      sparse_files: c.sparseFiles,
    })),
  };
  return JSON.stringify(obj, null, 2) + '\n';
}
