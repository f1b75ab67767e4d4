/** The UI's state, keys and text as plain logic: no terminal. */
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import {
  cursorOf,
  exportDone,
  initialState,
  onKey,
  scrolled,
  visibleRows,
  type KeyContext,
  type KeyPress,
  type UiState,
} from '../src/tui/state.js';
import { BINDINGS, commandFor, helpKeys, hintsFor, splitChunk, type KeyMode } from '../src/tui/keys.js';
import {
  allMonths,
  completenessLine,
  cut,
  duration,
  folderErrorsOf,
  padR,
  plural,
  statusLines,
} from '../src/tui/format.js';
import { defaultExportName, expandHome, formatOf, uniqueName } from '../src/tui/export.js';
import { fitHints } from '../src/tui/widgets.js';
import { cust, ZONE } from './tui-helpers.js';
import { tempDir } from './helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const customers = [
  cust('acme', 5, { unreadableFiles: 2 }),
  cust('Beta', 50, { firstMs: 10 }),
  cust('gamma', 20, { firstMs: 5 }),
  cust('delta', 20),
];
const key = (k: Partial<KeyPress> | string): KeyPress => (typeof k === 'string' ? { input: k } : { input: '', ...k });
const ctrlC = { input: 'c', ctrl: true };

function drive(
  keys: (Partial<KeyPress> | string)[],
  start: UiState = initialState(),
  pageSize = 2,
  scanning = false,
  extra: Partial<KeyContext> = {},
) {
  let s = start;
  for (const k of keys) {
    const rows = visibleRows(customers, s).map((c) => c.customer);
    const ctx: KeyContext = {
      rows,
      pageSize,
      detailPage: 5,
      detailLines: 12,
      defaultExportPath: 'out.csv',
      scanning,
      ...extra,
    };
    s = onKey(s, key(k), ctx);
  }
  return { s, rows: visibleRows(customers, s).map((c) => c.customer) };
}

describe('keys that arrive in one read', () => {
  it('are split into single presses (Enter, Tab, Backspace among them); escape sequences and named keys stay whole', () => {
    expect(splitChunk({ input: '/ab\r' })).toEqual([
      { input: '/' },
      { input: 'a' },
      { input: 'b' },
      { input: '', enter: true },
    ]);
    expect(splitChunk({ input: 'x\t\x7f' })).toEqual([
      { input: 'x' },
      { input: '', tab: true },
      { input: '', backspace: true },
    ]);
    expect(splitChunk({ input: 'q' })).toEqual([{ input: 'q' }]);
    // a control key in the chunk is that key, as Ink gives it alone (Ctrl-U then a path: tmux's two
    // send-keys in one read on a busy machine typed the path after the default name)
    expect(splitChunk({ input: '\x15/a\r' })).toEqual([
      { input: 'u', ctrl: true },
      { input: '/' },
      { input: 'a' },
      { input: '', enter: true },
    ]);
    expect(splitChunk({ input: '', down: true })).toEqual([{ input: '', down: true }]);
    expect(splitChunk({ input: '\x1b[Z' })).toEqual([{ input: '\x1b[Z' }]);
    // a filter typed and kept in one chunk, through the reducer
    let s = initialState();
    for (const k of splitChunk({ input: '/ET\r' }))
      s = onKey(s, k, {
        rows: [],
        pageSize: 2,
        detailPage: 5,
        detailLines: 12,
        defaultExportPath: 'out.csv',
        scanning: false,
      });
    expect(s).toMatchObject({ filter: 'ET', filtering: false });
  });
});

describe('sorting and filtering', () => {
  it('starts by files, largest first, ties by name', () => {
    expect(drive([]).rows).toEqual(['Beta', 'delta', 'gamma', 'acme']);
  });
  it('s cycles the column, r reverses', () => {
    expect(drive(['s']).s.sort).toBe('audio');
    expect(drive(['s', 's', 's']).rows).toEqual(['Beta', 'acme', 'delta', 'gamma']); // customer A→Z (code points)
    expect(drive(['s', 's', 's', 'r']).rows).toEqual(['gamma', 'delta', 'acme', 'Beta']);
    expect(drive(['s', 's', 's', 's']).rows).toEqual(['Beta', 'gamma', 'acme', 'delta']); // first: latest first, none last
    expect(drive(Array<string>(7).fill('s')).s.sort).toBe('files'); // wraps around
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
  it('Backspace in the table clears a kept filter (as the README says)', () => {
    expect(drive(['/', 'a', 'c', { enter: true }, { backspace: true }]).s.filter).toBe('');
  });
  it('/ starts a new filter instead of appending to the old one', () => {
    expect(drive(['/', 'a', 'c', { enter: true }, '/', 'B']).s.filter).toBe('B');
  });
  it('keys typed into the filter are not commands', () => {
    expect(drive(['/', 'q', 's', 'e']).s).toMatchObject({
      quit: false,
      confirmQuit: false,
      sort: 'files',
      view: 'table',
      filter: 'qse',
    });
  });
});

describe('moving', () => {
  it('↑/↓ move and stop at the ends; Home/End jump', () => {
    expect(cursorOf(drive([{ down: true }, { down: true }]).s, drive([]).rows)).toBe(2);
    expect(drive([{ down: true }, { down: true }, { down: true }, { down: true }, { down: true }]).s.selected).toBe(
      'acme',
    );
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
  it('Enter opens exactly the row highlighted in the rows the key was given', () => {
    const s = drive([{ down: true }, { down: true }]).s; // gamma
    const ctx: KeyContext = {
      rows: ['gamma', 'acme', 'Beta'],
      pageSize: 2,
      detailPage: 5,
      detailLines: 0,
      defaultExportPath: '',
      scanning: true,
    };
    expect(onKey(s, key({ enter: true }), ctx).selected).toBe('gamma');
    expect(onKey(initialState(), key({ enter: true }), ctx).selected).toBe('gamma'); // nothing chosen yet: the first row on screen
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
  it('? shows the help and goes back where it came from; it scrolls', () => {
    expect(drive(['?']).s.view).toBe('help');
    expect(drive([{ enter: true }, '?', '?']).s.view).toBe('customer');
    expect(drive([{ enter: true }, '?', { escape: true }]).s.view).toBe('customer');
    expect(drive(['?', { down: true }]).s.detailTop).toBe(1);
  });
});

describe('quitting', () => {
  it('q during a scan asks; y quits (exit 0), any other key stays', () => {
    const asked = drive(['q'], initialState(), 2, true).s;
    expect([asked.confirmQuit, asked.quit]).toEqual([true, false]);
    expect(drive(['n'], asked, 2, true).s).toMatchObject({ confirmQuit: false, quit: false, view: 'table' });
    const stayed = drive([{ down: true }], asked, 2, true).s;
    expect([stayed.confirmQuit, stayed.quit, stayed.selected]).toEqual([false, false, undefined]); // the key is spent on the question
    expect(drive(['y'], asked, 2, true).s).toMatchObject({ quit: true, exitCode: 0 });
  });
  it('q after the scan but before any export asks too; after an export it quits at once', () => {
    expect(drive(['q']).s).toMatchObject({ confirmQuit: true, quit: false });
    const exported = exportDone(drive(['e', { enter: true }]).s, { ok: true, message: 'wrote x' });
    expect(drive(['q'], exported).s).toMatchObject({ quit: true, exitCode: 0 }); // q on the "wrote" note quits
    expect(drive([' ', 'q'], exported).s).toMatchObject({ quit: true, exitCode: 0 }); // back to the table, then q
    expect(drive([{ enter: true }, 'q'], { ...initialState(), exported: true }).s.quit).toBe(true);
  });
  it('Ctrl-C during a scan stops it; a second Ctrl-C quits with 130; after the scan one Ctrl-C quits with 130', () => {
    const stopped = drive([ctrlC], initialState(), 2, true).s;
    expect([stopped.stopRequested, stopped.quit]).toEqual([true, false]);
    expect(drive([ctrlC], stopped, 2, true).s).toMatchObject({ quit: true, exitCode: 130 });
    expect(drive([ctrlC]).s).toMatchObject({ quit: true, exitCode: 130 });
  });
  it('Ctrl-C inside a prompt cancels the prompt (the filter, the export, the quit question); again: quits', () => {
    expect(drive(['/', 'x', ctrlC]).s).toMatchObject({ filtering: false, filter: '', quit: false });
    expect(drive(['e', ctrlC]).s).toMatchObject({ view: 'table', quit: false });
    expect(drive(['q', ctrlC]).s).toMatchObject({ confirmQuit: false, quit: false });
    expect(drive(['/', 'x', ctrlC, ctrlC]).s.exitCode).toBe(130);
    expect(drive(['e', ctrlC, ctrlC]).s.exitCode).toBe(130);
    expect(drive(['q', ctrlC, ctrlC]).s.exitCode).toBe(130);
  });
  it('q is typed into the prompts, not obeyed', () => {
    expect(drive(['e', 'q']).s).toMatchObject({ quit: false, confirmQuit: false, exportPath: 'out.csvq' });
  });
});

describe('the export prompt', () => {
  it('e opens it prefilled; typing edits; Enter asks for the write', () => {
    const p = drive(['e']).s;
    expect([p.view, p.exportPath]).toEqual(['export', 'out.csv']);
    expect(
      drive(['e', { backspace: true }, { backspace: true }, { backspace: true }, 't', 's', 'v']).s.exportPath,
    ).toBe('out.tsv');
    expect(drive(['e', { input: 'u', ctrl: true }, 'a']).s.exportPath).toBe('a');
    expect(drive(['e', { enter: true }]).s.exporting).toBe(true);
    expect(drive(['e', { input: 'u', ctrl: true }, { enter: true }]).s.exporting).toBe(false); // empty path: nothing to write
  });
  it('e exports everything wherever it is pressed; Tab cycles what else is possible there', () => {
    expect(drive(['e']).s.exportScope).toBe('all');
    expect(drive(['e', { tab: true }]).s.exportScope).toBe('all'); // nothing else to choose
    expect(drive(['/', 'a', { enter: true }, 'e']).s.exportScope).toBe('all');
    expect(drive(['/', 'a', { enter: true }, 'e', { tab: true }]).s.exportScope).toBe('filtered');
    expect(drive(['/', 'a', { enter: true }, 'e', { tab: true }, { tab: true }]).s.exportScope).toBe('all');
    expect(drive([{ enter: true }, 'e']).s.exportScope).toBe('all');
    expect(drive([{ enter: true }, 'e', { tab: true }]).s.exportScope).toBe('customer');
    expect(drive([{ enter: true }, 'e', { tab: true }, { tab: true }]).s.exportScope).toBe('all');
  });
  it('the default name follows the scope until a name is typed', () => {
    const ctx = { exportPathFor: (scope: string) => `out-${scope}.csv` };
    expect(drive(['/', 'a', { enter: true }, 'e'], undefined, 2, false, ctx).s.exportPath).toBe('out-all.csv');
    expect(drive(['/', 'a', { enter: true }, 'e', { tab: true }], undefined, 2, false, ctx).s.exportPath).toBe(
      'out-filtered.csv',
    );
    expect(drive(['/', 'a', { enter: true }, 'e', 'x', { tab: true }], undefined, 2, false, ctx).s.exportPath).toBe(
      'out-all.csvx',
    );
  });
  it('after an export of part of the summary q still asks; after the whole, q quits', () => {
    const part = exportDone(drive([{ enter: true }, 'e', { tab: true }, { enter: true }]).s, {
      ok: true,
      message: 'wrote x',
    });
    expect(part).toMatchObject({ exported: false, exportedPart: true });
    expect(drive(['q'], part).s).toMatchObject({ quit: false, confirmQuit: true });
    expect(drive([' ', 'q'], part).s).toMatchObject({ quit: false, confirmQuit: true });
    const whole = exportDone(drive(['e', { enter: true }]).s, { ok: true, message: 'wrote x' });
    expect(drive(['q'], whole).s).toMatchObject({ quit: true, exitCode: 0 });
    expect(drive([' ', 'q'], whole).s).toMatchObject({ quit: true, exitCode: 0 });
  });
  it('Esc cancels back to the view it came from', () => {
    expect(drive([{ enter: true }, 'e', { escape: true }]).s.view).toBe('customer');
  });
  it('a failed write keeps the prompt open for another path; a good one goes back on any key but q', () => {
    const writing = drive(['e', { enter: true }]).s;
    const failed = exportDone(writing, { ok: false, message: 'not written: no such folder' });
    expect([failed.view, failed.exporting, failed.exportStatus?.ok, failed.exported]).toEqual([
      'export',
      false,
      false,
      false,
    ]);
    expect(drive(['x'], failed).s.exportPath).toBe('out.csvx');
    const ok = exportDone(writing, { ok: true, message: 'wrote /tmp/out.csv' });
    expect(drive(['z'], ok).s).toMatchObject({ view: 'table', exported: true, quit: false });
  });
  it('an existing file: y replaces it, any other key goes back to the name', () => {
    const exists = exportDone(drive(['e', { enter: true }]).s, { ok: false, exists: true, message: 'out.csv exists' });
    expect(drive(['y'], exists).s).toMatchObject({ exporting: true, overwrite: true });
    expect(drive(['n'], exists).s).toMatchObject({
      exporting: false,
      overwrite: false,
      exportPath: 'out.csv',
      exportStatus: undefined,
    });
  });
  it('while the write is under way other keys do nothing; Esc or q cancel it, and its outcome says so', () => {
    const writing = drive(['e', { enter: true }]).s;
    expect(drive(['x', { backspace: true }, '\t', { enter: true }], writing).s).toEqual(writing);
    // before: Esc and q did nothing too, and an export to a FIFO no one read waited for ever (round 13b)
    for (const key of [{ escape: true }, 'q'] as const) {
      const cancelling = drive([key], writing).s;
      expect(cancelling).toEqual({ ...writing, cancelling: true });
      const done = exportDone(cancelling, {
        ok: false,
        message: 'not written: stopped while waiting for a reader of the FIFO',
      });
      expect(done.exportStatus?.message).toBe('cancelled: not written: stopped while waiting for a reader of the FIFO');
      expect([done.exporting, done.cancelling]).toEqual([false, false]);
      // an export that finished before the cancel reached it is kept as written
      const won = exportDone(cancelling, { ok: true, message: 'wrote x.csv' });
      expect(won.exportStatus).toEqual({ ok: true, message: 'wrote x.csv' });
    }
  });
  it('~ expands; the format follows the extension; the default name is the time of the export, made unique', () => {
    expect(expandHome('~/x.csv', '/home/u')).toBe('/home/u/x.csv');
    expect(expandHome('~', '/home/u')).toBe('/home/u');
    expect(expandHome('a~/x', '/home/u')).toBe('a~/x');
    expect([formatOf('a.JSON'), formatOf('a.xlsx'), formatOf('a.csv'), formatOf('a')]).toEqual([
      'json',
      'xlsx',
      'csv',
      'csv',
    ]);
    const at = new Date(Date.UTC(2019, 1, 3, 8, 5, 7));
    expect(defaultExportName('/mnt/leak copy/', ZONE, at)).toBe('leaktally-leak_copy-20190203-090507.csv');
    const dir = tempDir();
    expect(uniqueName('a.csv', dir)).toBe('a.csv');
    writeFileSync(join(dir, 'a.csv'), '');
    writeFileSync(join(dir, 'a-2.csv'), '');
    expect(uniqueName('a.csv', dir)).toBe('a-3.csv');
  });
});

describe('the key table', () => {
  it('drives matching: each key gives one command where it applies', () => {
    expect(commandFor(key('s'), 'table')).toBe('sort');
    expect(commandFor(key('s'), 'customer')).toBeUndefined();
    expect(commandFor(key({ enter: true }), 'table')).toBe('open');
    expect(commandFor(key({ enter: true }), 'filter')).toBe('keep');
    expect(commandFor(key(ctrlC), 'export')).toBe('interrupt');
    // no key is bound twice in one mode
    for (const mode of ['table', 'customer', 'help', 'filter', 'export'] as KeyMode[]) {
      const seen = new Set<string>();
      for (const b of BINDINGS.filter((x) => x.modes.includes(mode)))
        for (const k of b.keys) {
          const id = JSON.stringify(k);
          expect(seen.has(id), `${id} twice in ${mode}`).toBe(false);
          seen.add(id);
        }
    }
  });
  it('drives the footer and the help: every hint and every help line comes from it', () => {
    expect(hintsFor('table')).toEqual([
      '↑↓ move',
      'Enter open',
      's sort',
      'r rev',
      '/ filter',
      'e export',
      '? help',
      'q quit',
    ]);
    expect(hintsFor('customer')).toContain('Esc back');
    expect(helpKeys().map(([k]) => k)).toEqual(
      expect.arrayContaining(['↑ ↓ PgUp PgDn Home End', 'Ctrl-C', 'q', 'Tab']),
    );
  });
  it('the hints fit 80 columns (the middle ones go first; ? and q stay)', () => {
    for (const mode of ['table', 'customer', 'help', 'filter', 'export'] as KeyMode[]) {
      expect(stringWidth(fitHints('', hintsFor(mode), 79))).toBeLessThanOrEqual(79);
    }
    const long = fitHints('filter "a-rather-long-filter-text": 1,234 of 50,000', hintsFor('table'), 79);
    expect(stringWidth(long)).toBeLessThanOrEqual(79);
    expect(long).toMatch(/\? help {2}q quit$/);
    expect(fitHints('', hintsFor('table'), 79)).toContain('e export');
  });
});

describe('text', () => {
  it('short totals in seconds or minutes, hours from one hour up', () => {
    expect([
      duration(0),
      duration(9.81),
      duration(16.4),
      duration(90),
      duration(3599),
      duration(3600),
      duration(5 * 3600 + 1),
    ]).toEqual(['0', '9.8 s', '16 s', '1.5 min', '59.9 min', '1.00 h', '5.00 h']);
  });
  it('singular and plural', () => {
    expect([plural(1, 'file'), plural(2, 'file'), plural(0, 'recording'), plural(1234, 'file')]).toEqual([
      '1 file',
      '2 files',
      '0 recordings',
      '1,234 files',
    ]);
  });
  it('the month chart has every month from the first to the last, empty ones included', () => {
    const m = allMonths([
      ['2018-11', { audio: 1, micros: 1e6 }],
      ['2019-02', { audio: 2, micros: 2e6 }],
    ]);
    expect(m.map(([k, v]) => `${k}:${v.audio}`)).toEqual(['2018-11:1', '2018-12:0', '2019-01:0', '2019-02:2']);
  });
  it('widths are terminal columns: wide (CJK, emoji) names are cut and padded by what they take on screen', () => {
    expect(stringWidth(cut('顧客データベース東京支店', 10))).toBeLessThanOrEqual(10);
    expect(cut('顧客データベース東京支店', 10)).toMatch(/…$/);
    expect(stringWidth(padR('東京', 8))).toBe(8);
    expect(stringWidth(cut('📞📞📞📞📞📞', 7))).toBeLessThanOrEqual(7);
    expect(cut('a\x1b[2Jb', 10)).toBe('a\uFFFD[2Jb');
  });
  it('a stopped scan shows no ETA', () => {
    const p = {
      phase: 'reading' as const,
      found: 1000,
      done: 250,
      walkDone: true,
      audioMicros: 7200 * 1e6,
      audioFiles: 240,
      unreadable: 3,
      bytes: 0,
      elapsedMs: 1000,
      unreadableFolders: 0,
      linksSkipped: 0,
      specialSkipped: 0,
      unmatched: 0,
    };
    expect(statusLines(p, 80, false)[0]).toMatch(/ETA/);
    expect(statusLines(p, 80, true)[0]).toBe('stopped (partial) 25%');
    expect(statusLines({ ...p, phase: 'stopped' }, 80, false)[0]).not.toMatch(/ETA/);
  });
  it('the completeness line names everything not counted or counted with a caveat', () => {
    expect(
      completenessLine({ unreadableFolders: 1, linksSkipped: 2, specialSkipped: 0, unmatched: 30, mtimeDated: 1 }).text,
    ).toBe('! 1 unreadable folder NOT COUNTED · 30 files unmatched · 2 links skipped · 1 recording dated by mtime');
    expect(
      completenessLine({ unreadableFolders: 0, linksSkipped: 0, specialSkipped: 0, unmatched: 0, mtimeDated: 0 }),
    ).toMatchObject({ warn: false });
    expect(completenessLine({ unmatched: 0, mtimeDated: 0 }).text).toMatch(/known when the scan ends/);
  });
  it('a stopped scan never says every folder was read: what was not reached is named (attack round 24b L1)', () => {
    const read = { unreadableFolders: 0, linksSkipped: 0, specialSkipped: 0, unmatched: 0, mtimeDated: 0, final: true };
    expect(completenessLine(read)).toEqual({ text: 'every folder read; no link or special file skipped', warn: false });
    expect(completenessLine({ ...read, partial: true })).toEqual({
      text: '! stopped: files and folders not reached NOT COUNTED',
      warn: true,
    });
    expect(completenessLine({ ...read, final: false, partial: true, linksSkipped: 2 }).text).toBe(
      '! stopped: files and folders not reached NOT COUNTED · 2 links skipped',
    );
  });
  it('folder errors are attributed to the customer whose folder holds them', () => {
    const errors = [
      { path: 'acme/2019', error: 'EACCES' },
      { path: 'beta', error: 'EACCES' },
      { path: 'acme', error: 'EACCES' },
    ];
    expect(folderErrorsOf('acme', 1, errors).map((e) => e.path)).toEqual(['acme/2019', 'acme']);
    expect(folderErrorsOf('2019', 2, errors).map((e) => e.path)).toEqual(['acme/2019']);
    expect(folderErrorsOf('x', 2, [{ path: 'top', error: 'EACCES' }])).toEqual([]); // above the customer level: nobody's
  });
});
