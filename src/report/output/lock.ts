/**
 * Two runs with the same output, and what a killed run leaves behind.
 *
 * A lock beside each output (`.s.csv.lock`, or `.leaktally.lock` in a --statements folder) names the
 * pid of the run writing it, made before the scan: a second run with the same output is refused
 * (exit 2) instead of mixing its files with the first one's. A lock whose process is gone (kill -9, a
 * crash, a power cut) is stale: it is removed and taken, and the run says so. The lock is a symbolic
 * link whose target is the pid (as Emacs and Mercurial lock): made atomically or not at all (EEXIST),
 * read in one call, and it needs no data block, so a full disk fails at the output itself, with the
 * output's own error, not at its lock.
 *
 * Temporary files are named `.<name>.tmp-<pid>-<8 hex>` (atomic.ts). One whose process is gone is
 * what a killed run left (it may hold evidence paths): a run removes those of its own outputs and says
 * so. One whose process is alive is left alone (another run's, or a pid reused: it is named, not removed).
 */
import { lstatSync, readdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { describeError } from './target.js';
import { OpenFolder } from './folder.js';

/** Is process pid running? (EPERM: it is, as another user) */
function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const held = new Set<OutputLock>();
let exitHook = false;

export class OutputLock {
  constructor(
    private readonly folder: OpenFolder,
    readonly name: string,
    private readonly ino: number,
  ) {}

  /** name in the locked folder, resolved from the folder as opened (never through its path again) */
  at(name: string): string {
    return this.folder.at(name);
  }

  /** Remove the lock file, if it is still this lock's (never another run's that took a stale one over). */
  release(): void {
    if (!held.delete(this)) return;
    try {
      const path = this.folder.at(this.name);
      if (lstatSync(path).ino === this.ino) unlinkSync(path);
    } catch {
      /* gone already, or the folder is */
    }
    this.folder.close();
  }
}

/** Every lock this process holds, released (the 'exit' event, errors and signals). */
function releaseLocks(): void {
  for (const l of [...held]) l.release();
}

export interface Locked {
  lock: OutputLock;
  /** a stale lock was found and taken over: its process id */
  staleFrom?: number;
}

const TARGET = /^leaktally-pid-(\d{1,10})$/;

function readLock(path: string): { pid: number; ino: number } | undefined {
  try {
    const ino = lstatSync(path).ino;
    const m = TARGET.exec(readlinkSync(path));
    return { pid: m ? Number(m[1]) : 0, ino };
  } catch {
    return undefined; // gone meanwhile, or not a link: a pid of 0 is never alive
  }
}

/**
 * Take the lock `lockName` in folder for an output shown as `what` (e.g. "--csv s.csv"). Returns the
 * lock, or a one-line reason: another run holds it, or the lock cannot be made.
 */
export function takeLock(folder: OpenFolder, lockName: string, what: string): Locked | string {
  const path = folder.at(lockName);
  let staleFrom: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      symlinkSync(`leaktally-pid-${process.pid}`, path);
      // the lock's own handle on the folder: the output's is closed when the file is in place
      const lock = new OutputLock(OpenFolder.open(folder.at('.'), 0, folder.given), lockName, lstatSync(path).ino);
      held.add(lock);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', releaseLocks);
      }
      return { lock, staleFrom };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot write ${what}: ${describeError(e)}`;
    }
    const holder = readLock(path);
    if (!holder) continue; // removed meanwhile: try again
    if (pidAlive(holder.pid))
      return `${what} is being written by another leaktally run (process ${holder.pid}); wait for it to end or write elsewhere`;
    // stale: its process is gone. Removed only if it is still the file read (not a lock another run
    // has just taken over); a run that loses that race finds the new lock alive on the next attempt.
    try {
      if (lstatSync(path).ino === holder.ino) unlinkSync(path);
      staleFrom = holder.pid;
    } catch {
      /* gone meanwhile */
    }
  }
  return `cannot take the lock ${lockName} beside ${what} (it keeps changing): is another run starting?`;
}

const TEMP = /^\.(.+)\.tmp-(\d{1,10})-[0-9a-f]{8}$/;

/**
 * Temporary files in folder left by runs that are gone, of the outputs named (every name when `names`
 * is undefined: a --statements folder is all leaktally's). Those of a dead process are removed; returns
 * what was removed and what was left (a live process's).
 */
export function staleTemporaryFiles(
  folder: OpenFolder,
  names: ReadonlySet<string> | undefined,
): { removed: string[]; pids: number[]; alive: string[] } {
  const out = { removed: [] as string[], pids: [] as number[], alive: [] as string[] };
  let entries: string[];
  try {
    entries = readdirSync(folder.at('.'));
  } catch {
    return out; // a folder that cannot be listed: nothing found
  }
  for (const e of entries) {
    const m = TEMP.exec(e);
    if (!m || (names && !names.has(m[1]!))) continue;
    const pid = Number(m[2]);
    if (pid === process.pid) continue;
    if (pidAlive(pid)) {
      out.alive.push(e);
      continue;
    }
    try {
      unlinkSync(folder.at(e));
      out.removed.push(e);
      if (!out.pids.includes(pid)) out.pids.push(pid);
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
  return out;
}

/** Is name a temporary file's name (of any output)? */
export const isTemporaryName = (name: string): boolean => TEMP.test(name);
