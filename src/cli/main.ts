#!/usr/bin/env node
/** leaktally's command line: parse, then the headless run or (on a terminal) the interactive UI. */
import { parseArgs, UsageError } from './args.js';
import { runHeadless, OutputError, configOf } from './headless.js';
import { removeTemporaryFiles } from '../report/atomic.js';
import { loadTui } from '../tui/load.js';
import { EvidenceError } from '../scan/walk.js';

export async function main(argv: string[]): Promise<number> {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`leaktally: ${e.message} (see leaktally --help)\n`);
      return 2;
    }
    throw e;
  }
  if (o === 'exit') return 0;
  const wantsOutput = o.csv !== undefined || o.json !== undefined || o.files !== undefined;
  const terminal = process.stdout.isTTY === true && process.stdin.isTTY === true && !process.env.CI;
  if (o.tui && !wantsOutput && terminal) {
    // loaded only here: a headless run never loads React and Ink
    const { runTui } = await loadTui();
    return await runTui(configOf(o), o.delimiter); // 0 on q, 130 on Ctrl-C or SIGINT
  }
  try {
    // the summary CSV goes to stdout unless an output flag says where it goes, or stdout has the manifest
    return await runHeadless(o, o.csv === undefined && o.json === undefined && o.files !== '-');
  } catch (e) {
    removeTemporaryFiles();
    if (e instanceof OutputError || e instanceof EvidenceError) {
      process.stderr.write(`leaktally: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    removeTemporaryFiles();
    process.stderr.write(`leaktally: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
