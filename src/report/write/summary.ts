/**
 * The per-row summary as CSV (for the notification spreadsheet) and as JSON.
 *
 * Numbers in the CSV are written so that no spreadsheet, in a dot-decimal or a comma-decimal locale,
 * reads them as a different number: counts and audio_seconds are whole numbers (whole seconds: a sum of
 * hours of calls needs no milliseconds, and a whole number has no separator to misread), hours have
 * exactly two decimals (a comma with --delimiter ';'), never three digits after the separator, which an
 * en-US reader takes for a thousands group (785064,665 → 785,064,665). Text cells are always quoted, so
 * that LibreOffice's "Format quoted field as text" keeps a key's leading zero (0812345001); the JSON
 * keeps full precision, and the workbook (--xlsx) is the safe route for spreadsheets.
 *
 * Both are made in pieces (summaryCsvChunks, summaryJsonChunks) of some 60 KB, each
 * row built from the report as it is written: a summary of a million customers is written through a
 * stream, never held whole (a million rows' JSON is ~1.5 GB of text). Joined, the pieces are the text
 * summaryCsvOf and summaryJsonOf return, byte for byte.
 */
import { stringify } from 'csv-stringify/sync';
import type { ScanResult } from '../../scan/engine.js';
import { numberCell, roundToSum, safeText } from './cells.js';
import { READ_FIGURES, SUMMARY_COLUMNS, TEXT_COLUMNS, summaryRow, type SummaryRow } from './rows.js';
import { formatIso } from '../../scan/place/date/zone.js';
import { notifyReport, type NotifyOptions, type NotifyReport, type NotifyRow } from '../notify/notify.js';
import { method, type MethodContext } from '../notify/method.js';
import { completenessCell, gapPhrases, runCompleteness, runGaps, type ReportedResult } from '../notify/completeness.js';
import { categoriesOf } from '../notify/facts.js';

export type Delimiter = ',' | ';';

/** The row added at the end of a CSV of a scan that was stopped early. */
const PARTIAL_MARK = '(PARTIAL SCAN: stopped before the end; every figure is a lower bound)';

/** a text cell: quoted in the CSV */
class Text {
  constructor(readonly value: string) {}
}

/** A row's values rounded as written: whole seconds, hundredths of hours. */
interface Rounded {
  seconds: number;
  /** in hundredths */
  hours: number;
  pastHours: number | null;
}

/** Rows to a piece of the CSV text (~60 KB: csv-stringify has a cost per call). */
export const ROWS_PER_CHUNK = 500;
/**
 * Characters to a piece of the JSON text (~45 rows): a piece short-lived enough to die young. Pieces
 * of 500 rows (~750 KB) outlived the young generation's collections while they were written, and at
 * 1,000,000 rows the old generation's garbage swung the process between 1.4 and 2.7 GB.
 */
const JSON_PIECE_CHARS = 64 * 1024;

/**
 * Figures that were not read are written empty, never 0: a row with nothing found where part of
 * the tree that could hold it was not read (its completeness cell says why).
 */
function csvCells(s: SummaryRow, rounded: Rounded, delimiter: Delimiter): (Text | string)[] {
  const blank = s.not_read;
  const int = (n: number | null): string => (n === null || blank ? '' : String(n));
  const hundredths = (n: number | null): string => (n === null || blank ? '' : numberCell(n / 100, 2, delimiter));
  const cells: Record<(typeof SUMMARY_COLUMNS)[number], string> = {
    customer: s.customer,
    controller: s.controller,
    org_id: s.org_id,
    completeness: s.completeness,
    files: int(s.files),
    audio_files: int(s.audio_files),
    other_files: int(s.other_files),
    unreadable_files: int(s.unreadable_files),
    bytes: int(s.bytes),
    audio_seconds: int(rounded.seconds),
    audio_hours: hundredths(rounded.hours),
    first_recording: s.first_recording,
    last_recording: s.last_recording,
    distinct_callers: int(s.distinct_callers),
    withheld_caller_calls: int(s.withheld_caller_calls),
    retention_days: s.retention_days.length === 1 ? String(s.retention_days[0]) : s.retention_days.join('; '),
    past_retention_files: int(s.past_retention_files),
    past_retention_hours: hundredths(rounded.pastHours),
    formats: s.formats,
    // the reason itself, not a figure of what was read: written in every row
    unreadable_folders: String(s.unreadable_folders),
    hard_links: int(s.hard_links),
  };
  return SUMMARY_COLUMNS.map((c) => {
    const v = cells[c];
    return TEXT_COLUMNS.has(c) || (c === 'retention_days' && s.retention_days.length > 1) ? new Text(safeText(v)) : v;
  });
}

/**
 * The rows' rounded seconds and hours, so that each column adds up to its total as written (largest
 * remainder: cells.ts); the total is rounded as usual. One pass over the rows, keeping three numbers
 * a row (the total's last); rounded(i, row) gives row i's cells.
 */
function roundedColumns(report: NotifyReport): (i: number, r: NotifyRow) => Rounded {
  const n = report.rowCount;
  const micros = new Float64Array(n);
  const past = new Float64Array(n);
  let i = 0;
  for (const r of report.eachRow()) {
    micros[i] = r.audioMicros;
    past[i++] = r.pastRetentionMicros ?? 0;
  }
  const total = report.total;
  const col = (values: Float64Array, unit: number, t: number): number[] => {
    const out = roundToSum(
      values.map((v) => v / unit),
      t / unit,
    );
    out.push(Math.round(t / unit));
    return out;
  };
  const seconds = col(micros, 1e6, total.audioMicros);
  const hours = col(micros, 3.6e7, total.audioMicros);
  const pastHours = col(past, 3.6e7, total.pastRetentionMicros ?? 0);
  return (j, r) => ({
    seconds: seconds[j]!,
    hours: hours[j]!,
    pastHours: r.pastRetentionMicros === undefined ? null : pastHours[j]!,
  });
}

const csvOptions = (delimiter: Delimiter, first: boolean) =>
  ({
    bom: first,
    delimiter,
    header: first,
    columns: [...SUMMARY_COLUMNS],
    record_delimiter: 'windows',
    cast: { object: (v: object) => ({ value: (v as unknown as Text).value, quoted: true }) },
  }) as const;

/** The summary CSV in pieces of whole lines (the header and BOM in the first). */
export function* summaryCsvChunks(
  report: NotifyReport,
  result: ScanResult,
  delimiter: Delimiter = ',',
): Generator<string> {
  const zone = result.config.zone;
  const rounded = roundedColumns(report);
  let batch: (Text | string)[][] = [];
  let first = true;
  const flush = (): string => {
    const text = stringify(batch, csvOptions(delimiter, first));
    first = false;
    batch = [];
    return text;
  };
  let i = 0;
  for (const r of report.eachRow()) {
    batch.push(csvCells(summaryRow(r, zone, report.scope), rounded(i++, r), delimiter));
    if (batch.length >= ROWS_PER_CHUNK) yield flush();
  }
  batch.push(csvCells(summaryRow(report.total, zone, report.scope), rounded(i, report.total), delimiter));
  if (result.partial) batch.push([new Text(PARTIAL_MARK), ...SUMMARY_COLUMNS.slice(1).map(() => '')]);
  yield flush();
}

export function summaryCsvOf(report: NotifyReport, result: ScanResult, delimiter: Delimiter = ','): string {
  return [...summaryCsvChunks(report, result, delimiter)].join('');
}

/** The summary CSV of a scan (the UI's export and --csv). */
export function summaryCsv(result: ScanResult, delimiter: Delimiter = ',', opts: NotifyOptions = {}): string {
  return summaryCsvOf(notifyReport(result, opts), result, delimiter);
}

/** The row's counts, null where they were not read (see csvCells); sparse_files is the JSON's own. */
const NUMBER_FIELDS = [...READ_FIGURES, 'sparse_files'];

function jsonRow(
  r: NotifyRow,
  zone: string,
  o: NotifyOptions,
  scope?: ReportedResult['scope'],
): Record<string, unknown> {
  const { not_read, ...s } = summaryRow(r, zone, scope);
  const row = jsonFields(r, s, zone, o);
  if (not_read) {
    for (const k of NUMBER_FIELDS) row[k] = null;
    row.subjects = { ...r.subjects, min: null, max: null };
    row.formats = null;
    row.months = null;
    row.date_sources = null;
    row.callers_by_country = null;
  }
  return row;
}

function jsonFields(
  r: NotifyRow,
  s: Omit<SummaryRow, 'not_read'>,
  zone: string,
  o: NotifyOptions,
): Record<string, unknown> {
  const cats = categoriesOf(r, o.facts, o.lang ?? 'en');
  return {
    ...s,
    not_read: r.completeness ? r.files === 0 && !r.completeness.complete : null,
    keys: r.keys,
    kind: r.kind,
    contact: r.contact,
    data_subject_categories: cats.subjects ?? null,
    personal_data_categories: cats.data ?? null,
    audio_seconds: Number(s.audio_seconds.toFixed(6)),
    retention_days:
      s.retention_days.length === 0 ? null : s.retention_days.length === 1 ? s.retention_days[0] : s.retention_days,
    oldest_past_retention: r.oldestPastRetentionMs === undefined ? null : formatIso(zone, r.oldestPastRetentionMs),
    callers_deduplicated: r.callersDeduplicated,
    callers_by_country: r.callersByCountry ? Object.fromEntries(r.callersByCountry) : null,
    subjects: r.subjects,
    sparse_files: r.sparseFiles,
    formats: Object.fromEntries(r.formats),
    months: Object.fromEntries(r.months.map(([m, v]) => [m, { audio_files: v.audio, audio_seconds: v.micros / 1e6 }])),
    date_sources: Object.fromEntries(r.dateSources),
  };
}

/**
 * The summary JSON in pieces: the text of JSON.stringify(summary, null, 2) + "\n", with the customers
 * (the last field) written some 45 rows at a time, each row stringified as it is built.
 */
export function* summaryJsonChunks(
  report: NotifyReport,
  result: ScanResult,
  options: Record<string, unknown>,
  ctx: MethodContext,
): Generator<string> {
  const zone = result.config.zone;
  const scope = (result as ReportedResult).scope;
  const { customer: _t, ...total } = jsonRow(report.total, zone, report.options, scope);
  const run = runCompleteness(runGaps(result, report.options.register));
  // customers last: the text before it is the head, then the array row by row
  const head = JSON.stringify(
    {
      root: result.config.root,
      scannedAt: formatIso(zone, result.startedAt.getTime()),
      finishedAt: formatIso(zone, result.finishedAt.getTime()),
      partial: result.partial,
      completeness: completenessCell(run),
      incomplete_because: gapPhrases(run),
      scope: scope ? { chosen: scope.label, rows: scope.rows, of: scope.of } : null,
      options,
      method: method(result, report, ctx),
      totals: {
        customers: result.totals.customers,
        rows: report.rowCount,
        ...total,
        symbolic_links_skipped: result.linksSkipped,
        special_files_skipped: result.specialSkipped,
        unreadable_folders: result.unreadableFolders,
        unmatched_files: result.unmatched,
      },
      atimes_kept: { folders: result.noatime.folders, files_not_kept: result.noatime.filesRefused },
      customers: 0,
    },
    null,
    2,
  );
  // the head ends `"customers": 0\n}`: the 0 is where the array goes
  const tail = '0\n}';
  if (!head.endsWith(tail)) throw new Error('summary JSON: the customers field is not last');
  let piece = head.slice(0, -tail.length) + '[';
  let n = 0;
  for (const r of report.eachRow()) {
    // a row nested two levels deep: every line of its own text indented by four more spaces (a string
    // holds no raw newline: JSON.stringify escapes it)
    piece +=
      (n ? ',' : '') +
      '\n    ' +
      JSON.stringify(jsonRow(r, zone, report.options, scope), null, 2).replaceAll('\n', '\n    ');
    n++;
    if (piece.length >= JSON_PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  yield piece + (n ? '\n  ]' : ']') + '\n}\n';
}

function summaryJsonOf(
  report: NotifyReport,
  result: ScanResult,
  options: Record<string, unknown>,
  ctx: MethodContext,
): string {
  return [...summaryJsonChunks(report, result, options, ctx)].join('');
}

export function summaryJson(
  result: ScanResult,
  options: Record<string, unknown>,
  opts: NotifyOptions = {},
  ctx: MethodContext = { version: '' },
): string {
  return summaryJsonOf(notifyReport(result, opts), result, options, ctx);
}
