/**
 * The outputs of `--diff` (case/diff.ts): a CSV (one line per row, text cells made safe for
 * spreadsheets as every CSV leaktally writes, a total line) and a JSON document with the two runs.
 * Hours to two decimals in the CSV, seconds exact in the JSON.
 */
import { stringify } from 'csv-stringify/sync';
import type { DiffRow, RunDiff } from '../../case/diff.js';
import { rowLabel } from '../../scan/tally/aggregate.js';
import type { RowKind } from '../../scan/model.js';
import { numberCell, safeText } from './cells.js';
import type { Delimiter } from './summary.js';
import { escapeJson } from '../../scan/place/names.js';

const DIFF_COLUMNS = [
  'customer',
  'controller',
  'completeness',
  'files_before',
  'files_after',
  'files_added',
  'files_removed',
  'files_changed',
  'audio_hours_before',
  'audio_hours_after',
  'audio_hours_added',
  'audio_hours_removed',
  'audio_hours_changed',
  'callers_before',
  'callers_after',
  'callers_added',
  'callers_removed',
] as const;

/** What both runs were: the words every row carries, "complete" only when both runs were. */
export interface DiffContext {
  completeness: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** with a register: a controller's keys, as the summary lists them */
  keysOf?: (controller: string) => string[];
}

type FigureKey = Exclude<keyof DiffRow, 'kind' | 'customer' | 'notReadBefore' | 'notReadAfter'>;

/** the figures a run's not reading a row leaves unknown (the earlier run's, the later run's) */
const UNKNOWN_BEFORE: readonly FigureKey[] = [
  'filesBefore',
  'added',
  'changed',
  'secondsBefore',
  'secondsAdded',
  'secondsChanged',
  'callersBefore',
  'callersAdded',
];
const UNKNOWN_AFTER: readonly FigureKey[] = [
  'filesAfter',
  'removed',
  'changed',
  'secondsAfter',
  'secondsRemoved',
  'secondsChanged',
  'callersAfter',
  'callersRemoved',
];

const OWN: readonly FigureKey[] = [
  'filesBefore',
  'filesAfter',
  'secondsBefore',
  'secondsAfter',
  'callersBefore',
  'callersAfter',
];

/**
 * A figure as written: null (an empty cell, "not read") where the run it depends on did not read the
 * row (case/diff.ts DiffRow), never 0. The total's changes are empty when a row was not read (stderr
 * gives their sum over the rows read, as "at least"); its runs' own figures are what each run found.
 */
export function figure(r: DiffRow, k: FigureKey): number | null {
  if (r.kind === 'total') {
    // a run's own total is what it found (the summary's total, a lower bound); a total of changes
    // with a row not read would be a sum of the rows read presented as the whole: empty
    if (r.notReadBefore && UNKNOWN_BEFORE.includes(k) && !OWN.includes(k)) return null;
    if (r.notReadAfter && UNKNOWN_AFTER.includes(k) && !OWN.includes(k)) return null;
    return r[k];
  }
  if (r.notReadBefore && UNKNOWN_BEFORE.includes(k)) return null;
  if (r.notReadAfter && UNKNOWN_AFTER.includes(k)) return null;
  return r[k];
}

/** A row's completeness: the comparison's, led by the run that did not read the row, if one did not. */
function completenessOf(r: DiffRow, diff: RunDiff, ctx: DiffContext): string {
  const rest = ctx.completeness.replace(/^incomplete: /, '');
  if (r.kind === 'total') {
    const n = diff.notRead;
    if (!n.before && !n.after) return ctx.completeness;
    const parts = [
      n.after && `${n.after} ${n.after === 1 ? 'row' : 'rows'} not read in run ${String(ctx.after.run)}`,
      n.before && `${n.before} ${n.before === 1 ? 'row' : 'rows'} not read in run ${String(ctx.before.run)}`,
    ].filter(Boolean);
    return `incomplete: ${parts.join(', ')} (the changes of the whole case are not known; each row read has its own); ${rest}`;
  }
  const why = [r.notReadBefore, r.notReadAfter].filter((x): x is string => !!x);
  if (!why.length) return ctx.completeness;
  return `incomplete: not read (${why.join('; ')}): the figures that depend on it are empty; ${rest}`;
}

/** The customer cell (a controller's keys, joined as in the summary) and the controller cell. */
function labels(r: DiffRow, ctx: DiffContext): [customer: string, controller: string] {
  if (r.kind === 'total') return ['(total)', ''];
  if (r.kind === 'controller') return [(ctx.keysOf?.(r.customer) ?? []).join('; '), r.customer];
  return [rowLabel({ kind: r.kind as RowKind, customer: r.customer }), ''];
}

/**
 * Seconds as hours of two decimals, each cell rounded on its own: a row's cells must read as one change
 * (after = before + added - removed + changed); rounding the rows to add up to the total, as the
 * summary does, moved an unchanged row's before and after apart (0.01 h, 0.00 h).
 */
function hoursColumns(diff: RunDiff): (i: number, k: HoursKey) => number | null {
  const all = [...diff.rows, diff.total];
  return (i, k) => {
    const v = figure(all[i]!, k);
    return v === null ? null : Math.round(v / 36) / 100;
  };
}

type HoursKey = 'secondsBefore' | 'secondsAfter' | 'secondsAdded' | 'secondsRemoved' | 'secondsChanged';

function cells(
  r: DiffRow,
  hours: (k: HoursKey) => number | null,
  diff: RunDiff,
  ctx: DiffContext,
  d: Delimiter,
): { value: string; quoted: boolean }[] {
  const [customer, controller] = labels(r, ctx);
  const text = (v: string) => ({ value: safeText(v), quoted: true });
  const n = (k: FigureKey) => {
    const v = figure(r, k);
    return { value: v === null ? '' : String(v), quoted: false };
  };
  const h = (k: HoursKey) => {
    const v = hours(k);
    return { value: v === null ? '' : numberCell(v, 2, d), quoted: false };
  };
  return [
    text(customer),
    text(controller),
    text(completenessOf(r, diff, ctx)),
    n('filesBefore'),
    n('filesAfter'),
    n('added'),
    n('removed'),
    n('changed'),
    h('secondsBefore'),
    h('secondsAfter'),
    h('secondsAdded'),
    h('secondsRemoved'),
    h('secondsChanged'),
    n('callersBefore'),
    n('callersAfter'),
    n('callersAdded'),
    n('callersRemoved'),
  ];
}

export function diffCsv(diff: RunDiff, ctx: DiffContext, delimiter: Delimiter): string {
  const hours = hoursColumns(diff);
  const lines = [...diff.rows, diff.total].map((r, i) => cells(r, (k) => hours(i, k), diff, ctx, delimiter));
  return stringify(lines, {
    bom: true,
    delimiter,
    header: true,
    columns: [...DIFF_COLUMNS],
    record_delimiter: 'windows',
    cast: { object: (v: object) => v as { value: string; quoted: boolean } },
  });
}

export function diffJson(diff: RunDiff, ctx: DiffContext): string {
  const row = (r: DiffRow) => {
    const f = (k: FigureKey): number | null => figure(r, k);
    return {
      customer: labels(r, ctx)[0],
      controller: labels(r, ctx)[1] || null,
      kind: r.kind,
      completeness: completenessOf(r, diff, ctx),
      // why a run did not read the row (null: it did); its figures are then null, not 0
      not_read: { before: r.notReadBefore ?? null, after: r.notReadAfter ?? null },
      files: {
        before: f('filesBefore'),
        after: f('filesAfter'),
        added: f('added'),
        removed: f('removed'),
        changed: f('changed'),
      },
      audio_seconds: {
        before: f('secondsBefore'),
        after: f('secondsAfter'),
        added: f('secondsAdded'),
        removed: f('secondsRemoved'),
        changed: f('secondsChanged'),
      },
      callers: {
        before: f('callersBefore'),
        after: f('callersAfter'),
        added: f('callersAdded'),
        removed: f('callersRemoved'),
      },
    };
  };
  // bidi and other invisible characters of names as \uXXXX, as in the summary's JSON
  return escapeJson(
    JSON.stringify(
      {
        before: ctx.before,
        after: ctx.after,
        completeness: ctx.completeness,
        rows_not_read: diff.notRead,
        rows: diff.rows.map(row),
        total: row(diff.total),
      },
      null,
      2,
    ) + '\n',
  );
}
