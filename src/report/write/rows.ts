/** The summary's fields, shared by the CSV, JSON and workbook writers (and the UI's export). */
import { formatIso } from '../../scan/place/date/zone.js';
import type { NotifyRow } from '../notify/notify.js';
import { completenessCell, notRead, type ExportScopeInfo } from '../notify/completeness.js';

export const SUMMARY_COLUMNS = [
  'customer',
  'controller',
  'org_id',
  'completeness',
  'files',
  'audio_files',
  'other_files',
  'unreadable_files',
  'bytes',
  'audio_seconds',
  'audio_hours',
  'first_recording',
  'last_recording',
  'distinct_callers',
  'withheld_caller_calls',
  'retention_days',
  'past_retention_files',
  'past_retention_hours',
  'formats',
  'unreadable_folders',
  'hard_links',
] as const;

/** Columns whose cells are text (a key such as 0812345001 keeps its leading zero). */
export const TEXT_COLUMNS = new Set<string>([
  'customer',
  'controller',
  'org_id',
  'completeness',
  'first_recording',
  'last_recording',
  'formats',
]);

/**
 * The fields that are figures of what was read: written empty (JSON: null) in a row where nothing was
 * read and part of the tree that could hold it was not (not_read). unreadable_folders is not one: it is
 * the reason, written in every row.
 */
export const READ_FIGURES: readonly (keyof SummaryRow)[] = [
  // every number column but the reason and the retention that applies (a setting, not a finding)
  ...SUMMARY_COLUMNS.filter((c) => !TEXT_COLUMNS.has(c) && c !== 'retention_days' && c !== 'unreadable_folders'),
  'past_retention_seconds',
];

/** One row in its exact figures; the writers round (the JSON keeps full precision). */
export interface SummaryRow {
  customer: string;
  controller: string;
  org_id: string;
  /** "complete", or "incomplete: " and why (completeness.ts); "" where the gaps are not known */
  completeness: string;
  /** nothing found, and part of the tree that could hold the row was not read: its figures are written empty */
  not_read: boolean;
  files: number;
  audio_files: number;
  other_files: number;
  unreadable_files: number;
  bytes: number;
  /** exact (µs precision) */
  audio_seconds: number;
  audio_hours: number;
  first_recording: string;
  last_recording: string;
  distinct_callers: number | null;
  withheld_caller_calls: number | null;
  /** one value, or several when the row's keys have different retention; empty: none known */
  retention_days: number[];
  past_retention_files: number | null;
  past_retention_seconds: number | null;
  past_retention_hours: number | null;
  formats: string;
  unreadable_folders: number;
  hard_links: number;
}

export function formatsText(formats: [string, number][]): string {
  return formats.map(([k, n]) => `${k} ${n}`).join('; ');
}

/**
 * The customer column: the key, or with a register the row's keys joined; the total "(total)", or
 * for an export of part of the summary what it covers: "(total of 1 of 4 rows: filter "amb")".
 */
export function customerCell(r: NotifyRow, scope?: ExportScopeInfo): string {
  if (r.kind !== 'total') return r.keys.join('; ');
  return scope ? `(total of ${scope.rows} of ${scope.of} rows: ${scope.label})` : '(total)';
}

export function summaryRow(r: NotifyRow, zone: string, scope?: ExportScopeInfo): SummaryRow {
  return {
    customer: customerCell(r, scope),
    controller: r.controller,
    org_id: r.org_id,
    completeness: r.completeness ? completenessCell(r.completeness) : '',
    not_read: notRead(r.files, r.completeness),
    files: r.files,
    audio_files: r.audioFiles,
    other_files: r.otherFiles,
    unreadable_files: r.unreadableFiles,
    bytes: r.bytes,
    audio_seconds: r.audioMicros / 1e6,
    audio_hours: r.audioMicros / 3.6e9,
    first_recording: r.firstMs === undefined ? '' : formatIso(zone, r.firstMs),
    last_recording: r.lastMs === undefined ? '' : formatIso(zone, r.lastMs),
    distinct_callers: r.distinctCallers ?? null,
    withheld_caller_calls: r.distinctCallers === undefined ? null : r.withheldCallerCalls,
    retention_days: r.retentionDays,
    past_retention_files: r.pastRetentionFiles ?? null,
    past_retention_seconds: r.pastRetentionMicros === undefined ? null : r.pastRetentionMicros / 1e6,
    past_retention_hours: r.pastRetentionMicros === undefined ? null : r.pastRetentionMicros / 3.6e9,
    formats: formatsText(r.formats),
    unreadable_folders: r.unreadableFolders,
    hard_links: r.hardLinks,
  };
}
