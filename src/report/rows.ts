/** The summary's fields, shared by the CSV and JSON writers (and the UI's export). */
import type { CustomerTotals } from '../scan/aggregate.js';
import type { ScanResult } from '../scan/engine.js';
import { formatIso } from '../scan/date/zone.js';

export const SUMMARY_COLUMNS = [
  'customer', 'files', 'audio_files', 'other_files', 'unreadable_files', 'bytes', 'audio_seconds',
  'audio_hours', 'first_recording', 'last_recording', 'distinct_callers', 'formats',
  'unreadable_folders', 'hard_links',
] as const;

export type SummaryRow = {
  customer: string;
  files: number;
  audio_files: number;
  other_files: number;
  unreadable_files: number;
  bytes: number;
  audio_seconds: number;
  audio_hours: number;
  first_recording: string;
  last_recording: string;
  distinct_callers: number | null;
  formats: string;
  unreadable_folders: number;
  hard_links: number;
};

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function formatsText(formats: Array<[string, number]>): string {
  return formats.map(([k, n]) => `${k} ${n}`).join('; ');
}

export function summaryRow(c: Omit<CustomerTotals, 'months' | 'dateSources' | 'unreadableExamples' | 'kind'> & { customer: string }, zone: string): SummaryRow {
  return {
    customer: c.customer,
    files: c.files,
    audio_files: c.audioFiles,
    other_files: c.otherFiles,
    unreadable_files: c.unreadableFiles,
    bytes: c.bytes,
    audio_seconds: round(c.audioSeconds, 3),
    audio_hours: round(c.audioSeconds / 3600, 2),
    first_recording: c.firstMs === undefined ? '' : formatIso(zone, c.firstMs),
    last_recording: c.lastMs === undefined ? '' : formatIso(zone, c.lastMs),
    distinct_callers: c.distinctCallers ?? null,
    formats: formatsText(c.formats),
    unreadable_folders: c.unreadableFolders,
    hard_links: c.hardLinks,
  };
}

export function summaryRows(result: ScanResult): SummaryRow[] {
  return result.customers.map((c) => summaryRow(c, result.config.zone));
}
