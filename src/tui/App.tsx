/**
 * The interactive UI: subscribes to the engine's snapshots through one hook (a few a second while the
 * scan runs), maps keys to the reducer, draws widgets from state + snapshot only. Key presses redraw at
 * once: only the scan's redraws are throttled (by the subscription), never the keys'.
 */
import React, { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { rowLabel } from '../scan/tally/aggregate.js';
import type { Delimiter } from '../report/write/summary.js';
import { cursorOf, filterRows, initialState, reduce, scrolled, type KeyContext } from './state.js';
import { SortedRows, tableTotals } from './view.js';
import { ControllerRows, exportPartsOf, isGroupRow, judgeRow } from './controllers.js';
import { runCompleteness, runGaps, type RowCompleteness } from '../report/notify/completeness.js';
import type { CustomerTotals } from '../scan/tally/aggregate.js';
import type { ExportScope } from './state.js';
import type { NotifyOptions } from '../report/notify/notify.js';
import type { KeyMode, KeyPress } from './keys.js';
import { helpKeys, splitChunk } from './keys.js';
import { COLUMN_HELP, completeness, controllerLines, detailLines, folderErrorsOf, padR } from './format.js';
import { kindOf, type ScanSnapshot, type SnapshotSource } from './snapshot.js';
import { defaultExportPath, writeExport } from './export.js';
import { abandonOutputs } from '../report/output/atomic.js';
import { ColourContext, CustomerTable, ExportPrompt, Footer, Lines, Status } from './widgets.js';

/**
 * Live redraws while the scan runs: 2 a second. Measured on 2 cores with npm run bench (100,000
 * files): every frame goes through Ink's output path, and the UI thread shares the cores with the
 * readers: at 10 a second the scan was ~20% slower, at 4 a second 6–12%, at 2 within the noise of a
 * headless run. Key presses do not wait for this: they redraw at once.
 */
const REDRAW_MS = 500;

/** After a key press the scan's next redraw waits this long (the user is reading the key's frame). */
const KEY_QUIET_MS = 400;

/** Lines above the body (3 status lines, the completeness line, a rule) and below it (the footer). */
const HEAD = 5;
const FOOT = 1;

export interface AppProps {
  source: SnapshotSource;
  root: string;
  zone: string;
  delimiter: Delimiter;
  /** the export prompt's default at a moment (default: leaktally-<root>-<time>.csv in the current folder) */
  exportPath?: (now: Date) => string;
  /** a fixed terminal size (tests); otherwise stdout's, following resizes */
  size?: { columns: number; rows: number };
  /** live redraw interval (default REDRAW_MS) */
  redrawMs?: number;
  /** false under NO_COLOR */
  colour?: boolean;
  /** called once with the exit code when the user quits (0: q, 130: Ctrl-C) */
  onQuit?: (code: number) => void;
  /** --register, --retention/--as-of, --country: with a register the rows are controllers, as in the summary */
  notify?: NotifyOptions;
}

function toKeyPress(input: string, key: Key): KeyPress {
  return {
    input,
    up: key.upArrow,
    down: key.downArrow,
    pageUp: key.pageUp,
    pageDown: key.pageDown,
    home: key.home,
    end: key.end,
    enter: key.return,
    escape: key.escape,
    // terminals send DEL (0x7f) for Backspace, which Ink reports as delete
    backspace: key.backspace || key.delete,
    tab: key.tab,
    ctrl: key.ctrl,
  };
}

function useTerminalSize(fallback?: { columns: number; rows: number }) {
  const { stdout } = useStdout();
  const read = () => fallback ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(fallback ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, fallback]);
  return size;
}

/** The one way the UI sees the scan: the latest snapshot, a new one at most every everyMs. */
function useScanSnapshot(source: SnapshotSource, everyMs: number): ScanSnapshot {
  const [snap, setSnap] = useState(() => source.snapshot());
  useEffect(() => source.subscribe(setSnap, everyMs), [source, everyMs]);
  return snap;
}

export function App(props: AppProps) {
  const { source } = props;
  const { exit } = useApp();
  const { columns: width, rows: height } = useTerminalSize(props.size);
  const [state, dispatch] = useReducer(reduce, undefined, initialState);
  const snap = useScanSnapshot(source, props.redrawMs ?? REDRAW_MS);
  const scanning = !snap.finished;

  useEffect(() => {
    if (state.stopRequested) source.stop();
  }, [state.stopRequested, source]);

  const { onQuit } = props;
  useEffect(() => {
    if (!state.quit) return;
    source.stop();
    onQuit?.(state.exitCode);
    exit();
  }, [state.quit, state.exitCode, source, onQuit, exit]);

  // Sorting and filtering are keyed by the snapshot (a new one a few times a second), not done per
  // key; the order is kept up to date from one snapshot to the next (view.ts), not sorted again.
  const { filter, sort, reverse } = state;
  const callers = snap.totals.distinctCallers !== undefined;
  // with a register: the summary's rows (controllers), kept up to date group by group
  const { notify } = props;
  const register = notify?.register;
  // what the rows were, for the next snapshot's update: made once, held for the App's life
  const [groups] = useState(() => (register ? new ControllerRows({ ...notify, register }, callers) : undefined));
  const all = useMemo(() => {
    if (!groups) return snap.customers;
    // a finished scan's rows carry their caller keys: callers de-duplicated across a controller's keys
    return snap.result ? groups.update(snap.result.customers, snap.result) : groups.update(snap.customers);
  }, [snap.customers, snap.result, groups]);
  const [order] = useState(() => new SortedRows());
  const sorted = useMemo(() => order.update(all, sort, reverse), [order, all, sort, reverse]);
  // typing a filter only filters the sorted rows
  const rows = useMemo(() => filterRows(sorted, filter), [sorted, filter]);
  const names = useMemo(() => rows.map((r) => r.customer), [rows]);
  // the whole table's total is the engine's (callers de-duplicated); a filtered one is summed here
  const totals = useMemo(() => (filter ? tableTotals(rows) : snap.totals), [filter, rows, snap.totals]);
  const stopped = state.stopRequested || snap.progress.phase === 'stopped';
  const complete = useMemo(() => completeness(snap.totals, snap.result, snap.progress, stopped), [snap, stopped]);
  // once the scan has ended: each row judged as the reports judge it (completeness.ts), rows on screen only
  const gaps = useMemo(() => (snap.result ? runGaps(snap.result, register) : undefined), [snap.result, register]);
  const judge = useMemo(() => {
    if (!gaps) return undefined;
    const seen = new WeakMap<CustomerTotals, RowCompleteness>();
    return (c: CustomerTotals): RowCompleteness => {
      let j = seen.get(c);
      if (!j) seen.set(c, (j = judgeRow(gaps, c)));
      return j;
    };
  }, [gaps]);
  const runIncomplete = gaps ? !runCompleteness(gaps).complete : false;

  const body = height - 1 - HEAD - FOOT;
  const tableHeight = Math.max(1, body - 3);
  const page = Math.max(1, body - 1);
  const cursor = cursorOf(state, names);
  const top = scrolled(state.top, cursor, tableHeight, rows.length);
  const shownName =
    state.view === 'customer' || (state.view !== 'table' && state.under === 'customer') ? state.selected : undefined;
  // the row on screen under the cursor; else (it left the filter) found by name
  const selected = useMemo(
    () =>
      shownName === undefined
        ? undefined
        : rows[cursor]?.customer === shownName
          ? rows[cursor]
          : all.find((c) => c.customer === shownName),
    [shownName, rows, cursor, all],
  );

  const lines = useMemo((): string[] => {
    const w = width - 1;
    if (state.view === 'help') {
      const k = helpKeys().map(([key, what]) => `  ${padR(key, 23)}${what}`);
      const c = COLUMN_HELP.map(([col, what]) => `  ${padR(col, 13)}${what}`);
      return [...k, '', 'Columns and rows', ...c];
    }
    if (state.view === 'customer' && selected) {
      // known as the walk meets them (the snapshot's), whole once the scan has ended (the result's)
      const errors = snap.result?.folderErrors ?? snap.folderErrors;
      const keys = isGroupRow(selected) ? selected.parts : [selected];
      const mine = source.config.pattern
        ? []
        : keys.flatMap((k) =>
            kindOf(k) === 'customer' ? folderErrorsOf(k.customer, source.config.depth, errors) : [],
          );
      const verdict = judge?.(selected);
      const head = isGroupRow(selected) ? controllerLines(selected.notify, selected.parts, w, verdict) : [];
      return [
        ...head,
        ...detailLines(selected, props.zone, w, { folderErrors: mine, partial: stopped, completeness: verdict }),
      ];
    }
    return [];
  }, [state.view, selected, width, snap.result, snap.folderErrors, stopped, props.zone, source.config, judge]);

  // The keys act on the screen as drawn last (the rows, the page sizes): the handler reads them here.
  const drawn = {
    names,
    tableHeight,
    page,
    lines: lines.length,
    scanning,
    snap,
    rows,
    selected,
    all,
    stopped,
    runIncomplete,
    filter,
  };
  const live = useRef(drawn);
  // eslint-disable-next-line react-hooks/refs -- deliberate: the key handler must see what this render drew, even for a key that arrives before an effect would run
  live.current = drawn;

  useInput((input, key) => {
    source.quiet?.(KEY_QUIET_MS);
    const l = live.current;
    const ctx: KeyContext = {
      rows: l.names,
      pageSize: l.tableHeight,
      detailPage: l.page,
      detailLines: l.lines,
      scanning: l.scanning,
      get defaultExportPath() {
        return (props.exportPath ?? ((now: Date) => defaultExportPath(props.root, props.zone, now)))(new Date());
      },
      // the default name says PARTIAL or INCOMPLETE, and n-of-N-rows for a part (a test's exportPath is kept)
      exportPathFor: (scope: ExportScope) => {
        const now = new Date();
        if (props.exportPath) return props.exportPath(now);
        const marks = {
          state: l.scanning || l.stopped ? ('PARTIAL' as const) : l.runIncomplete ? ('INCOMPLETE' as const) : undefined,
          part: scope === 'all' ? undefined : { rows: scope === 'customer' ? 1 : l.rows.length, of: l.all.length },
        };
        return defaultExportPath(props.root, props.zone, now, undefined, marks);
      },
    };
    for (const k of splitChunk(toKeyPress(input, key))) dispatch({ type: 'key', key: k, ctx });
  });

  useEffect(() => {
    if (!state.exporting) return;
    const l = live.current;
    const result = source.result(l.snap);
    let scopeRows =
      state.exportScope === 'customer' && l.selected
        ? [l.selected]
        : state.exportScope === 'filtered'
          ? l.rows
          : result.customers;
    let opts = notify;
    if (notify?.register && state.exportScope !== 'all') {
      // the controllers' keys, and the register narrowed to the controllers shown
      const parts = exportPartsOf(scopeRows, result.customers, notify.register);
      scopeRows = parts.rows;
      opts = { ...notify, register: parts.register };
    }
    const part =
      state.exportScope === 'all'
        ? undefined
        : {
            label:
              state.exportScope === 'customer'
                ? `one row of the table: ${l.selected ? rowLabel(l.selected) : ''}`
                : `the table's filter "${l.filter}"`,
            rows: state.exportScope === 'customer' ? 1 : l.rows.length,
            of: l.all.length,
          };
    void writeExport({
      result,
      notify: opts,
      register: notify?.register,
      scope: state.exportScope,
      part,
      rows: scopeRows,
      path: state.exportPath,
      overwrite: state.overwrite,
      delimiter: props.delimiter,
    }).then((status) => dispatch({ type: 'exported', status }));
  }, [state.exporting, state.exportScope, state.exportPath, state.overwrite, source, props.delimiter, notify]);

  // Esc or q while the export is written: its wait for a FIFO's reader ends, its output is closed or
  // its temporary file removed (the export is the UI's only output); writeExport then says "not written"
  useEffect(() => {
    if (state.exporting && state.cancelling) abandonOutputs();
  }, [state.exporting, state.cancelling]);

  const mode: KeyMode = state.view === 'export' ? 'export' : state.filtering ? 'filter' : state.view;
  const label = state.filter ? `SHOWN (${rows.length} of ${all.length})` : `TOTAL (${all.length})`;

  let view: React.ReactNode;
  if (state.view === 'help')
    view = <Lines title="Keys" lines={lines} width={width} height={page} top={state.detailTop} />;
  else if (state.view === 'export')
    view = (
      <ExportPrompt
        state={state}
        width={width}
        height={body}
        partial={!snap.finished || stopped}
        customer={selected ? rowLabel(selected) : undefined}
        filtered={rows.length}
        all={all.length}
      />
    );
  else if (state.view === 'customer' && selected)
    view = <Lines title={rowLabel(selected)} lines={lines} width={width} height={page} top={state.detailTop} />;
  else
    view = (
      <CustomerTable
        rows={rows}
        totals={{ customer: label, ...totals }}
        cursor={cursor}
        top={top}
        height={tableHeight}
        width={width}
        zone={props.zone}
        state={state}
        partial={stopped}
        callers={callers}
        nameTitle={register ? 'CONTROLLER / KEY' : undefined}
        judge={judge}
        totalsLowerBound={stopped || runIncomplete}
      />
    );

  return (
    <ColourContext.Provider value={props.colour ?? true}>
      <Box flexDirection="column" width={width}>
        <Status
          root={props.root}
          zone={props.zone}
          progress={snap.progress}
          width={width}
          stopped={stopped}
          completeness={complete}
        />
        <Text dimColor>{'─'.repeat(Math.max(0, width - 1))}</Text>
        {view}
        <Footer state={state} mode={mode} width={width} all={all.length} shown={rows.length} scanning={scanning} />
      </Box>
    </ColourContext.Provider>
  );
}
