/**
 * The interactive UI's state and what each key does to it: plain data and pure functions, tested
 * without a terminal (the widgets only draw it, as in dua-cli's app state / widgets split).
 */
import type { CustomerTotals } from '../scan/aggregate.js';

export const SORT_KEYS = ['files', 'audio', 'hours', 'customer', 'first', 'last', 'unreadable'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export type View = 'table' | 'customer' | 'help' | 'export';

export interface ExportStatus {
  ok: boolean;
  message: string;
}

export interface UiState {
  view: View;
  /** the view `?` was pressed in (help goes back to it) */
  under: View;
  /** the selected customer, by name: it stays selected while live rows move */
  selected?: string;
  /** first table row shown */
  top: number;
  sort: SortKey;
  reverse: boolean;
  filter: string;
  filtering: boolean;
  /** first line of the customer view shown */
  detailTop: number;
  exportPath: string;
  exporting: boolean;
  exportStatus?: ExportStatus;
  quit: boolean;
}

export function initialState(): UiState {
  return { view: 'table', under: 'table', top: 0, sort: 'files', reverse: false, filter: '', filtering: false, detailTop: 0, exportPath: '', exporting: false, quit: false };
}

/** A key press, independent of Ink (the App maps Ink's input to this). */
export interface KeyPress {
  input: string;
  up?: boolean;
  down?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  enter?: boolean;
  escape?: boolean;
  backspace?: boolean;
  ctrl?: boolean;
}

/** Natural direction per column: names A→Z, numbers and dates largest/latest first. */
function compare(a: CustomerTotals, b: CustomerTotals, key: SortKey): number {
  const byName = a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0;
  const num = (x: number | undefined, y: number | undefined): number => (y ?? -Infinity) - (x ?? -Infinity);
  let c = 0;
  switch (key) {
    case 'customer': return byName;
    case 'files': c = num(a.files, b.files); break;
    case 'audio': c = num(a.audioFiles, b.audioFiles); break;
    case 'hours': c = num(a.audioSeconds, b.audioSeconds); break;
    case 'first': c = num(a.firstMs, b.firstMs); break;
    case 'last': c = num(a.lastMs, b.lastMs); break;
    case 'unreadable': c = num(a.unreadableFiles, b.unreadableFiles); break;
  }
  return c || byName;
}

/** The table's rows: filtered by name (case-insensitive), sorted, maybe reversed. */
export function visibleRows(customers: readonly CustomerTotals[], s: Pick<UiState, 'filter' | 'sort' | 'reverse'>): CustomerTotals[] {
  const f = s.filter.toLowerCase();
  const rows = f ? customers.filter((c) => c.customer.toLowerCase().includes(f)) : [...customers];
  rows.sort((a, b) => compare(a, b, s.sort));
  return s.reverse ? rows.reverse() : rows;
}

export interface KeyContext {
  /** names of the visible rows, in order */
  rows: readonly string[];
  /** table rows that fit on screen */
  pageSize: number;
  /** lines of the customer view that fit, and how many it has */
  detailPage: number;
  detailLines: number;
  /** what the export prompt starts with */
  defaultExportPath: string;
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

export function onKey(s: UiState, k: KeyPress, ctx: KeyContext): UiState {
  if (s.view === 'export') return onExportKey(s, k);
  if (s.filtering) return onFilterKey(s, k);
  if (k.input === '?' ) return s.view === 'help' ? { ...s, view: s.under } : { ...s, view: 'help', under: s.view };
  if (k.input === 'q') return { ...s, quit: true };
  if (s.view === 'help') return k.escape || k.backspace || k.enter ? { ...s, view: s.under } : s;
  if (k.input === 'e') return { ...s, view: 'export', under: s.view, exportPath: ctx.defaultExportPath, exportStatus: undefined };
  if (s.view === 'customer') return onDetailKey(s, k, ctx);

  const cur = cursorOf(s, ctx.rows);
  if (k.up) return move(s, ctx, cur - 1);
  if (k.down) return move(s, ctx, cur + 1);
  if (k.pageUp) return move(s, ctx, cur - Math.max(1, ctx.pageSize - 1));
  if (k.pageDown) return move(s, ctx, cur + Math.max(1, ctx.pageSize - 1));
  if (k.home) return move(s, ctx, 0);
  if (k.end) return move(s, ctx, ctx.rows.length - 1);
  if (k.enter && ctx.rows.length) return { ...s, view: 'customer', selected: ctx.rows[cur], detailTop: 0 };
  if (k.input === 's') return { ...s, sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length]!, top: 0 };
  if (k.input === 'r') return { ...s, reverse: !s.reverse, top: 0 };
  if (k.input === '/') return { ...s, filtering: true };
  if (k.escape && s.filter) return { ...s, filter: '', top: 0 };
  return s;
}

function onDetailKey(s: UiState, k: KeyPress, ctx: KeyContext): UiState {
  if (k.escape || k.backspace) return { ...s, view: 'table' };
  const max = Math.max(0, ctx.detailLines - ctx.detailPage);
  const to = (t: number): UiState => ({ ...s, detailTop: Math.max(0, Math.min(max, t)) });
  if (k.up) return to(s.detailTop - 1);
  if (k.down) return to(s.detailTop + 1);
  if (k.pageUp) return to(s.detailTop - Math.max(1, ctx.detailPage - 1));
  if (k.pageDown) return to(s.detailTop + Math.max(1, ctx.detailPage - 1));
  if (k.home) return to(0);
  if (k.end) return to(max);
  return s;
}

function onFilterKey(s: UiState, k: KeyPress): UiState {
  if (k.enter) return { ...s, filtering: false };
  if (k.escape) return { ...s, filtering: false, filter: '', top: 0 };
  if (k.backspace) return { ...s, filter: s.filter.slice(0, -1), top: 0 };
  if (k.ctrl && k.input === 'u') return { ...s, filter: '', top: 0 };
  if (k.input && !k.ctrl && !/[\u0000-\u001f]/.test(k.input)) return { ...s, filter: s.filter + k.input, top: 0 };
  return s;
}

function onExportKey(s: UiState, k: KeyPress): UiState {
  if (s.exporting) return s;
  if (s.exportStatus?.ok) return { ...s, view: s.under, exportStatus: undefined }; // any key after a write
  if (k.escape) return { ...s, view: s.under, exportStatus: undefined };
  if (k.enter) return s.exportPath.trim() ? { ...s, exporting: true, exportStatus: undefined } : s;
  if (k.backspace) return { ...s, exportPath: s.exportPath.slice(0, -1), exportStatus: undefined };
  if (k.ctrl && k.input === 'u') return { ...s, exportPath: '', exportStatus: undefined };
  if (k.input && !k.ctrl && !/[\u0000-\u001f]/.test(k.input)) return { ...s, exportPath: s.exportPath + k.input, exportStatus: undefined };
  return s;
}

/** The export finished (or failed): show the path written, or the error, in the prompt. */
export function exportDone(s: UiState, status: ExportStatus): UiState {
  return { ...s, exporting: false, exportStatus: status };
}
