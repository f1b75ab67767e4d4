/**
 * The --statements folder: made and opened before the scan, written after it, always through the
 * open folder (folder.ts), so that the folder checked is the folder filled whatever is done to its
 * path meanwhile (a link swapped in, a rename into the evidence tree).
 *
 * Whose files are in it: a run writes `leaktally-index.json` there, listing every file it wrote. A
 * later run into the same folder removes the files of that list it does not write again (a customer
 * gone from the register, a controller renamed: no stale statement stays beside the new ones), and
 * refuses a folder holding anything else (exit 2): a folder of someone's own files is not leaktally's
 * to fill, nor to clear. A file there that is read-only is not replaced either (refused, exit 2).
 *
 * The pages are written into a staging folder inside it (`.leaktally-staging-PID`, made and opened
 * through the open folder, never followed through a link) and renamed into place only once every page
 * is written, the index marked "writing" first. A stop (a signal) or a write error while the pages are
 * written leaves the folder as it was, the earlier run's set whole, and the staging folder is handed
 * to a process of its own that removes it once this run has exited (through the open folder, inherited
 * as a descriptor): removing thousands of pages one unlink at a time held the event loop for seconds,
 * a second signal unheard (attack round 22 H3: 7.8 s at 4,728 pages). A run that finds a staging
 * folder of a run that is gone removes it first. A second signal while the pages are renamed into place
 * leaves part of each set, the index saying "writing"; the caller says so.
 */
import {
  constants,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { checkFolder, defaultMode, syncFolder, writeFileAtomic, writeFileAtomicSync } from './atomic.js';
import type { StatementSet } from '../write/statements.js';
import { insideEvidence, OpenFolder } from './folder.js';
import { isTemporaryName, staleTemporaryFiles, takeLock, type OutputLock } from './lock.js';
import { describeError, openOutputFolder } from './target.js';

/** The machine-readable list of a run's statements (beside index.html). */
export const INDEX_JSON = 'leaktally-index.json';
const LOCK = '.leaktally.lock';
const FORMAT = 'leaktally statements index';
/** pages whose fsync and rename may be in flight at once (libuv runs four at a time) */
const IN_FLIGHT = 16;
/** the folder a run writes its pages in before they are renamed into place */
const STAGING = /^\.leaktally-staging-(\d{1,10})$/;
/** pages renamed into place between two turns of the event loop (a second signal is heard between them) */
const RENAME_TURN = 256;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StatementsIndex {
  format: typeof FORMAT;
  version: 1;
  /** writing: a run was filling the folder (every file it may have left is listed); complete: done */
  state: 'writing' | 'complete';
  /** the leaktally that wrote it, and when */
  leaktally: string;
  written_at: string;
  files: string[];
}

/** The index in folder, or undefined when there is none; a string when a file of that name is not one. */
function readIndex(folder: OpenFolder): StatementsIndex | undefined | string {
  let text: string;
  try {
    if (!lstatSync(folder.at(INDEX_JSON)).isFile()) return `${INDEX_JSON} is not a file`;
    text = readFileSync(folder.at(INDEX_JSON), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `cannot read ${INDEX_JSON}: ${describeError(e)}`;
  }
  try {
    const j = JSON.parse(text) as Partial<StatementsIndex>;
    const ok =
      j.format === FORMAT &&
      Array.isArray(j.files) &&
      j.files.every((f) => typeof f === 'string' && f !== '' && !f.includes('/') && f !== '.' && f !== '..');
    if (ok) return j as StatementsIndex;
  } catch {
    /* not JSON */
  }
  return `${INDEX_JSON} is not a leaktally index`;
}

const list = (names: string[], max = 3): string =>
  names.slice(0, max).join(', ') + (names.length > max ? `, and ${names.length - max} more` : '');

/** Why dir cannot take the statements of a scan of root (checked before the scan, nothing made). */
export function statementsDirProblem(dir: string, root: string): string | undefined {
  const p = planStatements(dir, root);
  return typeof p === 'string' ? p : undefined;
}

/**
 * dir's identity for "is another output in it" checks (device:inode, or its parent's + its name when
 * it does not exist yet), or why it cannot be used. Nothing is made.
 */
function planStatements(dir: string, root: string): { id: string; given: string } | string {
  if (dir === '') return 'an empty folder name';
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot use ${dir}: ${describeError(e)}`;
  }
  if (st && !st.isDirectory()) return `${dir} exists and is not a folder`;
  // a folder to make needs a name: not '', '.', '..' or '/' (a trailing slash, `st/`, is fine)
  if (!st && /(^|\/)\.{0,2}$/.test(dir.replace(/(.)\/+$/, '$1'))) return `cannot make the folder ${dir}`;
  const folder = openOutputFolder(st ? dir : dirname(dir), st ? dir : dirname(dir), root);
  if (typeof folder === 'string') return folder.replace('write the output elsewhere', 'write the statements elsewhere');
  const id = st ? folder.id : `${folder.id}/${basename(dir)}`;
  folder.close();
  return { id, given: dir };
}

export interface WriteResult {
  /** every page and index.html, in the order written */
  files: string[];
  /** files of an earlier run removed (not written again by this one) */
  removedOld: string[];
}

/** Why the statements were not all written: a stop, or an error; the folder holds none of this run's. */
export class StatementsStopped extends Error {
  constructor(
    message: string,
    /** pages of this run that were written and then removed */
    readonly writtenThenRemoved: number,
    readonly total: number,
    /** true: a signal; false: a write error */
    readonly bySignal: boolean,
    /** an earlier run's set was in the folder, and went with this run's */
    readonly earlier: boolean,
  ) {
    super(message);
  }
}

export class StatementsFolder {
  /** what the run should say on stderr (stale locks and temporary files removed) */
  readonly notes: string[] = [];
  private lock?: OutputLock;
  private old: string[] = [];
  private wrote = false;
  /** while the pages are written: how many are done, and what a stop must remove */
  private writing?: {
    done: number;
    total: number;
    inFlight: Set<string>;
    earlier: boolean;
    /** the staging folder's name */
    stage: string;
    /** the pages are being renamed into place: a stop now leaves part of each set */
    committing: boolean;
  };

  private constructor(
    readonly given: string,
    private readonly root: string,
    readonly folder: OpenFolder,
    /** the parent, when this run made the folder (to remove it again if nothing is written) */
    private readonly parent: OpenFolder | undefined,
  ) {}

  get id(): string {
    return this.folder.id;
  }

  /**
   * Make (if needed) and open dir, before the scan: checked against the evidence tree on the open
   * folder, locked against another run, left-over temporary files of killed runs removed, and its
   * contents checked (see the top of this file). Returns the folder, or a one-line reason (exit 2).
   */
  static open(dir: string, root: string): StatementsFolder | string {
    const planned = planStatements(dir, root);
    if (typeof planned === 'string') return planned;
    let folder: OpenFolder;
    let parent: OpenFolder | undefined;
    let exists = true;
    try {
      statSync(dir);
    } catch {
      exists = false;
    }
    try {
      if (exists) folder = OpenFolder.open(dir);
      else {
        const p = openOutputFolder(dirname(dir), dirname(dir), root);
        if (typeof p === 'string') return p.replace('write the output elsewhere', 'write the statements elsewhere');
        parent = p;
        try {
          mkdirSync(p.at(basename(dir)), { mode: 0o755 });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          parent.close();
          parent = undefined; // made meanwhile by someone else: not ours to remove
        }
        // O_NOFOLLOW: a link swapped in between the mkdir and the open is refused (ELOOP), not followed
        folder = OpenFolder.open((parent ?? p).at(basename(dir)), constants.O_NOFOLLOW, dir);
      }
    } catch (e) {
      parent?.close();
      return `cannot make or open the folder ${dir}: ${describeError(e)}`;
    }
    const sf = new StatementsFolder(dir, root, folder, parent);
    const why = sf.prepare();
    if (why) {
      sf.close();
      return why;
    }
    return sf;
  }

  private prepare(): string | undefined {
    const dir = this.given;
    if (insideEvidence(this.folder, this.root))
      return `refusing to write into the evidence tree ${this.root}; write the statements elsewhere`;
    const locked = takeLock(this.folder, LOCK, dir);
    if (typeof locked === 'string') return locked;
    this.lock = locked.lock;
    if (locked.staleFrom !== undefined)
      this.notes.push(`removed the lock of an earlier run that was stopped (process ${locked.staleFrom}) from ${dir}`);
    const stale = staleTemporaryFiles(this.folder, undefined);
    if (stale.removed.length)
      this.notes.push(
        `removed ${stale.removed.length} temporary ${stale.removed.length === 1 ? 'file' : 'files'} left in ${dir} by an earlier run that was stopped (process ${stale.pids.join(', ')})`,
      );
    let entries: string[];
    try {
      entries = readdirSync(this.folder.at('.'));
    } catch (e) {
      return `cannot list the folder ${dir}: ${describeError(e)}`;
    }
    // the staging folders of runs that are gone (killed, or their remover was): removed before anything else
    for (const e of entries) {
      const m = STAGING.exec(e);
      if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
      try {
        rmSync(this.folder.at(e), { recursive: true, force: true });
        this.notes.push(`removed the unfinished statements of an earlier run that was stopped (${e}) from ${dir}`);
      } catch (err) {
        return `cannot remove ${dir}/${e} (the unfinished statements of an earlier run): ${describeError(err)}`;
      }
    }
    const index = entries.includes(INDEX_JSON) ? readIndex(this.folder) : undefined;
    if (typeof index === 'string') return `${dir}: ${index}; give an empty folder or one leaktally wrote`;
    this.old = index?.files ?? [];
    const ours = new Set([INDEX_JSON, LOCK, ...this.old]);
    const foreign = entries.filter((e) => !ours.has(e) && !isTemporaryName(e) && !STAGING.test(e)).sort();
    if (foreign.length) {
      return `${dir} holds ${foreign.length === 1 ? 'a file' : `${foreign.length} files`} leaktally did not write (${list(foreign)}); give an empty folder, or one an earlier run filled (its ${INDEX_JSON} lists its files)`;
    }
    for (const name of new Set([...this.old, 'method.html', 'index.html'])) {
      let st;
      try {
        st = lstatSync(this.folder.at(name));
      } catch {
        continue; // listed but gone: nothing to replace
      }
      if (!st.isFile()) return `${dir}/${name} is no longer a file leaktally wrote; remove it or write elsewhere`;
      // leaktally writes each page afresh (one link): a page with another name elsewhere (a hard link,
      // to evidence perhaps) is not its own to replace or remove. A forged index listing such a link
      // had it unlinked as a stale page: the evidence's link count and ctime changed (attack round 20)
      if (st.nlink > 1)
        return `${dir}/${name} has ${st.nlink} links (another name elsewhere): not a page leaktally wrote; remove it or write elsewhere`;
      if ((st.mode & 0o222) === 0)
        return `${dir}/${name} is read-only; leaktally does not replace a read-only file: make it writable or write the statements elsewhere`;
    }
    return undefined;
  }

  private writeIndex(state: StatementsIndex['state'], files: string[], version: string): void {
    const index: StatementsIndex = {
      format: FORMAT,
      version: 1,
      state,
      leaktally: version,
      written_at: new Date().toISOString(),
      files,
    };
    writeFileAtomicSync(this.folder, INDEX_JSON, JSON.stringify(index, null, 2) + '\n', this.modeOf(INDEX_JSON));
  }

  /** a replaced file keeps its mode (checked writable before the scan); a new one gets the usual mode */
  private modeOf(name: string): number {
    try {
      return lstatSync(this.folder.at(name)).mode & 0o7777;
    } catch {
      return defaultMode();
    }
  }

  /**
   * Write the pages (index.html last), then remove the earlier run's files this run did not write,
   * then mark the index complete. Each page is rendered as it is taken and written at once; its fsync
   * and rename follow on libuv's threads, up to IN_FLIGHT pages at a time (atomic.ts writeFileAtomic),
   * so that neither the pages nor their wait for the disk add up. `stop()` is asked between pages
   * (signals get in: the loop yields after each). Throws FolderMovedError (nothing written) or
   * StatementsStopped (the set removed again, once the pages in flight have settled).
   */
  async write(set: StatementSet, version: string, stop: () => string | undefined): Promise<WriteResult> {
    checkFolder(this.folder, this.root);
    const names = [...set.names];
    const all = [...new Set([...this.old, ...names])];
    const earlier = this.old.length > 0;
    const stageName = `.leaktally-staging-${process.pid}`;
    mkdirSync(this.folder.at(stageName), { mode: 0o700 });
    let stage: OpenFolder;
    try {
      // O_NOFOLLOW: a link swapped in for it is refused (ELOOP), not followed
      stage = OpenFolder.open(this.folder.at(stageName), constants.O_NOFOLLOW, `${this.given}/${stageName}`);
    } catch (e) {
      rmdirQuiet(this.folder.at(stageName));
      throw e;
    }
    const w: NonNullable<StatementsFolder['writing']> = (this.writing = {
      done: 0,
      total: names.length,
      inFlight: new Set<string>(),
      earlier,
      stage: stageName,
      committing: false,
    });
    const pending = new Set<Promise<void>>();
    let failed: { name: string; error: unknown } | undefined;
    let stopped: string | undefined;
    try {
      for (const [name, text] of set.pages()) {
        stopped = stop();
        if (stopped || failed) break;
        const p: Promise<void> = writeFileAtomic(stage, name, text, this.modeOf(name), w.inFlight).then(
          () => void (w.done += 1),
          (error: unknown) => void (failed ??= { name, error }),
        );
        pending.add(p);
        void p.finally(() => pending.delete(p));
        if (pending.size >= IN_FLIGHT) await Promise.race(pending);
        else await new Promise((r) => setImmediate(r));
      }
      await Promise.all(pending);
    } catch (e) {
      stage.close();
      this.writing = undefined;
      this.discard(stageName);
      throw e;
    }
    if (stopped || failed || this.writing !== w) {
      stage.close();
      // abandoned meanwhile (a second signal): the staging folder is gone to its remover already
      if (this.writing === w) {
        this.writing = undefined;
        this.discard(stageName);
      }
      if (stopped && !failed) throw new StatementsStopped(stopped, w.done, names.length, true, earlier);
      throw new StatementsStopped(
        `cannot write the statement ${failed!.name} in ${this.given}: ${describeError(failed!.error)}`,
        w.done,
        names.length,
        false,
        earlier,
      );
    }
    // every page is written: into place, the index saying "writing" while the two sets are mixed; a
    // first signal now lets the renames finish (the outputs are then whole), a second ends the run
    syncFolder(stage.at('.'));
    this.wrote = true;
    w.committing = true;
    this.writeIndex('writing', all, version);
    try {
      for (let i = 0; i < names.length; i++) {
        if (this.writing !== w) break;
        renameSync(stage.at(names[i]!), this.folder.at(names[i]!));
        if ((i + 1) % RENAME_TURN === 0) await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      stage.close();
      if (this.writing === w) {
        this.writing = undefined;
        this.discard(stageName);
      }
      throw new StatementsStopped(
        `cannot put the statements in place in ${this.given}: ${describeError(e)}; its ${INDEX_JSON} says "writing" (part of each set)`,
        w.done,
        names.length,
        false,
        earlier,
      );
    }
    stage.close();
    if (this.writing !== w) throw new StatementsStopped('stopped at once', w.done, names.length, true, earlier);
    this.writing = undefined;
    rmdirQuiet(this.folder.at(stageName));
    const keep = new Set(names);
    const removedOld = this.old.filter((n) => !keep.has(n));
    for (const n of removedOld) unlinkQuiet(this.folder.at(n));
    this.writeIndex('complete', names, version);
    syncFolder(this.folder.at('.'));
    this.old = names;
    return { files: names, removedOld };
  }

  /**
   * The staging folder handed to a process of its own, which removes it once this run has exited
   * (through the statements folder's descriptor, inherited: never through its path). Where no such
   * process can be started, removed here.
   */
  private discard(stageName: string): void {
    const script =
      'while kill -0 "$0" 2>/dev/null; do sleep 0.05; done; rm -rf -- "/proc/self/fd/3/$1"; ' +
      '[ -z "$2" ] || rmdir -- "/proc/self/fd/4/$2" 2>/dev/null; exit 0';
    // a folder this run made, and put nothing in: removed with it
    const parent = this.wrote ? undefined : this.parent;
    try {
      if (!existsProcFd()) throw new Error('no /proc/self/fd');
      const child = spawn(
        '/bin/sh',
        ['-c', script, String(process.pid), stageName, parent ? basename(this.given) : ''],
        {
          detached: true,
          stdio: ['ignore', 'ignore', 'ignore', this.folder.fd, parent ? parent.fd : 'ignore'],
        },
      );
      child.on('error', () => rmQuiet(this.folder.at(stageName)));
      child.unref();
      this.remover = child.pid;
    } catch {
      rmQuiet(this.folder.at(stageName));
    }
  }

  /** the process removing a stopped run's staging folder (see discard), for the caller's line */
  remover: number | undefined;

  /**
   * The run ends at once (a second signal): if pages are being written, their staging folder is
   * handed to its remover (see discard) and the line says what the folder holds; undefined when no
   * page was being written.
   */
  abandon(): string | undefined {
    const w = this.writing;
    if (!w) return undefined;
    this.writing = undefined;
    this.discard(w.stage);
    if (w.committing)
      return `--statements ${this.given}: stopped while the pages were put in place: the folder holds part of this run's set${w.earlier ? " and part of the earlier run's" : ''}, and its ${INDEX_JSON} says "writing"; write the statements again`;
    return `--statements ${this.given}: ${stoppedLine(w.done, w.total, w.earlier, this.remover)}`;
  }

  /** Release the lock; a folder this run made and wrote nothing in is removed again. */
  close(): void {
    this.lock?.release();
    this.lock = undefined;
    if (this.parent && !this.wrote) {
      try {
        rmdirSync(this.parent.at(basename(this.given)));
      } catch {
        /* not empty (someone put something there), or gone */
      }
    }
    this.parent?.close();
    this.folder.close();
  }
}

/**
 * What a stop while the pages were written leaves: the folder as it was, and the pages written on
 * their way out (shared with the caller's line for a first signal).
 */
export function stoppedLine(done: number, total: number, earlier: boolean, remover: number | undefined): string {
  const set = earlier ? "the earlier run's set, whole, as it was" : 'no statements';
  const gone =
    remover === undefined
      ? 'removed again'
      : `removed by process ${remover} as this run exits (a later run into the folder removes whatever is left)`;
  return `stopped after ${done} of ${total} pages, none put in place: the folder holds ${set}; the pages written are ${gone}`;
}

const existsProcFd = (): boolean => {
  try {
    return statSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
};

function rmQuiet(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* gone already */
  }
}

function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    /* not empty, or gone */
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}
