/**
 * The interactive UI's state and what each key does to it: plain data and one pure reducer, tested
 * without a terminal (the widgets only draw it, as in dua-cli's app state / widgets split). Which key
 * is which command is keys.ts's table; Ctrl-C comes through here like every other key.
 */
import type { CustomerTotals } from '../scan/tally/aggregate.js';
import { commandFor, type KeyMode, type KeyPress } from './keys.js';

export type { KeyPress } from './keys.js';

export const SORT_KEYS = ['files', 'audio', 'hours', 'customer', 'first', 'last', 'unreadable'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

type View = 'table' | 'customer' | 'help' | 'export';

/** What an export writes: every row, the rows the filter shows, or the customer on screen. */
export type ExportScope = 'all' | 'filtered' | 'customer';

export interface ExportStatus {
  ok: boolean;
  message: string;
  /** the file exists: `y` replaces it, any other key goes back to the name */
  exists?: boolean;
}

export interface UiState {
  view: View;
  /** the view `?` or `e` was pressed in (help and the export go back to it) */
  under: View;
  /** the selected customer, by name: it stays selected while live rows move */
  selected?: string;
  /** first table row shown */
  top: number;
  sort: SortKey;
  reverse: boolean;
  filter: string;
  filtering: boolean;
  /** first line of the customer view (or the help) shown */
  detailTop: number;
  exportPath: string;
  exportScope: ExportScope;
  exporting: boolean;
  /** Esc or q while the export is written (a FIFO waiting for its reader): it is given up */
  cancelling: boolean;
  /** replace an existing file (the user said y) */
  overwrite: boolean;
  exportStatus?: ExportStatus;
  /** the whole summary was exported in this session (q then quits without asking) */
  exported: boolean;
  /** only part of it (a filter, one customer) was exported: q still asks */
  exportedPart: boolean;
  /** the export's file name was typed into (Tab then keeps it; otherwise it follows the scope) */
  exportPathEdited: boolean;
  /** q asked: "quit? y / any other key stays" */
  confirmQuit: boolean;
  /** Ctrl-C stopped the scan (a second Ctrl-C quits) */
  stopRequested: boolean;
  quit: boolean;
  /** the process's exit code once quit: 0 for q, 130 for Ctrl-C */
  exitCode: number;
}

export function initialState(): UiState {
  return {
    view: 'table',
    under: 'table',
    top: 0,
    sort: 'files',
    reverse: false,
    filter: '',
    filtering: false,
    detailTop: 0,
    exportPath: '',
    exportScope: 'all',
    exporting: false,
    cancelling: false,
    overwrite: false,
    exported: false,
    exportedPart: false,
    exportPathEdited: false,
    confirmQuit: false,
    stopRequested: false,
    quit: false,
    exitCode: 0,
  };
}

/** Natural direction per column: names A→Z, numbers and dates largest/latest first. */
export function compareRows(a: CustomerTotals, b: CustomerTotals, key: SortKey): number {
  // the names only break ties (comparing them first cost half of a 50,000-row merge)
  let c = 0;
  switch (key) {
    case 'customer':
      break;
    case 'files':
      c = b.files - a.files;
      break;
    case 'audio':
      c = b.audioFiles - a.audioFiles;
      break;
    case 'hours':
      c = b.audioMicros - a.audioMicros;
      break;
    case 'first':
      c = (b.firstMs ?? -Infinity) - (a.firstMs ?? -Infinity);
      break;
    case 'last':
      c = (b.lastMs ?? -Infinity) - (a.lastMs ?? -Infinity);
      break;
    case 'unreadable':
      c = b.unreadableFiles - a.unreadableFiles;
      break;
  }
  // two rows without the date: -Infinity - -Infinity is NaN, falsy: a tie, broken by the name
  if (c) return c;
  return a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0;
}

/** Rows whose name holds the filter (case-insensitive), in the order given. */
export function filterRows(rows: readonly CustomerTotals[], filter: string): readonly CustomerTotals[] {
  const f = filter.toLowerCase();
  return f ? rows.filter((c) => c.customer.toLowerCase().includes(f)) : rows;
}

/** Rows sorted by a column, maybe reversed (a new array). */
export function sortRows(rows: readonly CustomerTotals[], sort: SortKey, reverse: boolean): CustomerTotals[] {
  const out = [...rows].sort((a, b) => compareRows(a, b, sort));
  return reverse ? out.reverse() : out;
}

/** The table's rows: filtered by name (case-insensitive), sorted, maybe reversed. */
export function visibleRows(
  customers: readonly CustomerTotals[],
  s: Pick<UiState, 'filter' | 'sort' | 'reverse'>,
): readonly CustomerTotals[] {
  return filterRows(sortRows(customers, s.sort, s.reverse), s.filter);
}

/** What the reducer needs to know about the screen at the moment of the key. */
export interface KeyContext {
  /** names of the table's rows, in the order on screen */
  rows: readonly string[];
  /** table rows that fit on screen */
  pageSize: number;
  /** lines of the customer view (or the help) that fit, and how many it has */
  detailPage: number;
  detailLines: number;
  /** what the export prompt starts with (named at the time of the key) */
  defaultExportPath: string;
  /** the default name for a scope (it names a part export and an incomplete scan); else defaultExportPath */
  exportPathFor?: (scope: ExportScope) => string;
  /** the scan is still running */
  scanning: boolean;
}

export type Action = { type: 'key'; key: KeyPress; ctx: KeyContext } | { type: 'exported'; status: ExportStatus };

export function reduce(s: UiState, a: Action): UiState {
  return a.type === 'key' ? onKey(s, a.key, a.ctx) : exportDone(s, a.status);
}

/** Index of the selected row (the first row when the selection is gone). */
export function cursorOf(s: UiState, rows: readonly string[]): number {
  const i = s.selected === undefined ? -1 : rows.indexOf(s.selected);
  return i < 0 ? 0 : i;
}

/** Keep the cursor on screen. */
export function scrolled(top: number, cursor: number, pageSize: number, count: number): number {
  const page = Math.max(1, pageSize);
  let t = Math.min(top, Math.max(0, count - page));
  if (cursor < t) t = cursor;
  if (cursor >= t + page) t = cursor - page + 1;
  return Math.max(0, t);
}

function move(s: UiState, ctx: KeyContext, to: number): UiState {
  if (!ctx.rows.length) return s;
  const i = Math.max(0, Math.min(ctx.rows.length - 1, to));
  return { ...s, selected: ctx.rows[i], top: scrolled(s.top, i, ctx.pageSize, ctx.rows.length) };
}

function modeOf(s: UiState): KeyMode {
  if (s.view === 'export') return 'export';
  if (s.filtering) return 'filter';
  return s.view;
}

const typed = (k: KeyPress): string | undefined =>
  k.input && !k.ctrl && !/[\u0000-\u001f\u007f-\u009f]/.test(k.input) ? k.input : undefined;

export function onKey(s: UiState, k: KeyPress, ctx: KeyContext): UiState {
  const mode = modeOf(s);
  const cmd = commandFor(k, mode);
  // Ctrl-C inside a prompt cancels the prompt (as in a shell), not the scan or the program
  if (cmd === 'interrupt' && s.confirmQuit) return { ...s, confirmQuit: false };
  if (cmd === 'interrupt' && mode === 'filter') return { ...s, filtering: false, filter: '', top: 0 };
  if (cmd === 'interrupt' && mode === 'export' && !s.exporting) return { ...s, view: s.under, exportStatus: undefined };
  if (cmd === 'interrupt') {
    // the first Ctrl-C of a running scan stops it; any other quits as an interrupted process does
    if (ctx.scanning && !s.stopRequested) return { ...s, stopRequested: true, confirmQuit: false };
    return { ...s, quit: true, exitCode: 130 };
  }
  if (s.confirmQuit)
    return k.input === 'y' || k.input === 'Y' ? { ...s, quit: true, exitCode: 0 } : { ...s, confirmQuit: false };
  if (mode === 'export') return onExportKey(s, k, cmd, ctx);
  if (mode === 'filter') return onFilterKey(s, k, cmd);
  switch (cmd) {
    case 'help':
      return s.view === 'help'
        ? { ...s, view: s.under, detailTop: 0 }
        : { ...s, view: 'help', under: s.view, detailTop: 0 };
    case 'quit':
      return ctx.scanning || !s.exported ? { ...s, confirmQuit: true } : { ...s, quit: true, exitCode: 0 };
    case 'export':
      // everything by default: a part is chosen with Tab, never by where e was pressed
      return {
        ...s,
        view: 'export',
        under: s.view,
        exportPath: ctx.exportPathFor?.('all') ?? ctx.defaultExportPath,
        exportPathEdited: false,
        exportStatus: undefined,
        overwrite: false,
        exportScope: 'all',
      };
  }
  if (s.view === 'help' || s.view === 'customer') {
    if (cmd === 'back') return { ...s, view: s.view === 'help' ? s.under : 'table', detailTop: 0 };
    return scroll(s, cmd, ctx);
  }

  const cur = cursorOf(s, ctx.rows);
  switch (cmd) {
    case 'up':
      return move(s, ctx, cur - 1);
    case 'down':
      return move(s, ctx, cur + 1);
    case 'pageUp':
      return move(s, ctx, cur - Math.max(1, ctx.pageSize - 1));
    case 'pageDown':
      return move(s, ctx, cur + Math.max(1, ctx.pageSize - 1));
    case 'home':
      return move(s, ctx, 0);
    case 'end':
      return move(s, ctx, ctx.rows.length - 1);
    case 'open':
      return ctx.rows.length ? { ...s, view: 'customer', selected: ctx.rows[cur], detailTop: 0 } : s;
    case 'sort':
      return { ...s, sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length]!, top: 0 };
    case 'reverse':
      return { ...s, reverse: !s.reverse, top: 0 };
    case 'filter':
      return { ...s, filtering: true, filter: '', top: 0 };
    case 'back':
      return s.filter ? { ...s, filter: '', top: 0 } : s;
  }
  return s;
}

function scroll(s: UiState, cmd: string | undefined, ctx: KeyContext): UiState {
  const max = Math.max(0, ctx.detailLines - ctx.detailPage);
  const to = (t: number): UiState => ({ ...s, detailTop: Math.max(0, Math.min(max, t)) });
  switch (cmd) {
    case 'up':
      return to(s.detailTop - 1);
    case 'down':
      return to(s.detailTop + 1);
    case 'pageUp':
      return to(s.detailTop - Math.max(1, ctx.detailPage - 1));
    case 'pageDown':
      return to(s.detailTop + Math.max(1, ctx.detailPage - 1));
    case 'home':
      return to(0);
    case 'end':
      return to(max);
  }
  return s;
}

function onFilterKey(s: UiState, k: KeyPress, cmd: string | undefined): UiState {
  switch (cmd) {
    case 'keep':
      return { ...s, filtering: false };
    case 'cancel':
      return { ...s, filtering: false, filter: '', top: 0 };
    case 'erase':
      // eslint-disable-next-line @typescript-eslint/no-misused-spread -- erase one code point, as it always has
      return { ...s, filter: [...s.filter].slice(0, -1).join(''), top: 0 };
    case 'clear':
      return { ...s, filter: '', top: 0 };
  }
  const t = typed(k);
  return t ? { ...s, filter: s.filter + t, top: 0 } : s;
}

/** The scopes an export can have from where it was opened. */
export function scopesOf(s: UiState): ExportScope[] {
  return [
    'all',
    ...(s.filter ? (['filtered'] as const) : []),
    ...(s.under === 'customer' ? (['customer'] as const) : []),
  ];
}

function onExportKey(s: UiState, k: KeyPress, cmd: string | undefined, ctx: KeyContext): UiState {
  // Esc or q while the export is written: App gives it up (an export to a FIFO no one reads waits
  // for ever; before, only Ctrl-C, which quits the UI, ended that wait)
  if (s.exporting) return cmd === 'cancel' || typed(k) === 'q' ? { ...s, cancelling: true } : s;
  const back: UiState = { ...s, view: s.under, exportStatus: undefined };
  if (s.exportStatus?.ok) {
    if (cmd === 'keep' || typed(k) !== 'q') return back;
    // after an export of part of the summary, q asks as before any export
    return s.exported && !ctx.scanning ? { ...back, quit: true, exitCode: 0 } : { ...back, confirmQuit: true };
  }
  if (s.exportStatus?.exists)
    return k.input === 'y' || k.input === 'Y'
      ? { ...s, exporting: true, overwrite: true, exportStatus: undefined }
      : { ...s, exportStatus: undefined };
  const edit = (exportPath: string): UiState => ({ ...s, exportPath, exportStatus: undefined, exportPathEdited: true });
  switch (cmd) {
    case 'cancel':
      return back;
    case 'keep':
      return s.exportPath.trim() ? { ...s, exporting: true, overwrite: false, exportStatus: undefined } : s;
    case 'erase':
      // eslint-disable-next-line @typescript-eslint/no-misused-spread -- erase one code point, as it always has
      return edit([...s.exportPath].slice(0, -1).join(''));
    case 'clear':
      return edit('');
    case 'scope': {
      const all = scopesOf(s);
      const exportScope = all[(all.indexOf(s.exportScope) + 1) % all.length]!;
      // the default name follows the scope (it says "1-of-4-rows"); a typed name is kept
      const exportPath = !s.exportPathEdited && ctx.exportPathFor ? ctx.exportPathFor(exportScope) : s.exportPath;
      return { ...s, exportScope, exportPath };
    }
  }
  const t = typed(k);
  return t ? edit(s.exportPath + t) : s;
}

/** The export finished (or failed, or found the file there): show it in the prompt. */
export function exportDone(s: UiState, status: ExportStatus): UiState {
  const whole = status.ok && s.exportScope === 'all';
  return {
    ...s,
    exporting: false,
    cancelling: false,
    // an export that finished before the cancel reached it is kept, and said so
    exportStatus: s.cancelling && !status.ok ? { ok: false, message: `cancelled: ${status.message}` } : status,
    exported: s.exported || whole,
    exportedPart: s.exportedPart || (status.ok && !whole),
  };
}
