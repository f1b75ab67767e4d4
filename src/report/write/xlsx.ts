/**
 * The workbook (--xlsx, and the UI's export to a name ending in .xlsx): the route that keeps keys,
 * numbers and dates right in every spreadsheet and locale, because each cell carries its type.
 *
 * Writer: xlsx-stream.ts, which writes each sheet's rows as they are made and zips them (yazl) as they
 * come (write-excel-file, used before, built the whole workbook as strings: a million customers'
 * Summary sheet is more than a JavaScript string holds; why no library writes it, see there). Typed cells (text, number, date) with a number format
 * per column are all this needs. No formula cell is ever written: every value goes in as a String,
 * Number or Date cell. The rows are made afresh for each sheet (report.eachRow), never all kept.
 *
 * Dates are date cells showing the wall-clock time in the scan's zone (a spreadsheet date has no
 * zone), each beside the same instant as text with its offset, as the JSON writes it. Headings, sheet
 * names and words follow --lang (lang/); the Facts sheet holds the case facts (--facts).
 */
import { PassThrough } from 'node:stream';
import { writeXlsxStream, type XlsxRow as Row, type XlsxSheet } from './xlsx-stream.js';
import type { ScanResult } from '../../scan/engine.js';
import { formatIso, offsetMinutes } from '../../scan/place/date/zone.js';
import type { NotifyReport, NotifyRow } from '../notify/notify.js';
import { subjectInputs } from '../notify/notify.js';
import { customerCell, formatsText } from './rows.js';
import { completenessCell, notRead, type ExportScopeInfo } from '../notify/completeness.js';
import { methodLines, type Method } from '../notify/method.js';
import type { Output } from '../output/atomic.js';
import { categoriesOf, inLang, type Facts, type Text, type TomlInstant } from '../notify/facts.js';
import { strings, type Lang, type Strings } from '../lang/index.js';
import { subjectsMethod } from '../notify/subjects.js';
import { visibleBidi } from './cells.js';

/** A Date whose UTC fields are the wall clock in zone (what a spreadsheet date cell shows). */
function wallDate(zone: string, ms: number): Date {
  return new Date(ms + offsetMinutes(zone, ms) * 60_000);
}

// typed text cells: a name such as =cmd is text in a workbook (no quote prefix needed, so none is added)
// every text cell: bidi controls in names shown as visible escapes (cells.ts)
const text = (v: string) => ({ type: String, value: visibleBidi(v) }) as const;
const textOrNull = (v: string | undefined | null) => (v ? text(v) : null);
const intCell = (v: number | undefined | null) =>
  v === undefined || v === null ? null : ({ type: Number, value: v, format: '#,##0' } as const);
const decCell = (v: number | undefined | null, format: string) =>
  v === undefined || v === null ? null : ({ type: Number, value: v, format } as const);
const bold = (v: string) => ({ type: String, value: v, fontWeight: 'bold' }) as const;
const dateCell = (zone: string, ms: number | undefined) =>
  ms === undefined ? null : ({ type: Date, value: wallDate(zone, ms), format: 'yyyy-mm-dd hh:mm:ss' } as const);
/** the same instant as text with its offset (a date cell has no zone): what the JSON writes */
const zoned = (zone: string, ms: number | undefined) => (ms === undefined ? null : text(formatIso(zone, ms)));

/** seconds and hours formatted by magnitude: 9,622.5 s and 2.67 h, never 9622.00 */
const SECONDS = '#,##0.0';
const HOURS = '#,##0.00';

type Column = Exclude<keyof Strings['workbook']['col'], 'month' | 'recordings' | 'hours' | 'country' | 'callers'>;

/** The Summary sheet's columns and widths, in order: every figure the JSON has per row. */
const SUMMARY: [Column, number][] = [
  ['customer', 24],
  ['kind', 16],
  ['controller', 28],
  ['org_id', 14],
  ['contact', 24],
  ['data_subject_categories', 24],
  ['personal_data_categories', 24],
  ['completeness', 40],
  ['files', 9],
  ['audio_files', 11],
  ['other_files', 9],
  ['unreadable_files', 10],
  ['bytes', 14],
  ['audio_seconds', 13],
  ['audio_hours', 11],
  ['first_recording', 19],
  ['first_recording_text', 26],
  ['last_recording', 19],
  ['last_recording_text', 26],
  ['subjects_min', 11],
  ['subjects_max', 11],
  ['subjects_precision', 16],
  ['subjects_method', 50],
  ['distinct_callers', 11],
  ['callers_deduplicated', 11],
  ['withheld_caller_calls', 11],
  ['retention_days', 10],
  ['past_retention_files', 11],
  ['past_retention_seconds', 13],
  ['past_retention_hours', 11],
  ['oldest_past_retention', 19],
  ['oldest_past_retention_text', 26],
  ['formats', 30],
  ['date_sources', 40],
  ['unreadable_folders', 10],
  ['hard_links', 10],
  ['sparse_files', 10],
];

/**
 * One Summary row. Numbers are the exact values (the cell's format rounds what is shown), so the
 * spreadsheet's own SUM of a column is the total row. A row that was not read (nothing found, and
 * part of the tree that could hold it not read) has empty figure cells, never zeros.
 */
function summaryCells(r: NotifyRow, zone: string, lang: Lang, facts: Facts | undefined, scope?: ExportScopeInfo): Row {
  const L = strings(lang);
  const blank = notRead(r.files, r.completeness);
  const int = (v: number | undefined | null) => (blank ? null : intCell(v));
  const dec = (v: number | undefined | null, format: string) => (blank ? null : decCell(v, format));
  const cats = categoriesOf(r, facts, lang);
  const callers = r.distinctCallers !== undefined;
  const cells: Record<Column, Row[number]> = {
    customer: text(customerCell(r, scope)),
    kind: text(L.kind[r.kind]),
    controller: text(r.controller),
    org_id: text(r.org_id),
    contact: text(r.contact),
    data_subject_categories: textOrNull(cats.subjects),
    personal_data_categories: textOrNull(cats.data),
    completeness: r.completeness ? text(completenessCell(r.completeness, lang)) : null,
    files: int(r.files),
    audio_files: int(r.audioFiles),
    other_files: int(r.otherFiles),
    unreadable_files: int(r.unreadableFiles),
    bytes: int(r.bytes),
    audio_seconds: dec(r.audioMicros / 1e6, SECONDS),
    audio_hours: dec(r.audioMicros / 3.6e9, HOURS),
    first_recording: dateCell(zone, r.firstMs),
    first_recording_text: zoned(zone, r.firstMs),
    last_recording: dateCell(zone, r.lastMs),
    last_recording_text: zoned(zone, r.lastMs),
    subjects_min: int(r.subjects.min),
    subjects_max: int(r.subjects.max),
    subjects_precision: text(L.precision[r.subjects.precision]),
    subjects_method: text(subjectsMethod(subjectInputs(r), lang, r.completeness?.complete, r.files)),
    distinct_callers: int(r.distinctCallers),
    // text, not a Boolean cell: LibreOffice saves a Boolean again as a formula, =TRUE()
    callers_deduplicated: callers ? text(r.callersDeduplicated ? L.yes : L.no) : null,
    withheld_caller_calls: callers ? int(r.withheldCallerCalls) : null,
    retention_days:
      r.retentionDays.length === 1
        ? intCell(r.retentionDays[0])
        : r.retentionDays.length
          ? text(r.retentionDays.join('; '))
          : null,
    past_retention_files: int(r.pastRetentionFiles),
    past_retention_seconds: r.pastRetentionMicros === undefined ? null : dec(r.pastRetentionMicros / 1e6, SECONDS),
    past_retention_hours: r.pastRetentionMicros === undefined ? null : dec(r.pastRetentionMicros / 3.6e9, HOURS),
    oldest_past_retention: dateCell(zone, r.oldestPastRetentionMs),
    oldest_past_retention_text: zoned(zone, r.oldestPastRetentionMs),
    formats: blank ? null : textOrNull(formatsText(r.formats)),
    date_sources: blank
      ? null
      : textOrNull(r.dateSources.map(([k, n]) => L.dateRuleCount(String(n), L.dateRule[k] ?? k)).join('; ')),
    unreadable_folders: intCell(r.unreadableFolders),
    hard_links: int(r.hardLinks),
    sparse_files: int(r.sparseFiles),
  };
  return SUMMARY.map(([c]) => cells[c]);
}

/** The Facts sheet: each item in the language, "to be completed" where the file does not give it. */
function factsSheet(facts: Facts | undefined, lang: Lang, zone: string): Row[] {
  const L = strings(lang);
  const W = L.workbook;
  const T = W.facts;
  const rows: Row[] = [[bold(W.item), bold(W.value), bold(W.asWritten)]];
  rows.push([text(T.file), text(facts ? facts.file : T.none), null]);
  const t = (label: string, v: Text | undefined) => rows.push([text(label), text(inLang(v, lang) ?? L.tbc), null]);
  const d = (label: string, v: TomlInstant | undefined) =>
    rows.push([text(label), v ? dateCell(zone, v.ms) : text(L.tbc), v ? text(v.text) : null]);
  const f = facts;
  t(T.tree_name, f?.tree_name ?? L.treeDefault);
  t(T.processor_name, f?.processor.name);
  t(T.processor_org_id, f?.processor.org_id);
  t(T.processor_contact, f?.processor.contact);
  t(T.processor_dpo, f?.processor.dpo);
  const kind = f?.notification.kind;
  t(T.kind, kind && (kind === 'initial' ? L.statement.initial : L.statement.followUp));
  t(T.earlier_reference, f?.notification.earlier_reference);
  d(T.earlier_date, f?.notification.earlier_date);
  t(T.nature, f?.breach.nature);
  t(T.how_found, f?.breach.how_found);
  d(T.discovered, f?.breach.discovered);
  d(T.exposure_start, f?.breach.exposure_start);
  d(T.exposure_end, f?.breach.exposure_end);
  const u = f?.breach.unintelligible;
  t(T.unintelligible, u === undefined ? undefined : u ? L.yes : L.no);
  t(T.unintelligible_how, f?.breach.unintelligible_how);
  t(T.consequences, f?.consequences);
  t(T.measures_taken, f?.measures.taken);
  t(T.measures_proposed, f?.measures.proposed);
  t(T.data_subject_categories, f?.data_subject_categories);
  t(T.personal_data_categories, f?.personal_data_categories);
  t(T.advice_to_data_subjects, f?.advice_to_data_subjects);
  return rows;
}

function workbookSheets(report: NotifyReport, result: ScanResult, m: Method): XlsxSheet[] {
  const zone = result.config.zone;
  const lang = report.options.lang ?? 'en';
  const facts = report.options.facts;
  const W = strings(lang).workbook;
  const C = W.col;
  // each sheet takes the rows afresh when it is written: a million rows are never held together
  const summary = function* (): Generator<Row> {
    for (const r of report.eachRow()) yield summaryCells(r, zone, lang, facts, report.scope);
    yield summaryCells(report.total, zone, lang, facts, report.scope);
    if (result.partial) yield [text(W.partial)];
  };
  const months = function* (): Generator<Row> {
    for (const r of report.eachRow()) {
      if (notRead(r.files, r.completeness)) continue;
      for (const [month, v] of r.months)
        yield [
          text(customerCell(r)),
          text(r.controller),
          text(month),
          intCell(v.audio),
          decCell(v.micros / 3.6e9, HOURS),
        ];
    }
  };
  const countries = function* (): Generator<Row> {
    for (const r of report.eachRow()) {
      if (notRead(r.files, r.completeness)) continue;
      for (const [country, n] of r.callersByCountry ?? [])
        yield [text(customerCell(r)), text(r.controller), text(country), intCell(n)];
    }
  };
  const widths = (n: number[]) => n.map((width) => ({ width }));
  return [
    {
      sheet: W.sheets.summary,
      header: SUMMARY.map(([c]) => bold(C[c])),
      rows: { [Symbol.iterator]: summary },
      columns: widths(SUMMARY.map(([, w]) => w)),
      stickyRowsCount: 1,
    },
    {
      sheet: W.sheets.months,
      header: [C.customer, C.controller, C.month, C.recordings, C.hours].map(bold),
      rows: { [Symbol.iterator]: months },
      columns: widths([24, 28, 10, 12, 12]),
      stickyRowsCount: 1,
    },
    {
      sheet: W.sheets.countries,
      header: [C.customer, C.controller, C.country, C.callers].map(bold),
      rows: { [Symbol.iterator]: countries },
      columns: widths([24, 28, 10, 14]),
      stickyRowsCount: 1,
    },
    { sheet: W.sheets.facts, rows: factsSheet(facts, lang, zone), columns: widths([40, 80, 28]) },
    {
      sheet: W.sheets.method,
      rows: [
        [bold(W.item), bold(W.value)],
        ...methodLines(m, report, result, lang).map(([k, v]) => [text(k), text(v)]),
      ],
      columns: widths([34, 120]),
    },
  ];
}

/**
 * The most rows a sheet can hold, its header row included: Excel's limit (2^20), which LibreOffice
 * shares. A workbook with a longer sheet is refused or cut by both, so longer sheets are split:
 * "Months", "Months (2)", … each with the header (xlsx-stream.ts).
 */
export const SHEET_ROWS = 1_048_576;

const FONT = { name: 'Arial', size: 10 };

/** The note ending a text longer than a cell holds (xlsx-stream.ts), in the report's language. */
const cutNote =
  (report: NotifyReport) =>
  (left: number): string => {
    const lang = report.options.lang ?? 'en';
    return strings(lang).workbook.cut(left.toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-US'));
  };

/** The workbook as bytes (the tests read it back; a run writes it through writeWorkbook). */
export async function workbookBuffer(
  report: NotifyReport,
  result: ScanResult,
  m: Method,
  maxRows = SHEET_ROWS,
): Promise<Buffer> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (b: Buffer) => parts.push(b));
  await writeXlsxStream(out, workbookSheets(report, result, m), { font: FONT, maxRows, cut: cutNote(report) });
  out.end();
  return Buffer.concat(parts);
}

/** Write the workbook into an output opened before (atomically for a file: temporary file, fsync, rename). */
export async function writeWorkbook(
  file: Output,
  report: NotifyReport,
  result: ScanResult,
  m: Method,
  stopped?: () => boolean,
): Promise<void> {
  try {
    await writeXlsxStream(file.stream, workbookSheets(report, result, m), {
      font: FONT,
      maxRows: SHEET_ROWS,
      stopped,
      cut: cutNote(report),
    });
    await file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
}
