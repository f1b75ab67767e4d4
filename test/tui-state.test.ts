/** The UI's state and keys as plain logic: no terminal. */
import { describe, expect, it } from 'vitest';
import { cursorOf, exportDone, initialState, onKey, scrolled, visibleRows, type KeyContext, type KeyPress, type UiState } from '../src/tui/state.js';
import type { CustomerTotals } from '../src/scan/aggregate.js';

const cust = (customer: string, files: number, extra: Partial<CustomerTotals> = {}): CustomerTotals => ({
  customer, kind: 'customer', withheldCallerCalls: 0, pastRetentionFiles: 0, pastRetentionSeconds: 0, files, audioFiles: files, otherFiles: 0, unreadableFiles: 0, bytes: 0, audioSeconds: files * 60,
  formats: [], months: [], dateSources: [], unreadableExamples: [], ...extra,
});
const customers = [cust('acme', 5, { unreadableFiles: 2 }), cust('Beta', 50, { firstMs: 10 }), cust('gamma', 20, { firstMs: 5 }), cust('delta', 20)];
const key = (k: Partial<KeyPress> | string): KeyPress => (typeof k === 'string' ? { input: k } : { input: '', ...k });

function drive(keys: Array<Partial<KeyPress> | string>, start: UiState = initialState(), pageSize = 2) {
  let s = start;
  for (const k of keys) {
    const rows = visibleRows(customers, s).map((c) => c.customer);
    const ctx: KeyContext = { rows, pageSize, detailPage: 5, detailLines: 12, defaultExportPath: 'out.csv' };
    s = onKey(s, key(k), ctx);
  }
  return { s, rows: visibleRows(customers, s).map((c) => c.customer) };
}

describe('sorting and filtering', () => {
  it('starts by files, largest first, ties by name', () => {
    expect(drive([]).rows).toEqual(['Beta', 'delta', 'gamma', 'acme']);
  });
  it('s cycles the column, r reverses', () => {
    expect(drive(['s']).s.sort).toBe('audio');
    expect(drive(['s', 's', 's']).rows).toEqual(['Beta', 'acme', 'delta', 'gamma']); // customer A→Z (code points)
    expect(drive(['s', 's', 's', 'r']).rows).toEqual(['gamma', 'delta', 'acme', 'Beta']);
    expect(drive(['s', 's', 's', 's']).rows).toEqual(['Beta', 'gamma', 'acme', 'delta']); // first: latest first, none last
    expect(drive(Array(7).fill('s')).s.sort).toBe('files'); // wraps around
  });
  it('/ filters by name, case-insensitive; Backspace edits; Enter keeps; Esc clears', () => {
    const f = drive(['/', 'E', 'T']);
    expect(f.s.filtering).toBe(true);
    expect(f.rows).toEqual(['Beta']);
    expect(drive(['/', 'E', 'T', { backspace: true }]).rows).toEqual(['Beta', 'delta', 'acme']);
    const kept = drive(['/', 'a', 'c', { enter: true }]);
    expect([kept.s.filtering, kept.rows]).toEqual([false, ['acme']]);
    expect(drive(['/', 'a', 'c', { enter: true }, { escape: true }]).rows).toHaveLength(4);
    expect(drive(['/', 'x', { escape: true }]).s).toMatchObject({ filtering: false, filter: '' });
  });
  it('keys typed into the filter are not commands', () => {
    expect(drive(['/', 'q', 's', 'e']).s).toMatchObject({ quit: false, sort: 'files', view: 'table', filter: 'qse' });
  });
});

describe('moving', () => {
  it('↑/↓ move and stop at the ends; Home/End jump', () => {
    expect(cursorOf(drive([{ down: true }, { down: true }]).s, drive([]).rows)).toBe(2);
    expect(drive([{ down: true }, { down: true }, { down: true }, { down: true }, { down: true }]).s.selected).toBe('acme');
    expect(drive([{ up: true }]).s.selected).toBe('Beta');
    expect(drive([{ end: true }]).s.selected).toBe('acme');
    expect(drive([{ end: true }, { home: true }]).s.selected).toBe('Beta');
  });
  it('PgDn/PgUp move a page less one line and scroll the window', () => {
    const d = drive([{ pageDown: true }, { pageDown: true }], initialState(), 3);
    expect(d.s.selected).toBe('acme');
    expect(d.s.top).toBe(1);
    expect(drive([{ end: true }, { pageUp: true }], initialState(), 3).s.selected).toBe('delta');
  });
  it('the selection follows the customer when the live table reorders', () => {
    const s = drive([{ down: true }]).s; // delta
    expect(cursorOf(s, ['delta', 'Beta', 'gamma', 'acme'])).toBe(0);
    expect(cursorOf(s, ['x'])).toBe(0);
  });
  it('scrolled keeps the cursor in the window', () => {
    expect(scrolled(0, 5, 3, 10)).toBe(3);
    expect(scrolled(5, 2, 3, 10)).toBe(2);
    expect(scrolled(8, 9, 3, 10)).toBe(7);
  });
});

describe('views', () => {
  it('Enter opens the selected customer; Esc or Backspace goes back', () => {
    const open = drive([{ down: true }, { enter: true }]).s;
    expect([open.view, open.selected]).toEqual(['customer', 'delta']);
    expect(drive([{ enter: true }, { escape: true }]).s.view).toBe('table');
    expect(drive([{ enter: true }, { backspace: true }]).s.view).toBe('table');
  });
  it('↑/↓ scroll the customer view within its lines', () => {
    expect(drive([{ enter: true }, { down: true }, { down: true }]).s.detailTop).toBe(2);
    expect(drive([{ enter: true }, { end: true }]).s.detailTop).toBe(7); // 12 lines, 5 shown
    expect(drive([{ enter: true }, { up: true }]).s.detailTop).toBe(0);
  });
  it('? shows the keys and goes back where it came from', () => {
    expect(drive(['?']).s.view).toBe('help');
    expect(drive([{ enter: true }, '?', '?']).s.view).toBe('customer');
    expect(drive([{ enter: true }, '?', { escape: true }]).s.view).toBe('customer');
  });
  it('q quits from anywhere but a prompt', () => {
    expect(drive(['q']).s.quit).toBe(true);
    expect(drive([{ enter: true }, 'q']).s.quit).toBe(true);
    expect(drive(['e', 'q']).s.quit).toBe(false);
  });
});

describe('the export prompt', () => {
  it('e opens it prefilled; typing edits; Enter asks for the write', () => {
    const p = drive(['e']).s;
    expect([p.view, p.exportPath]).toEqual(['export', 'out.csv']);
    expect(drive(['e', { backspace: true }, { backspace: true }, { backspace: true }, 't', 's', 'v']).s.exportPath).toBe('out.tsv');
    expect(drive(['e', { input: 'u', ctrl: true }, 'a']).s.exportPath).toBe('a');
    expect(drive(['e', { enter: true }]).s.exporting).toBe(true);
    expect(drive(['e', { input: 'u', ctrl: true }, { enter: true }]).s.exporting).toBe(false); // empty path: nothing to write
  });
  it('Esc cancels back to the view it came from', () => {
    expect(drive([{ enter: true }, 'e', { escape: true }]).s.view).toBe('customer');
  });
  it('a failed write keeps the prompt open for another path; a good one goes back on any key', () => {
    const writing = drive(['e', { enter: true }]).s;
    const failed = exportDone(writing, { ok: false, message: 'not written: no such folder' });
    expect([failed.view, failed.exporting, failed.exportStatus?.ok]).toEqual(['export', false, false]);
    expect(drive(['x'], failed).s.exportPath).toBe('out.csvx');
    const ok = exportDone(writing, { ok: true, message: 'wrote /tmp/out.csv' });
    expect(drive(['z'], ok).s.view).toBe('table');
  });
  it('keys do nothing while the write is under way', () => {
    const writing = drive(['e', { enter: true }]).s;
    expect(drive([{ escape: true }, 'q'], writing).s).toEqual(writing);
  });
});
