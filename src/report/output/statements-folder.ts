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
 * A stop (a signal) or a write error while the pages are written removes the set: every page the
 * index lists, this run's and the earlier run's (a mix of two runs cannot be told apart), so the
 * folder holds whole sets only; the caller says so.
 */
import { constants, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
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
    /** the files this run may have made so far, and the earlier set */
    touched: () => string[];
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
    const index = entries.includes(INDEX_JSON) ? readIndex(this.folder) : undefined;
    if (typeof index === 'string') return `${dir}: ${index}; give an empty folder or one leaktally wrote`;
    this.old = index?.files ?? [];
    const ours = new Set([INDEX_JSON, LOCK, ...this.old]);
    const foreign = entries.filter((e) => !ours.has(e) && !isTemporaryName(e)).sort();
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
    this.wrote = true;
    this.writeIndex('writing', all, version);
    const earlier = this.old.length > 0;
    // pages begun so far (in the set's order): a stop removes those and the earlier set, not every
    // name of the set (an unlink of a name never written costs ~13 µs: 13 s for a million pages)
    let started = 0;
    const w = (this.writing = {
      done: 0,
      total: names.length,
      inFlight: new Set<string>(),
      earlier,
      touched: () => [...this.old, ...names.slice(0, started)],
    });
    const pending = new Set<Promise<void>>();
    let failed: { name: string; error: unknown } | undefined;
    let stopped: string | undefined;
    for (const [name, text] of set.pages()) {
      stopped = stop();
      if (stopped || failed) break;
      started++;
      const p: Promise<void> = writeFileAtomic(this.folder, name, text, this.modeOf(name), w.inFlight).then(
        () => void (w.done += 1),
        (error: unknown) => void (failed ??= { name, error }),
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
      if (pending.size >= IN_FLIGHT) await Promise.race(pending);
      else await new Promise((r) => setImmediate(r));
    }
    await Promise.all(pending);
    if (stopped || failed) {
      this.writing = undefined;
      this.removeSet(w.touched());
      if (stopped && !failed) throw new StatementsStopped(stopped, w.done, names.length, true, earlier);
      throw new StatementsStopped(
        `cannot write the statement ${failed!.name} in ${this.given}: ${describeError(failed!.error)}`,
        w.done,
        names.length,
        false,
        earlier,
      );
    }
    this.writing = undefined;
    const keep = new Set(names);
    const removedOld = this.old.filter((n) => !keep.has(n));
    for (const n of removedOld) unlinkQuiet(this.folder.at(n));
    this.writeIndex('complete', names, version);
    syncFolder(this.folder.at('.'));
    this.old = names;
    return { files: names, removedOld };
  }

  /**
   * The run ends at once (a second signal): if pages are being written, remove the set now and say
   * so; undefined when no page was being written.
   */
  abandon(): string | undefined {
    const w = this.writing;
    if (!w) return undefined;
    this.writing = undefined;
    for (const t of w.inFlight) unlinkQuiet(this.folder.at(t));
    this.removeSet(w.touched());
    return `--statements ${this.given}: stopped after ${w.done} of ${w.total} pages, and the set was removed again (${w.earlier ? "this run's pages and the earlier run's" : "this run's pages"}): the folder holds no statements now`;
  }

  /** Remove every file of the set and the index (a stop or an error while writing). */
  private removeSet(all: string[]): void {
    for (const n of all) unlinkQuiet(this.folder.at(n));
    unlinkQuiet(this.folder.at(INDEX_JSON));
    syncFolder(this.folder.at('.'));
    // nothing of this run is left: a folder it made is removed again by close(), as after no write
    this.wrote = false;
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

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}
