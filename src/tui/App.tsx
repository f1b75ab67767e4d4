/** The interactive UI: polls the engine ~10 times a second, maps keys to state, draws widgets. */
import React, { useEffect, useReducer, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import type { Scanner } from '../scan/engine.js';
import { sumTotals } from '../scan/aggregate.js';
import { exportSummaryCsv } from '../report/export.js';
import type { Delimiter } from '../report/summary.js';
import { cursorOf, exportDone, initialState, onKey, scrolled, visibleRows, type KeyContext, type KeyPress, type UiState } from './state.js';
import { detailLines } from './format.js';
import { CustomerDetail, CustomerTable, ExportPrompt, Footer, Help, Status } from './widgets.js';

/**
 * Live redraws while the scan runs: 2 a second (key presses redraw at once). Measured on 2 cores with
 * npm run bench (100,000 files): every frame goes through Ink's output path (tokenising every character
 * of it), and the UI thread shares the cores with the readers: at 10 a second the scan was ~20%
 * slower, at 4 a second 6–12%, at 2 within the noise of a headless run.
 */
export const REDRAW_MS = 500;

export interface AppProps {
  scanner: Scanner;
  /** resolves when the scan ends */
  done: Promise<unknown>;
  root: string;
  zone: string;
  delimiter: Delimiter;
  defaultExportPath: string;
  /** terminal size when stdout does not say (tests) */
  size?: { columns: number; rows: number };
  /** live redraw interval (default REDRAW_MS) */
  redrawMs?: number;
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
    ctrl: key.ctrl,
  };
}

function useTerminalSize(fallback?: { columns: number; rows: number }) {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || fallback?.columns || 80, rows: stdout.rows || fallback?.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}

type Action = { type: 'key'; key: KeyPress; ctx: KeyContext } | { type: 'exported'; ok: boolean; message: string };

function reducer(s: UiState, a: Action): UiState {
  return a.type === 'key' ? onKey(s, a.key, a.ctx) : exportDone(s, { ok: a.ok, message: a.message });
}

export function App(props: AppProps) {
  const { scanner } = props;
  const { exit } = useApp();
  const { columns: width, rows: height } = useTerminalSize(props.size);
  const [state, dispatch] = useReducer(reducer, undefined, initialState);
  const [, setTick] = useState(0);
  const [finished, setFinished] = useState(false);
  const [stoppedByUser, setStoppedByUser] = useState(false);

  // Redraw every REDRAW_MS while the scan runs; the scan never waits for the UI.
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), props.redrawMs ?? REDRAW_MS);
    void props.done.finally(() => {
      clearInterval(t);
      setFinished(true);
    });
    return () => clearInterval(t);
  }, [props.done]);

  useEffect(() => {
    if (state.quit) {
      scanner.stop();
      exit();
    }
  }, [state.quit]);

  useEffect(() => {
    if (!state.exporting) return;
    exportSummaryCsv(scanner.result(), state.exportPath, props.delimiter).then(
      (path) => dispatch({ type: 'exported', ok: true, message: `wrote ${path}` }),
      (e: unknown) => dispatch({ type: 'exported', ok: false, message: `not written: ${e instanceof Error ? e.message : String(e)}` }),
    );
  }, [state.exporting]);

  const progress = scanner.progress();
  const customers = scanner.customers();
  const rows = visibleRows(customers, state);
  const names = rows.map((r) => r.customer);
  const tableHeight = Math.max(1, height - 9);
  const selected = customers.find((c) => c.customer === state.selected) ?? rows[cursorOf(state, names)];
  const detailPage = Math.max(1, height - 6);
  const ctx: KeyContext = {
    rows: names,
    pageSize: tableHeight,
    detailPage,
    // only the customer view scrolls; the table's redraws do not build its lines
    detailLines: state.view === 'customer' && selected ? detailLines(selected, props.zone, width - 1).length : 0,
    defaultExportPath: props.defaultExportPath,
  };

  // Keys act on what is on screen now: Ink may still hold the input handler of an earlier render
  // (with the rows of an earlier moment of a live scan), so the handler reads everything from a ref.
  const live = useRef({ ctx, stoppedByUser });
  live.current = { ctx, stoppedByUser };

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      if (!scanner.isFinished && !live.current.stoppedByUser) {
        setStoppedByUser(true);
        scanner.stop();
      } else {
        scanner.stop();
        exit();
      }
      return;
    }
    dispatch({ type: 'key', key: toKeyPress(input, key), ctx: live.current.ctx });
  });

  const cursor = cursorOf(state, names);
  const top = scrolled(state.top, cursor, tableHeight, rows.length);
  const totals = { customer: `TOTAL (${customers.length})`, ...sumTotals(rows, false) };
  const partial = !finished || stoppedByUser || progress.phase === 'stopped';

  let body: React.ReactNode;
  if (state.view === 'help') body = <Help width={width} height={height - 5} />;
  else if (state.view === 'export') body = <ExportPrompt state={state} width={width} partial={partial} />;
  else if (state.view === 'customer' && selected)
    body = <CustomerDetail customer={selected} zone={props.zone} width={width} height={detailPage} top={state.detailTop} />;
  else body = <CustomerTable rows={rows} totals={totals} cursor={cursor} top={top} height={tableHeight} width={width} zone={props.zone} state={state} />;

  return (
    <Box flexDirection="column" width={width}>
      <Status root={props.root} progress={progress} width={width} stoppedByUser={stoppedByUser} />
      <Text dimColor>{'─'.repeat(Math.max(0, width - 1))}</Text>
      {body}
      <Footer state={state} width={width} customers={customers.length} shown={rows.length} />
    </Box>
  );
}
