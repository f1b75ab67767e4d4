/** The headless face: scan, then write the summary CSV/JSON and the manifest. */
import { Scanner, evidenceWarnings, type ScanResult } from '../scan/engine.js';
import {
  FolderMovedError,
  openOutput,
  OutputInterrupted,
  removeTemporaryFiles,
  OutputWriteError,
  type Output,
} from '../report/atomic.js';
import { closePlans, planOutputs, describeError } from '../report/target.js';
import { staleTemporaryFiles, takeLock, type OutputLock } from '../report/lock.js';
import { StatementsFolder, StatementsStopped } from '../report/statements-folder.js';
import { summaryCsvChunks, summaryJsonChunks } from '../report/summary.js';
import { notifyReport, registerCoverage } from '../report/notify.js';
import { EXIT_INCOMPLETE, gapPhrases, runCompleteness, runGaps } from '../report/completeness.js';
import type { Register } from '../report/register.js';
import { ManifestWriter } from '../report/manifest.js';
import { escapeJson, printable, printableLines } from '../scan/names.js';
import { progressLine } from './progress.js';
import { hours, num } from '../report/human.js';
import { type CliOptions } from './args.js';
import { version } from '../report/method.js';
import { engineExtras, notifyOptionsOf, planFor } from '../report/notify-options.js';
import { packMethod, writePackStatements, writePackWorkbook } from '../report/pack.js';
import type { RetentionPlan } from '../report/retention.js';

/** An output that cannot be used: found before the scan (exit 2) or while writing (exit 1). */
export class OutputError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

export function configOf(o: CliOptions, plan: RetentionPlan | undefined = planFor(o.notify, o.tz)) {
  return {
    root: o.dir,
    depth: o.depth,
    pattern: o.pattern,
    zone: o.tz,
    threads: o.threads,
    strictEvidence: o.strictEvidence,
    ...engineExtras(o.notify, plan),
  };
}

export function optionsRecord(o: CliOptions): Record<string, unknown> {
  const n = o.notify;
  return {
    depth: o.depth,
    pattern: o.pattern ?? null,
    tz: o.tz,
    delimiter: o.delimiter,
    register: n.register?.file ?? null,
    retention: n.retention?.text ?? null,
    as_of: n.asOfMs === undefined ? null : new Date(n.asOfMs).toISOString(),
    country: n.country ?? null,
    facts: n.facts?.file ?? null,
    lang: n.lang ?? 'en',
  };
}

export { EXIT_INCOMPLETE };

/**
 * A register none of whose keys names a customer found in the tree: the pattern or --depth is almost
 * certainly wrong, and every controller would be told it is not affected. One line: the keys tried, the
 * first customers found, the likely fix. undefined when some key matches (or nothing was found at all).
 */
export function registerMismatch(result: ScanResult, register: Register): string | undefined {
  const cov = registerCoverage(result, register);
  if (cov.found > 0 || result.totals.files === 0) return undefined;
  const few = (xs: string[]): string =>
    xs
      .slice(0, 3)
      .map((x) => `"${printable(x)}"`)
      .join(', ') + (xs.length > 3 ? `, … (${num(xs.length)} in all)` : '');
  const found = cov.customers.length
    ? `the customers found are ${few(cov.customers)}`
    : 'no file was given to a customer (every file is unmatched or above the customer level)';
  const fix = result.config.pattern
    ? "check --pattern: its {customer} must capture the register's keys"
    : 'give --pattern with {customer} (keys in file names) or the --depth of the customer folders';
  return `--register: none of its ${num(cov.keys)} keys (${few(register.entries.map((e) => e.key))}) names a customer in the tree; ${found}; ${fix}. Nothing written.`;
}

/** The signals a headless run stops on, with their numbers (the exit code is 128 + the number). */
export const STOP_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;
export const signalExitCode = (s: StopSignal): number => 128 + STOP_SIGNALS[s];

/** Write to stdout; a failure other than a closed pipe (main's quiet exit) is an output error, exit 1. */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(text, (e) => {
      if (!e) resolve();
      else if ((e as NodeJS.ErrnoException).code === 'EPIPE') reject(e);
      else reject(new OutputError(`cannot write to stdout: ${describeError(e)}`, 1));
    }),
  );
}

const count = (n: number, one: string, many: string): string => `${num(n)} ${n === 1 ? one : many}`;

/** Warnings worth a line on stderr after a scan (names and arguments sanitised for the terminal). */
export function warnings(r: ScanResult, shownRoot = r.config.root): string[] {
  const w: string[] = [];
  if (r.config.pattern && r.totals.files > 0 && r.unmatched === r.totals.files) {
    w.push(
      `--pattern matched none of the ${count(r.totals.files, 'file', 'files')}; check it against a path below ${printable(shownRoot)}`,
    );
  } else if (r.unmatched > 0) {
    w.push(`${count(r.unmatched, 'file', 'files')} did not match --pattern (counted under "(unmatched)")`);
  }
  if (r.unreadableFolders) {
    // the engine keeps the first 100 folder errors, so there is a first one
    w.push(
      `${count(r.unreadableFolders, 'folder', 'folders')} could not be read, e.g. ${printable(r.folderErrors[0]!.path)} (${r.folderErrors[0]!.error}); their files are not counted`,
    );
  }
  if (r.linksSkipped) w.push(`${count(r.linksSkipped, 'symbolic link was', 'symbolic links were')} not followed`);
  w.push(...evidenceWarnings(r).map(printable));
  return w;
}

export async function runHeadless(o: CliOptions, csvToStdout: boolean): Promise<number> {
  // @types/node declares isTTY a boolean, but it is undefined when the stream is not a terminal
  const stderrTty = (process.stderr.isTTY as boolean | undefined) === true;
  const stdoutTty = (process.stdout.isTTY as boolean | undefined) === true;
  const shownRoot = o.dirShown ?? o.dir;
  const targets = [
    ['--csv', o.csv],
    ['--json', o.json],
    ['--files', o.files],
    ['--xlsx', o.notify.xlsx],
  ] as const;
  const note = (line: string): void => void process.stderr.write(`leaktally: note: ${printable(line)}\n`);

  // Signals: the first stops the scan (what was counted is thrown away, temporary files removed), or,
  // once the scan is over, stops the writing before the next output (or the next statement page: the
  // set written so far is removed again). A second one ends the run at once. Either way the run says
  // which outputs are in place, whole, and which are not. Installed before any temporary file exists
  // and kept until every output is in place.
  let signal: StopSignal | undefined;
  let onInterrupt: (() => void) | undefined;
  const interruptedP = new Promise<void>((resolve) => (onInterrupt = resolve));
  // ends an output's wait for a reader (a FIFO) at the first signal
  const stopWaiting = new AbortController();
  let scanner: Scanner | undefined;
  let manifest: ManifestWriter | undefined;
  let statements: StatementsFolder | undefined;
  /** outputs in place and whole, as "--csv s.csv" */
  const written: string[] = [];
  const manifestOnStdout = (): string =>
    manifest && o.files === '-' ? `; the manifest on stdout is partial (${count(manifest.rows, 'row', 'rows')})` : '';
  const writtenSoFar = (): string =>
    written.length ? `written and complete: ${written.join(', ')}; no other output written` : 'no output file written';
  const onSignal = (s: StopSignal): void => {
    if (signal) {
      removeTemporaryFiles();
      const stopped = statements?.abandon();
      process.stderr.write(
        `leaktally: ${s} again: stopped at once; ${printable(writtenSoFar())}${stopped ? `; ${printable(stopped)}` : ''}${written.includes('--files -') ? '' : manifestOnStdout()}\n`,
      );
      process.exit(signalExitCode(s));
    }
    signal = s;
    stopWaiting.abort();
    scanner?.stop();
    manifest?.release();
    onInterrupt!();
  };
  // read through a function: the handler may set it while a write is awaited (the type checker would
  // hold it to what a test above it found)
  const stopped = (): StopSignal | undefined => signal;
  const handlers = Object.keys(STOP_SIGNALS).map((s) => [s, () => onSignal(s as StopSignal)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const files = new Map<string, Output>();
  const locks: OutputLock[] = [];
  let result: ScanResult;
  try {
    // the statements folder first: made and opened now, and no other output may go in it
    if (o.notify.statements !== undefined) {
      const sf = StatementsFolder.open(o.notify.statements, o.dir);
      if (typeof sf === 'string') throw new OutputError(`--statements: ${sf}`);
      statements = sf;
      for (const n of sf.notes) note(n);
    }
    const plans = planOutputs(targets, o.dir, statements && { id: statements.id, given: statements.given });
    if (typeof plans === 'string') throw new OutputError(plans);
    try {
      // locked against another run writing the same file, and what a killed run left of it removed
      for (const [flag, plan] of plans) {
        if (!plan.folder) continue;
        const locked = takeLock(plan.folder, `.${plan.name}.lock`, plan.target);
        if (typeof locked === 'string') throw new OutputError(`${flag}: ${locked}`);
        locks.push(locked.lock);
        if (locked.staleFrom !== undefined)
          note(`${flag}: removed the lock of an earlier run that was stopped (process ${locked.staleFrom})`);
        const stale = staleTemporaryFiles(plan.folder, new Set([plan.name]));
        if (stale.removed.length)
          note(
            `${flag}: removed ${count(stale.removed.length, 'temporary file', 'temporary files')} of ${plan.target} left by an earlier run that was stopped (process ${stale.pids.join(', ')})`,
          );
      }
    } catch (e) {
      closePlans(plans.values());
      throw e;
    }
    for (const [flag, plan] of plans) {
      try {
        files.set(
          flag,
          await openOutput(plan, {
            private: flag === '--files',
            root: o.dir,
            signal: stopWaiting.signal,
            onWait: () => note(`${flag}: waiting for a reader of the FIFO ${plan.target}`),
          }),
        );
      } catch (e) {
        closePlans([...plans].filter(([f]) => !files.has(f)).map(([, p]) => p));
        if (e instanceof OutputInterrupted) break; // stopped below, as a stop during the scan
        throw new OutputError(`${flag}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }

    // a write error of the manifest while the scan runs: stop the scan; reported below
    let manifestError: Error | undefined;
    if (o.files && !signal) {
      manifest = new ManifestWriter(
        o.files === '-' ? process.stdout : files.get('--files')!.stream,
        o.tz,
        o.delimiter,
        {
          terminal: o.files === '-' && stdoutTty,
          onError: (e) => {
            manifestError = e;
            scanner?.stop();
          },
        },
      );
    }
    const m = manifest;
    const plan = planFor(o.notify, o.tz);
    scanner = new Scanner(configOf(o, plan), m ? (r) => m.add(r) : undefined, m ? () => m.waitForRoom() : undefined);
    if (signal) scanner.stop();
    const timer = stderrTty
      ? // eslint-disable-next-line @typescript-eslint/no-deprecated -- progress() is taken now; snapshot().progress is the last published one and would show an older count or time
        setInterval(() => process.stderr.write(`\r\x1b[K${progressLine(scanner!.progress())}`), 100)
      : undefined;
    try {
      result = await scanner.run();
    } finally {
      if (timer) {
        clearInterval(timer);
        process.stderr.write('\r\x1b[K');
      }
    }
    if (manifest && !signal && !manifestError) {
      await Promise.race([manifest.end(), interruptedP]);
      if (o.files === '-' && !stopped()) written.push('--files -');
    }
    manifestError ??= manifest?.failure;
    if (manifestError) {
      removeTemporaryFiles();
      if (o.files === '-' && (manifestError as NodeJS.ErrnoException).code === 'EPIPE') throw manifestError; // main: a closed pipe
      const where = o.files === '-' ? 'stdout' : o.files;
      throw new OutputError(
        `--files: cannot write ${where}: ${describeError(manifestError)}; the scan was stopped and no output written`,
        1,
      );
    }
    if (signal && !written.length) {
      removeTemporaryFiles();
      // rows already taken for stdout are sent whole (the CSV's buffer flushed), so the count below is what the reader gets
      if (manifest && o.files === '-') void manifest.end();
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- progress() is taken now; snapshot().progress is the last published one and would show an older count or time
      const done = scanner.progress().done;
      const stdoutPart =
        manifest && o.files === '-' && manifest.rows > 0
          ? `the manifest on stdout is partial (${count(manifest.rows, 'row', 'rows')} written, the rest not); no other output written`
          : 'no output written';
      process.stderr.write(`leaktally: interrupted (${signal}) after ${count(done, 'file', 'files')}; ${stdoutPart}\n`);
      return signalExitCode(signal);
    }

    const display =
      shownRoot === result.config.root ? result : { ...result, config: { ...result.config, root: shownRoot } };
    const register = o.notify.register;
    if (register) {
      // before anything is written: statements telling every controller it is not affected would be wrong
      const mismatch = registerMismatch(result, register);
      if (mismatch) throw new OutputError(mismatch, 2);
    }
    const ctx = { version: version(), argv: process.argv.slice(2), registerPath: o.notify.registerPath };
    // built once: caller sets are united and placed in countries here, for every output
    const report = notifyReport(display, notifyOptionsOf(o.notify, plan));
    // The CSV and JSON are written as they are made, a piece (~60 KB) at a time, waiting
    // for the output to take each (a million customers' JSON is ~1.5 GB: never held whole). Each is
    // made once: it goes to stdout or to its file, not both.
    const csv = (): Iterable<string> => summaryCsvChunks(report, display, o.delimiter);
    const json = function* (): Iterable<string> {
      for (const piece of summaryJsonChunks(report, display, optionsRecord(o), ctx)) yield escapeJson(piece);
    };
    // stdout is data, kept faithful, except on a terminal: no name may send escape sequences there
    // (pieces end at a line's end, so each is made printable on its own)
    if (!stopped() && (o.csv === '-' || (csvToStdout && !o.csv))) {
      for (const piece of csv()) await writeStdout(stdoutTty ? printableLines(piece) : piece);
      written.push(o.csv === '-' ? '--csv -' : 'the summary on stdout');
    }
    if (!stopped() && o.json === '-') {
      for (const piece of json()) await writeStdout(piece);
      written.push('--json -');
    }
    // into the temporary files; a signal stops between pieces (the file is then not put in place), a
    // write error stops the output (its commit below says so)
    for (const [flag, pieces] of [
      ['--csv', csv],
      ['--json', json],
    ] as const) {
      const f = files.get(flag);
      if (!f) continue;
      for (const piece of pieces()) {
        if (stopped() || f.failure) break;
        await f.send(piece);
      }
    }
    // the manifest first: the largest output, the one a full disk stops, and then no other is put in place
    const order = [...files].sort(([a], [b]) => Number(b === '--files') - Number(a === '--files'));
    const needMethod = o.notify.xlsx !== undefined || statements !== undefined;
    const m2 = needMethod ? packMethod(display, report, ctx) : undefined;
    for (const [flag, f] of order) {
      if (stopped()) break;
      try {
        if (flag === '--xlsx') await writePackWorkbook(f, display, report, m2!);
        else await f.commit();
      } catch (e) {
        if (e instanceof OutputWriteError) throw new OutputError(`${flag}: ${e.message}`, 1);
        throw new OutputError(e instanceof Error ? e.message : String(e), 1);
      }
      written.push(`${flag} ${f.target}`);
    }
    let statementsNote = '';
    if (statements && !stopped()) {
      const sf = statements;
      try {
        const w = await writePackStatements(sf, display, report, m2!, ctx, () =>
          stopped() ? `interrupted (${stopped()})` : undefined,
        );
        written.push(`--statements ${sf.given} (${count(w.files.length, 'file', 'files')})`);
        if (w.removedOld.length)
          note(
            `--statements: removed ${count(w.removedOld.length, 'statement', 'statements')} of the earlier run into ${sf.given} that this run did not write again (${w.removedOld.slice(0, 3).join(', ')}${w.removedOld.length > 3 ? ', …' : ''})`,
          );
      } catch (e) {
        if (e instanceof StatementsStopped && e.bySignal) {
          statementsNote = `; --statements ${sf.given}: stopped after ${num(e.writtenThenRemoved)} of ${count(e.total, 'page', 'pages')}, and the set was removed again (this run's pages and the earlier run's): the folder holds no statements now`;
        } else if (e instanceof StatementsStopped || e instanceof FolderMovedError) {
          throw new OutputError(
            `--statements: ${e.message}${e instanceof StatementsStopped ? `; the ${num(e.writtenThenRemoved)} pages written were removed again, with the earlier run's` : '; nothing was written to it'}${written.length ? `; ${writtenSoFar()}` : ''}`,
            1,
          );
        } else throw e;
      }
    }
    const late = stopped();
    if (late) {
      // a signal during the writes: every output is whole or absent; say which
      const notWritten = [
        ...order
          .filter(([flag, f]) => !written.includes(`${flag} ${f.target}`))
          .map(([flag, f]) => `${flag} ${f.target}`),
        ...(statements && !statementsNote && !written.some((w) => w.startsWith('--statements '))
          ? [`--statements ${statements.given} (left as it was)`]
          : []),
      ];
      process.stderr.write(
        `leaktally: interrupted (${late}) while the outputs were being written; ${printable(writtenSoFar())}${notWritten.length ? `; not written: ${printable(notWritten.join(', '))}` : ''}${printable(statementsNote)}\n`,
      );
      return signalExitCode(late);
    }
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    if (signal) {
      // The run is over (temporary files removed, or every output whole) but Node is still winding down
      // (reader threads closing, stdout flushing): a further signal now ends it with that signal's code,
      // as a second signal does during the run, not by the default death by signal (no exit code).
      for (const s of Object.keys(STOP_SIGNALS) as StopSignal[]) process.once(s, () => process.exit(signalExitCode(s)));
    }
    for (const f of files.values()) f.abort();
    statements?.close();
    for (const l of locks) l.release();
  }

  for (const w of warnings(result, shownRoot)) process.stderr.write(`leaktally: warning: ${w}\n`);
  if (o.notify.register) {
    const cov = registerCoverage(result, o.notify.register);
    if (cov.found < cov.keys)
      process.stderr.write(
        `leaktally: warning: ${num(cov.found)} of the register's ${num(cov.keys)} keys ${cov.found === 1 ? 'names' : 'name'} a customer in the tree; ${count(cov.keys - cov.found, 'was', 'were')} not found (e.g. ${printable(cov.missing[0]!)})\n`,
      );
  }
  if (stderrTty) {
    const t = result.totals;
    process.stderr.write(
      `leaktally: ${num(t.files)} files in ${t.customers} customers: ${num(t.audioFiles)} recordings, ` +
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- progress() is taken now; snapshot().progress is the last published one and would show an older count or time
        `${hours(t.audioSeconds)} h, ${t.unreadableFiles} unreadable (${(scanner.progress().elapsedMs / 1000).toFixed(1)} s)\n`,
    );
  }
  const run = runCompleteness(runGaps(result));
  if (run.complete) return 0;
  const why = gapPhrases(run).join('; ');
  if (o.allowIncomplete) {
    process.stderr.write(`leaktally: incomplete (${why}); exit 0 (--allow-incomplete)\n`);
    return 0;
  }
  process.stderr.write(
    `leaktally: incomplete: ${why}; the outputs say so and every figure is a lower bound (exit ${EXIT_INCOMPLETE}; --allow-incomplete exits 0)\n`,
  );
  return EXIT_INCOMPLETE;
}
