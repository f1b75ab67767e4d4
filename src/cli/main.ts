#!/usr/bin/env node
/** leaktally's command line: parse, then the headless run or (on a terminal) the interactive UI. */
import { parseArgs, UsageError } from './args.js';
import { runHeadless, OutputError, configOf } from './headless.js';
import { notifyOptionsOf, planFor } from '../report/notify-options.js';
import { removeTemporaryFiles } from '../report/atomic.js';
import { describeError } from '../report/target.js';
import { printable } from '../scan/names.js';
import { loadTui } from '../tui/load.js';
import { EvidenceError } from '../scan/walk.js';

/**
 * The reader of stdout went away (`leaktally … --csv - | head -1`): no stack, nothing on stderr,
 * temporary files removed, and the exit status of a Unix tool ended by SIGPIPE (128 + 13), so that a
 * pipeline with `set -o pipefail` knows the output was cut short. Other outputs are not written.
 */
export const EXIT_BROKEN_PIPE = 141;

const isBrokenPipe = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

function brokenPipe(): never {
  removeTemporaryFiles();
  process.exit(EXIT_BROKEN_PIPE);
}

export async function main(argv: string[]): Promise<number> {
  let o;
  try {
    o = await parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`leaktally: ${printable(e.message)} (see leaktally --help)\n`);
      return 2;
    }
    throw e;
  }
  if (o === 'exit') return 0;
  const wantsOutput =
    o.csv !== undefined ||
    o.json !== undefined ||
    o.files !== undefined ||
    o.notify.xlsx !== undefined ||
    o.notify.statements !== undefined;
  // @types/node declares isTTY a boolean, but it is undefined when the stream is not a terminal
  const terminal =
    (process.stdout.isTTY as boolean | undefined) === true &&
    (process.stdin.isTTY as boolean | undefined) === true &&
    !process.env.CI;
  if (o.tui && !wantsOutput && terminal) {
    // loaded only here: a headless run never loads React and Ink
    const { runTui } = await loadTui();
    // one retention plan for the engine's cutoffs and the UI's rows (--register, --retention, --as-of)
    const plan = planFor(o.notify, o.tz);
    // 0 on q (3 when the scan was incomplete), 130 on Ctrl-C or SIGINT
    return await runTui(configOf(o, plan), o.delimiter, {
      notify: notifyOptionsOf(o.notify, plan),
      allowIncomplete: o.allowIncomplete,
    });
  }
  try {
    // the summary CSV goes to stdout unless an output flag says where it goes, or stdout has the manifest
    const summaryElsewhere =
      o.csv !== undefined || o.json !== undefined || o.notify.xlsx !== undefined || o.notify.statements !== undefined;
    return await runHeadless(o, !summaryElsewhere && o.files !== '-');
  } catch (e) {
    removeTemporaryFiles();
    if (isBrokenPipe(e)) brokenPipe();
    if (e instanceof EvidenceError) {
      process.stderr.write(`leaktally: ${printable(e.message)}\n`);
      return 2;
    }
    if (e instanceof OutputError) {
      process.stderr.write(`leaktally: ${printable(e.message)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

process.stdout.on('error', (e) => {
  if (isBrokenPipe(e)) brokenPipe();
  removeTemporaryFiles();
  process.stderr.write(`leaktally: cannot write to stdout: ${printable(describeError(e))}\n`);
  process.exit(1);
});
// temporary files hold evidence paths: gone on every way out Node sees (the headless run also removes
// them on signals and errors; this catches the rest)
process.on('exit', removeTemporaryFiles);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    removeTemporaryFiles();
    if (isBrokenPipe(e)) brokenPipe();
    process.stderr.write(
      `leaktally: internal error: ${(e instanceof Error ? (e.stack ?? e.message) : String(e)).split('\n').map(printable).join('\n')}\n`,
    );
    process.exitCode = 1;
  },
);
