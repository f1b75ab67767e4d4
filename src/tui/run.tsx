/** Start the UI on a terminal: the engine runs, the App watches it; returns when the user quits. */
import React from 'react';
import { render } from 'ink';
import { basename, resolve } from 'node:path';
import { format } from 'date-fns';
import { TZDate } from '@date-fns/tz';
import { Scanner, type ScanConfig, type ScanResult } from '../scan/engine.js';
import type { Delimiter } from '../report/summary.js';
import { App, REDRAW_MS } from './App.js';

/** leaktally-<root folder name>-<yyyyMMdd-HHmm>.csv, in the current folder. */
export function defaultExportName(root: string, zone: string, now = new Date()): string {
  const name = basename(resolve(root)).replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'root';
  return `leaktally-${name}-${format(new TZDate(now.getTime(), zone), 'yyyyMMdd-HHmm')}.csv`;
}

// The alternate screen, as full-screen terminal tools use: on quit the terminal shows what it showed before.
const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

export interface TuiOptions {
  /** quit by itself when the scan is done (the benchmark's UI run) */
  exitWhenDone?: boolean;
}

/** The UI over a new scan of config, until the user quits. */
export async function runTui(config: ScanConfig, delimiter: Delimiter): Promise<void> {
  await showScan(new Scanner(config), delimiter);
}

/** The UI over a scanner it starts; resolves with the scan's result once the UI has quit. */
export async function showScan(scanner: Scanner, delimiter: Delimiter, opts: TuiOptions = {}): Promise<ScanResult> {
  const config = scanner.config;
  const done = scanner.run();
  process.stdout.write(ENTER_ALT);
  const leave = (): void => void process.stdout.write(LEAVE_ALT);
  process.once('exit', leave);
  const app = render(
    <App scanner={scanner} done={done} root={config.root} zone={config.zone} delimiter={delimiter} defaultExportPath={defaultExportName(config.root, config.zone)} />,
    { exitOnCtrlC: false, maxFps: 1000 / REDRAW_MS },
  );
  if (opts.exitWhenDone) void done.then(() => app.unmount());
  // kill or a closed terminal: stop, and give the terminal back as on q
  const onSignal = (): void => {
    scanner.stop();
    app.unmount();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    app.cleanup();
    leave();
    process.off('exit', leave);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
  scanner.stop();
  return done;
}
