/** Start the UI on a terminal: the engine runs, the App watches it; returns the exit code when the user quits. */
import { render } from 'ink';
import { Scanner, type ScanConfig, type ScanResult } from '../scan/engine.js';
import type { Delimiter } from '../report/write/summary.js';
import type { NotifyOptions } from '../report/notify/notify.js';
import { abandonOutputs } from '../report/output/atomic.js';
import { App } from './App.js';
import { resultSource, snapshotSource, type SnapshotSource } from './snapshot.js';
import { exitCodeOf } from '../report/notify/completeness.js';
import { signalExitCode, stopSignals } from '../report/exit.js';

export { defaultExportName } from './export.js';

// The alternate screen, as full-screen terminal tools use: on quit the terminal shows what it showed before.
const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

/**
 * Ink's own redraw limit. It throttles every frame, key presses' included, so it is set well above
 * the scan's redraw rate (which the snapshot subscription sets): a key is drawn within ~16 ms.
 */
const MAX_FPS = 60;

export interface TuiOptions {
  /** quit by itself when the scan is done and return its result (the benchmark's UI run) */
  exitWhenDone?: boolean;
  /** --register, --retention/--as-of, --country, as the command line read them */
  notify?: NotifyOptions;
  /** q after an incomplete scan exits 0, not 3 */
  allowIncomplete?: boolean;
}

export async function runTui(
  config: ScanConfig,
  delimiter: Delimiter,
  opts: { exitWhenDone: true },
): Promise<ScanResult>;
export async function runTui(
  config: ScanConfig,
  delimiter: Delimiter,
  opts?: TuiOptions & { exitWhenDone?: false },
): Promise<number>;
/**
 * The UI over a new scan of config, until the user quits; returns the exit code (0: q, 3: q after an
 * incomplete scan, 130: Ctrl-C or SIGINT).
 */
export async function runTui(
  config: ScanConfig,
  delimiter: Delimiter,
  opts: TuiOptions = {},
): Promise<number | ScanResult> {
  const r = await show(new Scanner(config), delimiter, opts);
  if (opts.exitWhenDone) return r.result;
  // q (0) after a scan that was stopped or could not read everything: 3, as a headless run
  return r.code === 0 ? exitCodeOf(r.result, opts.allowIncomplete, opts.notify?.register) : r.code;
}

/** The UI over a scanner it starts; resolves with the scan's result once the UI has quit. */
export async function showScan(scanner: Scanner, delimiter: Delimiter, opts: TuiOptions = {}): Promise<ScanResult> {
  return (await show(scanner, delimiter, opts)).result;
}

/**
 * The UI over a scan already made (a case file's run, replayed: --from on a terminal, as `ncdu -f`
 * opens a saved scan): browse, filter, export, until the user quits. Returns the exit code as runTui.
 */
export async function runTuiOnResult(result: ScanResult, delimiter: Delimiter, opts: TuiOptions = {}): Promise<number> {
  const r = await showSource(resultSource(result), Promise.resolve(result), delimiter, opts);
  return r.code === 0 ? exitCodeOf(r.result, opts.allowIncomplete, opts.notify?.register) : r.code;
}

function show(scanner: Scanner, delimiter: Delimiter, opts: TuiOptions): Promise<{ code: number; result: ScanResult }> {
  return showSource(snapshotSource(scanner), scanner.run(), delimiter, opts);
}

async function showSource(
  source: SnapshotSource,
  done: Promise<ScanResult>,
  delimiter: Delimiter,
  opts: TuiOptions,
): Promise<{ code: number; result: ScanResult }> {
  const config = source.config;
  let code = 0;
  process.stdout.write(ENTER_ALT);
  const leave = (): void => void process.stdout.write(LEAVE_ALT);
  process.once('exit', leave);
  const app = render(
    <App
      source={source}
      root={config.root}
      zone={config.zone}
      delimiter={delimiter}
      colour={!process.env.NO_COLOR}
      onQuit={(c) => (code = c)}
      notify={opts.notify}
    />,
    { exitOnCtrlC: false, maxFps: MAX_FPS },
  );
  if (opts.exitWhenDone) void done.then(() => app.unmount());
  // kill -INT, kill, a closed terminal: stop, and give the terminal back as on q
  // the terminal is given back and the process exits 128 + the signal's number (report/exit.ts)
  const handlers = stopSignals.map((signal) => {
    const on = (): void => {
      code = signalExitCode(signal);
      source.stop();
      app.unmount();
    };
    process.once(signal, on);
    return () => void process.off(signal, on);
  });
  try {
    await app.waitUntilExit();
  } finally {
    app.cleanup();
    leave();
    process.off('exit', leave);
    for (const off of handlers) off();
    source.stop();
    abandonOutputs(); // an export under way when the user quit: its temporary file, or its wait for a FIFO's reader
  }
  return { code, result: await done };
}
