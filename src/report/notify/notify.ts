/**
 * The notification rows: one per controller when a register is given (its keys merged, callers
 * de-duplicated across them), one per key otherwise; keys the register does not know, files the pattern
 * did not match and files above the customer level get rows of their own. Plus a total row, callers
 * de-duplicated across every row. Plain data: the CSV, JSON, workbook, statements and the UI all read it.
 */
import type { ScanResult } from '../../scan/engine.js';
import { rowLabel, type CustomerTotals } from '../../scan/tally/aggregate.js';
import { availability, availabilityOf, type Availability } from './model.js';
import { sumFigures, type Figures } from '../../scan/tally/figures.js';
import type { Register } from './register.js';
import type { Facts } from './facts.js';
import type { Lang } from '../lang/index.js';
import type { FollowUp } from '../../case/diff.js';
import { daysFor, type RetentionPlan } from './retention.js';
import { byCountry, normalisedSet, subjects, subjectsMethod, type SubjectInputs, type Subjects } from './subjects.js';
import {
  hasCustomer,
  rowCompleteness,
  runCompleteness,
  runGaps,
  type ExportScopeInfo,
  type ReportedResult,
  type RowCompleteness,
  type RunGaps,
} from './completeness.js';

type NotifyKind = 'controller' | 'unregistered' | 'customer' | 'unmatched' | 'top-level' | 'total';

/**
 * A notification row: the figures of the engine's rows it groups (summed by sumFigures, in the same
 * units), who it is for, and what the notification derives from them.
 */
export interface NotifyRow extends Omit<Figures, 'pastRetentionFiles' | 'pastRetentionMicros'> {
  kind: NotifyKind;
  /** what the row is called: the controller, else the key */
  label: string;
  keys: string[];
  controller: string;
  org_id: string;
  contact: string;
  /** the register's (empty: the facts file's default applies, else "to be completed") */
  dataSubjectCategories: string;
  personalDataCategories: string;
  /** undefined when the pattern captures no caller */
  distinctCallers?: number;
  /** false when callers could not be de-duplicated across keys (the engine gave no caller sets): a sum */
  callersDeduplicated: boolean;
  /** the retention that applies, in days (several when the row's keys differ); empty: none known */
  retentionDays: number[];
  /** undefined when no retention applies to any of the row's keys */
  pastRetentionFiles?: number;
  pastRetentionMicros?: number;
  /** ISO country → distinct callers; undefined when callers are not counted or could not be placed */
  callersByCountry?: [string, number][];
  subjects: Subjects;
  /**
   * whether everything that could hold this row's files was read (completeness.ts); undefined where
   * the run's gaps are not known (the UI's live rows)
   */
  completeness?: RowCompleteness;
}

export interface NotifyOptions {
  register?: Register;
  retention?: RetentionPlan;
  /** --country: the default region for numbers written without a country code */
  country?: string;
  /** --facts: the case facts (what no tree can tell) */
  facts?: Facts;
  /** --lang: the statements', method.html's and the workbook's language (default en) */
  lang?: Lang;
  /** --from CASE --since M: the statements are follow-ups, each saying what changed since run M */
  followUp?: FollowUp;
}

/**
 * The rows of a report. A report of a million customers is written row by row (the CSV and JSON
 * writers take eachRow(): each row is built when it is written and dropped after), so that no output
 * holds every row at once; `rows` builds them all and keeps them, for the outputs that need them
 * together (the workbook, the statements, the UI).
 */
export interface NotifyReport {
  /** every row, built on first use and kept */
  readonly rows: NotifyRow[];
  /** how many rows there are (without building them) */
  readonly rowCount: number;
  /** the rows in order, each built as it is taken and not kept (the kept ones once `rows` was read) */
  eachRow(): Iterable<NotifyRow>;
  total: NotifyRow;
  availability: Availability;
  options: NotifyOptions;
  /** the run's gaps, when known (a finished or stopped scan's result) */
  gaps?: RunGaps;
  /** the whole run's completeness (the total row's) */
  completeness?: RowCompleteness;
  /** the rows are part of the summary (the UI's filtered or one-customer export) */
  scope?: ExportScopeInfo;
}

/** Rows merged into one (the caller sets united, never their sizes added, when the sets are there). */
function combine(
  parts: readonly CustomerTotals[],
  head: Pick<
    NotifyRow,
    'kind' | 'label' | 'keys' | 'controller' | 'org_id' | 'contact' | 'dataSubjectCategories' | 'personalDataCategories'
  >,
  o: NotifyOptions,
  avail: Availability,
  patternHasCaller: boolean,
): NotifyRow {
  // a row of zeros still has 0 callers when the pattern captures them
  let withCallers = patternHasCaller;
  let callerSum = 0;
  let sets = true;
  const keysets: ReadonlySet<string>[] = [];
  let retentionKnown = false;
  const days = new Set<number>();
  for (const k of head.keys) {
    const d = daysFor(o.retention, k);
    if (d !== undefined) days.add(d);
  }
  const withRetention: boolean[] = [];
  for (const r of parts) {
    const d = daysFor(o.retention, r.customer);
    withRetention.push(d !== undefined);
    if (d !== undefined) {
      retentionKnown = true;
      days.add(d);
    }
    if (r.distinctCallers !== undefined) {
      withCallers = true;
      callerSum += r.distinctCallers;
      if (r.callers) keysets.push(r.callers);
      else sets = false;
    }
  }
  // a row of zeros (a register controller with no files) still has its retention
  if (!parts.length && days.size) retentionKnown = true;
  let distinct: number | undefined;
  let countries: [string, number][] | undefined;
  const dedup = !withCallers || (sets && avail.callerSets);
  if (withCallers) {
    if (dedup) {
      const all = new Set<string>();
      for (const s of keysets) for (const k of normalisedSet(s, o.country)) all.add(k);
      distinct = all.size;
      countries = byCountry(all);
    } else distinct = callerSum;
  }
  const f = sumFigures(parts, { withRetention });
  // every field written out, not `...head` and then the rest: V8 turns an object spread followed by
  // two dozen new fields into a slow dictionary object (~100 µs a row here, 5,000 controllers' rows
  // on each UI update), while a literal of fixed shape costs a few µs
  return {
    kind: head.kind,
    label: head.label,
    keys: head.keys,
    controller: head.controller,
    org_id: head.org_id,
    contact: head.contact,
    dataSubjectCategories: head.dataSubjectCategories,
    personalDataCategories: head.personalDataCategories,
    files: f.files,
    audioFiles: f.audioFiles,
    otherFiles: f.otherFiles,
    opaqueFiles: f.opaqueFiles,
    unreadableFiles: f.unreadableFiles,
    unreadableFolders: f.unreadableFolders,
    hardLinks: f.hardLinks,
    sparseFiles: f.sparseFiles,
    unopenedFiles: f.unopenedFiles,
    bytes: f.bytes,
    audioMicros: f.audioMicros,
    firstMs: f.firstMs,
    lastMs: f.lastMs,
    withheldCallerCalls: f.withheldCallerCalls,
    oldestPastRetentionMs: f.oldestPastRetentionMs,
    formats: f.formats,
    months: f.months,
    dateSources: f.dateSources,
    distinctCallers: distinct,
    callersDeduplicated: dedup,
    retentionDays: [...days].sort((a, b) => a - b),
    pastRetentionFiles: retentionKnown && avail.retention ? f.pastRetentionFiles : undefined,
    pastRetentionMicros: retentionKnown && avail.retention ? f.pastRetentionMicros : undefined,
    callersByCountry: countries,
    subjects: subjects({
      distinctCallers: distinct,
      withheldCallerCalls: f.withheldCallerCalls,
      recordings: f.audioFiles + f.unreadableFiles,
    }),
    completeness: undefined,
  };
}

const blank = { controller: '', org_id: '', contact: '', dataSubjectCategories: '', personalDataCategories: '' };

export function notifyReport(result: ScanResult, o: NotifyOptions = {}): NotifyReport {
  return notifyRows(
    result.customers,
    result.totals.distinctCallers !== undefined,
    o,
    availability(result),
    runGaps(result, o.register),
    (result as ReportedResult).scope,
  );
}

/** A row's completeness from the run's gaps (set on the row: rows are built fresh for each report). */
function judgeRow(r: NotifyRow, gaps: RunGaps): NotifyRow {
  const c = rowCompleteness(gaps, r, r.kind, r.keys);
  r.completeness = c;
  r.subjects = judgedSubjects(r.subjects, r, c);
  return r;
}

/** The total's completeness: the whole run's. */
function judgeTotal(total: NotifyRow, gaps: RunGaps): RowCompleteness {
  const c = runCompleteness(gaps);
  total.subjects = judgedSubjects(total.subjects, total, c);
  return (total.completeness = c);
}

/** Data subjects of a row whose part of the tree was not all read: not known, or a lower bound. */
function judgedSubjects(s: Subjects, r: NotifyRow, c: RowCompleteness): Subjects {
  if (c.complete) return s;
  const method = subjectsMethod(subjectInputs(r), 'en', false, r.files);
  if (r.files === 0) return { min: 0, max: 0, precision: 'cannot be determined', method };
  // the form's tag, not only words in the method: a lawyer copies the tag into the authority's form
  // ('cannot be determined' stays: a lower bound of a number that cannot be determined says less)
  return { ...s, precision: s.precision === 'cannot be determined' ? s.precision : 'lower bound', method };
}

/** What a row's data subjects are counted from. */
export const subjectInputs = (r: NotifyRow): SubjectInputs => ({
  distinctCallers: r.distinctCallers,
  withheldCallerCalls: r.withheldCallerCalls,
  recordings: r.audioFiles + r.unreadableFiles,
});

/**
 * The same rows from per-key totals alone (for the UI, from a live snapshot's customers: rows are
 * controllers when a register is given, each with its keys). withCallers: the pattern captures {caller}.
 */
export function notifyRows(
  customers: readonly CustomerTotals[],
  withCallers: boolean,
  o: NotifyOptions = {},
  avail: Availability = availabilityOf(customers),
  gaps?: RunGaps,
  scope?: ExportScopeInfo,
): NotifyReport {
  return new Report(customers, withCallers, o, avail, gaps, scope);
}

/**
 * The report over the engine's rows, read in place (no copy of a row is kept): the total is summed
 * now, the rows are built when they are taken (see NotifyReport).
 */
class Report implements NotifyReport {
  readonly rowCount: number;
  private summed?: NotifyRow;
  private built?: NotifyRow[];
  /** with a register: a customer's index in `customers`, to find a controller's keys' rows */
  private readonly index?: Map<string, number>;

  constructor(
    private readonly customers: readonly CustomerTotals[],
    private readonly withCallers: boolean,
    readonly options: NotifyOptions,
    readonly availability: Availability,
    readonly gaps: RunGaps | undefined,
    readonly scope: ExportScopeInfo | undefined,
  ) {
    const o = options;
    if (o.register) {
      const index = new Map<string, number>();
      let n = o.register.controllers.length;
      for (let i = 0; i < customers.length; i++) {
        const r = customers[i]!;
        if (r.kind !== 'customer') n++;
        else {
          index.set(r.customer, i);
          if (!o.register.byKey.has(r.customer)) n++;
        }
      }
      this.index = index;
      this.rowCount = n;
    } else this.rowCount = customers.length;
  }

  /**
   * Summed when first asked: the UI asks a report of one controller's keys for its row alone, and
   * summing them twice (total and row) for each of 5,000 controllers at every snapshot held keys back
   */
  get total(): NotifyRow {
    if (this.summed) return this.summed;
    const total = combine(
      this.customers,
      { kind: 'total', label: '(total)', keys: [], ...blank },
      this.options,
      this.availability,
      this.withCallers,
    );
    if (this.gaps) judgeTotal(total, this.gaps);
    return (this.summed = total);
  }

  /** the whole run's completeness: the total's, judged with it */
  get completeness(): RowCompleteness | undefined {
    return this.gaps ? this.total.completeness : undefined;
  }

  get rows(): NotifyRow[] {
    return (this.built ??= [...this.make()]);
  }

  eachRow(): Iterable<NotifyRow> {
    return this.built ?? this.make();
  }

  /** The rows in order: a register's controllers, its unknown keys, the built-in rows; else one per row. */
  private *make(): Generator<NotifyRow> {
    const { customers, options: o, availability: avail, withCallers, gaps } = this;
    const judged = (r: NotifyRow): NotifyRow => (gaps ? judgeRow(r, gaps) : r);
    // a folder whose name could pass for a built-in row, e.g. "(unmatched)", is shown as "./(unmatched)"
    const special = (r: CustomerTotals): NotifyRow =>
      combine(
        [r],
        { kind: r.kind === 'customer' ? 'customer' : r.kind, label: rowLabel(r), keys: [rowLabel(r)], ...blank },
        o,
        avail,
        withCallers,
      );
    if (!o.register) {
      for (const r of customers) yield judged(special(r));
      return;
    }
    const index = this.index!;
    for (const c of o.register.controllers) {
      const parts: CustomerTotals[] = [];
      for (const k of c.keys) {
        const i = index.get(k);
        if (i !== undefined) parts.push(customers[i]!);
      }
      yield judged(
        combine(
          parts,
          {
            kind: 'controller',
            label: c.controller,
            keys: [...c.keys],
            controller: c.controller,
            org_id: c.org_id,
            contact: c.contact,
            dataSubjectCategories: c.data_subject_categories,
            personalDataCategories: c.personal_data_categories,
          },
          o,
          avail,
          withCallers,
        ),
      );
    }
    for (const r of customers) {
      if (r.kind !== 'customer' || o.register.byKey.has(r.customer)) continue;
      yield judged(
        combine(
          [r],
          { kind: 'unregistered', label: rowLabel(r), keys: [rowLabel(r)], ...blank },
          o,
          avail,
          withCallers,
        ),
      );
    }
    for (const r of customers) if (r.kind !== 'customer') yield judged(special(r));
  }
}

/**
 * How many of the register's keys name a customer found in the tree, the first that does not, and the
 * first customers found (with their number). Read off the result's rows, which are sorted by name, by
 * binary search: no list or set of a million names is made for it.
 */
export function registerCoverage(
  result: ScanResult,
  register: Register,
): { keys: number; found: number; firstMissing?: string; customers: { first: string[]; count: number } } {
  const rows = result.customers;
  let found = 0;
  let firstMissing: string | undefined;
  for (const e of register.entries) {
    if (hasCustomer(rows, e.key)) found++;
    else firstMissing ??= e.key;
  }
  const first: string[] = [];
  let count = 0;
  for (const r of rows) {
    if (r.kind !== 'customer') continue;
    count++;
    if (first.length < 3) first.push(r.customer);
  }
  return { keys: register.entries.length, found, firstMissing, customers: { first, count } };
}
