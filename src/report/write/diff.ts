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
function hoursColumns(diff: RunDiff): (i: number, k: HoursKey) => number {
  const all = [...diff.rows, diff.total];
  return (i, k) => Math.round(all[i]![k] / 36) / 100;
}

type HoursKey = 'secondsBefore' | 'secondsAfter' | 'secondsAdded' | 'secondsRemoved' | 'secondsChanged';

function cells(
  r: DiffRow,
  hours: (k: HoursKey) => number,
  ctx: DiffContext,
  d: Delimiter,
): { value: string; quoted: boolean }[] {
  const [customer, controller] = labels(r, ctx);
  const text = (v: string) => ({ value: safeText(v), quoted: true });
  const n = (v: number) => ({ value: String(v), quoted: false });
  const h = (k: HoursKey) => ({ value: numberCell(hours(k), 2, d), quoted: false });
  return [
    text(customer),
    text(controller),
    text(ctx.completeness),
    n(r.filesBefore),
    n(r.filesAfter),
    n(r.added),
    n(r.removed),
    n(r.changed),
    h('secondsBefore'),
    h('secondsAfter'),
    h('secondsAdded'),
    h('secondsRemoved'),
    h('secondsChanged'),
    n(r.callersBefore),
    n(r.callersAfter),
    n(r.callersAdded),
    n(r.callersRemoved),
  ];
}

export function diffCsv(diff: RunDiff, ctx: DiffContext, delimiter: Delimiter): string {
  const hours = hoursColumns(diff);
  const lines = [...diff.rows, diff.total].map((r, i) => cells(r, (k) => hours(i, k), ctx, delimiter));
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
  const row = (r: DiffRow) => ({
    customer: labels(r, ctx)[0],
    controller: labels(r, ctx)[1] || null,
    kind: r.kind,
    files: { before: r.filesBefore, after: r.filesAfter, added: r.added, removed: r.removed, changed: r.changed },
    audio_seconds: {
      before: r.secondsBefore,
      after: r.secondsAfter,
      added: r.secondsAdded,
      removed: r.secondsRemoved,
      changed: r.secondsChanged,
    },
    callers: { before: r.callersBefore, after: r.callersAfter, added: r.callersAdded, removed: r.callersRemoved },
  });
  // bidi and other invisible characters of names as \uXXXX, as in the summary's JSON
  return escapeJson(
    JSON.stringify(
      {
        before: ctx.before,
        after: ctx.after,
        completeness: ctx.completeness,
        rows: diff.rows.map(row),
        total: row(diff.total),
      },
      null,
      2,
    ) + '\n',
  );
}
