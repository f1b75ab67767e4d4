/**
 * leaktally's command line: parse, then the headless run or (on a terminal) the interactive UI.
 * Loaded by main.ts once the stop signals are taken (this module's imports take half a second).
 */
import { parseArgs, UsageError } from './args.js';
import { runHeadless, OutputError } from './headless.js';
import { EXIT } from '../report/exit.js';
import { removeTemporaryFiles } from '../report/output/atomic.js';
import { describeError } from '../report/output/target.js';
import { printable } from '../scan/place/names.js';
import { loadTui } from '../tui/load.js';
import { runMerge } from './merge-run.js';
import { runDiff } from './diff-run.js';
import { openStored } from './open.js';
import { EvidenceError } from '../scan/walk/walk.js';
import { HttpError } from '../scan/http/common.js';

const isBrokenPipe = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/**
 * The reader of stdout went away (`leaktally … --csv - | head -1`): no stack, nothing on stderr,
 * temporary files removed, exit 141 (report/exit.ts). Other outputs are not written.
 */
function brokenPipe(): never {
  removeTemporaryFiles();
  process.exit(EXIT.brokenPipe);
}

/** `handOn` removes main.ts's listeners of the stop signals: called once the run took the signals over. */
async function main(argv: string[], handOn: () => void): Promise<number> {
  let plan;
  try {
    plan = await parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`leaktally: ${printable(e.message)} (see leaktally --help)\n`);
      return EXIT.usage;
    }
    throw e;
  }
  if (plan === 'exit') return EXIT.ok;
  if ('merge' in plan) {
    const merged = runMerge(plan); // takes the signals over before its first await
    handOn();
    return await merged;
  }
  if ('diff' in plan) {
    const diff = runDiff(plan); // takes the signals over before its first await
    handOn();
    return await diff;
  }
  // @types/node declares isTTY a boolean, but it is undefined when the stream is not a terminal
  const terminal =
    (process.stdout.isTTY as boolean | undefined) === true &&
    (process.stdin.isTTY as boolean | undefined) === true &&
    !process.env.CI;
  if (!plan.outputs.headless && terminal && plan.case?.mode === 'from') {
    const opened = openStored(plan); // takes the signals over before its first await
    handOn();
    return await opened;
  }
  if (!plan.outputs.headless && terminal) {
    // loaded only here: a headless run never loads React and Ink
    const { runTui } = await loadTui();
    // 0 on q (3 when the scan was incomplete), 128 + the signal's number on Ctrl-C or a signal
    const tui = runTui(plan.scan, plan.outputs.delimiter, {
      notify: plan.notify,
      allowIncomplete: plan.outputs.allowIncomplete,
    });
    handOn(); // after the UI took the signals over (see below)
    return await tui;
  }
  try {
    // The run takes the signals over before its first await; only then are ours removed. Removed
    // before (no listener for a moment), Node closed its watcher and dropped a signal that came while
    // the register was parsed, not yet dispatched: the run went on and wrote every output, exit 0
    // (a 200,000-line register, SIGINT 3.75 s, 4.0 s and 5.5 s after the start; attack round 5).
    const running = runHeadless(plan);
    handOn();
    return await running;
  } catch (e) {
    removeTemporaryFiles();
    if (isBrokenPipe(e)) brokenPipe();
    if (e instanceof EvidenceError) {
      process.stderr.write(`leaktally: ${printable(e.message)}\n`);
      return EXIT.usage;
    }
    if (e instanceof OutputError) {
      process.stderr.write(`leaktally: ${printable(e.message)}\n`);
      return e.exitCode;
    }
    // a web server whose certificate is not trusted: nothing was read, and nothing is skipped to read it
    if (e instanceof HttpError && e.code === 'TLS') {
      process.stderr.write(`leaktally: ${printable(e.message)}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

process.stdout.on('error', (e) => {
  if (isBrokenPipe(e)) brokenPipe();
  removeTemporaryFiles();
  process.stderr.write(`leaktally: cannot write to stdout: ${printable(describeError(e))}\n`);
  process.exit(EXIT.output);
});
// temporary files hold evidence paths: gone on every way out Node sees (the headless run also removes
// them on signals and errors; this catches the rest)
process.on('exit', removeTemporaryFiles);

/** How long a run a signal stopped waits for stdout's reader to take what is queued for it. */
const STOPPED_DRAIN_MS = 1000;

/** The command line's run, from main.ts, whose listeners of the stop signals `handOn` removes. */
export function start(handOn: () => void): void {
  main(process.argv.slice(2), handOn).then(
    (code) => {
      process.exitCode = code;
      // Stopped by a signal with rows still queued for stdout (`--files -` into a pipe whose reader
      // stopped reading): Node would wait for that reader, forever if it never reads, and the run that
      // said it was interrupted did not end. Its reader gets a second to take them, then the run ends
      // (what stdout got was already called partial).
      if (code > 128 && code !== EXIT.brokenPipe && process.stdout.writableLength > 0)
        setTimeout(() => process.exit(code), STOPPED_DRAIN_MS).unref();
    },
    (e: unknown) => {
      removeTemporaryFiles();
      if (isBrokenPipe(e)) brokenPipe();
      process.stderr.write(
        `leaktally: internal error: ${(e instanceof Error ? (e.stack ?? e.message) : String(e)).split('\n').map(printable).join('\n')}\n`,
      );
      process.exitCode = EXIT.output;
    },
  );
}
