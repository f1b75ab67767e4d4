/**
 * The headless face: scan, then write the summary CSV/JSON, the manifest, the workbook and the
 * statements. A run is a sequence of named steps (runHeadless at the end reads as the list of them);
 * the state they share (the outputs opened, what is written, the signal that stopped the run) lives in
 * one HeadlessRun.
 */
import { Scanner, evidenceWarnings, replayScan, type ScanResult } from '../scan/engine.js';
import { CaseWriter } from '../case/writer.js';
import { CaseError, removeStaleVfsLock, type Db } from '../case/db.js';
import { lockCaseFile } from './case-lock.js';
import { knownFiles, openCase, runs, storedScan, type RunRow, optionsOf } from '../case/store.js';
import { CHANGED } from '../scan/walk/walk.js';
import { CHANGED_BETWEEN } from '../case/between.js';
import { diffLine, followUp, type FollowUp } from '../case/diff.js';
import { formatIso } from '../scan/place/date/zone.js';
import { version } from '../report/notify/method.js';
import {
  FolderMovedError,
  openOutput,
  OutputInterrupted,
  removeTemporaryFiles,
  OutputWriteError,
  type Output,
} from '../report/output/atomic.js';
import { closePlans, planOutputs, describeError } from '../report/output/target.js';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { staleTemporaryFiles, takeLock } from '../report/output/lock.js';
import { StatementsFolder, StatementsStopped, stoppedLine } from '../report/output/statements-folder.js';
import { summaryCsvChunks, summaryJsonChunks } from '../report/write/summary.js';
import { notifyReport, registerCoverage, type NotifyReport } from '../report/notify/notify.js';
import { gapPhrases, runCompleteness, runGaps } from '../report/notify/completeness.js';
import { en } from '../report/lang/en.js';
import { readersBuild } from '../scan/probe/build.js';
import type { Register } from '../report/notify/register.js';
import { ManifestWriter } from '../report/write/manifest.js';
import { escapeJson, printable, printableLines } from '../scan/place/names.js';
import { progressLine } from './progress.js';
import { hours, num } from '../report/human.js';
import { packMethod, writePackStatements, writePackWorkbook } from '../report/write/pack.js';
import { WorkbookStopped } from '../report/write/xlsx-stream.js';
import type { Method } from '../report/notify/method.js';
import { EXIT, signalExitCode, stopSignals, type StopSignal } from '../report/exit.js';
import type { RunPlan } from './plan.js';
import { isRemote } from '../scan/http/url.js';
import { NOT_RELISTED } from '../scan/http/walk.js';

/** An output that cannot be used: found before the scan (exit 2) or while writing (exit 1). */
export class OutputError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof EXIT.output | typeof EXIT.usage = EXIT.usage,
  ) {
    super(message);
  }
}

/**
 * A register none of whose keys names a customer found in the tree: the pattern or --depth is almost
 * certainly wrong, and every controller would be told it is not affected. One line: the keys tried, the
 * first customers found, the likely fix. undefined when some key matches (or nothing was found at all).
 */
function registerMismatch(result: ScanResult, register: Register): string | undefined {
  const cov = registerCoverage(result, register);
  if (cov.found > 0 || result.totals.files === 0) return undefined;
  const few = (xs: string[], all = xs.length): string =>
    xs
      .slice(0, 3)
      .map((x) => `"${printable(x)}"`)
      .join(', ') + (all > 3 ? `, … (${num(all)} in all)` : '');
  const found = cov.customers.count
    ? `the customers found are ${few(cov.customers.first, cov.customers.count)}`
    : 'no file was given to a customer (every file is unmatched or above the customer level)';
  const fix = result.config.pattern
    ? "check --pattern: its {customer} must capture the register's keys"
    : 'give --pattern with {customer} (keys in file names) or the --depth of the customer folders';
  return `--register: none of its ${num(cov.keys)} keys (${few(register.entries.map((e) => e.key))}) names a customer in the tree; ${found}; ${fix}. Nothing written.`;
}

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

/** What resuming takes over from a case file (knownFiles, when its runs are of these readers). */
type TakenOver = Exclude<ReturnType<typeof knownFiles>, { otherBuild: string } | undefined>;

/** The version a case file's run keeps: the package's and its readers' (probe/build.ts), "0.1.0+readers.…". */
const toolBuild = (): string => `${version()}+readers.${readersBuild()}`;
const count = (n: number, one: string, many: string): string => `${num(n)} ${n === 1 ? one : many}`;

/** Warnings worth a line on stderr after a scan (names and arguments sanitised for the terminal). */
function warnings(r: ScanResult, shownRoot = r.config.root): string[] {
  const w: string[] = [];
  if (r.config.pattern && r.totals.files > 0 && r.unmatched === r.totals.files) {
    w.push(
      `--pattern matched none of the ${count(r.totals.files, 'file', 'files')}; check it against a path below ${printable(shownRoot)}`,
    );
  } else if (r.unmatched > 0) {
    w.push(`${count(r.unmatched, 'file', 'files')} did not match --pattern (counted under "(unmatched)")`);
  }
  if (r.unreadableFolders) {
    // folders whose files as first listed are counted, though the folder is a gap (each said once)
    const counted = [
      [CHANGED, 'a folder changed during the scan: those its listing gave are'],
      [CHANGED_BETWEEN, "a folder changed between shard runs: those its shard's listing gave are"],
      [NOT_RELISTED, 'a folder not listed again at the end of the scan: those its first listing gave are'],
    ]
      .filter(([why]) => r.folderErrors.some((e) => e.error === why))
      .map(([, note]) => note);
    // the engine keeps the first 100 folder errors, so there is a first one
    w.push(
      `${count(r.unreadableFolders, 'folder', 'folders')} could not be read, e.g. ${printable(r.folderErrors[0]!.path)} (${r.folderErrors[0]!.error}); their files are not counted${counted.length ? ` (${counted.join('; ')})` : ''}`,
    );
  }
  if (r.linksSkipped) w.push(`${count(r.linksSkipped, 'symbolic link was', 'symbolic links were')} not followed`);
  w.push(...evidenceWarnings(r).map(printable));
  return w;
}

/** A headless run's shared state, and its steps in the order runHeadless takes them. */
class HeadlessRun {
  // @types/node declares isTTY a boolean, but it is undefined when the stream is not a terminal
  private readonly stderrTty = (process.stderr.isTTY as boolean | undefined) === true;
  private readonly stdoutTty = (process.stdout.isTTY as boolean | undefined) === true;
  private readonly o: RunPlan['outputs'];
  /** the signal that stopped the run, once one came */
  private signal: StopSignal | undefined;
  private onInterrupt!: () => void;
  /** settles when the first signal comes */
  private readonly interrupted = new Promise<void>((resolve) => (this.onInterrupt = resolve));
  /** ends an output's wait for a reader (a FIFO) at the first signal */
  private readonly stopWaiting = new AbortController();
  private handlers: (readonly [StopSignal, () => void])[] = [];
  private scanner: Scanner | undefined;
  private manifest: ManifestWriter | undefined;
  /** a write error of the manifest while the scan runs: the scan is stopped, and it is reported after */
  private manifestError: Error | undefined;
  private statements: StatementsFolder | undefined;
  /** the case file's writer (--case), and its first error (the scan is stopped, and it is reported after) */
  private caseWriter: CaseWriter | undefined;
  /** this run holds the case file's lock (so the library's lock beside it, if any, is this run's) */
  /** the case file through its folder as locked (cli/case-lock.ts): every open of it goes through this */
  private casePath?: string;
  private caseError: Error | undefined;
  /** --from --since: the comparison the statements state (set once the stored run is read) */
  followUp: FollowUp | undefined;
  /** outputs open in their temporary files, by flag */
  private readonly files = new Map<string, Output>();
  private readonly locks: { release(): void }[] = [];
  /** outputs in place and whole, as "--csv s.csv" */
  private readonly written: string[] = [];

  constructor(private readonly plan: RunPlan) {
    this.o = plan.outputs;
  }

  private note(line: string): void {
    process.stderr.write(`leaktally: note: ${printable(line)}\n`);
  }

  /**
   * Read through a method: a handler may set the signal while a write is awaited (the type checker would
   * hold a field to what a test above it found).
   */
  private stopped(): StopSignal | undefined {
    return this.signal;
  }

  private writtenSoFar(): string {
    return this.written.length
      ? `written and complete: ${this.written.join(', ')}; no other output written`
      : 'no output file written';
  }

  private manifestOnStdout(): string {
    return this.manifest && this.o.files === '-'
      ? `; the manifest on stdout is partial (at most ${count(this.manifest.rows, 'row', 'rows')}, the last possibly cut short)`
      : '';
  }

  /**
   * Signals: the first stops the scan (what was counted is thrown away, temporary files removed), or,
   * once the scan is over, stops the writing before the next output (or the next statement page: the
   * set written so far is removed again). A second one ends the run at once. Either way the run says
   * which outputs are in place, whole, and which are not. Installed before any temporary file exists
   * and kept until every output is in place.
   */
  catchSignals(): void {
    const onSignal = (s: StopSignal): void => {
      if (this.signal) {
        removeTemporaryFiles();
        // the case file's library lock (a folder beside it) would outlive this exit: SQLite rolls back
        // whatever the exit cut short on the next open; ours (.FILE.lock) is let go by the exit hook
        if (this.casePath !== undefined) removeStaleVfsLock(this.casePath);
        const abandoned = this.statements?.abandon();
        // a --statements folder this run made and holds nothing of it is removed again, as after one
        // signal: left, it was an empty folder no one asked for (attack round 13b)
        try {
          this.statements?.close();
        } catch {
          /* closed already */
        }
        process.stderr.write(
          `leaktally: ${s} again: stopped at once; ${printable(this.writtenSoFar())}${abandoned ? `; ${printable(abandoned)}` : ''}${this.written.includes('--files -') ? '' : this.manifestOnStdout()}\n`,
        );
        process.exit(signalExitCode(s));
      }
      this.signal = s;
      this.stopWaiting.abort();
      this.scanner?.stop();
      this.manifest?.release();
      this.onInterrupt();
    };
    this.handlers = stopSignals.map((s) => [s, () => onSignal(s)] as const);
    for (const [s, h] of this.handlers) process.on(s, h);
  }

  /**
   * Every output made ready before the scan: the statements folder made and opened (no other output may
   * go in it), each file output locked against another run writing it, the temporary files a killed run
   * left of it removed, and its own temporary file opened.
   */
  async openOutputs(): Promise<void> {
    const { dir, o } = { dir: this.plan.scan.root, o: this.o };
    this.lockCase();
    if (o.statements !== undefined) {
      const sf = StatementsFolder.open(o.statements, dir);
      if (typeof sf === 'string') throw new OutputError(`--statements: ${sf}`);
      this.statements = sf;
      for (const n of sf.notes) this.note(n);
    }
    const targets = [
      ['--csv', o.csv],
      ['--json', o.json],
      ['--files', o.files],
      ['--xlsx', o.xlsx],
    ] as const;
    const sf = this.statements;
    const plans = planOutputs(targets, dir, sf && { id: sf.id, given: sf.given });
    if (typeof plans === 'string') throw new OutputError(plans);
    try {
      for (const [flag, plan] of plans) {
        if (!plan.folder) continue;
        const locked = takeLock(plan.folder, `.${plan.name}.lock`, plan.target);
        if (typeof locked === 'string') throw new OutputError(`${flag}: ${locked}`);
        this.locks.push(locked.lock);
        if (locked.staleFrom !== undefined)
          this.note(`${flag}: removed the lock of an earlier run that was stopped (process ${locked.staleFrom})`);
        const stale = staleTemporaryFiles(plan.folder, new Set([plan.name]));
        if (stale.removed.length)
          this.note(
            `${flag}: removed ${count(stale.removed.length, 'temporary file', 'temporary files')} of ${plan.target} left by an earlier run that was stopped (process ${stale.pids.join(', ')})`,
          );
      }
    } catch (e) {
      closePlans(plans.values());
      throw e;
    }
    for (const [flag, plan] of plans) {
      try {
        this.files.set(
          flag,
          await openOutput(plan, {
            private: flag === '--files',
            root: dir,
            signal: this.stopWaiting.signal,
            onWait: () => this.note(`${flag}: waiting for a reader of the FIFO ${plan.target}`),
          }),
        );
      } catch (e) {
        closePlans([...plans].filter(([f]) => !this.files.has(f)).map(([, p]) => p));
        if (e instanceof OutputInterrupted) break; // stopped below, as a stop during the scan
        throw new OutputError(`${flag}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /**
   * The case file locked against another run (written, or read by --from while another run writes it).
   * A lock whose run is gone is taken over, and the case file's own library lock that run left (db.ts)
   * removed.
   */
  private lockCase(): void {
    const c = this.plan.case;
    if (!c) return;
    const flag = c.mode === 'write' ? '--case' : '--from';
    const lock = lockCaseFile(
      c.path,
      flag,
      (l) => this.note(l),
      c.mode === 'write' ? 'write' : 'read',
      c.mode === 'write' ? this.plan.scan.root : undefined,
    );
    if (typeof lock === 'string') throw new OutputError(lock);
    this.locks.push(lock);
    this.casePath = lock.path;
  }

  /** --from: the stored run placed again with this run's options; nothing of the tree is read. */
  private async replay(path: string, m: ManifestWriter | undefined): Promise<ScanResult> {
    const c = this.plan.case;
    if (c?.mode !== 'from') throw new Error('replay without --from');
    let opened;
    try {
      opened = openCase(path, { create: false, shown: c.path });
    } catch (e) {
      if (e instanceof CaseError) throw new OutputError(`--from: ${e.message}`);
      throw e;
    }
    try {
      const replayed = await replayScan(
        this.plan.scan,
        storedScan(opened.db, c.run),
        m ? (r) => m.add(r) : undefined,
        () => this.stopped() !== undefined,
      );
      if (c.since && !this.stopped()) this.followUp = this.compare(opened.db, c.since, c.run);
      return replayed;
    } catch (e) {
      if (e instanceof CaseError) throw new OutputError(`--from: ${e.message}`);
      throw e;
    } finally {
      opened.db.close();
    }
  }

  /**
   * --from CASE --since M: the earlier run compared with the one reported, as --diff compares them
   * (the same register's controllers), for the statements to say what changed since the first.
   */
  private compare(db: Db, since: RunRow, run: RunRow): FollowUp {
    const placed = (r: RunRow): Record<string, unknown> => {
      try {
        return optionsOf(r.options);
      } catch {
        return {};
      }
    };
    const [a, b] = [placed(since), placed(run)];
    const moved = ['depth', 'pattern', 'tz', 'country'].filter(
      (k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null),
    );
    if (moved.length)
      this.note(
        `--since: runs ${since.id} and ${run.id} placed files by different ${moved.map((k) => `--${k}`).join(', ')}: a file whose row changed is counted as removed from its old row and added to its new`,
      );
    const f = followUp(db, since, run, this.plan.notify.register);
    this.note(`--since: ${diffLine(f.diff, since, run)}; the statements are follow-ups`);
    return f;
  }

  /** --case: the writer thread started and the run's row opened; the files of the last run that are unchanged taken over. */
  private openCase(path: string, shown: string): { writer: CaseWriter; known?: TakenOver } {
    // the folder's absolute path: a report made later from the case file (--from, --diff, --merge),
    // perhaps in another working folder, refuses its outputs inside this tree by it
    const root = Buffer.from(isRemote(this.plan.scan.root) ? this.plan.scan.root : resolve(this.plan.scan.root));
    let known: TakenOver | undefined;
    try {
      const kept = existsSync(path) && statSync(path).size > 0;
      if (kept) this.warnOtherTree(path, root, shown);
      const found = kept ? knownFiles(path, root, toolBuild(), shown) : undefined;
      if (found && 'otherBuild' in found) {
        this.note(
          `--case: the case file's runs of this tree were made by other readers (${printable(found.otherBuild)}; this is ${toolBuild()}): every file is read again, as a figure a fixed reader changes must not be taken over`,
        );
        known = undefined;
      } else known = found;
      if (known?.withoutCtime)
        this.note(
          `--case: ${count(known.withoutCtime, 'file of the case file was', 'files of the case file were')} stored without a ctime (by a leaktally before case schema 3): compared by device, inode, size and mtime alone, so one rewritten in place with its mtime set back is taken over too; a new case file reads every file again`,
        );
    } catch (e) {
      if (e instanceof CaseError) throw new OutputError(`--case: ${e.message}`);
      throw e;
    }
    const start = Date.now();
    const zone = this.plan.scan.zone;
    try {
      const writer = CaseWriter.start(
        path,
        shown,
        {
          startedAt: formatIso(zone, start),
          zone,
          toolVersion: toolBuild(),
          root,
          rootShown: this.plan.shownRoot,
          options: {
            ...this.plan.recorded,
            ...rootId(this.plan.scan.root),
            // a shard's start to the millisecond (started_at is to the second): --merge takes a folder
            // whose ctime is from the first shard's start on as changed between the shard runs
            ...(this.plan.scan.shard ? { started_ms: start } : {}),
          },
          argv: this.plan.method.argv ?? [],
          resumedFrom: known?.from,
        },
        (e) => {
          this.caseError = e;
          this.scanner?.stop();
        },
      );
      return { writer, known };
    } catch (e) {
      throw new OutputError(`--case: cannot write ${shown}: ${(e as Error).message}`, EXIT.output);
    }
  }

  /**
   * --case into a case file whose last run scanned another folder: said, as --diff and --from --since
   * refuse to compare runs of two trees (case/diff.ts sameTree; attack round 22 H1).
   */
  private warnOtherTree(path: string, root: Buffer, shown: string): void {
    const { db } = openCase(path, { create: false, shown });
    let last: RunRow | undefined;
    try {
      last = runs(db).pop();
    } finally {
      db.close();
    }
    if (!last || Buffer.compare(last.root, root) === 0) return;
    const was = Buffer.from(last.root.buffer, last.root.byteOffset, last.root.byteLength).toString();
    process.stderr.write(
      `leaktally: warning: --case: run ${last.id} of ${printable(shown)} scanned ${printable(was)}, this run scans ${printable(root.toString())}: another tree, which --diff and --from --since will not compare with it (keep each tree in its own case file)\n`,
    );
  }

  /** The run's row closed: how it ended and what it could not read (the case file is then closed). */
  private async closeCase(result: ScanResult): Promise<void> {
    const w = this.caseWriter;
    if (!w) return;
    this.caseWriter = undefined;
    const run = runCompleteness(runGaps(result, this.plan.notify.register));
    try {
      await w.finish({
        finishedAt: formatIso(this.plan.scan.zone, result.finishedAt.getTime()),
        outcome: this.caseError ? 'failed' : result.partial ? 'stopped' : 'done',
        complete: run.complete,
        completeness: run.complete ? 'complete' : `incomplete: ${gapPhrases(run).join('; ')}`,
        files: result.totals.files,
        takenOver: result.takenOver ?? 0,
        linksSkipped: result.linksSkipped,
        specialSkipped: result.specialSkipped,
        noatimeFolders: result.noatime.folders,
        filesRefused: result.noatime.filesRefused,
        ...(result.http ? { http: result.http } : {}),
      });
    } catch (e) {
      this.caseError ??= e as Error;
    }
    if (this.caseError) {
      removeTemporaryFiles();
      throw new OutputError(
        `--case: cannot write ${this.plan.case!.path}: ${describeError(this.caseError)}; the scan was stopped and no output written`,
        EXIT.output,
      );
    }
  }

  /**
   * The scan, the manifest written as files are read (the walk waits for it), and the progress line on a
   * terminal. Returns the result, or the exit code of a run a signal stopped during the scan.
   */
  async scan(): Promise<ScanResult | number> {
    const o = this.o;
    if (o.files && !this.signal) {
      this.manifest = new ManifestWriter(
        o.files === '-' ? process.stdout : this.files.get('--files')!.stream,
        this.plan.scan.zone,
        o.delimiter,
        {
          terminal: o.files === '-' && this.stdoutTty,
          onError: (e) => {
            this.manifestError = e;
            this.scanner?.stop();
          },
        },
      );
    }
    const m = this.manifest;
    const c = this.plan.case;
    if (c?.mode === 'from') {
      const replayed = await this.replay(this.casePath ?? c.path, m);
      const signal = this.stopped();
      if (signal) {
        removeTemporaryFiles();
        process.stderr.write(`leaktally: interrupted (${signal}) while the case file was read; no output written\n`);
        return signalExitCode(signal);
      }
      if (m && !this.manifestError) {
        m.folders(replayed.folderErrors, replayed.unreadableFolders, replayed.repeatedFolders);
        await Promise.race([m.end(), this.interrupted]);
      }
      if (m && o.files === '-' && !this.stopped()) this.written.push('--files -');
      return replayed;
    }
    let known: ReturnType<HeadlessRun['openCase']>['known'];
    if (c?.mode === 'write' && !this.signal)
      ({ writer: this.caseWriter, known } = this.openCase(this.casePath ?? c.path, c.path));
    const cw = this.caseWriter;
    const wait = (): Promise<void> | undefined => {
      const a = m?.waitForRoom();
      const b = cw?.waitForRoom();
      return a && b ? Promise.all([a, b]).then(() => undefined) : (a ?? b);
    };
    const scanner = new Scanner(
      this.plan.scan,
      m ? (r) => m.add(r) : undefined,
      m || cw ? wait : undefined,
      cw
        ? {
            keepFacts: true,
            known: known?.known,
            onFile: (r) => cw.add(r),
            onStored: (json) => cw.addStored(json),
            onFolder: (rel, depth, error) => cw.folder(rel, depth, error),
            // a shard's folders as listed: --merge compares them across the shards (case/merge.ts)
            ...(this.plan.scan.shard
              ? { onStamp: (name: Buffer, depth: number, stamp: string) => cw.stamp(name, depth, stamp) }
              : {}),
            onRequests: (entries) => cw.requests(entries),
          }
        : {},
    );
    this.scanner = scanner;
    if (this.signal || this.caseError) scanner.stop();
    const timer = this.stderrTty
      ? // eslint-disable-next-line @typescript-eslint/no-deprecated -- progress() is taken now; snapshot().progress is the last published one and would show an older count or time
        setInterval(() => process.stderr.write(`\r\x1b[K${progressLine(scanner.progress())}`), 100)
      : undefined;
    let result: ScanResult;
    try {
      result = await scanner.run();
    } finally {
      if (timer) {
        clearInterval(timer);
        process.stderr.write('\r\x1b[K');
      }
    }
    await this.closeCase(result);
    if (known && result.takenOver)
      this.note(
        `--case: ${count(result.takenOver, 'file', 'files')} taken over unchanged from ${known.since === known.from ? `run ${known.from}` : `runs ${known.since} to ${known.from}`} of the case file (not read again)`,
      );
    if (m && !this.signal && !this.manifestError) {
      m.folders(result.folderErrors, result.unreadableFolders, result.repeatedFolders);
      await Promise.race([m.end(), this.interrupted]);
      if (o.files === '-' && !this.stopped()) this.written.push('--files -');
    }
    const manifestError = this.manifestError ?? m?.failure;
    if (manifestError) {
      removeTemporaryFiles();
      if (o.files === '-' && (manifestError as NodeJS.ErrnoException).code === 'EPIPE') throw manifestError; // main: a closed pipe
      const where = o.files === '-' ? 'stdout' : o.files;
      throw new OutputError(
        `--files: cannot write ${where}: ${describeError(manifestError)}; the scan was stopped and no output written`,
        EXIT.output,
      );
    }
    const signal = this.stopped();
    if (signal && !this.written.length) {
      removeTemporaryFiles();
      // rows already taken for stdout are sent whole (the CSV's buffer flushed); a reader that stopped
      // reading gets fewer (main.ts gives it a second), so the count is of rows handed to stdout
      if (m && o.files === '-') void m.end();
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- progress() is taken now; snapshot().progress is the last published one and would show an older count or time
      const done = scanner.progress().done;
      const stdoutPart =
        m && o.files === '-' && m.rows > 0
          ? `the manifest on stdout is partial (${count(m.rows, 'row', 'rows')} handed to it, the rest not); no other output written`
          : 'no output written';
      process.stderr.write(`leaktally: interrupted (${signal}) after ${count(done, 'file', 'files')}; ${stdoutPart}\n`);
      return signalExitCode(signal);
    }
    return result;
  }

  /**
   * The CSV and JSON summaries, written as they are made, a piece (~60 KB) at a time, waiting for the
   * output to take each (a million customers' JSON is ~1.5 GB: never held whole). Each is made once: it
   * goes to stdout or to its temporary file, not both. A signal stops between pieces (the file is then
   * not put in place); a write error stops the output (its commit says so).
   */
  async writeSummaries(display: ScanResult, report: NotifyReport): Promise<void> {
    const o = this.o;
    const csv = (): Iterable<string> => summaryCsvChunks(report, display, o.delimiter);
    const recorded = this.plan.recorded;
    const method = this.plan.method;
    const json = function* (): Iterable<string> {
      for (const piece of summaryJsonChunks(report, display, recorded, method)) yield escapeJson(piece);
    };
    // stdout is data, kept faithful, except on a terminal: no name may send escape sequences there
    // (pieces end at a line's end, so each is made printable on its own)
    if (!this.stopped() && (o.csv === '-' || (o.summaryOnStdout && !o.csv))) {
      for (const piece of csv()) await writeStdout(this.stdoutTty ? printableLines(piece) : piece);
      this.written.push(o.csv === '-' ? '--csv -' : 'the summary on stdout');
    }
    if (!this.stopped() && o.json === '-') {
      for (const piece of json()) await writeStdout(piece);
      this.written.push('--json -');
    }
    for (const [flag, pieces] of [
      ['--csv', csv],
      ['--json', json],
    ] as const) {
      const f = this.files.get(flag);
      if (!f) continue;
      for (const piece of pieces()) {
        if (this.stopped() || f.failure) break;
        await f.send(piece);
      }
    }
  }

  /**
   * The file outputs put in place, the manifest first: the largest output, the one a full disk stops,
   * and then no other is put in place. The workbook is written here, from the method it shares with the
   * statements. Returns the outputs in the order they were taken.
   */
  async commitOutputs(
    display: ScanResult,
    report: NotifyReport,
    method: Method | undefined,
  ): Promise<[string, Output][]> {
    const order = [...this.files].sort(([a], [b]) => Number(b === '--files') - Number(a === '--files'));
    for (const [flag, f] of order) {
      if (this.stopped()) break;
      try {
        if (flag === '--xlsx') await writePackWorkbook(f, display, report, method!, () => !!this.stopped());
        else await f.commit();
      } catch (e) {
        // a signal while the workbook was written: it is removed, and the interruption line says so
        if (e instanceof WorkbookStopped) break;
        if (e instanceof OutputWriteError) throw new OutputError(`${flag}: ${e.message}`, EXIT.output);
        throw new OutputError(e instanceof Error ? e.message : String(e), EXIT.output);
      }
      this.written.push(`${flag} ${f.target}`);
    }
    return order;
  }

  /**
   * The statements, page by page into the folder opened before the scan. Returns a note for the
   * interruption line when a signal stopped them (the set written so far is removed again).
   */
  async writeStatements(display: ScanResult, report: NotifyReport, method: Method | undefined): Promise<string> {
    const sf = this.statements;
    if (!sf || this.stopped()) return '';
    try {
      const w = await writePackStatements(sf, display, report, method!, this.plan.method, () => {
        const s = this.stopped();
        return s ? `interrupted (${s})` : undefined;
      });
      this.written.push(`--statements ${sf.given} (${count(w.files.length, 'file', 'files')})`);
      if (w.removedOld.length)
        this.note(
          `--statements: removed ${count(w.removedOld.length, 'statement', 'statements')} of the earlier run into ${sf.given} that this run did not write again (${w.removedOld.slice(0, 3).join(', ')}${w.removedOld.length > 3 ? ', …' : ''})`,
        );
      return '';
    } catch (e) {
      // the pages were written aside (statements-folder.ts): the folder is as it was, they go with a process of their own
      if (e instanceof StatementsStopped && e.bySignal)
        return `; --statements ${sf.given}: ${stoppedLine(e.writtenThenRemoved, e.total, e.earlier, sf.remover)}`;
      if (e instanceof StatementsStopped || e instanceof FolderMovedError)
        throw new OutputError(
          `--statements: ${e.message}${e instanceof StatementsStopped ? `; none of the ${num(e.writtenThenRemoved)} pages written was put in place: the folder holds ${e.earlier ? "the earlier run's set, as it was" : 'no statements'}` : '; nothing was written to it'}${this.written.length ? `; ${this.writtenSoFar()}` : ''}`,
          EXIT.output,
        );
      throw e;
    }
  }

  /**
   * A signal during the writes: every output is whole or absent; the line says which. Returns the exit
   * code, or undefined when no signal came.
   */
  interruptedWhileWriting(order: [string, Output][], statementsNote: string): number | undefined {
    const late = this.stopped();
    if (!late) return undefined;
    const sf = this.statements;
    const notWritten = [
      ...order
        .filter(([flag, f]) => !this.written.includes(`${flag} ${f.target}`))
        .map(([flag, f]) => `${flag} ${f.target}`),
      ...(sf && !statementsNote && !this.written.some((w) => w.startsWith('--statements '))
        ? [`--statements ${sf.given} (left as it was)`]
        : []),
    ];
    process.stderr.write(
      `leaktally: interrupted (${late}) while the outputs were being written; ${printable(this.writtenSoFar())}${notWritten.length ? `; not written: ${printable(notWritten.join(', '))}` : ''}${printable(statementsNote)}\n`,
    );
    return signalExitCode(late);
  }

  /** Temporary files dropped, the statements folder and the locks let go; the signal handlers off. */
  close(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    if (this.signal) {
      // The run is over (temporary files removed, or every output whole) but Node is still winding down
      // (reader threads closing, stdout flushing): a further signal now ends it with that signal's code,
      // as a second signal does during the run, not by the default death by signal (no exit code).
      for (const s of stopSignals) process.once(s, () => process.exit(signalExitCode(s)));
    }
    for (const f of this.files.values()) f.abort();
    this.statements?.close();
    // a run that failed before the case's run was closed: what was committed stays, the run reads as
    // never finished (its writer thread would otherwise keep the process alive)
    void this.caseWriter?.abandon();
    for (const l of this.locks) l.release();
  }

  /** The lines on stderr after a finished run, and its exit code: 0, or 3 when it was incomplete. */
  finish(result: ScanResult): number {
    for (const w of warnings(result, this.plan.shownRoot)) process.stderr.write(`leaktally: warning: ${w}\n`);
    const register = this.plan.notify.register;
    if (register) {
      const cov = registerCoverage(result, register);
      if (cov.found < cov.keys)
        process.stderr.write(
          `leaktally: warning: ${num(cov.found)} of the register's ${num(cov.keys)} keys ${cov.found === 1 ? 'names' : 'name'} a customer in the tree; ${count(cov.keys - cov.found, 'was', 'were')} not found (e.g. ${printable(cov.firstMissing!)})\n`,
        );
      // a key not found beside a customer spelt like it (ACME for acme): both spellings, not merged
      const gaps = runGaps(result, register);
      const like = [...(gaps.lookalikes?.values() ?? [])];
      if (like.length) {
        const e = like[0]![0]!;
        process.stderr.write(
          `leaktally: warning: ${count(like.length, 'key', 'keys')} of the register not found ${like.length === 1 ? 'is' : 'are'} named like a customer found (e.g. key "${printable(e.key)}", customer "${printable(e.name)}", ${count(e.files, 'file', 'files')}); not merged: ${like.length === 1 ? 'its controller' : 'their controllers'} cannot be ruled out until a person decides\n`,
        );
      }
      // customers no key names that may hold recordings: every controller is uncertain until they are assigned
      const u = gaps.unassigned;
      if (u)
        process.stderr.write(
          `leaktally: warning: ${count(u.rows, 'customer', 'customers')} that no key of the register names (e.g. "${printable(u.first)}") ${u.rows === 1 ? 'holds' : 'hold'} ${en.gap.unassignedHold(num(u.files), u.files, num(u.unreadFolders), u.unreadFolders)}: no controller is told "not affected" or given an exact count until each is assigned in the register (a row of its key and its controller)\n`,
        );
    }
    if (this.stderrTty) {
      const t = result.totals;
      const elapsed = (result.finishedAt.getTime() - result.startedAt.getTime()) / 1000;
      process.stderr.write(
        `leaktally: ${num(t.files)} files in ${t.customers} customers: ${num(t.audioFiles)} recordings, ` +
          `${hours(t.audioMicros / 1e6)} h, ${t.unreadableFiles} unreadable (${elapsed.toFixed(1)} s)\n`,
      );
    }
    const shard = this.plan.scan.shard;
    if (shard)
      process.stderr.write(
        `leaktally: shard ${shard.index}/${shard.count}: ${count(result.totals.files, 'file', 'files')} of ${count(result.totals.customers, 'row', 'rows')} kept in ${printable(this.plan.case!.path)}; once every shard has run: leaktally --merge ALL.case <the shards' case files>, then leaktally --from ALL.case\n`,
      );
    const run = runCompleteness(runGaps(result, register));
    // a follow-up whose earlier run had gaps says so in every statement: as --diff, exit 3
    const earlier =
      this.followUp?.since.gap &&
      `run ${this.followUp.since.run} (the earlier, --since) ${this.followUp.since.gap === 'gaps' ? 'had gaps' : this.followUp.since.gap === 'stopped' ? 'was stopped' : 'never finished'}: the follow-up statements say the comparison is incomplete`;
    if (run.complete && !earlier) return EXIT.ok;
    const why = [...(run.complete ? [] : gapPhrases(run)), ...(earlier ? [earlier] : [])].join('; ');
    if (this.o.allowIncomplete) {
      process.stderr.write(`leaktally: incomplete (${printable(why)}); exit 0 (--allow-incomplete)\n`);
      return EXIT.ok;
    }
    // only the earlier run had gaps: this run's figures are whole, the comparison with it is not
    const bound = run.complete ? '' : ' and every figure is a lower bound';
    process.stderr.write(
      // (printable: the phrases name customers, a folder's name its bytes, escapes included: attack round 26b H1)
      `leaktally: incomplete: ${printable(why)}; the outputs say so${bound} (exit ${EXIT.incomplete}; --allow-incomplete exits 0)\n`,
    );
    return EXIT.incomplete;
  }
}

/** A headless run: its steps, in order. Returns the exit code (report/exit.ts). */
export async function runHeadless(plan: RunPlan): Promise<number> {
  const run = new HeadlessRun(plan);
  run.catchSignals();
  let result: ScanResult;
  try {
    await run.openOutputs();
    const scanned = await run.scan();
    if (typeof scanned === 'number') return scanned;
    result = scanned;
    const shown = plan.shownRoot;
    const display = shown === result.config.root ? result : { ...result, config: { ...result.config, root: shown } };
    // before anything is written: statements telling every controller it is not affected would be wrong
    const mismatch = plan.notify.register && registerMismatch(result, plan.notify.register);
    if (mismatch) throw new OutputError(mismatch, EXIT.usage);
    // built once: caller sets are united and placed in countries here, for every output
    const report = notifyReport(display, run.followUp ? { ...plan.notify, followUp: run.followUp } : plan.notify);
    await run.writeSummaries(display, report);
    const needMethod = plan.outputs.xlsx !== undefined || plan.outputs.statements !== undefined;
    const method = needMethod ? packMethod(display, report, plan.method) : undefined;
    const order = await run.commitOutputs(display, report, method);
    const statementsNote = await run.writeStatements(display, report, method);
    const code = run.interruptedWhileWriting(order, statementsNote);
    if (code !== undefined) return code;
  } finally {
    run.close();
  }
  return run.finish(result);
}

/**
 * The tree's root folder by device and inode, kept in the run's options (`root_id`): a later --from,
 * --diff or --merge keeps its outputs out of the tree wherever it has gone (case/store.ts treeOf).
 * Nothing for a web server's tree, or a root that cannot be looked at.
 */
function rootId(root: string): { root_id?: string } {
  try {
    const st = statSync(root);
    return { root_id: `${st.dev}:${st.ino}` };
  } catch {
    return {};
  }
}
